"""Typed `inferenceservice-config` keys of `pkg/apis/serving/v1beta1/configmap.go`.

One frozen dataclass per ConfigMap key, named as KServe v0.20.0 names the Go struct. Its fields
say their JSON name and Go type (`go_field`, `go_struct`); `from_json(text)` (`text` None when
the key is absent) unmarshals the value as Go does and `checked` adds the rest of the matching
`New*Config`: code defaults, KServe's validation and its messages. The keys
read by the pod webhook, the credential builder and the graph controller are in
`pod_configs.py`, `IngressConfig` in `ingress.py` (re-exported here). Lists are tuples and maps
plain dicts that nothing may mutate.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import ClassVar, Self

from generator.config.ingress import (
    DEFAULT_DOMAIN_TEMPLATE,
    DEFAULT_INGRESS_DOMAIN,
    DEFAULT_URL_SCHEME,
    ERR_INVALID_KSERVE_INGRESS_GATEWAY_FORMAT,
    ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAME,
    ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAMESPACE,
    ERR_KSERVE_INGRESS_GATEWAY_REQUIRED,
    IngressConfig,
    is_dns1123_label,
    validate_ingress_gateway,
)
from generator.config.jsondecode import (
    ConfigError,
    ConfigKey,
    GoObject,
    GoStruct,
    go_field,
    go_struct,
)
from generator.config.quantity import QuantityError, parse_quantity
from generator.constants import (
    DEFAULT_GPU_RESOURCE_TYPE_LIST,
    LEGACY_RAW_DEPLOYMENT,
    LEGACY_SERVERLESS,
    REVISION_TEMPLATE_LABEL_DISALLOWED_LIST,
    SERVICE_ANNOTATION_DISALLOWED_LIST,
    DeploymentMode,
)
from generator.goruntime.json import BOOL, INT32, INT64, STRING, Pointer, Slice

__all__ = [
    "DEFAULT_DOMAIN_TEMPLATE",
    "DEFAULT_INGRESS_DOMAIN",
    "DEFAULT_URL_SCHEME",
    "ERR_INVALID_KSERVE_INGRESS_GATEWAY_FORMAT",
    "ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAME",
    "ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAMESPACE",
    "ERR_KSERVE_INGRESS_GATEWAY_REQUIRED",
    "AutoscalerConfig",
    "ConfigError",
    "DeployConfig",
    "DeploymentRolloutStrategy",
    "ExplainerConfig",
    "ExplainersConfig",
    "InferenceServicesConfig",
    "IngressConfig",
    "LocalModelConfig",
    "MultiNodeConfig",
    "OtelCollectorConfig",
    "ResourceConfig",
    "RolloutSpec",
    "SecurityConfig",
    "ServiceConfig",
    "is_dns1123_label",
    "validate_ingress_gateway",
]


def _component_prefix(key: str) -> str:
    """The message `getComponentConfig` wraps unmarshal errors in."""
    return f"unable to unmarshall {key} json string due to "


def _must_parse(obj: GoObject, name: str, value: str) -> None:
    """`resource.MustParse` of a non-empty value; its panic text as the message."""
    if value:
        try:
            parse_quantity(value)
        except QuantityError as err:
            raise obj.error(name, f"cannot parse '{value}': {err}") from None


_STRINGS = Slice(STRING)


@dataclass(frozen=True, slots=True)
class ResourceConfig(GoStruct):
    """`ResourceConfig`: default requests and limits as quantity strings ("" when unset)."""

    GO_TYPE: ClassVar[str] = "v1beta1.ResourceConfig"
    cpu_limit: str = go_field("cpuLimit")
    memory_limit: str = go_field("memoryLimit")
    cpu_request: str = go_field("cpuRequest")
    memory_request: str = go_field("memoryRequest")

    def checked(self, obj: GoObject) -> Self:
        """GitOps: KServe calls resource.MustParse on these when it uses them and panics on a
        bad value; we reject the ConfigMap up front with the same text."""
        for name, value in (
            ("cpuLimit", self.cpu_limit),
            ("memoryLimit", self.memory_limit),
            ("cpuRequest", self.cpu_request),
            ("memoryRequest", self.memory_request),
        ):
            _must_parse(obj, name, value)
        return self


@dataclass(frozen=True, slots=True)
class ExplainerConfig(GoStruct):
    """`ExplainerConfig`: image and default tag of one explainer."""

    GO_TYPE: ClassVar[str] = "v1beta1.ExplainerConfig"
    container_image: str = go_field("image")
    default_image_version: str = go_field("defaultImageVersion")


@dataclass(frozen=True, slots=True)
class ExplainersConfig(ConfigKey):
    """`ExplainersConfig`, the `explainers` key (`getComponentConfig`)."""

    KEY: ClassVar[str] = "explainers"
    GO_TYPE: ClassVar[str] = "v1beta1.ExplainersConfig"
    PREFIX: ClassVar[str] = _component_prefix("explainers")
    NULL_OK: ClassVar[bool] = True
    art_explainer: ExplainerConfig = go_struct("art", ExplainerConfig)


@dataclass(frozen=True, slots=True)
class InferenceServicesConfig(ConfigKey):
    """`InferenceServicesConfig`: the `inferenceService` key over the `explainers` key."""

    KEY: ClassVar[str] = "inferenceService"
    GO_TYPE: ClassVar[str] = "v1beta1.InferenceServicesConfig"
    PREFIX: ClassVar[str] = _component_prefix("inferenceService")
    explainers: ExplainersConfig = go_struct("explainers", ExplainersConfig)
    service_annotation_disallowed_list: tuple[str, ...] = go_field(
        "serviceAnnotationDisallowedList", _STRINGS, default=(), nil=()
    )
    service_label_disallowed_list: tuple[str, ...] = go_field(
        "serviceLabelDisallowedList", _STRINGS, default=(), nil=()
    )
    resource: ResourceConfig = go_struct("resource", ResourceConfig)

    @classmethod
    def from_json(
        cls, text: str | None, explainers: ExplainersConfig | None = None
    ) -> InferenceServicesConfig:
        """`NewInferenceServicesConfig`; `explainers` is the parsed `explainers` key, which the
        value is decoded over.

        The built-in disallowed lists are prepended only when the key exists; without it the
        lists stay nil in Go, which every user treats like empty (so `()` here).
        """
        base = cls(explainers=explainers or ExplainersConfig())
        if text is None:
            return base
        obj = GoObject.parse_object(cls.KEY, text, cls.PREFIX, cls.GO_TYPE)
        config = obj.as_struct(cls, base)
        return replace(
            config,
            service_annotation_disallowed_list=SERVICE_ANNOTATION_DISALLOWED_LIST
            + config.service_annotation_disallowed_list,
            service_label_disallowed_list=REVISION_TEMPLATE_LABEL_DISALLOWED_LIST
            + config.service_label_disallowed_list,
        )


@dataclass(frozen=True, slots=True)
class RolloutSpec(GoStruct):
    """`RolloutSpec`: maxSurge / maxUnavailable as written (number or percentage)."""

    GO_TYPE: ClassVar[str] = "v1beta1.RolloutSpec"
    max_surge: str = go_field("maxSurge")
    max_unavailable: str = go_field("maxUnavailable")


@dataclass(frozen=True, slots=True)
class DeploymentRolloutStrategy(GoStruct):
    """`DeploymentRolloutStrategy`."""

    GO_TYPE: ClassVar[str] = "v1beta1.DeploymentRolloutStrategy"
    default_rollout: RolloutSpec | None = go_struct("defaultRollout", RolloutSpec, pointer=True)


@dataclass(frozen=True, slots=True)
class DeployConfig(ConfigKey):
    """`DeployConfig`, the `deploy` key (`NewDeployConfig`); the mode is "" when the key is
    absent."""

    KEY: ClassVar[str] = "deploy"
    GO_TYPE: ClassVar[str] = "v1beta1.DeployConfig"
    PREFIX: ClassVar[str] = "unable to parse deploy config json: "
    default_deployment_mode: str = go_field("defaultDeploymentMode")
    deployment_rollout_strategy: DeploymentRolloutStrategy | None = go_struct(
        "deploymentRolloutStrategy", DeploymentRolloutStrategy, pointer=True
    )

    def checked(self, obj: GoObject) -> Self:
        """The mode is required, legacy names are normalised, others rejected."""
        mode = self.default_deployment_mode
        if not mode:
            raise obj.error(
                "defaultDeploymentMode", "invalid deploy config, defaultDeploymentMode is required"
            )
        mode = {
            LEGACY_SERVERLESS: DeploymentMode.KNATIVE.value,
            LEGACY_RAW_DEPLOYMENT: DeploymentMode.STANDARD.value,
        }.get(mode, mode)
        if mode not in {m.value for m in DeploymentMode}:
            raise obj.error(
                "defaultDeploymentMode",
                "invalid deployment mode. Supported modes are Knative, Standard and ModelMesh",
            )
        return replace(self, default_deployment_mode=mode)


@dataclass(frozen=True, slots=True)
class LocalModelConfig(ConfigKey):
    """`LocalModelConfig`, the `localModel` key (`NewLocalModelConfig`: plain unmarshal,
    unwrapped errors)."""

    KEY: ClassVar[str] = "localModel"
    GO_TYPE: ClassVar[str] = "v1beta1.LocalModelConfig"
    enabled: bool = go_field("enabled", BOOL)
    job_namespace: str = go_field("jobNamespace")
    default_job_image: str = go_field("defaultJobImage")
    fs_group: int | None = go_field("fsGroup", Pointer(INT64))
    job_ttl_seconds_after_finished: int | None = go_field(
        "jobTTLSecondsAfterFinished", Pointer(INT32)
    )
    reconcilation_frequency_in_secs: int | None = go_field(
        "reconcilationFrequencyInSecs", Pointer(INT64)
    )
    disable_volume_management: bool = go_field("disableVolumeManagement", BOOL)


@dataclass(frozen=True, slots=True)
class SecurityConfig(ConfigKey):
    """`SecurityConfig` (`NewSecurityConfig`); an absent `security` key leaves the token switch
    False (Go zero)."""

    KEY: ClassVar[str] = "security"
    GO_TYPE: ClassVar[str] = "v1beta1.SecurityConfig"
    auto_mount_service_account_token: bool = go_field("autoMountServiceAccountToken", BOOL)


@dataclass(frozen=True, slots=True)
class ServiceConfig(ConfigKey):
    """`ServiceConfig`, the `service` key (`NewServiceConfig`)."""

    KEY: ClassVar[str] = "service"
    GO_TYPE: ClassVar[str] = "v1beta1.ServiceConfig"
    PREFIX: ClassVar[str] = "unable to parse service config json: "
    service_cluster_ip_none: bool = go_field("serviceClusterIPNone", BOOL)


@dataclass(frozen=True, slots=True)
class MultiNodeConfig(ConfigKey):
    """`MultiNodeConfig`, the `multiNode` key (`NewMultiNodeConfig`); nil list becomes empty as
    in Go."""

    KEY: ClassVar[str] = "multiNode"
    GO_TYPE: ClassVar[str] = "v1beta1.MultiNodeConfig"
    PREFIX: ClassVar[str] = _component_prefix("multiNode")
    custom_gpu_resource_type_list: tuple[str, ...] = go_field(
        "customGPUResourceTypeList", _STRINGS, default=(), nil=()
    )

    @property
    def gpu_resource_type_list(self) -> tuple[str, ...]:
        """`constants.DefaultGPUResourceTypeList` after `UpdateGlobalGPUResourceTypeList`."""
        known = list(DEFAULT_GPU_RESOURCE_TYPE_LIST)
        for name in self.custom_gpu_resource_type_list:
            if name not in known:
                known.append(name)
        return tuple(known)


@dataclass(frozen=True, slots=True)
class OtelCollectorConfig(ConfigKey):
    """`OtelCollectorConfig`, the `opentelemetryCollector` key (`NewOtelCollectorConfig`)."""

    KEY: ClassVar[str] = "opentelemetryCollector"
    GO_TYPE: ClassVar[str] = "v1beta1.OtelCollectorConfig"
    PREFIX: ClassVar[str] = "unable to parse otel config json: "
    NULL_OK: ClassVar[bool] = True
    scrape_interval: str = go_field("scrapeInterval")
    metric_receiver_endpoint: str = go_field("metricReceiverEndpoint")
    metric_scaler_endpoint: str = go_field("metricScalerEndpoint")
    resource: ResourceConfig = go_struct("resource", ResourceConfig)


@dataclass(frozen=True, slots=True)
class AutoscalerConfig(ConfigKey):
    """`AutoscalerConfig`, the `autoscaler` key (`NewAutoscalerConfig`; KEDA stabilization
    windows, as strings)."""

    KEY: ClassVar[str] = "autoscaler"
    GO_TYPE: ClassVar[str] = "v1beta1.AutoscalerConfig"
    PREFIX: ClassVar[str] = "unable to parse autoscaler config json: "
    NULL_OK: ClassVar[bool] = True
    scale_up_stabilization_window_seconds: str = go_field("scaleUpStabilizationWindowSeconds")
    scale_down_stabilization_window_seconds: str = go_field("scaleDownStabilizationWindowSeconds")
