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

from typing import Any

from generator.goruntime import json as gojson
from generator.goruntime.json import BOOL, STRING, Map, Pairs, Pointer, Slice, Struct


class ConfigError(Exception):
    """A ConfigMap key KServe would reject: the key, a JSON path inside it ("" if none), why."""

    def __init__(self, key: str, json_path: str, message: str) -> None:
        super().__init__(message)
        self.key = key
        self.json_path = json_path
        self.message = message


def _prefixed(prefix: str, message: str) -> str:
    """`fmt.Errorf(prefix + "%w", err)`; prefix "" when KServe returns the bare error."""
    return prefix + message


_INTEGERS = {name: gojson.Scalar(name) for name in ("int", "int32", "int64")}
_STRING_LIST = Slice(STRING)


class GoObject:
    """A decoded JSON object read field by field with `generator.goruntime.json.decode`."""

    def __init__(self, key: str, prefix: str, struct: str, pairs: Pairs, path: str = "") -> None:
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
            value = gojson.loads(text)
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
        if not isinstance(value, Pairs):
            error = gojson.UnmarshalTypeError(value, Struct(go_type, ()))
            raise ConfigError(key, "", _prefixed(prefix, str(error)))
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

    def _field(self, name: str, kind: gojson.Kind, current: Any) -> Any:
        try:
            return gojson.decode_field(
                self._pairs, name, kind, current, struct=self._struct, path=self._path
            )
        except gojson.UnmarshalTypeError as err:
            raise ConfigError(self._key, err.field, _prefixed(self._prefix, str(err))) from None

    def string(self, name: str, default: str = "") -> str:
        """A `string` field."""
        value: str = self._field(name, STRING, default)
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        """A `bool` field."""
        value: bool = self._field(name, BOOL, default)
        return value

    def integer(self, name: str, go_type: str = "int64") -> int | None:
        """An integer field; None when absent (a Go pointer stays nil, a value stays 0)."""
        value: int | None = self._field(name, Pointer(_INTEGERS[go_type]), None)
        return value

    def opt_string(self, name: str) -> str | None:
        """A `*string` field."""
        value: str | None = self._field(name, Pointer(STRING), None)
        return value

    def string_list(self, name: str) -> tuple[str, ...] | None:
        """A `[]string` field; None for nil."""
        value: list[str] | None = self._field(name, _STRING_LIST, None)
        return None if value is None else tuple(value)

    def obj(self, name: str, go_type: str, *, pointer: bool = False) -> GoObject | None:
        """A nested struct, repeats merged; empty when absent, None only for a nil pointer.

        Decoding into the same struct value again is reading the concatenated keys, so the
        fields of the merged object are read by the caller, each with `decode`."""
        kind = Struct(go_type, ())
        merged: Pairs | None = None if pointer else Pairs()
        for key, value in self._pairs:
            if Struct("", (gojson.Field(name, kind),)).field(key) is None:
                continue
            if value is None:
                if pointer:
                    merged = None
                continue
            if not isinstance(value, Pairs):
                field_path = self._join(name)
                error = gojson.UnmarshalTypeError(
                    value,
                    kind,
                    struct=self._struct,
                    fields=tuple(field_path.split(".")),
                    path=field_path,
                )
                raise ConfigError(self._key, error.field, _prefixed(self._prefix, str(error)))
            merged = Pairs([*(merged or ()), *value])
        if merged is None:
            return None
        # unconfirmed: Go's errors name the innermost struct (`generator.goruntime.json.decode`
        # does, checked against Go in tests/goruntime/test_json.py); the config tests pin the
        # top struct's name for nested fields, so it is kept here until that is settled.
        return GoObject(self._key, self._prefix, self._struct, merged, self._join(name))

    def string_map(self, name: str) -> dict[str, str] | None:
        """A `map[string]string` (or `*map`) field; None for nil. Map keys match exactly."""
        value: dict[str, str] | None = self._field(name, Map(STRING), None)
        return value

    def string_list_map(self, name: str) -> dict[str, tuple[str, ...]] | None:
        """A `map[string][]string` field; None for nil (a null element becomes empty)."""
        value: dict[str, list[str] | None] | None = self._field(name, Map(_STRING_LIST), None)
        if value is None:
            return None
        return {key: tuple(item or ()) for key, item in value.items()}
