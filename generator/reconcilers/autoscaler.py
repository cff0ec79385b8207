"""Autoscaler choice by class: port of `reconcilers/autoscaler/autoscaler_reconciler.go`.

`getAutoscalerClass` and `createAutoscaler` (KServe v0.20.0) become a table from the
`serving.kserve.io/autoscalerClass` annotation to a builder: `hpa` (the default), `external`
and `none` build an HPA, `keda` a ScaledObject, anything else is the error
`unknown autoscaler class type: <class>`, returned as `Invalid`. `reconcile_autoscaler` then
keeps what KServe's reconcilers would create: the HPA only for class `hpa`
(`shouldCreateHPA`), the ScaledObject always, and nothing when the component is stopped.
GitOps: a ScaledObject without triggers (no autoScaling metrics) is refused as `Invalid`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from generator import constants as c
from generator.config import Config
from generator.errors import Invalid
from generator.reconcilers.hpa import create_hpa, should_create_hpa
from generator.reconcilers.keda import create_keda_scaled_object
from generator.render import Renderer
from generator.utils.utils import get_force_stop_runtime

UNKNOWN_AUTOSCALER_CLASS_ERROR = "unknown autoscaler class type: {}"
KEDA_WITHOUT_TRIGGERS_ERROR = (
    "autoscalerClass keda needs at least one autoScaling metric: KServe would create a"
    " ScaledObject without triggers, which the API server refuses"
)

Builder = Callable[[Mapping[str, Any], Mapping[str, Any] | None, Config, Renderer], dict[str, Any]]


def _hpa(
    meta: Mapping[str, Any], ext: Mapping[str, Any] | None, config: Config, renderer: Renderer
) -> dict[str, Any]:
    return create_hpa(meta, ext, renderer)


def _keda(
    meta: Mapping[str, Any], ext: Mapping[str, Any] | None, config: Config, renderer: Renderer
) -> dict[str, Any]:
    return create_keda_scaled_object(meta, ext, config.autoscaler, config.otel_collector, renderer)


# createAutoscaler's switch, as a table (NewHPAReconciler / NewKedaReconciler).
AUTOSCALERS: dict[str, Builder] = {
    c.AUTOSCALER_CLASS_HPA: _hpa,
    c.AUTOSCALER_CLASS_EXTERNAL: _hpa,
    c.AUTOSCALER_CLASS_NONE: _hpa,
    c.AUTOSCALER_CLASS_KEDA: _keda,
}


def get_autoscaler_class(annotations: Mapping[str, str]) -> str:
    """Port of `getAutoscalerClass`: the annotation (even empty), else `hpa`."""
    return str(annotations.get(c.AUTOSCALER_CLASS, c.DEFAULT_AUTOSCALER_CLASS))


def create_autoscaler(
    meta: Mapping[str, Any], ext: Mapping[str, Any] | None, config: Config, renderer: Renderer
) -> dict[str, Any] | Invalid:
    """Port of `createAutoscaler`: the HPA or ScaledObject KServe builds for the class."""
    autoscaler_class = get_autoscaler_class(meta.get("annotations") or {})
    builder = AUTOSCALERS.get(autoscaler_class)
    if builder is None:
        return Invalid(
            f'metadata.annotations["{c.AUTOSCALER_CLASS}"]',
            UNKNOWN_AUTOSCALER_CLASS_ERROR.format(autoscaler_class),
        )
    return builder(meta, ext, config, renderer)


def reconcile_autoscaler(
    meta: Mapping[str, Any], ext: Mapping[str, Any] | None, config: Config, renderer: Renderer
) -> list[dict[str, Any]] | Invalid:
    """The autoscaler objects KServe creates for the component: zero or one."""
    built = create_autoscaler(meta, ext, config, renderer)
    if isinstance(built, Invalid):
        return built
    annotations = meta.get("annotations") or {}
    if get_autoscaler_class(annotations) == c.AUTOSCALER_CLASS_KEDA:
        if get_force_stop_runtime(annotations):
            return []
        if not built["spec"].get("triggers"):
            # GitOps: KServe v0.20.0 sends `triggers: null` (keda_reconciler.go:83, a nil slice),
            # which the CRD's required `triggers` refuses, so the component never scales; an
            # object the API server refuses is never rendered (allow-list keda-without-triggers).
            component = (meta.get("labels") or {}).get(c.KSERVICE_COMPONENT_LABEL)
            field = f"spec.{component}.autoScaling.metrics" if component else "spec.autoScaling"
            return Invalid(field, KEDA_WITHOUT_TRIGGERS_ERROR)
        return [built]
    return [built] if should_create_hpa(annotations) else []
