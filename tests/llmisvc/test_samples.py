"""KServe v0.20.0's published LLMInferenceService samples (`docs/samples/llmisvc/`, copied
verbatim in ../shared/reference/kserve/llmisvc/samples): every single-node one renders and
validates against the repository's schemas (the LoRA ones in test_lora.py); those needing the
next issue (worker, prefill, managed DRA) are refused naming the field;
the ones that are themselves invalid against v0.20.0's CRDs are reported as the API server would."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from checker import check_files
from helpers import REPO_ROOT, require_shared

from generator import cli

SAMPLES = "reference/kserve/llmisvc/samples"
SINGLE_NODE = [
    "single-node-gpu/llm-inference-service-qwen2-7b-gpu.yaml",
    "single-node-gpu/llm-inference-service-qwen2-7b-gpu-no-scheduler.yaml",
    "opt-125m-cpu/llm-inference-service-facebook-opt-125m-cpu.yaml",
    "opt-125m-cpu/llm-inference-service-facebook-opt-125m-cpu-no-scheduler.yaml",
    "multi-gpu-vendor/llm-inference-service-qwen2-7b-amd-no-scheduler.yaml",
    "multi-gpu-vendor/llm-inference-service-qwen2-7b-nvidia-with-scheduler.yaml",
    "precise-prefix-kv-cache-routing/llm-inference-service-qwen2-7b-gpu-kv-cache-routing.yaml",
    "precise-prefix-kv-cache-routing/llm-inference-service-opt-125m-cpu-kv-cache-routing-simulator.yaml",
]
NEXT_ISSUE = {
    "dp-ep/deepseek-r1-gpu-rdma-roce/llm-inference-service-dp-ep-deepseek-r1-gpu-deepep-ht.yaml": (
        "spec.worker"
    ),
    "dp-ep/deepseek-r1-gpu-rdma-roce/llm-inference-service-dp-ep-deepseek-r1-gpu-naive.yaml": (
        "spec.worker"
    ),
    "single-node-gpu/llm-inference-service-pd-qwen2-7b-gpu.yaml": "spec.prefill",
    "opt-125m-cpu/llm-inference-service-pd-facebook-opt-125m-cpu.yaml": "spec.prefill",
    "managed-dra/llm-inference-service-managed-dra-minimal.yaml": (
        "metadata.annotations[serving.kserve.io/exp-dra-device-class]"
    ),
}
# (sample, the API server's complaint) for samples v0.20.0's own CRDs reject
INVALID = {
    "kv-cache-offloading/llm-inference-service-kv-cache-offloading.yaml": [
        ":25: LLMInferenceService demo/qwen2-7b-kv-cache-offloading: spec.workload: "
        'unknown field "workload"'
    ],
    "latency-predictor/llm-inference-service-latency-predictor.yaml": [
        ":13: LLMInferenceService demo/qwen2-7b-latency-predictor: spec.router.scheduler.config."
        'inline: must be of type object (got string "apiVersion: llm-d.ai/v1alpha1\\nkind: '
        'EndpointPickerConfig\\nplugins:\\n  - ty...")'
    ],
    "e2e-gpt-oss/llmisvc_config_default.yaml": [
        f":{line}: LLMInferenceServiceConfig demo/llmisvc-intelligent-inference-scheduling: "
        f"spec.router.scheduler.pool.spec.{field}: required value"
        for line, field in (
            (34, "selector"),
            (34, "targetPorts"),
            (35, "endpointPickerRef.name"),
        )
    ],
}


def render(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        # --allow-cluster-scoped: the scheduler's ClusterRoleBinding (system:auth-delegator)
        cli.main(["render", "--namespace", "demo", "--allow-cluster-scoped", *args])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_single_node_samples_render_and_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = require_shared(SAMPLES)
    outputs = []
    for name in SINGLE_NODE:
        code, out, err = render(capsys, str(root / name))
        assert code == 0, err
        kinds = {line for line in out.splitlines() if line.startswith("kind: ")}
        assert {"kind: Deployment", "kind: Service", "kind: Certificate"} <= kinds, name
        assert "PRIVATE KEY" not in out
        path = tmp_path / name.replace("/", "__")
        path.write_text(out)
        outputs.append(str(path))
    count, problems = check_files(outputs, True)  # the project's own checker (tests/checker.py)
    assert count and not problems, problems[:20]


@pytest.mark.parametrize("name", sorted(NEXT_ISSUE))
def test_samples_of_the_next_issue_are_refused_naming_the_field(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = require_shared(SAMPLES)
    code, out, err = render(capsys, str(root / name))
    assert (code, out) == (2, "")
    assert f": {NEXT_ISSUE[name]}: " in err


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_samples_are_reported_as_the_api_server_would(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    root = require_shared(SAMPLES)
    code, out, err = render(capsys, str(root / name))
    assert (code, out) == (2, "")
    assert err.splitlines() == [f"{root / name}{line}" for line in INVALID[name]]


def test_output_does_not_depend_on_the_hash_seed() -> None:
    root = require_shared(SAMPLES)
    command = [sys.executable, "-m", "generator", "render", "-n", "demo", "--allow-cluster-scoped"]
    files = [str(root / name) for name in SINGLE_NODE[:2]]
    outputs = set()
    for seed, order in (("1", files), ("2", files[::-1])):
        env = {**os.environ, "PYTHONHASHSEED": seed}
        done = subprocess.run(
            [*command, *order], capture_output=True, text=True, check=True, env=env, cwd=REPO_ROOT
        )
        outputs.add(done.stdout)
    assert len(outputs) == 1
