"""The multi-model ConfigMap, against KServe v0.20.0 `pkg/modelconfig/configmap_test.go`,
`trainedmodel/reconcilers/modelconfig/modelconfig_reconciler_test.go`,
`apis/serving/v1alpha1/trainedmodel_webhook_test.go` and `inferenceservice/utils/utils_test.go:
TestIsMemoryResourceAvailable`.

KServe edits `models.json` one TrainedModel event at a time (`ConfigsDelta.Process`); here the
file is written once from the TrainedModels in the input set, so each Go scenario becomes "the
TrainedModels present after the event" and the same entries are expected (sorted by name, as
the Go tests sort before comparing). Scenarios that only exercise client errors (a failing
Update, undecodable existing data) have no offline counterpart.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import kubernetes_validate
import pytest

from generator import constants as c
from generator.admission.trainedmodel import (
    INVALID_STORAGE_URI_FORMAT_ERROR,
    INVALID_TM_MEMORY_MODIFICATION,
    INVALID_TM_NAME_FORMAT_ERROR,
    STORAGE_URI_PROTOCOLS,
    TM_REGEXP,
    validate_trained_model,
    validate_trained_model_update,
)
from generator.config.quantity import parse_quantity
from generator.controllers.trainedmodel import is_memory_resource_available, render_model_configs
from generator.errors import Invalid, Source
from generator.load import Inputs, Loaded
from generator.reconcilers.modelconfig import create_model_config, models_json
from generator.render import Renderer

RENDERER = Renderer()


def tm(
    name: str,
    uri: str = "gs://kfserving/sklearn/iris",
    framework: str = "sklearn",
    memory: str | int | None = None,
    isvc: str = "my-isvc",
    namespace: str = "test-ns",
) -> dict[str, Any]:
    model: dict[str, Any] = {"storageUri": uri, "framework": framework}
    if memory is not None:
        model["memory"] = memory
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "TrainedModel",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"inferenceService": isvc, "model": model},
    }


def entry(name: str, uri: str, framework: str, memory: str = "0") -> dict[str, Any]:
    return {
        "modelName": name,
        "modelSpec": {"storageUri": uri, "framework": framework, "memory": memory},
    }


def mms_isvc(
    name: str = "my-isvc", namespace: str = "test-ns", memory: str = "2Gi"
) -> dict[str, Any]:
    """A defaulted multi-model InferenceService (no storage URI)."""
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": "sklearn"},
                    "name": c.INFERENCE_SERVICE_CONTAINER_NAME,
                    "resources": {"limits": {"cpu": "1", "memory": memory}},
                }
            }
        },
    }


# --- pkg/modelconfig/configmap_test.go --------------------------------------------------------

M1 = tm("model1", "s3//model1", "framework1")
M2 = tm("model2", "s3//model2", "framework2")
M1_NEW = tm("model1", "s3//new-model1", "new-framework1")
M3 = tm("model3", "s3//model3", "framework3")
E1 = entry("model1", "s3//model1", "framework1")
E2 = entry("model2", "s3//model2", "framework2")
E1_NEW = entry("model1", "s3//new-model1", "new-framework1")
E3 = entry("model3", "s3//model3", "framework3")

ADD_OR_UPDATE = {  # existing TrainedModels, then the updated ones (a later one replaces)
    "add to nil data": ([], [M1], [E1]),
    "add to empty data": ([], [M1], [E1]),
    "add to empty data value": ([], [M1], [E1]),
    "add to non-empty data": ([M1], [M2], [E1, E2]),
    "update": ([M1, M2], [M1_NEW], [E1_NEW, E2]),
}


@pytest.mark.parametrize(
    ("existing", "updated", "expected"), ADD_OR_UPDATE.values(), ids=ADD_OR_UPDATE.keys()
)
def test_process_add_or_update(
    existing: list[dict[str, Any]], updated: list[dict[str, Any]], expected: list[Any]
) -> None:
    assert json.loads(models_json(existing + updated)) == expected


DELETE = {  # TrainedModels present before, the deleted names, what remains
    "delete nil data": ([], ["model1"], []),
    "delete empty data": ([], ["model1"], []),
    "delete empty data value": ([], ["model1"], []),
    "delete filename non-exist": ([M2], ["model1"], [E2]),
    "delete filename exist": ([M1], ["model1"], []),
}


@pytest.mark.parametrize(("before", "deleted", "expected"), DELETE.values(), ids=DELETE.keys())
def test_process_delete(
    before: list[dict[str, Any]], deleted: list[str], expected: list[Any]
) -> None:
    remaining = [t for t in before if t["metadata"]["name"] not in deleted]
    assert json.loads(models_json(remaining)) == expected


@pytest.mark.parametrize("name", ["process configmap"])
def test_process(name: str) -> None:
    remaining = [M1_NEW, M3]  # model1 updated, model2 deleted, model3 added
    assert models_json(remaining) == json.dumps([E1_NEW, E3], separators=(",", ":"))


def test_models_json_is_go_json() -> None:
    """Compact, Go's field order, quantities canonical, HTML characters escaped, name order."""
    found = models_json(
        [tm("b", "https://h/m?a=1&b=<2>", memory=1024**3), tm("a", memory="1024Mi")]
    )
    assert found == (
        '[{"modelName":"a","modelSpec":{"storageUri":"gs://kfserving/sklearn/iris",'
        '"framework":"sklearn","memory":"1Gi"}},'
        '{"modelName":"b","modelSpec":{"storageUri":"https://h/m?a=1\\u0026b=\\u003c2\\u003e",'
        '"framework":"sklearn","memory":"1073741824"}}]'
    )
    assert models_json([]) == "[]"


def test_create_empty_model_config() -> None:
    isvc = mms_isvc("foo", "default")
    isvc["metadata"]["annotations"] = {c.DEPLOYMENT_MODE: "ModelMesh"}
    cm = create_model_config(isvc, [], RENDERER)
    assert cm == {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "modelconfig-foo-0", "namespace": "default"},
        "data": {"models.json": "[]"},
    }
    kubernetes_validate.validate(cm, "1.34", strict=True)
    # The Go test calls CreateEmptyModelConfig directly; the reconciler only calls it for a
    # multi-model predictor, and a storage URI makes it a single-model one.
    isvc["spec"]["predictor"]["model"]["storageUri"] = "gs://testbucket/testmodel"
    assert create_model_config(isvc, [], RENDERER) is None


def test_model_config_keeps_isvc_labels_and_only_its_models() -> None:
    isvc = mms_isvc()
    isvc["metadata"]["labels"] = {"team": "ml"}
    others = [tm("other", isvc="other-isvc"), tm("elsewhere", namespace="other-ns")]
    cm = create_model_config(isvc, [tm("tm1", memory="256Mi"), *others], RENDERER)
    assert cm is not None
    assert cm["metadata"]["labels"] == {"team": "ml"}
    assert json.loads(cm["data"]["models.json"]) == [
        entry("tm1", "gs://kfserving/sklearn/iris", "sklearn", "256Mi")
    ]
    kubernetes_validate.validate(cm, "1.34", strict=True)


# --- trainedmodel/reconcilers/modelconfig/modelconfig_reconciler_test.go ----------------------


def inputs_of(*trained_models: dict[str, Any], isvcs: tuple[dict[str, Any], ...] = ()) -> Inputs:
    inputs = Inputs()
    inputs.trained_models = [Loaded(t, Source("tm.yaml", 1)) for t in trained_models]
    inputs.inference_services = [Loaded(i, Source("isvc.yaml", 1)) for i in isvcs]
    return inputs


class FakeAdmitted:
    """The fields of `pipeline.Admitted` the model-config stage reads."""

    def __init__(self, isvc: dict[str, Any], mode: str = "Knative") -> None:
        self.loaded = Loaded(isvc, Source("isvc.yaml", 1))
        self.isvc = isvc
        self.namespace = isvc["metadata"]["namespace"]
        self.mode = mode


class Ctx:
    renderer = RENDERER


def render(
    trained_models: list[dict[str, Any]], *admitted: FakeAdmitted
) -> tuple[list[Any], list[str]]:
    inputs = inputs_of(*trained_models, isvcs=tuple(a.isvc for a in admitted))
    rendered, problems, notices = render_model_configs(inputs, admitted, Ctx())  # type: ignore[arg-type]
    found = [f"{p.field}: {p.message}" for p in problems]
    return [r.obj for r in rendered], found + [n.message for n in notices]


RECONCILE = {
    "configmap not found": (
        [tm("tm1", "gs://foo/bar", memory="1Mi")],
        (),
        # GitOps: a warning, the InferenceService may be rendered in another app
        'spec.inferenceService: InferenceService "my-isvc" is not in the input set; this '
        "TrainedModel is listed in its model config only when rendered together with it",
    ),
    "configmap not found (ModelMesh)": (
        [tm("tm1", "gs://foo/bar", memory="1Mi")],
        (FakeAdmitted(mms_isvc(), "ModelMesh"),),
        'spec.inferenceService: configmaps "modelconfig-my-isvc-0" not found',
    ),
}


@pytest.mark.parametrize(
    ("trained_models", "admitted", "problem"), RECONCILE.values(), ids=RECONCILE.keys()
)
def test_model_config_reconciler_reconcile(
    trained_models: list[dict[str, Any]], admitted: tuple[FakeAdmitted, ...], problem: str
) -> None:
    objects, problems = render(trained_models, *admitted)
    assert problems == [problem]
    assert objects == []


def test_model_config_reconciler_reconcile_add_or_update_model_success() -> None:
    objects, problems = render([tm("tm1", "gs://foo/bar", memory="1Mi")], FakeAdmitted(mms_isvc()))
    assert problems == []
    assert [o["metadata"]["name"] for o in objects] == ["modelconfig-my-isvc-0"]
    assert json.loads(objects[0]["data"]["models.json"]) == [
        entry("tm1", "gs://foo/bar", "sklearn", "1Mi")
    ]
    assert objects[0]["metadata"]["labels"] == {c.MANAGED_BY_LABEL_KEY: c.MANAGED_BY_LABEL_VALUE}


def test_model_config_reconciler_reconcile_delete_model_success() -> None:
    """A deleted TrainedModel is absent from the input set: the file no longer lists it."""
    objects, problems = render([], FakeAdmitted(mms_isvc()))
    assert problems == []
    assert objects[0]["data"]["models.json"] == "[]"


# --- trainedmodel/controller.go updateConditions ---------------------------------------------


def test_trained_model_on_a_single_model_isvc_is_a_problem() -> None:
    isvc = mms_isvc()
    isvc["spec"]["predictor"]["model"]["storageUri"] = "gs://bucket/model"
    objects, problems = render([tm("tm1", memory="1Mi")], FakeAdmitted(isvc))
    assert objects == []  # no ConfigMap for a single-model predictor
    assert problems == [
        'spec.inferenceService: Inference Service "my-isvc" predictor is not configured for '
        'multi-model serving. Trained Model "tm1" cannot deploy'
    ]


def test_trained_models_are_allocated_in_name_order_while_memory_lasts() -> None:
    models = [
        tm("c", memory="300Mi"),
        tm("a", memory="300Mi"),
        tm("b", memory="300Mi"),
        tm("d", memory="200Mi"),
    ]
    objects, problems = render(models, FakeAdmitted(mms_isvc(memory="800Mi")))
    assert problems == [
        'spec.model.memory: Inference Service "my-isvc" memory resources are not available. '
        'Trained Model "c" cannot deploy'
    ]
    names = [e["modelName"] for e in json.loads(objects[0]["data"]["models.json"])]
    assert names == ["a", "b", "d"]


def test_an_invalid_trained_model_is_reported_with_its_file() -> None:
    inputs = inputs_of(tm("bad.name", memory="1Mi"), isvcs=(mms_isvc(),))
    admitted = [FakeAdmitted(mms_isvc())]
    _, problems, _ = render_model_configs(inputs, admitted, Ctx())  # type: ignore[arg-type]
    assert [(str(p.source), str(p.obj), p.field) for p in problems] == [
        ("tm.yaml:1", "TrainedModel test-ns/bad.name", "metadata.name")
    ]


def test_a_rejected_parent_is_not_reported_twice() -> None:
    inputs = inputs_of(tm("tm1", memory="1Mi"), isvcs=(mms_isvc(),))
    assert render_model_configs(inputs, [], Ctx()) == ([], [], [])  # type: ignore[arg-type]


# --- apis/serving/v1alpha1/trainedmodel_webhook_test.go ---------------------------------------


def name_error(name: str) -> Invalid:
    return Invalid("metadata.name", INVALID_TM_NAME_FORMAT_ERROR.format(name, TM_REGEXP))


URI_ERROR = Invalid(
    "spec.model.storageUri",
    INVALID_STORAGE_URI_FORMAT_ERROR.format(
        "bar", STORAGE_URI_PROTOCOLS, "foo://kfserving/sklearn/iris"
    ),
)
CREATE = {
    "simple": ({}, None),
    "alphanumeric model name": ({"name": "Abc-123"}, None),
    "name starts with number": ({"name": "4abc-3"}, None),
    "name starts with dash": ({"name": "-abc-3"}, None),
    "name ends with dash": ({"name": "abc-3-"}, None),
    "name includes dot": ({"name": "abc.123"}, name_error("abc.123")),
    "name includes spaces": ({"name": "abc 123"}, name_error("abc 123")),
    "invalid storageURI prefix": ({"uri": "foo://kfserving/sklearn/iris"}, URI_ERROR),
}


def make_test_train_model(**update: str) -> dict[str, Any]:
    """makeTestTrainModel with the scenario's update applied."""
    return tm(
        update.get("name", "bar"),
        update.get("uri", "gs://kfserving/sklearn/iris"),
        update.get("framework", "sklearn"),
        update.get("memory", "100Mi"),
        update.get("isvc", "Parent"),
    )


@pytest.mark.parametrize(("update", "expected"), CREATE.values(), ids=CREATE.keys())
def test_validate_create(update: dict[str, str], expected: Invalid | None) -> None:
    assert validate_trained_model(make_test_train_model(**update)) == expected


UPDATE = {
    "no change": ({}, None),
    "alphanumeric model name": ({"name": "Abc-123"}, None),
    "name starts with number": ({"name": "4abc-3"}, None),
    "name starts with dash": ({"name": "-abc-3"}, None),
    "name ends with dash": ({"name": "abc-3-"}, None),
    "name includes dot": ({"name": "abc.123"}, name_error("abc.123")),
    "name includes spaces": ({"name": "abc 123"}, name_error("abc 123")),
    "inference service": ({"isvc": "parent2"}, None),
    "storageURI": ({"uri": "gs://kfserving/sklearn2/iris"}, None),
    "invalid storageURI prefix": ({"uri": "foo://kfserving/sklearn/iris"}, URI_ERROR),
    "framework": ({"framework": "sklearn2"}, None),
    "change immutable memory": (
        {"memory": "300Mi"},
        Invalid(
            "spec.model.memory", INVALID_TM_MEMORY_MODIFICATION.format("bar", "100Mi", "300Mi")
        ),
    ),
}


@pytest.mark.parametrize(("update", "expected"), UPDATE.values(), ids=UPDATE.keys())
def test_validate_update(update: dict[str, str], expected: Invalid | None) -> None:
    old = make_test_train_model()
    assert validate_trained_model_update(make_test_train_model(**update), old) == expected


def test_a_name_with_a_trailing_newline_is_refused() -> None:
    """Go's RE2 `$` matches only at the end of the text, unlike Python's."""
    assert validate_trained_model(make_test_train_model(name="abc\n")) == name_error("abc\n")


# --- inferenceservice/utils/utils_test.go: TestIsMemoryResourceAvailable ----------------------

FRAMEWORKS = {
    "LightGBM": ("lightgbm", {}),
    "LightGBMWithURI": ("lightgbm", {"storageUri": "gs://someUri"}),
    "Onnx": ("onnx", {}),
    "OnnxWithURI": ("onnx", {"storageUri": "gs://someUri"}),
    "Pmml": ("pmml", {}),
    "PmmlWithURI": ("pmml", {"storageUri": "gs://someUri"}),
    "SKLearnV1": ("sklearn", {"protocolVersion": "v1"}),
    "SKLearnV2": ("sklearn", {"protocolVersion": "v2"}),
    "SKLearnV1WithURI": ("sklearn", {"storageUri": "gs://someUri", "protocolVersion": "v1"}),
    "SKLearnV2WithURI": ("sklearn", {"storageUri": "gs://someUri", "protocolVersion": "v2"}),
    "tfserving": ("tensorflow", {}),
    "TfservingWithURI": ("tensorflow", {"storageUri": "gs://someUri"}),
    "PyTorchV1": ("pytorch", {"protocolVersion": "v1"}),
    "PyTorchV2": ("pytorch", {"protocolVersion": "v2"}),
    "PyTorchV1WithURI": ("pytorch", {"storageUri": "gs://someUri", "protocolVersion": "v1"}),
    "PyTorchV2WithURI": ("pytorch", {"storageUri": "gs://someUri", "protocolVersion": "v2"}),
    "Triton": ("triton", {"protocolVersion": "v1"}),
    "TritonWithURI": ("triton", {"storageUri": "gs://someUri", "protocolVersion": "v1"}),
    "XGBoostV1": ("xgboost", {"runtimeVersion": "0.1.0"}),
    "XGBoostV2": ("xgboost", {"protocolVersion": "v2", "runtimeVersion": "0.1.0"}),
    "XGBoostV1WithURI": ("xgboost", {"storageUri": "gs://someUri", "runtimeVersion": "0.1.0"}),
    "XGBoostV2WithURI": (
        "xgboost",
        {"storageUri": "gs://someUri", "protocolVersion": "v2", "runtimeVersion": "0.1.0"},
    ),
}
MEMORY = {"EnoughMemoryResource": ("100Gi", True), "NotEnoughMemoryResource": ("1Mi", False)}
MEMORY_CASES = [
    pytest.param(framework, extra, limit, expected, id=f"{mem_id}/{fw_id}")
    for mem_id, (limit, expected) in MEMORY.items()
    for fw_id, (framework, extra) in FRAMEWORKS.items()
]


@pytest.mark.parametrize(("framework", "extra", "limit", "expected"), MEMORY_CASES)
def test_is_memory_resource_available(
    framework: str, extra: dict[str, str], limit: str, expected: bool
) -> None:
    resources = {
        "limits": {"cpu": "100m", "memory": limit},
        "requests": {"cpu": "90m", "memory": limit},
    }
    spec = {"name": c.INFERENCE_SERVICE_CONTAINER_NAME, "resources": resources, **extra}
    isvc = {"metadata": {"name": framework}, "spec": {"predictor": {framework: spec}}}
    total = parse_quantity("1Gi").value
    assert is_memory_resource_available(isvc, total) is expected


def test_memory_of_a_custom_predictor_without_kserve_container_is_a_problem() -> None:
    containers = [{"name": "a", "image": "x"}, {"name": "b", "image": "y"}]
    isvc = {"metadata": {"name": "x"}, "spec": {"predictor": {"containers": containers}}}
    found = is_memory_resource_available(isvc, Decimal(0))
    assert isinstance(found, Invalid)
    assert found.field == "spec.predictor.containers"
