"""Multi-node workloads: the LeaderWorkerSets `<name>-kserve-mn` and `<name>-kserve-mn-prefill`,
their ServiceAccounts and the routing sidecar's Role and RoleBinding
(`workload_multi_node.go: expectedMainMultiNodeLWS`, `expectedPrefillMultiNodeLWS`,
`expectedMultiNodeMainServiceAccount`, `expectedMultiNodePrefillServiceAccount`,
`expectedMultiNodeMainRole`, `expectedMultiNodeRoleBinding`,
`propagateTopLevelLeaderWorkerSetMetadata`)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from generator import constants as c
from generator.credentials.sources import ServiceAccountInfo
from generator.llmisvc import kv_cache, routing_sidecar, service_accounts, tracing
from generator.llmisvc.config_merge import child_name
from generator.llmisvc.prefill import LABEL_PREFIXES, pod_annotations, prefixed
from generator.llmisvc.workload import PART_OF, Storage, attach_model_artifacts, existing_account

# propagateTopLevelLeaderWorkerSetMetadata's approved annotation prefixes
LWS_ANNOTATION_PREFIXES: Final = (
    "leaderworkerset.sigs.k8s.io",
    "k8s.v1.cni.cncf.io",
    "kueue.x-k8s.io",
    "prometheus.io",
    "internal.serving.kserve.io/localmodel",
)


def main_lws_name(name: str) -> str:
    """Port of `mainLWSName`."""
    return child_name(name, "-kserve-mn")


def prefill_lws_name(name: str) -> str:
    """Port of `prefillLWSName`."""
    return child_name(name, "-kserve-mn-prefill")


def lws_size(parallelism: Any) -> int | None:
    """Port of `ParallelismSpec.GetSize`: data / dataLocal (at least 1) under data
    parallelism, else the pipeline size, else none."""
    if not isinstance(parallelism, Mapping):
        return None
    data, local, pipeline = (parallelism.get(k) for k in ("data", "dataLocal", "pipeline"))
    if (data or 0) > 0 or (local or 0) > 0:
        return max(max(1 if data is None else data, 1) // max(1 if local is None else local, 1), 1)
    if (pipeline or 0) > 0:
        return int(pipeline or 0)
    return None


def is_data_parallel(parallelism: Any) -> bool:
    """Port of `ParallelismSpec.IsDataParallel`."""
    return isinstance(parallelism, Mapping) and (
        (parallelism.get("data") or 0) > 0 or (parallelism.get("dataLocal") or 0) > 0
    )


@dataclass(frozen=True, slots=True)
class Account:
    """A workload ServiceAccount: the one KServe uses, and whether KServe creates it."""

    info: ServiceAccountInfo
    created: bool


def _account(
    llmsvc: Mapping[str, Any],
    storage: Storage,
    pods: tuple[tuple[Any, str], ...],
    expected: str,
    what: str,
) -> Account:
    """`expectedMultiNode{Main,Prefill}ServiceAccount`: the leader's name, else the worker's,
    when it is not the one KServe would create (it must exist); else KServe's own."""
    namespace = str(llmsvc["metadata"].get("namespace") or "")
    for pod, field in pods:
        named = str((pod or {}).get("serviceAccountName") or "") if isinstance(pod, dict) else ""
        if named:
            if named == expected:
                break
            return Account(existing_account(storage, namespace, named, what, field), False)
    return Account(service_accounts.created(storage.credentials.index, namespace, expected), True)


def main_account(llmsvc: Mapping[str, Any], storage: Storage) -> Account:
    """Port of `expectedMultiNodeMainServiceAccount`."""
    spec = llmsvc["spec"]
    pods = (
        (spec.get("template"), "spec.template.serviceAccountName"),
        (spec.get("worker"), "spec.worker.serviceAccountName"),
    )
    name = main_lws_name(str(llmsvc["metadata"]["name"]))
    return _account(llmsvc, storage, pods, name, "multi node main")


def prefill_account(llmsvc: Mapping[str, Any], storage: Storage) -> Account:
    """Port of `expectedMultiNodePrefillServiceAccount`."""
    prefill = llmsvc["spec"].get("prefill") or {}
    pods = (
        (prefill.get("template"), "spec.prefill.template.serviceAccountName"),
        (prefill.get("worker"), "spec.prefill.worker.serviceAccountName"),
    )
    name = prefill_lws_name(str(llmsvc["metadata"]["name"]))
    return _account(llmsvc, storage, pods, name, "multi node prefill")


def _labels(name: str, component: str) -> dict[str, str]:
    return {
        "app.kubernetes.io/component": component,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": PART_OF,
    }


def _pod(
    llmsvc: Mapping[str, Any],
    storage: Storage,
    source: Mapping[str, Any],
    account: Account,
    kv: Any,
) -> dict[str, Any]:
    """A leader or worker pod: the spec KServe copies, run as `account`, with the model and
    the KV-cache tiers attached."""
    pod_spec = copy.deepcopy(dict(source))
    pod_spec["serviceAccountName"] = account.info.name
    attach_model_artifacts(
        llmsvc,
        pod_spec,
        storage,
        "main",
        c.DEFAULT_MODEL_LOCAL_MOUNT_PATH,
        service_account=account.info,
        attach_lora=True,
    )
    kv_cache.attach_secondary_tiers(pod_spec, kv, "main")
    return pod_spec


def _lws(
    name: str,
    namespace: str,
    worker_labels: dict[str, str],
    replicas: Any,
    size: int | None,
) -> dict[str, Any]:
    lwt: dict[str, Any] = {
        "workerTemplate": {"metadata": {"labels": worker_labels}, "spec": {}},
        "restartPolicy": "RecreateGroupOnPodRestart",
    }
    if size is not None:
        lwt["size"] = size
    spec: dict[str, Any] = {
        "leaderWorkerTemplate": lwt,
        "rolloutStrategy": {"type": "RollingUpdate"},
        "startupPolicy": "LeaderCreated",
    }
    if replicas is not None:
        spec["replicas"] = replicas
    return {"name": name, "namespace": namespace, "labels": worker_labels, "spec": spec}


def _propagate_metadata(
    meta: Mapping[str, Any],
    lws: dict[str, Any],
    labels: Mapping[str, str] | None,
    annotations: Mapping[str, str] | None,
) -> None:
    """Port of `propagateTopLevelLeaderWorkerSetMetadata`, then the workload's `labels` and
    `annotations` on its pods. KServe's LWS and worker template share one label map, so what
    reaches the worker's labels reaches the LWS's too."""
    top = prefixed(meta.get("annotations"), LWS_ANNOTATION_PREFIXES)
    top_labels = prefixed(meta.get("labels"), LABEL_PREFIXES)
    lwt = lws["spec"]["leaderWorkerTemplate"]
    lws["annotations"] = dict(top) or None
    pods = [lwt["workerTemplate"]] + ([lwt["leaderTemplate"]] if "leaderTemplate" in lwt else [])
    for pod in pods:
        pod_meta = pod["metadata"]
        pod_meta["labels"].update(top_labels)
        pod_meta["labels"].update(labels or {})
        merged = {**top, **pod_annotations(annotations)}
        if merged:
            pod_meta["annotations"] = merged
    lws["labels"] = dict(lwt["workerTemplate"]["metadata"]["labels"])
    for pod in pods:
        pod["metadata"]["labels"] = dict(pod["metadata"]["labels"])


def main_lws(llmsvc: Mapping[str, Any], storage: Storage) -> dict[str, Any]:
    """Port of `expectedMainMultiNodeLWS` (also built without a worker: KServe asks it whether
    the routing sidecar needs a Role)."""
    meta, spec = llmsvc["metadata"], llmsvc["spec"]
    name, namespace = str(meta["name"]), str(meta.get("namespace") or "")
    worker_labels = _labels(name, "llminferenceservice-workload-worker")
    if spec.get("template") is None:
        # without a leader template, the workers are the InferencePool's endpoints
        worker_labels["kserve.io/component"] = "workload"
        worker_labels["llm-d.ai/role"] = "decode"
    role = "decode" if spec.get("prefill") is not None else "both"
    lws = _lws(
        main_lws_name(name),
        namespace,
        worker_labels,
        spec.get("replicas"),
        lws_size(spec.get("parallelism")),
    )
    lwt = lws["spec"]["leaderWorkerTemplate"]
    kv = spec.get("kvCacheOffloading")
    if isinstance(spec.get("template"), dict):
        leader_labels = _labels(name, "llminferenceservice-workload-leader")
        leader_labels.update({"kserve.io/component": "workload", "llm-d.ai/role": role})
        pod_spec = _pod(llmsvc, storage, spec["template"], main_account(llmsvc, storage), kv)
        routing_sidecar.add_inference_pool_env(llmsvc, pod_spec)
        lwt["leaderTemplate"] = {"metadata": {"labels": leader_labels}, "spec": pod_spec}
    if isinstance(spec.get("worker"), dict):
        pod_spec = _pod(llmsvc, storage, spec["worker"], main_account(llmsvc, storage), kv)
        routing_sidecar.add_inference_pool_env(llmsvc, pod_spec)
        lwt["workerTemplate"]["spec"] = pod_spec
    _propagate_metadata(meta, lws, spec.get("labels"), spec.get("annotations"))
    tracing.trace_lws(llmsvc, lws, "-decode")
    return lws


def prefill_lws(llmsvc: Mapping[str, Any], storage: Storage) -> dict[str, Any]:
    """Port of `expectedPrefillMultiNodeLWS` (called with a prefill worker)."""
    meta = llmsvc["metadata"]
    prefill = llmsvc["spec"]["prefill"]
    name, namespace = str(meta["name"]), str(meta.get("namespace") or "")
    worker_labels = _labels(name, "llminferenceservice-workload-worker-prefill")
    if prefill.get("template") is None:
        worker_labels["kserve.io/component"] = "workload"
        worker_labels["llm-d.ai/role"] = "prefill"
    size = lws_size(prefill.get("parallelism"))
    lws = _lws(prefill_lws_name(name), namespace, worker_labels, prefill.get("replicas"), size)
    lwt = lws["spec"]["leaderWorkerTemplate"]
    account = prefill_account(llmsvc, storage)
    kv = prefill.get("kvCacheOffloading")
    if isinstance(prefill.get("template"), dict):
        leader_labels = _labels(name, "llminferenceservice-workload-leader-prefill")
        leader_labels.update({"kserve.io/component": "workload", "llm-d.ai/role": "prefill"})
        pod_spec = _pod(llmsvc, storage, prefill["template"], account, kv)
        lwt["leaderTemplate"] = {"metadata": {"labels": leader_labels}, "spec": pod_spec}
    if isinstance(prefill.get("worker"), dict):
        lwt["workerTemplate"]["spec"] = _pod(llmsvc, storage, prefill["worker"], account, kv)
    if is_data_parallel(prefill.get("parallelism")) and size is not None:
        lwt["subGroupPolicy"] = {"subGroupSize": size}
    _propagate_metadata(meta, lws, prefill.get("labels"), prefill.get("annotations"))
    tracing.trace_lws(llmsvc, lws, "-prefill")
    return lws


def lws_has_routing_sidecar(lws: Mapping[str, Any]) -> bool:
    """The Role and RoleBinding condition of `reconcileMultiNodeMainRole`: the sidecar in the
    worker or the leader pod."""
    lwt = lws["spec"]["leaderWorkerTemplate"]
    leader = lwt.get("leaderTemplate")
    return routing_sidecar.has_routing_sidecar(lwt["workerTemplate"].get("spec")) or (
        leader is not None and routing_sidecar.has_routing_sidecar(leader.get("spec"))
    )


__all__ = [
    "Account",
    "is_data_parallel",
    "lws_has_routing_sidecar",
    "lws_size",
    "main_account",
    "main_lws",
    "main_lws_name",
    "prefill_account",
    "prefill_lws",
    "prefill_lws_name",
]
