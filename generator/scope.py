"""Which kinds are cluster-scoped, so a namespace is given only to namespaced objects.

The built-in kinds are Kubernetes 1.34's (`kubectl api-resources --namespaced=false`), plus
KServe v0.20.0's cluster-scoped CRDs (`scope: Cluster` under config/crd/full). A
CustomResourceDefinition in the input set says the scope of its own kind. Any other kind counts
as namespaced, as kustomize's namespace transformer counts it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from generator import constants

# (API group, kind); "" is the core group.
CLUSTER_SCOPED: frozenset[tuple[str, str]] = frozenset(
    [
        ("", "ComponentStatus"),
        ("", "Namespace"),
        ("", "Node"),
        ("", "PersistentVolume"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "MutatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicy"),
        ("admissionregistration.k8s.io", "ValidatingAdmissionPolicyBinding"),
        ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
        ("apiextensions.k8s.io", "CustomResourceDefinition"),
        ("apiregistration.k8s.io", "APIService"),
        ("certificates.k8s.io", "CertificateSigningRequest"),
        ("certificates.k8s.io", "ClusterTrustBundle"),
        ("flowcontrol.apiserver.k8s.io", "FlowSchema"),
        ("flowcontrol.apiserver.k8s.io", "PriorityLevelConfiguration"),
        ("networking.k8s.io", "IngressClass"),
        ("networking.k8s.io", "IPAddress"),
        ("networking.k8s.io", "ServiceCIDR"),
        ("node.k8s.io", "RuntimeClass"),
        ("rbac.authorization.k8s.io", "ClusterRole"),
        ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
        ("resource.k8s.io", "DeviceClass"),
        ("resource.k8s.io", "ResourceSlice"),
        ("scheduling.k8s.io", "PriorityClass"),
        ("storage.k8s.io", "CSIDriver"),
        ("storage.k8s.io", "CSINode"),
        ("storage.k8s.io", "StorageClass"),
        ("storage.k8s.io", "VolumeAttachment"),
        ("storage.k8s.io", "VolumeAttributesClass"),
        (constants.KSERVE_API_GROUP, "ClusterServingRuntime"),
        (constants.KSERVE_API_GROUP, "ClusterStorageContainer"),
        (constants.KSERVE_API_GROUP, "LocalModelCache"),
        (constants.KSERVE_API_GROUP, "LocalModelNode"),
        (constants.KSERVE_API_GROUP, "LocalModelNodeGroup"),
    ]
)


def group_of(api_version: str) -> str:
    """`apps/v1` → `apps`; `v1` → "" (the core group)."""
    return api_version.rpartition("/")[0]


def crd_scopes(objects: Iterable[Mapping[str, Any]]) -> dict[tuple[str, str], bool]:
    """(group, kind) → cluster-scoped, from the CustomResourceDefinitions among `objects`."""
    scopes: dict[tuple[str, str], bool] = {}
    for obj in objects:
        if obj.get("kind") != "CustomResourceDefinition":
            continue
        spec = obj.get("spec")
        if not isinstance(spec, Mapping) or not isinstance(spec.get("names"), Mapping):
            continue
        key = (str(spec.get("group", "")), str(spec["names"].get("kind", "")))
        scopes[key] = spec.get("scope") == "Cluster"
    return scopes


def is_cluster_scoped(
    api_version: str, kind: str, crds: Mapping[tuple[str, str], bool] | None = None
) -> bool:
    key = (group_of(api_version), kind)
    if crds and key in crds:
        return crds[key]
    return key in CLUSTER_SCOPED
