"""HDFS credential volume (pkg/credentials/hdfs/hdfs_secret.go); from `hdfs_secret_test.go`."""

from __future__ import annotations

import pytest

from generator.credentials import SecretInfo, hdfs

KEYS = frozenset({"HDFS_NAMENODE", "HDFS_ROOTPATH", "KERBEROS_PRINCIPAL", "KERBEROS_KEYTAB"})


@pytest.mark.parametrize("secret", [SecretInfo("default", "hdfscreds", KEYS)], ids=["HdfsSecret"])
def test_hdfs_secret(secret: SecretInfo) -> None:
    volume, mount = hdfs.build_secret(secret)
    assert volume == {"name": "hdfs-secrets", "secret": {"secretName": "hdfscreds"}}
    assert mount == {
        "name": "hdfs-secrets",
        "readOnly": True,
        "mountPath": "/var/secrets/kserve-hdfscreds",
    }
