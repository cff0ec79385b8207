"""The differential suite's machinery: build KServe's own code (conformance/oracle), hand it the
input set as a cluster would store it, render the same input set with our pipeline, and compare
the two object for object after the normalisations conformance/allowlist.yaml names.
"""

from __future__ import annotations

import ctypes
import functools
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from helpers import REPO_ROOT

from generator import config as config_mod
from generator import constants, inputset, load, pipeline, schema, yamlemit
from generator.errors import ProblemsFound

ORACLE_SRC = REPO_ROOT / "conformance" / "oracle"
BUILD_DIR = REPO_ROOT / "build" / "conformance"
ALLOWLIST = REPO_ROOT / "conformance" / "allowlist.yaml"
KNOWN_DIFFERENCES = REPO_ROOT / "conformance" / "known-differences.yaml"
MODES = ("Knative", "Standard")
# The kinds the oracle reports (conformance/oracle/main.go, createdKinds).
COMPARED_KINDS = {
    ("serving.knative.dev", "Service"),
    ("networking.istio.io", "VirtualService"),
    ("apps", "Deployment"),
    ("", "Service"),
    ("", "ConfigMap"),
    ("autoscaling", "HorizontalPodAutoscaler"),
    ("keda.sh", "ScaledObject"),
    ("networking.k8s.io", "Ingress"),
    ("gateway.networking.k8s.io", "HTTPRoute"),
    ("opentelemetry.io", "OpenTelemetryCollector"),
}
# The objects whose refusals and children are compared (the oracle reconciles these kinds).
OWNER_KINDS = frozenset({"InferenceService", "InferenceGraph", "TrainedModel"})


# --- building the oracle -------------------------------------------------------------------


def oracle_key() -> str:
    """The cache key: go.sum (the dependency set) plus the harness's own go.mod and source."""
    digest = hashlib.sha256()
    for name in ("go.sum", "go.mod", *sorted(p.name for p in ORACLE_SRC.glob("*.go"))):
        digest.update(name.encode() + b"\0" + (ORACLE_SRC / name).read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def _libc_prctl() -> Any:
    """Linux's prctl(2), looked up before any fork (a child must not load libraries)."""
    try:
        return ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return None


_PRCTL = _libc_prctl()
_PR_SET_PDEATHSIG = 1


def _build_setup(niceness: int) -> None:
    """In the build's process before exec: a lower priority, and death with the test session
    even when it is killed without running its cleanup."""
    if niceness:
        os.nice(niceness)
    if _PRCTL is not None:
        _PRCTL(_PR_SET_PDEATHSIG, signal.SIGKILL)


class OracleBuild:
    """`go build` of the oracle into build/conformance/, once per key: started by the
    constructor, waited for by `result()`, which renames it into place (atomic). `niceness`
    lowers its CPU priority, for a build beside other tests."""

    def __init__(self, go: str, niceness: int = 0) -> None:
        self.target = BUILD_DIR / f"oracle-{oracle_key()}"
        self.partial = BUILD_DIR / f".{self.target.name}.{os.getpid()}"
        self.process: subprocess.Popen[bytes] | None = None
        if self.target.exists():
            return
        BUILD_DIR.mkdir(parents=True, exist_ok=True)
        self.log = tempfile.TemporaryFile()  # a pipe nobody reads would stall the build
        self.process = subprocess.Popen(
            [go, "build", "-trimpath", "-o", str(self.partial), "."],
            cwd=ORACLE_SRC,
            env={**os.environ, "CGO_ENABLED": "0"},
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=functools.partial(_build_setup, niceness),
        )

    def result(self) -> Path:
        """The binary, once built; CalledProcessError (with Go's output) when it fails."""
        if self.process is not None:
            code = self.process.wait()
            self.process = None
            self.log.seek(0)
            said = self.log.read().decode(errors="replace")
            self.log.close()
            if code:
                raise subprocess.CalledProcessError(code, "go build", said, said)
            self.partial.replace(self.target)
        return self.target

    def stop(self) -> None:
        """Kill a build still under way (the session ends without needing it)."""
        if self.process is not None:
            self.process.kill()
            self.process.wait()
            self.process = None
            self.log.close()
            self.partial.unlink(missing_ok=True)


# --- the input set for both sides ------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    """One input set rendered in one default deployment mode."""

    name: str
    paths: tuple[str, ...]
    mode: str
    namespace: str | None = None
    knative_domain: str | None = None

    @property
    def id(self) -> str:
        return f"{self.name}[{self.mode}]"


@dataclass
class Outcome:
    """What one side made of a case: objects by key, and refusals by InferenceService."""

    objects: dict[tuple[str, str, str, str], dict[str, Any]] = field(default_factory=dict)
    refused: dict[tuple[str, str], str] = field(default_factory=dict)
    # Problems our side reports that KServe's code cannot see (the API server's schema checks):
    # the whole case (schema_only), or the refusals of these keys (schema_refused).
    schema_only: bool = False
    schema_refused: set[tuple[str, str]] = field(default_factory=set)
    fatal: str = ""
    # The field each refusal names (our side), for the report.
    fields: dict[tuple[str, str], str] = field(default_factory=dict)


def mode_config_file(directory: Path, mode: str) -> Path:
    """A --config layer that sets the default deployment mode."""
    path = directory / f"deploy-{mode}.yaml"
    doc = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
        "data": {"deploy": json.dumps({"defaultDeploymentMode": mode})},
    }
    path.write_text(dump_all([doc]))
    return path


def _mode_layer(given: Mapping[str, Any], mode: str, shared: Path, path: Path) -> Path:
    """The case's mode layer: `shared`, or when the input set's inferenceservice-config data
    `given` has a `deploy` of its own (a rollout strategy, say), that value with the case's mode
    in it at `path`, so that both sides read the same `deploy` (a layer replaces a key whole)."""
    if "deploy" not in given:
        return shared
    layer = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
        "data": {
            "deploy": json.dumps({**json.loads(given["deploy"]), "defaultDeploymentMode": mode})
        },
    }
    path.write_text(dump_all([layer]))
    return path


def dump_all(docs: Sequence[Mapping[str, Any]]) -> str:
    """A YAML stream both sides read as `docs`: every string a Go (or any YAML 1.1) reader
    would take for something else quoted (PyYAML's dumper leaves `y` and `1e3` plain)."""
    return "---\n".join(yamlemit.dump(doc) for doc in docs)


def _stored(doc: Mapping[str, Any]) -> dict[str, Any]:
    # The object as the API server stores it (nulls dropped, CRD defaults applied): what
    # KServe's code reads from the cluster.
    return dict(schema.apply_defaults(schema.normalized(doc)))


def prepare_oracle_case(case: Case, directory: Path, mode_file: Path) -> Path:
    """Write the cluster's state for the case: the merged inferenceservice-config, KServe's
    installed runtimes and storage container (unless the input set redefines them), and the
    input set's objects as stored. Returns the mode layer our side renders the case with."""
    directory.mkdir(parents=True)
    inputs = load.load(case.paths, passthrough=False)
    inputset.resolve_namespaces(inputs, case.namespace or "default")
    inputset.check_schemas(inputs)
    given = {
        str(k): str(v)
        for item in inputs.config_maps[:1]
        for k, v in (item.doc.get("data") or {}).items()
    }
    layer = _mode_layer(
        given, case.mode, mode_file, directory.with_name(f"{directory.name}-mode.yaml")
    )
    data = {**config_mod.builtin_layer().data, **given}
    data.update(yaml.safe_load(layer.read_text())["data"])
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
            "data": data,
        }
    ]
    own_runtimes = {i.name for i in inputs.cluster_serving_runtimes}
    docs += [
        _stored(rt)
        for rt in config_mod.builtin_runtimes()
        if rt["metadata"]["name"] not in own_runtimes
    ]
    own_containers = {i.name for i in inputs.cluster_storage_containers}
    docs += [
        _stored(c)
        for c in config_mod.builtin_storage_containers()
        if c["metadata"]["name"] not in own_containers
    ]
    for kind_list in (
        inputs.serving_runtimes,
        inputs.cluster_serving_runtimes,
        inputs.cluster_storage_containers,
        inputs.secrets,
        inputs.service_accounts,
        inputs.local_model_caches,  # listed by the defaulting webhook
        inputs.knative_config_maps,
        inputs.other_config_maps,  # e.g. the CA bundle KServe copies
        inputs.inference_services,
        inputs.inference_graphs,  # reconciled after the InferenceServices they route to
        inputs.trained_models,  # and so are these
    ):
        docs += [_stored(item.doc) for item in kind_list]
    # JSON, not YAML: Go's YAML 1.1 reader would take a string such as `y` for a boolean.
    text = "\n".join(json.dumps(doc, sort_keys=True) for doc in docs)
    (directory / "objects.yaml").write_text(text + "\n")
    if case.knative_domain:  # --knative-domain: config-domain is this one default domain
        (directory / "oracle.json").write_text(json.dumps({"domain": case.knative_domain}))
    return layer


def run_oracle(binary: Path, directories: Sequence[Path]) -> dict[str, dict[str, Any]]:
    """All cases in one oracle process (start-up once); its JSON lines by case folder."""
    done = subprocess.run(
        [str(binary), *map(str, directories)],
        check=True,
        capture_output=True,
        text=True,
        timeout=900,
    )
    results = [json.loads(line) for line in done.stdout.splitlines() if line.strip()]
    return {r["case"]: r for r in results}


def _obj_key(obj: Mapping[str, Any]) -> tuple[str, str, str, str]:
    meta = obj.get("metadata") or {}
    group = str(obj.get("apiVersion", "")).rpartition("/")[0]
    return group, str(obj.get("kind")), str(meta.get("namespace", "")), str(meta.get("name"))


def oracle_outcome(result: Mapping[str, Any]) -> Outcome:
    out = Outcome(fatal=str(result.get("fatal") or ""))
    for item in result.get("items") or []:
        if item.get("error"):
            out.refused[(item["namespace"], item["name"])] = str(item["error"])
    for obj in result.get("objects") or []:
        out.objects[_obj_key(obj)] = obj
    return out


def our_outcome(case: Case, mode_file: Path) -> Outcome:
    """Our pipeline on the same input set, in-process."""
    request = pipeline.Request(
        paths=case.paths,
        namespace=case.namespace or "default",
        config_files=(str(mode_file),),
        passthrough=False,
        knative_domain=case.knative_domain,
    )
    out = Outcome()
    try:
        result = pipeline.run(request)
    except ProblemsFound as found:
        for problem in found.problems:
            ref = problem.obj
            if (
                ref is not None
                and ref.kind in OWNER_KINDS
                and (problem.field != "" or EMITTED_REFUSAL_OF_OUTPUT.match(problem.message))
            ):
                key = (ref.namespace, ref.name)
            else:
                key = ("", str(problem.source))
            out.refused[key] = problem.message
            if _is_schema_problem(problem.message):
                out.schema_refused.add(key)
        return out
    owners = {(a.namespace, a.loaded.name) for a in result.admitted if a.mode != "ModelMesh"}
    owners |= {(i.namespace, i.name) for i in _graphs(case)}
    for item in result.objects:
        obj = item.obj
        group = str(obj.get("apiVersion", "")).rpartition("/")[0]
        if (group, item.kind) not in COMPARED_KINDS:
            continue
        if (item.namespace, item.owner) not in owners:
            continue
        out.objects[_obj_key(obj)] = obj
    return out


def _graphs(case: Case) -> list[load.Loaded]:
    """The case's InferenceGraphs, namespaced as the pipeline namespaces them."""
    inputs = load.load(case.paths, passthrough=False)
    inputs, _ = inputset.resolve_namespaces(inputs, case.namespace or "default")
    return inputs.inference_graphs


# How generator/schema/emitted.py words a refusal of a rendered object: naming the input field
# (`... (the API server would refuse the Deployment ns/name (apps/v1) it renders, at ...)`), or
# the output field (`the Deployment ns/name (apps/v1) it renders: ...`, no input field).
EMITTED_REFUSAL = "(the API server would refuse the "
EMITTED_REFUSAL_OF_OUTPUT = re.compile(r"the [A-Za-z]+ \S+ \(\S+\) it renders: ")


def _is_schema_problem(message: str) -> bool:
    # Messages of the schema stage (generator/schema): the API server's, not a webhook's. A
    # refusal of an object the InferenceService renders (generator/schema/emitted.py) is not:
    # KServe's code does see the InferenceService, and creates that object.
    if EMITTED_REFUSAL in message:
        return False
    return message == inputset.REQUIRED or message.startswith(
        (
            "unknown field",
            "must be",
            "Unsupported value",
            "expected ",
            "should be",
            # generator/schema._message: a pattern, an enum, a length, another keyword
            "invalid value ",
            "unsupported value ",
            "may not be longer",
            "does not satisfy",
        )
    )


# --- normalising and comparing -----------------------------------------------------------


def glob_match(pattern: str, text: str) -> bool:
    """`*` matches anything; every other character itself (paths hold `[name]`)."""
    regex = ".*".join(re.escape(part) for part in pattern.split("*"))
    return re.fullmatch(regex, text, re.S) is not None


@dataclass(frozen=True)
class Rule:
    """One allow-list entry: drop `path` (glob over dotted paths) on `side` for `kinds`; or,
    with `obj`, accept an object (glob over `<group>/<Kind>/<ns>/<name>`) that only `side`
    has; or, with `refusal`, accept a refusal only ours makes (glob over
    `<KServe's text or <absent>>|<ours>`). `cases` limits the rule to matching case ids."""

    id: str
    path: str
    side: str  # "oracle", "ours" or "both"
    kinds: tuple[str, ...] = ()
    value: str | None = None  # only when the value is this one
    when: str | None = None  # only in objects that have this (flattened) path
    obj: str | None = None
    refusal: str | None = None
    cases: str = "*"
    name: str | None = None  # only in objects whose metadata.name matches this glob
    # with `sort_by`: not dropped, but `path` holds a JSON array compared sorted by this key
    sort_by: str | None = None


def load_rules(path: Path = ALLOWLIST) -> list[Rule]:
    doc = yaml.safe_load(path.read_text())
    rules = []
    for e in doc["entries"]:
        common = {"side": e["side"], "cases": e.get("cases", "*")}
        kinds = tuple(e.get("kinds") or ())
        rules += [
            Rule(
                e["id"],
                p,
                kinds=kinds,
                value=e.get("value"),
                when=e.get("when"),
                name=e.get("name"),
                **common,
            )
            for p in e.get("paths") or []
        ]
        rules += [
            Rule(e["id"], p, kinds=kinds, sort_by=key, **common)
            for p, key in (e.get("sorted_json") or {}).items()
        ]
        rules += [Rule(e["id"], "", obj=o, **common) for o in e.get("objects") or []]
        rules += [Rule(e["id"], "", refusal=r, **common) for r in e.get("refusals") or []]
    return rules


def _allowed(
    rules: Sequence[Rule], case_id: str, side: str, *, obj: str = "", refusal: str = ""
) -> bool:
    """An object only `side` has, or a refusal only ours makes, that the allow-list accepts."""
    return any(
        r.side in (side, "both")
        and glob_match(r.cases, case_id)
        and (
            (bool(obj) and r.obj is not None and glob_match(r.obj, obj))
            or (bool(refusal) and r.refusal is not None and glob_match(r.refusal, refusal))
        )
        for r in rules
    )


def normalise(obj: Mapping[str, Any], side: str, rules: Sequence[Rule]) -> dict[str, Any]:
    """A copy of obj without the fields the allow-list names for this side."""
    flat = dict(flatten(obj))
    kind = str(obj.get("kind"))
    name = str((obj.get("metadata") or {}).get("name"))
    kept: dict[str, Any] = {}
    path_rules = [r for r in rules if r.obj is None and r.refusal is None and r.sort_by is None]
    for r in rules:
        if r.sort_by is not None and r.side in (side, "both") and (not r.kinds or kind in r.kinds):
            for p, value in flat.items():
                if glob_match(r.path, p):
                    flat[p] = _sorted_json(value, r.sort_by)
    for p, value in flat.items():
        dropped = any(
            r.side in (side, "both")
            and (not r.kinds or kind in r.kinds)
            and (r.name is None or glob_match(r.name, name))
            and (r.when is None or r.when in flat)
            and glob_match(r.path, p)
            and (r.value is None or value == r.value)
            for r in path_rules
        )
        if not dropped:
            kept[p] = value
    return kept


def _sorted_json(text: Any, key: str) -> Any:
    """The JSON array `text` with its items sorted by `key`; anything else as it is."""
    try:
        items = json.loads(text)
    except (TypeError, ValueError):
        return text
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        return text
    return json.dumps(sorted(items, key=lambda i: str(i.get(key))), separators=(",", ":"))


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, Any]]:
    """Dotted leaf paths; list items by `name` when every item has a non-empty one (order
    still checked through the `[#i]` index entries), else by index."""
    if isinstance(value, Mapping):
        if not value:
            yield prefix, {}
        for k in sorted(value):
            yield from flatten(value[k], f"{prefix}.{k}" if prefix else str(k))
    elif isinstance(value, list):
        if not value:
            yield prefix, []
        named = all(isinstance(v, Mapping) and v.get("name") not in (None, "") for v in value)
        for i, v in enumerate(value):
            if named:
                yield f"{prefix}[#{i}]", v["name"]
                yield from flatten(v, f"{prefix}[{v['name']}]")
            else:
                yield from flatten(v, f"{prefix}[{i}]")
    else:
        yield prefix, value


@dataclass(frozen=True)
class Difference:
    case: str
    obj: str
    path: str
    oracle: Any
    ours: Any

    def __str__(self) -> str:
        return f"{self.case}: {self.obj}: {self.path}: KServe {self.oracle!r} / ours {self.ours!r}"


MISSING = "<absent>"


def compare(
    case_id: str, oracle: Outcome, ours: Outcome, rules: Sequence[Rule]
) -> list[Difference]:
    """Every difference left after the allow-list's normalisations."""
    if oracle.fatal:
        return [Difference(case_id, "<oracle>", "fatal", oracle.fatal, "")]
    diffs: list[Difference] = []
    if oracle.refused or ours.refused:
        diffs += _compare_refusals(case_id, oracle, ours, rules)
        if diffs or ours.refused:
            return diffs
    keys = sorted(set(oracle.objects) | set(ours.objects))
    for key in keys:
        name = "/".join(k for k in key if k)
        # An object the allow-list drops whole (every path) may exist on one side only.
        if key not in oracle.objects:
            allowed = _allowed(rules, case_id, "ours", obj=name)
            if not allowed and normalise(ours.objects[key], "ours", rules):
                diffs.append(Difference(case_id, name, "", MISSING, "object"))
            continue
        if key not in ours.objects:
            allowed = _allowed(rules, case_id, "oracle", obj=name)
            if not allowed and normalise(oracle.objects[key], "oracle", rules):
                diffs.append(Difference(case_id, name, "", "object", MISSING))
            continue
        a = normalise(oracle.objects[key], "oracle", rules)
        b = normalise(ours.objects[key], "ours", rules)
        for p in sorted(set(a) | set(b)):
            va, vb = a.get(p, MISSING), b.get(p, MISSING)
            if va != vb:
                diffs.append(Difference(case_id, name, p, va, vb))
    return diffs


def _compare_refusals(
    case_id: str, oracle: Outcome, ours: Outcome, rules: Sequence[Rule] = ()
) -> list[Difference]:
    """Both refuse the same InferenceServices; our message is KServe's error text (KServe
    wraps it with the reconciler's context, allow-list entry `refusal-text`)."""
    diffs: list[Difference] = []
    if ours.schema_only and not oracle.refused:
        return []  # the API server's own checks: KServe's code never sees the object
    for key, message in sorted(ours.refused.items()):
        if key in ours.schema_refused:
            # The API server's own checks (the CRD schema) come before the validating webhook:
            # KServe's code never sees the object, whatever it would have said of it.
            continue
        go = oracle.refused.get(key)
        if go is None and key[0] == "":
            continue  # a problem not tied to one InferenceService (checked by the others)
        if go is None:
            if not _allowed(rules, case_id, "ours", refusal=f"{MISSING}|{message}"):
                diffs.append(Difference(case_id, "/".join(key), "refusal", MISSING, message))
        elif not same_refusal(go, message):
            diffs.append(Difference(case_id, "/".join(key), "refusal", go, message))
    for key, go in sorted(oracle.refused.items()):
        if key not in ours.refused:
            diffs.append(Difference(case_id, "/".join(key), "refusal", go, MISSING))
    return diffs


_POD_MUTATOR = re.compile(r"^pod mutator [A-Za-z]+: ")  # generator/admission/pod/mutator.py


def same_refusal(go: str, ours: str) -> bool:
    """Ours is KServe's text, or the end of it after a wrapping `context: ` prefix; a Go
    pointer KServe prints (`%v` of a struct with a *string) matches any value; ours may name
    the pod webhook's injector that failed (allow-list `refusal-text`)."""
    ours = _POD_MUTATOR.sub("", ours, count=1)
    if ours in go:
        return True
    parts = go.split(": ")
    for i in range(len(parts)):
        pieces = re.split(r"0x[0-9a-f]+", ": ".join(parts[i:]))
        if re.fullmatch(r"[^\s}]+".join(re.escape(p) for p in pieces), ours):
            return True
    return False


# --- known differences --------------------------------------------------------------------


@dataclass(frozen=True)
class Known:
    """A difference found and not fixed yet: globs over `<group>/<Kind>/<ns>/<name>:<path>`
    (or `refusal:<KServe's text>|<ours>`), optionally only in cases matching `cases`."""

    id: str
    match: tuple[str, ...]
    go: str
    ours: str
    cases: str = "*"


def load_known(path: Path = KNOWN_DIFFERENCES) -> list[Known]:
    doc = yaml.safe_load(path.read_text()) or {}
    return [
        Known(e["id"], tuple(e["match"]), e["go"], e["ours"], e.get("cases", "*"))
        for e in doc.get("differences") or []
    ]


def matches(known: Known, diff: Difference) -> bool:
    text = f"{diff.obj}:{diff.path}"
    if diff.path == "refusal":
        text = f"refusal:{diff.oracle}|{diff.ours}"
    return glob_match(known.cases, diff.case) and any(glob_match(m, text) for m in known.match)


def unexplained(diffs: Iterable[Difference], known: Sequence[Known]) -> list[Difference]:
    return [d for d in diffs if not any(matches(k, d) for k in known)]


# --- running many cases ----------------------------------------------------------------------


def run_cases(
    binary: Path, cases: Sequence[Case], rules: Sequence[Rule]
) -> dict[str, list[Difference]]:
    """Every case through both sides; differences by case id."""
    work = Path(tempfile.mkdtemp(prefix="conformance-"))
    try:
        mode_files = {mode: mode_config_file(work, mode) for mode in MODES}
        dirs, layers = {}, {}
        for i, case in enumerate(cases):
            d = work / f"case-{i:05d}"
            layers[case.id] = prepare_oracle_case(case, d, mode_files[case.mode])
            dirs[case.id] = d
        results = run_oracle(binary, list(dirs.values()))
        out: dict[str, list[Difference]] = {}
        for case in cases:
            oracle = oracle_outcome(results[str(dirs[case.id])])
            ours = our_outcome(case, layers[case.id])
            out[case.id] = compare(case.id, oracle, ours, rules)
        return out
    finally:
        shutil.rmtree(work, ignore_errors=True)


def go_binary() -> str | None:
    return shutil.which("go")


__all__ = [
    "MODES",
    "Case",
    "Difference",
    "OracleBuild",
    "compare",
    "constants",
    "load_known",
    "load_rules",
    "run_cases",
]
