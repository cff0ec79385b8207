"""Knative-mode ingress: port of KServe v0.20.0 `reconcilers/ingress/ingress_reconciler.go`.

`create_ingress` builds the Istio VirtualService (`createIngress`), `create_external_service`
the ExternalName Service (`reconcileExternalService`), `reconcile_ingress` returns what
`(*IngressReconciler).Reconcile` leaves in the cluster and `ingress_status` the status URL and
address it sets. `host_reg_exp` ports `pkg/constants/constants.go: HostRegExp`.

KServe reads component URLs from `status.components.<c>.url`, copied from each Knative
Service's `status.url`. Offline, `component_hosts` maps "predictor", "transformer" and
"explainer" to the host Knative would give that Knative Service (`knative_host`, computed from
`KnativeDomainConfig`; both live in `reconcilers/knative.py` and are re-exported here). A
component counts as Ready exactly when its host is known. GitOps: no object carries an
ownerReference (nothing in the cluster owns them).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator import constants
from generator.config import Config
from generator.config.configmap import InferenceServicesConfig, IngressConfig
from generator.reconcilers.ingress.domain import CLUSTER_DOMAIN, get_additional_hosts
from generator.reconcilers.ingress.path import PathError, generate_url_path
from generator.reconcilers.knative import (
    DEFAULT_KNATIVE_DOMAIN_CONFIG,
    KnativeConfigError,
    KnativeDomainConfig,
    KnativeDomainError,
    knative_host,
    knative_url,
)
from generator.render import Renderer
from generator.utils.utils import get_force_stop_runtime

__all__ = [
    "DEFAULT_KNATIVE_DOMAIN_CONFIG",
    "KnativeConfigError",
    "KnativeDomainConfig",
    "KnativeDomainError",
    "create_external_service",
    "create_http_match_request",
    "create_ingress",
    "get_host_prefix",
    "get_service_host",
    "get_service_hostname",
    "get_service_url",
    "host_reg_exp",
    "ingress_status",
    "knative_host",
    "knative_url",
    "quote_meta",
    "reconcile_ingress",
]

VIRTUAL_SERVICE_TEMPLATE = "virtual-service.yaml.j2"
EXTERNAL_SERVICE_TEMPLATE = "external-name-service.yaml.j2"

# Go's regexp.QuoteMeta escapes exactly these (Python's re.escape escapes more, e.g. "-").
_REGEXP_SPECIAL = frozenset("\\.+*?()|[]{}^$")
_PORT_MATCH = r"(?::\d{1,5})?"  # matches 0-99999, as KServe's comment admits


def quote_meta(text: str) -> str:
    """Go's `regexp.QuoteMeta`."""
    return "".join("\\" + ch if ch in _REGEXP_SPECIAL else ch for ch in text)


def host_reg_exp(host: str, cluster_domain: str = CLUSTER_DOMAIN) -> str:
    """Port of `HostRegExp`: `^<quoted host>(?::\\d{1,5})?$`.

    KServe compares the host with the suffix `(?i).svc.<cluster domain>` literally, so the
    optional-suffix branch only runs for hosts that end with that odd text; kept as written.
    """
    local_suffix = "(?i).svc." + cluster_domain
    if not host.endswith(local_suffix):
        return "^" + quote_meta(host) + _PORT_MATCH + "$"
    prefix = quote_meta(host.removesuffix(local_suffix))
    cluster_suffix = quote_meta("(?i)." + cluster_domain)
    svc_suffix = quote_meta("(?i).svc")
    return "^" + prefix + "(" + svc_suffix + "(" + cluster_suffix + ")?)?" + _PORT_MATCH + "$"


def get_service_hostname(name: str, namespace: str) -> str:
    """`knative.dev/pkg/network.GetServiceHostname`: `<name>.<namespace>.svc.<cluster domain>`."""
    return f"{name}.{namespace}.svc.{CLUSTER_DOMAIN}"


def _spec(isvc: Mapping[str, Any]) -> Mapping[str, Any]:
    spec = isvc.get("spec")
    return spec if isinstance(spec, Mapping) else {}


def _meta(isvc: Mapping[str, Any]) -> Mapping[str, Any]:
    meta = isvc.get("metadata")
    return meta if isinstance(meta, Mapping) else {}


def _has(isvc: Mapping[str, Any], component: str) -> bool:
    return _spec(isvc).get(component) is not None


def _predictor_name(isvc: Mapping[str, Any]) -> str:
    predictor = _spec(isvc).get(constants.PREDICTOR)
    return str(predictor.get("name") or "") if isinstance(predictor, Mapping) else ""


def _trim_component(text: str, component: str) -> str:
    """Drop the first `-<component>-default` (when `-default` occurs) or `-<component>`."""
    if "-default" in text:
        return text.replace(f"-{component}-default", "", 1)
    return text.replace("-" + component, "", 1)


def _entry_component(isvc: Mapping[str, Any]) -> str:
    """The component traffic enters through: the transformer if there is one."""
    return constants.TRANSFORMER if _has(isvc, constants.TRANSFORMER) else constants.PREDICTOR


def get_service_host(isvc: Mapping[str, Any], component_hosts: Mapping[str, str]) -> str:
    """Port of `getServiceHost`: the entry component's host without its component suffix."""
    component = _entry_component(isvc)
    host = component_hosts.get(component)
    return _trim_component(host, component) if host else ""


def get_service_url(
    isvc: Mapping[str, Any], component_hosts: Mapping[str, str], ingress: IngressConfig
) -> str:
    """Port of `getServiceUrl`: the InferenceService URL KServe reports ("" when unknown)."""
    component = _entry_component(isvc)
    host = component_hosts.get(component)
    if not host:
        return ""
    if ingress.path_template:
        try:
            path = generate_url_path(_meta(isvc)["name"], _meta(isvc)["namespace"], ingress)
        except PathError:
            return ""  # KServe logs the error and reports no URL
        return _url_string(ingress.url_scheme, ingress.ingress_domain, path)
    url = _url_string(ingress.url_scheme, host)
    return url if ingress.disable_istio_virtual_host else _trim_component(url, component)


def _url_string(scheme: str, host: str, path: str = "") -> str:
    """Go's `url.URL.String()` for the plain hosts and paths used here."""
    # unconfirmed: Go escapes unusual path characters (EscapedPath); DNS names never need it.
    return (f"{scheme}:" if scheme else "") + "//" + host + path


def get_host_prefix(isvc: Mapping[str, Any], disable_istio_virtual_host: bool) -> str:
    """Port of `getHostPrefix`: the name behind `status.address.url`."""
    name = str(_meta(isvc).get("name", ""))
    if not disable_istio_virtual_host:
        return name
    if _has(isvc, constants.TRANSFORMER):
        return constants.transformer_service_name(name)
    return constants.predictor_service_name(name, _predictor_name(isvc))


def ingress_status(
    isvc: Mapping[str, Any], component_hosts: Mapping[str, str], ingress: IngressConfig
) -> dict[str, Any] | None:
    """`status.url` and `status.address` as Reconcile sets them, or None when it sets none."""
    if get_force_stop_runtime(_meta(isvc).get("annotations")):
        return None
    url = get_service_url(isvc, component_hosts, ingress)
    if not get_service_host(isvc, component_hosts) or not url:
        return None
    prefix = get_host_prefix(isvc, ingress.disable_istio_virtual_host)
    address = "http://" + get_service_hostname(prefix, str(_meta(isvc).get("namespace", "")))
    return {"url": url, "address": {"url": address}}


def _string_match(kind: str, value: str) -> dict[str, str]:
    return {kind: value}


def create_http_match_request(
    prefix: str,
    target_host: str,
    internal_host: str,
    additional_hosts: Sequence[str] | None,
    is_internal: bool,
    ingress: IngressConfig,
) -> list[dict[str, Any]]:
    """Port of `createHTTPMatchRequest`: host-based matches, each with `uri` when prefix is set."""
    uri = _string_match("regex", prefix) if prefix else None

    def match(host: str, gateways: list[str]) -> dict[str, Any]:
        request: dict[str, Any] = {
            "authority": _string_match("regex", host_reg_exp(host)),
            "gateways": gateways,
        }
        if uri is not None:
            request["uri"] = dict(uri)
        return request

    requests = [match(internal_host, [ingress.local_gateway, constants.ISTIO_MESH_GATEWAY])]
    if not is_internal:
        requests.append(match(target_host, [ingress.ingress_gateway]))
        for host in additional_hosts or ():
            candidate = match(host, [ingress.ingress_gateway])
            if candidate not in requests:  # containsHTTPMatchRequest: authority, gateways, uri
                requests.append(candidate)
    return requests


def _route(
    matches: list[dict[str, Any]],
    host_header: str,
    isvc_name: str,
    namespace: str,
    ingress: IngressConfig,
    rewrite: dict[str, Any] | None = None,
) -> dict[str, Any]:
    route: dict[str, Any] = {
        "match": matches,
        "route": [
            {
                "destination": {
                    "host": ingress.knative_local_gateway_service,
                    "port": {"number": constants.COMMON_DEFAULT_HTTP_PORT},
                },
                "weight": 100,
            }
        ],
        "headers": {
            "request": {
                "set": {
                    constants.HOST_HEADER: host_header,
                    constants.ISVC_NAME_HEADER: isvc_name,
                    constants.ISVC_NAMESPACE_HEADER: namespace,
                }
            }
        },
    }
    if rewrite is not None:
        route["rewrite"] = rewrite
    return route


def create_ingress(
    isvc: Mapping[str, Any],
    component_hosts: Mapping[str, str],
    ingress: IngressConfig,
    domain_list: Sequence[str] | None,
    isvc_config: InferenceServicesConfig,
    renderer: Renderer,
) -> dict[str, Any] | None:
    """Port of `createIngress`: the VirtualService, or None while a component is not Ready."""
    meta = _meta(isvc)
    name, namespace = str(meta["name"]), str(meta["namespace"])
    if not component_hosts.get(constants.PREDICTOR):
        return None
    backend = constants.predictor_service_name(name, _predictor_name(isvc))
    if _has(isvc, constants.TRANSFORMER):
        backend = constants.transformer_service_name(name)
        if not component_hosts.get(constants.TRANSFORMER):
            return None
    labels = meta.get("labels") or {}
    service_host = get_service_host(isvc, component_hosts)
    internal_host = get_service_hostname(name, namespace)
    is_internal = (
        labels.get(constants.VISIBILITY_LABEL) == constants.CLUSTER_LOCAL_VISIBILITY
        or service_host == internal_host
    )
    additional_hosts = (
        None if is_internal else get_additional_hosts(domain_list or (), service_host, ingress)
    )
    explainer_host = get_service_hostname(constants.explainer_service_name(name), namespace)
    backend_host = get_service_hostname(backend, namespace)

    def host_matches(prefix: str) -> list[dict[str, Any]]:
        return create_http_match_request(
            prefix, service_host, internal_host, additional_hosts, is_internal, ingress
        )

    http: list[dict[str, Any]] = []
    if _has(isvc, constants.EXPLAINER):
        if not component_hosts.get(constants.EXPLAINER):
            return None
        matches = host_matches(constants.EXPLAIN_PREFIX)
        http.append(_route(matches, explainer_host, name, namespace, ingress))
    http.append(_route(host_matches(""), backend_host, name, namespace, ingress))

    hosts = [internal_host]
    gateways = [ingress.local_gateway, constants.ISTIO_MESH_GATEWAY]
    if not is_internal:
        hosts.append(service_host)
        gateways.append(ingress.ingress_gateway)
    if ingress.path_template:
        try:
            path = generate_url_path(name, namespace, ingress).removesuffix("/")
        except PathError:
            return None  # KServe logs the error and creates no VirtualService
        authority = _string_match("regex", host_reg_exp(ingress.ingress_domain))
        if _has(isvc, constants.EXPLAINER):
            regex = path + constants.PATH_BASED_EXPLAIN_PREFIX
            match = {
                "uri": _string_match("regex", regex),
                "authority": authority,
                "gateways": [ingress.ingress_gateway],
            }
            rewrite = {"uriRegexRewrite": {"match": regex, "rewrite": "\\1"}}
            http.append(_route([match], explainer_host, name, namespace, ingress, rewrite))
        matches = [
            {
                "uri": _string_match(kind, value),
                "authority": dict(authority),
                "gateways": [ingress.ingress_gateway],
            }
            for kind, value in (("prefix", path + "/"), ("exact", path))
        ]
        http.append(_route(matches, backend_host, name, namespace, ingress, {"uri": "/"}))
        hosts.append(ingress.ingress_domain)
    if not is_internal:
        present = set(hosts)
        hosts += [h for h in additional_hosts or () if h not in present]

    disallowed = isvc_config.service_annotation_disallowed_list
    annotations = {k: v for k, v in (meta.get("annotations") or {}).items() if k not in disallowed}
    values = {
        "name": name,
        "namespace": namespace,
        "labels": dict(labels) or None,
        "annotations": annotations or None,
        "hosts": hosts,
        "gateways": gateways,
        "http": http,
    }
    return renderer.render_object(
        VIRTUAL_SERVICE_TEMPLATE, values, "VirtualService", name, namespace
    )


def create_external_service(
    isvc: Mapping[str, Any], ingress: IngressConfig, renderer: Renderer
) -> dict[str, Any]:
    """The ExternalName Service `reconcileExternalService` creates: `<isvc>` → local gateway."""
    meta = _meta(isvc)
    name, namespace = str(meta["name"]), str(meta["namespace"])
    values = {
        "name": name,
        "namespace": namespace,
        "external_name": ingress.local_gateway_service_name,
    }
    return renderer.render_object(EXTERNAL_SERVICE_TEMPLATE, values, "Service", name, namespace)


def reconcile_ingress(
    isvc: Mapping[str, Any],
    component_hosts: Mapping[str, str],
    config: Config,
    renderer: Renderer,
    knative_domain_config: KnativeDomainConfig | None = None,
    *,
    virtual_service_available: bool = True,
) -> list[dict[str, Any]]:
    """What `(*IngressReconciler).Reconcile` creates: VirtualService, then ExternalName Service.

    Nothing when the InferenceService is stopped or `disableIstioVirtualHost` is set;
    `virtual_service_available=False` stands for a cluster without Istio's VirtualService CRD
    (KServe then skips only the VirtualService). `component_hosts` maps component names to the
    hosts of their Knative Services (see `knative_host`); `knative_domain_config` gives the
    `config-domain` keys KServe reads for additional hosts (`DEFAULT_KNATIVE_DOMAIN_CONFIG`).
    """
    ingress = config.ingress
    if get_force_stop_runtime(_meta(isvc).get("annotations")) or ingress.disable_istio_virtual_host:
        return []
    objects: list[dict[str, Any]] = []
    if virtual_service_available:
        if knative_domain_config is None:
            knative_domain_config = DEFAULT_KNATIVE_DOMAIN_CONFIG
        virtual_service = create_ingress(
            isvc,
            component_hosts,
            ingress,
            knative_domain_config.domain_keys,
            config.inference_services,
            renderer,
        )
        if virtual_service is not None:
            objects.append(virtual_service)
    objects.append(create_external_service(isvc, ingress, renderer))
    return objects
