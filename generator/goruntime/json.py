"""Go's `encoding/json` applied to Go structs: one description of a struct, three uses.

KServe reads ConfigMap values with `json.Unmarshal` into typed structs, merges containers over a
`json.Marshal` round trip of `corev1` types, and writes `json.Marshal(graph.Spec)` into an
argument. A struct is described once here (`Struct` of `Field`s: JSON name, Go type,
`omitempty`) and read by:

- `decode`: what `json.Unmarshal` into that type stores, or the `UnmarshalTypeError` it returns;
- `round_trip`: what unmarshal into the type and marshal back keep of a JSON value;
- `marshal`: `json.Marshal`'s text for JSON data.

Semantics ported from Go's `encoding/json` (`decode.go`: `object`, `literalStore`, `indirect`,
field matching; `encode.go`: `isEmptyValue`, struct field order, sorted map keys, HTML escaping).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

_INT_BITS = {"int": 64, "int64": 64, "int32": 32, "int16": 16, "int8": 8}


# --- descriptors -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Scalar:
    """A Go `string`, `bool`, signed integer or `float64`."""

    go: str

    @property
    def zero(self) -> Any:
        """Go's zero value of the type."""
        return {"string": "", "bool": False, "float64": 0.0}.get(self.go, 0)


@dataclass(frozen=True, slots=True)
class Custom:
    """A type with its own `MarshalJSON` (e.g. `resource.Quantity`): `canonical` is its text."""

    go: str
    canonical: Callable[[Any], Any]


@dataclass(frozen=True, slots=True)
class Pointer:
    """`*elem`: nil is `null`; `omitempty` drops only nil."""

    elem: Kind


@dataclass(frozen=True, slots=True)
class Slice:
    """`[]elem`."""

    elem: Kind


@dataclass(frozen=True, slots=True)
class Map:
    """`map[string]elem` (marshalled with sorted keys; keys match exactly when decoding)."""

    elem: Kind


@dataclass(frozen=True, slots=True)
class Interface:
    """`interface{}` (or any type this port keeps as raw JSON): kept as it is."""


@dataclass(frozen=True, slots=True)
class OmitEmpty:
    """Which empty members of an `Open` value go, by JSON name, where every field of that name
    in the types it stands for is `omitempty` (an empty object is kept but for `maps`: it may
    be a struct pointer, which `omitempty` keeps)."""

    lists_kept: frozenset[str]  # empty lists go but for these
    maps: frozenset[str]
    strings: frozenset[str]
    zeros: frozenset[str]  # integers and booleans

    def drops(self, name: str, value: Any) -> bool:
        """Whether `json.Marshal` leaves out member `name` with this value."""
        cls = value.__class__
        if cls is list:
            return not value and name not in self.lists_kept
        if cls is dict:
            return not value and name in self.maps
        if cls is str:
            return not value and name in self.strings
        if cls is bool or cls is int:
            return not value and name in self.zeros
        return False


@dataclass(eq=False, slots=True)
class Open:
    """A Kubernetes API value described only in part: its `null` members go (the nullable
    fields of the API types are `omitempty` pointers, slices and maps), and so do the empty
    values `omitempty` lists by name; the rest is kept. A member named in `members` has that
    type at any depth."""

    members: dict[str, Kind] = field(default_factory=dict)
    omitempty: OmitEmpty | None = None


@dataclass(frozen=True, slots=True)
class Field:
    """One exported struct field: its JSON name, Go type and `omitempty` tag option."""

    name: str
    kind: Kind
    omitempty: bool = False


@dataclass(frozen=True, slots=True)
class Struct:
    """A Go struct's JSON fields in declaration order.

    `rest` None: the struct is described whole (unknown JSON keys are dropped, as
    `json.Unmarshal` ignores them; marshal order is declaration order). Otherwise the
    description is partial: keys not listed have the kind `rest` and input order is kept.
    """

    go: str
    fields: tuple[Field, ...]
    rest: Kind | None = None

    def field(self, name: str) -> Field | None:
        """The field a JSON key fills: an exact name, else a case-insensitive match."""
        for candidate in self.fields:
            if candidate.name == name:
                return candidate
        folded = name.casefold()
        # unconfirmed: Go folds with its own Unicode simple folding; casefold agrees on ASCII.
        return next((f for f in self.fields if f.name.casefold() == folded), None)


Kind = Scalar | Custom | Pointer | Slice | Map | Interface | Open | Struct

STRING, BOOL, INT, INT32, INT64, FLOAT64 = (
    Scalar(name) for name in ("string", "bool", "int", "int32", "int64", "float64")
)
ANY = Interface()


def go_type(kind: Kind) -> str:
    """The type's name as Go's errors print it (a pointer prints its element: `indirect`)."""
    if isinstance(kind, Pointer):
        return go_type(kind.elem)
    if isinstance(kind, Slice):
        return "[]" + go_type(kind.elem)
    if isinstance(kind, Map):
        return "map[string]" + go_type(kind.elem)
    if isinstance(kind, (Scalar, Custom, Struct)):
        return kind.go
    return "interface {}"


def zero(kind: Kind) -> Any:
    """What an unset field of the type decodes to: a scalar's zero, an empty struct, else None."""
    if isinstance(kind, Scalar):
        return kind.zero
    if isinstance(kind, Struct):
        return {f.name: zero(f.kind) for f in kind.fields}
    return None


# --- decode: json.Unmarshal --------------------------------------------------------------------


class Pairs(list[tuple[str, Any]]):
    """A parsed JSON object: its keys in text order, duplicates kept (Go decodes each in turn)."""


class FloatLiteral(str):
    """The text of a JSON number that is not an integer literal (Go names it in errors)."""


class UnmarshalTypeError(Exception):
    """`json.UnmarshalTypeError`: a JSON value of the wrong kind for the Go type.

    Go names the innermost struct being decoded and the stack of field names leading to the
    value (no slice indexes, no map keys); `path` is the full JSON path ("" for the top)."""

    def __init__(
        self,
        value: Any,
        kind: Kind,
        *,
        struct: str = "",
        fields: tuple[str, ...] = (),
        path: str = "",
    ) -> None:
        self.field = path
        where = f"Go struct field {struct}.{'.'.join(fields)}" if struct or fields else "Go value"
        super().__init__(
            f"json: cannot unmarshal {json_kind(value, kind)} into {where} of type {go_type(kind)}"
        )


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


def loads(text: str) -> Any:
    """Parse JSON text keeping what Go's decoder sees: objects as `Pairs`, non-integer numbers
    as `FloatLiteral`. Raises ValueError (bad syntax) or RecursionError (too deep)."""
    return json.loads(
        text, object_pairs_hook=Pairs, parse_float=FloatLiteral, parse_constant=_reject_constant
    )


def json_kind(value: Any, kind: Kind | None = None) -> str:
    """How encoding/json names a JSON value in `cannot unmarshal X into ...` (`literalStore`
    quotes a number's text only when an integer type refused it)."""
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float, FloatLiteral)):
        target = kind.elem if isinstance(kind, Pointer) else kind
        integer = isinstance(target, Scalar) and target.go in _INT_BITS
        return f"number {value}" if integer else "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, (Pairs, Mapping)):
        return "object"
    return "array"


def _accepts(kind: Scalar, value: Any) -> bool:
    if kind.go == "string":
        return isinstance(value, str) and not isinstance(value, FloatLiteral)
    if kind.go == "bool":
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if kind.go == "float64":
        return isinstance(value, (int, float, FloatLiteral))
    bound = 2 ** (_INT_BITS[kind.go] - 1)
    return isinstance(value, int) and -bound <= value < bound


def _items(value: Any) -> list[tuple[str, Any]]:
    return list(value) if isinstance(value, Pairs) else list(value.items())


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def decode(
    value: Any,
    kind: Kind,
    current: Any = None,
    *,
    struct: str = "",
    fields: tuple[str, ...] = (),
    path: str = "",
) -> Any:
    """Port of `json.Unmarshal`: the Go value left after decoding JSON `value` into
    `current` of type `kind` (None: the zero value). Structs come back as dicts of every
    field, slices as lists, nil as None. `null` leaves a scalar or struct as it was and sets a
    pointer, slice or map to nil; an object decodes into the existing struct or map (so
    repeats merge).

    Raises `UnmarshalTypeError`; `struct`, `fields` and `path` say where `value` sits when it is
    a member of a larger value being decoded."""
    if current is None and not isinstance(kind, (Pointer, Slice, Map, Interface, Open)):
        current = zero(kind)
    if value is None:
        return current if isinstance(kind, (Scalar, Custom, Struct)) else None
    if isinstance(kind, (Interface, Open, Custom)):
        return _plain(value)
    if isinstance(kind, Pointer):
        return decode(value, kind.elem, current, struct=struct, fields=fields, path=path)
    where: dict[str, Any] = {"struct": struct, "fields": fields, "path": path}
    if isinstance(kind, Scalar):
        if not _accepts(kind, value):
            raise UnmarshalTypeError(value, kind, **where)
        return float(value) if kind.go == "float64" else value
    if isinstance(kind, Slice):
        if not isinstance(value, list) or isinstance(value, Pairs):
            raise UnmarshalTypeError(value, kind, **where)
        # Go decodes into the elements already there (a repeated key merges element-wise).
        # unconfirmed: Go also reuses a truncated slice's spare capacity; not modelled.
        old = current or []
        return [
            decode(
                item,
                kind.elem,
                old[i] if i < len(old) else None,
                struct=struct,
                fields=fields,
                path=f"{path}[{i}]",
            )
            for i, item in enumerate(value)
        ]
    if not isinstance(value, (Pairs, Mapping)):
        raise UnmarshalTypeError(value, kind, **where)
    out = dict(current or {})
    for key, item in _items(value):
        if isinstance(kind, Map):
            out[key] = decode(item, kind.elem, struct=struct, fields=fields, path=_join(path, key))
            continue
        found = kind.field(key)
        if found is None:
            continue  # unknown keys are ignored (no DisallowUnknownFields)
        out[found.name] = decode(
            item,
            found.kind,
            out[found.name],
            struct=kind.go.rpartition(".")[2],
            fields=(*fields, found.name),
            path=_join(path, found.name),
        )
    return out


def decode_field(obj: Pairs, name: str, kind: Kind, current: Any, *, struct: str, path: str) -> Any:
    """Decode into field `name` of struct `struct` (at JSON `path`) from every key of `obj` that
    fills it, in order."""
    fill = Struct(struct, (Field(name, kind),))
    full = _join(path, name)
    for key, value in obj:
        if fill.field(key) is not None:
            current = decode(
                value, kind, current, struct=struct, fields=tuple(full.split(".")), path=full
            )
    return current


def _plain(value: Any) -> Any:
    if isinstance(value, Pairs):
        return {k: _plain(v) for k, v in value}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, FloatLiteral):
        return float(value)
    return value


# --- marshal and the round trip ----------------------------------------------------------------


def is_empty(value: Any, kind: Kind) -> bool:
    """`isEmptyValue`: what `omitempty` drops (a struct never; a pointer only when nil)."""
    if value is None:
        return True
    if isinstance(kind, (Struct, Pointer)):
        return False
    if isinstance(value, (str, list, dict)):
        return len(value) == 0
    return type(value) in (bool, int, float) and not value


def round_trip(value: Any, kind: Kind) -> Any:
    """JSON data `value` as Go unmarshals it into `kind` and marshals it back: keys matched as
    `decode` matches them (for a partial `Struct`, exactly), unknown fields and nulls dropped,
    `omitempty` empty values dropped, absent non-`omitempty` fields written
    as their zero value, map keys sorted, custom marshalers applied.

    Values are not type-checked here (`decode` does that): the data reaching a round trip has
    passed the CRD schemas; a value of the wrong shape is kept as it is."""
    if isinstance(kind, Pointer):
        return None if value is None else round_trip(value, kind.elem)
    if isinstance(kind, Custom):
        return value if value is None else kind.canonical(value)
    if isinstance(kind, Open):
        return _round_trip_open(value, kind)
    if isinstance(kind, Slice) and isinstance(value, list):
        return [_element(item, kind.elem) for item in value]
    if isinstance(kind, Map) and isinstance(value, Mapping):
        return {str(k): _element(value[k], kind.elem) for k in sorted(value)}
    if isinstance(kind, Struct) and isinstance(value, Mapping):
        return _round_trip_struct(value, kind)
    return value


def _element(value: Any, kind: Kind) -> Any:
    """A slice or map element: `null` decodes to the element type's zero value."""
    if value is None and isinstance(kind, (Scalar, Struct)):
        return round_trip({}, kind) if isinstance(kind, Struct) else kind.zero
    return round_trip(value, kind)


def _round_trip_open(value: Any, kind: Open) -> Any:
    if isinstance(value, Mapping):
        rules = kind.omitempty
        if rules is None:
            return {
                k: round_trip(v, kind.members.get(k, kind))
                for k, v in value.items()
                if v is not None
            }
        return {
            k: round_trip(v, kind.members.get(k, kind))
            for k, v in value.items()
            if v is not None and (v or not rules.drops(k, v))  # only empty values may go
        }
    if isinstance(value, list):
        return [round_trip(item, kind) for item in value]
    return value


def _members(value: Mapping[str, Any], kind: Struct) -> dict[str, Any]:
    """The JSON value each field of a whole struct ends up decoding, keys matched as `decode`
    matches them: later keys win, `null` clears only a pointer, slice or map, and objects for
    a struct or map merge."""
    got: dict[str, Any] = {}
    for key, item in value.items():
        spec = kind.field(key)
        if spec is None:
            continue
        if item is None:
            if not isinstance(spec.kind, (Scalar, Custom, Struct)):
                got[spec.name] = None
            continue
        target = spec.kind.elem if isinstance(spec.kind, Pointer) else spec.kind
        got[spec.name] = _merged(got.get(spec.name), item, target)
    return got


def _merged(before: Any, item: Any, kind: Kind) -> Any:
    """JSON `item` decoded over the JSON `before` of a repeated key, as data."""
    if (
        isinstance(kind, (Struct, Map))
        and isinstance(before, Mapping)
        and isinstance(item, Mapping)
    ):
        return {**before, **item}
    if isinstance(kind, Slice) and isinstance(before, list) and isinstance(item, list):
        return [
            _merged(before[i], element, kind.elem) if i < len(before) and element is not None
            else before[i] if i < len(before) and isinstance(kind.elem, (Struct, Scalar))
            else element
            for i, element in enumerate(item)
        ]  # fmt: skip
    return item


def _round_trip_struct(value: Mapping[str, Any], kind: Struct) -> dict[str, Any]:
    if kind.rest is None:
        value = _members(value, kind)
    out: dict[str, Any] = {}
    known = {f.name: f for f in kind.fields}
    keys: Iterator[str] = iter(value) if kind.rest is not None else iter(known)
    for key in keys:
        item, spec = value.get(key), known.get(key)
        if spec is None:
            if item is not None and kind.rest is not None:
                rest = kind.rest
                if isinstance(rest, Open):
                    if not item and rest.omitempty and rest.omitempty.drops(key, item):
                        continue  # an empty value the open rest's names leave out
                    member = rest.members.get(key, rest)
                else:
                    member = rest
                out[key] = round_trip(item, member)
        elif item is not None and not (spec.omitempty and is_empty(item, spec.kind)):
            out[key] = round_trip(item, spec.kind)
    for spec in kind.fields:
        if spec.name in out or value.get(spec.name) is not None:
            continue
        if isinstance(spec.kind, Struct):  # a struct is written even with omitempty
            out[spec.name] = round_trip({}, spec.kind)
        elif not spec.omitempty:
            if isinstance(spec.kind, Scalar):
                out[spec.name] = spec.kind.zero
            elif kind.rest is None:
                out[spec.name] = None  # a nil pointer, slice or map without omitempty: null
    if kind.rest is not None:
        return out  # a partial description keeps the input order
    return {f.name: out[f.name] for f in kind.fields if f.name in out}


def encode(value: Any, kind: Kind) -> Any:
    """The JSON data `json.Marshal` writes for a decoded Go value (see `decode`)."""
    if value is None:
        return None
    if isinstance(kind, Pointer):
        return encode(value, kind.elem)
    if isinstance(kind, Custom):
        return kind.canonical(value)
    if isinstance(kind, Slice):
        return [encode(item, kind.elem) for item in value]
    if isinstance(kind, Map):
        return {k: encode(value[k], kind.elem) for k in sorted(value)}
    if isinstance(kind, Struct):
        return {
            f.name: encode(value[f.name], f.kind)
            for f in kind.fields
            if not (f.omitempty and is_empty(value[f.name], f.kind))
        }
    return value


def marshal(value: Any) -> str:
    """Port of `json.Marshal`'s text for already-ordered JSON data (HTML characters escaped)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
