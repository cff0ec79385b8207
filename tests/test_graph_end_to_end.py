"""InferenceGraphs and TrainedModels from the published KServe examples, through the real pipeline.

The pipeline's own stages load, namespace, schema-check and admit the files and reconcile the
InferenceServices; `render_inference_graphs` and `render_model_configs` then get the same
`Inputs` and `Admitted` records the pipeline hands them. The examples are the repository's
copies under tests/data/reference (`helpers.require_shared`).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import kubernetes_validate
from helpers import build_tree, require_shared
from reconcilers.crd_schema import crd_errors

from generator import inputset, load, pipeline
from generator.controllers import inferenceservice as controller
from generator.controllers.inferencegraph import render_inference_graphs
from generator.controllers.trainedmodel import render_model_configs
from generator.errors import Problem
from generator.load import Inputs
from generator.output import Rendered
from generator.render import Renderer

MMS_ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: sklearn-iris-example
  labels:
    team: ml
spec:
  predictor:
    minReplicas: 1
    sklearn:
      protocolVersion: v1
      resources:
        limits: {cpu: 100m, memory: 512Mi}
        requests: {cpu: 100m, memory: 512Mi}
"""
STANDARD_CONFIG = """
deploy: '{"defaultDeploymentMode": "Standard"}'
"""


def example(*parts: str) -> str:
    return str(require_shared("reference", "examples", *parts))


def admitted_state(
    paths: list[str], config_files: tuple[str, ...] = ()
) -> tuple[Inputs, list[pipeline.Admitted], controller.ReconcileContext, list[Problem]]:
    """What the pipeline holds after reconciling the InferenceServices of `paths`."""
    inputs = load.load(paths)
    cfg, problems = inputset.resolve_config(inputs, config_files)
    assert cfg is not None
    inputs, found = inputset.resolve_namespaces(inputs, "default")
    problems += found
    inputs, found = inputset.check_schemas(inputs)
    problems += found
    index, found = inputset.build_runtime_index(inputs)
    problems += found
    ctx = controller.ReconcileContext(cfg, index, Renderer())
    admitted: list[pipeline.Admitted] = []
    for item in inputs.inference_services:
        one, found = pipeline.admit(item, cfg)
        problems += found
        if one is not None:
            _, decided, found, _ = pipeline.render_admitted(one, ctx)
            problems += found
            admitted.append(decided)
    return inputs, admitted, ctx, problems


def render_graphs(paths: list[str], config_files: tuple[str, ...] = ()) -> list[Rendered]:
    inputs, admitted, ctx, problems = admitted_state(paths, config_files)
    rendered, graph_problems, _ = render_inference_graphs(inputs, admitted, ctx)
    assert problems + graph_problems == []
    for item in rendered:
        assert_valid(item.obj)
        assert item.obj["metadata"]["labels"]["app.kubernetes.io/managed-by"] == "kserve-gitops"
    return rendered


def assert_valid(obj: dict[str, Any]) -> None:
    if obj["apiVersion"].startswith("serving.knative.dev/"):
        assert crd_errors(obj) == []
    else:
        kubernetes_validate.validate(obj, "1.34", strict=True)


def router_args(ksvc: dict[str, Any]) -> Any:
    [container] = ksvc["spec"]["template"]["spec"]["containers"]
    assert container["args"][0] == "--graph-json"
    return container["args"][1]


def test_graph_sequence() -> None:
    [ksvc] = render_graphs([example("kserve-samples", "graph-sequence.yaml")])
    assert (ksvc.owner, ksvc.kind, ksvc.name, ksvc.namespace) == (
        "model-chainer",
        "Service",
        "model-chainer",
        "default",
    )
    assert ksvc.source.path.endswith("graph-sequence.yaml")
    assert router_args(ksvc.obj) == (
        '{"nodes":{"root":{"routerType":"Sequence","steps":['
        '{"serviceName":"sklearn-iris","serviceUrl":'
        '"http://sklearn-iris.default.svc.cluster.local/v1/models/sklearn-iris:predict"},'
        '{"serviceName":"xgboost-iris","serviceUrl":'
        '"http://xgboost-iris.default.svc.cluster.local/v1/models/xgboost-iris:predict",'
        '"data":"$request"}]}},"resources":{}}'
    )
    [container] = ksvc.obj["spec"]["template"]["spec"]["containers"]
    assert container["image"] == "kserve/router:v0.20.0"
    assert container["resources"] == {
        "limits": {"cpu": "1", "memory": "1Gi"},
        "requests": {"cpu": "100m", "memory": "100Mi"},
    }


def test_graph_sequence_in_standard_mode(tmp_path: Path) -> None:
    build_tree(tmp_path, {"config.yaml": STANDARD_CONFIG})
    config = (str(tmp_path / "config.yaml"),)
    paths = [example("kserve-samples", "graph-sequence.yaml")]
    _, admitted, _, _ = admitted_state(paths, config)
    address = {a.loaded.name: a.address for a in admitted}
    rendered = render_graphs(paths, config)
    assert [(r.kind, r.name) for r in rendered] == [
        ("Service", "model-chainer"),
        ("Deployment", "model-chainer"),
        ("HorizontalPodAutoscaler", "model-chainer"),
    ]
    deployment = rendered[1].obj
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    steps = json.loads(container["args"][1])["nodes"]["root"]["steps"]
    assert [s["serviceUrl"] for s in steps] == [
        f"{address['sklearn-iris']}/v1/models/sklearn-iris:predict",
        f"{address['xgboost-iris']}/v1/models/xgboost-iris:predict",
    ]
    assert deployment["metadata"]["labels"]["serving.kserve.io/inferencegraph"] == "model-chainer"


def test_graph_switch() -> None:
    [ksvc] = render_graphs([example("kserve-samples", "graph-switch.yaml")])
    assert router_args(ksvc.obj) == (
        '{"nodes":{"root":{"routerType":"Switch","steps":['
        '{"serviceUrl":"http://single-1.default.{$your-domain}/switch",'
        '"condition":"[@this].#(source==client)"},'
        '{"serviceUrl":"http://single-2.default.{$your-domain}/switch",'
        '"condition":"instances.#(intval\\u003e10)"},'
        '{"serviceUrl":"http://single-3.default.{$your-domain}/switch",'
        '"condition":"instances.#(strval%*red-server*)"}]}},"resources":{}}'
    )


def test_graph_image_pipeline() -> None:
    [ksvc] = render_graphs(
        [
            example("website-0.20", "graph-image-pipeline.yaml"),
            example("website-0.20", "graph-image-pipeline-isvcs.yaml"),
        ]
    )
    assert ksvc.name == "dog-breed-pipeline"
    assert router_args(ksvc.obj) == (
        '{"nodes":{"root":{"routerType":"Sequence","steps":['
        '{"name":"cat_dog_classifier","serviceName":"cat-dog-classifier","serviceUrl":'
        '"http://cat-dog-classifier.default.svc.cluster.local'
        '/v1/models/cat-dog-classifier:predict"},'
        '{"name":"dog_breed_classifier","serviceName":"dog-breed-classifier","serviceUrl":'
        '"http://dog-breed-classifier.default.svc.cluster.local'
        '/v1/models/dog-breed-classifier:predict",'
        '"data":"$request","condition":"[@this].#(predictions.0==\\"dog\\")"}]}},'
        '"resources":{"limits":{"cpu":"1","memory":"1Gi"},'
        '"requests":{"cpu":"100m","memory":"256Mi"}},'
        '"routerTimeouts":{"serverRead":300,"serverWrite":300,"serverIdle":300,'
        '"serviceClient":150}}'
    )
    [container] = ksvc.obj["spec"]["template"]["spec"]["containers"]
    assert container["resources"] == {
        "limits": {"cpu": "1", "memory": "1Gi"},
        "requests": {"cpu": "100m", "memory": "256Mi"},
    }


def test_a_graph_without_its_services_names_the_file_and_step() -> None:
    inputs, admitted, ctx, problems = admitted_state(
        [example("website-0.20", "graph-image-pipeline.yaml")]
    )
    rendered, graph_problems, notices = render_inference_graphs(inputs, admitted, ctx)
    assert (problems, graph_problems) == ([], [])
    # GitOps: the services may live in another folder or app; the router is rendered with
    # URLs assumed from the default mode, and a warning names the graph file.
    assert [r.kind for r in rendered] == ["Service"]
    assert [(n.source.path.endswith("graph-image-pipeline.yaml"), str(n.obj)) for n in notices] == [
        (True, "InferenceGraph default/dog-breed-pipeline")
    ] * 2
    args = rendered[0].obj["spec"]["template"]["spec"]["containers"][0]["args"]
    assert (
        "http://cat-dog-classifier.default.svc.cluster.local/v1/models/cat-dog-classifier:predict"
        in args[1]
    )


def test_mms_trained_models(tmp_path: Path) -> None:
    build_tree(tmp_path, {"mms-isvc.yaml": MMS_ISVC})
    paths = [
        str(tmp_path / "mms-isvc.yaml"),
        example("kserve-samples", "mms-sklearn-trainedmodels.yaml"),
    ]
    inputs, admitted, ctx, problems = admitted_state(paths)
    rendered, tm_problems, _ = render_model_configs(inputs, admitted, ctx)
    assert problems + tm_problems == []
    [cm] = rendered
    assert (cm.owner, cm.kind, cm.name) == (
        "sklearn-iris-example",
        "ConfigMap",
        "modelconfig-sklearn-iris-example-0",
    )
    assert cm.source.path.endswith("mms-isvc.yaml")
    kubernetes_validate.validate(cm.obj, "1.34", strict=True)
    assert cm.obj["metadata"]["labels"] == {
        "team": "ml",
        "app.kubernetes.io/managed-by": "kserve-gitops",
    }
    assert cm.obj["data"] == {
        "models.json": '[{"modelName":"model1-sklearn","modelSpec":{"storageUri":'
        '"gs://kfserving-examples/models/sklearn/1.0/model","framework":"sklearn",'
        '"memory":"256Mi"}},{"modelName":"model2-sklearn","modelSpec":{"storageUri":'
        '"gs://kfserving-examples/models/sklearn/1.0/model","framework":"sklearn",'
        '"memory":"256Mi"}}]'
    }


def test_mms_isvc_without_trained_models_gets_an_empty_config(tmp_path: Path) -> None:
    build_tree(tmp_path, {"mms-isvc.yaml": MMS_ISVC})
    inputs, admitted, ctx, _ = admitted_state([str(tmp_path / "mms-isvc.yaml")])
    [cm], problems, _ = render_model_configs(inputs, admitted, ctx)
    assert (problems, cm.obj["data"]) == ([], {"models.json": "[]"})


def test_trained_models_over_the_memory_limit(tmp_path: Path) -> None:
    small = MMS_ISVC.replace("memory: 512Mi}", "memory: 300Mi}")
    build_tree(tmp_path, {"mms-isvc.yaml": small})
    paths = [
        str(tmp_path / "mms-isvc.yaml"),
        example("kserve-samples", "mms-sklearn-trainedmodels.yaml"),
    ]
    inputs, admitted, ctx, _ = admitted_state(paths)
    [cm], problems, _ = render_model_configs(inputs, admitted, ctx)
    assert [json.loads(cm.obj["data"]["models.json"])[0]["modelName"]] == ["model1-sklearn"]
    assert [(str(p.obj), p.field) for p in problems] == [
        ("TrainedModel default/model2-sklearn", "spec.model.memory")
    ]
    assert problems[0].source.path.endswith("mms-sklearn-trainedmodels.yaml")


def test_kserve_sample_mms_isvc_is_rejected_once() -> None:
    """`mms-sklearn-isvc.yaml` sets `sklearn.name`, which KServe's validation refuses; its
    TrainedModels then add no second problem."""
    paths = [
        example("kserve-samples", "mms-sklearn-isvc.yaml"),
        example("kserve-samples", "mms-sklearn-trainedmodels.yaml"),
    ]
    inputs, admitted, ctx, problems = admitted_state(paths)
    assert admitted == [] and problems != []
    assert render_model_configs(inputs, admitted, ctx) == ([], [], [])


def test_trained_models_of_an_absent_isvc_are_warnings() -> None:
    inputs, admitted, ctx, _ = admitted_state(
        [example("kserve-samples", "mms-sklearn-trainedmodels.yaml")]
    )
    rendered, problems, notices = render_model_configs(inputs, admitted, ctx)
    assert (rendered, problems) == ([], [])
    assert [str(n.obj) for n in notices] == [
        "TrainedModel default/model1-sklearn",
        "TrainedModel default/model2-sklearn",
    ]
