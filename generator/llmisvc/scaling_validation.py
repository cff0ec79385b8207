"""What admission refuses in `scaling`: the CRD's CEL rules (`v1alpha2/llm_inference_service_
types.go` markers on WorkloadSpec, ScalingSpec, WVASpec and KEDAScalingSpec, with the API
server's wording) and the validating webhook's `ValidateWorkloadScaling` and
`ValidateActuatorConsistency` (`v1alpha2/llm_inference_service_validation.go`).

The API server runs the CEL rules before any webhook: admission.py reports the webhook's
findings only when the CEL rules pass. The controller re-runs the webhook's checks (not the CEL
rules) on the merged spec.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

from generator.errors import Invalid

_VARIANT_COST: Final = re.compile(r"\d+(\.\d+)?")
_SCALING_MODIFIERS: Final = ("formula", "target", "activationTarget", "metricType")
_MODIFIERS_MESSAGE: Final = (
    "scalingModifiers must not be set; WVA controls the scaling metric formula and logic"
)


def _cel(path: str, message: str) -> Invalid:
    return Invalid(path, f'Invalid value: "object": {message}')


def _workloads(spec: Mapping[str, Any]) -> list[tuple[str, Mapping[str, Any]]]:
    out: list[tuple[str, Mapping[str, Any]]] = [("spec", spec)]
    if isinstance(spec.get("prefill"), dict):
        out.append(("spec.prefill", spec["prefill"]))
    return out


def _keda_cel(path: str, keda: Mapping[str, Any]) -> list[Invalid]:
    """KEDAScalingSpec's rules. `self.advanced.scalingModifiers.formula` on an absent key is a
    CEL runtime error, which the API server reports with the rule's message."""
    found: list[Invalid] = []
    advanced = keda.get("advanced")
    if isinstance(advanced, dict):
        modifiers = advanced.get("scalingModifiers")
        if not isinstance(modifiers, dict):
            found.append(
                _cel(path, f"no such key: scalingModifiers evaluating rule: {_MODIFIERS_MESSAGE}")
            )
        else:
            values = [modifiers.get(k) for k in _SCALING_MODIFIERS]
            if any(v for v in values):
                found.append(_cel(path, _MODIFIERS_MESSAGE))
            elif None in values:
                missing = _SCALING_MODIFIERS[values.index(None)]
                found.append(
                    _cel(path, f"no such key: {missing} evaluating rule: {_MODIFIERS_MESSAGE}")
                )
        hpa_config = advanced.get("horizontalPodAutoscalerConfig")
        if isinstance(hpa_config, dict) and hpa_config.get("name"):
            found.append(
                _cel(
                    path,
                    "horizontalPodAutoscalerConfig.name must not be set; the controller manages "
                    "the HPA name",
                )
            )
    return found


def cel_rules(spec: Mapping[str, Any]) -> list[Invalid]:
    """The CEL rules on `scaling` of the main and prefill workloads (the object's own rules
    first, then its fields')."""
    found: list[Invalid] = []
    for base, workload in _workloads(spec):
        scaling = workload.get("scaling")
        if not isinstance(scaling, dict):
            continue
        path = f"{base}.scaling"
        wva = scaling.get("wva")
        keda = wva.get("keda") if isinstance(wva, dict) else None
        idle = keda.get("idleReplicaCount") if isinstance(keda, dict) else None
        low, high = scaling.get("minReplicas"), scaling.get("maxReplicas")
        if not isinstance(wva, dict):
            message = "wva is required when scaling is configured; it provides the autoscaling "
            found.append(_cel(path, message + "mechanism"))
        if low is not None and high is not None and low > high:
            found.append(_cel(path, "minReplicas cannot exceed maxReplicas"))
        if idle is not None and low is None:
            found.append(
                _cel(
                    path,
                    "minReplicas is required when idleReplicaCount is set; idleReplicaCount "
                    "must be less than minReplicas",
                )
            )
        if idle is not None and low is not None and not idle < low:
            found.append(
                _cel(
                    path,
                    "idleReplicaCount must be less than minReplicas; idleReplicaCount defines "
                    "the replica floor when no triggers are active",
                )
            )
        if not isinstance(wva, dict):
            continue
        if wva.get("hpa") is not None and keda is not None:
            found.append(
                _cel(
                    f"{path}.wva",
                    "hpa and keda are mutually exclusive; choose one actuator backend",
                )
            )
        if wva.get("hpa") is None and keda is None:
            found.append(
                _cel(
                    f"{path}.wva",
                    "either hpa or keda must be specified as the actuator backend",
                )
            )
        if isinstance(keda, dict):
            found += _keda_cel(f"{path}.wva.keda", keda)
    return found


# Go's struct field order, which json.Marshal follows (field.Invalid prints a struct as JSON)
_GO_ORDER: Final = {
    "scaling": ("minReplicas", "maxReplicas", "wva"),
    "wva": ("variantCost", "hpa", "keda"),
    "keda": (
        "pollingInterval",
        "cooldownPeriod",
        "initialCooldownPeriod",
        "idleReplicaCount",
        "fallback",
        "advanced",
    ),
}


def _go_ordered(value: Any, kind: str) -> Any:
    if not isinstance(value, dict):
        return value
    order = _GO_ORDER.get(kind, ())
    keys = [k for k in order if k in value] + [k for k in value if k not in order]
    return {k: _go_ordered(value[k], k) for k in keys}


def _go_value(value: Any, kind: str = "") -> str:
    """A bad value as `field.Error.ErrorBody` prints it: strings quoted, numbers bare, a struct
    as its JSON in Go's field order."""
    return json.dumps(_go_ordered(value, kind), separators=(",", ":"), ensure_ascii=False)


def workload_scaling(base: str, workload: Mapping[str, Any]) -> list[Invalid]:
    """Port of `ValidateWorkloadScaling` for one workload (`base` is `spec` or `spec.prefill`)."""
    scaling = workload.get("scaling")
    if not isinstance(scaling, dict):
        return []
    found: list[Invalid] = []
    path = f"{base}.scaling"
    if workload.get("replicas") is not None:
        found.append(
            Invalid(
                path,
                f"Invalid value: {_go_value(scaling, 'scaling')}: scaling and replicas are "
                "mutually exclusive; use scaling for autoscaled deployments or replicas for static "
                "deployments",
            )
        )
    low, high = scaling.get("minReplicas"), scaling.get("maxReplicas") or 0
    if low is not None and low > high:
        found.append(
            Invalid(
                f"{path}.minReplicas",
                f"Invalid value: {low}: minReplicas ({low}) cannot exceed maxReplicas ({high})",
            )
        )
    wva = scaling.get("wva")
    if not isinstance(wva, dict):
        found.append(
            Invalid(
                f"{path}.wva",
                "Required value: wva is required when scaling is configured; it provides the "
                "autoscaling mechanism",
            )
        )
        return found
    wva_path = f"{path}.wva"
    hpa, keda = wva.get("hpa"), wva.get("keda")
    if hpa is not None and keda is not None:
        found.append(
            Invalid(
                wva_path,
                f"Invalid value: {_go_value(wva, 'wva')}: hpa and keda are mutually exclusive; "
                "choose one actuator backend",
            )
        )
    if hpa is None and keda is None:
        found.append(
            Invalid(
                wva_path,
                "Required value: either hpa or keda must be specified as the actuator backend",
            )
        )
    cost = wva.get("variantCost")
    if cost and not _VARIANT_COST.fullmatch(str(cost)):
        found.append(
            Invalid(
                f"{wva_path}.variantCost",
                f"Invalid value: {_go_value(cost)}: variantCost must be a non-negative numeric "
                'string (e.g., "10", "10.0", "0.5")',
            )
        )
    advanced = keda.get("advanced") if isinstance(keda, dict) else None
    if isinstance(advanced, dict):
        modifiers = advanced.get("scalingModifiers") or {}
        if any(modifiers.get(k) for k in _SCALING_MODIFIERS):
            found.append(
                Invalid(
                    f"{wva_path}.keda.advanced.scalingModifiers", f"Forbidden: {_MODIFIERS_MESSAGE}"
                )
            )
        if (advanced.get("horizontalPodAutoscalerConfig") or {}).get("name"):
            found.append(
                Invalid(
                    f"{wva_path}.keda.advanced.horizontalPodAutoscalerConfig.name",
                    "Forbidden: horizontalPodAutoscalerConfig.name must not be set; the "
                    "controller manages the HPA name",
                )
            )
    idle = keda.get("idleReplicaCount") if isinstance(keda, dict) else None
    if idle is not None and low is None:
        found.append(
            Invalid(
                f"{path}.minReplicas",
                "Required value: minReplicas is required when idleReplicaCount is set; "
                f"idleReplicaCount ({idle}) must be less than minReplicas",
            )
        )
    elif idle is not None and low is not None and idle >= low:
        found.append(
            Invalid(
                f"{wva_path}.keda.idleReplicaCount",
                f"Invalid value: {idle}: idleReplicaCount ({idle}) must be less than minReplicas "
                f"({low}); idleReplicaCount defines the replica floor when no triggers are active",
            )
        )
    return found


def _uses_hpa(workload: Mapping[str, Any] | None) -> bool | None:
    scaling = (workload or {}).get("scaling")
    wva = scaling.get("wva") if isinstance(scaling, dict) else None
    return (wva.get("hpa") is not None) if isinstance(wva, dict) else None


def actuator_consistency(spec: Mapping[str, Any]) -> list[Invalid]:
    """Port of `ValidateActuatorConsistency`: decode and prefill use the same actuator."""
    prefill = spec.get("prefill")
    if not isinstance(prefill, dict):
        return []
    decode_hpa, prefill_hpa = _uses_hpa(spec), _uses_hpa(prefill)
    if decode_hpa is None or prefill_hpa is None or decode_hpa == prefill_hpa:
        return []
    decode, other = ("hpa", "keda") if decode_hpa else ("keda", "hpa")
    wva = prefill["scaling"]["wva"]
    return [
        Invalid(
            "spec.prefill.scaling.wva",
            f"Invalid value: {_go_value(wva, 'wva')}: decode and prefill must use the same "
            f"actuator backend; decode uses {decode} but prefill uses {other} — mixing backends "
            "requires two separate metric pipelines and leads to independent, unsynchronised "
            "scaling decisions",
        )
    ]


def webhook_rules(spec: Mapping[str, Any]) -> list[Invalid]:
    """Port of `validateScaling`: each workload, then the actuator consistency."""
    found: list[Invalid] = []
    for base, workload in _workloads(spec):
        found += workload_scaling(base, workload)
    return found + actuator_consistency(spec)


__all__ = ["actuator_consistency", "cel_rules", "webhook_rules", "workload_scaling"]
