"""KEDA ScaledObjects: port of `reconcilers/keda/keda_reconciler.go`.

Ports `createKedaScaledObject`, `getKedaMetrics` and `getOriginalStringMQ` (KServe v0.20.0),
built for the autoscaler class `keda` (`autoscaler.py`); `Reconcile` becomes "emit unless
stopped" (`raw.py`). The ConfigMap KServe re-reads here arrives parsed: `AutoscalerConfig` for
the stabilization windows and `OtelCollectorConfig` for the OpenTelemetry scaler address.
Nothing here can fail once the config has parsed.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator import constants as c
from generator.config.configmap import AutoscalerConfig, OtelCollectorConfig
from generator.goruntime import strconv
from generator.reconcilers.deployment import object_meta_values
from generator.render import Renderer

TEMPLATE = "keda-scaled-object.yaml.j2"
RESOURCE = "Resource"
EXTERNAL = "External"
POD_METRIC = "PodMetric"
UTILIZATION = "Utilization"
AVERAGE_VALUE = "AverageValue"
VALUE = "Value"


def get_original_string_mq(quantity: Any, default: str) -> str:
    """Port of `getOriginalStringMQ`: the quantity as the user wrote it, else `default`.

    A `MetricQuantity` remembers the JSON it came from: a string as is, an integer in decimal.
    """
    if quantity is None or isinstance(quantity, bool):
        return default
    original = str(quantity)
    return original or default


def _resource_trigger(resource: Mapping[str, Any]) -> dict[str, Any]:
    name = str(resource.get("name") or "")
    target = resource.get("target") or {}
    metric_type = str(target.get("type") or "")
    value = "0"
    if metric_type == UTILIZATION:
        utilization = target.get("averageUtilization")
        if name == c.AUTO_SCALER_METRICS_CPU and utilization is None:
            utilization = c.DEFAULT_CPU_UTILIZATION
        if utilization is not None:
            value = str(int(utilization))
    elif metric_type == AVERAGE_VALUE:
        value = get_original_string_mq(target.get("averageValue"), "0")
    elif metric_type == VALUE:
        value = get_original_string_mq(target.get("value"), "0")
    trigger: dict[str, Any] = {"type": name, "metadata": {"value": value}}
    if metric_type:
        trigger["metricType"] = metric_type
    return trigger


def _external_trigger(external: Mapping[str, Any]) -> dict[str, Any]:
    metric = external.get("metric") or {}
    backend = str(metric.get("backend") or "")
    metadata = {
        "serverAddress": str(metric.get("serverAddress") or ""),
        "query": str(metric.get("query") or ""),
        "threshold": get_original_string_mq((external.get("target") or {}).get("value"), "0"),
    }
    if backend == c.AUTO_SCALER_METRICS_SOURCE_PROMETHEUS and metric.get("namespace"):
        metadata["namespace"] = str(metric["namespace"])
    trigger: dict[str, Any] = {"type": backend, "metadata": metadata}
    authentication = external.get("authenticationRef")
    if authentication is not None:
        if authentication.get("authModes"):
            metadata["authModes"] = str(authentication["authModes"])
        ref_name = (authentication.get("authenticationRef") or {}).get("name")
        if ref_name:
            trigger["authenticationRef"] = {"name": str(ref_name)}
    return trigger


def _pod_metric_trigger(
    pod_metric: Mapping[str, Any], meta: Mapping[str, Any], otel_config: OtelCollectorConfig
) -> dict[str, Any]:
    metric = pod_metric.get("metric") or {}
    scaler_address = str(metric.get("serverAddress") or "") or otel_config.metric_scaler_endpoint
    if metric.get("backend") != c.AUTO_SCALER_METRICS_SOURCE_OPEN_TELEMETRY:
        # Unreachable in practice: the CRD allows only the opentelemetry backend.
        return {"type": "", "metadata": {}}
    query = str(metric.get("query") or "")
    namespace, name = meta.get("namespace") or "", meta.get("name") or ""
    metadata = {
        "metricQuery": f'sum({query}{{namespace="{namespace}", deployment="{name}"}})',
        "targetValue": get_original_string_mq((pod_metric.get("target") or {}).get("value"), "0"),
        "scalerAddress": scaler_address,
    }
    if metric.get("operationOverTime"):
        metadata["operationOverTime"] = str(metric["operationOverTime"])
    return {"type": "external", "metadata": metadata}


def get_keda_metrics(
    meta: Mapping[str, Any], ext: Mapping[str, Any] | None, otel_config: OtelCollectorConfig
) -> list[dict[str, Any]]:
    """Port of `getKedaMetrics`: one trigger per `autoScaling.metrics` item, in order."""
    triggers: list[dict[str, Any]] = []
    if ext is None or ext.get("autoScaling") is None:
        return triggers
    for metric in ext["autoScaling"].get("metrics") or []:
        metric_type = metric.get("type")
        if metric_type == RESOURCE:
            triggers.append(_resource_trigger(metric.get("resource") or {}))
        elif metric_type == EXTERNAL:
            triggers.append(_external_trigger(metric.get("external") or {}))
        elif metric_type == POD_METRIC:
            triggers.append(_pod_metric_trigger(metric.get("podmetric") or {}, meta, otel_config))
    return triggers


def stabilization_windows(
    ext: Mapping[str, Any] | None, autoscaler_config: AutoscalerConfig
) -> tuple[int | None, int | None]:
    """(scaleDown, scaleUp) stabilization windows: the isvc's behavior, else the ConfigMap's."""
    scale_down: int | None = None
    scale_up: int | None = None
    behavior = ((ext or {}).get("autoScaling") or {}).get("behavior")
    if behavior is not None:
        scale_down = (behavior.get("scaleDown") or {}).get("stabilizationWindowSeconds")
        scale_up = (behavior.get("scaleUp") or {}).get("stabilizationWindowSeconds")
    if scale_down is None:
        scale_down = strconv.parse_int(autoscaler_config.scale_down_stabilization_window_seconds)
    if scale_up is None:
        scale_up = strconv.parse_int(autoscaler_config.scale_up_stabilization_window_seconds)
    return scale_down, scale_up


def create_keda_scaled_object(
    meta: Mapping[str, Any],
    ext: Mapping[str, Any] | None,
    autoscaler_config: AutoscalerConfig,
    otel_config: OtelCollectorConfig,
    renderer: Renderer,
) -> dict[str, Any]:
    """Port of `createKedaScaledObject`: scale the component's Deployment with KEDA triggers."""
    ext_map = ext or {}
    min_replicas = ext_map.get("minReplicas")
    if min_replicas is None:
        min_replicas = c.DEFAULT_MIN_REPLICAS
    max_replicas = max(int(ext_map.get("maxReplicas") or 0), min_replicas)
    scale_down, scale_up = stabilization_windows(ext, autoscaler_config)
    advanced = None
    if scale_down is not None or scale_up is not None:
        behavior: dict[str, Any] = {}
        if scale_down is not None:
            behavior["scaleDown"] = {"stabilizationWindowSeconds": scale_down}
        if scale_up is not None:
            behavior["scaleUp"] = {"stabilizationWindowSeconds": scale_up}
        # Go's AdvancedConfig.ScalingModifiers is a struct: `omitempty` cannot drop it.
        advanced = {"horizontalPodAutoscalerConfig": {"behavior": behavior}, "scalingModifiers": {}}
    values = object_meta_values(meta)
    values.update(
        min_replica_count=min_replicas,
        max_replica_count=max_replicas,
        advanced=advanced,
        # With no triggers Go sends `triggers: null`; autoscaler.py refuses that input.
        triggers=get_keda_metrics(meta, ext, otel_config),
    )
    return renderer.render_object(
        TEMPLATE, values, "ScaledObject", values["name"], values["namespace"]
    )
