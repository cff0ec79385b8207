"""Annotation and label helpers shared by the components.

Ports `components/component.go` (`addStorageSpecAnnotations`, `addLoggerAnnotations`,
`addBatcherAnnotations`, `addAgentAnnotations`), `pkg/utils/collections.go` (`Union`, `Filter`,
`IncludesArg`) and `inferenceservice/utils/utils.go: IsMMSPredictor`. The annotation helpers
write into a dict the caller built for the purpose, as the Go functions write into their map.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator import constants as c
from generator.admission.component import UNSUPPORTED_STORAGE_URI_FORMAT_ERROR
from generator.admission.pod import MutationError
from generator.admission.pod.storage_container import get_storage_container_spec
from generator.config import Config
from generator.goruntime.json import STRING, Map, marshal, round_trip
from generator.utils.isvc import is_mms_predictor

URI_SCHEME_PLACEHOLDER = "<scheme-placeholder>"  # pkg/credentials: UriSchemePlaceholder
MODEL_CONFIG_DIR = "/mnt/configs"  # constants.ModelConfigDir
AGENT_MODEL_CONFIG_VOLUME_NAME_ANNOTATION_KEY = c.INTERNAL_PREFIX + "/configVolumeName"
AGENT_MODEL_CONFIG_MOUNT_PATH_ANNOTATION_KEY = c.INTERNAL_PREFIX + "/configMountPath"
AGENT_MODEL_DIR_ANNOTATION_KEY = c.INTERNAL_PREFIX + "/modelDir"


def gpu_resource_types(config: Config) -> tuple[str, ...]:
    """KServe's GPU resource names plus `multiNode.customGPUResourceTypeList`."""
    extra = config.multi_node.custom_gpu_resource_type_list
    known = c.DEFAULT_GPU_RESOURCE_TYPE_LIST
    return known + tuple(t for t in extra if t not in known)


def union(*maps: Mapping[str, str] | None) -> dict[str, str]:
    """Port of `Union`: later maps win."""
    out: dict[str, str] = {}
    for m in maps:
        out.update(m or {})
    return out


def without(m: Mapping[str, str] | None, disallowed: Iterable[str]) -> dict[str, str]:
    """Port of `Filter` with the disallowed-list predicate every component uses."""
    banned = set(disallowed)
    return {k: v for k, v in (m or {}).items() if k not in banned}


def includes_arg(args: Iterable[str], arg: str) -> bool:
    """Port of `IncludesArg`: an arg equal to, or merely starting with, `arg`."""
    return any(a == arg or a.startswith(arg) for a in args)


def add_storage_spec_annotations(
    storage: Mapping[str, Any] | None, annotations: dict[str, str]
) -> bool:
    """Port of `addStorageSpecAnnotations`."""
    if storage is None:
        return False
    annotations[c.STORAGE_SPEC_ANNOTATION_KEY] = "true"
    if storage.get("parameters") is not None:
        annotations[c.STORAGE_SPEC_PARAM_ANNOTATION_KEY] = marshal(
            round_trip(storage["parameters"], Map(STRING))
        )
    if storage.get("key") is not None:
        annotations[c.STORAGE_SPEC_KEY_ANNOTATION_KEY] = str(storage["key"])
    if storage.get("path") is not None:
        path = str(storage["path"]).removeprefix("/")
        annotations[c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY] = (
            f"{URI_SCHEME_PLACEHOLDER}://{path}"
        )
    return True


def add_logger_annotations(logger: Mapping[str, Any] | None, annotations: dict[str, str]) -> None:
    """Port of `addLoggerAnnotations`."""
    if logger is None:
        return
    annotations[c.LOGGER_INTERNAL_ANNOTATION_KEY] = "true"
    if logger.get("url") is not None:
        annotations[c.LOGGER_SINK_URL_INTERNAL_ANNOTATION_KEY] = str(logger["url"])
    annotations[c.LOGGER_MODE_INTERNAL_ANNOTATION_KEY] = str(logger.get("mode") or "")
    if logger.get("metadataHeaders") is not None:
        headers = ",".join(logger["metadataHeaders"])
        annotations[c.LOGGER_METADATA_HEADERS_INTERNAL_ANNOTATION_KEY] = headers
    if logger.get("metadataAnnotations") is not None:
        keys = ",".join(logger["metadataAnnotations"])
        annotations[c.LOGGER_METADATA_ANNOTATIONS_INTERNAL_ANNOTATION_KEY] = keys


def add_batcher_annotations(batcher: Mapping[str, Any] | None, annotations: dict[str, str]) -> None:
    """Port of `addBatcherAnnotations`."""
    if batcher is None:
        return
    annotations[c.BATCHER_INTERNAL_ANNOTATION_KEY] = "true"
    if batcher.get("maxBatchSize") is not None:
        annotations[c.BATCHER_MAX_BATCH_SIZE_INTERNAL_ANNOTATION_KEY] = str(batcher["maxBatchSize"])
    if batcher.get("maxLatency") is not None:
        annotations[c.BATCHER_MAX_LATENCY_INTERNAL_ANNOTATION_KEY] = str(batcher["maxLatency"])


def add_agent_annotations(isvc: Mapping[str, Any], annotations: dict[str, str]) -> bool:
    """Port of `addAgentAnnotations`: the multi-model puller for multi-model predictors."""
    if not is_mms_predictor(isvc["spec"]["predictor"]):
        return False
    annotations[c.AGENT_SHOULD_INJECT_ANNOTATION_KEY] = "true"
    # MemoryStrategy.GetShard always returns shard 0.
    annotations[AGENT_MODEL_CONFIG_VOLUME_NAME_ANNOTATION_KEY] = c.model_config_name(
        isvc["metadata"]["name"], 0
    )
    annotations[AGENT_MODEL_CONFIG_MOUNT_PATH_ANNOTATION_KEY] = MODEL_CONFIG_DIR
    annotations[AGENT_MODEL_DIR_ANNOTATION_KEY] = c.DEFAULT_MODEL_LOCAL_MOUNT_PATH
    return True


SUPPORTED_STORAGE_URI_PREFIX_LIST = (
    "gs://", "s3://", "pvc://", "file://", "https://", "http://", "hdfs://", "webhdfs://",
    "oci://", "oci+native://", "hf://",
)  # fmt: skip
AZURE_BLOB_URL = "blob.core.windows.net"
# KServe's `\w+?://` (Go: \w is ASCII): a word character right before "://". Searched with
# Python's backtracking re, the lazy form took quadratic time on a long URI without "://".
_HAS_SCHEME = re.compile(r"[0-9A-Za-z_]://")


def is_azure_blob_uri(uri: str) -> bool:
    """Whether KServe's AzureBlobURIRegEx, `https://(.+?).blob.core.windows.net/(.+)`, matches
    somewhere in `uri`, found in linear time (Python's re backtracks over every "https://").

    No part of the match crosses a newline (`.` does not match one), so within a line: after the
    first "https://", at least two characters (the account and the unescaped `.`), then
    "blob.core.windows.net/" and at least one more character."""
    for line in uri.split("\n"):
        start = line.find("https://")
        if start < 0:
            continue
        host = line.find("blob.core.windows.net/", start + len("https://") + 2)
        if host >= 0 and host + len("blob.core.windows.net/") < len(line):
            return True
    return False


def validate_storage_uri(
    uri: str, storage_containers: Sequence[Mapping[str, Any]] = ()
) -> str | None:
    """Port of `ValidateStorageURI`: the error text, or None when a ClusterStorageContainer
    supports the URI (`GetContainerSpecForStorageUri`; the built-in `default` and the input
    set's, as `inputset.storage_containers` lists them) or the default initializer can fetch it.
    """
    try:
        if get_storage_container_spec(uri, None, storage_containers) is not None:
            return None
    except MutationError as err:
        return (
            f"StorageURI not supported: error resolving storage container for {marshal(uri)}: {err}"
        )
    if not _HAS_SCHEME.search(uri):
        return None  # a local path
    if AZURE_BLOB_URL in uri:
        if is_azure_blob_uri(uri):
            return None
    elif uri.startswith(SUPPORTED_STORAGE_URI_PREFIX_LIST):
        return None
    prefixes = ", ".join(SUPPORTED_STORAGE_URI_PREFIX_LIST)
    return "StorageURI not supported: " + UNSUPPORTED_STORAGE_URI_FORMAT_ERROR.format(prefixes, uri)
