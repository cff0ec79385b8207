"""OCI model images: the modelcar sidecar and native image volumes.

Ports KServe v0.20.0 `pkg/webhook/admission/pod/storage_initializer_injector.go:
InjectModelcar` and from `pkg/utils/storage.go`: `ParseOciScheme`, `ModelcarNames`,
`ShellQuote`, `modelcarCommand`, `CreateModelcarContainer`, `CreateModelcarInitContainer`,
`ValidateOCIMountPaths`, `ConfigureModelcarToContainer` and `ConfigureOciNativeToContainer`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from generator import constants as c
from generator.admission.pod import (
    MutationContext,
    MutationError,
    add_empty_dir_volume_if_not_present,
    add_or_replace_env,
    add_volume_mount_if_not_present,
    annotations_of,
    get_container_with_name,
    get_parent_directory,
    get_volume_name_from_path,
    go_dir,
    must_parse_quantity,
    volume_mount,
)
from generator.config.pod_configs import (
    OCI_MODEL_MODE_NATIVE,
    StorageInitializerConfig,
    resolve_oci_model_mode,
)

MAX_OCI_SOURCES_PER_POD = 10
CPU_MODELCAR_DEFAULT = "10m"
MEMORY_MODELCAR_DEFAULT = "15Mi"
MODEL_INIT_MODE_ENV_VAR_KEY = "MODEL_INIT_MODE"
OCI_NATIVE_DEFAULT_VOLUME_NAME = "oci-model"
_SHELL_SAFE = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-")


def parse_oci_scheme(uri: str) -> tuple[str, str, bool]:
    """Port of `ParseOciScheme`: (mode, URI normalised to `oci://`, is it OCI at all)."""
    if uri.startswith("oci+"):
        rest = uri[len("oci+") :]
        sep = rest.find("://")
        if sep > 0:
            return rest[:sep], c.OCI_URI_PREFIX + rest[sep + 3 :], True
    if uri.startswith(c.OCI_URI_PREFIX):
        return "", uri, True
    return "", uri, False


def modelcar_names(oci_index: int) -> tuple[str, str, str]:
    """Port of `ModelcarNames`: sidecar, init container and volume names for the index."""
    if oci_index == 0:
        return (
            c.MODELCAR_CONTAINER_NAME,
            c.MODELCAR_INIT_CONTAINER_NAME,
            c.STORAGE_INITIALIZER_VOLUME_NAME,
        )
    suffix = f"-{oci_index}"
    return (
        c.MODELCAR_CONTAINER_NAME + suffix,
        c.MODELCAR_INIT_CONTAINER_NAME + suffix,
        c.STORAGE_INITIALIZER_VOLUME_NAME + suffix,
    )


def shell_quote(text: str) -> str:
    """Port of `ShellQuote`: safe strings unchanged, others single-quoted POSIX style."""
    if not text:
        return "''"
    if all(ch in _SHELL_SAFE for ch in text):
        return text
    return "'" + text.replace("'", "'\\''") + "'"


def modelcar_command(model_path: str) -> str:
    """Port of `modelcarCommand` (`$$$$` is what YAML and Kubernetes turn into `$$`)."""
    if model_path != c.DEFAULT_MODEL_LOCAL_MOUNT_PATH:
        return (
            f"mkdir -p {shell_quote(go_dir(model_path))} && "
            f"ln -sf /proc/$$$$/root/models {shell_quote(model_path)} && sleep infinity"
        )
    return f"ln -sf /proc/$$$$/root/models {shell_quote(model_path)} && sleep infinity"


def _modelcar_resources(config: StorageInitializerConfig) -> dict[str, Any]:
    cpu = must_parse_quantity(config.cpu_modelcar or CPU_MODELCAR_DEFAULT, "cpuModelcar")
    memory = must_parse_quantity(
        config.memory_modelcar or MEMORY_MODELCAR_DEFAULT, "memoryModelcar"
    )
    return {"limits": {"cpu": cpu, "memory": memory}, "requests": {"cpu": cpu, "memory": memory}}


def create_modelcar_container(
    name: str, image: str, model_path: str, volume_name: str, config: StorageInitializerConfig
) -> dict[str, Any]:
    """Port of `CreateModelcarContainer`."""
    container: dict[str, Any] = {
        "name": name,
        "image": image,
        "args": ["sh", "-c", modelcar_command(model_path)],
        "volumeMounts": [volume_mount(volume_name, get_parent_directory(model_path))],
        "resources": _modelcar_resources(config),
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }
    if config.uid_modelcar is not None:
        container["securityContext"] = {"runAsUser": config.uid_modelcar}
    return container


def create_modelcar_init_container(
    name: str, image: str, config: StorageInitializerConfig
) -> dict[str, Any]:
    """Port of `CreateModelcarInitContainer`: check the image holds a non-empty /models."""
    check = (
        f"echo 'Pre-fetching modelcar {image}: ' && [ -d /models ] && "
        '[ "$$(ls -A /models)" ] && '
        "echo 'OK ... Prefetched and valid (/models exists)' || "
        "(echo 'NOK ... Prefetched but modelcar is invalid (/models does not exist or is empty)'"
        " && exit 1)"
    )
    return {
        "name": name,
        "image": image,
        "args": ["sh", "-c", check],
        "resources": _modelcar_resources(config),
        "terminationMessagePolicy": "FallbackToLogsOnError",
    }


def validate_oci_mount_paths(mount_paths: Sequence[str], mode: str) -> None:
    """Port of `ValidateOCIMountPaths`: native needs unique paths, modelcar unique parents."""
    if len(mount_paths) <= 1:
        return
    if mode == OCI_MODEL_MODE_NATIVE:
        seen: set[str] = set()
        for path in mount_paths:
            if path in seen:
                raise MutationError(
                    f'OCI mount path "{path}" is specified more than once; each native '
                    f"ImageVolume must have a unique mount path"
                )
            seen.add(path)
        return
    parents: dict[str, str] = {}
    for path in mount_paths:
        parent = get_parent_directory(path)
        if parent in parents:
            raise MutationError(
                f'OCI mount paths "{parents[parent]}" and "{path}" share parent directory '
                f'"{parent}", which would cause volume mount shadowing; use mount paths with '
                f"distinct parent directories"
            )
        parents[parent] = path


def configure_modelcar_to_container(
    model_uri: str,
    pod_spec: dict[str, Any],
    target_name: str,
    model_path: str,
    config: StorageInitializerConfig,
    oci_index: int,
) -> None:
    """Port of `ConfigureModelcarToContainer`."""
    target = get_container_with_name(pod_spec.get("containers"), target_name)
    if target is None:
        raise MutationError(f"no container found with name {target_name}")
    sidecar_name, init_name, volume_name = modelcar_names(oci_index)
    add_or_replace_env(target, MODEL_INIT_MODE_ENV_VAR_KEY, "async")
    add_empty_dir_volume_if_not_present(pod_spec, volume_name)
    add_volume_mount_if_not_present(target, volume_name, get_parent_directory(model_path), False)
    if config.uid_modelcar is not None:
        target.setdefault("securityContext", {})["runAsUser"] = config.uid_modelcar
    if get_container_with_name(pod_spec.get("containers"), sidecar_name) is None:
        image = model_uri.removeprefix(c.OCI_URI_PREFIX)
        pod_spec.setdefault("containers", []).append(
            create_modelcar_container(sidecar_name, image, model_path, volume_name, config)
        )
        pod_spec.setdefault("initContainers", []).append(
            create_modelcar_init_container(init_name, image, config)
        )
    pod_spec["shareProcessNamespace"] = True


def configure_oci_native_to_container(
    model_uri: str, pod_spec: dict[str, Any], target_name: str, model_path: str
) -> None:
    """Port of `ConfigureOciNativeToContainer`: an image volume mounted with subPath models."""
    target = get_container_with_name(pod_spec.get("containers"), target_name)
    if target is None:
        raise MutationError(f"no container found with name {target_name}")
    volume_name = get_volume_name_from_path(model_path) or OCI_NATIVE_DEFAULT_VOLUME_NAME
    for mount in target.get("volumeMounts") or []:
        if mount.get("mountPath") == model_path and mount.get("name") != volume_name:
            raise MutationError(
                f'mountPath "{model_path}" already used by volume "{mount.get("name")}"'
            )
    volumes = pod_spec.setdefault("volumes", [])
    if not any(v.get("name") == volume_name for v in volumes):
        image = model_uri.removeprefix(c.OCI_URI_PREFIX)
        volumes.append(
            {"name": volume_name, "image": {"reference": image, "pullPolicy": "IfNotPresent"}}
        )
    add_volume_mount_if_not_present(target, volume_name, model_path, True, "models")


def inject_modelcar(pod: dict[str, Any], ctx: MutationContext) -> list[str]:
    """Port of `InjectModelcar` (idempotent): the legacy single-URI OCI path."""
    source_uri = annotations_of(pod).get(c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY)
    if source_uri is None:
        return []
    mode, uri, is_oci = parse_oci_scheme(source_uri)
    if not is_oci:
        return []
    config = ctx.config.storage_initializer
    mode = mode or resolve_oci_model_mode(config)
    spec = pod.setdefault("spec", {})

    def configure(container_name: str) -> None:
        if mode == OCI_MODEL_MODE_NATIVE:
            configure_oci_native_to_container(
                uri, spec, container_name, c.DEFAULT_MODEL_LOCAL_MOUNT_PATH
            )
        else:
            configure_modelcar_to_container(
                uri, spec, container_name, c.DEFAULT_MODEL_LOCAL_MOUNT_PATH, config, 0
            )

    containers = spec.get("containers")
    if get_container_with_name(containers, c.INFERENCE_SERVICE_CONTAINER_NAME) is not None:
        configure(c.INFERENCE_SERVICE_CONTAINER_NAME)
    elif get_container_with_name(containers, c.WORKER_CONTAINER_NAME) is not None:
        configure(c.WORKER_CONTAINER_NAME)
    else:
        raise MutationError(
            f"Invalid configuration: cannot find container: {c.INFERENCE_SERVICE_CONTAINER_NAME}"
        )
    if get_container_with_name(spec.get("containers"), c.TRANSFORMER_CONTAINER_NAME) is not None:
        configure(c.TRANSFORMER_CONTAINER_NAME)
    return []
