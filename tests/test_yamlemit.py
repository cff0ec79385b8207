"""The fast emitter writes YAML that YAML 1.1 readers load back to the same data."""

from __future__ import annotations

import pytest
import yaml
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from generator.yamlemit import dump, key_str, scalar_str

JSONISH = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False)
    | st.text()
    | st.sampled_from(["yes", "No", "on", "~", "null", "2001-12-14", "0b101", "1_000", "0x1F",
                       "1e3", ".5", "=", "<<", "a: b", "- x", "#c", "", " ", "gs://b/m",
                       "1:20", "@x", "!t", "&a", "*a", "%x", "|", ">", "'q'", '"q"', "a:"]),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=30,
)  # fmt: skip


@settings(max_examples=600, deadline=None)
@given(JSONISH)
def test_any_json_value_round_trips_through_libyaml(value: object) -> None:
    assert yaml.load(dump(value), Loader=yaml.CSafeLoader) == value


@settings(max_examples=200, deadline=None)
@given(JSONISH)
def test_pure_python_loader_agrees(value: object) -> None:
    assert yaml.load(dump(value), Loader=yaml.SafeLoader) == value


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("kserve-container", True),
        ("gs://kfserving-samples/models/sklearn/iris", True),
        ("--model_name=sklearn-iris", True),
        ("-", False),
        ("-1", False),
        ("- x", False),
        ("yes", False),
        ("8080", False),
        ("1.0", False),
        ("2020-01-01", False),
        ("a b", False),
    ],
)
def test_plain_only_when_unambiguous(text: str, plain: bool) -> None:
    assert (scalar_str(text) == text) is plain


def test_block_layout_is_kubectl_like() -> None:
    obj = {"b": [{"name": "x", "args": ["a", "b"]}, [1, [2]]], "a": {"k": {}}, "c": []}
    assert dump(obj) == (
        "a:\n  k: {}\nb:\n- args:\n  - a\n  - b\n  name: x\n- - 1\n  - - 2\nc: []\n"
    )


@pytest.mark.parametrize("value", [["a", {"k": 1}], {"k": [1]}, "v", {}, []])
def test_keys_longer_than_yaml_simple_keys_use_explicit_syntax(value: object) -> None:
    doc = {"x" * 2000: value, "a": 1}
    for loader in (yaml.CSafeLoader, yaml.SafeLoader):
        assert yaml.load(dump(doc), Loader=loader) == doc


KEYS = st.one_of(st.text(max_size=3), st.integers(-20, 20), st.booleans(), st.none(),
                 st.floats(allow_nan=False, width=16))  # fmt: skip


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, st.integers(), min_size=1, max_size=6))
def test_keys_of_any_type_are_written_in_the_order_of_their_text(value: dict[object, int]) -> None:
    """Mapping keys come out sorted by the text Go reads (an int key 10 before 9), whatever
    mix of types the mapping has: the emitter's quick sort of string keys gives that order."""
    as_text = {key_str(key): item for key, item in value.items()}
    assume(len(as_text) == len(value))  # no two keys that Go reads as one
    assert dump(value) == dump(as_text)
    assert list(yaml.safe_load(dump(value))) == sorted(as_text)
