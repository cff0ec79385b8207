"""Quantity parsing and printing, against apimachinery v0.34's `quantity_test.go` tables
(`TestQuantityParse`, `TestQuantityString`, `TestQuantityParseEmit`, `TestJSONWhitespace`) and
properties checked with hypothesis."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.config.quantity import (
    BINARY_SI,
    DECIMAL_EXPONENT,
    DECIMAL_SI,
    QuantityError,
    is_valid_quantity,
    parse_quantity,
)

# (input, value, format) from TestQuantityParse.
PARSE_CASES = [
    ("0", 0, DECIMAL_SI), ("0n", 0, DECIMAL_SI), ("0Ki", 0, BINARY_SI), ("0T", 0, DECIMAL_SI),
    ("1", 1, DECIMAL_SI), ("1Ki", 1024, BINARY_SI), ("7Mi", 7 * 2**20, BINARY_SI),
    ("3Ei", 3 * 2**60, BINARY_SI), ("5n", Decimal("5e-9"), DECIMAL_SI),
    ("4u", Decimal("4e-6"), DECIMAL_SI), ("50k", 50_000, DECIMAL_SI),
    ("1E", 10**18, DECIMAL_SI), ("1E-3", Decimal("0.001"), DECIMAL_EXPONENT),
    ("1e3", 1000, DECIMAL_EXPONENT), ("100.035k", 100_035, DECIMAL_SI),
    ("0.0005k", Decimal("0.5"), DECIMAL_SI), ("0.5e-2", Decimal("0.005"), DECIMAL_EXPONENT),
    ("1.3E+6", 1_300_000, DECIMAL_EXPONENT), ("3.001n", Decimal("4e-9"), DECIMAL_SI),
    ("1.1E-9", Decimal("2e-9"), DECIMAL_EXPONENT), ("0.0000000005", Decimal("1e-9"), DECIMAL_SI),
    ("0.00000012354", Decimal("124e-9"), DECIMAL_SI), ("9Ei", 2**63 - 1, BINARY_SI),
    ("9223372036854775807Ki", 2**63 - 1, BINARY_SI), ("100.035Ki", Decimal("102435.84"), BINARY_SI),
    ("0.5Mi", 2**19, BINARY_SI), ("0.000000000001Ki", Decimal("2e-9"), DECIMAL_SI),
    (".001", Decimal("0.001"), DECIMAL_SI), ("1.", 1, DECIMAL_SI), ("1.G", 10**9, DECIMAL_SI),
]  # fmt: skip

INVALID = [
    "1.1.M", "1+1.0M", "0.1mi", "0.1am", "aoeu", ".5i", "1i", "-3.01i", "-3.01e-", " 1", "1 ",
    "", "1K", "1e", "1Ki1",
]  # fmt: skip


@pytest.mark.parametrize(("text", "value", "fmt"), PARSE_CASES, ids=[c[0] for c in PARSE_CASES])
def test_quantity_parse(text: str, value: int | Decimal, fmt: str) -> None:
    for sign, factor in (("", 1), ("+", 1), ("-", -1)):
        quantity = parse_quantity(sign + text)
        assert quantity.value == value * factor
        assert quantity.format == fmt


@pytest.mark.parametrize("text", INVALID)
def test_quantity_parse_invalid(text: str) -> None:
    with pytest.raises(QuantityError):
        parse_quantity(text)
    assert not is_valid_quantity(text)


# (canonical, an alternate spelling) from TestQuantityString.
STRING_CASES = [
    ("1Gi", "1024Mi"), ("300Mi", "307200Ki"), ("1001Gi", "1025024Mi"), ("1Ti", "1024Gi"),
    ("1G", "1000M"), ("1G", "0.001T"), ("1m", "1000u"), ("1080m", "1.08"),
    ("1080m", "1080000000n"), ("1e9", ".001e12"), ("1e-3", "0.001e0"), ("1e-9", "1000e-12"),
    ("0", "00"),
]  # fmt: skip


@pytest.mark.parametrize(("canonical", "alternate"), STRING_CASES)
def test_quantity_string(canonical: str, alternate: str) -> None:
    assert str(parse_quantity(canonical)) == canonical
    assert parse_quantity(canonical).cached == canonical
    assert str(parse_quantity(alternate)) == canonical
    assert parse_quantity(alternate).cached == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1Ki", "1Ki"), ("1024Mi", "1Gi"), ("1000M", "1G"), (".001Ki", "1024m"),
        (".000001Ki", "1024u"), (".000000001Ki", "1024n"), (".000000000001Ki", "2n"),
    ],
)  # fmt: skip
def test_quantity_parse_emit(text: str, expected: str) -> None:
    assert str(parse_quantity(text)) == expected
    assert str(parse_quantity("-" + text)) == "-" + expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0.5", "500m"), ("1000m", "1"), ("+100m", "+100m"), ("05", "05"), ("1E3", "1E3"),
        ("1000E", "1"), ("9Ei", "9223372036854775807"), (".", "0"), ("-", "0"),
        ("100.035Ki", "102435840m"), ("2048Mi", "2Gi"), ("1.5Gi", "1536Mi"), ("Ki", "0"),
        ("E", "0"),
    ],
)  # fmt: skip
def test_go_quirks_are_kept(text: str, expected: str) -> None:
    """Go keeps a canonical-looking input verbatim and drops an unknown SI suffix."""
    assert str(parse_quantity(text)) == expected


# What `parseQuantityString` scans; looser than the regex in its error message ("Ki" is 0).
_SCANNED = re.compile(r"[+-]?[0-9.]*[eEinumkKMGTP]*[-+]?[0-9]*")
_CRD_PATTERN = re.compile(
    r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+"
    r"(\.[0-9]*)?)|(\.[0-9]+))))?$"
)
quantity_text = st.from_regex(
    r"\A[+-]?[0-9]{0,6}(\.[0-9]{0,4})?([numkMGTPE]|[KMGTPE]i|[eE][+-]?[0-9]{1,2})?\Z"
)


@given(st.text(alphabet="0123456789.+-eEinumkKMGTPx ", max_size=12))
def test_anything_the_scanner_stops_on_is_rejected(text: str) -> None:
    if not _SCANNED.fullmatch(text):
        assert not is_valid_quantity(text)


@given(quantity_text)
def test_printed_form_parses_back_to_the_same_value(text: str) -> None:
    if not is_valid_quantity(text):
        return
    quantity = parse_quantity(text)
    printed = str(quantity)
    again = parse_quantity(printed)
    assert again.value == quantity.value
    assert str(again) == printed  # stable


@given(quantity_text)
def test_canonical_form_matches_the_crd_pattern(text: str) -> None:
    if is_valid_quantity(text) and _CRD_PATTERN.match(text):
        assert _CRD_PATTERN.match(str(parse_quantity(text)))


@given(st.integers(min_value=0, max_value=2**40), st.sampled_from(["", "Ki", "Mi", "Gi"]))
def test_binary_integers(n: int, suffix: str) -> None:
    quantity = parse_quantity(f"{n}{suffix}")
    factor = {"": 1, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30}[suffix]
    assert quantity.value == min(n * factor, 2**63 - 1)
