"""Strict validation of KServe objects against the KServe v0.20.0 CRD schemas.

Inputs come from git, unchecked: this rejects what the API server would reject with strict field
validation, before anything is rendered, using the served versions (`data/served.json`) and the
validators compiled from the CRDs (`compiled/`, imported per kind on first use), both written by
`scripts/gen_schemas.py`. A valid object costs one call of its compiled function; only an invalid
one is copied, repaired and explained, with the API server's leniencies: a `null` field of an
object or map counts as absent (`required value` if it is required; a `null` list item is an
error), and an unquoted YAML timestamp is a string, as kubectl reads it. `normalized` applies
both to an accepted object. `metadata` is an ObjectMeta that must have a `name`. Messages follow
the API server's wording; fields are spelled as by `generator.errors.field_path`.
"""

from __future__ import annotations

import copy
import datetime
import importlib
import json
from collections.abc import Callable, Mapping
from functools import cache
from importlib import resources
from typing import Any, Final, cast

from fastjsonschema import JsonSchemaValueException, JsonSchemaValuesException

from generator.errors import Invalid, field_path

__all__ = ["GROUP", "KSERVE_KINDS", "check_object", "normalized", "served_versions"]

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
Validator = Callable[[Any], Any]


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
    return _validator(modules[version])


@cache
def _validator(module: str) -> Validator:
    return cast(Validator, importlib.import_module(f"{__name__}.compiled.{module}").validate)


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
        return [Invalid(_spell(doc, path, key), "required value") for key in missing]
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
