"""Ported from KServe v0.20.0 `reconcilers/ingress/kube_ingress_reconciler_test.go`.

The Go tests check the status URL and address the reconciler records; here those are
`create_raw_url` and `create_address`, and the Services Go reads from the fake client are passed
in by name. The Ingress rules themselves are checked against `rawkube_controller_test.go`
("Should have ingress/service/deployment/hpa created") and the rule table of `createRawIngress`.
Every Ingress is validated with kubernetes-validate (strict, networking.k8s.io/v1).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import kubernetes_validate
import pytest

from generator import constants as c
from generator.config import builtin_layer, resolve
from generator.config.configmap import IngressConfig
from generator.errors import Invalid
from generator.reconcilers.ingress.httproute import create_raw_url
from generator.reconcilers.ingress.kube_ingress import (
    create_address,
    create_raw_ingress,
    generate_rule,
    reconcile_raw_ingress,
    services_by_name,
)
from generator.render import Renderer

RENDERER = Renderer()
CONFIG, _ = resolve([builtin_layer()])
TEMPLATE = "{{.Name}}-{{.Namespace}}.{{.IngressDomain}}"
ISVC = {"metadata": {"name": "test-isvc", "namespace": "default"}, "spec": {"predictor": {}}}
TRANSFORMER_ISVC = {**ISVC, "spec": {"predictor": {}, "transformer": {}}}
PREDICTOR_HOST = "test-isvc-predictor.default.svc.cluster.local"
TRANSFORMER_HOST = "test-isvc-transformer.default.svc.cluster.local"


def assert_valid(obj: dict[str, Any]) -> None:
    kubernetes_validate.validate(obj, "1.34", strict=True)


def make_service(name: str, headless: bool) -> dict[str, Any]:
    cluster_ip = "None" if headless else "10.0.0.1"
    return {"metadata": {"name": name, "namespace": "default"}, "spec": {"clusterIP": cluster_ip}}


def ingress_config(**overrides: Any) -> IngressConfig:
    base = {"url_scheme": "http", "ingress_domain": "example.com", "domain_template": TEMPLATE}
    return IngressConfig(**{**base, **overrides})


ADDRESS_CASES = {
    "ClusterIP service": (False, "http://" + PREDICTOR_HOST),
    "headless service appends port 8080": (True, f"http://{PREDICTOR_HOST}:8080"),
}


@pytest.mark.parametrize(("headless", "expected"), ADDRESS_CASES.values(), ids=ADDRESS_CASES)
def test_create_address(headless: bool, expected: str) -> None:
    services = {"test-isvc-predictor": make_service("test-isvc-predictor", headless)}
    assert create_address(ISVC, services) == expected


def test_create_address_transformer() -> None:
    services = {"test-isvc-transformer": make_service("test-isvc-transformer", False)}
    assert create_address(TRANSFORMER_ISVC, services) == "http://" + TRANSFORMER_HOST


URL_AND_ADDRESS_CASES = {
    "ClusterIP, urlScheme=http": (False, "http", "http://" + PREDICTOR_HOST),
    "ClusterIP, urlScheme=https -- address must still be http": (
        False, "https", "http://" + PREDICTOR_HOST,
    ),
    "headless, urlScheme=http": (True, "http", f"http://{PREDICTOR_HOST}:8080"),
    "headless, urlScheme=https -- address must still be http": (
        True, "https", f"http://{PREDICTOR_HOST}:8080",
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("headless", "scheme", "address"), URL_AND_ADDRESS_CASES.values(), ids=URL_AND_ADDRESS_CASES
)
def test_raw_ingress_reconciler_url_and_address(headless: bool, scheme: str, address: str) -> None:
    config = dataclasses.replace(
        CONFIG, ingress=ingress_config(disable_ingress_creation=True, url_scheme=scheme)
    )
    services = {"test-isvc-predictor": make_service("test-isvc-predictor", headless)}
    assert reconcile_raw_ingress(ISVC, services, config, RENDERER) == []
    assert create_raw_url(ISVC, config.ingress) == f"{scheme}://test-isvc-default.example.com"
    assert create_address(ISVC, services) == address


def test_raw_ingress_reconciler_url_and_address_transformer() -> None:
    config = dataclasses.replace(CONFIG, ingress=ingress_config(disable_ingress_creation=True))
    services = {"test-isvc-transformer": make_service("test-isvc-transformer", False)}
    assert reconcile_raw_ingress(TRANSFORMER_ISVC, services, config, RENDERER) == []
    assert (
        create_raw_url(TRANSFORMER_ISVC, config.ingress) == "http://test-isvc-default.example.com"
    )
    assert create_address(TRANSFORMER_ISVC, services) == "http://" + TRANSFORMER_HOST


def test_raw_ingress_reconciler_cluster_local() -> None:
    isvc = {
        **ISVC,
        "metadata": {
            **ISVC["metadata"],
            "labels": {c.NETWORK_VISIBILITY: c.CLUSTER_LOCAL_VISIBILITY},
        },
    }
    config = dataclasses.replace(CONFIG, ingress=ingress_config())
    services = {"test-isvc-predictor": make_service("test-isvc-predictor", False)}
    assert reconcile_raw_ingress(isvc, services, config, RENDERER) == []
    assert create_raw_url(isvc, config.ingress) == "http://test-isvc-default.example.com"
    assert create_address(isvc, services) == "http://" + PREDICTOR_HOST


# --- the Ingress object (rawkube_controller_test.go and createRawIngress's rule table) -------


def rule(host: str, service: str) -> dict[str, Any]:
    return generate_rule(host, service, "/", 80)


def test_generate_rule() -> None:
    assert rule("h.example.com", "svc") == {
        "host": "h.example.com",
        "http": {
            "paths": [
                {
                    "path": "/",
                    "pathType": "Prefix",
                    "backend": {"service": {"name": "svc", "port": {"number": 80}}},
                }
            ]
        },
    }


def test_ingress_with_gateway_api_disabled() -> None:
    """rawkube_controller_test.go: "Should have ingress/service/deployment/hpa created"."""
    annotations = {c.DEPLOYMENT_MODE: "Standard", c.AUTOSCALER_CLASS: "hpa"}
    isvc = {
        "metadata": {"name": "raw-foo", "namespace": "default", "annotations": annotations},
        "spec": {"predictor": {"minReplicas": 1, "maxReplicas": 3}},
    }
    got = reconcile_raw_ingress(isvc, {}, CONFIG, RENDERER)
    assert got == [
        {
            "apiVersion": "networking.k8s.io/v1",
            "kind": "Ingress",
            "metadata": {"name": "raw-foo", "namespace": "default", "annotations": annotations},
            "spec": {
                "ingressClassName": "istio",
                "rules": [
                    rule("raw-foo-default.example.com", "raw-foo-predictor"),
                    rule("raw-foo-predictor-default.example.com", "raw-foo-predictor"),
                ],
            },
        }
    ]
    assert_valid(got[0])


T, E, P = "i-transformer-ns.example.com", "i-explainer-ns.example.com", "i-predictor-ns.example.com"
RULE_CASES = {
    "predictor only": ({}, [rule("i-ns.example.com", "i-predictor"), rule(P, "i-predictor")]),
    "explainer": (
        {"explainer": {}},
        [rule("i-ns.example.com", "i-predictor"), rule(E, "i-explainer"), rule(P, "i-predictor")],
    ),
    "transformer": (
        {"transformer": {}},
        [rule("i-ns.example.com", "i-transformer"), rule(T, "i-predictor"), rule(P, "i-predictor")],
    ),
    "transformer and explainer": (
        {"transformer": {}, "explainer": {}},
        [
            rule(T, "i-explainer"),
            rule("i-ns.example.com", "i-transformer"),
            rule(T, "i-predictor"),
            rule(P, "i-predictor"),
        ],
    ),
    "named predictor": (
        {"predictor": {"name": "blue"}},
        [
            rule("i-ns.example.com", "i-blue-predictor"),
            rule("i-blue-predictor-ns.example.com", "i-blue-predictor"),
        ],
    ),
}


@pytest.mark.parametrize(("components", "rules"), RULE_CASES.values(), ids=RULE_CASES)
def test_create_raw_ingress_rules(components: dict[str, Any], rules: list[dict[str, Any]]) -> None:
    isvc = {"metadata": {"name": "i", "namespace": "ns"}, "spec": {"predictor": {}, **components}}
    got = create_raw_ingress(isvc, ingress_config(ingress_class_name=None), RENDERER)
    assert isinstance(got, dict)
    assert got["spec"] == {"rules": rules}
    assert_valid(got)


@pytest.mark.parametrize(
    ("ready", "components"),
    [
        (set(), {}),
        ({"PredictorReady"}, {"transformer": {}}),
        ({"PredictorReady"}, {"explainer": {}}),
    ],
)
def test_no_ingress_until_components_are_ready(ready: set[str], components: dict[str, Any]) -> None:
    isvc = {"metadata": {"name": "i", "namespace": "ns"}, "spec": {"predictor": {}, **components}}
    assert create_raw_ingress(isvc, ingress_config(), RENDERER, ready) is None


@pytest.mark.parametrize(
    ("labels", "ingress", "annotations"),
    [
        ({}, ingress_config(ingress_domain=c.CLUSTER_LOCAL_DOMAIN), {}),
        ({}, ingress_config(disable_ingress_creation=True), {}),
        ({}, ingress_config(), {c.STOP_ANNOTATION_KEY: "true"}),
    ],
    ids=["cluster-local domain", "ingress creation disabled", "stopped"],
)
def test_no_ingress(
    labels: dict[str, str], ingress: IngressConfig, annotations: dict[str, str]
) -> None:
    isvc = {
        "metadata": {"name": "i", "namespace": "ns", "labels": labels, "annotations": annotations},
        "spec": {"predictor": {}},
    }
    config = dataclasses.replace(CONFIG, ingress=ingress)
    assert reconcile_raw_ingress(isvc, {}, config, RENDERER) == []


def test_bad_domain_template_is_reported() -> None:
    config = dataclasses.replace(CONFIG, ingress=ingress_config(domain_template="{{.Name}}_x"))
    got = reconcile_raw_ingress(ISVC, {}, config, RENDERER)
    assert isinstance(got, Invalid)
    assert got.message.startswith("failed creating top level predictor ingress host: ")


def test_services_by_name() -> None:
    service = make_service("a-predictor", False)
    objects = [{**service, "kind": "Service"}, {"kind": "Deployment", "metadata": {"name": "x"}}]
    assert services_by_name(objects) == {"a-predictor": objects[0]}
