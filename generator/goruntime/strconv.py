"""Go's `strconv`, as far as KServe's messages and annotation parsing use it."""

from __future__ import annotations

import re

_ESCAPES = {
    '"': '\\"',
    "\\": "\\\\",
    "\a": "\\a",
    "\b": "\\b",
    "\f": "\\f",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\v": "\\v",
}
_DECIMAL = re.compile(r"[+-]?[0-9]+")


def quote(text: str) -> str:
    """`strconv.Quote` (and so `fmt`'s `%q` of a string): printable runes kept, others escaped."""
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif ord(char) < 0x80:
            out.append(f"\\x{ord(char):02x}")
        elif ord(char) < 0x10000:
            out.append(f"\\u{ord(char):04x}")
        else:
            out.append(f"\\U{ord(char):08x}")
    return '"' + "".join(out) + '"'


def parse_int(text: str, bits: int = 64) -> int | None:
    """`strconv.ParseInt(text, 10, bits)`: a sign and ASCII digits in range, else None."""
    if not _DECIMAL.fullmatch(text):
        return None
    number = int(text)
    bound = 2 ** (bits - 1)
    return number if -bound <= number < bound else None


def atoi(text: str) -> int:
    """`strconv.Atoi` (64-bit `int`): raises ValueError where Go returns an error."""
    number = parse_int(text)
    if number is None:
        raise ValueError(text)
    return number
