"""Regressions for what tests/test_fuzz_examples.py found: each test is named after the input
that made `kserve-gitops` exit 3 (internal error) instead of 0 or 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from trust_helpers import assert_refused, invoke

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n"


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("!!int x", "not an integer"),
        ("!!bool x", "not a boolean"),
        ("!!float x", "not a number"),
        ("!!map x", "expected a mapping node, but found scalar"),
    ],
    ids=["int-tag-on-x", "bool-tag-on-x", "float-tag-on-x", "map-tag-on-scalar"],
)
def test_found_a_tag_its_value_does_not_fit(tmp_path: Path, value: str, reason: str) -> None:
    (tmp_path / "x.yaml").write_text(HEAD + f"data: {{a: {value}}}\n", encoding="utf-8")
    assert_refused(invoke("render", str(tmp_path)), f"{tmp_path / 'x.yaml'}:4:", reason)


def test_found_plain_0b_and_0x_without_digits_are_strings(tmp_path: Path) -> None:
    # YAML 1.1's int pattern matches them, PyYAML's int() fails; Go reads them as strings.
    (tmp_path / "x.yaml").write_text(HEAD + "data: {a: 0b_, b: -0x_}\n", encoding="utf-8")
    done = invoke("render", str(tmp_path))
    assert done.code == 0, done.stderr
    assert yaml.safe_load(done.stdout)["data"] == {"a": "0b_", "b": "-0x_"}


ISVC = (
    "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"
    "metadata: {name: m, namespace: a}\n"
)


@pytest.mark.parametrize(
    ("key", "shown"),
    [
        ('"\\r"', "spec.\\r: unknown field"),
        ('"a\\u2028b"', "spec.a\\u2028b: unknown field"),
        ('"\\e[2J"', "spec.\\x1b[2J: unknown field"),
        ('"\\u202egnp.exe"', "spec.\\u202egnp.exe: unknown field"),
    ],
    ids=["carriage-return-key", "line-separator-key", "escape-sequence-key", "bidi-override-key"],
)
def test_found_a_key_that_breaks_the_line_is_escaped(tmp_path: Path, key: str, shown: str) -> None:
    text = ISVC + f"spec:\n  predictor: {{sklearn: {{storageUri: gs://b/m}}}}\n  {key}: 1\n"
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    assert_refused(invoke("validate", str(tmp_path)), f"{tmp_path / 'x.yaml'}:", shown)


@pytest.mark.parametrize(
    ("metadata", "what"),
    [("'null'", "a string"), ("[a]", "a list"), ("1", "a number")],
    ids=["metadata-string-null", "metadata-list", "metadata-number"],
)
@pytest.mark.parametrize("kind", ["Foo", "InferenceService"])
def test_found_metadata_that_is_not_a_mapping(
    tmp_path: Path, metadata: str, what: str, kind: str
) -> None:
    text = (
        f"apiVersion: serving.kserve.io/v1beta1\nkind: {kind}\nmetadata: {metadata}\nspec: {{}}\n"
    )
    (tmp_path / "x.yaml").write_text(text, encoding="utf-8")
    for args in (["render"], ["render", "--format", "json"]):
        assert_refused(
            invoke(*args, str(tmp_path), "-n", "a"),
            f"{tmp_path / 'x.yaml'}:3: metadata: must be a mapping, not {what}",
        )


@pytest.mark.parametrize("op", ["[add]", "{a: 1}"], ids=["op-list", "op-mapping"])
def test_found_a_json_patch_op_that_is_not_a_string(tmp_path: Path, op: str) -> None:
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "apiVersion: kserve-gitops.io/v1alpha1\nkind: Overlay\n"
        f"patches: [{{target: {{}}, jsonPatch: [{{op: {op}, path: /a, value: 1}}]}}]\n",
        encoding="utf-8",
    )
    examples = Path(__file__).resolve().parent.parent / "examples" / "quickstart"
    assert_refused(
        invoke("render", str(examples), "--overlay", str(overlay)),
        str(overlay),
        "patches[0].jsonPatch",
        "operation 0: op must be one of add",
    )


@pytest.mark.parametrize(
    ("patch", "reason"),
    [
        ("mergePatch: {metadata: [{labels: {a: b}}]}", "left metadata that is not a mapping"),
        ("jsonPatch: [{op: replace, path: /metadata, value: x}]",
         "left metadata that is not a mapping"),
        ("mergePatch: {metadata: {labels: [a]}}", "left metadata.labels that is not a map of"),
        ("mergePatch: {metadata: {labels: {a: 1}}}", "left metadata.labels that is not a map of"),
        ("mergePatch: {metadata: {annotations: x}}", "left metadata.annotations that is not a"),
    ],
    ids=["merge-metadata-list", "json-metadata-string", "labels-list", "label-value-int",
         "annotations-string"],
)  # fmt: skip
def test_found_a_patch_that_breaks_metadata(tmp_path: Path, patch: str, reason: str) -> None:
    # The first crashed the identity check (exit 3); a later labelSelector crashed on a list of
    # labels; the rest were emitted with exit 0 for the API server to refuse.
    overlay = tmp_path / "overlay.yaml"
    overlay.write_text(
        "apiVersion: kserve-gitops.io/v1alpha1\nkind: Overlay\n"
        f"patches: [{{target: {{kind: Namespace}}, {patch}}}]\n",
        encoding="utf-8",
    )
    team = Path(__file__).resolve().parent.parent / "examples" / "gitops-repo" / "apps" / "team-a"
    assert_refused(
        invoke("render", str(team), "--overlay", str(overlay), "--allow-cluster-scoped"),
        f"{overlay}:3: patches[0]: Namespace team-a: the patch {reason}",
    )


def test_found_a_file_repeated_into_many_problems_is_refused_fast(tmp_path: Path) -> None:
    # The release runtimes file repeated: each duplicate is a problem, and pointing each problem
    # at its field's line re-read the whole file, problems x lines (8 s for 4 copies under load).
    runtime = (
        "apiVersion: serving.kserve.io/v1alpha1\nkind: ClusterServingRuntime\n"
        "metadata: {name: rt}\nspec:\n  supportedModelFormats: [{name: sklearn}]\n"
        "  containers:\n  - name: kserve-container\n    image: x\n"
        + "".join(f"    # padding {i}\n" for i in range(40))
    )
    (tmp_path / "x.yaml").write_text("---\n".join([runtime] * 300), encoding="utf-8")
    done = invoke("validate", str(tmp_path), "-n", "a")
    assert done.code == 2, done.stderr
    lines = done.stderr.splitlines()
    assert len(lines) == 299, lines[:3]
    assert all("metadata.name: defined twice" in line for line in lines), lines[:3]
    assert done.seconds < 2, done.seconds
