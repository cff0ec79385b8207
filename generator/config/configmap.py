"""Typed `inferenceservice-config` keys of `pkg/apis/serving/v1beta1/configmap.go`.

One frozen dataclass per ConfigMap key, named as KServe v0.20.0 names the Go struct, each built
by `from_json(text)` (`text` None when the key is absent) with the semantics of the matching
`New*Config`: code defaults for absent fields, KServe's validation and its messages. The keys
read by the pod webhook, the credential builder and the graph controller are in
`pod_configs.py`, `IngressConfig` in `ingress.py` (re-exported here). Lists are tuples and maps
plain dicts that nothing may mutate.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import ClassVar

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
from generator.config.jsondecode import ConfigError, GoObject
from generator.config.quantity import QuantityError, parse_quantity
from generator.constants import (
    DEFAULT_GPU_RESOURCE_TYPE_LIST,
    LEGACY_RAW_DEPLOYMENT,
    LEGACY_SERVERLESS,
    REVISION_TEMPLATE_LABEL_DISALLOWED_LIST,
    SERVICE_ANNOTATION_DISALLOWED_LIST,
    DeploymentMode,
)

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


@dataclass(frozen=True, slots=True)
class ResourceConfig:
    """`ResourceConfig`: default requests and limits as quantity strings ("" when unset)."""

    cpu_limit: str = ""
    memory_limit: str = ""
    cpu_request: str = ""
    memory_request: str = ""

    @classmethod
    def from_object(cls, obj: GoObject, base: ResourceConfig | None = None) -> ResourceConfig:
        """Decode into a copy of `base`, as Go decodes into an existing struct."""
        base = base or cls()
        config = cls(
            cpu_limit=obj.string("cpuLimit", base.cpu_limit),
            memory_limit=obj.string("memoryLimit", base.memory_limit),
            cpu_request=obj.string("cpuRequest", base.cpu_request),
            memory_request=obj.string("memoryRequest", base.memory_request),
        )
        # GitOps: KServe calls resource.MustParse on these when it uses them and panics on a bad
        # value; we reject the ConfigMap up front with the same text.
        for name, value in (
            ("cpuLimit", config.cpu_limit),
            ("memoryLimit", config.memory_limit),
            ("cpuRequest", config.cpu_request),
            ("memoryRequest", config.memory_request),
        ):
            _must_parse(obj, name, value)
        return config


@dataclass(frozen=True, slots=True)
class ExplainerConfig:
    """`ExplainerConfig`: image and default tag of one explainer."""

    container_image: str = ""
    default_image_version: str = ""


@dataclass(frozen=True, slots=True)
class ExplainersConfig:
    """`ExplainersConfig`, the `explainers` key."""

    KEY: ClassVar[str] = "explainers"
    art_explainer: ExplainerConfig = field(default_factory=ExplainerConfig)

    @classmethod
    def from_json(cls, text: str | None) -> ExplainersConfig:
        """`getComponentConfig(ExplainerConfigKeyName, ...)`."""
        if text is None:
            return cls()
        obj = GoObject.parse(
            cls.KEY, text, _component_prefix(cls.KEY), "v1beta1.ExplainersConfig", null_ok=True
        )
        return cls() if obj is None else cls.from_object(obj)

    @classmethod
    def from_object(cls, obj: GoObject, base: ExplainersConfig | None = None) -> ExplainersConfig:
        """Decode into a copy of `base`."""
        art = (base or cls()).art_explainer
        art_obj = obj.obj("art", "v1beta1.ExplainerConfig")
        assert art_obj is not None
        return cls(
            ExplainerConfig(
                container_image=art_obj.string("image", art.container_image),
                default_image_version=art_obj.string(
                    "defaultImageVersion", art.default_image_version
                ),
            )
        )


@dataclass(frozen=True, slots=True)
class InferenceServicesConfig:
    """`InferenceServicesConfig`: the `inferenceService` key over the `explainers` key."""

    KEY: ClassVar[str] = "inferenceService"
    explainers: ExplainersConfig = field(default_factory=ExplainersConfig)
    service_annotation_disallowed_list: tuple[str, ...] = ()
    service_label_disallowed_list: tuple[str, ...] = ()
    resource: ResourceConfig = field(default_factory=ResourceConfig)

    @classmethod
    def from_json(
        cls, text: str | None, explainers: ExplainersConfig | None = None
    ) -> InferenceServicesConfig:
        """`NewInferenceServicesConfig`; `explainers` is the parsed `explainers` key.

        The built-in disallowed lists are prepended only when the key exists; without it the
        lists stay nil in Go, which every user treats like empty (so `()` here).
        """
        explainers = explainers or ExplainersConfig()
        if text is None:
            return cls(explainers=explainers)
        obj = GoObject.parse_object(
            cls.KEY, text, _component_prefix(cls.KEY), "v1beta1.InferenceServicesConfig"
        )
        explainers_obj = obj.obj("explainers", "v1beta1.ExplainersConfig")
        assert explainers_obj is not None
        annotations = obj.string_list("serviceAnnotationDisallowedList")
        labels = obj.string_list("serviceLabelDisallowedList")
        resource_obj = obj.obj("resource", "v1beta1.ResourceConfig")
        assert resource_obj is not None
        return cls(
            explainers=ExplainersConfig.from_object(explainers_obj, explainers),
            service_annotation_disallowed_list=SERVICE_ANNOTATION_DISALLOWED_LIST
            + (annotations or ()),
            service_label_disallowed_list=REVISION_TEMPLATE_LABEL_DISALLOWED_LIST + (labels or ()),
            resource=ResourceConfig.from_object(resource_obj),
        )


@dataclass(frozen=True, slots=True)
class RolloutSpec:
    """`RolloutSpec`: maxSurge / maxUnavailable as written (number or percentage)."""

    max_surge: str = ""
    max_unavailable: str = ""


@dataclass(frozen=True, slots=True)
class DeploymentRolloutStrategy:
    """`DeploymentRolloutStrategy`."""

    default_rollout: RolloutSpec | None = None


@dataclass(frozen=True, slots=True)
class DeployConfig:
    """`DeployConfig`, the `deploy` key; the mode is "" when the key is absent."""

    KEY: ClassVar[str] = "deploy"
    default_deployment_mode: str = ""
    deployment_rollout_strategy: DeploymentRolloutStrategy | None = None

    @classmethod
    def from_json(cls, text: str | None) -> DeployConfig:
        """`NewDeployConfig`: mode required, legacy names normalised, others rejected."""
        if text is None:
            return cls()
        obj = GoObject.parse_object(
            cls.KEY, text, "unable to parse deploy config json: ", "v1beta1.DeployConfig"
        )
        mode = obj.string("defaultDeploymentMode")
        strategy = None
        strategy_obj = obj.obj(
            "deploymentRolloutStrategy", "v1beta1.DeploymentRolloutStrategy", pointer=True
        )
        if strategy_obj is not None:
            rollout_obj = strategy_obj.obj("defaultRollout", "v1beta1.RolloutSpec", pointer=True)
            rollout = None
            if rollout_obj is not None:
                rollout = RolloutSpec(
                    rollout_obj.string("maxSurge"), rollout_obj.string("maxUnavailable")
                )
            strategy = DeploymentRolloutStrategy(rollout)
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
        return cls(mode, strategy)


@dataclass(frozen=True, slots=True)
class LocalModelConfig:
    """`LocalModelConfig`, the `localModel` key (`NewLocalModelConfig`)."""

    KEY: ClassVar[str] = "localModel"
    enabled: bool = False
    job_namespace: str = ""
    default_job_image: str = ""
    fs_group: int | None = None
    job_ttl_seconds_after_finished: int | None = None
    reconcilation_frequency_in_secs: int | None = None
    disable_volume_management: bool = False

    @classmethod
    def from_json(cls, text: str | None) -> LocalModelConfig:
        """`NewLocalModelConfig`: plain unmarshal, unwrapped errors."""
        if text is None:
            return cls()
        obj = GoObject.parse_object(cls.KEY, text, "", "v1beta1.LocalModelConfig")
        return cls(
            enabled=obj.boolean("enabled"),
            job_namespace=obj.string("jobNamespace"),
            default_job_image=obj.string("defaultJobImage"),
            fs_group=obj.integer("fsGroup"),
            job_ttl_seconds_after_finished=obj.integer("jobTTLSecondsAfterFinished", "int32"),
            reconcilation_frequency_in_secs=obj.integer("reconcilationFrequencyInSecs"),
            disable_volume_management=obj.boolean("disableVolumeManagement"),
        )


@dataclass(frozen=True, slots=True)
class SecurityConfig:
    """`SecurityConfig`; an absent `security` key leaves the token switch False (Go zero)."""

    KEY: ClassVar[str] = "security"
    auto_mount_service_account_token: bool = False

    @classmethod
    def from_json(cls, text: str | None) -> SecurityConfig:
        """`NewSecurityConfig`."""
        if text is None:
            return cls()
        obj = GoObject.parse_object(cls.KEY, text, "", "v1beta1.SecurityConfig")
        return cls(obj.boolean("autoMountServiceAccountToken"))


@dataclass(frozen=True, slots=True)
class ServiceConfig:
    """`ServiceConfig`, the `service` key."""

    KEY: ClassVar[str] = "service"
    service_cluster_ip_none: bool = False

    @classmethod
    def from_json(cls, text: str | None) -> ServiceConfig:
        """`NewServiceConfig`."""
        if text is None:
            return cls()
        obj = GoObject.parse_object(
            cls.KEY, text, "unable to parse service config json: ", "v1beta1.ServiceConfig"
        )
        return cls(obj.boolean("serviceClusterIPNone"))


@dataclass(frozen=True, slots=True)
class MultiNodeConfig:
    """`MultiNodeConfig`, the `multiNode` key; nil list becomes empty as in Go."""

    KEY: ClassVar[str] = "multiNode"
    custom_gpu_resource_type_list: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, text: str | None) -> MultiNodeConfig:
        """`NewMultiNodeConfig`."""
        if text is None:
            return cls()
        obj = GoObject.parse_object(
            cls.KEY, text, _component_prefix(cls.KEY), "v1beta1.MultiNodeConfig"
        )
        return cls(obj.string_list("customGPUResourceTypeList") or ())

    @property
    def gpu_resource_type_list(self) -> tuple[str, ...]:
        """`constants.DefaultGPUResourceTypeList` after `UpdateGlobalGPUResourceTypeList`."""
        known = list(DEFAULT_GPU_RESOURCE_TYPE_LIST)
        for name in self.custom_gpu_resource_type_list:
            if name not in known:
                known.append(name)
        return tuple(known)


@dataclass(frozen=True, slots=True)
class OtelCollectorConfig:
    """`OtelCollectorConfig`, the `opentelemetryCollector` key."""

    KEY: ClassVar[str] = "opentelemetryCollector"
    scrape_interval: str = ""
    metric_receiver_endpoint: str = ""
    metric_scaler_endpoint: str = ""
    resource: ResourceConfig = field(default_factory=ResourceConfig)

    @classmethod
    def from_json(cls, text: str | None) -> OtelCollectorConfig:
        """`NewOtelCollectorConfig`."""
        if text is None:
            return cls()
        obj = GoObject.parse(
            cls.KEY,
            text,
            "unable to parse otel config json: ",
            "v1beta1.OtelCollectorConfig",
            null_ok=True,
        )
        if obj is None:
            return cls()
        resource_obj = obj.obj("resource", "v1beta1.ResourceConfig")
        assert resource_obj is not None
        return cls(
            scrape_interval=obj.string("scrapeInterval"),
            metric_receiver_endpoint=obj.string("metricReceiverEndpoint"),
            metric_scaler_endpoint=obj.string("metricScalerEndpoint"),
            resource=ResourceConfig.from_object(resource_obj),
        )


@dataclass(frozen=True, slots=True)
class AutoscalerConfig:
    """`AutoscalerConfig`, the `autoscaler` key (KEDA stabilization windows, as strings)."""

    KEY: ClassVar[str] = "autoscaler"
    scale_up_stabilization_window_seconds: str = ""
    scale_down_stabilization_window_seconds: str = ""

    @classmethod
    def from_json(cls, text: str | None) -> AutoscalerConfig:
        """`NewAutoscalerConfig`."""
        if text is None:
            return cls()
        obj = GoObject.parse(
            cls.KEY,
            text,
            "unable to parse autoscaler config json: ",
            "v1beta1.AutoscalerConfig",
            null_ok=True,
        )
        if obj is None:
            return cls()
        return cls(
            obj.string("scaleUpStabilizationWindowSeconds"),
            obj.string("scaleDownStabilizationWindowSeconds"),
        )
