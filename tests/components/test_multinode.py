"""Ported from KServe v0.20.0 `components/predictor_test.go` (`TestComputeMpNodeAndGPUs`) and the
workerSpec context of `rawkube_controller_test.go`.

The controller scenarios ("When creating inference service with raw kube predictor with
workerSpec") run `reconcile_worker` on the test's `huggingface-server-multinode` runtime and a
head pod spec as the predictor builds it (runtime container merged with the isvc's), then
`create_raw_deployment`, and assert the env, GPU resources and worker replicas the Go test
checks. Ids are the Go `It` texts.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator import constants as c
from generator.components.multinode import (
    ERR_RAY_CLUSTER_INSUFFICIENT_GPUS,
    WorkerResult,
    compute_mp_node_and_gpus,
    compute_ray_node_and_gpus,
    isvc_generation,
    reconcile_worker,
)
from generator.errors import Invalid
from generator.reconcilers.deployment import create_raw_deployment
from generator.render import Renderer

RENDERER = Renderer()
NVIDIA, INTEL = c.NVIDIA_GPU_RESOURCE_TYPE, c.INTEL_GPU_RESOURCE_TYPE
DEFAULT_RESOURCES = {
    "limits": {"cpu": "1", "memory": "2Gi"},
    "requests": {"cpu": "1", "memory": "2Gi"},
}
STORAGE_URI = "pvc://llama-3-8b-pvc/hf/8b_instruction_tuned"

MP_CASES = {
    "PP=2, TP=2: 2 nodes, 2 GPUs per node": (2, 2, (2, 2, 2)),
    "PP=4, TP=8: 4 nodes, 8 GPUs per node": (4, 8, (4, 8, 8)),
    "PP=1, TP=4: 1 node, 4 GPUs": (1, 4, (1, 4, 4)),
    "PP=2, TP=1: 2 nodes, 1 GPU per node": (2, 1, (2, 1, 1)),
}


@pytest.mark.parametrize(("pp", "tp", "expected"), MP_CASES.values(), ids=MP_CASES)
def test_compute_mp_node_and_gpus(pp: int, tp: int, expected: tuple[int, int, int]) -> None:
    assert compute_mp_node_and_gpus(pp, tp) == expected


RUNTIME = {
    "supportedModelFormats": [{"name": "huggingface", "version": "2", "autoSelect": True}],
    "containers": [
        {
            "name": c.INFERENCE_SERVICE_CONTAINER_NAME,
            "image": "kserve/huggingfaceserver:latest-gpu",
            "command": ["bash", "-c", "python3 -m huggingfaceserver ..."],
            "args": ["--model_name={{.Name}}"],
            "resources": DEFAULT_RESOURCES,
        }
    ],
    "workerSpec": {
        "pipelineParallelSize": 2,
        "tensorParallelSize": 1,
        "containers": [
            {
                "name": c.WORKER_CONTAINER_NAME,
                "image": "kserve/huggingfaceserver:latest-gpu",
                "command": ["bash", "-c", "ray start --address=$RAY_HEAD_ADDRESS --block"],
                "resources": DEFAULT_RESOURCES,
            }
        ],
    },
    "disabled": False,
}


def gpu(name: str, count: str) -> dict[str, Any]:
    return {"limits": {name: count}, "requests": {name: count}}


def with_resources(base: dict[str, Any], extra: dict[str, Any] | None) -> dict[str, Any]:
    """Resources after the strategic merge of the isvc container onto the runtime's."""
    if extra is None:
        return copy.deepcopy(base)
    return {key: {**base[key], **extra[key]} for key in ("limits", "requests")}


def scenario(
    worker_spec: dict[str, Any], head_gpu: dict[str, Any] | None = None
) -> tuple[dict[str, Any], dict[str, Any], dict[str, str]]:
    """(isvc, head pod spec, predictor annotations) for one controller scenario."""
    isvc = {
        "metadata": {"name": "raw-hf", "namespace": "kserve"},
        "spec": {
            "predictor": {
                "model": {"modelFormat": {"name": "huggingface"}, "storageUri": STORAGE_URI},
                "workerSpec": worker_spec,
            }
        },
    }
    head = {
        "containers": [
            {
                **copy.deepcopy(RUNTIME["containers"][0]),
                "resources": with_resources(DEFAULT_RESOURCES, head_gpu),
            }
        ]
    }
    annotations = {
        c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY: STORAGE_URI,
        c.DEPLOYMENT_MODE: "Standard",
        c.AUTOSCALER_CLASS: c.AUTOSCALER_CLASS_NONE,
    }
    return isvc, head, annotations


def worker_container(resources: dict[str, Any]) -> dict[str, Any]:
    return {"containers": [{"resources": resources}]}


CONTROLLER_CASES = {
    "Should have services/deployments for head/worker without an autoscaler when workerSpec is set "
    "in isvc": (scenario({}), ("2", "1", "2"), ("1", "1", NVIDIA, NVIDIA), 1),
    "Should use WorkerSpec.PipelineParallelSize value in isvc when it is set": (
        scenario({"pipelineParallelSize": 5}), ("5", "1", "5"), ("1", "1", NVIDIA, NVIDIA), 4,
    ),
    "Should use WorkerSpec.TensorParallelSize value in isvc when it is set": (
        scenario({"tensorParallelSize": 16}), ("2", "16", "32"), ("1", "1", NVIDIA, NVIDIA), 31,
    ),
    "Should use head container GPU resource value in isvc when it is set": (
        scenario({"tensorParallelSize": 4}, gpu(INTEL, "2")),
        ("2", "4", "7"), ("2", "1", INTEL, NVIDIA), 6,
    ),
    "Should use worker container GPU resource value in isvc when it is set": (
        scenario({"tensorParallelSize": 4, **worker_container(gpu(INTEL, "2"))}),
        ("2", "4", "4"), ("2", "2", NVIDIA, INTEL), 3,
    ),
    "Should run head node only, worker node replicas should be set 0 when head node gpu count is "
    "equal to total required gpu": (
        scenario({"tensorParallelSize": 4, **worker_container(gpu(INTEL, "2"))}, gpu(INTEL, "8")),
        ("2", "4", "1"), ("8", "0", INTEL, INTEL), 0,
    ),
    "Should run head node only, worker node replicas should be set 0 when worker node gpu count is "
    "equal to total required gpu": (
        scenario({"tensorParallelSize": 4, **worker_container(gpu(INTEL, "8"))}, gpu(INTEL, "2")),
        ("2", "4", "1"), ("8", "0", INTEL, INTEL), 0,
    ),
    "Should deploy even if it assigns more GPUs than the total required GPU resource count.": (
        scenario({"tensorParallelSize": 16, **worker_container(gpu(INTEL, "3"))}, gpu(INTEL, "4")),
        ("2", "16", "11"), ("4", "3", INTEL, INTEL), 10,
    ),
}  # fmt: skip


def env(pod_spec: dict[str, Any], name: str) -> str | None:
    for item in pod_spec["containers"][0].get("env") or []:
        if item["name"] == name:
            return str(item.get("value", ""))
    return None


@pytest.mark.parametrize(
    ("inputs", "sizes", "gpus", "replicas"), CONTROLLER_CASES.values(), ids=CONTROLLER_CASES
)
def test_raw_kube_predictor_with_worker_spec(
    inputs: tuple[dict[str, Any], dict[str, Any], dict[str, str]],
    sizes: tuple[str, str, str],
    gpus: tuple[str, str, str, str],
    replicas: int,
) -> None:
    isvc, head_spec, annotations = inputs
    result = reconcile_worker(RUNTIME, isvc, head_spec, annotations, {}, "1")
    assert isinstance(result, WorkerResult)
    pipeline, tensor, nodes = sizes
    assert env(result.pod_spec, c.PIPELINE_PARALLEL_SIZE_ENV_NAME) == pipeline
    assert env(result.pod_spec, c.TENSOR_PARALLEL_SIZE_ENV_NAME) == tensor
    assert env(result.pod_spec, c.RAY_NODE_COUNT_ENV_NAME) == nodes
    assert env(result.worker_pod_spec, c.RAY_NODE_COUNT_ENV_NAME) == nodes
    meta = {
        "name": "raw-hf-predictor",
        "namespace": "kserve",
        "labels": {c.INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY: "1"},
        "annotations": annotations,
    }
    deployments = create_raw_deployment(
        meta, result.worker_meta, {}, result.pod_spec, result.worker_pod_spec, None, RENDERER
    )
    assert not isinstance(deployments, Invalid)
    head_gpus, worker_gpus, head_type, worker_type = gpus
    for deployment, count, name in (
        (deployments[0], head_gpus, head_type),
        (deployments[1], worker_gpus, worker_type),
    ):
        resources = deployment["spec"]["template"]["spec"]["containers"][0]["resources"]
        assert resources["limits"][name] == count
        assert resources["requests"][name] == count
    assert deployments[1]["spec"]["replicas"] == replicas


def test_insufficient_gpus_is_an_error() -> None:
    """ "Should return error if total required gpu count is less than what it should be assigned
    with head/worker"."""
    isvc, head_spec, annotations = scenario(
        {"pipelineParallelSize": 1, "tensorParallelSize": 7, **worker_container(gpu(INTEL, "4"))},
        gpu(INTEL, "2"),
    )
    got = reconcile_worker(RUNTIME, isvc, head_spec, annotations, {}, "1")
    assert got == Invalid(
        "spec.predictor.workerSpec", ERR_RAY_CLUSTER_INSUFFICIENT_GPUS.format(7, 2, 4)
    )


# --- beyond the Go tests --------------------------------------------------------------------


def test_worker_meta_and_env() -> None:
    isvc, head_spec, annotations = scenario({})
    isvc["metadata"]["labels"] = {"team": "a"}
    isvc["spec"]["predictor"]["labels"] = {"team": "b"}
    runtime = copy.deepcopy(RUNTIME)
    runtime["workerSpec"]["labels"] = {"from-runtime": "x", "team": "r"}
    runtime["workerSpec"]["annotations"] = {"runtime-note": "y"}
    result = reconcile_worker(runtime, isvc, head_spec, annotations, {"pred": "z"}, "3")
    assert isinstance(result, WorkerResult)
    assert result.worker_meta == {
        "name": "raw-hf-predictor-worker",
        "namespace": "kserve",
        "labels": {
            "from-runtime": "x",
            "team": "b",
            c.INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY: "3",
            c.INFERENCE_SERVICE_POD_LABEL_KEY: "raw-hf",
            c.KSERVICE_COMPONENT_LABEL: "predictor",
        },
        "annotations": {"runtime-note": "y", **annotations, "pred": "z"},
    }
    assert result.pod_spec["containers"][0]["env"] == [
        {"name": "PIPELINE_PARALLEL_SIZE", "value": "2"},
        {"name": "TENSOR_PARALLEL_SIZE", "value": "1"},
        {"name": "RAY_NODE_COUNT", "value": "2"},
        {"name": "REQUEST_GPU_COUNT", "value": "1"},
        {"name": "MODEL_NAME", "value": "raw-hf"},
        {"name": "MODEL_DIR", "value": "/mnt/models"},  # pvc:// storage
    ]
    assert result.worker_pod_spec["containers"][0]["env"] == [
        {"name": "RAY_NODE_COUNT", "value": "2"},
        {"name": "REQUEST_GPU_COUNT", "value": "1"},
        {"name": "PIPELINE_PARALLEL_SIZE", "value": "2"},
        {"name": "TENSOR_PARALLEL_SIZE", "value": "1"},
        {"name": "ISVC_NAME", "value": "raw-hf"},
        {"name": "HEAD_SVC", "value": "raw-hf-head-3"},
        {"name": "WORKER_SVC", "value": "raw-hf-workers-3"},
    ]
    assert [x["name"] for x in result.worker_pod_spec["containers"]] == ["worker-container"]
    assert "env" not in head_spec["containers"][0]  # the input is not touched


def test_mp_backend_uses_pipeline_and_tensor_sizes() -> None:
    isvc, head_spec, annotations = scenario({"pipelineParallelSize": 3, "tensorParallelSize": 4})
    backend = {c.MULTI_NODE_EXECUTOR_BACKEND_ANNOTATION_KEY: c.MULTI_NODE_EXECUTOR_BACKEND_MP}
    runtime = {**RUNTIME, "annotations": backend}
    result = reconcile_worker(runtime, isvc, head_spec, annotations, {}, "1")
    assert isinstance(result, WorkerResult)
    assert env(result.pod_spec, c.RAY_NODE_COUNT_ENV_NAME) == "3"
    assert env(result.pod_spec, c.REQUEST_GPU_COUNT_ENV_NAME) == "4"
    assert env(result.worker_pod_spec, c.REQUEST_GPU_COUNT_ENV_NAME) == "4"


@pytest.mark.parametrize(
    ("runtime", "message"),
    [
        ({**RUNTIME, "workerSpec": None}, "you cannot set WorkerSpec in the InferenceService if "
         "the ServingRuntime does not have a WorkerSpec"),
        ({**RUNTIME, "workerSpec": {"pipelineParallelSize": 2}},
         "No workerSpec container configuration found in selected serving runtime"),
    ],
    ids=["runtime without workerSpec", "runtime workerSpec without containers"],
)  # fmt: skip
def test_runtime_errors(runtime: dict[str, Any], message: str) -> None:
    isvc, head_spec, annotations = scenario({})
    assert reconcile_worker(runtime, isvc, head_spec, annotations, {}, "1") == Invalid(
        "spec.predictor.workerSpec", message
    )


@pytest.mark.parametrize(
    ("head", "worker", "total", "expected"),
    [(0, 0, 4, (4, 1, 1)), (0, 2, 4, (2, 2, 2)), (4, 2, 4, (1, 0, 4)), (1, 0, 3, (3, 1, 1))],
)
def test_compute_ray_node_and_gpus(
    head: int, worker: int, total: int, expected: tuple[int, int, int]
) -> None:
    def pod(count: int) -> dict[str, Any]:
        resources = {"requests": {NVIDIA: str(count)}} if count else {}
        return {"containers": [{"resources": resources}]}

    assert compute_ray_node_and_gpus(pod(worker), total, pod(head)) == expected


def test_isvc_generation_defaults_to_one() -> None:
    assert isvc_generation({"metadata": {}}) == "1"
    assert isvc_generation({"metadata": {"generation": 4}}) == "4"
