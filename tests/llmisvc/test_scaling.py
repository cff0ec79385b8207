"""scaling.py and scaling_validation.py, ported from KServe v0.20.0's
`pkg/controller/v1alpha2/llmisvc/scaling_test.go` (each test names the Go test it ports) and the
scaling rules of the CRD and the validating webhook; then the render end to end.

Not ported: TestSemantic*IsEqual, TestPreserveKEDAManagedMetadata and TestPropagate*Status test
what KServe does against live objects (update decisions, status), which a render has none of.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from checker import check_files

from generator import cli
from generator.llmisvc import scaling_validation
from generator.llmisvc.admission import validate
from generator.llmisvc.scaling import (
    PrometheusConfig,
    ScalingError,
    WVAAutoscalingConfig,
    expected_hpa,
    expected_scaled_object,
    expected_va,
    main_params,
    main_scale_target_ref,
    parse_config,
    prefill_params,
    prefill_scale_target_ref,
    scaling_children,
    validate_autoscaling_config,
)

LWS = "leaderworkerset.x-k8s.io/v1"
HPA = {"maxReplicas": 5, "wva": {"hpa": {}}}
KEDA = {"maxReplicas": 5, "wva": {"keda": {}}}
PROM = WVAAutoscalingConfig(PrometheusConfig(url="http://prom:9090"))


def new_svc(name: str = "test-svc", namespace: str = "test-ns") -> dict[str, Any]:
    """newTestLLMISVC."""
    return {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "model": {"uri": "hf://meta-llama/Llama-3.1-8B", "name": "meta-llama/Llama-3.1-8B"}
        },
    }


def deployment_ref(name: str) -> dict[str, str]:
    return {"apiVersion": "apps/v1", "kind": "Deployment", "name": name}


def lws_ref(name: str) -> dict[str, str]:
    return {"apiVersion": LWS, "kind": "LeaderWorkerSet", "name": name}


# --- TestExpectedHPA ---------------------------------------------------------------------


def hpa(scaling: dict[str, Any], svc: dict[str, Any] | None = None, **kw: Any) -> dict[str, Any]:
    svc = svc or new_svc()
    target = kw.get("target", deployment_ref("test-svc-kserve"))
    out = expected_hpa(
        svc, scaling, target, kw.get("va", "test-svc-kserve-va"), "test-svc-kserve-hpa"
    )
    assert out["name"] == "test-svc-kserve-hpa"
    assert out["namespace"] == svc["metadata"]["namespace"]
    return out


def test_expected_hpa_default_min_replicas_when_nil() -> None:
    assert hpa(HPA)["spec"]["minReplicas"] == 1


def test_expected_hpa_explicit_min_replicas() -> None:
    spec = hpa({"minReplicas": 3, "maxReplicas": 10, "wva": {"hpa": {}}})["spec"]
    assert (spec["minReplicas"], spec["maxReplicas"]) == (3, 10)


def test_expected_hpa_scale_target_ref_points_to_correct_deployment() -> None:
    out = hpa(HPA, new_svc("my-model", "prod"), target=deployment_ref("my-model-kserve"))
    assert out["spec"]["scaleTargetRef"] == deployment_ref("my-model-kserve")


def test_expected_hpa_scale_target_ref_points_to_leader_worker_set_for_multi_node() -> None:
    out = hpa(HPA, new_svc("my-model", "prod"), target=lws_ref("my-model-kserve-mn"))
    assert out["spec"]["scaleTargetRef"] == lws_ref("my-model-kserve-mn")


def test_expected_hpa_metric_selector_uses_variant_name_from_va() -> None:
    assert hpa(HPA)["spec"]["metrics"] == [
        {
            "type": "External",
            "external": {
                "metric": {
                    "name": "wva_desired_replicas",
                    "selector": {"matchLabels": {"variant_name": "test-svc-kserve-va"}},
                },
                "target": {"type": "Value", "value": "1"},
            },
        }
    ]


def test_expected_hpa_custom_hpa_behavior_is_forwarded() -> None:
    behavior = {"scaleDown": {"stabilizationWindowSeconds": 120}}
    out = hpa({"maxReplicas": 5, "wva": {"hpa": {"behavior": behavior}}})
    assert out["spec"]["behavior"] == behavior


def test_expected_hpa_nil_behavior_when_not_specified() -> None:
    assert "behavior" not in hpa(HPA)["spec"]


def test_expected_hpa_owner_reference_is_not_set() -> None:
    # "owner reference is set" in Go: GitOps renders no ownerReferences (the owner has no UID)
    out = hpa(HPA)
    assert "ownerReferences" not in out
    assert out["labels"] == {
        "app.kubernetes.io/component": "llminferenceservice-workload",
        "app.kubernetes.io/name": "test-svc",
        "app.kubernetes.io/part-of": "llminferenceservice",
    }


# --- TestExpectedScaledObject ------------------------------------------------------------


def scaled_object(
    scaling: dict[str, Any],
    cfg: WVAAutoscalingConfig = PROM,
    svc: dict[str, Any] | None = None,
    target: dict[str, str] | None = None,
    va: str = "test-svc-kserve-va",
    name: str = "test-svc-kserve-keda",
) -> dict[str, Any]:
    svc = svc or new_svc()
    out = expected_scaled_object(
        svc, scaling, cfg, target or deployment_ref("test-svc-kserve"), va, name
    )
    assert out["name"] == name
    assert out["namespace"] == svc["metadata"]["namespace"]
    return out


def test_expected_scaled_object_default_min_replicas_when_nil() -> None:
    assert scaled_object(KEDA)["spec"]["minReplicaCount"] == 1


def test_expected_scaled_object_explicit_min_replicas_and_max_replicas() -> None:
    spec = scaled_object({"minReplicas": 2, "maxReplicas": 8, "wva": {"keda": {}}})["spec"]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (2, 8)


def test_expected_scaled_object_scale_target_ref_points_to_correct_deployment() -> None:
    out = scaled_object(
        KEDA,
        svc=new_svc("my-model", "prod"),
        target=deployment_ref("my-model-kserve-prefill"),
        va="my-model-kserve-prefill-va",
        name="my-model-kserve-prefill-keda",
    )
    assert out["spec"]["scaleTargetRef"] == deployment_ref("my-model-kserve-prefill")


def test_expected_scaled_object_scale_target_ref_points_to_leader_worker_set_for_multi_node() -> (
    None
):
    out = scaled_object(
        KEDA,
        svc=new_svc("my-model", "prod"),
        target=lws_ref("my-model-kserve-mn"),
        va="my-model-kserve-va",
        name="my-model-kserve-keda",
    )
    assert out["spec"]["scaleTargetRef"] == lws_ref("my-model-kserve-mn")


def test_expected_scaled_object_prometheus_trigger_has_correct_metadata() -> None:
    cfg = WVAAutoscalingConfig(
        PrometheusConfig(url="https://prom.monitoring:9090", tls_insecure_skip_verify=True)
    )
    assert scaled_object(KEDA, cfg)["spec"]["triggers"] == [
        {
            "type": "prometheus",
            "name": "wva-desired-replicas",
            "metadata": {
                "serverAddress": "https://prom.monitoring:9090",
                "query": 'wva_desired_replicas{variant_name="test-svc-kserve-va",'
                'exported_namespace="test-ns"}',
                "threshold": "1",
                "unsafeSsl": "true",
            },
        }
    ]


def test_expected_scaled_object_unsafe_ssl_is_false_when_tls_verification_enabled() -> None:
    assert scaled_object(KEDA)["spec"]["triggers"][0]["metadata"]["unsafeSsl"] == "false"


def test_expected_scaled_object_optional_keda_fields_forwarded() -> None:
    keda = {
        "pollingInterval": 15,
        "cooldownPeriod": 60,
        "initialCooldownPeriod": 30,
        "idleReplicaCount": 0,
        "fallback": {"failureThreshold": 3, "replicas": 2},
    }
    spec = scaled_object({"minReplicas": 1, "maxReplicas": 5, "wva": {"keda": keda}})["spec"]
    assert {k: spec[k] for k in keda} == keda


def test_expected_scaled_object_no_auth_fields_when_not_configured() -> None:
    trigger = scaled_object(KEDA)["spec"]["triggers"][0]
    assert "authModes" not in trigger["metadata"]
    assert "authenticationRef" not in trigger


@pytest.mark.parametrize("kind", ["TriggerAuthentication", "ClusterTriggerAuthentication"])
def test_expected_scaled_object_trigger_authentication_auth_fields_are_wired_into_trigger(
    kind: str,
) -> None:
    # TriggerAuthentication / ClusterTriggerAuthentication auth fields are wired into trigger
    prom = PrometheusConfig("https://prom.monitoring:9090", False, "bearer", "prom-auth", kind)
    trigger = scaled_object(KEDA, WVAAutoscalingConfig(prom))["spec"]["triggers"][0]
    assert trigger["metadata"]["authModes"] == "bearer"
    assert trigger["authenticationRef"] == {"name": "prom-auth", "kind": kind}


def test_expected_scaled_object_auth_ref_without_kind_leaves_it_to_keda() -> None:
    # AuthenticationRef.Kind is omitempty: KEDA's default (TriggerAuthentication) applies
    prom = PrometheusConfig("https://p:9090", False, "bearer", "prom-auth")
    trigger = scaled_object(KEDA, WVAAutoscalingConfig(prom))["spec"]["triggers"][0]
    assert trigger["authenticationRef"] == {"name": "prom-auth"}


# --- TestExpectedVA ----------------------------------------------------------------------


def va(
    svc: dict[str, Any] | None = None,
    cost: str = "10.0",
    target: dict[str, str] | None = None,
    labels: dict[str, str] | None = None,
) -> dict[str, Any]:
    svc = svc or new_svc()
    name = f"{svc['metadata']['name']}-kserve-va"
    target = target or deployment_ref(f"{svc['metadata']['name']}-kserve")
    out = expected_va(svc, {"maxReplicas": 3, "wva": {"variantCost": cost}}, target, name, labels)
    assert out["name"] == name
    assert out["namespace"] == svc["metadata"]["namespace"]
    return out


def test_expected_va_scale_target_ref_points_to_deployment() -> None:
    out = va(new_svc("my-model", "prod"))
    assert out["spec"]["scaleTargetRef"] == deployment_ref("my-model-kserve")


def test_expected_va_scale_target_ref_points_to_leader_worker_set_for_multi_node() -> None:
    out = va(new_svc("my-model", "prod"), target=lws_ref("my-model-kserve-mn"))
    assert out["spec"]["scaleTargetRef"] == lws_ref("my-model-kserve-mn")


def test_expected_va_model_id_from_model_name_when_set() -> None:
    assert va(cost="5.0")["spec"]["modelID"] == "meta-llama/Llama-3.1-8B"


def test_expected_va_model_id_falls_back_to_uri_when_name_is_nil() -> None:
    svc = new_svc()
    del svc["spec"]["model"]["name"]
    assert va(svc)["spec"]["modelID"] == "hf://meta-llama/Llama-3.1-8B"


def test_expected_va_variant_cost_forwarded_correctly() -> None:
    out = va(cost="42.5")
    assert out["spec"] == {
        "scaleTargetRef": deployment_ref("test-svc-kserve"),
        "modelID": "meta-llama/Llama-3.1-8B",
        "minReplicas": 1,
        "maxReplicas": 3,
        "variantCost": "42.5",
    }


def test_expected_va_owner_reference_is_not_set() -> None:
    # "owner reference is set" in Go: GitOps renders no ownerReferences
    assert "ownerReferences" not in va()


@pytest.mark.parametrize(
    ("labels", "want"),
    [
        ({"inference.optimization/acceleratorName": "H100"}, "H100"),
        (None, "unknown"),
        ({"inference.optimization/acceleratorName": ""}, "unknown"),
    ],
    ids=[
        "acceleratorName label taken from workload labels when present",
        "acceleratorName label is unknown when not present in workload labels",
        "acceleratorName label is unknown when present but empty in workload labels",
    ],
)
def test_expected_va_accelerator_name(labels: dict[str, str] | None, want: str) -> None:
    assert va(labels=labels)["labels"]["inference.optimization/acceleratorName"] == want


# --- TestValidateAutoscalingConfig -------------------------------------------------------

URL_REQUIRED = (
    "autoscaling-wva-controller-config.prometheus.url is required in inferenceservice-config "
    "when using KEDA"
)
AUTH_PAIR = (
    "autoscaling-wva-controller-config.prometheus.authModes and "
    "autoscaling-wva-controller-config.prometheus.triggerAuthName must both be set or both be "
    "empty"
)


@pytest.mark.parametrize(
    ("cfg", "want"),
    [
        (None, URL_REQUIRED),
        (WVAAutoscalingConfig(), URL_REQUIRED),
        (PROM, None),
        (WVAAutoscalingConfig(PrometheusConfig("https://p:9090", False, "bearer", "a")), None),
        (WVAAutoscalingConfig(PrometheusConfig("https://p:9090", False, "bearer")), AUTH_PAIR),
        (WVAAutoscalingConfig(PrometheusConfig("https://p:9090", False, "", "a")), AUTH_PAIR),
        (
            WVAAutoscalingConfig(
                PrometheusConfig(
                    "https://p:9090", False, "bearer", "a", "ClusterTriggerAuthentication"
                )
            ),
            None,
        ),
    ],
    ids=[
        "nil config returns error",
        "missing prometheus.url returns error",
        "no auth fields is valid",
        "both auth fields set is valid",
        "authModes set without triggerAuthName returns error",
        "triggerAuthName set without authModes returns error",
        "ClusterTriggerAuthentication kind with both auth fields is valid",
    ],
)
def test_validate_autoscaling_config(cfg: WVAAutoscalingConfig | None, want: str | None) -> None:
    assert validate_autoscaling_config(cfg) == want


# --- TestNamingHelpers, TestScaleTargetRefHelpers -----------------------------------------


def test_naming_helpers() -> None:
    svc = new_svc("sim-llama", "llm-d-dev")
    main, prefill = main_params(svc), prefill_params(svc)
    assert main.target["name"] == "sim-llama-kserve"
    assert prefill.target["name"] == "sim-llama-kserve-prefill"
    assert (main.hpa_name, prefill.hpa_name) == (
        "sim-llama-kserve-hpa",
        "sim-llama-kserve-prefill-hpa",
    )
    assert (main.va_name, prefill.va_name) == ("sim-llama-kserve-va", "sim-llama-kserve-prefill-va")
    assert (main.scaled_object_name, prefill.scaled_object_name) == (
        "sim-llama-kserve-keda",
        "sim-llama-kserve-prefill-keda",
    )
    svc["spec"]["worker"] = {}
    svc["spec"]["prefill"] = {"worker": {}}
    assert main_scale_target_ref(svc)["name"] == "sim-llama-kserve-mn"
    assert prefill_scale_target_ref(svc)["name"] == "sim-llama-kserve-mn-prefill"


def test_naming_helpers_hash_long_names() -> None:
    # kmeta.ChildName: over 63 characters the name is shortened with an md5 suffix
    name = "a" * 60
    params = main_params(new_svc(name))
    assert all(len(n) <= 63 for n in (params.va_name, params.hpa_name, params.scaled_object_name))
    assert params.va_name != params.hpa_name


def test_scale_target_ref_helpers() -> None:
    svc = new_svc()
    assert main_scale_target_ref(svc) == deployment_ref("test-svc-kserve")
    assert prefill_scale_target_ref(svc) == deployment_ref("test-svc-kserve-prefill")
    with_worker = copy.deepcopy(svc)
    with_worker["spec"]["worker"] = {}
    assert main_scale_target_ref(with_worker) == lws_ref("test-svc-kserve-mn")
    prefill_worker = copy.deepcopy(svc)
    prefill_worker["spec"]["prefill"] = {"worker": {}}
    assert prefill_scale_target_ref(prefill_worker) == lws_ref("test-svc-kserve-mn-prefill")
    prefill_only = copy.deepcopy(svc)
    prefill_only["spec"]["prefill"] = {}
    assert prefill_scale_target_ref(prefill_only) == deployment_ref("test-svc-kserve-prefill")


# --- reconcileScaling: which objects, in which order ---------------------------------------


def kinds(svc: dict[str, Any], cfg: WVAAutoscalingConfig | None = PROM) -> list[tuple[str, str]]:
    return [(kind, values["name"]) for _, kind, values in scaling_children(svc, cfg)]


def test_reconcile_scaling_main_then_prefill_va_keda_hpa() -> None:
    svc = new_svc()
    svc["spec"]["scaling"] = KEDA
    svc["spec"]["prefill"] = {"scaling": KEDA}
    assert kinds(svc) == [
        ("VariantAutoscaling", "test-svc-kserve-va"),
        ("ScaledObject", "test-svc-kserve-keda"),
        ("VariantAutoscaling", "test-svc-kserve-prefill-va"),
        ("ScaledObject", "test-svc-kserve-prefill-keda"),
    ]
    svc["spec"]["scaling"] = HPA
    svc["spec"]["prefill"] = {"scaling": HPA, "labels": {"x": "y"}}
    assert kinds(svc, None) == [
        ("VariantAutoscaling", "test-svc-kserve-va"),
        ("HorizontalPodAutoscaler", "test-svc-kserve-hpa"),
        ("VariantAutoscaling", "test-svc-kserve-prefill-va"),
        ("HorizontalPodAutoscaler", "test-svc-kserve-prefill-hpa"),
    ]


def test_reconcile_scaling_nothing_without_wva_or_when_stopped() -> None:
    svc = new_svc()
    assert kinds(svc) == []
    svc["spec"]["scaling"] = {"maxReplicas": 2}
    assert kinds(svc) == []
    svc["spec"]["scaling"] = HPA
    svc["metadata"]["annotations"] = {"serving.kserve.io/stop": "TRUE"}
    assert kinds(svc) == []
    svc["metadata"]["annotations"] = {"serving.kserve.io/stop": "false"}
    assert len(kinds(svc)) == 2


def test_reconcile_scaling_keda_without_config_names_the_key() -> None:
    svc = new_svc()
    svc["spec"]["prefill"] = {"scaling": KEDA}
    with pytest.raises(ScalingError) as err:
        scaling_children(svc, None)
    assert str(err.value) == URL_REQUIRED
    assert err.value.field == "spec.prefill.scaling.wva.keda"


# --- the autoscaling-wva-controller-config key (config_loader.go) --------------------------


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            '{"prometheus": {"url": "http://p", "tlsInsecureSkipVerify": true}}',
            PrometheusConfig("http://p", True),
        ),
        ('{"PROMETHEUS": {"URL": "http://p", "unknown": 1}}', PrometheusConfig("http://p")),
        ('{"prometheus": {"url": null}}', PrometheusConfig()),
        ("null", PrometheusConfig()),
        ("{}", PrometheusConfig()),
    ],
)
def test_parse_config(text: str, want: PrometheusConfig) -> None:
    cfg = parse_config({"autoscaling-wva-controller-config": text})
    assert cfg is not None and cfg.prometheus == want


def test_parse_config_absent_key_is_none() -> None:
    assert parse_config({}) is None


@pytest.mark.parametrize(
    ("text", "want"),
    [
        (
            '{"prometheus": {"url": 9090}}',
            "cannot unmarshal number into Go struct field PrometheusConfig.prometheus.url of type "
            "string",
        ),
        ('{"prometheus": []}', "cannot unmarshal array"),
        ("[1]", "cannot unmarshal array"),
        ("{", "failed to parse autoscaling-wva-controller-config config json: "),
        ("[" * 100000, "nested too deeply"),
    ],
)
def test_parse_config_errors(text: str, want: str) -> None:
    with pytest.raises(ScalingError) as err:
        parse_config({"autoscaling-wva-controller-config": text})
    assert want in str(err.value)
    assert err.value.field == "data.autoscaling-wva-controller-config"


# --- admission: the CRD's CEL rules, then the webhook's ValidateWorkloadScaling ------------


def svc_with(spec: dict[str, Any]) -> dict[str, Any]:
    return {
        "metadata": {"name": "s", "namespace": "ns"},
        "spec": {"model": {"uri": "hf://m"}, **spec},
    }


def cel(path: str, message: str) -> tuple[str, str]:
    return (path, f'Invalid value: "object": {message}')


BOTH = "hpa and keda are mutually exclusive; choose one actuator backend"
NEITHER = "either hpa or keda must be specified as the actuator backend"
MODIFIERS = "scalingModifiers must not be set; WVA controls the scaling metric formula and logic"

CEL_CASES = [
    ("valid hpa", {"scaling": {"minReplicas": 1, "maxReplicas": 2, "wva": {"hpa": {}}}}, []),
    (
        "hpa and keda together",
        {"scaling": {"minReplicas": 1, "maxReplicas": 2, "wva": {"hpa": {}, "keda": {}}}},
        [cel("spec.scaling.wva", BOTH)],
    ),
    (
        "neither hpa nor keda",
        {"scaling": {"minReplicas": 1, "maxReplicas": 2, "wva": {}}},
        [cel("spec.scaling.wva", NEITHER)],
    ),
    (
        "wva required",
        {"prefill": {"scaling": {"minReplicas": 1, "maxReplicas": 2}}},
        [
            cel(
                "spec.prefill.scaling",
                "wva is required when scaling is configured; it provides the autoscaling mechanism",
            )
        ],
    ),
    (
        "minReplicas over maxReplicas",
        {"scaling": {"minReplicas": 3, "maxReplicas": 2, "wva": {"hpa": {}}}},
        [cel("spec.scaling", "minReplicas cannot exceed maxReplicas")],
    ),
    (
        "idleReplicaCount not below minReplicas",
        {"scaling": {"minReplicas": 1, "maxReplicas": 2, "wva": {"keda": {"idleReplicaCount": 1}}}},
        [
            cel(
                "spec.scaling",
                "idleReplicaCount must be less than minReplicas; idleReplicaCount defines the "
                "replica floor when no triggers are active",
            )
        ],
    ),
    (
        "scalingModifiers set",
        {
            "scaling": {
                "minReplicas": 1,
                "maxReplicas": 2,
                "wva": {"keda": {"advanced": {"scalingModifiers": {"formula": "a+b"}}}},
            }
        },
        [cel("spec.scaling.wva.keda", MODIFIERS)],
    ),
    (
        "advanced without scalingModifiers (a CEL runtime error)",
        {
            "scaling": {
                "minReplicas": 1,
                "maxReplicas": 2,
                "wva": {"keda": {"advanced": {"restoreToOriginalReplicaCount": True}}},
            }
        },
        [
            cel(
                "spec.scaling.wva.keda",
                f"no such key: scalingModifiers evaluating rule: {MODIFIERS}",
            )
        ],
    ),
    (
        "HPA config name set",
        {
            "scaling": {
                "minReplicas": 1,
                "maxReplicas": 2,
                "wva": {
                    "keda": {
                        "advanced": {
                            "scalingModifiers": {
                                "formula": "",
                                "target": "",
                                "activationTarget": "",
                                "metricType": "",
                            },
                            "horizontalPodAutoscalerConfig": {"name": "mine"},
                        }
                    }
                },
            }
        },
        [
            cel(
                "spec.scaling.wva.keda",
                "horizontalPodAutoscalerConfig.name must not be set; the controller manages the "
                "HPA name",
            )
        ],
    ),
]


@pytest.mark.parametrize(
    ("spec", "want"), [c[1:] for c in CEL_CASES], ids=[c[0] for c in CEL_CASES]
)
def test_scaling_cel_rules(spec: dict[str, Any], want: list[tuple[str, str]]) -> None:
    assert [(i.field, i.message) for i in validate(svc_with(spec))] == want


def test_webhook_rules_run_on_the_merged_spec_without_cel() -> None:
    # the controller's Validator on the merged spec: replicas from a base config beside scaling
    spec = {"replicas": 2, "scaling": {"minReplicas": 1, "maxReplicas": 2, "wva": {"hpa": {}}}}
    found = validate(svc_with(spec), cel=False)
    assert [(i.field, i.message) for i in found] == [
        (
            "spec.scaling",
            'Invalid value: {"minReplicas":1,"maxReplicas":2,"wva":{"hpa":{}}}: scaling and '
            "replicas are mutually exclusive; use scaling for autoscaled deployments or replicas "
            "for static deployments",
        )
    ]


def test_webhook_workload_scaling() -> None:
    # ValidateWorkloadScaling's own messages (what a webhook-only client sees)
    workload = {
        "scaling": {
            "minReplicas": 3,
            "maxReplicas": 2,
            "wva": {"variantCost": "x", "keda": {"idleReplicaCount": 5}},
        }
    }
    found = scaling_validation.workload_scaling("spec", workload)
    assert [(i.field, i.message) for i in found] == [
        (
            "spec.scaling.minReplicas",
            "Invalid value: 3: minReplicas (3) cannot exceed maxReplicas (2)",
        ),
        (
            "spec.scaling.wva.variantCost",
            'Invalid value: "x": variantCost must be a non-negative numeric string (e.g., "10", '
            '"10.0", "0.5")',
        ),
        (
            "spec.scaling.wva.keda.idleReplicaCount",
            "Invalid value: 5: idleReplicaCount (5) must be less than minReplicas (3); "
            "idleReplicaCount defines the replica floor when no triggers are active",
        ),
    ]


def test_actuator_consistency() -> None:
    spec = {"scaling": HPA, "prefill": {"scaling": KEDA}}
    found = scaling_validation.actuator_consistency(spec)
    assert [i.field for i in found] == ["spec.prefill.scaling.wva"]
    assert "decode uses hpa but prefill uses keda" in found[0].message
    assert (
        scaling_validation.actuator_consistency({"scaling": HPA, "prefill": {"scaling": HPA}}) == []
    )
    assert scaling_validation.actuator_consistency({"scaling": HPA, "prefill": {}}) == []


# --- the render -------------------------------------------------------------------------


def render(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    spec: dict[str, Any],
    config: dict[str, str] | None = None,
) -> tuple[int, list[dict[str, Any]], str]:
    doc = {
        "apiVersion": "serving.kserve.io/v1alpha2",
        "kind": "LLMInferenceService",
        "metadata": {"name": "llm", "namespace": "demo"},
        "spec": {
            "model": {"uri": "hf://facebook/opt-125m"},
            "template": {"containers": [{"name": "main", "image": "vllm:1"}]},
            **spec,
        },
    }
    paths = [tmp_path / "svc.yaml"]
    paths[0].write_text(yaml.safe_dump(doc))
    args = ["render", "--namespace", "demo", str(paths[0])]
    if config is not None:
        cm = {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
            "data": config,
        }
        (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cm))
        args += ["--config", str(tmp_path / "cfg.yaml")]
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), list(yaml.safe_load_all(out)), err


PROM_CONFIG = {
    "autoscaling-wva-controller-config": json.dumps({"prometheus": {"url": "http://prom:9090"}})
}


def test_render_keda_scaling(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, docs, err = render(tmp_path, capsys, {"scaling": KEDA}, PROM_CONFIG)
    assert code == 0, err
    by_kind = {d["kind"]: d for d in docs if d}
    assert "replicas" not in by_kind["Deployment"]["spec"]  # the autoscaler owns it
    so = by_kind["ScaledObject"]
    assert so["apiVersion"] == "keda.sh/v1alpha1"
    assert so["spec"]["scaleTargetRef"] == deployment_ref("llm-kserve")
    assert so["spec"]["triggers"][0]["metadata"]["serverAddress"] == "http://prom:9090"
    assert by_kind["VariantAutoscaling"]["apiVersion"] == "llmd.ai/v1alpha1"
    assert by_kind["VariantAutoscaling"]["spec"]["variantCost"] == "10.0"  # the CRD default
    assert "HorizontalPodAutoscaler" not in by_kind


def test_render_keda_without_trigger_config_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, docs, err = render(tmp_path, capsys, {"scaling": KEDA})
    assert code == 2
    assert docs in ([], [None])
    assert "spec.scaling.wva.keda" in err
    assert URL_REQUIRED in err


def test_render_hpa_and_keda_together_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = {"scaling": {"maxReplicas": 2, "wva": {"hpa": {}, "keda": {}}}}
    code, docs, err = render(tmp_path, capsys, spec, PROM_CONFIG)
    assert code == 2
    assert docs in ([], [None])
    assert f'spec.scaling.wva: Invalid value: "object": {BOTH}' in err


def test_render_malformed_autoscaling_config_is_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = {"autoscaling-wva-controller-config": '{"prometheus": {"url": 1}}'}
    code, _, err = render(tmp_path, capsys, {"scaling": HPA}, config)
    assert code == 2
    assert "data.autoscaling-wva-controller-config" in err
    assert "Traceback" not in err


def test_render_validates_against_the_crds_and_does_not_depend_on_order(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # VariantAutoscaling (llm-d WVA), ScaledObject (KEDA) and HPA (Kubernetes 1.34) schemas,
    # by the project's own checker; the same bytes whatever the file order
    def service(name: str, scaling: dict[str, Any], weight: int) -> dict[str, Any]:
        return {
            "apiVersion": "serving.kserve.io/v1alpha2",
            "kind": "LLMInferenceService",
            "metadata": {"name": name, "namespace": "demo"},
            "spec": {
                "model": {"uri": "hf://facebook/opt-125m", "name": "opt"},
                "template": {"containers": [{"name": "main", "image": "vllm:1"}]},
                "scaling": scaling,
                "tracing": {},
                "router": {
                    "route": {"group": "opt", "weight": weight},
                    "gateway": {},
                    "scheduler": {},
                },
            },
        }

    keda = {
        "minReplicas": 2,
        "maxReplicas": 4,
        "wva": {"keda": {"pollingInterval": 15, "idleReplicaCount": 1}},
    }
    hpa_behavior = {"scaleUp": {"policies": [{"type": "Pods", "value": 2, "periodSeconds": 60}]}}
    first = tmp_path / "a.yaml"
    second = tmp_path / "b.yaml"
    first.write_text(yaml.safe_dump(service("opt-v1", keda, 80)))
    scaling = {"maxReplicas": 3, "wva": {"hpa": {"behavior": hpa_behavior}}}
    second.write_text(yaml.safe_dump(service("opt-v2", scaling, 20)))
    cm = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
        "data": PROM_CONFIG,
    }
    (tmp_path / "cfg.yaml").write_text(yaml.safe_dump(cm))
    outputs = []
    for order in ((first, second), (second, first)):
        with pytest.raises(SystemExit) as exited:
            cli.main(
                [
                    "render",
                    "-n",
                    "demo",
                    "--allow-cluster-scoped",
                    "--config",
                    str(tmp_path / "cfg.yaml"),
                    *map(str, order),
                ]
            )
        out, err = capsys.readouterr()
        assert exited.value.code in (0, None), err
        outputs.append(out)
    assert outputs[0] == outputs[1]
    rendered = tmp_path / "out.yaml"
    rendered.write_text(outputs[0])
    kinds = {d["kind"] for d in yaml.safe_load_all(outputs[0]) if d}
    assert {"VariantAutoscaling", "ScaledObject", "HorizontalPodAutoscaler"} <= kinds
    count, problems = check_files([str(rendered)], True)
    assert count and not problems, problems[:20]
