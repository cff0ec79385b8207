"""The credential builder: storage credentials for the storage-initializer and agent containers.

Ports KServe v0.20.0 `pkg/credentials/service_account_credentials.go`:
`CreateStorageSpecSecretEnvs` (the `storage:` spec path), `CreateSecretVolumeAndEnv` and
`CreateSecretVolumeAndEnvFromServiceAccount` (the ServiceAccount path), `mountSecretCredential`
(one Secret, classified by its first matching key), plus `pkg/utils/utils.go: MergeEnvs` and
`AppendVolumeIfNotExists`.

Like the Go code, the builder edits the container and volume list it is handed (which the
caller built or copied); it returns warnings and raises `CredentialError` where KServe returns
an error. Secrets and ServiceAccounts come from a `SecretIndex` (key names and annotations only).
# GitOps: an object KServe would fetch but that is absent from the input set may exist in the
cluster; the builder says so in a warning instead of failing, and assumes what KServe needs
to have succeeded (a named storage key exists) or what it does on "not found" otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableSequence
from dataclasses import dataclass, field
from typing import Any

from generator.config.pod_configs import CredentialConfig
from generator.credentials import azure, gcs, hdfs, hf, https, s3
from generator.credentials.sources import (
    SecretIndex,
    SecretInfo,
    ServiceAccountInfo,
    secret_key_ref_env,
    value_env,
)
from generator.goruntime.json import STRING, Map, marshal, round_trip

URI_SCHEME_PLACEHOLDER = "<scheme-placeholder>"
STORAGE_CONFIG_ENV_KEY = "STORAGE_CONFIG"
STORAGE_OVERRIDE_CONFIG_ENV_KEY = "STORAGE_OVERRIDE_CONFIG"
DEFAULT_STORAGE_SECRET_KEY = "default"
DEFAULT_STORAGE_SPEC_SECRET = "storage-config"  # constants.DefaultStorageSpecSecret
UNSUPPORTED_STORAGE_SPEC_TYPE = (
    "storage type must be one of [{}]. storage type [{}] is not supported"
)
MISSING_BUCKET = "format [{}] requires a bucket but one wasn't found in storage data or parameters"
AWS_IRSA_ANNOTATION_KEY = "eks.amazonaws.com/role-arn"
DEFAULT_SERVICE_ACCOUNT = "default"
SUPPORTED_STORAGE_SPEC_TYPES = ("s3", "hdfs", "webhdfs")
STORAGE_BUCKET_TYPES = ("s3",)


class CredentialError(ValueError):
    """An error KServe's credential builder returns (the pod would be rejected)."""


def merge_envs(base: list[dict[str, Any]], overrides: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Port of `MergeEnvs`: a known name only gets its `value` replaced; new names are appended.

    # GitOps: an S3 variable that KServe would fill with a Secret value arrives here as a
    secretKeyRef; it replaces the existing variable's value the way the value would have.
    """
    extra = []
    for override in overrides:
        match = next((env for env in base if env.get("name") == override.get("name")), None)
        if match is None:
            extra.append(override)
        elif "valueFrom" in override and override.get("name") in s3.VALUE_ENV_NAMES:
            match.pop("value", None)
            match["valueFrom"] = override["valueFrom"]
        elif override.get("value"):
            match["value"] = override["value"]
        else:
            match.pop("value", None)
    return base + extra


def append_volume_if_not_exists(
    volumes: MutableSequence[dict[str, Any]], volume: dict[str, Any]
) -> None:
    """Port of `AppendVolumeIfNotExists` (in place)."""
    if not any(v.get("name") == volume["name"] for v in volumes):
        volumes.append(volume)


@dataclass(frozen=True, slots=True)
class CredentialBuilder:
    """Port of `CredentialBuilder`: the `credentials` config and the Secrets it may read."""

    config: CredentialConfig
    index: SecretIndex = field(default_factory=SecretIndex)

    def create_storage_spec_secret_envs(
        self,
        namespace: str,
        annotations: Mapping[str, str] | None,
        storage_key: str,
        override_params: Mapping[str, str] | None,
        container: dict[str, Any],
    ) -> list[str]:
        """Port of `CreateStorageSpecSecretEnvs`: STORAGE_CONFIG, URI rewrite, overrides.

        # GitOps: KServe reads `type`, `bucket` and `cabundle_configmap` from the Secret's JSON
        value when the parameters give no type; no value is read here, so the type must come
        from `storage.parameters`.
        """
        params = dict(override_params or {})
        stype, bucket = params.get("type", ""), params.get("bucket", "")
        secret_name = self.config.storage_spec_secret_name or DEFAULT_STORAGE_SPEC_SECRET
        name_key = self.config.storage_secret_name_annotation
        if annotations is not None and name_key in annotations:
            secret_name = annotations[name_key]
        warnings: list[str] = []
        secret = self.index.secret(namespace, secret_name)
        has_data = False
        if secret is None:
            # KServe fails when a named key's Secret is missing, so assume it exists then.
            has_data = storage_key != ""
            assumed = "exists with key " + storage_key if has_data else "does not exist"
            warnings.append(_absent("Secret", namespace, secret_name, "storage spec", assumed))
        elif storage_key:
            if not secret.has(storage_key) and secret.keys_complete:
                raise CredentialError(
                    f"specified storage key {storage_key} not found in storage secret {secret_name}"
                )
            has_data = True
        else:
            storage_key = f"{DEFAULT_STORAGE_SECRET_KEY}_{stype}" if stype else "default"
            has_data = secret.has(storage_key)
        if secret is not None and not secret.keys_complete and not secret.has(storage_key):
            assumed = "exists" if has_data else "does not exist"
            warnings.append(
                f"{secret.describe()}: key {storage_key} is not listed (spec.dataFrom); "
                f"rendered as if it {assumed}"
            )
        if has_data and not stype and bucket and secret is None:
            # GitOps: the Secret is not in the input set at all; only s3 storage has a bucket,
            # so a bucket in the parameters settles the type KServe would read from its value.
            stype = "s3"
            warnings.append(
                f"the storage type of key {storage_key} of Secret {secret_name} is in the "
                "Secret's value, which kserve-gitops does not read; assuming s3 because "
                "storage.parameters has a bucket (set storage.parameters.type to say so)"
            )
        if has_data:
            if not stype:
                raise CredentialError(
                    f"unable to determine storage type: kserve-gitops reads no Secret values, "
                    f"so the type in key {storage_key} of Secret {secret_name} is not used; "
                    f"set storage.parameters.type (and bucket for s3)"
                )
            env = container.setdefault("env", [])
            env.append(secret_key_ref_env(STORAGE_CONFIG_ENV_KEY, secret_name, storage_key))
        if not stype:
            raise CredentialError("unable to determine storage type")
        _rewrite_placeholder_args(container, stype, bucket)
        if params:
            env = container.setdefault("env", [])
            env.append(
                value_env(STORAGE_OVERRIDE_CONFIG_ENV_KEY, marshal(round_trip(params, Map(STRING))))
            )
        return warnings

    def create_secret_volume_and_env(
        self,
        namespace: str,
        annotations: Mapping[str, str] | None,
        service_account_name: str,
        container: dict[str, Any],
        volumes: list[dict[str, Any]],
    ) -> list[str]:
        """Port of `CreateSecretVolumeAndEnv`: the ServiceAccount's credentials, if it exists."""
        name = service_account_name or DEFAULT_SERVICE_ACCOUNT
        account = self.index.service_account(namespace, name)
        if account is None:
            if name == DEFAULT_SERVICE_ACCOUNT:
                return []  # every namespace has one; an uncommitted one carries no secrets
            return [
                _absent("ServiceAccount", namespace, name, "storage credentials", "has no secrets")
            ]
        return self.create_secret_volume_and_env_from_service_account(
            account, annotations, container, volumes
        )

    def create_secret_volume_and_env_from_service_account(
        self,
        account: ServiceAccountInfo,
        annotations: Mapping[str, str] | None,
        container: dict[str, Any],
        volumes: list[dict[str, Any]],
    ) -> list[str]:
        """Port of `CreateSecretVolumeAndEnvFromServiceAccount`: IRSA env, then the Secrets."""
        if not account.name or not account.namespace:
            raise CredentialError(
                "invalid service account spec received. Missing name and/or namespace"
            )
        if AWS_IRSA_ANNOTATION_KEY in account.annotations:
            envs = s3.build_service_account_envs(account.annotations, self.config.s3)
            container.setdefault("env", []).extend(envs)
        name_key = self.config.storage_secret_name_annotation
        if annotations is not None and name_key and name_key in annotations:
            return self._mount_secret_credential(
                annotations[name_key], account.namespace, container, volumes
            )
        warnings: list[str] = []
        for secret_name in account.secrets:
            warnings += self._mount_secret_credential(
                secret_name, account.namespace, container, volumes
            )
        return warnings

    def _mount_secret_credential(
        self,
        secret_name: str,
        namespace: str,
        container: dict[str, Any],
        volumes: list[dict[str, Any]],
    ) -> list[str]:
        """Port of `mountSecretCredential`: the first matching key decides the kind of Secret."""
        secret = self.index.secret(namespace, secret_name)
        if secret is None:
            assumed = "does not exist"
            return [_absent("Secret", namespace, secret_name, "storage credentials", assumed)]
        warnings = []
        if not secret.keys_complete:
            warnings.append(
                f"{secret.describe()}: spec.dataFrom adds keys that cannot be listed offline; "
                f"the Secret is classified by its spec.data keys only"
            )
        return warnings + self._apply_secret(secret, container, volumes)

    def _apply_secret(
        self, secret: SecretInfo, container: dict[str, Any], volumes: list[dict[str, Any]]
    ) -> list[str]:
        s3_key = self.config.s3.s3_secret_access_key_name or s3.AWS_SECRET_ACCESS_KEY_NAME
        gcs_file = self.config.gcs.gcs_credential_file_name or gcs.GCS_CREDENTIAL_FILE_NAME
        envs: list[dict[str, Any]] = []
        warnings: list[str] = []
        if secret.has(s3_key):
            envs, warnings = s3.build_secret_envs(secret, self.config.s3)
            container["env"] = merge_envs(container.get("env") or [], envs)
            return warnings
        if secret.has(gcs_file):
            volume, mount = gcs.build_secret_volume(secret)
            append_volume_if_not_exists(volumes, volume)
            container.setdefault("volumeMounts", []).append(mount)
            path = gcs.GCS_CREDENTIAL_VOLUME_MOUNT_PATH + gcs_file
            envs = [value_env(gcs.GCS_CREDENTIAL_ENV_KEY, path)]
        elif any(secret.has(k) for k in _AZURE_KEYS):
            envs = azure.build_secret_envs(secret)
        elif secret.has(azure.AZURE_STORAGE_ACCESS_KEY):
            envs = azure.build_storage_access_key_secret_env(secret)
        elif secret.has(https.HTTPS_HOST):
            envs, warnings = https.build_secret_envs(secret)
        elif secret.has(hdfs.HDFS_NAMENODE):
            volume, mount = hdfs.build_secret(secret)
            append_volume_if_not_exists(volumes, volume)
            container.setdefault("volumeMounts", []).append(mount)
        elif secret.has(hf.HF_TOKEN_KEY):
            envs = hf.build_secret_envs(secret)
        if envs:
            container.setdefault("env", []).extend(envs)
        return warnings


_AZURE_KEYS = (azure.LEGACY_AZURE_CLIENT_ID, azure.AZURE_CLIENT_ID, azure.AZURE_ACCESS_TOKEN)


def _absent(kind: str, namespace: str, name: str, purpose: str, assumed: str) -> str:
    return (
        f"{kind} {namespace}/{name} (for {purpose}) is not in the input set; rendered as if it "
        f"{assumed}; add it to the input set to render what KServe would"
    )


def _rewrite_placeholder_args(container: dict[str, Any], stype: str, bucket: str) -> None:
    """The `<scheme-placeholder>://` rewrite of `CreateStorageSpecSecretEnvs` (every URI arg)."""
    args = container.get("args") or []
    prefix = URI_SCHEME_PLACEHOLDER + "://"
    if not args or not str(args[0]).startswith(prefix):
        return
    for i in range(0, len(args), 2):
        path = str(args[i])[len(prefix) :]
        if stype in STORAGE_BUCKET_TYPES:
            if not bucket:
                raise CredentialError(MISSING_BUCKET.format(stype))
            args[i] = f"{stype}://{bucket}/{path}"
        else:
            args[i] = f"{stype}://{path}"
