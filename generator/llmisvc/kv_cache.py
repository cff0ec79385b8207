"""KV-cache offloading tiers: the volumes and mounts of the secondary tiers
(`workload_kvcache.go: attachKVCacheSecondaryTiers`, `attachFileSystemKVCacheTier`), the preset
function `kvTransferConfig` (`config_merge.go: ReplaceVariables`) and the admission check
(`llm_inference_service_validation.go: validateKVCacheOffloading`)."""

from __future__ import annotations

import copy
import json
import math
from collections.abc import Mapping
from typing import Any

from generator.config.quantity import Quantity, QuantityError, marshal_quantity, parse_quantity
from generator.errors import Invalid


def _quantity(value: Any) -> Quantity | None:
    text = marshal_quantity(value)
    try:
        return parse_quantity(str(text)) if isinstance(text, str) else None
    except QuantityError:
        return None


def attach_secondary_tiers(pod_spec: dict[str, Any], kv: Any, container: str) -> None:
    """Port of `attachKVCacheSecondaryTiers`: volume `kv-cache-secondary-<i>` mounted at
    `/mnt/kv-cache-<i>` in `container`, for each fileSystem tier (index kept over the list)."""
    if not isinstance(kv, Mapping):
        return
    for i, tier in enumerate(kv.get("secondary") or []):
        fs = tier.get("fileSystem") if isinstance(tier, Mapping) else None
        if not isinstance(fs, Mapping):
            continue
        _attach_file_system_tier(
            pod_spec, fs, f"kv-cache-secondary-{i}", f"/mnt/kv-cache-{i}", container
        )


def _attach_file_system_tier(
    pod_spec: dict[str, Any], fs: Mapping[str, Any], volume: str, mount_path: str, container: str
) -> None:
    """Port of `attachFileSystemKVCacheTier`: emptyDir (with an ephemeral-storage request of
    its size), an ephemeral PVC from `pvc.spec`, or the PVC `pvc.ref` with its subPath."""
    empty_dir, pvc = fs.get("emptyDir"), fs.get("pvc")
    sub_path = ""
    if isinstance(empty_dir, Mapping):
        source: dict[str, Any] = {
            "emptyDir": {"sizeLimit": marshal_quantity(empty_dir.get("size"))}
        }
    elif isinstance(pvc, Mapping) and isinstance(pvc.get("spec"), Mapping):
        source = {"ephemeral": {"volumeClaimTemplate": {"spec": copy.deepcopy(pvc["spec"])}}}
    elif isinstance(pvc, Mapping) and isinstance(pvc.get("ref"), Mapping):
        source = {"persistentVolumeClaim": {"claimName": pvc["ref"].get("name", "")}}
        sub_path = str(pvc["ref"].get("path") or "")
    else:
        return
    pod_spec.setdefault("volumes", []).append({"name": volume, **source})
    for target in pod_spec.get("containers") or []:
        if target.get("name") != container:
            continue
        mount = {"name": volume, "mountPath": mount_path}
        if sub_path:
            mount["subPath"] = sub_path
        target.setdefault("volumeMounts", []).append(mount)
        if isinstance(empty_dir, Mapping):
            requests = target.setdefault("resources", {}).setdefault("requests", {})
            requests["ephemeral-storage"] = _add(
                requests.get("ephemeral-storage"), empty_dir.get("size")
            )
        break


def _add(existing: Any, size: Any) -> Any:
    """`Quantity.Add`: the sum, in the existing quantity's format unless it is zero."""
    add = _quantity(size)
    if add is None:
        return existing
    have = _quantity(existing) if existing is not None else None
    if have is None or have.value == 0:
        return str(Quantity(add.value + (have.value if have else 0), add.format))
    return str(Quantity(have.value + add.value, have.format))


def transfer_config(kv: Mapping[str, Any]) -> str:
    """The preset function `kvTransferConfig`: vLLM's `--kv-transfer-config` for the
    OffloadingConnector, its quotes escaped to survive ReplaceVariables' JSON and the shell."""
    cpu = _quantity(kv.get("cpu"))
    extra: dict[str, Any] = {
        "spec_name": "TieringOffloadingSpec",
        "cpu_bytes_to_use": math.ceil(cpu.value) if cpu is not None else 0,
    }
    if kv.get("evictionPolicy"):
        extra["eviction_policy"] = kv["evictionPolicy"]
    tiers = [
        {"type": "fs", "root_dir": f"/mnt/kv-cache-{i}"}
        for i, tier in enumerate(kv.get("secondary") or [])
        if isinstance(tier, Mapping) and tier.get("fileSystem") is not None
    ]
    if tiers:
        extra["secondary_tiers"] = tiers
    config = {
        "kv_connector": "OffloadingConnector",
        "kv_role": "kv_both",
        "kv_connector_extra_config": extra,
    }
    text = _go_marshal(config)
    return "--kv-transfer-config '" + text.replace('"', '\\\\\\"') + "'"


def _go_marshal(value: Any) -> str:
    """encoding/json of a map: sorted keys, HTML-safe escapes."""
    text = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def validate(spec: Mapping[str, Any]) -> list[Invalid]:
    """Port of `validateKVCacheOffloading` (main, then prefill)."""
    found = _validate_spec(spec.get("kvCacheOffloading"), "spec.kvCacheOffloading")
    prefill = spec.get("prefill")
    if isinstance(prefill, Mapping):
        found += _validate_spec(prefill.get("kvCacheOffloading"), "spec.prefill.kvCacheOffloading")
    return found


def _validate_spec(kv: Any, path: str) -> list[Invalid]:
    if not isinstance(kv, Mapping) or not kv.get("secondary"):
        return []
    found: list[Invalid] = []
    cpu = _quantity(kv.get("cpu"))
    if cpu is None or cpu.value == 0:
        found.append(
            Invalid(
                f"{path}.cpu", "Required value: cpu must be set when secondary tiers are configured"
            )
        )
    for i, tier in enumerate(kv["secondary"]):
        p = f"{path}.secondary[{i}]"
        fs = tier.get("fileSystem") if isinstance(tier, Mapping) else None
        if not isinstance(fs, Mapping):
            found.append(
                Invalid(
                    f"{p}.fileSystem",
                    "Required value: only fileSystem tiers are supported; fileSystem must be set",
                )
            )
            continue
        backends = [k for k in ("emptyDir", "pvc") if fs.get(k) is not None]
        if not backends:
            found.append(
                Invalid(
                    f"{p}.fileSystem", "Required value: exactly one of emptyDir or pvc must be set"
                )
            )
        elif len(backends) > 1:
            found.append(
                Invalid(
                    f"{p}.fileSystem",
                    f"Invalid value: {_go_value(fs)}: exactly one of emptyDir or pvc must be set; "
                    "multiple are set",
                )
            )
        elif backends == ["pvc"]:
            found += _validate_pvc(fs["pvc"], f"{p}.fileSystem.pvc")
    return found


def _validate_pvc(pvc: Any, path: str) -> list[Invalid]:
    pvc = pvc if isinstance(pvc, Mapping) else {}
    kinds = [k for k in ("spec", "ref") if pvc.get(k) is not None]
    if not kinds:
        return [Invalid(path, "Required value: exactly one of spec or ref must be set")]
    if len(kinds) > 1:
        return [
            Invalid(
                path,
                f"Invalid value: {_go_value(pvc)}: exactly one of spec or ref must be set; "
                "multiple are set",
            )
        ]
    ref = pvc.get("ref")
    if isinstance(ref, Mapping) and not ref.get("name"):
        return [Invalid(f"{path}.ref.name", "Required value: name is required")]
    return []


def _go_value(value: Any) -> str:
    """A struct bad value as field.Error prints it (JSON here; Go prints the Go struct)."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


__all__ = ["attach_secondary_tiers", "transfer_config", "validate"]
