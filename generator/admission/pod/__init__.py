"""The pod mutating webhook, run at render time on the pod templates the controller produced.

Ports KServe v0.20.0 `pkg/webhook/admission/pod/` (one module per injector; the order lives in
`mutator.py`) and the helpers they share from `pkg/utils/utils.go` (`GetContainerWithName`,
`AddOrReplaceEnv`, `AddVolumeMountIfNotPresent*`, `GetParentDirectory`) and
`pkg/utils/storage.go` (`ParsePvcURI`, `AddModelMount`, `AddEmptyDirVolumeIfNotPresent`,
`FindCommonParentPath`, `GetVolumeNameFromPath`, `CreateInitContainerWithConfig`,
`AddDefaultHuggingFaceEnvVars`, `AddEnvVars`) and `pkg/utils/confidential.go`. Pods are plain
dicts in their YAML shape; injectors edit the copy `mutate_pod` made, as the Go code edits its
pod.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator import constants as c
from generator.config import Config
from generator.config.pod_configs import StorageInitializerConfig
from generator.config.quantity import QuantityError, parse_quantity
from generator.credentials import CredentialBuilder, SecretIndex

__all__ = ["MutationContext", "MutationError"]

STORAGE_INITIALIZER_CONTAINER_IMAGE = "kserve/storage-initializer"
STORAGE_INITIALIZER_CONTAINER_IMAGE_VERSION = "latest"
CONFIDENTIAL_ENABLED_ENV_VAR = "CONFIDENTIAL_ENABLED"
CONFIDENTIAL_RESOURCE_ID_ENV_VAR = "CONFIDENTIAL_RESOURCE_ID"
DEFAULT_HUGGING_FACE_ENV_VARS = (
    {"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "1"},
    {"name": "HF_XET_HIGH_PERFORMANCE", "value": "1"},
    {"name": "HF_XET_NUM_CONCURRENT_RANGE_GETS", "value": "8"},
)


class MutationError(ValueError):
    """An error an injector returns: KServe would reject the pod."""


@dataclass(frozen=True, slots=True)
class MutationContext:
    """What the webhook reads besides the pod itself.

    - `config`: the resolved `inferenceservice-config`;
    - `namespace`: the pod's namespace (the admission request's);
    - `secrets`: Secrets and ServiceAccounts of the input set (key names, annotations);
    - `storage_containers`: ClusterStorageContainer objects of the input set (may be empty);
    - `isvc`: the InferenceService named by the pod's label, for its predictor logger spec
      (`getLoggerConfigs`); None when it is not known.
    """

    config: Config
    namespace: str
    secrets: SecretIndex = field(default_factory=SecretIndex)
    storage_containers: tuple[Mapping[str, Any], ...] = ()
    isvc: Mapping[str, Any] | None = None

    @property
    def credentials(self) -> CredentialBuilder:
        """`credentials.NewCredentialBuilder` for this render."""
        return CredentialBuilder(self.config.credentials, self.secrets)


def annotations_of(pod: Mapping[str, Any]) -> dict[str, str]:
    """The pod's annotations (a live dict when the pod has one)."""
    meta = pod.get("metadata") or {}
    return meta.get("annotations") or {}


def labels_of(pod: Mapping[str, Any]) -> dict[str, str]:
    meta = pod.get("metadata") or {}
    return meta.get("labels") or {}


def get_container_with_name(
    containers: Sequence[dict[str, Any]] | None, name: str
) -> dict[str, Any] | None:
    """Port of `GetContainerWithName` / `GetInitContainerWithName` (the first match)."""
    return next((c for c in containers or () if c.get("name") == name), None)


def add_or_replace_env(container: dict[str, Any], name: str, value: str) -> None:
    """Port of `AddOrReplaceEnv`: an existing variable only gets its `value` set."""
    envs = container.setdefault("env", [])
    for env in envs:
        if env.get("name") == name:
            if value:
                env["value"] = value
            else:
                env.pop("value", None)
            return
    envs.append({"name": name, "value": value} if value else {"name": name})


def volume_mount(
    name: str, mount_path: str, read_only: bool = False, sub_path: str = ""
) -> dict[str, Any]:
    """A VolumeMount as Go marshals it (false and empty fields omitted)."""
    mount: dict[str, Any] = {"name": name, "mountPath": mount_path}
    if read_only:
        mount["readOnly"] = True
    if sub_path:
        mount["subPath"] = sub_path
    return mount


def add_volume_mount_if_not_present(
    container: dict[str, Any], name: str, mount_path: str, read_only: bool, sub_path: str = ""
) -> None:
    """Port of `AddVolumeMountIfNotPresent(WithSubPath)`: skip when the name is mounted."""
    mounts = container.setdefault("volumeMounts", [])
    if not any(m.get("name") == name for m in mounts):
        mounts.append(volume_mount(name, mount_path, read_only, sub_path))


def add_empty_dir_volume_if_not_present(pod_spec: dict[str, Any], name: str) -> None:
    """Port of `AddEmptyDirVolumeIfNotPresent`."""
    volumes = pod_spec.setdefault("volumes", [])
    if not any(v.get("name") == name for v in volumes):
        volumes.append({"name": name, "emptyDir": {}})


def go_dir(path: str) -> str:
    """Go's `filepath.Dir`: everything up to the last slash, cleaned; "." when there is none."""
    head = path[: path.rfind("/") + 1]
    cleaned = posixpath.normpath(head) if head else "."
    return "/" + cleaned.lstrip("/") if cleaned.startswith("//") else cleaned


def get_parent_directory(path: str) -> str:
    """Port of `GetParentDirectory`: `filepath.Dir`, with "." and "/" both giving "/"."""
    parent = go_dir(path)
    return "/" if parent in (".", "/") else parent


def get_volume_name_from_path(path: str) -> str:
    """Port of `GetVolumeNameFromPath`: trimmed of "/", inner "/" turned into "-"."""
    return path.strip("/").replace("/", "-")


def parse_pvc_uri(uri: str) -> tuple[str, str]:
    """Port of `ParsePvcURI`: `pvc://<name>[/<path>]` → (name, path)."""
    name, _, path = uri.removeprefix("pvc://").partition("/")
    return name, path


@dataclass(frozen=True, slots=True)
class StorageMountParams:
    """Port of `utils.StorageMountParams`."""

    mount_path: str
    volume_name: str
    read_only: bool
    sub_path: str = ""
    pvc_name: str = ""


def add_model_mount(
    params: StorageMountParams, container_name: str, pod_spec: dict[str, Any]
) -> None:
    """Port of `AddModelMount`: mount on the named (init) container, add the volume once."""
    source: dict[str, Any] = (
        {"persistentVolumeClaim": {"claimName": params.pvc_name}}
        if params.pvc_name
        else {"emptyDir": {}}
    )
    added = False
    container = get_container_with_name(pod_spec.get("containers"), container_name)
    if container is not None:
        added = _add_mount(container, params, params.read_only)
    if not added:
        init = get_container_with_name(pod_spec.get("initContainers"), container_name)
        if init is not None:
            added = _add_mount(init, params, False)  # init containers write the model
    if added:
        volumes = pod_spec.setdefault("volumes", [])
        if not any(v.get("name") == params.volume_name for v in volumes):
            volumes.append({"name": params.volume_name, **source})


def _add_mount(container: dict[str, Any], params: StorageMountParams, read_only: bool) -> bool:
    mounts = container.setdefault("volumeMounts", [])
    if any(m.get("name") == params.volume_name for m in mounts):
        return False
    mounts.append(volume_mount(params.volume_name, params.mount_path, read_only, params.sub_path))
    return True


def create_init_container_with_config(
    config: StorageInitializerConfig, args: Sequence[str]
) -> dict[str, Any]:
    """Port of `CreateInitContainerWithConfig`."""
    default_image = (
        f"{STORAGE_INITIALIZER_CONTAINER_IMAGE}:{STORAGE_INITIALIZER_CONTAINER_IMAGE_VERSION}"
    )
    return {
        "name": c.STORAGE_INITIALIZER_CONTAINER_NAME,
        "image": config.image or default_image,
        "args": list(args),
        "terminationMessagePolicy": "FallbackToLogsOnError",
        "resources": {
            "limits": {
                "cpu": must_parse_quantity(config.cpu_limit, "cpuLimit"),
                "memory": must_parse_quantity(config.memory_limit, "memoryLimit"),
            },
            "requests": {
                "cpu": must_parse_quantity(config.cpu_request, "cpuRequest"),
                "memory": must_parse_quantity(config.memory_request, "memoryRequest"),
            },
        },
    }


def add_env_vars(container: dict[str, Any], envs: Iterable[Mapping[str, Any]]) -> None:
    """Port of `AddEnvVars`: append each variable whose name is not there yet."""
    for env in envs:
        existing = container.setdefault("env", [])
        if not any(e.get("name") == env["name"] for e in existing):
            existing.append(dict(env))


def add_default_hugging_face_env_vars(container: dict[str, Any]) -> None:
    """Port of `AddDefaultHuggingFaceEnvVars`."""
    add_env_vars(container, DEFAULT_HUGGING_FACE_ENV_VARS)


def apply_confidential_config(container: dict[str, Any], annotations: Mapping[str, str]) -> None:
    """Port of `applyConfidentialConfig` / `ApplyConfidentialContainerConfig`."""
    if annotations.get(c.CONFIDENTIAL_ENABLED_ANNOTATION_KEY) != "true":
        return
    add_or_replace_env(container, CONFIDENTIAL_ENABLED_ENV_VAR, "true")
    resource_id = annotations.get(c.CONFIDENTIAL_RESOURCE_ID_ANNOTATION_KEY, "")
    if resource_id:
        add_or_replace_env(container, CONFIDENTIAL_RESOURCE_ID_ENV_VAR, resource_id)


def must_parse_quantity(text: str, what: str) -> str:
    """`resource.MustParse` as Go prints the quantity; Go panics where this raises."""
    try:
        return str(parse_quantity(text))
    except QuantityError as err:
        # GitOps: KServe panics; the resolved config has validated these, so only a hand-made
        # config reaches this.
        raise MutationError(f"cannot parse {what} quantity {text!r}: {err}") from None
