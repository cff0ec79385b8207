"""The LLMInferenceService half of the differential suite: the cluster state KServe's
LLMInferenceService controller reads (`oracle llmisvc`, conformance/oracle/llmisvc.go), our
render of the same input set, and the comparison after conformance/llmisvc-allowlist.yaml.

The oracle side gets the input set as the API server stores it (the CRDs' structural defaults
applied; KServe's own webhooks and conversion run in the oracle), the release's
`inferenceservice-config` with the input set's keys over it, the ten presets in `kserve`
(unless the input set replaces one there), the Gateways the services name and the namespaces'
`default` ServiceAccount. Our side is `kserve-gitops render` with `inferencePoolAPI: v1alpha2`,
the group KServe gives a route that has no status yet.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from helpers import REPO_ROOT

from conformance import differential as d
from generator import config as config_mod
from generator import inputset, load, pipeline, schema, scope
from generator.errors import ProblemsFound
from generator.llmisvc.config_merge import builtin_presets

ALLOWLIST = REPO_ROOT / "conformance" / "llmisvc-allowlist.yaml"
KSERVE_NAMESPACE = "kserve"
DEFAULT_GATEWAY = ("kserve", "kserve-ingress-gateway")
GATEWAY_CLASS = "conformance"  # the class of the Gateways the harness adds
# The kinds the oracle reports (conformance/oracle/llmisvc.go, llmCreatedKinds) and the render's
# TLS Certificate (allow-list `tls-material`).
COMPARED_KINDS = {
    ("apps", "Deployment"),
    ("", "Service"),
    ("", "ServiceAccount"),
    ("", "Secret"),
    ("", "ConfigMap"),
    ("rbac.authorization.k8s.io", "Role"),
    ("rbac.authorization.k8s.io", "RoleBinding"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("inference.networking.k8s.io", "InferencePool"),
    ("inference.networking.x-k8s.io", "InferencePool"),
    ("gateway.networking.k8s.io", "HTTPRoute"),
    ("leaderworkerset.x-k8s.io", "LeaderWorkerSet"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("networking.k8s.io", "Ingress"),
    ("resource.k8s.io", "ResourceClaimTemplate"),
    ("llmd.ai", "VariantAutoscaling"),
    ("keda.sh", "ScaledObject"),
    ("cert-manager.io", "Certificate"),
}
# What the render decides that KServe reads from the live route's status: v1alpha2 for a route
# without status (router_discovery.go), so that the comparison sees the same backend group.
RENDER_OPTIONS = {"inferencePoolAPI": "v1alpha2"}


@dataclass(frozen=True)
class Case:
    """One input set of LLMInferenceServices (and what they read)."""

    name: str
    paths: tuple[str, ...]
    namespace: str = "default"

    @property
    def id(self) -> str:
        return self.name


def options_file(directory: Path) -> Path:
    path = directory / "llmisvc-render.yaml"
    doc = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "inferenceservice-config", "namespace": KSERVE_NAMESPACE},
        "data": {"llmisvcRender": json.dumps(RENDER_OPTIONS)},
    }
    path.write_text(d.dump_all([doc]))
    return path


def _stored(doc: Mapping[str, Any]) -> dict[str, Any]:
    return dict(schema.apply_defaults(schema.normalized(doc)))


def _gateway_class(name: str) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "GatewayClass",
        "metadata": {"name": name},
        "spec": {"controllerName": "example.com/gateway-controller"},
    }


def _gateway(namespace: str, name: str) -> dict[str, Any]:
    return {
        "apiVersion": "gateway.networking.k8s.io/v1",
        "kind": "Gateway",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {
            "gatewayClassName": GATEWAY_CLASS,
            "listeners": [{"name": "http", "protocol": "HTTP", "port": 80}],
        },
    }


def _gateway_refs(doc: Mapping[str, Any]) -> list[tuple[str, str]]:
    router = ((doc.get("spec") or {}).get("router")) or {}
    refs = ((router.get("gateway") or {}).get("refs")) or []
    namespace = str((doc.get("metadata") or {}).get("namespace") or "")
    return [
        (str(r.get("namespace") or namespace), str(r.get("name")))
        for r in refs
        if isinstance(r, Mapping) and r.get("name")
    ]


def prepare_oracle_case(case: Case, directory: Path) -> None:
    """Write what the cluster holds when KServe reconciles the case's services."""
    directory.mkdir(parents=True)
    inputs = load.load(case.paths)
    inputs, _ = inputset.resolve_namespaces(inputs, case.namespace)
    inputs, _ = inputset.check_schemas(inputs)  # the API server refuses the others
    data = dict(config_mod.builtin_layer().data)
    for item in inputs.config_maps[:1]:
        data.update({str(k): str(v) for k, v in (item.doc.get("data") or {}).items()})
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "inferenceservice-config", "namespace": KSERVE_NAMESPACE},
            "data": data,
        }
    ]
    own_configs = {(i.namespace, i.name) for i in inputs.llm_inference_service_configs}
    docs += [
        {**preset, "metadata": {**preset["metadata"], "namespace": KSERVE_NAMESPACE}}
        for name, preset in builtin_presets().items()
        if (KSERVE_NAMESPACE, name) not in own_configs
    ]
    others = [i.doc for i in inputs.passthrough]
    have = {
        (str(o["metadata"].get("namespace") or case.namespace), str(o["metadata"]["name"]))
        for o in others
        if o.get("kind") == "Gateway"
    }
    wanted = {DEFAULT_GATEWAY}
    for item in inputs.llm_inference_services:
        wanted.update(_gateway_refs(item.doc))
    docs += [_gateway(ns, name) for ns, name in sorted(wanted - have)]
    classes = {str(o["metadata"]["name"]) for o in others if o.get("kind") == "GatewayClass"}
    named = {
        str((o.get("spec") or {}).get("gatewayClassName"))
        for o in others
        if o.get("kind") == "Gateway"
    }
    docs += [_gateway_class(name) for name in sorted((named | {GATEWAY_CLASS}) - classes)]
    accounts = {(i.namespace, i.name) for i in inputs.service_accounts}
    namespaces = sorted({i.namespace for i in inputs.llm_inference_services})
    docs += [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": "default", "namespace": ns},
        }
        for ns in namespaces
        if (ns, "default") not in accounts
    ]
    written: set[tuple[str, str, str]] = set()
    for item in inputs.secrets + inputs.service_accounts + inputs.passthrough:
        doc = dict(item.doc)
        meta = dict(doc.get("metadata") or {})
        if not scope.is_cluster_scoped(item.api_version, item.kind):  # a LocalModelCache
            meta.setdefault("namespace", case.namespace)
        key = (str(doc.get("kind")), str(meta.get("namespace", "")), str(meta.get("name")))
        if key in written:  # a ServiceAccount is also passed through: the cluster holds one
            continue
        written.add(key)
        docs.append({**doc, "metadata": meta})
    docs += [_stored(i.doc) for i in inputs.llm_inference_service_configs]
    docs += [_stored(i.doc) for i in inputs.llm_inference_services]
    # JSON, not YAML: Go's YAML 1.1 reader would take a string such as `y` for a boolean.
    text = "\n".join(json.dumps(doc, sort_keys=True) for doc in docs)
    (directory / "objects.yaml").write_text(text + "\n")


def run_oracle(binary: Path, directories: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """The cases in one oracle process per core (KServe generates a 4096-bit RSA key per
    service, workload_tls_self_signed.go:156, which dominates the run); JSON lines by case."""
    workers = max(1, min(os.cpu_count() or 1, 4, len(directories)))
    chunks = [list(directories[i::workers]) for i in range(workers)]
    running = [
        subprocess.Popen(
            [str(binary), "llmisvc", *map(str, chunk)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for chunk in chunks
    ]
    results: dict[str, dict[str, Any]] = {}
    for process in running:
        out, err = process.communicate(timeout=1800)
        if process.returncode != 0:
            raise subprocess.CalledProcessError(process.returncode, process.args, out, err)
        for line in out.splitlines():
            if line.strip():
                result = json.loads(line)
                results[result["case"]] = result
    return results


def _schema_problems(case: Case) -> list[Any]:
    inputs, _ = inputset.resolve_namespaces(load.load(case.paths), case.namespace)
    return inputset.check_schemas(inputs)[1]


def our_outcome(case: Case, option_file: Path) -> d.Outcome:
    """`kserve-gitops render` of the case, in-process: the LLMInferenceServices' children, or
    what it refuses (by service)."""
    # KServe creates the scheduler's ClusterRoleBinding: render it as a cluster admin would.
    request = pipeline.Request(
        paths=case.paths,
        namespace=case.namespace,
        config_files=(str(option_file),),
        allow_cluster_scoped=True,
    )
    out = d.Outcome()
    try:
        result = pipeline.run(request)
    except ProblemsFound as found:
        for problem in found.problems:
            ref = problem.obj
            if ref is not None and ref.kind == "LLMInferenceService":
                key = (ref.namespace, ref.name)
                # the message is compared with KServe's text; the field is kept for the report
                out.refused.setdefault(key, problem.message)
                out.fields.setdefault(key, problem.field)
            else:
                out.refused[("", str(problem.source))] = problem.message
        # the API server's schema checks: KServe's code never sees those objects
        out.schema_only = bool(_schema_problems(case))
        return out
    services = {(s.namespace, s.name) for s in result.llm_statuses}
    for item in result.objects:
        obj = item.obj
        group = str(obj.get("apiVersion", "")).rpartition("/")[0]
        if (group, item.kind) not in COMPARED_KINDS:
            continue
        # cluster-scoped children (the scheduler's ClusterRoleBinding) have no namespace
        if any(item.owner == name and item.namespace in (ns, "") for ns, name in services):
            out.objects[d._obj_key(obj)] = obj
    return out


def _without_empty(value: Any) -> Any:
    if isinstance(value, Mapping):
        kept = {k: _without_empty(v) for k, v in value.items()}
        return {k: v for k, v in kept.items() if v is not None and v != {}}
    if isinstance(value, list):
        return [_without_empty(v) for v in value]
    return value


def canonical(outcome: d.Outcome) -> d.Outcome:
    """The objects as the API server stores them: without nulls and empty objects. Go marshals
    a zero-valued struct field as `{}` (`strategy: {}`, `status: {}`) and a zero time as
    null; the render leaves them out. Either way the stored object is the same, so this is
    an encoding difference, not one the allow-list has to excuse. Empty lists still count.
    Without `status` too: every compared kind with a status has a status subresource, whose
    content the API server drops on create (Go marshals the zero status of a
    VariantAutoscaling as `actuation: {applied: false}`, of an HPA as `desiredReplicas: 0`)."""
    objects = {
        k: _without_empty({f: x for f, x in v.items() if f != "status"})
        for k, v in outcome.objects.items()
    }
    return replace(outcome, objects=objects)


def _with_field(diff: d.Difference, ours: d.Outcome) -> d.Difference:
    """A refusal difference names the field our message is about (`spec.worker: ...`)."""
    key = tuple(diff.obj.split("/", 1))
    found = ours.fields.get((key[0], key[-1])) if diff.path == "refusal" else None
    return replace(diff, ours=f"{found}: {diff.ours}") if found else diff


def run_cases(
    binary: Path, cases: Sequence[Case], rules: Sequence[d.Rule]
) -> dict[str, list[d.Difference]]:
    """Every case through both sides; differences by case id."""
    work = Path(tempfile.mkdtemp(prefix="conformance-llm-"))
    try:
        option = options_file(work)
        dirs = {}
        for i, case in enumerate(cases):
            dirs[case.id] = work / f"case-{i:05d}"
            prepare_oracle_case(case, dirs[case.id])
        results = run_oracle(binary, list(dirs.values()))
        out: dict[str, list[d.Difference]] = {}
        for case in cases:
            oracle = canonical(d.oracle_outcome(results[str(dirs[case.id])]))
            ours = canonical(our_outcome(case, option))
            out[case.id] = [_with_field(x, ours) for x in d.compare(case.id, oracle, ours, rules)]
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)
