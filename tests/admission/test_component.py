"""Ported from KServe v0.20.0 `pkg/apis/serving/v1beta1/component_test.go`, `predictor_*_test.go`,
`explainer_*_test.go` and `transformer_custom_test.go` (the Validate / GetImplementations /
GetStorageUri tests), plus our own tables for the per-component autoscaling checks.
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.admission.component import (
    ART_EXPLAINER,
    CUSTOM_EXPLAINER,
    CUSTOM_PREDICTOR,
    CUSTOM_TRANSFORMER,
    Implementation,
    exactly_one_error_for,
    get_predictor_implementations,
    get_storage_uri,
    go_quote,
    key_path,
    validate_auto_scaling_comp_extension,
    validate_component_extension,
    validate_implementation,
    validate_logger,
    validate_scale_target,
    validate_scaling_hpa_comp_extension,
    validate_scaling_keda_comp_extension,
    validate_scaling_kpa_comp_extension,
    validate_storage_spec,
)
from generator.errors import Invalid

P = "spec.predictor"
STORAGE_URI_FORMAT = (
    "storageUri, must be one of: [s3://, hdfs://, webhdfs://] or match "
    "https://{}.blob.core.windows.net/{}/{} or be an absolute or relative local path. "
    "StorageUri [gs://test/model] is not supported"
)
GPU_LIMIT = {"limits": {"nvidia.com/gpu": "1"}}


def impl(kind: str, spec: dict[str, Any]) -> Implementation:
    field = P if kind == CUSTOM_PREDICTOR else f"{P}.{kind}"
    return Implementation(kind, spec, field)


# --- component_test.go ---


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            {"minReplicas": 3, "maxReplicas": 2},
            Invalid(f"{P}.minReplicas", "'MinReplicas' cannot be greater than MaxReplicas"),
        ),
        (
            {"containerConcurrency": -1},
            Invalid(f"{P}.containerConcurrency", "parallelism cannot be less than 0"),
        ),
    ],
    ids=["InvalidReplica", "InvalidContainerConcurrency"],
)
def test_component_extension_spec_validate(spec: dict[str, Any], expected: Invalid) -> None:
    assert validate_component_extension(spec, P) == expected


STORAGE = {"path": "/logger", "parameters": {"type": "s3", "region": "us-west-2"}, "key": "k"}


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"storage": STORAGE}, None),
        ({"storage": {}}, None),
        ({"storage": STORAGE, "storageUri": "s3://test/model"}, None),
        (
            {"storage": {"parameters": {"type": "gs"}}, "storageUri": "gs://test/model"},
            Invalid(f"{P}.huggingface.storageUri", STORAGE_URI_FORMAT),
        ),
        (
            {"storage": {"parameters": {"type": "gs"}}},
            Invalid(
                f"{P}.huggingface.storage.parameters.type",
                "storage.spec.type, must be one of: [s3://, hdfs://, webhdfs://]. "
                "storage.spec.type [gs] is not supported",
            ),
        ),
    ],
    ids=[
        "ValidStoragespec",
        "ValidStoragespecWithoutParameters",
        "ValidStoragespecWithStorageURI",
        "StorageSpecWithInvalidStorageURI",
        "InvalidStoragespec",
    ],
)
def test_component_extension_spec_validate_storage_spec(
    spec: dict[str, Any], expected: Invalid | None
) -> None:
    assert validate_storage_spec(impl("huggingface", spec)) == expected


@pytest.mark.parametrize(
    ("logger", "expected"),
    [
        ({"mode": "all"}, None),
        ({"mode": "request"}, None),
        ({"mode": "response"}, None),
        ({"mode": "all", "metadataHeaders": ["Foo", "Bar"]}, None),
        ({"mode": "InvalidMode"}, Invalid(f"{P}.logger.mode", "invalid logger type")),
        (None, None),
        (
            {"mode": "all", "storage": {"path": None, "parameters": None, "key": None}},
            Invalid(f"{P}.logger.storage", "invalid logger storage configuration"),
        ),
        # Ours: an unset mode is not defaulted by KServe, so it is rejected.
        ({}, Invalid(f"{P}.logger.mode", "invalid logger type")),
        ({"mode": "all", "storage": {"path": "/p", "parameters": {}, "key": "k"}}, None),
    ],
    ids=[
        "LoggerWithLogAllMode",
        "LoggerWithLogRequestMode",
        "LoggerWithLogResponseMode",
        "LoggerWithHeaderMetadata",
        "InvalidLoggerMode",
        "LoggerIsNil",
        "StorageConfigNilValues",
        "ours: LoggerWithoutMode",
        "ours: CompleteStorageConfig",
    ],
)
def test_component_extension_spec_validate_logger(
    logger: dict[str, Any] | None, expected: Invalid | None
) -> None:
    assert validate_logger(logger, f"{P}.logger") == expected


@pytest.mark.parametrize(
    ("component_type", "expected"),
    [
        (
            "PredictorSpec",
            "exactly one of [Name, SKLearn, XGBoost, Tensorflow, PyTorch, Triton, ONNX, "
            "HuggingFace, PMML, LightGBM, Paddle, Model, StorageUris, StorageContainerName, "
            "WorkerSpec, PodSpec] must be specified in PredictorSpec",
        ),
        (
            "TransformerSpec",
            "exactly one of [PodSpec, ComponentExtensionSpec] must be specified in TransformerSpec",
        ),
        (
            "ExplainerSpec",
            "exactly one of [ART, PodSpec, ComponentExtensionSpec] must be specified in "
            "ExplainerSpec",
        ),
    ],
    ids=["PredictorSpec", "TransformerSpec", "ExplainerSpec"],
)
def test_exactly_one_error_for(component_type: str, expected: str) -> None:
    """Ours: the Go field lists that `ExactlyOneErrorFor` prints through reflection."""
    assert exactly_one_error_for(component_type) == expected


# --- predictor_test.go ---


@pytest.mark.parametrize(
    ("predictor", "expected_kinds"),
    [
        ({"pytorch": {"runtimeVersion": "0.4.1"}}, ["pytorch"]),
        (
            {
                "pytorch": {"runtimeVersion": "0.4.1"},
                "containers": [{"name": "transformer-container"}],
            },
            ["pytorch"],
        ),
        (
            {"pytorch": {"runtimeVersion": "0.4.1"}, "tensorflow": {"runtimeVersion": "2.0.0"}},
            ["pytorch", "tensorflow"],
        ),
        (
            {"containers": [{"name": "kserve-container"}, {"name": "transformer-container"}]},
            [CUSTOM_PREDICTOR],
        ),
        (
            {"containers": [{"name": "kserve-container"}, {"name": "another-container"}]},
            [CUSTOM_PREDICTOR],
        ),
        ({"containers": [{"name": "kserve-container"}]}, [CUSTOM_PREDICTOR]),
        ({"containers": [{"image": "image"}]}, [CUSTOM_PREDICTOR]),
        ({}, []),
        # Ours: every container called kserve-container counts once; null specs are unset.
        (
            {"containers": [{"name": "kserve-container"}, {"name": "kserve-container"}]},
            [CUSTOM_PREDICTOR, CUSTOM_PREDICTOR],
        ),
        ({"sklearn": None, "model": {}}, ["model"]),
    ],
    ids=[
        "Single implementation - PyTorch",
        "Pytorch with transformer container",
        "Multiple implementations - PyTorch and Tensorflow",
        "Custom predictor with transformer container",
        "Custom predictor with containers",
        "Custom predictor",
        "Custom predictor without container name",
        "No implementations",
        "ours: two kserve-containers",
        "ours: null framework spec",
    ],
)
def test_get_implementations(predictor: dict[str, Any], expected_kinds: list[str]) -> None:
    assert [i.kind for i in get_predictor_implementations(predictor, P)] == expected_kinds


# --- predictor_<framework>_test.go: Validate() ---


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"runtimeVersion": "latest"}, None),
        (
            {"runtimeVersion": "latest-gpu"},
            Invalid(
                f"{P}.tensorflow.runtimeVersion",
                "Tensorflow RuntimeVersion is GPU enabled but GPU resources are not requested",
            ),
        ),
        (
            {"runtimeVersion": "latest", "resources": GPU_LIMIT},
            Invalid(
                f"{P}.tensorflow.runtimeVersion",
                "Tensorflow RuntimeVersion is not GPU enabled but GPU resources are requested",
            ),
        ),
        # Ours: a MIG slice counts as a GPU; the storage spec check follows the GPU check.
        ({"runtimeVersion": "latest-gpu", "resources": {"limits": {"nvidia.com/mig-1g": 1}}}, None),
        (
            {"storage": {}, "storageUri": "gs://test/model"},
            Invalid(f"{P}.tensorflow.storageUri", STORAGE_URI_FORMAT),
        ),
    ],
    ids=[
        "AcceptGoodRuntimeVersion",
        "RejectGpuRuntimeVersionWithoutGpuResource",
        "RejectGpuGpuResourceWithoutGpuRuntime",
        "ours: MigSliceIsAGpu",
        "ours: StorageSpecWithGcsUri",
    ],
)
def test_tensorflow_validation(spec: dict[str, Any], expected: Invalid | None) -> None:
    assert validate_implementation(impl("tensorflow", spec)) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"runtimeVersion": "0.7.0"}, None),
        (
            {"runtimeVersion": "0.7.0-gpu"},
            Invalid(
                f"{P}.pytorch.runtimeVersion",
                "PyTorch RuntimeVersion is GPU enabled but GPU resources are not requested. ",
            ),
        ),
        (
            {"runtimeVersion": "0.7.0", "resources": GPU_LIMIT},
            Invalid(
                f"{P}.pytorch.runtimeVersion",
                "PyTorch RuntimeVersion is not GPU enabled but GPU resources are requested. ",
            ),
        ),
    ],
    ids=[
        "AcceptGoodRuntimeVersion",
        "RejectGpuRuntimeVersionWithoutGpuResource",
        "RejectGpuGpuResourceWithoutGpuRuntime",
    ],
)
def test_torch_serve_validation(spec: dict[str, Any], expected: Invalid | None) -> None:
    assert validate_implementation(impl("pytorch", spec)) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"runtimeVersion": "latest"}, None),
        ({"storageUri": "gs://my_model.onnx"}, None),
        (
            {"storageUri": "gs://my_model.txt"},
            Invalid(
                f"{P}.onnx.storageUri", "expected storageUri file extension: '.onnx' but got '.txt'"
            ),
        ),
        # Ours: Go's path.Ext only looks past the last slash.
        ({"storageUri": "gs://bucket.v1/model"}, None),
    ],
    ids=["AcceptGoodRuntimeVersion", "ValidModelExtension", "InvalidModelExtension", "ours: Dir"],
)
def test_onnx_runtime_validation(spec: dict[str, Any], expected: Invalid | None) -> None:
    assert validate_implementation(impl("onnx", spec)) == expected


# The frameworks whose Validate() accepts everything: a GPU runtime without a GPU is fine there.
ACCEPT_ANY_RUNTIME = [
    pytest.param({"runtimeVersion": "latest"}, id="AcceptGoodRuntimeVersion"),
    pytest.param({"runtimeVersion": "latest-gpu"}, id="ours: NoGpuCheck"),
]


@pytest.mark.parametrize("spec", ACCEPT_ANY_RUNTIME)
def test_sklearn_validation(spec: dict[str, Any]) -> None:
    assert validate_implementation(impl("sklearn", spec)) is None


@pytest.mark.parametrize("spec", ACCEPT_ANY_RUNTIME)
def test_xgboost_validation(spec: dict[str, Any]) -> None:
    assert validate_implementation(impl("xgboost", spec)) is None


@pytest.mark.parametrize("spec", ACCEPT_ANY_RUNTIME)
def test_triton_validation(spec: dict[str, Any]) -> None:
    assert validate_implementation(impl("triton", spec)) is None


@pytest.mark.parametrize("spec", ACCEPT_ANY_RUNTIME)
def test_light_gbm_validation(spec: dict[str, Any]) -> None:
    assert validate_implementation(impl("lightgbm", spec)) is None


@pytest.mark.parametrize("spec", ACCEPT_ANY_RUNTIME)
def test_paddle_validation(spec: dict[str, Any]) -> None:
    assert validate_implementation(impl("paddle", spec)) is None


GCS_STORAGE_SPEC = (
    "storage.spec.type, must be one of: [s3://, hdfs://, webhdfs://]. "
    "storage.spec.type [gs] is not supported"
)


def storage_spec_table(kind: str) -> pytest.MarkDecorator:
    """AcceptGoodRuntimeVersion, plus ours: the storage spec is checked for this kind."""
    return pytest.mark.parametrize(
        ("spec", "expected"),
        [
            ({"runtimeVersion": "latest"}, None),
            (
                {"storage": {"parameters": {"type": "gs"}}},
                Invalid(f"{P}.{kind}.storage.parameters.type", GCS_STORAGE_SPEC),
            ),
        ],
        ids=["AcceptGoodRuntimeVersion", "ours: GcsStorageSpec"],
    )


@storage_spec_table("huggingface")
def test_hugging_face_runtime_validation(spec: dict[str, Any], expected: Invalid | None) -> None:
    assert validate_implementation(impl("huggingface", spec)) == expected


@storage_spec_table("pmml")
def test_pmml_validation(spec: dict[str, Any], expected: Invalid | None) -> None:
    assert validate_implementation(impl("pmml", spec)) == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ([{"name": "PROTOCOL", "value": "v1"}], None),
        ([{"name": "PROTOCOL", "value": "v2"}], None),
        (
            [{"name": "PROTOCOL", "value": "unknown"}],
            # KServe's format arguments are swapped; the message is reproduced as it is.
            Invalid(
                f"{P}.containers[0].env[0].value",
                "invalid protocol v1, v2. Must be one of [unknown]",
            ),
        ),
    ],
    ids=["ValidProtocolV1", "ValidProtocolV2", "InvalidValidProtocol"],
)
def test_custom_predictor_validation(env: list[Any], expected: Invalid | None) -> None:
    spec = {"minReplicas": 3, "containerConcurrency": -1, "containers": [{"env": env}]}
    assert validate_implementation(impl(CUSTOM_PREDICTOR, spec)) == expected


@pytest.mark.parametrize(
    "spec",
    [
        {"containers": [{"name": "custom-explainer", "image": "explainer:latest"}]},
        {},
        {"containers": []},
    ],
    ids=["ValidCustomExplainer", "EmptyPodSpec", "NoContainers"],
)
def test_custom_explainer_validate(spec: dict[str, Any]) -> None:
    assert validate_implementation(Implementation(CUSTOM_EXPLAINER, spec, "spec.explainer")) is None


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"runtimeVersion": "latest"}, None),
        (  # ours: ART's storage spec is checked like the predictors'
            {"storageUri": "gs://test/model", "storage": {}},
            Invalid("spec.explainer.art.storageUri", STORAGE_URI_FORMAT),
        ),
    ],
    ids=["AcceptGoodRuntimeVersion", "ours: StorageSpecWithGcsUri"],
)
def test_art_explainer(spec: dict[str, Any], expected: Invalid | None) -> None:
    art = Implementation(ART_EXPLAINER, spec, "spec.explainer.art")
    assert validate_implementation(art) == expected


# --- GetStorageUri ---


@pytest.mark.parametrize(
    ("containers", "expected"),
    [
        (
            [
                {
                    "name": "kserve-container",
                    "env": [{"name": "STORAGE_URI", "value": "s3://modelzoo"}],
                }
            ],
            ("s3://modelzoo", f"{P}.containers[0].env[0].value"),
        ),
        ([{"name": "kserve-container", "env": []}], (None, f"{P}.containers[0]")),
        (
            [{"name": "different-container", "env": [{"name": "STORAGE_URI", "value": "s3://m"}]}],
            (None, P),
        ),
    ],
    ids=["StorageUriSet", "StorageUriNotSet", "DifferentContainerName"],
)
def test_custom_predictor_get_storage_uri(
    containers: list[Any], expected: tuple[str | None, str]
) -> None:
    assert get_storage_uri(impl(CUSTOM_PREDICTOR, {"containers": containers})) == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ([{"name": "STORAGE_URI", "value": "gs://my-model-storage"}], "gs://my-model-storage"),
        ([{"name": "OTHER_ENV_VAR", "value": "some-value"}], None),
        ([], None),
    ],
    ids=["WithStorageUriEnvVar", "WithoutStorageUriEnvVar", "WithEmptyEnvVars"],
)
def test_custom_explainer_get_storage_uri(env: list[Any], expected: str | None) -> None:
    spec = {"containers": [{"env": env}]}
    assert get_storage_uri(Implementation(CUSTOM_EXPLAINER, spec, "spec.explainer"))[0] == expected


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ([{"name": "STORAGE_URI", "value": "s3://my-bucket/model"}], "s3://my-bucket/model"),
        ([{"name": "OTHER_ENV", "value": "value"}], None),
        (
            [
                {"name": "FOO", "value": "bar"},
                {"name": "STORAGE_URI", "value": "gs://bucket/model"},
            ],
            "gs://bucket/model",
        ),
        (None, None),
    ],
    ids=[
        "STORAGE_URI present",
        "STORAGE_URI not present",
        "Multiple envs, STORAGE_URI present",
        "No envs",
    ],
)
def test_custom_transformer_get_storage_uri(env: list[Any] | None, expected: str | None) -> None:
    spec = {"containers": [{"env": env}]}
    found = get_storage_uri(Implementation(CUSTOM_TRANSFORMER, spec, "spec.transformer"))
    assert found[0] == expected


# --- ours: autoscaling per component (inference_service_validation.go helpers) ---


@pytest.mark.parametrize(
    ("ext", "expected"),
    [
        ({}, None),
        ({"scaleMetric": "rps"}, Invalid(f"{P}.scaleMetric", "[rps] is not a supported metric")),
        (
            {"scaleMetric": "memory", "scaleTarget": 150},
            Invalid(
                f"{P}.scaleTarget", "the target utilization percentage should be a [1-100] integer"
            ),
        ),
        (
            {"scaleMetric": "memory", "scaleTarget": 0},
            Invalid(f"{P}.scaleTarget", "the target memory should be greater than 1 MiB"),
        ),
        (
            {"scaleTarget": 0},
            Invalid(
                f"{P}.scaleTarget", "the target utilization percentage should be a [1-100] integer"
            ),
        ),
        ({"deploymentStrategy": {"type": "Recreate"}}, None),
    ],
    ids=[
        "DefaultCpu",
        "KpaMetric",
        "MemoryAbove100",
        "MemoryBelow1",
        "CpuBelow1",
        "DeploymentStrategyAllowed",
    ],
)
def test_validate_scaling_hpa_comp_extension(ext: dict[str, Any], expected: Invalid | None) -> None:
    assert validate_scaling_hpa_comp_extension(ext, P) == expected


@pytest.mark.parametrize(
    ("ext", "expected"),
    [
        ({}, None),
        ({"scaleMetric": "rps", "scaleTarget": 1}, None),
        ({"scaleMetric": "concurrency", "scaleTarget": 0}, None),
        (
            {"scaleMetric": "rps", "scaleTarget": 0},
            Invalid(f"{P}.scaleTarget", "the target for rps should be greater than 1"),
        ),
        ({"scaleMetric": "cpu"}, Invalid(f"{P}.scaleMetric", "[cpu] is not a supported metric")),
        (
            {"deploymentStrategy": {}},
            Invalid(
                f"{P}.deploymentStrategy",
                "customizing deploymentStrategy is only supported for raw deployment mode",
            ),
        ),
    ],
    ids=["Default", "Rps", "ConcurrencyZero", "RpsZero", "CpuMetric", "DeploymentStrategy"],
)
def test_validate_scaling_kpa_comp_extension(ext: dict[str, Any], expected: Invalid | None) -> None:
    assert validate_scaling_kpa_comp_extension(ext, P) == expected


@pytest.mark.parametrize(
    ("target", "expected"),
    [
        (
            {"type": "Utilization"},
            Invalid("t.averageUtilization", "the AverageUtilization type should be set"),
        ),
        (
            {"type": "Utilization", "averageUtilization": 101},
            Invalid(
                "t.averageUtilization",
                "the target utilization percentage should be a [1-100] integer",
            ),
        ),
        ({"type": "Utilization", "averageUtilization": 100}, None),
        (
            {"type": "AverageValue"},
            Invalid("t.averageValue", "the AverageValue type should be set"),
        ),
        ({"type": "Value"}, Invalid("t.value", "the Value type should be set")),
        ({"type": "Value", "value": "10"}, None),
    ],
    ids=["NoUtilization", "Utilization101", "Utilization100", "NoAverageValue", "NoValue", "Value"],
)
def test_validate_scale_target(target: dict[str, Any], expected: Invalid | None) -> None:
    assert validate_scale_target(target, "t") == expected


CPU_METRIC = {"scaleMetric": "cpu"}
UNSUPPORTED_CPU = Invalid(f"{P}.scaleMetric", "[cpu] is not a supported metric")
KEDA_CPU = Invalid(f"{P}.scaleMetric", "ScaleMetric is not supported for KEDA")


def modes(mode: str | None = None, autoscaler_class: str | None = None) -> dict[str, str]:
    annotations = {}
    if mode is not None:
        annotations["serving.kserve.io/deploymentMode"] = mode
    if autoscaler_class is not None:
        annotations["serving.kserve.io/autoscalerClass"] = autoscaler_class
    return annotations


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        (modes("Standard", "hpa"), None),
        (modes("Standard", "keda"), KEDA_CPU),
        (modes("Standard", "none"), None),
        (modes("Standard"), None),
        (modes("RawDeployment", "keda"), KEDA_CPU),
        ({}, UNSUPPORTED_CPU),
        (modes("Knative"), UNSUPPORTED_CPU),
        ({"autoscaling.knative.dev/class": "hpa.autoscaling.knative.dev"}, None),
        (modes("ModelMesh"), UNSUPPORTED_CPU),
        (modes("standard"), UNSUPPORTED_CPU),
    ],
    ids=[
        "StandardHpa",
        "StandardKeda",
        "StandardNone",
        "StandardWithoutClass",
        "LegacyRawDeploymentKeda",
        "NoModeIsKpa",
        "KnativeKpa",
        "KnativeHpaClass",
        "ModelMeshKpa",
        "ModeIsCaseSensitive",
    ],
)
def test_validate_auto_scaling_comp_extension(
    annotations: dict[str, str], expected: Invalid | None
) -> None:
    assert validate_auto_scaling_comp_extension(annotations, CPU_METRIC, P) == expected


@pytest.mark.parametrize(
    ("value", "ok"),
    [("1Mi", True), ("1Gi", True), ("1048576", True), (1048576, True), ("2e6", True),
     ("1M", False), ("1023Ki", False), ("1048575", False), ("500m", False)],
)  # fmt: skip
def test_keda_memory_quantity(value: Any, ok: bool) -> None:
    """Ours: the 1Mi floor of KEDA memory AverageValue targets, compared as quantities."""
    target = {"type": "AverageValue", "averageValue": value}
    ext = {"autoScaling": {"metrics": [{"type": "Resource", "resource": {
        "name": "memory", "target": target}}]}}  # fmt: skip
    too_low = Invalid(
        f"{P}.autoScaling.metrics[0].resource.target.averageValue",
        "the memory target value should be greater than 1 MiB",
    )
    assert validate_scaling_keda_comp_extension(ext, P) == (None if ok else too_low)


def test_go_quote_and_key_path() -> None:
    """Ours: Go's %q and the bracketed field spelling of map keys."""
    assert go_quote('a"b\\c\n\x01é') == '"a\\"b\\\\c\\n\\x01é"'
    assert key_path("metadata.annotations", "serving.kserve.io/stop") == (
        'metadata.annotations["serving.kserve.io/stop"]'
    )
    assert key_path("storage.parameters", "type") == "storage.parameters.type"
