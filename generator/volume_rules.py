"""The API server's checks in code of a PersistentVolume's and a PersistentVolumeClaim's spec,
which no schema can say: `ValidatePersistentVolumeSpec` (not for an inline volume) and
`ValidatePersistentVolumeClaimSpec` of k8s.io/kubernetes v1.34.0, pkg/apis/core/validation.

Each function returns (field under the spec, message) pairs in Go's order. They run on specs
the schema may have refused already, so a field of the wrong type is left to the schema.

Not ported, each a port of its own (the API server still refuses these when the objects
sync): what is inside a node selector term, the volume sources' own rules other than
hostPath's and local's, a claim's selector, dataSource and dataSourceRef, and
volumeAttributesClassName (behind a feature gate).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from generator.config.quantity import QuantityError, unmarshal_quantity
from generator.errors import REQUIRED
from generator.k8s_names import dns1123_subdomain_errors

# The volume sources of a PersistentVolumeSpec in the order Go counts them, by JSON name.
PV_SOURCES = (
    "hostPath", "gcePersistentDisk", "awsElasticBlockStore", "glusterfs", "flocker", "nfs",
    "rbd", "quobyte", "cephfs", "iscsi", "cinder", "fc", "flexVolume", "azureFile",
    "vsphereVolume", "photonPersistentDisk", "portworxVolume", "azureDisk", "scaleIO", "local",
    "storageos", "csi",
)  # fmt: skip
# Go names the field of its "more than 1 volume type" error so for this source alone.
_FORBIDDEN_PATH = {"cephfs": "cephFS"}
# Sorted, as Go lists them (sets.List).
ACCESS_MODES = ("ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod")
RECLAIM_POLICIES = ("Delete", "Recycle", "Retain")
VOLUME_MODES = ("Block", "Filesystem")
HOST_PATH_TYPES = (
    "", "BlockDevice", "CharDevice", "Directory", "DirectoryOrCreate", "File", "FileOrCreate",
    "Socket",
)  # fmt: skip


def persistent_volume_spec(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Port of `ValidatePersistentVolumeSpec` (k8s.io/kubernetes, not for an inline volume):
    what it refuses in a PersistentVolume's spec."""
    found = _access_modes(spec.get("accessModes"), REQUIRED)
    capacity = spec.get("capacity")
    if isinstance(capacity, Mapping) or capacity is None:
        if not capacity:  # Go says "not supported" too, for the same fault
            found.append((".capacity", REQUIRED))
        elif "storage" not in capacity or len(capacity) > 1:
            found.append((".capacity", 'supported values: "storage"'))
        for name, value in (capacity or {}).items():
            found += _positive(value, f".capacity.{name}")
    policy = spec.get("persistentVolumeReclaimPolicy")
    if isinstance(policy, str) and policy:
        found += _supported(policy, RECLAIM_POLICIES, ".persistentVolumeReclaimPolicy")
    affinity = spec.get("nodeAffinity")
    if isinstance(affinity, Mapping):
        found += _node_affinity(affinity)
    found += _sources(spec, affinity is not None)
    host = spec.get("hostPath")
    if isinstance(host, Mapping) and spec.get("persistentVolumeReclaimPolicy") == "Recycle":
        if isinstance(host.get("path"), str) and _clean(host["path"]) == "/":
            message = "may not be 'recycle' for a hostPath mount of '/'"
            found.append((".persistentVolumeReclaimPolicy", message))
    found += _class_name(spec.get("storageClassName"))
    found += _volume_mode(spec.get("volumeMode"))
    return found


def persistent_volume_claim_spec(spec: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Port of `ValidatePersistentVolumeClaimSpec` (k8s.io/kubernetes): what it refuses in a
    PersistentVolumeClaim's spec."""
    found = _access_modes(spec.get("accessModes"), "at least 1 access mode is required")
    resources = spec.get("resources")
    requests = resources.get("requests") if isinstance(resources, Mapping) else None
    if not isinstance(requests, Mapping) or requests.get("storage") is None:
        found.append((".resources.requests.storage", REQUIRED))
    else:
        found += _positive(requests["storage"], ".resources.requests.storage")
    found += _class_name(spec.get("storageClassName"))
    found += _volume_mode(spec.get("volumeMode"))
    return found


def _access_modes(modes: Any, missing: str) -> list[tuple[str, str]]:
    if not modes:
        return [(".accessModes", missing)]
    if not isinstance(modes, list) or not all(isinstance(m, str) for m in modes):
        return []  # the schema's refusal
    found = [one for mode in modes for one in _supported(mode, ACCESS_MODES, ".accessModes")]
    known = [mode for mode in modes if mode in ACCESS_MODES]
    if "ReadWriteOncePod" in known and any(mode != "ReadWriteOncePod" for mode in known):
        found.append((".accessModes", "may not use ReadWriteOncePod with other access modes"))
    return found


def _sources(spec: Mapping[str, Any], affinity: bool) -> list[tuple[str, str]]:
    """One volume source, and its own rules. Go counts flexVolume without checking that none
    came before it, so flexVolume beside another source is taken (a later one is not)."""
    found: list[tuple[str, str]] = []
    count = 0
    for name in PV_SOURCES:
        source = spec.get(name)
        if source is None:
            continue
        if count and name != "flexVolume":
            path = _FORBIDDEN_PATH.get(name, name)
            found.append((f".{path}", "may not specify more than 1 volume type"))
            continue
        count += 1
        if not isinstance(source, Mapping):
            continue  # the schema's refusal
        if name == "hostPath":
            found += _host_path(source)
        elif name == "local":
            found += _path(source, ".local.path")
            if not affinity:
                found.append((".nodeAffinity", "Local volume requires node affinity"))
    if not count:
        found.append(("", "must specify a volume type"))
    return found


def _host_path(source: Mapping[str, Any]) -> list[tuple[str, str]]:
    found = _path(source, ".hostPath.path")
    kind = source.get("type")
    if not source.get("path") or not isinstance(kind, str):
        return found  # Go checks nothing more of a hostPath without a path
    return found + _supported(kind, HOST_PATH_TYPES, ".hostPath.type")


def _path(source: Mapping[str, Any], field: str) -> list[tuple[str, str]]:
    """A path that is required and holds no `..` element (validatePathNoBacksteps: split on
    "/" alone, as on the API server's Linux)."""
    path = source.get("path")
    if not path:
        return [(field, REQUIRED)]
    if isinstance(path, str) and ".." in path.split("/"):
        return [(field, f"invalid value {json.dumps(path)}: must not contain '..'")]
    return []


def _node_affinity(affinity: Mapping[str, Any]) -> list[tuple[str, str]]:
    required = affinity.get("required")
    if required is None:
        return [(".nodeAffinity.required", "must specify required node constraints")]
    if isinstance(required, Mapping) and not required.get("nodeSelectorTerms"):
        message = "must have at least one node selector term"
        return [(".nodeAffinity.required.nodeSelectorTerms", message)]
    return []


def _positive(value: Any, field: str) -> list[tuple[str, str]]:
    """A quantity above zero (ValidatePositiveQuantityValue); one Go cannot read is the
    quantity check's refusal."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return []
    try:
        quantity = unmarshal_quantity(value)
    except QuantityError:
        return []
    if quantity.value > Decimal(0):
        return []
    return [(field, f"invalid value {json.dumps(str(quantity))}: must be greater than zero")]


def _class_name(name: Any) -> list[tuple[str, str]]:
    if not isinstance(name, str) or not name:
        return []
    return [
        (".storageClassName", f"invalid value {json.dumps(name)}: {message}")
        for message in dns1123_subdomain_errors(name)
    ]


def _volume_mode(mode: Any) -> list[tuple[str, str]]:
    return _supported(mode, VOLUME_MODES, ".volumeMode") if isinstance(mode, str) else []


def _supported(value: str, supported: tuple[str, ...], field: str) -> list[tuple[str, str]]:
    if value in supported:
        return []
    listed = ", ".join(json.dumps(one) for one in supported)
    return [(field, f"unsupported value {json.dumps(value)}: supported values: {listed}")]


def _clean(path: str) -> str:
    """Go's `path.Clean`, as far as telling whether a path is the root folder."""
    if not path.startswith("/"):
        return path
    parts: list[str] = []
    for part in path.split("/"):
        if part in ("", "."):
            continue
        if part == "..":
            if parts:
                parts.pop()
            continue
        parts.append(part)
    return "/" + "/".join(parts)
