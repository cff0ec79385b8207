"""Ported from KServe v0.20.0 `pkg/controller/v1alpha2/llmisvc/config_presets_test.go`:
`TestPresetFiles` (every shipped preset is well known and renders through ReplaceVariables
against `sample.go: LLMInferenceServiceSample`; field checks from its expected objects) and
`TestSingleNodeTensorParallelRendered`."""

from __future__ import annotations

from typing import Any

import pytest

from generator.llmisvc import config_merge as cm

WELL_KNOWN = {
    cm.TEMPLATE,
    cm.DECODE_TEMPLATE,
    cm.WORKER_DATA_PARALLEL,
    cm.DECODE_WORKER_DATA_PARALLEL,
    cm.PREFILL_TEMPLATE,
    cm.PREFILL_WORKER_DATA_PARALLEL,
    cm.SCHEDULER,
    cm.ROUTER_ROUTE,
    cm.SCHEDULER_LATENCY_PREDICTOR,
    cm.TRACING,
}
SYSTEM = cm.GlobalConfig(ingress_gateway_name="kserve-ingress-gateway")


def sample() -> dict[str, Any]:
    """`sample.go: LLMInferenceServiceSample`, the fields the presets' templates read."""
    container = {"name": "kserve-container", "image": "ghcr.io/llm-d/llm-d:v0.2.0"}
    return {
        "metadata": {"name": "test-llm-preset", "namespace": "test-llm-preset-test"},
        "spec": {
            "model": {"name": "llama", "uri": "llama"},
            "replicas": 2,
            "parallelism": {"data": 4, "dataLocal": 2, "tensor": 1, "expert": True},
            "template": {"containers": [container]},
            "worker": {"containers": [container]},
            "prefill": {
                "replicas": 1,
                "parallelism": {"tensor": 1, "pipeline": 1},
                "template": {"containers": [container]},
            },
            "router": {
                "route": {"http": {"refs": [{"name": "custom-http-route"}]}},
                "gateway": {"refs": [{"name": "kserve-ingress-gateway", "namespace": "kserve"}]},
                "scheduler": {"pool": {"ref": {"name": "custom-inference-pool"}}},
            },
        },
    }


def render(name: str, llmsvc: dict[str, Any], gcfg: cm.GlobalConfig = SYSTEM) -> dict[str, Any]:
    preset = cm.builtin_presets()[name]
    return cm.replace_variables(
        llmsvc, {"metadata": preset["metadata"], "spec": preset["spec"]}, gcfg
    )


def test_preset_files_are_the_well_known_configs() -> None:
    assert set(cm.builtin_presets()) == WELL_KNOWN
    for doc in cm.builtin_presets().values():
        assert doc["apiVersion"] == "serving.kserve.io/v1alpha2"
        assert doc["kind"] == "LLMInferenceServiceConfig"


@pytest.mark.parametrize("name", sorted(WELL_KNOWN))
def test_preset_files_render(name: str) -> None:
    out = render(name, sample())
    assert "{{" not in repr(out)


def test_preset_files_llm_template_expected_fields() -> None:
    spec = render(cm.TEMPLATE, sample())
    template = spec["template"]
    tls = next(v for v in template["volumes"] if v["name"] == "tls-certs")
    assert tls["secret"]["secretName"] == "test-llm-preset-kserve-self-signed-certs"
    main = template["containers"][0]
    assert main["name"] == "main"
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        assert main[probe]["httpGet"]["scheme"] == "HTTP"
    script = main["command"][2]
    assert '--served-model-name "llama" "publishers/test-llm-preset-test/models/llama"' in script
    assert 'SHUTDOWN_TIMEOUT_ARGS="--shutdown-timeout 40"' in script
    assert template["terminationGracePeriodSeconds"] == 60


def test_preset_files_decode_worker_data_parallel_sidecar() -> None:
    spec = render(cm.DECODE_WORKER_DATA_PARALLEL, sample())
    sidecar = spec["template"]["initContainers"][0]
    assert sidecar["name"] == "llm-d-routing-sidecar"
    assert sidecar["command"] == [
        "/app/pd-sidecar",
        "--port=8000",
        "--vllm-port=8001",
        "--kv-connector=nixlv2",
        "--enable-ssrf-protection=true",
        "--pool-group=inference.networking.x-k8s.io",
        "--inference-pool=test-llm-preset-test/test-llm-preset-inference-pool",
        "--secure-proxy=false",
        "",
        "",
        "",
    ]


def _svc(**spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "test", "namespace": "ns"},
        "spec": {"model": {"name": "model"}, **spec},
    }


@pytest.mark.parametrize(
    ("preset", "llmsvc", "flag"),
    [
        pytest.param(
            cm.TEMPLATE,
            _svc(parallelism={"tensor": 2}),
            "--tensor-parallel-size 2",
            id="single-node base template",
        ),
        pytest.param(
            cm.DECODE_TEMPLATE,
            _svc(parallelism={"tensor": 4}),
            "--tensor-parallel-size 4",
            id="single-node decode template (P/D)",
        ),
        pytest.param(
            cm.PREFILL_TEMPLATE,
            _svc(prefill={"parallelism": {"tensor": 2}}),
            "--tensor-parallel-size 2",
            id="single-node prefill template (P/D)",
        ),
        pytest.param(
            cm.TEMPLATE, _svc(), "", id="single-node base template - no parallelism omits flag"
        ),
    ],
)
def test_single_node_tensor_parallel_rendered(
    preset: str, llmsvc: dict[str, Any], flag: str
) -> None:
    spec = render(preset, llmsvc, cm.GlobalConfig())
    workload = spec.get("prefill") or spec
    command = " ".join(workload["template"]["containers"][0]["command"])
    if flag:
        assert flag in command
    else:
        assert "--tensor-parallel-size" not in command
