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

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any, ClassVar, Self, TypeVar

from generator.goruntime import json as gojson
from generator.goruntime.json import STRING, Map, Pairs, Pointer, Slice, Struct


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


T = TypeVar("T")
_MISSING: Any = object()


class GoObject:
    """A parsed JSON object, decoded into a config struct and naming its fields in errors."""

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

    def as_struct(self, cls: type[T], base: T | None = None) -> T:
        """The whole object unmarshalled into the config struct `cls` (into `base`, as Go decodes
        into an existing value), then checked."""
        current = None if base is None else _as_go(base)  # type: ignore[arg-type]
        try:
            value = gojson.decode(self._pairs, describe(cls), current)  # type: ignore[arg-type]
        except gojson.UnmarshalTypeError as err:
            raise ConfigError(self._key, err.field, _prefixed(self._prefix, str(err))) from None
        return _build(cls, value, self)

    def child(self, name: str) -> GoObject:
        """The object at field `name`, for naming its fields in errors."""
        return GoObject(self._key, self._prefix, self._struct, Pairs(), self._join(name))

    def error(self, name: str, message: str) -> ConfigError:
        """A ConfigError about field `name` of this object, without the unmarshal prefix."""
        return ConfigError(self._key, self._join(name), message)

    def _join(self, name: str) -> str:
        return f"{self._path}.{name}" if self._path else name


# --- declarative config structs ----------------------------------------------------------------
#
# A config struct is a frozen dataclass whose fields say their JSON name and Go type
# (`go_field`, `go_struct`). `GoObject.as_struct` unmarshals the whole value at once against the
# Go struct those fields describe (`generator.goruntime.json.decode`: Go's first error in text
# order, its wording, innermost struct names), then builds the dataclass; `checked` hooks run
# KServe's checks after the unmarshal, innermost struct first.

_GO = "go_json"  # the dataclass field metadata key


@dataclass(frozen=True, slots=True)
class _Spec:
    name: str  # the JSON name
    kind: gojson.Kind | None  # None for a nested struct (described by `nested`)
    nested: type[GoStruct] | None = None
    pointer: bool = False
    nil: Any = None  # what Go's nil (pointer, slice, map) becomes in the dataclass


def go_field(
    name: str, kind: gojson.Kind = STRING, *, default: Any = _MISSING, nil: Any = None
) -> Any:
    """A field read from JSON key `name` of Go type `kind`; `default` is the dataclass default
    (Go's zero unless given), `nil` what a nil pointer, slice or map becomes."""
    if default is _MISSING:
        default = nil if isinstance(kind, (Pointer, Slice, Map)) else gojson.zero(kind)
    return field(default=default, metadata={_GO: _Spec(name, kind, nil=nil)})


def go_struct(name: str, struct: type[GoStruct], *, pointer: bool = False) -> Any:
    """A nested struct field (`*struct` when `pointer`: None when nil)."""
    spec = _Spec(name, None, struct, pointer)
    if pointer:
        return field(default=None, metadata={_GO: spec})
    return field(default_factory=struct, metadata={_GO: spec})


class GoStruct:
    """A config dataclass described by `go_field`/`go_struct` fields, named `GO_TYPE` in Go."""

    __slots__ = ()
    GO_TYPE: ClassVar[str]

    def checked(self, obj: GoObject) -> Self:
        """KServe's checks and code defaults after the unmarshal (none by default); `obj` names
        this struct's fields in errors."""
        return self


class ConfigKey(GoStruct):
    """A struct read from one `inferenceservice-config` key."""

    __slots__ = ()
    KEY: ClassVar[str]
    PREFIX: ClassVar[str] = ""  # what KServe wraps the unmarshal error in
    NULL_OK: ClassVar[bool] = False  # `null` gives the zero config (else an error)
    # An absent key: the dataclass defaults (KServe's code defaults), or, True, the zero struct
    # decoded and checked as the webhook getters do with their empty config.
    DECODE_ABSENT: ClassVar[bool] = False

    @classmethod
    def from_json(cls, text: str | None) -> Self:
        """The key's value (None when absent) as KServe reads it."""
        if text is None and not cls.DECODE_ABSENT:
            return cls()
        value = "{}" if text is None else text
        obj = GoObject.parse(cls.KEY, value, cls.PREFIX, cls.GO_TYPE, null_ok=cls.NULL_OK)
        return cls() if obj is None else obj.as_struct(cls)


def _specs(cls: type[GoStruct]) -> list[tuple[str, _Spec]]:
    return [(f.name, f.metadata[_GO]) for f in fields(cls) if _GO in f.metadata]  # type: ignore[arg-type]


_DESCRIBED: dict[type[GoStruct], Struct] = {}


def describe(cls: type[GoStruct]) -> Struct:
    """The Go struct a config dataclass describes, for `generator.goruntime.json`."""
    if cls not in _DESCRIBED:
        _DESCRIBED[cls] = _describe(cls)
    return _DESCRIBED[cls]


def _describe(cls: type[GoStruct]) -> Struct:
    members = []
    for _, spec in _specs(cls):
        kind = spec.kind
        if spec.nested is not None:
            kind = describe(spec.nested)
            kind = Pointer(kind) if spec.pointer else kind
        assert kind is not None
        members.append(gojson.Field(spec.name, kind))
    return Struct(cls.GO_TYPE, tuple(members))


def _as_go(value: GoStruct) -> dict[str, Any]:
    """A config value back in the shape `gojson.decode` fills (to decode into it, as Go does)."""
    out: dict[str, Any] = {}
    for attr, spec in _specs(type(value)):
        item = getattr(value, attr)
        if spec.nested is not None and item is not None:
            item = _as_go(item)
        elif isinstance(item, tuple):
            item = list(item)
        elif isinstance(item, Mapping):
            item = {k: list(v) if isinstance(v, tuple) else v for k, v in item.items()}
        out[spec.name] = item
    return out


def _build(cls: type[T], value: Mapping[str, Any], obj: GoObject) -> T:
    kwargs: dict[str, Any] = {}
    for attr, spec in _specs(cls):  # type: ignore[arg-type]
        item = value.get(spec.name)
        if spec.nested is not None:
            if item is not None:
                item = _build(spec.nested, item, obj.child(spec.name))
        elif item is None:
            item = spec.nil
        elif isinstance(item, list):
            item = tuple(item)
        elif isinstance(item, dict) and _lists(spec):
            item = {k: tuple(v or ()) for k, v in item.items()}  # a null element is empty
        kwargs[attr] = item
    built: T = cls(**kwargs)
    return built.checked(obj)  # type: ignore[attr-defined, no-any-return]


def _lists(spec: _Spec) -> bool:
    return isinstance(spec.kind, Map) and isinstance(spec.kind.elem, Slice)
