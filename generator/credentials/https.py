"""HTTP(S) credentials: request headers for one host.

Ports KServe v0.20.0 `pkg/credentials/https/https_secret.go` (`BuildSecretEnvs`): env
`<https-host>-headers` carrying the `headers` value.

# GitOps: KServe copies both values; here the variable's value is a secretKeyRef to `headers`,
and its name needs `https-host` in clear text, taken only from the Secret's `stringData`
(the porting reference's one allowed read). Without it the variable is skipped with a warning.
"""

from __future__ import annotations

from typing import Any

from generator.credentials.sources import HTTPS_HOST_KEY, SecretInfo, secret_key_ref_env

HTTPS_HOST = HTTPS_HOST_KEY
HEADERS = "headers"
HEADERS_SUFFIX = "-" + HEADERS


def build_secret_envs(secret: SecretInfo) -> tuple[list[dict[str, Any]], list[str]]:
    """Port of `https.BuildSecretEnvs`: the headers env (or nothing), and warnings."""
    if not secret.has(HTTPS_HOST) or not secret.has(HEADERS):
        return [], []
    if secret.https_host is None:
        return [], [
            f"{secret.describe()}: key {HTTPS_HOST} is set but its value is not readable "
            f"(only stringData.{HTTPS_HOST} of a Secret is read), so the "
            f"<host>{HEADERS_SUFFIX} variable is not added"
        ]
    name = secret.https_host + HEADERS_SUFFIX
    return [secret_key_ref_env(name, secret.name, HEADERS)], []
