"""Conversion, defaulting and validation of LLMInferenceServices.

Ported from KServe v0.20.0:
- `pkg/apis/serving/v1alpha1/llm_inference_service_conversion_test.go` (ConvertTo halves);
- `pkg/apis/serving/v1alpha2/llm_inference_service_validation_test.go`
  (`TestParentRefsMatchGatewayRefs`) and the router, parallelism and scheduler checks of
  `llm_inference_service_validation.go: validate`;
- `pkg/apis/serving/v1alpha2/llm_inference_service_defaults.go: SetDefaults`.
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.llmisvc import admission
from generator.llmisvc.admission import (
    LORA_CRITICALITIES_ANNOTATION,
    MODEL_CRITICALITY_ANNOTATION,
    set_defaults,
    to_v1alpha2,
    validate,
)


def v1(spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "LLMInferenceService",
        "metadata": {"name": "test-llm-isvc", "namespace": "default", **meta},
        "spec": spec,
    }


def test_conversion_preserves_criticality() -> None:
    # TestLLMInferenceServiceConversion_PreservesCriticality
    src = v1(
        {"model": {"uri": "hf://meta-llama/Llama-2-7b", "name": "m", "criticality": "Critical"}}
    )
    dst = to_v1alpha2(src)
    assert dst["apiVersion"] == "serving.kserve.io/v1alpha2"
    assert dst["metadata"]["annotations"][MODEL_CRITICALITY_ANNOTATION] == "Critical"
    assert "criticality" not in dst["spec"]["model"]


def test_conversion_preserves_lora_criticalities() -> None:
    # TestLLMInferenceServiceConversion_PreservesLoRACriticalities: a map index -> criticality
    src = v1(
        {
            "model": {
                "uri": "hf://meta-llama/Llama-2-7b",
                "criticality": "Critical",
                "lora": {
                    "adapters": [
                        {"uri": "hf://adapter-1", "name": "adapter-1", "criticality": "Standard"},
                        {"uri": "hf://adapter-2", "name": "adapter-2", "criticality": "Sheddable"},
                    ]
                },
            }
        }
    )
    dst = to_v1alpha2(src)
    annotations = dst["metadata"]["annotations"]
    assert annotations[MODEL_CRITICALITY_ANNOTATION] == "Critical"
    assert annotations[LORA_CRITICALITIES_ANNOTATION] == '{"0":"Standard","1":"Sheddable"}'
    assert all("criticality" not in a for a in dst["spec"]["model"]["lora"]["adapters"])


def test_conversion_no_criticality() -> None:
    # TestLLMInferenceServiceConversion_NoCriticality: no annotation is added
    dst = to_v1alpha2(v1({"model": {"uri": "hf://m", "name": "m"}}))
    assert "annotations" not in dst["metadata"]


def test_conversion_preserves_existing_annotations() -> None:
    # TestLLMInferenceServiceConversion_PreservesExistingAnnotations
    src = v1({"model": {"uri": "hf://m", "criticality": "Critical"}}, annotations={"a": "b"})
    assert to_v1alpha2(src)["metadata"]["annotations"] == {
        "a": "b",
        MODEL_CRITICALITY_ANNOTATION: "Critical",
    }


def test_conversion_preserves_inference_pool_spec() -> None:
    # TestLLMInferenceServiceConversion_PreservesInferencePoolSpec: GIE v1alpha2 -> v1
    src = v1(
        {
            "model": {"uri": "hf://m"},
            "router": {
                "scheduler": {
                    "replicas": 1,
                    "pool": {
                        "spec": {
                            "selector": {"app": "vllm"},
                            "targetPortNumber": 8000,
                            "extensionRef": {
                                "group": "",
                                "kind": "Service",
                                "name": "my-epp",
                                "portNumber": 9002,
                                "failureMode": "FailClose",
                            },
                        }
                    },
                }
            },
        }
    )
    spec = to_v1alpha2(src)["spec"]["router"]["scheduler"]["pool"]["spec"]
    assert spec["targetPorts"][0]["number"] == 8000
    assert spec["selector"]["matchLabels"]["app"] == "vllm"
    assert spec["endpointPickerRef"]["name"] == "my-epp"
    assert spec["endpointPickerRef"]["port"] == {"number": 9002}


def test_conversion_preserves_pool_ref() -> None:
    # TestLLMInferenceServiceConversion_PreservesPoolRef
    src = v1(
        {"model": {"uri": "hf://m"}, "router": {"scheduler": {"pool": {"ref": {"name": "p"}}}}}
    )
    assert to_v1alpha2(src)["spec"]["router"]["scheduler"]["pool"] == {"ref": {"name": "p"}}


def test_conversion_tracing_nil_preserved() -> None:
    # TestLLMInferenceServiceConversion_TracingNilPreserved
    assert "tracing" not in to_v1alpha2(v1({"model": {"uri": "hf://m"}}))["spec"]


def test_v1alpha2_is_the_hub() -> None:
    doc = {**v1({"model": {"uri": "hf://m"}}), "apiVersion": "serving.kserve.io/v1alpha2"}
    assert to_v1alpha2(doc) == doc


def test_set_defaults() -> None:
    # SetDefaults: model name from metadata.name, routing-group label from route.group,
    # nil container lists become empty ones.
    doc = set_defaults(
        {
            "metadata": {"name": "svc", "labels": {"serving.kserve.io/routing-group": "old"}},
            "spec": {
                "model": {"uri": "hf://m"},
                "template": {},
                "router": {"scheduler": {"template": {}}},
            },
        }
    )
    assert doc["spec"]["model"]["name"] == "svc"
    assert "serving.kserve.io/routing-group" not in doc["metadata"]["labels"]
    assert doc["spec"]["template"]["containers"] == []
    assert doc["spec"]["router"]["scheduler"]["template"]["containers"] == []
    grouped = set_defaults(
        {
            "metadata": {"name": "svc"},
            "spec": {"model": {"uri": "hf://m"}, "router": {"route": {"group": "g", "weight": 1}}},
        }
    )
    assert grouped["metadata"]["labels"] == {"serving.kserve.io/routing-group": "g"}


def _gw(name: str, ns: str = "", section: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": name, "namespace": ns}
    if section is not None:
        ref["sectionName"] = section
    return ref


def _parent(name: str, ns: str | None = None, section: str | None = None) -> dict[str, Any]:
    ref: dict[str, Any] = {"name": name}
    if ns is not None:
        ref["namespace"] = ns
    if section is not None:
        ref["sectionName"] = section
    return ref


PARENT_REFS = [
    ("both empty", [], [], True),
    ("single ref, matching", [_parent("gw-1", "ns-a")], [_gw("gw-1", "ns-a")], True),
    ("single ref, different name", [_parent("gw-1", "ns-a")], [_gw("gw-other", "ns-a")], False),
    ("single ref, different namespace", [_parent("gw-1", "ns-a")], [_gw("gw-1", "ns-b")], False),
    (
        "parentRef with nil namespace matches empty namespace",
        [_parent("gw-1")],
        [_gw("gw-1", "")],
        True,
    ),
    (
        "parentRef with nil namespace does not match non-empty namespace",
        [_parent("gw-1")],
        [_gw("gw-1", "ns-a")],
        False,
    ),
    (
        "different lengths",
        [_parent("gw-1", "ns-a"), _parent("gw-2", "ns-a")],
        [_gw("gw-1", "ns-a")],
        False,
    ),
    (
        "multiple refs, same order",
        [_parent("gw-1", "ns-a"), _parent("gw-2", "ns-b")],
        [_gw("gw-1", "ns-a"), _gw("gw-2", "ns-b")],
        True,
    ),
    (
        "multiple refs, different order",
        [_parent("gw-2", "ns-b"), _parent("gw-1", "ns-a")],
        [_gw("gw-1", "ns-a"), _gw("gw-2", "ns-b")],
        True,
    ),
    (
        "multiple refs, one mismatch",
        [_parent("gw-1", "ns-a"), _parent("gw-3", "ns-b")],
        [_gw("gw-1", "ns-a"), _gw("gw-2", "ns-b")],
        False,
    ),
    (
        "matching sectionName",
        [_parent("gw-1", "ns-a", "https")],
        [_gw("gw-1", "ns-a", "https")],
        True,
    ),
    (
        "different sectionName - same gateway otherwise",
        [_parent("gw-1", "ns-a", "https")],
        [_gw("gw-1", "ns-a", "http")],
        False,
    ),
    (
        "parentRef has sectionName, gwRef does not",
        [_parent("gw-1", "ns-a", "https")],
        [_gw("gw-1", "ns-a")],
        False,
    ),
    (
        "gwRef has sectionName, parentRef does not",
        [_parent("gw-1", "ns-a")],
        [_gw("gw-1", "ns-a", "https")],
        False,
    ),
]


@pytest.mark.parametrize(
    ("parents", "gateways", "want"), [c[1:] for c in PARENT_REFS], ids=[c[0] for c in PARENT_REFS]
)
def test_parent_refs_match_gateway_refs(
    parents: list[dict[str, Any]], gateways: list[dict[str, Any]], want: bool
) -> None:
    assert admission._parent_refs_match(parents, gateways) is want


def svc(spec: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": {"name": "test-llm-isvc", "namespace": "default"}, "spec": spec}


VALIDATE = [
    (
        "http refs and spec together",
        {"router": {"route": {"http": {"refs": [{"name": "r"}], "spec": {}}}}},
        [
            (
                "spec.router.route.http",
                "unsupported configuration: cannot use both custom HTTPRoute refs "
                "('spec.router.route.http.refs') and an inline route spec "
                "('spec.router.route.http.spec'); choose one",
            )
        ],
    ),
    (
        "http refs with a managed gateway",
        {"router": {"route": {"http": {"refs": [{"name": "r"}]}}, "gateway": {}}},
        [
            (
                "spec.router.route.http.refs",
                "unsupported configuration: custom HTTP routes ('spec.router.route.http.refs') "
                "cannot be used with a managed gateway ('spec.router.gateway'); either remove "
                "'spec.router.route.http.refs' or set 'spec.router.gateway.refs'",
            )
        ],
    ),
    (
        "parentRefs that conflict with gateway refs",
        {
            "router": {
                "route": {"http": {"spec": {"parentRefs": [{"name": "other"}]}}},
                "gateway": {"refs": [{"name": "gw", "namespace": "ns"}]},
            }
        },
        [
            (
                "spec.router.route.http.spec",
                "unsupported configuration: managed HTTP route spec ('spec.router.route.http."
                "spec') has parentRefs that conflict with custom gateway refs ('spec.router."
                "gateway.refs'); either remove 'spec.router.gateway.refs' or 'spec.router.route."
                "http.spec.parentRefs'",
            )
        ],
    ),
    (
        "weight requires group",
        {"router": {"route": {"weight": 10}}},
        [("spec.router.route.group", "Required value: weight requires group")],
    ),
    (
        "group with custom route refs",
        {"router": {"route": {"group": "g", "weight": 1, "http": {"refs": [{"name": "r"}]}}}},
        [
            (
                "spec.router.route.group",
                'Invalid value: "g": traffic splitting cannot be used with custom HTTPRoute refs; '
                "controller-managed routes (route.http.spec or route.http: {}) are required",
            )
        ],
    ),
    (
        "worker without parallelism",
        {"worker": {"containers": []}},
        [
            (
                "spec.worker",
                "when worker is specified, parallelism must be configured for either data "
                "parallelism or pipeline parallelism",
            )
        ],
    ),
    (
        "pipeline and data parallelism",
        {"parallelism": {"pipeline": 2, "data": 2, "dataLocal": 1}},
        [
            (
                "spec.parallelism",
                "cannot set both pipeline parallelism and data parallelism (data or dataLocal) "
                "simultaneously",
            )
        ],
    ),
    (
        "scheduler replicas zero",
        {"router": {"scheduler": {"replicas": 0}}},
        [
            (
                "spec.router.scheduler.replicas",
                "Invalid value: 0: scheduler replicas must be greater than zero",
            )
        ],
    ),
    (
        "scheduler config with neither inline nor ref",
        {"router": {"scheduler": {"config": {}}}},
        [("spec.router.scheduler.config", "either inline or ref is required")],
    ),
    (
        "scheduler config ref without a name",
        {"router": {"scheduler": {"config": {"ref": {"key": "epp"}}}}},
        [("spec.router.scheduler.config.ref.name", "name is empty")],
    ),
    (
        "replicas and scaling (CRD rule)",
        {"replicas": 1, "scaling": {"maxReplicas": 2, "wva": {"hpa": {}}}},
        [
            (
                "spec",
                'Invalid value: "object": replicas and scaling are mutually exclusive; use '
                "scaling for autoscaled deployments or replicas for static deployments",
            )
        ],
    ),
    ("valid single node", {"model": {"uri": "hf://m"}, "router": {"route": {}}}, []),
]


@pytest.mark.parametrize(("spec", "want"), [c[1:] for c in VALIDATE], ids=[c[0] for c in VALIDATE])
def test_validate(spec: dict[str, Any], want: list[tuple[str, str]]) -> None:
    assert [(i.field, i.message) for i in validate(svc(spec))] == want


def test_conversion_of_a_minimal_pool_spec_gets_gie_defaults() -> None:
    # v1alpha2pool convertExtensionRefToV1: kind Service, failureMode FailClose, port 9002
    src = v1(
        {
            "model": {"uri": "hf://m"},
            "router": {
                "scheduler": {
                    "pool": {
                        "spec": {
                            "selector": {"app": "vllm"},
                            "targetPortNumber": 8000,
                            "extensionRef": {"name": "epp"},
                        }
                    }
                }
            },
        }
    )
    spec = to_v1alpha2(src)["spec"]["router"]["scheduler"]["pool"]["spec"]
    assert spec == {
        "targetPorts": [{"number": 8000}],
        "selector": {"matchLabels": {"app": "vllm"}},
        "endpointPickerRef": {
            "kind": "Service",
            "name": "epp",
            "failureMode": "FailClose",
            "port": {"number": 9002},
        },
    }


def test_v1alpha1_refuses_any_route_parent_refs_beside_gateway_refs() -> None:
    """pkg/apis/serving/v1alpha1/llm_inference_service_validation.go:155-165
    (validateRouterCrossFieldConstraints): the
    v1alpha1 webhook refuses a route spec with parentRefs next to gateway refs even when they
    match (the v1alpha2 webhook accepts matching ones). Found by the differential suite: the
    render accepted such v1alpha1 services."""
    gateway = {"name": "gw", "namespace": "ns"}
    doc = svc(
        {
            "router": {
                "route": {"http": {"spec": {"parentRefs": [gateway]}}},
                "gateway": {"refs": [gateway]},
            }
        }
    )
    assert admission.validate(doc) == []
    assert [(i.field, i.message) for i in admission.validate(doc, True)] == [
        (
            "spec.router.route.http.spec",
            "unsupported configuration: managed HTTP route spec ('spec.router.route.http.spec') "
            "cannot be used with custom gateway refs ('spec.router.gateway.refs'); either remove "
            "'spec.router.gateway.refs' or 'spec.router.route.http.spec.parentRefs'",
        )
    ]
