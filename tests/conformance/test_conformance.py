"""The differential suite: KServe v0.20.0's own code (conformance/oracle) against our pipeline.

Inputs: every example, golden input set and published InferenceService sample in both
default deployment modes, and `--conformance-count` (300) generated InferenceServices with a
fixed seed; half as many with an inferenceservice-config variation in their input set, half as
many with storage credentials (ServiceAccounts, Secrets, storage specs) and pod-spec fields,
half as many served by ServingRuntimes of their input set; a third as many downloading several
storage URIs, a third as many InferenceGraphs (each with the two InferenceServices it routes
to), a third as many sets of TrainedModels with the InferenceServices they join, and a third as
many each with Go's zero values in their pod specs, scaling on HPA, KEDA or OpenTelemetry
metrics, and serving on several nodes (a workerSpec). Each
difference left after conformance/allowlist.yaml's normalisations fails, unless conformance/
known-differences.yaml lists it; each listed difference is a strict xfail here, so fixing it
makes the suite say so.
"""

from __future__ import annotations

import copy
import json
import os
import random
import re
import subprocess
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT

from conformance import differential as d
from conformance import strategies
from generator import load

GOLDEN = REPO_ROOT / "tests" / "golden"
EXAMPLES = REPO_ROOT / "examples"


def _golden_cases() -> Iterator[d.Case]:
    for case_dir in sorted(p for p in GOLDEN.iterdir() if (p / "case.yaml").exists()):
        spec = yaml.safe_load((case_dir / "case.yaml").read_text())
        args = [str(a) for a in spec.get("args") or []]
        if "--previous" in args:
            continue  # allow-list `previous-render`: the rolled-out revision is cluster state
        options = dict(zip(args[::2], args[1::2], strict=False))
        paths = tuple(
            str(p.relative_to(REPO_ROOT)) for p in sorted((case_dir / "input").rglob("*.y*ml"))
        )
        for mode in d.MODES:
            yield d.Case(
                f"golden/{case_dir.name}",
                paths,
                mode,
                options.get("--namespace"),
                options.get("--knative-domain"),
            )


def _example_cases() -> Iterator[d.Case]:
    sets = {
        "examples/quickstart": ("examples/quickstart",),
        "examples/gitops-repo": ("examples/gitops-repo/apps", "examples/gitops-repo/config"),
    }
    for name, paths in sets.items():
        for mode in d.MODES:
            yield d.Case(name, paths, mode)


REFERENCE = REPO_ROOT / "tests" / "data" / "reference"
# Published samples that only make sense together (Secrets and what reads them, a graph and
# its services, TrainedModels and their InferenceService, a storage container and its user):
# one case per set; every other sample file is a case of its own.
SAMPLE_SETS = (
    ("examples/kserve-samples/s3-secret.yaml", "examples/kserve-samples/s3-tensorflow.yaml"),
    (
        "examples/kserve-samples/storagespec-secret.yaml",
        "examples/kserve-samples/storagespec-sklearn.yaml",
    ),
    (
        "examples/kserve-samples/mms-sklearn-isvc.yaml",
        "examples/kserve-samples/mms-sklearn-trainedmodels.yaml",
    ),
    (
        "examples/website-0.20/graph-image-pipeline-isvcs.yaml",
        "examples/website-0.20/graph-image-pipeline.yaml",
    ),
    ("fidelity/storage-containers-model-registry.yaml", "fidelity/storage-containers-iris.yaml"),
    # with the Secret its docs page creates first (tests/conformance/samples/)
    (
        "examples/website-0.20/hf-serviceaccount.yaml",
        "../../conformance/samples/hf-storage-config-secret.yaml",
    ),
)


def _sample_cases() -> Iterator[d.Case]:
    """Every published InferenceService sample (tests/data/reference: examples, fidelity,
    docs-samples and docs-website, verbatim, with its origin in PROVENANCE.md) in both default
    modes, in the namespace `default` as `kubectl apply` would put it."""
    files = sorted(
        p.relative_to(REFERENCE).as_posix()
        for folder in ("examples", "fidelity", "docs-samples", "docs-website")
        for p in (REFERENCE / folder).rglob("*.yaml")
    )
    grouped = {f for group in SAMPLE_SETS for f in group}
    for group in [*SAMPLE_SETS, *((f,) for f in files if f not in grouped)]:
        paths = tuple(os.path.relpath(REFERENCE / f, REPO_ROOT) for f in group)
        name = "+".join(_sample_name(f) for f in group if not f.startswith(".."))
        for mode in d.MODES:
            yield d.Case(f"samples/{name}", paths, mode, "default")


def _sample_name(file: str) -> str:
    # docs-samples and docs-website keep the trees of KServe's docs/samples and documentation
    # pages, where names repeat (sklearn.yaml...)
    if file.startswith(("docs-samples/", "docs-website/")):
        return file.removesuffix(".yaml")
    return Path(file).stem


CORPUS = [*_example_cases(), *_golden_cases(), *_sample_cases()]
KNOWN = d.load_known()


@pytest.fixture(scope="session")
def rules() -> list[d.Rule]:
    return d.load_rules()


def _summary(name: str, data: dict[str, Any]) -> None:
    d.BUILD_DIR.mkdir(parents=True, exist_ok=True)
    (d.BUILD_DIR / f"summary-{name}.json").write_text(json.dumps(data, indent=2))


@pytest.fixture(scope="session")
def corpus_results(oracle_binary: Path, rules: list[d.Rule]) -> dict[str, list[d.Difference]]:
    started = time.monotonic()
    results = d.run_cases(oracle_binary, CORPUS, rules)
    _summary("corpus", _figures(results, started))
    return results


@pytest.fixture(scope="session")
def generated_cases(request: pytest.FixtureRequest) -> list[d.Case]:
    count = int(request.config.getoption("--conformance-count"))
    return _write_generated(strategies.generate(count))


@pytest.fixture(scope="session")
def configured_cases(request: pytest.FixtureRequest) -> list[d.Case]:
    count = int(request.config.getoption("--conformance-count")) // 2
    return _write_generated(strategies.generate_configured(count), "configured")


def _write_generated(
    drawn: list[tuple[list[dict[str, Any]], str]], folder: str = "generated"
) -> list[d.Case]:
    root = d.BUILD_DIR / folder
    root.mkdir(parents=True, exist_ok=True)
    for old in root.glob("*.yaml"):
        old.unlink()
    cases = []
    for i, (docs, mode) in enumerate(drawn):
        path = root / f"isvc-{i:05d}.yaml"
        path.write_text(d.dump_all(docs))
        tags = "".join(f"+{t}" for t in strategies.tags(docs[0]))
        cases.append(d.Case(f"{folder}/{i:05d}{tags}", (str(path),), mode))
    return cases


@pytest.fixture(scope="session")
def generated_results(
    oracle_binary: Path, rules: list[d.Rule], generated_cases: list[d.Case]
) -> dict[str, list[d.Difference]]:
    started = time.monotonic()
    results = d.run_cases(oracle_binary, generated_cases, rules)
    _summary("generated", _figures(results, started))
    return results


def _figures(results: dict[str, list[d.Difference]], started: float) -> dict[str, Any]:
    diffs = [x for found in results.values() for x in found]
    by_known: dict[str, int] = {}
    inputs_by_known: dict[str, set[str]] = {}
    for x in diffs:
        for k in KNOWN:
            if d.matches(k, x):
                by_known[k.id] = by_known.get(k.id, 0) + 1
                inputs_by_known.setdefault(k.id, set()).add(x.case)
    return {
        "inputs": len(results),
        "inputs_with_differences": sum(1 for found in results.values() if found),
        "seconds": round(time.monotonic() - started, 1),
        "differences": len(diffs),
        "unexplained": len(d.unexplained(diffs, KNOWN)),
        "by_known_difference": by_known,
        "inputs_by_known_difference": {k: len(v) for k, v in inputs_by_known.items()},
    }


def _report(diffs: list[d.Difference]) -> str:
    return "\n".join(str(x) for x in diffs[:60]) + (
        f"\n... and {len(diffs) - 60} more" if len(diffs) > 60 else ""
    )


@pytest.mark.parametrize("case_id", [c.id for c in CORPUS])
def test_corpus_matches_kserve(case_id: str, corpus_results: dict[str, list[d.Difference]]) -> None:
    left = d.unexplained(corpus_results[case_id], KNOWN)
    assert not left, "differences from KServe v0.20.0:\n" + _report(left)


def test_generated_match_kserve(
    generated_results: dict[str, list[d.Difference]], generated_cases: list[d.Case]
) -> None:
    assert len(generated_results) == len(generated_cases)
    left = [x for found in generated_results.values() for x in d.unexplained(found, KNOWN)]
    assert not left, "differences from KServe v0.20.0:\n" + _report(left)


def test_generated_with_config_variations_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], configured_cases: list[d.Case]
) -> None:
    """Half as many generated InferenceServices, each with an inferenceservice-config
    variation (ingress, storage initializer and its CA bundle, agent, logger, batcher,
    resource defaults, autoscaler, security, metrics) in its input set."""
    _all_match_kserve(oracle_binary, rules, configured_cases, "configured")


def test_generated_graphs_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """A third as many InferenceGraphs, each over two InferenceServices of the same input set:
    KServe's graph webhook and controller against ours (step URLs from the services' status,
    router types, scaling, resources, both deployment modes, refusals)."""
    _generated_match_kserve(oracle_binary, rules, request, strategies.generate_graphs, 3, "graphs")


def test_generated_credentials_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """Half as many InferenceServices that read their model with credentials: a ServiceAccount
    and its Secret (S3 with its annotations and IRSA, GCS, Azure, Hugging Face, HDFS) or
    a `storage:` spec and the storage-config Secret; with pod-spec fields on the predictor, a
    collocated transformer or a sidecar; KServe's credential builder and pod webhook against
    ours."""
    _generated_match_kserve(
        oracle_binary, rules, request, strategies.generate_credentials, 2, "credentials"
    )


def test_generated_runtimes_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """Half as many InferenceServices served by ServingRuntimes of their input set: runtime
    selection (formats, versions, autoSelect, priorities, protocols, disabled runtimes, the
    shipped ClusterServingRuntimes), the runtime's pod fields and container merged with the
    model's, and the Go templates of runtime args and env filled from the metadata."""
    _generated_match_kserve(
        oracle_binary, rules, request, strategies.generate_runtimes, 2, "runtimes"
    )


def test_generated_trained_models_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """A third as many sets of TrainedModels with a multi-model InferenceService and another:
    KServe's TrainedModel webhook and controller (names, storage URIs, the parent's kind and
    memory, absent parents) and the model ConfigMap they fill, against ours."""
    _generated_match_kserve(
        oracle_binary, rules, request, strategies.generate_trained_models, 3, "trainedmodels"
    )


def test_generated_storage_uris_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """A third as many InferenceServices downloading several storage URIs (storageUris):
    KServe's validation of their mount paths and its storage initializer for each."""
    _generated_match_kserve(
        oracle_binary, rules, request, strategies.generate_storage_uris, 3, "storageuris"
    )


def test_generated_zero_values_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """A third as many InferenceServices whose probes and pod-spec fields hold Go's zero
    values: a probe's port left out (KServe writes 0), and the empty strings, lists and maps
    omitempty drops, in model, custom and transformer containers."""
    _generated_match_kserve(
        oracle_binary, rules, request, strategies.generate_zero_values, 3, "zerovalues"
    )


def test_generated_autoscaling_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """A third as many InferenceServices scaling on resource, external (Prometheus, Graphite)
    and pod (OpenTelemetry) metrics under each autoscaler class: KServe's HPA, KEDA and
    OpenTelemetry collector reconcilers and its validation against ours."""
    _generated_match_kserve(
        oracle_binary, rules, request, strategies.generate_autoscaling, 3, "autoscaling"
    )


def test_generated_multinode_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """A third as many multi-node Hugging Face predictors (workerSpec: parallel sizes, GPUs,
    worker containers, storage, autoscaler classes): KServe's multi-node validation and its
    head Deployment against ours (the worker objects KServe deletes are allow-listed)."""
    _generated_match_kserve(
        oracle_binary, rules, request, strategies.generate_multinode, 3, "multinode"
    )


def test_generated_metadata_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """A third as many InferenceServices whose own and whose components' labels and
    annotations KServe propagates, filters (its disallowed lists, also from the config) or
    reads, with their components' rollout strategies: what reaches each object, against ours."""
    _generated_match_kserve(
        oracle_binary, rules, request, strategies.generate_metadata, 3, "metadata"
    )


def test_generated_pods_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """A third as many InferenceServices whose components log (every LoggerSpec field),
    batch, carry the annotations the pod webhooks read and load models from each kind of
    storage URI: KServe's agent, storage-initializer and metrics injection against ours."""
    _generated_match_kserve(oracle_binary, rules, request, strategies.generate_pods, 3, "pods")


def test_generated_components_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """A third as many InferenceServices with transformers (custom containers with or without
    the arguments KServe adds, storage and protocol env vars) and explainers (ART config,
    arguments, storage, images; custom containers) over predictors of each protocol: their
    containers and routing against KServe's own."""
    _generated_match_kserve(
        oracle_binary, rules, request, strategies.generate_components, 3, "components"
    )


def test_generated_local_models_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], request: pytest.FixtureRequest
) -> None:
    """A third as many InferenceServices with LocalModelCaches and LocalModelNamespaceCaches
    in the cluster: the cache the defaulter picks (URI prefix, node group, namespace caches
    first, the opt-out annotation) and the local PVC the pod webhook mounts, against KServe's."""
    _generated_match_kserve(
        oracle_binary, rules, request, strategies.generate_local_models, 3, "local-models"
    )


def _generated_match_kserve(
    oracle_binary: Path,
    rules: list[d.Rule],
    request: pytest.FixtureRequest,
    generate: Callable[[int], list[tuple[list[dict[str, Any]], str]]],
    share: int,
    name: str,
) -> None:
    """`--conformance-count // share` draws of `generate`, written under `name`, through both
    sides (`_all_match_kserve`)."""
    count = int(request.config.getoption("--conformance-count")) // share
    _all_match_kserve(oracle_binary, rules, _write_generated(generate(count), name), name)


def _all_match_kserve(
    oracle_binary: Path, rules: list[d.Rule], cases: list[d.Case], name: str
) -> None:
    """Run `cases` through both sides, write their summary, and fail on any difference the
    known-differences list does not explain."""
    started = time.monotonic()
    results = d.run_cases(oracle_binary, cases, rules)
    _summary(name, _figures(results, started))
    assert len(results) == len(cases)
    left = [x for found in results.values() for x in d.unexplained(found, KNOWN)]
    assert not left, "differences from KServe v0.20.0:\n" + _report(left)


@pytest.mark.parametrize(
    "known",
    [pytest.param(k, id=k.id, marks=pytest.mark.xfail(strict=True, reason=k.ours)) for k in KNOWN],
)
def test_known_difference_is_fixed(
    known: d.Known,
    corpus_results: dict[str, list[d.Difference]],
    generated_results: dict[str, list[d.Difference]],
) -> None:
    """Fails while the difference still shows; passing (XPASS, strict) means: remove the entry."""
    seen = [
        x
        for results in (corpus_results, generated_results)
        for found in results.values()
        for x in found
        if d.matches(known, x)
    ]
    assert not seen, f"{len(seen)} occurrence(s), e.g. {seen[0]}"


# --- the suite can fail ----------------------------------------------------------------------


def _one_case(oracle_binary: Path, case: d.Case) -> tuple[d.Outcome, d.Outcome]:
    import shutil
    import tempfile

    work = Path(tempfile.mkdtemp(prefix="conformance-one-"))
    try:
        mode_file = d.mode_config_file(work, case.mode)
        d.prepare_oracle_case(case, work / "case", mode_file)
        result = d.run_oracle(oracle_binary, [work / "case"])[str(work / "case")]
        return d.oracle_outcome(result), d.our_outcome(case, mode_file)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _left(
    case: d.Case, oracle: d.Outcome, ours: d.Outcome, rules: list[d.Rule]
) -> list[d.Difference]:
    return d.unexplained(d.compare(case.id, oracle, ours, rules), KNOWN)


QUICKSTART = d.Case("examples/quickstart", ("examples/quickstart",), "Knative")


def test_a_changed_port_in_our_render_fails(oracle_binary: Path, rules: list[d.Rule]) -> None:
    case = replace(QUICKSTART, mode="Standard")
    oracle, ours = _one_case(oracle_binary, case)
    assert _left(case, oracle, ours, rules) == []
    mutated = copy.deepcopy(ours)
    service = next(o for k, o in mutated.objects.items() if k[:2] == ("", "Service"))
    port = service["spec"]["ports"][0]
    port["targetPort"] = 8081  # one-line change: the model server's default port
    diffs = _left(case, oracle, mutated, rules)
    assert [x.path for x in diffs] == [f"spec.ports[{port['name']}].targetPort"]
    assert (diffs[0].oracle, diffs[0].ours) == (8080, 8081)


def test_a_changed_default_in_the_port_fails(
    oracle_binary: Path, rules: list[d.Rule], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The port itself changed (a constant of generator/, not its output): the suite fails."""
    from generator import constants

    case = replace(QUICKSTART, mode="Standard")
    monkeypatch.setattr(constants, "COMMON_DEFAULT_HTTP_PORT", 81)
    oracle, ours = _one_case(oracle_binary, case)
    diffs = _left(case, oracle, ours, rules)
    assert {(x.obj.split("/")[0], x.oracle, x.ours) for x in diffs if x.path.endswith(".port")} == {
        ("Service", 80, 81)
    }


def test_a_dropped_annotation_in_our_render_fails(oracle_binary: Path, rules: list[d.Rule]) -> None:
    oracle, ours = _one_case(oracle_binary, QUICKSTART)
    mutated = copy.deepcopy(ours)
    ksvc = next(
        o for k, o in mutated.objects.items() if k[:2] == ("serving.knative.dev", "Service")
    )
    annotations = ksvc["spec"]["template"]["metadata"]["annotations"]
    dropped = sorted(annotations)[0]
    del annotations[dropped]
    diffs = _left(QUICKSTART, oracle, mutated, rules)
    assert [x.path for x in diffs] == [f"spec.template.metadata.annotations.{dropped}"]
    assert diffs[0].ours == d.MISSING


def test_a_changed_refusal_text_fails(oracle_binary: Path, rules: list[d.Rule]) -> None:
    case = d.Case(
        "golden/knative-error-runtime-not-found",
        ("tests/golden/knative-error-runtime-not-found/input",),
        "Knative",
    )
    oracle, ours = _one_case(oracle_binary, case)
    assert oracle.refused and _left(case, oracle, ours, rules) == []
    mutated = copy.deepcopy(ours)
    mutated.refused = {
        k: v.replace("No ServingRuntimes", "No runtimes") for k, v in ours.refused.items()
    }
    assert [x.path for x in _left(case, oracle, mutated, rules)] == ["refusal"]


def test_a_pod_webhook_refusal_matches_only_its_own_text() -> None:
    """Ours names the injector that failed; KServe's webhook answers with its error alone."""
    go = "format [s3] requires a bucket but one wasn't found in storage data or parameters"
    assert d.same_refusal(go, f"pod mutator InjectStorageInitializer: {go}")
    assert not d.same_refusal(go, "pod mutator InjectStorageInitializer: format [s3] is unknown")
    assert not d.same_refusal(go, f"the pod mutator InjectStorageInitializer: {go}x")


# --- the harness is KServe's code ----------------------------------------------------------------


def test_harness_requires_kserve_v0_20_0() -> None:
    go_mod = (d.ORACLE_SRC / "go.mod").read_text()
    assert re.search(r"^require github\.com/kserve/kserve v0\.20\.0$", go_mod, re.M) or re.search(
        r"^\s+github\.com/kserve/kserve v0\.20\.0$", go_mod, re.M
    ), "conformance/oracle/go.mod must require github.com/kserve/kserve v0.20.0"
    kserve_mod = "replace sigs.k8s.io/controller-runtime => sigs.k8s.io/controller-runtime v0.22.5"
    assert kserve_mod in go_mod, "KServe's replace directives must be carried over"
    assert "github.com/kserve/kserve v0.20.0 h1:" in (d.ORACLE_SRC / "go.sum").read_text()


@pytest.mark.parametrize(
    "call",
    [
        # the defaulting webhook (inference_service_defaults.go)
        r"\.DefaultInferenceService\(",
        # the validating webhook (inference_service_validation.go)
        r"v1beta1\.InferenceServiceValidator\{\}\)\.ValidateCreate\(",
        # the controller, whose Reconcile runs the component and ingress reconcilers
        r"isvccontroller\.InferenceServiceReconciler\{",
        r"\br\.Reconcile\(ctx, req\)",
        # the InferenceGraph webhook (inference_graph_validation.go) and controller
        r"v1alpha1\.InferenceGraphValidator\{\}\)\.ValidateCreate\(",
        r"igcontroller\.InferenceGraphReconciler\{",
        # the TrainedModel webhook (trainedmodel_webhook.go), controller and model config
        r"v1alpha1\.TrainedModelValidator\{\}\)\.ValidateCreate\(",
        r"tmcontroller\.TrainedModelReconciler\{",
        r"modelconfig\.NewModelConfigReconciler\(",
        # the pod webhook on each workload's pod template
        r"pod\.Mutator\{",
        r"\bm\.Handle\(ctx, req\)",
    ],
)
def test_harness_calls_kserve(call: str) -> None:
    source = "\n".join(p.read_text() for p in sorted(d.ORACLE_SRC.glob("*.go")))
    code = "\n".join(line.split("//")[0] for line in source.splitlines())  # not in a comment
    assert re.search(call, code), f"conformance/oracle no longer calls {call}"


def test_the_podspec_omitempty_names_are_k8s_apis(oracle_binary: Path) -> None:
    """generator/goruntime/podspec_fields.json (which empty values the Go round trip of a
    PodSpec drops, by field name) is what reflection over k8s.io/api's types gives."""
    done = subprocess.run(
        [str(oracle_binary), "podspec-fields"], capture_output=True, text=True, check=True
    )
    shipped = REPO_ROOT / "generator" / "goruntime" / "podspec_fields.json"
    assert json.loads(shipped.read_text()) == json.loads(done.stdout), (
        f"out of date: {oracle_binary.name} podspec-fields > {shipped.relative_to(REPO_ROOT)}"
    )


# Plain scalars whose meaning differs between YAML readers (go-yaml v2, PyYAML's YAML 1.1, the
# YAML 1.2 core schema), and random texts over the characters numbers, booleans and base-60
# numbers are made of.
ODD_SCALARS = (
    "y Y n N yes No ON off true True TRUE False null Null NULL ~ 0o17 0O17 0x1F 0X1f 0b101 "
    "017 08 09 019 1_000 1__0 _1 1:30 1:30.5 -1:30 1e3 1E3 1.5e3 1.0 -1E-3 +.5 .5 1. 0.0 -0.0 "
    "-0 +0 +1 1e+3 1e-0 12e 0x 0b_ -0x_ 2001-12-14 2001-12-14T21:59:43.10-05:00 2001-13-45 "
    "18446744073709551615 9223372036854775807 9223372036854775808 -9223372036854775809 1e21 "
    "1e20 123456789012345678901234567890 = . - + .e3 0.5e-3 1_2.3_4"
).split()


def _odd_scalar_files(folder: Path) -> list[Path]:
    """A file per scalar (one that either reader refuses leaves out only itself)."""
    rng = random.Random(20261207)
    texts = list(ODD_SCALARS)
    texts += ["".join(rng.choices("0123456789+-._eExXoObB:yYnN", k=rng.randint(1, 6)))
              for _ in range(1000)]  # fmt: skip
    paths = []
    for i, text in enumerate(dict.fromkeys(texts)):
        paths.append(folder / f"scalar-{i:04d}.yaml")
        paths[-1].write_text(f"key: {text}\n")
    return paths


def _stored_numbers(value: Any) -> Any:
    """Numbers as the API server decodes JSON text: an integer literal outside int64 is a float
    (Go prints an integral float64 under 1e21 as an integer literal)."""
    if isinstance(value, list):
        return [_stored_numbers(v) for v in value]
    if isinstance(value, dict):
        return {k: _stored_numbers(v) for k, v in value.items()}
    if type(value) is int and not -(2**63) <= value < 2**63:
        return float(value)
    return value


def test_inputs_are_read_as_kubectl_reads_them(oracle_binary: Path, tmp_path: Path) -> None:
    """Every published sample, and plain scalars of every odd kind, load as sigs.k8s.io/yaml
    (go-yaml v2, then JSON) reads them for `kubectl apply`: the same values of the same JSON
    types. Files kubectl cannot read, or that ours refuses (duplicate keys, NaN, limits), are
    left out: both refuse those, with their own words."""
    files = _odd_scalar_files(tmp_path)
    files += sorted(
        p
        for folder in ("examples", "examples-invalid", "fidelity", "docs-samples", "docs-website")
        for p in (REFERENCE / folder).rglob("*.yaml")
    )
    done = subprocess.run(
        [str(oracle_binary), "yaml-to-json", *map(str, files)],
        capture_output=True,
        text=True,
        check=True,
    )
    compared = 0
    for line in done.stdout.splitlines():
        kubectl = json.loads(line)
        ours, problems = load.parse_stream(Path(kubectl["file"]).read_text(), kubectl["file"])
        if kubectl.get("error") or problems:
            continue
        as_json = json.dumps([d.doc for d in ours], sort_keys=True)
        theirs = json.dumps(_stored_numbers(kubectl["docs"]), sort_keys=True)
        assert as_json == theirs, kubectl["file"]
        compared += 1
    assert compared > 800


def test_allowlist_entries_are_justified() -> None:
    doc = yaml.safe_load(d.ALLOWLIST.read_text())
    assert len(doc["entries"]) <= 17, "the allow-list is meant to stay short"
    for entry in doc["entries"]:
        assert entry["side"] in ("oracle", "ours", "both"), entry["id"]
        assert len(entry["reason"]) > 40, entry["id"]
        assert re.search(r"\.go(:\d+| \()", entry["go"]), f"{entry['id']}: cite the Go line"


def test_known_differences_cite_go() -> None:
    for known in KNOWN:
        assert re.search(r"\.go:\d+", known.go), f"{known.id}: cite the Go file:line"
        assert known.ours, known.id


# --- the allow-list's object and refusal entries (GitOps departures) ------------------------------

WORKER = ("apps", "Deployment", "default", "mn-predictor-worker")
KEDA_REFUSAL = (
    "autoscalerClass keda needs at least one autoScaling metric: KServe would create a"
    " ScaledObject without triggers, which the API server refuses"
)


def test_allowlist_keeps_multinode_workers_only_in_multinode_cases(rules: list[d.Rule]) -> None:
    """`multinode-workers-kept`: KServe's canary cleanup deletes the worker Deployment
    (predictor.go:1002-1036); ours keeps it, accepted for the multi-node cases alone."""
    oracle, ours = d.Outcome(), d.Outcome(objects={WORKER: {"kind": "Deployment"}})
    assert d.compare("golden/standard-multinode-huggingface", oracle, ours, rules) == []
    other = d.compare("golden/standard-canary", oracle, ours, rules)
    assert [(x.obj, x.oracle) for x in other] == [
        ("apps/Deployment/default/mn-predictor-worker", d.MISSING)
    ]
    # an object only KServe has is still a difference in a multi-node case
    missing = d.compare("golden/standard-multinode-huggingface", ours, oracle, rules)
    assert [x.ours for x in missing] == [d.MISSING]


def test_allowlist_accepts_only_the_keda_refusal(rules: list[d.Rule]) -> None:
    """`keda-without-triggers-refused`: KServe sends a ScaledObject with `triggers: null`
    (keda_reconciler.go:83); ours refuses the InferenceService instead."""
    scaled = ("keda.sh", "ScaledObject", "default", "sk-predictor")
    oracle = d.Outcome(objects={scaled: {"kind": "ScaledObject"}})
    ours = d.Outcome(refused={("default", "sk"): KEDA_REFUSAL})
    assert d.compare("golden/standard-keda-without-metrics-refused", oracle, ours, rules) == []
    other = d.Outcome(refused={("default", "sk"): "some other refusal"})
    diffs = d.compare("golden/standard-keda-without-metrics-refused", oracle, other, rules)
    assert [(x.path, x.oracle) for x in diffs] == [("refusal", d.MISSING)]


PROBE_REFUSAL = (
    "must be greater than or equal to 1 (got 0), which KServe writes for a port left out (the"
    " API server would refuse the Deployment default/flowers-predictor (apps/v1) it renders, at"
    " spec.template.spec.containers[0].livenessProbe.httpGet.port)"
)


def test_allowlist_accepts_only_the_refusal_of_a_probe_port_left_out(rules: list[d.Rule]) -> None:
    """`deployment-the-api-server-refuses`: KServe sends a Deployment whose probe has `port: 0`;
    ours refuses the InferenceService instead, and says so only of a port left out."""
    deployment = ("apps", "Deployment", "default", "flowers-predictor")
    oracle = d.Outcome(objects={deployment: {"kind": "Deployment"}})
    ours = d.Outcome(refused={("default", "flowers"): PROBE_REFUSAL})
    assert d.compare("samples/probes[Standard]", oracle, ours, rules) == []
    written = PROBE_REFUSAL.replace(", which KServe writes for a port left out", "")
    other = d.Outcome(refused={("default", "flowers"): written})
    diffs = d.compare("samples/probes[Standard]", oracle, other, rules)
    assert [(x.path, x.oracle) for x in diffs] == [("refusal", d.MISSING)]


@pytest.mark.parametrize(
    "message",
    [
        "may not be specified when `value` is not empty",
        "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`",
        "may not have more than one field specified at a time",
    ],
)
def test_allowlist_accepts_only_the_api_servers_env_var_refusals(
    rules: list[d.Rule], message: str
) -> None:
    """`deployment-the-api-server-refuses`: KServe sends a Deployment whose env var the API server
    refuses; ours refuses the InferenceService, with the API server's words, for a Deployment."""
    deployment = ("apps", "Deployment", "default", "custom-env-predictor")
    oracle = d.Outcome(objects={deployment: {"kind": "Deployment"}})
    at = "(the API server would refuse the Deployment default/custom-env-predictor (apps/v1) it "
    refusal = f"{message} {at}renders, at spec.template.spec.containers[0].env[0].valueFrom)"
    ours = d.Outcome(refused={("default", "custom-env"): refusal})
    assert d.compare("golden/standard-error-env-value-from[Standard]", oracle, ours, rules) == []
    knative = refusal.replace("Deployment", "Service").replace("apps/v1", "serving.knative.dev/v1")
    other = d.Outcome(refused={("default", "custom-env"): knative})
    diffs = d.compare("golden/standard-error-env-value-from[Standard]", oracle, other, rules)
    assert [(x.path, x.oracle) for x in diffs] == [("refusal", d.MISSING)]


def test_allowlist_compares_models_json_in_any_order_but_not_other_content(
    rules: list[d.Rule],
) -> None:
    """`model-config-order`: KServe writes models.json from a Go map; the entries must match."""

    def config(*names: str, memory: str = "256Mi") -> d.Outcome:
        models = [{"modelName": n, "modelSpec": {"memory": memory}} for n in names]
        cm = {"kind": "ConfigMap", "data": {"models.json": json.dumps(models)}}
        return d.Outcome(objects={("", "ConfigMap", "default", "modelconfig-mms-0"): cm})

    case = "trainedmodels/00000"
    assert d.compare(case, config("b", "a"), config("a", "b"), rules) == []
    assert [x.path for x in d.compare(case, config("a", "b"), config("a"), rules)] == [
        "data.models.json"
    ]
    changed = d.compare(case, config("a"), config("a", memory="512Mi"), rules)
    assert [x.path for x in changed] == ["data.models.json"]
