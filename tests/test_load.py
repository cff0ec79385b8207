"""Loading: discovery order, YAML 1.1 meaning, strictness, classification, error lines."""

from __future__ import annotations

from pathlib import Path

import yaml
from helpers import build_tree
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import load
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


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=20),
        lambda inner: (
            st.lists(inner, max_size=4)
            | st.dictionaries(st.text(min_size=1, max_size=8), inner, max_size=4)
        ),
        max_leaves=20,
    )
)
def test_any_dumped_mapping_loads_back_equal(value: object) -> None:
    doc = {"apiVersion": "v1", "kind": "ConfigMap", "data": value}
    docs, problems = load.parse_stream(yaml.safe_dump(doc), "f.yaml")
    assert problems == []
    assert docs[0].doc == doc
