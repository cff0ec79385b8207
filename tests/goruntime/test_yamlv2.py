"""generator/goruntime/yamlv2.py against sigs.k8s.io/yaml v1.6.0 (go-yaml v2.4.3): each pair in
tests/data/goyaml/sigs-yaml-v1.6.0-round-trips.json is an input and what `yaml.Unmarshal` into
an `unstructured.Unstructured` then `yaml.Marshal` of its object printed, recorded from Go
("ERR": Go's reader refuses it or finds no `kind`). They cover the scalar styles (plain,
single- and double-quoted, literal with chomping and indentation hints), go-yaml's resolution
(YAML 1.1 booleans, Go numbers, timestamps, base-60), the JSON number round trip, the natural
key order, folding at column 80, long keys and go-yaml's whole-value escaping after a leading
BOM."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.goruntime import yamlv2

DATA = Path(__file__).resolve().parents[1] / "data" / "goyaml"

RECORDED = json.loads((DATA / "sigs-yaml-v1.6.0-round-trips.json").read_text(encoding="utf-8"))


def _round_trip(text: str) -> str:
    value = yamlv2.load(text)
    if not isinstance(value, dict) or not value.get("kind"):
        return "ERR"
    return yamlv2.dump(value)


@pytest.mark.parametrize(("text", "want"), RECORDED)
def test_round_trip_matches_go(text: str, want: str) -> None:
    assert _round_trip(text) == want


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (1.5, "1.5"),
        (1234567.5, "1.2345675e+06"),
        (1e21, "1e+21"),
        (1e-7, "1e-07"),
        (0.0001, "0.0001"),
        (-2.5e-8, "-2.5e-08"),
        (float("inf"), ".inf"),
    ],
)
def test_format_float_is_strconv_g(value: float, want: str) -> None:
    assert yamlv2.format_float(value) == want


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("abc", True),
        ("1e3", False),
        ("yes", False),
        ("1:20", False),
        ("2024-1-2", False),
        ("2024-13-45", True),
        ("0x1F", False),
        ("08", False),
        ("+", True),
        ("", False),
    ],
)
def test_resolves_to_str(text: str, plain: bool) -> None:
    assert yamlv2.resolves_to_str(text) is plain
