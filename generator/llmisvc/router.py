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
    if not model_based_routing_enabled(spec, gcfg, gateways):
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


__all__ = [
    "POOL_GROUPS",
    "certificate",
    "dns_names",
    "http_route",
    "model_based_routing_enabled",
    "router_labels",
]
