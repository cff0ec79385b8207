"""The workload objects of one LLMInferenceService in KServe's reconcile order
(`workload.go: reconcileWorkload`, between the certificate and the workload Service):
`reconcileMultiNodeWorkload` (managed DRA, the main ServiceAccount, Role and RoleBinding, the
prefill ServiceAccount, the two LeaderWorkerSets), then `reconcileSingleNodeWorkload` (the
routing sidecar's ServiceAccount, Role and RoleBinding, the main and prefill Deployments).

KServe reconciles every topology each time and deletes what is not wanted; a render only
lists what is wanted. Each item is (template, kind, values)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator.llmisvc import managed_dra, multi_node, prefill, routing_sidecar, service_accounts
from generator.llmisvc.workload import Storage, WorkloadError, main_deployment, single_node_labels

Child = tuple[str, str, dict[str, Any]]
_SA = "llmisvc-serviceaccount.yaml.j2"
_ROLE = "llmisvc-role.yaml.j2"
_RB = "llmisvc-rolebinding.yaml.j2"


def workload_children(llmsvc: Mapping[str, Any], storage: Storage) -> list[Child]:
    """Port of `reconcileMultiNodeWorkload`, then Port of `reconcileSingleNodeWorkload`: what
    they create or keep."""
    meta = llmsvc["metadata"]
    out: list[Child] = []
    if managed_dra.has_managed_dra(meta):
        # both reconcilers ask for the same ResourceClaimTemplate
        try:
            template = managed_dra.claim_template(meta)
        except managed_dra.DRAError as err:  # unchecked when written as v1alpha1
            field = f"metadata.annotations[{managed_dra.DEVICE_COUNT}]"
            raise WorkloadError(str(err), field) from err
        out.append(("llmisvc-resourceclaimtemplate.yaml.j2", "ResourceClaimTemplate", template))
    out += _multi_node(llmsvc, storage)
    out += _single_node(llmsvc, storage)
    return out


def _multi_node(llmsvc: Mapping[str, Any], storage: Storage) -> list[Child]:
    meta, spec = llmsvc["metadata"], llmsvc["spec"]
    name, namespace = str(meta["name"]), str(meta.get("namespace") or "")
    labels = service_accounts.owner_labels(name)
    out: list[Child] = []
    account = multi_node.main_account(llmsvc, storage)
    # reconcileMultiNodeMainServiceAccount: a ServiceAccount of its own only with a worker,
    # and then (or with a user-named one, worker or not) the routing sidecar's Role and binding
    if not account.created or spec.get("worker") is not None:
        if account.created:
            out.append(
                (
                    _SA,
                    "ServiceAccount",
                    service_accounts.account_values(account.info.name, namespace, dict(labels)),
                )
            )
        if multi_node.lws_has_routing_sidecar(multi_node.main_lws(llmsvc, storage)):
            out.append(
                (_ROLE, "Role", routing_sidecar.role(name, namespace, "-kserve-mn-role", labels))
            )
            binding = routing_sidecar.role_binding(
                name,
                namespace,
                ("-kserve-mn-rb", "-kserve-mn-role"),
                dict(labels),
                (account.info.namespace, account.info.name),
            )
            out.append((_RB, "RoleBinding", binding))
    pre = spec.get("prefill")
    has_prefill_worker = isinstance(pre, dict) and pre.get("worker") is not None
    prefill_account = multi_node.prefill_account(llmsvc, storage)
    if prefill_account.created and has_prefill_worker:
        values = service_accounts.account_values(prefill_account.info.name, namespace, labels)
        out.append((_SA, "ServiceAccount", values))
    if spec.get("worker") is not None:
        out.append(
            (
                "llmisvc-leaderworkerset.yaml.j2",
                "LeaderWorkerSet",
                multi_node.main_lws(llmsvc, storage),
            )
        )
    if has_prefill_worker:
        out.append(
            (
                "llmisvc-leaderworkerset.yaml.j2",
                "LeaderWorkerSet",
                multi_node.prefill_lws(llmsvc, storage),
            )
        )
    return out


def _single_node(llmsvc: Mapping[str, Any], storage: Storage) -> list[Child]:
    meta, spec = llmsvc["metadata"], llmsvc["spec"]
    name, namespace = str(meta["name"]), str(meta.get("namespace") or "")
    out: list[Child] = []
    # KServe builds the main Deployment (and asks it about the sidecar) with a worker too
    deployment = main_deployment(llmsvc, storage)
    pod = deployment["spec"]["template"]["spec"]
    if routing_sidecar.has_routing_sidecar(pod):
        account = str(pod["serviceAccountName"])
        labels = single_node_labels(name)
        if account == routing_sidecar.single_node_account_name(name):
            out.append(
                (_SA, "ServiceAccount", service_accounts.account_values(account, namespace, labels))
            )
        out.append((_ROLE, "Role", routing_sidecar.role(name, namespace, "-kserve-role", labels)))
        binding = routing_sidecar.role_binding(
            name, namespace, ("-kserve-rb", "-kserve-role"), labels, (namespace, account)
        )
        out.append((_RB, "RoleBinding", binding))
    if spec.get("worker") is None:
        out.append(("llmisvc-deployment.yaml.j2", "Deployment", deployment))
    pre = spec.get("prefill")
    if isinstance(pre, dict) and pre.get("worker") is None:
        out.append(
            (
                "llmisvc-deployment.yaml.j2",
                "Deployment",
                prefill.prefill_deployment(llmsvc, storage),
            )
        )
    return out


__all__ = ["workload_children"]
