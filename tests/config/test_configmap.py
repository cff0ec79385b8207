"""Ported from KServe v0.20.0 `pkg/apis/serving/v1beta1/configmap_test.go`, plus the Go
`encoding/json` behaviours `generator.config.jsondecode` reproduces."""

from __future__ import annotations

import dataclasses
import json

import pytest

from generator.config.configmap import (
    DEFAULT_DOMAIN_TEMPLATE,
    DEFAULT_INGRESS_DOMAIN,
    DEFAULT_URL_SCHEME,
    ERR_INVALID_KSERVE_INGRESS_GATEWAY_FORMAT,
    ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAME,
    ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAMESPACE,
    ERR_KSERVE_INGRESS_GATEWAY_REQUIRED,
    AutoscalerConfig,
    ConfigError,
    DeployConfig,
    DeploymentRolloutStrategy,
    ExplainerConfig,
    ExplainersConfig,
    InferenceServicesConfig,
    IngressConfig,
    LocalModelConfig,
    MultiNodeConfig,
    OtelCollectorConfig,
    ResourceConfig,
    RolloutSpec,
    SecurityConfig,
    ServiceConfig,
    validate_ingress_gateway,
)
from generator.constants import (
    REVISION_TEMPLATE_LABEL_DISALLOWED_LIST,
    SERVICE_ANNOTATION_DISALLOWED_LIST,
)

KSERVE_INGRESS_GATEWAY = "kserve/kserve-ingress-gateway"
KNATIVE_INGRESS_GATEWAY = "knative-serving/knative-ingress-gateway"
KNATIVE_LOCAL_GATEWAY_SERVICE = "test-destination"
KNATIVE_LOCAL_GATEWAY = "knative-serving/knative-local-gateway"
LOCAL_GATEWAY_SERVICE = "knative-local-gateway.istio-system.svc.cluster.local"
INGRESS_DOMAIN = "example.com"
ADDITIONAL_DOMAIN = "additional-example.com"
ADDITIONAL_DOMAIN_EXTRA = "additional-example-extra.com"
INGRESS_CONFIG_DATA = json.dumps(
    {
        "kserveIngressGateway": KSERVE_INGRESS_GATEWAY,
        "ingressGateway": KNATIVE_INGRESS_GATEWAY,
        "knativeLocalGatewayService": KNATIVE_LOCAL_GATEWAY_SERVICE,
        "localGateway": KNATIVE_LOCAL_GATEWAY,
        "localGatewayService": LOCAL_GATEWAY_SERVICE,
        "ingressDomain": INGRESS_DOMAIN,
        "urlScheme": "https",
        "additionalIngressDomains": [ADDITIONAL_DOMAIN, ADDITIONAL_DOMAIN_EXTRA],
    }
)
ISVC_WITH_DATA = json.dumps(
    {
        "serviceAnnotationDisallowedList": ["my.custom.annotation/1", "my.custom.annotation/2"],
        "serviceLabelDisallowedList": ["my.custom.label.1", "my.custom.label.2"],
    }
)
ISVC_NO_DATA = '{"serviceAnnotationDisallowedList": [], "serviceLabelDisallowedList": []}'
MULTI_NODE_CONFIG_DATA = '{"customGPUResourceTypeList": ["custom.com/gpu-1", "custom.com/gpu-2"]}'
DEFAULT_GPUS = ("nvidia.com/gpu", "amd.com/gpu", "intel.com/gpu", "habana.ai/gaudi")


def test_new_inference_service_config() -> None:
    assert InferenceServicesConfig.from_json(None) == InferenceServicesConfig()


@pytest.mark.parametrize("text", ["{}", None], ids=["WithNoData", "WithoutData"])
def test_new_multi_node_config_without_custom_list(text: str | None) -> None:
    config = MultiNodeConfig.from_json(text)
    assert config.custom_gpu_resource_type_list == ()
    assert config.gpu_resource_type_list == DEFAULT_GPUS


def test_new_multi_node_config_with_data() -> None:
    config = MultiNodeConfig.from_json(MULTI_NODE_CONFIG_DATA)
    assert config.custom_gpu_resource_type_list == ("custom.com/gpu-1", "custom.com/gpu-2")
    assert config.gpu_resource_type_list == (*DEFAULT_GPUS, "custom.com/gpu-1", "custom.com/gpu-2")


def test_new_ingress_config() -> None:
    config = IngressConfig.from_json(INGRESS_CONFIG_DATA)
    assert config.ingress_gateway == KNATIVE_INGRESS_GATEWAY
    assert config.knative_local_gateway_service == KNATIVE_LOCAL_GATEWAY_SERVICE
    assert config.local_gateway == KNATIVE_LOCAL_GATEWAY
    assert config.local_gateway_service_name == LOCAL_GATEWAY_SERVICE
    assert config.url_scheme == "https"
    assert config.ingress_domain == INGRESS_DOMAIN
    assert config.additional_ingress_domains == (ADDITIONAL_DOMAIN, ADDITIONAL_DOMAIN_EXTRA)


def test_new_ingress_config_default_knative_service() -> None:
    data = json.loads(INGRESS_CONFIG_DATA)
    del data["knativeLocalGatewayService"]
    config = IngressConfig.from_json(json.dumps(data))
    assert config.knative_local_gateway_service == LOCAL_GATEWAY_SERVICE


def test_new_deploy_config() -> None:
    assert DeployConfig.from_json(None) == DeployConfig()


@pytest.mark.parametrize(
    ("text", "expected"),
    [(None, False), ('{"serviceClusterIPNone": true}', True), ("{}", False)],
    ids=["nothing declared", "with value", "no value"],
)
def test_new_service_config(text: str | None, expected: bool) -> None:
    assert ServiceConfig.from_json(text).service_cluster_ip_none is expected


@pytest.mark.parametrize(
    ("text", "annotations", "labels"),
    [
        (
            ISVC_WITH_DATA,
            (
                *SERVICE_ANNOTATION_DISALLOWED_LIST,
                "my.custom.annotation/1",
                "my.custom.annotation/2",
            ),
            (*REVISION_TEMPLATE_LABEL_DISALLOWED_LIST, "my.custom.label.1", "my.custom.label.2"),
        ),
        (ISVC_NO_DATA, SERVICE_ANNOTATION_DISALLOWED_LIST, REVISION_TEMPLATE_LABEL_DISALLOWED_LIST),
        ("{}", SERVICE_ANNOTATION_DISALLOWED_LIST, REVISION_TEMPLATE_LABEL_DISALLOWED_LIST),
        (None, (), ()),
    ],
    ids=["with data", "with no data", "key without lists", "key absent"],
)
def test_inference_service_disallowed_lists(
    text: str | None, annotations: tuple[str, ...], labels: tuple[str, ...]
) -> None:
    config = InferenceServicesConfig.from_json(text)
    assert config.service_annotation_disallowed_list == annotations
    assert config.service_label_disallowed_list == labels


@pytest.mark.parametrize(
    ("gateway", "expected"),
    [
        ("kserve/kserve-ingress-gateway", ""),
        ("", ERR_KSERVE_INGRESS_GATEWAY_REQUIRED),
        ("invalid-format", ERR_INVALID_KSERVE_INGRESS_GATEWAY_FORMAT),
        ("invalid_namespace/kserve-ingress-gateway", ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAMESPACE),
        ("kserve/invalid_name", ERR_INVALID_KSERVE_INGRESS_GATEWAY_NAME),
    ],
    ids=[
        "valid ingress gateway",
        "missing kserveIngressGateway",
        "invalid format for kserveIngressGateway",
        "invalid namespace in kserveIngressGateway",
        "invalid name in kserveIngressGateway",
    ],
)
def test_validate_ingress_gateway(gateway: str, expected: str) -> None:
    assert validate_ingress_gateway(gateway) == expected


def test_new_otel_collector_config() -> None:
    # "returns default config when otel config is missing"
    assert OtelCollectorConfig.from_json(None) == OtelCollectorConfig()
    # "returns config when otel config is present"
    config = OtelCollectorConfig.from_json(
        '{"scrapeInterval": "30s", "metricReceiverEndpoint": "localhost:4317",'
        ' "metricScalerEndpoint": "localhost:8080"}'
    )
    assert (config.scrape_interval, config.metric_receiver_endpoint) == ("30s", "localhost:4317")
    assert config.metric_scaler_endpoint == "localhost:8080"
    # "returns error on invalid otel config json"
    with pytest.raises(ConfigError, match=r"^unable to parse otel config json: "):
        OtelCollectorConfig.from_json("invalid-json")


@pytest.mark.parametrize("mode", ["Knative", "Standard", "ModelMesh"])
def test_new_deploy_config_with_valid_config(mode: str) -> None:
    config = DeployConfig.from_json(json.dumps({"defaultDeploymentMode": mode}))
    assert config.default_deployment_mode == mode


def test_new_deploy_config_missing_default_deployment_mode() -> None:
    with pytest.raises(ConfigError) as err:
        DeployConfig.from_json("{}")
    assert err.value.message == "invalid deploy config, defaultDeploymentMode is required"
    assert (err.value.key, err.value.json_path) == ("deploy", "defaultDeploymentMode")


def test_new_deploy_config_invalid_deployment_mode() -> None:
    with pytest.raises(ConfigError) as err:
        DeployConfig.from_json('{"defaultDeploymentMode":"invalid-mode"}')
    assert err.value.message == (
        "invalid deployment mode. Supported modes are Knative, Standard and ModelMesh"
    )


@pytest.mark.parametrize(
    ("mode", "expected"), [("RawDeployment", "Standard"), ("Serverless", "Knative")]
)
def test_new_deploy_config_legacy_deployment_mode(mode: str, expected: str) -> None:
    config = DeployConfig.from_json(json.dumps({"defaultDeploymentMode": mode}))
    assert config.default_deployment_mode == expected


def test_new_deploy_config_invalid_json() -> None:
    with pytest.raises(ConfigError, match=r"^unable to parse deploy config json: "):
        DeployConfig.from_json("invalid-json")


def test_new_deploy_config_empty_config_map() -> None:
    assert DeployConfig.from_json(None).default_deployment_mode == ""


def test_new_deploy_config_rollout_strategy() -> None:
    config = DeployConfig.from_json(
        '{"defaultDeploymentMode": "Standard", "deploymentRolloutStrategy":'
        ' {"defaultRollout": {"maxSurge": "1", "maxUnavailable": "25%"}}}'
    )
    assert config.deployment_rollout_strategy == DeploymentRolloutStrategy(RolloutSpec("1", "25%"))


def test_new_local_model_config() -> None:
    # "returns default config when localModel config is missing"
    config = LocalModelConfig.from_json(None)
    assert (config.enabled, config.job_namespace) == (False, "")
    # "returns config when localModel config is present"
    config = LocalModelConfig.from_json(
        '{"enabled": true, "jobNamespace": "test-ns", "defaultJobImage": "test-image",'
        ' "fsGroup": 1000, "jobTTLSecondsAfterFinished": 3600,'
        ' "reconcilationFrequencyInSecs": 60, "disableVolumeManagement": true}'
    )
    assert config == LocalModelConfig(True, "test-ns", "test-image", 1000, 3600, 60, True)
    # "returns error on invalid localModel config json"
    with pytest.raises(ConfigError):
        LocalModelConfig.from_json("invalid-json")


def test_new_security_config() -> None:
    # "returns default config when security config is missing"
    assert SecurityConfig.from_json(None).auto_mount_service_account_token is False
    # "returns config when security config is present"
    config = SecurityConfig.from_json('{"autoMountServiceAccountToken": true}')
    assert config.auto_mount_service_account_token is True
    # "returns error on invalid security config json"
    with pytest.raises(ConfigError):
        SecurityConfig.from_json("invalid-json")


GATEWAYS = f'"kserveIngressGateway": "{KSERVE_INGRESS_GATEWAY}"'
BOTH_GATEWAYS = f'{GATEWAYS}, "ingressGateway": "{KNATIVE_INGRESS_GATEWAY}"'


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("invalid-json", "unable to parse ingress config json: "),
        (f"{{{GATEWAYS}}}", "ingressGateway is required"),
        (f'{{{BOTH_GATEWAYS}, "pathTemplate": "{{{{ .Name }}"}}', "unable to parse pathTemplate"),
        (
            f'{{{BOTH_GATEWAYS}, "pathTemplate": "/foo/bar"}}',
            "ingressDomain is required if pathTemplate is given",
        ),
        (
            f'{{"enableGatewayApi": true, "ingressGateway": "{KNATIVE_INGRESS_GATEWAY}"}}',
            "kserveIngressGateway is required",
        ),
        (
            '{"enableGatewayApi": true, "kserveIngressGateway": "invalid-format",'
            f' "ingressGateway": "{KNATIVE_INGRESS_GATEWAY}"}}',
            "should be in the format",
        ),
        (
            f'{{{BOTH_GATEWAYS}, "pathTemplate": "/foo/bar"}}',
            "ingressDomain is required if pathTemplate is given",
        ),
    ],
    ids=[
        "returns error on invalid ingress config json",
        "returns error if ingressGateway is missing",
        "returns error if pathTemplate is invalid template",
        "returns error if pathTemplate is set but ingressDomain is missing",
        "returns error if EnableGatewayAPI is true and kserveIngressGateway is missing",
        "returns error if EnableGatewayAPI is true and kserveIngressGateway is invalid",
        "returns error if pathTemplate is valid but ingressDomain is empty",
    ],
)
def test_new_ingress_config_validation_errors(text: str, error: str) -> None:
    with pytest.raises(ConfigError) as err:
        IngressConfig.from_json(text)
    assert error in err.value.message
    assert err.value.key == "ingress"


def test_new_ingress_config_validation() -> None:
    # "returns config with defaults when config map is empty"
    config = IngressConfig.from_json(None)
    assert config.domain_template == DEFAULT_DOMAIN_TEMPLATE
    assert config.ingress_domain == DEFAULT_INGRESS_DOMAIN
    assert config.url_scheme == DEFAULT_URL_SCHEME
    # "sets KnativeLocalGatewayService from LocalGatewayServiceName if missing"
    config = IngressConfig.from_json(
        f'{{{BOTH_GATEWAYS}, "localGatewayService": "my-local-gateway-service"}}'
    )
    assert config.knative_local_gateway_service == "my-local-gateway-service"
    # "returns config when all required fields are present"
    config = IngressConfig.from_json(
        f'{{{BOTH_GATEWAYS}, "ingressDomain": "mydomain.com", "urlScheme": "https"}}'
    )
    assert config.kserve_ingress_gateway == KSERVE_INGRESS_GATEWAY
    assert config.ingress_gateway == KNATIVE_INGRESS_GATEWAY
    assert (config.ingress_domain, config.url_scheme) == ("mydomain.com", "https")


def test_ingress_code_defaults_apply_when_fields_are_empty() -> None:
    config = IngressConfig.from_json(f'{{{BOTH_GATEWAYS}, "domainTemplate": ""}}')
    assert config.domain_template == DEFAULT_DOMAIN_TEMPLATE
    assert config.model_based_routing_header_name == "X-Gateway-Model-Name"
    assert config.model_based_routing_mode == "enabled"
    assert config.ingress_class_name is None
    assert config.additional_ingress_domains is None


def test_path_template_parse_error_names_the_template() -> None:
    with pytest.raises(ConfigError) as err:
        IngressConfig.from_json(f'{{{BOTH_GATEWAYS}, "pathTemplate": "{{{{ .Name }}"}}')
    assert err.value.message == (
        "invalid ingress config, unable to parse pathTemplate: "
        'template: path-template:1: unexpected "}" in operand'
    )
    assert err.value.json_path == "pathTemplate"


def test_explainers_merge_with_the_inference_service_key() -> None:
    explainers = ExplainersConfig.from_json(
        '{"art": {"image": "kserve/art-explainer", "defaultImageVersion": "latest"}}'
    )
    config = InferenceServicesConfig.from_json(
        '{"explainers": {"art": {"defaultImageVersion": "v2"}},'
        ' "resource": {"cpuLimit": "1", "memoryLimit": "2Gi"}}',
        explainers,
    )
    assert config.explainers.art_explainer == ExplainerConfig("kserve/art-explainer", "v2")
    assert config.resource == ResourceConfig(cpu_limit="1", memory_limit="2Gi")


def test_inference_service_resource_must_parse() -> None:
    with pytest.raises(ConfigError) as err:
        InferenceServicesConfig.from_json('{"resource": {"memoryLimit": "2mi"}}')
    assert err.value.json_path == "resource.memoryLimit"
    assert err.value.message == "cannot parse '2mi': unable to parse quantity's suffix"


def test_null_values_follow_go() -> None:
    # A top-level null leaves a struct untouched where KServe unmarshals into a struct value...
    assert ExplainersConfig.from_json("null") == ExplainersConfig()
    assert AutoscalerConfig.from_json("null") == AutoscalerConfig()
    # ...and is reported where KServe would dereference the nil pointer it produces.
    with pytest.raises(ConfigError, match="null"):
        IngressConfig.from_json("null")
    # A null string field keeps the previous value; a null pointer field becomes nil.
    config = IngressConfig.from_json(
        f'{{{BOTH_GATEWAYS}, "urlScheme": "https", "urlScheme": null, "ingressClassName": null}}'
    )
    assert (config.url_scheme, config.ingress_class_name) == ("https", None)


def test_field_names_match_case_insensitively_and_last_wins() -> None:
    config = AutoscalerConfig.from_json(
        '{"SCALEUPSTABILIZATIONWINDOWSECONDS": "1", "scaleUpStabilizationWindowSeconds": "2",'
        ' "scaleupstabilizationwindowseconds": "3", "unknown": 1}'
    )
    assert config.scale_up_stabilization_window_seconds == "3"


@pytest.mark.parametrize(
    ("text", "path", "message"),
    [
        (
            '{"defaultDeploymentMode": 1}',
            "defaultDeploymentMode",
            "unable to parse deploy config json: json: cannot unmarshal number into Go struct "
            "field DeployConfig.defaultDeploymentMode of type string",
        ),
        (
            "[]",
            "",
            "unable to parse deploy config json: json: cannot unmarshal array into Go value of "
            "type v1beta1.DeployConfig",
        ),
        (
            '{"defaultDeploymentMode": "Standard", "deploymentRolloutStrategy": '
            '{"defaultRollout": {"maxSurge": 1}}}',
            "deploymentRolloutStrategy.defaultRollout.maxSurge",
            # Go names the innermost struct and the whole field path (checked with Go 1.26's
            # encoding/json on KServe's DeployConfig/DeploymentRolloutStrategy/RolloutSpec).
            "unable to parse deploy config json: json: cannot unmarshal number into Go struct "
            "field RolloutSpec.deploymentRolloutStrategy.defaultRollout.maxSurge of type string",
        ),
    ],
    ids=["string field given a number", "not an object", "nested field"],
)
def test_type_errors_name_the_field(text: str, path: str, message: str) -> None:
    with pytest.raises(ConfigError) as err:
        DeployConfig.from_json(text)
    assert (err.value.json_path, err.value.message) == (path, message)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1000", 1000), ("null", None), ("2147483647", 2147483647)],
)
def test_int32_fields(value: str, expected: int | None) -> None:
    config = LocalModelConfig.from_json(f'{{"jobTTLSecondsAfterFinished": {value}}}')
    assert config.job_ttl_seconds_after_finished == expected


@pytest.mark.parametrize("value", ["2147483648", "1.0", "1e3", '"1"', "true"])
def test_int32_fields_reject_what_go_rejects(value: str) -> None:
    with pytest.raises(ConfigError) as err:
        LocalModelConfig.from_json(f'{{"jobTTLSecondsAfterFinished": {value}}}')
    assert err.value.json_path == "jobTTLSecondsAfterFinished"
    assert "of type int32" in err.value.message


def test_json_constants_are_rejected() -> None:
    with pytest.raises(ConfigError):
        LocalModelConfig.from_json('{"fsGroup": NaN}')


def _config_structs() -> list[type]:
    from generator.config import configmap, pod_configs
    from generator.config.jsondecode import GoStruct

    found = {
        value
        for module in (configmap, pod_configs)
        for value in vars(module).values()
        if isinstance(value, type)
        and issubclass(value, GoStruct)
        and dataclasses.is_dataclass(value)
    }
    return sorted(found, key=lambda cls: cls.__name__)


@pytest.mark.parametrize("cls", _config_structs(), ids=lambda cls: cls.__name__)
def test_every_config_field_says_its_json_name_and_go_type(cls: type) -> None:
    """A field without a Go description would never be decoded: it would keep its default
    whatever the ConfigMap says."""
    undescribed = [f.name for f in dataclasses.fields(cls) if "go_json" not in f.metadata]
    assert not undescribed
    assert cls.GO_TYPE.count(".") == 1  # package.Type, as Go's errors print it


def test_a_nested_struct_repeated_merges_and_the_last_scalar_wins() -> None:
    """Go decodes a repeated object key into the struct already decoded (encoding/json
    `object` → `d.value` on the existing field value)."""
    config = DeployConfig.from_json(
        '{"defaultDeploymentMode": "Standard",'
        ' "deploymentRolloutStrategy": {"defaultRollout": {"maxSurge": "1"}},'
        ' "deploymentRolloutStrategy": {"defaultRollout": {"maxUnavailable": "2"}}}'
    )
    assert config.deployment_rollout_strategy == DeploymentRolloutStrategy(RolloutSpec("1", "2"))
