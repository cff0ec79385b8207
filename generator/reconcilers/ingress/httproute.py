"""Gateway API HTTPRoutes of Standard mode: port of `reconcilers/ingress/httproute_reconciler.go`.

Ports `createRawPredictorHTTPRoute`, `createRawTransformerHTTPRoute`,
`createRawExplainerHTTPRoute` (one function and a table here), `createRawTopLevelHTTPRoute`,
`createHTTPRouteMatch`, `createGRPCRouteMatches`, `createHTTPRouteRule`, `addIsvcHeaders`,
`resolveTimeout`, `detectServiceProtocolPorts`, `createRawURL`, `getRawServiceHost` and
`(*RawHTTPRouteReconciler).Reconcile` (KServe v0.20.0). Routes come in the order predictor,
transformer, explainer, top-level. Errors come back as `Invalid` with KServe's messages.

GitOps: KServe creates a route only once the component reports Ready; offline every component
counts as ready unless `ready` names the ready conditions (as the Go unit tests do). The
component Services KServe reads from the cluster (`detectServiceProtocolPorts`) are passed in
as `services`, by name; a missing one means the default single rule, as a NotFound does.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from generator import constants as c
from generator.config.configmap import InferenceServicesConfig, IngressConfig
from generator.errors import Invalid
from generator.reconcilers.ingress.domain import (
    CLUSTER_DOMAIN,
    DomainError,
    generate_domain_name,
    get_additional_hosts,
)
from generator.reconcilers.ingress.path import PathError, generate_url_path
from generator.render import Renderer
from generator.utils.utils import get_force_stop_runtime

TEMPLATE = "httproute.yaml.j2"
GATEWAY_GROUP = "gateway.networking.k8s.io"  # gwapiv1.GroupVersion.Group
REGULAR_EXPRESSION = "RegularExpression"
GRPC_PATH_REGEX = r"^/inference\.GRPCInferenceService/.*$"
GRPC_CONTENT_TYPE_REGEX = "^application/grpc.*"
DEFAULT_TIMEOUT = "60s"  # DefaultTimeout = toGatewayAPIDuration(60)
PREDICTOR_READY = "PredictorReady"
TRANSFORMER_READY = "TransformerReady"
EXPLAINER_READY = "ExplainerReady"

Services = Mapping[str, Mapping[str, Any]]


def _meta(isvc: Mapping[str, Any]) -> Mapping[str, Any]:
    return isvc.get("metadata") or {}


def _spec(isvc: Mapping[str, Any], component: str) -> Mapping[str, Any] | None:
    found = (isvc.get("spec") or {}).get(component)
    return found if isinstance(found, Mapping) else None


def _is_ready(ready: Collection[str] | None, condition: str) -> bool:
    return ready is None or condition in ready


def is_internal(isvc: Mapping[str, Any], ingress: IngressConfig) -> bool:
    """Cluster-local: the isvc label `networking.kserve.io/visibility` or the ingress domain."""
    labels = _meta(isvc).get("labels") or {}
    return (
        labels.get(c.NETWORK_VISIBILITY) == c.CLUSTER_LOCAL_VISIBILITY
        or ingress.ingress_domain == c.CLUSTER_LOCAL_DOMAIN
    )


def predictor_name(isvc: Mapping[str, Any]) -> str:
    """`PredictorServiceName(isvc.Name, isvc.Spec.Predictor.Name)`."""
    predictor = _spec(isvc, c.PREDICTOR) or {}
    return c.predictor_service_name(str(_meta(isvc).get("name") or ""), predictor.get("name") or "")


def resolve_timeout(disable_timeout: bool, timeout_seconds: int | None) -> str | None:
    """Port of `resolveTimeout`: None (no `timeouts`) when disabled, else `<n>s` or `60s`."""
    if disable_timeout:
        return None
    return DEFAULT_TIMEOUT if timeout_seconds is None else f"{int(timeout_seconds)}s"


def create_raw_url(isvc: Mapping[str, Any], ingress: IngressConfig) -> str | Invalid:
    """Port of `createRawURL`: the isvc status URL `<urlScheme>://<top-level host>`, no path."""
    meta = _meta(isvc)
    try:
        host = generate_domain_name(str(meta.get("name") or ""), meta, ingress)
    except DomainError as err:
        return Invalid("metadata.name", str(err))
    return f"{ingress.url_scheme}://{host}"


def get_raw_service_host(isvc: Mapping[str, Any]) -> str:
    """Port of `getRawServiceHost`: the entry (transformer, else predictor) Service's host."""
    name = str(_meta(isvc).get("name") or "")
    namespace = str(_meta(isvc).get("namespace") or "")
    has_transformer = _spec(isvc, c.TRANSFORMER) is not None
    entry = c.transformer_service_name(name) if has_transformer else predictor_name(isvc)
    return f"{entry}.{namespace}.svc.{CLUSTER_DOMAIN}"


def create_http_route_match(prefix: str) -> dict[str, Any]:
    """Port of `createHTTPRouteMatch`: a RegularExpression path match."""
    return {"path": {"type": REGULAR_EXPRESSION, "value": prefix}}


def create_grpc_route_matches() -> list[dict[str, Any]]:
    """Port of `createGRPCRouteMatches`: the v2 gRPC path and an `application/grpc*` header."""
    match = create_http_route_match(GRPC_PATH_REGEX)
    match["headers"] = [
        {"type": REGULAR_EXPRESSION, "name": "content-type", "value": GRPC_CONTENT_TYPE_REGEX}
    ]
    return [match]


def add_isvc_headers(name: str, namespace: str) -> dict[str, Any]:
    """Port of `addIsvcHeaders`: set `KServe-Isvc-Name` and `KServe-Isvc-Namespace`."""
    return {
        "type": "RequestHeaderModifier",
        "requestHeaderModifier": {
            "set": [
                {"name": c.ISVC_NAME_HEADER, "value": name},
                {"name": c.ISVC_NAMESPACE_HEADER, "value": namespace},
            ]
        },
    }


def create_http_route_rule(
    matches: list[dict[str, Any]],
    filters: list[dict[str, Any]],
    service_name: str,
    namespace: str,
    port: int,
    timeout: str | None,
) -> dict[str, Any]:
    """Port of `createHTTPRouteRule`: one backend (when named) and the request timeout."""
    rule: dict[str, Any] = {"matches": matches, "filters": filters}
    if service_name:
        backend = {"kind": c.SERVICE_KIND, "name": service_name, "namespace": namespace}
        rule["backendRefs"] = [{**backend, "port": port}]
    if timeout is not None:
        rule["timeouts"] = {"request": timeout}
    return rule


def detect_service_protocol_ports(services: Services, name: str) -> tuple[int, int]:
    """Port of `detectServiceProtocolPorts`: (REST port, gRPC port) of a Service, 0 if none."""
    rest = grpc = 0
    for port in ((services.get(name) or {}).get("spec") or {}).get("ports") or []:
        lowered = str(port.get("name") or "").lower()
        number = int(port.get("port") or 0)
        if port.get("appProtocol") == "kubernetes.io/h2c" or "grpc" in lowered or "h2c" in lowered:
            grpc = grpc or number
        else:
            rest = rest or number
    return rest, grpc


def _component_rules(
    service_name: str, namespace: str, services: Services, filters: list[dict[str, Any]],
    timeout: str | None,
) -> list[dict[str, Any]]:  # fmt: skip
    """gRPC + REST rules when the Service has both kinds of port, else one rule to port 80."""
    rest, grpc = detect_service_protocol_ports(services, service_name)
    if rest and grpc:
        return [
            create_http_route_rule(
                create_grpc_route_matches(), filters, service_name, namespace, grpc, timeout
            ),
            create_http_route_rule(
                [create_http_route_match(c.FALLBACK_PREFIX)],
                filters, service_name, namespace, rest, timeout,
            ),
        ]  # fmt: skip
    match = [create_http_route_match(c.FALLBACK_PREFIX)]
    port = c.COMMON_DEFAULT_HTTP_PORT
    return [create_http_route_rule(match, filters, service_name, namespace, port, timeout)]


def _render_route(
    isvc: Mapping[str, Any],
    name: str,
    hostnames: list[str],
    rules: list[dict[str, Any]],
    ingress: IngressConfig,
    isvc_config: InferenceServicesConfig,
    renderer: Renderer,
) -> dict[str, Any]:
    meta = _meta(isvc)
    namespace = str(meta.get("namespace") or "")
    labels = meta.get("labels") or {}
    annotations = meta.get("annotations") or {}
    gateway_namespace, _, gateway_name = ingress.kserve_ingress_gateway.partition("/")
    parent = {"group": GATEWAY_GROUP, "kind": c.GATEWAY_KIND}
    values = {
        "name": name,
        "namespace": namespace,
        "labels": {
            k: v for k, v in labels.items() if k not in isvc_config.service_label_disallowed_list
        } or None,
        "annotations": {
            k: v for k, v in annotations.items()
            if k not in isvc_config.service_annotation_disallowed_list
        } or None,
        "parent_refs": [{**parent, "namespace": gateway_namespace, "name": gateway_name}],
        "hostnames": hostnames,
        "rules": rules,
    }  # fmt: skip
    return renderer.render_object(TEMPLATE, values, "HTTPRoute", name, namespace)


# The status condition of each component that the ingress reconcilers wait for.
READY_CONDITIONS = {
    c.PREDICTOR: PREDICTOR_READY,
    c.TRANSFORMER: TRANSFORMER_READY,
    c.EXPLAINER: EXPLAINER_READY,
}

# createRaw{Predictor,Transformer,Explainer}HTTPRoute: the one difference is which component.
_COMPONENTS = {
    c.PREDICTOR: (PREDICTOR_READY, predictor_name),
    c.TRANSFORMER: (TRANSFORMER_READY, lambda i: c.transformer_service_name(_meta(i)["name"])),
    c.EXPLAINER: (EXPLAINER_READY, lambda i: c.explainer_service_name(_meta(i)["name"])),
}


def create_raw_component_http_route(
    isvc: Mapping[str, Any],
    component: str,
    ingress: IngressConfig,
    isvc_config: InferenceServicesConfig,
    services: Services,
    renderer: Renderer,
    ready: Collection[str] | None = None,
) -> dict[str, Any] | Invalid | None:
    """The route of one component's own host to its Service (None while not ready)."""
    condition, service_name_of = _COMPONENTS[component]
    if not _is_ready(ready, condition):
        return None
    meta = _meta(isvc)
    name = str(service_name_of(isvc))
    namespace = str(meta.get("namespace") or "")
    filters = [add_isvc_headers(str(meta.get("name") or ""), namespace)]
    try:
        host = generate_domain_name(name, meta, ingress)
    except DomainError as err:
        return Invalid("metadata.name", f"failed to generate {component} ingress host: {err}")
    timeout = resolve_timeout(
        ingress.disable_http_route_timeout, (_spec(isvc, component) or {}).get("timeout")
    )
    rules = _component_rules(name, namespace, services, filters, timeout)
    return _render_route(isvc, name, [host], rules, ingress, isvc_config, renderer)


def create_raw_predictor_http_route(
    isvc: Mapping[str, Any], ingress: IngressConfig, isvc_config: InferenceServicesConfig,
    services: Services, renderer: Renderer, ready: Collection[str] | None = None,
) -> dict[str, Any] | Invalid | None:  # fmt: skip
    """Port of `createRawPredictorHTTPRoute`."""
    return create_raw_component_http_route(
        isvc, c.PREDICTOR, ingress, isvc_config, services, renderer, ready
    )


def create_raw_transformer_http_route(
    isvc: Mapping[str, Any], ingress: IngressConfig, isvc_config: InferenceServicesConfig,
    services: Services, renderer: Renderer, ready: Collection[str] | None = None,
) -> dict[str, Any] | Invalid | None:  # fmt: skip
    """Port of `createRawTransformerHTTPRoute`."""
    return create_raw_component_http_route(
        isvc, c.TRANSFORMER, ingress, isvc_config, services, renderer, ready
    )


def create_raw_explainer_http_route(
    isvc: Mapping[str, Any], ingress: IngressConfig, isvc_config: InferenceServicesConfig,
    services: Services, renderer: Renderer, ready: Collection[str] | None = None,
) -> dict[str, Any] | Invalid | None:  # fmt: skip
    """Port of `createRawExplainerHTTPRoute`."""
    return create_raw_component_http_route(
        isvc, c.EXPLAINER, ingress, isvc_config, services, renderer, ready
    )


def create_raw_top_level_http_route(
    isvc: Mapping[str, Any], ingress: IngressConfig, isvc_config: InferenceServicesConfig,
    services: Services, renderer: Renderer, ready: Collection[str] | None = None,
) -> dict[str, Any] | Invalid | None:  # fmt: skip
    """Port of `createRawTopLevelHTTPRoute`: the isvc host (+ additional hosts, path routing)."""
    if not _is_ready(ready, PREDICTOR_READY):
        return None
    meta = _meta(isvc)
    isvc_name, namespace = str(meta.get("name") or ""), str(meta.get("namespace") or "")
    predictor, transformer, explainer = (
        predictor_name(isvc), c.transformer_service_name(isvc_name),
        c.explainer_service_name(isvc_name),
    )  # fmt: skip
    try:
        top_host = generate_domain_name(isvc_name, meta, ingress)
    except DomainError as err:
        return Invalid("metadata.name", f"failed to generate top level ingress host: {err}")
    hosts = [top_host]
    for host in get_additional_hosts([ingress.ingress_domain], top_host, ingress):
        if host not in hosts:
            hosts.append(host)
    filters = [add_isvc_headers(isvc_name, namespace)]
    disable = ingress.disable_http_route_timeout
    rules: list[dict[str, Any]] = []
    has_explainer = _spec(isvc, c.EXPLAINER) is not None
    has_transformer = _spec(isvc, c.TRANSFORMER) is not None
    explainer_timeout = resolve_timeout(disable, (_spec(isvc, c.EXPLAINER) or {}).get("timeout"))
    if has_explainer:
        if not _is_ready(ready, EXPLAINER_READY):
            return None
        match = [create_http_route_match(c.EXPLAIN_PREFIX)]
        port = c.COMMON_DEFAULT_HTTP_PORT
        rules.append(
            create_http_route_rule(match, filters, explainer, namespace, port, explainer_timeout)
        )
    if has_transformer and not _is_ready(ready, TRANSFORMER_READY):
        return None
    entry, entry_component = (
        (transformer, c.TRANSFORMER) if has_transformer else (predictor, c.PREDICTOR)
    )
    entry_timeout = resolve_timeout(disable, (_spec(isvc, entry_component) or {}).get("timeout"))
    rules.extend(_component_rules(entry, namespace, services, filters, entry_timeout))
    if ingress.path_template:
        try:
            path = generate_url_path(isvc_name, namespace, ingress).removesuffix("/")
        except PathError as err:
            return Invalid("metadata.name", f"failed to generate URL from pathTemplate: {err}")
        hosts.append(ingress.ingress_domain)
        port = c.COMMON_DEFAULT_HTTP_PORT
        if has_explainer:
            match = [create_http_route_match(path + c.PATH_BASED_EXPLAIN_PREFIX)]
            timeout = explainer_timeout
            rule = create_http_route_rule(match, filters, explainer, namespace, port, timeout)
            rules.append(rule)
        match = [create_http_route_match(path + "/")]
        rules.append(create_http_route_rule(match, filters, entry, namespace, port, entry_timeout))
    return _render_route(isvc, isvc_name, hosts, rules, ingress, isvc_config, renderer)


def reconcile_raw_http_routes(
    isvc: Mapping[str, Any], ingress: IngressConfig, isvc_config: InferenceServicesConfig,
    services: Services, renderer: Renderer, ready: Collection[str] | None = None,
) -> list[dict[str, Any]] | Invalid:  # fmt: skip
    """Port of `(*RawHTTPRouteReconciler).Reconcile`: the routes KServe creates for the isvc."""
    routes: list[dict[str, Any]] = []
    if not is_internal(isvc, ingress) and not ingress.disable_ingress_creation:
        stopped = get_force_stop_runtime(_meta(isvc).get("annotations") or {})
        components = [c.PREDICTOR] + [
            x for x in (c.TRANSFORMER, c.EXPLAINER) if _spec(isvc, x) is not None
        ]
        built: list[dict[str, Any] | Invalid | None] = [
            create_raw_component_http_route(
                isvc, x, ingress, isvc_config, services, renderer, ready
            )
            for x in components
        ]
        built.append(
            create_raw_top_level_http_route(isvc, ingress, isvc_config, services, renderer, ready)
        )
        for route in built:
            if isinstance(route, Invalid):
                return route
            if route is not None and not stopped:
                routes.append(route)
        if stopped:
            return []
    url = create_raw_url(isvc, ingress)
    return url if isinstance(url, Invalid) else routes
