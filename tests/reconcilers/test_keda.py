"""Ported from KServe v0.20.0 `reconcilers/keda/keda_reconciler_test.go`.

Go has one single-case test per scenario; they are grouped here by function: every
`TestGetKedaMetrics_*` is a case of `test_get_keda_metrics`, every `TestCreateKedaScaledObject*`
(and `TestNewKedaReconciler`) a case of `test_create_keda_scaled_object`, ids being the Go test
names. Go's empty ConfigMap is `AutoscalerConfig()` / `OtelCollectorConfig()` here. Tests of
Go's client round trips (`TestReconcile*`, `TestSemanticScaledObjectEquals`) have no offline
counterpart. Every ScaledObject is validated against KEDA's CRD (strict, `crd_schema`).
"""

from __future__ import annotations

from typing import Any

import pytest
from reconcilers.crd_schema import crd_errors

from generator import constants as c
from generator.config.configmap import AutoscalerConfig, OtelCollectorConfig
from generator.reconcilers.keda import (
    create_keda_scaled_object,
    get_keda_metrics,
    get_original_string_mq,
)
from generator.render import Renderer

RENDERER = Renderer()
META = {"name": "test-component", "namespace": "test-namespace"}
NO_CONFIG = AutoscalerConfig()
NO_OTEL = OtelCollectorConfig()


def metrics(*items: dict[str, Any]) -> dict[str, Any]:
    return {"autoScaling": {"metrics": list(items)}}


def resource(name: str, target: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": name, "target": target}}


RESOURCE_METRIC = metrics(resource("cpu", {"type": "Utilization", "averageUtilization": 50}))
EXTERNAL_METRIC = metrics(
    {
        "type": "External",
        "external": {
            "metric": {
                "backend": "prometheus",
                "serverAddress": "http://prometheus-server",
                "query": "http_requests_total",
                "namespace": "test-namespace",
            },
            "target": {"value": "100.9"},
        },
    }
)
POD_METRIC = metrics(
    {
        "type": "PodMetric",
        "podmetric": {
            "metric": {
                "backend": "opentelemetry",
                "query": "otel_query",
                "serverAddress": "http://otel-server",
                "operationOverTime": "sum",
            },
            "target": {"value": "200"},
        },
    }
)
OTEL_QUERY = 'sum(otel_query{namespace="test-namespace", deployment="test-component"})'


def external(metric: dict[str, Any], value: str, auth: dict[str, Any] | None) -> dict[str, Any]:
    source: dict[str, Any] = {"metric": metric, "target": {"value": value}}
    if auth is not None:
        source["authenticationRef"] = auth
    return metrics({"type": "External", "external": source})


PROMETHEUS = {
    "backend": "prometheus",
    "serverAddress": "http://prometheus-server",
    "query": "http_requests_total",
}
METRIC_CASES: dict[str, tuple[dict[str, Any], list[dict[str, Any]]]] = {
    "TestGetKedaMetrics_ResourceMetricSourceType": (
        RESOURCE_METRIC,
        [{"type": "cpu", "metadata": {"value": "50"}, "metricType": "Utilization"}],
    ),
    "TestGetKedaMetrics_ExternalMetricSourceType": (
        EXTERNAL_METRIC,
        [
            {
                "type": "prometheus",
                "metadata": {
                    "serverAddress": "http://prometheus-server",
                    "query": "http_requests_total",
                    "threshold": "100.9",
                    "namespace": "test-namespace",
                },
            }
        ],
    ),
    "TestGetKedaMetrics_PodMetricSourceType": (
        POD_METRIC,
        [
            {
                "type": "external",
                "metadata": {
                    "metricQuery": OTEL_QUERY,
                    "targetValue": "200",
                    "scalerAddress": "http://otel-server",
                    "operationOverTime": "sum",
                },
            }
        ],
    ),
    "TestGetKedaMetrics_AverageValueMetricSourceType": (
        metrics(resource("cpu", {"type": "AverageValue", "averageValue": "150m"})),
        [{"type": "cpu", "metadata": {"value": "150m"}, "metricType": "AverageValue"}],
    ),
    "TestGetKedaMetrics_ValueMetricSourceType": (
        metrics(resource("memory", {"type": "Value", "value": "512Mi"})),
        [{"type": "memory", "metadata": {"value": "512Mi"}, "metricType": "Value"}],
    ),
    "TestGetKedaMetrics_DefaultCPUUtilization": (
        metrics(resource("cpu", {"type": "Utilization"})),
        [{"type": "cpu", "metadata": {"value": "80"}, "metricType": "Utilization"}],
    ),
    "TestGetKedaMetrics_NilAutoScaling": ({"autoScaling": None}, []),
    "TestGetKedaMetrics_ResourceMetricSourceType_Utilization": (
        metrics(resource("cpu", {"type": "Utilization", "averageUtilization": 75})),
        [{"type": "cpu", "metadata": {"value": "75"}, "metricType": "Utilization"}],
    ),
    "TestGetKedaMetrics_ResourceMetricSourceType_Utilization_DefaultCPU": (
        metrics(resource("cpu", {"type": "Utilization"})),
        [{"type": "cpu", "metadata": {"value": "80"}, "metricType": "Utilization"}],
    ),
    "TestGetKedaMetrics_ResourceMetricSourceType_AverageValue": (
        metrics(resource("memory", {"type": "AverageValue", "averageValue": "256Mi"})),
        [{"type": "memory", "metadata": {"value": "256Mi"}, "metricType": "AverageValue"}],
    ),
    "TestGetKedaMetrics_ResourceMetricSourceType_Value": (
        metrics(resource("memory", {"type": "Value", "value": "512Mi"})),
        [{"type": "memory", "metadata": {"value": "512Mi"}, "metricType": "Value"}],
    ),
    "TestGetKedaMetrics_ExternalMetricSourceType_WithNamespaceAndAuth": (
        external(
            {**PROMETHEUS, "namespace": "test-ns"},
            "123",
            {"authModes": "bearer", "authenticationRef": {"name": "auth-secret"}},
        ),
        [
            {
                "type": "prometheus",
                "metadata": {
                    "serverAddress": "http://prometheus-server",
                    "query": "http_requests_total",
                    "threshold": "123",
                    "namespace": "test-ns",
                    "authModes": "bearer",
                },
                "authenticationRef": {"name": "auth-secret"},
            }
        ],
    ),
    "TestGetKedaMetrics_ExternalMetricSourceType_WithoutNamespaceOrAuth": (
        external(PROMETHEUS, "99", None),
        [
            {
                "type": "prometheus",
                "metadata": {
                    "serverAddress": "http://prometheus-server",
                    "query": "http_requests_total",
                    "threshold": "99",
                },
            }
        ],
    ),
    "TestGetKedaMetrics_PodMetricSourceType_Success": (
        POD_METRIC,
        [
            {
                "type": "external",
                "metadata": {
                    "metricQuery": OTEL_QUERY,
                    "targetValue": "200",
                    "scalerAddress": "http://otel-server",
                    "operationOverTime": "sum",
                },
            }
        ],
    ),
}


@pytest.mark.parametrize(("ext", "expected"), METRIC_CASES.values(), ids=METRIC_CASES)
def test_get_keda_metrics(ext: dict[str, Any], expected: list[dict[str, Any]]) -> None:
    assert get_keda_metrics(META, ext, NO_OTEL) == expected


def scaled_object(
    meta: dict[str, Any],
    min_replicas: int,
    max_replicas: int,
    triggers: list[dict[str, Any]] | None = None,
    behavior: dict[str, Any] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "scaleTargetRef": {"name": meta["name"]},
        "minReplicaCount": min_replicas,
        "maxReplicaCount": max_replicas,
        "triggers": triggers or [],
    }
    if behavior is not None:
        spec["advanced"] = {
            "horizontalPodAutoscalerConfig": {"behavior": behavior},
            "scalingModifiers": {},
        }
    api = {"apiVersion": "keda.sh/v1alpha1", "kind": "ScaledObject"}
    return {**api, "metadata": meta, "spec": spec}


BASIC_META = {
    "name": "basic-component",
    "namespace": "basic-namespace",
    "labels": {"foo": "bar"},
    "annotations": {"anno": "val"},
}
WINDOWS_EXT = {
    "minReplicas": 1,
    "maxReplicas": 3,
    "autoScaling": {
        "behavior": {
            "scaleDown": {"stabilizationWindowSeconds": 60},
            "scaleUp": {"stabilizationWindowSeconds": 30},
        }
    },
}
CREATE_CASES: dict[str, tuple[dict[str, Any], dict[str, Any], AutoscalerConfig, dict[str, Any]]] = {
    "TestNewKedaReconciler": (META, {"minReplicas": 1, "maxReplicas": 3}, NO_CONFIG,
                              scaled_object(META, 1, 3)),
    "TestCreateKedaScaledObject": (META, {"minReplicas": 1, "maxReplicas": 3}, NO_CONFIG,
                                   scaled_object(META, 1, 3)),
    "TestCreateKedaScaledObject_DefaultMinReplicas": (META, {"maxReplicas": 3}, NO_CONFIG,
                                                      scaled_object(META, 1, 3)),
    "TestCreateKedaScaledObject_MaxReplicasLessThanMinReplicas": (
        META, {"minReplicas": 5, "maxReplicas": 3}, NO_CONFIG, scaled_object(META, 5, 5),
    ),
    "TestCreateKedaScaledObject_SetsBasicFields": (
        BASIC_META, {"minReplicas": 2, "maxReplicas": 5}, NO_CONFIG,
        scaled_object(BASIC_META, 2, 5),
    ),
    "TestCreateKedaScaledObject_SetsTriggers": (
        {"name": "trigger-component", "namespace": "trigger-namespace"}, RESOURCE_METRIC, NO_CONFIG,
        scaled_object({"name": "trigger-component", "namespace": "trigger-namespace"}, 1, 1,
                      METRIC_CASES["TestGetKedaMetrics_ResourceMetricSourceType"][1]),
    ),
    "TestCreateKedaScaledObject_UsesDefaultMinReplicas": (
        {"name": "default-min", "namespace": "default-ns"}, {"maxReplicas": 4}, NO_CONFIG,
        scaled_object({"name": "default-min", "namespace": "default-ns"}, 1, 4),
    ),
    "TestCreateKedaScaledObject_AdvancedConfigFromComponentExt": (
        {"name": "advanced", "namespace": "ns"}, WINDOWS_EXT, NO_CONFIG,
        scaled_object({"name": "advanced", "namespace": "ns"}, 1, 3, behavior={
            "scaleDown": {"stabilizationWindowSeconds": 60},
            "scaleUp": {"stabilizationWindowSeconds": 30},
        }),
    ),
    "TestCreateKedaScaledObject_AdvancedConfigFromConfigMap": (
        {"name": "from-cm", "namespace": "ns"},
        {"minReplicas": 1, "maxReplicas": 2, "autoScaling": {}},
        AutoscalerConfig(scale_up_stabilization_window_seconds="15",
                         scale_down_stabilization_window_seconds="45"),
        scaled_object({"name": "from-cm", "namespace": "ns"}, 1, 2, behavior={
            "scaleDown": {"stabilizationWindowSeconds": 45},
            "scaleUp": {"stabilizationWindowSeconds": 15},
        }),
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("meta", "ext", "autoscaler_config", "expected"), CREATE_CASES.values(), ids=CREATE_CASES
)
def test_create_keda_scaled_object(
    meta: dict[str, Any],
    ext: dict[str, Any],
    autoscaler_config: AutoscalerConfig,
    expected: dict[str, Any],
) -> None:
    got = create_keda_scaled_object(meta, ext, autoscaler_config, NO_OTEL, RENDERER)
    assert got == expected
    assert crd_errors(got) == []


def _resource_mq(name: str, key: str, value: str) -> dict[str, Any]:
    target_type = "AverageValue" if key == "averageValue" else "Value"
    return metrics(resource(name, {"type": target_type, key: value}))


PRESERVATION_CASES: dict[str, tuple[dict[str, Any], str]] = {
    "Resource AverageValue preserves decimal": (_resource_mq("cpu", "averageValue", "0.6"), "0.6"),
    "Resource Value preserves memory unit": (_resource_mq("memory", "value", "50Gi"), "50Gi"),
    "Milli values preserved as-is": (_resource_mq("cpu", "averageValue", "900m"), "900m"),
}


@pytest.mark.parametrize(("ext", "expected"), PRESERVATION_CASES.values(), ids=PRESERVATION_CASES)
def test_get_keda_metrics_string_preservation(ext: dict[str, Any], expected: str) -> None:
    triggers = get_keda_metrics(META, ext, NO_OTEL)
    assert len(triggers) == 1
    assert triggers[0]["metadata"]["value"] == expected


ORIGINAL_CASES = {
    "Valid MetricQuantity with raw value": ("0.6", "default", "0.6"),
    "Nil MetricQuantity returns fallback": (None, "fallback", "fallback"),
    "Empty raw value returns fallback": ("", "fallback", "fallback"),
    "Memory unit preserved": ("50Gi", "default", "50Gi"),
}


@pytest.mark.parametrize(
    ("mq", "fallback", "expected"), ORIGINAL_CASES.values(), ids=ORIGINAL_CASES
)
def test_get_original_string_mq(mq: str | None, fallback: str, expected: str) -> None:
    assert get_original_string_mq(mq, fallback) == expected


# --- beyond the Go table tests --------------------------------------------------------------


def test_integer_quantities_keep_their_decimal_form() -> None:
    """MetricQuantity.UnmarshalJSON records a JSON integer as its decimal text."""
    assert get_original_string_mq(5, "0") == "5"


def test_pod_metric_scaler_address_defaults_to_the_configmap() -> None:
    ext = metrics(
        {
            "type": "PodMetric",
            "podmetric": {
                "metric": {"backend": "opentelemetry", "query": "q"},
                "target": {"type": "Value"},
            },
        }
    )
    otel = OtelCollectorConfig(metric_scaler_endpoint="keda-otel-scaler.keda.svc:4318")
    assert get_keda_metrics(META, ext, otel) == [
        {
            "type": "external",
            "metadata": {
                "metricQuery": 'sum(q{namespace="test-namespace", deployment="test-component"})',
                "targetValue": "0",
                "scalerAddress": "keda-otel-scaler.keda.svc:4318",
            },
        }
    ]


def test_shipped_config_windows_and_labels_validate() -> None:
    meta = {**BASIC_META, "labels": {"foo": "bar", c.RAW_DEPLOYMENT_APP_LABEL: "isvc.x"}}
    config = AutoscalerConfig("0", "300")  # the shipped `autoscaler` key
    got = create_keda_scaled_object(meta, {**EXTERNAL_METRIC}, config, NO_OTEL, RENDERER)
    assert got["spec"]["advanced"]["horizontalPodAutoscalerConfig"]["behavior"] == {
        "scaleDown": {"stabilizationWindowSeconds": 300},
        "scaleUp": {"stabilizationWindowSeconds": 0},
    }
    assert crd_errors(got) == []
