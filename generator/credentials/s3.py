"""S3 credentials: the env of an S3 Secret or an IRSA ServiceAccount.

Ports KServe v0.20.0 `pkg/credentials/s3/s3_secret.go` (`BuildSecretEnvs`),
`s3_service_account.go` (`BuildServiceAccountEnvs`) and `utils.go` (`BuildS3EnvVars`,
`getEnvValue`, `getEndpointConfiguration`). Each S3 variable comes from the first of: a
Secret/ServiceAccount annotation, a Secret data key, the `credentials.s3` config.

# GitOps: where KServe copies a Secret data *value* into a plain env `value`, the env gets
`valueFrom.secretKeyRef` to that key instead; the container sees the same value at run time and
no value reaches the output. The endpoint is the one variable whose value KServe also parses
(scheme prefix); from a data key it is assumed to be a bare host, and a warning says so.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from generator.config.pod_configs import S3Config
from generator.constants import KSERVE_API_GROUP
from generator.credentials.sources import SecretInfo, secret_key_ref_env, value_env

AWS_ACCESS_KEY_ID = "AWS_ACCESS_KEY_ID"
AWS_SECRET_ACCESS_KEY = "AWS_SECRET_ACCESS_KEY"
AWS_ACCESS_KEY_ID_NAME = "awsAccessKeyID"
AWS_SECRET_ACCESS_KEY_NAME = "awsSecretAccessKey"
AWS_ENDPOINT_URL = "AWS_ENDPOINT_URL"
AWS_REGION = "AWS_DEFAULT_REGION"
S3_ENDPOINT = "S3_ENDPOINT"
S3_USE_HTTPS = "S3_USE_HTTPS"
S3_VERIFY_SSL = "S3_VERIFY_SSL"
S3_USE_VIRTUAL_BUCKET = "S3_USER_VIRTUAL_BUCKET"  # sic, as KServe spells it
S3_USE_ACCELERATE = "S3_USE_ACCELERATE"
AWS_ANONYMOUS_CREDENTIAL = "awsAnonymousCredential"
AWS_CA_BUNDLE = "AWS_CA_BUNDLE"
AWS_CA_BUNDLE_CONFIGMAP = "AWS_CA_BUNDLE_CONFIGMAP"

ENDPOINT_ANNOTATION = KSERVE_API_GROUP + "/s3-endpoint"
REGION_ANNOTATION = KSERVE_API_GROUP + "/s3-region"
VERIFY_SSL_ANNOTATION = KSERVE_API_GROUP + "/s3-verifyssl"
USE_HTTPS_ANNOTATION = KSERVE_API_GROUP + "/s3-usehttps"
USE_VIRTUAL_BUCKET_ANNOTATION = KSERVE_API_GROUP + "/s3-usevirtualbucket"
USE_ACCELERATE_ANNOTATION = KSERVE_API_GROUP + "/s3-useaccelerate"
USE_ANONYMOUS_CREDENTIAL_ANNOTATION = KSERVE_API_GROUP + "/s3-useanoncredential"
CA_BUNDLE_CONFIGMAP_ANNOTATION = KSERVE_API_GROUP + "/s3-cabundle-configmap"
CA_BUNDLE_ANNOTATION = KSERVE_API_GROUP + "/s3-cabundle"

# The variables BuildS3EnvVars may fill from a data key: the ones that become secretKeyRefs.
VALUE_ENV_NAMES = frozenset(
    {
        S3_USE_HTTPS,
        S3_ENDPOINT,
        AWS_ENDPOINT_URL,
        S3_VERIFY_SSL,
        AWS_ANONYMOUS_CREDENTIAL,
        AWS_REGION,
        S3_USE_VIRTUAL_BUCKET,
        S3_USE_ACCELERATE,
        AWS_CA_BUNDLE,
        AWS_CA_BUNDLE_CONFIGMAP,
    }
)

# (env name, annotation, config field) after the endpoint, in KServe's order.
_SIMPLE_VARIABLES = (
    (S3_VERIFY_SSL, VERIFY_SSL_ANNOTATION, "s3_verify_ssl"),
    (AWS_ANONYMOUS_CREDENTIAL, USE_ANONYMOUS_CREDENTIAL_ANNOTATION, "s3_use_anonymous_credential"),
    (AWS_REGION, REGION_ANNOTATION, "s3_region"),
    (S3_USE_VIRTUAL_BUCKET, USE_VIRTUAL_BUCKET_ANNOTATION, "s3_use_virtual_bucket"),
    (S3_USE_ACCELERATE, USE_ACCELERATE_ANNOTATION, "s3_use_accelerate"),
    (AWS_CA_BUNDLE, CA_BUNDLE_ANNOTATION, "s3_ca_bundle"),
    (AWS_CA_BUNDLE_CONFIGMAP, CA_BUNDLE_CONFIGMAP_ANNOTATION, "s3_ca_bundle_config_map"),
)


@dataclass(frozen=True, slots=True)
class _Found:
    """Port of `getEnvValue`'s result: a known value, or (GitOps) a data key of `secret`."""

    value: str = ""
    key: str | None = None

    def present(self) -> bool:
        return self.key is not None or self.value != ""

    def env(self, name: str, secret: SecretInfo | None) -> dict[str, Any]:
        if self.key is not None and secret is not None:
            return secret_key_ref_env(name, secret.name, self.key)
        return value_env(name, self.value)


def _get(
    annotations: Mapping[str, str],
    secret: SecretInfo | None,
    annotation_key: str,
    data_key: str,
    config_value: str,
) -> _Found:
    """Port of `getEnvValue`: annotation, else data key, else config."""
    if annotation_key in annotations:
        return _Found(annotations[annotation_key])
    if secret is not None and secret.has(data_key):
        return _Found(key=data_key)  # GitOps: a reference, not the value
    return _Found(config_value)


def build_s3_env_vars(
    annotations: Mapping[str, str], secret: SecretInfo | None, config: S3Config
) -> tuple[list[dict[str, Any]], list[str]]:
    """Port of `BuildS3EnvVars`: the S3 variables that have a non-empty value, and warnings."""
    envs: list[dict[str, Any]] = []
    warnings: list[str] = []
    endpoint = _get(annotations, secret, ENDPOINT_ANNOTATION, S3_ENDPOINT, config.s3_endpoint)
    if endpoint.present():
        envs += _endpoint_envs(endpoint, annotations, secret, config, warnings)
    for name, annotation, config_field in _SIMPLE_VARIABLES:
        found = _get(annotations, secret, annotation, name, getattr(config, config_field))
        if found.present():
            envs.append(found.env(name, secret))
    return envs, warnings


def _endpoint_envs(
    endpoint: _Found,
    annotations: Mapping[str, str],
    secret: SecretInfo | None,
    config: S3Config,
    warnings: list[str],
) -> list[dict[str, Any]]:
    """Port of `getEndpointConfiguration`, emitting S3_USE_HTTPS, S3_ENDPOINT, AWS_ENDPOINT_URL."""
    use_https = _get(annotations, secret, USE_HTTPS_ANNOTATION, S3_USE_HTTPS, config.s3_use_https)
    where = secret.describe() if secret is not None else "the S3 credentials"
    if endpoint.key is not None:
        # GitOps: the endpoint value is unknown; assume a bare host and build the URL from the
        # S3_ENDPOINT variable itself (Kubernetes expands $(VAR) of earlier variables).
        warnings.append(
            f"{where}: {S3_ENDPOINT} is a data key, so kserve-gitops passes it by secretKeyRef "
            f"and assumes a host without http(s)://; put the endpoint in annotation "
            f"{ENDPOINT_ANNOTATION} to render it exactly"
        )
        scheme = "http" if use_https.key is None and use_https.value == "0" else "https"
        envs = [use_https.env(S3_USE_HTTPS, secret)] if use_https.present() else []
        return [
            *envs,
            endpoint.env(S3_ENDPOINT, secret),
            value_env(AWS_ENDPOINT_URL, f"{scheme}://$({S3_ENDPOINT})"),
        ]
    host = endpoint.value.strip()
    if host.lower().startswith("https://"):
        return _endpoint_triple("1", host[8:], host)
    if host.lower().startswith("http://"):
        return _endpoint_triple("0", host[7:], host)
    if use_https.key is not None:
        warnings.append(
            f"{where}: {S3_USE_HTTPS} is a data key, so kserve-gitops cannot tell http from "
            f"https for {AWS_ENDPOINT_URL} and assumes https; put it in annotation "
            f"{USE_HTTPS_ANNOTATION} to render it exactly"
        )
    scheme = "http" if use_https.key is None and use_https.value == "0" else "https"
    envs = [use_https.env(S3_USE_HTTPS, secret)] if use_https.present() else []
    return [*envs, value_env(S3_ENDPOINT, host), value_env(AWS_ENDPOINT_URL, f"{scheme}://{host}")]


def _endpoint_triple(use_https: str, host: str, url: str) -> list[dict[str, Any]]:
    return [
        value_env(S3_USE_HTTPS, use_https),
        value_env(S3_ENDPOINT, host),
        value_env(AWS_ENDPOINT_URL, url),
    ]


def build_secret_envs(
    secret: SecretInfo, config: S3Config
) -> tuple[list[dict[str, Any]], list[str]]:
    """Port of `s3.BuildSecretEnvs`: the two key refs, then the S3 variables."""
    access_key_id = config.s3_access_key_id_name or AWS_ACCESS_KEY_ID_NAME
    secret_access_key = config.s3_secret_access_key_name or AWS_SECRET_ACCESS_KEY_NAME
    envs = [
        secret_key_ref_env(AWS_ACCESS_KEY_ID, secret.name, access_key_id),
        secret_key_ref_env(AWS_SECRET_ACCESS_KEY, secret.name, secret_access_key),
    ]
    more, warnings = build_s3_env_vars(secret.annotations, secret, config)
    return envs + more, warnings


def build_service_account_envs(
    annotations: Mapping[str, str], config: S3Config
) -> list[dict[str, Any]]:
    """Port of `BuildServiceAccountEnvs`: the S3 variables from a ServiceAccount's annotations."""
    envs, _ = build_s3_env_vars(annotations, None, config)
    return envs
