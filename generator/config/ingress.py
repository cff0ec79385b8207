"""`IngressConfig`, the `ingress` key of `pkg/apis/serving/v1beta1/configmap.go`.

Ports `NewIngressConfig` and `validateIngressGateway` of KServe v0.20.0: validation when the key
exists (gateways, `pathTemplate` as a Go template), code defaults whether or not it does.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import ClassVar

from generator.config.jsondecode import GoObject
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
class IngressConfig:
    """`IngressConfig`, the `ingress` key (`NewIngressConfig`)."""

    KEY: ClassVar[str] = "ingress"
    enable_gateway_api: bool = False
    kserve_ingress_gateway: str = ""
    ingress_gateway: str = ""
    knative_local_gateway_service: str = ""
    local_gateway: str = ""
    local_gateway_service_name: str = ""
    ingress_domain: str = DEFAULT_INGRESS_DOMAIN
    ingress_class_name: str | None = None
    additional_ingress_domains: tuple[str, ...] | None = None
    domain_template: str = DEFAULT_DOMAIN_TEMPLATE
    url_scheme: str = DEFAULT_URL_SCHEME
    enable_llm_inference_service_tls: bool = False
    disable_istio_virtual_host: bool = False
    path_template: str = ""
    disable_ingress_creation: bool = False
    disable_http_route_timeout: bool = False
    model_based_routing_header_name: str = DEFAULT_MODEL_BASED_ROUTING_HEADER_NAME
    model_based_routing_mode: str = DEFAULT_MODEL_BASED_ROUTING_MODE

    @classmethod
    def from_json(cls, text: str | None) -> IngressConfig:
        """`NewIngressConfig`: validation only when the key exists, code defaults always."""
        if text is None:
            return cls()
        obj = GoObject.parse_object(
            cls.KEY, text, "unable to parse ingress config json: ", "v1beta1.IngressConfig"
        )
        local_gateway_service_name = obj.string("localGatewayService")
        config = cls(
            enable_gateway_api=obj.boolean("enableGatewayApi"),
            kserve_ingress_gateway=obj.string("kserveIngressGateway"),
            ingress_gateway=obj.string("ingressGateway"),
            knative_local_gateway_service=obj.string("knativeLocalGatewayService")
            or local_gateway_service_name,
            local_gateway=obj.string("localGateway"),
            local_gateway_service_name=local_gateway_service_name,
            ingress_domain=obj.string("ingressDomain"),
            ingress_class_name=obj.opt_string("ingressClassName"),
            additional_ingress_domains=obj.string_list("additionalIngressDomains"),
            domain_template=obj.string("domainTemplate") or DEFAULT_DOMAIN_TEMPLATE,
            url_scheme=obj.string("urlScheme") or DEFAULT_URL_SCHEME,
            enable_llm_inference_service_tls=obj.boolean("enableLLMInferenceServiceTLS"),
            disable_istio_virtual_host=obj.boolean("disableIstioVirtualHost"),
            path_template=obj.string("pathTemplate"),
            disable_ingress_creation=obj.boolean("disableIngressCreation"),
            disable_http_route_timeout=obj.boolean("disableHTTPRouteTimeout"),
            model_based_routing_header_name=obj.string("modelBasedRoutingHeaderName")
            or DEFAULT_MODEL_BASED_ROUTING_HEADER_NAME,
            model_based_routing_mode=obj.string("modelBasedRoutingMode")
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
