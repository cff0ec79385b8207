"""Managed dynamic resource allocation: the `serving.kserve.io/exp-dra-*` annotations
(`v1alpha2/llm_inference_service_types_func.go: HasManagedDRA`, `ManagedDRADeviceClass`,
`ManagedDRADeviceCount`, `ManagedDRACelSelectors`, `ManagedDRAContainerName`), their admission
check (`llm_inference_service_validation.go: validateManagedDRAAnnotations`), the
ResourceClaimTemplate `<name>-managed-dra` (`managed_dra.go: expectedManagedDRATemplate`) and the
claims added to every workload pod of the merged config (`injectManagedDRAIntoConfig`)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

from generator.errors import Invalid
from generator.goruntime.strconv import parse_int, quote
from generator.k8s_names import dns1123_label_errors, dns1123_subdomain_errors
from generator.llmisvc.config_merge import child_name

DEVICE_CLASS: Final = "serving.kserve.io/exp-dra-device-class"
DEVICE_COUNT: Final = "serving.kserve.io/exp-dra-device-count"
CEL_SELECTOR: Final = "serving.kserve.io/exp-dra-cel-selector"
CONTAINER_NAME: Final = "serving.kserve.io/exp-dra-container-name"
CLAIM_NAME: Final = "managed-device"
REQUEST_NAME: Final = "device"
_GO_ATOI: Final = re.compile(r"[+-]?[0-9]+")
# what strings.TrimSpace trims (unicode.IsSpace), narrower than str.strip()
_GO_SPACE: Final = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + ("\u2028\u2029\u202f\u205f\u3000")
)


class DRAError(ValueError):
    """An annotation value `ManagedDRADeviceCount` refuses (Go's error text)."""


def _annotations(meta: Mapping[str, Any]) -> Mapping[str, str]:
    return meta.get("annotations") or {}


def has_managed_dra(meta: Mapping[str, Any]) -> bool:
    """Port of `HasManagedDRA`: the device-class annotation is present (even empty)."""
    return DEVICE_CLASS in _annotations(meta)


def device_class(meta: Mapping[str, Any]) -> str | None:
    """Port of `ManagedDRADeviceClass`: the trimmed value, None when absent."""
    raw = _annotations(meta).get(DEVICE_CLASS)
    return None if raw is None else _trim(raw)


def device_count(meta: Mapping[str, Any]) -> int:
    """Port of `ManagedDRADeviceCount` (1 when unset or blank)."""
    raw = _annotations(meta).get(DEVICE_COUNT)
    if raw is None or not _trim(raw):
        return 1
    text = _trim(raw)
    count = parse_int(text)
    if count is None:
        why = "invalid syntax" if not _GO_ATOI.fullmatch(text) else "value out of range"
        raise DRAError(
            f"invalid {DEVICE_COUNT} value {quote(raw)}: strconv.Atoi: parsing {quote(text)}: {why}"
        )
    if count < 1:
        raise DRAError(f"invalid {DEVICE_COUNT} value {quote(raw)}: must be >= 1")
    return count


def cel_selectors(meta: Mapping[str, Any]) -> list[str]:
    """Port of `ManagedDRACelSelectors`: one expression a line, blank lines dropped."""
    raw = _annotations(meta).get(CEL_SELECTOR)
    if raw is None or not _trim(raw):
        return []
    return [_trim(line) for line in raw.split("\n") if _trim(line)]


def container_name(meta: Mapping[str, Any]) -> str | None:
    """Port of `ManagedDRAContainerName`: the trimmed value, None when absent."""
    raw = _annotations(meta).get(CONTAINER_NAME)
    return None if raw is None else _trim(raw)


def _trim(text: str) -> str:
    return text.strip(_GO_SPACE)


def validate(meta: Mapping[str, Any]) -> list[Invalid]:
    """Port of `validateManagedDRAAnnotations` (field.Error wording)."""
    annotations = _annotations(meta)
    if not annotations:
        return []
    found: list[Invalid] = []

    def path(key: str) -> str:
        return f"metadata.annotations[{key}]"

    others = (DEVICE_COUNT, CEL_SELECTOR, CONTAINER_NAME)
    if DEVICE_CLASS not in annotations and any(k in annotations for k in others):
        found.append(
            Invalid(
                path(DEVICE_CLASS),
                f"Required value: {DEVICE_CLASS} is required to enable managed DRA when "
                f"{DEVICE_COUNT}, {CEL_SELECTOR}, or {CONTAINER_NAME} is set",
            )
        )
    cls = device_class(meta)
    if cls is not None:
        raw = quote(annotations[DEVICE_CLASS])
        if not cls:
            found.append(
                Invalid(path(DEVICE_CLASS), f"Invalid value: {raw}: device class must not be empty")
            )
        elif errs := dns1123_subdomain_errors(cls):
            found.append(
                Invalid(
                    path(DEVICE_CLASS),
                    f"Invalid value: {raw}: device class must be a DNS subdomain: "
                    + "; ".join(errs),
                )
            )
    if DEVICE_COUNT in annotations:
        try:
            device_count(meta)
        except DRAError as err:
            raw = quote(annotations[DEVICE_COUNT])
            found.append(Invalid(path(DEVICE_COUNT), f"Invalid value: {raw}: {err}"))
    if CEL_SELECTOR in annotations and not cel_selectors(meta):
        raw = quote(annotations[CEL_SELECTOR])
        found.append(
            Invalid(
                path(CEL_SELECTOR),
                f"Invalid value: {raw}: cel selector must contain at least one non-empty CEL "
                "expression",
            )
        )
    name = container_name(meta)
    if name is not None:
        raw = quote(annotations[CONTAINER_NAME])
        if not name:
            found.append(
                Invalid(
                    path(CONTAINER_NAME), f"Invalid value: {raw}: container name must not be empty"
                )
            )
        elif errs := dns1123_label_errors(name):
            found.append(
                Invalid(
                    path(CONTAINER_NAME),
                    f"Invalid value: {raw}: container name must be a DNS label: " + "; ".join(errs),
                )
            )
    return found


def resource_name(name: str) -> str:
    """Port of `managedDRAResourceName`."""
    return child_name(name, "-managed-dra")


def claim_template(meta: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `expectedManagedDRATemplate`: the values of
    templates/llmisvc-resourceclaimtemplate.yaml.j2 (no labels, as KServe sets none)."""
    requests = build_device_requests(
        device_class(meta) or "", cel_selectors(meta), device_count(meta)
    )
    return {
        "name": resource_name(str(meta["name"])),
        "namespace": str(meta.get("namespace") or ""),
        "spec": {"spec": {"devices": {"requests": requests}}},
    }


def build_device_requests(
    device_class_name: str, selectors: list[str], count: int
) -> list[dict[str, Any]]:
    """Port of `buildDeviceRequests`: one request `device`, its count only above one."""
    exactly: dict[str, Any] = {"deviceClassName": device_class_name}
    if count > 1:
        exactly["count"] = count
    if selectors:
        exactly["selectors"] = [{"cel": {"expression": e}} for e in selectors]
    return [{"name": REQUEST_NAME, "exactly": exactly}]


def inject_into_config(meta: Mapping[str, Any], spec: dict[str, Any]) -> None:
    """Port of `injectManagedDRAIntoConfig`: every workload pod of the merged spec."""
    if not has_managed_dra(meta):
        return
    pods = [spec.get("template"), spec.get("worker")]
    prefill = spec.get("prefill")
    if isinstance(prefill, dict):
        pods += [prefill.get("template"), prefill.get("worker")]
    for pod in pods:
        if isinstance(pod, dict):
            inject(meta, pod)


def inject(meta: Mapping[str, Any], pod_spec: dict[str, Any]) -> None:
    """Port of `injectManagedDRA`: the pod's claim, then the target container's."""
    if not has_managed_dra(meta):
        return
    claims = pod_spec.get("resourceClaims") or []
    if not any(c.get("name") == CLAIM_NAME for c in claims):
        pod_spec["resourceClaims"] = [
            *claims,
            {"name": CLAIM_NAME, "resourceClaimTemplateName": resource_name(str(meta["name"]))},
        ]
    index = _target_container(meta, pod_spec)
    if index < 0:
        return
    resources = pod_spec["containers"][index].setdefault("resources", {})
    container_claims = resources.get("claims") or []
    if any(c.get("name") == CLAIM_NAME for c in container_claims):
        return
    resources["claims"] = [*container_claims, {"name": CLAIM_NAME}]


def _target_container(meta: Mapping[str, Any], pod_spec: Mapping[str, Any]) -> int:
    """Port of `targetContainerForDRA`: the annotated container, else the first; -1 if none."""
    containers = pod_spec.get("containers") or []
    if not containers:
        return -1
    want = container_name(meta)
    if not want:
        return 0
    return next((i for i, c in enumerate(containers) if c.get("name") == want), -1)


__all__ = [
    "CLAIM_NAME",
    "DEVICE_CLASS",
    "DRAError",
    "build_device_requests",
    "cel_selectors",
    "claim_template",
    "container_name",
    "device_class",
    "device_count",
    "has_managed_dra",
    "inject",
    "inject_into_config",
    "resource_name",
    "validate",
]
