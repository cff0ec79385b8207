"""`diff --live`: the render against the objects in the cluster, in the spirit of `kubectl diff`.

Per rendered object the server is asked for a server-side apply dry run (what the object would
become, defaults included); where it refuses, the live object is cut down to the fields the
render sets, so server defaults do not show. Either way the fields the server owns (status,
managedFields, resourceVersion, uid, ...) are dropped from both sides. Objects that carry the
managed-by label and are no longer rendered are listed as pruned.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator import constants as c
from generator import output
from generator.cluster.kube import Cluster, Resource
from generator.diff import ADDED, CHANGED, REMOVED, ObjectChange

SERVER_METADATA = (
    "managedFields",
    "resourceVersion",
    "uid",
    "creationTimestamp",
    "generation",
    "selfLink",
    "deletionTimestamp",
    "deletionGracePeriodSeconds",
    "ownerReferences",
    "finalizers",
)
# Annotations the API server or a controller writes: they differ between the live object and
# a dry run by another user (Knative's webhook stamps the requesting user), never by the render.
SERVER_ANNOTATIONS = (
    "kubectl.kubernetes.io/last-applied-configuration",
    "deployment.kubernetes.io/revision",
    "serving.knative.dev/creator",
    "serving.knative.dev/lastModifier",
)

# Every kind kserve-gitops renders at the top level: where pruned children are looked for.
MANAGED_KINDS = (
    ("serving.knative.dev/v1", "Service"),
    ("apps/v1", "Deployment"),
    ("v1", "Service"),
    ("v1", "ConfigMap"),
    ("autoscaling/v2", "HorizontalPodAutoscaler"),
    ("keda.sh/v1alpha1", "ScaledObject"),
    ("networking.k8s.io/v1", "Ingress"),
    ("gateway.networking.k8s.io/v1", "HTTPRoute"),
    ("networking.istio.io/v1beta1", "VirtualService"),
    ("opentelemetry.io/v1beta1", "OpenTelemetryCollector"),
)

Identity = tuple[str, str, str, str]  # apiVersion, kind, namespace, name


def identity(obj: Mapping[str, Any]) -> Identity:
    meta = obj.get("metadata") or {}
    return (
        str(obj.get("apiVersion") or ""),
        str(obj.get("kind") or ""),
        str(meta.get("namespace") or ""),
        str(meta.get("name") or ""),
    )


def clean(obj: Mapping[str, Any]) -> dict[str, Any]:
    """The object without what the server owns."""
    out = {k: v for k, v in obj.items() if k != "status"}
    meta = {k: v for k, v in (obj.get("metadata") or {}).items() if k not in SERVER_METADATA}
    annotations = {
        k: v for k, v in (meta.get("annotations") or {}).items() if k not in SERVER_ANNOTATIONS
    }
    if annotations:
        meta["annotations"] = annotations
    else:
        meta.pop("annotations", None)
    out["metadata"] = meta
    return out


def project(live: Any, wanted: Any) -> Any:
    """The live value cut down to the shape the render sets (server defaults dropped)."""
    if isinstance(wanted, Mapping) and isinstance(live, Mapping):
        return {k: project(live[k], v) for k, v in wanted.items() if k in live}
    if isinstance(wanted, list) and isinstance(live, list) and len(wanted) == len(live):
        return [project(x, y) for x, y in zip(live, wanted, strict=True)]
    return live


def _path(ident: Identity) -> str:
    api_version, kind, namespace, name = ident
    group = api_version.rpartition("/")[0] or "core"
    return "/".join(x for x in (group, kind, namespace, name) if x)


def _change(ident: Identity, kind: str, old: Any, new: Any) -> ObjectChange:
    old_text = output.dump_yaml(old) if old is not None else ""
    new_text = output.dump_yaml(new) if new is not None else ""
    return ObjectChange(_path(ident), kind, old_text, new_text, old, new)


def compare_object(cluster: Cluster, obj: Mapping[str, Any]) -> ObjectChange | None:
    """One rendered object against the cluster: None when they agree."""
    ident = identity(obj)
    resource = cluster.resource(ident[0], ident[1])
    live = cluster.get(resource, ident[2], ident[3]) if resource is not None else None
    if resource is None or live is None:
        return _change(ident, ADDED, None, dict(obj))
    merged = cluster.dry_run_apply(resource, obj)
    if merged is not None:
        before, after = clean(live), clean(merged)
    else:
        after = clean(obj)
        before = project(clean(live), after)
    return None if before == after else _change(ident, CHANGED, before, after)


def pruned(
    cluster: Cluster, rendered: Iterable[Identity], namespaces: Iterable[str]
) -> list[ObjectChange]:
    """Objects with the managed-by label that the render no longer has."""
    keep = set(rendered)
    kinds = sorted({(a, k) for a, k, _, _ in keep} | set(MANAGED_KINDS))
    selector = f"{c.MANAGED_BY_LABEL_KEY}={c.MANAGED_BY_LABEL_VALUE}"
    found: list[ObjectChange] = []
    seen: set[Identity] = set()
    for api_version, kind in kinds:
        resource = cluster.resource(api_version, kind)
        if resource is None:
            continue
        for namespace in _scopes(resource, namespaces):
            for obj in cluster.list(resource, namespace, selector):
                ident = identity(obj)
                if ident not in keep and ident not in seen:
                    seen.add(ident)
                    found.append(_change(ident, REMOVED, clean(obj), None))
    return found


def _scopes(resource: Resource, namespaces: Iterable[str]) -> list[str | None]:
    return sorted(set(namespaces)) if resource.namespaced else [None]  # type: ignore[return-value]


def compare(
    cluster: Cluster, objects: Sequence[Mapping[str, Any]], namespaces: Iterable[str]
) -> list[ObjectChange]:
    """Changed and new objects in render order, then the pruned ones."""
    changes = [x for x in (compare_object(cluster, obj) for obj in objects) if x is not None]
    scope = set(namespaces) | {identity(obj)[2] for obj in objects if identity(obj)[2]}
    gone = pruned(cluster, (identity(obj) for obj in objects), scope)
    return changes + sorted(gone, key=_apply_order)


def _apply_order(change: ObjectChange) -> tuple[str, int, str, str]:
    """Pruned objects in the order a render lists them: namespace, kind rank, name."""
    obj = change.old or {}
    _, kind, namespace, name = identity(obj)
    return (namespace, output.KIND_ORDER.get(kind, len(output.KIND_ORDER)), kind, name)
