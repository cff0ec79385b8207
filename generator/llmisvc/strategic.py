"""`strategicpatch` as `config_merge.go: mergeSpecs` uses it on `LLMInferenceServiceSpec`.

`mergeSpecs(base, override)` builds `CreateTwoWayMergePatch(zero, override)` (every field the
override sets, nothing else) and applies it with `StrategicMergePatch(base, patch)`. Maps merge
key by key; an explicit null deletes; lists of the Kubernetes types that carry
`patchStrategy:"merge"` merge item by item on their `patchMergeKey` (a new item is appended,
a matching one merged in place); every other list, and every list of an untagged type
(Gateway API, InferencePool, the LLMInferenceService types), is replaced.

The patch metadata is the struct tags of the types (k8s.io/api v0.34): `_TYPES` maps a type to
its JSON fields that lead to a tagged list; a field not listed is an untagged struct or map.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

# type -> json field -> (field type, merge key or "" for an untagged list / struct)
_TYPES: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "LLMInferenceServiceSpec": {
        "template": ("PodSpec", ""),
        "worker": ("PodSpec", ""),
        "prefill": ("WorkloadSpec", ""),
        "router": ("RouterSpec", ""),
    },
    "WorkloadSpec": {"template": ("PodSpec", ""), "worker": ("PodSpec", "")},
    "RouterSpec": {"scheduler": ("SchedulerSpec", "")},
    "SchedulerSpec": {"template": ("PodSpec", ""), "config": ("SchedulerConfigSpec", "")},
    "SchedulerConfigSpec": {"inline": ("RawExtension", "")},
    "PodSpec": {
        "containers": ("Container", "name"),
        "initContainers": ("Container", "name"),
        "ephemeralContainers": ("Container", "name"),
        "volumes": ("Volume", "name"),
        "imagePullSecrets": ("LocalObjectReference", "name"),
        "hostAliases": ("HostAlias", "ip"),
        "topologySpreadConstraints": ("TopologySpreadConstraint", "topologyKey"),
        "schedulingGates": ("PodSchedulingGate", "name"),
        "resourceClaims": ("PodResourceClaim", "name"),
    },
    "Container": {
        "ports": ("ContainerPort", "containerPort"),
        "env": ("EnvVar", "name"),
        "volumeMounts": ("VolumeMount", "mountPath"),
        "volumeDevices": ("VolumeDevice", "devicePath"),
    },
}


class MergeError(ValueError):
    """What strategicpatch refuses (a list item without its merge key, a RawExtension merge)."""


def merge_specs(base: Mapping[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `mergeSpecs`: `override` (defaulted as `SetDefaults` does) patched onto `base`."""
    patch = two_way_patch_from_zero(set_spec_defaults(override))
    return apply_patch(copy.deepcopy(dict(base)), patch, "LLMInferenceServiceSpec")


def set_spec_defaults(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `LLMInferenceServiceSpec.SetDefaults`: nil container lists become empty ones."""
    out = copy.deepcopy(dict(spec))
    pods = [out.get("template"), out.get("worker")]
    prefill = out.get("prefill")
    if isinstance(prefill, dict):
        pods += [prefill.get("template"), prefill.get("worker")]
    scheduler = (out.get("router") or {}).get("scheduler")
    if isinstance(scheduler, dict):
        pods.append(scheduler.get("template"))
    for pod in pods:
        if isinstance(pod, dict) and pod.get("containers") is None:
            pod["containers"] = []
    return out


def two_way_patch_from_zero(override: Mapping[str, Any]) -> dict[str, Any]:
    """`CreateTwoWayMergePatch` from the zero spec, whose JSON is `{"model":{"uri":""}}`:
    every field of the override, except a model URI that is empty as in the zero spec."""
    patch = copy.deepcopy(dict(override))
    model = patch.get("model")
    if isinstance(model, dict):
        model = {k: v for k, v in model.items() if not (k == "uri" and v == "")}
        if model:
            patch["model"] = model
        else:
            del patch["model"]
    return patch


def apply_patch(
    original: dict[str, Any], patch: Mapping[str, Any], type_name: str
) -> dict[str, Any]:
    """`mergeMap` with `IgnoreUnmatchedNulls`: null deletes, a value of another type replaces."""
    fields = _TYPES.get(type_name, {})
    for key, value in patch.items():
        if value is None:
            original.pop(key, None)
            continue
        if key not in original:
            original[key] = _without_nulls(copy.deepcopy(value))
            continue
        current = original[key]
        sub_type, merge_key = fields.get(key, ("", ""))
        if isinstance(current, dict) and isinstance(value, dict):
            if type_name == "RawExtension" or sub_type == "RawExtension":
                first = next(iter(value), "")
                raise MergeError(
                    f'unable to find api field in struct RawExtension for the json field "{first}"'
                )
            original[key] = apply_patch(current, value, sub_type)
        elif isinstance(current, list) and isinstance(value, list) and merge_key:
            original[key] = _merge_list(current, value, sub_type, merge_key)
        else:
            original[key] = _without_nulls(copy.deepcopy(value))
    return original


def _merge_list(original: list[Any], patch: list[Any], item_type: str, merge_key: str) -> list[Any]:
    """`mergeSlice` for a list of maps with a merge key: each patch item merged into the
    original item with its key, else appended (`mergeSliceWithoutSpecialElements`), then the
    order enforced (`normalizeElementOrder`): the patch's items in patch order, the others in
    their original order, interleaved by their original positions (`mergeSortedSlice`)."""
    merged = list(original)
    for item in patch:
        if not isinstance(item, dict):
            raise MergeError(f"cannot merge lists without merge key for {item_type}")
        if merge_key not in item:
            raise MergeError(f"map: {item} does not contain declared merge key: {merge_key}")
        index = _index(merged, item[merge_key], merge_key)
        if index < 0:
            merged.append(_without_nulls(copy.deepcopy(item)))
        else:
            merged[index] = apply_patch(copy.deepcopy(merged[index]), item, item_type)
    patch_keys = [item[merge_key] for item in patch]
    in_patch = [m for m in merged if isinstance(m, dict) and m.get(merge_key) in patch_keys]
    server_only = [
        m for m in merged if not (isinstance(m, dict) and m.get(merge_key) in patch_keys)
    ]
    in_patch.sort(key=lambda m: _index(patch, m.get(merge_key), merge_key))
    server_only.sort(key=lambda m: _index(original, _key(m, merge_key), merge_key))
    return _merge_sorted(server_only, in_patch, original, merge_key)


def _key(item: Any, merge_key: str) -> Any:
    return item.get(merge_key) if isinstance(item, dict) else item


def _index(items: list[Any], value: Any, merge_key: str) -> int:
    return next((i for i, o in enumerate(items) if _key(o, merge_key) == value), -1)


def _merge_sorted(left: list[Any], right: list[Any], order: list[Any], merge_key: str) -> list[Any]:
    """`mergeSortedSlice`: each item of `left` goes before the first item of `right` that
    comes after it in `order`; items `order` lacks never move ahead."""
    out: list[Any] = []
    i = j = 0
    while i < len(left) or j < len(right):
        if j >= len(right):
            out.append(left[i])
            i += 1
            continue
        if i >= len(left):
            out.append(right[j])
            j += 1
            continue
        li = _index(order, _key(left[i], merge_key), merge_key)
        ri = _index(order, _key(right[j], merge_key), merge_key)
        if li >= 0 and ri >= 0 and li < ri:
            out.append(left[i])
            i += 1
        else:
            out.append(right[j])
            j += 1
    return out


def _without_nulls(value: Any) -> Any:
    """`discardNullValuesFromPatch`: nulls inside a value taken whole are dropped."""
    if isinstance(value, dict):
        return {k: _without_nulls(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_without_nulls(v) for v in value]
    return value


__all__ = ["MergeError", "apply_patch", "merge_specs", "set_spec_defaults"]
