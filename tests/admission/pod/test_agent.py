"""The agent injector: logger, batcher and puller sidecar (agent_injector.go).

Ported from KServe v0.20.0 `pkg/webhook/admission/pod/agent_injector_test.go` (`TestAgentInjector`
with its TLS and logger-storage tables, `TestGetLoggerConfigs`, `TestGetAgentConfigs`,
`TestReadinessProbeInheritance`); ids are the Go scenario keys. Go compares `Pod.Spec`.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from generator import constants as c
from generator.admission.pod import MutationContext, MutationError
from generator.admission.pod.agent import get_logger_configs, inject_agent, probe_json
from generator.config import builtin_layer, resolve
from generator.config.jsondecode import ConfigError
from generator.config.pod_configs import (
    AgentConfig,
    CredentialConfig,
    LoggerConfig,
    LoggerStorageSpec,
)

BASE, _ = resolve([builtin_layer()])
assert BASE is not None
AGENT_CONFIG = AgentConfig(
    image="gcr.io/kserve/agent:latest",
    cpu_request="100m",
    cpu_limit="1",
    memory_request="200Mi",
    memory_limit="1Gi",
)
LOGGER = LoggerConfig(image="gcr.io/kserve/agent:latest", default_url="http://httpbin.org/")
LOGGER_TLS = LoggerConfig(
    image="gcr.io/kserve/agent:latest",
    default_url="https://httpbin.org/",
    ca_bundle="kserve-tls-bundle",
    ca_cert_file="ca.crt",
    tls_skip_verify=True,
)
STORAGE_PARAMETERS = {"type": "s3", "region": "us-west-2", "format": "json"}
LOGGER_WITH_STORAGE = dataclasses.replace(
    LOGGER,
    store=LoggerStorageSpec("/logger", STORAGE_PARAMETERS, "logger-credentials", "logger-sa"),
)
RESOURCES = {
    "limits": {"cpu": "1", "memory": "1Gi"},
    "requests": {"cpu": "100m", "memory": "200Mi"},
}
PROBE = {
    "tcpSocket": {"port": 8080},
    "timeoutSeconds": 1,
    "periodSeconds": 10,
    "successThreshold": 1,
    "failureThreshold": 3,
}
PROBE_JSON = (
    '{"tcpSocket":{"port":8080},"timeoutSeconds":1,"periodSeconds":10,"successThreshold":1,'
    '"failureThreshold":3}'
)
PROBE_ENV = [{"name": "SERVING_READINESS_PROBE", "value": PROBE_JSON}]
READY_PROBE_JSON = (
    '{"httpGet":{"path":"/v1/health/ready","port":8080,"scheme":"HTTP"},"timeoutSeconds":1,'
    '"periodSeconds":10,"successThreshold":1,"failureThreshold":3}'
)
LABELS = {
    "serving.kserve.io/inferenceservice": "sklearn",
    c.KSERVICE_MODEL_LABEL: "sklearn",
    c.KSERVICE_ENDPOINT_LABEL: "default",
    c.KSERVICE_COMPONENT_LABEL: "predictor",
}
PULLER = {
    c.AGENT_SHOULD_INJECT_ANNOTATION_KEY: "true",
    c.AGENT_MODEL_CONFIG_VOLUME_NAME_ANNOTATION_KEY: "modelconfig-deployment-0",
    c.AGENT_MODEL_DIR_ANNOTATION_KEY: "/mnt/models",
    c.AGENT_MODEL_CONFIG_MOUNT_PATH_ANNOTATION_KEY: "/mnt/configs",
}
LOGGER_ANNOTATIONS = {
    c.LOGGER_INTERNAL_ANNOTATION_KEY: "true",
    c.LOGGER_SINK_URL_INTERNAL_ANNOTATION_KEY: "http://httpbin.org/",
    c.LOGGER_MODE_INTERNAL_ANNOTATION_KEY: "all",
}
QUEUE_PROXY = {"name": "queue-proxy", "env": PROBE_ENV}
SKLEARN = {"name": "sklearn", "readinessProbe": PROBE}
PULLER_VOLUMES = [
    {"name": "model-dir", "emptyDir": {}},
    {"name": "model-config", "configMap": {"name": "modelconfig-deployment-0"}},
]
PULLER_MOUNTS = [
    {"name": "model-dir", "mountPath": "/mnt/models"},
    {"name": "model-config", "mountPath": "/mnt/configs"},
]
PULLER_ARGS = ["--enable-puller", "--config-dir", "/mnt/configs", "--model-dir", "/mnt/models"]


def ctx(logger: LoggerConfig = LOGGER, isvc: dict[str, Any] | None = None) -> MutationContext:
    config = dataclasses.replace(
        BASE, agent=AGENT_CONFIG, logger=logger, credentials=CredentialConfig()
    )
    return MutationContext(config, "default", isvc=isvc)


def pod(
    annotations: dict[str, str] | None,
    *containers: dict[str, Any],
    labels: bool = True,
    **spec: Any,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "deployment", "namespace": "default"}
    if annotations is not None:
        meta["annotations"] = dict(annotations)
    if labels:
        meta["labels"] = dict(LABELS)
    return {"metadata": meta, "spec": {**spec, "containers": copy.deepcopy(list(containers))}}


def agent(
    args: list[str],
    env: list[dict[str, Any]] | None = None,
    probe_path: str = "/",
    mounts: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    container: dict[str, Any] = {
        "name": "agent",
        "image": "gcr.io/kserve/agent:latest",
        "args": args,
        "resources": RESOURCES,
        "ports": [{"name": "agent-port", "containerPort": 9081, "protocol": "TCP"}],
        "env": PROBE_ENV if env is None else env,
        "readinessProbe": {
            "httpGet": {
                "path": probe_path,
                "port": 9081,
                "scheme": "HTTP",
                "httpHeaders": [{"name": "K-Network-Probe", "value": "queue"}],
            }
        },
    }
    if mounts:
        container["volumeMounts"] = mounts
    return container


def logger_args(*extra: str, url: str = "http://httpbin.org/", tls: str = "false") -> list[str]:
    return [
        "--log-url", url, "--source-uri", "deployment", "--log-mode", "all",
        "--inference-service", "sklearn", "--namespace", "default", "--endpoint", "default",
        "--component", "predictor", *extra,
        "--logger-tls-skip-verify", tls, "--component-port", "8080",
    ]  # fmt: skip


ALREADY = agent(PULLER_ARGS, mounts=PULLER_MOUNTS)
KSERVE = {"name": "kserve-container", "readinessProbe": PROBE}
SCENARIOS: dict[str, tuple[dict[str, Any], dict[str, Any], LoggerConfig]] = {
    "AddAgent": (
        pod(PULLER, SKLEARN, serviceAccountName="sa"),
        {
            "serviceAccountName": "sa",
            "containers": [
                SKLEARN,
                agent([*PULLER_ARGS, "--component-port", "8080"], mounts=PULLER_MOUNTS),
            ],
            "volumes": PULLER_VOLUMES,
        },
        LOGGER,
    ),
    "DoNotAddAgent": (
        pod(None, {"name": "sklearn"}, labels=False),
        {"containers": [{"name": "sklearn"}]},
        LOGGER,
    ),
    "AddLogger": (
        pod(LOGGER_ANNOTATIONS, SKLEARN, QUEUE_PROXY),
        {"containers": [SKLEARN, QUEUE_PROXY, agent(logger_args())]},
        LOGGER,
    ),
    "AddLoggerWithMetadata": (
        pod(
            {**LOGGER_ANNOTATIONS, c.LOGGER_METADATA_HEADERS_INTERNAL_ANNOTATION_KEY: "Foo,Bar"},
            SKLEARN,
            QUEUE_PROXY,
        ),
        {"containers": [SKLEARN, QUEUE_PROXY, agent(logger_args("--metadata-headers", "Foo,Bar"))]},
        LOGGER,
    ),
    "AddLoggerWithAnnotation": (
        pod(
            {
                **LOGGER_ANNOTATIONS,
                c.LOGGER_METADATA_ANNOTATIONS_INTERNAL_ANNOTATION_KEY: "Foo,Fizz",
                "Foo": "Bar",
                "Fizz": "Buzz",
            },
            SKLEARN,
            QUEUE_PROXY,
        ),
        {
            "containers": [
                SKLEARN,
                QUEUE_PROXY,
                agent(logger_args("--metadata-annotations", "Foo=Bar,Fizz=Buzz")),
            ]
        },
        LOGGER,
    ),
    "DoNotAddLogger": (
        pod(None, {"name": "sklearn"}, labels=False),
        {"containers": [{"name": "sklearn"}]},
        LOGGER,
    ),
    "AddBatcher": (
        pod(
            {
                c.BATCHER_INTERNAL_ANNOTATION_KEY: "true",
                c.BATCHER_MAX_LATENCY_INTERNAL_ANNOTATION_KEY: "100",
                c.BATCHER_MAX_BATCH_SIZE_INTERNAL_ANNOTATION_KEY: "30",
            },
            SKLEARN,
            QUEUE_PROXY,
        ),
        {
            "containers": [
                SKLEARN,
                QUEUE_PROXY,
                agent(
                    [
                        "--enable-batcher",
                        "--max-batchsize",
                        "30",
                        "--max-latency",
                        "100",
                        "--component-port",
                        "8080",
                    ]
                ),
            ]
        },
        LOGGER,
    ),
    "DoNotAddBatcher": (
        pod(None, {"name": "sklearn"}, labels=False),
        {"containers": [{"name": "sklearn"}]},
        LOGGER,
    ),
    "AgentAlreadyInjected": (
        pod(PULLER, SKLEARN, ALREADY, serviceAccountName="sa", volumes=PULLER_VOLUMES),
        {"serviceAccountName": "sa", "containers": [SKLEARN, ALREADY], "volumes": PULLER_VOLUMES},
        LOGGER,
    ),
    "DefaultLoggerConfig": (
        pod({c.LOGGER_INTERNAL_ANNOTATION_KEY: "true"}, KSERVE, QUEUE_PROXY),
        {"containers": [KSERVE, QUEUE_PROXY, agent(logger_args())]},
        LOGGER,
    ),
    "QueueProxyUserPortProvided": (
        pod(
            {c.LOGGER_INTERNAL_ANNOTATION_KEY: "true"},
            KSERVE,
            {"name": "queue-proxy", "env": [*PROBE_ENV, {"name": "USER_PORT", "value": "8080"}]},
        ),
        {
            "containers": [
                KSERVE,
                {
                    "name": "queue-proxy",
                    "env": [*PROBE_ENV, {"name": "USER_PORT", "value": "9081"}],
                },
                agent(logger_args(), env=[*PROBE_ENV, {"name": "USER_PORT", "value": "8080"}]),
            ]
        },
        LOGGER,
    ),
    "KserveContainer has port": (
        pod(
            PULLER,
            {**KSERVE, "ports": [{"name": "serving-port", "containerPort": 80}]},
            serviceAccountName="sa",
        ),
        {
            "serviceAccountName": "sa",
            "containers": [
                {
                    **KSERVE,
                    "ports": [{"name": "serving-port", "containerPort": 80}],
                    "volumeMounts": [{"name": "model-dir", "mountPath": "/mnt/models"}],
                },
                agent([*PULLER_ARGS, "--component-port", "80"], mounts=PULLER_MOUNTS),
            ],
            "volumes": PULLER_VOLUMES,
        },
        LOGGER,
    ),
    "AddLogger TLS": (
        pod(
            {
                **LOGGER_ANNOTATIONS,
                c.LOGGER_SINK_URL_INTERNAL_ANNOTATION_KEY: "https://httpbin.org/",
            },
            SKLEARN,
            QUEUE_PROXY,
        ),
        {
            "containers": [
                SKLEARN,
                QUEUE_PROXY,
                agent(
                    logger_args(
                        "--logger-ca-cert-file", "ca.crt", url="https://httpbin.org/", tls="true"
                    ),
                    mounts=[
                        {
                            "name": "agent-ca-bundle",
                            "readOnly": True,
                            "mountPath": "/etc/tls/logger",
                        }
                    ],
                ),
            ],
            "volumes": [
                {
                    "name": "agent-ca-bundle",
                    "configMap": {"name": "kserve-tls-bundle", "optional": True},
                }
            ],
        },
        LOGGER_TLS,
    ),
    "AddLoggerWithStorage": (
        pod(LOGGER_ANNOTATIONS, SKLEARN, QUEUE_PROXY),
        {
            "containers": [
                SKLEARN,
                QUEUE_PROXY,
                agent(logger_args("--log-store-path", "/logger", "--log-store-format", "json")),
            ]
        },
        LOGGER_WITH_STORAGE,
    ),
    "AddAgentWithHTTPGetReadinessProbe": (
        pod(
            PULLER,
            {
                "name": "sklearn",
                "readinessProbe": {
                    "httpGet": {"path": "/v1/health/ready", "port": 8080, "scheme": "HTTP"},
                    "timeoutSeconds": 1,
                    "periodSeconds": 10,
                    "successThreshold": 1,
                    "failureThreshold": 3,
                },
            },
            serviceAccountName="sa",
        ),
        {
            "serviceAccountName": "sa",
            "containers": [
                {
                    "name": "sklearn",
                    "readinessProbe": {
                        "httpGet": {"path": "/v1/health/ready", "port": 8080, "scheme": "HTTP"},
                        "timeoutSeconds": 1,
                        "periodSeconds": 10,
                        "successThreshold": 1,
                        "failureThreshold": 3,
                    },
                },
                agent(
                    [*PULLER_ARGS, "--component-port", "8080"],
                    env=[
                        {
                            "name": "SERVING_READINESS_PROBE",
                            "value": READY_PROBE_JSON,
                        }
                    ],
                    probe_path="/v1/health/ready",
                    mounts=PULLER_MOUNTS,
                ),
            ],
            "volumes": PULLER_VOLUMES,
        },
        LOGGER,
    ),
}


@pytest.mark.parametrize(
    ("original", "expected", "logger"), SCENARIOS.values(), ids=SCENARIOS.keys()
)
def test_agent_injector(
    original: dict[str, Any], expected: dict[str, Any], logger: LoggerConfig
) -> None:
    inject_agent(original, ctx(logger))
    assert original["spec"] == expected


def test_agent_injector_warns_about_absent_service_accounts() -> None:
    """GitOps: KServe silently skips a ServiceAccount it cannot find; here it is a warning."""
    original = pod(LOGGER_ANNOTATIONS, SKLEARN, QUEUE_PROXY, serviceAccountName="sa")
    warnings = inject_agent(original, ctx(LOGGER_WITH_STORAGE))
    assert [w.split(" (")[0] for w in warnings] == [
        "ServiceAccount default/sa",
        "ServiceAccount default/logger-sa",
    ]


def test_puller_without_model_dir_annotation_fails() -> None:
    annotations = {k: v for k, v in PULLER.items() if k != c.AGENT_MODEL_DIR_ANNOTATION_KEY}
    with pytest.raises(
        MutationError, match=r"can not find internal\.serving\.kserve\.io/configVolumeName label"
    ):
        inject_agent(pod(annotations, SKLEARN), ctx())


LOGGER_RESOURCES = LoggerConfig(
    image="gcr.io/kfserving/logger:latest",
    cpu_request="100m",
    cpu_limit="1",
    memory_request="200Mi",
    memory_limit="1Gi",
)


def _isvc(storage: dict[str, Any] | None) -> dict[str, Any]:
    logger: dict[str, Any] = {"url": "s3://bucket/logger", "mode": "all"}
    if storage is not None:
        logger["storage"] = storage
    return {"spec": {"predictor": {"logger": logger}}}


STORAGE = {"path": "/logger", "parameters": STORAGE_PARAMETERS, "key": "logger-credentials"}


@pytest.mark.parametrize(
    ("isvc", "store"),
    [
        (_isvc(None), None),
        (
            _isvc(STORAGE),
            LoggerStorageSpec("/logger", STORAGE_PARAMETERS, "logger-credentials", "logger-sa"),
        ),
        (
            _isvc({**STORAGE, "serviceAccountName": "logger-service-account-name"}),
            LoggerStorageSpec(
                "/logger", STORAGE_PARAMETERS, "logger-credentials", "logger-service-account-name"
            ),
        ),
        (
            _isvc({**STORAGE, "serviceAccountName": "logger-service-account-name"}),
            LoggerStorageSpec(
                "/logger", STORAGE_PARAMETERS, "logger-credentials", "logger-service-account-name"
            ),
        ),
    ],
    ids=[
        "Logger storage nil",
        "Logger storage service account nil",
        "Logger storage service account nil (second)",
        "Valid Logger Config",
    ],
)
def test_get_logger_configs(isvc: dict[str, Any], store: LoggerStorageSpec | None) -> None:
    assert get_logger_configs(LOGGER_RESOURCES, isvc) == dataclasses.replace(
        LOGGER_RESOURCES, store=store
    )


def test_get_logger_configs_invalid_resource_value() -> None:
    text = (
        '{"image": "gcr.io/kfserving/logger:latest", "cpuRequest": "100m", "cpuLimit": "1", '
        '"memoryRequest": "200mc", "memoryLimit": "1Gi"}'
    )
    with pytest.raises(ConfigError):
        LoggerConfig.from_json(text)


@pytest.mark.parametrize(
    ("memory_request", "valid"),
    [("200Mi", True), ("200mc", False)],
    ids=["Valid Agent Config", "Invalid Resource Value"],
)
def test_get_agent_configs(memory_request: str, valid: bool) -> None:
    text = (
        '{"image": "gcr.io/kfserving/agent:latest", "cpuRequest": "100m", "cpuLimit": "1", '
        f'"memoryRequest": "{memory_request}", "memoryLimit": "1Gi"}}'
    )
    if not valid:
        with pytest.raises(ConfigError):
            AgentConfig.from_json(text)
        return
    assert AgentConfig.from_json(text) == AgentConfig(
        image="gcr.io/kfserving/agent:latest",
        cpu_request="100m",
        cpu_limit="1",
        memory_request="200Mi",
        memory_limit="1Gi",
    )


# The Go test marshals with its own helper (zero ints kept); production marshals `corev1.Probe`
# (zero ints dropped) of the API-server-defaulted pod, which is what these expect.
@pytest.mark.parametrize(
    ("probe", "expected"),
    [
        (
            {"httpGet": {"path": "/ready", "port": 8080, "scheme": "HTTP"}},
            '{"httpGet":{"path":"/ready","port":8080,"scheme":"HTTP"},"timeoutSeconds":1,"periodSeconds":10,'
            '"successThreshold":1,"failureThreshold":3}',
        ),
        ({"tcpSocket": {"port": 8080}}, PROBE_JSON),
        ({"exec": {"command": ["echo", "hello"]}}, None),
    ],
    ids=["HTTPGet Readiness Probe", "TCPSocket Readiness Probe", "Exec Readiness Probe"],
)
def test_readiness_probe_inheritance(probe: dict[str, Any], expected: str | None) -> None:
    original = pod(
        {c.BATCHER_INTERNAL_ANNOTATION_KEY: "true"},
        {"name": "test-container", "readinessProbe": probe},
    )
    inject_agent(original, ctx())
    envs = original["spec"]["containers"][-1].get("env", [])
    found = [e["value"] for e in envs if e["name"] == "SERVING_READINESS_PROBE"]
    assert found == ([] if expected is None else [expected])
    if expected is not None:
        assert probe_json(probe) == expected
