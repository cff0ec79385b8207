"""The storage initializer: model download init container, PVC mounts, CA bundle, Istio CNI uid.

Ports KServe v0.20.0 `pkg/webhook/admission/pod/storage_initializer_injector.go`
(`InjectStorageInitializer`, `CommonStorageInitialization`, `GetStorageInitializerReadOnlyFlag`,
`SetIstioCniSecurityContext`, `needCaBundleMount`, `applyConfidentialConfig`) and
`v1alpha1.GetStorageKey`. `CommonStorageInitialization` also serves the controller's
`storageUris` path (`mutator.apply_storage_uris`).
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from generator import constants as c
from generator.admission.pod import (
    MutationContext,
    MutationError,
    StorageMountParams,
    add_default_hugging_face_env_vars,
    add_env_vars,
    add_model_mount,
    annotations_of,
    apply_confidential_config,
    create_init_container_with_config,
    get_container_with_name,
    get_volume_name_from_path,
    go_dir,
    labels_of,
    parse_pvc_uri,
    volume_mount,
)
from generator.admission.pod.modelcar import (
    MAX_OCI_SOURCES_PER_POD,
    configure_modelcar_to_container,
    configure_oci_native_to_container,
    parse_oci_scheme,
    validate_oci_mount_paths,
)
from generator.admission.pod.storage_container import get_storage_container_spec
from generator.config.pod_configs import (
    OCI_MODEL_MODE_NATIVE,
    StorageInitializerConfig,
    resolve_oci_model_mode,
)
from generator.credentials import CredentialBuilder
from generator.credentials.s3 import AWS_CA_BUNDLE, AWS_CA_BUNDLE_CONFIGMAP
from generator.credentials.sources import value_env
from generator.merge import merge_container_with_patch
from generator.utils.storage import find_common_parent_path

CA_BUNDLE_VOLUME_NAME = "cabundle-cert"
CA_BUNDLE_CONFIGMAP_NAME_ENV_VAR_KEY = "CA_BUNDLE_CONFIGMAP_NAME"
CA_BUNDLE_VOLUME_MOUNT_PATH_ENV_VAR_KEY = "CA_BUNDLE_VOLUME_MOUNT_POINT"
ISTIO_INIT_CONTAINER_NAME = "istio-init"
ISTIO_INTERCEPTION_MODE_ANNOTATION = "sidecar.istio.io/interceptionMode"
ISTIO_INTERCEPT_MODE_REDIRECT = "REDIRECT"
ISTIO_SIDECAR_STATUS_ANNOTATION = "sidecar.istio.io/status"
DEFAULT_ISTIO_SIDECAR_UID = 1337
_INT64 = re.compile(r"[+-]?[0-9]+")


@dataclass(frozen=True, slots=True)
class StorageUri:
    """`v1beta1.StorageUri`."""

    uri: str
    mount_path: str


@dataclass(frozen=True, slots=True)
class StorageSpec:
    """The two `v1beta1.StorageSpec` pointers the storage path reads (None = nil)."""

    storage_key: str | None = None
    parameters: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class StorageInitializerParams:
    """Port of `StorageInitializerParams`; `pod_spec` is edited in place."""

    namespace: str
    storage_uris: Sequence[StorageUri]
    is_read_only: bool
    pod_spec: dict[str, Any]
    credentials: CredentialBuilder
    config: StorageInitializerConfig
    annotations: Mapping[str, str] = field(default_factory=dict)
    storage_spec: StorageSpec | None = None
    storage_container: Mapping[str, Any] | None = None  # a ClusterStorageContainer's spec
    is_legacy_uri: bool = False


def get_storage_initializer_read_only_flag(annotations: Mapping[str, str]) -> bool:
    """Port of `GetStorageInitializerReadOnlyFlag`: true unless the annotation says "false"."""
    return annotations.get(c.STORAGE_READONLY_ANNOTATION_KEY) != "false"


def get_storage_key(source_model_uri: str) -> str:
    """Port of `v1alpha1.GetStorageKey`: the first 16 hex digits of the URI's SHA-256."""
    return hashlib.sha256(source_model_uri.encode("utf-8")).hexdigest()[:16]


def _effective_oci_mode(uri: str, config: StorageInitializerConfig) -> tuple[str, str, bool]:
    mode, normalized, is_oci = parse_oci_scheme(uri)
    return mode or (resolve_oci_model_mode(config) if is_oci else ""), normalized, is_oci


def _configure_oci_uris(params: StorageInitializerParams) -> None:
    """The OCI block of `CommonStorageInitialization` for the `storageUris` path."""
    spec = params.pod_spec
    containers = spec.get("containers")
    user = get_container_with_name(containers, c.INFERENCE_SERVICE_CONTAINER_NAME)
    if user is None and get_container_with_name(containers, c.WORKER_CONTAINER_NAME) is None:
        raise MutationError("Invalid configuration: cannot find container")
    paths = [u.mount_path for u in params.storage_uris if u.uri.startswith(c.OCI_URI_PREFIX)]
    if len(paths) > MAX_OCI_SOURCES_PER_POD:
        raise MutationError(
            f"too many OCI sources ({len(paths)}); maximum is {MAX_OCI_SOURCES_PER_POD} per pod"
        )
    validate_oci_mount_paths(paths, resolve_oci_model_mode(params.config))
    target = c.INFERENCE_SERVICE_CONTAINER_NAME if user is not None else c.WORKER_CONTAINER_NAME
    oci_index = 0
    for storage_uri in params.storage_uris:
        mode, uri, is_oci = _effective_oci_mode(storage_uri.uri, params.config)
        if not is_oci or not mode:
            continue
        names = [target]
        if get_container_with_name(spec.get("containers"), c.TRANSFORMER_CONTAINER_NAME):
            names.append(c.TRANSFORMER_CONTAINER_NAME)
        for name in names:
            if mode == OCI_MODEL_MODE_NATIVE:
                configure_oci_native_to_container(uri, spec, name, storage_uri.mount_path)
            else:  # modelcar, and fetch (not implemented separately in v0.20.0)
                configure_modelcar_to_container(
                    uri, spec, name, storage_uri.mount_path, params.config, oci_index
                )
        oci_index += 1


def common_storage_initialization(params: StorageInitializerParams) -> list[str]:
    """Port of `CommonStorageInitialization`: edits `params.pod_spec`, returns warnings."""
    if c.AGENT_SHOULD_INJECT_ANNOTATION_KEY in params.annotations:
        return []
    spec = params.pod_spec
    if any(_effective_oci_mode(u.uri, params.config)[0] for u in params.storage_uris):
        if params.is_legacy_uri:
            return []  # InjectModelcar does the single-URI case
        _configure_oci_uris(params)
    if get_container_with_name(spec.get("initContainers"), c.STORAGE_INITIALIZER_CONTAINER_NAME):
        return []
    if not params.storage_uris:
        return []
    containers = spec.get("containers")
    user = get_container_with_name(containers, c.INFERENCE_SERVICE_CONTAINER_NAME)
    if user is None:
        user = get_container_with_name(containers, c.WORKER_CONTAINER_NAME)
        if user is None:
            raise MutationError("Invalid configuration: cannot find container")
    names = [str(user.get("name"))]
    if get_container_with_name(containers, c.TRANSFORMER_CONTAINER_NAME) is not None:
        names.append(c.TRANSFORMER_CONTAINER_NAME)
    if not params.is_legacy_uri:
        init = _mount_storage_uris(params, names)
    elif len(params.storage_uris) == 1:
        init = _mount_legacy_uri(params, names, user)
    else:
        init = None
    if init is None:
        return []
    return _finish_init_container(params, init)


def _mount_storage_uris(
    params: StorageInitializerParams, names: list[str]
) -> dict[str, Any] | None:
    """The `storageUris` branch: PVCs mounted directly, the rest downloaded by one container."""
    sc = params.storage_container
    if sc is not None and not sc.get("supportsMultiModelDownload"):
        name = (sc.get("container") or {}).get("name", "")
        raise MutationError(
            f'storage container "{name}" does not support multi-model download; use the '
            f"default kserve storage initializer or a compatible storage container"
        )
    spec = params.pod_spec
    uris = [u for u in params.storage_uris if not parse_oci_scheme(u.uri)[2]]
    for storage_uri in (u for u in uris if u.uri.startswith(c.PVC_URI_PREFIX)):
        pvc_name, _ = parse_pvc_uri(storage_uri.uri)
        mount = StorageMountParams(
            storage_uri.mount_path,
            get_volume_name_from_path(storage_uri.mount_path),
            params.is_read_only,
            pvc_name=pvc_name,
        )
        for name in names:
            add_model_mount(mount, name, spec)
    downloads = [u for u in uris if not u.uri.startswith(c.PVC_URI_PREFIX)]
    if not downloads:
        return None
    common = find_common_parent_path([u.mount_path for u in downloads])
    args = [arg for u in downloads for arg in (u.uri, u.mount_path)]
    init = create_init_container_with_config(params.config, args)
    spec.setdefault("initContainers", []).append(init)
    mount = StorageMountParams(common, get_volume_name_from_path(common), params.is_read_only)
    for name in [*names, init["name"]]:
        add_model_mount(mount, name, spec)
    return init


def _mount_legacy_uri(
    params: StorageInitializerParams, names: list[str], user: dict[str, Any]
) -> dict[str, Any] | None:
    """The single-URI branch: a PVC mounted at /mnt/models, or the download init container."""
    spec = params.pod_spec
    storage_uri = params.storage_uris[0]
    mount = StorageMountParams(
        c.DEFAULT_MODEL_LOCAL_MOUNT_PATH, c.STORAGE_INITIALIZER_VOLUME_NAME, params.is_read_only
    )
    init = None
    if storage_uri.uri.startswith(c.PVC_URI_PREFIX):
        pvc_name, pvc_path = parse_pvc_uri(storage_uri.uri)
        mount = replace(
            mount, sub_path=pvc_path, pvc_name=pvc_name, volume_name=c.PVC_SOURCE_MOUNT_NAME
        )
    else:
        init = create_init_container_with_config(
            params.config, [storage_uri.uri, storage_uri.mount_path]
        )
        spec.setdefault("initContainers", []).append(init)
        names = [*names, init["name"]]
    for name in names:
        add_model_mount(mount, name, spec)
    for env in user.get("env") or []:
        if env.get("name") == c.CUSTOM_SPEC_STORAGE_URI_ENV_VAR_KEY and env.get("value"):
            env["value"] = c.DEFAULT_MODEL_LOCAL_MOUNT_PATH
    return init


def _finish_init_container(params: StorageInitializerParams, init: dict[str, Any]) -> list[str]:
    """Credentials, CA bundle, ClusterStorageContainer patch, HF and confidential env."""
    spec = params.pod_spec
    storage = params.storage_spec
    volumes = spec.setdefault("volumes", [])
    if storage is not None and storage.storage_key is not None and storage.parameters is not None:
        warnings = params.credentials.create_storage_spec_secret_envs(
            params.namespace, params.annotations, storage.storage_key, storage.parameters, init
        )
    else:
        warnings = params.credentials.create_secret_volume_and_env(
            params.namespace,
            params.annotations,
            str(spec.get("serviceAccountName") or ""),
            init,
            volumes,
        )
    ca_bundle = _ca_bundle(params, init, warnings)
    if params.storage_container is not None:
        inits = spec["initContainers"]
        index = next(i for i, x in enumerate(inits) if x is init)
        init = merge_container_with_patch(init, params.storage_container.get("container") or {})
        inits[index] = init
    if ca_bundle is not None:
        name, path = ca_bundle
        add_env_vars(
            init,
            [
                value_env(CA_BUNDLE_CONFIGMAP_NAME_ENV_VAR_KEY, name),
                value_env(CA_BUNDLE_VOLUME_MOUNT_PATH_ENV_VAR_KEY, path),
            ],
        )
        volumes.append({"name": CA_BUNDLE_VOLUME_NAME, "configMap": {"name": name}})
        init.setdefault("volumeMounts", []).append(volume_mount(CA_BUNDLE_VOLUME_NAME, path, True))
    add_default_hugging_face_env_vars(init)
    apply_confidential_config(init, params.annotations)
    return warnings


def _ca_bundle(
    params: StorageInitializerParams, init: Mapping[str, Any], warnings: list[str]
) -> tuple[str, str] | None:
    """`needCaBundleMount` and the ConfigMap name / mount path it implies, or None."""
    envs = init.get("env") or []
    config = params.config
    if not config.ca_bundle_config_map_name and not any(
        e.get("name") == AWS_CA_BUNDLE_CONFIGMAP for e in envs
    ):
        return None
    name = config.ca_bundle_config_map_name
    if params.namespace != c.KSERVE_NAMESPACE:
        name = c.DEFAULT_GLOBAL_CA_BUNDLE_CONFIG_MAP_NAME
    path = config.ca_bundle_volume_mount_path or c.DEFAULT_CA_BUNDLE_VOLUME_MOUNT_PATH
    for env in envs:
        if env.get("name") not in (AWS_CA_BUNDLE_CONFIGMAP, AWS_CA_BUNDLE):
            continue
        if "valueFrom" in env:
            # GitOps: KServe uses the Secret value here; it is not read, so keep the default.
            warnings.append(
                f"{env['name']} comes from a Secret data key, so the CA bundle "
                f"{'ConfigMap' if env['name'] == AWS_CA_BUNDLE_CONFIGMAP else 'mount path'} "
                f"is rendered from the storageInitializer config instead; set it with a Secret "
                f"annotation to render what KServe would"
            )
        elif env["name"] == AWS_CA_BUNDLE_CONFIGMAP:
            name = str(env.get("value") or "")
        else:
            path = go_dir(str(env.get("value") or ""))
    return name, path


def _storage_spec_from_annotations(annotations: Mapping[str, str]) -> StorageSpec:
    """The storage-spec annotations `InjectStorageInitializer` turns back into a StorageSpec."""
    if annotations.get(c.STORAGE_SPEC_ANNOTATION_KEY) != "true":
        return StorageSpec()
    params: dict[str, str] = {}
    text = annotations.get(c.STORAGE_SPEC_PARAM_ANNOTATION_KEY)
    if text is not None:
        try:
            decoded = json.loads(text)
        except json.JSONDecodeError as err:
            raise MutationError(
                f"invalid JSON in {c.STORAGE_SPEC_PARAM_ANNOTATION_KEY}: {err}"
            ) from None
        # unconfirmed: Go's json.Unmarshal error texts are not reproduced word for word.
        if decoded is not None and (
            not isinstance(decoded, dict) or not all(isinstance(v, str) for v in decoded.values())
        ):
            raise MutationError(
                f"json: cannot unmarshal {c.STORAGE_SPEC_PARAM_ANNOTATION_KEY} into Go value of "
                f"type map[string]string"
            )
        params = decoded or {}
    return StorageSpec(annotations.get(c.STORAGE_SPEC_KEY_ANNOTATION_KEY, ""), params)


def inject_storage_initializer(pod: dict[str, Any], ctx: MutationContext) -> list[str]:
    """Port of `InjectStorageInitializer`: the legacy single-URI path, from pod annotations."""
    annotations = annotations_of(pod)
    source_uri = annotations.get(c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY)
    if source_uri is None:
        return []
    if c.LOCAL_MODEL_LABEL in labels_of(pod):
        local_uri = annotations.get(c.LOCAL_MODEL_SOURCE_URI_ANNOTATION_KEY, "")
        sub_path = source_uri.removeprefix(local_uri)
        if not sub_path.startswith("/"):
            sub_path = "/" + sub_path
        pvc_name = annotations.get(c.LOCAL_MODEL_PVC_NAME_ANNOTATION_KEY)
        if pvc_name is None:
            raise MutationError(f"Annotation {c.LOCAL_MODEL_PVC_NAME_ANNOTATION_KEY} not found")
        source_uri = f"pvc://{pvc_name}/models/{get_storage_key(local_uri)}{sub_path}"
    storage_spec = _storage_spec_from_annotations(annotations)
    storage_container = get_storage_container_spec(
        source_uri,
        annotations.get(c.STORAGE_CONTAINER_NAME_ANNOTATION_KEY),
        ctx.storage_containers,
    )
    params = StorageInitializerParams(
        namespace=ctx.namespace,
        storage_uris=[StorageUri(source_uri, c.DEFAULT_MODEL_LOCAL_MOUNT_PATH)],
        is_read_only=get_storage_initializer_read_only_flag(annotations),
        pod_spec=pod.setdefault("spec", {}),
        credentials=ctx.credentials,
        config=ctx.config.storage_initializer,
        annotations=annotations,
        storage_spec=storage_spec,
        storage_container=storage_container,
        is_legacy_uri=True,
    )
    return common_storage_initialization(params)


def set_istio_cni_security_context(pod: dict[str, Any], ctx: MutationContext) -> list[str]:
    """Port of `SetIstioCniSecurityContext`: run the storage initializer as the sidecar's uid."""
    spec = pod.get("spec") or {}
    inits = spec.get("initContainers") or []
    found = [i for i in inits if i.get("name") == c.STORAGE_INITIALIZER_CONTAINER_NAME]
    if not found:
        return []
    initializer = found[-1]
    annotations = annotations_of(pod)
    if c.ISTIO_SIDECAR_UID_ANNOTATION_KEY in annotations:
        value = annotations[c.ISTIO_SIDECAR_UID_ANNOTATION_KEY]
        if _INT64.fullmatch(value) and -(2**63) <= int(value) < 2**63:
            initializer.setdefault("securityContext", {})["runAsUser"] = int(value)
        return []
    if any(i.get("name") == ISTIO_INIT_CONTAINER_NAME for i in inits):
        return []
    if annotations.get(ISTIO_INTERCEPTION_MODE_ANNOTATION) != ISTIO_INTERCEPT_MODE_REDIRECT:
        return []
    status = annotations.get(ISTIO_SIDECAR_STATUS_ANNOTATION)
    if status is None:
        return []
    try:
        decoded = json.loads(status)
    except json.JSONDecodeError as err:
        raise MutationError(f"invalid {ISTIO_SIDECAR_STATUS_ANNOTATION}: {err}") from None
    if not isinstance(decoded, dict):
        # GitOps: KServe's type assertion panics on a non-object status.
        raise MutationError(f"{ISTIO_SIDECAR_STATUS_ANNOTATION} must be a JSON object")
    names = decoded.get("containers")
    sidecar_name = names[0] if isinstance(names, list) and names else ""
    if not isinstance(sidecar_name, str) or not sidecar_name:
        return []
    sidecar = get_container_with_name(spec.get("containers"), sidecar_name)
    if sidecar is not None:
        uid = (sidecar.get("securityContext") or {}).get("runAsUser")
        initializer.setdefault("securityContext", {})["runAsUser"] = (
            DEFAULT_ISTIO_SIDECAR_UID if uid is None else uid
        )
    return []
