"""Go's regexp (generator/goruntime/regexp.py): RE2 syntax, unanchored matching, linear time."""

from __future__ import annotations

import time

import pytest

from generator.goruntime.regexp import PatternError, compile_go, match_string


@pytest.mark.parametrize(
    ("pattern", "text", "found"),
    [
        ("^s3://", "s3://bucket/m", True),
        ("bucket", "s3://bucket/m", True),  # MatchString is unanchored
        (r"^\pL+$", "Grüße", True),  # a Unicode class: RE2 and Go, not Python's re
        (r"\z", "x", True),
        ("(?i)ABC", "abc", True),
        ("^a+$", "aab", False),
    ],
)
def test_go_syntax_and_meaning(pattern: str, text: str, found: bool) -> None:
    assert match_string(pattern, text) is found


@pytest.mark.parametrize(
    ("pattern", "why"),
    [
        ("(", "error parsing regexp: missing ): ("),
        ("(?=a)", "error parsing regexp: invalid perl operator: (?="),
        (r"(a)\1", "error parsing regexp: invalid escape sequence: \\1"),
        ("\ud800", "error parsing regexp: surrogates not allowed"),
    ],
)
def test_what_go_refuses_is_a_pattern_error(pattern: str, why: str) -> None:
    with pytest.raises(PatternError) as refused:
        compile_go(pattern)
    assert str(refused.value) == why


def test_a_text_that_is_not_utf8_is_a_pattern_error() -> None:
    with pytest.raises(PatternError, match="not UTF-8"):
        match_string("a", "\udcff")


def test_nested_repetition_matches_in_linear_time() -> None:
    """`^(a+)+$` backtracks exponentially in Python's re on 40 a's and a `!` (hours)."""
    started = time.process_time()
    assert not match_string("^(a+)+$", "a" * 40_000 + "!")
    assert time.process_time() - started < 1.0
