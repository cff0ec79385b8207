"""CRD structural schemas (OpenAPI v3 with Kubernetes extensions) as plain JSON Schema.

The one converter behind both schema checks: the strict validators of KServe's own kinds
(`generator.schema`, from the data `scripts/gen_schemas.py` writes) and `validate --crds` (any
CRD, with the jsonschema package). The API server's meaning, in JSON Schema terms:

- an object without `x-kubernetes-preserve-unknown-fields` keeps only its declared fields
  (strict field validation), except inside `anyOf`/`allOf`/`oneOf`/`not`, whose branches carry
  value checks, not fields;
- `x-kubernetes-int-or-string` is the type pair `["integer", "string"]` (the `anyOf` of those two
  types that controller-gen writes beside it says the same and is dropped);
- `nullable: true` adds `null` to the type (and to an `enum`);
- OpenAPI 3.0's boolean `exclusiveMinimum`/`exclusiveMaximum` become JSON Schema's numbers;
- an `x-kubernetes-embedded-resource` object declares `apiVersion`, `kind` and `metadata`;
- prose, formats, defaults, CEL rules and list/map merge hints are dropped (not checked here).

`strict=True` (the generated validators) refuses any keyword outside the ones the validators'
error explainer understands, naming where it sits: a CRD of a new KServe release must not be
checked more loosely than the API server does without anyone noticing.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["UnsupportedSchema", "escape_class_dollars", "object_meta", "to_json_schema"]

Schema = dict[str, Any]

# Keywords copied as they are: they mean the same in OpenAPI v3 and JSON Schema (draft 7, 2020-12).
COPIED: Final = frozenset(
    {
        "enum",
        "pattern",
        "minItems",
        "maxItems",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "multipleOf",
        "uniqueItems",
        "minProperties",
        "maxProperties",
    }
)
# Keywords left out: prose, or rules these checks do not enforce.
DROPPED: Final = frozenset(
    {
        "description",
        "title",
        "example",
        "format",
        "default",
        "x-kubernetes-list-type",
        "x-kubernetes-list-map-keys",
        "x-kubernetes-map-type",
        "x-kubernetes-validations",
    }
)
# Keywords with a rule of their own below that the strict validators support.
HANDLED: Final = frozenset(
    {
        "type",
        "properties",
        "required",
        "items",
        "additionalProperties",
        "anyOf",
        "nullable",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "x-kubernetes-int-or-string",
        "x-kubernetes-preserve-unknown-fields",
    }
)
_BRANCHES: Final = ("allOf", "anyOf", "oneOf")
INT_OR_STRING_ANY_OF: Final = ({"type": "integer"}, {"type": "string"})


class UnsupportedSchema(ValueError):
    """A CRD schema keyword the strict validators cannot honour; the message names its place."""


def to_json_schema(
    node: Mapping[str, Any], where: str = "", *, strict: bool = False, strict_objects: bool = True
) -> Schema:
    """One CRD schema node (and everything below it) as a JSON Schema node.

    `where` names the node in `UnsupportedSchema` messages (`Kind.spec.field[]`, `{}` for a map
    value); `strict_objects=False` inside value-check branches, where objects stay open.
    """
    if strict:
        _refuse_unknown(node, where)
    out: Schema = {}
    if node.get("x-kubernetes-int-or-string"):
        any_of = node.get("anyOf")
        if any_of is not None and tuple(any_of) != INT_OR_STRING_ANY_OF and strict:
            raise UnsupportedSchema(f"{where}: unexpected anyOf beside x-kubernetes-int-or-string")
        out["type"] = ["integer", "string"]
    elif "anyOf" in node and strict:
        raise UnsupportedSchema(f"{where}: anyOf is only supported for x-kubernetes-int-or-string")
    elif "type" in node:
        out["type"] = copy.deepcopy(node["type"])
    if isinstance(node.get("properties"), Mapping):
        out["properties"] = {
            key: to_json_schema(sub, f"{where}.{key}", strict=strict)
            for key, sub in node["properties"].items()
        }
    if node.get("required"):
        out["required"] = list(node["required"])
    if isinstance(node.get("items"), Mapping):
        out["items"] = to_json_schema(node["items"], f"{where}[]", strict=strict)
    _extra(node, out, where, strict=strict, strict_objects=strict_objects)
    out.update(
        {
            key: escape_class_dollars(node[key])
            if key == "pattern" and isinstance(node[key], str)
            else copy.deepcopy(node[key])
            for key in sorted(COPIED & set(node))
        }
    )
    for bound, limit in (("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")):
        if node.get(bound) is True and limit in out:  # OpenAPI 3.0's flag; JSON Schema's number
            out[bound] = out.pop(limit)
    _value_branches(node, out, where)
    if node.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        for key, type_ in (("apiVersion", "string"), ("kind", "string"), ("metadata", "object")):
            props.setdefault(key, {"type": type_})
    if node.get("nullable") and "type" in out:
        out["type"] = [*_as_list(out["type"]), "null"]
        if "enum" in out:
            out["enum"] = [*out["enum"], None]
    return out


def _refuse_unknown(node: Mapping[str, Any], where: str) -> None:
    unknown = set(node) - COPIED - DROPPED - HANDLED
    if unknown:
        raise UnsupportedSchema(f"{where}: keyword(s) {sorted(unknown)} not supported")


def _extra(
    node: Mapping[str, Any], out: Schema, where: str, *, strict: bool, strict_objects: bool
) -> None:
    """`additionalProperties`: a map's value schema, or closed objects (strict field validation)."""
    extra = node.get("additionalProperties")
    is_object = node.get("type") == "object" or "properties" in node
    preserve = bool(node.get("x-kubernetes-preserve-unknown-fields"))
    if isinstance(extra, Mapping):
        out["additionalProperties"] = to_json_schema(extra, f"{where}{{}}", strict=strict)
    elif extra is False or (strict_objects and is_object and not preserve and extra is None):
        out["additionalProperties"] = False


def _value_branches(node: Mapping[str, Any], out: Schema, where: str) -> None:
    """`allOf`/`anyOf`/`oneOf`/`not` (but int-or-string's pair): value checks, open objects."""
    for key in _BRANCHES:
        if key == "anyOf" and node.get("x-kubernetes-int-or-string"):
            if tuple(node.get("anyOf") or ()) == INT_OR_STRING_ANY_OF:
                continue
        if isinstance(node.get(key), list):
            out[key] = [
                to_json_schema(branch, f"{where}.{key}", strict_objects=False)
                for branch in node[key]
            ]
    if isinstance(node.get("not"), Mapping):
        out["not"] = to_json_schema(node["not"], f"{where}.not", strict_objects=False)


def escape_class_dollars(pattern: str) -> str:
    """A `$` inside a character class (Gateway API's path pattern) written `\\$`: fastjsonschema
    rewrites every bare `$` to an end anchor, which Python's re refuses inside a class. The same
    class in either spelling for every other regex engine."""
    out: list[str] = []
    in_class = escaped = False
    for char in pattern:
        if escaped:
            escaped = False
        elif char == "\\":
            escaped = True
        elif char == "[" and not in_class:
            in_class = True
        elif char == "]" and in_class:
            in_class = False
        elif char == "$" and in_class:
            out.append("\\")
        out.append(char)
    return "".join(out)


def _as_list(value: str | list[str]) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _strings() -> Schema:
    return {"type": "string"}


def object_meta() -> Schema:
    """The fields of a Kubernetes ObjectMeta, with their JSON types; nothing else is allowed."""
    string_map = {"type": "object", "additionalProperties": _strings()}
    owner_ref = {
        "type": "object",
        "properties": {
            "apiVersion": _strings(),
            "kind": _strings(),
            "name": _strings(),
            "uid": _strings(),
            "controller": {"type": "boolean"},
            "blockOwnerDeletion": {"type": "boolean"},
        },
        "required": ["apiVersion", "kind", "name", "uid"],
        "additionalProperties": False,
    }
    managed_fields_entry = {
        "type": "object",
        "properties": {
            "manager": _strings(),
            "operation": _strings(),
            "apiVersion": _strings(),
            "time": _strings(),
            "fieldsType": _strings(),
            "fieldsV1": {"type": "object"},
            "subresource": _strings(),
        },
        "additionalProperties": False,
    }
    return {
        "type": "object",
        "properties": {
            "name": _strings(),
            "generateName": _strings(),
            "namespace": _strings(),
            "selfLink": _strings(),
            "uid": _strings(),
            "resourceVersion": _strings(),
            "generation": {"type": "integer"},
            "creationTimestamp": _strings(),
            "deletionTimestamp": _strings(),
            "deletionGracePeriodSeconds": {"type": "integer"},
            "labels": string_map,
            "annotations": dict(string_map),
            "ownerReferences": {"type": "array", "items": owner_ref},
            "finalizers": {"type": "array", "items": _strings()},
            "managedFields": {"type": "array", "items": managed_fields_entry},
        },
        # kubectl apply and every GitOps tool need a name; generateName alone cannot be applied.
        "required": ["name"],
        "additionalProperties": False,
    }
