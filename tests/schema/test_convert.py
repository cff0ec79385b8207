"""The one CRD→JSON-Schema converter (`generator.schema.convert`), as both checks use it.

Each case is a rule of the API server's structural schemas (k8s.io/apiextensions-apiserver):
int-or-string, nullable, preserve-unknown-fields, and value-check branches that carry no fields.
"""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from generator.schema.convert import UnsupportedSchema, to_json_schema
from generator.validate import crd_root_schema

INT_OR_STRING = {
    "anyOf": [{"type": "integer"}, {"type": "string"}],
    "x-kubernetes-int-or-string": True,
}


def errors(schema: dict[str, Any], value: Any) -> list[str]:
    validator = jsonschema.Draft202012Validator(crd_root_schema(schema))
    return [e.message for e in validator.iter_errors(value)]


def test_int_or_string_is_the_type_pair_and_its_any_of_is_dropped() -> None:
    assert to_json_schema(INT_OR_STRING) == {"type": ["integer", "string"]}
    assert to_json_schema(INT_OR_STRING, strict=True) == {"type": ["integer", "string"]}
    schema = {"properties": {"port": INT_OR_STRING}}
    assert errors(schema, {"port": 8080}) == errors(schema, {"port": "http"}) == []
    assert errors(schema, {"port": 1.5}) == ["1.5 is not of type 'integer', 'string'"]


def test_nullable_int_or_string_accepts_null() -> None:
    """`nullable` adds null whatever the type's form: a type pair as well as a single type."""
    node = {**INT_OR_STRING, "nullable": True}
    assert to_json_schema(node) == {"type": ["integer", "string", "null"]}
    assert errors({"properties": {"port": node}}, {"port": None}) == []


def test_nullable_enum_accepts_null_and_a_plain_field_does_not() -> None:
    mode = {"type": "string", "enum": ["a", "b"], "nullable": True}
    assert to_json_schema(mode) == {"type": ["string", "null"], "enum": ["a", "b", None]}
    schema = {"properties": {"mode": mode, "name": {"type": "string"}}}
    assert errors(schema, {"mode": None}) == []
    assert errors(schema, {"name": None}) == ["None is not of type 'string'"]


def test_any_of_branches_check_values_and_leave_objects_open() -> None:
    """An anyOf other than int-or-string's (allowed as a value validation) is kept, its branches
    never closing an object; the strict validators refuse it instead of ignoring it."""
    node = {
        "type": "object",
        "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
        "anyOf": [{"required": ["a"]}, {"required": ["b"]}],
    }
    converted = to_json_schema(node)
    assert converted["anyOf"] == [{"required": ["a"]}, {"required": ["b"]}]
    assert converted["additionalProperties"] is False
    assert errors(node, {"a": "x"}) == []
    assert len(errors(node, {})) == 1
    with pytest.raises(UnsupportedSchema, match=r"^Kind\.spec: anyOf is only supported"):
        to_json_schema(node, "Kind.spec", strict=True)


def test_preserve_unknown_fields_keeps_an_object_open_below_its_declared_fields() -> None:
    node = {
        "type": "object",
        "x-kubernetes-preserve-unknown-fields": True,
        "properties": {"replicas": {"type": "integer"}},
    }
    assert to_json_schema(node) == {
        "type": "object",
        "properties": {"replicas": {"type": "integer"}},
    }
    assert errors(node, {"anything": {"at": "all"}}) == []
    assert errors(node, {"replicas": "2"}) == ["'2' is not of type 'integer'"]
    closed = {"type": "object", "properties": {"replicas": {"type": "integer"}}}
    assert errors(closed, {"anything": 1}) == [
        "Additional properties are not allowed ('anything' was unexpected)"
    ]


def test_an_object_without_properties_or_preserve_keeps_no_fields() -> None:
    assert to_json_schema({"type": "object"}) == {"type": "object", "additionalProperties": False}
    assert to_json_schema({"type": "object", "additionalProperties": {"type": "string"}}) == {
        "type": "object",
        "additionalProperties": {"type": "string"},
    }


def test_open_api_boolean_exclusive_bounds_become_numbers() -> None:
    node = {"type": "integer", "minimum": 0, "exclusiveMinimum": True}
    assert to_json_schema(node) == {"type": "integer", "exclusiveMinimum": 0}


def test_embedded_resources_declare_their_type_fields_and_strict_mode_refuses_them() -> None:
    node = {"type": "object", "x-kubernetes-embedded-resource": True}
    assert to_json_schema(node)["properties"] == {
        "apiVersion": {"type": "string"},
        "kind": {"type": "string"},
        "metadata": {"type": "object"},
    }
    with pytest.raises(UnsupportedSchema, match="x-kubernetes-embedded-resource"):
        to_json_schema({"properties": {"raw": node}}, "Kind", strict=True)


def test_a_dollar_in_a_character_class_is_escaped_with_the_same_meaning() -> None:
    node = {"type": "string", "pattern": "^/[a-z$]*$"}
    assert to_json_schema(node)["pattern"] == "^/[a-z\\$]*$"
    assert errors({"properties": {"p": node}}, {"p": "/a$b"}) == []
