"""ConfigMap keys read outside `configmap.go`: by the pod webhook, credentials and graph controller.

Ports the config getters of KServe v0.20.0: `GetStorageInitializerConfigs` (in
`pkg/apis/serving/v1beta1/configmap.go`, struct and `ResolveOciModelMode` in
`pkg/types/config.go`), `GetCredentialConfig` (`pkg/credentials/service_account_credentials.go`,
`s3/s3_secret.go`, `gcs/gcs_secret.go`), `getAgentConfigs` / `getLoggerConfigs`
(`pkg/webhook/admission/pod/agent_injector.go`), `getBatcherConfigs` (`batcher_injector.go`),
`newMetricsAggregator` (`metrics_aggregate_injector.go`) and `getRouterConfigs`
(`pkg/controller/v1alpha1/inferencegraph/controller.go`). Where KServe panics on a bad value
(JSON errors in the webhook getters) we report a `ConfigError` with the panic's text.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from generator.config.jsondecode import ConfigError, GoObject
from generator.config.quantity import QuantityError, parse_quantity
from generator.goruntime.strconv import quote as _go_quote

__all__ = [
    "OCI_MODEL_MODE_FETCH",
    "OCI_MODEL_MODE_MODELCAR",
    "OCI_MODEL_MODE_NATIVE",
    "AgentConfig",
    "BatcherConfig",
    "ConfigError",
    "CredentialConfig",
    "GCSConfig",
    "LoggerConfig",
    "LoggerStorageSpec",
    "MetricsAggregatorConfig",
    "RouterConfig",
    "S3Config",
    "StorageInitializerConfig",
    "resolve_oci_model_mode",
]

OCI_MODEL_MODE_MODELCAR = "modelcar"
OCI_MODEL_MODE_NATIVE = "native"
OCI_MODEL_MODE_FETCH = "fetch"

_RESOURCE_FIELDS = ("memoryRequest", "memoryLimit", "cpuRequest", "cpuLimit")


def _check_quantities(obj: GoObject, values: Mapping[str, str], message: str) -> None:
    """`resource.ParseQuantity` on each value in order; `message` formats the first failure."""
    # unconfirmed: `GetStorageInitializerConfigs` ranges over a Go map, so when several values
    # are bad KServe reports a random one; we report the first in the order listed.
    for name, value in values.items():
        try:
            parse_quantity(value)
        except QuantityError as err:
            text = message.format(name=name, err=err, qerr=_go_quote(str(err)))
            raise obj.error(name, text) from None


@dataclass(frozen=True, slots=True)
class StorageInitializerConfig:
    """`types.StorageInitializerConfig`, the `storageInitializer` key."""

    KEY: ClassVar[str] = "storageInitializer"
    image: str = ""
    cpu_request: str = ""
    cpu_limit: str = ""
    cpu_modelcar: str = ""
    memory_request: str = ""
    memory_limit: str = ""
    ca_bundle_config_map_name: str = ""
    ca_bundle_volume_mount_path: str = ""
    memory_modelcar: str = ""
    enable_oci_image_source: bool = False  # json: enableModelcar
    uid_modelcar: int | None = None
    enable_oci_model_support: bool = False
    oci_model_mode: str = ""

    @classmethod
    def from_json(cls, text: str | None) -> StorageInitializerConfig:
        """`GetStorageInitializerConfigs`: resources must be quantities, mode one of three."""
        obj = _resource_holder(
            cls.KEY,
            text,
            f"Unable to unmarshall {cls.KEY} json string due to ",
            "types.StorageInitializerConfig",
        )
        config = cls(
            image=obj.string("image"),
            cpu_request=obj.string("cpuRequest"),
            cpu_limit=obj.string("cpuLimit"),
            cpu_modelcar=obj.string("cpuModelcar"),
            memory_request=obj.string("memoryRequest"),
            memory_limit=obj.string("memoryLimit"),
            ca_bundle_config_map_name=obj.string("caBundleConfigMapName"),
            ca_bundle_volume_mount_path=obj.string("caBundleVolumeMountPath"),
            memory_modelcar=obj.string("memoryModelcar"),
            enable_oci_image_source=obj.boolean("enableModelcar"),
            uid_modelcar=obj.integer("uidModelcar"),
            enable_oci_model_support=obj.boolean("enableOciModelSupport"),
            oci_model_mode=obj.string("ociModelMode"),
        )
        resources = {
            "memoryRequest": config.memory_request,
            "memoryLimit": config.memory_limit,
            "cpuRequest": config.cpu_request,
            "cpuLimit": config.cpu_limit,
        }
        if config.cpu_modelcar:
            resources["cpuModelcar"] = config.cpu_modelcar
        if config.memory_modelcar:
            resources["memoryModelcar"] = config.memory_modelcar
        _check_quantities(
            obj,
            resources,
            f'failed to parse resource configuration for "{cls.KEY}".' + '"{name}": {err}',
        )
        modes = (OCI_MODEL_MODE_MODELCAR, OCI_MODEL_MODE_NATIVE, OCI_MODEL_MODE_FETCH)
        if config.oci_model_mode and config.oci_model_mode not in modes:
            raise obj.error(
                "ociModelMode",
                f'invalid "{cls.KEY}".ociModelMode {_go_quote(config.oci_model_mode)}: must be '
                f"one of {', '.join(_go_quote(m) for m in modes)}",
            )
        return config


def resolve_oci_model_mode(config: StorageInitializerConfig) -> str:
    """Port of `types.ResolveOciModelMode`: explicit mode, else modelcar if enabled, else ""."""
    if config.oci_model_mode:
        return config.oci_model_mode
    if config.enable_oci_image_source or config.enable_oci_model_support:
        return OCI_MODEL_MODE_MODELCAR
    return ""


@dataclass(frozen=True, slots=True)
class S3Config:
    """`s3.S3Config`: names and defaults the credential builder uses for S3 secrets."""

    s3_access_key_id_name: str = ""
    s3_secret_access_key_name: str = ""
    s3_endpoint: str = ""
    s3_use_https: str = ""
    s3_region: str = ""
    s3_verify_ssl: str = ""
    s3_use_virtual_bucket: str = ""
    s3_use_accelerate: str = ""
    s3_use_anonymous_credential: str = ""
    s3_ca_bundle_config_map: str = ""
    s3_ca_bundle: str = ""


@dataclass(frozen=True, slots=True)
class GCSConfig:
    """`gcs.GCSConfig`."""

    gcs_credential_file_name: str = ""


@dataclass(frozen=True, slots=True)
class CredentialConfig:
    """`credentials.CredentialConfig`, the `credentials` key (`GetCredentialConfig`)."""

    KEY: ClassVar[str] = "credentials"
    s3: S3Config = field(default_factory=S3Config)
    gcs: GCSConfig = field(default_factory=GCSConfig)
    storage_spec_secret_name: str = ""
    storage_secret_name_annotation: str = ""

    @classmethod
    def from_json(cls, text: str | None) -> CredentialConfig:
        """`GetCredentialConfig`."""
        if text is None:
            return cls()
        obj = GoObject.parse(
            cls.KEY,
            text,
            "unable to parse credential config json: ",
            "credentials.CredentialConfig",
            null_ok=True,
        )
        if obj is None:
            return cls()
        s3 = obj.obj("s3", "s3.S3Config")
        gcs = obj.obj("gcs", "gcs.GCSConfig")
        assert s3 is not None and gcs is not None
        return cls(
            s3=S3Config(
                s3_access_key_id_name=s3.string("s3AccessKeyIDName"),
                s3_secret_access_key_name=s3.string("s3SecretAccessKeyName"),
                s3_endpoint=s3.string("s3Endpoint"),
                s3_use_https=s3.string("s3UseHttps"),
                s3_region=s3.string("s3Region"),
                s3_verify_ssl=s3.string("s3VerifySSL"),
                s3_use_virtual_bucket=s3.string("s3UseVirtualBucket"),
                s3_use_accelerate=s3.string("s3UseAccelerate"),
                s3_use_anonymous_credential=s3.string("s3UseAnonymousCredential"),
                s3_ca_bundle_config_map=s3.string("s3CABundleConfigMap"),
                s3_ca_bundle=s3.string("s3CABundle"),
            ),
            gcs=GCSConfig(gcs.string("gcsCredentialFileName")),
            storage_spec_secret_name=obj.string("storageSpecSecretName"),
            storage_secret_name_annotation=obj.string("storageSecretNameAnnotation"),
        )


@dataclass(frozen=True, slots=True)
class LoggerStorageSpec:
    """`v1beta1.LoggerStorageSpec` (`StorageSpec` inline): pointers are None when unset."""

    path: str | None = None
    parameters: Mapping[str, str] | None = None
    storage_key: str | None = None  # json: key
    service_account_name: str | None = None


@dataclass(frozen=True, slots=True)
class LoggerConfig:
    """`pod.LoggerConfig`, the `logger` key.

    `store` is the ConfigMap's value; `getLoggerConfigs` replaces it by the isvc's logger spec
    and defaults its key and service account per pod, which is the agent injector's business.
    """

    KEY: ClassVar[str] = "logger"
    image: str = ""
    cpu_request: str = ""
    cpu_limit: str = ""
    memory_request: str = ""
    memory_limit: str = ""
    default_url: str = ""
    ca_bundle: str = ""
    ca_cert_file: str = ""
    tls_skip_verify: bool = False
    store: LoggerStorageSpec | None = None  # json: storage
    marshaller_url: str = ""
    batch_size: int = 0
    batch_interval: str = ""

    @classmethod
    def from_json(cls, text: str | None) -> LoggerConfig:
        """The ConfigMap half of `getLoggerConfigs`."""
        obj = _resource_holder(
            cls.KEY, text, "Unable to unmarshall logger json string due to ", "pod.LoggerConfig"
        )
        store_obj = obj.obj("storage", "v1beta1.LoggerStorageSpec", pointer=True)
        store = None
        if store_obj is not None:
            store = LoggerStorageSpec(
                path=store_obj.opt_string("path"),
                parameters=store_obj.string_map("parameters"),
                storage_key=store_obj.opt_string("key"),
                service_account_name=store_obj.opt_string("serviceAccountName"),
            )
        config = cls(
            image=obj.string("image"),
            cpu_request=obj.string("cpuRequest"),
            cpu_limit=obj.string("cpuLimit"),
            memory_request=obj.string("memoryRequest"),
            memory_limit=obj.string("memoryLimit"),
            default_url=obj.string("defaultUrl"),
            ca_bundle=obj.string("caBundle"),
            ca_cert_file=obj.string("caCertFile"),
            tls_skip_verify=obj.boolean("tlsSkipVerify"),
            store=store,
            marshaller_url=obj.string("marshallerUrl"),
            batch_size=obj.integer("batchSize", "int") or 0,
            batch_interval=obj.string("batchInterval"),
        )
        _check_quantities(
            obj,
            _resources(config),
            'Failed to parse resource configuration for "logger": {qerr}',
        )
        return config


def _resource_holder(key: str, text: str | None, prefix: str, go_type: str) -> GoObject:
    """The parsed value, or an empty object when the key is absent (Go's zero struct)."""
    return GoObject.parse_object(key, "{}" if text is None else text, prefix, go_type)


def _resources(config: AgentConfig | BatcherConfig | LoggerConfig | RouterConfig) -> dict[str, str]:
    values = (config.memory_request, config.memory_limit, config.cpu_request, config.cpu_limit)
    return dict(zip(_RESOURCE_FIELDS, values, strict=True))


@dataclass(frozen=True, slots=True)
class BatcherConfig:
    """`pod.BatcherConfig`, the `batcher` key (`getBatcherConfigs`)."""

    KEY: ClassVar[str] = "batcher"
    image: str = ""
    cpu_request: str = ""
    cpu_limit: str = ""
    memory_request: str = ""
    memory_limit: str = ""
    max_batch_size: str = ""
    max_latency: str = ""

    @classmethod
    def from_json(cls, text: str | None) -> BatcherConfig:
        """`getBatcherConfigs`; the four resource strings must be quantities."""
        obj = _resource_holder(
            cls.KEY, text, "Unable to unmarshall batcher json string due to ", "pod.BatcherConfig"
        )
        config = cls(
            image=obj.string("image"),
            cpu_request=obj.string("cpuRequest"),
            cpu_limit=obj.string("cpuLimit"),
            memory_request=obj.string("memoryRequest"),
            memory_limit=obj.string("memoryLimit"),
            max_batch_size=obj.string("maxBatchSize"),
            max_latency=obj.string("maxLatency"),
        )
        _check_quantities(
            obj,
            _resources(config),
            'Failed to parse resource configuration for "batcher": {qerr}',
        )
        return config


@dataclass(frozen=True, slots=True)
class AgentConfig:
    """`pod.AgentConfig`, the `agent` key (`getAgentConfigs`)."""

    KEY: ClassVar[str] = "agent"
    image: str = ""
    cpu_request: str = ""
    cpu_limit: str = ""
    memory_request: str = ""
    memory_limit: str = ""

    @classmethod
    def from_json(cls, text: str | None) -> AgentConfig:
        """`getAgentConfigs`; the four resource strings must be quantities."""
        obj = _resource_holder(
            cls.KEY, text, "unable to unmarshall agent json string due to ", "pod.AgentConfig"
        )
        config = cls(
            image=obj.string("image"),
            cpu_request=obj.string("cpuRequest"),
            cpu_limit=obj.string("cpuLimit"),
            memory_request=obj.string("memoryRequest"),
            memory_limit=obj.string("memoryLimit"),
        )
        _check_quantities(
            obj, _resources(config), 'failed to parse resource configuration for "agent": {err}'
        )
        return config


@dataclass(frozen=True, slots=True)
class RouterConfig:
    """`inferencegraph.RouterConfig`, the `router` key (`getRouterConfigs`)."""

    KEY: ClassVar[str] = "router"
    image: str = ""
    cpu_request: str = ""
    cpu_limit: str = ""
    memory_request: str = ""
    memory_limit: str = ""
    headers: Mapping[str, tuple[str, ...]] | None = None
    image_pull_policy: str = ""
    image_pull_secrets: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, text: str | None) -> RouterConfig:
        """`getRouterConfigs`; the four resource strings must be quantities."""
        # KServe's panic text names "agent" here too.
        obj = _resource_holder(
            cls.KEY,
            text,
            "Unable to unmarshall agent json string due to ",
            "inferencegraph.RouterConfig",
        )
        config = cls(
            image=obj.string("image"),
            cpu_request=obj.string("cpuRequest"),
            cpu_limit=obj.string("cpuLimit"),
            memory_request=obj.string("memoryRequest"),
            memory_limit=obj.string("memoryLimit"),
            headers=obj.string_list_map("headers"),
            image_pull_policy=obj.string("imagePullPolicy"),
            image_pull_secrets=obj.string_list("imagePullSecrets") or (),
        )
        _check_quantities(
            obj, _resources(config), "Failed to parse resource configuration for router: {qerr}"
        )
        return config


@dataclass(frozen=True, slots=True)
class MetricsAggregatorConfig:
    """`pod.MetricsAggregator`, the `metricsAggregator` key: annotation defaults ("true"...)."""

    KEY: ClassVar[str] = "metricsAggregator"
    enable_metric_aggregation: str = ""
    enable_prometheus_scraping: str = ""

    @classmethod
    def from_json(cls, text: str | None) -> MetricsAggregatorConfig:
        """`newMetricsAggregator`."""
        if text is None:
            return cls()
        obj = GoObject.parse_object(
            cls.KEY,
            text,
            f"Unable to unmarshall {cls.KEY} json string due to ",
            "pod.MetricsAggregator",
        )
        return cls(obj.string("enableMetricAggregation"), obj.string("enablePrometheusScraping"))
