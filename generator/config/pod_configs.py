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
from dataclasses import dataclass
from typing import ClassVar, Self

from generator.config.jsondecode import (
    ConfigError,
    ConfigKey,
    GoObject,
    GoStruct,
    go_field,
    go_struct,
)
from generator.config.quantity import QuantityError, parse_quantity
from generator.goruntime.json import BOOL, INT, INT64, STRING, Map, Pointer, Slice
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


_STRINGS = Slice(STRING)


class _ResourceHolder(ConfigKey):
    """A webhook getter's config: the zero struct when the key is absent, its four resource
    strings checked as quantities with the getter's own message."""

    __slots__ = ()
    DECODE_ABSENT: ClassVar[bool] = True
    RESOURCE_MESSAGE: ClassVar[str]  # formatted with name, err and qerr (the error, Go-quoted)
    cpu_request: str
    cpu_limit: str
    memory_request: str
    memory_limit: str

    def checked(self, obj: GoObject) -> Self:
        _check_quantities(obj, _resources(self), self.RESOURCE_MESSAGE)
        return self


def _resources(config: _ResourceHolder) -> dict[str, str]:
    values = (config.memory_request, config.memory_limit, config.cpu_request, config.cpu_limit)
    return dict(zip(_RESOURCE_FIELDS, values, strict=True))


@dataclass(frozen=True, slots=True)
class StorageInitializerConfig(ConfigKey):
    """`types.StorageInitializerConfig`, the `storageInitializer` key
    (`GetStorageInitializerConfigs`: resources must be quantities, mode one of three)."""

    KEY: ClassVar[str] = "storageInitializer"
    GO_TYPE: ClassVar[str] = "types.StorageInitializerConfig"
    PREFIX: ClassVar[str] = "Unable to unmarshall storageInitializer json string due to "
    DECODE_ABSENT: ClassVar[bool] = True
    image: str = go_field("image")
    cpu_request: str = go_field("cpuRequest")
    cpu_limit: str = go_field("cpuLimit")
    cpu_modelcar: str = go_field("cpuModelcar")
    memory_request: str = go_field("memoryRequest")
    memory_limit: str = go_field("memoryLimit")
    ca_bundle_config_map_name: str = go_field("caBundleConfigMapName")
    ca_bundle_volume_mount_path: str = go_field("caBundleVolumeMountPath")
    memory_modelcar: str = go_field("memoryModelcar")
    enable_oci_image_source: bool = go_field("enableModelcar", BOOL)
    uid_modelcar: int | None = go_field("uidModelcar", Pointer(INT64))
    enable_oci_model_support: bool = go_field("enableOciModelSupport", BOOL)
    oci_model_mode: str = go_field("ociModelMode")

    def checked(self, obj: GoObject) -> Self:
        resources = {
            "memoryRequest": self.memory_request,
            "memoryLimit": self.memory_limit,
            "cpuRequest": self.cpu_request,
            "cpuLimit": self.cpu_limit,
        }
        if self.cpu_modelcar:
            resources["cpuModelcar"] = self.cpu_modelcar
        if self.memory_modelcar:
            resources["memoryModelcar"] = self.memory_modelcar
        _check_quantities(
            obj,
            resources,
            f'failed to parse resource configuration for "{self.KEY}".' + '"{name}": {err}',
        )
        modes = (OCI_MODEL_MODE_MODELCAR, OCI_MODEL_MODE_NATIVE, OCI_MODEL_MODE_FETCH)
        if self.oci_model_mode and self.oci_model_mode not in modes:
            raise obj.error(
                "ociModelMode",
                f'invalid "{self.KEY}".ociModelMode {_go_quote(self.oci_model_mode)}: must be '
                f"one of {', '.join(_go_quote(m) for m in modes)}",
            )
        return self


def resolve_oci_model_mode(config: StorageInitializerConfig) -> str:
    """Port of `types.ResolveOciModelMode`: explicit mode, else modelcar if enabled, else ""."""
    if config.oci_model_mode:
        return config.oci_model_mode
    if config.enable_oci_image_source or config.enable_oci_model_support:
        return OCI_MODEL_MODE_MODELCAR
    return ""


@dataclass(frozen=True, slots=True)
class S3Config(GoStruct):
    """`s3.S3Config`: names and defaults the credential builder uses for S3 secrets."""

    GO_TYPE: ClassVar[str] = "s3.S3Config"
    s3_access_key_id_name: str = go_field("s3AccessKeyIDName")
    s3_secret_access_key_name: str = go_field("s3SecretAccessKeyName")
    s3_endpoint: str = go_field("s3Endpoint")
    s3_use_https: str = go_field("s3UseHttps")
    s3_region: str = go_field("s3Region")
    s3_verify_ssl: str = go_field("s3VerifySSL")
    s3_use_virtual_bucket: str = go_field("s3UseVirtualBucket")
    s3_use_accelerate: str = go_field("s3UseAccelerate")
    s3_use_anonymous_credential: str = go_field("s3UseAnonymousCredential")
    s3_ca_bundle_config_map: str = go_field("s3CABundleConfigMap")
    s3_ca_bundle: str = go_field("s3CABundle")


@dataclass(frozen=True, slots=True)
class GCSConfig(GoStruct):
    """`gcs.GCSConfig`."""

    GO_TYPE: ClassVar[str] = "gcs.GCSConfig"
    gcs_credential_file_name: str = go_field("gcsCredentialFileName")


@dataclass(frozen=True, slots=True)
class CredentialConfig(ConfigKey):
    """`credentials.CredentialConfig`, the `credentials` key (`GetCredentialConfig`)."""

    KEY: ClassVar[str] = "credentials"
    GO_TYPE: ClassVar[str] = "credentials.CredentialConfig"
    PREFIX: ClassVar[str] = "unable to parse credential config json: "
    NULL_OK: ClassVar[bool] = True
    s3: S3Config = go_struct("s3", S3Config)
    gcs: GCSConfig = go_struct("gcs", GCSConfig)
    storage_spec_secret_name: str = go_field("storageSpecSecretName")
    storage_secret_name_annotation: str = go_field("storageSecretNameAnnotation")


@dataclass(frozen=True, slots=True)
class LoggerStorageSpec(GoStruct):
    """`v1beta1.LoggerStorageSpec` (`StorageSpec` inline): pointers are None when unset."""

    GO_TYPE: ClassVar[str] = "v1beta1.LoggerStorageSpec"
    path: str | None = go_field("path", Pointer(STRING))
    parameters: Mapping[str, str] | None = go_field("parameters", Pointer(Map(STRING)))
    storage_key: str | None = go_field("key", Pointer(STRING))
    service_account_name: str | None = go_field("serviceAccountName", Pointer(STRING))


@dataclass(frozen=True, slots=True)
class LoggerConfig(_ResourceHolder):
    """`pod.LoggerConfig`, the `logger` key (the ConfigMap half of `getLoggerConfigs`).

    `store` is the ConfigMap's value; `getLoggerConfigs` replaces it by the isvc's logger spec
    and defaults its key and service account per pod, which is the agent injector's business.
    """

    KEY: ClassVar[str] = "logger"
    GO_TYPE: ClassVar[str] = "pod.LoggerConfig"
    PREFIX: ClassVar[str] = "Unable to unmarshall logger json string due to "
    RESOURCE_MESSAGE: ClassVar[str] = 'Failed to parse resource configuration for "logger": {qerr}'
    image: str = go_field("image")
    cpu_request: str = go_field("cpuRequest")
    cpu_limit: str = go_field("cpuLimit")
    memory_request: str = go_field("memoryRequest")
    memory_limit: str = go_field("memoryLimit")
    default_url: str = go_field("defaultUrl")
    ca_bundle: str = go_field("caBundle")
    ca_cert_file: str = go_field("caCertFile")
    tls_skip_verify: bool = go_field("tlsSkipVerify", BOOL)
    store: LoggerStorageSpec | None = go_struct("storage", LoggerStorageSpec, pointer=True)
    marshaller_url: str = go_field("marshallerUrl")
    batch_size: int = go_field("batchSize", INT)
    batch_interval: str = go_field("batchInterval")


@dataclass(frozen=True, slots=True)
class BatcherConfig(_ResourceHolder):
    """`pod.BatcherConfig`, the `batcher` key (`getBatcherConfigs`)."""

    KEY: ClassVar[str] = "batcher"
    GO_TYPE: ClassVar[str] = "pod.BatcherConfig"
    PREFIX: ClassVar[str] = "Unable to unmarshall batcher json string due to "
    RESOURCE_MESSAGE: ClassVar[str] = 'Failed to parse resource configuration for "batcher": {qerr}'
    image: str = go_field("image")
    cpu_request: str = go_field("cpuRequest")
    cpu_limit: str = go_field("cpuLimit")
    memory_request: str = go_field("memoryRequest")
    memory_limit: str = go_field("memoryLimit")
    max_batch_size: str = go_field("maxBatchSize")
    max_latency: str = go_field("maxLatency")


@dataclass(frozen=True, slots=True)
class AgentConfig(_ResourceHolder):
    """`pod.AgentConfig`, the `agent` key (`getAgentConfigs`)."""

    KEY: ClassVar[str] = "agent"
    GO_TYPE: ClassVar[str] = "pod.AgentConfig"
    PREFIX: ClassVar[str] = "unable to unmarshall agent json string due to "
    RESOURCE_MESSAGE: ClassVar[str] = 'failed to parse resource configuration for "agent": {err}'
    image: str = go_field("image")
    cpu_request: str = go_field("cpuRequest")
    cpu_limit: str = go_field("cpuLimit")
    memory_request: str = go_field("memoryRequest")
    memory_limit: str = go_field("memoryLimit")


@dataclass(frozen=True, slots=True)
class RouterConfig(_ResourceHolder):
    """`inferencegraph.RouterConfig`, the `router` key (`getRouterConfigs`)."""

    KEY: ClassVar[str] = "router"
    GO_TYPE: ClassVar[str] = "inferencegraph.RouterConfig"
    PREFIX: ClassVar[str] = "Unable to unmarshall agent json string due to "  # sic: "agent"
    RESOURCE_MESSAGE: ClassVar[str] = "Failed to parse resource configuration for router: {qerr}"
    image: str = go_field("image")
    cpu_request: str = go_field("cpuRequest")
    cpu_limit: str = go_field("cpuLimit")
    memory_request: str = go_field("memoryRequest")
    memory_limit: str = go_field("memoryLimit")
    headers: Mapping[str, tuple[str, ...]] | None = go_field("headers", Map(_STRINGS))
    image_pull_policy: str = go_field("imagePullPolicy")
    image_pull_secrets: tuple[str, ...] = go_field("imagePullSecrets", _STRINGS, default=(), nil=())


@dataclass(frozen=True, slots=True)
class MetricsAggregatorConfig(ConfigKey):
    """`pod.MetricsAggregator`, the `metricsAggregator` key (`newMetricsAggregator`):
    annotation defaults ("true"...)."""

    KEY: ClassVar[str] = "metricsAggregator"
    GO_TYPE: ClassVar[str] = "pod.MetricsAggregator"
    PREFIX: ClassVar[str] = "Unable to unmarshall metricsAggregator json string due to "
    enable_metric_aggregation: str = go_field("enableMetricAggregation")
    enable_prometheus_scraping: str = go_field("enablePrometheusScraping")
