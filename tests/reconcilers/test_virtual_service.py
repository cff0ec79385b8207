"""Knative-mode ingress: ported from KServe v0.20.0 `reconcilers/ingress/ingress_reconciler_test.go`
and `domain_test.go: TestGetAdditionalHosts`; Knative URLs from Knative Serving v1.21's
`route/config/domain_test.go` and `route/domains/domains_test.go`.

KServe's tests give component status (URL plus Ready condition); here a component is Ready
exactly when its host is in `component_hosts`, so "not ready" cases leave the host out.
"""

from __future__ import annotations

import dataclasses
from typing import Any
from urllib.parse import urlsplit

import kubernetes_validate
import pytest
import yaml
from checker import check_text
from reconcilers.crd_schema import crd_errors

from generator import constants
from generator.config import Config, builtin_layer, resolve
from generator.config.configmap import InferenceServicesConfig, IngressConfig
from generator.reconcilers.ingress.domain import get_additional_hosts
from generator.reconcilers.ingress.virtual_service import (
    KnativeConfigError,
    KnativeDomainConfig,
    KnativeDomainError,
    create_external_service,
    create_http_match_request,
    create_ingress,
    get_host_prefix,
    get_service_host,
    get_service_url,
    host_reg_exp,
    ingress_status,
    knative_host,
    knative_url,
    reconcile_ingress,
)
from generator.reconcilers.knative import domain_name_from_template
from generator.render import Renderer

_RESOLVED, _ = resolve([builtin_layer()])
assert _RESOLVED is not None
CFG: Config = _RESOLVED
RENDERER = Renderer()

SERVICE_NAME, NAMESPACE, DOMAIN = "my-model", "test", "example.com"
ADDITIONAL_DOMAIN = "my-additional-domain.com"
ADDITIONAL_SECOND_DOMAIN = "my-second-additional-domain.com"
KNATIVE_LOCAL_GATEWAY_SERVICE = "someIngressServiceName"
LOCAL_GW, INGRESS_GW = constants.KNATIVE_LOCAL_GATEWAY, constants.KNATIVE_INGRESS_GATEWAY


def svc_host(name: str, namespace: str = NAMESPACE) -> str:
    """network.GetServiceHostname, written out."""
    return f"{name}.{namespace}.svc.cluster.local"


def host_name(name: str, domain: str = DOMAIN) -> str:
    """constants.InferenceServiceHostName, written out."""
    return f"{name}.{NAMESPACE}.{domain}"


def regex(host: str) -> str:
    """HostRegExp for plain hosts, written out: dots escaped, optional port."""
    return "^" + host.replace(".", "\\.") + "(?::\\d{1,5})?$"


def authority(host: str, gateways: list[str], uri: dict[str, str] | None = None) -> dict[str, Any]:
    match: dict[str, Any] = {"authority": {"regex": regex(host)}, "gateways": gateways}
    if uri is not None:
        match["uri"] = uri
    return match


def route(
    matches: list[dict[str, Any]], host_header: str, rewrite: dict[str, Any] | None = None
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "match": matches,
        "route": [
            {
                "destination": {"host": KNATIVE_LOCAL_GATEWAY_SERVICE, "port": {"number": 80}},
                "weight": 100,
            }
        ],
        "headers": {
            "request": {
                "set": {
                    "Host": host_header,
                    "KServe-Isvc-Name": SERVICE_NAME,
                    "KServe-Isvc-Namespace": NAMESPACE,
                }
            }
        },
    }
    if rewrite is not None:
        out["rewrite"] = rewrite
    return out


def virtual_service(
    hosts: list[str],
    gateways: list[str],
    http: list[dict[str, Any]],
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    return {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "VirtualService",
        "metadata": {
            "name": SERVICE_NAME,
            "namespace": NAMESPACE,
            "annotations": {"test": "test"},
            "labels": labels or {"test": "test"},
        },
        "spec": {"hosts": hosts, "gateways": gateways, "http": http},
    }


def ingress(**changes: Any) -> IngressConfig:
    base = IngressConfig(
        ingress_gateway=INGRESS_GW,
        knative_local_gateway_service=KNATIVE_LOCAL_GATEWAY_SERVICE,
        local_gateway=LOCAL_GW,
        local_gateway_service_name="knative-local-gateway.istio-system.svc.cluster.local",
    )
    return dataclasses.replace(base, **changes)


PATH_TEMPLATE = {
    "url_scheme": "http",
    "ingress_domain": "my-domain.com",
    "path_template": "/serving/{{ .Namespace }}/{{ .Name }}",
}
PREDICTOR = constants.predictor_service_name(SERVICE_NAME)
TRANSFORMER = constants.transformer_service_name(SERVICE_NAME)
EXPLAINER = constants.explainer_service_name(SERVICE_NAME)
PREDICTOR_ROUTE_MATCH = [
    authority(svc_host(SERVICE_NAME), [LOCAL_GW, "mesh"]),
    authority(host_name(SERVICE_NAME), [INGRESS_GW]),
]
EXPLAIN_URI = {"regex": "^/v1/models/[\\w-]+:explain$"}
EXPLAIN_ROUTE_MATCH = [
    authority(svc_host(SERVICE_NAME), [LOCAL_GW, "mesh"], EXPLAIN_URI),
    authority(host_name(SERVICE_NAME), [INGRESS_GW], EXPLAIN_URI),
]
PATH = f"/serving/{NAMESPACE}/{SERVICE_NAME}"
PATH_MAIN_ROUTE = route(
    [
        authority("my-domain.com", [INGRESS_GW], {"prefix": PATH + "/"}),
        authority("my-domain.com", [INGRESS_GW], {"exact": PATH}),
    ],
    svc_host(PREDICTOR),
    {"uri": "/"},
)
PATH_EXPLAIN_REGEX = PATH + "(/v1/models/[\\w-]+:explain)$"
ADDITIONAL_MATCHES = [
    *PREDICTOR_ROUTE_MATCH,
    authority(host_name(SERVICE_NAME, ADDITIONAL_DOMAIN), [INGRESS_GW]),
    authority(host_name(SERVICE_NAME, ADDITIONAL_SECOND_DOMAIN), [INGRESS_GW]),
]
ADDITIONAL_HOSTS = [
    svc_host(SERVICE_NAME),
    host_name(SERVICE_NAME),
    "my-domain.com",
    "my-model.test.my-additional-domain.com",
    "my-model.test.my-second-additional-domain.com",
]
ALL_GATEWAYS = [LOCAL_GW, "mesh", INGRESS_GW]
P, T, E = constants.PREDICTOR, constants.TRANSFORMER, constants.EXPLAINER

# (ingress changes, domain list, component hosts, spec components, isvc labels, expected)
CREATE_VIRTUAL_SERVICE_CASES: list[tuple[Any, ...]] = [
    ({}, None, {}, (), None, None),
    ({}, None, {}, (), None, None),
    (
        {},
        None,
        {P: host_name(PREDICTOR)},
        (),
        None,
        virtual_service(
            [svc_host(SERVICE_NAME), host_name(SERVICE_NAME)],
            ALL_GATEWAYS,
            [route(PREDICTOR_ROUTE_MATCH, svc_host(PREDICTOR))],
        ),
    ),
    (
        {},
        None,
        {P: svc_host(PREDICTOR)},
        (),
        None,
        virtual_service(
            [svc_host(SERVICE_NAME)],
            [LOCAL_GW, "mesh"],
            [route([authority(svc_host(SERVICE_NAME), [LOCAL_GW, "mesh"])], svc_host(PREDICTOR))],
        ),
    ),
    ({}, None, {P: host_name(PREDICTOR)}, (T,), None, None),
    (
        {},
        None,
        {P: host_name(PREDICTOR), T: host_name(TRANSFORMER)},
        (T,),
        None,
        virtual_service(
            [svc_host(SERVICE_NAME), host_name(SERVICE_NAME)],
            ALL_GATEWAYS,
            [route(PREDICTOR_ROUTE_MATCH, svc_host(TRANSFORMER))],
        ),
    ),
    ({}, None, {P: host_name(PREDICTOR)}, (E,), None, None),
    (
        {},
        None,
        {P: host_name(PREDICTOR), E: host_name(EXPLAINER)},
        (E,),
        None,
        virtual_service(
            [svc_host(SERVICE_NAME), host_name(SERVICE_NAME)],
            ALL_GATEWAYS,
            [
                route(EXPLAIN_ROUTE_MATCH, svc_host(EXPLAINER)),
                route(PREDICTOR_ROUTE_MATCH, svc_host(PREDICTOR)),
            ],
        ),
    ),
    (
        PATH_TEMPLATE,
        None,
        {P: host_name(PREDICTOR)},
        (),
        None,
        virtual_service(
            [svc_host(SERVICE_NAME), host_name(SERVICE_NAME), "my-domain.com"],
            ALL_GATEWAYS,
            [route(PREDICTOR_ROUTE_MATCH, svc_host(PREDICTOR)), PATH_MAIN_ROUTE],
        ),
    ),
    (
        {
            **PATH_TEMPLATE,
            "additional_ingress_domains": (ADDITIONAL_DOMAIN, ADDITIONAL_SECOND_DOMAIN),
        },
        ["my-domain-1.com", "example.com"],
        {P: host_name(PREDICTOR)},
        (),
        None,
        virtual_service(
            ADDITIONAL_HOSTS,
            ALL_GATEWAYS,
            [route(ADDITIONAL_MATCHES, svc_host(PREDICTOR)), PATH_MAIN_ROUTE],
        ),
    ),
    (
        {
            **PATH_TEMPLATE,
            "additional_ingress_domains": (
                "example.com",
                ADDITIONAL_DOMAIN,
                ADDITIONAL_SECOND_DOMAIN,
                ADDITIONAL_DOMAIN,
            ),
        },
        ["my-domain-1.com", "example.com"],
        {P: host_name(PREDICTOR)},
        (),
        None,
        virtual_service(
            ADDITIONAL_HOSTS,
            ALL_GATEWAYS,
            [route(ADDITIONAL_MATCHES, svc_host(PREDICTOR)), PATH_MAIN_ROUTE],
        ),
    ),
    (
        {**PATH_TEMPLATE, "local_gateway_service_name": KNATIVE_LOCAL_GATEWAY_SERVICE},
        None,
        {P: host_name(PREDICTOR), E: host_name(EXPLAINER)},
        (E,),
        None,
        virtual_service(
            [svc_host(SERVICE_NAME), host_name(SERVICE_NAME), "my-domain.com"],
            ALL_GATEWAYS,
            [
                route(EXPLAIN_ROUTE_MATCH, svc_host(EXPLAINER)),
                route(PREDICTOR_ROUTE_MATCH, svc_host(PREDICTOR)),
                route(
                    [authority("my-domain.com", [INGRESS_GW], {"regex": PATH_EXPLAIN_REGEX})],
                    svc_host(EXPLAINER),
                    {"uriRegexRewrite": {"match": PATH_EXPLAIN_REGEX, "rewrite": "\\1"}},
                ),
                PATH_MAIN_ROUTE,
            ],
        ),
    ),
    ({}, None, {P: host_name(PREDICTOR)}, (E,), None, None),
    ({}, None, {P: host_name(PREDICTOR)}, (E,), None, None),
    (
        {},
        None,
        {P: host_name(PREDICTOR)},
        (),
        {constants.VISIBILITY_LABEL: constants.CLUSTER_LOCAL_VISIBILITY},
        virtual_service(
            [svc_host(SERVICE_NAME)],
            [LOCAL_GW, "mesh"],
            [route([authority(svc_host(SERVICE_NAME), [LOCAL_GW, "mesh"])], svc_host(PREDICTOR))],
            labels={constants.VISIBILITY_LABEL: constants.CLUSTER_LOCAL_VISIBILITY},
        ),
    ),
]
CREATE_VIRTUAL_SERVICE_IDS = [
    "nil status should not be ready",
    "predictor missing url",
    "found predictor status",
    "local cluster predictor",
    "nil transformer status fails with status unknown",
    "found transformer and predictor status",
    "nil explainer status fails with status unknown",
    "found explainer and predictor status",
    "found predictor status with path template",
    "found predictor status with the additional ingress domains",
    "found predictor status with the additional ingress domains with duplication",
    "found predictor and explainer status with path template",
    "nil explainer status fails with status unknown",
    "explainer is not ready",
    "isvc labelled with cluster local visibility",
]
# KServe's defaultInferenceServiceConfig: the built-in disallowed lists.
GO_ISVC_CONFIG = InferenceServicesConfig(
    service_annotation_disallowed_list=constants.SERVICE_ANNOTATION_DISALLOWED_LIST,
    service_label_disallowed_list=constants.REVISION_TEMPLATE_LABEL_DISALLOWED_LIST,
)


def isvc(
    components: tuple[str, ...] = (),
    labels: dict[str, str] | None = None,
    name: str = SERVICE_NAME,
    namespace: str = NAMESPACE,
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    spec: dict[str, Any] = {"predictor": {}}
    for component in components:
        spec[component] = {}
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "annotations": {
                "test": "test",
                "kubectl.kubernetes.io/last-applied-configuration": "test",
            }
            if annotations is None
            else annotations,
            "labels": labels or {"test": "test"},
        },
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("changes", "domain_list", "hosts", "components", "labels", "expected"),
    CREATE_VIRTUAL_SERVICE_CASES,
    ids=CREATE_VIRTUAL_SERVICE_IDS,
)
def test_create_virtual_service(
    changes: dict[str, Any],
    domain_list: list[str] | None,
    hosts: dict[str, str],
    components: tuple[str, ...],
    labels: dict[str, str] | None,
    expected: dict[str, Any] | None,
) -> None:
    actual = create_ingress(
        isvc(components, labels), hosts, ingress(**changes), domain_list, GO_ISVC_CONFIG, RENDERER
    )
    assert actual == expected


@pytest.mark.parametrize(
    ("changes", "domain_list", "hosts", "components", "labels"),
    [case[:5] for case in CREATE_VIRTUAL_SERVICE_CASES if case[5] is not None],
    ids=[
        name
        for name, case in zip(CREATE_VIRTUAL_SERVICE_IDS, CREATE_VIRTUAL_SERVICE_CASES, strict=True)
        if case[5] is not None
    ],
)
def test_virtual_services_validate_against_the_crd(
    changes: dict[str, Any],
    domain_list: list[str] | None,
    hosts: dict[str, str],
    components: tuple[str, ...],
    labels: dict[str, str] | None,
) -> None:
    config = ingress(**changes)
    actual = create_ingress(
        isvc(components, labels), hosts, config, domain_list, GO_ISVC_CONFIG, RENDERER
    )
    assert actual is not None
    assert crd_errors(actual) == []


def test_the_crd_check_rejects_unknown_virtual_service_fields() -> None:
    actual = create_ingress(
        isvc(), {P: host_name(PREDICTOR)}, ingress(), None, GO_ISVC_CONFIG, RENDERER
    )
    assert actual is not None
    actual["spec"]["http"][0]["route"][0]["destination"]["portNumber"] = 80
    assert any("portNumber" in error for error in crd_errors(actual))


@pytest.mark.parametrize(
    ("components", "hosts", "expected"),
    [
        ((), {P: "kftest-predictor-default.user1.example.com"}, "kftest.user1.example.com"),
        ((), {P: "kftest-predictor-default-user1.example.com"}, "kftest-user1.example.com"),
        ((), {}, ""),
        ((T,), {P: "kftest-predictor-default.user1.example.com"}, ""),
        (
            (T,),
            {
                P: "kftest-predictor-default.user1.example.com",
                T: "kserveTest-transformer.user1.example.com",
            },
            "kserveTest.user1.example.com",
        ),
    ],
    ids=[
        "using knative domainTemplate: {{.Name}}.{{.Namespace}}.{{.Domain}}",
        "using knative domainTemplate: {{.Name}}-{{.Namespace}}.{{.Domain}}",
        "predictor status not available",
        "transformer status not available",
        "transformer without default suffix",
    ],
)
def test_get_service_host(
    components: tuple[str, ...], hosts: dict[str, str], expected: str
) -> None:
    assert get_service_host(isvc(components), hosts) == expected


DEFAULT_PREDICTOR = "my-model-predictor-default.example.com"
DEFAULT_TRANSFORMER = "my-model-transformer-default.example.com"
PLAIN_PREDICTOR = "my-model-predictor.example.com"
PLAIN_TRANSFORMER = "my-model-transformer.example.com"


@pytest.mark.parametrize(
    ("components", "hosts", "disable", "expected"),
    [
        ((), {}, False, ""),
        ((), {}, False, ""),
        ((), {P: DEFAULT_PREDICTOR}, False, "http://my-model.example.com"),
        (
            (T,),
            {P: DEFAULT_PREDICTOR, T: DEFAULT_TRANSFORMER},
            False,
            "http://my-model.example.com",
        ),
        ((), {}, False, ""),
        ((T,), {P: DEFAULT_PREDICTOR}, False, ""),
        ((T,), {P: DEFAULT_PREDICTOR}, False, ""),
        ((T,), {P: PLAIN_PREDICTOR, T: PLAIN_TRANSFORMER}, False, "http://my-model.example.com"),
        ((), {P: PLAIN_PREDICTOR}, False, "http://my-model.example.com"),
        ((), {P: PLAIN_PREDICTOR}, True, "http://my-model-predictor.example.com"),
        (
            (T,),
            {P: PLAIN_PREDICTOR, T: PLAIN_TRANSFORMER},
            True,
            "http://my-model-transformer.example.com",
        ),
    ],
    ids=[
        "component is empty",
        "predictor url is empty",
        "predictor url is not empty",
        "transformer is not empty",
        "predictor is empty",
        "transformer status is not available",
        "transformer url is empty",
        "transformer without default suffix",
        "predictor without default suffix",
        "predictor with istio disabled",
        "transformer with istio disabled",
    ],
)
def test_get_service_url(
    components: tuple[str, ...], hosts: dict[str, str], disable: bool, expected: str
) -> None:
    config = IngressConfig(url_scheme="http", disable_istio_virtual_host=disable)
    assert get_service_url(isvc(components), hosts, config) == expected


@pytest.mark.parametrize(
    ("hosts", "expected"),
    [({}, ""), ({}, ""), ({P: DEFAULT_PREDICTOR}, "http://my-domain.com/serving/test/my-model")],
    ids=["component is empty", "predictor url is empty", "predictor url is not empty"],
)
def test_get_service_url_path_based(hosts: dict[str, str], expected: str) -> None:
    config = IngressConfig(**PATH_TEMPLATE)
    assert get_service_url(isvc(), hosts, config) == expected


@pytest.mark.parametrize(
    ("components", "disable", "expected"),
    [((), False, SERVICE_NAME), ((), True, PREDICTOR), ((T,), True, TRANSFORMER)],
    ids=[
        "Disable virtual host is false",
        "istio is disabled",
        "istio is disabled with transformer",
    ],
)
def test_get_host_prefix(components: tuple[str, ...], disable: bool, expected: str) -> None:
    assert get_host_prefix(isvc(components), disable) == expected


def test_get_host_prefix_named_predictor() -> None:
    named = isvc()
    named["spec"]["predictor"]["name"] = "blue"
    assert get_host_prefix(named, True) == "my-model-blue-predictor"


RECONCILE_INGRESS = IngressConfig(
    disable_istio_virtual_host=False,
    knative_local_gateway_service="knative-local-gateway",
    local_gateway="knative-local-gateway",
    ingress_gateway="istio-ingressgateway",
    ingress_domain="example.com",
    url_scheme="http",
)


@pytest.mark.parametrize(
    ("hosts", "want_url_host", "want_address", "want_kinds"),
    [
        (
            {P: "svc-predictor.ns"},
            "svc.ns",
            "svc.ns.svc.cluster.local",
            ["VirtualService", "Service"],
        ),
        ({}, "", "", ["Service"]),
        ({}, "", "", ["Service"]),
    ],
    ids=[
        "Istio virtual host enabled, predictor ready, creates virtualservice",
        "Predictor not ready, does not set URL",
        "No components in status, returns nil",
    ],
)
def test_ingress_reconciler_reconcile(
    hosts: dict[str, str], want_url_host: str, want_address: str, want_kinds: list[str]
) -> None:
    obj = isvc(name="svc", namespace="ns", annotations={}, labels=None)
    obj["metadata"].pop("labels")
    config = dataclasses.replace(
        CFG, ingress=RECONCILE_INGRESS, inference_services=InferenceServicesConfig()
    )
    domains = KnativeDomainConfig.from_configmaps({"example.com": ""})
    objects = reconcile_ingress(obj, hosts, config, RENDERER, domains)
    assert [o["kind"] for o in objects] == want_kinds
    status = ingress_status(obj, hosts, RECONCILE_INGRESS)
    if want_url_host:
        assert status is not None
        assert urlsplit(status["url"]).hostname == want_url_host
        assert urlsplit(status["address"]["url"]).hostname == want_address
    else:
        assert status is None


def test_ingress_reconciler_reconcile_skip_virtual_service() -> None:
    """No Istio VirtualService CRD: no VirtualService; the ExternalName Service still comes."""
    config = dataclasses.replace(
        CFG,
        ingress=IngressConfig(
            ingress_gateway=INGRESS_GW,
            knative_local_gateway_service="knative-local-gateway.istio-system.svc.cluster.local",
            local_gateway=LOCAL_GW,
        ),
        inference_services=InferenceServicesConfig(),
    )
    obj = isvc(name="skip-vs", namespace="default", annotations={})
    hosts = {
        P: host_name(constants.predictor_service_name("skip-vs")).replace(".test.", ".default.")
    }
    objects = reconcile_ingress(obj, hosts, config, RENDERER, virtual_service_available=False)
    assert [o["kind"] for o in objects] == ["Service"]


def test_reconcile_external_service_no_update_when_unchanged() -> None:
    """Rendered with no labels or annotations, so an apply keeps other controllers' ones."""
    local_gateway_service = "knative-local-gateway.istio-system.svc.cluster.local"
    config = ingress(local_gateway_service_name=local_gateway_service)
    service = create_external_service(isvc(), config, RENDERER)
    assert service == {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": SERVICE_NAME, "namespace": NAMESPACE},
        "spec": {
            "externalName": local_gateway_service,
            "type": "ExternalName",
            "sessionAffinity": "None",
        },
    }
    kubernetes_validate.validate(service, "1.34.0", strict=True)


@pytest.mark.parametrize(
    ("domain_list", "service_host", "additional", "want"),
    [
        (None, "model-test.example.com", ("secondary.com",), []),
        ([], "model-test.example.com", ("secondary.com",), []),
        (["example.com"], "model-test.example.com", None, []),
        (["example.com"], "model-test.example.com", (), []),
        (["other.com"], "model-test.example.com", ("secondary.com",), []),
        (
            ["example.com"],
            "model-test.example.com",
            ("secondary.com",),
            ["model-test.secondary.com"],
        ),
        (
            ["example.com"],
            "model-test.example.com",
            ("secondary.com", "tertiary.com"),
            ["model-test.secondary.com", "model-test.tertiary.com"],
        ),
        (
            ["example.com"],
            "model-test.example.com",
            ("secondary.com", "secondary.com", "tertiary.com"),
            ["model-test.secondary.com", "model-test.tertiary.com"],
        ),
        (
            ["example.com"],
            "model-test.example.com",
            ("invalid_domain", "secondary.com"),
            ["model-test.secondary.com"],
        ),
        (
            ["example.org", "example.com", "example.net"],
            "model-test.example.com",
            ("secondary.com", "tertiary.com"),
            ["model-test.secondary.com", "model-test.tertiary.com"],
        ),
    ],
    ids=[
        "nil domain list",
        "empty domain list",
        "nil additional domains",
        "empty additional domains",
        "no matching domain",
        "single additional domain",
        "multiple additional domains",
        "duplicate additional domains",
        "invalid domain name",
        "multiple domains in domain list",
    ],
)
def test_get_additional_hosts(
    domain_list: list[str] | None,
    service_host: str,
    additional: tuple[str, ...] | None,
    want: list[str],
) -> None:
    config = IngressConfig(additional_ingress_domains=additional)
    assert get_additional_hosts(domain_list or [], service_host, config) == want


# --- ours: HostRegExp, match requests, stop, disableIstioVirtualHost ------------------------


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("my-model.test.svc.cluster.local", r"^my-model\.test\.svc\.cluster\.local(?::\d{1,5})?$"),
        (
            "a+b*c?d(e)f|g[h]i{j}k^l$m\\n",
            r"^a\+b\*c\?d\(e\)f\|g\[h\]i\{j\}k\^l\$m\\n(?::\d{1,5})?$",
        ),
        ("under_score~#&", r"^under_score~#&(?::\d{1,5})?$"),
        # the branch KServe can only reach with the literal "(?i)" in a host:
        (
            "x(?i).svc.cluster.local",
            r"^x(\(\?i\)\.svc(\(\?i\)\.cluster\.local)?)?(?::\d{1,5})?$",
        ),
    ],
    ids=["cluster-local host", "every QuoteMeta character", "not quoted by Go", "literal suffix"],
)
def test_host_reg_exp(host: str, expected: str) -> None:
    assert host_reg_exp(host) == expected


def test_create_http_match_request_dedupes_additional_hosts() -> None:
    config = ingress()
    matches = create_http_match_request(
        "^/x$",
        "a.example.com",
        "a.ns.svc.cluster.local",
        ["a.example.com", "b.com", "b.com"],
        False,
        config,
    )
    uri = {"regex": "^/x$"}
    assert matches == [
        authority("a.ns.svc.cluster.local", [LOCAL_GW, "mesh"], uri),
        authority("a.example.com", [INGRESS_GW], uri),
        authority("b.com", [INGRESS_GW], uri),
    ]


@pytest.mark.parametrize("value", ["true", "True"])
def test_stopped_inference_service_gets_no_ingress(value: str) -> None:
    obj = isvc(annotations={constants.STOP_ANNOTATION_KEY: value})
    assert reconcile_ingress(obj, {P: host_name(PREDICTOR)}, CFG, RENDERER) == []
    assert ingress_status(obj, {P: host_name(PREDICTOR)}, CFG.ingress) is None


def test_disable_istio_virtual_host_emits_nothing() -> None:
    config = dataclasses.replace(
        CFG, ingress=dataclasses.replace(CFG.ingress, disable_istio_virtual_host=True)
    )
    assert reconcile_ingress(isvc(), {P: host_name(PREDICTOR)}, config, RENDERER) == []


def test_bad_path_template_gives_no_virtual_service_and_no_url() -> None:
    config = ingress(**{**PATH_TEMPLATE, "path_template": "http://{{ .Name }}"})
    hosts = {P: host_name(PREDICTOR)}
    assert create_ingress(isvc(), hosts, config, None, GO_ISVC_CONFIG, RENDERER) is None
    assert get_service_url(isvc(), hosts, config) == ""


def test_default_config_matches_the_controller_test_expectation() -> None:
    """controller_test.go's VirtualService for an isvc with a Ready predictor, default config."""
    domains = KnativeDomainConfig.default()
    obj = isvc(name="foo", namespace="default", annotations={})
    labels = {constants.INFERENCE_SERVICE_POD_LABEL_KEY: "foo", "component": "predictor"}
    host = knative_host("foo-predictor", "default", labels, domains)
    objects = reconcile_ingress(obj, {P: host}, CFG, RENDERER, domains)
    vs, ext = objects
    gateway_service = "knative-local-gateway.istio-system.svc.cluster.local"
    assert vs["spec"] == {
        "gateways": [LOCAL_GW, "mesh", INGRESS_GW],
        "hosts": ["foo.default.svc.cluster.local", "foo.default.example.com"],
        "http": [
            {
                "match": [
                    authority("foo.default.svc.cluster.local", [LOCAL_GW, "mesh"]),
                    authority("foo.default.example.com", [INGRESS_GW]),
                ],
                "route": [
                    {
                        "destination": {"host": gateway_service, "port": {"number": 80}},
                        "weight": 100,
                    }
                ],
                "headers": {
                    "request": {
                        "set": {
                            "Host": "foo-predictor.default.svc.cluster.local",
                            "KServe-Isvc-Name": "foo",
                            "KServe-Isvc-Namespace": "default",
                        }
                    }
                },
            }
        ],
    }
    assert ext["spec"]["externalName"] == gateway_service
    assert ingress_status(obj, {P: host}, CFG.ingress) == {
        "url": "http://foo.default.example.com",
        "address": {"url": "http://foo.default.svc.cluster.local"},
    }


def test_rendered_objects_pass_the_independent_checker() -> None:
    """tests/checker.py, an oracle that shares no code with the generator, accepts it."""
    hosts = {P: host_name(PREDICTOR), E: host_name(EXPLAINER)}
    config = dataclasses.replace(CFG, ingress=ingress(**PATH_TEMPLATE))
    objects = reconcile_ingress(isvc((E,)), hosts, config, RENDERER)
    text = yaml.safe_dump_all(objects, sort_keys=True)
    assert check_text(text) == []


# --- Knative: the URL of a Knative Service --------------------------------------------------


def test_knative_url_defaults() -> None:
    domains = KnativeDomainConfig.default()
    assert knative_url("m-predictor", "ns", {}, domains) == "http://m-predictor.ns.example.com"
    local = {constants.VISIBILITY_LABEL: constants.CLUSTER_LOCAL_VISIBILITY}
    assert knative_url("m-predictor", "ns", local, domains) == (
        "http://m-predictor.ns.svc.cluster.local"
    )


def test_knative_code_default_without_a_domain_is_cluster_local() -> None:
    """TestNewConfigNoEntry: no domain configured → svc.cluster.local (and it is cluster-local)."""
    domains = KnativeDomainConfig.from_configmaps({"_example": "anything"}, {})
    assert domains.lookup_domain({}) == "svc.cluster.local"
    assert domains.domain_keys == ("_example",)
    network = {"domain-template": "{{.Name}}-{{.Namespace}}.{{.Domain}}"}
    domains = KnativeDomainConfig.from_configmaps({}, network)
    assert knative_url("m", "ns", {}, domains) == "http://m.ns.svc.cluster.local"


def test_knative_url_scheme_and_template() -> None:
    network = {
        "domain-template": "{{.Name}}-{{.Namespace}}.{{.Domain}}",
        "external-domain-tls": "Enabled",
    }
    domains = KnativeDomainConfig.from_configmaps({"example.com": ""}, network)
    assert knative_url("m", "ns", {}, domains) == "https://m-ns.example.com"
    network = {"domainTemplate": "{{.Name}}.{{.Domain}}", "default-external-scheme": "https"}
    domains = KnativeDomainConfig.from_configmaps({"example.com": ""}, network)
    assert knative_url("m", "ns", {}, domains) == "https://m.example.com"
    legacy_and_new = {
        "domainTemplate": "{{.Name}}.{{.Domain}}",
        "domain-template": "{{.Name}}.x.{{.Domain}}",
    }
    domains = KnativeDomainConfig.from_configmaps({"example.com": ""}, legacy_and_new)
    assert knative_host("m", "ns", {}, domains) == "m.x.example.com"


def test_knative_url_uses_the_route_labels_and_annotations() -> None:
    network = {
        "domain-template": '{{.Name}}.{{index .Labels "serving.knative.dev/service"}}'
        '.{{index .Annotations "team"}}.{{.Domain}}'
    }
    domains = KnativeDomainConfig.from_configmaps({"example.com": ""}, network)
    assert knative_host("m", "ns", {}, domains, {"team": "blue"}) == "m.m.blue.example.com"


def test_selector_domain_equal_to_cluster_domain_is_cluster_local() -> None:
    data = {"example.com": "", "svc.cluster.local": "selector:\n  app: secret\n"}
    domains = KnativeDomainConfig.from_configmaps(
        data, {"domain-template": "{{.Name}}.{{.Domain}}"}
    )
    assert knative_url("m", "ns", {"app": "secret"}, domains) == "http://m.ns.svc.cluster.local"
    assert knative_url("m", "ns", {"app": "public"}, domains) == "http://m.example.com"


@pytest.mark.parametrize(
    ("labels", "domain"),
    [
        ({"app": "foo"}, "test-domain.foo.com"),
        ({"app": "foo", "version": "prod"}, "foo.com"),
        ({"app": "bar"}, "bar.com"),
        ({"app": "bar", "version": "whatever"}, "bar.com"),
        ({"app": "whatever"}, "default.com"),
        ({}, "default.com"),
        ({constants.VISIBILITY_LABEL: "cluster-local"}, "svc.cluster.local"),
    ],
)
def test_lookup_domain_for_labels(labels: dict[str, str], domain: str) -> None:
    """Knative's TestLookupDomainForLabels, built through the ConfigMap parser."""
    domains = KnativeDomainConfig.from_configmaps(
        {
            "test-domain.foo.com": "selector:\n  app: foo\n",
            "foo.com": "selector:\n  app: foo\n  version: prod\n",
            "bar.com": "selector:\n  app: bar\n",
            "default.com": "",
        }
    )
    assert domains.lookup_domain(labels) == domain


def test_new_config() -> None:
    """Knative's TestNewConfig and TestNewConfigBadYaml."""
    domains = KnativeDomainConfig.from_configmaps(
        {
            "test-domain.foo.com": "selector:\n  app: foo\n",
            "bar.com": "selector:\n  app: bar\n  version: beta\ntype: wildcard",
            "default.com": "",
        }
    )
    assert domains.domains == {
        "test-domain.foo.com": {"app": "foo"},
        "bar.com": {"app": "bar", "version": "beta"},
        "default.com": {},
    }
    with pytest.raises(KnativeConfigError):
        KnativeDomainConfig.from_configmaps({"default.com": "bad: yaml: all: day"})


@pytest.mark.parametrize(
    ("template", "want", "local"),
    [
        ("{{.Name}}.{{.Namespace}}.{{.Domain}}", "test-name.default.example.com", False),
        ("{{.Name}}-{{.Namespace}}.{{.Domain}}", "test-name-default.example.com", False),
        ("{{.Name}}-{{.Namespace}}.{{.Domain}}", "test-name.default.svc.cluster.local", True),
        ("{{.Name}}.{{.Domain}}", "test-name.example.com", False),
        ("{{.Name}}", None, False),
        (
            '{{.Name}}.{{ index .Annotations "sub"}}.{{.Domain}}',
            "test-name.mysub.example.com",
            False,
        ),
        ('{{.Name}}.{{ index .Labels "bus"}}.{{.Domain}}', "test-name.mybus.example.com", False),
        ("{{.Name}}.{{.NNNamespace}}.{{.Domain}}", None, False),
        ("{{.Name}}.{{.Namespace}}.{{.Domain}}.Foo", None, False),
    ],
    ids=[
        "Default",
        "Dash",
        "LocalDash",
        "Short",
        "Too Short",
        "Annotations",
        "Labels",
        "BadVarName",
        "Invalid domain name",
    ],
)
def test_domain_name_from_template(template: str, want: str | None, local: bool) -> None:
    """Knative's TestDomainNameFromTemplate (config built directly, as its testConfig does)."""
    domains = KnativeDomainConfig(
        domains={"example.com": {}, "another-example.com": {"app": "prod"}},
        domain_template=template,
    )
    labels = {"route": "myapp", "bus": "mybus"}
    if local:
        labels[constants.VISIBILITY_LABEL] = constants.CLUSTER_LOCAL_VISIBILITY
    args = ("test-name", "default", labels, {"sub": "mysub"}, domains)
    if want is None:
        with pytest.raises(KnativeDomainError):
            domain_name_from_template(*args)
    else:
        assert domain_name_from_template(*args) == want


@pytest.mark.parametrize(
    "template",
    ["{{.Name}}.{{.Namespace}}.{{.Domain}}/path", "{{.Name}}.{{.Domain}}?q=1", "/{{.Name}}", "{{"],
)
def test_bad_domain_templates_are_refused(template: str) -> None:
    with pytest.raises(KnativeConfigError):
        KnativeDomainConfig.from_configmaps({}, {"domain-template": template})


def test_domain_config_is_hashable_and_comparable() -> None:
    one = KnativeDomainConfig.default()
    assert hash(one) == hash(KnativeDomainConfig.default())
    assert one == KnativeDomainConfig.default()
