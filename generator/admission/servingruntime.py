"""The ServingRuntime / ClusterServingRuntime validating webhook of KServe v0.20.0.

Ports `pkg/webhook/admission/servingruntime/servingruntime_webhook.go` (both validators'
`Handle`, `areSupportedModelFormatsEqual`, `validateModelFormatPrioritySame`,
`validateServingRuntimePriority`, `validateMultiNodeSpec`, `validateBlockedEnvVars`) with the
helpers it calls: `pkg/validation/env_policy.go: ValidateBlockedEnvVars` and `pkg/utils/utils.go:
HasUnknownGpuResourceType`, `UpdateGPUResourceTypeListByAnnotation`, `IsValidCustomGPUArray`.
The `validate_*` helpers return KServe's error text or None; `validate_serving_runtime` returns
the webhook's denial as a one-element list, as KServe denies with its first failed rule.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator import constants as c
from generator.errors import Invalid
from generator.goruntime.strconv import quote as _go_quote
from generator.utils import env_policy
from generator.utils.utils import has_unknown_gpu_resource_type

INVALID_PRIORITY_ERROR = "same priority assigned for the model format {}"
INVALID_PRIORITY_SERVING_RUNTIME_ERROR = "{} in the servingruntimes {} and {} in namespace {}"
INVALID_PRIORITY_CLUSTER_SERVING_RUNTIME_ERROR = "{} in the clusterservingruntimes {} and {}"
PRORITY_IS_NOT_SAME_ERROR = "different priorities assigned for the model format {}"
PRORITY_IS_NOT_SAME_SERVING_RUNTIME_ERROR = "{} under the servingruntime {}"
PRORITY_IS_NOT_SAME_CLUSTER_SERVING_RUNTIME_ERROR = "{} under the clusterservingruntime {}"
INVALID_UNKNOWN_GPU_TYPE_ERROR = "unknown GPU resource type in a container({})"
INVALID_WORKER_SPEC_PIPELINE_PARALLEL_SIZE_VALUE_ERROR = (
    "the WorkerSpec.PipelineParallelSize cannot be less than 1({})"
)
INVALID_WORKER_SPEC_TENSOR_PARALLEL_SIZE_VALUE_ERROR = (
    "the WorkerSpec.TensorParallelSize cannot be less than 1({})"
)
INVALID_MULTI_NODE_SPEC_ERROR = "the {} {} is invalid: {}"
DISALLOWED_MULTIPLE_CONTAINERS_IN_WORKER_SPEC_ERROR = (
    "setting multiple containers in workerSpec is not allowed"
)
DISALLOWED_REMOVING_WORKER_SPEC_FROM_SERVING_RUNTIME_ERROR = (
    "removing workerSpec where it already exists is not allowed"
)
DISALLOWED_WORKER_SPEC_PIPELINE_PARALLEL_SIZE_ENV_ERROR = (
    "setting PIPELINE_PARALLEL_SIZE in environment variables is not allowed"
)
DISALLOWED_WORKER_SPEC_TENSOR_PARALLEL_SIZE_ENV_ERROR = (
    "setting TENSOR_PARALLEL_SIZE in environment variables is not allowed"
)
_CLUSTER_KIND = "ClusterServingRuntime"


def _auto_select(entry: Mapping[str, Any]) -> bool:
    return entry.get("autoSelect") is True


def _formats(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list(spec.get("supportedModelFormats") or [])


def are_supported_model_formats_equal(m1: Mapping[str, Any], m2: Mapping[str, Any]) -> bool:
    """Port of `areSupportedModelFormatsEqual`: names equal ignoring case, versions equal."""
    return str(m1.get("name", "")).lower() == str(m2.get("name", "")).lower() and (
        m1.get("version") == m2.get("version")
    )


def validate_model_format_priority_same(spec: Mapping[str, Any]) -> str | None:
    """Port of `validateModelFormatPrioritySame`: one priority per autoSelect format name."""
    seen: dict[str, Any] = {}
    for entry in _formats(spec):
        if not _auto_select(entry):
            continue
        name = entry.get("name", "")
        if name not in seen:
            seen[name] = entry.get("priority")
        elif None not in (seen[name], entry.get("priority")) and seen[name] != entry["priority"]:
            return PRORITY_IS_NOT_SAME_ERROR.format(name)
    return None


def validate_serving_runtime_priority(
    new_spec: Mapping[str, Any], existing_spec: Mapping[str, Any], new_name: str, existing_name: str
) -> str | None:
    """Port of `validateServingRuntimePriority`: two runtimes sharing a protocol must not give
    the same autoSelect format (name and version) the same priority."""
    if (
        (new_spec.get("multiModel") is True) != (existing_spec.get("multiModel") is True)
        or existing_spec.get("disabled") is True
        or new_name == existing_name
    ):
        return None
    new_protocols = new_spec.get("protocolVersions") or []
    if not any(p in new_protocols for p in existing_spec.get("protocolVersions") or []):
        return None
    for existing in _formats(existing_spec):
        for new in _formats(new_spec):
            if not (_auto_select(existing) and _auto_select(new)):
                continue
            if not are_supported_model_formats_equal(existing, new):
                continue
            priorities = (existing.get("priority"), new.get("priority"))
            if None not in priorities and priorities[0] == priorities[1]:
                return INVALID_PRIORITY_ERROR.format(new.get("name", ""))
    return None


def _worker_containers(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    return list((spec.get("workerSpec") or {}).get("containers") or [])


def validate_multi_node_spec(
    new_spec: Mapping[str, Any],
    existing_spec: Mapping[str, Any],
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> str | None:
    """Port of `validateMultiNodeSpec`."""
    worker = new_spec.get("workerSpec")
    if existing_spec.get("workerSpec") is not None and worker is None:
        return DISALLOWED_REMOVING_WORKER_SPEC_FROM_SERVING_RUNTIME_ERROR
    if worker is None:
        return None
    workers = _worker_containers(new_spec)
    if len(workers) > 1:
        return DISALLOWED_MULTIPLE_CONTAINERS_IN_WORKER_SPEC_ERROR
    annotations = new_spec.get("annotations") or {}
    for container in new_spec.get("containers") or []:
        if container.get("name") != c.INFERENCE_SERVICE_CONTAINER_NAME:
            continue
        env_names = {e.get("name") for e in container.get("env") or []}
        if c.PIPELINE_PARALLEL_SIZE_ENV_NAME in env_names:
            return DISALLOWED_WORKER_SPEC_PIPELINE_PARALLEL_SIZE_ENV_ERROR
        if c.TENSOR_PARALLEL_SIZE_ENV_NAME in env_names:
            return DISALLOWED_WORKER_SPEC_TENSOR_PARALLEL_SIZE_ENV_ERROR
        unknown = has_unknown_gpu_resource_type(
            container.get("resources") or {}, annotations, gpu_resource_types
        )
        if unknown:
            return (
                unknown
                if isinstance(unknown, str)
                else INVALID_UNKNOWN_GPU_TYPE_ERROR.format(c.INFERENCE_SERVICE_CONTAINER_NAME)
            )
    if not workers:
        # GitOps: KServe indexes workerSpec.containers[0] here and the webhook panics; the
        # message of ServingRuntimeSpec.ValidateCreate is reported instead.
        return "spec.workerSpec.containers: Required value"
    if workers[0].get("name") == c.WORKER_CONTAINER_NAME:
        unknown = has_unknown_gpu_resource_type(
            workers[0].get("resources") or {}, annotations, gpu_resource_types
        )
        if unknown:
            return (
                unknown
                if isinstance(unknown, str)
                else INVALID_UNKNOWN_GPU_TYPE_ERROR.format(c.WORKER_CONTAINER_NAME)
            )
    for key, message in (
        ("pipelineParallelSize", INVALID_WORKER_SPEC_PIPELINE_PARALLEL_SIZE_VALUE_ERROR),
        ("tensorParallelSize", INVALID_WORKER_SPEC_TENSOR_PARALLEL_SIZE_VALUE_ERROR),
    ):
        size = worker.get(key)
        if size is not None and int(size) < 1:  # both defaults are 1
            return message.format(int(size))
    return None


def validate_blocked_env_vars(
    spec: Mapping[str, Any], blocked: Sequence[str] = c.DEFAULT_BLOCKED_ENV_VARS
) -> str | None:
    """Port of the ServingRuntime webhook's `validateBlockedEnvVars` (containers, then workers)."""
    containers = [*(spec.get("containers") or []), *_worker_containers(spec)]
    found = env_policy.validate_blocked_env_vars(containers, blocked)
    return None if found is None else found[2]


def validate_serving_runtime(
    rt: Mapping[str, Any],
    others: Sequence[Mapping[str, Any]],
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> list[Invalid]:
    """Port of the two validators' `Handle`: `others` are the runtimes KServe would list.

    `others` may hold any runtimes: those of the same kind (and namespace, for ServingRuntimes)
    are compared (`rt` itself is skipped). Another object with `rt`'s name stands for the
    stored version being updated.
    """
    kind = str(rt.get("kind", ""))
    meta, spec = rt.get("metadata") or {}, rt.get("spec") or {}
    name, namespace = str(meta.get("name", "")), str(meta.get("namespace", ""))
    if spec.get("disabled") is True:
        return []
    # GitOps: the API server lists runtimes by name; every runtime in git is checked against
    # all the others, so both runtimes of a conflicting pair are reported, where KServe denies
    # whichever is applied second.
    existing = sorted(
        (o for o in others if o is not rt and _same_scope(rt, o)),
        key=lambda o: str(o["metadata"]["name"]),
    )
    cluster = kind == _CLUSTER_KIND
    existing_spec: Mapping[str, Any] = {}
    for other in existing:
        other_name, other_spec = str(other["metadata"]["name"]), other.get("spec") or {}
        error = validate_model_format_priority_same(spec)
        if error:
            template = PRORITY_IS_NOT_SAME_SERVING_RUNTIME_ERROR
            if cluster:
                template = PRORITY_IS_NOT_SAME_CLUSTER_SERVING_RUNTIME_ERROR
            return [Invalid("spec.supportedModelFormats", template.format(error, name))]
        error = validate_serving_runtime_priority(spec, other_spec, name, other_name)
        if error:
            message = (
                INVALID_PRIORITY_CLUSTER_SERVING_RUNTIME_ERROR.format(error, other_name, name)
                if cluster
                else INVALID_PRIORITY_SERVING_RUNTIME_ERROR.format(
                    error, other_name, name, namespace
                )
            )
            return [Invalid("spec.supportedModelFormats", message)]
        if other_name == name:
            existing_spec = other_spec
    error = validate_multi_node_spec(spec, existing_spec, gpu_resource_types)
    if error:
        return [Invalid("spec.workerSpec", INVALID_MULTI_NODE_SPEC_ERROR.format(kind, name, error))]
    error = validate_blocked_env_vars(spec)
    if error:
        return [Invalid("spec.containers", f"the {kind} {_go_quote(name)} is invalid: {error}")]
    return []


def _same_scope(rt: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    if other.get("kind") != rt.get("kind") or not (other.get("metadata") or {}).get("name"):
        return False
    if rt.get("kind") == _CLUSTER_KIND:
        return True
    namespace = (rt.get("metadata") or {}).get("namespace")
    return bool(other["metadata"].get("namespace") == namespace)
