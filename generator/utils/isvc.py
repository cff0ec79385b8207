"""Port of the predicates of `pkg/controller/v1beta1/inferenceservice/utils/utils.go` that the
reconcilers and all three controllers share (the merge helpers of that file are in merge.py)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

MULTI_MODEL_SERVER_ENV = "MULTI_MODEL_SERVER"  # constants.CustomSpecMultiModelServerEnvVarKey


def is_mms_predictor(predictor: Mapping[str, Any]) -> bool:
    """Port of `IsMMSPredictor` for a defaulted predictor (`model` or custom containers)."""
    containers = predictor.get("containers") or []
    if containers:
        env = containers[0].get("env") or []
        return any(
            e.get("name") == MULTI_MODEL_SERVER_ENV and e.get("value") == "true" for e in env
        )
    impl = predictor.get("model") or {}
    if (impl.get("modelFormat") or {}).get("name") == "huggingface":
        return False  # HuggingFace serves a model id without a storage URI
    has_uri = impl.get("storageUri") is not None
    return not has_uri and impl.get("storage") is None and not predictor.get("storageUris")
