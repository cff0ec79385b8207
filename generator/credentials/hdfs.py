"""HDFS credentials: the whole Secret mounted as files.

Ports KServe v0.20.0 `pkg/credentials/hdfs/hdfs_secret.go` (`BuildSecret`).
"""

from __future__ import annotations

from typing import Any

from generator.credentials.sources import SecretInfo

HDFS_NAMENODE = "HDFS_NAMENODE"
HDFS_ROOT_PATH = "HDFS_ROOTPATH"
KERBEROS_PRINCIPAL = "KERBEROS_PRINCIPAL"
KERBEROS_KEYTAB = "KERBEROS_KEYTAB"
TLS_CERT = "TLS_CERT"
TLS_KEY = "TLS_KEY"
TLS_CA = "TLS_CA"
MOUNT_PATH = "/var/secrets/kserve-hdfscreds"
HDFS_VOLUME_NAME = "hdfs-secrets"


def build_secret(secret: SecretInfo) -> tuple[dict[str, Any], dict[str, Any]]:
    """Port of `BuildSecret`: the Secret as volume `hdfs-secrets`, mounted read-only."""
    volume = {"name": HDFS_VOLUME_NAME, "secret": {"secretName": secret.name}}
    mount = {"name": HDFS_VOLUME_NAME, "readOnly": True, "mountPath": MOUNT_PATH}
    return volume, mount
