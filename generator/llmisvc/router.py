"""The managed HTTPRoute (`router.go: expectedHTTPRoute`) and the workload certificate.

GitOps departures (docs/porting-notes.md):
- GitOps: KServe picks the HTTPRoute's InferencePool API group from the live route's
  status; a render takes it from an option (`v1` by default: group
  `inference.networking.k8s.io` and the `serving.kserve.io/inference-pool-migrated: v1`
  annotation KServe then sets).
- GitOps: KServe writes a self-signed key into Secret `<name>-kserve-self-signed-certs` at run
  time; a render never writes a private key: it emits a cert-manager Certificate for it.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any, Final

from generator.llmisvc import lora
from generator.llmisvc.config_merge import (
    ANNOTATION_MODEL_BASED_ROUTING_ENABLED,
    GlobalConfig,
    child_name,
    workload_service_name,
)

ANNOTATION_INFERENCE_POOL_MIGRATED: Final = "serving.kserve.io/inference-pool-migrated"
POOL_GROUPS: Final = {
    "v1": "inference.networking.k8s.io",
    "v1alpha2": "inference.networking.x-k8s.io",
}
COMPONENT_ROUTER: Final = "llminferenceservice-router"


def router_labels(name: str, spec: Mapping[str, Any]) -> dict[str, str]:
    """Port of `RouterLabels`."""
    labels = {
        "app.kubernetes.io/component": COMPONENT_ROUTER,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "llminferenceservice",
    }
    group = ((spec.get("router") or {}).get("route") or {}).get("group")
    if group is not None:
        labels["serving.kserve.io/routing-group"] = str(group)
    return labels


def model_based_routing_enabled(
    spec: Mapping[str, Any], gcfg: GlobalConfig, gateways: Sequence[Mapping[str, Any]]
) -> bool:
    """Port of `isModelBasedRoutingEnabled`; the referenced Gateways come from the input set
    (GitOps: one that is not there counts as not refusing model-based routing)."""
    if not gcfg.model_based_routing_header_name:
        return False
    if (spec.get("annotations") or {}).get(ANNOTATION_MODEL_BASED_ROUTING_ENABLED) != "true":
        return False
    mode = gcfg.model_based_routing_mode.lower()
    if mode == "disabled":
        return False
    if mode == "forced":
        return True
    return not any(
        ((g.get("metadata") or {}).get("annotations") or {}).get(
            ANNOTATION_MODEL_BASED_ROUTING_ENABLED
        )
        == "false"
        for g in gateways
    )


def _strip_model_routing(rules: list[dict[str, Any]], header: str) -> list[dict[str, Any]]:
    """Port of `stripModelBasedRoutingRules`."""
    if not header:
        return rules
    kept_rules = []
    for rule in rules:
        kept = [
            m
            for m in rule.get("matches") or []
            if not any(h.get("name") == header for h in m.get("headers") or [])
        ]
        if kept:
            kept_rules.append({**rule, "matches": kept})
    return kept_rules


def http_route(
    llmsvc: Mapping[str, Any],
    gcfg: GlobalConfig,
    gateways: Sequence[Mapping[str, Any]],
    pool_api: str,
) -> dict[str, Any] | None:
    """Port of `expectedHTTPRoute`, or None when KServe manages no route."""
    meta = llmsvc["metadata"]
    spec = llmsvc["spec"]
    name = str(meta["name"])
    router = spec.get("router") or {}
    route = router.get("route")
    if not isinstance(route, dict):
        return None
    http_spec = (route.get("http") or {}).get("spec")
    if not isinstance(http_spec, dict):
        return None
    out_spec = copy.deepcopy(http_spec)
    if model_based_routing_enabled(spec, gcfg, gateways):
        lora.expand_matches(
            out_spec.get("rules") or [],
            str(meta.get("namespace") or ""),
            lora.adapters_of(spec),
            gcfg.model_based_routing_header_name,
        )
    else:
        out_spec["rules"] = _strip_model_routing(
            out_spec.get("rules") or [], gcfg.model_based_routing_header_name
        )
        if not out_spec["rules"]:
            del out_spec["rules"]
    annotations: dict[str, str] | None = None
    scheduler = router.get("scheduler")
    pool_ref = (scheduler.get("pool") or {}).get("ref") if isinstance(scheduler, dict) else None
    if isinstance(scheduler, dict) and not (isinstance(pool_ref, dict) and pool_ref.get("name")):
        default_pool = child_name(name, "-inference-pool")
        for rule in out_spec.get("rules") or []:
            for ref in rule.get("backendRefs") or []:
                if ref.get("kind") == "InferencePool" and ref.get("name") == default_pool:
                    ref["group"] = POOL_GROUPS[pool_api]
        if pool_api == "v1":
            annotations = {ANNOTATION_INFERENCE_POOL_MIGRATED: "v1"}
    return {
        "name": child_name(name, "-kserve-route"),
        "namespace": str(meta.get("namespace") or ""),
        "labels": router_labels(name, spec),
        "annotations": annotations,
        "spec": out_spec,
    }


def dns_names(llmsvc: Mapping[str, Any], epp_service: str | None, cluster_domain: str) -> list[str]:
    """Port of `collectDNSNames` (sorted), with the cluster domain as an option instead of
    knative's lookup of /etc/resolv.conf."""
    meta = llmsvc["metadata"]
    namespace = str(meta.get("namespace") or "")
    svc = workload_service_name(str(meta["name"]))
    names = ["localhost", f"{svc}.{namespace}.svc.{cluster_domain}", f"{svc}.{namespace}.svc"]
    if epp_service is not None:
        names += [
            f"{epp_service}.{namespace}.svc.{cluster_domain}",
            f"{epp_service}.{namespace}.svc",
        ]
    return sorted(names)


def certificate(
    llmsvc: Mapping[str, Any], names: list[str], issuer_kind: str, issuer_name: str
) -> dict[str, Any]:
    """GitOps: the cert-manager Certificate standing in for KServe's self-signed Secret (same
    name and labels, KServe's ten-year lifetime)."""
    meta = llmsvc["metadata"]
    name = str(meta["name"])
    secret = child_name(name, "-kserve-self-signed-certs")
    labels = {
        "app.kubernetes.io/component": "llminferenceservice-workload",
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "llminferenceservice",
    }
    return {
        "name": secret,
        "namespace": str(meta.get("namespace") or ""),
        "labels": labels,
        "spec": {
            "secretName": secret,
            "secretTemplate": {"labels": labels},
            "commonName": names[0] if names else name,
            "dnsNames": names,
            "duration": "87600h",
            "renewBefore": "17520h",
            "isCA": False,
            "usages": ["server auth", "digital signature", "key encipherment"],
            "issuerRef": {
                "group": "cert-manager.io",
                "kind": issuer_kind,
                "name": issuer_name,
            },
        },
    }


WILDCARD_HOSTNAME: Final = "inference"  # GATEWAY_API_WILDCARD_HOSTNAME's default


def status_urls(
    llmsvc: Mapping[str, Any],
    route: Mapping[str, Any] | None,
    gateways: Sequence[Mapping[str, Any]],
    gcfg: GlobalConfig,
    cluster_domain: str,
) -> tuple[str | None, str | None]:
    """(status.url, the first status.addresses URL) as `updateRoutingStatus` reports them.

    Without a route: no URL and the workload Service's address. With the managed route: the
    path-based URL on each parent Gateway found in the input set whose listener or route names
    a host (`DiscoverURLs`, `preferPathBasedURL`). GitOps: such a Gateway is assumed to have an
    address; its backing Service (the internal address) is live state, so no address."""
    meta = llmsvc["metadata"]
    name, namespace = str(meta["name"]), str(meta.get("namespace") or "")
    if route is None:
        scheme = "https" if gcfg.enable_tls else "http"
        host = f"{workload_service_name(name)}.{namespace}.svc.{cluster_domain}"
        return None, f"{scheme}://{host}"
    spec = route["spec"]
    urls: list[str] = []
    for parent in spec.get("parentRefs") or []:
        gateway = _gateway(gateways, parent, namespace)
        if gateway is None:
            continue
        for path in _route_paths(spec, gcfg.model_based_routing_header_name):
            for listener in _listeners(gateway, parent.get("sectionName"), gcfg.url_scheme):
                scheme = _scheme(str(listener.get("protocol", "")))
                hosts = _hostnames(spec, listener)
                port = int(listener.get("port") or 0)
                default = (scheme == "http" and port == 80) or (scheme == "https" and port == 443)
                for host in sorted(hosts):
                    hostport = host if default or not port else f"{host}:{port}"
                    urls.append(f"{scheme}://{hostport}{path}")
    if not urls:
        return None, None
    urls.sort()
    prefix = f"/{namespace}/{name}"
    path_based = [u for u in urls if u.split("://", 1)[1].partition("/")[2].startswith(prefix[1:])]
    return (path_based or urls)[0], None


def _gateway(
    gateways: Sequence[Mapping[str, Any]], parent: Mapping[str, Any], namespace: str
) -> Mapping[str, Any] | None:
    want = (str(parent.get("namespace") or namespace), str(parent.get("name") or ""))
    for gateway in gateways:
        meta = gateway.get("metadata") or {}
        if (str(meta.get("namespace") or ""), str(meta.get("name") or "")) == want:
            return gateway
    return None


def _scheme(protocol: str) -> str:
    """`schemeForProtocol`."""
    return {"HTTP": "http", "HTTPS": "https", "TLS": "https"}.get(protocol, "")


def _listeners(gateway: Mapping[str, Any], section: Any, preferred: str) -> list[Mapping[str, Any]]:
    """`selectListeners`: the named listener, else the HTTP-capable ones, preferred scheme
    first, then https."""
    listeners = list((gateway.get("spec") or {}).get("listeners") or [])
    if section is not None:
        return [item for item in listeners if item.get("name") == section][:1]
    capable = [item for item in listeners if _scheme(str(item.get("protocol", "")))]

    def precedence(item: Mapping[str, Any]) -> int:
        scheme = _scheme(str(item.get("protocol", "")))
        return 0 if scheme == preferred else 1 if scheme == "https" else 2

    return sorted(capable, key=precedence)


def _hostnames(spec: Mapping[str, Any], listener: Mapping[str, Any]) -> list[str]:
    """`extractHostnamesForListener` without the Gateway's status addresses."""
    hosts = [str(h) for h in spec.get("hostnames") or [] if h and h != "*"]
    given = str(listener.get("hostname") or "")
    if not hosts and given:
        wildcard = given.startswith("*.")
        hosts = [f"{WILDCARD_HOSTNAME}.{given[2:]}" if wildcard else given]
    return hosts


def _route_paths(spec: Mapping[str, Any], header: str) -> list[str]:
    """`extractRoutePaths`: the shallowest path of each kind (path, publisher, model routing),
    Service-backed rules first."""
    buckets: dict[str, tuple[list[str], list[str]]] = {
        "path": ([], []),
        "publisher": ([], []),
        "model": ([], []),
    }
    for rule in spec.get("rules") or []:
        service = any(
            ref.get("kind", "Service") == "Service" for ref in rule.get("backendRefs") or []
        )
        for match in rule.get("matches") or []:
            path = str((match.get("path") or {}).get("value") or "/")
            headers = match.get("headers") or []
            if not headers:
                kind = "publisher" if path.startswith("/publishers/") else "path"
            elif header and any(h.get("name") == header for h in headers):
                kind = "model"
            else:
                continue
            buckets[kind][0 if service else 1].append(path)

    def depth(path: str) -> tuple[int, int]:
        return path.count("/"), len(path)

    found = []
    for service_paths, other_paths in buckets.values():
        paths = service_paths or other_paths
        if paths:
            found.append(min(paths, key=depth))
    if not found:
        return ["/"]
    return list(dict.fromkeys(sorted(found, key=depth)))


__all__ = [
    "POOL_GROUPS",
    "certificate",
    "dns_names",
    "http_route",
    "model_based_routing_enabled",
    "router_labels",
    "status_urls",
]
