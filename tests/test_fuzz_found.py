"""Regressions for what tests/test_fuzz_examples.py found: each test is named after the input
that made `kserve-gitops` exit 3 (internal error) instead of 0 or 2."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from trust_helpers import Outcome, assert_refused, invoke

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


# Found by a fuzzing session of 5,741 mutated inputs (2026-12-08): four inputs exited 3.


def refused(outcome: Outcome, *lines: str) -> None:
    """Exit 2 with nothing on stdout and, among the lines on stderr, one naming each of
    `lines` (a malformed object may break more than one rule)."""
    assert outcome.code == 2, outcome
    assert outcome.stdout == "" and "Traceback" not in outcome.stderr
    for line in lines:
        assert any(line in said for said in outcome.stderr.splitlines()), (line, outcome.stderr)


def test_found_two_problems_on_one_line_one_about_no_object(tmp_path: Path) -> None:
    # A one-line document read as --config too: "kind: required value" (no object) and a
    # config key's problem (an object) on one line; sorting them compared None with an object.
    (tmp_path / "c.yaml").write_text("{apiVersion: v1, metadata: {name: x}}\n", encoding="utf-8")
    config = str(tmp_path / "c.yaml")
    for command in ("render", "validate"):
        done = invoke(command, config, "--config", config)
        refused(done, f"{config}:1: kind: required value", f"{config}:1: x: metadata: must be a")


SKLEARN = ISVC + "spec:\n  predictor:\n    sklearn: {storageUri: 'gs://b/m'}\n"


@pytest.mark.parametrize(
    ("spec", "said"),
    [
        ("{supportedUriFormats: [x]}", "spec.supportedUriFormats[0]: must be of type object"),
        ("{supportedUriFormats: [{prefix: 1}]}", "spec.supportedUriFormats[0].prefix: must be of"),
        ("{supportedUriFormats: [{regex: 5}]}", "spec.supportedUriFormats[0].regex: must be of"),
        ("{supportedUriFormats: 5}", "spec.supportedUriFormats: must be of type array"),
        ("5", "spec: must be of type object"),
        ("{container: 5, supportedUriFormats: [{prefix: 'gs://'}]}", "spec.container: must be"),
    ],
    ids=["format-string", "prefix-int", "regex-int", "formats-int", "spec-int", "container-int"],
)
def test_found_a_cluster_storage_container_of_the_wrong_shape(
    tmp_path: Path, spec: str, said: str
) -> None:
    # Read by the storage-initializer injection without a check: KServe's full CRD refuses it.
    container = (
        "apiVersion: serving.kserve.io/v1alpha1\nkind: ClusterStorageContainer\n"
        f"metadata: {{name: c}}\nspec: {spec}\n"
    )
    (tmp_path / "csc.yaml").write_text(container, encoding="utf-8")
    (tmp_path / "isvc.yaml").write_text(SKLEARN, encoding="utf-8")
    for command in ("render", "validate"):
        refused(invoke(command, str(tmp_path)), "ClusterStorageContainer c: " + said)


LLM = """apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceService
metadata: {name: m, namespace: team-a}
spec:
  model: {uri: "hf://org/m"}
  router:
    route: {}
    gateway:
      refs: [{name: gw, namespace: team-a}]
"""


@pytest.mark.parametrize(
    ("gateway", "said"),
    [
        ("spec: x", "spec: must be of type object"),
        ("spec: {gatewayClassName: c, listeners: [5]}", "spec.listeners[0]: must be of type"),
        ("spec: {gatewayClassName: c, listeners: true}", "spec.listeners: must be of type array"),
        ("metadata: {name: gw, namespace: team-a, annotations: 5}\nspec: {}",
         "metadata.annotations: must be of type object"),
    ],
    ids=["spec-string", "listener-int", "listeners-bool", "annotations-int"],
)  # fmt: skip
def test_found_a_gateway_of_the_wrong_shape(tmp_path: Path, gateway: str, said: str) -> None:
    # Read for an LLMInferenceService's route without a check; now checked as a Gateway passed
    # through is (the Gateway API CRD), and one the API server refuses is not read.
    head = "apiVersion: gateway.networking.k8s.io/v1\nkind: Gateway\n"
    if not gateway.startswith("metadata"):
        head += "metadata: {name: gw, namespace: team-a}\n"
    (tmp_path / "gateway.yaml").write_text(head + gateway + "\n", encoding="utf-8")
    (tmp_path / "llm.yaml").write_text(LLM, encoding="utf-8")
    refused(invoke("render", str(tmp_path)), "Gateway team-a/gw: " + said)


@pytest.mark.parametrize("name", ["config-domain", "config-network", "config-autoscaler",
                                  "config-features"])  # fmt: skip
@pytest.mark.parametrize("data", ["5", "true", "[null]", "x"])
@pytest.mark.parametrize("passthrough", [True, False])
def test_found_a_knative_config_map_whose_data_is_not_a_mapping(
    tmp_path: Path, name: str, data: str, passthrough: bool
) -> None:
    # Read for hosts and features before any check, passed through or not.
    config = (
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {name}, namespace: knative-serving}}\n"
    )
    (tmp_path / "cm.yaml").write_text(config + f"data: {data}\n", encoding="utf-8")
    (tmp_path / "isvc.yaml").write_text(SKLEARN, encoding="utf-8")
    options = () if passthrough else ("--no-passthrough",)
    assert_refused(
        invoke("render", str(tmp_path), *options),
        f"ConfigMap knative-serving/{name}: data: must be of type object or null",
    )


@pytest.mark.parametrize("passthrough", [True, False])
def test_found_a_service_account_of_the_wrong_shape(tmp_path: Path, passthrough: bool) -> None:
    # Passed through (and read for credentials) unchecked, exit 0.
    account = (
        "apiVersion: v1\nkind: ServiceAccount\n"
        "metadata: {name: sa, namespace: a, annotations: {serving.kserve.io/s3-endpoint: 5}}\n"
        "secrets: 5\n"
    )
    (tmp_path / "sa.yaml").write_text(account, encoding="utf-8")
    (tmp_path / "isvc.yaml").write_text(
        SKLEARN.replace("predictor:\n", "predictor:\n    serviceAccountName: sa\n"),
        encoding="utf-8",
    )
    options = () if passthrough else ("--no-passthrough",)
    refused(
        invoke("render", str(tmp_path), *options),
        "ServiceAccount a/sa: secrets: must be of type array or null",
        "ServiceAccount a/sa: metadata.annotations.serving.kserve.io/s3-endpoint: must be of type",
    )
