"""Managed DRA: KServe's `managed_dra_test.go` (controller) and the annotation helpers' tests of
`llm_inference_service_types_func_test.go` and the webhook's
`validateManagedDRAAnnotations`, ported; test names cite the Go tests."""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from generator.llmisvc import managed_dra as dra

CLASS, COUNT = dra.DEVICE_CLASS, dra.DEVICE_COUNT
CEL, CONTAINER = dra.CEL_SELECTOR, dra.CONTAINER_NAME


def meta(name: str = "test", annotations: dict[str, str] | None = None) -> dict[str, Any]:
    out: dict[str, Any] = {"name": name, "namespace": "default"}
    if annotations is not None:
        out["annotations"] = annotations
    return out


def test_yaml_block_scalar_round_trips_to_selectors() -> None:
    """TestYAMLBlockScalarRoundTripsToSelectors"""
    doc = yaml.safe_load(
        """
metadata:
  name: my-llm
  namespace: default
  annotations:
    serving.kserve.io/exp-dra-device-class: gpu.example.com
    serving.kserve.io/exp-dra-device-count: "1"
    serving.kserve.io/exp-dra-cel-selector: |
      device.attributes['gpu.example.com'].model == 'LATEST-GPU-MODEL'
      device.capacity['gpu.example.com'].memory.compareTo(quantity('4Gi')) >= 0
"""
    )
    assert "\n" in doc["metadata"]["annotations"][CEL]
    assert dra.cel_selectors(doc["metadata"]) == [
        "device.attributes['gpu.example.com'].model == 'LATEST-GPU-MODEL'",
        "device.capacity['gpu.example.com'].memory.compareTo(quantity('4Gi')) >= 0",
    ]
    template = dra.claim_template(doc["metadata"])
    [request] = template["spec"]["spec"]["devices"]["requests"]
    assert len(request["exactly"]["selectors"]) == 2
    assert "count" not in request["exactly"]


@pytest.mark.parametrize(
    ("device_class", "cels", "count", "want"),
    [
        ("gpu.nvidia.com", [], 1, {"deviceClassName": "gpu.nvidia.com"}),
        (
            "gpu.nvidia.com",
            ["a > 0"],
            1,
            {"deviceClassName": "gpu.nvidia.com", "selectors": [{"cel": {"expression": "a > 0"}}]},
        ),
        (
            "gpu.nvidia.com",
            ["a", "b"],
            1,
            {
                "deviceClassName": "gpu.nvidia.com",
                "selectors": [{"cel": {"expression": "a"}}, {"cel": {"expression": "b"}}],
            },
        ),
        ("gpu.nvidia.com", [], 3, {"deviceClassName": "gpu.nvidia.com", "count": 3}),
        (
            "mig-3g.40gb",
            ["a", "b"],
            2,
            {
                "deviceClassName": "mig-3g.40gb",
                "count": 2,
                "selectors": [{"cel": {"expression": "a"}}, {"cel": {"expression": "b"}}],
            },
        ),
    ],
    ids=[
        "single device without CEL",
        "single device with single CEL",
        "single device with multiple CEL selectors",
        "multiple devices",
        "multiple devices with multiple CEL selectors",
    ],
)
def test_build_device_requests(
    device_class: str, cels: list[str], count: int, want: dict[str, Any]
) -> None:
    """TestBuildDeviceRequests"""
    assert dra.build_device_requests(device_class, cels, count) == [
        {"name": "device", "exactly": want}
    ]


def test_expected_managed_dra_template() -> None:
    """TestExpectedManagedDRATemplate (no ownerReferences: GitOps, as every child)"""
    template = dra.claim_template(meta("my-model", {CLASS: "  gpu.nvidia.com  "}))
    assert template == {
        "name": "my-model-managed-dra",
        "namespace": "default",
        "spec": {
            "spec": {
                "devices": {
                    "requests": [
                        {"name": "device", "exactly": {"deviceClassName": "gpu.nvidia.com"}}
                    ]
                }
            }
        },
    }
    with pytest.raises(dra.DRAError, match="invalid syntax"):
        dra.claim_template(meta("my-model", {CLASS: "gpu.nvidia.com", COUNT: "abc"}))


def test_inject_managed_dra_no_annotation() -> None:
    """TestInjectManagedDRA_NoAnnotation"""
    pod: dict[str, Any] = {"containers": [{"name": "main"}]}
    dra.inject(meta(), pod)
    assert pod == {"containers": [{"name": "main"}]}


@pytest.mark.parametrize(
    ("annotation", "containers", "want"),
    [
        (None, [], -1),
        (None, ["main"], 0),
        (None, ["main", "sidecar"], 0),
        ("", ["main", "sidecar"], 0),
        ("   ", ["main", "sidecar"], 0),
        ("main", ["main", "b", "c"], 0),
        ("b", ["main", "b", "c"], 1),
        ("c", ["main", "b", "c"], 2),
        ("  b  ", ["main", "b", "c"], 1),
        ("missing", ["main", "b"], -1),
        ("main", [], -1),
    ],
)
def test_target_container_for_dra(annotation: str | None, containers: list[str], want: int) -> None:
    """TestTargetContainerForDRA"""
    annotations = {CLASS: "gpu.example.com"}
    if annotation is not None:
        annotations[CONTAINER] = annotation
    pod = {"containers": [{"name": n} for n in containers]}
    assert dra._target_container(meta(annotations=annotations), pod) == want


CLAIM = {"name": "managed-device", "resourceClaimTemplateName": "test-managed-dra"}


def test_inject_managed_dra_containers() -> None:
    """TestInjectManagedDRA_SingleContainer, _FirstContainerByDefault, _ExplicitContainerName,
    _AnnotatedContainerMissing, _NoContainers"""
    svc = meta(annotations={CLASS: "gpu.example.com"})
    pod: dict[str, Any] = {"containers": [{"name": "main"}, {"name": "sidecar"}]}
    dra.inject(svc, pod)
    assert pod["resourceClaims"] == [CLAIM]
    assert pod["containers"][0]["resources"] == {"claims": [{"name": "managed-device"}]}
    assert "resources" not in pod["containers"][1]

    named = meta(annotations={CLASS: "gpu.example.com", CONTAINER: "sidecar"})
    pod = {"containers": [{"name": "main"}, {"name": "sidecar"}]}
    dra.inject(named, pod)
    assert "resources" not in pod["containers"][0]
    assert pod["containers"][1]["resources"]["claims"] == [{"name": "managed-device"}]

    missing = meta(annotations={CLASS: "gpu.example.com", CONTAINER: "absent"})
    pod = {"containers": [{"name": "main"}]}
    dra.inject(missing, pod)
    assert pod == {"containers": [{"name": "main"}], "resourceClaims": [CLAIM]}

    pod = {}
    dra.inject(svc, pod)
    assert pod == {"resourceClaims": [CLAIM]}


def test_inject_managed_dra_idempotent_and_preserves_existing_claims() -> None:
    """TestInjectManagedDRA_Idempotent, TestInjectManagedDRA_PreservesExistingClaims"""
    svc = meta(annotations={CLASS: "gpu.example.com"})
    pod: dict[str, Any] = {"containers": [{"name": "main"}, {"name": "sidecar"}]}
    dra.inject(svc, pod)
    dra.inject(svc, pod)
    assert pod["resourceClaims"] == [CLAIM]
    assert pod["containers"][0]["resources"]["claims"] == [{"name": "managed-device"}]
    pod = {
        "resourceClaims": [{"name": "user-claim"}],
        "containers": [{"name": "main", "resources": {"claims": [{"name": "user-claim"}]}}],
    }
    dra.inject(svc, pod)
    assert pod["resourceClaims"] == [{"name": "user-claim"}, CLAIM]
    assert pod["containers"][0]["resources"]["claims"] == [
        {"name": "user-claim"},
        {"name": "managed-device"},
    ]


@pytest.mark.parametrize("annotated", [False, True])
@pytest.mark.parametrize(
    "slots",
    [
        ("template", "worker", "prefill.template", "prefill.worker"),
        ("template",),
        ("worker",),
        ("prefill.template",),
        ("prefill.worker",),
        ("template", "worker"),
        (),
    ],
)
def test_inject_managed_dra_into_config(annotated: bool, slots: tuple[str, ...]) -> None:
    """TestInjectManagedDRAIntoConfig (and _AnnotatedContainerAcrossSlots, _Idempotent)"""
    annotations = {CLASS: "gpu.example.com", CONTAINER: "worker"} if annotated else {}
    spec: dict[str, Any] = {}
    for slot in slots:
        pod = {"containers": [{"name": "init"}, {"name": "worker"}, {"name": "sidecar"}]}
        if slot.startswith("prefill."):
            spec.setdefault("prefill", {})[slot[8:]] = pod
        else:
            spec[slot] = pod
    for _ in range(2):
        dra.inject_into_config(meta(annotations=annotations), spec)
    pods = [spec.get("template"), spec.get("worker")]
    pods += [(spec.get("prefill") or {}).get(k) for k in ("template", "worker")]
    for pod in (p for p in pods if p is not None):
        if not annotated:
            assert "resourceClaims" not in pod
            continue
        assert pod["resourceClaims"] == [CLAIM]
        assert [c.get("resources") for c in pod["containers"]] == [
            None,
            {"claims": [{"name": "managed-device"}]},
            None,
        ]


def test_has_managed_dra_and_device_class() -> None:
    """TestHasManagedDRA, TestManagedDRADeviceClass"""
    assert not dra.has_managed_dra(meta())
    assert not dra.has_managed_dra(meta(annotations={COUNT: "2", CONTAINER: "main"}))
    assert dra.has_managed_dra(meta(annotations={CLASS: ""}))
    assert dra.device_class(meta()) is None
    assert dra.device_class(meta(annotations={CLASS: "  gpu.nvidia.com  "})) == "gpu.nvidia.com"
    assert dra.device_class(meta(annotations={CLASS: "   "})) == ""


@pytest.mark.parametrize(
    ("value", "want"),
    [(None, 1), ("", 1), ("   ", 1), ("1", 1), ("2", 2), (" 8 ", 8)]
    + [(v, None) for v in ("0", "-1", "abc", "1.5")],
)
def test_managed_dra_device_count(value: str | None, want: int | None) -> None:
    """TestManagedDRADeviceCount"""
    svc = meta(annotations={} if value is None else {COUNT: value})
    if want is None:
        with pytest.raises(dra.DRAError):
            dra.device_count(svc)
    else:
        assert dra.device_count(svc) == want


@pytest.mark.parametrize(
    ("value", "want"),
    [
        (None, []),
        ("", []),
        ("   \n  \n", []),
        ("a == 'A100'", ["a == 'A100'"]),
        ("a == 'A100'\nb > 0", ["a == 'A100'", "b > 0"]),
        ("\n  a == 'A100'  \n\n   b > 0\n", ["a == 'A100'", "b > 0"]),
    ],
)
def test_managed_dra_cel_selectors(value: str | None, want: list[str]) -> None:
    """TestManagedDRACelSelectors"""
    assert dra.cel_selectors(meta(annotations={} if value is None else {CEL: value})) == want


def test_managed_dra_container_name() -> None:
    """TestManagedDRAContainerName"""
    assert dra.container_name(meta()) is None
    assert dra.container_name(meta(annotations={CONTAINER: "main"})) == "main"
    assert dra.container_name(meta(annotations={CONTAINER: "  worker "})) == "worker"
    assert dra.container_name(meta(annotations={CONTAINER: "   "})) == ""


@pytest.mark.parametrize(
    ("annotations", "want"),
    [
        ({}, []),
        ({CLASS: "gpu.nvidia.com", COUNT: "2", CEL: "a\n", CONTAINER: "main"}, []),
        (
            {COUNT: "2"},
            [
                f"metadata.annotations[{CLASS}]: Required value: {CLASS} is required to enable "
                f"managed DRA when {COUNT}, {CEL}, or {CONTAINER} is set"
            ],
        ),
        (
            {CLASS: " "},
            [f'metadata.annotations[{CLASS}]: Invalid value: " ": device class must not be empty'],
        ),
        (
            {CLASS: "Bad_Class"},
            [
                f'metadata.annotations[{CLASS}]: Invalid value: "Bad_Class": device class must be '
                "a DNS subdomain: a lowercase RFC 1123 subdomain must consist of lower case "
                "alphanumeric characters, '-' or '.', and must start and end with an "
                "alphanumeric character (e.g. 'example.com', regex used for validation is "
                "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')"
            ],
        ),
        (
            {CLASS: "gpu", COUNT: "0"},
            [
                f'metadata.annotations[{COUNT}]: Invalid value: "0": invalid {COUNT} value "0": '
                "must be >= 1"
            ],
        ),
        (
            {CLASS: "gpu", COUNT: "two"},
            [
                f'metadata.annotations[{COUNT}]: Invalid value: "two": invalid {COUNT} value '
                '"two": strconv.Atoi: parsing "two": invalid syntax'
            ],
        ),
        (
            {CLASS: "gpu", CEL: " \n "},
            [
                f'metadata.annotations[{CEL}]: Invalid value: " \\n ": cel selector must contain '
                "at least one non-empty CEL expression"
            ],
        ),
        (
            {CLASS: "gpu", CONTAINER: ""},
            [
                f'metadata.annotations[{CONTAINER}]: Invalid value: "": container name must not '
                "be empty"
            ],
        ),
    ],
)
def test_validate_managed_dra_annotations(annotations: dict[str, str], want: list[str]) -> None:
    """validateManagedDRAAnnotations (llm_inference_service_validation_test.go's DRA cases)"""
    found = dra.validate(meta(annotations=annotations))
    assert [f"{i.field}: {i.message}" for i in found] == want
