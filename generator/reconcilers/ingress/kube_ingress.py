"""Kubernetes Ingress of Standard mode: port of `reconcilers/ingress/kube_ingress_reconciler.go`.

Ports `createRawIngress`, `generateRule`, `generateIngressHost`, `createAddress` and
`(*RawIngressReconciler).Reconcile` (KServe v0.20.0), plus the Standard branch of
`reconcilers/factory.go: CreateIngressReconciler` as `reconcile_raw_ingress`: HTTPRoutes when
`ingress.enableGatewayApi`, else one Ingress. Errors come back as `Invalid` with KServe's
messages. As for HTTPRoutes, components count as ready unless `ready` says otherwise.

The rules reproduce KServe's transformer case as it is: an explainer rule on the transformer
host, the transformer host routed to the predictor, and the predictor host listed last.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

from generator import constants as c
from generator.config import Config
from generator.config.configmap import IngressConfig
from generator.errors import Invalid
from generator.reconcilers.ingress.domain import DomainError, generate_domain_name
from generator.reconcilers.ingress.httproute import (
    EXPLAINER_READY,
    PREDICTOR_READY,
    TRANSFORMER_READY,
    Services,
    create_raw_url,
    get_raw_service_host,
    is_internal,
    predictor_name,
    reconcile_raw_http_routes,
)
from generator.render import Renderer
from generator.utils.utils import get_force_stop_runtime

TEMPLATE = "ingress.yaml.j2"
CLUSTER_IP_NONE = "None"


def generate_rule(host: str, service_name: str, path: str, port: int) -> dict[str, Any]:
    """Port of `generateRule`: one host, one Prefix path to a Service port."""
    backend = {"service": {"name": service_name, "port": {"number": port}}}
    return {
        "host": host,
        "http": {"paths": [{"path": path, "pathType": "Prefix", "backend": backend}]},
    }


def _host(name: str, meta: Mapping[str, Any], ingress: IngressConfig, what: str) -> str:
    """`generateIngressHost`; a DomainError carries KServe's wrapping of the message."""
    try:
        return generate_domain_name(name, meta, ingress)
    except DomainError as err:
        raise DomainError(f"failed creating {what} ingress host: {err}") from err


def _rules(
    isvc: Mapping[str, Any], ingress: IngressConfig, ready: Collection[str] | None
) -> list[dict[str, Any]] | None:
    """The rules of `createRawIngress`, None while a component is not ready."""
    meta = isvc.get("metadata") or {}
    spec = isvc.get("spec") or {}
    name = str(meta.get("name") or "")
    predictor = predictor_name(isvc)
    transformer = c.transformer_service_name(name)
    explainer = c.explainer_service_name(name)
    port = c.COMMON_DEFAULT_HTTP_PORT
    rules: list[dict[str, Any]] = []
    if spec.get("transformer") is not None:
        if ready is not None and TRANSFORMER_READY not in ready:
            return None
        top = _host(name, meta, ingress, "top level transformer")
        transformer_host = _host(transformer, meta, ingress, "transformer")
        if spec.get("explainer") is not None:
            # KServe puts the explainer rule on the transformer's host.
            explainer_host = _host(transformer, meta, ingress, "explainer")
            rules.append(generate_rule(explainer_host, explainer, "/", port))
        rules.append(generate_rule(top, transformer, "/", port))
        rules.append(generate_rule(transformer_host, predictor, "/", port))
    elif spec.get("explainer") is not None:
        if ready is not None and EXPLAINER_READY not in ready:
            return None
        top = _host(name, meta, ingress, "top level explainer")
        rules.append(generate_rule(top, predictor, "/", port))
        explainer_host = _host(explainer, meta, ingress, "explainer")
        rules.append(generate_rule(explainer_host, explainer, "/", port))
    else:
        top = _host(name, meta, ingress, "top level predictor")
        rules.append(generate_rule(top, predictor, "/", port))
    rules.append(generate_rule(_host(predictor, meta, ingress, "predictor"), predictor, "/", port))
    return rules


def create_raw_ingress(
    isvc: Mapping[str, Any],
    ingress: IngressConfig,
    renderer: Renderer,
    ready: Collection[str] | None = None,
) -> dict[str, Any] | Invalid | None:
    """Port of `createRawIngress`: the isvc Ingress (None while a component is not ready)."""
    if ready is not None and PREDICTOR_READY not in ready:
        return None
    try:
        rules = _rules(isvc, ingress, ready)
    except DomainError as err:
        return Invalid("metadata.name", str(err))
    if rules is None:
        return None
    meta = isvc.get("metadata") or {}
    name, namespace = str(meta.get("name") or ""), str(meta.get("namespace") or "")
    values = {
        "name": name,
        "namespace": namespace,
        "annotations": dict(meta.get("annotations") or {}) or None,  # not filtered, as KServe
        "ingress_class_name": ingress.ingress_class_name,
        "rules": rules,
    }
    return renderer.render_object(TEMPLATE, values, "Ingress", name, namespace)


def reconcile_kube_ingress(
    isvc: Mapping[str, Any],
    ingress: IngressConfig,
    renderer: Renderer,
    ready: Collection[str] | None = None,
) -> list[dict[str, Any]] | Invalid:
    """Port of `(*RawIngressReconciler).Reconcile`: the Ingress KServe creates, if any."""
    meta = isvc.get("metadata") or {}
    if get_force_stop_runtime(meta.get("annotations") or {}):
        return []
    objects: list[dict[str, Any]] = []
    if not is_internal(isvc, ingress) and not ingress.disable_ingress_creation:
        built = create_raw_ingress(isvc, ingress, renderer, ready)
        if isinstance(built, Invalid):
            return built
        if built is not None:
            objects.append(built)
    url = create_raw_url(isvc, ingress)
    return url if isinstance(url, Invalid) else objects


def services_by_name(objects: Sequence[Mapping[str, Any]]) -> dict[str, Mapping[str, Any]]:
    """The Services among rendered objects, by name: what KServe reads back from the cluster."""
    return {str(obj["metadata"]["name"]): obj for obj in objects if obj.get("kind") == "Service"}


def reconcile_raw_ingress(
    isvc: Mapping[str, Any],
    component_services: Services,
    config: Config,
    renderer: Renderer,
    ready: Collection[str] | None = None,
) -> list[dict[str, Any]] | Invalid:
    """The Standard-mode ingress objects: HTTPRoutes with `enableGatewayApi`, else an Ingress.

    `component_services` maps Service names to the Services rendered for the components.
    """
    if config.ingress.enable_gateway_api:
        return reconcile_raw_http_routes(
            isvc, config.ingress, config.inference_services, component_services, renderer, ready
        )
    return reconcile_kube_ingress(isvc, config.ingress, renderer, ready)


def create_address(isvc: Mapping[str, Any], component_services: Services) -> str | Invalid:
    """Port of `createAddress`: `http://<entry svc>.<ns>.svc.cluster.local`, `:8080` if headless."""
    meta = isvc.get("metadata") or {}
    spec = isvc.get("spec") or {}
    name = str(meta.get("name") or "")
    has_transformer = spec.get("transformer") is not None
    entry = c.transformer_service_name(name) if has_transformer else predictor_name(isvc)
    service = component_services.get(entry)
    if service is None:
        return Invalid(
            "spec", f'failed to get entry point service {entry}: services "{entry}" not found'
        )
    host = get_raw_service_host(isvc)
    if (service.get("spec") or {}).get("clusterIP") == CLUSTER_IP_NONE:
        host += ":" + c.INFERENCE_SERVICE_DEFAULT_HTTP_PORT
    return f"http://{host}"
