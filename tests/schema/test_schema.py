"""Strict CRD-schema validation of KServe objects (`generator.schema`).

The fixtures below are written for these tests; the published examples, the KServe CRDs and the
generator run come from tests/data/reference (vendored; see its README.md).
"""

from __future__ import annotations

import copy
import datetime
import importlib.util
import json
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml
from helpers import REFERENCE, require_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import Invalid, field_path
from generator.schema import KSERVE_KINDS, check_object, normalized, served_versions

REPO_ROOT = Path(__file__).resolve().parents[2]
PACKAGE = REPO_ROOT / "generator" / "schema"
QUANTITY = r"^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$"  # noqa: E501


def shared(*parts: str) -> Path:
    """A path of the vendored reference data (tests/data)."""
    return require_shared(*parts)


def load_all(text: str) -> list[Any]:
    return [doc for doc in yaml.load_all(text, Loader=yaml.CSafeLoader) if doc is not None]


def load(text: str) -> dict[str, Any]:
    (doc,) = load_all(text)
    assert isinstance(doc, dict)
    return doc


ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: ranker
  namespace: search
  labels: {team: search, app.kubernetes.io/part-of: ranking}
  annotations:
    serving.kserve.io/deploymentMode: Standard
spec:
  predictor:
    minReplicas: 1
    scaleMetric: cpu
    model:
      modelFormat: {name: sklearn}
      storageUri: s3://models/ranker/v3
      resources:
        requests: {cpu: 250m, memory: 512Mi}
        limits: {cpu: 1, memory: 1Gi, nvidia.com/gpu: "1"}
      env:
        - {name: LOG_LEVEL, value: debug}
  transformer:
    containers:
      - name: kserve-container
        image: registry.example/ranker-transformer:2
        ports: [{containerPort: 8080, protocol: TCP}]
"""

OTHER_KINDS = """
apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata: {name: tiny-runtime}
spec:
  supportedModelFormats: [{name: onnx, version: "1", autoSelect: true, priority: 1}]
  containers:
    - name: kserve-container
      image: registry.example/tiny-server:0.3
      resources: {requests: {cpu: "1", memory: 2Gi}}
---
apiVersion: serving.kserve.io/v1alpha1
kind: ClusterServingRuntime
metadata: {name: tiny-runtime}
spec:
  containers: [{name: kserve-container, image: registry.example/tiny-server:0.3}]
---
apiVersion: serving.kserve.io/v1alpha1
kind: TrainedModel
metadata: {name: ranker-a}
spec:
  inferenceService: ranker
  model: {framework: sklearn, memory: 64Mi, storageUri: s3://models/ranker/a}
---
apiVersion: serving.kserve.io/v1alpha1
kind: InferenceGraph
metadata: {name: pipeline}
spec:
  nodes:
    root:
      routerType: Sequence
      steps:
        - {serviceName: ranker, name: rank}
        - {serviceName: ranker-b, name: rerank, data: $response, dependency: Hard}
---
apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceService
metadata: {name: tiny-llm}
spec:
  model: {uri: "hf://facebook/opt-125m"}
  router: {route: {}}
---
apiVersion: serving.kserve.io/v1alpha1
kind: LLMInferenceServiceConfig
metadata: {name: tiny-llm-config}
spec:
  model: {uri: "hf://facebook/opt-125m"}
---
apiVersion: serving.kserve.io/v1alpha1
kind: ClusterStorageContainer
metadata: {name: hf}
spec:
  container:
    name: storage-initializer
    image: kserve/storage-initializer:latest
    resources: {requests: {memory: 100Mi, cpu: 100m}, limits: {memory: 1Gi, cpu: "1"}}
  supportedUriFormats: [{prefix: "hf://"}, {regex: "https://(.+?).blob.core.windows.net/(.+)"}]
  workloadType: initContainer
"""


def isvc() -> dict[str, Any]:
    return load(ISVC)


def predictor_model(doc: dict[str, Any]) -> dict[str, Any]:
    model: dict[str, Any] = doc["spec"]["predictor"]["model"]
    return model


# --- public API -----------------------------------------------------------------------------


def test_kinds_and_served_versions() -> None:
    assert {
        "InferenceService",
        "ServingRuntime",
        "ClusterServingRuntime",
        "TrainedModel",
        "InferenceGraph",
        "LLMInferenceService",
        "LLMInferenceServiceConfig",
        "ClusterStorageContainer",
    } == KSERVE_KINDS
    assert served_versions("LLMInferenceService") == ("v1alpha1", "v1alpha2")
    assert served_versions("LLMInferenceServiceConfig") == ("v1alpha1", "v1alpha2")
    assert served_versions("InferenceService") == ("v1beta1",)
    assert served_versions("ServingRuntime") == ("v1alpha1",)
    assert served_versions("ClusterStorageContainer") == ("v1alpha1",)
    assert served_versions("Deployment") == ()


def test_valid_objects_of_every_kind_have_no_problem() -> None:
    docs = [isvc(), *load_all(OTHER_KINDS)]
    assert {doc["kind"] for doc in docs} == KSERVE_KINDS
    for doc in docs:
        assert check_object(doc) == [], doc["kind"]


@pytest.mark.parametrize(
    "doc",
    [
        {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "stringData": {}},
        {"apiVersion": "apps/v1", "kind": "InferenceService", "spec": 1},
        {"apiVersion": "serving.knative.dev/v1", "kind": "Service", "nodeName": "x"},
        # LLMInferenceService is checked since issue 20 (test_llm_unknown_field_is_named)
        {"apiVersion": "serving.kserve.io/v1alpha1", "kind": "LocalModelCache", "x": 1},
        {"kind": "InferenceService"},
        {"apiVersion": 1, "kind": "InferenceService"},
    ],
)
def test_objects_that_are_not_kserve_crd_kinds_are_not_checked(doc: dict[str, Any]) -> None:
    assert check_object(doc) == []


def test_llm_unknown_field_is_named() -> None:
    # KServe v0.20.0's kv-cache-offloading sample writes spec.workload, which neither served
    # version declares: strict field validation names it.
    doc = load_all(OTHER_KINDS)[-2]
    doc = {**doc, "spec": {**doc["spec"], "workload": {}}}
    assert [(i.field, i.message) for i in check_object(doc)] == [
        ("spec.workload", 'unknown field "workload"')
    ]


def test_any_mapping_is_accepted_and_never_modified() -> None:
    doc = isvc()
    doc["spec"]["predictor"]["minReplicas"] = None
    doc["spec"]["nodeName"] = "n1"
    before = copy.deepcopy(doc)
    assert check_object(MappingProxyType(doc)) == [
        Invalid("spec.nodeName", 'unknown field "nodeName"')
    ]
    assert doc == before


def test_validators_are_built_on_first_use_into_the_cache(tmp_path: Path) -> None:
    """Only the validator of a kind that is checked is built, once, into $XDG_CACHE_HOME."""
    code = (
        "import generator.schema as s\n"
        "s.check_object({'apiVersion': 'serving.kserve.io/v1alpha1', 'kind': 'TrainedModel',"
        " 'metadata': {'name': 'a'}})\n"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, check=True, env=env)
    built = sorted(p.name.split("-")[0] for p in (tmp_path / "kserve-gitops" / "schema").iterdir())
    assert built == ["trainedmodel_v1alpha1"]


# --- apiVersion -----------------------------------------------------------------------------


def test_an_unserved_api_version_is_one_problem_on_api_version() -> None:
    doc = isvc() | {"apiVersion": "serving.kserve.io/v1alpha2", "spec": {"default": {}}}
    assert check_object(doc) == [
        Invalid(
            "apiVersion",
            "serving.kserve.io/v1alpha2 is not served for InferenceService "
            "(served: serving.kserve.io/v1beta1)",
        )
    ]
    runtime = load_all(OTHER_KINDS)[0] | {"apiVersion": "serving.kserve.io/v1beta1"}
    assert check_object(runtime) == [
        Invalid(
            "apiVersion",
            "serving.kserve.io/v1beta1 is not served for ServingRuntime "
            "(served: serving.kserve.io/v1alpha1)",
        )
    ]


# --- unknown fields -------------------------------------------------------------------------


def test_unknown_fields_are_reported_at_their_own_path() -> None:
    doc = isvc()
    doc["spec"]["nodeName"] = "node-1"
    doc["spec"]["transformer"]["custom"] = {"container": {"image": "x"}}
    doc["spec"]["predictor"]["model"]["env"][0]["valueFrm"] = "typo"
    doc["metadata"]["label"] = {"a": "b"}
    assert sorted(check_object(doc)) == [
        Invalid("metadata.label", 'unknown field "label"'),
        Invalid("spec.nodeName", 'unknown field "nodeName"'),
        Invalid("spec.predictor.model.env[0].valueFrm", 'unknown field "valueFrm"'),
        Invalid("spec.transformer.custom", 'unknown field "custom"'),
    ]


def test_every_unknown_key_of_one_object_is_named() -> None:
    doc = isvc()
    doc["spec"]["explainer"] = {"alibi": {"type": "AnchorTabular"}, "minReplicas": 1, "x": None}
    assert check_object(doc) == [
        Invalid("spec.explainer.alibi", 'unknown field "alibi"'),
        Invalid("spec.explainer.x", 'unknown field "x"'),
    ]


def test_preserve_unknown_fields_allows_anything_below_but_checks_declared_fields() -> None:
    doc = isvc()
    doc["status"] = {"anything": {"goes": [1, None]}, "url": "http://ranker.search"}
    assert check_object(doc) == []
    doc["status"]["url"] = 5
    assert check_object(doc) == [Invalid("status.url", "must be of type string (got integer 5)")]


def test_an_object_without_properties_keeps_no_fields() -> None:
    # ServingRuntime's status is a bare `type: object`, as is every nested
    # volumeClaimTemplate.metadata: the API server prunes (strict: rejects) whatever is in them.
    runtime = load_all(OTHER_KINDS)[0]
    runtime["status"] = {"ready": True}
    runtime["spec"]["volumes"] = [
        {
            "name": "scratch",
            "ephemeral": {
                "volumeClaimTemplate": {
                    "metadata": {"labels": {"a": "b"}},
                    "spec": {"accessModes": ["ReadWriteOnce"]},
                }
            },
        }
    ]
    assert sorted(check_object(runtime)) == [
        Invalid(
            "spec.volumes[0].ephemeral.volumeClaimTemplate.metadata.labels",
            'unknown field "labels"',
        ),
        Invalid("status.ready", 'unknown field "ready"'),
    ]


# --- types, int-or-string, enums, patterns, bounds ------------------------------------------


def test_a_float_quantity_is_neither_integer_nor_string() -> None:
    doc = isvc()
    predictor_model(doc)["resources"]["requests"]["cpu"] = 0.1
    assert check_object(doc) == [
        Invalid(
            "spec.predictor.model.resources.requests.cpu",
            "must be an integer or a string (got float 0.1)",
        )
    ]


def test_a_float_without_fraction_is_an_integer_as_after_kubectl_json_encoding() -> None:
    doc = isvc()
    predictor_model(doc)["resources"]["limits"]["cpu"] = 2.0
    doc["spec"]["predictor"]["minReplicas"] = 1.0
    assert check_object(doc) == []


def test_map_keys_with_dots_are_spelled_in_the_path() -> None:
    doc = isvc()
    predictor_model(doc)["resources"]["limits"]["nvidia.com/gpu"] = True
    assert check_object(doc) == [
        Invalid(
            "spec.predictor.model.resources.limits.nvidia.com/gpu",
            "must be an integer or a string (got boolean true)",
        )
    ]


def test_quantity_strings_must_match_the_pattern() -> None:
    doc = isvc()
    predictor_model(doc)["resources"]["requests"]["memory"] = "1 GB"
    [problem] = check_object(doc)
    assert problem.field == "spec.predictor.model.resources.requests.memory"
    assert problem.message == f"invalid value \"1 GB\": should match '{QUANTITY}'"
    # Go's `$` does not match before a final newline; neither does ours.
    predictor_model(doc)["resources"]["requests"]["memory"] = "1Gi\n"
    assert [p.field for p in check_object(doc)] == [problem.field]


def test_wrong_scalar_types() -> None:
    doc = isvc()
    doc["spec"]["predictor"]["minReplicas"] = "2"
    doc["spec"]["predictor"]["model"]["env"][0]["value"] = True
    doc["spec"]["transformer"]["containers"][0]["ports"] = {"containerPort": 8080}
    assert sorted(check_object(doc)) == [
        Invalid("spec.predictor.minReplicas", 'must be of type integer (got string "2")'),
        Invalid("spec.predictor.model.env[0].value", "must be of type string (got boolean true)"),
        Invalid("spec.transformer.containers[0].ports", "must be of type array (got object)"),
    ]


def test_a_value_outside_the_enum() -> None:
    doc = isvc()
    doc["spec"]["predictor"]["scaleMetric"] = "qps"
    assert check_object(doc) == [
        Invalid(
            "spec.predictor.scaleMetric",
            'unsupported value "qps": supported values: "cpu", "memory", "concurrency", "rps"',
        )
    ]


def test_numeric_and_length_bounds() -> None:
    doc = isvc()
    doc["spec"]["predictor"]["storageUris"] = []
    runtime = load_all(OTHER_KINDS)[0]
    runtime["spec"]["supportedModelFormats"][0]["priority"] = 0
    assert check_object(doc) == [
        Invalid("spec.predictor.storageUris", "must have at least 1 item(s)")
    ]
    assert check_object(runtime) == [
        Invalid(
            "spec.supportedModelFormats[0].priority",
            "must be greater than or equal to 1 (got 0)",
        )
    ]


def test_required_fields() -> None:
    doc = isvc()
    del doc["spec"]["predictor"]
    del doc["metadata"]["name"]
    doc["spec"]["transformer"]["containers"][0]["ports"][0].pop("containerPort")
    assert sorted(check_object(doc)) == [
        Invalid("metadata.name", "required value"),
        Invalid("spec.predictor", "required value"),
        Invalid("spec.transformer.containers[0].ports[0].containerPort", "required value"),
    ]
    model = load_all(OTHER_KINDS)[2]
    model["spec"]["model"] = {"framework": "sklearn"}
    assert sorted(check_object(model)) == [
        Invalid("spec.model.memory", "required value"),
        Invalid("spec.model.storageUri", "required value"),
    ]


# --- metadata -------------------------------------------------------------------------------


def test_metadata_is_checked_as_object_meta() -> None:
    doc = isvc()
    doc["metadata"] |= {
        "generateName": "ranker-",
        "uid": "0e7d",
        "resourceVersion": "42",
        "generation": 3,
        "selfLink": "/apis/x",
        "creationTimestamp": "2025-01-01T00:00:00Z",
        "deletionTimestamp": None,
        "deletionGracePeriodSeconds": 30,
        "finalizers": ["example.com/keep"],
        "ownerReferences": [
            {"apiVersion": "v1", "kind": "ConfigMap", "name": "c", "uid": "1", "controller": True}
        ],
        "managedFields": [
            {"manager": "kubectl", "operation": "Apply", "fieldsType": "FieldsV1",
             "fieldsV1": {"f:spec": {}}}
        ],
    }  # fmt: skip
    assert check_object(doc) == []
    doc["metadata"]["labels"]["replicas"] = 3
    doc["metadata"]["annotations"]["enabled"] = True
    doc["metadata"]["generation"] = "3"
    doc["metadata"]["ownerReferences"][0].pop("uid")
    doc["metadata"]["finalizers"].append(1)
    assert sorted(check_object(doc)) == [
        Invalid("metadata.annotations.enabled", "must be of type string (got boolean true)"),
        Invalid("metadata.finalizers[1]", "must be of type string (got integer 1)"),
        Invalid("metadata.generation", 'must be of type integer (got string "3")'),
        Invalid("metadata.labels.replicas", "must be of type string (got integer 3)"),
        Invalid("metadata.ownerReferences[0].uid", "required value"),
    ]


# --- nulls and timestamps -------------------------------------------------------------------


def test_null_fields_count_as_absent_like_the_api_server_prunes_them() -> None:
    """Decision: an explicit null for a field of an object or map is treated as if the field
    were absent (the API server prunes such nulls before validating); it is `required value`
    when the field is required; a null list item is an error; an unknown field stays unknown
    whatever its value."""
    doc = isvc()
    doc["status"] = None
    doc["metadata"]["labels"]["team"] = None
    doc["metadata"]["creationTimestamp"] = None
    doc["spec"]["predictor"]["minReplicas"] = None
    doc["spec"]["transformer"]["containers"][0]["ports"][0]["protocol"] = None
    assert check_object(doc) == []
    doc["spec"]["predictor"] = None
    doc["spec"]["transformer"]["containers"].append(None)
    doc["spec"]["extra"] = None
    assert sorted(check_object(doc)) == [
        Invalid("spec.extra", 'unknown field "extra"'),
        Invalid("spec.predictor", "required value"),
        Invalid("spec.transformer.containers[1]", "must be of type object (got null)"),
    ]


def test_unquoted_yaml_timestamps_are_strings_as_for_kubectl() -> None:
    doc = load(ISVC.replace("team: search", "since: 2024-05-01"))
    assert doc["metadata"]["labels"]["since"] == datetime.date(2024, 5, 1)
    doc["metadata"]["creationTimestamp"] = datetime.datetime(2025, 1, 1, tzinfo=datetime.UTC)
    assert check_object(doc) == []
    doc["spec"]["predictor"]["minReplicas"] = datetime.date(2024, 5, 1)
    assert check_object(doc) == [
        Invalid("spec.predictor.minReplicas", "must be of type integer (got timestamp 2024-05-01)")
    ]


def test_normalized_is_the_object_as_stored() -> None:
    doc = isvc()
    assert normalized(doc) is doc
    doc["status"] = {"kept": None}
    doc["metadata"]["labels"]["since"] = datetime.date(2024, 5, 1)
    doc["spec"]["predictor"]["minReplicas"] = None
    stored = normalized(doc)
    assert check_object(doc) == []
    assert stored["metadata"]["labels"]["since"] == "2024-05-01"
    assert "minReplicas" not in stored["spec"]["predictor"]
    assert stored["status"] == {"kept": None}  # preserve-unknown-fields: stored as given
    assert doc["spec"]["predictor"]["minReplicas"] is None  # the input is left alone
    other = {"apiVersion": "v1", "kind": "ConfigMap", "data": None}
    assert normalized(other) is other


# --- properties -----------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(cpu=st.floats(allow_nan=False, allow_infinity=False).filter(lambda x: not x.is_integer()))
def test_any_float_with_a_fraction_is_rejected_as_a_quantity(cpu: float) -> None:
    doc = isvc()
    predictor_model(doc)["resources"]["requests"]["cpu"] = cpu
    assert check_object(doc) == [
        Invalid(
            "spec.predictor.model.resources.requests.cpu",
            f"must be an integer or a string (got float {cpu!r})",
        )
    ]


@settings(max_examples=150, deadline=None)
@given(memory=st.integers() | st.from_regex(QUANTITY.replace("$", r"\Z"), fullmatch=True))
def test_any_integer_or_quantity_string_is_accepted(memory: int | str) -> None:
    doc = isvc()
    predictor_model(doc)["resources"]["limits"]["memory"] = memory
    assert check_object(doc) == []


# --- scripts/gen_schemas.py ----------------------------------------------------------------


@cache
def gen_schemas() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gen_schemas", REPO_ROOT / "scripts" / "gen_schemas.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_conversion_drops_prose_and_makes_objects_strict() -> None:
    crd_node = {
        "type": "object",
        "description": "prose",
        "properties": {
            "size": {
                "anyOf": [{"type": "integer"}, {"type": "string"}],
                "x-kubernetes-int-or-string": True,
                "pattern": "^[0-9]+$",
                "description": "more prose",
            },
            "tags": {
                "type": "array",
                "items": {"type": "string", "format": "byte", "default": ""},
                "x-kubernetes-list-type": "set",
            },
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
            "mode": {"type": "string", "enum": ["a", "b"], "nullable": True},
            "bare": {"type": "object"},
        },
        "required": ["size"],
        "x-kubernetes-validations": [{"rule": "self.size > 0"}],
    }
    assert gen_schemas().convert(crd_node, "X") == {
        "type": "object",
        "properties": {
            "size": {"type": ["integer", "string"], "pattern": "^[0-9]+$"},
            "tags": {"type": "array", "items": {"type": "string"}},
            "labels": {"type": "object", "additionalProperties": {"type": "string"}},
            "free": {"type": "object"},
            "mode": {"type": ["string", "null"], "enum": ["a", "b", None]},
            "bare": {"type": "object", "additionalProperties": False},
        },
        "required": ["size"],
        "additionalProperties": False,
    }


def test_conversion_refuses_keywords_it_does_not_know() -> None:
    with pytest.raises(SystemExit, match="x-kubernetes-embedded-resource"):
        gen_schemas().convert({"type": "object", "x-kubernetes-embedded-resource": True}, "X")


def test_repeated_subschemas_become_definitions_and_single_uses_stay_inline() -> None:
    probe = {
        "type": "object",
        "properties": {"path": {"type": "string"}, "port": {"type": ["integer", "string"]}},
        "additionalProperties": False,
    }
    container = {
        "type": "object",
        "properties": {"liveness": probe, "readiness": probe, "name": {"type": "string"}},
        "additionalProperties": False,
    }
    root = {
        "type": "object",
        "properties": {"init": container, "main": container},
        "additionalProperties": False,
    }
    hoisted = gen_schemas().hoist(root)
    assert hoisted["properties"] == {
        "init": {"$ref": "#/definitions/init"},
        "main": {"$ref": "#/definitions/init"},
    }
    # `probe` occurs four times in `root` but twice in the definition: shared there.
    assert sorted(hoisted["definitions"]) == ["init", "liveness"]
    assert hoisted["definitions"]["liveness"] == probe


# --- the published examples and the CRDs (tests/data/reference) -----------------------------

INVALID_EXAMPLES = {
    "bloom-nodename.yaml": r"spec\.nodeName",
    "rollout-transformer-custom.yaml": r"spec\.transformer\.custom",
    "pvc-v1alpha2.yaml": r"apiVersion",
    "kpa-scalemetric-qps.yaml": r"spec\.predictor\.scaleMetric",
    "keda-external-auth.yaml": r"spec\.predictor\.autoScaling\.metrics\[0\]\.external\..+",
    "alibi-income.yaml": r"spec\.explainer\.alibi"
    r"|spec\.predictor\.sklearn\.resources\.requests\.cpu",
    "alibi-tabular-cpu-float.yaml": r"spec\.(predictor\.model|explainer\.containers\[0\])"
    r"\.resources\.requests\.cpu",
    "logger-request-header.yaml": r"predictor",
}


def example_files() -> list[str]:
    folder = REFERENCE / "examples"
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml"))


def kserve_docs(path: Path) -> list[dict[str, Any]]:
    docs = load_all(path.read_text(encoding="utf-8"))
    return [d for d in docs if isinstance(d, dict) and d.get("kind") in KSERVE_KINDS]


@pytest.mark.parametrize("name", sorted(INVALID_EXAMPLES))
def test_published_invalid_example_is_rejected_at_the_field(name: str) -> None:
    path = shared("reference", "examples-invalid", name)
    problems = [p for doc in kserve_docs(path) for p in check_object(doc)]
    assert problems
    assert all(re.fullmatch(INVALID_EXAMPLES[name], p.field) for p in problems), problems


@pytest.mark.parametrize("name", example_files())
def test_published_example_is_valid(name: str) -> None:
    path = shared("reference", "examples") / name
    for doc in kserve_docs(path):
        assert check_object(doc) == [], doc["metadata"]


def test_shipped_schemas_are_up_to_date_and_deterministic(tmp_path: Path) -> None:
    """The drift check, on every run: the shipped schema data is what scripts/gen_schemas.py
    makes of the vendored KServe CRDs (tests/data), byte for byte, twice."""
    crd_dir = shared("reference", "kserve", "crd")
    shipped = shipped_files(PACKAGE)
    runs = []
    for run in ("a", "b"):
        out = tmp_path / run
        script = REPO_ROOT / "scripts" / "gen_schemas.py"
        subprocess.run(
            [sys.executable, str(script), str(crd_dir), "--out", str(out)],
            check=True,
            capture_output=True,
        )
        runs.append(shipped_files(out))
    assert runs[0] == runs[1]
    assert sorted(shipped) == sorted(runs[0])
    stale = [name for name in shipped if shipped[name] != runs[0][name]]
    assert not stale, f"run scripts/gen_schemas.py: {stale} differ from the CRDs"


def shipped_files(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in root.glob("data/*.json")}


# Property tests over the published examples, with the CRD schemas telling where a document's
# objects are strict (known fields only), maps, or preserve unknown fields.


def any_values(names: str) -> dict[str, Any]:
    return {name: {} for name in names.split()}


OBJECT_META: dict[str, Any] = {
    "properties": {
        **any_values(
            "name generateName namespace selfLink uid resourceVersion generation finalizers"
            " creationTimestamp deletionTimestamp deletionGracePeriodSeconds"
        ),
        "labels": {"additionalProperties": {"type": "string"}},
        "annotations": {"additionalProperties": {"type": "string"}},
        "ownerReferences": {
            "items": {
                "properties": any_values("apiVersion kind name uid controller blockOwnerDeletion"),
                "required": ["apiVersion", "kind", "name", "uid"],
            }
        },
        "managedFields": {
            "items": {
                "properties": {
                    **any_values("manager operation apiVersion time fieldsType subresource"),
                    "fieldsV1": {"x-kubernetes-preserve-unknown-fields": True},
                }
            }
        },
    },
    "required": ["name"],
}

Strict = tuple[tuple[Any, ...], frozenset[str], frozenset[str]]


@cache
def crd_schemas() -> dict[str, dict[str, Any]]:
    """kind -> the served version's openAPIV3Schema, with ObjectMeta for metadata."""
    schemas = {}
    for path in sorted(shared("reference", "kserve", "crd").glob("*.yaml")):
        crd = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        root = copy.deepcopy(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
        root["properties"]["metadata"] = OBJECT_META
        root["required"] = ["apiVersion", "kind", "metadata"]
        schemas[crd["spec"]["names"]["kind"]] = root
    return schemas


@pytest.fixture(scope="module")
def published() -> list[dict[str, Any]]:
    """Every KServe object of the published examples (the CRDs must be there too)."""
    crd_schemas()
    folder = shared("reference", "examples")
    return [doc for path in sorted(folder.rglob("*.yaml")) for doc in kserve_docs(path)]


def strict_objects(
    doc: Any, schema: dict[str, Any], path: tuple[Any, ...] = ()
) -> Iterator[Strict]:
    """(path, declared fields, required fields) of every object of `doc` that is strict."""
    if isinstance(doc, list):
        for index, item in enumerate(doc):
            yield from strict_objects(item, schema.get("items", {}), (*path, index))
        return
    if not isinstance(doc, dict) or schema.get("x-kubernetes-preserve-unknown-fields"):
        return
    if isinstance(schema.get("additionalProperties"), dict):
        for key, value in doc.items():
            yield from strict_objects(value, schema["additionalProperties"], (*path, key))
        return
    declared = schema.get("properties", {})
    yield path, frozenset(declared), frozenset(schema.get("required", ()))
    for key, value in doc.items():
        if key in declared:
            yield from strict_objects(value, declared[key], (*path, key))


def node(doc: Any, path: tuple[Any, ...]) -> Any:
    for part in path:
        doc = doc[part]
    return doc


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), key=st.text(min_size=1, max_size=30), value=json_values)
def test_an_injected_key_is_always_an_unknown_field(
    published: list[dict[str, Any]], data: st.DataObject, key: str, value: Any
) -> None:
    doc = copy.deepcopy(data.draw(st.sampled_from(published)))
    objects = list(strict_objects(doc, crd_schemas()[doc["kind"]]))
    path, declared, _ = data.draw(st.sampled_from(objects))
    target = node(doc, path)
    if key in declared or key in target:
        return
    target[key] = value
    assert check_object(doc) == [
        Invalid(field_path(*path, key), f"unknown field {json.dumps(key, ensure_ascii=False)}")
    ]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_null_field_is_absent_or_a_missing_required_value(
    published: list[dict[str, Any]], data: st.DataObject
) -> None:
    doc = copy.deepcopy(data.draw(st.sampled_from(published)))
    objects = list(strict_objects(doc, crd_schemas()[doc["kind"]]))
    path, _, required = data.draw(st.sampled_from([o for o in objects if node(doc, o[0])]))
    target = node(doc, path)
    key = data.draw(st.sampled_from(sorted(target)))
    if not path and key in ("apiVersion", "kind"):
        return  # without them the object is not recognised as KServe's at all
    target[key] = None
    expected = [Invalid(field_path(*path, key), "required value")] if key in required else []
    assert check_object(doc) == expected
