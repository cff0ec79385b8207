"""Strict validation of KServe objects against the KServe v0.20.0 CRD schemas.

Inputs come from git, unchecked: this rejects what the API server would reject with strict field
validation, before anything is rendered, using the served versions (`data/served.json`) and the
strict JSON schemas of the CRDs (`data/<kind>_<version>.json`), both written by
`scripts/gen_schemas.py`; each is built into a validator on first use (`validators.py`, cached
per user). A valid object costs one call of its validator; only an invalid
one is copied, repaired and explained, with the API server's leniencies: a `null` field of an
object or map counts as absent (`required value` if it is required; a `null` list item is an
error), and an unquoted YAML timestamp is a string, as kubectl reads it. `normalized` applies
both to an accepted object. `metadata` is an ObjectMeta that must have a `name`. Messages follow
the API server's wording; fields are spelled as by `generator.errors.field_path`.

`apply_defaults` then fills in the CRD schemas' `default`s as the API server does before it
stores an object (structural defaulting), from the defaults trees `scripts/gen_schemas.py` writes
beside the validators (`data/<module>_defaults.json`): KServe's controller reads the stored
object, e.g. a container port's `protocol: TCP` that it copies into the Service.
"""

from __future__ import annotations

import copy
import datetime
import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any, Final

from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException

from generator.errors import REQUIRED, Invalid, field_path
from generator.schema.validators import Validator, load_validator

__all__ = [
    "GROUP",
    "KSERVE_KINDS",
    "apply_defaults",
    "check_object",
    "normalized",
    "served_versions",
]

_DATA: Final[dict[str, Any]] = json.loads(
    resources.files(__name__).joinpath("data", "served.json").read_text(encoding="utf-8")
)
GROUP: Final[str] = _DATA["group"]
# kind -> served version -> compiled module (ServingRuntime and ClusterServingRuntime share one)
_MODULES: Final[dict[str, dict[str, str]]] = {
    kind: dict(info["versions"]) for kind, info in _DATA["kinds"].items()
}
KSERVE_KINDS: Final[frozenset[str]] = frozenset(_MODULES)

_MAX_REPAIR_ROUNDS = 4
_MAX_QUOTED = 80
_SCALARS: Final = (
    (int, "integer {}"),
    (float, "float {!r}"),
    (str, "string {}"),
    (datetime.date, "timestamp {}"),
)

FieldPath = tuple[Any, ...]


def served_versions(kind: str) -> tuple[str, ...]:
    """The versions the v0.20.0 CRD of `kind` serves, e.g. `("v1beta1",)`; `()` if not KServe's."""
    return tuple(_MODULES.get(kind, ()))


def check_object(doc: Mapping[str, Any]) -> list[Invalid]:
    """Problems the API server would report for `doc`; `[]` if valid or not a KServe CRD kind.

    `doc` is an object as a YAML or JSON loader returns it (dicts, lists and scalars); it is never
    modified. Kinds of another group, and kinds of serving.kserve.io without a CRD here, give `[]`.
    """
    return _check(doc)[1]


def normalized(doc: Mapping[str, Any]) -> Mapping[str, Any]:
    """`doc` as the API server would store it, for objects `check_object` accepts: null fields
    dropped and unquoted YAML timestamps turned into strings (in a copy; `doc` if unchanged)."""
    return _check(doc)[0]


def apply_defaults(doc: Mapping[str, Any]) -> dict[str, Any]:
    """`doc` with its CRD's defaults applied as the API server's structural defaulting does
    (k8s.io/apiextensions-apiserver, pkg/apiserver/schema/defaulting/algorithm.go).

    At every depth, including inside list items and map values: a field with a `default` that is
    absent from an object that is there gets the default, and so does one that is null when its
    schema is not nullable (a nullable null stays); a null list item or map value gets its
    schema's default the same way; then the walk goes on into every field the schema describes,
    defaults just put in included. Meant for objects `check_object` accepts, after `normalized`
    (the API server drops the other nulls before it defaults; either order gives the same
    result); a value of an unexpected type is left alone.

    `doc` is never modified: the result is a new object along every path where a default was
    put in and shares the rest with `doc`; it is `doc` itself when no default applies (callers
    may compare with `is`), and always when `doc` is not of a KServe kind and served version.
    A `doc` that is a Mapping but not a dict comes back as a dict.
    """
    data = doc if isinstance(doc, dict) else dict(doc)
    module = _served_module(data)
    tree = None if isinstance(module, list) else _defaults_tree(module)
    return data if tree is None else _default_object(data, tree)


def _check(doc: Mapping[str, Any]) -> tuple[Mapping[str, Any], list[Invalid]]:
    validate = _validator_for(doc)
    if isinstance(validate, list):
        return doc, validate
    data = doc if isinstance(doc, dict) else dict(doc)
    try:
        validate(data)
    except JsonSchemaValuesException:
        return _problems(validate, data)
    return doc, []


def _validator_for(doc: Mapping[str, Any]) -> Validator | list[Invalid]:
    """The compiled validator of `doc`'s kind and version, or the verdict without one."""
    module = _served_module(doc)
    return module if isinstance(module, list) else _validator(module)


def _served_module(doc: Mapping[str, Any]) -> str | list[Invalid]:
    """The compiled module of `doc`'s kind and served version, or the verdict without one."""
    api_version, kind = doc.get("apiVersion"), doc.get("kind")
    if not isinstance(api_version, str) or not isinstance(kind, str):
        return []
    group, _, version = api_version.rpartition("/")
    modules = _MODULES.get(kind) if group == GROUP else None
    if modules is None:
        return []
    if version not in modules:
        served = ", ".join(f"{GROUP}/{v}" for v in modules)
        return [Invalid("apiVersion", f"{api_version} is not served for {kind} (served: {served})")]
    return modules[version]


@cache
def _validator(module: str) -> Validator:
    return load_validator(module)


class _Defaults:
    """One node of a defaults tree: the schema's own `default` (and `nullable`) and the
    subschemas below it that lead to a default, with the `$ref`s of the JSON resolved."""

    __slots__ = ("default", "defaulted", "extra", "has_default", "items", "nullable", "properties")

    def __init__(self) -> None:
        self.has_default = False
        self.default: Any = None
        self.nullable = False
        self.properties: dict[str, _Defaults] = {}
        self.defaulted: tuple[tuple[str, _Defaults], ...] = ()  # the properties with a default
        self.items: _Defaults | None = None
        self.extra: _Defaults | None = None  # additionalProperties


@cache
def _defaults_tree(module: str) -> _Defaults | None:
    """The defaults tree of a compiled module; None when its schema has no default."""
    data = resources.files(__name__).joinpath("data", f"{module}_defaults.json")
    return _compile_tree(json.loads(data.read_text(encoding="utf-8")))


def _compile_tree(tree: dict[str, Any]) -> _Defaults | None:
    """A defaults tree as JSON (see scripts/gen_schemas.py) as `_Defaults`; None if empty."""
    if not tree:
        return None
    definitions: dict[str, Any] = tree.get("definitions", {})
    built: dict[str, _Defaults] = {}

    def build(node: dict[str, Any]) -> _Defaults:
        ref = node.get("$ref")
        if ref is None:
            return fill(_Defaults(), node)
        name = ref.removeprefix("#/definitions/")
        if name not in built:
            built[name] = _Defaults()  # in the table before its body: safe for a cycle
            fill(built[name], definitions[name])
        return built[name]

    def fill(out: _Defaults, node: dict[str, Any]) -> _Defaults:
        out.has_default = "default" in node
        out.default = node.get("default")
        out.nullable = bool(node.get("nullable"))
        out.properties = {key: build(sub) for key, sub in node.get("properties", {}).items()}
        out.defaulted = tuple((k, sub) for k, sub in out.properties.items() if sub.has_default)
        out.items = build(node["items"]) if "items" in node else None
        if "additionalProperties" in node:
            out.extra = build(node["additionalProperties"])
        return out

    return build(tree)


def _default(value: Any, node: _Defaults) -> Any:
    """`value` with the defaults below `node` applied; `value` itself if none applies."""
    if isinstance(value, dict):
        return _default_object(value, node)
    if isinstance(value, list) and node.items is not None:
        return _default_list(value, node.items)
    return value


def _default_object(obj: dict[str, Any], node: _Defaults) -> dict[str, Any]:
    out: dict[str, Any] | None = None
    for key, prop in node.defaulted:
        if key not in obj or (obj[key] is None and not prop.nullable):
            if out is None:
                out = dict(obj)
            out[key] = _fresh(prop.default)
    # A structural schema has either properties or an additionalProperties schema, never both.
    properties, extra = node.properties, node.extra
    for key, value in obj.items() if out is None else list(out.items()):
        child = properties.get(key) if extra is None else extra
        if child is None:
            continue
        new = value
        if value is None and extra is not None and child.has_default and not child.nullable:
            new = _fresh(child.default)
        new = _default(new, child)
        if new is not value:
            if out is None:
                out = dict(obj)
            out[key] = new
    return obj if out is None else out


def _default_list(items: list[Any], node: _Defaults) -> list[Any]:
    out: list[Any] | None = None
    for index, item in enumerate(items):
        new = item
        if item is None and node.has_default and not node.nullable:
            new = _fresh(node.default)
        new = _default(new, node)
        if new is not item:
            if out is None:
                out = list(items)
            out[index] = new
    return items if out is None else out


def _fresh(value: Any) -> Any:
    """A default value to put into an object: a copy of it, unless it is immutable."""
    return copy.deepcopy(value) if isinstance(value, dict | list) else value


def _problems(validate: Validator, doc: dict[str, Any]) -> tuple[dict[str, Any], list[Invalid]]:
    """A repaired copy of an invalid `doc` and its problems, once per field."""
    work = copy.deepcopy(doc)
    errors = _errors(validate, work)
    for _ in range(_MAX_REPAIR_ROUNDS):
        if not _repair(work, errors):
            break
        errors = _errors(validate, work)
    found: dict[str, Invalid] = {}
    for error in errors:
        for problem in _explain(work, error):
            found.setdefault(problem.field, problem)
    return work, list(found.values())


def _errors(validate: Validator, doc: dict[str, Any]) -> list[JsonSchemaValueException]:
    try:
        validate(doc)
    except JsonSchemaValuesException as exc:
        return list(exc.errors)
    return []


def _repair(doc: dict[str, Any], errors: list[JsonSchemaValueException]) -> bool:
    """Drop the null fields and stringify the timestamps errors point at; True if any."""
    edits: list[tuple[Any, Any, str | None]] = []  # (parent, key, new text or None to drop)
    for error in errors:
        path = _locate(doc, error)
        parent = _node(doc, path[:-1]) if path else None
        if path and error.value is None and isinstance(parent, dict):
            edits.append((parent, path[-1], None))
        elif path and isinstance(error.value, datetime.date) and "string" in _types(error):
            edits.append((parent, path[-1], error.value.isoformat()))
    for parent, key, text in edits:
        if text is None:
            parent.pop(key, None)
        else:
            parent[key] = text
    return bool(edits)


def _types(error: JsonSchemaValueException) -> list[str]:
    if error.rule != "type":
        return []
    declared = (error.definition or {}).get("type", [])
    return [declared] if isinstance(declared, str) else list(declared)


def _explain(doc: dict[str, Any], error: JsonSchemaValueException) -> list[Invalid]:
    path = _locate(doc, error) or ()
    rule, detail, value = error.rule, error.definition or {}, error.value
    if rule == "additionalProperties" and isinstance(value, dict):
        allowed = set(detail.get("properties", ()))
        return [
            Invalid(_spell(doc, path, key), f"unknown field {_quote(key)}")
            for key in value
            if key not in allowed
        ]
    if rule == "required" and isinstance(value, dict):
        missing = [key for key in detail.get("required", ()) if key not in value]
        return [Invalid(_spell(doc, path, key), REQUIRED) for key in missing]
    return [Invalid(_spell(doc, path), _message(error))]


def _message(error: JsonSchemaValueException) -> str:
    rule, value = error.rule or "", error.value
    arg = (error.definition or {}).get(rule)
    if rule == "type":
        if sorted(_types(error)) == ["integer", "string"]:
            return f"must be an integer or a string (got {_describe(value)})"
        return f"must be of type {' or '.join(_types(error))} (got {_describe(value)})"
    if rule == "enum":
        supported = ", ".join(_quote(option) for option in arg or ())
        return f"unsupported value {_quote(value)}: supported values: {supported}"
    if rule == "pattern":
        return f"invalid value {_quote(value)}: should match '{arg}'"
    bounds = {
        "minimum": f"must be greater than or equal to {arg} (got {value!r})",
        "maximum": f"must be less than or equal to {arg} (got {value!r})",
        "minItems": f"must have at least {arg} item(s)",
        "maxItems": f"must have at most {arg} item(s)",
        "minLength": f"must be at least {arg} character(s) long",
        "maxLength": f"may not be longer than {arg} characters",
    }
    return bounds.get(rule, f"does not satisfy {rule} {arg!r}")


def _describe(value: Any) -> str:
    """A value's JSON type, with the value itself when it is a scalar."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return f"boolean {json.dumps(value)}"
    for kind, spelling in _SCALARS:
        if isinstance(value, kind):
            return spelling.format(_quote(value) if kind is str else value)
    return "array" if isinstance(value, list | tuple) else "object"


def _quote(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= _MAX_QUOTED else text[: _MAX_QUOTED - 4] + '..."'


def _spell(doc: Any, path: FieldPath, key: Any = None) -> str:
    """`path` (and a last map key) as `a.b[0].c`: list positions as indices, map keys as text."""
    parts: list[str | int] = []
    for part in path:
        parts.append(part if isinstance(doc, list) else str(part))
        doc = doc[part]
    if key is not None:
        parts.append(str(key))
    return field_path(*parts)


def _node(doc: Any, path: FieldPath) -> Any:
    for part in path:
        doc = doc[part]
    return doc


def _locate(doc: dict[str, Any], error: JsonSchemaValueException) -> FieldPath | None:
    """The path in `doc` of the value `error` is about.

    fastjsonschema names it as `data.key[0].key`, which is ambiguous when keys hold dots (label
    keys, `nvidia.com/gpu`), so the name is matched against the document, and the node found
    must be the very object the validator saw.
    """
    name = error.name or ""
    if not name.startswith("data"):
        return None
    return _walk(doc, name[len("data") :], error.value)


def _walk(node: Any, rest: str, target: Any) -> FieldPath | None:
    if not rest:
        return () if node is target else None
    if rest[0] == "[" and isinstance(node, list):
        end = rest.find("]")
        index = rest[1:end]
        if index.isdigit() and int(index) < len(node):
            found = _walk(node[int(index)], rest[end + 1 :], target)
            if found is not None:
                return (int(index), *found)
        return None
    if rest[0] == "." and isinstance(node, dict):
        for key, value in node.items():
            text = str(key)
            tail = rest[1 + len(text) :]
            if rest.startswith(text, 1) and (not tail or tail[0] in ".["):
                found = _walk(value, tail, target)
                if found is not None:
                    return (key, *found)
    return None
