"""Autoscaling of the LLM workloads (`scaling.go`): for the main workload and then the prefill
one, a `VariantAutoscaling` (llmd.ai/v1alpha1) for the llm-d workload-variant autoscaler (WVA)
to compute the desired replicas, and the actuator that enforces them: a
HorizontalPodAutoscaler on the external metric `wva_desired_replicas`, or a KEDA ScaledObject
with a Prometheus trigger from the `autoscaling-wva-controller-config` key of
inferenceservice-config.

The scaled workload's `replicas` is left out of the render (the CRD forbids `replicas` beside
`scaling`), so the autoscaler owns it; docs/llminferenceservice.md has the Argo CD and Flux
settings for the fields the autoscalers write.

GitOps: no ownerReferences and no status (`propagateScalingStatus` reads the live HPA or
ScaledObject); nothing is deleted (a render that stops emitting an object prunes it).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from generator.llmisvc.config_merge import child_name
from generator.utils.utils import get_force_stop_runtime

CONFIG_KEY: Final = "autoscaling-wva-controller-config"
WVA_DESIRED_REPLICAS: Final = "wva_desired_replicas"
VARIANT_NAME_LABEL: Final = "variant_name"
ACCELERATOR_NAME_LABEL: Final = "inference.optimization/acceleratorName"
LWS_API_VERSION: Final = "leaderworkerset.x-k8s.io/v1"


class ScalingError(ValueError):
    """What KServe's scaling reconcile fails on, with the field to blame."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class PrometheusConfig:
    """`config_loader.go: PrometheusConfig`."""

    url: str = ""
    tls_insecure_skip_verify: bool = False
    auth_modes: str = ""
    trigger_auth_name: str = ""
    trigger_auth_kind: str = ""


@dataclass(frozen=True, slots=True)
class WVAAutoscalingConfig:
    """`config_loader.go: WVAAutoscalingConfig`."""

    prometheus: PrometheusConfig = PrometheusConfig()


_PROMETHEUS_FIELDS: Final = {
    "url": ("url", str),
    "tlsinsecureskipverify": ("tls_insecure_skip_verify", bool),
    "authmodes": ("auth_modes", str),
    "triggerauthname": ("trigger_auth_name", str),
    "triggerauthkind": ("trigger_auth_kind", str),
}
_JSON_TYPES: Final = {dict: "object", list: "array", str: "string", bool: "bool"}


def _json_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int | float):
        return "number"
    return _JSON_TYPES.get(type(value), "value")


def parse_config(data: Mapping[str, Any]) -> WVAAutoscalingConfig | None:
    """`config_loader.go: loadConfig`'s reading of `autoscaling-wva-controller-config` with Go's
    `json.Unmarshal` rules: None when the key is absent; unknown keys ignored, keys matched
    case-insensitively, `null` leaves the zero value; a wrong type is an error."""
    text = data.get(CONFIG_KEY)
    if text is None:
        return None
    prefix = f"failed to parse {CONFIG_KEY} config json: "
    try:
        doc = json.loads(str(text))
    except json.JSONDecodeError as err:
        raise ScalingError(prefix + err.msg, f"data.{CONFIG_KEY}") from err
    except RecursionError as err:
        raise ScalingError(prefix + "nested too deeply", f"data.{CONFIG_KEY}") from err

    def mismatch(value: Any, where: str, go_type: str) -> ScalingError:
        return ScalingError(
            f"{prefix}json: cannot unmarshal {_json_type(value)} into Go {where} of type {go_type}",
            f"data.{CONFIG_KEY}",
        )

    if doc is None:
        return WVAAutoscalingConfig()
    if not isinstance(doc, dict):
        raise mismatch(doc, "value", "llmisvc.WVAAutoscalingConfig")
    prom: Any = None
    for key, value in doc.items():
        if key.lower() == "prometheus":
            prom = value
    if prom is None:
        return WVAAutoscalingConfig()
    if not isinstance(prom, dict):
        where = "struct field WVAAutoscalingConfig.prometheus"
        raise mismatch(prom, where, "llmisvc.PrometheusConfig")
    values: dict[str, Any] = {}
    for key, value in prom.items():
        known = _PROMETHEUS_FIELDS.get(key.lower())
        if known is None or value is None:
            continue
        name, kind = known
        if not isinstance(value, kind):
            where = f"struct field PrometheusConfig.prometheus.{key}"
            raise mismatch(value, where, "bool" if kind is bool else "string")
        values[name] = value
    return WVAAutoscalingConfig(PrometheusConfig(**values))


def validate_autoscaling_config(cfg: WVAAutoscalingConfig | None) -> str | None:
    """Port of `validateAutoscalingConfig` (`scaling.go`): KServe's message, or None."""
    if cfg is None or not cfg.prometheus.url:
        return f"{CONFIG_KEY}.prometheus.url is required in inferenceservice-config when using KEDA"
    prom = cfg.prometheus
    if (prom.trigger_auth_name == "") != (prom.auth_modes == ""):
        return (
            f"{CONFIG_KEY}.prometheus.authModes and {CONFIG_KEY}.prometheus.triggerAuthName "
            "must both be set or both be empty"
        )
    return None


def is_stopped(meta: Mapping[str, Any]) -> bool:
    """`utils.GetForceStopRuntime` on an object's metadata."""
    return get_force_stop_runtime(meta.get("annotations"))


def scaling_labels(name: str) -> dict[str, str]:
    """Port of `scalingLabels` (`scaling.go`)."""
    return {
        "app.kubernetes.io/component": "llminferenceservice-workload",
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "llminferenceservice",
    }


def main_scale_target_ref(llmsvc: Mapping[str, Any]) -> dict[str, str]:
    """Port of `mainScaleTargetRef`: the LeaderWorkerSet with a worker, else the Deployment."""
    name = str(llmsvc["metadata"]["name"])
    if llmsvc["spec"].get("worker") is not None:
        return {
            "apiVersion": LWS_API_VERSION,
            "kind": "LeaderWorkerSet",
            "name": child_name(name, "-kserve-mn"),
        }
    return {"apiVersion": "apps/v1", "kind": "Deployment", "name": child_name(name, "-kserve")}


def prefill_scale_target_ref(llmsvc: Mapping[str, Any]) -> dict[str, str]:
    """Port of `prefillScaleTargetRef`."""
    name = str(llmsvc["metadata"]["name"])
    prefill = llmsvc["spec"].get("prefill")
    if isinstance(prefill, dict) and prefill.get("worker") is not None:
        return {
            "apiVersion": LWS_API_VERSION,
            "kind": "LeaderWorkerSet",
            "name": child_name(name, "-kserve-mn-prefill"),
        }
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": child_name(name, "-kserve-prefill"),
    }


@dataclass(frozen=True, slots=True)
class WorkloadScaling:
    """`scaling.go: workloadScalingParams` (the status callbacks aside)."""

    role: str  # "main" or "prefill"
    path: str  # the workload's field path, for messages
    scaling: Mapping[str, Any] | None
    target: dict[str, str]
    va_name: str
    hpa_name: str
    scaled_object_name: str
    workload_labels: Mapping[str, Any]


def main_params(llmsvc: Mapping[str, Any]) -> WorkloadScaling:
    """Port of `mainWorkloadScalingParams`."""
    name = str(llmsvc["metadata"]["name"])
    spec = llmsvc["spec"]
    return WorkloadScaling(
        "main",
        "spec",
        spec.get("scaling"),
        main_scale_target_ref(llmsvc),
        child_name(name, "-kserve-va"),
        child_name(name, "-kserve-hpa"),
        child_name(name, "-kserve-keda"),
        spec.get("labels") or {},
    )


def prefill_params(llmsvc: Mapping[str, Any]) -> WorkloadScaling:
    """Port of `prefillWorkloadScalingParams`."""
    name = str(llmsvc["metadata"]["name"])
    prefill = llmsvc["spec"].get("prefill")
    prefill = prefill if isinstance(prefill, dict) else {}
    return WorkloadScaling(
        "prefill",
        "spec.prefill",
        prefill.get("scaling"),
        prefill_scale_target_ref(llmsvc),
        child_name(name, "-kserve-prefill-va"),
        child_name(name, "-kserve-prefill-hpa"),
        child_name(name, "-kserve-prefill-keda"),
        prefill.get("labels") or {},
    )


def _meta(llmsvc: Mapping[str, Any], name: str, labels: dict[str, str]) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": str(llmsvc["metadata"].get("namespace") or ""),
        "labels": labels,
        "annotations": None,
    }


def _min_replicas(scaling: Mapping[str, Any]) -> int:
    value = scaling.get("minReplicas")
    return 1 if value is None else int(value)


def expected_va(
    llmsvc: Mapping[str, Any],
    scaling: Mapping[str, Any],
    target: Mapping[str, str],
    va_name: str,
    workload_labels: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """Port of `expectedVA` (`scaling.go`): the accelerator label from the workload's labels
    (`unknown` when unset or empty); the model ID is `model.name`, else the URI."""
    labels = scaling_labels(str(llmsvc["metadata"]["name"]))
    accelerator = (workload_labels or {}).get(ACCELERATOR_NAME_LABEL)
    labels[ACCELERATOR_NAME_LABEL] = str(accelerator) if accelerator else "unknown"
    model = llmsvc["spec"].get("model") or {}
    model_id = model.get("name")
    if model_id is None:
        model_id = model.get("uri") or ""
    spec: dict[str, Any] = {
        "scaleTargetRef": dict(target),
        "modelID": str(model_id),
        "minReplicas": _min_replicas(scaling),
        "maxReplicas": scaling.get("maxReplicas", 0),
    }
    variant_cost = (scaling.get("wva") or {}).get("variantCost")
    if variant_cost:
        spec["variantCost"] = variant_cost
    return {**_meta(llmsvc, va_name, labels), "spec": spec}


def expected_hpa(
    llmsvc: Mapping[str, Any],
    scaling: Mapping[str, Any],
    target: Mapping[str, str],
    va_name: str,
    hpa_name: str,
) -> dict[str, Any]:
    """Port of `expectedHPA` (`scaling.go`): an external metric with a Value target of 1, so the
    HPA passes WVA's desired replica count through unchanged."""
    metric = {
        "type": "External",
        "external": {
            "metric": {
                "name": WVA_DESIRED_REPLICAS,
                "selector": {"matchLabels": {VARIANT_NAME_LABEL: va_name}},
            },
            "target": {"type": "Value", "value": "1"},
        },
    }
    spec: dict[str, Any] = {
        "scaleTargetRef": dict(target),
        "minReplicas": _min_replicas(scaling),
        "maxReplicas": scaling.get("maxReplicas", 0),
        "metrics": [metric],
    }
    behavior = ((scaling.get("wva") or {}).get("hpa") or {}).get("behavior")
    if behavior is not None:
        spec["behavior"] = behavior
    labels = scaling_labels(str(llmsvc["metadata"]["name"]))
    return {**_meta(llmsvc, hpa_name, labels), "spec": spec}


def prometheus_trigger(cfg: WVAAutoscalingConfig, query: str) -> dict[str, Any]:
    """Port of `prometheusTrigger` (`scaling.go`) (authentication when configured)."""
    prom = cfg.prometheus
    metadata = {
        "serverAddress": prom.url,
        "query": query,
        "threshold": "1",
        "unsafeSsl": "true" if prom.tls_insecure_skip_verify else "false",
    }
    if prom.auth_modes:
        metadata["authModes"] = prom.auth_modes
    trigger: dict[str, Any] = {"type": "prometheus", "name": "wva-desired-replicas"}
    trigger["metadata"] = metadata
    if prom.trigger_auth_name:
        ref = {"name": prom.trigger_auth_name}
        if prom.trigger_auth_kind:
            ref["kind"] = prom.trigger_auth_kind
        trigger["authenticationRef"] = ref
    return trigger


_KEDA_FIELDS: Final = (
    ("pollingInterval", "pollingInterval"),
    ("initialCooldownPeriod", "initialCooldownPeriod"),
    ("cooldownPeriod", "cooldownPeriod"),
    ("idleReplicaCount", "idleReplicaCount"),
    ("advanced", "advanced"),
    ("fallback", "fallback"),
)


def expected_scaled_object(
    llmsvc: Mapping[str, Any],
    scaling: Mapping[str, Any],
    cfg: WVAAutoscalingConfig,
    target: Mapping[str, str],
    va_name: str,
    name: str,
) -> dict[str, Any]:
    """Port of `expectedScaledObject` (`scaling.go`): WVA's metric for this variant, filtered on
    `exported_namespace` (Prometheus renames the namespace label WVA emits when it scrapes)."""
    namespace = str(llmsvc["metadata"].get("namespace") or "")
    keda = (scaling.get("wva") or {}).get("keda") or {}
    query = f'{WVA_DESIRED_REPLICAS}{{variant_name="{va_name}",exported_namespace="{namespace}"}}'
    spec: dict[str, Any] = {"scaleTargetRef": dict(target)}
    spec["minReplicaCount"] = _min_replicas(scaling)
    spec["maxReplicaCount"] = scaling.get("maxReplicas", 0)
    for source, dest in _KEDA_FIELDS:
        if keda.get(source) is not None:
            spec[dest] = keda[source]
    spec["triggers"] = [prometheus_trigger(cfg, query)]
    labels = scaling_labels(str(llmsvc["metadata"]["name"]))
    return {**_meta(llmsvc, name, labels), "spec": spec}


# (template, kind, values) for reconcile.py to render
Child = tuple[str, str, dict[str, Any]]


def workload_scaling(
    llmsvc: Mapping[str, Any], cfg: WVAAutoscalingConfig | None, p: WorkloadScaling
) -> list[Child]:
    """Port of `reconcileWorkloadScaling` (`scaling.go`) for one workload: VA, then the KEDA
    ScaledObject, then the HPA (the reconcile order), or nothing without `scaling.wva` or when
    the service is stopped."""
    scaling = p.scaling
    if not isinstance(scaling, Mapping) or scaling.get("wva") is None:
        return []
    if is_stopped(llmsvc["metadata"]):
        return []
    wva = scaling["wva"]
    out: list[Child] = [
        (
            "llmisvc-variantautoscaling.yaml.j2",
            "VariantAutoscaling",
            expected_va(llmsvc, scaling, p.target, p.va_name, p.workload_labels),
        )
    ]
    if wva.get("keda") is not None:
        problem = validate_autoscaling_config(cfg)
        if problem is not None or cfg is None:
            raise ScalingError(str(problem), f"{p.path}.scaling.wva.keda")
        so = expected_scaled_object(llmsvc, scaling, cfg, p.target, p.va_name, p.scaled_object_name)
        out.append(("llmisvc-scaledobject.yaml.j2", "ScaledObject", so))
    if wva.get("hpa") is not None:
        hpa = expected_hpa(llmsvc, scaling, p.target, p.va_name, p.hpa_name)
        out.append(("llmisvc-hpa.yaml.j2", "HorizontalPodAutoscaler", hpa))
    return out


def scaling_children(llmsvc: Mapping[str, Any], cfg: WVAAutoscalingConfig | None) -> list[Child]:
    """Port of `reconcileScaling` (`scaling.go`): the main workload's objects, then prefill's."""
    return workload_scaling(llmsvc, cfg, main_params(llmsvc)) + workload_scaling(
        llmsvc, cfg, prefill_params(llmsvc)
    )


__all__ = [
    "CONFIG_KEY",
    "PrometheusConfig",
    "ScalingError",
    "WVAAutoscalingConfig",
    "WorkloadScaling",
    "expected_hpa",
    "expected_scaled_object",
    "expected_va",
    "main_params",
    "main_scale_target_ref",
    "parse_config",
    "prefill_params",
    "prefill_scale_target_ref",
    "prometheus_trigger",
    "scaling_children",
    "validate_autoscaling_config",
    "workload_scaling",
]
