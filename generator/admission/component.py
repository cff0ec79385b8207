"""Per-component admission rules of KServe v0.20.0's InferenceService validating webhook.

Ports `pkg/apis/serving/v1beta1/component.go` (error texts, `ComponentExtensionSpec.Validate`,
`validateStorageSpec`, `validateExactlyOneImplementation`, `ExactlyOneErrorFor`), the
implementation lists and `Validate()` methods of `predictor.go`, `predictor_*.go`, `explainer*.go`
and `transformer*.go`, and the checks of `inference_service_validation.go` that look at one
component's extension spec (`validateAutoScalingCompExtension` with its HPA/KEDA/KPA helpers).
Each check returns the first `Invalid` it finds or None, as KServe returns its first error.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from generator import constants as c
from generator.config.quantity import QuantityError, parse_quantity
from generator.errors import Invalid
from generator.goruntime.strconv import quote as go_quote
from generator.utils.utils import is_gpu_enabled

# --- error texts (component.go, predictor_tfserving.go, predictor_torchserve.go) ---
MIN_REPLICAS_SHOULD_BE_LESS_THAN_MAX_ERROR = "'MinReplicas' cannot be greater than MaxReplicas"
MIN_REPLICAS_LOWER_BOUND_EXCEEDED_ERROR = "'MinReplicas' cannot be less than 0"
MAX_REPLICAS_LOWER_BOUND_EXCEEDED_ERROR = "'MaxReplicas' cannot be less than 0"
PARALLELISM_LOWER_BOUND_EXCEEDED_ERROR = "parallelism cannot be less than 0"
UNSUPPORTED_STORAGE_URI_FORMAT_ERROR = (
    "storageUri, must be one of: [{}] or match https://{{}}.blob.core.windows.net/{{}}/{{}} "
    "or be an absolute or relative local path. StorageUri [{}] is not supported"
)
UNSUPPORTED_STORAGE_SPEC_FORMAT_ERROR = (
    "storage.spec.type, must be one of: [{}]. storage.spec.type [{}] is not supported"
)
INVALID_LOGGER_TYPE = "invalid logger type"
INVALID_LOGGER_STORAGE_CONFIG_ERROR = "invalid logger storage configuration"
INVALID_PROTOCOL = "invalid protocol {}. Must be one of [{}]"
INVALID_TENSORFLOW_RUNTIME_INCLUDES_GPU = (
    "Tensorflow RuntimeVersion is not GPU enabled but GPU resources are requested"
)
INVALID_TENSORFLOW_RUNTIME_EXCLUDES_GPU = (
    "Tensorflow RuntimeVersion is GPU enabled but GPU resources are not requested"
)
INVALID_PYTORCH_RUNTIME_INCLUDES_GPU = (
    "PyTorch RuntimeVersion is not GPU enabled but GPU resources are requested. "
)
INVALID_PYTORCH_RUNTIME_EXCLUDES_GPU = (
    "PyTorch RuntimeVersion is GPU enabled but GPU resources are not requested. "
)
SUPPORTED_STORAGE_SPEC_URI_PREFIX_LIST = ("s3://", "hdfs://", "webhdfs://")
GPU_RUNTIME_SUFFIX = "-gpu"  # TensorflowServingGPUSuffix, PyTorchServingGPUSuffix
ONNX_FILE_EXT = ".onnx"
LOGGER_MODES = ("all", "request", "response")

# Implementation keys, in the order `PredictorSpec.GetImplementations` lists them.
PREDICTOR_IMPLEMENTATIONS = (
    "xgboost", "pytorch", "triton", "sklearn", "tensorflow", "onnx",
    "pmml", "lightgbm", "paddle", "huggingface", "model",
)  # fmt: skip
CUSTOM_PREDICTOR = "CustomPredictor"
CUSTOM_TRANSFORMER = "CustomTransformer"
CUSTOM_EXPLAINER = "CustomExplainer"
ART_EXPLAINER = "art"

# ExactlyOneErrorFor prints every Go field name of the component struct but the last one.
_COMPONENT_FIELDS = {
    "PredictorSpec": (
        "Name", "SKLearn", "XGBoost", "Tensorflow", "PyTorch", "Triton", "ONNX", "HuggingFace",
        "PMML", "LightGBM", "Paddle", "Model", "StorageUris", "StorageContainerName",
        "WorkerSpec", "PodSpec",
    ),
    "TransformerSpec": ("PodSpec", "ComponentExtensionSpec"),
    "ExplainerSpec": ("ART", "PodSpec", "ComponentExtensionSpec"),
}  # fmt: skip


def exactly_one_error_for(component_type: str) -> str:
    """Port of `ExactlyOneErrorFor`: the message for a component without exactly one spec."""
    fields = ", ".join(_COMPONENT_FIELDS[component_type])
    return f"exactly one of [{fields}] must be specified in {component_type}"


# --- small readers over YAML-shaped dicts ---


def mapping(value: Any) -> Mapping[str, Any]:
    """The value if it is a mapping, else an empty one (absent and null read alike)."""
    return value if isinstance(value, Mapping) else {}


def sequence(value: Any) -> list[Any]:
    """The value if it is a list, else an empty list."""
    return value if isinstance(value, list) else []


def integer(value: Any) -> int | None:
    """The value if it is an integer (not a bool), else None."""
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def key_path(base: str, key: str) -> str:
    """`base.key`, or `base["key"]` when the key holds dots or slashes (annotation keys)."""
    if re.fullmatch(r"[A-Za-z0-9_-]+", key):
        return f"{base}.{key}"
    return f'{base}["{key}"]'


def env_var(container: Mapping[str, Any], name: str) -> tuple[int, Mapping[str, Any]] | None:
    """Port of `utils.GetEnvVarValue`: the index and entry of the first env var called `name`."""
    for index, entry in enumerate(sequence(container.get("env"))):
        if mapping(entry).get("name") == name:
            return index, mapping(entry)
    return None


# --- implementations ---


@dataclass(frozen=True, slots=True)
class Implementation:
    """One `ComponentImplementation`: its kind, its spec and where that spec sits.

    For the custom kinds the spec is the component itself (KServe's PodSpec is inline).
    """

    kind: str
    spec: Mapping[str, Any]
    field: str


def get_predictor_implementations(predictor: Mapping[str, Any], field: str) -> list[Implementation]:
    """Port of `PredictorSpec.GetImplementations`."""
    found = [
        Implementation(key, mapping(predictor[key]), f"{field}.{key}")
        for key in PREDICTOR_IMPLEMENTATIONS
        if predictor.get(key) is not None
    ]
    containers = sequence(predictor.get("containers"))
    custom = Implementation(CUSTOM_PREDICTOR, predictor, field)
    # One custom implementation per container called kserve-container, else the first container.
    found += [
        custom
        for container in containers
        if mapping(container).get("name") == c.INFERENCE_SERVICE_CONTAINER_NAME
    ]
    if containers and not found:
        found.append(custom)
    return found


def get_transformer_implementations(
    transformer: Mapping[str, Any], field: str
) -> list[Implementation]:
    """Port of `TransformerSpec.GetImplementations`."""
    if sequence(transformer.get("containers")):
        return [Implementation(CUSTOM_TRANSFORMER, transformer, field)]
    return []


def get_explainer_implementations(explainer: Mapping[str, Any], field: str) -> list[Implementation]:
    """Port of `ExplainerSpec.GetImplementations`."""
    found = []
    if explainer.get(ART_EXPLAINER) is not None:
        found.append(
            Implementation(ART_EXPLAINER, mapping(explainer[ART_EXPLAINER]), f"{field}.art")
        )
    if sequence(explainer.get("containers")):
        found.append(Implementation(CUSTOM_EXPLAINER, explainer, field))
    return found


def get_storage_uri(impl: Implementation) -> tuple[str | None, str]:
    """Port of each `GetStorageUri()`: the URI (None when unset) and the field that holds it."""
    containers = sequence(impl.spec.get("containers"))
    if impl.kind == CUSTOM_PREDICTOR:
        for index, container in enumerate(containers):
            if mapping(container).get("name") == c.INFERENCE_SERVICE_CONTAINER_NAME:
                return _container_storage_uri(container, f"{impl.field}.containers[{index}]")
        return None, impl.field
    if impl.kind in (CUSTOM_TRANSFORMER, CUSTOM_EXPLAINER):
        return _container_storage_uri(containers[0], f"{impl.field}.containers[0]")
    uri = impl.spec.get("storageUri")
    if impl.kind == ART_EXPLAINER and not uri:
        uri = None  # ExplainerExtensionSpec.StorageURI is a plain string: "" means unset
    return (None if uri is None else str(uri)), f"{impl.field}.storageUri"


def _container_storage_uri(container: Any, field: str) -> tuple[str | None, str]:
    found = env_var(mapping(container), c.CUSTOM_SPEC_STORAGE_URI_ENV_VAR_KEY)
    if found is None:
        return None, field
    index, entry = found
    return str(entry.get("value", "")), f"{field}.env[{index}].value"


def validate_storage_spec(impl: Implementation) -> Invalid | None:
    """Port of `validateStorageSpec`: `storage` only works with s3, hdfs and webhdfs."""
    storage = impl.spec.get("storage")
    if storage is None:
        return None
    prefixes = ", ".join(SUPPORTED_STORAGE_SPEC_URI_PREFIX_LIST)
    uri, uri_field = get_storage_uri(impl)
    if uri is not None:
        if uri.startswith(SUPPORTED_STORAGE_SPEC_URI_PREFIX_LIST):
            return None
        return Invalid(uri_field, UNSUPPORTED_STORAGE_URI_FORMAT_ERROR.format(prefixes, uri))
    storage_type = mapping(mapping(storage).get("parameters")).get("type")
    if storage_type is None or f"{storage_type}://".startswith(
        SUPPORTED_STORAGE_SPEC_URI_PREFIX_LIST
    ):
        return None
    return Invalid(
        f"{impl.field}.storage.parameters.type",
        UNSUPPORTED_STORAGE_SPEC_FORMAT_ERROR.format(prefixes, storage_type),
    )


def _gpu_runtime_check(includes: str, excludes: str) -> Callable[[Implementation], Invalid | None]:
    """`TFServingSpec.validateGPU` / `TorchServeSpec.validateGPU`, then `validateStorageSpec`."""

    def validate(impl: Implementation) -> Invalid | None:
        version = impl.spec.get("runtimeVersion")
        if version is not None:
            gpu = is_gpu_enabled(mapping(impl.spec.get("resources")))
            gpu_runtime = GPU_RUNTIME_SUFFIX in str(version)
            if gpu and not gpu_runtime:
                return Invalid(f"{impl.field}.runtimeVersion", includes)
            if not gpu and gpu_runtime:
                return Invalid(f"{impl.field}.runtimeVersion", excludes)
        return validate_storage_spec(impl)

    return validate


def _validate_onnx(impl: Implementation) -> Invalid | None:
    """Port of `ONNXRuntimeSpec.Validate`: a file URI must end in .onnx."""
    uri = impl.spec.get("storageUri")
    if uri is not None:
        last = str(uri).rsplit("/", 1)[-1]  # Go path.Ext looks at the last element only
        ext = last[last.rfind(".") :] if "." in last else ""
        if ext not in (ONNX_FILE_EXT, ""):
            return Invalid(
                f"{impl.field}.storageUri",
                f"expected storageUri file extension: '{ONNX_FILE_EXT}' but got '{ext}'",
            )
    return validate_storage_spec(impl)


def _validate_custom_protocol(impl: Implementation) -> Invalid | None:
    """Port of `CustomPredictor.validateCustomProtocol` (first container's PROTOCOL env)."""
    container = mapping(sequence(impl.spec.get("containers"))[0])
    found = env_var(container, c.CUSTOM_SPEC_PROTOCOL_ENV_VAR_KEY)
    if found is None:
        return None
    index, entry = found
    value = str(entry.get("value", ""))
    if value in (c.PROTOCOL_V1, c.PROTOCOL_V2):
        return None
    # KServe passes the allowed list and the value to this format in swapped order; kept.
    return Invalid(
        f"{impl.field}.containers[0].env[{index}].value",
        INVALID_PROTOCOL.format(f"{c.PROTOCOL_V1}, {c.PROTOCOL_V2}", value),
    )


# `Validate()` of each implementation; kinds not listed (sklearn, xgboost, triton, lightgbm,
# paddle, model, custom transformer/explainer) accept everything.
_IMPLEMENTATION_VALIDATORS: dict[str, Callable[[Implementation], Invalid | None]] = {
    "tensorflow": _gpu_runtime_check(
        INVALID_TENSORFLOW_RUNTIME_INCLUDES_GPU, INVALID_TENSORFLOW_RUNTIME_EXCLUDES_GPU
    ),
    "pytorch": _gpu_runtime_check(
        INVALID_PYTORCH_RUNTIME_INCLUDES_GPU, INVALID_PYTORCH_RUNTIME_EXCLUDES_GPU
    ),
    "onnx": _validate_onnx,
    "huggingface": validate_storage_spec,
    "pmml": validate_storage_spec,
    ART_EXPLAINER: validate_storage_spec,
    CUSTOM_PREDICTOR: _validate_custom_protocol,
}


def validate_implementation(impl: Implementation) -> Invalid | None:
    """Port of `ComponentImplementation.Validate()` for every implementation kind."""
    validator = _IMPLEMENTATION_VALIDATORS.get(impl.kind)
    return None if validator is None else validator(impl)


# --- ComponentExtensionSpec.Validate ---


def validate_component_extension(ext: Mapping[str, Any], field: str) -> Invalid | None:
    """Port of `ComponentExtensionSpec.Validate`: concurrency, replicas, logger."""
    concurrency = integer(ext.get("containerConcurrency"))
    if concurrency is not None and concurrency < 0:
        return Invalid(f"{field}.containerConcurrency", PARALLELISM_LOWER_BOUND_EXCEEDED_ERROR)
    return validate_replicas(ext, field) or validate_logger(ext.get("logger"), f"{field}.logger")


def validate_replicas(ext: Mapping[str, Any], field: str) -> Invalid | None:
    """Port of `validateReplicas`: an unset minReplicas counts as 1, maxReplicas 0 as no limit."""
    min_replicas = integer(ext.get("minReplicas"))
    if min_replicas is None:
        min_replicas = c.DEFAULT_MIN_REPLICAS
    max_replicas = integer(ext.get("maxReplicas")) or 0
    if min_replicas < 0:
        return Invalid(f"{field}.minReplicas", MIN_REPLICAS_LOWER_BOUND_EXCEEDED_ERROR)
    if max_replicas < 0:
        return Invalid(f"{field}.maxReplicas", MAX_REPLICAS_LOWER_BOUND_EXCEEDED_ERROR)
    if min_replicas > max_replicas and max_replicas != 0:
        return Invalid(f"{field}.minReplicas", MIN_REPLICAS_SHOULD_BE_LESS_THAN_MAX_ERROR)
    return None


def validate_logger(logger: Any, field: str) -> Invalid | None:
    """Port of `validateLogger`."""
    if logger is None:
        return None
    logger = mapping(logger)
    if logger.get("mode", "") not in LOGGER_MODES:
        return Invalid(f"{field}.mode", INVALID_LOGGER_TYPE)
    storage = logger.get("storage")
    if storage is not None and any(
        mapping(storage).get(key) is None for key in ("path", "parameters", "key")
    ):
        return Invalid(f"{field}.storage", INVALID_LOGGER_STORAGE_CONFIG_ERROR)
    return None


# --- autoscaling per component (inference_service_validation.go) ---

TARGET_UTILIZATION_ERROR = "the target utilization percentage should be a [1-100] integer"
RESOURCE_NOT_SET_ERROR = "metricSpec.Resource is not set for resource metric source type"
EMPTY_QUERY_ERROR = "the query should not be empty"
EMPTY_THRESHOLD_ERROR = "the target threshold value should not be empty"
ONE_MI = Decimal(2**20)


def annotated_deployment_mode(annotations: Mapping[str, Any]) -> str:
    """The `serving.kserve.io/deploymentMode` annotation as the webhook sees it ("" if unset).

    KServe's defaulter has already renamed the legacy values when the validator runs; doing the
    same here gives a not-yet-defaulted object the same verdict.
    """
    mode = annotations.get(c.DEPLOYMENT_MODE)
    if not isinstance(mode, str):
        return ""
    return c.parse_deployment_mode(mode) if mode else ""


def validate_auto_scaling_comp_extension(
    annotations: Mapping[str, Any], ext: Mapping[str, Any], field: str
) -> Invalid | None:
    """Port of `validateAutoScalingCompExtension`: rules by deployment mode and class."""
    if annotated_deployment_mode(annotations) == c.DeploymentMode.STANDARD:
        autoscaler_class = annotations.get(c.AUTOSCALER_CLASS)
        if autoscaler_class == c.AUTOSCALER_CLASS_HPA:
            return validate_scaling_hpa_comp_extension(ext, field)
        if autoscaler_class == c.AUTOSCALER_CLASS_KEDA:
            return validate_scaling_keda_comp_extension(ext, field)
        return None
    if annotations.get(c.KNATIVE_AUTOSCALING_CLASS_ANNOTATION_KEY) == c.KNATIVE_HPA_CLASS:
        return validate_scaling_hpa_comp_extension(ext, field)
    return validate_scaling_kpa_comp_extension(ext, field)


def validate_scaling_hpa_comp_extension(ext: Mapping[str, Any], field: str) -> Invalid | None:
    """Port of `validateScalingHPACompExtension`."""
    metric = ext.get("scaleMetric")
    metric = c.AUTO_SCALER_METRICS_CPU if metric is None else str(metric)
    if metric not in c.AUTOSCALER_ALLOWED_HPA_METRICS_LIST:
        return Invalid(f"{field}.scaleMetric", f"[{metric}] is not a supported metric")
    target = integer(ext.get("scaleTarget"))
    if target is not None:
        # KServe's condition reads (cpu and target < 1) or target > 100, for any metric.
        if (metric == c.AUTO_SCALER_METRICS_CPU and target < 1) or target > 100:
            return Invalid(f"{field}.scaleTarget", TARGET_UTILIZATION_ERROR)
        if metric == c.AUTO_SCALER_METRICS_MEMORY and target < 1:
            return Invalid(f"{field}.scaleTarget", "the target memory should be greater than 1 MiB")
    if ext.get("autoScaling") is None:
        return None
    for index, spec in enumerate(sequence(mapping(ext["autoScaling"]).get("metrics"))):
        metric_field = f"{field}.autoScaling.metrics[{index}]"
        metric_type = mapping(spec).get("type", "")
        if metric_type != "Resource":
            return Invalid(
                f"{metric_field}.type",
                f"invalid HPA metric source type with value [{metric_type}],"
                "valid metric source types are Resource",
            )
        if mapping(spec).get("resource") is None:
            return Invalid(f"{metric_field}.resource", RESOURCE_NOT_SET_ERROR)
    return None


def validate_scale_target(target: Mapping[str, Any], field: str) -> Invalid | None:
    """Port of `validateScaleTarget`: the value matching `type` must be set."""
    target_type = target.get("type")
    if target_type == "Utilization":
        utilization = target.get("averageUtilization")
        if utilization is None:
            return Invalid(
                f"{field}.averageUtilization", "the AverageUtilization type should be set"
            )
        value = integer(utilization)
        if value is None or not 1 <= value <= 100:
            return Invalid(f"{field}.averageUtilization", TARGET_UTILIZATION_ERROR)
    elif target_type == "AverageValue" and target.get("averageValue") is None:
        return Invalid(f"{field}.averageValue", "the AverageValue type should be set")
    elif target_type == "Value" and target.get("value") is None:
        return Invalid(f"{field}.value", "the Value type should be set")
    return None


def _validate_keda_resource(resource: Mapping[str, Any], field: str) -> Invalid | None:
    target = mapping(resource.get("target"))
    target_type = target.get("type", "")
    name = resource.get("name", "")
    if name == "cpu":
        if target_type != "Utilization":
            return Invalid(
                f"{field}.target.type", "the cpu target value type should be Utilization"
            )
    elif name == "memory":
        if target_type not in ("AverageValue", "Utilization"):
            return Invalid(
                f"{field}.target.type",
                "the memory target value type should be AverageValue or Utilization",
            )
        if target_type == "AverageValue":
            raw = target.get("averageValue")
            try:  # MetricQuantity.GetQuantity: zero when unset
                quantity = Decimal(0) if raw is None else parse_quantity(str(raw)).value
            except QuantityError as error:
                # GitOps: KServe cannot even decode such an object; say why at admission time.
                return Invalid(
                    f"{field}.target.averageValue",
                    f"failed to parse quantity {go_quote(str(raw))}: {error}",
                )
            if quantity < ONE_MI:
                return Invalid(
                    f"{field}.target.averageValue",
                    "the memory target value should be greater than 1 MiB",
                )
    else:
        return Invalid(f"{field}.name", f"resource type {name} is not supported")
    return validate_scale_target(target, f"{field}.target")


def _validate_keda_query_metric(source: Mapping[str, Any], field: str) -> Invalid | None:
    """The shared checks of External and PodMetric sources: a query and a threshold."""
    if not mapping(source.get("metric")).get("query"):
        return Invalid(f"{field}.metric.query", EMPTY_QUERY_ERROR)
    target = mapping(source.get("target"))
    if target.get("value") is None:
        return Invalid(f"{field}.target.value", EMPTY_THRESHOLD_ERROR)
    return validate_scale_target(target, f"{field}.target")


# KEDA metric source type → (JSON key of its source, message when that key is unset).
_KEDA_SOURCES = {
    "Resource": ("resource", RESOURCE_NOT_SET_ERROR),
    "External": ("external", "metricSpec.External is not set for external metric source type"),
    "PodMetric": ("podmetric", "metricSpec.PodMetric is not set for pod metric source type"),
}


def validate_scaling_keda_comp_extension(ext: Mapping[str, Any], field: str) -> Invalid | None:
    """Port of `validateScalingKedaCompExtension`."""
    if ext.get("scaleMetric") is not None:
        return Invalid(f"{field}.scaleMetric", "ScaleMetric is not supported for KEDA")
    if ext.get("autoScaling") is None:
        return None
    for index, spec in enumerate(sequence(mapping(ext["autoScaling"]).get("metrics"))):
        metric_field = f"{field}.autoScaling.metrics[{index}]"
        metric_type = mapping(spec).get("type", "")
        if metric_type not in _KEDA_SOURCES:
            return Invalid(
                f"{metric_field}.type",
                f"unknown KEDA metric type with value [{metric_type}]."
                "Valid types are Resource,External,PodMetric",
            )
        key, unset_error = _KEDA_SOURCES[metric_type]
        source = mapping(spec).get(key)
        if source is None:
            return Invalid(f"{metric_field}.{key}", unset_error)
        check = _validate_keda_resource if key == "resource" else _validate_keda_query_metric
        found = check(mapping(source), f"{metric_field}.{key}")
        if found is not None:
            return found
    return None


def validate_scaling_kpa_comp_extension(ext: Mapping[str, Any], field: str) -> Invalid | None:
    """Port of `validateScalingKPACompExtension` (every mode but Standard)."""
    if ext.get("deploymentStrategy") is not None:
        return Invalid(
            f"{field}.deploymentStrategy",
            "customizing deploymentStrategy is only supported for raw deployment mode",
        )
    metric = ext.get("scaleMetric")
    metric = c.AUTO_SCALER_KPA_METRICS_CONCURRENCY if metric is None else str(metric)
    if metric not in c.AUTOSCALER_ALLOWED_KPA_METRICS_LIST:
        return Invalid(f"{field}.scaleMetric", f"[{metric}] is not a supported metric")
    target = integer(ext.get("scaleTarget"))
    if target is not None and metric == c.AUTO_SCALER_KPA_METRICS_RPS and target < 1:
        return Invalid(f"{field}.scaleTarget", "the target for rps should be greater than 1")
    return None
