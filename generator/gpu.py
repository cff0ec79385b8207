"""GPU resource names: port of `pkg/utils/utils.go: UpdateGPUResourceTypeListByAnnotation`
(with `IsValidCustomGPUArray`), shared by the validating webhook, the ServingRuntime webhook
and the multi-node Deployment builder."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

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
