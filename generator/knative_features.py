"""Which Knative `config-features` flags a rendered Knative Service needs.

In a cluster, KServe's webhook injects the storage initializer and friends into the pods that
Knative creates, past Knative's own validation. Rendered statically, the injections sit in the
Knative Service's revision template, and Knative's webhook accepts some fields only when a
feature flag allows them (knative.dev/serving `pkg/apis/config/features.go`, flag names and
defaults as facts). This module lists the flags a pod spec needs and checks them against the
`config-features` ConfigMap when the input set has one.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

CONFIG_MAP_NAME = "config-features"
ENABLED, ALLOWED, DISABLED = "Enabled", "Allowed", "Disabled"

# Knative Serving's defaults for the flags below.
DEFAULTS: Mapping[str, str] = {
    "kubernetes.podspec-init-containers": DISABLED,
    "kubernetes.podspec-volumes-emptydir": ENABLED,
    "kubernetes.podspec-persistent-volume-claim": DISABLED,
    "kubernetes.podspec-persistent-volume-write": DISABLED,
    "kubernetes.podspec-volumes-hostpath": DISABLED,
    "kubernetes.podspec-volumes-csi": DISABLED,
    "kubernetes.podspec-nodeselector": DISABLED,
    "kubernetes.podspec-tolerations": DISABLED,
    "kubernetes.podspec-affinity": DISABLED,
    "kubernetes.podspec-topologyspreadconstraints": DISABLED,
    "kubernetes.podspec-schedulername": DISABLED,
    "kubernetes.podspec-runtimeclassname": DISABLED,
    "kubernetes.podspec-priorityclassname": DISABLED,
    "kubernetes.podspec-dnspolicy": DISABLED,
    "kubernetes.podspec-dnsconfig": DISABLED,
    "kubernetes.podspec-hostaliases": DISABLED,
    "kubernetes.podspec-shareprocessnamespace": DISABLED,
    "kubernetes.podspec-securitycontext": DISABLED,
    "kubernetes.podspec-fieldref": DISABLED,
    "kubernetes.podspec-hostipc": DISABLED,
    "kubernetes.podspec-hostpid": DISABLED,
    "kubernetes.podspec-hostnetwork": DISABLED,
    "kubernetes.containerspec-addcapabilities": DISABLED,
}

# Pod fields gated by a flag: field -> flag.
_POD_FIELDS = {
    "nodeSelector": "kubernetes.podspec-nodeselector",
    "tolerations": "kubernetes.podspec-tolerations",
    "affinity": "kubernetes.podspec-affinity",
    "topologySpreadConstraints": "kubernetes.podspec-topologyspreadconstraints",
    "schedulerName": "kubernetes.podspec-schedulername",
    "runtimeClassName": "kubernetes.podspec-runtimeclassname",
    "priorityClassName": "kubernetes.podspec-priorityclassname",
    "dnsPolicy": "kubernetes.podspec-dnspolicy",
    "dnsConfig": "kubernetes.podspec-dnsconfig",
    "hostAliases": "kubernetes.podspec-hostaliases",
    "shareProcessNamespace": "kubernetes.podspec-shareprocessnamespace",
    "securityContext": "kubernetes.podspec-securitycontext",
    "hostIPC": "kubernetes.podspec-hostipc",
    "hostPID": "kubernetes.podspec-hostpid",
    "hostNetwork": "kubernetes.podspec-hostnetwork",
    "initContainers": "kubernetes.podspec-init-containers",
}
_VOLUME_SOURCES = {
    "emptyDir": "kubernetes.podspec-volumes-emptydir",
    "persistentVolumeClaim": "kubernetes.podspec-persistent-volume-claim",
    "hostPath": "kubernetes.podspec-volumes-hostpath",
    "csi": "kubernetes.podspec-volumes-csi",
}


def needed_flags(pod_spec: Mapping[str, Any]) -> dict[str, str]:
    """flag -> the first field that needs it, for one revision template's pod spec."""
    needed: dict[str, str] = {}
    for flag, why in _needs(pod_spec):
        needed.setdefault(flag, why)
    return dict(sorted(needed.items()))


def _needs(pod_spec: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
    for field, flag in _POD_FIELDS.items():
        if pod_spec.get(field):
            yield flag, field
    for volume in pod_spec.get("volumes") or []:
        for source, flag in _VOLUME_SOURCES.items():
            if source in volume:
                yield flag, f"volumes[{volume.get('name')}].{source}"
    containers = list(pod_spec.get("containers") or []) + list(pod_spec.get("initContainers") or [])
    for container in containers:
        name = container.get("name")
        if (container.get("securityContext") or {}).get("capabilities", {}).get("add"):
            yield "kubernetes.containerspec-addcapabilities", f"{name}.securityContext"
        for mount in container.get("volumeMounts") or []:
            if mount.get("readOnly") is not True and _is_pvc(pod_spec, mount.get("name")):
                yield "kubernetes.podspec-persistent-volume-write", f"{name}.volumeMounts"
        for env in container.get("env") or []:
            if "fieldRef" in (env.get("valueFrom") or {}):
                yield "kubernetes.podspec-fieldref", f"{name}.env[{env.get('name')}]"


def _is_pvc(pod_spec: Mapping[str, Any], volume: Any) -> bool:
    return any(
        v.get("name") == volume and "persistentVolumeClaim" in v
        for v in pod_spec.get("volumes") or []
    )


def flag_values(config_features: Mapping[str, str] | None) -> dict[str, str]:
    """The effective flags: Knative's defaults overridden by the ConfigMap (case-insensitive)."""
    values = dict(DEFAULTS)
    for key, raw in (config_features or {}).items():
        if key in values:
            for flag in (ENABLED, ALLOWED, DISABLED):
                if str(raw).lower() == flag.lower():
                    values[key] = flag
    return values


def refused(needed: Mapping[str, str], values: Mapping[str, str]) -> dict[str, str]:
    """The needed flags that the cluster's values leave disabled."""
    return {flag: why for flag, why in needed.items() if values.get(flag, DISABLED) == DISABLED}


def revision_pod_spec(ksvc: Mapping[str, Any]) -> Mapping[str, Any]:
    """The pod spec of a Knative Service's revision template."""
    template = (ksvc.get("spec") or {}).get("template") or {}
    spec: Mapping[str, Any] = template.get("spec") or {}
    return spec
