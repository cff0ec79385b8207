"""`IngressConfig`, the `ingress` key of `pkg/apis/serving/v1beta1/configmap.go`.

Ports `NewIngressConfig` and `validateIngressGateway` of KServe v0.20.0: validation when the key
exists (gateways, `pathTemplate` as a Go template), code defaults whether or not it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import ClassVar, Self

from generator.config.jsondecode import ConfigKey, GoObject, go_field
from generator.goruntime.json import BOOL, STRING, Pointer, Slice
from generator.goruntime.template import TemplateSyntaxError, UnsupportedTemplateError, check

DEFAULT_DOMAIN_TEMPLATE = "{{ .Name }}-{{ .Namespace }}.{{ .IngressDomain }}"
DEFAULT_INGRESS_DOMAIN = "example.com"
DEFAULT_URL_SCHEME = "http"
DEFAULT_MODEL_BASED_ROUTING_HEADER_NAME = "X-Gateway-Model-Name"
DEFAULT_MODEL_BASED_ROUTING_MODE = "enabled"

ERR_KSERVE_INGRESS_GATEWAY_REQUIRED = "invalid ingress config - kserveIngressGateway is required"
ERR_INVALID_KSERVE_INGRESS_GATEWAY_FORMAT = (
    "invalid ingress config - kserveIngressGateway should be in the format <namespace>/<name>"
)
ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAME = (
    "invalid ingress config - kserveIngressGateway gateway name is invalid"
)
ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAMESPACE = (
    "invalid ingress config - kserveIngressGateway gateway namespace is invalid"
)

_DNS1123_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")


@dataclass(frozen=True, slots=True)
class IngressConfig(ConfigKey):
    """`IngressConfig`, the `ingress` key (`NewIngressConfig`): validation only when the key
    exists, code defaults always."""

    KEY: ClassVar[str] = "ingress"
    GO_TYPE: ClassVar[str] = "v1beta1.IngressConfig"
    PREFIX: ClassVar[str] = "unable to parse ingress config json: "
    enable_gateway_api: bool = go_field("enableGatewayApi", BOOL)
    kserve_ingress_gateway: str = go_field("kserveIngressGateway")
    ingress_gateway: str = go_field("ingressGateway")
    knative_local_gateway_service: str = go_field("knativeLocalGatewayService")
    local_gateway: str = go_field("localGateway")
    local_gateway_service_name: str = go_field("localGatewayService")
    ingress_domain: str = go_field("ingressDomain", default=DEFAULT_INGRESS_DOMAIN)
    ingress_class_name: str | None = go_field("ingressClassName", Pointer(STRING))
    additional_ingress_domains: tuple[str, ...] | None = go_field(
        "additionalIngressDomains", Slice(STRING)
    )
    domain_template: str = go_field("domainTemplate", default=DEFAULT_DOMAIN_TEMPLATE)
    url_scheme: str = go_field("urlScheme", default=DEFAULT_URL_SCHEME)
    enable_llm_inference_service_tls: bool = go_field("enableLLMInferenceServiceTLS", BOOL)
    disable_istio_virtual_host: bool = go_field("disableIstioVirtualHost", BOOL)
    path_template: str = go_field("pathTemplate")
    disable_ingress_creation: bool = go_field("disableIngressCreation", BOOL)
    disable_http_route_timeout: bool = go_field("disableHTTPRouteTimeout", BOOL)
    model_based_routing_header_name: str = go_field(
        "modelBasedRoutingHeaderName", default=DEFAULT_MODEL_BASED_ROUTING_HEADER_NAME
    )
    model_based_routing_mode: str = go_field(
        "modelBasedRoutingMode", default=DEFAULT_MODEL_BASED_ROUTING_MODE
    )

    def checked(self, obj: GoObject) -> Self:
        """The code defaults over what was decoded, the checks in KServe's order, then the
        default ingress domain (the pathTemplate check sees the domain as written)."""
        config = replace(
            self,
            knative_local_gateway_service=self.knative_local_gateway_service
            or self.local_gateway_service_name,
            domain_template=self.domain_template or DEFAULT_DOMAIN_TEMPLATE,
            url_scheme=self.url_scheme or DEFAULT_URL_SCHEME,
            model_based_routing_header_name=self.model_based_routing_header_name
            or DEFAULT_MODEL_BASED_ROUTING_HEADER_NAME,
            model_based_routing_mode=self.model_based_routing_mode
            or DEFAULT_MODEL_BASED_ROUTING_MODE,
        )
        config._validate(obj)
        if not config.ingress_domain:
            config = replace(config, ingress_domain=DEFAULT_INGRESS_DOMAIN)
        return config

    def _validate(self, obj: GoObject) -> None:
        """The checks `NewIngressConfig` runs when the key exists, in its order."""
        if self.enable_gateway_api:
            message = validate_ingress_gateway(self.kserve_ingress_gateway)
            if message:
                raise obj.error("kserveIngressGateway", message)
        if not self.ingress_gateway:
            raise obj.error("ingressGateway", "invalid ingress config - ingressGateway is required")
        if self.path_template:
            try:
                check(self.path_template, "path-template")
            except TemplateSyntaxError as err:
                raise obj.error(
                    "pathTemplate", f"invalid ingress config, unable to parse pathTemplate: {err}"
                ) from None
            except UnsupportedTemplateError as err:
                # GitOps: Go parses it, but rendering here would fail; say so at load time.
                raise obj.error(
                    "pathTemplate", f"invalid ingress config, pathTemplate: {err}"
                ) from None
            if not self.ingress_domain:
                raise obj.error(
                    "ingressDomain",
                    "invalid ingress config - ingressDomain is required if pathTemplate is given",
                )


def validate_ingress_gateway(kserve_ingress_gateway: str) -> str:
    """Port of `validateIngressGateway`: the error message, or "" when valid."""
    if not kserve_ingress_gateway:
        return ERR_KSERVE_INGRESS_GATEWAY_REQUIRED
    parts = kserve_ingress_gateway.split("/")
    if len(parts) != 2:
        return ERR_INVALID_KSERVE_INGRESS_GATEWAY_FORMAT
    if not is_dns1123_label(parts[0]):
        return ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAMESPACE
    if not is_dns1123_label(parts[1]):
        return ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAME
    return ""


def is_dns1123_label(value: str) -> bool:
    """`validation.IsDNS1123Label` reports no errors."""
    return len(value) <= 63 and _DNS1123_LABEL.fullmatch(value) is not None
