"""The SecretIndex: key names and annotations from Secrets, SealedSecrets, ExternalSecrets.

No KServe test: this is the GitOps input side of `pkg/credentials` (see the porting reference's
"Generator rule for credentials"). Values are never kept.
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.credentials import SecretIndex, SecretInfo, ServiceAccountInfo

PLAIN = {
    "apiVersion": "v1",
    "kind": "Secret",
    "metadata": {"name": "s3", "namespace": "ns", "annotations": {"a": "1"}},
    "data": {"AWS_ACCESS_KEY_ID": "QUtJQQ=="},
    "stringData": {"https-host": "example.com", "headers": "x: y"},
}
SEALED = {
    "apiVersion": "bitnami.com/v1alpha1",
    "kind": "SealedSecret",
    "metadata": {"name": "sealed", "namespace": "ns"},
    "spec": {
        "encryptedData": {"AWS_SECRET_ACCESS_KEY": "AgBy3i4OJSWK+PiTySYZZA=="},
        "template": {"metadata": {"name": "s3-sealed", "annotations": {"b": "2"}}},
    },
}


def external(api_version: str, **spec: Any) -> dict[str, Any]:
    return {
        "apiVersion": api_version,
        "kind": "ExternalSecret",
        "metadata": {"name": "ext", "namespace": "ns"},
        "spec": spec,
    }


@pytest.mark.parametrize(
    ("obj", "key", "expected"),
    [
        (
            PLAIN,
            ("ns", "s3"),
            SecretInfo(
                "ns",
                "s3",
                frozenset({"AWS_ACCESS_KEY_ID", "https-host", "headers"}),
                {"a": "1"},
                https_host="example.com",
            ),
        ),
        (
            SEALED,
            ("ns", "s3-sealed"),
            SecretInfo(
                "ns",
                "s3-sealed",
                frozenset({"AWS_SECRET_ACCESS_KEY"}),
                {"b": "2"},
                ("SealedSecret",),
            ),
        ),
        (
            external(
                "external-secrets.io/v1beta1",
                data=[{"secretKey": "HF_TOKEN", "remoteRef": {"key": "k"}}],
                target={"name": "hf", "template": {"metadata": {"annotations": {"c": "3"}}}},
            ),
            ("ns", "hf"),
            SecretInfo("ns", "hf", frozenset({"HF_TOKEN"}), {"c": "3"}, ("ExternalSecret",)),
        ),
        (
            external(
                "external-secrets.io/v1",
                data=[{"secretKey": "HF_TOKEN"}],
                dataFrom=[{"extract": {"key": "all"}}],
            ),
            ("ns", "ext"),
            SecretInfo(
                "ns", "ext", frozenset({"HF_TOKEN"}), {}, ("ExternalSecret",), keys_complete=False
            ),
        ),
    ],
    ids=["Secret", "SealedSecret", "ExternalSecret v1beta1", "ExternalSecret v1 with dataFrom"],
)
def test_secret_index_reads_key_names_and_annotations(
    obj: dict[str, Any], key: tuple[str, str], expected: SecretInfo
) -> None:
    index = SecretIndex.from_objects([obj])
    assert index.secret(*key) == expected


def test_secret_index_keeps_no_values() -> None:
    index = SecretIndex.from_objects([PLAIN, SEALED])
    text = repr(index)
    for value in ("QUtJQQ==", "AKIA", "x: y", "AgBy3i4OJSWK+PiTySYZZA=="):
        assert value not in text


def test_service_accounts_and_default_namespace() -> None:
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "sa", "annotations": {"eks.amazonaws.com/role-arn": "arn"}},
        "secrets": [{"name": "s3"}, {"name": "gcs"}],
    }
    index = SecretIndex.from_objects([account, {"apiVersion": "v1", "kind": "ConfigMap"}], "dflt")
    assert index.service_account("dflt", "sa") == ServiceAccountInfo(
        "dflt", "sa", {"eks.amazonaws.com/role-arn": "arn"}, ("s3", "gcs")
    )
    assert index.secrets == {}


def test_sources_for_one_secret_name_are_merged() -> None:
    placeholder = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s3-sealed", "namespace": "ns", "annotations": {"a": "1"}},
        "data": {"extra": ""},
    }
    merged = SecretIndex.from_objects([placeholder, SEALED]).secret("ns", "s3-sealed")
    assert merged == SecretInfo(
        "ns",
        "s3-sealed",
        frozenset({"extra", "AWS_SECRET_ACCESS_KEY"}),
        {"a": "1", "b": "2"},
        ("Secret", "SealedSecret"),
    )
    assert merged.describe() == "Secret ns/s3-sealed (from SealedSecret)"
