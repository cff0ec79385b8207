"""ClusterStorageContainers: which custom storage-initializer container serves a URI.

Ports KServe v0.20.0 `pkg/webhook/admission/pod/storage_initializer_injector.go`
(`GetStorageContainerSpec`, `GetStorageContainerSpecByName`) and
`pkg/apis/serving/v1alpha1/storage_container_types.go` (`IsDisabled`, `IsStorageUriSupported`).
KServe lists them from the cluster; here they come from the input set (none is normal).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator import constants as c
from generator.admission.pod import MutationError
from generator.goruntime.regexp import PatternError, match_string

WORKLOAD_TYPE_INIT_CONTAINER = "initContainer"
CLUSTER_STORAGE_CONTAINER_KIND = "ClusterStorageContainer"


def storage_containers_from(objects: Iterable[Mapping[str, Any]]) -> tuple[Mapping[str, Any], ...]:
    """The ClusterStorageContainer objects among `objects`, by name (as the API lists them)."""
    found = [
        o
        for o in objects
        if o.get("kind") == CLUSTER_STORAGE_CONTAINER_KIND
        and str(o.get("apiVersion", "")).startswith(c.KSERVE_API_GROUP + "/")
    ]
    return tuple(sorted(found, key=lambda o: str((o.get("metadata") or {}).get("name", ""))))


def is_storage_uri_supported(spec: Mapping[str, Any], uri: str) -> bool:
    """Port of `IsStorageUriSupported`: a prefix, else an (unanchored) regex match; raises
    PatternError for a regex Go's regexp refuses."""
    for uri_format in spec.get("supportedUriFormats") or []:
        if uri_format.get("prefix"):
            if uri.startswith(uri_format["prefix"]):
                return True
        elif uri_format.get("regex"):
            if match_string(uri_format["regex"], uri):
                return True
    return False


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name", ""))


def _eligible(obj: Mapping[str, Any]) -> tuple[bool, bool]:
    """(disabled, init-container workload); `workloadType` defaults to initContainer (CRD)."""
    spec = obj.get("spec") or {}
    workload = spec.get("workloadType") or WORKLOAD_TYPE_INIT_CONTAINER
    return obj.get("disabled") is True, workload == WORKLOAD_TYPE_INIT_CONTAINER


def get_storage_container_spec(
    uri: str, name: str | None, storage_containers: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any] | None:
    """Port of `GetStorageContainerSpec`: the named container, else the first match by name."""
    if name:
        return get_storage_container_spec_by_name(name, uri, storage_containers)
    for sc in storage_containers:
        disabled, init = _eligible(sc)
        if disabled or not init:
            continue
        try:
            supported = is_storage_uri_supported(sc.get("spec") or {}, uri)
        except PatternError as err:
            raise MutationError(f"error checking storage container {_name(sc)}: {err}") from None
        if supported:
            return sc.get("spec") or {}
    return None


def get_storage_container_spec_by_name(
    name: str, uri: str, storage_containers: Sequence[Mapping[str, Any]]
) -> Mapping[str, Any]:
    """Port of `GetStorageContainerSpecByName`: an explicit choice must be eligible."""
    sc = next((s for s in storage_containers if _name(s) == name), None)
    if sc is None:
        # GitOps: "not found" means not in the input set; the cluster may have it.
        raise MutationError(f'ClusterStorageContainer "{name}" not found')
    disabled, init = _eligible(sc)
    if disabled:
        raise MutationError(f'ClusterStorageContainer "{name}" is disabled')
    if not init:
        workload = (sc.get("spec") or {}).get("workloadType")
        raise MutationError(
            f'ClusterStorageContainer "{name}" has workloadType "{workload}"; explicit '
            f'selection requires "{WORKLOAD_TYPE_INIT_CONTAINER}"'
        )
    try:
        supported = is_storage_uri_supported(sc.get("spec") or {}, uri)
    except PatternError as err:
        raise MutationError(
            f'ClusterStorageContainer "{name}" URI check failed for "{uri}": {err}'
        ) from None
    if not supported:
        raise MutationError(f'ClusterStorageContainer "{name}" does not support storageUri "{uri}"')
    return sc.get("spec") or {}
