"""HorizontalPodAutoscalers: port of `reconcilers/hpa/hpa_reconciler.go`.

Ports `createHPA`, `getHPAMetrics` and `shouldCreateHPA` (KServe v0.20.0). The HPA is built for
the autoscaler classes `hpa`, `external` and `none` (`autoscaler.py`) but only emitted when
`should_create_hpa` holds: not stopped and the class annotation absent or `hpa`. With
`external`/`none` KServe deletes an HPA it owns, which in a rendered set means "not emitted".
Nothing here can fail.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator import constants as c
from generator.config.quantity import QuantityError, parse_quantity
from generator.reconcilers.deployment import object_meta_values
from generator.render import Renderer
from generator.utils.utils import get_force_stop_runtime

TEMPLATE = "hpa.yaml.j2"
UTILIZATION = "Utilization"
AVERAGE_VALUE = "AverageValue"
VALUE = "Value"
RESOURCE = "Resource"


def get_quantity(value: Any) -> str:
    """`MetricQuantity.GetQuantity()` as the HPA serialises it: the canonical quantity string."""
    try:
        return str(parse_quantity(str(value)))
    except QuantityError:
        return str(value)  # unreachable for admitted objects: the CRD pattern rejects it


def _resource_metric(name: str, target: dict[str, Any]) -> dict[str, Any]:
    return {"type": RESOURCE, "resource": {"name": name, "target": target}}


def _autoscaling_metric(resource: Mapping[str, Any]) -> dict[str, Any] | None:
    """One `autoScaling.metrics[].resource` entry as an HPA MetricSpec (None: skipped)."""
    name = resource.get("name")
    target = resource.get("target") or {}
    if name == c.AUTO_SCALER_METRICS_CPU:
        utilization = target.get("averageUtilization")
        if utilization is None:
            utilization = c.DEFAULT_CPU_UTILIZATION
        return _resource_metric(name, {"type": UTILIZATION, "averageUtilization": utilization})
    if name != c.AUTO_SCALER_METRICS_MEMORY:
        return None
    # Go's MetricTarget.Type has no omitempty: a target type other than these two leaves "".
    out: dict[str, Any] = {"type": ""}
    if target.get("type") == UTILIZATION:
        out["type"] = UTILIZATION
        if target.get("averageUtilization") is not None:
            out["averageUtilization"] = target["averageUtilization"]
    elif target.get("type") == AVERAGE_VALUE:
        out["type"] = AVERAGE_VALUE
        if target.get("averageValue") is not None:
            out["averageValue"] = get_quantity(target["averageValue"])
    return _resource_metric(name, out)


def get_hpa_metrics(ext: Mapping[str, Any] | None) -> list[dict[str, Any]]:
    """Port of `getHPAMetrics`: from `autoScaling.metrics`, else from scaleMetric/scaleTarget."""
    metrics: list[dict[str, Any]] = []
    if ext is not None and ext.get("autoScaling") is not None:
        for metric in ext["autoScaling"].get("metrics") or []:
            if metric.get("resource") is None:
                continue
            found = _autoscaling_metric(metric["resource"])
            if found is not None:
                metrics.append(found)
        return metrics
    ext = ext or {}
    resource = ext.get("scaleMetric") or c.AUTO_SCALER_METRICS_CPU
    target = ext.get("scaleTarget")
    if resource == c.AUTO_SCALER_METRICS_CPU:
        utilization = c.DEFAULT_CPU_UTILIZATION if target is None else target
        metrics.append(
            _resource_metric(resource, {"type": UTILIZATION, "averageUtilization": utilization})
        )
    elif resource == c.AUTO_SCALER_METRICS_MEMORY and target is not None:
        # Memory has no default target: without scaleTarget the HPA gets no metrics at all.
        metrics.append(
            _resource_metric(resource, {"type": UTILIZATION, "averageUtilization": target})
        )
    return metrics


def hpa_replicas(ext: Mapping[str, Any] | None) -> tuple[int, int]:
    """(minReplicas, maxReplicas) of `createHPA`: min at least 1, max at least min."""
    ext = ext or {}
    min_replicas = ext.get("minReplicas")
    if min_replicas is None or min_replicas < c.DEFAULT_MIN_REPLICAS:
        min_replicas = c.DEFAULT_MIN_REPLICAS
    max_replicas = int(ext.get("maxReplicas") or 0)
    return min_replicas, max(max_replicas, min_replicas)


def create_hpa(
    meta: Mapping[str, Any], ext: Mapping[str, Any] | None, renderer: Renderer
) -> dict[str, Any]:
    """Port of `createHPA`: scale the component's Deployment between min and max replicas."""
    values = object_meta_values(meta)
    min_replicas, max_replicas = hpa_replicas(ext)
    metrics = get_hpa_metrics(ext)
    values.update(min_replicas=min_replicas, max_replicas=max_replicas, metrics=metrics or None)
    return renderer.render_object(
        TEMPLATE, values, "HorizontalPodAutoscaler", values["name"], values["namespace"]
    )


def should_create_hpa(annotations: Mapping[str, str]) -> bool:
    """Port of `shouldCreateHPA`: not stopped, and no autoscaler class or class `hpa`."""
    if get_force_stop_runtime(annotations):
        return False
    autoscaler_class = annotations.get(c.AUTOSCALER_CLASS)
    return autoscaler_class is None or autoscaler_class == c.AUTOSCALER_CLASS_HPA
