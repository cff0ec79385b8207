"""Standard-mode Deployments: port of `reconcilers/deployment/deployment_reconciler.go`.

Ports `createRawDeployment`, `createRawDefaultDeployment`, `createRawWorkerDeployment`,
`setDefaultPodSpec`, `setDefaultDeploymentSpec`, `applyRolloutStrategyFromConfigmap` and
`addGPUResourceToDeployment` (KServe v0.20.0). `Reconcile`/`checkDeploymentExist` become "emit
the object unless stopped", decided in `raw.py`. Functions take dicts in their YAML shape and
return new dicts; nothing passed in is mutated.

Errors a user can cause are returned as `Invalid` (a field path and KServe's message), the
convention of every reconciler module here and of `components/`.

Map aliasing: Go's `createRawDefaultDeployment` writes `app: isvc.<name>` into the component
label map it shares with the Service, HPA and ScaledObject; here the Deployment gets the label
and `raw.py` passes the labelled meta on to the objects that share the map.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator import constants as c
from generator.config.configmap import DeployConfig
from generator.config.quantity import QuantityError, parse_quantity
from generator.data import copy_data
from generator.errors import Invalid
from generator.goruntime import strconv
from generator.render import Renderer
from generator.utils.utils import (
    ANNOTATION_FIELD,
    gpu_resource_types_by_annotation,
)

TEMPLATE = "deployment.yaml.j2"
DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS = 30  # corev1.DefaultTerminationGracePeriodSeconds
DEFAULT_SCHEDULER_NAME = "default-scheduler"  # corev1.DefaultSchedulerName
DEFAULT_READINESS_PORT = 8080
_PROBED_CONTAINERS = (c.INFERENCE_SERVICE_CONTAINER_NAME, c.TRANSFORMER_CONTAINER_NAME)
_ROLLING_UPDATE = "RollingUpdate"

# KServe's pod webhook on the pods a Deployment creates: (pod template metadata, pod spec) to
# the mutated (metadata, spec), or the webhook's refusal.
PodWebhook = Callable[
    [Mapping[str, Any], Mapping[str, Any]], "tuple[dict[str, Any], dict[str, Any]] | Invalid"
]


def object_meta_values(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Template values for an ObjectMeta; empty maps become None, as Go's `omitempty` drops them."""
    return {
        "name": meta.get("name") or "",
        "namespace": meta.get("namespace") or "",
        "labels": dict(meta.get("labels") or {}) or None,
        "annotations": dict(meta.get("annotations") or {}) or None,
    }


def pod_template_metadata(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The pod template's ObjectMeta: Go copies the whole component meta, name included."""
    values = object_meta_values(meta)
    return {key: value for key, value in values.items() if value}


def set_default_pod_spec(pod_spec: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `setDefaultPodSpec`: fill the empty fields the API server would default."""
    spec = copy_data(dict(pod_spec))
    spec["dnsPolicy"] = spec.get("dnsPolicy") or "ClusterFirst"
    spec["restartPolicy"] = spec.get("restartPolicy") or "Always"
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_TERMINATION_GRACE_PERIOD_SECONDS
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    spec["schedulerName"] = spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME
    for container in spec.get("containers") or []:
        container["terminationMessagePath"] = (
            container.get("terminationMessagePath") or "/dev/termination-log"
        )
        container["terminationMessagePolicy"] = container.get("terminationMessagePolicy") or "File"
        container["imagePullPolicy"] = container.get("imagePullPolicy") or "IfNotPresent"
        if container.get("name") in _PROBED_CONTAINERS and container.get("readinessProbe") is None:
            ports = container.get("ports") or []
            port = ports[0].get("containerPort", 0) if ports else DEFAULT_READINESS_PORT
            container["readinessProbe"] = {
                "tcpSocket": {"port": port},
                "timeoutSeconds": 1,
                "periodSeconds": 10,
                "successThreshold": 1,
                "failureThreshold": 3,
            }
    return spec


def set_default_deployment_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `setDefaultDeploymentSpec`: RollingUpdate 25%/25%, history 10, deadline 600."""
    out = copy_data(dict(spec))
    strategy = out.setdefault("strategy", {})
    if not strategy.get("type"):
        strategy["type"] = _ROLLING_UPDATE
    if strategy["type"] == _ROLLING_UPDATE and strategy.get("rollingUpdate") is None:
        strategy["rollingUpdate"] = {"maxUnavailable": "25%", "maxSurge": "25%"}
    if out.get("revisionHistoryLimit") is None:
        out["revisionHistoryLimit"] = 10
    if out.get("progressDeadlineSeconds") is None:
        out["progressDeadlineSeconds"] = 600
    return out


def apply_rollout_strategy_from_configmap(
    spec: Mapping[str, Any], deploy_config: DeployConfig | None
) -> dict[str, Any]:
    """Port of `applyRolloutStrategyFromConfigmap`: only when the default mode is Standard."""
    out = copy_data(dict(spec))
    if deploy_config is None or deploy_config.default_deployment_mode != "Standard":
        return out
    strategy = deploy_config.deployment_rollout_strategy
    if strategy is None or strategy.default_rollout is None:
        return out
    rollout = strategy.default_rollout
    target = out.setdefault("strategy", {})
    target["type"] = _ROLLING_UPDATE
    if target.get("rollingUpdate") is None:
        target["rollingUpdate"] = {}
    # Go sets intstr.String values: "1" stays the string "1", as KServe writes it.
    if rollout.max_surge:
        target["rollingUpdate"]["maxSurge"] = rollout.max_surge
    if rollout.max_unavailable:
        target["rollingUpdate"]["maxUnavailable"] = rollout.max_unavailable
    return out


def _strategy_fields(
    ext: Mapping[str, Any] | None, deploy_config: DeployConfig | None
) -> dict[str, Any]:
    """The user's `deploymentStrategy` verbatim, else the defaults plus the configmap rollout."""
    if ext is not None and ext.get("deploymentStrategy") is not None:
        return {"strategy": copy_data(ext["deploymentStrategy"])}
    return apply_rollout_strategy_from_configmap(set_default_deployment_spec({}), deploy_config)


def _render(
    meta: Mapping[str, Any],
    app: str,
    spec: Mapping[str, Any],
    pod_spec: Mapping[str, Any],
    renderer: Renderer,
    pod_webhook: PodWebhook | None = None,
) -> dict[str, Any] | Invalid:
    labels = {**(meta.get("labels") or {}), c.RAW_DEPLOYMENT_APP_LABEL: app}
    labelled = {**meta, "labels": labels}
    pod_meta = pod_template_metadata(labelled)
    if pod_webhook is not None:
        found = pod_webhook(pod_meta, pod_spec)
        if isinstance(found, Invalid):
            return found
        pod_meta, pod_spec = found
    values = {
        **object_meta_values(labelled),
        "replicas": spec.get("replicas"),
        "selector": {c.RAW_DEPLOYMENT_APP_LABEL: app},
        "strategy": spec["strategy"],
        "revision_history_limit": spec.get("revisionHistoryLimit"),
        "progress_deadline_seconds": spec.get("progressDeadlineSeconds"),
        "pod_metadata": pod_meta,
        "pod_spec": dict(pod_spec),
    }
    name = values["name"]
    return renderer.render_object(TEMPLATE, values, "Deployment", name, values["namespace"])


def create_raw_default_deployment(
    meta: Mapping[str, Any],
    ext: Mapping[str, Any] | None,
    pod_spec: Mapping[str, Any],
    deploy_config: DeployConfig | None,
    renderer: Renderer,
    pod_webhook: PodWebhook | None = None,
) -> dict[str, Any] | Invalid:
    """Port of `createRawDefaultDeployment`: the component's (head) Deployment."""
    spec = _strategy_fields(ext, deploy_config)
    annotations = meta.get("annotations") or {}
    min_replicas = ext.get("minReplicas") if ext is not None else None
    if min_replicas is not None and annotations.get(c.AUTOSCALER_CLASS) == c.AUTOSCALER_CLASS_NONE:
        spec["replicas"] = min_replicas
    app = c.get_raw_service_label(str(meta.get("name") or ""))
    return _render(meta, app, spec, set_default_pod_spec(pod_spec), renderer, pod_webhook)


def create_raw_worker_deployment(
    worker_meta: Mapping[str, Any],
    ext: Mapping[str, Any] | None,
    worker_pod_spec: Mapping[str, Any],
    predictor_name: str,
    replicas: int,
    deploy_config: DeployConfig | None,
    renderer: Renderer,
    pod_webhook: PodWebhook | None = None,
) -> dict[str, Any] | Invalid:
    """Port of `createRawWorkerDeployment`: the multi-node worker Deployment."""
    spec = _strategy_fields(ext, deploy_config)
    if spec["strategy"].get("type") == _ROLLING_UPDATE:
        # Keep the old pods until the new ones are ready, whatever the rollout settings say.
        spec["strategy"]["rollingUpdate"] = {"maxUnavailable": "0%", "maxSurge": "100%"}
    spec["replicas"] = replicas
    app = c.get_raw_worker_service_label(predictor_name)
    pod_spec = set_default_pod_spec(worker_pod_spec)
    return _render(worker_meta, app, spec, pod_spec, renderer, pod_webhook)


def _env_value(pod_spec: Mapping[str, Any], container_name: str, env_name: str) -> str | None:
    """`GetEnvVarValue` on the first container with that name (None when absent)."""
    for container in pod_spec.get("containers") or []:
        if container.get("name") == container_name:
            for env in container.get("env") or []:
                if env.get("name") == env_name:
                    return str(env.get("value") or "")
            return None
    return None


def _non_zero(quantity: Any) -> bool:
    try:
        return parse_quantity(str(quantity)).value != 0
    except QuantityError:
        return True  # unreachable for admitted pods: the API types would not have parsed it


def add_gpu_resource(
    pod_spec: Mapping[str, Any],
    annotations: Mapping[str, str],
    container_name: str,
    gpu_count: str,
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
) -> dict[str, Any] | Invalid:
    """Port of `addGPUResourceToDeployment`: GPU limit and request = `gpu_count` on one container.

    The resource name is the first known GPU type the container already asks for (limits, then
    requests, per type), else `nvidia.com/gpu`.
    """
    types = gpu_resource_types_by_annotation(annotations, gpu_resource_types)
    if isinstance(types, str):
        return Invalid(ANNOTATION_FIELD, types)
    out = copy_data(dict(pod_spec))
    for container in out.get("containers") or []:
        if container.get("name") != container_name:
            continue
        resources = container.setdefault("resources", {})
        limits = resources.get("limits") or {}
        requests = resources.get("requests") or {}
        gpu_type = c.NVIDIA_GPU_RESOURCE_TYPE
        for name in types:
            if (name in limits and _non_zero(limits[name])) or (
                name in requests and _non_zero(requests[name])
            ):
                gpu_type = name
                break
        try:
            count = str(parse_quantity(gpu_count))  # resource.MustParse
        except QuantityError as err:  # GitOps: Go panics here; we report it
            return Invalid("spec.predictor.workerSpec", f"cannot parse '{gpu_count}': {err}")
        resources["limits"] = {**limits, gpu_type: count}
        resources["requests"] = {**requests, gpu_type: count}
        break
    return out


def _ray_node_count(value: str) -> int:
    """`StringToInt32` as createRawDeployment uses it: 0 when the value is not an int32."""
    number = strconv.parse_int(value, 32)
    return 0 if number is None else number


def create_raw_deployment(
    meta: Mapping[str, Any],
    worker_meta: Mapping[str, Any] | None,
    ext: Mapping[str, Any] | None,
    pod_spec: Mapping[str, Any],
    worker_pod_spec: Mapping[str, Any] | None,
    deploy_config: DeployConfig | None,
    renderer: Renderer,
    gpu_resource_types: Sequence[str] = c.DEFAULT_GPU_RESOURCE_TYPE_LIST,
    pod_webhook: PodWebhook | None = None,
) -> list[dict[str, Any]] | Invalid:
    """Port of `createRawDeployment`: the component Deployment, plus the worker for multi-node.

    `gpu_resource_types` is KServe's global GPU type list (`multiNode.gpu_resource_type_list`).
    `pod_webhook`: KServe's pod webhook, which sees the pods each Deployment creates (its
    template after setDefaultPodSpec); the containers it injects get no defaults from KServe.
    """
    if worker_pod_spec is None:
        found = create_raw_default_deployment(
            meta, ext, pod_spec, deploy_config, renderer, pod_webhook
        )
        return found if isinstance(found, Invalid) else [found]
    head = c.INFERENCE_SERVICE_CONTAINER_NAME
    node_count = _env_value(pod_spec, head, c.RAY_NODE_COUNT_ENV_NAME)
    # Go logs a bad RAY_NODE_COUNT and goes on with 0, so the worker asks for -1 replicas.
    worker_replicas = _ray_node_count(node_count) - 1 if node_count is not None else 0
    head_gpus = _env_value(pod_spec, head, c.REQUEST_GPU_COUNT_ENV_NAME) or ""
    worker_gpus = (
        _env_value(worker_pod_spec, c.WORKER_CONTAINER_NAME, c.REQUEST_GPU_COUNT_ENV_NAME) or ""
    )
    annotations = meta.get("annotations") or {}
    head_spec = add_gpu_resource(pod_spec, annotations, head, head_gpus, gpu_resource_types)
    if isinstance(head_spec, Invalid):
        return head_spec
    worker_meta = worker_meta or {}
    worker_spec = add_gpu_resource(
        worker_pod_spec,
        worker_meta.get("annotations") or {},
        c.WORKER_CONTAINER_NAME,
        worker_gpus,
        gpu_resource_types,
    )
    if isinstance(worker_spec, Invalid):
        return worker_spec
    name = str(meta.get("name") or "")
    leader = create_raw_default_deployment(
        meta, ext, head_spec, deploy_config, renderer, pod_webhook
    )
    if isinstance(leader, Invalid):
        return leader
    worker = create_raw_worker_deployment(
        worker_meta, ext, worker_spec, name, worker_replicas, deploy_config, renderer, pod_webhook
    )
    return worker if isinstance(worker, Invalid) else [leader, worker]
