"""LoRA adapters: the webhook's checks (`llm_inference_service_validation.go:
validateLoRAAdapters`), their resolution after the merge (`workload_lora.go:
enumerateLoRAAdapters`), the vLLM arguments and `pvc://` mounts on the workload
(`attachLoRAAdapters`) and the HTTPRoute's per-adapter header matches
(`config_merge.go: expandLoRAAdapterMatches`).

hf:// and s3:// adapters are downloaded with the base model by one storage-initializer
(`workload.attach_multi_storage_downloads`).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from generator.admission.pod import StorageMountParams, add_model_mount, parse_pvc_uri
from generator.errors import Invalid
from generator.goruntime.strconv import quote
from generator.llmisvc.config_merge import child_name, go_json

MOUNT_ROOT: Final = "/mnt/lora"
DOCS_URL: Final = (
    "https://github.com/kserve/kserve/blob/master/docs/samples/llmisvc/lora-adapters/README.md"
)
FIELD: Final = "spec.model.lora.adapters"
_PATH_INVALID: Final = re.compile(r"[^a-zA-Z0-9._-]")


class LoRAError(ValueError):
    """An adapter KServe's reconcile refuses, with the spec field to blame."""

    def __init__(self, message: str, field: str = FIELD) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True, slots=True)
class Adapter:
    """Port of `resolvedLoRAAdapter`."""

    name: str
    mount_path: str
    uri: str
    scheme: str


def adapters_of(spec: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """`spec.model.lora.adapters` (empty when absent)."""
    lora = (spec.get("model") or {}).get("lora")
    return list((lora or {}).get("adapters") or []) if isinstance(lora, dict) else []


def validate(doc: Mapping[str, Any]) -> list[Invalid]:
    """Port of `validateLoRAAdapters` (webhook, and again on the merged spec)."""
    spec = doc.get("spec") or {}
    lora = (spec.get("model") or {}).get("lora")
    if not isinstance(lora, dict):
        return []
    found: list[Invalid] = []
    path = "spec.model.lora"
    for key in ("maxRank", "maxAdapters", "maxCpuAdapters"):
        value = lora.get(key)
        if value is not None and value < 1:
            found.append(
                Invalid(f"{path}.{key}", f"Invalid value: {value}: {key} must be at least 1")
            )
    adapters = adapters_of(spec)
    model_name = (spec.get("model") or {}).get("name")
    base = str(model_name if model_name is not None else (doc.get("metadata") or {}).get("name"))
    seen: dict[str, int] = {}
    for i, adapter in enumerate(adapters):
        field = f"{path}.adapters[{i}].name"
        name = adapter.get("name")
        if not name:
            found.append(Invalid(field, "Required value: adapter name is required"))
            continue
        name = str(name)
        if name in (".", ".."):
            message = 'adapter name must not include "." or ".." (path traversal risk)'
            found.append(Invalid(field, f"Invalid value: {quote(name)}: {message}"))
            continue
        if name in seen:
            message = f"duplicate name (same as adapters[{seen[name]}])"
            found.append(Invalid(field, f"Invalid value: {quote(name)}: {message}"))
        else:
            seen[name] = i
        if name == base:
            message = f"adapter name must differ from base model name {quote(base)}"
            found.append(Invalid(field, f"Invalid value: {quote(name)}: {message}"))
    return found


def sanitize_path_segment(text: str) -> str:
    """Port of `sanitizeLoRAPathSegment`: "." and ".." would escape /mnt/lora."""
    out = _PATH_INVALID.sub("-", text)
    return "adapter" if out in ("", ".", "..") else out


def _sorted_by_name(adapters: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    return sorted(adapters, key=lambda a: str(a.get("name") or ""))


def enumerate_adapters(spec: Mapping[str, Any]) -> list[Adapter]:
    """Port of `enumerateLoRAAdapters`: the merged spec's adapters, sorted by name (a stable
    pod spec whatever their order), each with its mount path and URI scheme."""
    disabled = (spec.get("storageInitializer") or {}).get("enabled") is False
    out: list[Adapter] = []
    for adapter in _sorted_by_name(adapters_of(spec)):
        name = str(adapter.get("name") or "")
        uri = str(adapter.get("uri") or "")
        scheme, sep, _ = uri.partition("://")
        what = f"LoRA adapter {quote(name)}"
        if not sep:
            raise LoRAError(f"{what}: invalid URI {quote(uri)}")
        scheme += "://"
        if scheme in ("hf://", "s3://") and disabled:
            raise LoRAError(
                f"{what}: hf:// and s3:// require the storage initializer — set "
                f"storageInitializer.enabled to true (see {DOCS_URL})"
            )
        if scheme == "pvc://" and disabled:
            raise LoRAError(
                f"{what}: pvc:// requires a mounted volume — do not set "
                f"storageInitializer.enabled to false (see {DOCS_URL})"
            )
        if scheme == "oci://":
            raise LoRAError(
                f"{what}: oci:// is not supported for LoRA adapters; use hf://, s3://, or "
                f"pvc:// instead (see {DOCS_URL})"
            )
        if scheme not in ("hf://", "s3://", "pvc://"):
            raise LoRAError(
                f"{what}: unsupported URI scheme {quote(scheme)}; supported schemes are "
                f"hf://, s3://, pvc:// (see {DOCS_URL})"
            )
        mount_path = f"{MOUNT_ROOT}/{sanitize_path_segment(name)}"
        out.append(Adapter(name, mount_path, uri, scheme))
    return out


def download_pairs(adapters: Sequence[Adapter]) -> list[tuple[str, str]]:
    """Port of `collectLoRADownloadPairs`: (uri, path) of the hf:// and s3:// adapters."""
    return [(a.uri, a.mount_path) for a in adapters if a.scheme in ("hf://", "s3://")]


def fully_qualified_model_name(namespace: str, model: str) -> str:
    """Port of `fullyQualifiedModelName`."""
    return f"publishers/{namespace}/models/{model}"


def attach_adapters(
    spec: Mapping[str, Any], namespace: str, pod_spec: dict[str, Any], adapters: Sequence[Adapter]
) -> None:
    """Port of `attachLoRAAdapters`: pvc:// adapters mounted read-only at their path, then the
    vLLM flags put before the main container's own arguments (unless it names
    --lora-modules itself)."""
    if not adapters:
        return
    modules: list[str] = []
    for adapter in adapters:
        if adapter.scheme == "pvc://":
            pvc_name, pvc_path = parse_pvc_uri(adapter.uri)
            volume = child_name("lora-pvc-", adapter.name)
            add_model_mount(
                StorageMountParams(adapter.mount_path, volume, True, pvc_path, pvc_name),
                "main",
                pod_spec,
            )
        modules += [
            go_json({"name": name, "path": adapter.mount_path})
            for name in (adapter.name, fully_qualified_model_name(namespace, adapter.name))
        ]
    main = next((c for c in pod_spec.get("containers") or [] if c.get("name") == "main"), None)
    if main is None:
        raise LoRAError('no container "main" in pod spec for LoRA injection', "spec.template")
    if user_supplied_config(main):
        return
    lora = (spec.get("model") or {}).get("lora") or {}
    add_vllm_args(
        main, modules, lora.get("maxRank"), lora.get("maxAdapters"), lora.get("maxCpuAdapters")
    )


def user_supplied_config(container: Mapping[str, Any]) -> bool:
    """Port of `userSuppliedLoRAConfig`."""
    for env in container.get("env") or []:
        if env.get("name") == "VLLM_ADDITIONAL_ARGS" and "--lora-modules" in str(
            env.get("value") or ""
        ):
            return True
    joined = " ".join(container.get("command") or []) + " " + " ".join(container.get("args") or [])
    return "--lora-modules" in joined


def add_vllm_args(
    main: dict[str, Any],
    modules: Sequence[str],
    max_rank: int | None,
    max_adapters: int | None,
    max_cpu_adapters: int | None,
) -> None:
    """Port of `addLoRAVLLMArgs`: each module JSON single-quoted for the preset's bash eval."""
    argv = ["--enable-lora"]
    if max_rank is not None:
        argv.append(f"--max-lora-rank={max_rank}")
    if max_adapters is not None:
        argv.append(f"--max-loras={max_adapters}")
    if max_cpu_adapters is not None:
        argv.append(f"--max-cpu-loras={max_cpu_adapters}")
    argv.append("--lora-modules")
    argv += [f"'{m}'" for m in modules]
    main["args"] = argv + list(main.get("args") or [])


def expand_matches(
    rules: list[dict[str, Any]],
    namespace: str,
    adapters: Sequence[Mapping[str, Any]],
    header: str,
) -> None:
    """Port of `expandLoRAAdapterMatches`: after a rule's own matches, a copy of each
    model-routing header match per adapter (sorted by name), the header naming the adapter."""
    if not header or not adapters:
        return
    ordered = _sorted_by_name(adapters)
    for rule in rules:
        extra = []
        for match in rule.get("matches") or []:
            if not any(h.get("name") == header for h in match.get("headers") or []):
                continue
            for adapter in ordered:
                if adapter.get("name") is None:
                    continue
                copied = copy.deepcopy(match)
                for h in copied.get("headers") or []:
                    if h.get("name") == header:
                        h["value"] = fully_qualified_model_name(namespace, str(adapter["name"]))
                extra.append(copied)
        if extra:
            rule["matches"] = [*(rule.get("matches") or []), *extra]


__all__ = [
    "Adapter",
    "LoRAError",
    "adapters_of",
    "add_vllm_args",
    "attach_adapters",
    "download_pairs",
    "enumerate_adapters",
    "expand_matches",
    "fully_qualified_model_name",
    "sanitize_path_segment",
    "user_supplied_config",
    "validate",
]
