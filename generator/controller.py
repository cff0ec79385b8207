"""The InferenceService controller as a pure function: one admitted InferenceService → its children.

Ports `pkg/controller/v1beta1/inferenceservice/controller.go` (Reconcile's flow) and the mode
resolution of `inferenceservice/utils/utils.go: GetDeploymentMode`. Cluster state KServe reads
at run time arrives as arguments: the config, the runtime index and (later) the previous render.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator import constants


def get_deployment_mode(annotations: Mapping[str, str], default_mode: str) -> str:
    """Port of `GetDeploymentMode` without its first step (an offline render has no status)."""
    mode = annotations.get(constants.DEPLOYMENT_MODE)
    mode = {
        constants.LEGACY_RAW_DEPLOYMENT: constants.DeploymentMode.STANDARD.value,
        constants.LEGACY_SERVERLESS: constants.DeploymentMode.KNATIVE.value,
    }.get(mode or "", mode)
    if mode in {m.value for m in constants.DeploymentMode}:
        return str(mode)
    return default_mode


def is_stopped(annotations: Mapping[str, str]) -> bool:
    """Port of `GetForceStopRuntime`: the stop annotation is "true", case-insensitively."""
    return annotations.get(constants.STOP_ANNOTATION_KEY, "").lower() == "true"


def annotations_of(obj: Mapping[str, Any]) -> dict[str, str]:
    """The object's annotations (an empty dict when absent or null)."""
    meta = obj.get("metadata") or {}
    return dict(meta.get("annotations") or {})
