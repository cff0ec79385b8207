"""Azure credential env (pkg/credentials/azure/azure_secret.go).

Ported from KServe v0.20.0 `azure_secret_test.go` (`TestAzureSecret`,
`TestAzureStrorageAccessSecret`).
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.credentials import SecretInfo, azure

SUB, TENANT, CLIENT, SECRET = (
    "AZURE_SUBSCRIPTION_ID",
    "AZURE_TENANT_ID",
    "AZURE_CLIENT_ID",
    "AZURE_CLIENT_SECRET",
)
KEY = "AZURE_STORAGE_ACCESS_KEY"


def ref(name: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": "azcreds", "key": name}}}


@pytest.mark.parametrize(
    ("keys", "expected"),
    [
        ((SUB, TENANT, CLIENT, SECRET), [SUB, TENANT, CLIENT, SECRET]),
        ((SUB, TENANT, CLIENT, KEY), [SUB, TENANT, CLIENT, KEY]),
        ((SUB, TENANT, CLIENT, SECRET, KEY), [SUB, TENANT, CLIENT, SECRET, KEY]),
        ((SUB, TENANT, CLIENT, KEY), [SUB, TENANT, CLIENT, KEY]),
        ((SUB, TENANT, CLIENT, SECRET), [SUB, TENANT, CLIENT, SECRET]),
        ((SUB, TENANT, CLIENT), [SUB, TENANT, CLIENT]),
    ],
    ids=[
        "AzureSecretEnvsWithClientSecret",
        "AzureSecretEnvsWithStorageAccessKey",
        "AzureSecretEnvsWithClientSecretAndStorageAccessKey",
        "AzureSecretEnvsWithoutClientSecret",
        "AzureSecretEnvsWithoutStorageAccessKey",
        "AzureSecretEnvsWithoutClientSecretAndStorageAccessKey",
    ],
)
def test_azure_secret(keys: tuple[str, ...], expected: list[str]) -> None:
    secret = SecretInfo("default", "azcreds", frozenset(keys))
    assert azure.build_secret_envs(secret) == [ref(n) for n in expected]


def test_azure_tenant_id_is_always_emitted() -> None:
    """`AZURE_TENANT_ID` is not in the ignore-if-absent list (porting reference §7b)."""
    secret = SecretInfo("default", "azcreds", frozenset({"AZURE_ACCESS_TOKEN"}))
    assert azure.build_secret_envs(secret) == [ref(TENANT), ref("AZURE_ACCESS_TOKEN")]


@pytest.mark.parametrize("secret", [SecretInfo("default", "azcreds")], ids=["AzureSecretEnvs"])
def test_azure_strorage_access_secret(secret: SecretInfo) -> None:
    assert azure.build_storage_access_key_secret_env(secret) == [ref(KEY)]
