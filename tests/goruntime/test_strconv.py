"""generator.goruntime.strconv against Go's own strconv (run with the Go toolchain when present)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from generator.goruntime import strconv

_GO_PROGRAM = """
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strconv"
)

func main() {
	var in []string
	if err := json.NewDecoder(os.Stdin).Decode(&in); err != nil {
		panic(err)
	}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	for _, s := range in {
		n, err := strconv.ParseInt(s, 10, 32)
		if err != nil {
			n = 0 // out of range: Go returns the bound with the error; we return no value
		}
		a, aerr := strconv.Atoi(s)
		if aerr != nil {
			a = 0
		}
		fmt.Fprintln(out, strconv.Quote(s), n, err == nil, a, aerr == nil)
	}
}
"""

# Assigned, non-surrogate code points: Python's and Go's Unicode tables differ only on code
# points one of them does not know yet.
_TEXT = st.text(
    st.characters(blacklist_categories=("Cs", "Cn")) | st.sampled_from('\a\b\f\n\r\t\v\x00\x7f\\"'),
    max_size=12,
)
_NUMBERISH = st.from_regex(r"\A[+-]?[0-9_]{0,12}\Z") | st.integers().map(str)


def _go_answers(strings: list[str], tmp: Path) -> list[str]:
    go = shutil.which("go")
    if go is None:
        pytest.skip("no Go toolchain on this machine: strconv is compared with Go where Go exists")
    source = tmp / "main.go"
    source.write_text(_GO_PROGRAM, encoding="utf-8")
    done = subprocess.run(
        [go, "run", str(source)],
        input=json.dumps(strings),
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp,
        env=_go_env(tmp),
    )
    return done.stdout.splitlines()


def _go_env(tmp: Path) -> dict[str, str]:
    return {**os.environ, "GO111MODULE": "off", "GOFLAGS": ""}


def _ours(text: str) -> str:
    parsed = strconv.parse_int(text, 32)
    try:
        atoi: int | None = strconv.atoi(text)
    except ValueError:
        atoi = None

    def go_bool(value: bool) -> str:
        return "true" if value else "false"

    return " ".join(
        (
            strconv.quote(text),
            str(parsed if parsed is not None else 0),
            go_bool(parsed is not None),
            str(atoi if atoi is not None else 0),
            go_bool(atoi is not None),
        )
    )


def test_known_values() -> None:
    assert strconv.quote('a"b\\c\n\x01é') == '"a\\"b\\\\c\\n\\x01é"'
    assert strconv.quote("\u00ad\U0001f600\U000e0001") == '"\\u00ad\U0001f600\\U000e0001"'
    assert strconv.parse_int("2147483647", 32) == 2**31 - 1
    assert strconv.parse_int("2147483648", 32) is None
    assert strconv.parse_int("1_000", 32) is None
    assert strconv.parse_int("٣", 32) is None  # ASCII digits only
    with pytest.raises(ValueError):
        strconv.atoi(" 1")


def _generated(count: int) -> list[str]:
    """`count` strings drawn by hypothesis (fixed seed), collected to send to Go in one run."""
    drawn: list[str] = []

    @settings(max_examples=count, derandomize=True, phases=[Phase.generate], deadline=None)
    @given(_TEXT | _NUMBERISH)
    def collect(text: str) -> None:
        drawn.append(text)

    collect()
    return drawn


def test_matches_go(tmp_path: Path) -> None:
    strings = [*_generated(2000), "\x7f", "\u00ad", "+0", "-2147483649"]
    expected = _go_answers(strings, tmp_path)
    assert len(expected) == len(strings)
    mismatches = [
        (s, ours, go) for s, go in zip(strings, expected, strict=True) if (ours := _ours(s)) != go
    ]
    assert not mismatches, mismatches[:5]
