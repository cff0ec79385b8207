"""Ported from KServe v0.20.0 `reconcilers/otel/otel_reconciler_test.go`.

`TestCreateOtelCollector` is parametrised with its Go scenario names; the three
`TestCreateOtelCollectorWith*Resources` tests become one parametrised test with the Go test
names as ids. Go's client round trips (`TestReconcileCreate`, `TestReconcileUpdate`,
`TestSetControllerReferences`) have no offline counterpart. Every collector is validated
against the OpenTelemetry operator's CRD (strict, `crd_schema`).
"""

from __future__ import annotations

from typing import Any

import pytest
from reconcilers.crd_schema import crd_errors

from generator.config.configmap import OtelCollectorConfig, ResourceConfig
from generator.goruntime.json import round_trip
from generator.reconcilers.otel import (
    COLLECTOR_SPEC,
    create_otel_collector,
    go_spec,
    otel_metric_names,
)
from generator.render import Renderer

RENDERER = Renderer()
META = {"name": "test-service", "namespace": "default"}

CASES = {
    "test with port annotation and single metric": (
        {**META, "annotations": {"prometheus.kserve.io/port": "9090"}},
        ["request-count"],
        OtelCollectorConfig(scrape_interval="15s", metric_receiver_endpoint="otel-collector:4317"),
        "15s",
        "localhost:9090",
    ),
    "test without port annotation and multiple metrics": (
        META,
        ["metric1", "metric2"],
        OtelCollectorConfig(scrape_interval="30s"),
        "30s",
        "localhost:8080",
    ),
}


@pytest.mark.parametrize(
    ("meta", "metric_names", "otel_config", "interval", "target"), CASES.values(), ids=CASES
)
def test_create_otel_collector(
    meta: dict[str, Any],
    metric_names: list[str],
    otel_config: OtelCollectorConfig,
    interval: str,
    target: str,
) -> None:
    collector = create_otel_collector(meta, metric_names, otel_config, RENDERER)
    assert collector["metadata"]["name"] == meta["name"]
    assert collector["metadata"]["namespace"] == meta["namespace"]
    assert "labels" not in collector["metadata"]
    spec = collector["spec"]
    assert spec["mode"] == "sidecar"
    scrape = spec["config"]["receivers"]["prometheus"]["config"]["scrape_configs"][0]
    assert scrape["job_name"] == "otel-collector"
    assert scrape["scrape_interval"] == interval
    assert scrape["static_configs"][0]["targets"] == [target]
    processors = spec["config"]["processors"]
    assert {"resourcedetection/env", "transform"} <= set(processors)
    include = processors["filter/metrics"]["metrics"]["include"]
    assert sorted(include["metric_names"]) == sorted(metric_names)
    pipeline = spec["config"]["service"]["pipelines"]["metrics"]
    assert pipeline["processors"] == ["resourcedetection/env", "transform", "filter/metrics"]
    assert crd_errors(collector) == []


RESOURCE_CASES = {
    "TestCreateOtelCollectorWithResources": (
        ResourceConfig(
            cpu_limit="500m", memory_limit="1Gi", cpu_request="100m", memory_request="256Mi"
        ),
        {
            "limits": {"cpu": "500m", "memory": "1Gi"},
            "requests": {"cpu": "100m", "memory": "256Mi"},
        },
    ),
    "TestCreateOtelCollectorWithPartialResources": (
        ResourceConfig(cpu_limit="500m", cpu_request="100m"),
        {"limits": {"cpu": "500m"}, "requests": {"cpu": "100m"}},
    ),
    # Go asserts empty Limits and Requests of the zero struct, which marshals as {}.
    "TestCreateOtelCollectorWithNoResources": (ResourceConfig(), {}),
}


@pytest.mark.parametrize(("resource", "expected"), RESOURCE_CASES.values(), ids=RESOURCE_CASES)
def test_create_otel_collector_with_resources(
    resource: ResourceConfig, expected: dict[str, Any]
) -> None:
    config = OtelCollectorConfig(
        scrape_interval="30s", metric_receiver_endpoint="otel-receiver:4317", resource=resource
    )
    collector = create_otel_collector(META, [], config, RENDERER)
    assert collector["spec"]["resources"] == expected
    assert crd_errors(collector) == []


# --- beyond the Go table tests --------------------------------------------------------------


def test_whole_collector_without_metric_names() -> None:
    config = OtelCollectorConfig(scrape_interval="5s", metric_receiver_endpoint="recv:4317")
    meta = {**META, "labels": {"x": "y"}, "annotations": {"a": "b"}}
    assert create_otel_collector(meta, [], config, RENDERER) == {
        "apiVersion": "opentelemetry.io/v1beta1",
        "kind": "OpenTelemetryCollector",
        "metadata": {"name": "test-service", "namespace": "default", "annotations": {"a": "b"}},
        "spec": {
            "mode": "sidecar",
            "managementState": "managed",  # GitOps: the CRD default (Go omits it)
            # Go's encoding/json writes the spec's struct fields even when zero; upgradeStrategy
            # "" is left out (allow-list otel-operator-defaults).
            "resources": {},
            "podDnsConfig": {},
            "targetAllocator": {
                "resources": {},
                "prometheusCR": {},
                "observability": {"metrics": {}},
            },
            "ingress": {"route": {}},
            "observability": {"metrics": {}},
            "daemonSetUpdateStrategy": {},
            "deploymentUpdateStrategy": {},
            "config": {
                "receivers": {
                    "prometheus": {
                        "config": {
                            "scrape_configs": [
                                {
                                    "job_name": "otel-collector",
                                    "scrape_interval": "5s",
                                    "static_configs": [{"targets": ["localhost:8080"]}],
                                }
                            ]
                        }
                    }
                },
                "exporters": {
                    "otlp": {
                        "endpoint": "recv:4317",
                        "compression": "none",
                        "tls": {"insecure": True},
                    }
                },
                "processors": {
                    "resourcedetection/env": {
                        "detectors": ["env"],
                        "timeout": "2s",
                        "override": False,
                    },
                    "transform": {
                        "metric_statements": [
                            {
                                "context": "datapoint",
                                "statements": [
                                    'set(attributes["namespace"], '
                                    'resource.attributes["k8s.namespace.name"])',
                                    'set(attributes["deployment"], '
                                    'resource.attributes["k8s.deployment.name"])',
                                    'set(attributes["pod"], resource.attributes["k8s.pod.name"])',
                                ],
                            }
                        ]
                    },
                },
                "service": {
                    "pipelines": {
                        "metrics": {
                            "receivers": ["prometheus"],
                            "processors": ["resourcedetection/env", "transform"],
                            "exporters": ["otlp"],
                        }
                    }
                },
            },
        },
    }


def test_otel_metric_names_concatenates_opentelemetry_pod_metrics() -> None:
    def pod(backend: str, names: list[str]) -> dict[str, Any]:
        metric = {"backend": backend, "metricNames": names}
        return {"type": "PodMetric", "podmetric": {"metric": metric}}

    ext = {
        "autoScaling": {
            "metrics": [
                pod("opentelemetry", ["a", "b"]),
                {"type": "Resource", "resource": {"name": "cpu"}},
                pod("other", ["x"]),
                pod("opentelemetry", ["c"]),
            ]
        }
    }
    assert otel_metric_names(ext) == ["a", "b", "c"]
    assert otel_metric_names({}) == []


def test_go_spec_is_go_marshal_of_the_typed_spec() -> None:
    """What KServe v0.20.0 sends (otel_reconciler.go:189, a typed OpenTelemetryCollectorSpec),
    seen by the differential suite: zero structs as {}, upgradeStrategy "" (dropped here)."""
    assert round_trip({"mode": "sidecar"}, COLLECTOR_SPEC)["upgradeStrategy"] == ""
    assert go_spec({"mode": "sidecar", "resources": {"limits": {"cpu": "1"}}}) == {
        "mode": "sidecar",
        "resources": {"limits": {"cpu": "1"}},
        "podDnsConfig": {},
        "targetAllocator": {"resources": {}, "prometheusCR": {}, "observability": {"metrics": {}}},
        "ingress": {"route": {}},
        "observability": {"metrics": {}},
        "daemonSetUpdateStrategy": {},
        "deploymentUpdateStrategy": {},
    }
