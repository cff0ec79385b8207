"""OpenTelemetry Collectors: port of `reconcilers/otel/otel_reconciler.go`.

Ports `createOtelCollector`, `createResourceRequirements` (KServe v0.20.0) and the collection of
metric names `raw/raw_kube_reconciler.go: NewRawKubeReconciler` does before building one:
a sidecar collector that scrapes the pod's Prometheus port, keeps the named metrics and exports
them over OTLP for KEDA's OpenTelemetry scaler. It is built whatever the autoscaler class and
emitted unless stopped (`raw.py`). Nothing here can fail once the config has parsed.

The spec is written as Go's `encoding/json` marshals KServe's typed `OpenTelemetryCollectorSpec`
(`generator/goruntime/json.py`): its struct-valued fields appear even when zero (`ingress:
{route: {}}`, `resources: {}`, `targetAllocator: {...}` …). # GitOps: two fields are not Go's:
`managementState: managed` is written (the CRD's default for its required field; Go omits the
empty string) and `upgradeStrategy` is left out (Go writes "", outside the CRD's enum; the
operator's defaulting webhook makes it "automatic"), so the manifest validates against the CRD
without the operator's webhook (`validate --crds`, clusters without it). Allow-list entry
`otel-operator-defaults`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator import constants as c
from generator.config.configmap import OtelCollectorConfig, ResourceConfig
from generator.config.quantity import parse_quantity
from generator.goruntime.json import ANY, STRING, Field, Kind, Open, Struct, round_trip
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


def _struct(go: str, *fields: tuple[str, Kind]) -> Struct:
    """A struct described by its struct-valued fields (written even when zero); its other
    fields are `omitempty` and kept as they come."""
    return Struct(go, tuple(Field(n, k, omitempty=True) for n, k in fields), rest=Open())


_OBSERVABILITY = _struct("v1beta1.ObservabilitySpec", ("metrics", _struct("MetricsConfigSpec")))
_RESOURCES = _struct("v1.ResourceRequirements")
# OpenTelemetryCollectorSpec of github.com/open-telemetry/opentelemetry-operator v0.113.0
# apis/v1beta1 (the version KServe v0.20.0 builds with), with its inlined
# OpenTelemetryCommonFields (common.go): the fields Go's encoder writes whatever their value.
COLLECTOR_SPEC = Struct(
    "v1beta1.OpenTelemetryCollectorSpec",
    (
        Field("resources", _RESOURCES, omitempty=True),
        Field("podDnsConfig", _struct("v1.PodDNSConfig"), omitempty=True),
        Field(
            "targetAllocator",
            _struct(
                "v1beta1.TargetAllocatorEmbedded",
                ("resources", _RESOURCES),
                ("prometheusCR", _struct("v1beta1.TargetAllocatorPrometheusCR")),
                ("observability", _OBSERVABILITY),
            ),
            omitempty=True,
        ),
        Field("upgradeStrategy", STRING),  # no omitempty
        Field("config", ANY),
        Field("ingress", _struct("v1beta1.Ingress", ("route", _struct("OpenShiftRoute")))),
        Field("observability", _OBSERVABILITY, omitempty=True),
        Field("daemonSetUpdateStrategy", _struct("appsv1.DaemonSetUpdateStrategy")),
        Field("deploymentUpdateStrategy", _struct("appsv1.DeploymentStrategy")),
    ),
    rest=Open(),
)


def go_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """`spec` as Go marshals it into an OpenTelemetryCollectorSpec, less the GitOps departure
    (`upgradeStrategy`; see the module's docstring)."""
    out = round_trip(spec, COLLECTOR_SPEC)
    out.pop("upgradeStrategy")
    return dict(out)


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
    resources = create_resource_requirements(otel_config.resource)
    spec = go_spec({"mode": "sidecar", "resources": resources})
    values: dict[str, Any] = {
        "name": name,
        "namespace": namespace,
        "annotations": annotations or None,
        "resources": spec["resources"],
        "pod_dns_config": spec["podDnsConfig"],
        "target_allocator": spec["targetAllocator"],
        "ingress": spec["ingress"],
        "observability": spec["observability"],
        "daemon_set_update_strategy": spec["daemonSetUpdateStrategy"],
        "deployment_update_strategy": spec["deploymentUpdateStrategy"],
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
