"""Ported from KServe v0.20.0 `pkg/apis/serving/v1beta1/inference_service_defaults_test.go`,
`predictor_custom_test.go::TestCustomPredictorDefaulter` and
`explainer_art_test.go::TestARTExplainer`, plus the shapes a Go round-trip stores."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from helpers import require_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.admission.defaults import (
    FRAMEWORK_MODEL_FORMATS,
    default_inference_service,
    implementations,
    match_storage_uri,
    set_runtime_defaults,
)
from generator.config import Config, builtin_layer, resolve
from generator.config.configmap import (
    DeployConfig,
    ExplainerConfig,
    ExplainersConfig,
    InferenceServicesConfig,
    LocalModelConfig,
    ResourceConfig,
    SecurityConfig,
)
from generator.errors import InternalError

DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode"
MODEL_FORMAT = "modelFormat"
LOCAL_MODEL_LABEL = "internal.serving.kserve.io/localmodel"
LOCAL_MODEL_NAMESPACE_LABEL = "internal.serving.kserve.io/localmodel-namespace"
LOCAL_MODEL_SOURCE_URI = "internal.serving.kserve.io/localmodel-sourceuri"
LOCAL_MODEL_PVC_NAME = "internal.serving.kserve.io/localmodel-pvc-name"
NODE_GROUP = "serving.kserve.io/nodegroup"
SERVER_TYPE = "serving.kserve.io/server-type"
URI = "gs://testbucket/testmodel"

ART_CONFIG = InferenceServicesConfig(
    explainers=ExplainersConfig(ExplainerConfig("art", "v0.4.0")),
    resource=ResourceConfig("1", "2Gi", "1", "2Gi"),
)
DEFAULT_RESOURCES = {
    "requests": {"cpu": "1", "memory": "2Gi"},
    "limits": {"cpu": "1", "memory": "2Gi"},
}


def make_config(
    isvc: InferenceServicesConfig | None = None,
    *,
    mode: str = "Knative",
    automount: bool = True,
    local_model: bool = False,
) -> Config:
    """A Config like the Go tests': token left alone (nil securityConfig) unless asked."""
    base, problems = resolve([builtin_layer()])
    assert base is not None and not problems
    return replace(
        base,
        inference_services=isvc or InferenceServicesConfig(),
        deploy=DeployConfig(mode),
        security=SecurityConfig(automount),
        local_model=LocalModelConfig(enabled=local_model),
    )


def make_isvc(spec: dict[str, Any], name: str = "foo", **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": name, "namespace": "default", **meta},
        "spec": spec,
    }


def predictor(field: str, **extension: Any) -> dict[str, Any]:
    return {"predictor": {field: {"storageUri": URI, **extension}}}


TRANSFORMER = {"containers": [{"env": [{"name": "STORAGE_URI", "value": "s3://transformer"}]}]}
ART = {"art": {"storageUri": URI}}


@pytest.mark.parametrize(
    ("field", "mode", "annotations"),
    [
        ("tensorflow", "Knative", {MODEL_FORMAT: "tensorflow"}),
        ("tensorflow", "Standard", {DEPLOYMENT_MODE: "Standard", MODEL_FORMAT: "tensorflow"}),
        ("onnx", "Knative", {MODEL_FORMAT: "onnx"}),
        ("pmml", "Knative", {MODEL_FORMAT: "pmml"}),
        ("paddle", "Knative", {MODEL_FORMAT: "paddle"}),
    ],
    ids=["Knative", "When annotations is nil in raw deployment", "ONNX", "PMML", "Paddle"],
)
def test_inference_service_defaults(field: str, mode: str, annotations: dict[str, str]) -> None:
    isvc = make_isvc({**predictor(field), "transformer": TRANSFORMER, "explainer": ART})
    out = default_inference_service(isvc, make_config(ART_CONFIG, mode=mode))
    spec = out["spec"]
    assert field not in spec["predictor"]
    assert out["metadata"]["annotations"] == annotations
    assert spec["predictor"]["model"]["modelFormat"] == {"name": field}
    assert spec["transformer"]["containers"][0]["resources"] == DEFAULT_RESOURCES
    assert spec["transformer"]["containers"][0]["name"] == "kserve-container"
    assert spec["explainer"]["art"]["runtimeVersion"] == "v0.4.0"
    assert spec["explainer"]["art"]["resources"] == DEFAULT_RESOURCES


def custom_predictor(**container: Any) -> dict[str, Any]:
    env = [{"name": "STORAGE_URI", "value": "s3://transformer"}]
    return {"predictor": {"containers": [{**container, "env": env}]}}


@pytest.mark.parametrize(
    "spec",
    [custom_predictor(name="kserve-container"), custom_predictor()],
    ids=["isvc", "isvcWithoutContainerName"],
)
def test_custom_predictor_defaults_config(spec: dict[str, Any]) -> None:
    config = InferenceServicesConfig(resource=ResourceConfig("2", "4Gi", "2", "4Gi"))
    out = default_inference_service(make_isvc(spec), make_config(config))
    container = out["spec"]["predictor"]["containers"][0]
    assert container["resources"] == {
        "requests": {"cpu": "2", "memory": "4Gi"},
        "limits": {"cpu": "2", "memory": "4Gi"},
    }
    assert container["name"] == "kserve-container"


def test_inference_service_defaults_model_mesh_annotation() -> None:
    isvc = make_isvc(predictor("tensorflow"), annotations={DEPLOYMENT_MODE: "ModelMesh"})
    out = default_inference_service(isvc, make_config())
    assert "model" not in out["spec"]["predictor"]
    assert out["spec"]["predictor"]["tensorflow"]["storageUri"] == URI


@pytest.mark.parametrize(
    ("field", "runtime", "server_type", "protocol"),
    [
        ("pytorch", "kserve-torchserve", "torchserve", "v1"),
        ("triton", "kserve-tritonserver", "tritonserver", "v2"),
        ("xgboost", "kserve-mlserver", "mlserver", "v2"),
    ],
    ids=["PyTorch", "Triton", "MlServer"],
)
def test_runtime_defaults(field: str, runtime: str, server_type: str, protocol: str) -> None:
    out = default_inference_service(make_isvc(predictor(field)), make_config())
    out = set_runtime_defaults(out, runtime, {SERVER_TYPE: server_type})
    assert field not in out["spec"]["predictor"]
    assert out["spec"]["predictor"]["model"]["protocolVersion"] == protocol


@pytest.mark.parametrize(
    ("isvc", "labels", "env"),
    [
        (
            make_isvc(predictor("pytorch", protocolVersion="v2")),
            {"serviceEnvelope": "kservev2"},
            [{"name": "PROTOCOL_VERSION", "value": "v2"}],
        ),
        (
            make_isvc(predictor("pytorch"), labels={"Purpose": "Testing"}),
            {"Purpose": "Testing", "serviceEnvelope": "kserve"},
            [{"name": "PROTOCOL_VERSION", "value": "v1"}],
        ),
    ],
    ids=["pytorch with protocol version 2", "pytorch with labels"],
)
def test_torch_serve_defaults(
    isvc: dict[str, Any], labels: dict[str, str], env: list[dict[str, str]]
) -> None:
    out = default_inference_service(isvc, make_config())
    out = set_runtime_defaults(out, "kserve-torchserve", {})
    assert "pytorch" not in out["spec"]["predictor"]
    assert out["metadata"]["labels"] == labels
    assert out["spec"]["predictor"]["model"]["env"] == env


@pytest.mark.parametrize(
    "spec",
    [{"predictor": {"triton": {}}}, {"predictor": {"model": {"modelFormat": {"name": "triton"}}}}],
    ids=["Storage URI is nil", "Default Protocol"],
)
def test_set_triton_defaults(spec: dict[str, Any]) -> None:
    out = default_inference_service(make_isvc(spec), make_config())
    out = set_runtime_defaults(out, "kserve-tritonserver", {})
    model = out["spec"]["predictor"]["model"]
    assert model["protocolVersion"] == "v2"
    assert "triton" not in out["spec"]["predictor"]
    assert model["args"] == ["--model-control-mode=explicit"]


@pytest.mark.parametrize(
    ("isvc", "env", "labels"),
    [
        (
            make_isvc({"predictor": {"sklearn": {}}}),
            [{"name": "MLSERVER_LOAD_MODELS_AT_STARTUP", "value": "false"}],
            {"modelClass": "mlserver_sklearn.SKLearnModel"},
        ),
        (
            make_isvc(predictor("xgboost")),
            [
                {"name": "MLSERVER_MODEL_NAME", "value": "foo"},
                {"name": "MLSERVER_MODEL_URI", "value": "/mnt/models"},
            ],
            {"modelClass": "mlserver_xgboost.XGBoostModel"},
        ),
        (
            make_isvc(predictor("lightgbm")),
            [
                {"name": "MLSERVER_MODEL_NAME", "value": "foo"},
                {"name": "MLSERVER_MODEL_URI", "value": "/mnt/models"},
            ],
            {"modelClass": "mlserver_lightgbm.LightGBMModel"},
        ),
        (
            make_isvc(predictor("lightgbm"), labels={"Purpose": "Testing"}),
            [
                {"name": "MLSERVER_MODEL_NAME", "value": "foo"},
                {"name": "MLSERVER_MODEL_URI", "value": "/mnt/models"},
            ],
            {"Purpose": "Testing", "modelClass": "mlserver_lightgbm.LightGBMModel"},
        ),
    ],
    ids=["Storage URI is nil", "XGBoost model", "LightGBM model", "LightGBM model with labels"],
)
def test_ml_server_defaults(
    isvc: dict[str, Any], env: list[dict[str, str]], labels: dict[str, str]
) -> None:
    out = default_inference_service(isvc, make_config())
    out = set_runtime_defaults(out, "kserve-mlserver", {})
    model = out["spec"]["predictor"]["model"]
    assert model["env"] == env
    assert model["protocolVersion"] == "v2"
    assert out["metadata"]["labels"] == labels


def cache(name: str, uri: str, *groups: str, namespace: str = "") -> dict[str, Any]:
    kind = "LocalModelNamespaceCache" if namespace else "LocalModelCache"
    metadata = {"name": name, **({"namespace": namespace} if namespace else {})}
    spec = {"sourceModelUri": uri, "modelSize": "123Gi", "nodeGroups": list(groups)}
    return {"apiVersion": "serving.kserve.io/v1alpha1", "kind": kind, "metadata": metadata,
            "spec": spec}  # fmt: skip


LOCAL_MODELS = [
    cache("model1", "gs://bucket/model", "gpu1", "gpu2"),
    cache("model2", "gs://bucket/model2", "gpu1", "gpu2"),
]


def pytorch_v2(uri: str = "gs://bucket/model") -> dict[str, Any]:
    return {"predictor": {"pytorch": {"storageUri": uri, "protocolVersion": "v2"}}}


PYTORCH_V2 = pytorch_v2()


@pytest.mark.parametrize(
    ("isvc", "label", "pvc_name"),
    [
        (make_isvc(PYTORCH_V2), "model1", "model1-gpu1"),
        (make_isvc(PYTORCH_V2, annotations={NODE_GROUP: "gpu2"}), "model1", "model1-gpu2"),
        (
            make_isvc(
                pytorch_v2("gs://bucket/model2"),
                annotations={NODE_GROUP: "gpu2"},
            ),
            "model2",
            "model2-gpu2",
        ),
        (
            make_isvc({"predictor": {"pytorch": {"storageUri": "gs://bucket/model3"}}},
                      labels={"Purpose": "Testing"}),
            None,
            None,
        ),
        (make_isvc(PYTORCH_V2, annotations={NODE_GROUP: "some-random-gpu"}), None, None),
    ],
    ids=[
        "isvc without node group annotation with LocalModelCache",
        "isvc with node group annotation with LocalModelCache",
        "isvc with overlapping storage URIs",
        "isvc without LocalModelCache",
        "isvc with node group annotation without LocalModelCache",
    ],
)  # fmt: skip
def test_local_model_annotation(
    isvc: dict[str, Any], label: str | None, pvc_name: str | None
) -> None:
    out = default_inference_service(isvc, make_config(local_model=True), LOCAL_MODELS)
    assert out["metadata"].get("labels", {}).get(LOCAL_MODEL_LABEL) == label
    assert out["metadata"].get("annotations", {}).get(LOCAL_MODEL_PVC_NAME) == pvc_name


@pytest.mark.parametrize(
    ("spec", "label", "source_uri", "pvc_name"),
    [
        ({"predictor": {"tensorflow": {"storageUri": "gs://bucket/model"}}}, "model1",
         "gs://bucket/model", "model1-gpu1"),
        ({"predictor": {"tensorflow": {"storageUri": "gs://bucket/model2"}}}, "model2",
         "gs://bucket/model2", "model2-gpu1"),
        ({"predictor": {"tensorflow": {"storageUri": "gs://bucket/model3"}}}, None, None, None),
        ({"predictor": {"containers": [{"env": [{"name": "MODEL_NAME", "value": "test-model"}]}]}},
         None, None, None),
    ],
    ids=["Match model1", "Match model2", "No model match", "No storage URI"],
)  # fmt: skip
def test_local_model_annotation_with_tensorflow(
    spec: dict[str, Any], label: str | None, source_uri: str | None, pvc_name: str | None
) -> None:
    out = default_inference_service(make_isvc(spec), make_config(local_model=True), LOCAL_MODELS)
    annotations = out["metadata"].get("annotations", {})
    assert out["metadata"].get("labels", {}).get(LOCAL_MODEL_LABEL) == label
    assert annotations.get(LOCAL_MODEL_SOURCE_URI) == source_uri
    assert annotations.get(LOCAL_MODEL_PVC_NAME) == pvc_name


def test_local_model_annotation_with_tensorflow_node_group() -> None:
    # TestLocalModelAnnotationWithTensorflow "With node group annotation"
    isvc = make_isvc({"predictor": {"tensorflow": {"storageUri": "gs://bucket/model"}}},
                     annotations={NODE_GROUP: "gpu2"})  # fmt: skip
    out = default_inference_service(isvc, make_config(local_model=True), LOCAL_MODELS)
    assert out["metadata"]["labels"] == {LOCAL_MODEL_LABEL: "model1"}
    assert out["metadata"]["annotations"] == {
        NODE_GROUP: "gpu2",
        MODEL_FORMAT: "tensorflow",
        LOCAL_MODEL_SOURCE_URI: "gs://bucket/model",
        LOCAL_MODEL_PVC_NAME: "model1-gpu2",
    }


@pytest.mark.parametrize(
    ("isvc", "pvc_name"),
    [
        (make_isvc({"predictor": {"tensorflow": {"storageUri": "gs://bucket/model"}}},
                   "matching-model"), "model1-gpu1"),
        (make_isvc({"predictor": {"tensorflow": {"storageUri": "gs://bucket/model"}}},
                   "matching-model-with-annotation", annotations={NODE_GROUP: "gpu2"}),
         "model1-gpu2"),
        (make_isvc({"predictor": {"tensorflow": {"storageUri": "gs://bucket/non-matching-model"}}},
                   "non-matching-model"), None),
    ],
    ids=["ModelMatches", "ModelMatchesWithNodeGroupAnnotation", "ModelDoesNotMatch"],
)  # fmt: skip
def test_local_model_label_assignment(isvc: dict[str, Any], pvc_name: str | None) -> None:
    out = default_inference_service(isvc, make_config(local_model=True), LOCAL_MODELS)
    annotations = out["metadata"].get("annotations", {})
    if pvc_name is None:
        assert LOCAL_MODEL_LABEL not in out["metadata"].get("labels", {})
        assert LOCAL_MODEL_SOURCE_URI not in annotations
    else:
        assert out["metadata"]["labels"][LOCAL_MODEL_LABEL] == "model1"
        assert annotations[LOCAL_MODEL_SOURCE_URI] == "gs://bucket/model"
        assert annotations[LOCAL_MODEL_PVC_NAME] == pvc_name


def test_default_inference_service_with_local_model() -> None:
    isvc = make_isvc(predictor("tensorflow"), "test-isvc")
    caches = [cache("local-model", URI, "node-group-1")]
    out = default_inference_service(isvc, make_config(mode="", local_model=True), caches)
    assert out["metadata"]["labels"] == {LOCAL_MODEL_LABEL: "local-model"}
    assert out["metadata"]["annotations"][LOCAL_MODEL_SOURCE_URI] == URI
    assert out["metadata"]["annotations"][LOCAL_MODEL_PVC_NAME] == "local-model-node-group-1"


def test_default_inference_service_with_local_model_namespace_cache() -> None:
    isvc = make_isvc({"predictor": {"model": {"storageUri": URI}}}, "test-isvc")
    caches = [cache("test-ns-cache", URI, "gpu", namespace="default")]
    out = default_inference_service(isvc, make_config(mode="", local_model=True), caches)
    assert out["metadata"]["labels"] == {
        LOCAL_MODEL_LABEL: "test-ns-cache",
        LOCAL_MODEL_NAMESPACE_LABEL: "default",
    }
    # A namespace cache of another namespace is not listed; cluster caches come second.
    other = [cache("elsewhere", URI, "gpu", namespace="team-b"), cache("cluster", URI, "gpu")]
    out = default_inference_service(isvc, make_config(local_model=True), other)
    assert out["metadata"]["labels"] == {LOCAL_MODEL_LABEL: "cluster"}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (predictor("tensorflow"), {"predictor": False}),
        ({**predictor("tensorflow"), "transformer": TRANSFORMER},
         {"predictor": False, "transformer": False}),
    ],
    ids=["Predictor only", "With transformer"],
)  # fmt: skip
def test_disable_automount_service_account_token(
    spec: dict[str, Any], expected: dict[str, bool]
) -> None:
    out = default_inference_service(make_isvc(spec), make_config(automount=False))
    for kind, value in expected.items():
        assert out["spec"][kind]["automountServiceAccountToken"] is value


@pytest.mark.parametrize(
    ("name", "spec", "config", "verify"),
    [
        ("tensorflow-model", predictor("tensorflow"), make_config(),
         {"tensorflow": None, "format": "tensorflow"}),
        ("triton-model", predictor("triton"), make_config(),
         {"triton": None, "format": "triton", "protocol": "v2"}),
        ("security-model", predictor("sklearn"), make_config(mode="", automount=False),
         {"automount": False}),
        ("raw-deployment-model", predictor("onnx"), make_config(mode="Standard"),
         {"onnx": None, "format": "onnx", "mode": "Standard"}),
    ],
    ids=[
        "DefaultWithTensorflowPredictor",
        "DefaultWithTritonPredictor",
        "DefaultWithSecurityDisabledServiceAccountToken",
        "DefaultWithRawDeploymentMode",
    ],
)  # fmt: skip
def test_default(name: str, spec: dict[str, Any], config: Config, verify: dict[str, Any]) -> None:
    out = default_inference_service(make_isvc(spec, name), config)
    got = out["spec"]["predictor"]
    for key, value in verify.items():
        if key == "format":
            assert got["model"]["modelFormat"]["name"] == value
            assert got["model"]["storageUri"] == URI
        elif key == "protocol":
            assert got["model"]["protocolVersion"] == value
        elif key == "automount":
            assert got["automountServiceAccountToken"] is value
        elif key == "mode":
            assert out["metadata"]["annotations"][DEPLOYMENT_MODE] == value
        else:
            assert key not in got


def test_default_with_model_mesh_deployment() -> None:
    # TestDefault "DefaultWithModelMeshDeployment"
    isvc = make_isvc(predictor("tensorflow"), "modelmesh-model",
                     annotations={DEPLOYMENT_MODE: "ModelMesh"})  # fmt: skip
    out = default_inference_service(isvc, make_config())
    assert "model" not in out["spec"]["predictor"]
    assert out["spec"]["predictor"]["tensorflow"]["storageUri"] == URI


@pytest.mark.parametrize(
    ("isvc", "config", "protocol"),
    [
        (make_isvc({"predictor": {"huggingface": {"storageUri": "gs://testbucket/huggingface-model"}}},
                   "huggingface-model"), InferenceServicesConfig(), "v2"),
        (make_isvc({"predictor": {"huggingface": {"storageUri": "gs://testbucket/huggingface-model",
                                                  "protocolVersion": "v1"}}},
                   "huggingface-model-v1"), InferenceServicesConfig(), "v1"),
        (make_isvc({"predictor": {"huggingface": {"storageUri": "gs://testbucket/huggingface-model"}}},
                   "huggingface-with-resources"),
         InferenceServicesConfig(resource=ResourceConfig("2", "4Gi", "1", "2Gi")), "v2"),
    ],
    ids=[
        "HuggingFace without protocol version",
        "HuggingFace with explicit protocol version",
        "HuggingFace with resource config",
    ],
)  # fmt: skip
def test_assign_hugging_face_runtime(
    isvc: dict[str, Any], config: InferenceServicesConfig, protocol: str
) -> None:
    out = default_inference_service(isvc, make_config(config))
    got = out["spec"]["predictor"]
    assert "huggingface" not in got
    assert got["model"]["modelFormat"]["name"] == "huggingface"
    assert got["model"]["protocolVersion"] == protocol
    assert got["model"]["storageUri"] == "gs://testbucket/huggingface-model"


@pytest.mark.parametrize(
    ("legacy", "mode"), [("RawDeployment", "Standard"), ("Serverless", "Knative")]
)
def test_default_inference_service_normalizes_legacy_deployment_mode(
    legacy: str, mode: str
) -> None:
    isvc = make_isvc(predictor("tensorflow"), annotations={DEPLOYMENT_MODE: legacy})
    out = default_inference_service(isvc, make_config())
    assert out["metadata"]["annotations"][DEPLOYMENT_MODE] == mode


@pytest.mark.parametrize(
    ("container", "expected"),
    [
        (
            {"env": [{"name": "STORAGE_URI", "value": "hdfs://modelzoo"}]},
            {"name": "kserve-container", "env": [{"name": "STORAGE_URI", "value": "hdfs://modelzoo"}],
             "resources": DEFAULT_RESOURCES},
        ),
        (
            {"image": "custom-predictor:0.1.0",
             "args": ["--model_name", "someName", "--http_port", "8080"],
             "env": [{"name": "STORAGE_URI", "value": "hdfs://modelzoo"}],
             "resources": DEFAULT_RESOURCES},
            {"name": "kserve-container", "image": "custom-predictor:0.1.0",
             "resources": DEFAULT_RESOURCES,
             "args": ["--model_name", "someName", "--http_port", "8080"],
             "env": [{"name": "STORAGE_URI", "value": "hdfs://modelzoo"}]},
        ),
    ],
    ids=["DefaultResources", "PredictorContainerWithoutName"],
)  # fmt: skip
def test_custom_predictor_defaulter(container: dict[str, Any], expected: dict[str, Any]) -> None:
    isvc = make_isvc({"predictor": {"containers": [container]}})
    out = default_inference_service(isvc, make_config(ART_CONFIG))
    assert out["spec"]["predictor"] == {"containers": [expected]}


def test_art_explainer() -> None:
    # TestARTExplainer "AcceptGoodRuntimeVersion": Default keeps a given runtimeVersion.
    config = InferenceServicesConfig(explainers=ExplainersConfig(
        ExplainerConfig("kfserving/art-server", "latest")))  # fmt: skip
    isvc = make_isvc({**predictor("sklearn"), "explainer": {"art": {"runtimeVersion": "latest"}}})
    out = default_inference_service(isvc, make_config(config))
    art = out["spec"]["explainer"]["art"]
    assert art == {"runtimeVersion": "latest", "name": "kserve-container", "resources": {},
                   "type": ""}  # fmt: skip


# --- what the API server stores after the webhook's Go round-trip -------------------------


def test_input_is_not_mutated() -> None:
    isvc = make_isvc({**predictor("sklearn"), "transformer": TRANSFORMER, "explainer": ART})
    before = copy.deepcopy(isvc)
    default_inference_service(isvc, make_config(ART_CONFIG, mode="Standard", automount=False))
    assert isvc == before


def test_framework_becomes_model_as_go_writes_it() -> None:
    isvc = make_isvc(predictor("sklearn", runtimeVersion="1.3.0"))
    out = default_inference_service(isvc, make_config(ART_CONFIG))
    assert out["spec"] == {
        "predictor": {
            "model": {
                "modelFormat": {"name": "sklearn"},
                "storageUri": URI,
                "runtimeVersion": "1.3.0",
                "name": "",
                "resources": {},
            }
        }
    }
    assert out["metadata"] == {"name": "foo", "namespace": "default",
                               "annotations": {MODEL_FORMAT: "sklearn"}}  # fmt: skip


def test_quantities_are_written_in_go_canonical_form() -> None:
    container = {
        "name": "kserve-container",
        "resources": {"requests": {"cpu": 0.5, "memory": "2048Mi"}, "limits": {"cpu": 1}},
        "env": [{"name": "MEM", "valueFrom": {"resourceFieldRef": {"resource": "limits.memory"}}}],
    }
    isvc = make_isvc({"predictor": {"containers": [container]}})
    out = default_inference_service(isvc, make_config())
    got = out["spec"]["predictor"]["containers"][0]
    assert got["resources"] == {
        "requests": {"cpu": "500m", "memory": "2Gi"},
        "limits": {"cpu": "1"},
    }
    assert got["env"][0]["valueFrom"]["resourceFieldRef"]["divisor"] == "0"


def test_always_written_fields() -> None:
    spec = {
        "predictor": {
            "model": {"storageUri": URI},
            "storageUris": [{"uri": URI}],
            "autoScaling": {"metrics": [{"type": "Resource", "resource": {"name": "cpu"}}]},
        },
        "canary": [{"trafficPercent": 10, "predictor": {"model": {"modelFormat": {"name": "x"}}}}],
    }
    out = default_inference_service(make_isvc(spec), make_config())
    got = out["spec"]["predictor"]
    assert got["model"]["modelFormat"] == {"name": ""}
    assert got["storageUris"] == [{"uri": URI, "mountPath": "/mnt/models"}]
    assert got["autoScaling"]["metrics"][0]["resource"] == {"name": "cpu", "target": {"type": ""}}
    assert out["spec"]["canary"][0]["predictor"]["model"] == {
        "modelFormat": {"name": "x"}, "name": "", "resources": {}}  # fmt: skip


def test_local_model_metadata_is_removed_when_not_cached() -> None:
    stale = {LOCAL_MODEL_LABEL: "old"}
    isvc = make_isvc(predictor("tensorflow"), labels=dict(stale),
                     annotations={LOCAL_MODEL_PVC_NAME: "old-gpu"})  # fmt: skip
    out = default_inference_service(isvc, make_config())  # localModel disabled: models is nil
    assert "labels" not in out["metadata"]  # emptied map: Go omits it, the patch removes it
    assert out["metadata"]["annotations"] == {MODEL_FORMAT: "tensorflow"}
    disabled = make_isvc(predictor("tensorflow"),
                         annotations={"serving.kserve.io/disable-localmodel": "true"})  # fmt: skip
    out = default_inference_service(disabled, make_config(local_model=True), LOCAL_MODELS)
    assert LOCAL_MODEL_LABEL not in out["metadata"].get("labels", {})


def test_model_mesh_default_mode_still_converts_the_predictor() -> None:
    # The annotation is added from the config, but `ok` was false, so the predictor is defaulted.
    out = default_inference_service(make_isvc(predictor("sklearn")), make_config(mode="ModelMesh"))
    assert out["metadata"]["annotations"][DEPLOYMENT_MODE] == "ModelMesh"
    assert "model" in out["spec"]["predictor"]


def test_components_without_exactly_one_implementation_are_not_defaulted() -> None:
    spec = {
        "predictor": {"sklearn": {"storageUri": URI}, "xgboost": {"storageUri": URI}},
        "explainer": {"art": {}, "containers": [{"image": "x"}]},
    }
    out = default_inference_service(make_isvc(spec), make_config(ART_CONFIG))
    assert out["spec"]["predictor"]["xgboost"] == {"storageUri": URI, "name": "", "resources": {}}
    assert out["spec"]["explainer"]["containers"][0] == {"image": "x", "name": "", "resources": {}}


def test_a_framework_replaces_an_existing_model() -> None:
    spec = {"predictor": {"model": {"modelFormat": {"name": "old"}}, "pmml": {"storageUri": URI}}}
    out = default_inference_service(make_isvc(spec), make_config())
    assert out["spec"]["predictor"]["model"]["modelFormat"] == {"name": "pmml"}


def test_custom_names() -> None:
    spec = {
        "predictor": {"containers": [{"image": "a"}, {"name": "sidecar", "image": "b"}]},
        "transformer": {"containers": [{"name": "mine", "image": "t"}]},
    }
    out = default_inference_service(make_isvc(spec), make_config())
    # Predictor: the first container is renamed only when it has no name (or is alone).
    assert out["spec"]["predictor"]["containers"][0]["name"] == "kserve-container"
    # Transformer and explainer: the first container is always renamed.
    assert out["spec"]["transformer"]["containers"][0]["name"] == "kserve-container"


def test_empty_predictor_is_left_to_validation() -> None:
    out = default_inference_service(make_isvc({"predictor": {}}), make_config(local_model=True))
    assert out["spec"] == {"predictor": {}}


def test_implementations_order() -> None:
    spec = {"model": {}, "sklearn": {}, "containers": [{"name": "kserve-container"}]}
    assert implementations("predictor", spec) == ["sklearn", "model", "containers"]
    assert implementations("transformer", {"containers": []}) == []
    assert list(FRAMEWORK_MODEL_FORMATS)[:3] == ["sklearn", "tensorflow", "xgboost"]


@pytest.mark.parametrize(
    ("cached", "uri", "match"),
    [
        ("gs://bucket/model", "gs://bucket/model", True),
        ("gs://bucket/model", "gs://bucket/model/modelfiles/", True),
        ("gs://bucket/model", "gs://bucket/model/modelfiles/model.pt", True),
        ("gs://bucket/model", "gs://bucket/model2", False),
        ("gs://bucket/model", "gs://bucket/foo", False),
        ("foo:bar:baz", "foo:bar:baz", True),
        ("foo:bar:baz", "foo:bar:bazzzz", False),
    ],
    ids=[
        "exact match for uri",
        "uri subpath match",
        "model file match",
        "uriSpec does not match",
        "uriSpec does not match (2nd)",
        "nonUriSpec match",
        "nonUriSpec does not match",
    ],
)
def test_local_model_cache_match_storage_uri(cached: str, uri: str, match: bool) -> None:
    assert match_storage_uri(cached, uri) is match


def test_runtime_defaults_prefer_the_server_type_annotation() -> None:
    isvc = default_inference_service(make_isvc(predictor("sklearn")), make_config())
    out = set_runtime_defaults(isvc, "kserve-mlserver", {SERVER_TYPE: "sklearnserver"})
    assert out == isvc  # no defaults for sklearnserver, even though the name says mlserver
    out = set_runtime_defaults(isvc, "kserve-mlserver", {})
    assert out["metadata"]["labels"] == {"modelClass": "mlserver_sklearn.SKLearnModel"}
    again = set_runtime_defaults(out, "kserve-mlserver", {})
    assert again["spec"]["predictor"]["model"]["env"] == out["spec"]["predictor"]["model"]["env"]
    with pytest.raises(InternalError):
        set_runtime_defaults(make_isvc({"predictor": {}}), "kserve-mlserver", {})


# --- properties -----------------------------------------------------------------------------

_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=5),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3)
    ),
    max_leaves=10,
)
_fields = st.sampled_from(
    [*FRAMEWORK_MODEL_FORMATS, "model", "containers", "art", "storageUri", "resources",
     "protocolVersion", "name", "env", "requests", "limits", "cpu", "modelFormat"]
)  # fmt: skip
_specish = st.recursive(
    _json,
    lambda inner: st.dictionaries(_fields, inner, max_size=4) | st.lists(inner, max_size=2),
    max_leaves=20,
)
_isvcs = st.fixed_dictionaries(
    {
        "metadata": st.fixed_dictionaries(
            {"name": st.just("x")},
            optional={"annotations": st.dictionaries(st.sampled_from(
                [DEPLOYMENT_MODE, NODE_GROUP, MODEL_FORMAT]), st.sampled_from(
                ["ModelMesh", "Standard", "RawDeployment", "gpu1", ""]))},
        ),
        "spec": st.fixed_dictionaries(
            {}, optional={k: _specish for k in ("predictor", "transformer", "explainer", "canary")}
        ),
    }
)  # fmt: skip


@given(_isvcs, st.sampled_from(["Knative", "Standard", "ModelMesh", ""]), st.booleans())
@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
def test_defaulting_never_fails_never_mutates_and_is_idempotent(
    isvc: dict[str, Any], mode: str, local_model: bool
) -> None:
    config = make_config(ART_CONFIG, mode=mode, automount=False, local_model=local_model)
    before = copy.deepcopy(isvc)
    once = default_inference_service(isvc, config, LOCAL_MODELS)
    assert isvc == before
    predictor = once["spec"]["predictor"]
    left = [f for f in FRAMEWORK_MODEL_FORMATS if isinstance(predictor, dict) and
            isinstance(predictor.get(f), dict)]  # fmt: skip
    if left and once["metadata"].get("annotations", {}).get(DEPLOYMENT_MODE) != "ModelMesh":
        return  # KServe converts one framework per run; validation rejects two anyway
    assert default_inference_service(once, config, LOCAL_MODELS) == once


def shared_file(relative: str) -> Path:
    """A file of the vendored reference data (tests/data/reference)."""
    return require_shared("reference", *relative.split("/"))


def test_published_examples_default_to_objects_the_crd_accepts() -> None:
    crd_file = shared_file("kserve/crd/serving.kserve.io_inferenceservices.yaml")
    crd = yaml.safe_load(crd_file.read_text())
    validator = jsonschema.Draft7Validator(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    config = make_config(ART_CONFIG, mode="Standard", automount=False)
    count = 0
    for path in sorted(shared_file("examples").rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if isinstance(doc, dict) and doc.get("apiVersion") == "serving.kserve.io/v1beta1":
                out = default_inference_service(doc, config)
                assert default_inference_service(out, config) == out, path
                assert [e.message for e in validator.iter_errors(out)] == [], path
                count += 1
    assert count >= 30
