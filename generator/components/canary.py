"""Standard-mode canaries (`spec.canary`): replica split and canary predictor builds.

Ports `components/predictor.go`: `canaryReplicaCount`, `buildCanaryPredictor` (a mergo deep
merge with override) and `reconcileCanaryDeployments`, plus the stable `minReplicas`
reduction in `reconcileRawDeployment`. Each canary is built like a predictor and reconciled
with a component extension of `minReplicas` only; routes never point at canaries, so the
traffic split is expressed by replica counts alone.

GitOps: `reconcileCanaryDeployments` ends by deleting every Deployment and Service labelled
with the InferenceService and `component: predictor` whose name is neither the stable nor a
canary predictor (predictor.go:1002-1036). In v0.20.0 that includes the multi-node worker
Deployment and the head/worker Services the raw reconciler has just created, so the predictor
never becomes ready; a render has no orphans to delete and keeps them (allow-list entry
`multinode-workers-kept`; docs/porting-notes.md).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from generator.data import copy_data

_CLEARED = ("maxReplicas", "scaleTarget", "scaleMetric", "autoScaling")


def canary_replica_count(isvc: Mapping[str, Any], canary: Mapping[str, Any]) -> int:
    """Port of `canaryReplicaCount`: the canary's minReplicas, else its share of the stable."""
    predictor = canary.get("predictor") or {}
    if predictor.get("minReplicas") is not None:
        return int(predictor["minReplicas"])
    stable = isvc["spec"]["predictor"].get("minReplicas")
    stable_replicas = 1 if stable is None else int(stable)
    return math.ceil(stable_replicas * int(canary.get("trafficPercent") or 0) / 100)


def stable_min_replicas(isvc: Mapping[str, Any]) -> int | None:
    """The stable predictor's minReplicas after the canaries take theirs (at least 1), or None
    when it has none (then KServe leaves it unset)."""
    stable = isvc["spec"]["predictor"].get("minReplicas")
    canaries = isvc["spec"].get("canary") or []
    if not canaries or stable is None:
        return None if stable is None else int(stable)
    taken = sum(canary_replica_count(isvc, canary) for canary in canaries)
    return max(int(stable) - taken, 1)


def merge_override(dst: Any, src: Any) -> Any:
    """mergo.Merge(dst, src, mergo.WithOverride) on JSON-shaped values: mappings merge key by
    key, any other non-empty value of `src` replaces `dst`'s, empty values never do."""
    if isinstance(dst, Mapping) and isinstance(src, Mapping):
        out = dict(dst)
        for key, value in src.items():
            if _empty(value):
                continue
            out[key] = merge_override(out.get(key), value) if key in out else copy_data(value)
        return out
    return dst if _empty(src) else copy_data(src)


def _empty(value: Any) -> bool:
    return value is None or value is False or value == 0 or value in ("", [], {})


def build_canary_predictor(
    stable: Mapping[str, Any], canary: Mapping[str, Any], replicas: int
) -> dict[str, Any]:
    """Port of `buildCanaryPredictor`: the stable predictor overridden by the canary's, with the
    autoscaling fields cleared and minReplicas set."""
    merged: dict[str, Any] = merge_override(stable, canary.get("predictor") or {})
    for key in _CLEARED:
        merged.pop(key, None)
    merged["minReplicas"] = replicas
    return merged


def canary_inference_services(isvc: Mapping[str, Any]) -> list[tuple[dict[str, Any], int]]:
    """Per canary: the InferenceService KServe builds its resources from, and its replicas."""
    out = []
    for canary in isvc["spec"].get("canary") or []:
        replicas = canary_replica_count(isvc, canary)
        predictor = build_canary_predictor(isvc["spec"]["predictor"], canary, replicas)
        canary_isvc = copy_data(dict(isvc))
        canary_isvc["spec"]["predictor"] = predictor
        out.append((canary_isvc, replicas))
    return out
