"""Prometheus metric aggregation through queue-proxy, and the scraping annotations.

Ports KServe v0.20.0 `pkg/webhook/admission/pod/metrics_aggregate_injector.go`
(`InjectMetricsAggregator`, `setMetricAggregationEnvVarsAndPorts`) and `pkg/utils/utils.go:
AppendPortIfNotExists`. Only a `queue-proxy` container (Knative) is changed; every pod gets both
`serving.kserve.io/enable-*` annotations, from the `metricsAggregator` config when absent.
"""

from __future__ import annotations

from typing import Any

from generator import constants as c
from generator.admission.pod import MutationContext
from generator.credentials.builder import merge_envs
from generator.credentials.sources import value_env

DEFAULT_KSERVE_CONTAINER_PROMETHEUS_PORT = "8080"
QUEUE_PROXY_AGGREGATE_PROMETHEUS_METRICS_PORT = "9088"
DEFAULT_POD_PROMETHEUS_PORT = "9091"
AGGREGATE_METRICS_PORT_NAME = "aggr-metric"
KSERVE_CONTAINER_PROMETHEUS_METRICS_PORT_ENV_VAR_KEY = "KSERVE_CONTAINER_PROMETHEUS_METRICS_PORT"
KSERVE_CONTAINER_PROMETHEUS_METRICS_PATH_ENV_VAR_KEY = "KSERVE_CONTAINER_PROMETHEUS_METRICS_PATH"
QUEUE_PROXY_AGGREGATE_PROMETHEUS_METRICS_PORT_ENV_VAR_KEY = "AGGREGATE_PROMETHEUS_METRICS_PORT"


def set_metric_aggregation_env_vars_and_ports(pod: dict[str, Any]) -> None:
    """Port of `setMetricAggregationEnvVarsAndPorts`: tell queue-proxy where to scrape."""
    annotations = (pod.get("metadata") or {}).get("annotations") or {}
    port = annotations.get(
        c.KSERVE_CONTAINER_PROMETHEUS_PORT_KEY, DEFAULT_KSERVE_CONTAINER_PROMETHEUS_PORT
    )
    path = annotations.get(c.KSERVE_CONTAINER_PROMETHEUS_PATH_KEY, c.DEFAULT_PROMETHEUS_PATH)
    for container in (pod.get("spec") or {}).get("containers") or []:
        if container.get("name") != c.QUEUE_PROXY_CONTAINER_NAME:
            continue
        envs = merge_envs(
            container.get("env") or [],
            [
                value_env(KSERVE_CONTAINER_PROMETHEUS_METRICS_PORT_ENV_VAR_KEY, port),
                value_env(KSERVE_CONTAINER_PROMETHEUS_METRICS_PATH_ENV_VAR_KEY, path),
            ],
        )
        aggregate = QUEUE_PROXY_AGGREGATE_PROMETHEUS_METRICS_PORT
        container["env"] = merge_envs(
            envs, [value_env(QUEUE_PROXY_AGGREGATE_PROMETHEUS_METRICS_PORT_ENV_VAR_KEY, aggregate)]
        )
        ports = container.setdefault("ports", [])
        if not any(p.get("name") == AGGREGATE_METRICS_PORT_NAME for p in ports):
            ports.append(
                {
                    "name": AGGREGATE_METRICS_PORT_NAME,
                    "containerPort": int(aggregate),
                    "protocol": "TCP",
                }
            )


def inject_metrics_aggregator(pod: dict[str, Any], ctx: MutationContext) -> list[str]:
    """Port of `InjectMetricsAggregator`."""
    config = ctx.config.metrics_aggregator
    meta = pod.setdefault("metadata", {})
    if meta.get("annotations") is None:
        meta["annotations"] = {}
    annotations: dict[str, str] = meta["annotations"]
    aggregate = annotations.setdefault(
        c.ENABLE_METRIC_AGGREGATION, config.enable_metric_aggregation
    )
    if aggregate == "true":
        set_metric_aggregation_env_vars_and_ports(pod)
    scrape = annotations.setdefault(c.SET_PROMETHEUS_ANNOTATION, config.enable_prometheus_scraping)
    if scrape == "true":
        annotations[c.PROMETHEUS_PORT_ANNOTATION_KEY] = (
            QUEUE_PROXY_AGGREGATE_PROMETHEUS_METRICS_PORT
            if aggregate == "true"
            else DEFAULT_POD_PROMETHEUS_PORT
        )
        annotations[c.PROMETHEUS_PATH_ANNOTATION_KEY] = c.DEFAULT_PROMETHEUS_PATH
    return []
