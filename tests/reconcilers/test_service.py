"""Ported from KServe v0.20.0 `reconcilers/service/service_reconciler_test.go`.

`TestCreateDefaultDeployment` (sic: it tests Services) compares with `DeepDerivative`; here the
whole objects are compared. The six `TestCreateServiceRaw*` tests share one Go helper and become
one parametrised test with the Go test names as ids. Every Service is validated with
kubernetes-validate (strict).
"""

from __future__ import annotations

from typing import Any

import kubernetes_validate
import pytest

from generator import constants as c
from generator.config.configmap import ServiceConfig
from generator.reconcilers.service import create_service, default_service_ports
from generator.render import Renderer

RENDERER = Renderer()


def assert_valid(obj: dict[str, Any]) -> None:
    kubernetes_validate.validate(obj, "1.34", strict=True)


POD_SPEC = {
    "volumes": [{"name": "default-predictor-example-volume"}],
    "containers": [
        {
            "name": "kserve-container",
            "image": "default-predictor-example-image",
            "env": [{"name": "default-predictor-example-env", "value": "example-env"}],
        }
    ],
}
DEFAULT_META = {
    "name": "default-predictor",
    "namespace": "default-predictor-namespace",
    "annotations": {"annotation": "annotation-value"},
    "labels": {c.DEPLOYMENT_MODE: "Standard", c.AUTOSCALER_CLASS: c.DEFAULT_AUTOSCALER_CLASS},
}
MULTI_NODE_LABELS = {
    c.RAW_DEPLOYMENT_APP_LABEL: "isvc.default-predictor",
    c.INFERENCE_SERVICE_POD_LABEL_KEY: "default-predictor",
    c.KSERVICE_COMPONENT_LABEL: "predictor",
    c.INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY: "1",
}
MULTI_NODE_META = {**DEFAULT_META, "labels": MULTI_NODE_LABELS}
PORT_8080 = {"name": "default-predictor", "protocol": "TCP", "port": 80, "targetPort": 8080}


def _service(
    name: str, labels: dict[str, str], spec: dict[str, Any], annotations: bool = True
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "default-predictor-namespace"}
    meta["labels"] = labels
    if annotations:
        meta["annotations"] = {"annotation": "annotation-value"}
    return {"apiVersion": "v1", "kind": "Service", "metadata": meta, "spec": spec}


def _headless(name: str, role: str, app: str) -> dict[str, Any]:
    return _service(
        name,
        {**MULTI_NODE_LABELS, c.MULTI_NODE_ROLE_LABEL_KEY: role},
        {
            "selector": {
                c.RAW_DEPLOYMENT_APP_LABEL: app,
                c.INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY: "1",
            },
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
        },
    )


CASES = {
    "default service": (
        DEFAULT_META,
        False,
        [
            _service(
                "default-predictor",
                DEFAULT_META["labels"],
                {
                    "ports": [PORT_8080],
                    "selector": {c.RAW_DEPLOYMENT_APP_LABEL: "isvc.default-predictor"},
                },
            )
        ],
    ),
    "multiNode service": (
        MULTI_NODE_META,
        True,
        [
            _service(
                "default-predictor",
                MULTI_NODE_LABELS,
                {"ports": [PORT_8080], "selector": {"app": "isvc.default-predictor"}},
            ),
            _headless("default-head-1", c.MULTI_NODE_HEAD, "isvc.default-predictor"),
            _headless("default-workers-1", c.MULTI_NODE_WORKER, "isvc.default-predictor-worker"),
        ],
    ),
}


@pytest.mark.parametrize(("meta", "multi_node", "expected"), CASES.values(), ids=CASES)
def test_create_default_deployment(
    meta: dict[str, Any], multi_node: bool, expected: list[dict[str, Any]]
) -> None:
    got = create_service(meta, {}, POD_SPEC, multi_node, ServiceConfig(), RENDERER)
    assert got == expected
    for service in got:
        assert_valid(service)


RAW_CASES = {
    "TestCreateServiceRawServiceConfigEmpty": (ServiceConfig(), None),
    "TestCreateServiceRawServiceAndConfigNil": (None, None),
    "TestCreateServiceRawFalseAndConfigTrue": (ServiceConfig(service_cluster_ip_none=True), "None"),
    "TestCreateServiceRawTrueAndConfigFalse": (ServiceConfig(service_cluster_ip_none=False), None),
    "TestCreateServiceRawFalseAndConfigNil": (ServiceConfig(), None),
    "TestCreateServiceRawTrueAndConfigNil": (ServiceConfig(), None),
}


@pytest.mark.parametrize(("service_config", "cluster_ip"), RAW_CASES.values(), ids=RAW_CASES)
def test_create_service_raw(service_config: ServiceConfig | None, cluster_ip: str | None) -> None:
    meta = {"name": "test-service", "namespace": "default"}
    service = create_service(meta, {}, {}, False, service_config, RENDERER)[0]
    assert service["metadata"] == meta
    assert service["spec"]["selector"] == {"app": "isvc.test-service"}
    assert service["spec"].get("clusterIP") == cluster_ip
    assert_valid(service)


# --- beyond the Go table tests --------------------------------------------------------------

TRANSFORMER_PODS = {
    "containers": [
        {"name": "kserve-container", "ports": [{"containerPort": 1234}]},
        {
            "name": "transformer-container",
            "ports": [
                {"name": "http1", "containerPort": 8080},
                {"name": "grpc-port", "containerPort": 8081},
                {"name": "metrics", "containerPort": 9090, "protocol": "UDP"},
            ],
        },
    ]
}


def test_ports_come_from_the_transformer_container() -> None:
    meta = {"name": "x-predictor", "namespace": "ns"}
    assert default_service_ports(meta, {}, TRANSFORMER_PODS) == [
        {"name": "http1", "port": 80, "targetPort": 8080},  # no protocol: Go copies it as given
        {
            "name": "grpc-port",
            "port": 8081,
            "targetPort": 8081,
            "protocol": "TCP",
            "appProtocol": "kubernetes.io/h2c",
        },
        {"name": "metrics", "port": 9090, "targetPort": 9090, "protocol": "UDP"},
    ]


@pytest.mark.parametrize("component", ["logger", "batcher"])
def test_logger_or_batcher_sends_traffic_to_the_agent(component: str) -> None:
    meta = {"name": "x-predictor", "namespace": "ns"}
    ext = {component: {}}
    service = create_service(meta, ext, TRANSFORMER_PODS, False, None, RENDERER)[0]
    assert [p["targetPort"] for p in service["spec"]["ports"]] == [9081, 8081, 9090]
    assert_valid(service)
