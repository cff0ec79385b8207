"""Ported from KServe v0.20.0 `pkg/webhook/admission/servingruntime/servingruntime_webhook_test.go`
(TestValidateServingRuntimePriority, TestValidateModelFormatPrioritySame,
TestValidateMultiNodeVariables, TestServingRuntimeValidator_Handle, TestValidateBlockedEnvVars)."""

from __future__ import annotations

from typing import Any

import pytest

from generator.admission.servingruntime import (
    validate_blocked_env_vars,
    validate_model_format_priority_same,
    validate_multi_node_spec,
    validate_serving_runtime,
    validate_serving_runtime_priority,
)
from generator.errors import Invalid

SAME = "same priority assigned for the model format sklearn"


def mf(name="sklearn", version: str | None = "1", auto: bool | None = True, prio: int | None = 1):
    optional = {"version": version, "autoSelect": auto, "priority": prio}
    return {"name": name} | {k: v for k, v in optional.items() if v is not None}


def sr_spec(*formats, multi=False, disabled=False, protocols=("v1", "v2"), **extra: Any):
    return {
        "supportedModelFormats": list(formats),
        "multiModel": multi,
        "disabled": disabled,
        "protocolVersions": list(protocols),
        "containers": [
            {
                "name": "kserve-container",
                "image": "kserve/sklearnserver:latest",
                "args": ["--model_name={{.Name}}", "--model_dir=/mnt/models", "--http_port=8080"],
            }
        ],
        **extra,
    }


N1, N2 = "example-runtime-1", "example-runtime-2"
PRIORITY = {
    "When both serving runtimes are not MMS it should return nil": (
        ("new-runtime", sr_spec(mf())),
        ("existing-runtime", sr_spec(mf(), multi=True)),
        None,
    ),
    "When priority is same for model format in multi model serving runtime it should return "
    "error": (
        ("new-runtime", sr_spec(mf(), multi=True)),
        ("existing-runtime", sr_spec(mf(), multi=True)),
        SAME,
    ),
    "When existing serving runtime is disabled it should return nil": (
        ("new-runtime", sr_spec(mf())),
        ("existing-runtime", sr_spec(mf(), disabled=True)),
        None,
    ),
    "When new serving runtime and existing runtime are same it should return nil": (
        ("example-runtime", sr_spec(mf())),
        ("example-runtime", sr_spec(mf())),
        None,
    ),
    "When model format is same and supported protocol version is different it should return nil": (
        (N1, sr_spec(mf(), protocols=["v1"])),
        (N2, sr_spec(mf(), protocols=["v2"])),
        None,
    ),
    "When model format is different it should return nil": (
        (N1, sr_spec(mf())),
        (N2, sr_spec(mf("lightgbm"))),
        None,
    ),
    "When autoselect is false in the new serving runtime it should return nil": (
        (N1, sr_spec(mf(auto=False))),
        (N2, sr_spec(mf())),
        None,
    ),
    "When autoselect is not specified in the new serving runtime it should return nil": (
        (N1, sr_spec(mf(auto=None))),
        (N2, sr_spec(mf())),
        None,
    ),
    "When autoselect is false in the existing serving runtime it should return nil": (
        (N1, sr_spec(mf())),
        (N2, sr_spec(mf(auto=False))),
        None,
    ),
    "When model version is nil in both serving runtime and priority is same it should return "
    "error": (
        (N1, sr_spec(mf(version=None))),
        (N2, sr_spec(mf(version=None))),
        SAME,
    ),
    "When model version is nil in both serving runtime and priority is not same then it should "
    "return nil": (
        (N1, sr_spec(mf(version=None, prio=2))),
        (N2, sr_spec(mf(version=None))),
        None,
    ),
    "When model version is nil in new serving runtime and priority is same then it should return "
    "nil": (
        (N1, sr_spec(mf(version=None))),
        (N2, sr_spec(mf())),
        None,
    ),
    "When model version is nil in existing serving runtime and priority is same then it should "
    "return nil": (
        (N1, sr_spec(mf())),
        (N2, sr_spec(mf(version=None))),
        None,
    ),
    "When model version is same in both serving runtime and priority is same it should return "
    "error": (
        (N1, sr_spec(mf())),
        (N2, sr_spec(mf())),
        SAME,
    ),
    "When model version is different but priority is same then it should return nil": (
        (N1, sr_spec(mf(version="1.3"))),
        (N2, sr_spec(mf(version="1.0"))),
        None,
    ),
    "When priority is nil in both serving runtime then it should return nil": (
        (N1, sr_spec(mf(prio=None))),
        (N2, sr_spec(mf(prio=None))),
        None,
    ),
    "When priority is nil in new serving runtime and priority is specified in existing serving "
    "runtime then it should return nil": (
        (N1, sr_spec(mf(prio=None))),
        (N2, sr_spec(mf())),
        None,
    ),
    "When priority is nil in existing serving runtime and priority is specified in new serving "
    "runtime then it should return nil": (
        (N1, sr_spec(mf())),
        (N2, sr_spec(mf(prio=None))),
        None,
    ),
}


@pytest.mark.parametrize(("new", "existing", "expected"), PRIORITY.values(), ids=PRIORITY.keys())
def test_validate_serving_runtime_priority(new, existing, expected):
    assert validate_serving_runtime_priority(new[1], existing[1], new[0], existing[0]) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (
            sr_spec(mf(version=None), mf(version=None, prio=2)),
            "different priorities assigned for the model format sklearn",
        ),
        (sr_spec(mf(version=None, prio=2), mf(version=None, prio=2)), None),
    ],
    ids=[
        "When different priority assigned for the same model format in the runtime it should "
        "return error",
        "When same priority assigned for the same model format in the runtime then it should "
        "return nil",
    ],
)
def test_validate_model_format_priority_same(spec, expected):
    assert validate_model_format_priority_same(spec) == expected


def mn_spec(env=None, **worker: Any) -> dict[str, Any]:
    kserve: dict[str, Any] = {
        "name": "kserve-container",
        "image": "kserve/huggingfaceserver:latest",
    }
    if env:
        kserve["env"] = env
    out: dict[str, Any] = {"containers": [kserve]}
    if worker.pop("with_worker", True):
        containers = worker.pop(
            "containers", [{"name": "worker-container", "command": ["bash", "-c"]}]
        )
        out["workerSpec"] = {**worker, "containers": containers}
    return out


MULTI_NODE = {
    "When pipeline-parallel-size set less than 1, it should return error": (
        mn_spec(pipelineParallelSize=0, tensorParallelSize=1),
        {},
        "the WorkerSpec.PipelineParallelSize cannot be less than 1(0)",
    ),
    "When tensor-parallel-size set less than 1, it should return error": (
        mn_spec(pipelineParallelSize=2, tensorParallelSize=0),
        {},
        "the WorkerSpec.TensorParallelSize cannot be less than 1(0)",
    ),
    "When pipeline-parallel-size set in the environment, it should return error": (
        mn_spec([{"name": "PIPELINE_PARALLEL_SIZE", "value": "test"}]),
        {},
        "setting PIPELINE_PARALLEL_SIZE in environment variables is not allowed",
    ),
    "When tensor-parallel-size set in the environment, it should return error": (
        mn_spec([{"name": "TENSOR_PARALLEL_SIZE", "value": "test"}]),
        {},
        "setting TENSOR_PARALLEL_SIZE in environment variables is not allowed",
    ),
    "when the existing workerSpec is removed from the servingRuntime, it should return error": (
        mn_spec(with_worker=False),
        mn_spec(),
        "removing workerSpec where it already exists is not allowed",
    ),
    "When multiple containers set in WorkerSpec, it should return error": (
        mn_spec([{"name": "TENSOR_PARALLEL_SIZE", "value": "test"}], containers=[{}, {}]),
        {},
        "setting multiple containers in workerSpec is not allowed",
    ),
}


@pytest.mark.parametrize(
    ("new", "existing", "expected"), MULTI_NODE.values(), ids=MULTI_NODE.keys()
)
def test_validate_multi_node_variables(new, existing, expected):
    assert validate_multi_node_spec(new, existing) == expected


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        (mn_spec(), None),
        (
            {
                "containers": [
                    {"name": "kserve-container", "resources": {"limits": {"example.com/fpga": "1"}}}
                ],
                "workerSpec": {"containers": [{"name": "worker-container"}]},
            },
            "unknown GPU resource type in a container(kserve-container)",
        ),
        (
            {
                "containers": [],
                "annotations": {"serving.kserve.io/gpu-resource-types": '["example.com/fpga"]'},
                "workerSpec": {
                    "containers": [
                        {
                            "name": "worker-container",
                            "resources": {
                                "limits": {"example.com/fpga": "1"},
                                "requests": {"cpu": "1"},
                            },
                        }
                    ]
                },
            },
            None,
        ),
        (
            {
                "annotations": {"serving.kserve.io/gpu-resource-types": "[]"},
                "containers": [{"name": "kserve-container"}],
                "workerSpec": {"containers": [{}]},
            },
            "invalid GPU format([]) for serving.kserve.io/gpu-resource-types annotation: must be "
            "a valid JSON array",
        ),
        (
            {"workerSpec": {"containers": []}},
            "spec.workerSpec.containers: Required value",
        ),
    ],
    ids=[
        "valid",
        "unknown GPU type",
        "custom GPU type from the annotation",
        "bad annotation",
        "no worker container",
    ],
)
def test_validate_multi_node_spec_gpu_types(spec, expected):
    assert validate_multi_node_spec(spec, {}) == expected


def obj(name, namespace, spec, kind="ServingRuntime") -> dict[str, Any]:
    meta = {"name": name} | ({"namespace": namespace} if namespace else {})
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": kind,
        "metadata": meta,
        "spec": spec,
    }


def onnx(prio: int, *more: dict[str, Any]) -> dict[str, Any]:
    return {
        "multiModel": True,
        "protocolVersions": ["v1"],
        "supportedModelFormats": [{"name": "onnx", "autoSelect": True, "priority": prio}, *more],
    }


HANDLE = {
    "allow when runtime is disabled": ([], obj("sr1", "ns1", {"disabled": True}), []),
    # Go's test names this case "deny" but only checks Allowed for "allow" cases: with no other
    # runtime in the namespace the webhook never runs validateModelFormatPrioritySame.
    "deny when model format priorities are not the same": (
        [],
        obj(
            "sr2",
            "ns2",
            {
                "supportedModelFormats": [
                    {"name": "onnx", "autoSelect": True, "priority": 1},
                    {"name": "onnx", "autoSelect": True, "priority": 2},
                ]
            },
        ),
        [],
    ),
    "deny when runtime priorities conflict with existing": (
        [obj("sr3", "ns3", onnx(1))],
        obj("sr4", "ns3", onnx(1)),
        [
            Invalid(
                "spec.supportedModelFormats",
                "same priority assigned for the model format onnx "
                "in the servingruntimes sr3 and sr4 in namespace ns3",
            )
        ],
    ),
    "deny when multinode spec is invalid (removing workerSpec)": (
        [obj("sr5", "ns4", {"workerSpec": {"containers": [{"name": "worker"}]}})],
        obj("sr5", "ns4", {}),
        [
            Invalid(
                "spec.workerSpec",
                "the ServingRuntime sr5 is invalid: removing workerSpec "
                "where it already exists is not allowed",
            )
        ],
    ),
    "allow valid runtime": ([obj("sr6", "ns5", onnx(1))], obj("sr7", "ns5", onnx(2)), []),
}


@pytest.mark.parametrize(("others", "rt", "expected"), HANDLE.values(), ids=HANDLE.keys())
def test_serving_runtime_validator_handle(others, rt, expected):
    assert validate_serving_runtime(rt, others) == expected


def test_validate_serving_runtime_scopes_and_messages():
    inconsistent = onnx(1, {"name": "onnx", "autoSelect": True, "priority": 2})
    other_ns = obj("a", "elsewhere", onnx(1))
    cluster = obj("c1", None, onnx(1), "ClusterServingRuntime")
    rt = obj("b", "ns", onnx(1))
    assert validate_serving_runtime(rt, [other_ns, cluster, rt]) == []
    assert validate_serving_runtime(
        obj("c2", None, onnx(1), "ClusterServingRuntime"), [cluster, other_ns]
    ) == [
        Invalid(
            "spec.supportedModelFormats",
            "same priority assigned for the model format onnx "
            "in the clusterservingruntimes c1 and c2",
        )
    ]
    assert validate_serving_runtime(obj("b", "ns", inconsistent), [obj("z", "ns", {})]) == [
        Invalid(
            "spec.supportedModelFormats",
            "different priorities assigned for the model format onnx under the servingruntime b",
        )
    ]
    blocked = {"containers": [{"name": "kserve-container", "env": [{"name": "PYTHONPATH"}]}]}
    assert validate_serving_runtime(obj("b", "ns", blocked, "ClusterServingRuntime"), []) == [
        Invalid(
            "spec.containers",
            'the ClusterServingRuntime "b" is invalid: setting PYTHONPATH '
            'in container "kserve-container" is not allowed for security reasons',
        )
    ]


BLOCKED = {
    "PYTHONPATH in main container should be rejected": (
        {
            "containers": [
                {
                    "name": "kserve-container",
                    "image": "kserve/sklearnserver:latest",
                    "env": [{"name": "PYTHONPATH", "value": "/custom"}],
                }
            ]
        },
        'setting PYTHONPATH in container "kserve-container" is not allowed for security reasons',
    ),
    "PYTHONPATH in workerSpec container should be rejected": (
        {
            "containers": [{"name": "kserve-container", "image": "kserve/sklearnserver:latest"}],
            "workerSpec": {
                "containers": [
                    {"name": "worker-container", "env": [{"name": "PYTHONPATH", "value": "/bad"}]}
                ]
            },
        },
        'setting PYTHONPATH in container "worker-container" is not allowed for security reasons',
    ),
    "allowed env vars should pass": (
        {
            "containers": [
                {
                    "name": "kserve-container",
                    "image": "kserve/sklearnserver:latest",
                    "env": [{"name": "MODEL_NAME", "value": "test"}],
                }
            ]
        },
        None,
    ),
    "no env vars should pass": (
        {"containers": [{"name": "kserve-container", "image": "kserve/sklearnserver:latest"}]},
        None,
    ),
}


@pytest.mark.parametrize(("spec", "expected"), BLOCKED.values(), ids=BLOCKED.keys())
def test_validate_blocked_env_vars(spec, expected):
    assert validate_blocked_env_vars(spec) == expected
