"""Hugging Face token env (pkg/credentials/hf/hf_secret.go); from `hf_secret_test.go`."""

from __future__ import annotations

from generator.credentials import SecretInfo, hf


def test_build_secret_envs_with_token() -> None:
    envs = hf.build_secret_envs(SecretInfo("default", "hf-secret", frozenset({"HF_TOKEN"})))
    assert envs == [
        {
            "name": "HF_TOKEN",
            "valueFrom": {"secretKeyRef": {"name": "hf-secret", "key": "HF_TOKEN"}},
        }
    ]


def test_build_secret_envs_without_token() -> None:
    assert hf.build_secret_envs(SecretInfo("default", "hf-secret", frozenset())) == []


def test_build_secret_envs_nil_secret() -> None:
    assert hf.build_secret_envs(SecretInfo("default", "hf-secret")) == []
