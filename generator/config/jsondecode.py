"""Reading one ConfigMap value the way Go's `encoding/json` fills a KServe config struct.

KServe parses each `inferenceservice-config` key with `json.Unmarshal` into a typed struct. The
rules that matter for a faithful port, all reproduced here: unknown keys are ignored; a key
matches a field exactly or, failing that, case-insensitively; for repeated keys the last one
wins; `null` leaves a string, bool, number or struct field as it was but sets a pointer, slice
or map to nil; a nested object is decoded into the existing struct value (so it merges); a
number for an integer field must be an integer literal that fits the Go type; any other type
mismatch is an error. Errors become `ConfigError(key, json_path, message)`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

T = TypeVar("T")

_INT_RANGES = {"int32": 2**31, "int64": 2**63, "int": 2**63}


class ConfigError(Exception):
    """A ConfigMap key KServe would reject: the key, a JSON path inside it ("" if none), why."""

    def __init__(self, key: str, json_path: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.json_path = json_path
        self.message = message


class _Pairs(list[tuple[str, Any]]):
    """A JSON object with its keys in text order, duplicates kept."""


class _Float(str):
    """The literal of a JSON number that is not an integer (Go names it in errors)."""


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


def _prefixed(prefix: str, message: str) -> str:
    """`fmt.Errorf(prefix + "%w", err)`; prefix "" when KServe returns the bare error."""
    return prefix + message


def _json_kind(value: Any) -> str:
    """How encoding/json names a JSON value in `cannot unmarshal X into ...`."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, _Float):
        return f"number {value}"
    if isinstance(value, int):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, _Pairs):
        return "object"
    return "array"


class GoObject:
    """A decoded JSON object read field by field with Go's matching and null rules."""

    def __init__(self, key: str, prefix: str, struct: str, pairs: _Pairs, path: str = "") -> None:
        self._key = key
        self._prefix = prefix
        self._struct = struct
        self._pairs = pairs
        self._path = path

    @classmethod
    def parse(
        cls, key: str, text: str, prefix: str, go_type: str, *, null_ok: bool = False
    ) -> GoObject | None:
        """Parse a whole value; None for JSON `null` when Go tolerates it (`null_ok`)."""
        try:
            value = json.loads(
                text, object_pairs_hook=_Pairs, parse_float=_Float, parse_constant=_reject_constant
            )
        except ValueError as err:
            # GitOps: the syntax error is described by Python's json module, not Go's.
            raise ConfigError(key, "", _prefixed(prefix, str(err))) from None
        except RecursionError:
            # Go's decoder stops at 10,000 levels; Python's stack, earlier. Either way: too deep.
            raise ConfigError(key, "", _prefixed(prefix, "exceeded max depth")) from None
        if value is None:
            if null_ok:
                return None
            # GitOps: KServe v0.20.0 unmarshals `null` into its config pointer and then
            # dereferences nil (a panic); we report it instead.
            raise ConfigError(key, "", _prefixed(prefix, "the value is null, not a JSON object"))
        if not isinstance(value, _Pairs):
            msg = f"json: cannot unmarshal {_json_kind(value)} into Go value of type {go_type}"
            raise ConfigError(key, "", _prefixed(prefix, msg))
        return cls(key, prefix, go_type.rpartition(".")[2], value)

    @classmethod
    def parse_object(cls, key: str, text: str, prefix: str, go_type: str) -> GoObject:
        """Parse a whole value that must be an object (`null` included in the errors)."""
        obj = cls.parse(key, text, prefix, go_type)
        assert obj is not None  # null is rejected unless null_ok
        return obj

    def error(self, name: str, message: str) -> ConfigError:
        """A ConfigError about field `name` of this object, without the unmarshal prefix."""
        return ConfigError(self._key, self._join(name), message)

    def _join(self, name: str) -> str:
        return f"{self._path}.{name}" if self._path else name

    def _values(self, name: str) -> Iterator[Any]:
        # unconfirmed: Go folds with its own Unicode simple folding; casefold agrees on ASCII.
        folded = name.casefold()
        for json_key, value in self._pairs:
            if json_key == name or json_key.casefold() == folded:
                yield value

    def _type_error(self, name: str, value: Any, go_type: str) -> ConfigError:
        # unconfirmed: Go's wording for nested fields (we print the top struct and full path).
        field = self._join(name)
        msg = (
            f"json: cannot unmarshal {_json_kind(value)} into Go struct field "
            f"{self._struct}.{field} of type {go_type}"
        )
        return ConfigError(self._key, field, _prefixed(self._prefix, msg))

    def _scalar(self, name: str, default: T, accept: Callable[[Any], bool], go_type: str) -> T:
        current = default
        for value in self._values(name):
            if value is None:
                continue
            if not accept(value):
                raise self._type_error(name, value, go_type)
            current = value
        return current

    def string(self, name: str, default: str = "") -> str:
        """A `string` field."""
        return self._scalar(name, default, _is_str, "string")

    def boolean(self, name: str, default: bool = False) -> bool:
        """A `bool` field."""
        return self._scalar(name, default, lambda v: isinstance(v, bool), "bool")

    def integer(self, name: str, go_type: str = "int64") -> int | None:
        """An integer field; None when absent (a Go pointer stays nil, a value stays 0)."""
        current: int | None = None
        for value in self._values(name):
            if value is None:
                current = None
                continue
            if not _is_int(value, go_type):
                raise self._type_error(name, value, go_type)
            current = value
        return current

    def opt_string(self, name: str) -> str | None:
        """A `*string` field."""
        current: str | None = None
        for value in self._values(name):
            if value is not None and not _is_str(value):
                raise self._type_error(name, value, "string")
            current = value
        return current

    def string_list(self, name: str) -> tuple[str, ...] | None:
        """A `[]string` field; None for nil."""
        current: tuple[str, ...] | None = None
        for value in self._values(name):
            current = self._convert_str_list(name, value)
        return current

    def _convert_str_list(self, name: str, value: Any) -> tuple[str, ...] | None:
        if value is None:
            return None
        if not isinstance(value, list) or isinstance(value, _Pairs):
            raise self._type_error(name, value, "[]string")
        for i, item in enumerate(value):
            if item is not None and not _is_str(item):
                raise self._type_error(f"{name}[{i}]", item, "string")
        return tuple("" if item is None else item for item in value)

    def obj(self, name: str, go_type: str, *, pointer: bool = False) -> GoObject | None:
        """A nested struct, repeats merged; empty when absent, None only for a nil pointer."""
        merged: _Pairs | None = None if pointer else _Pairs()
        for value in self._values(name):
            if value is None:
                if pointer:
                    merged = None
                continue
            if not isinstance(value, _Pairs):
                raise self._type_error(name, value, go_type)
            merged = _Pairs([*(merged or ()), *value])
        if merged is None:
            return None
        return GoObject(self._key, self._prefix, self._struct, merged, self._join(name))

    def _map_pairs(self, name: str, go_type: str) -> _Pairs | None:
        merged: _Pairs | None = None
        for value in self._values(name):
            if value is None:
                merged = None
            elif isinstance(value, _Pairs):
                merged = _Pairs([*(merged or ()), *value])
            else:
                raise self._type_error(name, value, go_type)
        return merged

    def string_map(self, name: str) -> dict[str, str] | None:
        """A `map[string]string` (or `*map`) field; None for nil. Map keys match exactly."""
        pairs = self._map_pairs(name, "map[string]string")
        if pairs is None:
            return None
        out: dict[str, str] = {}
        for json_key, value in pairs:
            if value is not None and not _is_str(value):
                raise self._type_error(f"{name}.{json_key}", value, "string")
            out[json_key] = "" if value is None else value
        return out

    def string_list_map(self, name: str) -> dict[str, tuple[str, ...]] | None:
        """A `map[string][]string` field; None for nil (a null element becomes empty)."""
        pairs = self._map_pairs(name, "map[string][]string")
        if pairs is None:
            return None
        return {
            json_key: self._convert_str_list(f"{name}.{json_key}", value) or ()
            for json_key, value in pairs
        }


def _is_str(value: Any) -> bool:
    return isinstance(value, str) and not isinstance(value, _Float)


def _is_int(value: Any, go_type: str) -> bool:
    bound = _INT_RANGES[go_type]
    return isinstance(value, int) and not isinstance(value, bool) and -bound <= value < bound
