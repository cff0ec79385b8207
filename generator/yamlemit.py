"""A small, fast block-YAML emitter for JSON-shaped data, exact for Go, YAML 1.1 and 1.2 readers.

PyYAML's dumper spends most of its time in its Python representer layer (the design notes
measured 6 s for 30,000 Knative Services). Our output is only dicts, lists, strings, numbers,
booleans and nulls, so a direct emitter suffices. Every string is written plain only when
every reader that matters resolves it back to the same string: PyYAML (YAML 1.1), go-yaml v2
as Kubernetes' sigs.k8s.io/yaml uses it (docs: shared go-yaml-resolution.md), and the YAML 1.2
core schema (go-yaml v3, kustomize's kyaml). Anything else is written as a JSON double-quoted
string, with astral characters spelled as YAML's `\\UXXXXXXXX` (libyaml rejects JSON surrogate
pairs). Keys are sorted, and a non-string key is written as the string Go's reader makes of it.
"""

from __future__ import annotations

import functools
import json
import math
import re
from typing import Any

import yaml

_PLAIN = re.compile(r"(?:[A-Za-z0-9_/]|-[A-Za-z0-9_/-])[A-Za-z0-9_./:=@+-]*")
_SURROGATE_PAIR = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)
_RESOLVER = yaml.resolver.Resolver()
_STR_TAG = "tag:yaml.org,2002:str"
_MAX_SIMPLE_KEY = 1000

# go-yaml v2's resolve map (YAML 1.1 booleans incl. y/n, nulls, special floats); the 1.2 core
# schema's spellings are a subset of these.
_GO_MAP = frozenset(
    "y Y yes Yes YES on On ON true True TRUE n N no No NO off Off OFF false False FALSE "
    "~ null Null NULL .nan .NaN .NAN .inf .Inf .INF +.inf +.Inf +.INF -.inf -.Inf -.INF".split()
)
# go-yaml v2 tries a number only when the first character hints one.
_GO_NUMBER_HINT = frozenset("0123456789+-.")
# After go-yaml v2 removes every `_`: strconv.ParseInt/ParseUint(s, 0, 64) spellings (decimal,
# legacy octal 017, 0x/0o/0b in either case, signed), or its float pattern (also YAML 1.2's).
# Overflowing spellings are matched too: quoting them costs nothing.
_GO_INT = re.compile(r"[-+]?(?:0[xX][0-9a-fA-F]*|0[oO][0-7]*|0[bB][01]*|[0-9]+)")
_GO_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
# go-yaml v2 parses a timestamp (2006-1-2, with time or not) only after four digits and `-`;
# any such string is quoted rather than reproducing Go's time.Parse layouts.
_GO_TIMESTAMP_START = re.compile(r"[0-9]{4}-")


def _astral(match: re.Match[str]) -> str:
    high, low = int(match.group(1), 16), int(match.group(2), 16)
    return f"\\U{0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00):08X}"


def go_resolves_to_string(text: str) -> bool:
    """Whether go-yaml v2 (sigs.k8s.io/yaml) reads the plain scalar `text` as that string."""
    if text in _GO_MAP or text == "":
        return False
    if text[0] not in _GO_NUMBER_HINT:
        return True
    if _GO_TIMESTAMP_START.match(text):
        return False
    plain = text.replace("_", "")
    return not (_GO_INT.fullmatch(plain) or _GO_FLOAT.fullmatch(plain))


@functools.lru_cache(maxsize=65536)
def scalar_str(text: str) -> str:
    """`text` as a YAML scalar: plain when unambiguous, else JSON double-quoted."""
    if (
        _PLAIN.fullmatch(text)
        and not text.endswith(":")
        and go_resolves_to_string(text)
        and _RESOLVER.resolve(yaml.ScalarNode, text, (True, False)) == _STR_TAG  # type: ignore[no-untyped-call]
    ):
        return text
    quoted = json.dumps(text, ensure_ascii=True)
    return _SURROGATE_PAIR.sub(_astral, quoted) if "\\u" in quoted else quoted


def _float(value: float) -> str:
    """PyYAML's float spelling (a dot before any exponent, so YAML 1.1 reads a float)."""
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value).lower()
    if "." not in text and "e" in text:
        text = text.replace("e", ".0e", 1)
    return text


def key_str(key: Any) -> str:
    """A mapping key as text: Go's reader (sigs.k8s.io/yaml) turns non-string keys into these."""
    if isinstance(key, str):
        return key
    if key is None:
        return "null"
    if isinstance(key, bool):
        return "true" if key else "false"
    if isinstance(key, int):
        return str(key)
    if isinstance(key, float):
        return _float(key)
    raise TypeError(f"cannot emit a {type(key).__name__} mapping key as YAML")


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        return scalar_str(value)
    if value is None:
        return "null"
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return _float(value)
    raise TypeError(f"cannot emit {type(value).__name__} as YAML")


def _sorted_keys(value: dict[Any, Any]) -> list[Any]:
    """The keys in key_str order. Plain sorting gives that order when the keys are strings
    (the usual case, and the quicker sort); keys that sort without error and start with a
    string are all strings, as a string compares with no other type."""
    try:
        keys = sorted(value)
    except TypeError:
        return sorted(value, key=key_str)
    return keys if isinstance(keys[0], str) else sorted(value, key=key_str)


def _emit(value: Any, indent: str, out: list[str]) -> None:
    """Append the block lines of a non-empty mapping or sequence at `indent`.

    The hot loop of every render: exact types are tested first, as the data is plain JSON
    (dict, list, str) almost everywhere."""
    if type(value) is dict or isinstance(value, dict):
        inner = indent + "  "
        for key in _sorted_keys(value):
            item = value[key]
            key_text = scalar_str(key if type(key) is str else key_str(key))
            if len(key_text) > _MAX_SIMPLE_KEY:  # YAML caps implicit keys at 1024 characters
                head = f"{indent}? {key_text}\n{indent}:"
            else:
                head = f"{indent}{key_text}:"
            kind = type(item)
            if kind is str:
                out.append(f"{head} {scalar_str(item)}\n")
            elif (kind is dict or kind is list or isinstance(item, dict | list)) and item:
                out.append(head + "\n")
                _emit(item, inner if isinstance(item, dict) else indent, out)
            else:
                out.append(f"{head} {_inline(item)}\n")
        return
    for item in value:
        kind = type(item)
        if kind is str:
            out.append(f"{indent}- {scalar_str(item)}\n")
        elif (kind is dict or kind is list or isinstance(item, dict | list)) and item:
            start = len(out)
            _emit(item, indent + "  ", out)
            # The first line of the nested block moves up onto the "- " line.
            out[start] = f"{indent}- {out[start][len(indent) + 2 :]}"
        else:
            out.append(f"{indent}- {_inline(item)}\n")


def _inline(value: Any) -> str:
    if isinstance(value, dict):
        return "{}"
    if isinstance(value, list):
        return "[]"
    return _scalar(value)


def dump(value: Any) -> str:
    """One document's text (no `---`), ending in a newline."""
    if isinstance(value, dict | list) and value:
        out: list[str] = []
        _emit(value, "", out)
        return "".join(out)
    return _inline(value) + "\n"
