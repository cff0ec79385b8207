"""The InferenceService defaulting webhook of KServe v0.20.0, as pure functions over dicts.

Ports `pkg/apis/serving/v1beta1/inference_service_defaults.go` (`DefaultInferenceService`,
`setPredictorModelDefaults`, `assign<X>Runtime`, `setResourceRequirementDefaults`,
`setLocalModelLabel`, `disableAutomountServiceAccountToken`, `SetRuntimeDefaults`,
`SetMlServerDefaults`, `SetTritonDefaults`, `SetTorchServeDefaults`), the `Default` methods of
`predictor_*.go`, `predictor_custom.go`, `transformer_custom.go`, `explainer_custom.go`,
`explainer_art.go`, the `GetImplementations` of `predictor.go`/`explainer.go`/`transformer.go`,
and `v1alpha1/storage_uri_utils.go: MatchStorageURI`.

What the API server stores: controller-runtime v0.22 answers with a JSON patch from the request
to `json.Marshal` of the defaulted Go struct, minus the removals a plain decode/encode would
also make (`defaulter_custom.go: dropSchemeRemovals`). So the result keeps the input's unknown
or zero-valued fields, loses what the defaulter set to nil (the framework key after conversion,
local-model metadata), and gains what Go's encoder always writes: `name` and `resources: {}` of
every `corev1.Container` (`json:"name"`, a struct-typed `resources`), `modelFormat.name`
(`json:"name"`), ART `type`, `confidential.enabled`, the non-omitempty autoscaling fields,
`resourceFieldRef.divisor: "0"`, and quantities in Go's canonical form. CRD structural defaults
are the API server's (applied before and after the webhook); the one a Go zero value would
otherwise shadow, `storageUris[].mountPath`, is applied here.
`metadata` and `status` fields the API server manages (`creationTimestamp: null`) are left out.
GitOps: deeper `corev1` zero fields (e.g. ephemeral volume templates) are not reproduced.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator import constants as c
from generator.config import Config
from generator.config.configmap import InferenceServicesConfig
from generator.config.quantity import marshal_quantity, parse_quantity
from generator.data import copy_data
from generator.errors import InternalError

Obj = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Framework:
    """A legacy predictor field: what `assign<X>Runtime` and the spec's `Default` set."""

    model_format: str
    assign_protocol: str | None = None  # set by assign<X>Runtime when nil
    default_protocol: str | None = None  # set by <X>Spec.Default when nil


# assignSKLearnRuntime, assignTensorflowRuntime, assignXGBoostRuntime, assignPyTorchRuntime,
# assignTritonRuntime, assignONNXRuntime, assignHuggingFaceRuntime, assignPMMLRuntime,
# assignLightGBMRuntime, assignPaddleRuntime — in setPredictorModelDefaults' switch order.
FRAMEWORK_MODEL_FORMATS: Mapping[str, Framework] = {
    "sklearn": Framework(c.SUPPORTED_MODEL_SKLEARN, default_protocol=c.PROTOCOL_V1),
    "tensorflow": Framework(c.SUPPORTED_MODEL_TENSORFLOW),
    "xgboost": Framework(c.SUPPORTED_MODEL_XGBOOST, default_protocol=c.PROTOCOL_V1),
    "pytorch": Framework(c.SUPPORTED_MODEL_PYTORCH, default_protocol=c.PROTOCOL_V1),
    "triton": Framework(c.SUPPORTED_MODEL_TRITON, assign_protocol=c.PROTOCOL_V2),
    "onnx": Framework(c.SUPPORTED_MODEL_ONNX, assign_protocol=c.PROTOCOL_V2),
    "huggingface": Framework(c.SUPPORTED_MODEL_HUGGINGFACE, assign_protocol=c.PROTOCOL_V2),
    "pmml": Framework(c.SUPPORTED_MODEL_PMML),
    "lightgbm": Framework(c.SUPPORTED_MODEL_LIGHTGBM),
    "paddle": Framework(c.SUPPORTED_MODEL_PADDLE),
}
# PredictorSpec.GetImplementations order; the custom predictor (`containers`) comes after.
PREDICTOR_IMPLEMENTATIONS = (
    "xgboost", "pytorch", "triton", "sklearn", "tensorflow", "onnx", "pmml", "lightgbm",
    "paddle", "huggingface", "model",
)  # fmt: skip
CUSTOM = "containers"
MLSERVER_MODEL_CLASSES = {
    c.SUPPORTED_MODEL_XGBOOST: c.MLSERVER_MODEL_CLASS_XGBOOST,
    c.SUPPORTED_MODEL_LIGHTGBM: c.MLSERVER_MODEL_CLASS_LIGHTGBM,
    c.SUPPORTED_MODEL_MLFLOW: c.MLSERVER_MODEL_CLASS_MLFLOW,
}
_AUTOMOUNT = "automountServiceAccountToken"
_LOCAL_MODEL_LABELS = (c.LOCAL_MODEL_LABEL, c.LOCAL_MODEL_NAMESPACE_LABEL)
_LOCAL_MODEL_ANNOTATIONS = (
    c.LOCAL_MODEL_SOURCE_URI_ANNOTATION_KEY,
    c.LOCAL_MODEL_PVC_NAME_ANNOTATION_KEY,
)


def _dicts(value: Any) -> Iterator[Obj]:
    """The mappings in a list value (anything else is for validation to report)."""
    if isinstance(value, list):
        yield from (item for item in value if isinstance(item, dict))


def _child(parent: Obj, key: str) -> Obj:
    """`parent[key]`, created when absent or null (a Go map or struct being set).

    A value of the wrong type (which Go could not decode) is left for validation to report:
    the caller then works on a detached dict.
    """
    value = parent.get(key)
    if value is None:
        value = parent[key] = {}
    return value if isinstance(value, dict) else {}


def _view(parent: Any, key: str) -> Any:
    """`parent[key]` for reading, {} when either is not a mapping."""
    value = parent.get(key) if isinstance(parent, dict) else None
    return value if isinstance(value, dict) else {}


def _delete_keys(meta: Obj, field: str, keys: Sequence[str]) -> None:
    """`delete()` on a metadata map; a map emptied this way is omitted by Go's encoder."""
    values = meta.get(field)
    if isinstance(values, dict) and any(key in values for key in keys):
        for key in keys:
            values.pop(key, None)
        if not values:
            del meta[field]


def implementations(kind: str, component: Mapping[str, Any]) -> list[str]:
    """Port of `GetImplementations` of the predictor, explainer and transformer specs.

    Set implementation fields in Go's order; `containers` stands for the custom one.
    """
    fields = {"predictor": PREDICTOR_IMPLEMENTATIONS, "explainer": ("art",)}.get(kind, ())
    found = [name for name in fields if isinstance(component.get(name), dict)]
    containers = list(_dicts(component.get(CUSTOM)))
    if containers and kind == "predictor":
        name = c.INFERENCE_SERVICE_CONTAINER_NAME
        found += [CUSTOM for container in containers if container.get("name") == name]
        found += [] if found else [CUSTOM]
    elif containers:
        found.append(CUSTOM)
    return found


def _set_resource_requirement_defaults(config: InferenceServicesConfig, container: Obj) -> None:
    """Port of `setResourceRequirementDefaults`: add each configured value not already set."""
    resources = _child(container, "resources")
    res = config.resource
    for field, defaults in (
        ("requests", {"cpu": res.cpu_request, "memory": res.memory_request}),
        ("limits", {"cpu": res.cpu_limit, "memory": res.memory_limit}),
    ):
        values = {name: str(parse_quantity(v)) for name, v in defaults.items() if v}
        if values:  # Go sets an empty map otherwise, which its encoder omits
            target = _child(resources, field)
            for name, value in values.items():
                target.setdefault(name, value)


def _default_implementation(
    component: Obj, kind: str, implementation: str, config: InferenceServicesConfig
) -> None:
    """The `Default(config)` of the one implementation of a component."""
    if implementation == "model":
        return  # ModelSpec.Default does nothing
    if implementation == CUSTOM:
        # NewCustom<X> copies the PodSpec, but the containers' backing array is shared, so the
        # edits to containers[0] below reach the InferenceService. (The "append an empty
        # container" branch is unreachable: without containers there is no custom component.)
        containers = component["containers"]
        first = containers[0]
        if not isinstance(first, dict):
            return
        if kind != "predictor" or len(containers) == 1 or not first.get("name"):
            first["name"] = c.INFERENCE_SERVICE_CONTAINER_NAME
        _set_resource_requirement_defaults(config, first)
        return
    spec = component[implementation]
    spec["name"] = c.INFERENCE_SERVICE_CONTAINER_NAME
    if implementation == "art":
        if spec.get("runtimeVersion") is None:
            spec["runtimeVersion"] = config.explainers.art_explainer.default_image_version
    else:
        protocol = FRAMEWORK_MODEL_FORMATS[implementation].default_protocol
        if protocol and spec.get("protocolVersion") is None:
            spec["protocolVersion"] = protocol
    _set_resource_requirement_defaults(config, spec)


def _set_predictor_model_defaults(isvc: Obj, predictor: Obj) -> None:
    """Port of `setPredictorModelDefaults` and the `assign<X>Runtime` family."""
    for field, framework in FRAMEWORK_MODEL_FORMATS.items():
        spec = predictor.get(field)
        if isinstance(spec, dict):
            if framework.assign_protocol and spec.get("protocolVersion") is None:
                spec["protocolVersion"] = framework.assign_protocol
            predictor["model"] = {**spec, "modelFormat": {"name": framework.model_format}}
            del predictor[field]
            break
    model = predictor.get("model")
    if not isinstance(model, dict):
        return
    model_format = model.get("modelFormat")
    name = model_format.get("name") if isinstance(model_format, dict) else None
    if model.get("protocolVersion") is None and name in (
        c.SUPPORTED_MODEL_TRITON,
        c.SUPPORTED_MODEL_VLLM,
    ):
        model["protocolVersion"] = c.PROTOCOL_V2
    if isinstance(name, str) and name:
        _child(_child(isvc, "metadata"), "annotations").setdefault(
            c.MODEL_FORMAT_ANNOTATION_KEY, name
        )


def match_storage_uri(cached_uri: str, storage_uri: str) -> bool:
    """Port of `v1alpha1.MatchStorageURI`: equal, or a path below, one trailing `/` ignored."""
    cached_uri = cached_uri.removesuffix("/")
    storage_uri = storage_uri.removesuffix("/")
    return storage_uri == cached_uri or storage_uri.startswith(cached_uri + "/")


def _storage_uri(predictor: Obj, implementation: str) -> str | None:
    """`GetStorageUri` of the predictor's first implementation."""
    if implementation != CUSTOM:
        uri = predictor[implementation].get("storageUri")
        return uri if isinstance(uri, str) else None
    for container in _dicts(predictor.get("containers")):
        if container.get("name") == c.INFERENCE_SERVICE_CONTAINER_NAME:
            for env in _dicts(container.get("env")):
                if env.get("name") == c.CUSTOM_SPEC_STORAGE_URI_ENV_VAR_KEY:
                    return str(env.get("value", ""))
            break
    return None


def _find_cache(caches: Sequence[Mapping[str, Any]], uri: str, node_group: str | None) -> Any:
    """The first cache matching `uri` (and the node group, if the isvc names one)."""
    for cache in caches:
        spec, name = _view(cache, "spec"), _cache_name(cache)
        groups = spec.get("nodeGroups") or []
        if not groups or not match_storage_uri(str(spec.get("sourceModelUri", "")), uri):
            continue  # GitOps: an empty nodeGroups (the CRD requires one) would panic KServe
        if node_group is None:
            return cache, f"{name}-{groups[0]}"
        if node_group in groups:
            return cache, f"{name}-{node_group}"
    return None, ""


def _cache_name(cache: Mapping[str, Any]) -> str:
    return str(_view(cache, "metadata").get("name", ""))


def _set_local_model_label(
    meta: Obj,
    predictor: Obj,
    caches: Sequence[Mapping[str, Any]] | None,
    ns_caches: Sequence[Mapping[str, Any]],
) -> None:
    """Port of `setLocalModelLabel`: namespace caches first, then cluster caches."""
    found = implementations("predictor", predictor)
    if not found:
        return  # GitOps: KServe indexes GetImplementations()[0] and panics; validation reports
    uri = _storage_uri(predictor, found[0])
    if uri is None:
        return
    apply_local_model_cache(meta, uri, caches, ns_caches)


def apply_local_model_cache(
    meta: Obj,
    uri: str,
    caches: Sequence[Mapping[str, Any]] | None,
    ns_caches: Sequence[Mapping[str, Any]],
) -> None:
    """The cache match both defaulters make for a model at `uri` (`setLocalModelLabel` and the
    LLMInferenceService webhook's `SetLocalModelLabel`): the first namespace cache, else the
    first cluster cache, holding `uri` on the object's node group labels it; none (or `caches`
    None: not listed) removes the four local-model keys."""
    current = meta.get("annotations")
    node_group = current.get(c.NODE_GROUP_ANNOTATION_KEY) if isinstance(current, dict) else None
    for scoped, candidates in ((True, ns_caches), (False, caches or ())):
        cache, pvc_name = _find_cache(candidates, uri, node_group)
        if cache is not None:
            labels = _child(meta, "labels")
            labels[c.LOCAL_MODEL_LABEL] = _cache_name(cache)
            if scoped:
                namespace = _view(cache, "metadata").get("namespace", "")
                labels[c.LOCAL_MODEL_NAMESPACE_LABEL] = namespace
            else:
                labels.pop(c.LOCAL_MODEL_NAMESPACE_LABEL, None)
            annotations = _child(meta, "annotations")
            annotations[c.LOCAL_MODEL_SOURCE_URI_ANNOTATION_KEY] = _view(cache, "spec").get(
                "sourceModelUri", ""
            )
            annotations[c.LOCAL_MODEL_PVC_NAME_ANNOTATION_KEY] = pvc_name
            return
    delete_local_model_metadata(meta)


def delete_local_model_metadata(meta: Obj) -> None:
    """Port of `deleteLocalModelMetadata` (the LLMInferenceService webhook's
    `DeleteLocalModelMetadata` is the same): the four local-model keys removed."""
    _delete_keys(meta, "labels", _LOCAL_MODEL_LABELS)
    _delete_keys(meta, "annotations", _LOCAL_MODEL_ANNOTATIONS)


def local_model_lists(
    obj: Mapping[str, Any], config: Config, caches: Sequence[Mapping[str, Any]]
) -> tuple[list[Mapping[str, Any]] | None, list[Mapping[str, Any]]]:
    """The lists `Default` fetches (both defaulters): the cluster caches (None: not listed,
    unless local models are enabled and the object lacks the opt-out annotation) and the
    namespace caches of the object's namespace."""
    meta = _view(obj, "metadata")
    disabled = c.DISABLE_LOCAL_MODEL_KEY in _view(meta, "annotations")
    if disabled or not config.local_model.enabled:
        return None, []
    namespace = meta.get("namespace", "")
    scoped = [x.get("kind") == "LocalModelNamespaceCache" for x in caches]
    # The API server lists in key order (namespace, name), as the oracle's fake client does.
    ordered = sorted(zip(scoped, caches, strict=True), key=lambda p: _cache_name(p[1]))
    cluster = [x for ns, x in ordered if not ns]
    in_namespace = [  # client.InNamespace(isvc.Namespace); "" lists every namespace
        x for ns, x in ordered if ns and namespace in ("", _view(x, "metadata").get("namespace"))
    ]
    return cluster, in_namespace


def default_inference_service(
    isvc: Mapping[str, Any],
    config: Config,
    local_model_caches: Sequence[Mapping[str, Any]] = (),
) -> dict[str, Any]:
    """Port of `InferenceServiceDefaulter.Default`: the object the API server would store.

    `local_model_caches` are the LocalModelCache and LocalModelNamespaceCache objects the
    webhook would list; they are read only when `localModel.enabled` is true.
    """
    obj: Obj = copy_data(dict(isvc))
    caches, ns_caches = local_model_lists(obj, config, local_model_caches)
    meta = _child(obj, "metadata")
    spec = _child(obj, "spec")
    predictor = _child(spec, "predictor")

    annotations = meta.get("annotations")
    mode: str | None = None
    if isinstance(annotations, dict) and c.DEPLOYMENT_MODE in annotations:
        mode = str(annotations[c.DEPLOYMENT_MODE] or "")
        if mode in (c.LEGACY_RAW_DEPLOYMENT, c.LEGACY_SERVERLESS):
            mode = c.parse_deployment_mode(mode)
            annotations[c.DEPLOYMENT_MODE] = mode
    elif config.deploy.default_deployment_mode in (
        c.DeploymentMode.MODEL_MESH.value,
        c.DeploymentMode.STANDARD.value,
    ):
        _child(meta, "annotations")[c.DEPLOYMENT_MODE] = config.deploy.default_deployment_mode

    components = ["transformer", "explainer"]
    if mode != c.DeploymentMode.MODEL_MESH.value:
        _set_predictor_model_defaults(obj, predictor)
        components.append("predictor")
    for kind in components:
        component = spec.get(kind)
        if isinstance(component, dict):
            found = implementations(kind, component)
            if len(found) == 1:  # validateExactlyOneImplementation; else KServe only logs
                _default_implementation(component, kind, found[0], config.inference_services)

    _set_local_model_label(meta, predictor, caches, ns_caches)
    if not config.security.auto_mount_service_account_token:
        for kind in ("predictor", "transformer", "explainer"):
            component = spec.get(kind)
            if isinstance(component, dict) and component.get(_AUTOMOUNT) is None:
                component[_AUTOMOUNT] = False
    _as_stored_spec(spec)
    return obj


def _as_stored_container(container: Obj) -> None:
    """What Go's encoder writes for a `corev1.Container` beyond the input."""
    container.setdefault("name", "")
    resources = _child(container, "resources")
    for field in ("requests", "limits"):
        values = resources.get(field)
        if isinstance(values, dict):
            resources[field] = {name: marshal_quantity(v) for name, v in values.items()}
    for env in _dicts(container.get("env")):
        source = env.get("valueFrom")
        field_ref = source.get("resourceFieldRef") if isinstance(source, dict) else None
        if isinstance(field_ref, dict):
            field_ref["divisor"] = marshal_quantity(field_ref.get("divisor") or "0")


def _as_stored_pod_spec(pod: Obj) -> None:
    """The KServe `PodSpec` fields with quantities or always-written members."""
    for key in ("containers", "initContainers", "ephemeralContainers"):
        for container in _dicts(pod.get(key)):
            _as_stored_container(container)
    pod_resources = _view(pod, "resources")
    for resources in (pod.get("overhead"), pod_resources.get("requests"),
                      pod_resources.get("limits")):  # fmt: skip
        if isinstance(resources, dict):
            resources.update((k, marshal_quantity(v)) for k, v in resources.items())
    for volume in _dicts(pod.get("volumes")):
        empty_dir = volume.get("emptyDir")
        if isinstance(empty_dir, dict) and empty_dir.get("sizeLimit") is not None:
            empty_dir["sizeLimit"] = marshal_quantity(empty_dir["sizeLimit"])


def _as_stored_metrics(component: Obj) -> None:
    """`AutoScalingSpec.metrics`: non-omitempty members; `MetricQuantity` keeps its text."""
    for metric in _dicts(_view(component, "autoScaling").get("metrics")):
        metric.setdefault("type", "")
        for source in ("resource", "external", "podmetric"):
            spec = metric.get(source)
            if not isinstance(spec, dict):
                continue
            if source == "resource":
                spec.setdefault("name", "")
            else:
                _child(spec, "metric").setdefault("backend", "")
            target = _child(spec, "target")
            target.setdefault("type", "")
            for key in ("value", "averageValue"):
                if type(target.get(key)) is int:
                    target[key] = str(target[key])
            if source == "external" and isinstance(spec.get("authenticationRef"), dict):
                _child(spec["authenticationRef"], "authenticationRef").setdefault("name", "")


def _as_stored_component(component: Obj, inline: Sequence[str]) -> None:
    """A predictor, transformer or explainer as Go writes it; `inline` embed a Container."""
    _as_stored_pod_spec(component)
    _as_stored_metrics(component)
    for storage in _dicts(component.get("storageUris")):
        # The CRD default (`+kubebuilder:default="/mnt/models"`) is applied by the API server
        # before the webhook runs, so Go's encoder writes it rather than its zero value.
        storage.setdefault("mountPath", c.DEFAULT_MODEL_LOCAL_MOUNT_PATH)
    for key in inline:
        spec = component.get(key)
        if isinstance(spec, dict):
            _as_stored_container(spec)
            if isinstance(spec.get("confidential"), dict):
                spec["confidential"].setdefault("enabled", False)
    model = component.get("model")
    if isinstance(model, dict):
        _child(model, "modelFormat").setdefault("name", "")
    art = component.get("art")
    if isinstance(art, dict):
        art.setdefault("type", "")
    worker = component.get("workerSpec")
    if isinstance(worker, dict):
        _as_stored_pod_spec(worker)


def _as_stored_spec(spec: Obj) -> None:
    """Apply the Go encoder's additions to every component of the spec (canaries too)."""
    predictor_inline = (*FRAMEWORK_MODEL_FORMATS, "model")
    _as_stored_component(_child(spec, "predictor"), predictor_inline)
    for kind, inline in (("transformer", ()), ("explainer", ("art",))):
        if isinstance(spec.get(kind), dict):
            _as_stored_component(spec[kind], inline)
    for canary in _dicts(spec.get("canary")):
        if isinstance(canary.get("predictor"), dict):
            _as_stored_component(canary["predictor"], predictor_inline)


def _model(isvc: Obj) -> Obj:
    model = _view(_view(isvc, "spec"), "predictor").get("model")
    if not isinstance(model, dict):
        raise InternalError("runtime defaults need spec.predictor.model (set by the defaulter)")
    return model


def _append_env_if_not_exists(model: Obj, *env: Obj) -> None:
    """Port of `utils.AppendEnvVarIfNotExists` on the model container's env."""
    current: list[Any] = model["env"] if isinstance(model.get("env"), list) else []
    for var in env:
        if not any(isinstance(e, dict) and e.get("name") == var["name"] for e in current):
            current = [*current, var]
    model["env"] = current


def _mlserver(isvc: Obj) -> None:
    """Port of `SetMlServerDefaults`."""
    model = _model(isvc)
    if model.get("protocolVersion") is None:
        model["protocolVersion"] = c.PROTOCOL_V2
    if model.get("storageUri") is None and model.get("storage") is None:
        _append_env_if_not_exists(
            model, {"name": c.MLSERVER_LOAD_MODELS_STARTUP_ENV, "value": "false"}
        )
    else:
        _append_env_if_not_exists(
            model,
            {"name": c.MLSERVER_MODEL_NAME_ENV, "value": _view(isvc, "metadata").get("name", "")},
            {"name": c.MLSERVER_MODEL_URI_ENV, "value": c.DEFAULT_MODEL_LOCAL_MOUNT_PATH},
        )
    model_format = _view(model, "modelFormat").get("name", "")
    model_class = MLSERVER_MODEL_CLASSES.get(model_format, c.MLSERVER_MODEL_CLASS_SKLEARN)
    _child(_child(isvc, "metadata"), "labels")[c.MODEL_CLASS_LABEL] = model_class


def _triton(isvc: Obj) -> None:
    """Port of `SetTritonDefaults`."""
    model = _model(isvc)
    if model.get("protocolVersion") is None:
        model["protocolVersion"] = c.PROTOCOL_V2
    if model.get("storageUri") is None and model.get("storage") is None:
        model["args"] = [*(model.get("args") or []), "--model-control-mode=explicit"]


def _torchserve(isvc: Obj) -> None:
    """Port of `SetTorchServeDefaults`."""
    model = _model(isvc)
    if model.get("protocolVersion") is None:
        model["protocolVersion"] = c.PROTOCOL_V1
    protocol = model["protocolVersion"]
    envelope = c.SERVICE_ENVELOPE_KSERVE
    if protocol in (c.PROTOCOL_V2, c.PROTOCOL_GRPC_V2):
        envelope = c.SERVICE_ENVELOPE_KSERVE_V2
    _child(_child(isvc, "metadata"), "labels")[c.SERVICE_ENVELOPE] = envelope
    model["env"] = [*(model.get("env") or []), {"name": c.PROTOCOL_VERSION_ENV, "value": protocol}]


_SERVER_DEFAULTS: Mapping[str, Callable[[Obj], None]] = {
    c.SERVER_TYPE_MLSERVER: _mlserver,
    c.SERVER_TYPE_TRITON_SERVER: _triton,
    c.SERVER_TYPE_TORCHSERVE: _torchserve,
}


def set_runtime_defaults(
    isvc: Mapping[str, Any], runtime_name: str, runtime_annotations: Mapping[str, str]
) -> dict[str, Any]:
    """Port of `SetRuntimeDefaults`, run by the controller once the runtime is chosen.

    The server type is the runtime's `serving.kserve.io/server-type` annotation, else derived
    from `runtime_name` (KServe reads `spec.predictor.model.runtime`, which the controller has
    just set to that name in both of its call sites in `components/predictor.go`).
    """
    obj: Obj = copy_data(dict(isvc))
    server_type = runtime_annotations.get(c.SERVER_TYPE_ANNOTATION_KEY)
    if server_type is None:
        server_type = c.get_server_type_from_runtime_name(runtime_name)
    if server_type in _SERVER_DEFAULTS:
        _SERVER_DEFAULTS[server_type](obj)
    return obj
