"""The agent sidecar: request logger, batcher and multi-model puller in one container.

Ports KServe v0.20.0 `pkg/webhook/admission/pod/agent_injector.go` (`InjectAgent`,
`getLoggerConfigs`, `mountModelDir`, `mountModelConfig`, `mountVolumeToContainer`,
`appendVolume`) and the batcher flags of `batcher_injector.go` (the separate batcher container
of `InjectBatcher` is not registered by the mutator, so it is not ported).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from typing import Any

from generator import constants as c
from generator.admission.pod import (
    MutationContext,
    MutationError,
    annotations_of,
    get_container_with_name,
    labels_of,
    must_parse_quantity,
    volume_mount,
)
from generator.config.pod_configs import AgentConfig, LoggerConfig, LoggerStorageSpec
from generator.data import copy_data
from generator.goruntime.json import marshal as go_marshal

AGENT_ENABLE_FLAG = "--enable-puller"
AGENT_CONFIG_DIR_ARG_NAME = "--config-dir"
AGENT_MODEL_DIR_ARG_NAME = "--model-dir"
AGENT_COMPONENT_PORT_ARG_NAME = "--component-port"
BATCHER_ENABLE_FLAG = "--enable-batcher"
BATCHER_ARGUMENT_MAX_BATCH_SIZE = "--max-batchsize"
BATCHER_ARGUMENT_MAX_LATENCY = "--max-latency"
LOGGER_ARGUMENT_LOG_URL = "--log-url"
LOGGER_ARGUMENT_SOURCE_URI = "--source-uri"
LOGGER_ARGUMENT_MODE = "--log-mode"
LOGGER_ARGUMENT_STORE_PATH = "--log-store-path"
LOGGER_ARGUMENT_STORE_FORMAT = "--log-store-format"
LOGGER_ARGUMENT_MARSHALLER_URL = "--log-marshaller-url"
LOGGER_ARGUMENT_BATCH_SIZE = "--log-batch-size"
LOGGER_ARGUMENT_BATCH_INTERVAL = "--log-batch-interval"
LOGGER_ARGUMENT_INFERENCE_SERVICE = "--inference-service"
LOGGER_ARGUMENT_NAMESPACE = "--namespace"
LOGGER_ARGUMENT_ENDPOINT = "--endpoint"
LOGGER_ARGUMENT_COMPONENT = "--component"
LOGGER_ARGUMENT_CA_CERT_FILE = "--logger-ca-cert-file"
LOGGER_ARGUMENT_TLS_SKIP_VERIFY = "--logger-tls-skip-verify"
LOGGER_ARGUMENT_METADATA_HEADERS = "--metadata-headers"
LOGGER_ARGUMENT_METADATA_ANNOTATIONS = "--metadata-annotations"
LOGGER_DEFAULT_SERVICE_ACCOUNT_NAME = "logger-sa"
LOGGER_DEFAULT_STORAGE_KEY = "credentials"
LOGGER_FORMAT_KEY = "format"
LOGGER_CA_BUNDLE_VOLUME = "agent-ca-bundle"
LOGGER_CA_CERT_MOUNT_PATH = "/etc/tls/logger"
LOG_ALL = "all"
AGENT_PORT_NAME = "agent-port"
SERVING_READINESS_PROBE_ENV = "SERVING_READINESS_PROBE"
USER_PORT_ENV = "USER_PORT"
K_NETWORK_PROBE_HEADER = {"name": "K-Network-Probe", "value": "queue"}


def get_logger_configs(config: LoggerConfig, isvc: Mapping[str, Any] | None) -> LoggerConfig:
    """Port of `getLoggerConfigs`: the isvc predictor's logger spec overrides storage/batching."""
    logger = ((((isvc or {}).get("spec") or {}).get("predictor")) or {}).get("logger")
    if logger is not None:
        storage = logger.get("storage")
        config = dataclasses.replace(
            config, store=None if storage is None else _storage_spec(storage)
        )
        for key, name in (
            ("marshallerUrl", "marshaller_url"),
            ("batchSize", "batch_size"),
            ("batchInterval", "batch_interval"),
        ):
            if logger.get(key) is not None:
                config = dataclasses.replace(config, **{name: logger[key]})
    if config.store is not None:
        store = config.store
        config = dataclasses.replace(
            config,
            store=dataclasses.replace(
                store,
                storage_key=store.storage_key or LOGGER_DEFAULT_STORAGE_KEY,
                service_account_name=store.service_account_name
                or LOGGER_DEFAULT_SERVICE_ACCOUNT_NAME,
            ),
        )
    return config


def _storage_spec(storage: Mapping[str, Any]) -> LoggerStorageSpec:
    params = storage.get("parameters")
    return LoggerStorageSpec(
        path=storage.get("path"),
        parameters=None if params is None else dict(params),
        storage_key=storage.get("key"),
        service_account_name=storage.get("serviceAccountName"),
    )


def probe_json(probe: Mapping[str, Any]) -> str:
    """`json.Marshal` of a `corev1.Probe` as the webhook sees it.

    # GitOps: the webhook receives the pod after the API server's defaulting
    (`SetDefaults_Probe`, `SetDefaults_HTTPGetAction`), so those defaults are applied first.
    """
    out: dict[str, Any] = {}
    if probe.get("exec") is not None:
        command = probe["exec"].get("command")
        out["exec"] = {"command": command} if command else {}
    if probe.get("httpGet") is not None:
        get = probe["httpGet"]
        http: dict[str, Any] = {"path": get.get("path") or "/", "port": get.get("port", 0)}
        if get.get("host"):
            http["host"] = get["host"]
        http["scheme"] = get.get("scheme") or "HTTP"
        if get.get("httpHeaders"):
            http["httpHeaders"] = [
                {"name": h.get("name", ""), "value": h.get("value", "")} for h in get["httpHeaders"]
            ]
        out["httpGet"] = http
    if probe.get("tcpSocket") is not None:
        tcp = probe["tcpSocket"]
        out["tcpSocket"] = {
            "port": tcp.get("port", 0),
            **({"host": tcp["host"]} if tcp.get("host") else {}),
        }
    if probe.get("grpc") is not None:
        # unconfirmed: SetDefaults_GRPCAction turns a nil service into "".
        service = probe["grpc"].get("service")
        out["grpc"] = {"port": probe["grpc"].get("port", 0), "service": service or ""}
    defaults = {
        "timeoutSeconds": 1,
        "periodSeconds": 10,
        "successThreshold": 1,
        "failureThreshold": 3,
    }
    for name in ("initialDelaySeconds", *defaults):
        value = probe.get(name) or defaults.get(name, 0)
        if value:
            out[name] = value
    if probe.get("terminationGracePeriodSeconds") is not None:
        out["terminationGracePeriodSeconds"] = probe["terminationGracePeriodSeconds"]
    return go_marshal(out)


def _puller_and_batcher_args(annotations: Mapping[str, str]) -> list[str]:
    args: list[str] = []
    if c.AGENT_SHOULD_INJECT_ANNOTATION_KEY in annotations:
        args.append(AGENT_ENABLE_FLAG)
        for key, flag in (
            (c.AGENT_MODEL_CONFIG_MOUNT_PATH_ANNOTATION_KEY, AGENT_CONFIG_DIR_ARG_NAME),
            (c.AGENT_MODEL_DIR_ANNOTATION_KEY, AGENT_MODEL_DIR_ARG_NAME),
        ):
            if key in annotations:
                args += [flag, annotations[key]]
    if c.BATCHER_INTERNAL_ANNOTATION_KEY in annotations:
        args.append(BATCHER_ENABLE_FLAG)
        for key, flag in (
            (c.BATCHER_MAX_BATCH_SIZE_INTERNAL_ANNOTATION_KEY, BATCHER_ARGUMENT_MAX_BATCH_SIZE),
            (c.BATCHER_MAX_LATENCY_INTERNAL_ANNOTATION_KEY, BATCHER_ARGUMENT_MAX_LATENCY),
        ):
            if key in annotations:
                args += [flag, annotations[key]]
    return args


def _logger_args(
    pod: Mapping[str, Any], namespace: str, logger: LoggerConfig, warnings: list[str]
) -> list[str]:
    annotations, labels = annotations_of(pod), labels_of(pod)
    store = logger.store
    args = [
        LOGGER_ARGUMENT_LOG_URL,
        annotations.get(c.LOGGER_SINK_URL_INTERNAL_ANNOTATION_KEY, logger.default_url),
        LOGGER_ARGUMENT_SOURCE_URI,
        str((pod.get("metadata") or {}).get("name") or ""),
        LOGGER_ARGUMENT_MODE,
        annotations.get(c.LOGGER_MODE_INTERNAL_ANNOTATION_KEY, LOG_ALL),
        LOGGER_ARGUMENT_INFERENCE_SERVICE,
        labels.get(c.INFERENCE_SERVICE_LABEL, ""),
        LOGGER_ARGUMENT_NAMESPACE,
        namespace,
        LOGGER_ARGUMENT_ENDPOINT,
        labels.get(c.KSERVICE_ENDPOINT_LABEL, ""),
        LOGGER_ARGUMENT_COMPONENT,
        labels.get(c.KSERVICE_COMPONENT_LABEL, ""),
    ]
    if store is not None and store.path:
        args += [LOGGER_ARGUMENT_STORE_PATH, store.path]
    if store is not None and (store.parameters or {}).get(LOGGER_FORMAT_KEY):
        args += [LOGGER_ARGUMENT_STORE_FORMAT, (store.parameters or {})[LOGGER_FORMAT_KEY]]
    if logger.marshaller_url:
        args += [LOGGER_ARGUMENT_MARSHALLER_URL, logger.marshaller_url]
    if logger.batch_size > 0:
        args += [LOGGER_ARGUMENT_BATCH_SIZE, str(logger.batch_size)]
    if logger.batch_interval:
        args += [LOGGER_ARGUMENT_BATCH_INTERVAL, logger.batch_interval]
    if c.LOGGER_METADATA_HEADERS_INTERNAL_ANNOTATION_KEY in annotations:
        headers = annotations[c.LOGGER_METADATA_HEADERS_INTERNAL_ANNOTATION_KEY]
        args += [LOGGER_ARGUMENT_METADATA_HEADERS, headers]
    if c.LOGGER_METADATA_ANNOTATIONS_INTERNAL_ANNOTATION_KEY in annotations:
        pairs = []
        for key in annotations[c.LOGGER_METADATA_ANNOTATIONS_INTERNAL_ANNOTATION_KEY].split(","):
            if key in annotations:
                pairs.append(f"{key}={annotations[key]}")
            else:
                warnings.append(f"failed to find matching annotation {key} on inference service")
        args += [LOGGER_ARGUMENT_METADATA_ANNOTATIONS, ",".join(pairs)]
    if logger.ca_cert_file:
        args += [LOGGER_ARGUMENT_CA_CERT_FILE, logger.ca_cert_file]
    return [*args, LOGGER_ARGUMENT_TLS_SKIP_VERIFY, "true" if logger.tls_skip_verify else "false"]


def _component_port(containers: list[dict[str, Any]]) -> str:
    port = c.INFERENCE_SERVICE_DEFAULT_HTTP_PORT
    for container in containers:
        if container.get("name") == c.INFERENCE_SERVICE_CONTAINER_NAME and container.get("ports"):
            port = str(container["ports"][0].get("containerPort", 0))
    transformer = [x for x in containers if x.get("name") == c.TRANSFORMER_CONTAINER_NAME]
    if transformer:
        ports = transformer[-1].get("ports") or []
        port = (
            str(ports[0].get("containerPort", 0))
            if ports
            else c.INFERENCE_SERVICE_DEFAULT_HTTP_PORT
        )
    return port


def _agent_envs(containers: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], str]:
    """Env copied from queue-proxy (whose USER_PORT moves to the agent), else the probe env."""
    queue_proxies = [x for x in containers if x.get("name") == c.QUEUE_PROXY_CONTAINER_NAME]
    if queue_proxies:
        envs = queue_proxies[-1].get("env") or []
        copied = copy_data(envs)
        for env in envs:
            if env.get("name") == USER_PORT_ENV:
                env["value"] = str(c.INFERENCE_SERVICE_DEFAULT_AGENT_PORT)
        return copied, "/"
    transformers = [x for x in containers if x.get("name") == c.TRANSFORMER_CONTAINER_NAME]
    probe = (transformers[-1] if transformers else containers[0]).get("readinessProbe")
    if probe is None or (probe.get("httpGet") is None and probe.get("tcpSocket") is None):
        return [], "/"
    path = (probe.get("httpGet") or {}).get("path") or "/"
    return [{"name": SERVING_READINESS_PROBE_ENV, "value": probe_json(probe)}], path


def _agent_container(
    config: AgentConfig, args: list[str], envs: list[dict[str, Any]], probe_path: str
) -> dict[str, Any]:
    agent: dict[str, Any] = {"name": c.AGENT_CONTAINER_NAME}
    if config.image:
        agent["image"] = config.image
    agent["args"] = args
    agent["resources"] = {
        "limits": {
            "cpu": must_parse_quantity(config.cpu_limit, "agent cpuLimit"),
            "memory": must_parse_quantity(config.memory_limit, "agent memoryLimit"),
        },
        "requests": {
            "cpu": must_parse_quantity(config.cpu_request, "agent cpuRequest"),
            "memory": must_parse_quantity(config.memory_request, "agent memoryRequest"),
        },
    }
    agent["ports"] = [
        {
            "name": AGENT_PORT_NAME,
            "containerPort": c.INFERENCE_SERVICE_DEFAULT_AGENT_PORT,
            "protocol": "TCP",
        }
    ]
    if envs:
        agent["env"] = envs
    agent["readinessProbe"] = {
        "httpGet": {
            "path": probe_path,
            "port": c.INFERENCE_SERVICE_DEFAULT_AGENT_PORT,
            "scheme": "HTTP",
            "httpHeaders": [dict(K_NETWORK_PROBE_HEADER)],
        }
    }
    return agent


def inject_agent(pod: dict[str, Any], ctx: MutationContext) -> list[str]:
    """Port of `InjectAgent`: one `agent` container for the logger, batcher and puller."""
    annotations = annotations_of(pod)
    inject_logger = c.LOGGER_INTERNAL_ANNOTATION_KEY in annotations
    inject_puller = c.AGENT_SHOULD_INJECT_ANNOTATION_KEY in annotations
    if not (inject_logger or inject_puller or c.BATCHER_INTERNAL_ANNOTATION_KEY in annotations):
        return []
    spec = pod.setdefault("spec", {})
    containers: list[dict[str, Any]] = spec.setdefault("containers", [])
    if get_container_with_name(containers, c.AGENT_CONTAINER_NAME) is not None:
        return []
    if not containers:
        raise MutationError("the pod has no containers")  # GitOps: KServe indexes [0] and panics
    warnings: list[str] = []
    logger = get_logger_configs(ctx.config.logger, ctx.isvc)
    args = _puller_and_batcher_args(annotations)
    if inject_logger:
        args += _logger_args(pod, ctx.namespace, logger, warnings)
    args += [AGENT_COMPONENT_PORT_ARG_NAME, _component_port(containers)]
    envs, probe_path = _agent_envs(containers)
    agent = _agent_container(ctx.config.agent, args, envs, probe_path)
    if containers[0].get("securityContext") is not None:
        agent["securityContext"] = copy_data(containers[0]["securityContext"])
    volumes = spec.setdefault("volumes", [])
    if inject_logger and logger.ca_bundle:
        volumes.append(
            {
                "name": LOGGER_CA_BUNDLE_VOLUME,
                "configMap": {"name": logger.ca_bundle, "optional": True},
            }
        )
        agent.setdefault("volumeMounts", []).append(
            volume_mount(LOGGER_CA_BUNDLE_VOLUME, LOGGER_CA_CERT_MOUNT_PATH, True)
        )
    service_account = str(spec.get("serviceAccountName") or "")
    warnings += ctx.credentials.create_secret_volume_and_env(
        ctx.namespace, annotations, service_account, agent, volumes
    )
    if inject_logger and logger.store is not None:
        logger_account = logger.store.service_account_name or LOGGER_DEFAULT_SERVICE_ACCOUNT_NAME
        warnings += ctx.credentials.create_secret_volume_and_env(
            ctx.namespace, annotations, logger_account, agent, volumes
        )
    containers.append(agent)
    if inject_puller:
        _mount_model_dir(pod)
        _mount_model_config(pod)
    if not volumes:
        del spec["volumes"]
    return warnings


def _mount_model_dir(pod: dict[str, Any]) -> None:
    """Port of `mountModelDir`: emptyDir `model-dir` on the agent and the model server."""
    if c.AGENT_MODEL_DIR_ANNOTATION_KEY not in annotations_of(pod):
        raise MutationError(f"can not find {c.AGENT_MODEL_CONFIG_VOLUME_NAME_ANNOTATION_KEY} label")
    volume = {"name": c.MODEL_DIR_VOLUME_NAME, "emptyDir": {}}
    _mount_volume_to_container(
        c.AGENT_CONTAINER_NAME, pod, volume, c.DEFAULT_MODEL_LOCAL_MOUNT_PATH
    )
    _mount_volume_to_container(
        c.INFERENCE_SERVICE_CONTAINER_NAME, pod, volume, c.DEFAULT_MODEL_LOCAL_MOUNT_PATH
    )


def _mount_model_config(pod: dict[str, Any]) -> None:
    """Port of `mountModelConfig`: the model config ConfigMap on the agent."""
    name = annotations_of(pod).get(c.AGENT_MODEL_CONFIG_VOLUME_NAME_ANNOTATION_KEY)
    if name is None:
        raise MutationError(f"can not find {c.AGENT_MODEL_CONFIG_VOLUME_NAME_ANNOTATION_KEY} label")
    volume = {"name": c.MODEL_CONFIG_VOLUME_NAME, "configMap": {"name": name}}
    _mount_volume_to_container(c.AGENT_CONTAINER_NAME, pod, volume, c.MODEL_CONFIG_DIR)


def _mount_volume_to_container(
    container_name: str, pod: dict[str, Any], volume: dict[str, Any], mount_path: str
) -> None:
    """Port of `mountVolumeToContainer` + `appendVolume`."""
    spec = pod["spec"]
    volumes = spec.setdefault("volumes", [])
    if not any(v.get("name") == volume["name"] for v in volumes):
        volumes.append(copy_data(volume))
    for container in spec.get("containers") or []:
        if container.get("name") == container_name:
            container.setdefault("volumeMounts", []).append(
                volume_mount(volume["name"], mount_path)
            )
