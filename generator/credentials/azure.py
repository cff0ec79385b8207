"""Azure credentials: service-principal, access-token and storage-key variables.

Ports KServe v0.20.0 `pkg/credentials/azure/azure_secret.go` (`BuildSecretEnvs`,
`BuildStorageAccessKeySecretEnv`). Every variable is a secretKeyRef; a legacy `AZ_*` key wins
over its `AZURE_*` name, and a variable whose key is absent is still emitted unless its key
is in the ignore-if-absent list (which lacks the tenant id, so `AZURE_TENANT_ID` always is).
"""

from __future__ import annotations

from typing import Any

from generator.credentials.sources import SecretInfo, secret_key_ref_env

AZURE_STORAGE_ACCESS_KEY = "AZURE_STORAGE_ACCESS_KEY"
LEGACY_AZURE_SUBSCRIPTION_ID = "AZ_SUBSCRIPTION_ID"
LEGACY_AZURE_TENANT_ID = "AZ_TENANT_ID"
LEGACY_AZURE_CLIENT_ID = "AZ_CLIENT_ID"
LEGACY_AZURE_CLIENT_SECRET = "AZ_CLIENT_SECRET"
AZURE_SUBSCRIPTION_ID = "AZURE_SUBSCRIPTION_ID"
AZURE_TENANT_ID = "AZURE_TENANT_ID"
AZURE_CLIENT_ID = "AZURE_CLIENT_ID"
AZURE_CLIENT_SECRET = "AZURE_CLIENT_SECRET"
AZURE_ACCESS_TOKEN = "AZURE_ACCESS_TOKEN"
AZURE_ACCESS_TOKEN_EXPIRES_ON_SECONDS = "AZURE_ACCESS_EXPIRES_ON_SECONDS"
AZURE_ACCOUNT_NAME = "AZURE_ACCOUNT_NAME"
AZURE_SERVICE_URL = "AZURE_SERVICE_URL"

AZURE_ENV_KEYS = (
    AZURE_SUBSCRIPTION_ID,
    AZURE_TENANT_ID,
    AZURE_CLIENT_ID,
    AZURE_CLIENT_SECRET,
    AZURE_STORAGE_ACCESS_KEY,
    AZURE_ACCESS_TOKEN,
    AZURE_ACCESS_TOKEN_EXPIRES_ON_SECONDS,
    AZURE_ACCOUNT_NAME,
    AZURE_SERVICE_URL,
)
LEGACY_AZURE_ENV_KEY_MAPPINGS = {
    AZURE_SUBSCRIPTION_ID: LEGACY_AZURE_SUBSCRIPTION_ID,
    AZURE_TENANT_ID: LEGACY_AZURE_TENANT_ID,
    AZURE_CLIENT_ID: LEGACY_AZURE_CLIENT_ID,
    AZURE_CLIENT_SECRET: LEGACY_AZURE_CLIENT_SECRET,
}
EMPTY_KEYS_TO_IGNORE = frozenset(
    {
        AZURE_CLIENT_ID,
        AZURE_CLIENT_SECRET,
        AZURE_SUBSCRIPTION_ID,
        AZURE_STORAGE_ACCESS_KEY,
        AZURE_ACCESS_TOKEN,
        AZURE_ACCESS_TOKEN_EXPIRES_ON_SECONDS,
        AZURE_ACCOUNT_NAME,
        AZURE_SERVICE_URL,
    }
)


def build_secret_envs(secret: SecretInfo) -> list[dict[str, Any]]:
    """Port of `azure.BuildSecretEnvs`."""
    envs = []
    for env_name in AZURE_ENV_KEYS:
        legacy = LEGACY_AZURE_ENV_KEY_MAPPINGS.get(env_name)
        key = legacy if legacy is not None and secret.has(legacy) else env_name
        if secret.has(key) or key not in EMPTY_KEYS_TO_IGNORE:
            envs.append(secret_key_ref_env(env_name, secret.name, key))
    return envs


def build_storage_access_key_secret_env(secret: SecretInfo) -> list[dict[str, Any]]:
    """Port of `BuildStorageAccessKeySecretEnv`."""
    return [secret_key_ref_env(AZURE_STORAGE_ACCESS_KEY, secret.name, AZURE_STORAGE_ACCESS_KEY)]
