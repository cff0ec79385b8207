"""The predictor component: runtime choice, object meta and pod spec (components/predictor.go).

Cases come from KServe v0.20.0 `controller_test.go`, Context "When creating inference service
with predictor", It "Should have knative service created": the component labels, annotations and
pod spec that end up in the Knative Service's revision template.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator.admission.defaults import default_inference_service
from generator.admission.runtimes import RuntimeIndex
from generator.components.predictor import build_predictor, reconcile_model
from generator.components.transformer import art_explainer_container, build_transformer
from generator.config import ConfigLayer, builtin_layer, resolve
from generator.errors import Invalid, Source

DEFAULT_RESOURCE = {
    "limits": {"cpu": "1", "memory": "2Gi"},
    "requests": {"cpu": "1", "memory": "2Gi"},
}

TF_SERVING = {
    "apiVersion": "serving.kserve.io/v1alpha1",
    "kind": "ServingRuntime",
    "metadata": {"name": "tf-serving", "namespace": "default"},
    "spec": {
        "supportedModelFormats": [{"name": "tensorflow", "version": "1", "autoSelect": True}],
        "labels": {"key1": "val1FromSR", "key2": "val2FromSR", "key3": "val3FromSR"},
        "annotations": {"key1": "val1FromSR", "key2": "val2FromSR", "key3": "val3FromSR"},
        "containers": [
            {
                "name": "kserve-container",
                "image": "tensorflow/serving:1.14.0",
                "command": ["/usr/bin/tensorflow_model_server"],
                "args": [
                    "--port=9000",
                    "--rest_api_port=8080",
                    "--model_base_path=/mnt/models",
                    "--rest_api_timeout_in_ms=60000",
                ],
                "resources": DEFAULT_RESOURCE,
            }
        ],
        "imagePullSecrets": [{"name": "sr-image-pull-secret"}],
        "disabled": False,
    },
}

FOO = {
    "apiVersion": "serving.kserve.io/v1beta1",
    "kind": "InferenceService",
    "metadata": {
        "name": "foo",
        "namespace": "default",
        "labels": {"key2": "val2FromISVC", "key3": "val3FromISVC"},
        "annotations": {
            "serving.kserve.io/deploymentMode": "Knative",
            "key2": "val2FromISVC",
            "key3": "val3FromISVC",
        },
    },
    "spec": {
        "predictor": {
            "minReplicas": 1,
            "maxReplicas": 3,
            "labels": {"key3": "val3FromPredictor"},
            "annotations": {"key3": "val3FromPredictor"},
            "tensorflow": {
                "storageUri": "s3://test/mnist/export",
                "runtimeVersion": "1.14.0",
                "name": "kserve-container",
                "resources": DEFAULT_RESOURCE,
            },
        }
    },
}


def _config(security: str = '{"autoMountServiceAccountToken": false}') -> Any:
    cfg, problems = resolve([builtin_layer(), ConfigLayer(Source("t"), {"security": security})])
    assert problems == [] and cfg is not None
    return cfg


def _index(*runtimes: dict[str, Any]) -> RuntimeIndex:
    return RuntimeIndex(namespaced={"default": tuple(runtimes)}, cluster=())


def _foo_build() -> Any:
    cfg = _config()
    isvc = copy.deepcopy(FOO)
    # validatePredictor rejects a container name in the framework spec, but KServe's own
    # controller test sets it on the Go struct directly; the build does not look at it.
    isvc = default_inference_service(isvc, cfg)
    resolved = reconcile_model(isvc, _index(TF_SERVING))
    assert not isinstance(resolved, Invalid)
    return build_predictor(resolved.isvc, resolved, cfg), resolved


def test_should_have_knative_service_created_component_meta() -> None:
    build, resolved = _foo_build()
    assert resolved.runtime_name == "tf-serving"
    assert build.meta["name"] == "foo-predictor"
    assert build.meta["labels"] == {
        "component": "predictor",
        "serving.kserve.io/inferenceservice": "foo",
        "key1": "val1FromSR",
        "key2": "val2FromISVC",
        "key3": "val3FromPredictor",
    }
    assert build.meta["annotations"] == {
        "serving.kserve.io/deploymentMode": "Knative",
        "internal.serving.kserve.io/storage-initializer-sourceuri": "s3://test/mnist/export",
        "key1": "val1FromSR",
        "key2": "val2FromISVC",
        "key3": "val3FromPredictor",
    }


def test_should_have_knative_service_created_pod_spec() -> None:
    build, _ = _foo_build()
    assert build.pod_spec == {
        "imagePullSecrets": [{"name": "sr-image-pull-secret"}],
        "containers": [
            {
                "image": "tensorflow/serving:1.14.0",
                "name": "kserve-container",
                "command": ["/usr/bin/tensorflow_model_server"],
                "args": [
                    "--port=9000",
                    "--rest_api_port=8080",
                    "--model_base_path=/mnt/models",
                    "--rest_api_timeout_in_ms=60000",
                ],
                "env": [{"name": "INFERENCE_SERVICE_NAME", "value": "foo"}],
                "resources": DEFAULT_RESOURCE,
            }
        ],
        "automountServiceAccountToken": False,
    }


def test_runtime_not_found_is_reported_on_the_model_format() -> None:
    cfg = _config()
    isvc = default_inference_service(copy.deepcopy(FOO), cfg)
    found = reconcile_model(isvc, _index())
    assert isinstance(found, Invalid)
    assert found.field == "spec.predictor.model.modelFormat"
    assert found.message.startswith("no runtime found to support predictor with model type")


def test_storage_uri_and_storage_path_conflict() -> None:
    cfg = _config()
    isvc = copy.deepcopy(FOO)
    isvc["spec"]["predictor"]["tensorflow"]["storage"] = {"path": "/models/x", "key": "k"}
    isvc = default_inference_service(isvc, cfg)
    resolved = reconcile_model(isvc, _index(TF_SERVING))
    assert not isinstance(resolved, Invalid)
    assert build_predictor(resolved.isvc, resolved, cfg) == Invalid(
        "spec.predictor.model.storageUri", "must provide only one of storageUri and storage.path"
    )


def test_custom_transformer_gets_kserve_args_and_isvc_name_env() -> None:
    """transformer_custom.go GetContainer + components/transformer.go AddEnvVarToPodSpec."""
    cfg = _config()
    isvc = copy.deepcopy(FOO)
    isvc["spec"]["transformer"] = {
        "containerConcurrency": 4,
        "containers": [{"name": "kserve-container", "image": "t:1", "args": ["--workers=2"]}],
    }
    build = build_transformer(default_inference_service(isvc, cfg), cfg)
    assert not isinstance(build, Invalid)
    assert build.meta["name"] == "foo-transformer"
    assert build.meta["labels"]["component"] == "transformer"
    (container,) = build.pod_spec["containers"]
    assert container["args"] == [
        "--workers=2",
        "--model_name",
        "foo",
        "--predictor_host",
        "foo-predictor.default",
        "--http_port",
        "8080",
    ]
    assert container["env"] == [{"name": "INFERENCE_SERVICE_NAME", "value": "foo"}]


def test_art_explainer_container_repeats_user_args() -> None:
    """explainer_art.go GetContainer: the user's args end up twice, as KServe writes them."""
    cfg = _config()
    isvc = copy.deepcopy(FOO)
    spec = {"art": {"type": "SquareAttack", "args": ["--x"], "config": {"b": "2", "a": "1"}}}
    spec["art"]["runtimeVersion"] = "v9"
    container = art_explainer_container(isvc, spec, cfg)
    assert container["image"] == "kserve/art-explainer:v9"
    assert container["name"] == "kserve-container"
    assert container["args"] == [
        "--model_name", "foo", "--http_port", "8080", "--predictor_host",
        "foo-predictor.default", "--adversary_type", "SquareAttack", "--a", "1", "--b", "2",
        "--x", "--x",
    ]  # fmt: skip


# --- GetImplementation().GetStorageUri(): a custom container's STORAGE_URI env ----------------

SOURCE_URI = "internal.serving.kserve.io/storage-initializer-sourceuri"


def _custom(env: list[dict[str, str]], name: str = "kserve-container") -> dict[str, Any]:
    return {"containers": [{"name": name, "image": "c:1", "env": env}]}


@pytest.mark.parametrize(
    ("component", "build"),
    [("predictor", build_predictor), ("transformer", build_transformer)],
)
def test_custom_container_storage_uri_sets_the_initializer_annotation(
    component: str, build: Any
) -> None:
    """predictor.go / transformer.go: `GetStorageUri()` of the custom implementation (the
    STORAGE_URI env, predictor_custom.go / transformer_custom.go) becomes the storage-initializer
    source URI annotation, which makes the pod webhook inject the initializer."""
    cfg = _config()
    isvc = copy.deepcopy(FOO)
    isvc["spec"][component] = _custom([{"name": "STORAGE_URI", "value": "gs://b/m"}])
    isvc = default_inference_service(isvc, cfg)
    found = build(isvc, None, cfg) if component == "predictor" else build(isvc, cfg)
    assert not isinstance(found, Invalid)
    assert found.meta["annotations"][SOURCE_URI] == "gs://b/m"


def test_custom_predictor_without_storage_uri_gets_no_annotation() -> None:
    cfg = _config()
    isvc = copy.deepcopy(FOO)
    isvc["spec"]["predictor"] = _custom([{"name": "OTHER", "value": "gs://b/m"}])
    found = build_predictor(default_inference_service(isvc, cfg), None, cfg)
    assert not isinstance(found, Invalid)
    assert SOURCE_URI not in found.meta["annotations"]


def test_custom_predictor_storage_uri_is_validated_at_its_env_field() -> None:
    """addStorageInitializerAnnotations: ValidateStorageURI refuses an unknown scheme."""
    cfg = _config()
    isvc = copy.deepcopy(FOO)
    env = [{"name": "A", "value": "1"}, {"name": "STORAGE_URI", "value": "foo://m"}]
    isvc["spec"]["predictor"] = _custom(env)
    found = build_predictor(default_inference_service(isvc, cfg), None, cfg)
    assert isinstance(found, Invalid)
    assert found.field == "spec.predictor.containers[0].env[1].value"
    assert found.message.startswith("StorageURI not supported")
