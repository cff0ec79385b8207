"""A quick yes-or-maybe check of a document against a JSON schema, before the real validator.

fastjsonschema's validators test every declared field of every object, present or not, so
checking each rendered object with them costs about as much as serialising it. This screen walks
only what the document holds: one closure per schema node, a table from field name to the check
of its value, and a leaf that is only typed checked in place by the value's class.

It answers True only when the document is valid; on False the caller asks the compiled validator,
which decides (and explains). So it may be stricter than the schema, never looser:

- types are exact classes (an integer is an `int`, not a bool nor fastjsonschema's 1.0; an array
  a `list`, an object a `dict`, a string a `str`); a subclass answers False;
- every value check (pattern, enum, lengths, bounds) applies to what fastjsonschema applies it
  to; a pattern is compiled as fastjsonschema compiles it (tests compare the two);
- a keyword it does not know makes its node answer False;
- inside `not`/`anyOf`/`oneOf`, where stricter would turn into looser, only `required` and those
  three are allowed (Istio's "at most one of" idiom); any other branch makes the node answer False.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any, Final

__all__ = ["Check", "compile_screen"]

Check = Callable[[Any], bool]
Schema = Mapping[str, Any]
# A node: a check, or the exact classes a value may have when that is all the schema says.
Node = Check | frozenset[type]

_CLASSES: Final[dict[str, tuple[type, ...]]] = {
    "object": (dict,),
    "array": (list,),
    "string": (str,),
    "integer": (int,),
    "number": (int, float),
    "boolean": (bool,),
    "null": (type(None),),
}
_VALUE: Final = frozenset(
    {"enum", "pattern", "minLength", "maxLength", "minimum", "maximum", "minItems", "maxItems"}
)
_SHAPE: Final = frozenset({"properties", "additionalProperties", "required", "items"})
_BRANCH: Final = frozenset({"anyOf", "oneOf", "not"})
_KNOWN: Final = _VALUE | _SHAPE | _BRANCH | {"type", "$ref", "$schema", "definitions"}
_INF: Final = float("inf")
_REMEMBERED: Final = 1 << 16  # verdicts kept per pattern
# fastjsonschema turns every `$` not after a backslash into `\Z` (tests/schema/test_emitted.py
# checks that each pattern compiles here to the regex its validator holds).
_UNESCAPED_DOLLAR: Final = re.compile(r"(?<!\\)\$")


def _never(_: Any) -> bool:
    return False


def _always(_: Any) -> bool:
    return True


def as_check(node: Node) -> Check:
    if isinstance(node, frozenset):
        return lambda v: v.__class__ in node
    return node


def compile_screen(root: Schema) -> Check:
    """The screen of the schema `root`."""
    patterns = _Patterns()
    definitions: Mapping[str, Schema] = root.get("definitions", {})
    built: dict[str, Node] = {}
    building: dict[str, list[Check]] = {}

    def ref(name: str) -> Node:
        if name in built:
            return built[name]
        if name in building:  # a cycle: call through a cell filled in below
            cell = building[name]
            return lambda v: cell[0](v)
        if name not in definitions:
            return _never
        building[name] = [_never]
        built[name] = node(definitions[name])
        building.pop(name)[0] = as_check(built[name])
        return built[name]

    def node(schema: Any) -> Node:
        if schema is True or (isinstance(schema, Mapping) and not schema):
            return _always
        if not isinstance(schema, Mapping) or set(schema) - _KNOWN:
            return _never
        if "$ref" in schema:
            target = str(schema["$ref"])
            if len(schema) > 1 or not target.startswith("#/definitions/"):
                return _never
            return ref(target.removeprefix("#/definitions/"))
        classes = _classes(schema.get("type"))
        if classes is not None and not classes:
            return _never
        if set(schema) <= {"type", "$schema", "definitions"}:
            return classes if classes is not None else _always
        extra_checks = [c for c in (_values(schema, patterns), _branches(schema)) if c]
        rest = _all(extra_checks)
        if _SHAPE & set(schema):
            return _shaped(schema, classes, rest if extra_checks else None, node)
        if classes is None:
            return rest
        return lambda v: v.__class__ in classes and rest(v)

    return as_check(node(root))


class _Patterns(dict[str, re.Pattern[str]]):
    """Each `pattern` compiled as fastjsonschema compiles it: every unescaped `$` is `\\Z`."""

    def __missing__(self, pattern: str) -> re.Pattern[str]:
        regex = self[pattern] = re.compile(_UNESCAPED_DOLLAR.sub(r"\\Z", pattern))
        return regex


def _classes(declared: Any) -> frozenset[type] | None:
    if declared is None:
        return None
    names = [declared] if isinstance(declared, str) else list(declared)
    if any(name not in _CLASSES for name in names):
        return frozenset()
    return frozenset(cls for name in names for cls in _CLASSES[name])


def _all(checks: list[Check]) -> Check:
    if not checks:
        return _always
    if len(checks) == 1:
        return checks[0]
    first, second = checks[0], _all(checks[1:])
    return lambda v: first(v) and second(v)


def _shaped(  # noqa: C901 (one closure per node: the hot path, no helper calls)
    schema: Schema,
    classes: frozenset[type] | None,
    rest: Check | None,
    node: Callable[[Any], Node],
) -> Check:
    """properties, additionalProperties and required of an object; items of a list."""
    table = {key: node(sub) for key, sub in (schema.get("properties") or {}).items()}
    # A field only typed is checked in place by its value's class; the others are called.
    leaf_get = {k: n for k, n in table.items() if isinstance(n, frozenset)}.get
    call_get = {k: n for k, n in table.items() if not isinstance(n, frozenset)}.get
    extra_schema = schema.get("additionalProperties", True)
    extra = None if extra_schema is False else node(extra_schema)
    extra_leaf = extra if isinstance(extra, frozenset) else None
    extra_call = None if extra is None or extra_leaf is not None else as_check(extra)
    required = tuple(schema.get("required") or ())
    items = node(schema["items"]) if "items" in schema else None
    items_leaf = items if isinstance(items, frozenset) else None
    items_call = None if items is None or items_leaf is not None else as_check(items)

    def check(v: Any) -> bool:  # noqa: C901
        cls = v.__class__
        if classes is not None and cls not in classes:
            return False
        if cls is dict:
            for key, value in v.items():
                leaf = leaf_get(key)
                if leaf is not None:
                    if value.__class__ not in leaf:
                        return False
                    continue
                call = call_get(key)
                if call is not None:
                    if not call(value):
                        return False
                elif extra_leaf is not None:
                    if value.__class__ not in extra_leaf:
                        return False
                elif extra_call is None or not extra_call(value):
                    return False
            for key in required:
                if key not in v:
                    return False
        elif cls is list:
            if items_leaf is not None:
                for item in v:
                    if item.__class__ not in items_leaf:
                        return False
            elif items_call is not None:
                for item in v:
                    if not items_call(item):
                        return False
        elif isinstance(v, dict | list | tuple):
            return False  # a subclass or a tuple: the validator decides
        return rest is None or rest(v)

    return check


def _values(schema: Schema, patterns: _Patterns) -> Check | None:
    """enum, string length and pattern, number bounds, list length: each on the values
    fastjsonschema applies it to."""
    parts: list[Check] = []
    if "enum" in schema:
        options = list(schema["enum"])
        parts.append(lambda v: v in options)
    if "pattern" in schema:
        parts.append(_matches(patterns[schema["pattern"]]))
    if "minLength" in schema or "maxLength" in schema:
        short, long = schema.get("minLength", 0), schema.get("maxLength", _INF)
        parts.append(lambda v: not isinstance(v, str) or short <= len(v) <= long)
    if "minimum" in schema or "maximum" in schema:
        low, high = schema.get("minimum", -_INF), schema.get("maximum", _INF)
        parts.append(lambda v: not isinstance(v, int | float) or low <= v <= high)
    if "minItems" in schema or "maxItems" in schema:
        few, many = schema.get("minItems", 0), schema.get("maxItems", _INF)
        parts.append(lambda v: not isinstance(v, list | tuple) or few <= len(v) <= many)
    return _all(parts) if parts else None


def _matches(regex: re.Pattern[str]) -> Check:
    """A pattern's check, remembering each string's verdict: label values and names repeat
    across thousands of objects, and a dict lookup is cheaper than a regex search."""
    search = regex.search
    known: dict[str, bool] = {}

    def check(v: Any) -> bool:
        if not isinstance(v, str):
            return True
        verdict = known.get(v)
        if verdict is None:
            verdict = search(v) is not None
            if len(known) < _REMEMBERED:
                known[v] = verdict
        return verdict

    return check


def _branches(schema: Schema) -> Check | None:
    """anyOf/oneOf/not made of `required` only: exact, so that negation stays exact."""
    if not _BRANCH & set(schema):
        return None
    branches = {key: schema[key] for key in _BRANCH if key in schema}
    keys = _at_most_one(branches)
    if keys is not None:
        return lambda v: not isinstance(v, dict) or len(keys & v.keys()) <= 1
    try:
        return _exact(branches)
    except _Inexact:
        return _never


def _at_most_one(schema: Schema) -> frozenset[str] | None:
    """The fields of `oneOf: [{not: {anyOf: [{required: [a]}, ...]}}, {required: [a]}, ...]`
    (none or exactly one of them: at most one), or None for any other branches."""
    one_of = schema.get("oneOf")
    if set(schema) != {"oneOf"} or not isinstance(one_of, list) or len(one_of) < 2:
        return None
    singles = [{"required": [key]} for key in _required_keys(one_of[1:])]
    if one_of[0] != {"not": {"anyOf": singles}} or one_of[1:] != singles:
        return None
    return frozenset(key for branch in singles for key in branch["required"])


def _required_keys(branches: list[Any]) -> list[str]:
    keys = []
    for branch in branches:
        required = branch.get("required") if isinstance(branch, Mapping) else None
        if not isinstance(required, list) or len(required) != 1:
            return []
        keys.append(str(required[0]))
    return keys


def _exact(schema: Any) -> Check:
    """A schema of only `required`, `anyOf`, `oneOf`, `not`, exactly; raises otherwise."""
    if not isinstance(schema, Mapping) or set(schema) - _BRANCH - {"required"}:
        raise _Inexact
    parts: list[Check] = []
    required = tuple(schema.get("required") or ())
    if required:
        parts.append(lambda v: not isinstance(v, dict) or all(key in v for key in required))
    if "anyOf" in schema:
        any_of = [_exact(branch) for branch in schema["anyOf"]]
        parts.append(lambda v: any(option(v) for option in any_of))
    if "oneOf" in schema:
        one_of = [_exact(branch) for branch in schema["oneOf"]]
        parts.append(lambda v: sum(1 for option in one_of if option(v)) == 1)
    if "not" in schema:
        inner = _exact(schema["not"])
        parts.append(lambda v: not inner(v))
    return _all(parts)


class _Inexact(Exception):
    """A branch this screen cannot judge exactly."""
