"""KServe v0.20.0's published LLMInferenceService samples (`docs/samples/llmisvc/`, copied
verbatim in ../shared/reference/kserve/llmisvc/samples): every single-node one renders and
validates against the repository's schemas (the LoRA ones in test_lora.py), and so do the
multi-node, prefill/decode and managed-DRA ones; the ones that are themselves invalid against
v0.20.0's CRDs are reported as the API server would."""

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
DP_EP = "dp-ep/deepseek-r1-gpu-rdma-roce/llm-inference-service-dp-ep-deepseek-r1-"
# multi-node, prefill/decode and managed DRA (issue 21); the dp-ep ones run as ServiceAccount
# `hfsa`, which KServe requires to exist (tests add it)
DISAGGREGATED = [
    f"{DP_EP}gpu-deepep-ht.yaml",
    f"{DP_EP}gpu-naive.yaml",
    f"{DP_EP}pd-gpu-p-deepep-ht-d-deepep-ht.yaml",
    f"{DP_EP}pd-gpu-p-deepep-ht-d-pplx.yaml",
    "single-node-gpu/llm-inference-service-pd-qwen2-7b-gpu.yaml",
    "opt-125m-cpu/llm-inference-service-pd-facebook-opt-125m-cpu.yaml",
    "managed-dra/llm-inference-service-managed-dra-minimal.yaml",
    "managed-dra/llm-inference-service-managed-dra-multi-device.yaml",
]
HFSA = """apiVersion: v1
kind: ServiceAccount
metadata:
  name: hfsa
  namespace: demo
"""
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


def test_multi_node_pd_and_dra_samples_render_and_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = require_shared(SAMPLES)
    account = tmp_path / "hfsa.yaml"
    account.write_text(HFSA)
    outputs = []
    kinds_seen: set[str] = set()
    for name in DISAGGREGATED:
        code, out, err = render(capsys, str(root / name), str(account))
        assert code == 0, err
        kinds = {line[6:] for line in out.splitlines() if line.startswith("kind: ")}
        kinds_seen |= kinds
        if "-pd-" in name:  # a prefill workload, and the decode pods' routing sidecar
            assert "-kserve-prefill\n" in out or "-kserve-mn-prefill\n" in out, name
            assert "name: INFERENCE_POOL_NAME" in out, name
        path = tmp_path / name.replace("/", "__")
        path.write_text(out)
        outputs.append(str(path))
    assert {"LeaderWorkerSet", "ResourceClaimTemplate", "Role", "RoleBinding"} <= kinds_seen
    count, problems = check_files(outputs, True)  # LeaderWorkerSet CRD and Kubernetes 1.34
    assert count and not problems, problems[:20]


def test_dp_ep_samples_need_their_service_account(capsys: pytest.CaptureFixture[str]) -> None:
    """KServe stops on a ServiceAccount the pods name that is not in the cluster."""
    root = require_shared(SAMPLES)
    code, out, err = render(capsys, str(root / f"{DP_EP}gpu-naive.yaml"))
    assert (code, out) == (2, "")
    assert err.endswith(
        ": spec.template.serviceAccountName: failed to fetch existing multi node main service "
        'account demo/hfsa: serviceaccounts "hfsa" not found\n'
    )


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
