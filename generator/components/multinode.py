"""Multi-node (head + workers) predictors: port of `components/predictor.go`'s worker functions.

Ports `reconcileWorker`, `multiNodeProcess`, `computeRayNodeAndGPUs` and `computeMpNodeAndGPUs`
(KServe v0.20.0) as pure functions over dicts: the ServingRuntime spec, the admitted
InferenceService and the head pod spec go in; the worker ObjectMeta, the worker pod spec and the
head pod spec with its new environment come out. Errors come back as `Invalid` with KServe's
messages. The caller adds `isvc.generation: <generation>` to the head's labels, as
`Predictor.Reconcile` does after `reconcileWorker`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator import constants as c
from generator.config.quantity import QuantityError, parse_quantity
from generator.errors import Invalid
from generator.merge import (
    POD_SPEC_FIELDS,
    MergeError,
    add_env_var_to_pod_spec,
    merge_serving_runtime_and_inference_service_specs,
)

FIELD = "spec.predictor.workerSpec"
ERR_RAY_CLUSTER_INSUFFICIENT_GPUS = (
    "the total required number of GPUs({}) is less than the number of GPUs assigned to the head "
    "node({}) + worker node({})"
)
ERR_WORKER_SPEC_NOT_SET = (
    "you cannot set WorkerSpec in the InferenceService if the ServingRuntime does not have a "
    "WorkerSpec"
)
ERR_NO_WORKER_CONTAINER = "No workerSpec container configuration found in selected serving runtime"
MODEL_DIR_PROTOCOLS = ("pvc", "oci")


@dataclass(frozen=True, slots=True)
class WorkerResult:
    """What `reconcileWorker` yields: worker meta and pod spec, and the updated head pod spec."""

    worker_meta: dict[str, Any]
    worker_pod_spec: dict[str, Any]
    pod_spec: dict[str, Any]


def isvc_generation(isvc: Mapping[str, Any]) -> str:
    """`strconv.FormatInt(isvc.Generation, 10)`.

    GitOps: a manifest has no generation; the API server gives a new object generation 1.
    """
    generation = (isvc.get("metadata") or {}).get("generation")
    return str(generation) if generation is not None else "1"


def compute_mp_node_and_gpus(
    pipeline_parallel_size: int, tensor_parallel_size: int
) -> tuple[int, int, int]:
    """Port of `computeMpNodeAndGPUs`: (nodes, worker GPUs, head GPUs) = (PP, TP, TP)."""
    return pipeline_parallel_size, tensor_parallel_size, tensor_parallel_size


def _request_gpus(pod_spec: Mapping[str, Any], gpu_resource_types: Sequence[str]) -> int:
    """`GetGPUResourceQtyByType(&Containers[0].Resources, "Request")` as an int (`Value()`)."""
    containers = pod_spec.get("containers") or [{}]
    requests = (containers[0].get("resources") or {}).get("requests") or {}
    # unconfirmed: Go ranges over the requests map (random order); with several GPU types
    # requested the first in the manifest's order counts here.
    for name, quantity in requests.items():
        if name in gpu_resource_types:
            try:
                return math.ceil(parse_quantity(str(quantity)).value)
            except QuantityError:
                return 0
    return 0


def _ray_nodes(total: int, per_node: int) -> int:
    return 1 if per_node == 0 else math.ceil(total / per_node)


def compute_ray_node_and_gpus(
    worker_pod_spec: Mapping[str, Any],
    total_request_gpu_count: int,
    pod_spec: Mapping[str, Any],
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> tuple[int, int, int] | Invalid:
    """Port of `computeRayNodeAndGPUs`: (nodes, worker GPUs, head GPUs) for the ray backend."""
    total = total_request_gpu_count
    head = _request_gpus(pod_spec, gpu_resource_types)
    worker = _request_gpus(worker_pod_spec, gpu_resource_types)

    def checked(nodes: int, head: int, worker: int) -> tuple[int, int, int] | Invalid:
        if total > head + worker * (nodes - 1):
            message = ERR_RAY_CLUSTER_INSUFFICIENT_GPUS.format(total, head, worker * (nodes - 1))
            return Invalid(FIELD, message)
        return nodes, worker, head

    if worker > 0:  # worker GPUs set (head GPUs maybe)
        nodes = _ray_nodes(total, worker)
        if head > 0:
            if _ray_nodes(total, head) == 1:
                nodes = 1
        else:
            head = total - worker * (nodes - 1)
        if nodes == 1:  # the head alone covers the request
            worker, head = 0, total
        return checked(nodes, head, worker)
    if head > 0:  # only head GPUs set: single-GPU workers for the rest
        nodes, worker = 1, 1
        if total - head > 0:
            nodes = _ray_nodes(total - head, worker) + 1
        return checked(nodes, head, worker)
    return total, 1, 1


def _parallel_sizes(
    runtime_worker: Mapping[str, Any], isvc_worker: Mapping[str, Any]
) -> tuple[int, int]:
    """(pipelineParallelSize, tensorParallelSize): the isvc's, else the runtime's, else 1."""
    sizes = []
    for key, default in (
        ("pipelineParallelSize", c.DEFAULT_PIPELINE_PARALLEL_SIZE),
        ("tensorParallelSize", c.DEFAULT_TENSOR_PARALLEL_SIZE),
    ):
        value = isvc_worker.get(key)
        if value is None:
            value = runtime_worker.get(key)
        sizes.append(int(default if value is None else value))
    return sizes[0], sizes[1]


def _add_envs(
    pod_spec: dict[str, Any], container: str, envs: Sequence[tuple[str, str, str]]
) -> dict[str, Any] | Invalid:
    """`AddEnvVarToPodSpec` for each (name, value, where-for-the-error) in order."""
    for name, value, where in envs:
        try:
            pod_spec = add_env_var_to_pod_spec(pod_spec, container, name, value)
        except MergeError as err:
            message = f"failed to add {name} environment to the container({where}): {err}"
            return Invalid(FIELD, message)
    return pod_spec


def multi_node_process(
    runtime_spec: Mapping[str, Any],
    isvc: Mapping[str, Any],
    pod_spec: Mapping[str, Any],
    annotations: Mapping[str, str],
    generation: str,
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> tuple[dict[str, Any], dict[str, Any]] | Invalid:
    """Port of `multiNodeProcess`: (worker pod spec, head pod spec with the multi-node env)."""
    predictor = isvc["spec"]["predictor"]
    isvc_worker = predictor.get("workerSpec") or {}
    runtime_worker = runtime_spec.get("workerSpec")
    # unconfirmed: Go reads the runtime's workerSpec before this nil check and would panic.
    if runtime_worker is None:
        return Invalid(FIELD, ERR_WORKER_SPEC_NOT_SET)
    pipeline, tensor = _parallel_sizes(runtime_worker, isvc_worker)
    if not runtime_worker.get("containers"):
        return Invalid(FIELD, ERR_NO_WORKER_CONTAINER)
    isvc_containers = isvc_worker.get("containers") or [{}]
    isvc_pod = {k: v for k, v in isvc_worker.items() if k in POD_SPEC_FIELDS}
    merged = merge_serving_runtime_and_inference_service_specs(
        runtime_worker["containers"], isvc_containers[0], c.WORKER_CONTAINER_NAME,
        runtime_worker, isvc_pod, FIELD,
    )  # fmt: skip
    if isinstance(merged, Invalid):
        return merged
    _, worker_container, worker_pod_spec = merged
    worker_pod_spec["containers"] = [worker_container]

    executor = (runtime_spec.get("annotations") or {}).get(
        c.MULTI_NODE_EXECUTOR_BACKEND_ANNOTATION_KEY
    )
    if executor == c.MULTI_NODE_EXECUTOR_BACKEND_MP:
        nodes, worker_gpus, head_gpus = compute_mp_node_and_gpus(pipeline, tensor)
    else:
        found = compute_ray_node_and_gpus(
            worker_pod_spec, tensor * pipeline, pod_spec, gpu_resource_types
        )
        if isinstance(found, Invalid):
            return found
        nodes, worker_gpus, head_gpus = found

    name = str(isvc["metadata"]["name"])
    head = c.INFERENCE_SERVICE_CONTAINER_NAME
    head_envs = [
        (c.PIPELINE_PARALLEL_SIZE_ENV_NAME, str(pipeline), head),
        (c.TENSOR_PARALLEL_SIZE_ENV_NAME, str(tensor), head),
        (c.RAY_NODE_COUNT_ENV_NAME, str(nodes), head),
        (c.REQUEST_GPU_COUNT_ENV_NAME, str(head_gpus), head),
        ("MODEL_NAME", name, head),
    ]
    source = annotations.get(c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY, "")
    if source.split("://")[0] in MODEL_DIR_PROTOCOLS:
        # KServe's error message names the mount path where the container name belongs.
        mount = c.DEFAULT_MODEL_LOCAL_MOUNT_PATH
        head_envs.append(("MODEL_DIR", mount, mount))
    head_spec = _add_envs(dict(pod_spec), head, head_envs)
    if isinstance(head_spec, Invalid):
        return head_spec
    predictor_service = c.predictor_service_name(name, predictor.get("name") or "")
    worker = c.WORKER_CONTAINER_NAME
    worker_spec = _add_envs(worker_pod_spec, worker, [
        (c.RAY_NODE_COUNT_ENV_NAME, str(nodes), worker),
        (c.REQUEST_GPU_COUNT_ENV_NAME, str(worker_gpus), worker),
        (c.PIPELINE_PARALLEL_SIZE_ENV_NAME, str(pipeline), worker),
        (c.TENSOR_PARALLEL_SIZE_ENV_NAME, str(tensor), worker),
        ("ISVC_NAME", name, worker),
        ("HEAD_SVC", c.get_head_service_name(name, generation), worker),
        ("WORKER_SVC", c.get_worker_service_name(predictor_service, generation), worker),
    ])  # fmt: skip
    if isinstance(worker_spec, Invalid):
        return worker_spec
    return worker_spec, head_spec


def reconcile_worker(
    runtime_spec: Mapping[str, Any],
    isvc: Mapping[str, Any],
    pod_spec: Mapping[str, Any],
    annotations: Mapping[str, str],
    predictor_annotations: Mapping[str, str],
    generation: str,
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> WorkerResult | Invalid:
    """Port of `reconcileWorker`: the worker's ObjectMeta and pod spec, and the head pod spec.

    `annotations` are the isvc annotations the predictor carries (disallowed list applied,
    internal storage/logger/batcher annotations added); `predictor_annotations` the predictor's
    own, filtered the same way; `gpu_resource_types` KServe's global GPU type list.
    """
    runtime_worker = runtime_spec.get("workerSpec")
    if runtime_worker is None:
        return Invalid(FIELD, ERR_WORKER_SPEC_NOT_SET)
    processed = multi_node_process(
        runtime_spec, isvc, pod_spec, annotations, generation, gpu_resource_types
    )
    if isinstance(processed, Invalid):
        return processed
    worker_pod_spec, head_pod_spec = processed
    meta = isvc["metadata"]
    predictor = isvc["spec"]["predictor"]
    name = str(meta["name"])
    worker_meta = {
        "name": c.predictor_worker_service_name(name),
        "namespace": meta.get("namespace") or "",
        "labels": {
            **(runtime_worker.get("labels") or {}),
            **(meta.get("labels") or {}),
            **(predictor.get("labels") or {}),
            c.INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY: generation,
            c.INFERENCE_SERVICE_POD_LABEL_KEY: name,
            c.KSERVICE_COMPONENT_LABEL: c.PREDICTOR,
        },
        "annotations": {
            **(runtime_worker.get("annotations") or {}),
            **annotations,
            **predictor_annotations,
        },
    }
    return WorkerResult(worker_meta, worker_pod_spec, head_pod_spec)
