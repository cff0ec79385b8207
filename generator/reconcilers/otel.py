"""OpenTelemetry Collectors: port of `reconcilers/otel/otel_reconciler.go`.

Ports `createOtelCollector`, `createResourceRequirements` (KServe v0.20.0) and the collection of
metric names `raw/raw_kube_reconciler.go: NewRawKubeReconciler` does before building one:
a sidecar collector that scrapes the pod's Prometheus port, keeps the named metrics and exports
them over OTLP for KEDA's OpenTelemetry scaler. It is built whatever the autoscaler class and
emitted unless stopped (`raw.py`). Nothing here can fail once the config has parsed.

GitOps: Go's JSON encoder also writes the collector spec's empty nested structs (`ingress: {}`,
`targetAllocator: {}`, `resources: {}` …); they carry no setting and are left out here. The
template writes `managementState: managed`, the value the CRD defaults its required field to,
so the manifest validates against the CRD without server-side defaulting.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator import constants as c
from generator.config.configmap import OtelCollectorConfig, ResourceConfig
from generator.config.quantity import parse_quantity
from generator.render import Renderer

TEMPLATE = "otel-collector.yaml.j2"
ANNOTATION_PROMETHEUS_PORT = "prometheus.kserve.io/port"
DEFAULT_PROMETHEUS_PORT = "8080"
PROMETHEUS_RECEIVER = "prometheus"
OTLP_EXPORTER = "otlp"
PROCESSOR_RESOURCEDETECTION_ENV = "resourcedetection/env"
PROCESSOR_TRANSFORM = "transform"
PROCESSOR_FILTER_METRICS = "filter/metrics"
JOB_NAME_OTEL_COLLECTOR = "otel-collector"
TRANSFORM_STATEMENTS = (
    'set(attributes["namespace"], resource.attributes["k8s.namespace.name"])',
    'set(attributes["deployment"], resource.attributes["k8s.deployment.name"])',
    'set(attributes["pod"], resource.attributes["k8s.pod.name"])',
)


def otel_metric_names(ext: Mapping[str, Any] | None) -> list[str]:
    """The `metricNames` of every `PodMetric` with the opentelemetry backend, in order."""
    names: list[str] = []
    for metric in ((ext or {}).get("autoScaling") or {}).get("metrics") or []:
        if metric.get("type") != "PodMetric":
            continue
        pod_metric = (metric.get("podmetric") or {}).get("metric") or {}
        if pod_metric.get("backend") == c.OTEL_BACKEND:
            names.extend(str(name) for name in pod_metric.get("metricNames") or [])
    return names


def create_resource_requirements(resource: ResourceConfig) -> dict[str, Any]:
    """Port of `createResourceRequirements`: requests and limits, each only when configured."""
    out: dict[str, Any] = {}
    for key, cpu, memory in (
        ("requests", resource.cpu_request, resource.memory_request),
        ("limits", resource.cpu_limit, resource.memory_limit),
    ):
        quantities = {n: str(parse_quantity(v)) for n, v in (("cpu", cpu), ("memory", memory)) if v}
        if quantities:
            out[key] = quantities
    return out


def create_otel_collector(
    meta: Mapping[str, Any],
    metric_names: Sequence[str],
    otel_config: OtelCollectorConfig,
    renderer: Renderer,
) -> dict[str, Any]:
    """Port of `createOtelCollector`: the sidecar collector for the component's pods."""
    annotations = dict(meta.get("annotations") or {})
    port = annotations.get(ANNOTATION_PROMETHEUS_PORT, DEFAULT_PROMETHEUS_PORT)
    scrape = {
        "job_name": JOB_NAME_OTEL_COLLECTOR,
        "scrape_interval": otel_config.scrape_interval,
        "static_configs": [{"targets": [f"localhost:{port}"]}],
    }
    processors: dict[str, Any] = {
        PROCESSOR_RESOURCEDETECTION_ENV: {"detectors": ["env"], "timeout": "2s", "override": False},
        PROCESSOR_TRANSFORM: {
            "metric_statements": [
                {"context": "datapoint", "statements": list(TRANSFORM_STATEMENTS)}
            ]
        },
    }
    pipeline_processors = [PROCESSOR_RESOURCEDETECTION_ENV, PROCESSOR_TRANSFORM]
    if metric_names:
        processors[PROCESSOR_FILTER_METRICS] = {
            "metrics": {"include": {"match_type": "strict", "metric_names": list(metric_names)}}
        }
        pipeline_processors.append(PROCESSOR_FILTER_METRICS)
    name, namespace = str(meta.get("name") or ""), str(meta.get("namespace") or "")
    values: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "annotations": annotations or None,
        "resources": create_resource_requirements(otel_config.resource) or None,
        "receivers": {PROMETHEUS_RECEIVER: {"config": {"scrape_configs": [scrape]}}},
        "exporters": {
            OTLP_EXPORTER: {
                "endpoint": otel_config.metric_receiver_endpoint,
                "compression": "none",
                "tls": {"insecure": True},
            }
        },
        "processors": processors,
        "pipeline": {
            "receivers": [PROMETHEUS_RECEIVER],
            "processors": pipeline_processors,
            "exporters": [OTLP_EXPORTER],
        },
    }
    return renderer.render_object(TEMPLATE, values, "OpenTelemetryCollector", name, namespace)
