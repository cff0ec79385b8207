"""The CA bundle ConfigMap copy (generator/controllers/cabundle.py), ported from KServe v0.20.0's
reconcilers/cabundleconfigmap/cabundle_configmap_reconciler_test.go (TestReconcile,
TestGetCabundleConfigMapForUserNS, TestGetDesiredCaBundleConfigMapForUserNS) and controller_test.go
Context("Set CaBundle ConfigMap in inferenceservice-config confimap"). The differential suite
runs the golden case knative-ca-bundle-copy beside KServe's own reconciler."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import build_tree

from generator import config, pipeline
from generator.errors import ProblemsFound

BUNDLE = "-----BEGIN CERTIFICATE-----\nTEST_CA_BUNDLE_CONTENT\n-----END CERTIFICATE-----\n"


def _isvc(name: str, namespace: str, annotations: str = "") -> str:
    return f"""
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: {name}, namespace: {namespace}{annotations}}}
spec: {{predictor: {{sklearn: {{storageUri: "gs://b/m"}}}}}}
"""


def _config(ca_bundle_name: str) -> str:
    """The shipped storageInitializer value (a key replaces the whole value, as in KServe) with
    caBundleConfigMapName set."""
    shipped = json.loads(config.builtin_layer().data["storageInitializer"])
    value = json.dumps({**shipped, "caBundleConfigMapName": ca_bundle_name})
    return f"""
apiVersion: v1
kind: ConfigMap
metadata: {{name: inferenceservice-config, namespace: kserve}}
data:
  storageInitializer: '{value}'
"""


def _source(name: str, data: dict[str, str]) -> str:
    return json.dumps(
        {"apiVersion": "v1", "kind": "ConfigMap",
         "metadata": {"name": name, "namespace": "kserve"}, "data": data}
    )  # fmt: skip


def _run(root: Path) -> pipeline.Result:
    return pipeline.run(pipeline.Request((str(root),)))


def _copies(result: pipeline.Result) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (item.namespace, item.owner, item.obj["data"])
        for item in result.objects
        if item.kind == "ConfigMap" and item.name == "global-ca-bundle"
    ]


def test_a_copy_per_namespace_with_only_the_bundle_file(tmp_path: Path) -> None:
    """controller_test.go: It("Should create a global cabundle configmap in a user namespace
    when it meets all conditions and an inferenceservice is created"); getDesiredCaBundle…:
    data holds cabundle.crt only, whatever else the source holds."""
    build_tree(
        tmp_path,
        {
            "config.yaml": _config("cabundle"),
            "ca.yaml": _source("cabundle", {"cabundle.crt": BUNDLE, "other": "x"}),
            "a.yaml": _isvc("iris", "team-a") + "---" + _isvc("another", "team-a"),
            "b.yaml": _isvc("wine", "team-b"),
        },
    )
    result = _run(tmp_path)
    assert _copies(result) == [
        ("team-a", "another", {"cabundle.crt": BUNDLE}),
        ("team-b", "wine", {"cabundle.crt": BUNDLE}),
    ]
    predictor = next(i.obj for i in result.objects if i.name == "iris-predictor")
    volumes = predictor["spec"]["template"]["spec"]["volumes"]
    assert {"name": "cabundle-cert", "configMap": {"name": "global-ca-bundle"}} in volumes


def test_no_ca_bundle_name_copies_nothing(tmp_path: Path) -> None:
    """TestReconcile "No CA bundle name in storage config"; controller_test.go: It("Should not
    create a global cabundle configMap in a user namespace when CaBundleConfigMapName set ''")."""
    build_tree(
        tmp_path,
        {"config.yaml": _config(""), "ca.yaml": _source("cabundle", {"cabundle.crt": BUNDLE}),
         "a.yaml": _isvc("iris", "team-a")},
    )  # fmt: skip
    assert _copies(_run(tmp_path)) == []


def test_a_source_without_the_bundle_file_is_kserves_error(tmp_path: Path) -> None:
    """TestReconcile "CA bundle missing required data", TestGetCabundleConfigMapForUserNS
    "ConfigMap missing required data": the reconcile fails, nothing is rendered."""
    build_tree(
        tmp_path,
        {"config.yaml": _config("test-cabundle-cm"),
         "ca.yaml": _source("test-cabundle-cm", {"wrong-key": "data"}),
         "a.yaml": _isvc("iris", "team-a")},
    )  # fmt: skip
    with pytest.raises(ProblemsFound) as found:
        _run(tmp_path)
    (problem,) = found.value.problems
    assert problem.source.path.endswith("ca.yaml")
    assert str(problem.obj) == "ConfigMap kserve/test-cabundle-cm"
    assert problem.field == "data.cabundle.crt"
    assert problem.message == (
        "fails to get cabundle configmap for creating to user namespace: specified cabundle "
        "file cabundle.crt not found in cabundle configmap test-cabundle-cm"
    )


def test_a_source_not_in_the_input_set_is_a_notice_not_an_error(tmp_path: Path) -> None:
    """TestReconcile "CA bundle not found" is an error in KServe, which reads the cluster.
    GitOps: the source usually lives in the cluster, not the repository, so the render goes on
    and says which namespaces need global-ca-bundle."""
    build_tree(
        tmp_path,
        {"config.yaml": _config("nonexistent-cm"), "a.yaml": _isvc("iris", "team-a"),
         "b.yaml": _isvc("wine", "team-b")},
    )  # fmt: skip
    result = _run(tmp_path)
    assert _copies(result) == []
    (notice,) = [w for w in result.warnings if "global-ca-bundle" in w.message]
    assert "ConfigMap kserve/nonexistent-cm is not in the input set" in notice.message
    assert "namespace(s) team-a, team-b" in notice.message


def test_a_modelmesh_inferenceservice_without_a_transformer_gets_no_copy(tmp_path: Path) -> None:
    """controller.go returns before the CA bundle for ModelMesh without a transformer."""
    mesh = ",\n  annotations: {serving.kserve.io/deploymentMode: ModelMesh}"
    build_tree(
        tmp_path,
        {"config.yaml": _config("cabundle"),
         "ca.yaml": _source("cabundle", {"cabundle.crt": BUNDLE}),
         "a.yaml": _isvc("iris", "team-a", mesh)},
    )  # fmt: skip
    assert _copies(_run(tmp_path)) == []


LLM_SAMPLE = (
    Path(__file__).parent / "data/reference/kserve/llmisvc/samples/opt-125m-cpu"
    "/llm-inference-service-facebook-opt-125m-cpu-no-scheduler.yaml"
)


def test_an_llminferenceservice_namespace_gets_a_copy_unless_passed_through(
    tmp_path: Path,
) -> None:
    """v1alpha2/llmisvc/controller.go runs the same reconciler for every LLMInferenceService;
    passed through (`--llmisvc-passthrough`), they are the in-cluster controller's."""
    llm = LLM_SAMPLE.read_text(encoding="utf-8").replace(
        "  name: facebook-opt-125m-single\n", "  name: facebook-opt-125m-single\n  namespace: llm\n"
    )
    build_tree(
        tmp_path,
        {"config.yaml": _config("cabundle"),
         "ca.yaml": _source("cabundle", {"cabundle.crt": BUNDLE}),
         "a.yaml": _isvc("iris", "team-a"), "llm.yaml": llm},
    )  # fmt: skip
    assert _copies(_run(tmp_path)) == [
        ("llm", "facebook-opt-125m-single", {"cabundle.crt": BUNDLE}),
        ("team-a", "iris", {"cabundle.crt": BUNDLE}),
    ]
    passed = pipeline.run(pipeline.Request((str(tmp_path),), llmisvc_passthrough=True))
    assert _copies(passed) == [("team-a", "iris", {"cabundle.crt": BUNDLE})]
