"""Per-environment overlays: config overrides and patches applied after rendering.

`overlays/<env>/overlay.yaml`:

    apiVersion: kserve-gitops.io/v1alpha1
    kind: Overlay
    config:                      # inferenceservice-config keys, layered after --config
      ingress: {"ingressDomain": "prod.example.com", ...}   # a mapping or its JSON text
    knativeDomain: prod.example.com
    patches:
    - target: {kind: Service, group: serving.knative.dev, name: "*-predictor",
               namespace: team-a, labelSelector: "serving.kserve.io/inferenceservice=iris"}
      jsonPatch: [{op: add, path: /metadata/annotations/team, value: a}]   # RFC 6902
    - target: {kind: Deployment}
      mergePatch: {spec: {revisionHistoryLimit: 3}}                          # RFC 7386

Patches may change anything but an object's identity: apiVersion, kind, name and namespace
stay, and no patch adds or removes objects.
"""

from __future__ import annotations

import copy
import fnmatch
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonpatch

from generator import load
from generator.config import ConfigLayer
from generator.errors import Problem, Source
from generator.output import Rendered
from generator.schema import emitted

OVERLAY_FILE = "overlay.yaml"
OVERLAY_API_VERSION = "kserve-gitops.io/v1alpha1"
_TARGET_KEYS = {"group", "version", "kind", "name", "namespace", "labelSelector"}


@dataclass(frozen=True, slots=True)
class Patch:
    """One patch and the objects it targets."""

    source: Source
    index: int
    target: Mapping[str, str]
    json_patch: list[dict[str, Any]] | None = None
    merge_patch: Any = None


@dataclass(frozen=True, slots=True)
class Overlay:
    """A loaded overlay: where it came from, its config layer and its patches."""

    source: Source
    config: ConfigLayer | None = None
    knative_domain: str | None = None
    patches: tuple[Patch, ...] = field(default_factory=tuple)


def find(name_or_path: str) -> Path:
    """`--overlay prod` means `overlays/prod/overlay.yaml`; a folder or file path also works."""
    path = Path(name_or_path)
    if path.is_file():
        return path
    if path.is_dir():
        return path / OVERLAY_FILE
    return Path("overlays") / name_or_path / OVERLAY_FILE


def load_overlay(name_or_path: str) -> tuple[Overlay | None, list[Problem]]:
    """Read and check an overlay file."""
    path = find(name_or_path)
    if not path.is_file():
        return None, [Problem(Source(path.as_posix()), None, "", "no such overlay file")]
    docs, problems = load.read_file(path)
    if problems:
        return None, problems
    if len(docs) != 1:
        return None, [Problem(Source(path.as_posix()), None, "", "must hold exactly one Overlay")]
    doc, source = docs[0].doc, docs[0].source
    found: list[Problem] = []

    def bad(field_path: str, message: str) -> None:
        found.append(Problem(source, None, field_path, message))

    if doc.get("apiVersion") != OVERLAY_API_VERSION or doc.get("kind") != "Overlay":
        bad("kind", f"must be apiVersion {OVERLAY_API_VERSION}, kind Overlay")
    unknown = sorted(set(doc) - {"apiVersion", "kind", "metadata", "config", "knativeDomain",
                                 "patches"})  # fmt: skip
    for key in unknown:
        bad(key, f'unknown field "{key}"')
    config = _config_layer(doc.get("config"), source, bad)
    domain = doc.get("knativeDomain")
    if domain is not None and not isinstance(domain, str):
        bad("knativeDomain", "must be a string")
    patches = tuple(_patches(doc.get("patches"), source, bad))
    if found:
        return None, found
    return Overlay(source, config, domain, patches), []


def _config_layer(raw: Any, source: Source, bad: Any) -> ConfigLayer | None:
    if raw is None:
        return None
    if not isinstance(raw, Mapping):
        bad("config", "must be a mapping of inferenceservice-config keys")
        return None
    data = {}
    for key, value in raw.items():
        data[str(key)] = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
    return ConfigLayer(source, data)


def _patches(raw: Any, source: Source, bad: Any) -> list[Patch]:
    if raw is None:
        return []
    if not isinstance(raw, list):
        bad("patches", "must be a list")
        return []
    patches = []
    for i, item in enumerate(raw):
        where = f"patches[{i}]"
        if not isinstance(item, Mapping):
            bad(where, "must be a mapping")
            continue
        target = item.get("target") or {}
        if not isinstance(target, Mapping) or set(target) - _TARGET_KEYS:
            bad(f"{where}.target", f"must be a mapping of {', '.join(sorted(_TARGET_KEYS))}")
            continue
        if not all(isinstance(v, str | int) and not isinstance(v, bool) for v in target.values()):
            bad(f"{where}.target", "values must be strings (a list or mapping matches nothing)")
            continue
        json_patch, merge_patch = item.get("jsonPatch"), item.get("mergePatch")
        if (json_patch is None) == (merge_patch is None):
            bad(where, "needs exactly one of jsonPatch or mergePatch")
            continue
        if json_patch is not None:
            error = _json_patch_error(json_patch)
            if error:
                bad(f"{where}.jsonPatch", f"not an RFC 6902 patch: {error}")
                continue
        patches.append(Patch(source, i, {k: str(v) for k, v in target.items()}, json_patch,
                             merge_patch))  # fmt: skip
    return patches


_OPS = {"add": ("value",), "remove": (), "replace": ("value",), "move": ("from",),
        "copy": ("from",), "test": ("value",)}  # fmt: skip


def _json_patch_error(ops: Any) -> str | None:
    """Why `ops` is not an RFC 6902 operation list, or None."""
    if not isinstance(ops, list):
        return "must be a list of operations"
    for i, op in enumerate(ops):
        if not isinstance(op, Mapping) or not isinstance(op.get("op"), str) or op["op"] not in _OPS:
            return f"operation {i}: op must be one of {', '.join(_OPS)}"
        if not isinstance(op.get("path"), str):
            return f"operation {i}: path must be a JSON pointer string"
        missing = [key for key in _OPS[op["op"]] if key not in op]
        if missing:
            return f"operation {i}: {op['op']} needs {missing[0]}"
    return None


def matches(target: Mapping[str, str], obj: Mapping[str, Any]) -> bool:
    """Whether an object is a patch's target (names and namespaces may be shell globs)."""
    api_version = str(obj.get("apiVersion", ""))
    group, _, version = api_version.rpartition("/")
    meta = obj.get("metadata") or {}
    checks = {
        "group": group,
        "version": version,
        "kind": str(obj.get("kind", "")),
        "name": str(meta.get("name", "")),
        "namespace": str(meta.get("namespace") or ""),
    }
    for key, actual in checks.items():
        if key in target and not fnmatch.fnmatchcase(actual, target[key]):
            return False
    selector = target.get("labelSelector")
    return selector is None or _selects(selector, meta.get("labels") or {})


def _selects(selector: str, labels: Mapping[str, str]) -> bool:
    """Equality-based label selectors: `a=b,c!=d,e` (`e` means the key exists)."""
    for term in filter(None, (t.strip() for t in selector.split(","))):
        if "!=" in term:
            key, value = (s.strip() for s in term.split("!=", 1))
            if labels.get(key) == value:
                return False
        elif "=" in term:
            key, _, value = term.partition("=")
            if labels.get(key.strip()) != value.removeprefix("=").strip():  # a=b or a==b
                return False
        elif term not in labels:
            return False
    return True


def apply(overlay: Overlay, items: Sequence[Rendered]) -> tuple[list[Rendered], list[Problem]]:
    """Apply every patch to every object it targets, in order; identities may not change."""
    out: list[Rendered] = []
    problems: list[Problem] = []
    for item in items:
        obj = item.obj
        applied: list[Patch] = []
        for patch in overlay.patches:
            if not matches(patch.target, obj):
                continue
            patched = _apply_one(patch, obj)
            where = f"patches[{patch.index}]"
            if isinstance(patched, str):
                problems.append(Problem(patch.source, None, where, f"{_describe(obj)}: {patched}"))
                continue
            if _ident(patched) != _ident(obj):
                message = "a patch may not change apiVersion, kind, name or namespace"
                problems.append(Problem(patch.source, None, where, f"{_describe(obj)}: {message}"))
                continue
            obj = patched
            applied.append(patch)
        if applied:
            problems += _refused(obj, applied)
        out.append(item if obj is item.obj else Rendered(obj, item.owner, item.source))
    return out, problems


def _refused(obj: Mapping[str, Any], applied: Sequence[Patch]) -> list[Problem]:
    """What the API server would refuse in an object after `applied` patched it."""
    where = ", ".join(f"patches[{patch.index}]" for patch in applied)
    return [
        Problem(
            applied[-1].source,
            None,
            where,
            f"{_describe(obj)} as patched: {invalid.field}: {invalid.message}",
        )
        for invalid in emitted.own_refusals(obj)
    ]


def _apply_one(patch: Patch, obj: dict[str, Any]) -> dict[str, Any] | str:
    try:
        if patch.json_patch is not None:
            result = jsonpatch.apply_patch(obj, patch.json_patch)
        else:
            result = merge_patch(obj, patch.merge_patch)
    except (jsonpatch.JsonPatchException, jsonpatch.JsonPointerException) as err:
        return f"patch failed: {err}"
    if not isinstance(result, dict):
        return "the patch did not leave an object"
    return _metadata_error(result.get("metadata")) or result


def _metadata_error(meta: Any) -> str | None:
    """Why patched metadata is no longer what later patches and the API server read, or None."""
    if not isinstance(meta, Mapping):
        return "the patch left metadata that is not a mapping"
    for name in ("labels", "annotations"):
        value = meta.get(name)
        if value is not None and not (
            isinstance(value, Mapping) and all(isinstance(v, str) for v in value.values())
        ):
            return f"the patch left metadata.{name} that is not a map of strings"
    return None


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7386 JSON merge patch (null deletes a key)."""
    if not isinstance(patch, Mapping):
        return copy.deepcopy(patch)
    result = dict(target) if isinstance(target, Mapping) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def _describe(obj: Mapping[str, Any]) -> str:
    _, kind, namespace, name = _ident(obj)
    return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"


def _ident(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    return (
        str(obj.get("apiVersion")),
        str(obj.get("kind")),
        str(meta.get("namespace") or ""),
        str(meta.get("name")),
    )
