"""KServe's own LLMInferenceService reconciler beside the port (tests/llmisvc/oracle/).

The oracle (a Go program requiring github.com/kserve/kserve v0.20.0 with KServe's `replace`
directives) runs `LLMISVCReconciler.Reconcile` once per service on a fake client that holds what
the cluster would: the service as the API server stores it (v1alpha2, CRD and webhook
defaults), the ten presets in `kserve`, the release `inferenceservice-config` with the input's
keys over it, the default ingress Gateway and the `default` ServiceAccount. The render uses
`llmisvcRender.inferencePoolAPI: v1alpha2`, what KServe picks for a route that has no status
yet. Allowed differences only: the TLS material (KServe's Secret with a generated key, the
render's cert-manager Certificate) and run-time identities (ownerReferences, uid,
resourceVersion, creationTimestamp, the managed-by label).

Building the oracle compiles KServe and Kubernetes (minutes on two cores): it runs when Go is
installed and KSERVE_GITOPS_ORACLE=1; the build is cached under ~/.cache keyed by go.sum.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT, require_shared

from generator import cli, schema
from generator.llmisvc import admission
from generator.llmisvc.config_merge import builtin_presets
from generator.llmisvc.reconcile import converted

ORACLE = REPO_ROOT / "tests" / "llmisvc" / "oracle"
SAMPLES = [
    "single-node-gpu/llm-inference-service-qwen2-7b-gpu.yaml",
    "single-node-gpu/llm-inference-service-qwen2-7b-gpu-no-scheduler.yaml",
    "opt-125m-cpu/llm-inference-service-facebook-opt-125m-cpu.yaml",
    "opt-125m-cpu/llm-inference-service-facebook-opt-125m-cpu-no-scheduler.yaml",
    "multi-gpu-vendor/",
]
GOLDEN_INPUTS = ["llmisvc-base-refs-gateway-tls"]
COMPARED = {
    "Deployment",
    "Service",
    "ServiceAccount",
    "Role",
    "RoleBinding",
    "ClusterRoleBinding",
    "InferencePool",
    "HTTPRoute",
}
IDENTITIES = ("ownerReferences", "uid", "resourceVersion", "creationTimestamp", "generation")


@pytest.fixture(scope="module")
def oracle() -> Path:
    go = shutil.which("go")
    if go is None or os.environ.get("KSERVE_GITOPS_ORACLE") != "1":
        pytest.skip("the Go oracle runs with Go installed and KSERVE_GITOPS_ORACLE=1")
    key = hashlib.sha256((ORACLE / "go.sum").read_bytes() + (ORACLE / "main.go").read_bytes())
    binary = Path.home() / ".cache" / "kserve-gitops" / f"llmisvc-oracle-{key.hexdigest()[:16]}"
    if not binary.exists():
        binary.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run([go, "build", "-o", str(binary), "."], cwd=ORACLE, check=True)
    return binary


def cluster_objects(inputs: list[Path], namespace: str) -> list[dict[str, Any]]:
    """What the cluster holds when KServe reconciles the inputs."""
    release = require_shared("reference", "kserve", "release", "inferenceservice-config.yaml")
    config = next(
        d
        for d in yaml.safe_load_all(release.read_text())
        if d and d.get("kind") == "ConfigMap" and d["metadata"]["name"] == "inferenceservice-config"
    )
    config = {**config, "metadata": {"name": "inferenceservice-config", "namespace": "kserve"}}
    objects: list[dict[str, Any]] = [config]
    objects += [
        {**preset, "metadata": {**preset["metadata"], "namespace": "kserve"}}
        for preset in builtin_presets().values()
    ]
    objects.append(
        {
            "apiVersion": "gateway.networking.k8s.io/v1",
            "kind": "Gateway",
            "metadata": {"name": "kserve-ingress-gateway", "namespace": "kserve"},
            "spec": {
                "gatewayClassName": "any",
                "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}],
            },
        }
    )
    objects.append(
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": namespace},
        }
    )
    for path in inputs:
        for doc in yaml.safe_load_all(path.read_text()):
            if not doc:
                continue
            doc = copy.deepcopy(doc)
            meta = doc.setdefault("metadata", {})
            meta.setdefault("namespace", namespace)
            if doc.get("kind") == "ConfigMap" and meta["name"] == "inferenceservice-config":
                config["data"] = {**config["data"], **(doc.get("data") or {})}
                continue
            if doc.get("kind") == "LLMInferenceService":
                if str(doc.get("apiVersion")).endswith("v1alpha2"):
                    doc = dict(schema.apply_defaults(doc))
                doc = admission.set_defaults(converted(doc))
            elif doc.get("kind") == "LLMInferenceServiceConfig":
                doc = converted(doc)
            objects.append(doc)
    return objects


def run_oracle(oracle: Path, objects: list[dict[str, Any]], tmp_path: Path) -> list[Any]:
    stream = tmp_path / "cluster.yaml"
    stream.write_text(yaml.safe_dump_all(objects))
    done = subprocess.run(
        [str(oracle), str(stream)], capture_output=True, text=True, check=True, timeout=300
    )
    return list(json.loads(done.stdout) or [])


def render(
    inputs: list[Path], namespace: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> list[dict[str, Any]]:
    option = tmp_path / "option.yaml"
    option.write_text('llmisvcRender: \'{"inferencePoolAPI": "v1alpha2"}\'\n')
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", "-n", namespace, "--config", str(option), *map(str, inputs)])
    out, err = capsys.readouterr()
    assert exited.value.code in (0, None), err
    return [d for d in yaml.safe_load_all(out) if d]


def normal(value: Any) -> Any:
    """Go's typed output omits empty values the render never writes: compare without them."""
    if isinstance(value, dict):
        kept = {k: normal(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v not in ({}, [], "", None)}
    if isinstance(value, list):
        return [normal(v) for v in value]
    return value


def identity_free(obj: dict[str, Any]) -> dict[str, Any]:
    obj = copy.deepcopy(obj)
    meta = obj["metadata"]
    for key in IDENTITIES:
        meta.pop(key, None)
    (meta.get("labels") or {}).pop("app.kubernetes.io/managed-by", None)
    for key in ("status", "apiVersion", "kind"):
        obj.pop(key, None)
    return normal(obj)


def compare(ours: list[dict[str, Any]], kserve: list[Any]) -> list[str]:
    mine = {(o["kind"], o["metadata"]["name"]): o for o in ours if o.get("kind") in COMPARED}
    theirs: dict[tuple[str, str], dict[str, Any]] = {}
    for obj in kserve:
        name = obj["metadata"]["name"]
        if name == "default" or name.endswith("-kserve-self-signed-certs"):
            continue  # the namespace's own ServiceAccount; the TLS Secret (allowed)
        kinds = [k for k in mine if k[1] == name and k not in theirs]
        spec = obj.get("spec") or {}
        kind = next(
            (
                k
                for k in kinds
                if (k[0] == "Deployment") == ("strategy" in spec or "template" in spec)
            ),
            kinds[0] if kinds else ("?", name),
        )
        theirs[kind] = obj
    problems = [f"only KServe creates {k}" for k in theirs if k not in mine]
    problems += [f"only the render has {k}" for k in mine if k not in theirs]
    for key in sorted(set(mine) & set(theirs)):
        if identity_free(mine[key]) != identity_free(theirs[key]):
            problems.append(f"{key} differs")
    return problems


@pytest.mark.parametrize("name", SAMPLES + [f"golden:{g}" for g in GOLDEN_INPUTS])
def test_render_matches_kserve_reconciler(
    oracle: Path, name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if name.startswith("golden:"):
        root = REPO_ROOT / "tests" / "golden" / name.split(":", 1)[1] / "input"
        inputs, namespace = sorted(root.glob("*.yaml")), "team-a"
    else:
        path = require_shared("reference", "kserve", "llmisvc", "samples") / name
        inputs = sorted(path.glob("*.yaml")) if path.is_dir() else [path]
        namespace = "demo"
    kserve = run_oracle(oracle, cluster_objects(inputs, namespace), tmp_path)
    ours = render(inputs, namespace, tmp_path, capsys)
    assert compare(ours, kserve) == []


def test_compare_finds_a_one_line_change() -> None:
    # The comparison is not blind: a dropped label is a difference.
    obj = {"kind": "Service", "metadata": {"name": "s", "labels": {"a": "b"}}, "spec": {"x": 1}}
    changed = copy.deepcopy(obj)
    changed["metadata"]["labels"] = {}
    assert compare([obj], [changed]) == ["('Service', 's') differs"]
    assert compare([obj], [copy.deepcopy(obj)]) == []


BASE = {
    "apiVersion": "serving.kserve.io/v1alpha2",
    "kind": "LLMInferenceService",
    "metadata": {"name": "variant", "namespace": "demo"},
    "spec": {
        "model": {"uri": "hf://facebook/opt-125m", "name": "facebook/opt-125m"},
        "router": {"scheduler": {}, "route": {}, "gateway": {}},
        "template": {"containers": [{"name": "main", "image": "vllm:cpu"}]},
    },
}
INGRESS = (
    '{"ingressGateway": "knative-serving/knative-ingress-gateway", '
    '"kserveIngressGateway": "kserve/kserve-ingress-gateway"%s}'
)
# (id, spec changes, extra ingress JSON) - inputs generated around the shapes the samples cover
VARIANTS = [
    ("tls", {}, ', "enableLLMInferenceServiceTLS": true'),
    ("routing-disabled", {}, ', "modelBasedRoutingMode": "disabled"'),
    ("s3-model", {"model": {"uri": "s3://bucket/opt", "name": "opt"}}, ""),
    ("pvc-model-no-router", {"model": {"uri": "pvc://models/opt"}, "router": None}, ""),
    (
        "scheduler-replicas-labels",
        {
            "router": {
                "scheduler": {
                    "replicas": 2,
                    "labels": {"team": "a"},
                    "annotations": {"note": "one"},
                },
                "route": {},
            },
            "labels": {"tier": "gold"},
            "annotations": {"prometheus.io/scrape": "true"},
        },
        "",
    ),
    (
        "gateway-refs-section",
        {
            "router": {
                "route": {},
                "gateway": {
                    "refs": [
                        {
                            "name": "kserve-ingress-gateway",
                            "namespace": "kserve",
                            "sectionName": "http",
                        }
                    ]
                },
            }
        },
        "",
    ),
    ("replicas-and-name", {"replicas": 4, "model": {"uri": "hf://org/m"}}, ""),
]


@pytest.mark.parametrize(
    ("changes", "ingress"), [v[1:] for v in VARIANTS], ids=[v[0] for v in VARIANTS]
)
def test_generated_variants_match_kserve_reconciler(
    oracle: Path,
    changes: dict[str, Any],
    ingress: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    doc = copy.deepcopy(BASE)
    for key, value in changes.items():
        if value is None:
            doc["spec"].pop(key)
        else:
            doc["spec"][key] = value
    config = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
        "data": {"ingress": INGRESS % ingress},
    }
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "llmisvc.yaml").write_text(yaml.safe_dump(doc))
    (folder / "config.yaml").write_text(yaml.safe_dump(config))
    inputs = sorted(folder.glob("*.yaml"))
    kserve = run_oracle(oracle, cluster_objects(inputs, "demo"), tmp_path)
    ours = render(inputs, "demo", tmp_path, capsys)
    assert compare(ours, kserve) == []
