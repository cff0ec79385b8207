"""Container and pod-spec merging of KServe v0.20.0's predictor, on plain dicts.

Ports `pkg/utils/container_merge.go` (`MergeContainerWithPatch`, `reconcileEnvValueConflicts`),
`controller/v1beta1/inferenceservice/utils/utils.go` (`MergeRuntimeContainers`, `MergePodSpec`,
`GetContainerIndexByName`, `MergeServingRuntimeAndInferenceServiceSpecs`, `ReplacePlaceholders`,
`UpdateImageTag`, `AddEnvVarToPodSpec`), `pkg/utils/utils.go: IsGPUEnabled` and
`components/predictor.go: buildPodSpec`. KServe merges with apimachinery's
`strategicpatch.StrategicMergePatch` over `json.Marshal`ed Go structs; `_merge_map` ports the
parts of `strategicpatch/patch.go` these inputs reach (no `$patch` directives, no nulls), and
`generator.goruntime.json.round_trip` over the struct descriptions below reproduces what the
Go JSON round trip drops (`omitempty` zero values, nulls).

Lists merged by key (the `patchMergeKey` tags of k8s.io/api v0.34 core/v1): PodSpec `containers`,
`initContainers`, `ephemeralContainers`, `volumes`, `imagePullSecrets`, `schedulingGates`,
`resourceClaims` by `name`, `hostAliases` by `ip`, `topologySpreadConstraints` by `topologyKey`;
Container `env` by `name`, `ports` by `containerPort`, `volumeMounts` by `mountPath`,
`volumeDevices` by `devicePath`. Every other list (`tolerations`, `readinessGates`, `args`,
`command`, `envFrom`, lists inside `affinity`…) is replaced whole; maps merge key by key.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from typing import Any

from generator import constants as c
from generator.data import copy_data
from generator.errors import Invalid
from generator.goruntime.json import (
    INT32,
    INT64,
    STRING,
    Field,
    OmitEmpty,
    Open,
    Pointer,
    Slice,
    Struct,
    marshal,
    round_trip,
)
from generator.goruntime.template import GoTemplateError, render
from generator.utils.utils import is_gpu_enabled

ERR_NO_CONTAINER_FOUND = "no container configuration found in selected serving runtime"
ERR_INVALID_PLACEHOLDER = "failed to replace placeholders in serving runtime {} Container {}"


class MergeError(ValueError):
    """An error KServe's merge helpers return (bad merge input, missing target container)."""


def _podspec_omitempty() -> OmitEmpty:
    """The JSON names of the fields a corev1.PodSpec reaches (k8s.io/api v0.34.5) whose empty
    value `json.Marshal` leaves out wherever the name occurs: podspec_fields.json, written by
    `oracle podspec-fields` (conformance/oracle/gotypes.go, reflection over the Go types;
    tests/conformance checks the file against it)."""
    text = resources.files("generator.goruntime").joinpath("podspec_fields.json").read_text()
    names = {key: frozenset(value) for key, value in json.loads(text).items()}
    return OmitEmpty(
        lists_kept=names["lists_kept"],
        maps=names["maps_omitempty"],
        strings=names["strings_omitempty"],
        zeros=names["ints_omitempty"] | names["bools_omitempty"],
    )


# The parts of the k8s.io/api core/v1 types the Go JSON round trip changes; the rest is `Open`
# (nulls dropped, and the empty values of `omitempty` fields). ResourceRequirements (and
# VolumeResourceRequirements) are named `resources` wherever they appear, so that member is
# described at any depth.
_K8S = Open(omitempty=_podspec_omitempty())


def _pairs(spec: str) -> dict[str, str]:
    return dict(pair.split("=") for pair in spec.split())


_RESOURCES = Struct(
    "v1.ResourceRequirements",
    tuple(Field(name, _K8S, omitempty=True) for name in ("limits", "requests", "claims")),
    rest=_K8S,
)
_K8S.members["resources"] = _RESOURCES


def _partial(go: str, required: str, omitempty: str, **slices: Struct) -> Struct:
    """A struct described in part: `required` string/int fields (non-omitempty, `name:zero`),
    non-pointer `omitempty` fields, and lists of described structs."""
    fields = [
        Field(name, INT32 if zero == "0" else STRING)
        for name, _, zero in (spec.partition(":") for spec in required.split())
    ]
    fields += [
        Field(name, Slice(slices[name]) if name in slices else _K8S, omitempty=True)
        for name in omitempty.split()
    ]
    fields += [
        Field(name, Slice(kind)) for name, kind in slices.items() if name not in omitempty.split()
    ]
    return Struct(go, tuple(fields), rest=_K8S)


def _with_pointers(struct: Struct, **pointers: Pointer) -> Struct:
    """`struct` with `omitempty` pointers to described structs besides."""
    extra = tuple(Field(name, kind, omitempty=True) for name, kind in pointers.items())
    return Struct(struct.go, struct.fields + extra, rest=struct.rest)


def _pointer_to(go: str, *fields: Field) -> Pointer:
    return Pointer(Struct(go, fields, rest=_K8S))


# Probes and lifecycle hooks: a port is written even when absent (`port: 0`; an IntOrString
# keeps its text), and zero timings go (k8s.io/api core/v1 types.go, Probe and its handlers).
_HTTP_GET = _pointer_to(
    "v1.HTTPGetAction",
    Field("path", STRING, omitempty=True),
    Field("port", INT32),
    Field("host", STRING, omitempty=True),
    Field("scheme", STRING, omitempty=True),
    Field("httpHeaders", Slice(_partial("v1.HTTPHeader", "name: value:", "")), omitempty=True),
)
_TCP_SOCKET = _pointer_to(
    "v1.TCPSocketAction", Field("port", INT32), Field("host", STRING, omitempty=True)
)
# The handlers a probe (ProbeHandler) and a lifecycle hook (LifecycleHandler) share.
_EXEC = _pointer_to("v1.ExecAction", Field("command", Slice(STRING), omitempty=True))
_HANDLERS = (
    Field("exec", _EXEC, omitempty=True),
    Field("httpGet", _HTTP_GET, omitempty=True),
    Field("tcpSocket", _TCP_SOCKET, omitempty=True),
)
_PROBE = _pointer_to(
    "v1.Probe",
    *_HANDLERS,
    Field("grpc", _pointer_to("v1.GRPCAction", Field("port", INT32)), omitempty=True),
    *(
        Field(name, INT32, omitempty=True)
        for name in "initialDelaySeconds timeoutSeconds periodSeconds successThreshold "
        "failureThreshold".split()
    ),
)
_LIFECYCLE_HANDLER = _pointer_to(
    "v1.LifecycleHandler",
    *_HANDLERS,
    Field("sleep", _pointer_to("v1.SleepAction", Field("seconds", INT64)), omitempty=True),
)
_LIFECYCLE = _pointer_to(
    "v1.Lifecycle",
    Field("postStart", _LIFECYCLE_HANDLER, omitempty=True),
    Field("preStop", _LIFECYCLE_HANDLER, omitempty=True),
)
# References by name whose LocalObjectReference.name is omitempty: the JSON name `name` is
# required in other core types, so the by-name rule of _K8S cannot drop an empty one.
_KEY_REF = _pointer_to("v1.KeySelector", Field("name", STRING, omitempty=True))
_NAME_REF = _pointer_to("v1.LocalObjectReference", Field("name", STRING, omitempty=True))
_CONTAINER = _with_pointers(
    _partial(
        "v1.Container",
        "name:",
        "image command args workingDir ports envFrom env resizePolicy restartPolicyRules "
        "volumeMounts volumeDevices terminationMessagePath terminationMessagePolicy "
        "imagePullPolicy stdin stdinOnce tty",
        env=_with_pointers(
            _partial("v1.EnvVar", "name:", "value"),
            valueFrom=_pointer_to(
                "v1.EnvVarSource",
                Field("configMapKeyRef", _KEY_REF, omitempty=True),
                Field("secretKeyRef", _KEY_REF, omitempty=True),
            ),
        ),
        ports=_partial("v1.ContainerPort", "containerPort:0", "name hostPort protocol hostIP"),
        volumeMounts=_partial("v1.VolumeMount", "name: mountPath:", "readOnly subPath subPathExpr"),
        volumeDevices=_partial("v1.VolumeDevice", "name: devicePath:", ""),
        envFrom=_with_pointers(
            _partial("v1.EnvFromSource", "", "prefix"), configMapRef=_NAME_REF, secretRef=_NAME_REF
        ),
    ),
    livenessProbe=_PROBE,
    readinessProbe=_PROBE,
    startupProbe=_PROBE,
    lifecycle=_LIFECYCLE,
)
# list field -> (patchMergeKey, the merge keys inside its elements)
_MergeKeys = Mapping[str, tuple[str, "_MergeKeys"]]
_CONTAINER_MERGE_KEYS: _MergeKeys = {
    name: (key, {})
    for name, key in _pairs(
        "env=name ports=containerPort volumeMounts=mountPath volumeDevices=devicePath"
    ).items()
}
_POD_MERGE_KEYS: _MergeKeys = {
    name: (key, _CONTAINER_MERGE_KEYS if name.endswith("ontainers") else {})
    for name, key in _pairs(
        "containers=name initContainers=name ephemeralContainers=name volumes=name "
        "imagePullSecrets=name schedulingGates=name resourceClaims=name hostAliases=ip "
        "topologySpreadConstraints=topologyKey"
    ).items()
}
_POD_SPEC = _partial(
    "v1.PodSpec",
    "",
    "volumes initContainers containers ephemeralContainers restartPolicy dnsPolicy "
    "nodeSelector serviceAccountName serviceAccount nodeName hostNetwork hostPID hostIPC "
    "imagePullSecrets hostname subdomain schedulerName tolerations hostAliases "
    "priorityClassName readinessGates overhead topologySpreadConstraints schedulingGates "
    "resourceClaims",
    **{
        name: _CONTAINER if name.endswith("ontainers") else _partial("", f"{key}:", "")
        for name, (key, _) in _POD_MERGE_KEYS.items()
    }
    | {"imagePullSecrets": _partial("v1.LocalObjectReference", "", "name")}  # omitempty here
    | {"tolerations": _partial("v1.Toleration", "", "key operator value effect")}
    | {
        "volumes": _with_pointers(
            _partial("v1.Volume", "name:", ""),
            secret=_pointer_to(
                "v1.SecretVolumeSource", Field("secretName", STRING, omitempty=True)
            ),
            configMap=_NAME_REF,  # ConfigMapVolumeSource: the reference inline
        )
    },
)


def _omitempty(struct: Struct) -> frozenset[str]:
    return frozenset(f.name for f in struct.fields if f.omitempty)


# ServingRuntimePodSpec fields MergePodSpec copies into the base corev1.PodSpec.
RUNTIME_POD_SPEC_FIELDS = tuple(
    "nodeSelector affinity tolerations volumes imagePullSecrets schedulerName".split()
)
CONTAINER_FIELDS = _omitempty(_CONTAINER) | frozenset(
    "name resources restartPolicy livenessProbe readinessProbe startupProbe lifecycle "
    "securityContext".split()
)
POD_SPEC_FIELDS = _omitempty(_POD_SPEC) | frozenset(
    "terminationGracePeriodSeconds activeDeadlineSeconds automountServiceAccountToken "
    "shareProcessNamespace securityContext affinity priority dnsConfig runtimeClassName "
    "enableServiceLinks preemptionPolicy setHostnameAsFQDN os hostUsers resources "
    "hostnameOverride".split()
)
_TAG_RE = re.compile(r"(:([\w.\-_]*))\Z", re.ASCII)
# Server types whose GPU build is the same image with a "-gpu" tag suffix.
_GPU_TAG_SERVER_TYPES = (
    c.SERVER_TYPE_TENSORFLOW_SERVING,
    c.SERVER_TYPE_TORCHSERVE,
    c.SERVER_TYPE_HUGGINGFACE_SERVER,
)


# --- Go JSON round trip and strategic merge ----------------------------------------------------


def _go_repr(value: Any) -> str:
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_go_repr(value[k])}" for k in sorted(value)) + "]"
    return str(value)


def _merge_map(
    original: dict[str, Any], patch: Mapping[str, Any], merge_keys: _MergeKeys
) -> dict[str, Any]:
    """Apply `patch` onto `original` (owned, changed in place) as `strategicpatch.mergeMap`."""
    for key, patch_value in patch.items():
        current = original.get(key)
        if isinstance(current, dict) and isinstance(patch_value, Mapping):
            original[key] = _merge_map(current, patch_value, {})
        elif isinstance(current, list) and isinstance(patch_value, list) and (key in merge_keys):
            merge_key, item_keys = merge_keys[key]
            original[key] = _merge_list(current, patch_value, merge_key, item_keys)
        else:
            original[key] = copy_data(patch_value)
    return original


def _find(items: Sequence[Mapping[str, Any]], key: str, value: Any) -> int:
    return next((i for i, item in enumerate(items) if key in item and item[key] == value), -1)


def _merge_list(
    original: list[Any], patch: list[Any], key: str, item_keys: _MergeKeys
) -> list[dict[str, Any]]:
    """`strategicpatch.mergeSlice` for a list of maps with a merge key, element order included."""
    if not original and not patch:
        return []
    for item in (*original, *patch):
        if not isinstance(item, Mapping):
            raise MergeError(f"list element types are not identical: {_go_repr(item)}")
    merged: list[dict[str, Any]] = list(original)
    for item in patch:
        if key not in item:
            raise MergeError(f"map: {_go_repr(item)} does not contain declared merge key: {key}")
        at = _find(merged, key, item[key])
        if at < 0:
            merged.append(copy_data(dict(item)))
        else:
            merged[at] = _merge_map(merged[at], item, item_keys)
    for item in merged:
        if key not in item:
            raise MergeError(f"map: {_go_repr(item)} does not contain declared merge key: {key}")
    in_patch = sorted(
        (m for m in merged if _find(patch, key, m[key]) >= 0),
        key=lambda m: _find(patch, key, m[key]),
    )
    server_only = [m for m in merged if _find(patch, key, m[key]) < 0]
    # mergeSortedSlice: a server-only item goes first only if it preceded the patch item in
    # the original list; patch items new to the list come before the remaining server items.
    out: list[dict[str, Any]] = []
    while server_only or in_patch:
        take_server = not in_patch or (
            bool(server_only)
            and 0
            <= _find(original, key, server_only[0][key])
            < _find(original, key, in_patch[0][key])
        )
        out.append((server_only if take_server else in_patch).pop(0))
    return out


# --- utils.go / container_merge.go ----------------------------------------------------------


def merge_container_with_patch(
    base: Mapping[str, Any], overlay: Mapping[str, Any]
) -> dict[str, Any]:
    """Port of `MergeContainerWithPatch`: strategic-merge `overlay` onto `base`; args replace."""
    overlay_json = round_trip(overlay, _CONTAINER)
    merged = _merge_map(round_trip(base, _CONTAINER), overlay_json, _CONTAINER_MERGE_KEYS)
    by_name = {e["name"]: e for e in overlay_json.get("env", [])}
    for env in merged.get("env", []):  # reconcileEnvValueConflicts
        if not env.get("value") or env.get("valueFrom") is None or env["name"] not in by_name:
            continue
        if by_name[env["name"]].get("valueFrom") is not None:
            del env["value"]
        elif by_name[env["name"]].get("value"):
            del env["valueFrom"]
    if merged.get("name", "") == "":
        merged["name"] = base.get("name") or ""
    return merged


def merge_runtime_containers(
    runtime_container: Mapping[str, Any], isvc_container: Mapping[str, Any]
) -> dict[str, Any]:
    """Port of `MergeRuntimeContainers`: the patch merge, then args = runtime args + isvc args."""
    merged = merge_container_with_patch(runtime_container, isvc_container)
    args = [*(runtime_container.get("args") or []), *(isvc_container.get("args") or [])]
    merged.pop("args", None)
    if args:
        merged["args"] = copy_data(args)
    return merged


def merge_pod_spec(
    runtime_pod_spec: Mapping[str, Any], predictor_pod_spec: Mapping[str, Any]
) -> dict[str, Any]:
    """Port of `MergePodSpec`: the isvc PodSpec strategic-merged onto six runtime pod fields."""
    base = {k: runtime_pod_spec[k] for k in RUNTIME_POD_SPEC_FIELDS if k in runtime_pod_spec}
    return _merge_map(
        round_trip(base, _POD_SPEC), round_trip(predictor_pod_spec, _POD_SPEC), _POD_MERGE_KEYS
    )


def get_container_index_by_name(containers: Sequence[Mapping[str, Any]], name: str) -> int:
    """Port of `GetContainerIndexByName`: -1 when absent."""
    return next((i for i, ctr in enumerate(containers) if ctr.get("name") == name), -1)


def merge_serving_runtime_and_inference_service_specs(
    sr_containers: Sequence[Mapping[str, Any]],
    isvc_container: Mapping[str, Any],
    target_container_name: str,
    sr_pod_spec: Mapping[str, Any],
    isvc_pod_spec: Mapping[str, Any],
    field: str = "spec.predictor",
) -> tuple[int, dict[str, Any], dict[str, Any]] | Invalid:
    """Port of `MergeServingRuntimeAndInferenceServiceSpecs`: (index, container, pod spec)."""
    index = get_container_index_by_name(sr_containers, target_container_name)
    if index == -1:
        return Invalid(
            field, f"failed to find {target_container_name} in ServingRuntime containers"
        )
    try:
        container = merge_runtime_containers(sr_containers[index], isvc_container)
    except MergeError as err:
        return Invalid(field, f"failed to merge container. Detail: {err}")
    try:
        pod_spec = merge_pod_spec(sr_pod_spec, isvc_pod_spec)
    except MergeError as err:
        return Invalid(field, f"failed to consolidate serving runtime PodSpecs. Detail: {err}")
    return index, container, pod_spec


def _object_meta_data(meta: Mapping[str, Any]) -> dict[str, Any]:
    # GitOps: only these metav1.ObjectMeta fields exist as template data; the others (UID,
    # creationTimestamp, ownerReferences…) are cluster-assigned, so `{{.UID}}` and the like
    # fail here instead of rendering a value the cluster would choose.
    return {
        "Name": meta.get("name") or "",
        "GenerateName": meta.get("generateName") or "",
        "Namespace": meta.get("namespace") or "",
        "Labels": meta.get("labels"),
        "Annotations": meta.get("annotations"),
        "Generation": meta.get("generation") or 0,
    }


def replace_placeholders(container: Mapping[str, Any], meta: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `ReplacePlaceholders`: run the container's JSON text as an html/template.

    Raises GoTemplateError, or MergeError when the rendered text is no longer valid JSON.
    """
    try:
        text = marshal(round_trip(container, _CONTAINER))
    except (TypeError, ValueError) as err:
        raise MergeError(f"could not marshal container: {err}") from err
    rendered = render(text, _object_meta_data(meta), html=True, name="container-tmpl")
    try:
        result = json.loads(rendered)
    except ValueError as err:
        raise MergeError(f"invalid JSON after placeholders: {err}") from err
    if not isinstance(result, dict):
        raise MergeError("invalid JSON after placeholders: not an object")
    return result


def update_image_tag(
    container: Mapping[str, Any],
    runtime_version: str | None,
    serving_runtime: str | None,
    runtime_annotations: Mapping[str, str] | None,
) -> dict[str, Any]:
    """Port of `UpdateImageTag`: runtimeVersion as tag, else `-gpu` / `-cpu` image variants."""
    out = copy_data(dict(container))
    image = str(out.get("image") or "")
    if "@sha256:" in image:
        return out
    tag_match = _TAG_RE.search(image)
    if runtime_version is not None:
        # Go's ReplaceAllString would also expand `$` in runtimeVersion; tags cannot hold `$`.
        out["image"] = (image[: tag_match.start()] if tag_match else image) + f":{runtime_version}"
        return out
    server_type = (runtime_annotations or {}).get(c.SERVER_TYPE_ANNOTATION_KEY, "")
    if server_type == "" and serving_runtime is not None:
        server_type = c.get_server_type_from_runtime_name(serving_runtime)
    if server_type == "" or tag_match is None:
        return out
    tag, without_tag = tag_match.group(0), image[: tag_match.start()]
    if is_gpu_enabled(out.get("resources") or {}):
        if server_type in _GPU_TAG_SERVER_TYPES and not image.endswith("-gpu"):
            out["image"] = image + "-gpu"
    elif server_type == c.SERVER_TYPE_VLLM_SERVER and not without_tag.endswith("-cpu"):
        out["image"] = without_tag + "-cpu" + tag
    return out


def add_env_var_to_pod_spec(
    pod_spec: Mapping[str, Any], container_name: str, env_name: str, env_value: str
) -> dict[str, Any]:
    """Port of `AddEnvVarToPodSpec`: set (only `value` of) or append the variable.

    Raises MergeError when no container has that name.
    """
    out = copy_data(dict(pod_spec))
    found = False
    for container in out.get("containers") or []:
        if container.get("name") != container_name:
            continue
        found = True
        env = container.setdefault("env", [])
        at = _find(env, "name", env_name)
        if at >= 0:
            env[at]["value"] = env_value
        else:
            env.append({"name": env_name, "value": env_value})
    if not found:
        raise MergeError(f"target container({container_name}) does not exist")
    return out


# --- components/predictor.go ------------------------------------------------------------------


def model_container(model: Mapping[str, Any]) -> dict[str, Any]:
    """The corev1.Container inlined in a `predictor.model` (ModelSpec) dict."""
    return {k: v for k, v in model.items() if k in CONTAINER_FIELDS}


def predictor_pod_spec(predictor: Mapping[str, Any]) -> dict[str, Any]:
    """The PodSpec inlined in a component's spec (PredictorSpec, TransformerSpec, ExplainerSpec)
    as KServe's controller reads it into a `corev1.PodSpec` and writes it out (a new copy)."""
    pod_spec: dict[str, Any] = round_trip(_pod_spec_fields(predictor), _POD_SPEC)
    return pod_spec


def _pod_spec_fields(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in spec.items() if k in POD_SPEC_FIELDS}


def go_container(container: Mapping[str, Any]) -> dict[str, Any]:
    """A container of the input as KServe's controller reads it into a `corev1.Container` and
    writes it out (a new copy): e.g. a probe's `httpGet` without `port` gets `port: 0`."""
    written: dict[str, Any] = round_trip(container, _CONTAINER)
    return written


def build_pod_spec(
    isvc: Mapping[str, Any],
    runtime_spec: Mapping[str, Any],
    runtime_annotations: Mapping[str, str] | None,
) -> dict[str, Any] | Invalid:
    """Port of `(*Predictor).buildPodSpec`; `predictor.model.runtime` must be resolved already.

    Containers: the merged kserve-container, then transformer-container (runtime and isvc
    merged when both have one), then the other runtime containers, then the other isvc ones.
    """
    meta, predictor = isvc.get("metadata") or {}, isvc["spec"]["predictor"]
    model = predictor["model"]
    runtime = str(model.get("runtime") or "")
    sr_containers = runtime_spec.get("containers") or []
    if not sr_containers:
        return Invalid("spec.predictor.model.runtime", ERR_NO_CONTAINER_FOUND)
    merged = merge_serving_runtime_and_inference_service_specs(
        sr_containers,
        model_container(model),
        c.INFERENCE_SERVICE_CONTAINER_NAME,
        runtime_spec,
        _pod_spec_fields(predictor),  # MergePodSpec reads it as a corev1.PodSpec
        "spec.predictor.model",
    )
    if isinstance(merged, Invalid):
        return merged
    _, container, pod_spec = merged
    templated = _placeholders(container, meta, runtime)
    if isinstance(templated, Invalid):
        return templated
    version = model.get("runtimeVersion")
    containers = [update_image_tag(templated, version, runtime, runtime_annotations)]
    isvc_containers = predictor.get("containers") or []
    in_sr = get_container_index_by_name(sr_containers, c.TRANSFORMER_CONTAINER_NAME)
    in_isvc = get_container_index_by_name(isvc_containers, c.TRANSFORMER_CONTAINER_NAME)
    transformer: Mapping[str, Any] | None = None
    if in_sr != -1 and in_isvc != -1:
        try:
            transformer = merge_runtime_containers(sr_containers[in_sr], isvc_containers[in_isvc])
        except MergeError as err:
            return Invalid("spec.predictor.containers", str(err))
    elif in_sr != -1 or in_isvc != -1:
        transformer = sr_containers[in_sr] if in_sr != -1 else isvc_containers[in_isvc]
    if transformer is not None:
        templated = _placeholders(transformer, meta, runtime)
        if isinstance(templated, Invalid):
            return templated
        containers.append(templated)
    skip = (c.INFERENCE_SERVICE_CONTAINER_NAME, c.TRANSFORMER_CONTAINER_NAME)
    containers += [copy_data(dict(x)) for x in sr_containers if x.get("name") not in skip]
    containers += [copy_data(dict(x)) for x in isvc_containers if x.get("name") != skip[1]]
    pod_spec["containers"] = containers
    return pod_spec


def _placeholders(
    container: Mapping[str, Any], meta: Mapping[str, Any], runtime: str
) -> dict[str, Any] | Invalid:
    try:
        return replace_placeholders(container, meta)
    except (GoTemplateError, MergeError) as err:
        wrap = ERR_INVALID_PLACEHOLDER.format(runtime, container.get("name", ""))
        return Invalid("spec.predictor.model", f"{wrap}: {err}")
