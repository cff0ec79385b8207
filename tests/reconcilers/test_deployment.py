"""Ported from KServe v0.20.0 `reconcilers/deployment/deployment_reconciler_test.go`.

`TestCreateDefaultDeployment` runs three Go loops (base cases, the RAY_NODE_COUNT case, the GPU
cases); here they are one parametrised test with the Go scenario names as ids. Go's comparison
ignores the pod-level defaults (securityContext, restartPolicy, …); here they are asserted too,
with the values `setDefaultPodSpec`/`setDefaultDeploymentSpec` write. Every rendered
Deployment is validated with kubernetes-validate (strict).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import kubernetes_validate
import pytest

from generator import constants as c
from generator.config.configmap import DeployConfig, DeploymentRolloutStrategy, RolloutSpec
from generator.errors import Invalid
from generator.merge import add_env_var_to_pod_spec
from generator.reconcilers.deployment import (
    apply_rollout_strategy_from_configmap,
    create_raw_default_deployment,
    create_raw_deployment,
    set_default_deployment_spec,
    set_default_pod_spec,
)
from generator.render import Renderer

RENDERER = Renderer()
K8S_VERSION = "1.34"
POD_DEFAULTS = {
    "dnsPolicy": "ClusterFirst",
    "restartPolicy": "Always",
    "schedulerName": "default-scheduler",
    "securityContext": {},
    "terminationGracePeriodSeconds": 30,
}
CONTAINER_DEFAULTS = {
    "imagePullPolicy": "IfNotPresent",
    "terminationMessagePolicy": "File",
    "terminationMessagePath": "/dev/termination-log",
}
READINESS_8080 = {
    "tcpSocket": {"port": 8080},
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
}
ROLLING_25 = {
    "type": "RollingUpdate",
    "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
}
GPU_1 = {"limits": {c.NVIDIA_GPU_RESOURCE_TYPE: "1"}, "requests": {c.NVIDIA_GPU_RESOURCE_TYPE: "1"}}


def assert_valid(obj: dict[str, Any]) -> None:
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)


def _meta(name: str, namespace: str, autoscaler_class: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": namespace,
        "annotations": {"annotation": "annotation-value"},
        "labels": {c.DEPLOYMENT_MODE: "Standard", c.AUTOSCALER_CLASS: autoscaler_class},
    }


INPUTS: dict[str, dict[str, Any]] = {
    "defaultDeployment": {
        "meta": _meta("default-predictor", "default-predictor-namespace", c.AUTOSCALER_CLASS_HPA),
        "worker_meta": {},
        "ext": {},
        "pod_spec": {
            "volumes": [{"name": "default-predictor-example-volume"}],
            "containers": [
                {
                    "name": c.INFERENCE_SERVICE_CONTAINER_NAME,
                    "image": "default-predictor-example-image",
                    "env": [{"name": "default-predictor-example-env", "value": "example-env"}],
                }
            ],
        },
        "worker_pod_spec": None,
    },
    "multiNode-deployment": {
        "meta": _meta("default-predictor", "default-predictor-namespace", c.AUTOSCALER_CLASS_NONE),
        "worker_meta": _meta(
            "worker-predictor", "worker-predictor-namespace", c.AUTOSCALER_CLASS_NONE
        ),
        "ext": {},
        "pod_spec": {
            "volumes": [{"name": "default-predictor-example-volume"}],
            "containers": [
                {
                    "name": c.INFERENCE_SERVICE_CONTAINER_NAME,
                    "image": "default-predictor-example-image",
                    "env": [
                        {"name": "TENSOR_PARALLEL_SIZE", "value": "1"},
                        {"name": "MODEL_NAME"},
                        {"name": "PIPELINE_PARALLEL_SIZE", "value": "2"},
                        {"name": "RAY_NODE_COUNT", "value": "2"},
                        {"name": "REQUEST_GPU_COUNT", "value": "1"},
                    ],
                    "resources": copy.deepcopy(GPU_1),
                }
            ],
        },
        "worker_pod_spec": {
            "volumes": [{"name": "worker-predictor-example-volume"}],
            "containers": [
                {
                    "name": "worker-container",
                    "image": "worker-predictor-example-image",
                    "env": [
                        {"name": "worker-predictor-example-env", "value": "example-env"},
                        {"name": "RAY_NODE_COUNT", "value": "2"},
                        {"name": "REQUEST_GPU_COUNT", "value": "1"},
                        {"name": "ISVC_NAME"},
                    ],
                    "resources": copy.deepcopy(GPU_1),
                }
            ],
        },
    },
}


def _deployment(
    meta: dict[str, Any],
    app: str,
    pod_spec: dict[str, Any],
    strategy: dict[str, Any],
    replicas: int | None = None,
) -> dict[str, Any]:
    labels = {c.RAW_DEPLOYMENT_APP_LABEL: app, **meta["labels"]}
    template_meta = {
        "name": meta["name"],
        "namespace": meta["namespace"],
        "annotations": dict(meta["annotations"]),
        "labels": labels,
    }
    spec: dict[str, Any] = {
        "selector": {"matchLabels": {c.RAW_DEPLOYMENT_APP_LABEL: app}},
        "strategy": strategy,
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
        "template": {"metadata": template_meta, "spec": {**pod_spec, **POD_DEFAULTS}},
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {**copy.deepcopy(template_meta)},
        "spec": spec,
    }


def _expected_default() -> list[dict[str, Any]]:
    container = {
        "name": c.INFERENCE_SERVICE_CONTAINER_NAME,
        "image": "default-predictor-example-image",
        "env": [{"name": "default-predictor-example-env", "value": "example-env"}],
        **CONTAINER_DEFAULTS,
        "readinessProbe": READINESS_8080,
    }
    pod = {"volumes": [{"name": "default-predictor-example-volume"}], "containers": [container]}
    meta = INPUTS["defaultDeployment"]["meta"]
    return [_deployment(meta, "isvc.default-predictor", pod, ROLLING_25)]


def _expected_multi_node() -> list[dict[str, Any]]:
    inputs = INPUTS["multiNode-deployment"]
    head = {
        **copy.deepcopy(inputs["pod_spec"]["containers"][0]),
        **CONTAINER_DEFAULTS,
        "readinessProbe": READINESS_8080,
    }
    worker = {**copy.deepcopy(inputs["worker_pod_spec"]["containers"][0]), **CONTAINER_DEFAULTS}
    head_pod = {"volumes": [{"name": "default-predictor-example-volume"}], "containers": [head]}
    worker_pod = {"volumes": [{"name": "worker-predictor-example-volume"}], "containers": [worker]}
    worker_strategy = {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxUnavailable": "0%", "maxSurge": "100%"},
    }
    return [
        _deployment(inputs["meta"], "isvc.default-predictor", head_pod, ROLLING_25),
        _deployment(
            inputs["worker_meta"], "isvc.default-predictor-worker", worker_pod, worker_strategy, 1
        ),
    ]


Modify = Callable[[dict[str, Any]], None]


def _set_env(spec: dict[str, Any], container: str, name: str, value: str) -> dict[str, Any]:
    return add_env_var_to_pod_spec(spec, container, name, value)


def _ray_node_count_3(args: dict[str, Any]) -> None:
    head, worker = c.INFERENCE_SERVICE_CONTAINER_NAME, c.WORKER_CONTAINER_NAME
    args["pod_spec"] = _set_env(args["pod_spec"], head, c.PIPELINE_PARALLEL_SIZE_ENV_NAME, "3")
    args["pod_spec"] = _set_env(args["pod_spec"], head, c.RAY_NODE_COUNT_ENV_NAME, "3")
    args["worker_pod_spec"] = _set_env(
        args["worker_pod_spec"], worker, c.RAY_NODE_COUNT_ENV_NAME, "3"
    )


def _ray_node_count_3_expected(expected: list[dict[str, Any]]) -> None:
    head, worker = c.INFERENCE_SERVICE_CONTAINER_NAME, c.WORKER_CONTAINER_NAME
    for deployment, container, names in (
        (expected[0], head, (c.PIPELINE_PARALLEL_SIZE_ENV_NAME, c.RAY_NODE_COUNT_ENV_NAME)),
        (expected[1], worker, (c.RAY_NODE_COUNT_ENV_NAME,)),
    ):
        pod = deployment["spec"]["template"]
        for name in names:
            pod["spec"] = _set_env(pod["spec"], container, name, "3")
    expected[1]["spec"]["replicas"] = 2


def _gpu_env(args_or_expected: list[dict[str, Any]], value: str) -> None:
    for pod in args_or_expected:
        for env in pod["containers"][0]["env"]:
            if env["name"] == c.REQUEST_GPU_COUNT_ENV_NAME:
                env["value"] = value


def _resources(name: str, count: str) -> dict[str, Any]:
    return {"requests": {name: count}, "limits": {name: count}}


def _gpu_case(
    head_resources: dict[str, Any] | None,
    worker_resources: dict[str, Any] | None,
    count: str,
    annotation: str | None,
    head_out: str,
    worker_out: str,
) -> tuple[Modify, Callable[[list[dict[str, Any]]], None]]:
    """The GPU scenarios of TestCreateDefaultDeployment: inputs and expected edits."""

    def modify(args: dict[str, Any]) -> None:
        pods = [args["pod_spec"], args["worker_pod_spec"]]
        for pod, resources in zip(pods, (head_resources, worker_resources), strict=True):
            if resources is not None:
                pod["containers"][0]["resources"] = copy.deepcopy(resources)
        _gpu_env(pods, count)
        if annotation is not None:
            for meta in (args["meta"], args["worker_meta"]):
                meta["annotations"][c.CUSTOM_GPU_RESOURCE_TYPES_ANNOTATION_KEY] = annotation

    def expect(expected: list[dict[str, Any]]) -> None:
        pods = [d["spec"]["template"]["spec"] for d in expected]
        _gpu_env(pods, count)
        for pod, name in zip(pods, (head_out, worker_out), strict=True):
            pod["containers"][0]["resources"] = _resources(name, count)
        if annotation is not None:
            for deployment in expected:
                for meta in (deployment["metadata"], deployment["spec"]["template"]["metadata"]):
                    meta["annotations"][c.CUSTOM_GPU_RESOURCE_TYPES_ANNOTATION_KEY] = annotation

    return modify, expect


def _no_change(_: Any) -> None:
    return None


NVIDIA, INTEL, CUSTOM = c.NVIDIA_GPU_RESOURCE_TYPE, c.INTEL_GPU_RESOURCE_TYPE, "custom.com/gpu"
CASES: dict[str, tuple[str, Modify, Callable[[list[dict[str, Any]]], None]]] = {
    "default deployment": ("defaultDeployment", _no_change, _no_change),
    "multiNode-deployment": ("multiNode-deployment", _no_change, _no_change),
    "Set RAY_NODE_COUNT to 3 when pipelineParallelSize is 3 and tensorParallelSize is 1, "
    "with 2 worker node replicas": (
        "multiNode-deployment",
        _ray_node_count_3,
        _ray_node_count_3_expected,
    ),
    "Use the value of GPU in resources request of container": (
        "multiNode-deployment",
        *_gpu_case(None, None, "5", None, NVIDIA, NVIDIA),
    ),
    "Use specified gpuResourceType if it is in gpuResourceTypeList": (
        "multiNode-deployment",
        *_gpu_case(_resources(INTEL, "3"), None, "3", None, INTEL, NVIDIA),
    ),
    "Use a custom gpuResourceType specified in annotations, even when it is not listed in the "
    "default gpuResourceTypeList": (
        "multiNode-deployment",
        *_gpu_case(
            _resources(CUSTOM, "3"),
            _resources(CUSTOM, "3"),
            "3",
            '["custom.com/gpu"]',
            CUSTOM,
            CUSTOM,
        ),
    ),
    "Allow multiple custom gpuResourceTypes from annotations, even when they are not listed in "
    "the default gpuResourceTypeList": (
        "multiNode-deployment",
        *_gpu_case(
            _resources(CUSTOM, "3"),
            _resources(CUSTOM + "2", "3"),
            "3",
            '["custom.com/gpu", "custom.com/gpu2"]',
            CUSTOM,
            CUSTOM + "2",
        ),
    ),
}
EXPECTED = {"defaultDeployment": _expected_default, "multiNode-deployment": _expected_multi_node}


@pytest.mark.parametrize(("base", "modify", "modify_expected"), CASES.values(), ids=CASES.keys())
def test_create_default_deployment(
    base: str, modify: Modify, modify_expected: Callable[[list[dict[str, Any]]], None]
) -> None:
    args = copy.deepcopy(INPUTS[base])
    modify(args)
    before = copy.deepcopy(args)
    expected = EXPECTED[base]()
    modify_expected(expected)
    got = create_raw_deployment(
        args["meta"], args["worker_meta"], args["ext"], args["pod_spec"],
        args["worker_pod_spec"], None, RENDERER,
    )  # fmt: skip
    assert not isinstance(got, Invalid)
    assert got == expected
    assert args == before  # inputs are not mutated
    for deployment in got:
        assert_valid(deployment)


SPEC_CASES = {
    "Empty spec should get KServe defaults": ({}, "25%", "25%"),
    "Spec with RollingUpdate type but nil RollingUpdate should get KServe defaults": (
        {"strategy": {"type": "RollingUpdate"}},
        "25%",
        "25%",
    ),
    "Spec with existing RollingUpdate should not be modified": (
        {
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "50%", "maxUnavailable": "10%"},
            }
        },
        "50%",
        "10%",
    ),
}


@pytest.mark.parametrize(("spec", "surge", "unavailable"), SPEC_CASES.values(), ids=SPEC_CASES)
def test_set_default_deployment_spec(spec: dict[str, Any], surge: str, unavailable: str) -> None:
    out = set_default_deployment_spec(spec)
    assert out["strategy"]["type"] == "RollingUpdate"
    assert out["strategy"]["rollingUpdate"] == {"maxSurge": surge, "maxUnavailable": unavailable}
    assert (out["revisionHistoryLimit"], out["progressDeadlineSeconds"]) == (10, 600)


def _deploy_config(mode: str, surge: str, unavailable: str) -> DeployConfig:
    return DeployConfig(mode, DeploymentRolloutStrategy(RolloutSpec(surge, unavailable)))


ROLLOUT_CASES = {
    "Apply rollout strategy with RawDeployment mode": (
        _deploy_config("Standard", "1", "1"), "1", "1",
    ),
    "No rollout strategy applied for Serverless mode": (
        _deploy_config("Serverless", "50%", "25%"), "25%", "25%",
    ),
    "No rollout strategy configured": (None, "25%", "25%"),
}  # fmt: skip


@pytest.mark.parametrize(
    ("deploy_config", "surge", "unavailable"), ROLLOUT_CASES.values(), ids=ROLLOUT_CASES
)
def test_apply_rollout_strategy_from_configmap(
    deploy_config: DeployConfig | None, surge: str, unavailable: str
) -> None:
    spec = apply_rollout_strategy_from_configmap(set_default_deployment_spec({}), deploy_config)
    assert spec["strategy"]["type"] == "RollingUpdate"
    assert spec["strategy"]["rollingUpdate"] == {"maxSurge": surge, "maxUnavailable": unavailable}


USER_STRATEGY = {
    "type": "RollingUpdate",
    "rollingUpdate": {"maxSurge": "50%", "maxUnavailable": "50%"},
}
PRECEDENCE_CASES = {
    "User strategy takes precedence over configmap": (
        USER_STRATEGY, _deploy_config("Standard", "1", "1"), "50%", "50%",
    ),
    "Configmap strategy when no user strategy": (
        None, _deploy_config("Standard", "2", "1"), "2", "1",
    ),
    "No strategy applied for Serverless mode": (
        None, _deploy_config("Serverless", "1", "1"), "25%", "25%",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("strategy", "deploy_config", "surge", "unavailable"),
    PRECEDENCE_CASES.values(),
    ids=PRECEDENCE_CASES,
)
def test_create_raw_deployment_with_precedence(
    strategy: dict[str, Any] | None, deploy_config: DeployConfig, surge: str, unavailable: str
) -> None:
    meta = {"name": "test-deployment", "namespace": "test-namespace", "labels": {}}
    pod_spec = {"containers": [{"name": "test-container", "image": "test-image"}]}
    ext = {"deploymentStrategy": strategy}
    deployment = create_raw_default_deployment(meta, ext, pod_spec, deploy_config, RENDERER)
    rolling = deployment["spec"]["strategy"]["rollingUpdate"]
    assert rolling == {"maxSurge": surge, "maxUnavailable": unavailable}
    assert_valid(deployment)
    if strategy is not None:  # copied verbatim: no history limit or deadline defaults
        assert "revisionHistoryLimit" not in deployment["spec"]


def _reconciler_meta(name: str, autoscaler_class: str) -> dict[str, Any]:
    return {
        "name": name,
        "namespace": "test-ns",
        "labels": {c.DEPLOYMENT_MODE: "Standard", c.AUTOSCALER_CLASS: autoscaler_class},
        "annotations": {},
    }


NEW_RECONCILER_CASES = {
    "default deployment": (
        _reconciler_meta("test-predictor", c.DEFAULT_AUTOSCALER_CLASS),
        {},
        {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME, "image": "test-image"}]},
        None,
        1,
    ),
    "multi-node deployment": (
        _reconciler_meta("test-predictor", c.AUTOSCALER_CLASS_NONE),
        _reconciler_meta("worker-predictor", c.AUTOSCALER_CLASS_NONE),
        {
            "containers": [
                {
                    "name": c.INFERENCE_SERVICE_CONTAINER_NAME,
                    "image": "test-image",
                    "env": [
                        {"name": c.RAY_NODE_COUNT_ENV_NAME, "value": "2"},
                        {"name": c.REQUEST_GPU_COUNT_ENV_NAME, "value": "1"},
                    ],
                }
            ]
        },
        {
            "containers": [
                {
                    "name": c.WORKER_CONTAINER_NAME,
                    "image": "worker-image",
                    "env": [{"name": c.REQUEST_GPU_COUNT_ENV_NAME, "value": "1"}],
                }
            ]
        },
        2,
    ),
}


@pytest.mark.parametrize(
    ("meta", "worker_meta", "pod_spec", "worker_pod_spec", "count"),
    NEW_RECONCILER_CASES.values(),
    ids=NEW_RECONCILER_CASES,
)
def test_new_deployment_reconciler(
    meta: dict[str, Any],
    worker_meta: dict[str, Any],
    pod_spec: dict[str, Any],
    worker_pod_spec: dict[str, Any] | None,
    count: int,
) -> None:
    got = create_raw_deployment(meta, worker_meta, {}, pod_spec, worker_pod_spec, None, RENDERER)
    assert not isinstance(got, Invalid)
    assert len(got) == count
    for deployment in got:
        assert_valid(deployment)


# --- beyond the Go table tests --------------------------------------------------------------


def test_replicas_only_for_autoscaler_class_none() -> None:
    pod_spec = {"containers": [{"name": "kserve-container", "image": "i"}]}
    meta = {"name": "m-predictor", "namespace": "ns", "labels": {}, "annotations": {}}
    hpa = create_raw_default_deployment(meta, {"minReplicas": 3}, pod_spec, None, RENDERER)
    assert "replicas" not in hpa["spec"]
    meta["annotations"] = {c.AUTOSCALER_CLASS: c.AUTOSCALER_CLASS_NONE}
    none = create_raw_default_deployment(meta, {"minReplicas": 3}, pod_spec, None, RENDERER)
    assert none["spec"]["replicas"] == 3


def test_readiness_probe_uses_first_port_of_serving_containers() -> None:
    spec = set_default_pod_spec(
        {
            "containers": [
                {"name": "transformer-container", "ports": [{"containerPort": 9000}]},
                {"name": "kserve-container", "readinessProbe": {"exec": {"command": ["x"]}}},
                {"name": "sidecar"},
            ]
        }
    )
    transformer, server, sidecar = spec["containers"]
    assert transformer["readinessProbe"]["tcpSocket"] == {"port": 9000}
    assert server["readinessProbe"] == {"exec": {"command": ["x"]}}
    assert "readinessProbe" not in sidecar


def test_worker_keeps_pods_with_user_rolling_strategy() -> None:
    args = copy.deepcopy(INPUTS["multiNode-deployment"])
    ext = {"deploymentStrategy": USER_STRATEGY}
    got = create_raw_deployment(
        args["meta"], args["worker_meta"], ext, args["pod_spec"], args["worker_pod_spec"],
        None, RENDERER,
    )  # fmt: skip
    assert not isinstance(got, Invalid)
    assert got[0]["spec"]["strategy"] == USER_STRATEGY
    assert got[1]["spec"]["strategy"]["rollingUpdate"] == {
        "maxUnavailable": "0%",
        "maxSurge": "100%",
    }


def test_bad_gpu_annotation_is_reported() -> None:
    args = copy.deepcopy(INPUTS["multiNode-deployment"])
    args["meta"]["annotations"][c.CUSTOM_GPU_RESOURCE_TYPES_ANNOTATION_KEY] = "gpu"
    got = create_raw_deployment(
        args["meta"], args["worker_meta"], {}, args["pod_spec"], args["worker_pod_spec"],
        None, RENDERER,
    )  # fmt: skip
    assert got == Invalid(
        f'metadata.annotations["{c.CUSTOM_GPU_RESOURCE_TYPES_ANNOTATION_KEY}"]',
        f"invalid GPU format(gpu) for {c.CUSTOM_GPU_RESOURCE_TYPES_ANNOTATION_KEY} annotation: "
        "must be a valid JSON array",
    )


# --- the pod webhook sees the Deployment's pods ----------------------------------------------
# KServe's pod webhook (pkg/webhook/admission/pod/mutator.go) mutates the pods a Deployment
# creates, so it sees the template after setDefaultPodSpec (deployment_reconciler.go:276): the
# agent's SERVING_READINESS_PROBE is built from the default probe (agent_injector.go:373), and
# the containers it injects get no defaults from KServe. Found by the differential suite.


def _recording_webhook(
    seen: list[tuple[dict[str, Any], dict[str, Any]]],
) -> Callable[[Any, Any], tuple[dict[str, Any], dict[str, Any]]]:
    def webhook(meta: Any, pod_spec: Any) -> tuple[dict[str, Any], dict[str, Any]]:
        seen.append((copy.deepcopy(dict(meta)), copy.deepcopy(dict(pod_spec))))
        spec = copy.deepcopy(dict(pod_spec))
        spec["containers"] = [*spec["containers"], {"name": "agent", "image": "kserve/agent"}]
        annotations = {**(meta.get("annotations") or {}), "prometheus.io/port": "9091"}
        return {**meta, "annotations": annotations}, spec

    return webhook


def test_pod_webhook_runs_after_set_default_pod_spec() -> None:
    seen: list[tuple[dict[str, Any], dict[str, Any]]] = []
    meta = {"name": "m-predictor", "namespace": "ns", "labels": {"a": "b"}, "annotations": {}}
    pod_spec = {"containers": [{"name": "kserve-container", "image": "i"}]}
    got = create_raw_deployment(
        meta, None, {}, pod_spec, None, None, RENDERER, pod_webhook=_recording_webhook(seen)
    )
    assert not isinstance(got, Invalid)
    [(seen_meta, seen_spec)] = seen
    assert seen_spec["containers"][0]["readinessProbe"] == READINESS_8080
    assert seen_meta["labels"] == {"a": "b", "app": "isvc.m-predictor"}
    template = got[0]["spec"]["template"]
    agent = template["spec"]["containers"][1]
    assert agent == {"name": "agent", "image": "kserve/agent"}  # no imagePullPolicy & co.
    assert template["spec"]["containers"][0]["imagePullPolicy"] == "IfNotPresent"
    assert template["metadata"]["annotations"] == {"prometheus.io/port": "9091"}
    assert "annotations" not in got[0]["metadata"]  # the pods', not the Deployment's
    assert_valid(got[0])


def test_pod_webhook_sees_the_worker_pods_too() -> None:
    seen: list[tuple[dict[str, Any], dict[str, Any]]] = []
    case = NEW_RECONCILER_CASES["multi-node deployment"]
    meta, worker_meta, head, worker, _ = copy.deepcopy(case)
    got = create_raw_deployment(
        meta, worker_meta, {}, head, worker, None, RENDERER, pod_webhook=_recording_webhook(seen)
    )
    assert not isinstance(got, Invalid), got
    assert [s["containers"][0]["name"] for _, s in seen] == ["kserve-container", "worker-container"]
    assert all(s["containers"][0]["imagePullPolicy"] == "IfNotPresent" for _, s in seen)
    assert [d["spec"]["template"]["spec"]["containers"][-1]["name"] for d in got] == [
        "agent",
        "agent",
    ]


def test_pod_webhook_refusal_is_returned() -> None:
    refused = Invalid("spec.predictor", "pod mutator InjectAgent: no")
    meta = {"name": "m-predictor", "namespace": "ns", "labels": {}, "annotations": {}}
    pod_spec = {"containers": [{"name": "kserve-container", "image": "i"}]}
    got = create_raw_deployment(
        meta, None, {}, pod_spec, None, None, RENDERER, pod_webhook=lambda m, s: refused
    )
    assert got == refused
