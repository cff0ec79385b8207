"""Argo CD sync waves by kind: what others reference is applied first (`render --sync-waves`).

Argo CD applies one wave after another and waits for each to be healthy, so a Deployment never
starts before the ServiceAccount, Secret or ConfigMap it mounts, and an HPA or route never points
at a workload that does not exist yet. Kinds not in the table get no annotation (Argo CD's
default wave is 0); an object that already carries a wave keeps it.

    wave  kinds
    -2    Namespace, CustomResourceDefinition
    -1    ServiceAccount, Secret, ConfigMap, PersistentVolume(Claim), RBAC (Role, RoleBinding,
          ClusterRole, ClusterRoleBinding), ServingRuntime, ClusterServingRuntime,
          ResourceClaimTemplate, LocalModelCache, LocalModelNamespaceCache
     0    workloads: Deployment, StatefulSet, LeaderWorkerSet, Service (core and Knative),
          InferenceService (ModelMesh), InferenceGraph, TrainedModel, OpenTelemetryCollector
     1    HorizontalPodAutoscaler, ScaledObject, VariantAutoscaling, PodDisruptionBudget,
          Ingress, HTTPRoute, VirtualService
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator.output import Rendered

SYNC_WAVE_ANNOTATION = "argocd.argoproj.io/sync-wave"

# (API group, kind) → wave; the group tells a Knative Service from a core Service.
WAVES: dict[tuple[str, str], int] = {
    ("", "Namespace"): -2,
    ("apiextensions.k8s.io", "CustomResourceDefinition"): -2,
    ("", "ServiceAccount"): -1,
    ("", "Secret"): -1,
    ("", "ConfigMap"): -1,
    ("", "PersistentVolumeClaim"): -1,
    ("", "PersistentVolume"): -1,  # a local model cache's, which its PVC binds
    ("rbac.authorization.k8s.io", "Role"): -1,
    ("rbac.authorization.k8s.io", "RoleBinding"): -1,
    ("rbac.authorization.k8s.io", "ClusterRole"): -1,
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"): -1,
    ("serving.kserve.io", "ServingRuntime"): -1,
    ("serving.kserve.io", "ClusterServingRuntime"): -1,
    ("resource.k8s.io", "ResourceClaimTemplate"): -1,  # managed DRA: the pods claim from it
    # the model downloads to the nodes before the pods that mount it start
    ("serving.kserve.io", "LocalModelCache"): -1,
    ("serving.kserve.io", "LocalModelNamespaceCache"): -1,
    ("apps", "Deployment"): 0,
    ("apps", "StatefulSet"): 0,
    ("leaderworkerset.x-k8s.io", "LeaderWorkerSet"): 0,
    ("", "Service"): 0,
    ("serving.knative.dev", "Service"): 0,
    ("serving.kserve.io", "InferenceService"): 0,
    ("serving.kserve.io", "InferenceGraph"): 0,
    ("serving.kserve.io", "TrainedModel"): 0,
    ("opentelemetry.io", "OpenTelemetryCollector"): 0,
    ("autoscaling", "HorizontalPodAutoscaler"): 1,
    ("keda.sh", "ScaledObject"): 1,
    ("llmd.ai", "VariantAutoscaling"): 1,
    ("policy", "PodDisruptionBudget"): 1,
    ("networking.k8s.io", "Ingress"): 1,
    ("gateway.networking.k8s.io", "HTTPRoute"): 1,
    ("networking.istio.io", "VirtualService"): 1,
}


def wave_of(obj: Mapping[str, Any]) -> int | None:
    """The table's wave for an object's kind, or None for kinds the table does not list."""
    api_version = str(obj.get("apiVersion", ""))
    group = api_version.rpartition("/")[0]
    return WAVES.get((group, str(obj.get("kind", ""))))


def annotate(objects: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The objects, in the same order, with a sync-wave annotation where the table gives one.

    Inputs are not modified; an object whose kind is not listed, or that already has a wave
    (set by its author), is returned as it is.
    """
    out: list[dict[str, Any]] = []
    for obj in objects:
        wave = wave_of(obj)
        meta = obj.get("metadata")
        if not isinstance(meta, Mapping):
            meta = {}
        annotations = meta.get("annotations")
        if not isinstance(annotations, Mapping):
            annotations = {}
        if wave is None or SYNC_WAVE_ANNOTATION in annotations:
            out.append(obj)
            continue
        annotations = {**annotations, SYNC_WAVE_ANNOTATION: str(wave)}
        out.append({**obj, "metadata": {**meta, "annotations": annotations}})
    return out


def annotate_rendered(items: Sequence[Rendered]) -> list[Rendered]:
    """`annotate` for the pipeline's records: owner and source are kept."""
    annotated = annotate([item.obj for item in items])
    return [
        item if obj is item.obj else Rendered(obj, item.owner, item.source)
        for item, obj in zip(items, annotated, strict=True)
    ]


__all__ = ["SYNC_WAVE_ANNOTATION", "WAVES", "annotate", "annotate_rendered", "wave_of"]
