"""Ported from KServe v0.20.0 `configmap_test.go::TestGetStorageInitializerConfigs` and
`pkg/types/config_test.go::TestResolveOciModelMode`, plus the webhook config getters."""

from __future__ import annotations

import pytest

from generator.config.pod_configs import (
    AgentConfig,
    BatcherConfig,
    ConfigError,
    CredentialConfig,
    GCSConfig,
    LoggerConfig,
    LoggerStorageSpec,
    MetricsAggregatorConfig,
    RouterConfig,
    StorageInitializerConfig,
    resolve_oci_model_mode,
)

QUANTITY_ERROR = (
    "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"
)


def base_json(extra: str) -> str:
    return (
        '{"image":"kserve/storage-initializer:latest","memoryRequest":"100Mi",'
        '"memoryLimit":"1Gi","cpuRequest":"100m","cpuLimit":"1","caBundleConfigMapName":"",'
        f'"caBundleVolumeMountPath":"/etc/ssl/custom-certs"{extra}}}'
    )


@pytest.mark.parametrize(
    ("extra", "oci_image_source", "oci_model_support", "mode"),
    [
        (',"enableOciModelSupport":true,"ociModelMode":"native"', False, True, "native"),
        (',"enableModelcar":true', True, False, ""),
        ("", False, False, ""),
        (',"ociModelMode":"fetch"', False, False, "fetch"),
    ],
    ids=[
        "parses new OCI fields when both set",
        "backcompat: only enableModelcar=true, no ociModelMode",
        "neither OCI flag set: both false and mode empty",
        "ociModelMode fetch is valid",
    ],
)
def test_get_storage_initializer_configs(
    extra: str, oci_image_source: bool, oci_model_support: bool, mode: str
) -> None:
    config = StorageInitializerConfig.from_json(base_json(extra))
    assert config.enable_oci_image_source is oci_image_source
    assert config.enable_oci_model_support is oci_model_support
    assert config.oci_model_mode == mode


def test_get_storage_initializer_configs_invalid_oci_model_mode() -> None:
    # "invalid ociModelMode returns error"
    with pytest.raises(ConfigError) as err:
        StorageInitializerConfig.from_json(base_json(',"ociModelMode":"invalid-mode"'))
    assert err.value.message == (
        'invalid "storageInitializer".ociModelMode "invalid-mode": must be one of "modelcar", '
        '"native", "fetch"'
    )


@pytest.mark.parametrize(
    ("config", "want"),
    [
        (StorageInitializerConfig(oci_model_mode="native", enable_oci_image_source=True), "native"),
        (StorageInitializerConfig(oci_model_mode="fetch"), "fetch"),
        (StorageInitializerConfig(enable_oci_image_source=True), "modelcar"),
        (StorageInitializerConfig(enable_oci_model_support=True), "modelcar"),
        (StorageInitializerConfig(), ""),
        (
            StorageInitializerConfig(enable_oci_image_source=False, enable_oci_model_support=False),
            "",
        ),
    ],
    ids=[
        "explicit OciModelMode wins over everything",
        "OciModelMode fetch",
        "backcompat: EnableOciImageSource true resolves to modelcar",
        "backcompat: EnableOciModelSupport true resolves to modelcar",
        "neither set returns empty (disabled)",
        "both OCI flags false, no mode: disabled",
    ],
)
def test_resolve_oci_model_mode(config: StorageInitializerConfig, want: str) -> None:
    assert resolve_oci_model_mode(config) == want


def test_storage_initializer_resources_are_checked() -> None:
    with pytest.raises(ConfigError) as err:
        StorageInitializerConfig.from_json(base_json(',"cpuModelcar":"ten"'))
    assert err.value.json_path == "cpuModelcar"
    assert err.value.message == (
        f'failed to parse resource configuration for "storageInitializer"."cpuModelcar": '
        f"{QUANTITY_ERROR}"
    )
    # Without the key every resource string is "", which ParseQuantity rejects.
    with pytest.raises(ConfigError, match="memoryRequest"):
        StorageInitializerConfig.from_json(None)


def test_storage_initializer_json_error_uses_the_panic_text() -> None:
    with pytest.raises(ConfigError, match=r"^Unable to unmarshall storageInitializer json string"):
        StorageInitializerConfig.from_json("{")


@pytest.mark.parametrize(
    ("cls", "message"),
    [
        (AgentConfig, f'failed to parse resource configuration for "agent": {QUANTITY_ERROR}'),
        (
            BatcherConfig,
            f'Failed to parse resource configuration for "batcher": "{QUANTITY_ERROR}"',
        ),
        (LoggerConfig, f'Failed to parse resource configuration for "logger": "{QUANTITY_ERROR}"'),
        (RouterConfig, f'Failed to parse resource configuration for router: "{QUANTITY_ERROR}"'),
    ],
    ids=["agent", "batcher", "logger", "router"],
)
def test_resource_strings_must_be_quantities(cls: type[AgentConfig], message: str) -> None:
    with pytest.raises(ConfigError) as err:
        cls.from_json('{"image": "x", "memoryLimit": "1Gi", "cpuRequest": "1", "cpuLimit": "1"}')
    assert (err.value.json_path, err.value.message) == ("memoryRequest", message)


def test_logger_config() -> None:
    config = LoggerConfig.from_json(
        '{"image": "kserve/agent:v0.20.0", "memoryRequest": "100Mi", "memoryLimit": "1Gi",'
        ' "cpuRequest": "100m", "cpuLimit": "1", "defaultUrl": "http://default-broker",'
        ' "storage": {"path": "/logs", "parameters": {"type": "s3", "bucket": "b"}},'
        ' "batchSize": 10}'
    )
    assert config.default_url == "http://default-broker"
    assert config.batch_size == 10
    assert config.store == LoggerStorageSpec(path="/logs", parameters={"type": "s3", "bucket": "b"})


def test_router_config() -> None:
    config = RouterConfig.from_json(
        '{"image": "kserve/router:v0.20.0", "memoryRequest": "100Mi", "memoryLimit": "1Gi",'
        ' "cpuRequest": "100m", "cpuLimit": "1", "imagePullPolicy": "IfNotPresent",'
        ' "imagePullSecrets": ["regcred"], "headers": {"propagate": ["Custom-Header1"]}}'
    )
    assert config.headers == {"propagate": ("Custom-Header1",)}
    assert config.image_pull_secrets == ("regcred",)
    assert config.image_pull_policy == "IfNotPresent"


def test_credential_config() -> None:
    config = CredentialConfig.from_json(
        '{"storageSpecSecretName": "storage-config", "gcs": {"gcsCredentialFileName": "g.json"},'
        ' "s3": {"s3AccessKeyIDName": "AWS_ACCESS_KEY_ID", "s3Endpoint": "minio:9000"}}'
    )
    assert config.storage_spec_secret_name == "storage-config"
    assert config.storage_secret_name_annotation == ""
    assert config.gcs == GCSConfig("g.json")
    assert (config.s3.s3_access_key_id_name, config.s3.s3_endpoint) == (
        "AWS_ACCESS_KEY_ID",
        "minio:9000",
    )
    assert CredentialConfig.from_json(None) == CredentialConfig()


def test_nested_structs_merge_over_repeated_keys() -> None:
    config = CredentialConfig.from_json('{"s3": {"s3Region": "eu"}, "s3": {"s3Endpoint": "e"}}')
    assert (config.s3.s3_region, config.s3.s3_endpoint) == ("eu", "e")


def test_metrics_aggregator_config() -> None:
    config = MetricsAggregatorConfig.from_json(
        '{"enableMetricAggregation": "false", "enablePrometheusScraping" : "true"}'
    )
    assert config == MetricsAggregatorConfig("false", "true")
    assert MetricsAggregatorConfig.from_json(None) == MetricsAggregatorConfig()
