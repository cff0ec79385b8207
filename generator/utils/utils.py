"""Port of KServe's `pkg/utils/utils.go`: the GPU, stop and resource helpers that the webhooks
and the reconcilers share."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from generator import constants as c

ANNOTATION_FIELD = f'metadata.annotations["{c.CUSTOM_GPU_RESOURCE_TYPES_ANNOTATION_KEY}"]'


def gpu_resource_types_by_annotation(
    annotations: Mapping[str, str], gpu_resource_types: Sequence[str]
) -> list[str] | str:
    """The known GPU resource names plus the annotation's JSON array, or KServe's error text."""
    types = list(gpu_resource_types)
    custom = annotations.get(c.CUSTOM_GPU_RESOURCE_TYPES_ANNOTATION_KEY, "")
    if not custom:
        return types
    try:
        parsed = json.loads(custom)
    except ValueError:
        parsed = None
    if not (isinstance(parsed, list) and parsed and all(isinstance(t, str) and t for t in parsed)):
        return (
            f"invalid GPU format({custom}) for {c.CUSTOM_GPU_RESOURCE_TYPES_ANNOTATION_KEY} "
            "annotation: must be a valid JSON array"
        )
    return types + [t for i, t in enumerate(parsed) if t not in types and t not in parsed[:i]]


BASIC_RESOURCE_TYPES = ("cpu", "memory", "storage", "ephemeral-storage")


def is_gpu_enabled(resources: Mapping[str, Any]) -> bool:
    """Port of `IsGPUEnabled`: an NVIDIA GPU (or MIG slice) among the limits."""
    limits = resources.get("limits")
    if not isinstance(limits, Mapping):
        return False
    return c.NVIDIA_GPU_RESOURCE_TYPE in limits or any(
        str(name).startswith(c.NVIDIA_MIG_GPU_RESOURCE_TYPE_PREFIX) for name in limits
    )


def get_force_stop_runtime(annotations: Mapping[str, Any] | None) -> bool:
    """Port of `GetForceStopRuntime`: the stop annotation equals "true", ignoring case."""
    if not annotations:
        return False
    return str(annotations.get(c.STOP_ANNOTATION_KEY, "")).lower() == "true"


def has_unknown_gpu_resource_type(
    resources: Mapping[str, Any],
    annotations: Mapping[str, str],
    gpu_resource_types: Sequence[str],
) -> list[tuple[str, str]] | str:
    """Port of `HasUnknownGpuResourceType`: the extended resources that are no known GPU type.

    Go answers a bool; this returns the offending (`limits`|`requests`, name) pairs, in order, so
    callers can name the field (empty means false), or the annotation's error text.
    `gpu_resource_types` is KServe's global list (defaults plus the configured custom types).
    """
    allowed = gpu_resource_types_by_annotation(annotations, gpu_resource_types)
    if isinstance(allowed, str):
        return allowed
    return [
        (part, str(name))
        for part in ("limits", "requests")
        for name in _names(resources.get(part))
        if name not in BASIC_RESOURCE_TYPES and name not in allowed
    ]


def _names(resource_list: Any) -> list[Any]:
    return list(resource_list) if isinstance(resource_list, Mapping) else []
