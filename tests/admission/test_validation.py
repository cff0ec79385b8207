"""Ported from KServe v0.20.0 `pkg/apis/serving/v1beta1/inference_service_validation_test.go`
(one test per Go test function, ids = the Go scenario keys), plus tables marked "ours" for rules
the Go file leaves untested and for the GitOps child-name rule. Every case asserts the exact
message KServe produces and the field we attach it to.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator.admission.component import validate_scaling_keda_comp_extension
from generator.admission.validation import (
    validate_blocked_env_vars,
    validate_collocation_storage_uri,
    validate_create,
    validate_inference_service,
    validate_inference_service_update,
    validate_multi_node_variables,
    validate_multiple_storage_uris_spec,
    validate_predictor,
    validate_storage_uri_spec,
)
from generator.errors import Invalid
from generator.utils.storage import find_common_parent_path

MODE = "serving.kserve.io/deploymentMode"
CLASS = "serving.kserve.io/autoscalerClass"
GPU_TYPES = "serving.kserve.io/gpu-resource-types"
MODE_FIELD = f'metadata.annotations["{MODE}"]'
CLASS_FIELD = f'metadata.annotations["{CLASS}"]'
STANDARD_HPA = {MODE: "Standard", CLASS: "hpa"}
STANDARD_KEDA = {MODE: "Standard", CLASS: "keda"}
TF = {"tensorflow": {"storageUri": "gs://testbucket/testmodel", "runtimeVersion": "0.14.0"}}
PREDICTOR_EXACTLY_ONE = (
    "exactly one of [Name, SKLearn, XGBoost, Tensorflow, PyTorch, Triton, ONNX, HuggingFace, "
    "PMML, LightGBM, Paddle, Model, StorageUris, StorageContainerName, WorkerSpec, PodSpec] "
    "must be specified in PredictorSpec"
)
BAD_NAME = (
    'the InferenceService "{}" is invalid: a InferenceService name must consist of lower case '
    "alphanumeric characters or '-', and must start with alphabetical character. "
    '(e.g. "my-name" or "abc-123", regex used for validation is \'[a-z]([-a-z0-9]*[a-z0-9])?\')'
)
RESOURCE_NOT_SET = "metricSpec.Resource is not set for resource metric source type"
TARGET_UTILIZATION = "the target utilization percentage should be a [1-100] integer"


def invalid_isvc(name: str, detail: str) -> str:
    """The `the InferenceService %q is invalid: …` prefix of KServe's multi-node messages."""
    return f'the InferenceService "{name}" is invalid: {detail}'


UNKNOWN_GPU = (
    'the InferenceService "{}" is invalid: Unknown GPU resource type. Set '
    "'serving.kserve.io/gpu-resource-types' annotation to use custom gpu resource type"
)


def make_isvc(
    name: str = "foo", annotations: dict[str, str] | None = None, **spec: Any
) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": name, "namespace": "default"}
    if annotations is not None:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": metadata,
        "spec": copy.deepcopy(spec),
    }


def make_test_inference_service(**predictor: Any) -> dict[str, Any]:
    """makeTestInferenceService, with extra predictor fields merged in."""
    return make_isvc(predictor={**copy.deepcopy(TF), **predictor})


def expect(found: list[Invalid], expected: Invalid | None) -> None:
    assert found == ([] if expected is None else [expected])


def tf_with(**ext: Any) -> dict[str, Any]:
    return {**copy.deepcopy(TF), **ext}


def resource_metric(name: str, **target: Any) -> dict[str, Any]:
    return {
        "autoScaling": {
            "metrics": [{"type": "Resource", "resource": {"name": name, "target": target}}]
        }
    }


def test_invalid_name_in_sklearn_predictor() -> None:
    isvc = make_isvc(
        "test-isvc",
        predictor={
            "sklearn": {
                "name": "invalid-name",
                "image": "dummy-image",
                "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
            }
        },
    )
    assert validate_predictor(isvc) == Invalid(
        "spec.predictor.sklearn.name", "the 'name' field is not allowed in standard predictor"
    )
    expect(validate_inference_service(isvc), validate_predictor(isvc))


@pytest.mark.parametrize(
    ("annotations", "predictor", "expected"),
    [
        (STANDARD_HPA, tf_with(scaleMetric="cpu", scaleTarget=80), None),
        (STANDARD_HPA, tf_with(**resource_metric("cpu", averageUtilization=80)), None),
        (STANDARD_HPA, tf_with(**resource_metric("memory", averageValue="1Gi")), None),
        (
            STANDARD_HPA,
            tf_with(autoScaling={"metrics": [{"type": "Resource"}]}),
            Invalid("spec.predictor.autoScaling.metrics[0].resource", RESOURCE_NOT_SET),
        ),
        (
            STANDARD_HPA,
            tf_with(autoScaling={"metrics": [{"type": "External"}]}),
            Invalid(
                "spec.predictor.autoScaling.metrics[0].type",
                "invalid HPA metric source type with value [External],"
                "valid metric source types are Resource",
            ),
        ),
        (
            STANDARD_HPA,
            tf_with(scaleMetric="cpu", scaleMetricType="Utilization", scaleTarget=80),
            None,
        ),
        (
            STANDARD_HPA,
            tf_with(scaleMetric="cpu", scaleMetricType="Utilization", scaleTarget=120),
            Invalid("spec.predictor.scaleTarget", TARGET_UTILIZATION),
        ),
        (STANDARD_HPA, tf_with(scaleMetric="memory", scaleTarget=10), None),
        (
            {MODE: "Standard", CLASS: "test"},
            tf_with(scaleMetric="memory", scaleTarget=10),
            Invalid(CLASS_FIELD, "[test] is not a supported autoscaler class type"),
        ),
        # Ours: kpa is a known class but not an accepted annotation value.
        (
            {MODE: "Standard", CLASS: "kpa"},
            tf_with(),
            Invalid(CLASS_FIELD, "[kpa] is not a supported autoscaler class type"),
        ),
    ],
    ids=[
        "Valid HPA CPU metrics with ScaleMetric",
        "Valid HPA CPU metrics with Autoscaling spec",
        "Valid HPA Memory metrics with Autoscaling spec",
        "Invalid HPA CPU metrics without resource type",
        "Invalid HPA CPU metrics with wrong metric source",
        "Valid HPA CPU metrics with target utilization",
        "HPA CPU metrics with invalid target utilization",
        "Valid HPA Memory metrics with ScaleMetric",
        "Invalid autoscaler class",
        "ours: kpa class rejected",
    ],
)
def test_autoscaler_class_hpa(
    annotations: dict[str, str], predictor: dict[str, Any], expected: Invalid | None
) -> None:
    expect(
        validate_inference_service(make_isvc(annotations=annotations, predictor=predictor)),
        expected,
    )


EXTERNAL_METRIC = {
    "type": "External",
    "external": {
        "metric": {"backend": "prometheus", "query": "avg(vllm_requests_running)"},
        "target": {"type": "Value", "value": "10"},
    },
}
POD_METRIC = {
    "type": "PodMetric",
    "podmetric": {
        "metric": {"backend": "opentelemetry", "query": "avg(vllm_requests_running)"},
        "target": {"type": "Value", "value": "10"},
    },
}


@pytest.mark.parametrize(
    ("predictor", "expected"),
    [
        (tf_with(**resource_metric("cpu", type="Utilization", averageUtilization=80)), None),
        (tf_with(**resource_metric("memory", type="AverageValue", averageValue="1Gi")), None),
        (
            tf_with(autoScaling={"metrics": [{"type": "Resource"}]}),
            Invalid("spec.predictor.autoScaling.metrics[0].resource", RESOURCE_NOT_SET),
        ),
        (tf_with(autoScaling={"metrics": [EXTERNAL_METRIC]}), None),
        (tf_with(autoScaling={"metrics": [POD_METRIC]}), None),
        # Ours: KEDA rules apply to the transformer too, and not outside Standard mode.
        (
            tf_with(scaleMetric="cpu"),
            Invalid("spec.predictor.scaleMetric", "ScaleMetric is not supported for KEDA"),
        ),
    ],
    ids=[
        "Valid KEDA CPU metrics with Autoscaling spec",
        "Valid KEDA Memory metrics with Autoscaling spec",
        "Invalid KEDA CPU metrics without resource type",
        "Valid KEDA CPU metrics with external metric source",
        "Valid KEDA CPU metrics with pod metric source",
        "ours: ScaleMetric with KEDA",
    ],
)
def test_autoscaler_class_keda(predictor: dict[str, Any], expected: Invalid | None) -> None:
    expect(
        validate_inference_service(make_isvc(annotations=STANDARD_KEDA, predictor=predictor)),
        expected,
    )


def test_reject_multiple_model_specs() -> None:
    isvc = make_test_inference_service(xgboost={})
    assert validate_create(isvc) == ([Invalid("spec.predictor", PREDICTOR_EXACTLY_ONE)], [])


def test_customize_deployment_strategy_unsupported_for_serverless() -> None:
    isvc = make_test_inference_service(
        serviceAccountName="test", deploymentStrategy={"type": "Recreate"}
    )
    expect(
        validate_inference_service(isvc),
        Invalid(
            "spec.predictor.deploymentStrategy",
            "customizing deploymentStrategy is only supported for raw deployment mode",
        ),
    )
    # Ours: Standard mode accepts it.
    isvc["metadata"]["annotations"] = {MODE: "Standard"}
    expect(validate_inference_service(isvc), None)


def test_model_spec_and_custom_overrides_is_valid() -> None:
    assert validate_create(make_test_inference_service(serviceAccountName="test")) == ([], [])


def test_reject_model_spec_missing() -> None:
    expect(
        validate_inference_service(make_isvc(predictor={})),
        Invalid("spec.predictor", PREDICTOR_EXACTLY_ONE),
    )


def test_bad_parallelism_values() -> None:
    expect(
        validate_inference_service(make_test_inference_service(containerConcurrency=-1)),
        Invalid("spec.predictor.containerConcurrency", "parallelism cannot be less than 0"),
    )


MIN_LT_0 = "'MinReplicas' cannot be less than 0"
MAX_LT_0 = "'MaxReplicas' cannot be less than 0"
MIN_GT_MAX = "'MinReplicas' cannot be greater than MaxReplicas"
CUSTOM_TRANSFORMER = {"containers": [{"image": "some-image"}]}
ART = {"art": {"storageUri": "gs://testbucket/testmodel"}}


@pytest.mark.parametrize(
    ("component", "base", "replicas", "expected"),
    [
        ("predictor", TF, {"minReplicas": -1}, Invalid("spec.predictor.minReplicas", MIN_LT_0)),
        (
            "predictor",
            TF,
            {"minReplicas": 1, "maxReplicas": -1},
            Invalid("spec.predictor.maxReplicas", MAX_LT_0),
        ),
        (
            "predictor",
            TF,
            {"minReplicas": 2, "maxReplicas": 1},
            Invalid("spec.predictor.minReplicas", MIN_GT_MAX),
        ),
        (
            "transformer",
            CUSTOM_TRANSFORMER,
            {"minReplicas": -1},
            Invalid("spec.transformer.minReplicas", MIN_LT_0),
        ),
        (
            "transformer",
            CUSTOM_TRANSFORMER,
            {"minReplicas": 1, "maxReplicas": -1},
            Invalid("spec.transformer.maxReplicas", MAX_LT_0),
        ),
        (
            "transformer",
            CUSTOM_TRANSFORMER,
            {"minReplicas": 2, "maxReplicas": 1},
            Invalid("spec.transformer.minReplicas", MIN_GT_MAX),
        ),
        ("explainer", ART, {"minReplicas": -1}, Invalid("spec.explainer.minReplicas", MIN_LT_0)),
        (
            "explainer",
            ART,
            {"minReplicas": 1, "maxReplicas": -1},
            Invalid("spec.explainer.maxReplicas", MAX_LT_0),
        ),
        (
            "explainer",
            ART,
            {"minReplicas": 2, "maxReplicas": 1},
            Invalid("spec.explainer.minReplicas", MIN_GT_MAX),
        ),
        # Ours: maxReplicas 0 means "no limit"; an unset minReplicas counts as 1.
        ("predictor", TF, {"minReplicas": 5, "maxReplicas": 0}, None),
        ("predictor", TF, {"maxReplicas": 1}, None),
    ],
    ids=[
        "predictor min -1",
        "predictor max -1",
        "predictor min > max",
        "transformer min -1",
        "transformer max -1",
        "transformer min > max",
        "explainer min -1",
        "explainer max -1",
        "explainer min > max",
        "ours: max 0 is unlimited",
        "ours: unset min is 1",
    ],
)
def test_bad_replica_values(
    component: str, base: dict[str, Any], replicas: dict[str, int], expected: Invalid | None
) -> None:
    isvc = make_isvc(predictor={**TF, "minReplicas": 0, "maxReplicas": 0})
    isvc["spec"][component] = {**copy.deepcopy(base), **replicas}
    expect(validate_inference_service(isvc), expected)


@pytest.mark.parametrize(
    "containers",
    [[{"name": "kserve-container", "image": "some-image"}], [{"image": "some-image"}]],
    ids=["named kserve-container", "unnamed single container"],
)
def test_custom_ok(containers: list[Any]) -> None:
    assert validate_create(make_isvc(predictor={"containers": containers})) == ([], [])


def test_reject_bad_transformer() -> None:
    expect(
        validate_inference_service(make_isvc(predictor=TF, transformer={})),
        Invalid(
            "spec.transformer",
            "exactly one of [PodSpec, ComponentExtensionSpec] must be specified in TransformerSpec",
        ),
    )


def test_reject_bad_explainer() -> None:
    expect(
        validate_inference_service(make_isvc(predictor=TF, explainer={})),
        Invalid(
            "spec.explainer",
            "exactly one of [ART, PodSpec, ComponentExtensionSpec] must be specified in "
            "ExplainerSpec",
        ),
    )


def test_good_explainer() -> None:
    assert validate_create(make_isvc(predictor=TF, explainer=ART)) == ([], [])


def test_good_name() -> None:
    expect(validate_inference_service(make_isvc("abc-123", predictor=TF)), None)


@pytest.mark.parametrize(
    "name",
    ["1abcde", "-abc", "abc-", "Abc", ""],
    ids=["1abcde", "ours: -abc", "ours: abc-", "ours: Abc", "ours: empty"],
)
def test_reject_bad_name_start_with_number(name: str) -> None:
    expect(
        validate_inference_service(make_isvc(name, predictor=TF)),
        Invalid("metadata.name", BAD_NAME.format(name)),
    )


def test_reject_bad_name_include_dot() -> None:
    isvc = make_isvc("abc.de", predictor=TF, transformer={})  # the name rule comes first
    expect(validate_inference_service(isvc), Invalid("metadata.name", BAD_NAME.format("abc.de")))


def test_validate_two_predictor_implementation_collocation() -> None:
    predictor = {
        "model": {
            "modelFormat": {"name": "huggingface"},
            "storageUri": "gs://testbucket/testmodel",
        },
        "containers": [
            {"name": "kserve-container", "image": "test/predictor:latest"},
            {"name": "transformer-container", "image": "test/transformer:latest"},
        ],
    }
    expect(
        validate_inference_service(make_isvc(predictor=predictor)),
        Invalid("spec.predictor", PREDICTOR_EXACTLY_ONE),
    )


STORAGE_ENV = [{"name": "STORAGE_URI", "value": "gs://test/model"}]


@pytest.mark.parametrize(
    ("containers", "expected"),
    [
        (
            [
                {"name": "kserve-container", "image": "test/predictor:latest", "env": STORAGE_ENV},
                {
                    "name": "transformer-container",
                    "image": "test/transformer:latest",
                    "env": STORAGE_ENV,
                },
            ],
            Invalid(
                "spec.predictor.containers[1].env[0].name",
                "storage uri should not be specified in transformer container",
            ),
        ),
        (
            [{"name": "kserve-container"}, {"name": "transformer-container"}],
            None,
        ),
        (
            [{"name": "kserve-container", "env": STORAGE_ENV}, {"name": "transformer-container"}],
            None,
        ),
        (None, None),
        ([{"name": "kserve-container", "env": STORAGE_ENV}], None),
    ],
    ids=[
        "Collocation with transformer has storage uri specified",
        "Collocation with no storage uri specified",
        "Collocation with predictor has storage uri specified",
        "Predictor with no collocation",
        "Custom predictor with no collocation",
    ],
)
def test_validate_collocation_storage_uri(
    containers: list[Any] | None, expected: Invalid | None
) -> None:
    predictor = copy.deepcopy(TF) if containers is None else {"containers": containers}
    assert validate_collocation_storage_uri(predictor) == expected
    # Through the webhook, the collocated predictor reaches the same verdict.
    expect(validate_inference_service(make_isvc(predictor=predictor)), expected)


def multi_node(
    name: str,
    model: dict[str, Any] | None = None,
    worker: dict[str, Any] | None = None,
    autoscaler_class: str = "none",
    gpu_types: str | None = None,
) -> dict[str, Any]:
    model = {"modelFormat": {"name": "huggingface"}, "storageUri": "pvc://test", **(model or {})}
    annotations = {CLASS: autoscaler_class}
    if gpu_types is not None:
        annotations[GPU_TYPES] = gpu_types
    return make_isvc(
        name,
        annotations,
        predictor={"model": model, "workerSpec": worker or {}},
    )


UNKNOWN_GPU_RESOURCES = {
    "limits": {"unknownGPU.com/gpu": "1"},
    "requests": {"unknownGPU.com/gpu": "1"},
}
CUSTOM_GPU = '["unknownGPU.com/gpu"]'


@pytest.mark.parametrize(
    ("isvc", "expected"),
    [
        (
            multi_node("foo-1-1", {"env": [{"name": "TENSOR_PARALLEL_SIZE", "value": "2"}]}),
            Invalid(
                "spec.predictor.model.env[0].name",
                invalid_isvc(
                    "foo-1-1",
                    "setting TENSOR_PARALLEL_SIZE in environment variables is not allowed",
                ),
            ),
        ),
        (
            multi_node("foo-1-2", {"env": [{"name": "PIPELINE_PARALLEL_SIZE", "value": "3"}]}),
            Invalid(
                "spec.predictor.model.env[0].name",
                invalid_isvc(
                    "foo-1-2",
                    "setting PIPELINE_PARALLEL_SIZE in environment variables is not allowed",
                ),
            ),
        ),
        (
            multi_node("foo-2-1", worker={"tensorParallelSize": 0}),
            Invalid(
                "spec.predictor.workerSpec.tensorParallelSize",
                invalid_isvc("foo-2-1", "WorkerSpec.TensorParallelSize cannot be less than 1(0)"),
            ),
        ),
        (
            multi_node("foo-2-2", worker={"pipelineParallelSize": 0}),
            Invalid(
                "spec.predictor.workerSpec.pipelineParallelSize",
                invalid_isvc("foo-2-2", "WorkerSpec.PipelineParallelSize cannot be less than 1(0)"),
            ),
        ),
        (
            multi_node("foo-3-1", {"resources": UNKNOWN_GPU_RESOURCES}),
            Invalid(
                'spec.predictor.model.resources.limits["unknownGPU.com/gpu"]',
                UNKNOWN_GPU.format("foo-3-1"),
            ),
        ),
        (
            multi_node("foo-3-2", worker={"containers": [{"resources": UNKNOWN_GPU_RESOURCES}]}),
            Invalid(
                'spec.predictor.workerSpec.containers[0].resources.limits["unknownGPU.com/gpu"]',
                UNKNOWN_GPU.format("foo-3-2"),
            ),
        ),
        (
            multi_node("foo-3-3", {"resources": UNKNOWN_GPU_RESOURCES}, gpu_types=CUSTOM_GPU),
            None,
        ),
        (
            multi_node(
                "foo-3-4",
                worker={"containers": [{"resources": UNKNOWN_GPU_RESOURCES}]},
                gpu_types=CUSTOM_GPU,
            ),
            None,
        ),
        (
            multi_node("foo-4-1", {"storageUri": "s3://test"}),
            Invalid(
                "spec.predictor.model.storageUri",
                invalid_isvc(
                    "foo-4-1", "Multinode only supports 'pvc' and 'oci' Storage Protocol(s3)"
                ),
            ),
        ),
        (multi_node("foo-4-3", {"storageUri": "oci://test"}), None),
        (
            multi_node("foo-4-2", autoscaler_class="hpa"),
            Invalid(
                CLASS_FIELD,
                invalid_isvc("foo-4-2", "Multinode only supports 'none' autoscaler(hpa)"),
            ),
        ),
        (
            multi_node("foo-9", worker={"containers": [{}, {}]}),
            Invalid(
                "spec.predictor.workerSpec.containers",
                invalid_isvc("foo-9", "setting multiple containers in workerSpec is not allowed"),
            ),
        ),
        # Ours: the rest of validateMultiNodeVariables.
        (
            make_isvc(
                "foo-5",
                {CLASS: "none"},
                predictor={"model": {"modelFormat": {"name": "huggingface"}}, "workerSpec": {}},
            ),
            Invalid(
                "spec.predictor.model.storageUri",
                invalid_isvc("foo-5", "StorageURI must be set for multinode enabled"),
            ),
        ),
        (
            multi_node(
                "foo-6",
                {"resources": {"limits": {"cpu": "1", "memory": "1Gi", "nvidia.com/gpu": "1"}}},
            ),
            None,
        ),
        (
            multi_node("foo-7", gpu_types="unknownGPU.com/gpu"),
            Invalid(
                f'metadata.annotations["{GPU_TYPES}"]',
                "invalid GPU format(unknownGPU.com/gpu) for serving.kserve.io/gpu-resource-types "
                "annotation: must be a valid JSON array",
            ),
        ),
        (
            multi_node("foo-8", {"resources": {"requests": {"nvidia.com/mig-1g.5gb": "1"}}}),
            Invalid(
                'spec.predictor.model.resources.requests["nvidia.com/mig-1g.5gb"]',
                UNKNOWN_GPU.format("foo-8"),
            ),
        ),
        (make_isvc("foo-10", predictor={"model": {"storageUri": "s3://x"}}), None),
    ],
    ids=[
        "When TENSOR_PARALLEL_SIZE set as an environment variable, it should return an error",
        "When PIPELINE_PARALLEL_SIZE set as an environment variable, it should return an error",
        "When workerSpec.TensorParallelSize set less than 1, it should return error",
        "When WorkerSpec.PipelineParallelSize set less than 1, it should return error",
        "When unknownGPUResource set in Predictor.Model, it should return error",
        "When unknownGPUResource set in Predictor.WorkerSpec, it should return error",
        "When customGPUResourceTypes set to annotations, unknownGPUResource in Predictor.Model "
        "do not return an error and function correctly",
        "When customGPUResourceTypes set to annotations, unknownGPUResource in "
        "Predictor.WorkerSpec do not return an error and function correctly",
        "When unsupported storageURI set, it should return error",
        "When using OCI storageURI set, validation should succeed",
        "When none autoscaler is not set, then it should return error",
        "When multiple containers set in WorkerSpec, it should return error",
        "ours: missing storageUri",
        "ours: known GPU and basic resources",
        "ours: GPU annotation not a JSON array",
        "ours: MIG resource is not in the GPU list",
        "ours: no workerSpec",
    ],
)
def test_validate_multi_node_variables(isvc: dict[str, Any], expected: Invalid | None) -> None:
    assert validate_multi_node_variables(isvc) == expected
    expect(validate_inference_service(isvc), expected)


def test_validate_multi_node_variables_config_gpu_types() -> None:
    """Ours: the multiNode config's customGPUResourceTypeList extends the known GPU types."""
    isvc = multi_node("foo", {"resources": UNKNOWN_GPU_RESOURCES})
    assert validate_inference_service(isvc, ["nvidia.com/gpu", "unknownGPU.com/gpu"]) == []
    assert validate_inference_service(isvc, ["nvidia.com/gpu"]) == [
        Invalid(
            'spec.predictor.model.resources.limits["unknownGPU.com/gpu"]', UNKNOWN_GPU.format("foo")
        )
    ]


def with_status(isvc: dict[str, Any], mode: str) -> dict[str, Any]:
    return {**isvc, "status": {"deploymentMode": mode}}


def with_mode(isvc: dict[str, Any], annotations: dict[str, str]) -> dict[str, Any]:
    new = copy.deepcopy(isvc)
    new["metadata"]["annotations"] = annotations
    return new


MODE_CHANGE = "update rejected: deploymentMode cannot be changed from '{}' to '{}'"


@pytest.mark.parametrize(
    ("status", "annotations", "deleting", "expected"),
    [
        (
            "Knative",
            {MODE: "Standard"},
            False,
            Invalid(MODE_FIELD, MODE_CHANGE.format("Knative", "Standard")),
        ),
        ("Knative", {MODE: "Knative"}, False, None),
        ("RawDeployment", {MODE: "Standard"}, False, None),
        ("Serverless", {MODE: "Knative"}, False, None),
        (
            "RawDeployment",
            {MODE: "Knative"},
            False,
            Invalid(MODE_FIELD, MODE_CHANGE.format("Standard", "Knative")),
        ),
        ("Knative", {MODE: "Standard"}, True, None),
        ("", {MODE: "Knative"}, False, None),
        ("", {MODE: "Serverless"}, False, None),
        ("", {MODE: "Standard"}, False, None),
        ("", {}, False, None),
        # Ours: a legacy annotation is compared after the defaulter's renaming.
        ("Knative", {MODE: "Serverless"}, False, None),
        ("Knative", {}, False, None),
    ],
    ids=[
        "Annotation does not match status, update should be rejected",
        "Annotation matches status, update is accepted",
        "Legacy status RawDeployment should accept normalized annotation Standard",
        "Legacy status Serverless should accept normalized annotation Knative",
        "Legacy status RawDeployment with different mode Knative should still be rejected",
        "Mismatched deploymentMode should be allowed during deletion",
        "Empty Status.DeploymentMode with a non-Standard annotation should be accepted",
        "Empty Status.DeploymentMode with a legacy Serverless annotation should also be accepted",
        "Empty Status.DeploymentMode with a Standard annotation should also be accepted",
        "Empty Status.DeploymentMode with no deploymentMode annotation should be accepted",
        "ours: legacy annotation matches",
        "ours: annotation removed",
    ],
)
def test_deployment_mode_update(
    status: str, annotations: dict[str, str], deleting: bool, expected: Invalid | None
) -> None:
    old = with_status(make_test_inference_service(), status)
    new = with_mode(old, annotations)
    if deleting:
        new["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    expect(validate_inference_service_update(old, new), expected)


def test_validate_update_during_deletion() -> None:
    old = make_isvc(
        "multinode-isvc",
        {CLASS: "external", MODE: "RawDeployment"},
        predictor={
            "model": {"modelFormat": {"name": "huggingface"}, "storageUri": "pvc://my-pvc/model"},
            "workerSpec": {},
        },
    )
    expected = Invalid(
        CLASS_FIELD,
        "the InferenceService \"multinode-isvc\" is invalid: Multinode only supports 'none' "
        "autoscaler(external)",
    )
    expect(validate_inference_service_update(old, copy.deepcopy(old)), expected)
    deleting = copy.deepcopy(old)
    deleting["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:00Z"
    expect(validate_inference_service_update(old, deleting), None)


KEDA_METRIC = "spec.predictor.autoScaling.metrics[0]"


def metrics(*items: dict[str, Any]) -> dict[str, Any]:
    return {"autoScaling": {"metrics": list(items)}}


def resource(name: str, **target: Any) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": name, "target": target}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (metrics(resource("cpu", type="Utilization", averageUtilization=80)), None),
        (metrics(resource("memory", type="AverageValue", averageValue="2Gi")), None),
        (
            {"scaleMetric": "cpu"},
            Invalid("spec.predictor.scaleMetric", "ScaleMetric is not supported for KEDA"),
        ),
        (metrics({"type": "Resource"}), Invalid(f"{KEDA_METRIC}.resource", RESOURCE_NOT_SET)),
        (
            metrics(resource("cpu", type="AverageValue")),
            Invalid(
                f"{KEDA_METRIC}.resource.target.type",
                "the cpu target value type should be Utilization",
            ),
        ),
        (
            metrics(resource("memory", type="Value")),
            Invalid(
                f"{KEDA_METRIC}.resource.target.type",
                "the memory target value type should be AverageValue or Utilization",
            ),
        ),
        (
            metrics(resource("memory", type="AverageValue", averageValue="512Ki")),
            Invalid(
                f"{KEDA_METRIC}.resource.target.averageValue",
                "the memory target value should be greater than 1 MiB",
            ),
        ),
        (
            metrics(resource("disk", type="Utilization")),
            Invalid(f"{KEDA_METRIC}.resource.name", "resource type disk is not supported"),
        ),
        (
            metrics(
                {
                    "type": "External",
                    "external": {
                        "metric": {"backend": "prometheus", "query": ""},
                        "target": {"type": "Value", "value": None},
                    },
                }
            ),
            Invalid(f"{KEDA_METRIC}.external.metric.query", "the query should not be empty"),
        ),
        (
            metrics(
                {
                    "type": "External",
                    "external": {
                        "metric": {"backend": "prometheus", "query": "avg(requests)"},
                        "target": {"type": "Value", "value": "10"},
                    },
                }
            ),
            None,
        ),
        (
            metrics(
                {
                    "type": "PodMetric",
                    "podmetric": {
                        "metric": {"backend": "opentelemetry", "query": ""},
                        "target": {"type": "Value"},
                    },
                }
            ),
            Invalid(f"{KEDA_METRIC}.podmetric.metric.query", "the query should not be empty"),
        ),
        (
            metrics(
                {
                    "type": "PodMetric",
                    "podmetric": {
                        "metric": {"backend": "opentelemetry", "query": "avg(requests)"},
                        "target": {"type": "Value", "value": "5"},
                    },
                }
            ),
            None,
        ),
        (
            metrics({"type": "UnknownType"}),
            Invalid(
                f"{KEDA_METRIC}.type",
                "unknown KEDA metric type with value [UnknownType]."
                "Valid types are Resource,External,PodMetric",
            ),
        ),
        # Ours: the other branches.
        (
            metrics(resource("memory", type="AverageValue")),
            Invalid(
                f"{KEDA_METRIC}.resource.target.averageValue",
                "the memory target value should be greater than 1 MiB",
            ),
        ),
        (metrics(resource("memory", type="AverageValue", averageValue="1Mi")), None),
        (
            metrics(resource("memory", type="AverageValue", averageValue="lots")),
            Invalid(
                f"{KEDA_METRIC}.resource.target.averageValue",
                'failed to parse quantity "lots": quantities must match the regular expression '
                "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'",
            ),
        ),
        (
            metrics(resource("memory", type="Utilization", averageUtilization=0)),
            Invalid(f"{KEDA_METRIC}.resource.target.averageUtilization", TARGET_UTILIZATION),
        ),
        (
            metrics(resource("cpu", type="Utilization")),
            Invalid(
                f"{KEDA_METRIC}.resource.target.averageUtilization",
                "the AverageUtilization type should be set",
            ),
        ),
        (
            metrics({"type": "External"}),
            Invalid(
                f"{KEDA_METRIC}.external",
                "metricSpec.External is not set for external metric source type",
            ),
        ),
        (
            metrics({"type": "PodMetric"}),
            Invalid(
                f"{KEDA_METRIC}.podmetric",
                "metricSpec.PodMetric is not set for pod metric source type",
            ),
        ),
        (
            metrics(
                {
                    "type": "External",
                    "external": {"metric": {"query": "q"}, "target": {"type": "Value"}},
                }
            ),
            Invalid(
                f"{KEDA_METRIC}.external.target.value",
                "the target threshold value should not be empty",
            ),
        ),
        (
            metrics(
                {
                    "type": "External",
                    "external": {
                        "metric": {"query": "q"},
                        "target": {"type": "AverageValue", "value": "1"},
                    },
                }
            ),
            Invalid(
                f"{KEDA_METRIC}.external.target.averageValue", "the AverageValue type should be set"
            ),
        ),
    ],
    ids=[
        "valid cpu",
        "valid memory",
        "invalid: ScaleMetric set",
        "invalid: missing resource",
        "invalid: cpu wrong type",
        "invalid: memory wrong type",
        "invalid: memory value too low",
        "invalid: unsupported resource",
        "invalid: external metric missing query/value",
        "valid: external metric",
        "invalid: pod metric missing query/value",
        "valid: pod metric",
        "invalid: unknown metric type",
        "ours: memory AverageValue unset",
        "ours: memory exactly 1Mi",
        "ours: memory not a quantity",
        "ours: memory Utilization 0",
        "ours: cpu Utilization unset",
        "ours: External unset",
        "ours: PodMetric unset",
        "ours: External without value",
        "ours: External AverageValue unset",
    ],
)
def test_validate_scaling_keda_comp_extension(
    spec: dict[str, Any], expected: Invalid | None
) -> None:
    assert validate_scaling_keda_comp_extension(spec, "spec.predictor") == expected


ENTRY = "spec.predictor.storageUris[0]"


@pytest.mark.parametrize(
    ("uri", "mount_path", "expected"),
    [
        ("gs://bucket/model", "/mnt/models", None),
        ("s3://bucket/model", "/", Invalid(f"{ENTRY}.mountPath", "storage path cannot be empty")),
        ("", "/mnt/models", Invalid(f"{ENTRY}.uri", "storage URI cannot be empty")),
        (
            "gs://bucket/model",
            "mnt/models",
            Invalid(f"{ENTRY}.mountPath", "storage path must be absolute: mnt/models"),
        ),
        (
            "gs://bucket/model",
            "/mnt/../etc",
            Invalid(
                f"{ENTRY}.mountPath",
                "storage path cannot contain '..' for security reasons: /mnt/../etc",
            ),
        ),
    ],
    ids=[
        "ValidStorageUriSpec",
        "ValidStorageUriSpecWithRootPath",
        "EmptyUri",
        "RelativePath",
        "ours: DotDot",
    ],
)
def test_validate_storage_uri_spec(uri: str, mount_path: str, expected: Invalid | None) -> None:
    assert validate_storage_uri_spec(uri, mount_path, ENTRY) == expected


URIS = "spec.predictor.storageUris"
NO_COMMON_PARENT = (
    "storage paths must have a common parent directory. Current paths: [{}] have no common "
    "parent beyond root"
)


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ([], None),
        ([{"uri": "gs://bucket/model1", "mountPath": "/mnt/models"}], None),
        (
            [
                {"uri": "gs://bucket/model1", "mountPath": "/mnt/models/model1"},
                {"uri": "s3://bucket/model2", "mountPath": "/mnt/models/model2"},
            ],
            None,
        ),
        (
            [
                {"uri": "gs://bucket/model1", "mountPath": "/mnt/models"},
                {"uri": "s3://bucket/model2", "mountPath": "/opt/models"},
            ],
            Invalid(
                URIS,
                NO_COMMON_PARENT.format("/mnt/models /opt/models"),
            ),
        ),
        (
            [
                {"uri": "gs://bucket/model1", "mountPath": "/mnt/models"},
                {"uri": "", "mountPath": "/mnt/models/model2"},
            ],
            Invalid(f"{URIS}[1].uri", "storage URI cannot be empty"),
        ),
        (
            [
                {"uri": "gs://bucket/model1", "mountPath": "/mnt/models"},
                {"uri": "s3://bucket/model2", "mountPath": "mnt/models/model2"},
            ],
            Invalid(f"{URIS}[1].mountPath", "storage path must be absolute: mnt/models/model2"),
        ),
        # Ours: PVC paths, the CRD default mount path, and KServe's early return.
        (
            [
                {"uri": "gs://a", "mountPath": "/mnt/a"},
                {"uri": "gs://b", "mountPath": "/mnt/b"},
                {"uri": "pvc://c/m", "mountPath": "/data"},
                {"uri": "pvc://d/m", "mountPath": "/data"},
            ],
            Invalid(f"{URIS}[3].mountPath", "PVC storage paths must be unique"),
        ),
        (
            [
                {"uri": "gs://a", "mountPath": "/mnt/a"},
                {"uri": "pvc://c/m", "mountPath": "/data"},
                {"uri": "pvc://d/m", "mountPath": "/data"},
            ],
            None,
        ),
        (
            [
                {"uri": "pvc://c/m", "mountPath": "/data"},
                {"uri": "pvc://d/m", "mountPath": "/data"},
            ],
            None,
        ),
        ([{"uri": "gs://a"}, {"uri": "gs://b", "mountPath": "/mnt/models/b"}], None),
        (
            [{"uri": "gs://a", "mountPath": "//"}, {"uri": "gs://b", "mountPath": "/mnt/b"}],
            Invalid(
                URIS,
                NO_COMMON_PARENT.format("// /mnt/b"),
            ),
        ),
    ],
    ids=[
        "EmptyList",
        "SingleValidStorageUri",
        "MultipleValidStorageUrisWithCommonParent",
        "MultipleStorageUrisWithoutCommonParent",
        "InvalidStorageUriInList",
        "RelativePathInList",
        "ours: duplicate PVC paths",
        "ours: PVC paths unchecked with one other path",
        "ours: PVC paths unchecked without two other paths",
        "ours: mountPath defaults to /mnt/models",
        "ours: empty path components",
    ],
)
def test_validate_storage_uri(entries: list[Any], expected: Invalid | None) -> None:
    assert validate_multiple_storage_uris_spec(entries, URIS) == expected


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ([], ""),
        (["/a/b"], "/a/b"),
        (["/a/b/c", "/a/b/d"], "/a/b"),
        (["/a/b", "/a"], "/a"),
        (["/a", "/b"], "/"),
        (["/", "/"], "/"),
    ],
)
def test_find_common_parent_path(paths: list[str], expected: str) -> None:
    """Ours: `utils.FindCommonParentPath`."""
    assert find_common_parent_path(paths) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"predictor": {**TF, "storageUris": [{"uri": "gs://a", "mountPath": "/mnt/a"}]}},
            Invalid(
                "spec.predictor.storageUris",
                "Setting both StorageURI and StorageURIs is not supported.",
            ),
        ),
        (
            {
                "predictor": {
                    "model": {"modelFormat": {"name": "sklearn"}},
                    "storageUris": [{"uri": "gs://a"}],
                }
            },
            None,
        ),
        (
            {
                "predictor": TF,
                "transformer": {
                    "containers": [{"env": STORAGE_ENV}],
                    "storageUris": [{"uri": "gs://a"}],
                },
            },
            Invalid(
                "spec.transformer.storageUris",
                "Setting both StorageURI and StorageURIs is not supported.",
            ),
        ),
        (
            {"predictor": TF, "explainer": {**ART, "storageUris": [{"uri": "gs://a"}]}},
            Invalid(
                "spec.explainer.storageUris",
                "Setting both StorageURI and StorageURIs is not supported.",
            ),
        ),
        (
            {
                "predictor": TF,
                "explainer": {"art": {"storageUri": ""}, "storageUris": [{"uri": "gs://a"}]},
            },
            None,
        ),
        (
            {
                "predictor": {
                    "containers": [{"name": "kserve-container", "env": STORAGE_ENV}],
                    "storageUris": [{"uri": ""}],
                }
            },
            Invalid(
                "spec.predictor.storageUris",
                "Setting both StorageURI and StorageURIs is not supported.",
            ),
        ),
        (
            {
                "predictor": {
                    "model": {},
                    "storageUris": [
                        {"uri": "gs://a", "mountPath": "/a/m"},
                        {"uri": "gs://b", "mountPath": "/b/m"},
                    ],
                }
            },
            Invalid(
                "spec.predictor.storageUris",
                NO_COMMON_PARENT.format("/a/m /b/m"),
            ),
        ),
    ],
    ids=[
        "predictor storageUri and storageUris",
        "predictor storageUris only",
        "transformer STORAGE_URI env and storageUris",
        "explainer storageUri and storageUris",
        "explainer empty storageUri is unset",
        "custom predictor STORAGE_URI env and storageUris",
        "predictor paths without common parent",
    ],
)
def test_validate_multiple_storage_uris(spec: dict[str, Any], expected: Invalid | None) -> None:
    """Ours: `validateMultipleStorageURIs` through the webhook."""
    expect(validate_inference_service(make_isvc(**spec)), expected)


BLOCKED = invalid_isvc(
    "test-isvc", "setting PYTHONPATH in container {} is not allowed for security reasons"
)
PYTHONPATH = [{"name": "PYTHONPATH", "value": "/injected"}]
SKLEARN_MODEL = {"model": {"modelFormat": {"name": "sklearn"}}}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "env": PYTHONPATH}}},
            Invalid("spec.predictor.model.env[0].name", BLOCKED.format('""')),
        ),
        (
            {"predictor": {"containers": [{"name": "kserve-container", "env": PYTHONPATH}]}},
            Invalid(
                "spec.predictor.containers[0].env[0].name", BLOCKED.format('"kserve-container"')
            ),
        ),
        (
            {
                "predictor": {
                    "model": {"modelFormat": {"name": "huggingface"}},
                    "workerSpec": {"containers": [{"name": "worker", "env": PYTHONPATH}]},
                }
            },
            Invalid(
                "spec.predictor.workerSpec.containers[0].env[0].name", BLOCKED.format('"worker"')
            ),
        ),
        (
            {
                "predictor": SKLEARN_MODEL,
                "transformer": {"containers": [{"name": "transformer", "env": PYTHONPATH}]},
            },
            Invalid("spec.transformer.containers[0].env[0].name", BLOCKED.format('"transformer"')),
        ),
        (
            {
                "predictor": {
                    "model": {
                        "modelFormat": {"name": "sklearn"},
                        "env": [{"name": "MODEL_NAME", "value": "my-model"}],
                    }
                }
            },
            None,
        ),
        (
            {"predictor": SKLEARN_MODEL, "explainer": {"art": {"env": PYTHONPATH}}},
            Invalid("spec.explainer.art.env[0].name", BLOCKED.format('""')),
        ),
        (
            {
                "predictor": {
                    **SKLEARN_MODEL,
                    "initContainers": [{"name": "init-setup", "env": PYTHONPATH}],
                }
            },
            Invalid("spec.predictor.initContainers[0].env[0].name", BLOCKED.format('"init-setup"')),
        ),
        (
            {
                "predictor": {
                    "model": {"modelFormat": {"name": "huggingface"}},
                    "workerSpec": {"initContainers": [{"name": "init-worker", "env": PYTHONPATH}]},
                }
            },
            Invalid(
                "spec.predictor.workerSpec.initContainers[0].env[0].name",
                BLOCKED.format('"init-worker"'),
            ),
        ),
        (
            {
                "predictor": SKLEARN_MODEL,
                "explainer": {"initContainers": [{"name": "init-explainer", "env": PYTHONPATH}]},
            },
            Invalid(
                "spec.explainer.initContainers[0].env[0].name", BLOCKED.format('"init-explainer"')
            ),
        ),
        (
            {
                "predictor": SKLEARN_MODEL,
                "transformer": {"initContainers": [{"name": "init-transform", "env": PYTHONPATH}]},
            },
            Invalid(
                "spec.transformer.initContainers[0].env[0].name", BLOCKED.format('"init-transform"')
            ),
        ),
        ({"predictor": SKLEARN_MODEL}, None),
        # Ours: legacy framework containers, the second container, and the order of the checks.
        (
            {"predictor": {"sklearn": {"name": "x", "env": PYTHONPATH}}},
            Invalid("spec.predictor.sklearn.env[0].name", BLOCKED.format('"x"')),
        ),
        (
            {
                "predictor": {
                    "containers": [
                        {"name": "a"},
                        {"name": "sidecar", "env": [{"name": "A"}, *PYTHONPATH]},
                    ]
                }
            },
            Invalid("spec.predictor.containers[1].env[1].name", BLOCKED.format('"sidecar"')),
        ),
        (
            {
                "predictor": {
                    "initContainers": [{"name": "i", "env": PYTHONPATH}],
                    "containers": [{"name": "c", "env": PYTHONPATH}],
                }
            },
            Invalid("spec.predictor.containers[0].env[0].name", BLOCKED.format('"c"')),
        ),
        (
            {
                "predictor": {
                    "sklearn": {"name": "s", "env": PYTHONPATH},
                    "model": {"name": "m", "env": PYTHONPATH},
                }
            },
            Invalid("spec.predictor.model.env[0].name", BLOCKED.format('"m"')),
        ),
    ],
    ids=[
        "PYTHONPATH in predictor model env should be rejected",
        "PYTHONPATH in predictor custom container should be rejected",
        "PYTHONPATH in workerSpec container should be rejected",
        "PYTHONPATH in transformer container should be rejected",
        "allowed env vars should pass",
        "PYTHONPATH in explainer ART container should be rejected",
        "PYTHONPATH in predictor initContainer should be rejected",
        "PYTHONPATH in workerSpec initContainer should be rejected",
        "PYTHONPATH in explainer initContainer should be rejected",
        "PYTHONPATH in transformer initContainer should be rejected",
        "no env vars should pass",
        "ours: legacy framework container",
        "ours: second container",
        "ours: containers before initContainers",
        "ours: model container before framework container",
    ],
)
def test_validate_blocked_env_vars(spec: dict[str, Any], expected: Invalid | None) -> None:
    isvc = make_isvc("test-isvc", **spec)
    assert validate_blocked_env_vars(isvc) == expected
    if expected is not None:  # the rule comes before every component check
        expect(validate_inference_service(isvc), expected)


BAD_RESOURCE_ID = (
    'spec.predictor.confidential.resourceId: Invalid value: "{}": must be in the format '
    "kbs:///<repo>/<type>/<tag>"
)
OCI_WARNING = (
    "confidential has no effect with OCI URIs; OCI image decryption is handled by the container "
    "runtime via runtimeClassName"
)
PVC_WARNING = (
    "confidential has no effect with PVC URIs; the storage-initializer is not injected for PVC "
    "volumes"
)


def confidential_model(uri: str | None, confidential: dict[str, Any] | None) -> dict[str, Any]:
    model: dict[str, Any] = {}
    if uri is not None:
        model["storageUri"] = uri
    if confidential is not None:
        model["confidential"] = confidential
    return make_isvc(predictor={"model": model})


@pytest.mark.parametrize(
    ("isvc", "expected", "warnings"),
    [
        (confidential_model("s3://bucket/model", None), None, []),
        (confidential_model("s3://bucket/model", {"enabled": False}), None, []),
        (
            confidential_model(
                "s3://bucket/model", {"enabled": True, "resourceId": "kbs:///default/key/model-key"}
            ),
            None,
            [],
        ),
        (confidential_model("s3://bucket/model", {"enabled": True}), None, []),
        (
            confidential_model(None, {"enabled": True}),
            Invalid(
                "spec.predictor.model.storageUri",
                "confidential model serving requires storageUri to be set",
            ),
            [],
        ),
        (confidential_model("oci://registry/model:latest", {"enabled": True}), None, [OCI_WARNING]),
        (confidential_model("pvc://my-pvc/model-dir", {"enabled": True}), None, [PVC_WARNING]),
        (
            confidential_model(
                "s3://bucket/model", {"enabled": True, "resourceId": "invalid-resource-id"}
            ),
            Invalid(
                "spec.predictor.model.confidential.resourceId",
                BAD_RESOURCE_ID.format("invalid-resource-id"),
            ),
            [],
        ),
        # Ours: an empty URI, warnings kept when a later rule fails, legacy framework specs.
        (
            confidential_model("", {"enabled": True}),
            Invalid(
                "spec.predictor.model.storageUri",
                "confidential model serving requires storageUri to be set",
            ),
            [],
        ),
        (
            make_isvc(
                predictor={
                    "model": {"storageUri": "oci://r/m", "confidential": {"enabled": True}},
                    "minReplicas": -1,
                }
            ),
            Invalid("spec.predictor.minReplicas", "'MinReplicas' cannot be less than 0"),
            [OCI_WARNING],
        ),
        (
            make_isvc(
                predictor={
                    "sklearn": {
                        "storageUri": "s3://b/m",
                        "confidential": {"enabled": True, "resourceId": "kbs:///a/b"},
                    }
                }
            ),
            Invalid(
                "spec.predictor.sklearn.confidential.resourceId",
                BAD_RESOURCE_ID.format("kbs:///a/b"),
            ),
            [],
        ),
    ],
    ids=[
        "confidential nil",
        "confidential disabled",
        "confidential enabled with storageUri and resourceId",
        "confidential enabled with storageUri no resourceId",
        "confidential enabled without storageUri",
        "confidential enabled with OCI URI warns",
        "confidential enabled with PVC URI warns",
        "confidential with malformed resourceId",
        "ours: empty storageUri",
        "ours: warning survives a later error",
        "ours: legacy framework spec",
    ],
)
def test_validate_confidential(
    isvc: dict[str, Any], expected: Invalid | None, warnings: list[str]
) -> None:
    assert validate_create(isvc) == ([] if expected is None else [expected], warnings)


def sklearn_model(uri: str) -> dict[str, Any]:
    return {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": uri}}


def canary(name: str, traffic: int = 10, **predictor: Any) -> dict[str, Any]:
    return {
        "trafficPercent": traffic,
        "predictor": {"name": name, **sklearn_model(f"gs://test/model-{name}"), **predictor},
    }


def canary_isvc(
    *canaries: dict[str, Any],
    stable_min: int | None = 4,
    mode: str | None = "Standard",
    **stable: Any,
) -> dict[str, Any]:
    predictor = {**sklearn_model("gs://test/model-v1"), **stable}
    if stable_min is not None:
        predictor["minReplicas"] = stable_min
    return make_isvc(
        annotations=None if mode is None else {MODE: mode},
        predictor=predictor,
        canary=list(canaries),
    )


C0 = "spec.canary[0].predictor"


@pytest.mark.parametrize(
    ("isvc", "expected"),
    [
        (canary_isvc(), None),
        (canary_isvc(canary("v2", 10)), None),
        (canary_isvc(canary("v2", 25), canary("v3", 25)), None),
        (canary_isvc(canary("v2", 50), canary("v3", 50)), None),
        (canary_isvc(canary("v2", 0)), None),
        (
            canary_isvc(canary("v2", 10), stable_min=None, mode=None),
            Invalid(MODE_FIELD, "canary is only supported in Standard deployment mode"),
        ),
        (
            canary_isvc({"trafficPercent": 10, "predictor": sklearn_model("gs://test/v2")}),
            Invalid(f"{C0}.name", "canary[0] predictor.name is required"),
        ),
        (
            canary_isvc(canary("v2", 10), canary("v2", 20)),
            Invalid("spec.canary[1].predictor.name", 'canary predictor.name "v2" is duplicated'),
        ),
        (
            canary_isvc(canary("stable", 10), name="stable"),
            Invalid(
                f"{C0}.name", 'canary predictor.name "stable" conflicts with stable predictor name'
            ),
        ),
        (
            canary_isvc(canary("v2", 60), canary("v3", 50)),
            Invalid("spec.canary", "sum of canary trafficPercent values (110) must be <= 100"),
        ),
        (
            canary_isvc(canary("v2", maxReplicas=5)),
            Invalid(
                f"{C0}.maxReplicas",
                'canary "v2" must not set maxReplicas (canary uses fixed replicas)',
            ),
        ),
        (canary_isvc(canary("v2", minReplicas=4)), None),
        (
            canary_isvc(canary("v2", minReplicas=5)),
            Invalid(
                f"{C0}.minReplicas",
                'canary "v2" minReplicas (5) must not exceed stable predictor minReplicas (4)',
            ),
        ),
        (canary_isvc(canary("v2", minReplicas=1), stable_min=None), None),
        (
            canary_isvc(canary("v2", minReplicas=2), stable_min=None),
            Invalid(
                f"{C0}.minReplicas",
                'canary "v2" minReplicas (2) must not exceed stable predictor minReplicas (1)',
            ),
        ),
        (canary_isvc(canary("v2"), stable_min=None), None),
        (
            canary_isvc(canary("v2", workerSpec={})),
            Invalid(
                f"{C0}.workerSpec",
                'canary "v2" must not set workerSpec (multi-node is not yet supported for canary)',
            ),
        ),
        (
            make_isvc(
                annotations={MODE: "Standard"},
                predictor={
                    "containers": [{"name": "kserve-container", "image": "custom-server:latest"}]
                },
                canary=[canary("v2")],
            ),
            Invalid(
                "spec.predictor",
                "canary requires a stable predictor with a model "
                "(multi-model serving is not supported with canary)",
            ),
        ),
        # Ours: the remaining canary rules.
        (
            canary_isvc(canary("v2", 150)),
            Invalid(
                "spec.canary[0].trafficPercent",
                'canary "v2" trafficPercent must be between 0 and 100, got 150',
            ),
        ),
        (
            canary_isvc(canary("v2", -1)),
            Invalid(
                "spec.canary[0].trafficPercent",
                'canary "v2" trafficPercent must be between 0 and 100, got -1',
            ),
        ),
        (
            canary_isvc(canary("v2", xgboost={})),
            Invalid(C0, f'canary "v2" predictor: {PREDICTOR_EXACTLY_ONE}'),
        ),
        (
            canary_isvc(canary("v2", minReplicas=-1)),
            Invalid(
                f"{C0}.minReplicas", "canary \"v2\" predictor: 'MinReplicas' cannot be less than 0"
            ),
        ),
        (
            canary_isvc(canary("v2", scaleTarget=5)),
            Invalid(
                f"{C0}.scaleTarget",
                'canary "v2" must not set scaleTarget (canary uses fixed replicas)',
            ),
        ),
        (
            canary_isvc(canary("v2", scaleMetric="cpu")),
            Invalid(
                f"{C0}.scaleMetric",
                'canary "v2" must not set scaleMetric (canary uses fixed replicas)',
            ),
        ),
        (
            canary_isvc(canary("v2", autoScaling={})),
            Invalid(
                f"{C0}.autoScaling",
                'canary "v2" must not set autoScaling (canary uses fixed replicas)',
            ),
        ),
        (canary_isvc(canary("v2"), stable_min=None, mode="RawDeployment"), None),
        (
            make_isvc(
                annotations={MODE: "Standard"},
                predictor={"containers": [{"name": "kserve-container", "env": STORAGE_ENV}]},
                canary=[canary("v2")],
            ),
            None,
        ),
        (
            make_isvc(
                annotations={MODE: "Standard"},
                predictor={"sklearn": {"storageUri": ""}},
                canary=[canary("v2")],
            ),
            None,
        ),
    ],
    ids=[
        "No canaries passes validation",
        "Single valid canary",
        "Multiple valid canaries",
        "Traffic sum = 100 accepted",
        "Traffic percent = 0 accepted (dark launch)",
        "Canary rejected in Knative mode",
        "Missing predictor.name rejected",
        "Duplicate predictor.name rejected",
        "Canary name conflicts with stable name rejected",
        "Traffic sum > 100 rejected",
        "Canary with maxReplicas rejected",
        "Canary minReplicas equal to stable accepted",
        "Canary minReplicas exceeds stable rejected",
        "Canary minReplicas equal to default stable accepted",
        "Canary minReplicas exceeds default stable rejected",
        "Canary minReplicas accepted when nil (derived from traffic)",
        "Canary with workerSpec rejected",
        "Canary rejected when stable uses custom container (no model)",
        "ours: traffic above 100",
        "ours: traffic below 0",
        "ours: canary with two implementations",
        "ours: canary extension spec checked",
        "ours: canary with scaleTarget",
        "ours: canary with scaleMetric",
        "ours: canary with autoScaling",
        "ours: legacy RawDeployment annotation",
        "ours: custom stable with STORAGE_URI",
        "ours: stable storageUri set but empty",
    ],
)
def test_validate_canary_specs(isvc: dict[str, Any], expected: Invalid | None) -> None:
    expect(validate_inference_service(isvc), expected)


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (("", "gs://test/model-v1"), ("v2", "gs://test/model-v2"), None),
        (
            ("", "gs://test/model-v1"),
            ("v2", "gs://test/model-v1"),
            Invalid(
                "spec.predictor.name",
                "predictor.name change requires a model change (e.g. storageUri)",
            ),
        ),
        (("v2", "gs://test/model-v1"), ("v2", "gs://test/model-v2"), None),
        (("v2", "gs://test/model-v1"), ("v2", "gs://test/model-v1"), None),
    ],
    ids=[
        "Name change with model change accepted (promotion)",
        "Name change without model change rejected",
        "Model change without name change accepted (normal update)",
        "No changes accepted",
    ],
)
def test_validate_predictor_name_change(
    old: tuple[str, str], new: tuple[str, str], expected: Invalid | None
) -> None:
    def isvc(name: str, uri: str) -> dict[str, Any]:
        return make_isvc(
            annotations={MODE: "Standard"}, predictor={"name": name, **sklearn_model(uri)}
        )

    expect(validate_inference_service_update(isvc(*old), isvc(*new)), expected)


@pytest.mark.parametrize(
    ("old_predictor", "new_predictor", "expected"),
    [
        (
            {"name": "a", "tensorflow": {"storageUri": "gs://m"}},
            {"name": "b", "tensorflow": {"storageUri": "gs://m"}},
            Invalid(
                "spec.predictor.name",
                "predictor.name change requires a model change (e.g. storageUri)",
            ),
        ),
        (
            {"name": "a", "containers": [{"name": "kserve-container", "env": STORAGE_ENV}]},
            {"containers": [{"name": "kserve-container"}]},
            None,
        ),
        (
            {"name": "a"},
            {},
            Invalid(
                "spec.predictor.name",
                "predictor.name change requires a model change (e.g. storageUri)",
            ),
        ),
    ],
    ids=["ours: legacy framework URI", "ours: custom predictor URI", "ours: no implementation"],
)
def test_validate_predictor_name_change_storage_uri(
    old_predictor: dict[str, Any], new_predictor: dict[str, Any], expected: Invalid | None
) -> None:
    """Ours: where `getPredictorStorageURI` finds the model URI."""
    expect(
        validate_inference_service_update(
            make_isvc(predictor=old_predictor), make_isvc(predictor=new_predictor)
        ),
        expected,
    )


@pytest.mark.parametrize(
    ("predictor", "expected"),
    [
        (
            {"model": {"name": "kserve-container"}},
            Invalid(
                "spec.predictor.model.name", "the 'name' field is not allowed in standard predictor"
            ),
        ),
        ({"model": {}, "name": "v1"}, None),
        ({"xgboost": {"name": ""}}, None),
        (
            {"paddle": {"name": "p"}, "sklearn": {"name": "s"}},
            Invalid(
                "spec.predictor.sklearn.name",
                "the 'name' field is not allowed in standard predictor",
            ),
        ),
    ],
    ids=["model container name", "predictor variant name", "empty name", "struct order"],
)
def test_validate_predictor(predictor: dict[str, Any], expected: Invalid | None) -> None:
    """Ours: `validatePredictor` beyond SKLearn."""
    assert validate_predictor(make_isvc(predictor=predictor)) == expected


@pytest.mark.parametrize(
    ("spec", "annotations", "expected"),
    [
        ({"predictor": {"model": {}}}, {}, None),
        ({"predictor": {"model": {}, "containerConcurrency": 0, "minReplicas": 0}}, {}, None),
        (
            {"predictor": {"containers": [{"env": [{"name": "PROTOCOL", "value": "grpc-v2"}]}]}},
            {},
            Invalid(
                "spec.predictor.containers[0].env[0].value",
                "invalid protocol v1, v2. Must be one of [grpc-v2]",
            ),
        ),
        (
            {"predictor": {"tensorflow": {"runtimeVersion": "2-gpu"}}},
            {},
            Invalid(
                "spec.predictor.tensorflow.runtimeVersion",
                "Tensorflow RuntimeVersion is GPU enabled but GPU resources are not requested",
            ),
        ),
        (
            {"predictor": {"model": {}, "logger": {"mode": "everything"}}},
            {},
            Invalid("spec.predictor.logger.mode", "invalid logger type"),
        ),
        (
            {
                "predictor": TF,
                "transformer": {"containers": [{}], "scaleMetric": "rps", "scaleTarget": 0},
            },
            {},
            Invalid("spec.transformer.scaleTarget", "the target for rps should be greater than 1"),
        ),
        (
            {"predictor": TF, "explainer": {**ART, "scaleMetric": "cpu"}},
            {MODE: "Standard", CLASS: "keda"},
            Invalid("spec.explainer.scaleMetric", "ScaleMetric is not supported for KEDA"),
        ),
        (
            {"predictor": {**TF, "scaleMetric": "cpu"}},
            {"autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev"},
            None,
        ),
        (
            {"predictor": {**TF, "scaleMetric": "cpu"}},
            {MODE: "ModelMesh"},
            Invalid("spec.predictor.scaleMetric", "[cpu] is not a supported metric"),
        ),
        (
            {"predictor": {**TF, "minReplicas": -1, "scaleMetric": "cpu"}},
            {},
            Invalid("spec.predictor.minReplicas", "'MinReplicas' cannot be less than 0"),
        ),
        (
            {"predictor": {"onnx": {"storageUri": "gs://m.pt"}, "minReplicas": -1}},
            {},
            Invalid(
                "spec.predictor.onnx.storageUri",
                "expected storageUri file extension: '.onnx' but got '.pt'",
            ),
        ),
    ],
    ids=[
        "model without anything else",
        "zero concurrency and replicas",
        "custom predictor protocol",
        "tensorflow GPU runtime",
        "logger mode",
        "transformer KPA rps",
        "explainer KEDA",
        "Knative HPA class allows cpu",
        "ModelMesh uses KPA rules",
        "extension before autoscaling",
        "implementation before extension",
    ],
)
def test_validate_components(
    spec: dict[str, Any], annotations: dict[str, str], expected: Invalid | None
) -> None:
    """Ours: the per-component loop of `validateInferenceService` and its order."""
    expect(validate_inference_service(make_isvc(annotations=annotations, **spec)), expected)


def long_name_error(name: str, component: str, child: str, hint: str) -> str:
    return (
        f'the InferenceService "{name}" is invalid: its {component} Service would be named '
        f'"{child}" ({len(child)} characters), which is not a valid DNS-1035 label: must be no '
        f"more than 63 characters; {hint}"
    )


N53, N54, N70 = "a" * 53, "a" * 54, "m" * 70


@pytest.mark.parametrize(
    ("isvc", "expected"),
    [
        (make_isvc(N53, predictor=TF), None),
        (
            make_isvc(N54, predictor=TF),
            Invalid(
                "metadata.name",
                long_name_error(
                    N54,
                    "predictor",
                    f"{N54}-predictor",
                    "metadata.name can have at most 53 characters",
                ),
            ),
        ),
        (
            make_isvc(N70, predictor=TF),
            Invalid(
                "metadata.name",
                long_name_error(
                    N70,
                    "predictor",
                    f"{N70}-predictor",
                    "metadata.name can have at most 53 characters",
                ),
            ),
        ),
        (
            make_isvc(N53, predictor=TF, transformer=CUSTOM_TRANSFORMER),
            Invalid(
                "metadata.name",
                long_name_error(
                    N53,
                    "transformer",
                    f"{N53}-transformer",
                    "metadata.name can have at most 51 characters",
                ),
            ),
        ),
        (
            make_isvc(N54, predictor=TF, explainer=ART),
            Invalid(
                "metadata.name",
                long_name_error(
                    N54,
                    "predictor",
                    f"{N54}-predictor",
                    "metadata.name can have at most 53 characters",
                ),
            ),
        ),
        (make_isvc("a" * 50, predictor={**TF, "name": "v1"}), None),
        (
            make_isvc("a" * 51, predictor={**TF, "name": "v1"}),
            Invalid(
                "metadata.name",
                long_name_error(
                    "a" * 51,
                    "predictor",
                    f"{'a' * 51}-v1-predictor",
                    "metadata.name can have at most 50 characters",
                ),
            ),
        ),
        (
            make_isvc("abc", predictor={**TF, "name": "p" * 52}),
            Invalid(
                "spec.predictor.name",
                long_name_error(
                    "abc", "predictor", f"abc-{'p' * 52}-predictor", "shorten spec.predictor.name"
                ),
            ),
        ),
        (
            canary_isvc(canary("c" * 50), stable_min=None),
            Invalid(
                "metadata.name",
                long_name_error(
                    "foo",
                    "canary predictor",
                    f"foo-{'c' * 50}-predictor",
                    "metadata.name can have at most 2 characters",
                ),
            ),
        ),
        (
            make_isvc(N54, {MODE: "ModelMesh"}, predictor={"sklearn": {"storageUri": "s3://m"}}),
            None,
        ),
        (
            make_isvc(
                N54, {MODE: "ModelMesh"}, predictor={"sklearn": {}}, transformer=CUSTOM_TRANSFORMER
            ),
            Invalid(
                "metadata.name",
                long_name_error(
                    N54,
                    "transformer",
                    f"{N54}-transformer",
                    "metadata.name can have at most 51 characters",
                ),
            ),
        ),
        (make_isvc(N70, predictor={}), Invalid("spec.predictor", PREDICTOR_EXACTLY_ONE)),
        (make_isvc("A" * 70, predictor=TF), Invalid("metadata.name", BAD_NAME.format("A" * 70))),
    ],
    ids=[
        "53 characters fit",
        "54 characters",
        "70 characters",
        "transformer is the longest child",
        "explainer no longer than predictor",
        "named predictor fits",
        "named predictor",
        "predictor name alone too long",
        "canary predictor",
        "ModelMesh has no predictor Service",
        "ModelMesh transformer",
        "KServe's own errors first",
        "name regex first",
    ],
)
def test_validate_child_names(isvc: dict[str, Any], expected: Invalid | None) -> None:
    """Ours (GitOps): child Service names must be DNS-1035 labels of at most 63 characters."""
    expect(validate_inference_service(isvc), expected)


def test_inputs_are_not_mutated() -> None:
    """Ours: admission reads its input only."""
    isvc = canary_isvc(canary("v2", minReplicas=9))
    before = copy.deepcopy(isvc)
    validate_inference_service_update(isvc, isvc)
    assert isvc == before


def test_not_yet_defaulted_object() -> None:
    """Ours: legacy framework specs and legacy mode names get the defaulted object's verdict."""
    raw = make_isvc(annotations={MODE: "RawDeployment"}, predictor={**TF, "deploymentStrategy": {}})
    expect(validate_inference_service(raw), None)
    serverless = make_isvc(
        annotations={MODE: "Serverless"}, predictor={**TF, "deploymentStrategy": {}}
    )
    expect(
        validate_inference_service(serverless),
        Invalid(
            "spec.predictor.deploymentStrategy",
            "customizing deploymentStrategy is only supported for raw deployment mode",
        ),
    )
