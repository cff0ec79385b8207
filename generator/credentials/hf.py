"""Hugging Face credentials: `HF_TOKEN` from its Secret.

Ports KServe v0.20.0 `pkg/credentials/hf/hf_secret.go` (`BuildSecretEnvs`).
"""

from __future__ import annotations

from typing import Any

from generator.credentials.sources import SecretInfo, secret_key_ref_env

HF_TOKEN_KEY = "HF_TOKEN"


def build_secret_envs(secret: SecretInfo) -> list[dict[str, Any]]:
    """Port of `hf.BuildSecretEnvs`: `HF_TOKEN` as a secretKeyRef when the key exists."""
    if not secret.has(HF_TOKEN_KEY):
        return []
    return [secret_key_ref_env(HF_TOKEN_KEY, secret.name, HF_TOKEN_KEY)]
