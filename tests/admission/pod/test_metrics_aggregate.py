"""Metric aggregation through queue-proxy (metrics_aggregate_injector.go).

Ported from KServe v0.20.0 `metrics_aggregate_injector_test.go: TestInjectMetricsAggregator`;
ids are the Go scenario keys. Go compares `Pod.Spec` only (its expected annotations for
"EnableMetricAggFalse" are never checked, and are wrong); the annotations are checked here too.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from generator import constants as c
from generator.admission.pod import MutationContext
from generator.admission.pod.metrics_aggregate import inject_metrics_aggregator
from generator.config import builtin_layer, resolve
from generator.config.pod_configs import MetricsAggregatorConfig

BASE, _ = resolve([builtin_layer()])
assert BASE is not None
AGG = c.ENABLE_METRIC_AGGREGATION
PROM = c.SET_PROMETHEUS_ANNOTATION
USER_METRIC = {"name": "http-usermetric", "containerPort": 9091, "protocol": "TCP"}
QP = {"name": "queue-proxy", "ports": [USER_METRIC]}
QP_DONE = {
    "name": "queue-proxy",
    "env": [
        {"name": "KSERVE_CONTAINER_PROMETHEUS_METRICS_PORT", "value": "8080"},
        {"name": "KSERVE_CONTAINER_PROMETHEUS_METRICS_PATH", "value": "/metrics"},
        {"name": "AGGREGATE_PROMETHEUS_METRICS_PORT", "value": "9088"},
    ],
    "ports": [USER_METRIC, {"name": "aggr-metric", "containerPort": 9088, "protocol": "TCP"}],
}
SCRAPE_AGG = {
    c.PROMETHEUS_PORT_ANNOTATION_KEY: "9088",
    c.PROMETHEUS_PATH_ANNOTATION_KEY: "/metrics",
}


def pod(annotations: dict[str, str] | None, queue_proxy: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "deployment", "namespace": "default"}
    if annotations is not None:
        meta["annotations"] = dict(annotations)
    return {
        "metadata": meta,
        "spec": {"containers": [{"name": "sklearn"}, copy.deepcopy(queue_proxy)]},
    }


@pytest.mark.parametrize(
    ("annotations", "queue_proxy", "expected_qp", "expected_annotations"),
    [
        ({AGG: "true"}, QP, QP_DONE, {AGG: "true", PROM: ""}),
        ({AGG: "true"}, QP_DONE, QP_DONE, {AGG: "true", PROM: ""}),
        (None, QP, QP, {AGG: "", PROM: ""}),
        ({AGG: "false"}, QP, QP, {AGG: "false", PROM: ""}),
        ({AGG: "true", PROM: "true"}, QP, QP_DONE, {AGG: "true", PROM: "true", **SCRAPE_AGG}),
        (
            {AGG: "true", PROM: "true", **SCRAPE_AGG},
            QP_DONE,
            QP_DONE,
            {AGG: "true", PROM: "true", **SCRAPE_AGG},
        ),
        (
            {AGG: "false", PROM: "true"},
            QP,
            QP,
            {
                AGG: "false",
                PROM: "true",
                c.PROMETHEUS_PORT_ANNOTATION_KEY: "9091",
                c.PROMETHEUS_PATH_ANNOTATION_KEY: "/metrics",
            },
        ),
        ({AGG: "true", PROM: "false"}, QP, QP_DONE, {AGG: "true", PROM: "false"}),
        ({AGG: "true", PROM: "false"}, QP_DONE, QP_DONE, {AGG: "true", PROM: "false"}),
    ],
    ids=[
        "EnableMetricAggTrue",
        "EnableMetricAggTrueIdempotent",
        "EnableMetricAggNotSet",
        "EnableMetricAggFalse",
        "setPromAnnotationTrueWithAggTrue",
        "setPromAnnotationTrueWithAggTrueIdempotent",
        "setPromAnnotationTrueWithAggFalse",
        "SetPromAnnotationFalse",
        "SetPromAnnotationFalseIdempotent",
    ],
)
def test_inject_metrics_aggregator(
    annotations: dict[str, str] | None,
    queue_proxy: dict[str, Any],
    expected_qp: dict[str, Any],
    expected_annotations: dict[str, str],
) -> None:
    # The Go test's ConfigMap puts the keys at the top level, so both defaults are "".
    config = dataclasses.replace(BASE, metrics_aggregator=MetricsAggregatorConfig())
    original = pod(annotations, queue_proxy)
    inject_metrics_aggregator(original, MutationContext(config, "default"))
    assert original["spec"] == {"containers": [{"name": "sklearn"}, expected_qp]}
    assert original["metadata"]["annotations"] == expected_annotations


def test_shipped_defaults_write_false_annotations() -> None:
    original = pod(None, QP)
    inject_metrics_aggregator(original, MutationContext(BASE, "default"))
    assert original["metadata"]["annotations"] == {AGG: "false", PROM: "false"}
    assert original["spec"]["containers"][1] == QP


def test_prometheus_port_and_path_annotations_reach_queue_proxy() -> None:
    annotations = {
        AGG: "true",
        c.KSERVE_CONTAINER_PROMETHEUS_PORT_KEY: "8082",
        c.KSERVE_CONTAINER_PROMETHEUS_PATH_KEY: "/m",
    }
    original = pod(annotations, QP)
    inject_metrics_aggregator(original, MutationContext(BASE, "default"))
    assert original["spec"]["containers"][1]["env"][:2] == [
        {"name": "KSERVE_CONTAINER_PROMETHEUS_METRICS_PORT", "value": "8082"},
        {"name": "KSERVE_CONTAINER_PROMETHEUS_METRICS_PATH", "value": "/m"},
    ]
