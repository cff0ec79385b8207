"""sigs.k8s.io/yaml over go-yaml v2 (go.yaml.in/yaml/v2 v2.4.3), byte for byte, for text KServe
reads and writes back into an argument (the scheduler's `--config-text`).

- `load`: `yaml.Unmarshal` into an `unstructured.Unstructured`: plain scalars resolved as
  go-yaml v2 resolves them (YAML 1.1 booleans, Go's number syntax, timestamps kept as
  strings), then the JSON round trip (keys made strings, a number that is an int64 in JSON
  text is an int, any other a float).
- `dump`: `yaml.Marshal` of such a value: JSON, read back by go-yaml v2, written by its emitter
  (keys in go-yaml's natural order, a scalar's style from its resolution and content, literal
  blocks for multi-line strings, folding past column 80).
"""

from __future__ import annotations

import datetime
import functools
import math
import re
import unicodedata
from decimal import Decimal
from typing import Any, Final

import yaml

_BOOLS: Final = {
    **dict.fromkeys("y Y yes Yes YES true True TRUE on On ON".split(), True),
    **dict.fromkeys("n N no No NO false False FALSE off Off OFF".split(), False),
}
_NULLS: Final = frozenset(("", "~", "null", "Null", "NULL"))
_SPECIAL_FLOATS: Final = {
    **dict.fromkeys((".nan", ".NaN", ".NAN"), math.nan),
    **dict.fromkeys((".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF"), math.inf),
    **dict.fromkeys(("-.inf", "-.Inf", "-.INF"), -math.inf),
}
_YAML_FLOAT: Final = re.compile(r"[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?")
_GO_FLOAT: Final = re.compile(r"[-+]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")
_BASE60: Final = re.compile(r"[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?")
_TIMESTAMP: Final = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:(?:[Tt](\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))"
    r"|(?: (\d{1,2}):(\d{1,2}):(\d{1,2})(?:\.\d+)?))?"
)
_GO_INT: Final = re.compile(
    r"([+-]?)(0[xX][0-9a-fA-F]+|0[oO][0-7]+|0[bB][01]+|0[0-7]*|[1-9][0-9]*)"
)
_INT64: Final = (-(2**63), 2**63 - 1)
_BEST_WIDTH: Final = 80
_BEST_INDENT: Final = 2
_MAX_SIMPLE_KEY: Final = 128


class _Str(str):
    """A string go-yaml reads as a string whatever it looks like (quoted in the source)."""


def _parse_int(text: str) -> int | None:
    """`strconv.ParseInt(text, 0, 64)` then `ParseUint`: base prefixes, legacy octal, sign."""
    match = _GO_INT.fullmatch(text)
    if match is None:
        return None
    sign, digits = match.groups()
    if digits[:2].lower() in ("0x", "0o", "0b"):
        value = int(digits, 0)
    elif len(digits) > 1 and digits[0] == "0":
        value = int(digits, 8)
    else:
        value = int(digits)
    value = -value if sign == "-" else value
    if _INT64[0] <= value <= _INT64[1] or (sign != "-" and value < 2**64):
        return value
    return None


def _timestamp(text: str) -> bool:
    """go-yaml v2's `parseTimestamp` (its four `time.Parse` layouts)."""
    match = _TIMESTAMP.fullmatch(text)
    if match is None:
        return False
    year, month, day = (int(g) for g in match.groups()[:3])
    try:
        datetime.date(year, month, day)
    except ValueError:
        return False
    clock = [g for g in match.groups()[3:] if g is not None]
    if clock:
        hour, minute, second = (int(g) for g in clock)
        return hour < 24 and minute < 60 and second < 60
    return True


def resolve(text: str) -> Any:
    """go-yaml v2's `resolve("", text)` for a plain scalar: the value it decodes to (a
    timestamp stays a string when decoded into interface{})."""
    if text in _NULLS:
        return None
    first = text[0]
    if first in "yYnNtTfFoO~":
        return _BOOLS.get(text, text)
    if first == ".":
        if text in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text]
        return float(text) if _GO_FLOAT.fullmatch(text) else text
    if first in "+-0123456789":
        if text in _SPECIAL_FLOATS:
            return _SPECIAL_FLOATS[text]
        plain = text.replace("_", "")
        number = _parse_int(plain)
        if number is not None:
            return number
        if _YAML_FLOAT.fullmatch(plain):
            return float(plain)
    return text


def is_number(text: str) -> bool:
    """Whether go-yaml v2 reads the plain scalar `text` as a number, without converting it."""
    plain = text.replace("_", "")
    return bool(_GO_INT.fullmatch(plain) or _YAML_FLOAT.fullmatch(plain)) or text in _SPECIAL_FLOATS


def plain_value(text: str) -> Any:
    """A plain scalar as the API server gets it from `kubectl apply` (sigs.k8s.io/yaml): go-yaml
    v2's value, then the JSON round trip (an integral float is an integer). NaN and Infinity
    stay floats: JSON has no text for them, so the caller refuses them."""
    value = resolve(text)
    if isinstance(value, float) and (math.isnan(value) or math.isinf(value)):
        return value
    return json_numbers(value)


def _is_timestamp_string(text: str) -> bool:
    return bool(text) and text[0] in "+-0123456789" and _timestamp(text)


def resolves_to_str(text: str) -> bool:
    """Whether go-yaml v2 writes `text` plain (`stringv`'s canUsePlain)."""
    if text == "" or _is_timestamp_string(text) or _BASE60.fullmatch(text):
        return False
    return isinstance(resolve(text), str)


# --- load ----------------------------------------------------------------------------------


_PLAIN_TAG: Final = "!plain"


class _Loader(yaml.SafeLoader):
    """Plain scalars left untagged for go-yaml's resolution."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN_TAG
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call]


def _construct(node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:str" or (node.style and node.tag == _PLAIN_TAG):
            return _Str(node.value)
        return resolve(node.value)
    if isinstance(node, yaml.SequenceNode):
        return [_construct(n) for n in node.value]
    out: dict[str, Any] = {}
    for key_node, value_node in node.value:
        out[_key(_construct(key_node))] = _construct(value_node)
    return out


def _key(key: Any) -> str:
    """sigs.k8s.io/yaml's key conversion: numbers and booleans spelled as Go does."""
    if isinstance(key, str):
        return str(key)
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return format_float(key)
    raise ValueError(f"unsupported map key of type {type(key).__name__}")


def json_numbers(value: Any) -> Any:
    """`value` (JSON-shaped data, a new copy) as a Go reader gets it through encoding/json and
    the Unstructured decoder: a number is an int when its JSON text is an int64, else a float.
    The common types come first: it runs on every value a template renders."""
    cls = value.__class__
    if cls is str or cls is bool or value is None:
        return value
    if cls is dict or isinstance(value, dict):  # a subclass comes back a plain dict
        return {k: json_numbers(v) for k, v in value.items()}
    if cls is list or isinstance(value, list):
        return [json_numbers(v) for v in value]
    if cls is int:
        return value if _INT64[0] <= value <= _INT64[1] else float(value)
    if isinstance(value, str):
        return str(value)  # _Str: quoted in the source, a plain string once read
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            raise ValueError(f"json: unsupported value: {format_float(value)}")
        text = _integral_text(value)
        if text is not None and _INT64[0] <= int(text) <= _INT64[1]:
            return int(text)
    return value


def load(text: str) -> Any:
    """sigs.k8s.io/yaml.Unmarshal of one document into an untyped value (ValueError or
    yaml.YAMLError when Go's reader fails)."""
    node = next(iter(yaml.compose_all(text, Loader=_Loader)), None)  # go-yaml reads the first
    if node is None:
        return None
    return json_numbers(_construct(node))


# --- dump ----------------------------------------------------------------------------------


def format_float(value: float) -> str:
    """`strconv.FormatFloat(value, 'g', -1, 64)` with go-yaml's spellings of the specials."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    if value == 0:
        return "-0" if math.copysign(1, value) < 0 else "0"
    sign, digits_tuple, exponent = Decimal(repr(value)).normalize().as_tuple()
    digits = "".join(map(str, digits_tuple))
    point = len(digits) + int(exponent)  # digits before the decimal point
    exp = point - 1
    neg = "-" if sign else ""
    if exp < -4 or exp >= 6:
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{neg}{mantissa}e{'-' if exp < 0 else '+'}{abs(exp):02d}"
    if point <= 0:
        return f"{neg}0.{'0' * -point}{digits}"
    if point >= len(digits):
        return neg + digits + "0" * (point - len(digits))
    return f"{neg}{digits[:point]}.{digits[point:]}"


def _key_less(a: str, b: str) -> bool:
    """go-yaml v2's `keyList.Less` for two string keys: letters after other characters,
    digit runs compared as numbers."""
    for i in range(min(len(a), len(b))):
        if a[i] == b[i]:
            continue
        al, bl = a[i].isalpha(), b[i].isalpha()
        if al and bl:
            return a[i] < b[i]
        if al or bl:
            return bl
        an = bn = 0
        if a[i] == "0" or b[i] == "0":
            j = i - 1
            while j >= 0 and _digit(a[j]):
                if a[j] != "0":
                    an = bn = 1
                    break
                j -= 1
        ai = i
        while ai < len(a) and _digit(a[ai]):
            an = an * 10 + ord(a[ai]) - 48
            ai += 1
        bi = i
        while bi < len(b) and _digit(b[bi]):
            bn = bn * 10 + ord(b[bi]) - 48
            bi += 1
        if an != bn:
            return an < bn
        if ai != bi:
            return ai < bi
        return a[i] < b[i]
    return len(a) < len(b)


def _digit(char: str) -> bool:
    return unicodedata.category(char) == "Nd"


def _sorted_keys(mapping: dict[str, Any]) -> list[str]:
    def compare(a: str, b: str) -> int:
        return -1 if _key_less(a, b) else (1 if _key_less(b, a) else 0)

    return sorted(mapping, key=functools.cmp_to_key(compare))


def _printable(char: str) -> bool:
    cp = ord(char)
    return (
        cp == 0x0A
        or 0x20 <= cp <= 0x7E
        or 0xA0 <= cp <= 0xD7FF
        or (0xE000 <= cp <= 0xFFFD and cp != 0xFEFF)
    )


_BREAKS: Final = frozenset("\r\n\x85\u2028\u2029")


class _Analysis:
    """`yaml_emitter_analyze_scalar`, for block context."""

    def __init__(self, value: str) -> None:
        self.multiline = False
        self.block_plain = self.single_quoted = True
        self.block = bool(value)
        if not value:
            return
        block_indicators = value.startswith(("---", "..."))
        special = line_breaks = break_space = space_break = False
        leading = trailing_space = trailing_break = False
        prev_space = prev_break = False
        preceded_ws = True
        n = len(value)
        for i, char in enumerate(value):
            followed_ws = i + 1 >= n or value[i + 1] in " \t"
            if i == 0:
                if char in "#,[]{}&*!|>'\"%@`" or (char in "?:-" and followed_ws):
                    block_indicators = True
            elif (char == ":" and followed_ws) or (char == "#" and preceded_ws):
                block_indicators = True
            if not _printable(char):
                special = True
            if char == " ":
                leading |= i == 0
                trailing_space |= i == n - 1
                break_space |= prev_break
                prev_space, prev_break = True, False
            elif char in _BREAKS:
                line_breaks = True
                leading |= i == 0
                trailing_break |= i == n - 1
                space_break |= prev_space
                prev_space, prev_break = False, True
            else:
                prev_space = prev_break = False
            preceded_ws = char in " \t\0" or char in _BREAKS
        self.multiline = line_breaks
        if leading or trailing_space or trailing_break:
            self.block_plain = False
        if trailing_space:
            self.block = False
        if break_space:
            self.block_plain = self.single_quoted = False
        if space_break or special:
            self.block_plain = self.single_quoted = self.block = False
        if line_breaks or block_indicators:
            self.block_plain = False


class _Emitter:
    """The parts of go-yaml v2's emitter a JSON-shaped document reaches (block style; `[]` and
    `{}` for empty collections)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.column = 0
        self.indent = -1
        self.indents: list[int] = []
        self.whitespace = True
        self.indention = True
        self.mapping_context = False
        self.simple_key_context = False

    def put(self, text: str) -> None:
        self.out.append(text)
        self.column += len(text)

    def put_break(self) -> None:
        self.out.append("\n")
        self.column = 0

    def write_indent(self) -> None:
        indent = max(self.indent, 0)
        if (
            not self.indention
            or self.column > indent
            or (self.column == indent and not self.whitespace)
        ):
            self.put_break()
        if self.column < indent:
            self.put(" " * (indent - self.column))
        self.whitespace = self.indention = True

    def indicator(self, text: str, need_ws: bool, is_ws: bool, is_indention: bool) -> None:
        if need_ws and not self.whitespace:
            self.put(" ")
        self.put(text)
        self.whitespace = is_ws
        self.indention = self.indention and is_indention

    def increase_indent(self, flow: bool, indentless: bool) -> None:
        self.indents.append(self.indent)
        if self.indent < 0:
            self.indent = _BEST_INDENT if flow else 0
        elif not indentless:
            self.indent += _BEST_INDENT

    def node(self, value: Any, mapping: bool = False, simple_key: bool = False) -> None:
        self.mapping_context = mapping
        self.simple_key_context = simple_key
        if isinstance(value, dict) and value:
            self.block_mapping(value)
        elif isinstance(value, list) and value:
            self.block_sequence(value)
        elif isinstance(value, dict | list):
            self.indicator("{" if isinstance(value, dict) else "[", True, True, False)
            self.indicator("}" if isinstance(value, dict) else "]", False, False, False)
        else:
            self.scalar(*_scalar(value))

    def block_sequence(self, items: list[Any]) -> None:
        self.increase_indent(False, self.mapping_context and not self.indention)
        for item in items:
            self.write_indent()
            self.indicator("-", True, False, True)
            self.node(item)
        self.indent = self.indents.pop()

    def block_mapping(self, mapping: dict[str, Any]) -> None:
        self.increase_indent(False, False)
        for key in _sorted_keys(mapping):
            self.write_indent()
            text = _scalar(key)[0]
            if not _Analysis(text).multiline and len(text.encode()) <= _MAX_SIMPLE_KEY:
                self.node(key, mapping=True, simple_key=True)
                self.indicator(":", False, False, False)
            else:
                self.indicator("?", True, False, True)
                self.node(key, mapping=True)
                self.write_indent()
                self.indicator(":", True, False, True)
            self.node(mapping[key], mapping=True)
        self.indent = self.indents.pop()

    def scalar(self, text: str, style: str) -> None:
        analysis = _Analysis(text)
        if self.simple_key_context and analysis.multiline:
            style = '"'
        if style == "plain" and not analysis.block_plain:
            style = "'"
        if style == "'" and not analysis.single_quoted:
            style = '"'
        if style == "|" and (not analysis.block or self.simple_key_context):
            style = '"'
        self.increase_indent(True, False)
        breaks_allowed = not self.simple_key_context
        if style == "plain":
            self.plain(text, breaks_allowed)
        elif style == "'":
            self.single_quoted(text, breaks_allowed)
        elif style == '"':
            self.double_quoted(text, breaks_allowed)
        else:
            self.literal(text)
        self.indent = self.indents.pop()

    def plain(self, text: str, allow_breaks: bool) -> None:
        if not self.whitespace:
            self.put(" ")
        self._folded(text, allow_breaks, quote_doubling=False, edge_guard=False)
        self.whitespace = self.indention = False

    def single_quoted(self, text: str, allow_breaks: bool) -> None:
        self.indicator("'", True, False, False)
        self._folded(text, allow_breaks, quote_doubling=True, edge_guard=True)
        self.indicator("'", False, False, False)
        self.whitespace = self.indention = False

    def _folded(
        self, text: str, allow_breaks: bool, quote_doubling: bool, edge_guard: bool
    ) -> None:
        spaces = breaks = False
        n = len(text)
        for i, char in enumerate(text):
            if char == " ":
                nxt = text[i + 1] if i + 1 < n else ""
                fold = allow_breaks and not spaces and self.column > _BEST_WIDTH and nxt != " "
                if fold and edge_guard:
                    fold = 0 < i < n - 1
                if fold:
                    self.write_indent()
                else:
                    self.put(char)
                spaces = True
            elif char in _BREAKS:
                if not breaks and char == "\n":
                    self.put_break()
                if char == "\n":
                    self.put_break()
                else:
                    self.out.append(char)
                    self.column = 0
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                if quote_doubling and char == "'":
                    self.put("'")
                self.put(char)
                self.indention = False
                spaces = breaks = False

    def double_quoted(self, text: str, allow_breaks: bool) -> None:
        self.indicator('"', True, False, False)
        spaces = False
        n = len(text)
        bom = text.startswith("\ufeff")  # go-yaml's is_bom looks at the value's start only
        for i, char in enumerate(text):
            if bom or not _printable(char) or char in _BREAKS or char in '"\\':
                self.put("\\" + _escape(char))
                spaces = False
            elif char == " ":
                if allow_breaks and not spaces and self.column > _BEST_WIDTH and 0 < i < n - 1:
                    self.write_indent()
                    if i + 1 < n and text[i + 1] == " ":
                        self.put("\\")
                else:
                    self.put(char)
                spaces = True
            else:
                self.put(char)
                spaces = False
        self.indicator('"', False, False, False)
        self.whitespace = self.indention = False

    def literal(self, text: str) -> None:
        self.indicator("|", True, False, False)
        if text[:1] == " " or text[:1] in _BREAKS:
            self.indicator(str(_BEST_INDENT), False, False, False)
        if text[-1:] not in _BREAKS:
            self.indicator("-", False, False, False)
        elif len(text) == 1 or text[-2] in _BREAKS:
            self.indicator("+", False, False, False)
        self.put_break()
        self.indention = self.whitespace = True
        breaks = True
        for char in text:
            if char in _BREAKS:
                if char == "\n":
                    self.put_break()
                else:
                    self.out.append(char)
                    self.column = 0
                self.indention = True
                breaks = True
            else:
                if breaks:
                    self.write_indent()
                self.put(char)
                self.indention = False
                breaks = False


_ESCAPES: Final = {
    "\0": "0",
    "\a": "a",
    "\b": "b",
    "\t": "t",
    "\n": "n",
    "\v": "v",
    "\f": "f",
    "\r": "r",
    "\x1b": "e",
    '"': '"',
    "\\": "\\",
    "\x85": "N",
    "\xa0": "_",
    "\u2028": "L",
    "\u2029": "P",
}


def _escape(char: str) -> str:
    if char in _ESCAPES:
        return _ESCAPES[char]
    cp = ord(char)
    if cp <= 0xFF:
        return f"x{cp:02X}"
    if cp <= 0xFFFF:
        return f"u{cp:04X}"
    return f"U{cp:08X}"


def _scalar(value: Any) -> tuple[str, str]:
    """(text, style) as go-yaml v2's encoder hands a value to the emitter."""
    if isinstance(value, str):
        if "\n" in value:
            return value, "|"
        return value, "plain" if resolves_to_str(value) else '"'
    if value is None:
        return "null", "plain"
    if isinstance(value, bool):
        return ("true" if value else "false"), "plain"
    if isinstance(value, int):
        return str(value), "plain"
    if isinstance(value, float):
        return _json_float_then_yaml(value), "plain"
    raise TypeError(f"cannot emit {type(value).__name__} as YAML")


def _json_float_then_yaml(value: float) -> str:
    """A float64 through encoding/json and back through go-yaml: an integral one under 1e21
    comes back an integer (uint64 at most), any other a float."""
    text = _integral_text(value)
    if text is not None and _INT64[0] <= int(text) < 2**64:
        return text
    return format_float(value)


def _integral_text(value: float) -> str | None:
    """encoding/json's text of an integral float64 under 1e21 (shortest digits, then zeros),
    else None."""
    if math.isinf(value) or math.isnan(value) or value != int(value) or abs(value) >= 1e21:
        return None
    sign, digits, exponent = Decimal(repr(value)).normalize().as_tuple()
    text = "".join(map(str, digits)) + "0" * max(int(exponent), 0)
    return ("-" if sign and text != "0" else "") + text


_NEL_RUN: Final = re.compile("[ \t]*(\x85+)[ \t]*")


def _reread(value: Any) -> Any:
    """A value after encoding/json and go-yaml's reading of that JSON: U+0085 (NEL), which
    encoding/json leaves raw, is a line break inside the double-quoted scalar and is folded
    (one break to a space, n breaks to n-1 newlines)."""
    if isinstance(value, str):
        if "\x85" not in value:
            return value
        return _NEL_RUN.sub(lambda m: " " if len(m[1]) == 1 else "\n" * (len(m[1]) - 1), value)
    if isinstance(value, list):
        return [_reread(v) for v in value]
    if isinstance(value, dict):
        return {_reread(k): _reread(v) for k, v in value.items()}
    return value


def dump(value: Any) -> str:
    """sigs.k8s.io/yaml.Marshal of a JSON-shaped value."""
    emitter = _Emitter()
    emitter.node(_reread(value))
    emitter.indent = -1  # yaml_emitter_emit_document_end ends the last line
    emitter.write_indent()
    return "".join(emitter.out)


__all__ = ["dump", "format_float", "load", "resolve", "resolves_to_str"]
