"""Emit rendered objects: one deterministic order, one YAML stream or a JSON `v1` List.

Objects are sorted by (namespace, owning InferenceService, kind rank, name); mapping keys are
sorted; nothing depends on the clock, the hash seed or the locale.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from typing import Any

from generator import yamlemit
from generator.records import Rendered as Rendered
from generator.records import mark_managed as mark_managed

# Apply order within one owner: what others reference comes first (kustomize's
# defaultOrderFirst, lightkube's RANK_ORDER). Unlisted kinds go after, by name.
KIND_ORDER: dict[str, int] = {
    kind: rank
    for rank, kind in enumerate(
        (
            "Namespace",
            "ServiceAccount",
            "Secret",
            "ConfigMap",
            "InferenceService",
            "OpenTelemetryCollector",
            "Service",
            "Deployment",
            "HorizontalPodAutoscaler",
            "ScaledObject",
            "Ingress",
            "HTTPRoute",
            "VirtualService",
        )
    )
}
_UNRANKED = len(KIND_ORDER)


def sort_key(item: Rendered) -> tuple[str, str, int, str, str, str]:
    """(namespace, owner, kind rank, kind, name, apiVersion): a total order for output."""
    return (
        item.namespace,
        item.owner,
        KIND_ORDER.get(item.kind, _UNRANKED),
        item.kind,
        item.name,
        item.api_version,
    )


def ordered(items: Iterable[Rendered]) -> list[Rendered]:
    """Objects in output order."""
    return sorted(items, key=sort_key)


def dump_yaml(obj: Any) -> str:
    """One object as block YAML with sorted keys; YAML 1.1 readers get back the same data."""
    return yamlemit.dump(obj)


def yaml_of(item: Rendered) -> str:
    """One rendered object as `dump_yaml` writes it, reusing the text the render cache or a
    worker process already made."""
    return item.text if item.text is not None else dump_yaml(item.obj)


def yaml_stream(items: Sequence[Rendered]) -> str:
    """The objects as one multi-document YAML stream."""
    return "".join(f"---\n{yaml_of(item)}" for item in items)


def json_list(items: Sequence[Rendered]) -> str:
    """The objects as a `v1` List, as `kubectl get -o json` prints several objects."""
    doc = {"apiVersion": "v1", "kind": "List", "items": [item.obj for item in items]}
    # allow_nan=False: strict JSON; the loader already refuses NaN and Infinity in the input.
    text = json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False, allow_nan=False)
    return text + "\n"
