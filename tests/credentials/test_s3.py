"""S3 credential env (pkg/credentials/s3: s3_secret.go, s3_service_account.go, utils.go).

Ported from KServe v0.20.0 `s3_secret_test.go` (`TestS3Secret`), `s3_service_account_test.go`
(`TestS3ServiceAccount`) and `utils_test.go` (`TestBuildS3EnvVars`). Where KServe copies a data
*value*, kserve-gitops emits a secretKeyRef to the same key (ids end in "GitOps").
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.config.pod_configs import S3Config
from generator.credentials import SecretInfo, s3

SECRET = "s3-secret"


def ref(name: str, key: str | None = None) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": SECRET, "key": key or name}}}


def val(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}


def info(keys: tuple[str, ...] = (), **annotations: str) -> SecretInfo:
    return SecretInfo("default", SECRET, frozenset(keys), annotations)


KEY_REFS = [
    ref("AWS_ACCESS_KEY_ID", "awsAccessKeyID"),
    ref("AWS_SECRET_ACCESS_KEY", "awsSecretAccessKey"),
]
EP = s3.ENDPOINT_ANNOTATION
HTTPS = s3.USE_HTTPS_ANNOTATION
SSL = s3.VERIFY_SSL_ANNOTATION
ANON = s3.USE_ANONYMOUS_CREDENTIAL_ANNOTATION
DATA_ENDPOINT = [ref("S3_ENDPOINT"), val("AWS_ENDPOINT_URL", "https://$(S3_ENDPOINT)")]


@pytest.mark.parametrize(
    ("config", "secret", "expected"),
    [
        (
            S3Config(),
            info(**{EP: "s3.aws.com"}),
            [
                *KEY_REFS,
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "https://s3.aws.com"),
            ],
        ),
        (S3Config(), info(("S3_ENDPOINT",)), [*KEY_REFS, *DATA_ENDPOINT]),
        (
            S3Config(),
            info(**{EP: "s3.aws.com", HTTPS: "0", SSL: "0"}),
            [
                *KEY_REFS,
                val("S3_USE_HTTPS", "0"),
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "http://s3.aws.com"),
                val("S3_VERIFY_SSL", "0"),
            ],
        ),
        (
            S3Config(),
            info(("S3_ENDPOINT", "S3_USE_HTTPS", "S3_VERIFY_SSL")),
            [*KEY_REFS, ref("S3_USE_HTTPS"), *DATA_ENDPOINT, ref("S3_VERIFY_SSL")],
        ),
        (
            S3Config(),
            info(**{EP: "https://s3.aws.com", HTTPS: "0", SSL: "1"}),
            [
                *KEY_REFS,
                val("S3_USE_HTTPS", "1"),
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "https://s3.aws.com"),
                val("S3_VERIFY_SSL", "1"),
            ],
        ),
        (
            S3Config(),
            info(("S3_ENDPOINT", "S3_USE_HTTPS", "S3_VERIFY_SSL")),
            [*KEY_REFS, ref("S3_USE_HTTPS"), *DATA_ENDPOINT, ref("S3_VERIFY_SSL")],
        ),
        (
            S3Config(),
            info(**{EP: "s3.aws.com", ANON: "true"}),
            [
                *KEY_REFS,
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "https://s3.aws.com"),
                val("awsAnonymousCredential", "true"),
            ],
        ),
        (
            S3Config(),
            info(("S3_ENDPOINT", "awsAnonymousCredential")),
            [*KEY_REFS, *DATA_ENDPOINT, ref("awsAnonymousCredential")],
        ),
        (
            S3Config(
                s3_access_key_id_name="test-keyId",
                s3_secret_access_key_name="test-access-key",
                s3_use_https="0",
                s3_endpoint="s3.aws.com",
            ),
            info(),
            [
                ref("AWS_ACCESS_KEY_ID", "test-keyId"),
                ref("AWS_SECRET_ACCESS_KEY", "test-access-key"),
                val("S3_USE_HTTPS", "0"),
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "http://s3.aws.com"),
            ],
        ),
        (
            S3Config(
                s3_access_key_id_name="test-keyId",
                s3_secret_access_key_name="test-access-key",
                s3_use_https="1",
                s3_endpoint="http://s3.aws.com",
            ),
            info(),
            [
                ref("AWS_ACCESS_KEY_ID", "test-keyId"),
                ref("AWS_SECRET_ACCESS_KEY", "test-access-key"),
                val("S3_USE_HTTPS", "0"),
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "http://s3.aws.com"),
            ],
        ),
    ],
    ids=[
        "S3SecretAnnotationEnvs",
        "S3SecretDataEnvs GitOps",
        "S3SecretAnnotationHttpsOverrideEnvs",
        "S3SecretDataHttpsOverrideEnvs GitOps",
        "S3SecretAnnotationEndpointWithProtocol",
        "S3SecretDataEndpointWithProtocol GitOps",
        "S3SecretAnnotationEnvsWithAnonymousCredentials",
        "S3SecretDataEnvsWithAnonymousCredentials GitOps",
        "S3Config",
        "S3ConfigWithProtocol",
    ],
)
def test_s3_secret(config: S3Config, secret: SecretInfo, expected: list[dict[str, Any]]) -> None:
    envs, warnings = s3.build_secret_envs(secret, config)
    assert envs == expected
    assert bool(warnings) == secret.has("S3_ENDPOINT")


@pytest.mark.parametrize(
    ("config", "annotations", "expected"),
    [
        (S3Config(), {}, []),
        (
            S3Config(),
            {EP: "s3.aws.com"},
            [val("S3_ENDPOINT", "s3.aws.com"), val("AWS_ENDPOINT_URL", "https://s3.aws.com")],
        ),
        (
            S3Config(),
            {EP: "s3.aws.com", HTTPS: "0", SSL: "0"},
            [
                val("S3_USE_HTTPS", "0"),
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "http://s3.aws.com"),
                val("S3_VERIFY_SSL", "0"),
            ],
        ),
        (
            S3Config(),
            {EP: "https://s3.aws.com", HTTPS: "0", SSL: "1"},
            [
                val("S3_USE_HTTPS", "1"),
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "https://s3.aws.com"),
                val("S3_VERIFY_SSL", "1"),
            ],
        ),
        (
            S3Config(),
            {EP: "http://s3.aws.com", HTTPS: "1", SSL: "0"},
            [
                val("S3_USE_HTTPS", "0"),
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "http://s3.aws.com"),
                val("S3_VERIFY_SSL", "0"),
            ],
        ),
        (
            S3Config(),
            {EP: "s3.aws.com", ANON: "true"},
            [
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "https://s3.aws.com"),
                val("awsAnonymousCredential", "true"),
            ],
        ),
        (
            S3Config(
                s3_use_https="0", s3_endpoint="s3.aws.com", s3_use_anonymous_credential="true"
            ),
            {},
            [
                val("S3_USE_HTTPS", "0"),
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "http://s3.aws.com"),
                val("awsAnonymousCredential", "true"),
            ],
        ),
    ],
    ids=[
        "NoConfig",
        "S3Endpoint",
        "S3HttpsOverrideEnvs",
        "S3EndpointWithHttpsProtocol",
        "S3EndpointWithHttpProtocol",
        "S3EnvsWithAnonymousCredentials",
        "S3Config",
    ],
)
def test_s3_service_account(
    config: S3Config, annotations: dict[str, str], expected: list[dict[str, Any]]
) -> None:
    assert s3.build_service_account_envs(annotations, config) == expected


ALL_ANNOTATIONS = {
    EP: "s3.aws.com",
    s3.REGION_ANNOTATION: "us-east-2",
    SSL: "0",
    HTTPS: "0",
    s3.USE_VIRTUAL_BUCKET_ANNOTATION: "true",
    s3.USE_ACCELERATE_ANNOTATION: "true",
    ANON: "true",
    s3.CA_BUNDLE_ANNOTATION: "value",
    s3.CA_BUNDLE_CONFIGMAP_ANNOTATION: "value",
}
ALL_VALUES = [
    val("S3_USE_HTTPS", "0"),
    val("S3_ENDPOINT", "s3.aws.com"),
    val("AWS_ENDPOINT_URL", "http://s3.aws.com"),
    val("S3_VERIFY_SSL", "0"),
    val("awsAnonymousCredential", "true"),
    val("AWS_DEFAULT_REGION", "us-east-2"),
    val("S3_USER_VIRTUAL_BUCKET", "true"),
    val("S3_USE_ACCELERATE", "true"),
    val("AWS_CA_BUNDLE", "value"),
    val("AWS_CA_BUNDLE_CONFIGMAP", "value"),
]
ALL_DATA_KEYS = (
    "S3_USE_HTTPS", "S3_ENDPOINT", "S3_VERIFY_SSL", "awsAnonymousCredential", "AWS_DEFAULT_REGION",
    "S3_USER_VIRTUAL_BUCKET", "S3_USE_ACCELERATE", "AWS_CA_BUNDLE", "AWS_CA_BUNDLE_CONFIGMAP",
)  # fmt: skip
ALL_CONFIG = S3Config(
    s3_endpoint="s3.aws.com",
    s3_use_https="0",
    s3_region="us-east-2",
    s3_verify_ssl="0",
    s3_use_virtual_bucket="true",
    s3_use_accelerate="true",
    s3_use_anonymous_credential="true",
    s3_ca_bundle_config_map="value",
    s3_ca_bundle="value",
)
OTHER_CONFIG = S3Config(
    s3_endpoint="s3.aws.com-config",
    s3_region="us-east-2-config",
    s3_verify_ssl="1",
    s3_use_virtual_bucket="false",
    s3_use_accelerate="false",
    s3_use_anonymous_credential="false",
    s3_ca_bundle_config_map="value-config",
    s3_ca_bundle="value-config",
)
LOCAL_CONFIG = S3Config(
    s3_endpoint="s3.aws.com-config",
    s3_use_virtual_bucket="false",
    s3_use_accelerate="false",
    s3_use_anonymous_credential="false",
    s3_ca_bundle_config_map="value-config",
    s3_ca_bundle="value-config",
)
LOCAL_TAIL = [
    val("awsAnonymousCredential", "false"),
    val("S3_USER_VIRTUAL_BUCKET", "false"),
    val("S3_USE_ACCELERATE", "false"),
    val("AWS_CA_BUNDLE", "value-config"),
    val("AWS_CA_BUNDLE_CONFIGMAP", "value-config"),
]
SIMPLE_REFS = [
    ref("S3_VERIFY_SSL"), ref("awsAnonymousCredential"), ref("AWS_DEFAULT_REGION"),
    ref("S3_USER_VIRTUAL_BUCKET"), ref("S3_USE_ACCELERATE"), ref("AWS_CA_BUNDLE"),
    ref("AWS_CA_BUNDLE_CONFIGMAP"),
]  # fmt: skip
LOCAL_DATA = [ref("S3_USE_HTTPS"), *DATA_ENDPOINT, *LOCAL_TAIL]


@pytest.mark.parametrize(
    ("annotations", "keys", "config", "expected"),
    [
        (
            {EP: "s3.aws.com"},
            (),
            S3Config(),
            [val("S3_ENDPOINT", "s3.aws.com"), val("AWS_ENDPOINT_URL", "https://s3.aws.com")],
        ),
        (ALL_ANNOTATIONS, (), S3Config(), ALL_VALUES),
        ({}, ALL_DATA_KEYS, S3Config(), [ref("S3_USE_HTTPS"), *DATA_ENDPOINT, *SIMPLE_REFS]),
        ({}, (), ALL_CONFIG, ALL_VALUES),
        (
            {
                EP: "s3.aws.com-annotation",
                s3.REGION_ANNOTATION: "us-east-2-annotation",
                SSL: "0",
                s3.USE_VIRTUAL_BUCKET_ANNOTATION: "true",
                s3.USE_ACCELERATE_ANNOTATION: "true",
                ANON: "true",
                s3.CA_BUNDLE_ANNOTATION: "value-annotation",
                s3.CA_BUNDLE_CONFIGMAP_ANNOTATION: "value-annotation",
            },
            ALL_DATA_KEYS[1:],
            OTHER_CONFIG,
            [
                val("S3_ENDPOINT", "s3.aws.com-annotation"),
                val("AWS_ENDPOINT_URL", "https://s3.aws.com-annotation"),
                val("S3_VERIFY_SSL", "0"),
                val("awsAnonymousCredential", "true"),
                val("AWS_DEFAULT_REGION", "us-east-2-annotation"),
                val("S3_USER_VIRTUAL_BUCKET", "true"),
                val("S3_USE_ACCELERATE", "true"),
                val("AWS_CA_BUNDLE", "value-annotation"),
                val("AWS_CA_BUNDLE_CONFIGMAP", "value-annotation"),
            ],
        ),
        ({}, ALL_DATA_KEYS[1:], OTHER_CONFIG, [*DATA_ENDPOINT, *SIMPLE_REFS]),
        ({}, ("S3_ENDPOINT", "S3_USE_HTTPS"), LOCAL_CONFIG, LOCAL_DATA),
        ({}, ("S3_ENDPOINT", "S3_USE_HTTPS"), LOCAL_CONFIG, LOCAL_DATA),
        ({}, ("S3_ENDPOINT", "S3_USE_HTTPS"), LOCAL_CONFIG, LOCAL_DATA),
        ({}, ("S3_ENDPOINT", "S3_USE_HTTPS"), LOCAL_CONFIG, LOCAL_DATA),
        (
            {EP: "https://s3.aws.com", SSL: "1", HTTPS: "0"},
            (),
            S3Config(),
            [
                val("S3_USE_HTTPS", "1"),
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "https://s3.aws.com"),
                val("S3_VERIFY_SSL", "1"),
            ],
        ),
        (
            {EP: "http://s3.aws.com", SSL: "0", HTTPS: "1"},
            (),
            S3Config(),
            [
                val("S3_USE_HTTPS", "0"),
                val("S3_ENDPOINT", "s3.aws.com"),
                val("AWS_ENDPOINT_URL", "http://s3.aws.com"),
                val("S3_VERIFY_SSL", "0"),
            ],
        ),
    ],
    ids=[
        "S3Endpoint",
        "AllAnnotations",
        "AllSecret GitOps",
        "AllS3Config",
        "AnnotationsSecretAndS3Config",
        "SecretAndS3Config GitOps",
        "LocalWithHttpProtocol GitOps",
        "LocalWithoutHttpProtocol GitOps",
        "LocalWithHttpsProtocol GitOps",
        "LocalWithoutHttpsProtocol GitOps",
        "EndpointWithHttpsProtocol",
        "EndpointWithHttpProtocol",
    ],
)
def test_build_s3_env_vars(
    annotations: dict[str, str],
    keys: tuple[str, ...],
    config: S3Config,
    expected: list[dict[str, Any]],
) -> None:
    secret = info(keys) if keys else None
    envs, _ = s3.build_s3_env_vars(annotations, secret, config)
    assert envs == expected


def test_use_https_from_data_key_with_known_endpoint_warns() -> None:
    envs, warnings = s3.build_s3_env_vars({EP: "minio:9000"}, info(("S3_USE_HTTPS",)), S3Config())
    assert envs == [
        ref("S3_USE_HTTPS"),
        val("S3_ENDPOINT", "minio:9000"),
        val("AWS_ENDPOINT_URL", "https://minio:9000"),
    ]
    assert warnings and "S3_USE_HTTPS is a data key" in warnings[0]
