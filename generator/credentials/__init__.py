"""Storage credentials for injected containers, from Secrets' key names (never their values).

Ports KServe v0.20.0 `pkg/credentials/` (`service_account_credentials.go` in `builder.py`, one
module per storage family: `s3/`, `gcs/`, `azure/`, `https/`, `hf/`, `hdfs/`); `sources.py`
reads Secrets, SealedSecrets, ExternalSecrets and ServiceAccounts from the input set.
"""

from __future__ import annotations

from generator.credentials.builder import CredentialBuilder, CredentialError
from generator.credentials.sources import SecretIndex, SecretInfo, ServiceAccountInfo

__all__ = [
    "CredentialBuilder",
    "CredentialError",
    "SecretIndex",
    "SecretInfo",
    "ServiceAccountInfo",
]
