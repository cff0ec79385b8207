"""The single-node prefill Deployment `<name>-kserve-prefill` of prefill/decode
disaggregation (`workload_single_node.go: expectedPrefillMainDeployment`)."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any, Final

from generator import constants as c
from generator.llmisvc import kv_cache, tracing
from generator.llmisvc.config_merge import ANNOTATION_MODEL_BASED_ROUTING_ENABLED, child_name
from generator.llmisvc.workload import PART_OF, Storage, attach_model_artifacts, existing_account

COMPONENT_PREFILL: Final = "llminferenceservice-workload-prefill"
# propagateDeploymentMetadata's approved prefixes (KueueAPIGroupName, LocalModelLabel)
ANNOTATION_PREFIXES: Final = (
    "k8s.v1.cni.cncf.io",
    "kueue.x-k8s.io",
    "prometheus.io",
    "internal.serving.kserve.io/localmodel",
)
LABEL_PREFIXES: Final = ("kueue.x-k8s.io", "internal.serving.kserve.io/localmodel")


def prefixed(source: Mapping[str, str] | None, prefixes: tuple[str, ...]) -> dict[str, str]:
    """`utils.PropagatePrefixedMap`'s selection."""
    return {k: v for k, v in (source or {}).items() if k.startswith(prefixes)}


def pod_annotations(source: Mapping[str, str] | None) -> dict[str, str]:
    """`utils.PropagateMap` of a workload's `annotations`, without the routing switch."""
    return {k: v for k, v in (source or {}).items() if k != ANNOTATION_MODEL_BASED_ROUTING_ENABLED}


def prefill_deployment(llmsvc: Mapping[str, Any], storage: Storage) -> dict[str, Any]:
    """Port of `expectedPrefillMainDeployment` (called with a prefill and no prefill worker).

    As in KServe, one label map is the Deployment's, its selector's and the pod's, so the
    approved-prefix labels and `prefill.labels` reach all three."""
    meta = llmsvc["metadata"]
    prefill = llmsvc["spec"]["prefill"]
    name, namespace = str(meta["name"]), str(meta.get("namespace") or "")
    labels = {
        "app.kubernetes.io/component": COMPONENT_PREFILL,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": PART_OF,
        "kserve.io/component": "workload",
        "llm-d.ai/role": "prefill",
    }
    pod_spec: dict[str, Any] = {}
    template = prefill.get("template")
    if isinstance(template, dict):
        pod_spec = copy.deepcopy(template)
        account = None
        if pod_spec.get("serviceAccountName"):
            account = existing_account(
                storage,
                namespace,
                str(pod_spec["serviceAccountName"]),
                "single node prefill",
                "spec.prefill.template.serviceAccountName",
            )
        attach_model_artifacts(
            llmsvc,
            pod_spec,
            storage,
            "main",
            c.DEFAULT_MODEL_LOCAL_MOUNT_PATH,
            service_account=account,
            attach_lora=True,
        )
        kv_cache.attach_secondary_tiers(pod_spec, prefill.get("kvCacheOffloading"), "main")
    annotations = prefixed(meta.get("annotations"), ANNOTATION_PREFIXES)
    template_annotations = {**annotations, **pod_annotations(prefill.get("annotations"))}
    labels.update(prefixed(meta.get("labels"), LABEL_PREFIXES))
    labels.update(prefill.get("labels") or {})
    spec: dict[str, Any] = {
        "selector": {"matchLabels": dict(labels)},
        "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec},
    }
    if template_annotations:
        spec["template"]["metadata"]["annotations"] = template_annotations
    if prefill.get("replicas") is not None:
        spec["replicas"] = prefill["replicas"]
    deployment = {
        "name": child_name(name, "-kserve-prefill"),
        "namespace": namespace,
        "labels": dict(labels),
        "annotations": annotations or None,
        "spec": spec,
    }
    tracing.trace_workload(llmsvc, deployment, "-prefill")
    return deployment


__all__ = ["prefill_deployment", "prefixed"]
