"""Loading: discovery order, kubectl's meaning of plain scalars, strictness, classification,
error lines."""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import pytest
from helpers import REFERENCE, REPO_ROOT, build_tree
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import load, yamlemit
from generator.errors import Problem, Source

ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: iris, namespace: ns}
spec: {predictor: {sklearn: {storageUri: "gs://b/m"}}}
"""


def test_discover_sorts_recursively_and_skips_hidden_and_other_suffixes(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "b/z.yaml": "",
            "a.yml": "",
            "b/a.json": "",
            ".git/x.yaml": "",
            "c/.hidden/y.yaml": "",
            ".dot.yaml": "",
            "notes.txt": "",
        },
    )
    files, problems = load.discover([str(tmp_path)])
    assert problems == []
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["a.yml", "b/a.json", "b/z.yaml"]


def test_discover_reports_missing_path(tmp_path: Path) -> None:
    missing = str(tmp_path / "nope")
    files, problems = load.discover([missing])
    assert files == []
    assert problems == [Problem(Source(missing), None, "", "no such file or directory")]


def test_parse_stream_skips_empty_and_comment_only_documents() -> None:
    text = "---\n# only a comment\n---\n" + ISVC + "---\n---\n"
    docs, problems = load.parse_stream(text, "f.yaml")
    assert problems == []
    assert [d.name for d in docs] == ["iris"]
    assert docs[0].source == Source("f.yaml", 5)  # the apiVersion line


def test_timestamps_stay_strings_and_yaml11_booleans_keep_their_meaning() -> None:
    docs, _ = load.parse_stream("a: 2020-01-01\nb: yes\nc: on\nd: '1'\n", "f.yaml")
    assert docs[0].doc == {"a": "2020-01-01", "b": True, "c": True, "d": "1"}


def test_duplicate_keys_are_rejected_with_their_line() -> None:
    _, problems = load.parse_stream("a: 1\nb:\n  c: 1\n  c: 2\n", "f.yaml")
    assert problems == [Problem(Source("f.yaml", 4), None, "", "invalid YAML: duplicate key 'c'")]


def test_syntax_error_names_the_line() -> None:
    _, problems = load.parse_stream("a: 1\nb: [1, 2\nc: 3\n", "f.yaml")
    assert len(problems) == 1
    assert problems[0].source.path == "f.yaml"
    assert problems[0].source.line >= 2
    assert problems[0].message.startswith("invalid YAML: ")


def test_non_mapping_document_is_a_problem() -> None:
    _, problems = load.parse_stream("- a\n- b\n", "f.yaml")
    assert problems[0].message == "a document must be a mapping (a Kubernetes object), not a list"


def test_json_files_parse() -> None:
    docs, problems = load.parse_stream('{"apiVersion": "v1", "kind": "Secret"}', "s.json")
    assert problems == [] and docs[0].kind == "Secret"


def test_classify_sorts_kinds_and_passes_others_through() -> None:
    text = (
        ISVC
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: inferenceservice-config}\n"
        + "---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: other}\n"
        + "---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: sa}\n"
        + "---\napiVersion: serving.kserve.io/v1alpha1\nkind: ServingRuntime\nmetadata: {name: r}\n"
    )
    docs, _ = load.parse_stream(text, "f.yaml")
    inputs = load.classify(docs)
    assert [d.name for d in inputs.inference_services] == ["iris"]
    assert [d.name for d in inputs.config_maps] == ["inferenceservice-config"]
    assert [d.name for d in inputs.serving_runtimes] == ["r"]
    assert [d.name for d in inputs.service_accounts] == ["sa"]
    assert [d.name for d in inputs.passthrough] == ["other", "sa"]
    assert [d.name for d in load.classify(docs, passthrough=False).passthrough] == []


def test_classify_requires_api_version_and_kind() -> None:
    docs, _ = load.parse_stream("kind: Secret\n---\napiVersion: v1\n", "f.yaml")
    inputs = load.classify(docs)
    assert [(p.field, p.message) for p in inputs.problems] == [
        ("apiVersion", "required value"),
        ("kind", "required value"),
    ]


def test_locate_field_finds_nested_lines(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("---\nkind: X\n---\n" + ISVC.lstrip("\n") + "  # end\n")
    doc_line = 4
    assert load.locate_field_from_line(str(path), doc_line, "metadata.name") == 6
    assert load.locate_field_from_line(str(path), doc_line, "spec.predictor.sklearn") == 7
    assert load.locate_field_from_line(str(path), doc_line, "spec.nope.deeper") == 7
    assert load.locate_field_from_line(str(path), 99, "spec") == 99


def test_split_path_handles_indices_and_quoted_keys() -> None:
    assert load._split_path('metadata.annotations["a.b/c"].x[2]') == [
        "metadata",
        "annotations",
        "a.b/c",
        "x",
        2,
    ]


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab: -[]{}'\"#\n\t&*!|>%@`,?")), max_size=60))
def test_parse_stream_returns_problems_never_raises(text: str) -> None:
    docs, problems = load.parse_stream(text, "fuzz.yaml")
    assert all(isinstance(d.doc, dict) for d in docs)
    assert all(p.source.path == "fuzz.yaml" for p in problems)


# int64: the loader reads a bigger integer as Go's JSON decoding into interface{} does, as a
# float64 (`test_integers_beyond_int64_load_as_go_reads_them`), so no object holds one to dump.
INT64 = st.integers(min_value=-(2**63), max_value=2**63 - 1)


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | INT64 | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_dumped_mapping_loads_back_equal(value: object) -> None:
    # Written by our emitter, which quotes every string a Go reader takes for something else
    # (PyYAML's dumper leaves `Y` or `1e3` plain: kubectl, and so this loader, read a boolean
    # and a number)
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "data": value}
    docs, problems = load.parse_stream(yamlemit.dump(doc), "f.yaml")
    assert problems == []
    assert docs[0].doc == doc


def test_integers_beyond_int64_load_as_go_reads_them() -> None:
    text = "data: {a: 9223372036854775807, b: 9223372036854775808, c: -9223372036854775809}\n"
    (doc,), problems = load.parse_stream("apiVersion: v1\nkind: ConfigMap\n" + text, "f.yaml")
    assert problems == []
    assert doc.doc["data"] == {"a": 2**63 - 1, "b": 2.0**63, "c": -(2.0**63)}
    assert [type(v) for v in doc.doc["data"].values()] == [int, float, float]


# The fast path (documents built straight from libyaml's nodes) must give exactly what the
# node-checking path gives, or defer to it: same values, same types, same sharing, same lines.


def _same(text: str, limits: load.Limits = load.DEFAULT_LIMITS) -> list[load.Loaded] | None:
    """Both paths on `text`: the fast one's documents (None if it deferred), checked equal."""
    token = load.LIMITS.set(limits)
    try:
        checked = load.parse_checked(text, "f.yaml")
        fast = load._parse_fast(text, "f.yaml")
        assert load.parse_stream(text, "f.yaml") == checked
    finally:
        load.LIMITS.reset(token)
    if fast is not None:
        assert checked[1] == []  # the fast path never accepts what the checked one refuses
        assert repr(fast) == repr(checked[0])  # repr: True is not 1, 1.0 is not 1
    return fast


def _input_files() -> list[Path]:
    roots = (REPO_ROOT / "examples", REFERENCE)
    suffixes = (".yaml", ".yml", ".json")
    return sorted(p for root in roots for p in root.rglob("*") if p.name.endswith(suffixes))


def test_fast_and_checked_paths_agree_on_every_shipped_and_reference_file() -> None:
    files = _input_files()
    deferred = []
    for path in files:
        text = path.read_text(encoding="utf-8")
        if _same(text) is None and not load.parse_checked(text, str(path))[1]:
            deferred.append(path.relative_to(REPO_ROOT).as_posix())
    assert len(files) > 150
    assert deferred == []  # all of them took the fast path


PLAIN_SCALARS = (
    "a", "yes", "No", "on", "OFF", "y", "n", "~", "null", "Null", "0", "-0", "+1", "010",
    "0o17", "0x1F", "0b101", "1_000", "1:30", "190:20:30", "08", "1e3", "1.0e+3", "-1E-3",
    ".5", "1.", "6.8523015e+5", "685_230.15", "190:20:30.15", "2024-01-02", "true", "TRUE",
    "2001-12-14t21:59:43.10-05:00", "2024-1-2", "12345678901234567890123", "a b",
    "http://x?a=1&b=2", "1.0", "0.", "-.5e-3", "'yes'", '"1e3"', "'~'", '"a\\tb"', "'&x'",
    '"*y"', "''", "!!str 1", "!!int '7'", "!!int 0x1F", "!!float '1'", "!!bool 'Yes'",
    "!!null x", "!!timestamp 2024-01-02", "! 12", "!<tag:yaml.org,2002:str> 5",
)  # fmt: skip
# Each refused by the checked path (or, for anchors and aliases, left to it).
ODD_SCALARS = (
    ".inf", "-.Inf", ".nan", "=", "<<", "!!int abc", "!!bool nope", "!!float x", "!!map ab",
    "!!binary aGk=", "!!set {a}", "!local x", "&x 1", "*x", "&y [*y]",
)  # fmt: skip
PLAIN_KEYS = ("a", "b", "c", "kind", "'yes'", "!!str 1", '"~"')
ODD_KEYS = ("<<", "1", "~", "true", "[a]", "{a: b}", "? [x]")
WELL_FORMED = st.recursive(
    st.sampled_from(PLAIN_SCALARS),
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(PLAIN_KEYS), inner, max_size=4)
    ),
    max_leaves=16,
)
KEYS = st.sampled_from(PLAIN_KEYS + ODD_KEYS)
NODES = st.recursive(
    st.sampled_from(PLAIN_SCALARS + ODD_SCALARS),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(KEYS, inner, max_size=4),
    max_leaves=12,
)


def _stream(docs: list[tuple[dict[str, object], bool]]) -> str:
    return "".join(
        "---\n" + (_flow(doc) if flow else _block(doc, "").lstrip("\n")) + "\n"
        for doc, flow in docs
    )


def _flow(value: object) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_flow(v)}" for k, v in value.items()) + "}"
    return str(value)


def _block(value: object, indent: str) -> str:
    if isinstance(value, list) and value:
        return "".join(f"\n{indent}-{_block(v, indent + '  ')}" for v in value)
    if isinstance(value, dict) and value:
        return "".join(f"\n{indent}{k}:{_block(v, indent + '  ')}" for k, v in value.items())
    return " " + _flow(value)


@settings(max_examples=300, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.dictionaries(st.sampled_from(PLAIN_KEYS), WELL_FORMED, max_size=5), st.booleans()
        ),
        max_size=3,
    )
)
def test_well_formed_yaml_takes_the_fast_path_with_the_same_result(
    docs: list[tuple[dict[str, object], bool]],
) -> None:
    assert _same(_stream(docs)) is not None


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.dictionaries(KEYS, NODES, max_size=5), st.booleans()), max_size=3),
    st.integers(1, 6),
    st.integers(0, 4),
)
def test_fast_and_checked_paths_agree_on_odd_yaml_and_any_limits(
    docs: list[tuple[dict[str, object], bool]], depth: int, digits: int
) -> None:
    text = _stream(docs)
    _same(text)
    _same(text, load.Limits(nesting_depth=depth, number_digits=digits, scalar_chars=8))
    _same(text, load.Limits(documents_per_file=len(docs) // 2))


def test_plain_inputs_take_the_fast_path_with_kubectls_meaning() -> None:
    # go-yaml v2's resolve (sigs.k8s.io/yaml, as kubectl reads a manifest), then JSON: Go's
    # strconv number syntax (0o17, 1e3 without a point), y/n booleans, no base-60 numbers, and
    # an integral float is an integer once it is JSON; a timestamp stays a string
    text = "a: 0o17\nb: 0x1F\nc: 1_000\nd: 1:30\ne: 010\nf: -1E-3\ng: 2024-01-02\nh: y\ni: 1.0e+3\n"
    text += "j: 08\nk: 129e6\nl: +.5\nm: 0b_\nn_: N\n"
    fast = _same(text)
    assert fast is not None
    assert repr(fast[0].doc) == repr(
        {"a": 15, "b": 31, "c": 1000, "d": "1:30", "e": 8, "f": -0.001, "g": "2024-01-02",
         "h": True, "i": 1000, "j": 8, "k": 129000000, "l": 0.5, "m": "0b_", "n_": False}
    )  # fmt: skip


def test_aliases_defer_to_the_checked_path_and_stay_shared() -> None:
    text = "a: &x {b: 1}\nc: *x\n"
    assert _same(text) is None
    (doc,) = load.parse_stream(text, "f.yaml")[0]
    assert doc.doc["a"] is doc.doc["c"]  # as PyYAML's constructor shares them
    assert _same("a: 'R&D'\nb: x && y\n") is not None  # an ampersand is not an anchor


def test_billion_laughs_is_refused_in_well_under_a_second() -> None:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    started = time.perf_counter()
    _, problems = load.parse_stream("\n".join(lines) + "\n", "f.yaml")
    assert time.perf_counter() - started < 0.5
    assert [p.message for p in problems] == ["aliases expand to more than 10000 nodes"]


@settings(max_examples=60, deadline=None)
@given(st.integers(0, 300_000), st.data())
def test_a_file_is_read_whole_whatever_size_it_was_said_to_have(
    tmp_path_factory: pytest.TempPathFactory, length: int, draw: st.DataObject
) -> None:
    """The first read asks for the size fstat gave; a file longer than that (it grew, or is a
    /proc file that says 0) is read on, and nothing past the limit is read."""
    data = random.Random(length).randbytes(length)
    expected = draw.draw(st.integers(0, length + 2), label="expected")
    size = draw.draw(st.integers(0, length + 2), label="size")
    path = tmp_path_factory.mktemp("read") / "f.yaml"
    path.write_bytes(data)
    fd = os.open(path, os.O_RDONLY)
    try:
        assert load._read_up_to(fd, size, expected) == data[:size]
    finally:
        os.close(fd)


def test_a_proc_file_that_says_it_is_empty_is_read_whole() -> None:
    data, problems = load.read_bytes(Path("/proc/self/status"))
    assert problems == [] and data is not None and b"\nPid:" in data
