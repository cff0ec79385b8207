"""GCS credentials: the service-account key file mounted from its Secret.

Ports KServe v0.20.0 `pkg/credentials/gcs/gcs_secret.go` (`BuildSecretVolume`).
"""

from __future__ import annotations

from typing import Any

from generator.credentials.sources import SecretInfo

GCS_CREDENTIAL_FILE_NAME = "gcloud-application-credentials.json"
GCS_CREDENTIAL_VOLUME_NAME = "user-gcp-sa"
GCS_CREDENTIAL_VOLUME_MOUNT_PATH = "/var/secrets/"
GCS_CREDENTIAL_ENV_KEY = "GOOGLE_APPLICATION_CREDENTIALS"


def build_secret_volume(secret: SecretInfo) -> tuple[dict[str, Any], dict[str, Any]]:
    """Port of `BuildSecretVolume`: the Secret as volume `user-gcp-sa`, mounted read-only."""
    volume = {"name": GCS_CREDENTIAL_VOLUME_NAME, "secret": {"secretName": secret.name}}
    mount = {
        "name": GCS_CREDENTIAL_VOLUME_NAME,
        "readOnly": True,
        "mountPath": GCS_CREDENTIAL_VOLUME_MOUNT_PATH,
    }
    return volume, mount
