"""The pipeline end to end: config precedence, namespaces, problems from every file at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import build_tree

from generator import pipeline
from generator.errors import ProblemsFound

ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: iris, namespace: ns}
spec: {predictor: {sklearn: {storageUri: "gs://b/m"}}}
"""

CONFIGMAP = """
apiVersion: v1
kind: ConfigMap
metadata: {name: inferenceservice-config, namespace: kserve}
data:
  deploy: '{"defaultDeploymentMode": "%s"}'
"""


def _run(root: Path, *config_files: str) -> pipeline.Result:
    return pipeline.run(pipeline.Request((str(root),), config_files=config_files))


def test_builtin_default_mode_is_knative(tmp_path: Path) -> None:
    build_tree(tmp_path, {"isvc.yaml": ISVC})
    (admitted,) = _run(tmp_path).admitted
    assert (admitted.mode, admitted.runtime) == ("Knative", "kserve-sklearnserver")


def test_repo_configmap_overrides_builtin_and_config_file_overrides_repo(tmp_path: Path) -> None:
    build_tree(tmp_path / "repo", {"isvc.yaml": ISVC, "config.yaml": CONFIGMAP % "Standard"})
    (admitted,) = _run(tmp_path / "repo").admitted
    assert admitted.mode == "Standard"
    override = tmp_path / "override.yaml"
    override.write_text('deploy: \'{"defaultDeploymentMode": "RawDeployment"}\'\n')
    assert _run(tmp_path / "repo", str(override)).admitted[0].mode == "Standard"
    override.write_text('deploy: \'{"defaultDeploymentMode": "Serverless"}\'\n')
    assert _run(tmp_path / "repo", str(override)).admitted[0].mode == "Knative"


def test_bad_config_json_names_the_configmap_and_key(tmp_path: Path) -> None:
    build_tree(tmp_path, {"isvc.yaml": ISVC, "config.yaml": CONFIGMAP % "Sideways"})
    with pytest.raises(ProblemsFound) as found:
        _run(tmp_path)
    (problem,) = found.value.problems
    assert problem.source.path.endswith("config.yaml")
    assert str(problem.obj) == "ConfigMap kserve/inferenceservice-config"
    assert problem.field.startswith("data.deploy")
    assert "invalid deployment mode" in problem.message


def test_the_configmap_is_consumed_not_emitted(tmp_path: Path) -> None:
    build_tree(tmp_path, {"isvc.yaml": ISVC, "config.yaml": CONFIGMAP % "Knative"})
    assert all(r.kind != "ConfigMap" for r in _run(tmp_path).objects)


def test_duplicate_objects_are_rejected(tmp_path: Path) -> None:
    build_tree(tmp_path, {"a.yaml": ISVC, "b.yaml": ISVC})
    with pytest.raises(ProblemsFound) as found:
        _run(tmp_path)
    (problem,) = found.value.problems
    assert problem.message.startswith("defined twice (also at ")


def test_modelmesh_isvc_passes_through_unchanged_among_others(tmp_path: Path) -> None:
    files = {f"isvc-{i}.yaml": ISVC.replace("name: iris", f"name: iris-{i}") for i in range(10)}
    mesh = ISVC.replace("name: iris", "name: mesh").replace(
        "metadata: {", "metadata: {annotations: {serving.kserve.io/deploymentMode: ModelMesh}, "
    )
    files["mesh.yaml"] = mesh
    build_tree(tmp_path, files)
    result = _run(tmp_path)
    owned = [r for r in result.objects if r.owner == "mesh"]
    assert [r.kind for r in owned] == ["InferenceService"]
    assert owned[0].obj["spec"] == {"predictor": {"sklearn": {"storageUri": "gs://b/m"}}}
    assert {a.mode for a in result.admitted if a.loaded.name != "mesh"} == {"Knative"}


def test_knative_logger_routes_traffic_through_the_agent(tmp_path: Path) -> None:
    """agent_injector.go rewires queue-proxy to the agent port; in a template only the agent
    declares a port, so Knative routes to it (the agent forwards to --component-port)."""
    build_tree(
        tmp_path,
        {
            "isvc.yaml": """
                apiVersion: serving.kserve.io/v1beta1
                kind: InferenceService
                metadata: {name: flowers, namespace: ns}
                spec:
                  predictor:
                    logger: {mode: all, url: "http://sink.default/"}
                    tensorflow: {storageUri: "gs://b/m"}
                """
        },
    )
    (ksvc,) = [r.obj for r in _run(tmp_path).objects if r.obj["apiVersion"].startswith("serving.k")]
    containers = ksvc["spec"]["template"]["spec"]["containers"]
    assert [c["name"] for c in containers] == ["kserve-container", "agent"]
    assert "ports" not in containers[0]
    assert containers[1]["ports"] == [
        {"containerPort": 9081, "name": "agent-port", "protocol": "TCP"}
    ]
    args = containers[1]["args"]
    assert args[args.index("--component-port") + 1] == "8080"
