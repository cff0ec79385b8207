"""The single-node workload: `workload_single_node.go: expectedSingleNodeMainDeployment`, the
workload Service (`workload.go: reconcileWorkloadService`) and model storage
(`workload_storage.go: attachModelArtifacts` for hf://, s3:// and pvc://).

`llmsvc` here is the service after `combine`: its spec is the merged config spec.
"""

from __future__ import annotations

import copy
import posixpath
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from generator import constants as c
from generator.admission.pod import (
    MutationError,
    StorageMountParams,
    add_default_hugging_face_env_vars,
    add_env_vars,
    add_model_mount,
    create_init_container_with_config,
    modelcar,
    parse_pvc_uri,
)
from generator.admission.pod.storage_initializer import get_storage_key
from generator.config.pod_configs import (
    OCI_MODEL_MODE_NATIVE,
    StorageInitializerConfig,
    resolve_oci_model_mode,
)
from generator.credentials import CredentialBuilder
from generator.credentials.builder import CredentialError
from generator.credentials.s3 import AWS_CA_BUNDLE, AWS_CA_BUNDLE_CONFIGMAP
from generator.credentials.sources import ServiceAccountInfo
from generator.llmisvc import kv_cache, lora, routing_sidecar, service_accounts, tracing
from generator.llmisvc.config_merge import (
    ANNOTATION_MODEL_BASED_ROUTING_ENABLED,
    child_name,
    workload_label_selector,
    workload_service_name,
)
from generator.utils.storage import find_common_parent_path

COMPONENT_WORKLOAD: Final = "llminferenceservice-workload"
PART_OF: Final = "llminferenceservice"
ROUTING_SIDECAR: Final = "llm-d-routing-sidecar"
_PASSED_ANNOTATIONS: Final = (
    "prometheus.io/scrape",
    "prometheus.io/port",
    "prometheus.io/path",
    "prometheus.io/scheme",
)
# propagateDeploymentMetadata's approved prefixes (KueueAPIGroupName, LocalModelLabel)
_ANNOTATION_PREFIXES: Final = (
    "k8s.v1.cni.cncf.io",
    "kueue.x-k8s.io",
    "prometheus.io",
    "internal.serving.kserve.io/localmodel",
)
TOKENIZER_ONLY_DOWNLOAD: Final = {
    "name": "STORAGE_ALLOW_PATTERNS",
    "value": '["tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", '
    '"vocab.json", "merges.txt", "config.json", "generation_config.json"]',
}
CA_BUNDLE_VOLUME_NAME: Final = "cabundle-cert"
_CA_BUNDLE_CONFIGMAP_ENV: Final = "CA_BUNDLE_CONFIGMAP_NAME"
_CA_BUNDLE_MOUNT_ENV: Final = "CA_BUNDLE_VOLUME_MOUNT_POINT"
_LABEL_PREFIXES: Final = ("kueue.x-k8s.io", "internal.serving.kserve.io/localmodel")


class WorkloadError(ValueError):
    """What KServe's workload reconcile fails on, with the spec field to blame."""

    def __init__(self, message: str, field: str = "spec") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Storage:
    """What attachModelArtifacts reads beside the service."""

    config: StorageInitializerConfig
    credentials: CredentialBuilder


def single_node_labels(name: str) -> dict[str, str]:
    """Port of `singleNodeLabels`."""
    return {
        "app.kubernetes.io/component": COMPONENT_WORKLOAD,
        "app.kubernetes.io/name": name,
        "app.kubernetes.io/part-of": PART_OF,
    }


def _prefixed(source: Mapping[str, str], prefixes: tuple[str, ...]) -> dict[str, str]:
    return {k: v for k, v in source.items() if any(k.startswith(p) for p in prefixes)}


def main_deployment(llmsvc: Mapping[str, Any], storage: Storage) -> dict[str, Any]:
    """Port of `expectedSingleNodeMainDeployment` (single node, no prefill).

    KServe builds one Go map for the Deployment's labels, its selector and the pod labels, then
    adds the approved-prefix labels and `spec.labels` through the pod template: all three carry
    them (so `spec.labels` can move the selector, as the multi-vendor sample relies on).
    """
    meta = llmsvc["metadata"]
    spec = llmsvc["spec"]
    name, namespace = str(meta["name"]), str(meta.get("namespace") or "")
    svc_annotations: Mapping[str, str] = meta.get("annotations") or {}
    svc_labels: Mapping[str, str] = meta.get("labels") or {}
    labels = single_node_labels(name)
    labels["kserve.io/component"] = "workload"
    labels["llm-d.ai/role"] = "decode" if spec.get("prefill") is not None else "both"
    pod_annotations = {k: svc_annotations[k] for k in _PASSED_ANNOTATIONS if k in svc_annotations}
    deployment_annotations = _prefixed(svc_annotations, _ANNOTATION_PREFIXES)
    pod_annotations.update(deployment_annotations)
    labels.update(_prefixed(svc_labels, _LABEL_PREFIXES))
    labels.update(spec.get("labels") or {})
    pod_annotations.update(
        {
            k: v
            for k, v in (spec.get("annotations") or {}).items()
            if k != ANNOTATION_MODEL_BASED_ROUTING_ENABLED
        }
    )
    pod_spec: dict[str, Any] | None = None
    template = spec.get("template")
    if isinstance(template, dict):
        pod_spec = copy.deepcopy(template)
        account = _main_account(llmsvc, pod_spec, storage)
        attach_model_artifacts(
            llmsvc,
            pod_spec,
            storage,
            "main",
            c.DEFAULT_MODEL_LOCAL_MOUNT_PATH,
            service_account=account,
            attach_lora=True,
        )
        kv_cache.attach_secondary_tiers(pod_spec, spec.get("kvCacheOffloading"), "main")
    deployment_spec: dict[str, Any] = {
        "selector": {"matchLabels": dict(labels)},
        "template": {"metadata": {"labels": dict(labels)}, "spec": pod_spec or {}},
    }
    if pod_annotations:
        deployment_spec["template"]["metadata"]["annotations"] = pod_annotations
    if spec.get("replicas") is not None:
        deployment_spec["replicas"] = spec["replicas"]
    deployment = {
        "name": child_name(name, "-kserve"),
        "namespace": namespace,
        "labels": dict(labels),
        "annotations": deployment_annotations or None,
        "spec": deployment_spec,
    }
    tracing.trace_workload(llmsvc, deployment, "-decode")
    return deployment


def _main_account(
    llmsvc: Mapping[str, Any], pod_spec: dict[str, Any], storage: Storage
) -> ServiceAccountInfo | None:
    """Port of `expectedSingleNodeMainServiceAccount`, as `expectedSingleNodeMainDeployment`
    hands its ServiceAccount to attachModelArtifacts: with the routing sidecar, that one (the
    pod runs as it, its sidecar told the pool); else the template's, which must exist."""
    meta = llmsvc["metadata"]
    name, namespace = str(meta["name"]), str(meta.get("namespace") or "")
    named = str(pod_spec.get("serviceAccountName") or "")
    field = "spec.template.serviceAccountName"
    what = "single node main"
    if routing_sidecar.has_routing_sidecar(pod_spec):
        expected = routing_sidecar.single_node_account_name(name)
        if named and named != expected:
            account = existing_account(storage, namespace, named, what, field)
        else:
            account = service_accounts.created(storage.credentials.index, namespace, expected)
        pod_spec["serviceAccountName"] = account.name
        routing_sidecar.add_inference_pool_env(llmsvc, pod_spec)
        return account
    if named:
        return existing_account(storage, namespace, named, what, field)
    return None


def existing_account(
    storage: Storage, namespace: str, name: str, what: str, field: str
) -> ServiceAccountInfo:
    """A ServiceAccount the pods name; KServe's `r.Get` fails when it is missing."""
    found = storage.credentials.index.service_account(namespace, name)
    if found is None:
        raise WorkloadError(service_accounts.missing(what, namespace, name), field)
    return found


def workload_service(llmsvc: Mapping[str, Any], enable_tls: bool) -> dict[str, Any]:
    """Port of `reconcileWorkloadService`'s expected Service."""
    meta = llmsvc["metadata"]
    spec = llmsvc["spec"]
    name = str(meta["name"])
    protocol = "https" if enable_tls else "http"
    labels = single_node_labels(name)
    labels.update(spec.get("labels") or {})
    annotations = {
        k: v
        for k, v in (spec.get("annotations") or {}).items()
        if k != ANNOTATION_MODEL_BASED_ROUTING_ENABLED
    }
    return {
        "name": workload_service_name(name),
        "namespace": str(meta.get("namespace") or ""),
        "labels": labels,
        "annotations": annotations or None,
        "spec": {
            "ports": [
                {
                    "name": protocol,
                    "protocol": "TCP",
                    "appProtocol": protocol,
                    "port": 8000,
                    "targetPort": 8000,
                }
            ],
            "selector": workload_label_selector(name),
            "type": "ClusterIP",
        },
    }


def _on_local_model_cache(llmsvc: Mapping[str, Any], uri: str, scheme: str) -> tuple[str, str]:
    """The model URI and scheme to attach (`attachModelArtifacts`): with the local-model label,
    the model on the cache's PVC, `pvc://<pvc>/models/<storage key of the cache's URI><path
    below it>`."""
    meta = llmsvc.get("metadata") or {}
    if c.LOCAL_MODEL_LABEL not in (meta.get("labels") or {}):
        return uri, scheme
    annotations = meta.get("annotations") or {}
    where = f"LLMInferenceService {meta.get('namespace', '')}/{meta.get('name', '')}"
    keys = (c.LOCAL_MODEL_SOURCE_URI_ANNOTATION_KEY, c.LOCAL_MODEL_PVC_NAME_ANNOTATION_KEY)
    for key in keys:
        if key not in annotations:
            raise WorkloadError(f"{where}: annotation {key} not found", "metadata.annotations")
    source, pvc = (str(annotations[key]) for key in keys)
    sub_path = uri.removeprefix(source)
    if not sub_path.startswith("/"):
        sub_path = "/" + sub_path
    return f"pvc://{pvc}/models/{get_storage_key(source)}{sub_path}", "pvc"


def attach_model_artifacts(
    llmsvc: Mapping[str, Any],
    pod_spec: dict[str, Any],
    storage: Storage,
    container: str,
    model_path: str,
    account_name: str | None = None,
    service_account: ServiceAccountInfo | None = None,
    attach_lora: bool = False,
) -> None:
    """Port of `attachModelArtifacts` for hf://, s3://, pvc://, oci:// and oci+native://.
    `service_account` is the one KServe passes, else `account_name`'s, else the pod's. With
    `attach_lora` (the workloads, not the scheduler's tokenizer) the LoRA adapters too: their
    hf:// and s3:// downloads in the same storage-initializer as the model's.

    GitOps: first-create semantics (no live Deployment): the storage-initializer image is the
    configured one and the HF variables are always added."""
    spec = llmsvc["spec"]
    adapters = lora.enumerate_adapters(spec) if attach_lora else []
    pairs = lora.download_pairs(adapters)

    def account() -> ServiceAccountInfo | None:
        return service_account or _named_account(llmsvc, pod_spec, storage, account_name)

    def downloads(pairs: list[tuple[str, str]]) -> None:
        attach_multi_storage_downloads(llmsvc, pod_spec, storage, container, pairs, account())

    uri = str((spec.get("model") or {}).get("uri") or "")
    scheme, sep, _ = uri.partition("://")
    if not sep:
        raise WorkloadError(f"invalid model URI: {uri}", "spec.model.uri")
    enabled = (spec.get("storageInitializer") or {}).get("enabled")
    if enabled is False:
        return
    uri, scheme = _on_local_model_cache(llmsvc, uri, scheme)
    if scheme == "pvc":
        pvc_name, pvc_path = parse_pvc_uri(uri)
        add_model_mount(
            StorageMountParams(model_path, c.PVC_SOURCE_MOUNT_NAME, True, pvc_path, pvc_name),
            container,
            pod_spec,
        )
        if pairs:
            downloads(pairs)
        else:
            _strip_storage_initializer(pod_spec)
    elif scheme == "oci+native":
        # the image volume; KServe leaves a template's storage-initializer in place here
        _, normalized, _ = modelcar.parse_oci_scheme(uri)
        _attach_oci(normalized, pod_spec, container, model_path, None)
        if pairs:
            downloads(pairs)
    elif scheme == "oci":
        mode = resolve_oci_model_mode(storage.config)
        if not mode:
            raise WorkloadError("OCI modelcars is not enabled", "spec.model.uri")
        config = None if mode == OCI_MODEL_MODE_NATIVE else storage.config
        _attach_oci(uri, pod_spec, container, model_path, config)
        if pairs:
            downloads(pairs)
        else:
            _strip_storage_initializer(pod_spec)
    elif scheme in ("hf", "s3") and pairs:
        downloads([(uri, c.DEFAULT_MODEL_LOCAL_MOUNT_PATH), *pairs])
    elif scheme in ("hf", "s3"):
        _attach_storage_initializer(
            llmsvc, uri, pod_spec, storage, container, model_path, account()
        )
    else:
        raise WorkloadError(f"unsupported schema in model URI: {uri}", "spec.model.uri")
    if attach_lora:
        namespace = str(llmsvc["metadata"].get("namespace") or "")
        lora.attach_adapters(spec, namespace, pod_spec, adapters)


def _named_account(
    llmsvc: Mapping[str, Any],
    pod_spec: Mapping[str, Any],
    storage: Storage,
    account_name: str | None,
) -> ServiceAccountInfo | None:
    namespace = str(llmsvc["metadata"].get("namespace") or "")
    account_name = account_name or str(pod_spec.get("serviceAccountName") or "default")
    account = storage.credentials.index.service_account(namespace, account_name)
    if account is None and account_name != "default":
        raise WorkloadError(
            f"failed to fetch existing single node main service account "
            f"{namespace}/{account_name}: not in the input set",
            "spec.template.serviceAccountName",
        )
    return account


def _attach_oci(
    uri: str,
    pod_spec: dict[str, Any],
    container: str,
    model_path: str,
    modelcar_config: StorageInitializerConfig | None,
) -> None:
    """`attachOciModelArtifact` (the modelcar sidecar, with its config) or
    `attachOciNativeModelArtifact` (an image volume, without)."""
    try:
        if modelcar_config is None:
            modelcar.configure_oci_native_to_container(uri, pod_spec, container, model_path)
        else:
            modelcar.configure_modelcar_to_container(
                uri, pod_spec, container, model_path, modelcar_config, 0
            )
    except MutationError as err:
        raise WorkloadError(str(err), "spec.model.uri") from err


def _strip_storage_initializer(pod_spec: dict[str, Any]) -> dict[str, Any] | None:
    """Port of `extractAndStripStorageInitializer`."""
    inits = pod_spec.get("initContainers") or []
    found = [i for i in inits if i.get("name") == c.STORAGE_INITIALIZER_CONTAINER_NAME]
    if "initContainers" in pod_spec:
        pod_spec["initContainers"] = [
            i for i in inits if i.get("name") != c.STORAGE_INITIALIZER_CONTAINER_NAME
        ]
        if not pod_spec["initContainers"]:
            del pod_spec["initContainers"]
    return found[-1] if found else None


def _attach_storage_initializer(
    llmsvc: Mapping[str, Any],
    uri: str,
    pod_spec: dict[str, Any],
    storage: Storage,
    container: str,
    model_path: str,
    account: ServiceAccountInfo | None,
) -> None:
    """`attachStorageInitializer` then the credentials of `attachHfModelArtifact` /
    `attachS3ModelArtifact`."""
    meta = llmsvc["metadata"]
    user = _strip_storage_initializer(pod_spec)
    if user is not None:
        raise WorkloadError(
            "a storage-initializer init container in the template is merged by KServe with a "
            "strategic patch that is not ported yet",
            "spec.template.initContainers",
        )
    init = create_init_container_with_config(
        storage.config, [uri, c.DEFAULT_MODEL_LOCAL_MOUNT_PATH]
    )
    pod_spec.setdefault("initContainers", []).append(init)
    add_model_mount(
        StorageMountParams(
            c.DEFAULT_MODEL_LOCAL_MOUNT_PATH, c.STORAGE_INITIALIZER_VOLUME_NAME, False
        ),
        init["name"],
        pod_spec,
    )
    add_model_mount(
        StorageMountParams(model_path, c.STORAGE_INITIALIZER_VOLUME_NAME, True),
        container,
        pod_spec,
    )
    init = pod_spec["initContainers"][-1]
    _credentials(llmsvc, init, pod_spec, storage, account)
    if uri.startswith("s3://"):
        inject_ca_bundle(str(meta.get("namespace") or ""), pod_spec, init, storage.config)
    if uri.startswith("hf://"):
        add_default_hugging_face_env_vars(init)
    if container == "tokenizer":
        add_env_vars(init, [TOKENIZER_ONLY_DOWNLOAD])


def _credentials(
    llmsvc: Mapping[str, Any],
    init: dict[str, Any],
    pod_spec: dict[str, Any],
    storage: Storage,
    account: ServiceAccountInfo | None,
) -> None:
    """The credentials of the workload's ServiceAccount on the storage-initializer."""
    if account is None:
        return
    annotations = llmsvc["metadata"].get("annotations")
    try:
        storage.credentials.create_secret_volume_and_env_from_service_account(
            account, annotations, init, pod_spec.setdefault("volumes", [])
        )
    except CredentialError as err:
        raise WorkloadError(str(err), "spec.template.serviceAccountName") from err


def attach_multi_storage_downloads(
    llmsvc: Mapping[str, Any],
    pod_spec: dict[str, Any],
    storage: Storage,
    container: str,
    pairs: list[tuple[str, str]],
    account: ServiceAccountInfo | None,
) -> None:
    """Port of `workload_storage.go: attachMultiStorageDownloads`: one storage-initializer
    with `uri path` argument pairs, the shared emptyDir mounted at the paths' common parent
    (read-only on the workload container)."""
    if not pairs:
        return
    if _strip_storage_initializer(pod_spec) is not None:
        raise WorkloadError(
            "a storage-initializer init container in the template is merged by KServe with a "
            "strategic patch that is not ported yet",
            "spec.template.initContainers",
        )
    parent = find_common_parent_path([path for _, path in pairs]) or "/"
    init = create_init_container_with_config(
        storage.config, [arg for pair in pairs for arg in pair]
    )
    pod_spec.setdefault("initContainers", []).append(init)
    volume = c.STORAGE_INITIALIZER_VOLUME_NAME
    add_model_mount(StorageMountParams(parent, volume, False), init["name"], pod_spec)
    add_model_mount(StorageMountParams(parent, volume, True), container, pod_spec)
    init = pod_spec["initContainers"][-1]
    namespace = str(llmsvc["metadata"].get("namespace") or "")
    _credentials(llmsvc, init, pod_spec, storage, account)
    if any(uri.startswith("hf://") for uri, _ in pairs):
        add_default_hugging_face_env_vars(init)
    if container == "tokenizer":
        add_env_vars(init, [TOKENIZER_ONLY_DOWNLOAD])
    inject_ca_bundle(namespace, pod_spec, init, storage.config)


def inject_ca_bundle(
    namespace: str,
    pod_spec: dict[str, Any],
    init: dict[str, Any],
    config: StorageInitializerConfig,
) -> None:
    """Port of `workload_storage.go: injectCaBundle`: the CA bundle ConfigMap mounted on the
    storage-initializer when the config or an AWS_CA_BUNDLE_CONFIGMAP variable names one."""
    env = init.get("env") or []
    names = {str(e.get("name")) for e in env}
    if not config.ca_bundle_config_map_name and AWS_CA_BUNDLE_CONFIGMAP not in names:
        return
    config_map = config.ca_bundle_config_map_name
    if namespace != c.KSERVE_NAMESPACE:
        config_map = c.DEFAULT_GLOBAL_CA_BUNDLE_CONFIG_MAP_NAME
    mount_path = config.ca_bundle_volume_mount_path or c.DEFAULT_CA_BUNDLE_VOLUME_MOUNT_PATH
    for e in env:
        if e.get("name") == AWS_CA_BUNDLE_CONFIGMAP:
            config_map = str(e.get("value") or "")
        elif e.get("name") == AWS_CA_BUNDLE:
            mount_path = posixpath.dirname(str(e.get("value") or "")) or "."
    if _CA_BUNDLE_CONFIGMAP_ENV not in names:
        init.setdefault("env", []).append({"name": _CA_BUNDLE_CONFIGMAP_ENV, "value": config_map})
    if _CA_BUNDLE_MOUNT_ENV not in names:
        init.setdefault("env", []).append({"name": _CA_BUNDLE_MOUNT_ENV, "value": mount_path})
    pod_spec.setdefault("volumes", []).append(
        {"name": CA_BUNDLE_VOLUME_NAME, "configMap": {"name": config_map}}
    )
    init.setdefault("volumeMounts", []).append(
        {"name": CA_BUNDLE_VOLUME_NAME, "mountPath": mount_path, "readOnly": True}
    )


__all__ = ["Storage", "WorkloadError", "main_deployment", "workload_service"]
