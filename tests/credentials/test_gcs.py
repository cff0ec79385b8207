"""GCS credential volume (pkg/credentials/gcs/gcs_secret.go); from `gcs_secret_test.go`."""

from __future__ import annotations

import pytest

from generator.credentials import SecretInfo, gcs


@pytest.mark.parametrize(
    "secret",
    [SecretInfo("default", "user-gcp-sa", frozenset({"gcloud-application-credentials.json"}))],
    ids=["GCSSecretVolume"],
)
def test_gcs_secret(secret: SecretInfo) -> None:
    volume, mount = gcs.build_secret_volume(secret)
    assert volume == {"name": "user-gcp-sa", "secret": {"secretName": "user-gcp-sa"}}
    assert mount == {"name": "user-gcp-sa", "readOnly": True, "mountPath": "/var/secrets/"}
