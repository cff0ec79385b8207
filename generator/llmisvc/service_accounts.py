"""The workload ServiceAccounts KServe creates or looks up (`workload_single_node.go`,
`workload_multi_node.go`), as the credentials code sees them.

A ServiceAccount KServe creates gets the `default` ServiceAccount's secrets
(`workload.go: injectSecretsFromDefaultServiceAccount`), so the storage initializer's
credentials come from those; a ServiceAccount the user names must exist
(`workload.existing_account`).
"""

from __future__ import annotations

from typing import Any, Final

from generator.credentials.sources import SecretIndex, ServiceAccountInfo

DEFAULT_ACCOUNT: Final = "default"


def missing(what: str, namespace: str, name: str) -> str:
    """KServe's text when `r.Get` finds no such ServiceAccount (the input set stands for the
    cluster)."""
    return (
        f"failed to fetch existing {what} service account {namespace}/{name}: "
        f'serviceaccounts "{name}" not found'
    )


def created(index: SecretIndex, namespace: str, name: str) -> ServiceAccountInfo:
    """Port of `injectSecretsFromDefaultServiceAccount` as the credentials see it: a
    ServiceAccount KServe creates, with the secrets copied from `default` (none when there is
    no `default` in the input set)."""
    default = index.service_account(namespace, DEFAULT_ACCOUNT)
    secrets = default.secrets if default is not None else ()
    return ServiceAccountInfo(namespace=namespace, name=name, secrets=secrets)


def account_values(name: str, namespace: str, labels: dict[str, str]) -> dict[str, Any]:
    """The values of templates/llmisvc-serviceaccount.yaml.j2 for a created ServiceAccount.

    GitOps: KServe copies the `default` ServiceAccount's secrets and image pull secrets into it
    at run time; the render leaves them to that copy (as for the scheduler's)."""
    return {"name": name, "namespace": namespace, "labels": labels, "image_pull_secrets": None}


def owner_labels(name: str) -> dict[str, str]:
    """The labels of the multi-node ServiceAccounts, Role and RoleBinding."""
    return {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": "llminferenceservice"}


__all__ = ["account_values", "created", "missing", "owner_labels"]
