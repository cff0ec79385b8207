"""Hosts of InferenceServices: port of `reconcilers/ingress/domain.go`.

`generate_domain_name` renders `ingress.domainTemplate` (a Go template) for the Standard-mode
Ingress and HTTPRoutes; `get_additional_hosts` adds `additionalIngressDomains` variants.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from generator.config.configmap import IngressConfig
from generator.goruntime.strconv import quote as _go_quote
from generator.goruntime.template import GoTemplateError, render
from generator.k8s_names import dns1123_subdomain_errors, fully_qualified_domain_name_errors

CLUSTER_DOMAIN = "cluster.local"  # knative.dev/pkg/network.GetClusterDomainName's default


class DomainError(ValueError):
    """The domain template did not render a valid host."""


def generate_domain_name(
    name: str, meta: Mapping[str, Any], ingress: IngressConfig, ingress_domain: str | None = None
) -> str:
    """Port of `GenerateDomainName` (and, with `ingress_domain`, `GenerateInternalDomainName`)."""
    values = {
        "Name": name,
        "Namespace": meta.get("namespace") or "",
        "IngressDomain": ingress.ingress_domain if ingress_domain is None else ingress_domain,
        "Annotations": dict(meta.get("annotations") or {}),
        "Labels": dict(meta.get("labels") or {}),
    }
    try:
        host = render(ingress.domain_template, values, name="domain-template")
    except GoTemplateError as err:
        raise DomainError(f"error rendering the domain template: {err}") from err
    errors = fully_qualified_domain_name_errors("url", host)
    if errors:
        raise DomainError(f"invalid domain name {_go_quote(host)}: {errors[0]}")
    return host


def get_additional_hosts(
    domain_list: Sequence[str], service_host: str, ingress: IngressConfig
) -> list[str]:
    """Port of `GetAdditionalHosts`: the service host's subdomain under each additional domain."""
    subdomain = ""
    for domain in domain_list:
        if service_host.endswith(domain):
            subdomain = service_host[: len(service_host) - len(domain)]
            break
    if not subdomain or not ingress.additional_ingress_domains:
        return []
    hosts: list[str] = []
    seen: set[str] = set()
    for domain in ingress.additional_ingress_domains:
        if domain in seen:
            continue
        host = subdomain + domain
        if dns1123_subdomain_errors(host):
            continue  # KServe logs the invalid domain and skips it
        hosts.append(host)
        seen.add(domain)
    return hosts
