"""Ported from KServe v0.20.0 `reconcilers/autoscaler/autoscaler_reconciler_test.go`.

Go checks which reconciler type `createAutoscaler` returns; here the kind of the object built
(`*hpa.HPAReconciler` → HorizontalPodAutoscaler, `*keda.KedaReconciler` → ScaledObject).
`TestNewAutoscalerReconciler` has the same table and is folded into `test_create_autoscaler`;
`TestAutoscalerReconciler_Reconcile` and `TestNoOpAutoscaler` test Go plumbing and have no
counterpart. `reconcile_autoscaler` (what is emitted per class and under stop) is tested below.
"""

from __future__ import annotations

from typing import Any

import pytest

from generator import constants as c
from generator.config import builtin_layer, resolve
from generator.errors import Invalid
from generator.reconcilers.autoscaler import (
    create_autoscaler,
    get_autoscaler_class,
    reconcile_autoscaler,
)
from generator.render import Renderer

RENDERER = Renderer()
CONFIG, _ = resolve([builtin_layer()])
BASE_META = {"name": "my-model", "namespace": "test"}
HPA, SCALED_OBJECT = "HorizontalPodAutoscaler", "ScaledObject"

CLASS_CASES = {
    "Return default AutoScaler,if the autoscalerClass annotation is not set": ({}, "hpa"),
    "Return default AutoScaler,if the autoscalerClass annotation set hpa": (
        {c.AUTOSCALER_CLASS: "hpa"},
        "hpa",
    ),
    "Return external AutoScaler,if the autoscalerClass annotation set external": (
        {c.AUTOSCALER_CLASS: "external"},
        "external",
    ),
    "Return none AutoScaler,if the autoscalerClass annotation set none": (
        {c.AUTOSCALER_CLASS: "none"},
        "none",
    ),
}


@pytest.mark.parametrize(("annotations", "expected"), CLASS_CASES.values(), ids=CLASS_CASES)
def test_get_autoscaler_class(annotations: dict[str, str], expected: str) -> None:
    assert get_autoscaler_class(annotations) == expected


CREATE_CASES = {
    "Return HPAReconciler for default (no annotation)": ({}, HPA),
    "Return HPAReconciler for hpa annotation": ({c.AUTOSCALER_CLASS: "hpa"}, HPA),
    "Return HPAReconciler for external annotation": ({c.AUTOSCALER_CLASS: "external"}, HPA),
    "Return HPAReconciler for none annotation": ({c.AUTOSCALER_CLASS: "none"}, HPA),
    "Return KedaReconciler for keda annotation": ({c.AUTOSCALER_CLASS: "keda"}, SCALED_OBJECT),
    "Return error for unknown annotation": ({c.AUTOSCALER_CLASS: "unknown"}, None),
}


@pytest.mark.parametrize(("annotations", "kind"), CREATE_CASES.values(), ids=CREATE_CASES)
def test_create_autoscaler(annotations: dict[str, str], kind: str | None) -> None:
    built = create_autoscaler({**BASE_META, "annotations": annotations}, {}, CONFIG, RENDERER)
    if kind is None:
        assert built == Invalid(
            f'metadata.annotations["{c.AUTOSCALER_CLASS}"]',
            "unknown autoscaler class type: unknown",
        )
    else:
        assert not isinstance(built, Invalid)
        assert built["kind"] == kind


@pytest.mark.parametrize("autoscaler_class", ["external", "none"])
def test_autoscaler_with_nil_component_ext(autoscaler_class: str) -> None:
    """TestExternalAutoscalerWithNilComponentExt and TestNoneAutoscalerWithNilComponentExt."""
    meta = {**BASE_META, "annotations": {c.AUTOSCALER_CLASS: autoscaler_class}}
    built = create_autoscaler(meta, None, CONFIG, RENDERER)
    assert not isinstance(built, Invalid)
    assert built["kind"] == HPA


EMIT_CASES: dict[str, tuple[dict[str, str], list[str]]] = {
    "no class": ({}, [HPA]),
    "hpa": ({c.AUTOSCALER_CLASS: "hpa"}, [HPA]),
    "external": ({c.AUTOSCALER_CLASS: "external"}, []),
    "none": ({c.AUTOSCALER_CLASS: "none"}, []),
    "keda": ({c.AUTOSCALER_CLASS: "keda"}, [SCALED_OBJECT]),
    "hpa stopped": ({c.STOP_ANNOTATION_KEY: "true"}, []),
    "keda stopped": ({c.AUTOSCALER_CLASS: "keda", c.STOP_ANNOTATION_KEY: "True"}, []),
}


CPU_80 = {
    "type": "Resource",
    "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 80}},
}
WITH_METRIC = {"minReplicas": 1, "autoScaling": {"metrics": [CPU_80]}}


@pytest.mark.parametrize(("annotations", "kinds"), EMIT_CASES.values(), ids=EMIT_CASES)
def test_reconcile_autoscaler(annotations: dict[str, str], kinds: list[str]) -> None:
    meta: dict[str, Any] = {**BASE_META, "annotations": annotations}
    got = reconcile_autoscaler(meta, WITH_METRIC, CONFIG, RENDERER)
    assert not isinstance(got, Invalid)
    assert [o["kind"] for o in got] == kinds


def test_unknown_class_is_an_error_even_when_stopped() -> None:
    annotations = {c.AUTOSCALER_CLASS: "kpa", c.STOP_ANNOTATION_KEY: "true"}
    got = reconcile_autoscaler({**BASE_META, "annotations": annotations}, {}, CONFIG, RENDERER)
    assert isinstance(got, Invalid)
    assert got.message == "unknown autoscaler class type: kpa"


# GitOps: keda without autoScaling metrics. KServe sends the ScaledObject with `triggers: null`
# (keda_reconciler.go:83), which the API server refuses; the render refuses the input.


@pytest.mark.parametrize("ext", [None, {"minReplicas": 1}, {"autoScaling": {"metrics": []}}])
def test_keda_without_metrics_is_refused(ext: dict[str, Any] | None) -> None:
    meta = {
        **BASE_META,
        "labels": {c.KSERVICE_COMPONENT_LABEL: "transformer"},
        "annotations": {c.AUTOSCALER_CLASS: "keda"},
    }
    got = reconcile_autoscaler(meta, ext, CONFIG, RENDERER)
    assert got == Invalid(
        "spec.transformer.autoScaling.metrics",
        "autoscalerClass keda needs at least one autoScaling metric: KServe would create a"
        " ScaledObject without triggers, which the API server refuses",
    )


def test_keda_without_metrics_stopped_creates_nothing() -> None:
    annotations = {c.AUTOSCALER_CLASS: "keda", c.STOP_ANNOTATION_KEY: "true"}
    got = reconcile_autoscaler({**BASE_META, "annotations": annotations}, {}, CONFIG, RENDERER)
    assert got == []
