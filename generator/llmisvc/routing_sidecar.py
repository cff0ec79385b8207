"""The llm-d routing sidecar of the decode presets (`workload.go: hasRoutingSidecar`,
`routingSidecar`, `sidecarSSRFProtectionRules`) and the single-node ServiceAccount, Role and
RoleBinding KServe creates for it (`workload_single_node.go:
expectedSingleNodeMainServiceAccount`, `expectedSingleNodeRole`,
`expectedSingleNodeRoleBinding`)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from generator.admission.pod import get_container_with_name
from generator.llmisvc.config_merge import child_name, inference_pool_name

ROUTING_SIDECAR: Final = "llm-d-routing-sidecar"
# sidecarSSRFProtectionRules: the sidecar discovers InferencePools and their pods
SSRF_PROTECTION_RULES: Final = (
    {"apiGroups": [""], "resources": ["pods"], "verbs": ["get", "list", "watch"]},
    {
        "apiGroups": ["inference.networking.x-k8s.io", "inference.networking.k8s.io"],
        "resources": ["inferencepools"],
        "verbs": ["get", "list", "watch"],
    },
)


def has_routing_sidecar(pod_spec: Mapping[str, Any] | None) -> bool:
    """Port of `hasRoutingSidecar`: an init container (native sidecar) of that name."""
    return routing_sidecar(pod_spec) is not None


def routing_sidecar(pod_spec: Mapping[str, Any] | None) -> dict[str, Any] | None:
    """Port of `routingSidecar`."""
    if not pod_spec:
        return None
    return get_container_with_name(pod_spec.get("initContainers"), ROUTING_SIDECAR)


def add_inference_pool_env(llmsvc: Mapping[str, Any], pod_spec: Mapping[str, Any]) -> None:
    """The `INFERENCE_POOL_NAME` variable KServe appends to the sidecar when there is a router
    (`expectedSingleNodeMainDeployment`, `expectedMainMultiNodeLWS`)."""
    spec = llmsvc["spec"]
    sidecar = routing_sidecar(pod_spec)
    if sidecar is None or spec.get("router") is None:
        return
    scheduler = spec["router"].get("scheduler")
    pool = inference_pool_name(scheduler, str(llmsvc["metadata"]["name"]))
    sidecar.setdefault("env", []).append({"name": "INFERENCE_POOL_NAME", "value": pool})


def single_node_account_name(name: str) -> str:
    """The ServiceAccount `expectedSingleNodeMainServiceAccount` creates."""
    return child_name(name, "-kserve")


def role(name: str, namespace: str, suffix: str, labels: dict[str, str]) -> dict[str, Any]:
    """Port of `expectedSingleNodeRole` (suffix `-kserve-role`), and Port of
    `expectedMultiNodeMainRole` (`-kserve-mn-role`): the `sidecarSSRFProtectionRules`."""
    return {
        "name": child_name(name, suffix),
        "namespace": namespace,
        "labels": labels,
        "rules": [dict(rule) for rule in SSRF_PROTECTION_RULES],
    }


def role_binding(
    name: str,
    namespace: str,
    suffixes: tuple[str, str],
    labels: dict[str, str],
    account: tuple[str, str],
) -> dict[str, Any]:
    """Port of `expectedSingleNodeRoleBinding`, and Port of `expectedMultiNodeRoleBinding`:
    `suffixes` are the binding's and the Role's, `account` the ServiceAccount's (namespace,
    name)."""
    return {
        "name": child_name(name, suffixes[0]),
        "namespace": namespace,
        "labels": labels,
        "subjects": [{"kind": "ServiceAccount", "name": account[1], "namespace": account[0]}],
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": child_name(name, suffixes[1]),
        },
    }


__all__ = [
    "ROUTING_SIDECAR",
    "add_inference_pool_env",
    "has_routing_sidecar",
    "role",
    "role_binding",
    "routing_sidecar",
    "single_node_account_name",
]
