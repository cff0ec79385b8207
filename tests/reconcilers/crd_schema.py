"""Validate rendered custom resources against the real CRDs in tests/data/reference/crds.

The CRD's openAPIV3Schema is made strict the way the API server prunes and rejects unknown
fields: every schema that lists `properties` and does not set
`x-kubernetes-preserve-unknown-fields` (nor its own `additionalProperties`) gets
`additionalProperties: false`. At the root, `apiVersion` and `kind` are strings and `metadata`
is checked against a strict subset of ObjectMeta (the fields a manifest may set), as the API
server ignores a CRD's own metadata schema. The CRDs are the repository's copies
(`helpers.require_shared`).
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import jsonschema
import yaml
from helpers import require_shared

_STRING_MAP = {"type": "object", "additionalProperties": {"type": "string"}}
OBJECT_META = {
    "type": "object",
    "properties": {
        "name": {"type": "string"},
        "generateName": {"type": "string"},
        "namespace": {"type": "string"},
        "labels": _STRING_MAP,
        "annotations": _STRING_MAP,
        "finalizers": {"type": "array", "items": {"type": "string"}},
        "ownerReferences": {"type": "array", "items": {"type": "object"}},
    },
    "additionalProperties": False,
}
_SCHEMA_MAPS = ("properties", "patternProperties", "definitions", "$defs")
_SCHEMA_LISTS = ("allOf", "anyOf", "oneOf")
_SCHEMA_VALUES = ("items", "additionalProperties", "not")


def strict_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A copy of an OpenAPI v3 schema that rejects unknown fields wherever properties are listed."""
    out: dict[str, Any] = dict(schema)
    for key in _SCHEMA_MAPS:
        if isinstance(out.get(key), Mapping):
            out[key] = {name: strict_schema(sub) for name, sub in out[key].items()}
    for key in _SCHEMA_LISTS:
        if isinstance(out.get(key), list):
            out[key] = [strict_schema(sub) for sub in out[key]]
    for key in _SCHEMA_VALUES:
        if isinstance(out.get(key), Mapping):
            out[key] = strict_schema(out[key])
    if (
        "properties" in out
        and "additionalProperties" not in out
        and not out.get("x-kubernetes-preserve-unknown-fields")
    ):
        out["additionalProperties"] = False
    return out


def root_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """`strict_schema` plus the fields every object has at its root."""
    out = strict_schema(schema)
    properties = dict(out.get("properties") or {})
    properties["apiVersion"] = {"type": "string"}
    properties["kind"] = {"type": "string"}
    properties["metadata"] = copy.deepcopy(OBJECT_META)
    out["properties"] = properties
    out.setdefault("type", "object")
    if not out.get("x-kubernetes-preserve-unknown-fields"):
        out["additionalProperties"] = False
    return out


def _crd_files() -> list[Path]:
    return sorted(require_shared("reference", "crds").rglob("*.yaml"))


@functools.cache
def _crds() -> dict[tuple[str, str], dict[str, Any]]:
    """(group, kind) -> CRD, from every CRD file under tests/data/reference/crds."""
    found: dict[tuple[str, str], dict[str, Any]] = {}
    for path in _crd_files():
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8")):
            if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                spec = doc["spec"]
                found[(spec["group"], spec["names"]["kind"])] = doc
    return found


@functools.cache
def crd_validator(group: str, version: str, kind: str) -> jsonschema.protocols.Validator:
    """The strict validator for one served version of a CRD."""
    crd = _crds().get((group, kind))
    if crd is None:
        raise LookupError(f"no CRD for {kind}.{group} under tests/data/reference/crds")
    for served in crd["spec"]["versions"]:
        if served["name"] == version and served.get("served", True):
            schema = root_schema(served["schema"]["openAPIV3Schema"])
            validator_class = jsonschema.validators.validator_for(
                schema, jsonschema.Draft7Validator
            )
            return validator_class(schema)
    raise LookupError(f"CRD {crd['metadata']['name']} serves no version {version}")


def _errors(validator: jsonschema.protocols.Validator, obj: Any) -> Iterator[str]:
    for error in sorted(validator.iter_errors(obj), key=lambda e: list(e.absolute_path)):
        path = ".".join(str(p) for p in error.absolute_path) or "<root>"
        yield f"{path}: {error.message}"


def crd_errors(obj: Mapping[str, Any]) -> list[str]:
    """Every way `obj` breaks the strict schema of its CRD (empty when it validates)."""
    group, _, version = str(obj["apiVersion"]).rpartition("/")
    return list(_errors(crd_validator(group, version, str(obj["kind"])), obj))
