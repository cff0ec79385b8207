"""The InferenceService validating admission webhook of KServe v0.20.0, as pure functions.

Ports `pkg/apis/serving/v1beta1/inference_service_validation.go` (`ValidateCreate`,
`ValidateUpdate`, `validateInferenceService` and every rule it calls, in KServe's order) and
`pkg/validation` (`ValidateBlockedEnvVars`, `ValidateConfidentialSpec`). KServe stops at the first
error, so each function returns at most one `Invalid`. Per-component checks are in `component.py`.
Input is an InferenceService dict, normally after the defaulting webhook; the rules give the same
verdict on a not-yet-defaulted one. One rule is ours, not KServe's: `validate_child_names`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator import constants as c
from generator.admission.component import (
    annotated_deployment_mode,
    env_var,
    exactly_one_error_for,
    get_explainer_implementations,
    get_predictor_implementations,
    get_storage_uri,
    get_transformer_implementations,
    integer,
    key_path,
    mapping,
    sequence,
    validate_auto_scaling_comp_extension,
    validate_component_extension,
    validate_implementation,
)
from generator.errors import Invalid
from generator.goruntime.strconv import quote as go_quote
from generator.utils import env_policy, utils
from generator.utils.storage import find_common_parent_path

ISVC_NAME_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
INVALID_ISVC_NAME_FORMAT_ERROR = (
    'the InferenceService "{}" is invalid: a InferenceService name must consist of lower case '
    "alphanumeric characters or '-', and must start with alphabetical character. "
    '(e.g. "my-name" or "abc-123", regex used for validation is \'{}\')'
)
STORAGE_URI_PRESENT_IN_TRANSFORMER_ERROR = (
    "storage uri should not be specified in transformer container"
)
INVALID_STORAGE_URI_CONFIG_ERROR = "Setting both StorageURI and StorageURIs is not supported."
# Multi-node messages of component.go; the first placeholder is the Go-quoted isvc name.
_INVALID = "the InferenceService {} is invalid: "
MISSING_STORAGE_URI = _INVALID + "StorageURI must be set for multinode enabled"
INVALID_AUTO_SCALER_ERROR = _INVALID + "Multinode only supports 'none' autoscaler({})"
INVALID_NOT_SUPPORTED_STORAGE_URI_PROTOCOL_ERROR = (
    _INVALID + "Multinode only supports 'pvc' and 'oci' Storage Protocol({})"
)
INVALID_UNKNOWN_GPU_TYPE_ERROR = _INVALID + (
    "Unknown GPU resource type. Set 'serving.kserve.io/gpu-resource-types' annotation to use "
    "custom gpu resource type"
)
INVALID_WORKER_SPEC_PIPELINE_PARALLEL_SIZE_VALUE_ERROR = (
    _INVALID + "WorkerSpec.PipelineParallelSize cannot be less than 1({})"
)
INVALID_WORKER_SPEC_TENSOR_PARALLEL_SIZE_VALUE_ERROR = (
    _INVALID + "WorkerSpec.TensorParallelSize cannot be less than 1({})"
)
DISALLOWED_MULTIPLE_CONTAINERS_IN_WORKER_SPEC_ERROR = (
    _INVALID + "setting multiple containers in workerSpec is not allowed"
)
DISALLOWED_WORKER_SPEC_PIPELINE_PARALLEL_SIZE_ENV_ERROR = (
    _INVALID + "setting PIPELINE_PARALLEL_SIZE in environment variables is not allowed"
)
DISALLOWED_WORKER_SPEC_TENSOR_PARALLEL_SIZE_ENV_ERROR = (
    _INVALID + "setting TENSOR_PARALLEL_SIZE in environment variables is not allowed"
)
KBS_RESOURCE_ID = re.compile(r"kbs:///[a-zA-Z0-9_.-]+/[a-zA-Z0-9_.-]+/[a-zA-Z0-9_.-]+")
DNS1035_LABEL_MAX_LENGTH = 63
# Legacy framework keys then `model`: the order of validatePredictor and
# GetConfidentialSpecFromPredictor; predictorFrameworkContainer checks `model` first.
STANDARD_PREDICTORS = (
    "sklearn", "xgboost", "tensorflow", "pytorch", "triton", "onnx",
    "huggingface", "pmml", "lightgbm", "paddle", "model",
)  # fmt: skip
FRAMEWORK_CONTAINER_ORDER = ("model", *STANDARD_PREDICTORS[:-1])

Rule = Callable[[Mapping[str, Any]], Invalid | None]


def validate_inference_service(
    isvc: Mapping[str, Any],
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> list[Invalid]:
    """Admission on create: KServe's first error for `isvc` (an empty list when admitted).

    `gpu_resource_types` is KServe's global GPU list: the defaults plus the `multiNode` config's
    `customGPUResourceTypeList`.
    """
    return validate_create(isvc, gpu_resource_types)[0]


def validate_inference_service_update(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> list[Invalid]:
    """Admission on update (use instead of the create check when the previous object is known).

    The update-only rules read `old["status"]["deploymentMode"]` and `old`'s predictor, then every
    create rule runs on `new`, as `ValidateUpdate` does.
    """
    return validate_update(old, new, gpu_resource_types)[0]


def validate_create(
    isvc: Mapping[str, Any],
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> tuple[list[Invalid], list[str]]:
    """Port of `ValidateCreate` → `validateInferenceService`: (first error, admission warnings)."""
    before: tuple[Rule, ...] = (
        validate_inference_service_name,
        validate_inference_service_autoscaler,
        validate_blocked_env_vars,
        lambda obj: validate_multi_node_variables(obj, gpu_resource_types),
        lambda obj: validate_collocation_storage_uri(_spec(obj, "predictor")),
        validate_predictor,
        validate_multiple_storage_uris,
    )
    for rule in before:
        if (found := rule(isvc)) is not None:
            return [found], []
    found, warnings = validate_confidential(isvc)
    if found is not None:
        return [found], warnings
    for rule in (validate_components, validate_canary_specs, validate_child_names):
        if (found := rule(isvc)) is not None:
            return [found], warnings
    return [], warnings


def validate_update(
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> tuple[list[Invalid], list[str]]:
    """Port of `ValidateUpdate`: nothing while deleting, then the update rules, then create's."""
    if mapping(new.get("metadata")).get("deletionTimestamp") is not None:
        return [], []
    found = validate_deployment_mode(new, old) or validate_predictor_name_change(new, old)
    if found is not None:
        return [found], []
    return validate_create(new, gpu_resource_types)


def _name(isvc: Mapping[str, Any]) -> str:
    name = mapping(isvc.get("metadata")).get("name")
    return name if isinstance(name, str) else ""


def _annotations(isvc: Mapping[str, Any]) -> Mapping[str, Any]:
    return mapping(mapping(isvc.get("metadata")).get("annotations"))


def _spec(isvc: Mapping[str, Any], component: str) -> Mapping[str, Any]:
    return mapping(mapping(isvc.get("spec")).get(component))


def _has(isvc: Mapping[str, Any], component: str) -> bool:
    return mapping(isvc.get("spec")).get(component) is not None


def _annotation_field(key: str) -> str:
    return key_path("metadata.annotations", key)


def validate_inference_service_name(isvc: Mapping[str, Any]) -> Invalid | None:
    """Port of `validateInferenceServiceName`: a DNS-1035 label (without the length limit)."""
    name = _name(isvc)
    if re.fullmatch(ISVC_NAME_FMT, name):
        return None
    return Invalid("metadata.name", INVALID_ISVC_NAME_FORMAT_ERROR.format(name, ISVC_NAME_FMT))


def validate_inference_service_autoscaler(isvc: Mapping[str, Any]) -> Invalid | None:
    """Port of `validateInferenceServiceAutoscaler` (`kpa` is not an accepted class)."""
    annotations = _annotations(isvc)
    if c.AUTOSCALER_CLASS not in annotations:
        return None
    value = annotations[c.AUTOSCALER_CLASS]
    if value in c.AUTOSCALER_ALLOWED_CLASS_LIST:
        return None
    return Invalid(
        _annotation_field(c.AUTOSCALER_CLASS), f"[{value}] is not a supported autoscaler class type"
    )


def _containers(owner: Mapping[str, Any], field: str, key: str) -> list[tuple[Any, str]]:
    return [(item, f"{field}.{key}[{i}]") for i, item in enumerate(sequence(owner.get(key)))]


def validate_blocked_env_vars(isvc: Mapping[str, Any]) -> Invalid | None:
    """Port of `validateBlockedEnvVars` + `validation.ValidateBlockedEnvVars`."""
    predictor = _spec(isvc, "predictor")
    containers = _containers(predictor, "spec.predictor", "containers")
    containers += _containers(predictor, "spec.predictor", "initContainers")
    # predictorFrameworkContainer: the inline container of `model` or of the legacy framework.
    framework = next((k for k in FRAMEWORK_CONTAINER_ORDER if predictor.get(k) is not None), None)
    if framework is not None:
        containers.append((predictor[framework], f"spec.predictor.{framework}"))
    spec = mapping(isvc.get("spec"))
    owners = (
        ("spec.predictor.workerSpec", predictor.get("workerSpec")),
        ("spec.transformer", spec.get("transformer")),
        ("spec.explainer", spec.get("explainer")),
    )
    for field, owner in owners:
        if owner is not None:
            containers += _containers(mapping(owner), field, "containers")
            containers += _containers(mapping(owner), field, "initContainers")
    explainer = _spec(isvc, "explainer")
    if explainer.get("art") is not None:
        containers.append((explainer["art"], "spec.explainer.art"))
    found = env_policy.validate_blocked_env_vars([mapping(item) for item, _ in containers])
    if found is None:
        return None
    container_index, env_index, message = found
    return Invalid(
        f"{containers[container_index][1]}.env[{env_index}].name",
        f"the InferenceService {go_quote(_name(isvc))} is invalid: {message}",
    )


def _unknown_gpu_resource(
    isvc: Mapping[str, Any], resources: Any, field: str, gpu_resource_types: Sequence[str]
) -> Invalid | None:
    """`utils.HasUnknownGpuResourceType` as the InferenceService validator reports it."""
    unknown = utils.has_unknown_gpu_resource_type(
        mapping(resources), _annotations(isvc), gpu_resource_types
    )
    if isinstance(unknown, str):
        return Invalid(_annotation_field(c.CUSTOM_GPU_RESOURCE_TYPES_ANNOTATION_KEY), unknown)
    if unknown:
        part, name = unknown[0]
        return Invalid(
            key_path(f"{field}.{part}", name),
            INVALID_UNKNOWN_GPU_TYPE_ERROR.format(go_quote(_name(isvc))),
        )
    return None


def validate_multi_node_variables(
    isvc: Mapping[str, Any],
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> Invalid | None:
    """Port of `validateMultiNodeVariables` (only when `predictor.workerSpec` is set)."""
    predictor = _spec(isvc, "predictor")
    if predictor.get("workerSpec") is None:
        return None
    worker, field = mapping(predictor["workerSpec"]), "spec.predictor.workerSpec"
    name = go_quote(_name(isvc))
    workers = sequence(worker.get("containers"))
    if len(workers) > 1:
        return Invalid(
            f"{field}.containers", DISALLOWED_MULTIPLE_CONTAINERS_IN_WORKER_SPEC_ERROR.format(name)
        )
    if predictor.get("model") is not None:
        found = _validate_multi_node_model(isvc, mapping(predictor["model"]), gpu_resource_types)
        if found is not None:
            return found
    for key, message in (
        ("pipelineParallelSize", INVALID_WORKER_SPEC_PIPELINE_PARALLEL_SIZE_VALUE_ERROR),
        ("tensorParallelSize", INVALID_WORKER_SPEC_TENSOR_PARALLEL_SIZE_VALUE_ERROR),
    ):
        size = integer(worker.get(key))
        if size is not None and size < 1:  # DefaultPipelineParallelSize, DefaultTensorParallelSize
            return Invalid(f"{field}.{key}", message.format(name, size))
    for index, container in enumerate(workers):
        resources = mapping(container).get("resources")
        resources_field = f"{field}.containers[{index}].resources"
        found = _unknown_gpu_resource(isvc, resources, resources_field, gpu_resource_types)
        if found is not None:
            return found
    return None


def _validate_multi_node_model(
    isvc: Mapping[str, Any], model: Mapping[str, Any], gpu_resource_types: Sequence[str]
) -> Invalid | None:
    name, field = go_quote(_name(isvc)), "spec.predictor.model"
    for env_name, message in (
        (
            c.PIPELINE_PARALLEL_SIZE_ENV_NAME,
            DISALLOWED_WORKER_SPEC_PIPELINE_PARALLEL_SIZE_ENV_ERROR,
        ),
        (c.TENSOR_PARALLEL_SIZE_ENV_NAME, DISALLOWED_WORKER_SPEC_TENSOR_PARALLEL_SIZE_ENV_ERROR),
    ):
        if (found := env_var(model, env_name)) is not None:
            return Invalid(f"{field}.env[{found[0]}].name", message.format(name))
    resources_field = f"{field}.resources"
    gpu = _unknown_gpu_resource(isvc, model.get("resources"), resources_field, gpu_resource_types)
    if gpu is not None:
        return gpu
    uri = model.get("storageUri")
    if uri is None:
        return Invalid(f"{field}.storageUri", MISSING_STORAGE_URI.format(name))
    protocol = str(uri).split("://")[0]
    if protocol not in ("pvc", "oci"):
        return Invalid(
            f"{field}.storageUri",
            INVALID_NOT_SUPPORTED_STORAGE_URI_PROTOCOL_ERROR.format(name, protocol),
        )
    autoscaler_class = _annotations(isvc).get(c.AUTOSCALER_CLASS, "")
    if autoscaler_class != c.AUTOSCALER_CLASS_NONE:
        return Invalid(
            _annotation_field(c.AUTOSCALER_CLASS),
            INVALID_AUTO_SCALER_ERROR.format(name, autoscaler_class),
        )
    return None


def validate_collocation_storage_uri(
    predictor: Mapping[str, Any], field: str = "spec.predictor"
) -> Invalid | None:
    """Port of `validateCollocationStorageURI`: no STORAGE_URI env on `transformer-container`."""
    for index, container in enumerate(sequence(predictor.get("containers"))):
        if mapping(container).get("name") == c.TRANSFORMER_CONTAINER_NAME:
            found = env_var(mapping(container), c.CUSTOM_SPEC_STORAGE_URI_ENV_VAR_KEY)
            if found is not None:
                return Invalid(
                    f"{field}.containers[{index}].env[{found[0]}].name",
                    STORAGE_URI_PRESENT_IN_TRANSFORMER_ERROR,
                )
            break
    return None


def validate_predictor(isvc: Mapping[str, Any]) -> Invalid | None:
    """Port of `validatePredictor`: `model` and legacy framework specs take no container name."""
    predictor = _spec(isvc, "predictor")
    for key in STANDARD_PREDICTORS:
        if predictor.get(key) is not None and mapping(predictor[key]).get("name"):
            return Invalid(
                f"spec.predictor.{key}.name",
                "the 'name' field is not allowed in standard predictor",
            )
    return None


def validate_storage_uri_spec(uri: str, mount_path: str, field: str) -> Invalid | None:
    """Port of `validateStorageURISpec` for one `storageUris` entry."""
    if uri == "":
        return Invalid(f"{field}.uri", "storage URI cannot be empty")
    path_field = f"{field}.mountPath"
    if mount_path == "/":
        return Invalid(path_field, "storage path cannot be empty")
    if not mount_path.startswith("/"):
        return Invalid(path_field, f"storage path must be absolute: {mount_path}")
    if ".." in mount_path:
        return Invalid(
            path_field, f"storage path cannot contain '..' for security reasons: {mount_path}"
        )
    return None


def validate_multiple_storage_uris_spec(entries: Sequence[Any], field: str) -> Invalid | None:
    """Port of `validateMultipleStorageURIsSpec`: valid entries, unique PVC paths, one parent."""
    paths: list[str] = []
    pvc_paths: list[tuple[str, str]] = []
    for index, entry in enumerate(entries):
        uri = str(mapping(entry).get("uri") or "")
        # The CRD defaults mountPath to /mnt/models before KServe's webhook sees the object.
        mount_path = mapping(entry).get("mountPath")
        mount_path = c.DEFAULT_MODEL_LOCAL_MOUNT_PATH if mount_path is None else str(mount_path)
        found = validate_storage_uri_spec(uri, mount_path, f"{field}[{index}]")
        if found is not None:
            return found
        if uri.startswith("pvc://"):
            pvc_paths.append((mount_path, f"{field}[{index}].mountPath"))
        else:
            paths.append(mount_path)
    if len(paths) <= 1:  # KServe returns here, before the PVC check
        return None
    seen: set[str] = set()
    for path, path_field in pvc_paths:
        if path in seen:
            return Invalid(path_field, "PVC storage paths must be unique")
        seen.add(path)
    if find_common_parent_path(paths) == "/":
        return Invalid(
            field,
            f"storage paths must have a common parent directory. Current paths: "
            f"[{' '.join(paths)}] have no common parent beyond root",
        )
    return None


_IMPLEMENTATIONS = {
    "predictor": ("PredictorSpec", get_predictor_implementations),
    "transformer": ("TransformerSpec", get_transformer_implementations),
    "explainer": ("ExplainerSpec", get_explainer_implementations),
}


def validate_multiple_storage_uris(isvc: Mapping[str, Any]) -> Invalid | None:
    """Port of `validateMultipleStorageURIs`: transformer, explainer, then predictor."""
    for key in ("transformer", "explainer", "predictor"):
        if key != "predictor" and not _has(isvc, key):
            continue
        component, field = _spec(isvc, key), f"spec.{key}"
        implementations = _IMPLEMENTATIONS[key][1](component, field)
        uri = get_storage_uri(implementations[0])[0] if implementations else None
        uris = component.get("storageUris")
        if uri is not None and uris is not None:
            return Invalid(f"{field}.storageUris", INVALID_STORAGE_URI_CONFIG_ERROR)
        found = validate_multiple_storage_uris_spec(sequence(uris), f"{field}.storageUris")
        if found is not None:
            return found
    return None


def validate_confidential(isvc: Mapping[str, Any]) -> tuple[Invalid | None, list[str]]:
    """Port of `validateConfidential` + `validation.ValidateConfidentialSpec`: (error, warnings)."""
    predictor = _spec(isvc, "predictor")
    key = next((k for k in STANDARD_PREDICTORS if predictor.get(k) is not None), None)
    if key is None:
        return None, []
    confidential = mapping(mapping(predictor[key]).get("confidential"))
    if confidential.get("enabled") is not True:
        return None, []
    # The URI comes from GetImplementations()[0], which may be another spec than `key`'s.
    uri, uri_field = get_storage_uri(get_predictor_implementations(predictor, "spec.predictor")[0])
    if not uri:
        return Invalid(uri_field, "confidential model serving requires storageUri to be set"), []
    warnings = []
    if uri.startswith("oci://"):
        warnings.append(
            "confidential has no effect with OCI URIs; OCI image decryption is handled by the "
            "container runtime via runtimeClassName"
        )
    if uri.startswith("pvc://"):
        warnings.append(
            "confidential has no effect with PVC URIs; the storage-initializer is not injected "
            "for PVC volumes"
        )
    resource_id = confidential.get("resourceId")
    if resource_id and not KBS_RESOURCE_ID.fullmatch(str(resource_id)):
        # field.Invalid(spec.predictor.confidential.resourceId, …).Error(), as KServe words it.
        return Invalid(
            f"spec.predictor.{key}.confidential.resourceId",
            f"spec.predictor.confidential.resourceId: Invalid value: "
            f"{go_quote(str(resource_id))}: must be in the format kbs:///<repo>/<type>/<tag>",
        ), warnings
    return None, warnings


def validate_components(isvc: Mapping[str, Any]) -> Invalid | None:
    """The per-component loop of `validateInferenceService`: predictor, transformer, explainer."""
    annotations = _annotations(isvc)
    for key, (type_name, implementations_of) in _IMPLEMENTATIONS.items():
        if key != "predictor" and not _has(isvc, key):
            continue
        component, field = _spec(isvc, key), f"spec.{key}"
        implementations = implementations_of(component, field)
        if len(implementations) != 1:  # validateExactlyOneImplementation
            return Invalid(field, exactly_one_error_for(type_name))
        found = (
            validate_implementation(implementations[0])
            or validate_component_extension(component, field)
            or validate_auto_scaling_comp_extension(annotations, component, field)
        )
        if found is not None:
            return found
    return None


def validate_canary_specs(isvc: Mapping[str, Any]) -> Invalid | None:
    """Port of `validateCanarySpecs` (Standard mode only; runs after the component checks)."""
    canaries = sequence(mapping(isvc.get("spec")).get("canary"))
    if not canaries:
        return None
    if annotated_deployment_mode(_annotations(isvc)) != c.DeploymentMode.STANDARD:
        return Invalid(
            _annotation_field(c.DEPLOYMENT_MODE),
            f"canary is only supported in {c.DeploymentMode.STANDARD.value} deployment mode",
        )
    stable = _spec(isvc, "predictor")
    implementations = get_predictor_implementations(stable, "spec.predictor")
    uri = get_storage_uri(implementations[0])[0] if implementations else None
    if uri is None and stable.get("model") is None:
        return Invalid(
            "spec.predictor",
            "canary requires a stable predictor with a model "
            "(multi-model serving is not supported with canary)",
        )
    names: set[str] = set()
    total = 0
    for index, canary in enumerate(canaries):
        found = _validate_canary(mapping(canary), index, stable, names)
        if found is not None:
            return found
        total += integer(mapping(canary).get("trafficPercent")) or 0
    if total > 100:
        return Invalid(
            "spec.canary", f"sum of canary trafficPercent values ({total}) must be <= 100"
        )
    return None


def _validate_canary(
    canary: Mapping[str, Any], index: int, stable: Mapping[str, Any], names: set[str]
) -> Invalid | None:
    field = f"spec.canary[{index}]"
    predictor, predictor_field = mapping(canary.get("predictor")), f"{field}.predictor"
    name = str(predictor.get("name") or "")
    quoted = go_quote(name)
    if not name:
        return Invalid(f"{predictor_field}.name", f"canary[{index}] predictor.name is required")
    if name in names:
        return Invalid(f"{predictor_field}.name", f"canary predictor.name {quoted} is duplicated")
    names.add(name)
    if name == str(stable.get("name") or ""):
        return Invalid(
            f"{predictor_field}.name",
            f"canary predictor.name {quoted} conflicts with stable predictor name",
        )
    traffic = integer(canary.get("trafficPercent")) or 0
    if not 0 <= traffic <= 100:
        return Invalid(
            f"{field}.trafficPercent",
            f"canary {quoted} trafficPercent must be between 0 and 100, got {traffic}",
        )
    implementations = get_predictor_implementations(predictor, predictor_field)
    found = (
        Invalid(predictor_field, exactly_one_error_for("PredictorSpec"))
        if len(implementations) != 1
        else validate_implementation(implementations[0])
        or validate_component_extension(predictor, predictor_field)
    )
    if found is not None:
        return Invalid(found.field, f"canary {quoted} predictor: {found.message}")
    if predictor.get("workerSpec") is not None:
        return Invalid(
            f"{predictor_field}.workerSpec",
            f"canary {quoted} must not set workerSpec (multi-node is not yet supported for canary)",
        )
    fixed_replicas = (
        ("maxReplicas", (integer(predictor.get("maxReplicas")) or 0) > 0),
        ("scaleTarget", predictor.get("scaleTarget") is not None),
        ("scaleMetric", predictor.get("scaleMetric") is not None),
        ("autoScaling", predictor.get("autoScaling") is not None),
    )
    for key, is_set in fixed_replicas:
        if is_set:
            return Invalid(
                f"{predictor_field}.{key}",
                f"canary {quoted} must not set {key} (canary uses fixed replicas)",
            )
    min_replicas = integer(predictor.get("minReplicas"))
    stable_min = integer(stable.get("minReplicas"))
    stable_min = c.DEFAULT_MIN_REPLICAS if stable_min is None else stable_min
    if min_replicas is not None and min_replicas > stable_min:
        return Invalid(
            f"{predictor_field}.minReplicas",
            f"canary {quoted} minReplicas ({min_replicas}) must not exceed stable predictor "
            f"minReplicas ({stable_min})",
        )
    return None


def validate_child_names(isvc: Mapping[str, Any]) -> Invalid | None:
    """Names of the Services KServe would create must be DNS-1035 labels of ≤ 63 characters."""
    # GitOps: KServe admits such an InferenceService and then fails to reconcile it (the API
    # server rejects the Knative Service or Service: "must be no more than 63 characters"). A
    # generator has no reconcile loop to report it, so it is an admission error here; it runs
    # last so that every object KServe itself rejects keeps KServe's message.
    name = _name(isvc)
    children: list[tuple[str, str, str]] = []  # (component, child name, field naming its part)
    if annotated_deployment_mode(_annotations(isvc)) != c.DeploymentMode.MODEL_MESH:
        predictor_name = str(_spec(isvc, "predictor").get("name") or "")
        children.append(
            ("predictor", c.predictor_service_name(name, predictor_name), "spec.predictor.name")
        )
        for index, canary in enumerate(sequence(mapping(isvc.get("spec")).get("canary"))):
            canary_name = str(mapping(mapping(canary).get("predictor")).get("name") or "")
            child = c.predictor_service_name(name, canary_name)
            children.append(("canary predictor", child, f"spec.canary[{index}].predictor.name"))
    if _has(isvc, "transformer"):
        children.append(("transformer", c.transformer_service_name(name), ""))
    if _has(isvc, "explainer"):
        children.append(("explainer", c.explainer_service_name(name), ""))
    too_long = [child for child in children if len(child[1]) > DNS1035_LABEL_MAX_LENGTH]
    if not too_long:
        return None
    component, child, part_field = max(too_long, key=lambda item: len(item[1]))
    limit = DNS1035_LABEL_MAX_LENGTH - (len(child) - len(name))
    # Name the InferenceService unless no name of it could fit; then the predictor name is at fault.
    field, hint = ("metadata.name", f"metadata.name can have at most {limit} characters")
    if limit < 1:
        field, hint = part_field, f"shorten {part_field}"
    return Invalid(
        field,
        f'the InferenceService "{name}" is invalid: its {component} Service would be named '
        f'"{child}" ({len(child)} characters), which is not a valid DNS-1035 label: must be no '
        f"more than {DNS1035_LABEL_MAX_LENGTH} characters; {hint}",
    )


def validate_deployment_mode(new: Mapping[str, Any], old: Mapping[str, Any]) -> Invalid | None:
    """Port of `validateDeploymentMode`: the annotation may not move off the recorded mode."""
    recorded = mapping(old.get("status")).get("deploymentMode")
    if not recorded:
        return None  # no status yet: nothing to protect
    recorded = c.parse_deployment_mode(str(recorded))
    annotations = _annotations(new)
    if c.DEPLOYMENT_MODE not in annotations:
        return None
    mode = annotated_deployment_mode(annotations)
    if mode == recorded:
        return None
    return Invalid(
        _annotation_field(c.DEPLOYMENT_MODE),
        f"update rejected: deploymentMode cannot be changed from '{recorded}' to '{mode}'",
    )


def _predictor_storage_uri(isvc: Mapping[str, Any]) -> str:
    """Port of `getPredictorStorageURI` ("" where KServe would index an empty list)."""
    predictor = _spec(isvc, "predictor")
    model_uri = mapping(predictor.get("model")).get("storageUri")
    if model_uri is not None:
        return str(model_uri)
    implementations = get_predictor_implementations(predictor, "spec.predictor")
    uri = get_storage_uri(implementations[0])[0] if implementations else None
    return uri or ""


def validate_predictor_name_change(
    new: Mapping[str, Any], old: Mapping[str, Any]
) -> Invalid | None:
    """Port of `validatePredictorNameChange`: renaming the predictor needs a new model."""
    old_name = str(_spec(old, "predictor").get("name") or "")
    if old_name == str(_spec(new, "predictor").get("name") or ""):
        return None
    if _predictor_storage_uri(old) == _predictor_storage_uri(new):
        return Invalid(
            "spec.predictor.name", "predictor.name change requires a model change (e.g. storageUri)"
        )
    return None
