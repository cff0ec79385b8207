"""The managed scheduler (endpoint picker): `scheduler.go`'s ServiceAccount, auth-delegator
ClusterRoleBinding, Role, RoleBinding, Deployment, Service and the v1 InferencePool.

First-create semantics (GitOps: no live Deployment to keep a `--config-*` flag from): the EPP
gets `--config-text` with the inline config or KServe's default configuration text.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from typing import Any, Final

from generator.llmisvc import lora, scheduler_config
from generator.llmisvc.config_merge import RawText, child_name
from generator.llmisvc.workload import Storage, attach_model_artifacts

COMPONENT_SCHEDULER: Final = "llminferenceservice-router-scheduler"
_POOL_V1: Final = "inference.networking.k8s.io"
_POOL_V1ALPHA2: Final = "inference.networking.x-k8s.io"
TOKENIZER: Final = "tokenizer"
LORA_AFFINITY_SCORER: Final = "lora-affinity-scorer"
_SERVICE_PORTS: Final = ("grpc", "grpc-health", "metrics", "zmq")
_CONFIG_FLAGS: Final = frozenset(
    (
        "--config-text",
        "-config-text",
        "--configText",
        "-configText",
        "--config-file",
        "-config-file",
        "--configFile",
        "-configFile",
    )
)


class SchedulerError(ValueError):
    """What the scheduler reconcile fails on, with the spec field to blame."""

    def __init__(self, message: str, field: str = "spec.router.scheduler") -> None:
        super().__init__(message)
        self.field = field


def scheduler_labels(name: str) -> dict[str, str]:
    """Port of `SchedulerLabels`."""
    return {
        "app.kubernetes.io/component": COMPONENT_SCHEDULER,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": "llminferenceservice",
    }


def scheduler(spec: Mapping[str, Any]) -> dict[str, Any] | None:
    """The scheduler spec when KServe manages one (`hasManagedScheduler`), else None."""
    found = (spec.get("router") or {}).get("scheduler")
    if not isinstance(found, dict) or not isinstance(found.get("template"), dict):
        return None
    ref = (found.get("pool") or {}).get("ref")
    if isinstance(ref, dict) and ref.get("name"):
        return None
    return found


def epp_service_name(spec: Mapping[str, Any], name: str) -> str:
    """Port of `RouterSpec.EPPServiceName`."""
    found = (spec.get("router") or {}).get("scheduler") or {}
    pool = found.get("pool") or {}
    epp = (pool.get("spec") or {}).get("endpointPickerRef") or {}
    ref = pool.get("ref")
    has_ref = isinstance(ref, dict) and bool(ref.get("name"))
    if not has_ref and epp.get("name"):
        return str(epp["name"])
    return child_name(name, "-epp-service")


def service_account_name(sched: Mapping[str, Any], name: str) -> tuple[str, bool]:
    """(the EPP's ServiceAccount, whether KServe creates it) as `expectedSchedulerServiceAccount`
    decides: a user-named account other than `<name>-epp-sa` is used, not created."""
    expected = child_name(name, "-epp-sa")
    given = str((sched.get("template") or {}).get("serviceAccountName") or "")
    if given and given != expected:
        return given, False
    return expected, True


def auth_delegator_binding(name: str, namespace: str, account: str) -> dict[str, Any]:
    """Port of `expectedSchedulerAuthDelegatorBinding` (cluster-scoped)."""
    return {
        "name": child_name(namespace, f"-{name}-epp-auth-rb"),
        "labels": scheduler_labels(name),
        "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace}],
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "ClusterRole",
            "name": "system:auth-delegator",
        },
    }


def role(name: str, namespace: str) -> dict[str, Any]:
    """Port of `expectedSchedulerRole`."""
    read = ["get", "list", "watch"]
    return {
        "name": child_name(name, "-epp-role"),
        "namespace": namespace,
        "labels": scheduler_labels(name),
        "rules": [
            {"apiGroups": [""], "resources": ["pods"], "verbs": read},
            {
                "apiGroups": [_POOL_V1, _POOL_V1ALPHA2],
                "resources": ["inferencepools", "inferenceobjectives", "inferencemodels"],
                "verbs": read,
            },
            {
                "apiGroups": [_POOL_V1ALPHA2],
                "resources": ["inferencemodelrewrites", "inferencepoolimports"],
                "verbs": read,
            },
            {
                "apiGroups": ["llm-d.ai"],
                "resources": ["inferenceobjectives", "inferencemodelrewrites"],
                "verbs": read,
            },
            {"apiGroups": ["discovery.k8s.io"], "resources": ["endpointslices"], "verbs": read},
            {
                "apiGroups": ["coordination.k8s.io"],
                "resources": ["leases"],
                "verbs": [*read, "create", "update", "patch", "delete"],
            },
        ],
    }


def role_binding(name: str, namespace: str, account: str) -> dict[str, Any]:
    """Port of `expectedSchedulerRoleBinding`."""
    return {
        "name": child_name(name, "-epp-rb"),
        "namespace": namespace,
        "labels": scheduler_labels(name),
        "subjects": [{"kind": "ServiceAccount", "name": account, "namespace": namespace}],
        "roleRef": {
            "apiGroup": "rbac.authorization.k8s.io",
            "kind": "Role",
            "name": child_name(name, "-epp-role"),
        },
    }


def deployment(llmsvc: Mapping[str, Any], sched: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `expectedSchedulerDeployment` for a fresh install (`curr` empty)."""
    meta = llmsvc["metadata"]
    spec = llmsvc["spec"]
    name = str(meta["name"])
    labels = scheduler_labels(name)
    # One Go map for labels, selector and pod labels, then the scheduler labels added to it.
    labels.update(sched.get("labels") or {})
    pod_meta: dict[str, Any] = {"labels": dict(labels)}
    if sched.get("annotations"):
        pod_meta["annotations"] = dict(sched["annotations"])
    pod_spec = copy.deepcopy(sched["template"])
    containers = pod_spec.get("containers") or []
    main = next((ct for ct in containers if ct.get("name") == "main"), None)
    if main is not None:
        args = list(main.get("args") or [])
        replicas = sched.get("replicas")
        if (
            replicas is not None
            and replicas > 1
            and "--ha-enable-leader-election" not in args
            and "-ha-enable-leader-election" not in args
        ):
            args.append("--ha-enable-leader-election")
        args += _config_args(spec, containers)
        if args:
            main["args"] = args
    out_spec: dict[str, Any] = {
        "strategy": {"type": "Recreate"},
        "selector": {"matchLabels": dict(labels)},
        "template": {"metadata": pod_meta, "spec": pod_spec},
    }
    if sched.get("replicas") is not None:
        out_spec["replicas"] = sched["replicas"]
    return {
        "name": child_name(name, "-kserve-router-scheduler"),
        "namespace": str(meta.get("namespace") or ""),
        "labels": dict(labels),
        "spec": out_spec,
    }


def attach_tokenizer_storage(
    llmsvc: Mapping[str, Any], deployment: dict[str, Any], storage: Storage
) -> None:
    """The end of `expectedSchedulerDeployment`: with a `tokenizer` container
    (`isUsingTokenizerSidecar`), the model downloaded for it (`attachModelArtifacts` at
    /mnt/models/base, no LoRA, credentials of the `default` ServiceAccount KServe copies into
    the EPP's) and the config pointed at its UDS socket, with the v0.6.0 schema migrations;
    then `schedulerTransform`, the migrations of the pod's scheduler version (v0.9.0 drops
    the tokenizer unless a precise-prefix-cache-scorer plugin needs it)."""
    pod_spec = deployment["spec"]["template"]["spec"]
    main = scheduler_config.main_container(pod_spec)
    try:
        if _has_container(pod_spec, TOKENIZER):
            attach_model_artifacts(
                llmsvc, pod_spec, storage, TOKENIZER, "/mnt/models/base", account_name="default"
            )
            scheduler_config.mutate(
                main,
                scheduler_config.with_uds_tokenizer_config,
                scheduler_config.with_migrate_token_processor_config,
                scheduler_config.with_migrate_block_size_to_block_size_tokens,
            )
        scheduler_config.transform(
            deployment["spec"]["template"], deployment["name"], deployment["namespace"]
        )
    except scheduler_config.MigrationError as err:
        raise SchedulerError(str(err), "spec.router.scheduler") from err


def _has_container(pod_spec: Mapping[str, Any], name: str) -> bool:
    return any(ct.get("name") == name for ct in pod_spec.get("containers") or [])


def _config_args(spec: Mapping[str, Any], containers: list[dict[str, Any]]) -> list[str]:
    """Port of `preserveSchedulerConfig` with no live Deployment."""
    inline = (((spec.get("router") or {}).get("scheduler") or {}).get("config") or {}).get("inline")
    if inline is not None:
        return ["--config-text", raw_text(inline)]
    for ct in containers:
        if ct.get("name") != "main":
            continue
        args = ct.get("args") or []
        if any(a in _CONFIG_FLAGS for a in args[:-1]):
            return []
        break
    return ["--config-text", default_config_text(spec)]


def raw_text(inline: Any) -> str:
    """A RawExtension's bytes: the API server stores an object as compact JSON, keys sorted,
    and encoding/json escapes <, > and & when the config is marshalled."""
    if isinstance(inline, RawText):
        return str(inline)
    text = json.dumps(inline, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def default_config_text(spec: Mapping[str, Any]) -> str:
    """Port of `schedulerConfigText` without an inline config: llm-d's P/D baseline with
    prefill, else the single-profile one; the lora-affinity scorer joins every profile when
    the service has LoRA adapters."""
    plugin = entry = ""
    if lora.adapters_of(spec):
        plugin = f"- type: {LORA_AFFINITY_SCORER}\n"
        entry = f"  - pluginRef: {LORA_AFFINITY_SCORER}\n    weight: 4\n"
    if spec.get("prefill") is not None:
        return _PD_CONFIG_TEXT.format(plugin=plugin, entry=entry)
    return _SINGLE_PROFILE_CONFIG_TEXT.format(plugin=plugin, entry=entry)


_PD_CONFIG_TEXT: Final = """
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: disagg-headers-handler
- type: prefill-filter
- type: decode-filter
- type: queue-scorer
- type: kv-cache-utilization-scorer
- type: active-request-scorer
- type: prefix-cache-scorer
- type: max-score-picker
- type: always-disagg-pd-decider
- type: disagg-profile-handler
  parameters:
    deciders:
      prefill: always-disagg-pd-decider
{plugin}schedulingProfiles:
- name: prefill
  plugins:
  - pluginRef: prefill-filter
{entry}  - pluginRef: prefix-cache-scorer
    weight: 3
  - pluginRef: queue-scorer
    weight: 2
  - pluginRef: kv-cache-utilization-scorer
    weight: 2
  - pluginRef: max-score-picker
- name: decode
  plugins:
  - pluginRef: decode-filter
{entry}  - pluginRef: active-request-scorer
    weight: 2
  - pluginRef: prefix-cache-scorer
    weight: 3
  - pluginRef: max-score-picker
"""

_SINGLE_PROFILE_CONFIG_TEXT: Final = """
apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: single-profile-handler
- type: queue-scorer
- type: kv-cache-utilization-scorer
- type: prefix-cache-scorer
- type: no-hit-lru-scorer
- type: max-score-picker
{plugin}schedulingProfiles:
- name: default
  plugins:
{entry}  - pluginRef: queue-scorer
    weight: 2
  - pluginRef: kv-cache-utilization-scorer
    weight: 2
  - pluginRef: prefix-cache-scorer
    weight: 3
  - pluginRef: no-hit-lru-scorer
    weight: 2
  - pluginRef: max-score-picker
"""


def service(llmsvc: Mapping[str, Any], sched: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `expectedSchedulerService`: the named EPP ports, sorted by name."""
    meta = llmsvc["metadata"]
    name = str(meta["name"])
    found: dict[str, Mapping[str, Any]] = {}
    for ct in (sched.get("template") or {}).get("containers") or []:
        for given in ct.get("ports") or []:
            if given.get("name") in _SERVICE_PORTS:
                found[str(given["name"])] = given
    ports = []
    for port_name in sorted(found):
        port: dict[str, Any] = {
            "name": port_name,
            "port": found[port_name].get("containerPort"),
            "targetPort": port_name,
        }
        if found[port_name].get("protocol"):
            port["protocol"] = found[port_name]["protocol"]
        ports.append(port)
    return {
        "name": epp_service_name(llmsvc["spec"], name),
        "namespace": str(meta.get("namespace") or ""),
        "labels": scheduler_labels(name),
        "spec": {"ports": ports, "selector": scheduler_labels(name)},
    }


def inference_pool(llmsvc: Mapping[str, Any], sched: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `expectedSchedulerInferencePool` (inference.networking.k8s.io/v1)."""
    meta = llmsvc["metadata"]
    name = str(meta["name"])
    return {
        "name": child_name(name, "-inference-pool"),
        "namespace": str(meta.get("namespace") or ""),
        "labels": scheduler_labels(name),
        "spec": copy.deepcopy((sched.get("pool") or {}).get("spec") or {}),
    }


def inference_pool_v1alpha2(pool: Mapping[str, Any]) -> dict[str, Any]:
    """GIE's `InferencePool.ConvertFrom` (v1 → v1alpha2, `convertEndpointPickerRefFromV1`) of
    the v1 pool built above."""
    spec = pool["spec"]
    epp = spec.get("endpointPickerRef") or {}
    ext: dict[str, Any] = {}
    if "group" in epp:
        ext["group"] = epp["group"]
    ext["kind"] = epp.get("kind", "")
    ext["name"] = epp.get("name", "")
    if isinstance(epp.get("port"), dict):
        ext["portNumber"] = epp["port"].get("number", 0)
    ext["failureMode"] = epp.get("failureMode", "")
    out_spec: dict[str, Any] = {
        "targetPortNumber": (spec.get("targetPorts") or [{}])[0].get("number", 0),
        "extensionRef": ext,
    }
    labels = (spec.get("selector") or {}).get("matchLabels")
    if labels is not None:
        out_spec["selector"] = dict(labels)
    return {**pool, "spec": out_spec}


__all__ = [
    "SchedulerError",
    "attach_tokenizer_storage",
    "auth_delegator_binding",
    "deployment",
    "epp_service_name",
    "inference_pool",
    "inference_pool_v1alpha2",
    "role",
    "role_binding",
    "scheduler",
    "scheduler_labels",
    "service",
    "service_account_name",
]
