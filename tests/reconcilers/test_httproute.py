"""Ported from KServe v0.20.0 `reconcilers/ingress/httproute_reconciler_test.go`.

The Go tests set component Ready conditions in the isvc status; here they are the `ready` set.
Go compares `Spec` and `ObjectMeta` (empty label/annotation maps, which JSON omits); here whole
objects are compared. Status-only tests (`TestIsHTTPRouteReady`, most of
`TestRawHTTPRouteReconciler_Reconcile`) and client round trips have no offline counterpart.
The dual-protocol rules and the expectations of `rawkube_controller_test.go` are tested at the
end. Every HTTPRoute is validated against Gateway API's CRD (strict, `crd_schema`).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from reconcilers.crd_schema import crd_errors

from generator import constants as c
from generator.config import builtin_layer, resolve
from generator.config.configmap import InferenceServicesConfig, IngressConfig
from generator.errors import Invalid
from generator.reconcilers.ingress.httproute import (
    add_isvc_headers,
    create_http_route_match,
    create_http_route_rule,
    create_raw_explainer_http_route,
    create_raw_predictor_http_route,
    create_raw_top_level_http_route,
    create_raw_transformer_http_route,
    create_raw_url,
    detect_service_protocol_ports,
    get_raw_service_host,
    resolve_timeout,
)
from generator.reconcilers.ingress.kube_ingress import reconcile_raw_ingress
from generator.render import Renderer

RENDERER = Renderer()
CONFIG, _ = resolve([builtin_layer()])
TEMPLATE = "{{.Name}}-{{.Namespace}}.{{.IngressDomain}}"
NO_LISTS = InferenceServicesConfig()
PREDICTOR_READY, TRANSFORMER_READY, EXPLAINER_READY = (
    "PredictorReady",
    "TransformerReady",
    "ExplainerReady",
)


def ingress_config(**overrides: Any) -> IngressConfig:
    base = {
        "ingress_domain": "example.com",
        "url_scheme": "http",
        "domain_template": TEMPLATE,
        "kserve_ingress_gateway": "kserve/kserve-gateway",
        "enable_gateway_api": True,
    }
    return IngressConfig(**{**base, **overrides})


ADDITIONAL = ingress_config(additional_ingress_domains=("additional.example.com",))
PATHS = dataclasses.replace(ADDITIONAL, path_template="/serving/{{ .Namespace }}/{{ .Name }}")


def isvc(**components: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "test-isvc", "namespace": "default"},
        "spec": {"predictor": {}, **components},
    }


def rule(
    path: str, service: str, port: int = 80, timeout: str | None = "60s", name: str = "test-isvc"
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "matches": [{"path": {"type": "RegularExpression", "value": path}}],
        "filters": [add_isvc_headers(name, "default")],
        "backendRefs": [{"kind": "Service", "name": service, "namespace": "default", "port": port}],
    }
    if timeout is not None:
        out["timeouts"] = {"request": timeout}
    return out


def route(name: str, hostnames: list[str], rules: list[dict[str, Any]]) -> dict[str, Any]:
    parent = {
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "namespace": "kserve",
        "name": "kserve-gateway",
    }
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "HTTPRoute",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"parentRefs": [parent], "hostnames": hostnames, "rules": rules},
    }


URL_CASES = {
    "basic case": (ingress_config(), "http://test-isvc-default.example.com"),
    "basic case with empty domain template": (ingress_config(domain_template=""), None),
}


@pytest.mark.parametrize(("ingress", "expected"), URL_CASES.values(), ids=URL_CASES)
def test_create_raw_url(ingress: IngressConfig, expected: str | None) -> None:
    got = create_raw_url(isvc(), ingress)
    if expected is None:
        assert isinstance(got, Invalid)
    else:
        assert got == expected


HOST_CASES = {
    "basic case": (isvc(), "test-isvc-predictor.default.svc.cluster.local"),
    "basic case with transformer": (
        isvc(transformer={}),
        "test-isvc-transformer.default.svc.cluster.local",
    ),
}


@pytest.mark.parametrize(("isvc_", "expected"), HOST_CASES.values(), ids=HOST_CASES)
def test_get_raw_service_host(isvc_: dict[str, Any], expected: str) -> None:
    assert get_raw_service_host(isvc_) == expected


@pytest.mark.parametrize("prefix", ["^.*$"], ids=["basic case"])
def test_create_http_route_match(prefix: str) -> None:
    assert create_http_route_match(prefix) == {
        "path": {"type": "RegularExpression", "value": prefix}
    }


@pytest.mark.parametrize(("name", "namespace"), [("test-isvc", "default")], ids=["basic case"])
def test_add_isvc_headers(name: str, namespace: str) -> None:
    headers = add_isvc_headers(name, namespace)
    assert headers["type"] == "RequestHeaderModifier"
    assert headers["requestHeaderModifier"]["set"] == [
        {"name": c.ISVC_NAME_HEADER, "value": name},
        {"name": c.ISVC_NAMESPACE_HEADER, "value": namespace},
    ]


@pytest.mark.parametrize("service", ["test-service"], ids=["basic case"])
def test_create_http_route_rule(service: str) -> None:
    matches = [create_http_route_match("/predict")]
    filters = [add_isvc_headers("test-isvc", "default")]
    got = create_http_route_rule(matches, filters, service, "default", 80, "60s")
    assert (len(got["matches"]), len(got["filters"]), len(got["backendRefs"])) == (1, 1, 1)
    assert got["backendRefs"][0]["name"] == service


EXPLAIN = c.EXPLAIN_PREFIX
PATH = "/serving/default/test-isvc"
TOP_HOSTS = ["test-isvc-default.example.com", "test-isvc-default.additional.example.com"]
BOTH = {PREDICTOR_READY}
TOP_CASES: dict[str, tuple[dict[str, Any], set[str], IngressConfig, dict[str, Any] | None]] = {
    "Predictor ready": (
        isvc(), BOTH, ADDITIONAL,
        route("test-isvc", TOP_HOSTS, [rule("^/.*$", "test-isvc-predictor")]),
    ),
    "When predictor not ready, httproute should not be created": (
        isvc(), set(), ADDITIONAL, None,
    ),
    "With transformer ready": (
        isvc(transformer={}), {PREDICTOR_READY, TRANSFORMER_READY}, ADDITIONAL,
        route("test-isvc", TOP_HOSTS, [rule("^/.*$", "test-isvc-transformer")]),
    ),
    "When transformer not ready, httproute should not be created": (
        isvc(transformer={}), {PREDICTOR_READY}, ADDITIONAL, None,
    ),
    "With explainer ready": (
        isvc(explainer={}), {PREDICTOR_READY, EXPLAINER_READY}, ADDITIONAL,
        route("test-isvc", TOP_HOSTS, [
            rule(EXPLAIN, "test-isvc-explainer"), rule("^/.*$", "test-isvc-predictor"),
        ]),
    ),
    "When explainer not ready, httproute should not be created": (
        isvc(explainer={}), {PREDICTOR_READY}, ADDITIONAL, None,
    ),
    "Path based routing with explainer": (
        isvc(explainer={}), {PREDICTOR_READY, EXPLAINER_READY}, PATHS,
        route("test-isvc", [*TOP_HOSTS, "example.com"], [
            rule(EXPLAIN, "test-isvc-explainer"),
            rule("^/.*$", "test-isvc-predictor"),
            rule(PATH + c.PATH_BASED_EXPLAIN_PREFIX, "test-isvc-explainer"),
            rule(PATH + "/", "test-isvc-predictor"),
        ]),
    ),
    "Path based routing with transformer": (
        isvc(transformer={}), {PREDICTOR_READY, TRANSFORMER_READY}, PATHS,
        route("test-isvc", [*TOP_HOSTS, "example.com"], [
            rule("^/.*$", "test-isvc-transformer"), rule(PATH + "/", "test-isvc-transformer"),
        ]),
    ),
}  # fmt: skip


@pytest.mark.parametrize(
    ("isvc_", "ready", "ingress", "expected"), TOP_CASES.values(), ids=TOP_CASES
)
def test_create_raw_top_level_http_route(
    isvc_: dict[str, Any], ready: set[str], ingress: IngressConfig, expected: dict[str, Any] | None
) -> None:
    got = create_raw_top_level_http_route(isvc_, ingress, NO_LISTS, {}, RENDERER, ready)
    assert got == expected
    if isinstance(got, dict):
        assert crd_errors(got) == []


PREDICTOR_HOSTS = ["test-isvc-predictor-default.example.com"]
COMPONENT_CASES = {
    "Predictor ready": (
        create_raw_predictor_http_route, isvc(), {PREDICTOR_READY},
        route("test-isvc-predictor", PREDICTOR_HOSTS, [rule("^/.*$", "test-isvc-predictor")]),
    ),
    "Predictor not ready": (create_raw_predictor_http_route, isvc(), set(), None),
    "Transformer ready": (
        create_raw_transformer_http_route, isvc(transformer={}), {TRANSFORMER_READY},
        route("test-isvc-transformer", ["test-isvc-transformer-default.example.com"],
              [rule("^/.*$", "test-isvc-transformer")]),
    ),
    "Transformer not ready": (create_raw_transformer_http_route, isvc(transformer={}), set(), None),
    "Explainer ready": (
        create_raw_explainer_http_route, isvc(explainer={}), {EXPLAINER_READY},
        route("test-isvc-explainer", ["test-isvc-explainer-default.example.com"],
              [rule("^/.*$", "test-isvc-explainer")]),
    ),
    "Explainer not ready": (create_raw_explainer_http_route, isvc(explainer={}), set(), None),
}  # fmt: skip


@pytest.mark.parametrize(
    ("create", "isvc_", "ready", "expected"), COMPONENT_CASES.values(), ids=COMPONENT_CASES
)
def test_create_raw_component_http_route(
    create: Any, isvc_: dict[str, Any], ready: set[str], expected: dict[str, Any] | None
) -> None:
    """TestCreateRawPredictorHTTPRoute, TestCreateRawTransformerHTTPRoute and
    TestCreateRawExplainerHTTPRoute (same shape, one table)."""
    got = create(isvc_, ingress_config(), NO_LISTS, {}, RENDERER, ready)
    assert got == expected
    if isinstance(got, dict):
        assert crd_errors(got) == []


RECONCILE_CASES = {
    "Reconcile disables ingress creation for cluster-local label": (
        {c.NETWORK_VISIBILITY: c.CLUSTER_LOCAL_VISIBILITY}, ingress_config(),
    ),
    "Reconcile disables ingress creation for cluster-local domain": (
        {}, ingress_config(ingress_domain=c.CLUSTER_LOCAL_DOMAIN),
    ),
}  # fmt: skip


@pytest.mark.parametrize(("labels", "ingress"), RECONCILE_CASES.values(), ids=RECONCILE_CASES)
def test_raw_http_route_reconciler_reconcile(
    labels: dict[str, str], ingress: IngressConfig
) -> None:
    isvc_ = isvc()
    isvc_["metadata"]["labels"] = labels
    config = dataclasses.replace(CONFIG, ingress=ingress)
    assert reconcile_raw_ingress(isvc_, {}, config, RENDERER) == []


TIMEOUT_CASES = {
    "default timeout when not disabled and no override": (False, None, "60s"),
    "custom timeout when not disabled": (False, 120, "120s"),
    "nil timeout when disabled and no override": (True, None, None),
    "nil timeout when disabled even with override": (True, 120, None),
}


@pytest.mark.parametrize(
    ("disable", "seconds", "expected"), TIMEOUT_CASES.values(), ids=TIMEOUT_CASES
)
def test_resolve_timeout(disable: bool, seconds: int | None, expected: str | None) -> None:
    assert resolve_timeout(disable, seconds) == expected


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [(None, None), ("60s", {"request": "60s"})],
    ids=["nil timeout omits Timeouts field", "non-nil timeout sets Timeouts field"],
)
def test_create_http_route_rule_nil_timeout(
    timeout: str | None, expected: dict[str, str] | None
) -> None:
    matches = [create_http_route_match("/predict")]
    filters = [add_isvc_headers("test-isvc", "default")]
    got = create_http_route_rule(matches, filters, "test-service", "default", 80, timeout)
    assert got.get("timeouts") == expected


@pytest.mark.parametrize(
    ("disable", "timeouts"),
    [(True, None), (False, {"request": "60s"})],
    ids=["timeout disabled produces no Timeouts field", "timeout enabled produces Timeouts field"],
)
def test_create_raw_predictor_http_route_disable_timeout(
    disable: bool, timeouts: dict[str, str] | None
) -> None:
    ingress = ingress_config(disable_http_route_timeout=disable)
    ready = {PREDICTOR_READY}
    got = create_raw_predictor_http_route(isvc(), ingress, NO_LISTS, {}, RENDERER, ready)
    assert isinstance(got, dict)
    assert [r.get("timeouts") for r in got["spec"]["rules"]] == [timeouts]


# --- rawkube_controller_test.go and the dual-protocol rules ---------------------------------


def test_routes_of_raw_kube_predictor() -> None:
    """rawkube_controller_test.go: "Should have httproute/service/deployment/httproute created"."""
    config = dataclasses.replace(
        CONFIG,
        ingress=dataclasses.replace(
            CONFIG.ingress,
            enable_gateway_api=True,
            additional_ingress_domains=("additional.example.com",),
        ),
    )
    isvc_ = {
        "metadata": {"name": "raw-foo", "namespace": "default"},
        "spec": {"predictor": {"minReplicas": 1, "maxReplicas": 3, "timeout": 30}},
    }
    routes = reconcile_raw_ingress(isvc_, {}, config, RENDERER)
    assert not isinstance(routes, Invalid)
    parent = {
        "group": "gateway.networking.k8s.io",
        "kind": "Gateway",
        "namespace": "kserve",
        "name": "kserve-ingress-gateway",
    }
    fallback = rule("^/.*$", "raw-foo-predictor", timeout="30s", name="raw-foo")
    assert [r["spec"] for r in routes] == [
        {
            "parentRefs": [parent],
            "hostnames": ["raw-foo-predictor-default.example.com"],
            "rules": [fallback],
        },
        {
            "parentRefs": [parent],
            "hostnames": ["raw-foo-default.example.com", "raw-foo-default.additional.example.com"],
            "rules": [fallback],
        },
    ]
    assert [r["metadata"]["name"] for r in routes] == ["raw-foo-predictor", "raw-foo"]
    for found in routes:
        assert crd_errors(found) == []


DUAL_SERVICE = {
    "spec": {
        "ports": [
            {"name": "http", "port": 80, "targetPort": 8080},
            {"name": "GRPC", "port": 8081, "targetPort": 8081},
        ]
    }
}


def test_detect_service_protocol_ports() -> None:
    assert detect_service_protocol_ports({"svc": DUAL_SERVICE}, "svc") == (80, 8081)
    h2c = {"spec": {"ports": [{"name": "a", "port": 9000, "appProtocol": "kubernetes.io/h2c"}]}}
    assert detect_service_protocol_ports({"svc": h2c}, "svc") == (0, 9000)
    assert detect_service_protocol_ports({}, "svc") == (0, 0)


def test_dual_protocol_predictor_route() -> None:
    services = {"test-isvc-predictor": DUAL_SERVICE}
    got = create_raw_predictor_http_route(isvc(), ingress_config(), NO_LISTS, services, RENDERER)
    assert isinstance(got, dict)
    grpc = rule(r"^/inference\.GRPCInferenceService/.*$", "test-isvc-predictor", 8081)
    grpc["matches"][0]["headers"] = [
        {"type": "RegularExpression", "name": "content-type", "value": "^application/grpc.*"}
    ]
    assert got["spec"]["rules"] == [grpc, rule("^/.*$", "test-isvc-predictor", 80)]
    assert crd_errors(got) == []


def test_labels_and_annotations_are_filtered() -> None:
    isvc_ = isvc()
    isvc_["metadata"]["labels"] = {"keep": "1", "drop": "2"}
    isvc_["metadata"]["annotations"] = {"keep": "1", "drop": "2"}
    lists = InferenceServicesConfig(
        service_annotation_disallowed_list=("drop",), service_label_disallowed_list=("drop",)
    )
    got = create_raw_predictor_http_route(isvc_, ingress_config(), lists, {}, RENDERER)
    assert isinstance(got, dict)
    assert got["metadata"]["labels"] == {"keep": "1"}
    assert got["metadata"]["annotations"] == {"keep": "1"}


def test_stopped_isvc_has_no_routes() -> None:
    isvc_ = isvc(transformer={})
    isvc_["metadata"]["annotations"] = {c.STOP_ANNOTATION_KEY: "true"}
    config = dataclasses.replace(CONFIG, ingress=ingress_config())
    assert reconcile_raw_ingress(isvc_, {}, config, RENDERER) == []


def test_routes_in_kserve_order() -> None:
    config = dataclasses.replace(CONFIG, ingress=ingress_config())
    got = reconcile_raw_ingress(isvc(transformer={}, explainer={}), {}, config, RENDERER)
    assert not isinstance(got, Invalid)
    assert [r["metadata"]["name"] for r in got] == [
        "test-isvc-predictor",
        "test-isvc-transformer",
        "test-isvc-explainer",
        "test-isvc",
    ]
