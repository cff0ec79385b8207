"""Kubernetes resource quantities, parsed and printed the way apimachinery v0.34 does.

Ports `ParseQuantity`/`parseQuantityString` (`pkg/api/resource/quantity.go`), the suffix tables
of `suffix.go` and the string `Quantity.MarshalJSON` writes (`CanonicalizeBytes`, `amount.go`).
KServe validates its ConfigMap resource strings with `resource.ParseQuantity`, and a typed Go
round-trip (the defaulting webhook) rewrites every quantity into this form, so both are needed.

`kubernetes.utils.quantity.parse_quantity` is not used: it accepts what Go rejects (`1K`, `NaN`,
`1_0`, surrounding spaces), rejects what Go accepts (`.`, `1.G` is fine but `-` is not), and knows
neither the format a quantity remembers nor the canonical form.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

DECIMAL_SI = "DecimalSI"
BINARY_SI = "BinarySI"
DECIMAL_EXPONENT = "DecimalExponent"

ERR_FORMAT_WRONG = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)
ERR_NUMERIC = "unable to parse numeric part of quantity"
ERR_SUFFIX = "unable to parse quantity's suffix"

_DIGITS = frozenset("0123456789")
_SUFFIX_CHARS = frozenset("eEinumkKMGTP")
_MAX_INT64 = 2**63 - 1
_MAX_INT64_FACTORS = 18  # maxInt64Factors
_NANO = -9

# suffix -> (base, exponent); `interpret` in suffix.go (the fast path gives the same answers).
_DECIMAL_SUFFIXES = {
    "n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18,
}  # fmt: skip
_BINARY_SUFFIXES = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL_BY_EXPONENT = {e: s for s, e in _DECIMAL_SUFFIXES.items()}
_BINARY_BY_EXPONENT = {e // 10: s for s, e in _BINARY_SUFFIXES.items()}


class QuantityError(ValueError):
    """A string `resource.ParseQuantity` rejects; the message is Go's error text."""


@dataclass(frozen=True, slots=True)
class Quantity:
    """An exact value, the format it was written in and, like Go, the input if already canonical."""

    value: Decimal
    format: str
    cached: str = ""

    def __str__(self) -> str:
        """The string `Quantity.String()` and `MarshalJSON` produce."""
        return self.cached or _canonical(self.value, self.format)


def _wrap_int32(n: int) -> int:
    return (n + 2**31) % 2**32 - 2**31


def _scan(text: str) -> tuple[bool, str, str, str, str]:
    """Port of `parseQuantityString`: (positive, value, num, denom, suffix)."""
    pos, end, positive = 0, len(text), True
    if end and text[0] in "+-":
        positive = text[0] == "+"
        pos = 1
    while pos < end and text[pos] == "0":
        pos += 1
    if pos >= end:
        return positive, "0", "0", "", ""
    start = pos
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    num = text[start:pos] or "0"
    if pos >= end:
        return positive, text, num, "", ""
    denom = ""
    if text[pos] == ".":
        pos += 1
        start = pos
        while pos < end and text[pos] in _DIGITS:
            pos += 1
        denom = text[start:pos]
        if pos >= end:
            return positive, text, num, denom, ""
    value, suffix_start = text[:pos], pos
    while pos < end and text[pos] in _SUFFIX_CHARS:
        pos += 1
    if pos < end and text[pos] in "+-":
        pos += 1
    while pos < end and text[pos] in _DIGITS:
        pos += 1
    if pos < end:
        raise QuantityError(ERR_FORMAT_WRONG)
    return positive, value, num, denom, text[suffix_start:]


def _interpret(suffix: str) -> tuple[int, int, str]:
    """Port of `suffixHandler.interpret`: (base, exponent, format)."""
    if suffix in _DECIMAL_SUFFIXES:
        return 10, _DECIMAL_SUFFIXES[suffix], DECIMAL_SI
    if suffix in _BINARY_SUFFIXES:
        return 2, _BINARY_SUFFIXES[suffix], BINARY_SI
    if len(suffix) > 1 and suffix[0] in "eE":
        signed = suffix[1:]
        digits = signed[1:] if signed[:1] in ("+", "-") else signed
        if digits and set(digits) <= _DIGITS:
            parsed = int(suffix[1:])
            if -(2**63) <= parsed <= _MAX_INT64:  # strconv.ParseInt(.., 10, 64)
                return 10, _wrap_int32(parsed), DECIMAL_EXPONENT
    raise QuantityError(ERR_SUFFIX)


def _decimal(negative: bool, unscaled: int, exponent: int) -> Decimal:
    """Exact Decimal from integer parts, without touching the context precision."""
    digits = tuple(int(d) for d in str(unscaled))
    return Decimal((1 if negative else 0, digits, exponent))


def parse_quantity(text: str) -> Quantity:
    """Port of `resource.ParseQuantity`; raises `QuantityError` with Go's message."""
    if not text:
        raise QuantityError(ERR_FORMAT_WRONG)
    if text == "0":
        return Quantity(Decimal(0), DECIMAL_SI, "0")
    positive, value, num, denom, suffix = _scan(text)
    base, exponent, fmt = _interpret(suffix)

    if fmt == BINARY_SI:
        scale = 0
        if exponent >= 0 and not denom:
            mantissa = 1 << exponent
            precision = 15 - len(num) - exponent * 3 // 10 - 1
        else:
            mantissa, precision = 1, -1
    else:
        scale, mantissa = exponent, 1
        precision = _MAX_INT64_FACTORS - (len(num) + len(denom))

    if precision >= 0:
        scale = _wrap_int32(scale - len(denom))
        if scale >= _NANO:
            shifted = num + denom
            result = int(shifted) * mantissa
            if result <= _MAX_INT64:  # int64Multiply
                canonical = (
                    exponent % 10 == 0 and int(shifted) & 0x07 != 0
                    if fmt == BINARY_SI
                    else scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0"
                )
                return Quantity(
                    _decimal(not positive and result != 0, result, scale),
                    fmt,
                    text if canonical else "",
                )

    try:
        amount = Decimal(value)  # inf.Dec.SetString: base-10 digits, one optional point
    except InvalidOperation:
        raise QuantityError(ERR_NUMERIC) from None
    sign, digit_tuple, exp = amount.as_tuple()
    assert isinstance(exp, int)
    unscaled = int("".join(map(str, digit_tuple)) or "0")
    if base == 10:
        exp += exponent
    else:
        unscaled <<= exponent
    if exp < _NANO and unscaled:  # round away from zero to nano precision
        places = _NANO - exp
        unscaled = -(-unscaled // 10**places) if places <= len(str(unscaled)) else 1
        exp = _NANO
    magnitude = _decimal(False, unscaled, exp)
    if fmt == BINARY_SI and magnitude > _MAX_INT64:
        magnitude = Decimal(_MAX_INT64)
    if fmt == BINARY_SI and 0 < magnitude < 1:
        fmt = DECIMAL_SI
    return Quantity(-magnitude if sign and magnitude else magnitude, fmt)


def _int_parts(value: Decimal) -> tuple[int, int]:
    """(mantissa, exponent) with every factor of ten moved into the exponent."""
    sign, digit_tuple, exp = value.as_tuple()
    assert isinstance(exp, int)
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    exp += len(digit_tuple) - len(digits)
    mantissa = int(digits)
    return (-mantissa if sign else mantissa), exp


def _canonical(value: Decimal, fmt: str) -> str:
    """Port of `CanonicalizeBytes` + the suffix constructor: what Go prints for a quantity."""
    if value == 0:
        return "0"
    if fmt == BINARY_SI:
        mantissa, exp = _int_parts(value)
        if -1024 < value < 1024 or exp < 0:
            fmt = DECIMAL_SI  # small or fractional: BinarySI would round
        else:
            whole, times = mantissa * 10**exp, 0
            while whole % 1024 == 0:
                whole //= 1024
                times += 1
            return f"{whole}{_BINARY_BY_EXPONENT.get(times, '')}"
    mantissa, exp = _int_parts(value)
    while exp % 3:
        mantissa *= 10
        exp -= 1
    if fmt == DECIMAL_EXPONENT:
        return f"{mantissa}e{exp}" if exp else str(mantissa)
    # Go prints no suffix at all when none exists for the exponent (e.g. "1000E" -> "1").
    return f"{mantissa}{_DECIMAL_BY_EXPONENT.get(exp, '')}"


def is_valid_quantity(text: str) -> bool:
    """True when `resource.ParseQuantity(text)` succeeds."""
    try:
        parse_quantity(text)
    except QuantityError:
        return False
    return True


def go_json_number(value: float) -> str:
    """The JSON text Go's `encoding/json` writes for a float64 (`kubectl` converts YAML so)."""
    if value == int(value) and abs(value) < 1e21:
        return str(int(value))
    if 1e-6 <= abs(value) < 1e21:
        return format(Decimal(repr(value)), "f")
    mantissa, _, exponent = repr(value).partition("e")  # shortest digits, as Go's -1 precision
    return f"{mantissa}e{int(exponent):+d}"


def marshal_quantity(value: object) -> object:
    """What a typed Go round-trip stores for a JSON quantity value (`Quantity.MarshalJSON`).

    Strings (trimmed, as `UnmarshalJSON` does) and numbers become Go's string for them; a value
    Go cannot decode is returned unchanged, for validation to report.
    """
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return value
    try:
        return str(unmarshal_quantity(value))
    except QuantityError:
        return value


def unmarshal_quantity(value: str | int | float) -> Quantity:
    """What `Quantity.UnmarshalJSON` makes of a JSON string (trimmed) or number; QuantityError
    with Go's message where it fails (a non-finite float, which JSON cannot carry, too)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise QuantityError(ERR_FORMAT_WRONG)
    text = go_json_number(value) if isinstance(value, float) else str(value).strip(" \t\n\r")
    return parse_quantity(text)
