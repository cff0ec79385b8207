"""The serving PersistentVolume and PersistentVolumeClaim of a local model cache, in each
namespace with a service on the cache.

Ports step 4 of KServe's LocalModel controller (`localmodelcache_reconciler.go` and
`localmodelnamespacecache_reconciler.go`, `Reconcile`; `reconcilers/utils.go: ReconcileForIsvcs`),
which runs unless `localModel.disableVolumeManagement`: for every namespace with an
InferenceService or LLMInferenceService the defaulting webhook labelled with the cache, and
every node group those services use (their `serving.kserve.io/nodegroup` annotation when it is
one of the cache's node groups, else the cache's first), PersistentVolume
`<cache>-<group>-<namespace>` with the LocalModelNodeGroup's `persistentVolumeSpec`, and
PersistentVolumeClaim `<namespace>/<cache>-<group>` with its `persistentVolumeClaimSpec` and
`volumeName` set to the PV. That PVC is the one the pods mount.

GitOps: the controller finds the services in the cluster, and a rendered one is not there, so
the render makes the two objects from the input set's LocalModelNodeGroups. Without every node
group of a cache in the input set, KServe's reconcile of that cache stops (it gets each one
first), and here a warning names the PVC the pods need. No ownerReferences (the cache's UID is
not known offline). The specs are checked as the API server checks the node group that holds
them and the PV and PVC made of them (`inputset.local_model_node_groups`: strict, so nothing a
Go type lacks is left to drop, and the API server's checks in code, volume_rules.py), then
copied with their quantities in Go's canonical form. The objects are rendered
once, with the first service of the namespace (by name) as their owner in the rendered folder.
ModelMesh InferenceServices and LLMInferenceServices passed through are in the cluster, where
KServe's controller serves them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, NamedTuple

from generator import constants as c
from generator.config.quantity import marshal_quantity
from generator.data import copy_data
from generator.errors import Notice, ObjectRef, Source
from generator.records import Rendered, mark_managed

# A node group's volume specs, the objects KServe's LocalModel controller makes of them
# (`ReconcileForIsvcs`: a typed corev1 PersistentVolume and PersistentVolumeClaim), and where
# each holds quantities, which a typed copy writes in Go's canonical form.
VOLUME_SPECS = (
    ("persistentVolumeSpec", "PersistentVolume", (("capacity",),)),
    ("persistentVolumeClaimSpec", "PersistentVolumeClaim", (("resources", "requests"),
                                                            ("resources", "limits"))),
)  # fmt: skip


class Service(NamedTuple):
    """A rendered service's identity and the metadata the defaulting webhook left it."""

    namespace: str
    name: str
    kind: str
    source: Source
    metadata: Mapping[str, Any]


def render_serving_volumes(
    services: Sequence[Service],
    caches: Sequence[Mapping[str, Any]],
    groups: Mapping[str, Mapping[str, Any]],
    disable_volume_management: bool,
) -> tuple[list[Rendered], list[Notice]]:
    """Port of `ReconcileForIsvcs`' PV and PVC creation (see the module docstring) for the
    services on a cache, from the LocalModelNodeGroups by name; a warning for each service
    whose PVC no cache can render."""
    rendered: dict[tuple[str, str], Rendered] = {}
    notices: list[Notice] = []
    for service in sorted(services, key=lambda s: (s.namespace, s.name, s.kind)):
        labels = service.metadata.get("labels") or {}
        name = labels.get(c.LOCAL_MODEL_LABEL)
        if name is None:
            continue
        for cache in _reconciling(name, service, labels, caches):
            spec = cache["spec"]
            if disable_volume_management or any(g not in groups for g in spec["nodeGroups"]):
                continue  # Reconcile returns before step 4 (or a node group Get fails)
            group = _node_group(service, spec["nodeGroups"])
            if group is None:
                continue
            pvc_name = f"{name}-{group}"
            for obj in _volumes(pvc_name, service.namespace, groups[group]):
                key = (obj["kind"], f"{service.namespace}/{obj['metadata']['name']}")
                rendered.setdefault(key, Rendered(mark_managed(obj), service.name, service.source))
        claim = (service.metadata.get("annotations") or {}).get(
            c.LOCAL_MODEL_PVC_NAME_ANNOTATION_KEY
        )
        if ("PersistentVolumeClaim", f"{service.namespace}/{claim}") not in rendered:
            notices.append(_missing(service, name, claim or ""))
    return list(rendered.values()), notices


def _reconciling(
    name: str, service: Service, labels: Mapping[str, str], caches: Sequence[Mapping[str, Any]]
) -> list[Mapping[str, Any]]:
    """The caches whose reconcile lists `service`: a LocalModelCache of the label's name
    (`LocalModelKey` indexes every labelled service), and a LocalModelNamespaceCache of that
    name in the service's namespace when the namespace label names it (`LocalModelNamespaceKey`)."""
    found = []
    for cache in caches:
        meta = cache.get("metadata") or {}
        if meta.get("name") != name:
            continue
        if cache.get("kind") == "LocalModelCache":
            found.append(cache)
        elif (
            labels.get(c.LOCAL_MODEL_NAMESPACE_LABEL) == service.namespace == meta.get("namespace")
        ):
            found.append(cache)
    return found


def _node_group(service: Service, cache_groups: Sequence[str]) -> str | None:
    """The annotated node group if the cache has it (else none: KServe logs and skips), or the
    cache's first (`defaultNodeGroup`)."""
    annotations = service.metadata.get("annotations") or {}
    if c.NODE_GROUP_ANNOTATION_KEY in annotations:
        group = annotations[c.NODE_GROUP_ANNOTATION_KEY]
        return group if group in cache_groups else None
    return cache_groups[0]


def _volumes(pvc_name: str, namespace: str, node_group: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The PV and PVC as KServe creates them: its volume specs, checked by
    inputset.local_model_node_groups, with their quantities as Go writes them."""
    spec = node_group["spec"]
    pv_name = f"{pvc_name}-{namespace}"
    specs = {}
    for key, _, quantity_maps in VOLUME_SPECS:
        specs[key] = copy_data(dict(spec[key]))
        for path in quantity_maps:
            _canonical_quantities(specs[key], path)
    volume = {
        "apiVersion": "v1",
        "kind": "PersistentVolume",
        "metadata": {"name": pv_name},
        "spec": specs["persistentVolumeSpec"],
    }
    claim = {
        "apiVersion": "v1",
        "kind": "PersistentVolumeClaim",
        "metadata": {"name": pvc_name, "namespace": namespace},
        "spec": {**specs["persistentVolumeClaimSpec"], "volumeName": pv_name},
    }
    return [volume, claim]


def quantities_at(spec: Mapping[str, Any], path: tuple[str, ...]) -> Any:
    """What is at `path` in a volume spec (one of VOLUME_SPECS' quantity maps), or None where
    a step on the way is not a mapping."""
    values: Any = spec
    for part in path:
        values = values.get(part) if isinstance(values, Mapping) else None
    return values


def _canonical_quantities(spec: dict[str, Any], path: tuple[str, ...]) -> None:
    """The quantities of the map at `path` in Go's canonical form (`Quantity.MarshalJSON`)."""
    values = quantities_at(spec, path)
    if isinstance(values, dict):
        for name, value in values.items():
            values[name] = marshal_quantity(value)


def _missing(service: Service, cache: str, claim: str) -> Notice:
    return Notice(
        service.source,
        ObjectRef(service.kind, service.namespace, service.name),
        f"its pods mount local model cache {cache} from PersistentVolumeClaim "
        f"{service.namespace}/{claim}, which KServe's LocalModel controller creates only for the "
        "services it finds in the cluster: add the cache's LocalModelNodeGroups to the input set "
        "(the render then makes the PVC and its PV), commit them, or set "
        "serving.kserve.io/disable-localmodel",
    )


__all__ = ["Service", "render_serving_volumes"]
