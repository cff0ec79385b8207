"""Ported from KServe v0.20.0 `reconcilers/hpa/hpa_reconciler_test.go`.

`TestCreateHPA` and `TestGetHPAMetrics` compare whole objects (Go: `cmp.Diff`). Go's empty
ObjectMeta (no name, no namespace) renders as empty strings here. `TestCheckHPAExist`'s two
"does not exist" cases are the create-or-skip rule, `should_create_hpa`; the cases about an
existing HPA need a cluster and have no offline counterpart. Every HPA is validated with
kubernetes-validate (strict, autoscaling/v2).
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from generator import constants as c
from generator.reconcilers.hpa import create_hpa, get_hpa_metrics, should_create_hpa
from generator.render import Renderer

RENDERER = Renderer()
IG_META = {
    "name": "basic-ig",
    "namespace": "basic-ig-namespace",
    "annotations": {"annotation": "annotation-value"},
    "labels": {"label": "label-value", "serving.kserve.io/inferencegraph": "basic-ig"},
}


def assert_valid(obj: dict[str, Any]) -> None:
    kubernetes_validate.validate(obj, "1.34", strict=True)


def cpu(utilization: int) -> dict[str, Any]:
    target = {"type": "Utilization", "averageUtilization": utilization}
    return {"type": "Resource", "resource": {"name": "cpu", "target": target}}


def memory(target: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": "memory", "target": target}}


def autoscaling(*resources: dict[str, Any]) -> dict[str, Any]:
    return {"autoScaling": {"metrics": [{"type": "Resource", "resource": r} for r in resources]}}


def hpa(
    meta: dict[str, Any], min_replicas: int, max_replicas: int, metrics: list[dict[str, Any]]
) -> dict[str, Any]:
    metadata = {"name": meta.get("name", ""), "namespace": meta.get("namespace", "")}
    metadata.update({k: meta[k] for k in ("labels", "annotations") if k in meta})
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": metadata["name"]},
        "minReplicas": min_replicas,
        "maxReplicas": max_replicas,
        "behavior": {},
    }
    if metrics:
        spec["metrics"] = metrics
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": metadata,
        "spec": spec,
    }


NIL_META = {"name": "nil-component-ext", "namespace": "default"}
CREATE_CASES: dict[str, tuple[dict[str, Any], dict[str, Any] | None, dict[str, Any]]] = {
    "inference graph default hpa": (IG_META, {}, hpa(IG_META, 1, 1, [cpu(80)])),
    "inference graph specified hpa": (
        IG_META,
        {"minReplicas": 2, "maxReplicas": 5, "scaleTarget": 30, "scaleMetric": "cpu"},
        hpa(IG_META, 2, 5, [cpu(30)]),
    ),
    "predictor hpa cpu metric": (
        {},
        {"maxReplicas": 0, **autoscaling({"name": "cpu"})},
        hpa({}, 1, 1, [cpu(80)]),
    ),
    "predictor hpa memory utilization metric": (
        {},
        autoscaling(
            {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 80}}
        ),
        hpa({}, 1, 1, [memory({"type": "Utilization", "averageUtilization": 80})]),
    ),
    "predictor hpa memory metric": (
        {},
        autoscaling({"name": "memory", "target": {"type": "AverageValue", "averageValue": "1Gi"}}),
        hpa({}, 1, 1, [memory({"type": "AverageValue", "averageValue": "1Gi"})]),
    ),
    "predictor hpa with ScaleMetric": (
        {},
        {"minReplicas": 5, "maxReplicas": 10, "scaleTarget": 50, "scaleMetric": "cpu"},
        hpa({}, 5, 10, [cpu(50)]),
    ),
    "invalid memory scale target for hpa": (
        {},
        {"minReplicas": 0, "maxReplicas": -10, "scaleMetric": "memory"},
        hpa({}, 1, 1, []),
    ),
    "nil componentExt for createHPA": (NIL_META, None, hpa(NIL_META, 1, 1, [cpu(80)])),
}


@pytest.mark.parametrize(("meta", "ext", "expected"), CREATE_CASES.values(), ids=CREATE_CASES)
def test_create_hpa(
    meta: dict[str, Any], ext: dict[str, Any] | None, expected: dict[str, Any]
) -> None:
    got = create_hpa(meta, ext, RENDERER)
    assert got == expected
    assert_valid(got)


METRIC_CASES: dict[str, tuple[dict[str, Any] | None, list[dict[str, Any]]]] = {
    "default cpu metric with scaleMetric": ({"scaleMetric": "cpu", "scaleTarget": 70}, [cpu(70)]),
    "default cpu metric without scaleTarget": ({"scaleMetric": "cpu"}, [cpu(80)]),
    "memory metric with scaleTarget": (
        {"scaleMetric": "memory", "scaleTarget": 60},
        [memory({"type": "Utilization", "averageUtilization": 60})],
    ),
    "memory metric without scaleTarget": ({"scaleMetric": "memory"}, []),
    "autoscaling with CPU utilization metric": (
        autoscaling({"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 75}}),
        [cpu(75)],
    ),
    "autoscaling with CPU metric without utilization": (autoscaling({"name": "cpu"}), [cpu(80)]),
    "autoscaling with memory utilization metric": (
        autoscaling(
            {"name": "memory", "target": {"type": "Utilization", "averageUtilization": 65}}
        ),
        [memory({"type": "Utilization", "averageUtilization": 65})],
    ),
    "autoscaling with memory average value metric": (
        autoscaling(
            {"name": "memory", "target": {"type": "AverageValue", "averageValue": "500Mi"}}
        ),
        [memory({"type": "AverageValue", "averageValue": "500Mi"})],
    ),
    "multiple metrics in autoscaling": (
        autoscaling(
            {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 75}},
            {"name": "memory", "target": {"type": "AverageValue", "averageValue": "1Gi"}},
        ),
        [cpu(75), memory({"type": "AverageValue", "averageValue": "1Gi"})],
    ),
    "nil componentExt should return default CPU metric": (None, [cpu(80)]),
}


@pytest.mark.parametrize(("ext", "expected"), METRIC_CASES.values(), ids=METRIC_CASES)
def test_get_hpa_metrics(ext: dict[str, Any] | None, expected: list[dict[str, Any]]) -> None:
    assert get_hpa_metrics(ext) == expected


CHECK_CASES = {
    "hpa does not exist and should be created": ({}, True),
    "hpa does not exist and should be skipped due to external autoscaler": (
        {c.AUTOSCALER_CLASS: c.AUTOSCALER_CLASS_EXTERNAL},
        False,
    ),
}


@pytest.mark.parametrize(("annotations", "create"), CHECK_CASES.values(), ids=CHECK_CASES)
def test_check_hpa_exist(annotations: dict[str, str], create: bool) -> None:
    assert should_create_hpa(annotations) is create


# --- beyond the Go table tests --------------------------------------------------------------


@pytest.mark.parametrize(
    ("annotations", "create"),
    [
        ({c.AUTOSCALER_CLASS: c.AUTOSCALER_CLASS_HPA}, True),
        ({c.AUTOSCALER_CLASS: c.AUTOSCALER_CLASS_NONE}, False),
        ({c.STOP_ANNOTATION_KEY: "TRUE"}, False),
        ({c.STOP_ANNOTATION_KEY: "false"}, True),
    ],
)
def test_should_create_hpa(annotations: dict[str, str], create: bool) -> None:
    assert should_create_hpa(annotations) is create


def test_average_value_is_written_canonically() -> None:
    target = {"type": "AverageValue", "averageValue": "1024Mi"}
    metrics = get_hpa_metrics(autoscaling({"name": "memory", "target": target}))
    assert metrics[0]["resource"]["target"]["averageValue"] == "1Gi"  # Quantity.MarshalJSON


def test_memory_with_another_target_type_keeps_an_empty_type() -> None:
    metrics = get_hpa_metrics(autoscaling({"name": "memory", "target": {"type": "Value"}}))
    assert metrics == [memory({"type": ""})]
