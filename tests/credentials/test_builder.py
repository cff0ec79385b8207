"""The credential builder (pkg/credentials/service_account_credentials.go).

Ported from KServe v0.20.0 `pkg/credentials/service_account_credentials_test.go`; one test per Go
test, ids are the Go scenario keys. Scenarios whose KServe result depends on a Secret *value*
assert the GitOps result instead (secretKeyRef, or an error asking for `storage.parameters`)
and say so in their id.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from generator.config.pod_configs import CredentialConfig
from generator.credentials import CredentialBuilder, CredentialError, SecretIndex
from generator.credentials.builder import merge_envs

CONFIG = CredentialConfig.from_json(
    """{
        "storageSecretNameAnnotation": "serving.kserve.io/storageSecretName",
        "storageSpecSecretName": "storage-secret",
        "gcs": {"gcsCredentialFileName": "gcloud-application-credentials.json"},
        "s3": {
            "s3AccessKeyIDName": "awsAccessKeyID",
            "s3SecretAccessKeyName": "awsSecretAccessKey",
            "s3Endpoint": "s3.amazonaws.com",
            "s3UseHttps": "1",
            "s3Region": "us-east-2",
            "s3VerifySSL": "1",
            "s3UseVirtualBucket": "",
            "s3UseAnonymousCredential": "false",
            "s3CABundleConfigMap": "",
            "s3CABundle": ""
        }
    }"""
)
ENDPOINT = "serving.kserve.io/s3-endpoint"
VERIFY_SSL = "serving.kserve.io/s3-verifyssl"
STORAGE_SECRET_NAME = "serving.kserve.io/storageSecretName"


def sa(name: str, *secrets: str, **annotations: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": name, "namespace": "default", "annotations": annotations},
        "secrets": [{"name": s, "namespace": "default"} for s in secrets],
    }


def secret(name: str, keys: dict[str, str], **annotations: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "default", "annotations": annotations},
        "data": keys,
    }


def ref(name: str, secret_name: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}


def val(name: str, value: str) -> dict[str, str]:
    return {"name": name, "value": value}


def build(
    objects: list[dict[str, Any]], account: str, annotations: dict[str, str] | None = None
) -> tuple[dict[str, Any], list[dict[str, Any]], list[str]]:
    builder = CredentialBuilder(CONFIG, SecretIndex.from_objects(objects))
    container: dict[str, Any] = {}
    volumes: list[dict[str, Any]] = []
    warnings = builder.create_secret_volume_and_env(
        "default", annotations, account, container, volumes
    )
    return container, volumes, warnings


S3_KEYS = {"awsAccessKeyID": "", "awsSecretAccessKey": ""}


def s3_refs(secret_name: str) -> list[dict[str, Any]]:
    return [
        ref("AWS_ACCESS_KEY_ID", secret_name, "awsAccessKeyID"),
        ref("AWS_SECRET_ACCESS_KEY", secret_name, "awsSecretAccessKey"),
    ]


TAIL = [val("awsAnonymousCredential", "false"), val("AWS_DEFAULT_REGION", "us-east-2")]
HTTPS_ENDPOINT = [
    val("S3_USE_HTTPS", "1"),
    val("S3_ENDPOINT", "s3.aws.com"),
    val("AWS_ENDPOINT_URL", "https://s3.aws.com"),
    val("S3_VERIFY_SSL", "1"),
    *TAIL,
]
HTTP_ENDPOINT = [
    val("S3_USE_HTTPS", "0"),
    val("S3_ENDPOINT", "s3.aws.com"),
    val("AWS_ENDPOINT_URL", "http://s3.aws.com"),
    val("S3_VERIFY_SSL", "0"),
    *TAIL,
]
S3_OBJECTS = {
    "plain": [sa("default", "s3-secret"), secret("s3-secret", S3_KEYS, **{ENDPOINT: "s3.aws.com"})],
    "protocol": [
        sa("default-with-protocol", "s3-secret-with-protocol"),
        secret(
            "s3-secret-with-protocol",
            S3_KEYS,
            **{ENDPOINT: "http://s3.aws.com", VERIFY_SSL: "0"},
        ),
    ],
}


@pytest.mark.parametrize(
    ("objects", "account", "env"),
    [
        (S3_OBJECTS["plain"], "default", [*s3_refs("s3-secret"), *HTTPS_ENDPOINT]),
        (
            S3_OBJECTS["protocol"],
            "default-with-protocol",
            [*s3_refs("s3-secret-with-protocol"), *HTTP_ENDPOINT],
        ),
    ],
    ids=["Build s3 secrets envs", "Build s3 secrets envs with protocol"],
)
def test_s3_credential_builder(
    objects: list[dict[str, Any]], account: str, env: list[dict[str, Any]]
) -> None:
    container, volumes, warnings = build(objects, account)
    assert container == {"env": env}
    assert volumes == []
    assert warnings == []


# GitOps: KServe copies S3_ENDPOINT / S3_VERIFY_SSL data values; here they are secretKeyRefs,
# the endpoint is assumed to be a bare host and AWS_ENDPOINT_URL expands $(S3_ENDPOINT).
DATA_OBJECTS = {
    "plain": [
        sa("default", "s3-secret"),
        secret("s3-secret", {**S3_KEYS, "S3_ENDPOINT": "czMuYXdzLmNvbQ=="}),
    ],
    "protocol": [
        sa("default-with-protocol", "s3-secret-with-protocol"),
        secret(
            "s3-secret-with-protocol",
            {**S3_KEYS, "S3_ENDPOINT": "aHR0cDovL3MzLmF3cy5jb20=", "S3_VERIFY_SSL": "MA=="},
        ),
    ],
}


def data_env(secret_name: str, verify_ref: bool) -> list[dict[str, Any]]:
    verify = (
        ref("S3_VERIFY_SSL", secret_name, "S3_VERIFY_SSL")
        if verify_ref
        else val("S3_VERIFY_SSL", "1")
    )
    return [
        *s3_refs(secret_name),
        val("S3_USE_HTTPS", "1"),
        ref("S3_ENDPOINT", secret_name, "S3_ENDPOINT"),
        val("AWS_ENDPOINT_URL", "https://$(S3_ENDPOINT)"),
        verify,
        *TAIL,
    ]


@pytest.mark.parametrize(
    ("objects", "account", "env"),
    [
        (DATA_OBJECTS["plain"], "default", data_env("s3-secret", False)),
        (
            DATA_OBJECTS["protocol"],
            "default-with-protocol",
            data_env("s3-secret-with-protocol", True),
        ),
    ],
    ids=["Build s3 secrets data envs GitOps", "Build s3 secrets data envs with protocol GitOps"],
)
def test_s3_credential_builder_with_secret_data(
    objects: list[dict[str, Any]], account: str, env: list[dict[str, Any]]
) -> None:
    container, _, warnings = build(objects, account)
    assert container == {"env": env}
    assert len(warnings) == 1 and "S3_ENDPOINT is a data key" in warnings[0]


@pytest.mark.parametrize(
    ("objects", "account", "secret_name", "env"),
    [
        (
            [sa("default"), S3_OBJECTS["plain"][1]],
            "default",
            "s3-secret",
            [*s3_refs("s3-secret"), *HTTPS_ENDPOINT],
        ),
        (
            [sa("default-with-protocol"), S3_OBJECTS["protocol"][1]],
            "default-with-protocol",
            "s3-secret-with-protocol",
            [*s3_refs("s3-secret-with-protocol"), *HTTP_ENDPOINT],
        ),
    ],
    ids=["Build s3 secrets envs", "Build s3 secrets envs with protocol"],
)
def test_s3_credential_builder_with_storage_secret(
    objects: list[dict[str, Any]], account: str, secret_name: str, env: list[dict[str, Any]]
) -> None:
    container, _, warnings = build(objects, account, {STORAGE_SECRET_NAME: secret_name})
    assert container == {"env": env}
    assert warnings == []


@pytest.mark.parametrize(
    ("objects", "account", "secret_name", "env"),
    [
        (
            [sa("default"), DATA_OBJECTS["plain"][1]],
            "default",
            "s3-secret",
            data_env("s3-secret", False),
        ),
        (
            [sa("default-with-protocol"), DATA_OBJECTS["protocol"][1]],
            "default-with-protocol",
            "s3-secret-with-protocol",
            data_env("s3-secret-with-protocol", True),
        ),
    ],
    ids=["Build s3 secret data envs GitOps", "Build s3 secret data envs with protocol GitOps"],
)
def test_s3_credential_builder_with_storage_secret_data(
    objects: list[dict[str, Any]], account: str, secret_name: str, env: list[dict[str, Any]]
) -> None:
    container, _, _ = build(objects, account, {STORAGE_SECRET_NAME: secret_name})
    assert container == {"env": env}


IRSA = "eks.amazonaws.com/role-arn"
ROLE = "arn:aws:iam::123456789012:role/s3access"


@pytest.mark.parametrize(
    ("account", "env"),
    [
        (
            sa(
                "default",
                **{
                    ENDPOINT: "s3.aws.com",
                    "serving.kserve.io/s3-useanoncredential": "true",
                    IRSA: ROLE,
                },
            ),
            [
                *HTTPS_ENDPOINT[:4],
                val("awsAnonymousCredential", "true"),
                val("AWS_DEFAULT_REGION", "us-east-2"),
            ],
        ),
        (
            sa(
                "default-with-protocol",
                **{
                    ENDPOINT: "http://s3.aws.com",
                    "serving.kserve.io/s3-useanoncredential": "true",
                    IRSA: ROLE,
                    VERIFY_SSL: "0",
                },
            ),
            [
                *HTTP_ENDPOINT[:4],
                val("awsAnonymousCredential", "true"),
                val("AWS_DEFAULT_REGION", "us-east-2"),
            ],
        ),
    ],
    ids=["Build s3 service account envs", "Build s3 service account envs with protocol"],
)
def test_s3_service_account_credential_builder(
    account: dict[str, Any], env: list[dict[str, Any]]
) -> None:
    container, _, warnings = build([account], account["metadata"]["name"])
    assert container == {"env": env}
    assert warnings == []


def test_gcs_credential_builder() -> None:
    objects = [
        sa("default", "user-gcp-sa"),
        secret("user-gcp-sa", {"gcloud-application-credentials.json": ""}),
    ]
    container, volumes, _ = build(objects, "default")
    assert container == {
        "volumeMounts": [{"name": "user-gcp-sa", "readOnly": True, "mountPath": "/var/secrets/"}],
        "env": [
            val(
                "GOOGLE_APPLICATION_CREDENTIALS", "/var/secrets/gcloud-application-credentials.json"
            )
        ],
    }
    assert volumes == [{"name": "user-gcp-sa", "secret": {"secretName": "user-gcp-sa"}}]


def test_legacy_azure_credential_builder() -> None:
    keys = {
        "AZ_SUBSCRIPTION_ID": "",
        "AZ_TENANT_ID": "",
        "AZ_CLIENT_ID": "",
        "AZ_CLIENT_SECRET": "",
    }
    objects = [sa("custom-sa", "az-custom-secret"), secret("az-custom-secret", keys)]
    container, _, _ = build(objects, "custom-sa")
    assert container == {
        "env": [
            ref("AZURE_SUBSCRIPTION_ID", "az-custom-secret", "AZ_SUBSCRIPTION_ID"),
            ref("AZURE_TENANT_ID", "az-custom-secret", "AZ_TENANT_ID"),
            ref("AZURE_CLIENT_ID", "az-custom-secret", "AZ_CLIENT_ID"),
            ref("AZURE_CLIENT_SECRET", "az-custom-secret", "AZ_CLIENT_SECRET"),
        ]
    }


def test_hdfs_credential_builder() -> None:
    keys = {
        "HDFS_NAMENODE": "",
        "HDFS_ROOTPATH": "",
        "KERBEROS_PRINCIPAL": "",
        "KERBEROS_KEYTAB": "",
    }
    objects = [sa("custom-sa", "hdfs-custom-secret"), secret("hdfs-custom-secret", keys)]
    container, volumes, _ = build(objects, "custom-sa")
    assert container == {
        "volumeMounts": [
            {"name": "hdfs-secrets", "readOnly": True, "mountPath": "/var/secrets/kserve-hdfscreds"}
        ]
    }
    assert volumes == [{"name": "hdfs-secrets", "secret": {"secretName": "hdfs-custom-secret"}}]


def test_azure_credential_builder() -> None:
    names = [
        "AZURE_SUBSCRIPTION_ID",
        "AZURE_TENANT_ID",
        "AZURE_CLIENT_ID",
        "AZURE_CLIENT_SECRET",
        "AZURE_STORAGE_ACCESS_KEY",
    ]
    objects = [
        sa("custom-sa", "az-custom-secret"),
        secret("az-custom-secret", dict.fromkeys(names, "")),
    ]
    container, _, _ = build(objects, "custom-sa")
    assert container == {"env": [ref(n, "az-custom-secret", n) for n in names]}


def test_azure_storage_access_key_credential_builder() -> None:
    objects = [
        sa("custom-sa", "az-custom-secret"),
        secret("az-custom-secret", {"AZURE_STORAGE_ACCESS_KEY": ""}),
    ]
    container, _, _ = build(objects, "custom-sa")
    assert container == {
        "env": [ref("AZURE_STORAGE_ACCESS_KEY", "az-custom-secret", "AZURE_STORAGE_ACCESS_KEY")]
    }


def storage_secret(name: str, key: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "default"},
        "stringData": {key: '{"type": "s3", "bucket": "test-bucket"}'},
    }


ARGS = ["s3://test-bucket/models/", "/mnt/models/"]
PLACEHOLDER_ARGS = ["<scheme-placeholder>://models/example-model/", "/mnt/models/"]


def spec_env(key: str, override: str) -> list[dict[str, Any]]:
    return [ref("STORAGE_CONFIG", "storage-secret", key), val("STORAGE_OVERRIDE_CONFIG", override)]


@pytest.mark.parametrize(
    ("secret_obj", "key", "params", "args", "expected"),
    [
        (storage_secret("test-secret", "x"), "", {}, ARGS, "unable to determine storage type"),
        # GitOps: KServe reads the type from the Secret value when the parameters give none.
        (
            storage_secret("storage-secret", "minio"),
            "minio",
            {"type": "", "bucket": ""},
            ARGS,
            "unable to determine storage type",
        ),
        (
            storage_secret("storage-secret", "minio"),
            "minio",
            {"type": "s3", "bucket": "test-bucket"},
            ARGS,
            (ARGS, spec_env("minio", '{"bucket":"test-bucket","type":"s3"}')),
        ),
        (
            storage_secret("storage-secret", "minio"),
            "wrong-key",
            {"type": "s3", "bucket": "test-bucket"},
            ARGS,
            "not found",
        ),
        (
            storage_secret("storage-secret", "default_s3"),
            "",
            {"type": "s3", "bucket": "test-bucket"},
            ARGS,
            (ARGS, spec_env("default_s3", '{"bucket":"test-bucket","type":"s3"}')),
        ),
        (
            storage_secret("storage-secret", "default"),
            "",
            {"type": "", "bucket": "test-bucket"},
            ARGS,
            "unable to determine storage type",
        ),
        (
            storage_secret("storage-secret", "minio"),
            "minio",
            {"type": "s3", "bucket": "test-bucket"},
            PLACEHOLDER_ARGS,
            (
                ["s3://test-bucket/models/example-model/", "/mnt/models/"],
                spec_env("minio", '{"bucket":"test-bucket","type":"s3"}'),
            ),
        ),
        (
            storage_secret("storage-secret", "hdfs"),
            "hdfs",
            {"type": "hdfs", "bucket": ""},
            PLACEHOLDER_ARGS,
            (
                ["hdfs://models/example-model/", "/mnt/models/"],
                spec_env("hdfs", '{"bucket":"","type":"hdfs"}'),
            ),
        ),
        (
            storage_secret("storage-secret", "minio"),
            "minio",
            {"type": "", "bucket": "test-bucket"},
            ARGS,
            "unable to determine storage type",
        ),
        (
            storage_secret("storage-secret", "minio"),
            "minio",
            {"type": "", "bucket": "test-bucket"},
            ARGS,
            "unable to determine storage type",
        ),
        (
            storage_secret("storage-secret", "minio"),
            "minio",
            {"type": "", "bucket": "test-bucket"},
            ARGS,
            "unable to determine storage type",
        ),
        (
            storage_secret("storage-secret", "minio"),
            "minio",
            {"type": "s3", "bucket": ""},
            PLACEHOLDER_ARGS,
            "requires a bucket",
        ),
    ],
    ids=[
        "fail on storage secret name is empty",
        "storage spec with empty override params GitOps",
        "simple storage spec",
        "wrong storage key",
        "default storage key",
        "default storage key with empty storage type GitOps",
        "storage spec with uri scheme placeholder",
        "hdfs with uri scheme placeholder",
        "unsupported storage type",
        "secret data with syntax error",
        "fail on storage type is empty",
        "fail on bucket is empty on s3 storage",
    ],
)
def test_credential_builder_create_storage_spec_secret_envs(
    secret_obj: dict[str, Any],
    key: str,
    params: dict[str, str],
    args: list[str],
    expected: str | tuple[list[str], list[dict[str, Any]]],
) -> None:
    builder = CredentialBuilder(CONFIG, SecretIndex.from_objects([secret_obj]))
    container: dict[str, Any] = {
        "name": "init-container",
        "image": "kserve/init-container:latest",
        "args": list(args),
    }
    if isinstance(expected, str):
        with pytest.raises(CredentialError, match=expected):
            builder.create_storage_spec_secret_envs("default", None, key, params, container)
        return
    builder.create_storage_spec_secret_envs("default", None, key, params, container)
    assert container == {
        "name": "init-container",
        "image": "kserve/init-container:latest",
        "args": expected[0],
        "env": expected[1],
    }


def test_absent_service_account_warns_but_default_does_not() -> None:
    assert build([], "default") == ({}, [], [])
    container, _, warnings = build([], "sa")
    assert container == {}
    assert warnings == [
        "ServiceAccount default/sa (for storage credentials) is not in the input set; rendered as "
        "if it has no secrets; add it to the input set to render what KServe would"
    ]


def test_absent_secret_warns() -> None:
    container, _, warnings = build([sa("default", "missing")], "default")
    assert container == {}
    assert warnings and "Secret default/missing" in warnings[0]


def test_absent_storage_secret_with_key_assumes_it_exists() -> None:
    builder = CredentialBuilder(CONFIG, SecretIndex())
    container: dict[str, Any] = {"args": ["s3://b/m", "/mnt/models"]}
    warnings = builder.create_storage_spec_secret_envs(
        "default", None, "minio", {"type": "s3"}, container
    )
    assert container["env"] == [
        ref("STORAGE_CONFIG", "storage-secret", "minio"),
        val("STORAGE_OVERRIDE_CONFIG", '{"type":"s3"}'),
    ]
    assert warnings and "exists with key minio" in warnings[0]


def test_merge_envs() -> None:
    base = [val("A", "1"), ref("S3_ENDPOINT", "x", "S3_ENDPOINT"), val("S3_VERIFY_SSL", "1")]
    merged = merge_envs(
        copy.deepcopy(base),
        [
            val("A", "2"),
            val("S3_ENDPOINT", "h"),
            ref("S3_VERIFY_SSL", "s", "S3_VERIFY_SSL"),
            val("B", "3"),
        ],
    )
    # MergeEnvs copies only the value (a valueFrom stays); a GitOps S3 stand-in replaces it.
    assert merged == [
        val("A", "2"),
        {
            "name": "S3_ENDPOINT",
            "value": "h",
            "valueFrom": {"secretKeyRef": {"name": "x", "key": "S3_ENDPOINT"}},
        },
        ref("S3_VERIFY_SSL", "s", "S3_VERIFY_SSL"),
        val("B", "3"),
    ]
