"""The differential suite for LLMInferenceServices: KServe v0.20.0's LLMInferenceService
webhooks and controller (`conformance/oracle llmisvc`) against `kserve-gitops render`.

Inputs: every LLMInferenceService of KServe's published samples (tests/data/reference/kserve/
llmisvc/samples, each file with the configs, Gateways and Secrets beside it that it reads), the
golden inputs of tests/golden/llmisvc-*, and
`--llmisvc-count` (300) generated services with a fixed seed. Each difference left
after conformance/llmisvc-allowlist.yaml (TLS material and run-time identities only) fails,
unless conformance/llmisvc-known-differences.yaml lists it; each listed difference is a strict
xfail here, so fixing it makes the suite say so.
"""

from __future__ import annotations

import copy
import json
import re
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT

from conformance import differential as d
from conformance import llm
from conformance import llm_strategies as strategies

SAMPLES = REPO_ROOT / "tests" / "data" / "reference" / "kserve" / "llmisvc" / "samples"
KNOWN_FILE = REPO_ROOT / "conformance" / "llmisvc-known-differences.yaml"
KNOWN = d.load_known(KNOWN_FILE)
# The namespace each sample is applied in (its kustomization's, else the one the docs use).
SAMPLE_NAMESPACES = {"e2e-gpt-oss": "kserve-lab"}


def _docs(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if isinstance(doc, dict)]


def sample_cases(root: Path = SAMPLES) -> list[llm.Case]:
    """One case per sample file holding an LLMInferenceService, with the files beside it that
    hold no service: the configs it names in baseRefs, Gateways, Secrets, PVCs (a folder's
    other configs stay out: an invalid one the service does not use would refuse the case)."""
    cases = []
    for path in sorted(root.rglob("*.y*ml")):
        docs = _docs(path)
        if not any(doc.get("kind") == "LLMInferenceService" for doc in docs):
            continue
        bases = {
            str(ref.get("name"))
            for doc in docs
            for ref in (doc.get("spec") or {}).get("baseRefs") or []
        }
        context = []
        for other in sorted(path.parent.glob("*.y*ml")):
            if other == path or other.name.startswith("kustomization."):
                continue
            kinds = {
                (doc.get("kind"), (doc.get("metadata") or {}).get("name")) for doc in _docs(other)
            }
            if any(kind == "LLMInferenceService" for kind, _ in kinds):
                continue
            if any(kind == "LLMInferenceServiceConfig" and n not in bases for kind, n in kinds):
                continue
            context.append(str(other.relative_to(REPO_ROOT)))
        rel = path.relative_to(root)
        namespace = SAMPLE_NAMESPACES.get(rel.parts[0], "demo")
        cases.append(
            llm.Case(
                f"sample/{rel.as_posix()}", (str(path.relative_to(REPO_ROOT)), *context), namespace
            )
        )
    return cases


def golden_cases() -> list[llm.Case]:
    """The golden inputs that hold an LLMInferenceService, with the case's --namespace."""
    cases = []
    for case_dir in sorted((REPO_ROOT / "tests" / "golden").glob("llmisvc-*")):
        spec = yaml.safe_load((case_dir / "case.yaml").read_text()) or {}
        args = [str(a) for a in spec.get("args") or []]
        options = dict(zip(args[::2], args[1::2], strict=False))
        namespace = options.get("--namespace") or options.get("-n") or "default"
        paths = tuple(
            str(p.relative_to(REPO_ROOT)) for p in sorted((case_dir / "input").rglob("*.y*ml"))
        )
        cases.append(llm.Case(f"golden/{case_dir.name}", paths, namespace))
    return cases


SAMPLE_CASES = sample_cases() + golden_cases()


@pytest.fixture(scope="session")
def llm_rules() -> list[d.Rule]:
    return d.load_rules(llm.ALLOWLIST)


def _summary(name: str, results: dict[str, list[d.Difference]], started: float) -> None:
    diffs = [x for found in results.values() for x in found]
    by_known: dict[str, int] = {}
    for x in diffs:
        for k in KNOWN:
            if d.matches(k, x):
                by_known[k.id] = by_known.get(k.id, 0) + 1
    data = {
        "inputs": len(results),
        "inputs_with_differences": sum(1 for found in results.values() if found),
        "seconds": round(time.monotonic() - started, 1),
        "differences": len(diffs),
        "unexplained": len(d.unexplained(diffs, KNOWN)),
        "by_known_difference": by_known,
    }
    d.BUILD_DIR.mkdir(parents=True, exist_ok=True)
    (d.BUILD_DIR / f"summary-llmisvc-{name}.json").write_text(json.dumps(data, indent=2))


@pytest.fixture(scope="session")
def sample_results(oracle_binary: Path, llm_rules: list[d.Rule]) -> dict[str, list[d.Difference]]:
    started = time.monotonic()
    results = llm.run_cases(oracle_binary, SAMPLE_CASES, llm_rules)
    _summary("samples", results, started)
    return results


@pytest.fixture(scope="session")
def generated_llm_cases(request: pytest.FixtureRequest) -> list[llm.Case]:
    count = int(request.config.getoption("--llmisvc-count"))
    root = d.BUILD_DIR / "generated-llmisvc"
    if root.exists():
        shutil.rmtree(root)
    root.mkdir(parents=True)
    cases = []
    for i, docs in enumerate(strategies.generate(count)):
        path = root / f"llmisvc-{i:05d}.yaml"
        path.write_text(d.dump_all(docs))
        tags = "".join(f"+{t}" for t in strategies.tags(docs[0]))
        namespace = str(docs[0]["metadata"]["namespace"])
        cases.append(llm.Case(f"generated-llmisvc/{i:05d}{tags}", (str(path),), namespace))
    return cases


@pytest.fixture(scope="session")
def generated_llm_results(
    oracle_binary: Path, llm_rules: list[d.Rule], generated_llm_cases: list[llm.Case]
) -> dict[str, list[d.Difference]]:
    started = time.monotonic()
    results = llm.run_cases(oracle_binary, generated_llm_cases, llm_rules)
    _summary("generated", results, started)
    return results


def _report(diffs: list[d.Difference]) -> str:
    return "\n".join(str(x) for x in diffs[:60]) + (
        f"\n... and {len(diffs) - 60} more" if len(diffs) > 60 else ""
    )


def test_every_published_sample_is_a_case() -> None:
    # 24 sample files hold an LLMInferenceService (the e2e folder's three included)
    assert len([c for c in SAMPLE_CASES if c.name.startswith("sample/")]) == 24
    assert {c.name for c in SAMPLE_CASES} >= {
        "sample/single-node-gpu/llm-inference-service-qwen2-7b-gpu.yaml",
        "sample/e2e-gpt-oss/inference_default.yaml",
        "sample/dp-ep/deepseek-r1-gpu-rdma-roce/llm-inference-service-dp-ep-deepseek-r1-gpu-naive.yaml",
    }


def test_every_llmisvc_golden_input_is_a_case() -> None:
    golden = sorted(p.name for p in (REPO_ROOT / "tests" / "golden").glob("llmisvc-*"))
    assert len(golden) >= 7
    assert [c.name for c in SAMPLE_CASES if c.name.startswith("golden/")] == [
        f"golden/{name}" for name in golden
    ]
    # the input the former opt-in differential compared: every file of it, in team-a
    tls = next(c for c in SAMPLE_CASES if c.name == "golden/llmisvc-base-refs-gateway-tls")
    assert [Path(p).name for p in tls.paths] == [
        "config.yaml",
        "gateway.yaml",
        "inferenceservice-config.yaml",
        "llmisvc.yaml",
    ]


def _features(docs: list[dict[str, Any]]) -> set[str]:
    """What one generated input set exercises, in the terms of the features to cover."""
    service, spec = docs[0], docs[0]["spec"]
    found = {"scheme:" + str(spec["model"]["uri"]).split("://")[0]}
    found |= {"v1alpha1"} if service["apiVersion"] == strategies.V1ALPHA1 else set()
    found |= {f"spec:{k}" for k in ("replicas", "baseRefs", "parallelism", "labels") if k in spec}
    found |= {"metadata:labels"} if "labels" in service["metadata"] else set()
    adapters = (spec["model"].get("lora") or {}).get("adapters") or []
    found |= {f"lora:{str(a.get('uri', '')).split('://')[0]}" for a in adapters}
    container = ((spec.get("template") or {}).get("containers") or [{}])[0]
    found |= {f"template:{k}" for k in ("image", "resources", "env", "args") if k in container}
    router = spec.get("router")
    if router is None:
        found.add("router:none")
    else:
        scheduler = router.get("scheduler")
        found |= {"router:scheduler"} if scheduler is not None else {"router:no-scheduler"}
        found |= {f"scheduler:{k}" for k in ("replicas", "labels") if k in (scheduler or {})}
        inline = ((scheduler or {}).get("config") or {}).get("inline") or {}
        found |= {f"epp:{p['type']}" for p in inline.get("plugins") or []}
        refs = (router.get("gateway") or {}).get("refs") or []
        found |= {"gateway:refs"} if refs else set()
        found |= {"gateway:sectionName"} if any("sectionName" in r for r in refs) else set()
        found |= (
            {"route:spec"} if ((router.get("route") or {}).get("http") or {}).get("spec") else set()
        )
    found |= {f"topology:{k}" for k in ("worker", "prefill") if k in spec}
    found |= {"topology:prefill-worker"} if "worker" in (spec.get("prefill") or {}) else set()
    found |= {"kvCacheOffloading"} if "kvCacheOffloading" in spec else set()
    annotations = service["metadata"].get("annotations") or {}
    found |= {"managed-dra"} if "serving.kserve.io/exp-dra-device-class" in annotations else set()
    found |= {"named-account"} if any(doc["kind"] == "ServiceAccount" for doc in docs) else set()
    scaling = spec.get("scaling")
    if scaling is not None:
        found |= {f"scaling:{k}" for k in ("hpa", "keda") if k in scaling["wva"]}
    found |= {"spec:tracing"} if "tracing" in spec else set()
    peers = [doc for doc in docs[1:] if doc["kind"] == "LLMInferenceService"]
    found |= {"router:group"} if peers else set()
    kinds = {doc["kind"] for doc in docs[1:]}
    found |= {f"cache:{k}" for k in ("LocalModelCache", "LocalModelNamespaceCache") if k in kinds}
    for config in docs[1:]:
        if config["kind"] != "ConfigMap":
            continue
        data = config["data"]
        found |= {"config:autoscaling"} if "autoscaling-wva-controller-config" in data else set()
        if "ingress" not in data:
            continue
        ingress = json.loads(data["ingress"])
        found |= {"ingress:tls"} if ingress.get("enableLLMInferenceServiceTLS") else set()
        found |= {f"routing:{ingress.get('modelBasedRoutingMode')}"}
    return found


def test_generated_inputs_cover_each_feature() -> None:
    """The default 300 reach every feature the generator aims at (and what the opt-in variants
    of the former tests/llmisvc/test_differential.py covered: TLS, routing modes, s3/pvc
    models without router, scheduler replicas and labels, gateway refs with sectionName,
    replicas), each several times."""
    seen: dict[str, int] = {}
    for docs in strategies.generate(300):
        for feature in _features(docs):
            seen[feature] = seen.get(feature, 0) + 1
    wanted = {
        *(f"scheme:{s}" for s in ("hf", "pvc", "oci", "s3")),
        "v1alpha1",
        "spec:replicas",
        "spec:baseRefs",
        "spec:parallelism",
        "spec:labels",
        "metadata:labels",
        *(f"lora:{s}" for s in ("hf", "s3", "pvc")),
        *(f"epp:{t}" for t in ("precise-prefix-cache-scorer", "pd-profile-handler")),
        "epp:predicted-latency-producer",
        *(f"template:{k}" for k in ("image", "resources", "env", "args")),
        "router:none",
        "router:scheduler",
        "router:no-scheduler",
        "scheduler:replicas",
        "scheduler:labels",
        "gateway:refs",
        "gateway:sectionName",
        "route:spec",
        "ingress:tls",
        *(f"routing:{m}" for m in ("disabled", "header", "body")),
        "topology:worker",
        "topology:prefill",
        "topology:prefill-worker",
        "kvCacheOffloading",
        "managed-dra",
        "named-account",
        "scaling:hpa",
        "scaling:keda",
        "config:autoscaling",
        "spec:tracing",
        "router:group",
        "cache:LocalModelCache",
        "cache:LocalModelNamespaceCache",
    }
    thin = {f: seen.get(f, 0) for f in wanted if seen.get(f, 0) < 5}
    assert not thin, f"features drawn fewer than 5 times in 300: {thin}"


@pytest.mark.parametrize("case_id", [c.id for c in SAMPLE_CASES])
def test_sample_matches_kserve(case_id: str, sample_results: dict[str, list[d.Difference]]) -> None:
    left = d.unexplained(sample_results[case_id], KNOWN)
    assert not left, "differences from KServe v0.20.0:\n" + _report(left)


def test_generated_match_kserve(
    generated_llm_results: dict[str, list[d.Difference]], generated_llm_cases: list[llm.Case]
) -> None:
    assert len(generated_llm_results) == len(generated_llm_cases)
    left = [x for found in generated_llm_results.values() for x in d.unexplained(found, KNOWN)]
    assert not left, "differences from KServe v0.20.0:\n" + _report(left)


@pytest.mark.parametrize(
    "known",
    [pytest.param(k, id=k.id, marks=pytest.mark.xfail(strict=True, reason=k.ours)) for k in KNOWN],
)
def test_known_llm_difference_is_fixed(
    known: d.Known,
    sample_results: dict[str, list[d.Difference]],
    generated_llm_results: dict[str, list[d.Difference]],
) -> None:
    """Fails while the difference still shows; passing (XPASS, strict) means: remove it."""
    seen = [
        x
        for results in (sample_results, generated_llm_results)
        for found in results.values()
        for x in found
        if d.matches(known, x)
    ]
    assert not seen, f"{len(seen)} occurrence(s), e.g. {seen[0]}"


# --- the comparison can fail ------------------------------------------------------------------


def _one(oracle_binary: Path, case: llm.Case) -> tuple[d.Outcome, d.Outcome]:
    work = Path(tempfile.mkdtemp(prefix="conformance-llm-one-"))
    try:
        llm.prepare_oracle_case(case, work / "case")
        result = llm.run_oracle(oracle_binary, [work / "case"])[str(work / "case")]
        oracle = llm.canonical(d.oracle_outcome(result))
        return oracle, llm.canonical(llm.our_outcome(case, llm.options_file(work)))
    finally:
        shutil.rmtree(work, ignore_errors=True)


CPU_SAMPLE = next(c for c in SAMPLE_CASES if c.name.endswith("facebook-opt-125m-cpu.yaml"))


def test_a_dropped_label_in_our_render_fails(oracle_binary: Path, llm_rules: list[d.Rule]) -> None:
    oracle, ours = _one(oracle_binary, CPU_SAMPLE)
    assert d.compare(CPU_SAMPLE.id, oracle, ours, llm_rules) == []
    assert {k[1] for k in oracle.objects} >= {"Deployment", "InferencePool", "HTTPRoute"}
    mutated = copy.deepcopy(ours)
    route = next(o for k, o in mutated.objects.items() if k[1] == "HTTPRoute")
    label = sorted(route["metadata"]["labels"])[0]
    del route["metadata"]["labels"][label]
    diffs = d.compare(CPU_SAMPLE.id, oracle, mutated, llm_rules)
    assert [x.path for x in diffs] == [f"metadata.labels.{label}"]


def test_a_changed_port_in_the_port_fails(
    oracle_binary: Path, llm_rules: list[d.Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port itself changed (its workload Service's port): the suite fails."""
    from generator.llmisvc import workload

    original = workload.workload_service

    def changed(*args: Any, **kwargs: Any) -> dict[str, Any]:
        values = original(*args, **kwargs)
        values = json.loads(json.dumps(values).replace("8000", "8001"))
        return dict(values)

    monkeypatch.setattr(workload, "workload_service", changed)
    oracle, ours = _one(oracle_binary, CPU_SAMPLE)
    diffs = d.compare(CPU_SAMPLE.id, oracle, ours, llm_rules)
    assert diffs and all(x.obj.startswith("Service/") for x in diffs)
    assert {(x.oracle, x.ours) for x in diffs if x.path.endswith("port")} == {(8000, 8001)}


def test_the_tls_secret_is_the_only_object_kserve_alone_creates(
    oracle_binary: Path, llm_rules: list[d.Rule]
) -> None:
    oracle, ours = _one(oracle_binary, CPU_SAMPLE)
    only_kserve = sorted(k for k in oracle.objects if k not in ours.objects)
    only_ours = sorted(k for k in ours.objects if k not in oracle.objects)
    name = "facebook-opt-125m-single-kserve-self-signed-certs"
    assert only_kserve == [("", "Secret", "demo", name)]
    assert only_ours == [("cert-manager.io", "Certificate", "demo", name)]
    # ... and dropping any other object of ours is a difference
    mutated = copy.deepcopy(ours)
    del mutated.objects[next(k for k in ours.objects if k[1] == "InferencePool")]
    assert [x.ours for x in d.compare(CPU_SAMPLE.id, oracle, mutated, llm_rules)] == [d.MISSING]


def test_a_refusal_the_port_does_not_make_fails(
    oracle_binary: Path, llm_rules: list[d.Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Our render refuses what KServe renders (here: the main Deployment made to fail): the
    difference names our field, and no known difference explains it."""
    from generator.llmisvc import topology, workload

    def refused(*args: Any, **kwargs: Any) -> dict[str, Any]:
        raise workload.WorkloadError("made to refuse", "spec.template.containers")

    monkeypatch.setattr(topology, "main_deployment", refused)
    oracle, ours = _one(oracle_binary, CPU_SAMPLE)
    assert oracle.objects and not oracle.refused and ours.refused
    diffs = [llm._with_field(x, ours) for x in d.compare(CPU_SAMPLE.id, oracle, ours, llm_rules)]
    assert [x.ours.split(":")[0] for x in diffs] == ["spec.template.containers"]
    assert d.unexplained(diffs, KNOWN) == diffs


# --- the harness and its lists -------------------------------------------------------------------


@pytest.mark.parametrize(
    "call",
    [
        # the mutating webhooks (pkg/webhook/admission/llminferenceservice)
        r"llmwebhook\.LLMInferenceServiceDefaulterV1Alpha1\{",
        r"llmwebhook\.LLMInferenceServiceDefaulterV1Alpha2\{",
        # the validating webhooks of both versions
        r"v1alpha1\.LLMInferenceServiceValidator\{\}\)\.ValidateCreate\(",
        r"v1alpha2\.LLMInferenceServiceValidator\{\}\)\.ValidateCreate\(",
        # KServe's conversion to the storage version
        r"svc\.ConvertTo\(hub\)",
        # the controller
        r"llmisvc\.LLMISVCReconciler\{",
        r"\br\.Reconcile\(ctx, req\)",
    ],
)
def test_harness_calls_kserve_llmisvc(call: str) -> None:
    source = (d.ORACLE_SRC / "llmisvc.go").read_text()
    code = "\n".join(line.split("//")[0] for line in source.splitlines())
    assert re.search(call, code), f"conformance/oracle/llmisvc.go no longer calls {call}"


def test_llm_allowlist_holds_only_tls_material_and_identities() -> None:
    doc = yaml.safe_load(llm.ALLOWLIST.read_text())
    ids = {e["id"] for e in doc["entries"]}
    assert ids == {
        "api-server-bookkeeping",
        "owner-references",
        "managed-by-label",
        "tls-material-secret",
        "tls-material-certificate",
    }
    for entry in doc["entries"]:
        assert len(entry["reason"]) > 40, entry["id"]
        assert re.search(r"\.go(:\d+| \()", entry["go"]), f"{entry['id']}: cite the Go line"
    # whole-object entries are only the TLS material
    whole = {e["id"] for e in doc["entries"] if "*" in e["paths"]}
    assert whole == {"tls-material-secret", "tls-material-certificate"}


def test_llm_known_differences_cite_go() -> None:
    for known in KNOWN:
        assert re.search(r"\.go:\d+", known.go), f"{known.id}: cite the Go file:line"
        assert known.ours, known.id
