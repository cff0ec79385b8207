"""Fuzz the shipped and the published examples: whatever is done to them, exit 0 or 2 (issue 12).

Hypothesis starts from every input file of examples/ and every published KServe example vendored
in tests/data/reference, and breaks it the way a hurried or hostile author would: wrong types,
nulls, huge numbers, NaN, unknown or deleted keys, lists where maps are expected, very long
strings, unicode, odd YAML tags, aliases, duplicated keys and documents, truncated text. Each
mutant goes through the CLI in-process (main(), exactly as the console script maps outcomes to
exit codes) and must exit 0 with output a reader accepts, or 2 with a message on stderr naming
an input file: never 3, never a traceback.

CI=true runs 2,000 derandomized examples per test (reproducible); a local run takes 100.
KSERVE_GITOPS_FUZZ_EXAMPLES overrides both.
"""

from __future__ import annotations

import collections
import copy
import dataclasses
import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import run
from trust_helpers import Outcome, invoke

ROOT = Path(__file__).resolve().parent.parent
SHIPPED = ROOT / "examples"
REFERENCE = Path(__file__).resolve().parent / "data" / "reference"
EXAMPLES = int(
    os.environ.get("KSERVE_GITOPS_FUZZ_EXAMPLES") or (2000 if os.environ.get("CI") else 100)
)
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=True,  # the same examples on every run: a CI failure reproduces locally
    database=None,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
SECONDS = 2.0  # CPU seconds for one mutant (most take 0.05): a hang or quadratic blow-up fails


@dataclass(frozen=True)
class Seed:
    """One input file to mutate, what else the render reads with it, and how it is passed."""

    path: Path
    docs: tuple[Any, ...]
    companions: tuple[Path, ...] = ()  # other input paths, unchanged
    role: str = "input"  # "input" (a PATH), "config" (--config FILE), "overlay" (--overlay)


def _docs(path: Path) -> tuple[Any, ...]:
    """The documents of `path`; none for the published example that is not YAML at all (a
    `{docker_username}` placeholder): only the text edits start from it."""
    try:
        docs = yaml.safe_load_all(path.read_text(encoding="utf-8"))
        return tuple(d for d in docs if d is not None)
    except yaml.YAMLError:
        return ()


def _shipped_seeds() -> list[Seed]:
    repo = SHIPPED / "gitops-repo"
    config = repo / "config" / "inferenceservice-config.yaml"
    seeds = [Seed(p, _docs(p)) for p in sorted((SHIPPED / "quickstart").glob("*.yaml"))]
    for team in sorted((repo / "apps").iterdir()):
        files = [p for p in sorted(team.glob("*.yaml")) if not p.name.startswith(".")]
        for path in files:
            others = tuple(p for p in files if p != path)
            seeds.append(Seed(path, _docs(path), (*others, config)))
    apps = tuple(sorted((repo / "apps").iterdir()))
    seeds.append(Seed(config, _docs(config), apps))
    seeds.append(Seed(config, _docs(config), apps, role="config"))
    overlays = sorted((repo / "overlays").glob("*/overlay.yaml"))
    return seeds + [Seed(p, _docs(p), apps, role="overlay") for p in overlays]


def _reference_seeds() -> list[Seed]:
    folders = ["examples/kserve-samples", "examples/website-0.20", "examples-invalid", "fidelity"]
    paths = [p for f in folders for p in sorted((REFERENCE / f).glob("*.yaml"))]
    seeds = [Seed(p, _docs(p)) for p in paths]
    release = REFERENCE / "kserve" / "release"
    quickstart = tuple(sorted((SHIPPED / "quickstart").glob("*.yaml")))
    config = release / "inferenceservice-config.yaml"
    standard = (SHIPPED / "gitops-repo" / "apps" / "team-b" / "fraud-detector.yaml",)
    seeds.append(Seed(config, _docs(config), quickstart + standard, role="config"))
    runtimes = release / "clusterservingruntimes.yaml"
    seeds.append(Seed(runtimes, _docs(runtimes), quickstart))
    return seeds


SHIPPED_SEEDS = _shipped_seeds()
REFERENCE_SEEDS = _reference_seeds()


def _walk(node: Any) -> Iterator[Any]:
    yield node
    if isinstance(node, dict):
        for key, value in node.items():
            yield key
            yield from _walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from _walk(item)


def _vocabulary(seeds: list[Seed]) -> tuple[list[str], list[Any]]:
    """Every key and scalar of the seeds: swapping them between places reaches deep logic."""
    keys: set[str] = set()
    scalars: set[tuple[str, Any]] = set()
    for seed in seeds:
        for doc in seed.docs:
            if isinstance(doc, dict) and doc.get("kind") == "Secret":
                continue  # a secret's values are not vocabulary: they must never be echoed
            for node in _walk(doc):
                if isinstance(node, str) and len(node) < 200:
                    if node.isidentifier() or "/" in node:
                        keys.add(node)
                    scalars.add(("str", node))
                elif isinstance(node, bool | int | float):
                    scalars.add((type(node).__name__, node))
    return sorted(keys), [value for _, value in sorted(scalars, key=repr)]


KEYS, SCALARS = _vocabulary(SHIPPED_SEEDS + REFERENCE_SEEDS)


@dataclass(frozen=True)
class Raw:
    """Text that goes into the YAML as written (a tag, an alias, a 5,000-digit number)."""

    text: str


RAW_TEXTS = [
    "9" * 101,
    "9" * 5000,
    "-" + "1" * 4400,
    "0x" + "f" * 120,
    "1" + "0" * 400 + ".5",
    "1.0e+400",
    ".nan",
    "-.inf",
    "0o17",
    "017",
    "1_000",
    "0b101",
    "2024-01-02",
    "2001-12-14t21:59:43.10-05:00",
    "!!binary aGVsbG8=",
    "!!set {a, b}",
    "!!omap [{a: 1}]",
    "!!pairs [{a: 1}]",
    "!!python/object/apply:os.system ['true']",
    "!!python/name:os.system",
    "!custom x",
    "!<tag:yaml.org,2002:int> 12",
    "!!int '12'",
    "!!int 0x1F",
    "!!float 1",
    "!!float '.nan'",
    "!!str 12",
    "!!timestamp 2001-12-14",
    "!!null ''",
    "!!bool yes",
    "!!map {a: 1}",
    "!!seq [1]",
    "!!int x",
    "&anchor 1",
    "*undefined",
    "{a: 1, a: 2}",
    "{true: 1, ~: 2, 3: 4}",
    "{[a]: b}",
    "{{ .Name }}",
    "[",
    "{",
    "'unterminated",
    "@at",
    "`tick`",
    "%percent",
    "? complex",
    "|",
    "- - -",
    "<<",
    "{<<: {a: 1}}",
]


def _strings() -> st.SearchStrategy[str]:
    lengths = [63, 64, 253, 254, 1000, 70_000]
    return st.one_of(
        st.text(max_size=20),
        st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]), max_size=8),
        st.sampled_from(
            ["", " ", "\t", "\n", "a\nb", "\u202e", "\u200b", "é", "名字", "\U0001f600"]
        ),
        st.sampled_from(["UPPER", "-x-", "a.b", "a_b", "1abc", "x" * 64, "a" * 253 + ".b"]),
        st.sampled_from(["100Mi", "1e400", "-1", "0.0001m", "1Ki", "x", "2.5", "1e-3", "08"]),
        st.sampled_from(["s3://", "gs://b/m", "pvc://c/d", "hf://a/b", "oci://i:t", "http://[::1"]),
        st.sampled_from(["{{ .Name }}", "{{", "{{ 7*7 }}", "{% include '/etc/passwd' %}", "$(X)"]),
        st.sampled_from(["../../etc/passwd", "/etc/passwd", "a/b", "a:b", "a b", "#", "*"]),
        st.sampled_from(lengths).map(lambda n: "x" * n),
    )


SCALAR_VALUES: st.SearchStrategy[Any] = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.sampled_from([0, -1, 2**31, 2**63, -(2**63) - 1, 10**99, 10**100, 10**4000]),
    st.floats(allow_nan=True, allow_infinity=True),
    _strings(),
    st.sampled_from(SCALARS),
    st.sampled_from(RAW_TEXTS).map(Raw),
)
VALUES: st.SearchStrategy[Any] = st.recursive(
    SCALAR_VALUES,
    lambda inner: st.one_of(
        st.lists(inner, max_size=3),
        st.dictionaries(st.one_of(st.sampled_from(KEYS), st.text(max_size=8)), inner, max_size=3),
    ),
    max_leaves=6,
)
ANY_KEY = st.one_of(
    st.sampled_from(KEYS), st.text(max_size=10), st.integers(), st.booleans(), st.none()
)


def _embedded_json(text: str) -> Any:
    """The JSON object or array a ConfigMap string holds (KServe's config keys), else None."""
    if not text.lstrip().startswith(("{", "[")):
        return None
    try:
        return json.loads(text)
    except ValueError:
        return None


def _json(value: Any, indent: int | None = None) -> str:
    """JSON text (NaN and Infinity included, as Python writes them); a Raw is its text."""
    return json.dumps(
        value, indent=indent, default=lambda v: v.text if isinstance(v, Raw) else str(v)
    )


def _mutate(node: Any, data: st.DataObject, depth: int = 0) -> Any:
    """A copy of `node` with one change somewhere inside it: rarely the document itself, most
    often a field a few levels down, where the controller logic reads it."""
    # Hypothesis favours the ends of a range, so the rare choices are a middle value (3).
    deeper = depth == 0 or data.draw(st.integers(0, 6)) != 3
    if isinstance(node, dict) and node and deeper:
        keys = sorted(node, key=repr)
        if depth == 0 and data.draw(st.integers(0, 6)) != 3:  # apiVersion or kind: 1 in 7
            keys = [k for k in keys if k not in ("apiVersion", "kind")] or keys
        key = data.draw(st.sampled_from(keys))
        return {**node, key: _mutate(node[key], data, depth + 1)}
    if isinstance(node, list) and node and deeper:
        index = data.draw(st.integers(0, len(node) - 1))
        return [*node[:index], _mutate(node[index], data, depth + 1), *node[index + 1 :]]
    if isinstance(node, str) and (inner := _embedded_json(node)) is not None and deeper:
        mutated = _mutate(inner, data, depth + 1)
        return _json(mutated, indent=data.draw(st.sampled_from([None, 2])))
    return data.draw(st.sampled_from(OPERATIONS))(node, data)


def _replace(node: Any, data: st.DataObject) -> Any:
    return data.draw(VALUES)


def _null(node: Any, data: st.DataObject) -> Any:
    return None


def _wrap_in_list(node: Any, data: st.DataObject) -> Any:
    return [node]


def _as_string(node: Any, data: st.DataObject) -> Any:
    return _json(node) if not isinstance(node, str) else node + data.draw(_strings())


def _reshape(node: Any, data: st.DataObject) -> Any:
    """A map becomes a list (of its values or of itself), a list a map, a scalar a map."""
    if isinstance(node, dict):
        return data.draw(st.sampled_from([list(node.values()), list(node.items()), [node], {}]))
    if isinstance(node, list):
        return data.draw(st.sampled_from([{str(i): v for i, v in enumerate(node)}, [], node * 2]))
    return {data.draw(st.sampled_from(KEYS)): node}


def _edit_map(node: Any, data: st.DataObject) -> Any:
    """Delete, add, rename or duplicate keys of a map (a scalar gets a wrong-typed twin)."""
    if not isinstance(node, dict) or not node:
        return data.draw(VALUES)
    key = data.draw(st.sampled_from(sorted(node, key=repr)))
    changed = dict(node)
    action = data.draw(st.sampled_from(["delete", "add", "rename", "case", "all-null"]))
    if action == "delete":
        del changed[key]
    elif action == "add":
        changed[data.draw(ANY_KEY)] = data.draw(VALUES)
    elif action == "rename":
        changed[data.draw(ANY_KEY)] = changed.pop(key)
    elif action == "case" and isinstance(key, str):
        changed[key.upper() if key != key.upper() else key.lower()] = changed.pop(key)
    else:
        changed = dict.fromkeys(changed)
    return changed


def _edit_list(node: Any, data: st.DataObject) -> Any:
    if not isinstance(node, list):
        return [node, data.draw(VALUES)]
    action = data.draw(st.sampled_from(["drop", "append", "duplicate", "empty"]))
    if action == "drop" and node:
        return node[1:]
    if action == "append":
        return [*node, data.draw(VALUES)]
    if action == "duplicate" and node:
        return [*node, copy.deepcopy(node[-1])]
    return []


OPERATIONS: list[Callable[[Any, st.DataObject], Any]] = [
    _replace,
    _replace,
    _null,
    _wrap_in_list,
    _as_string,
    _reshape,
    _edit_map,
    _edit_map,
    _edit_list,
]


def _mutate_stream(docs: tuple[Any, ...], data: st.DataObject) -> list[Any]:
    """One to three changes inside the documents, sometimes a document added or repeated."""
    stream = list(docs)
    for _ in range(data.draw(st.integers(1, 3))):
        index = data.draw(st.integers(0, len(stream) - 1)) if stream else 0
        if not stream:
            stream.append(data.draw(VALUES))
            continue
        action = data.draw(st.sampled_from(["mutate"] * 12 + ["repeat", "drop", "add"]))
        if action == "mutate":
            stream[index] = _mutate(stream[index], data)
        elif action == "repeat":
            stream.insert(index, copy.deepcopy(stream[index]))
        elif action == "drop":
            del stream[index]
        else:
            stream.insert(index, data.draw(VALUES))
    return stream


def _dump(stream: list[Any], data: st.DataObject) -> str:
    """YAML for `stream`, with each Raw value spliced in as written."""
    raws: dict[str, str] = {}

    def placeholder(dumper: yaml.SafeDumper, value: Raw) -> yaml.Node:
        token = f"RAW{len(raws):04d}TOKEN"
        raws[token] = value.text
        return dumper.represent_str(token)

    class Dumper(yaml.SafeDumper):
        pass

    Dumper.add_representer(Raw, placeholder)
    text = yaml.dump_all(
        stream,
        Dumper=Dumper,
        sort_keys=False,
        allow_unicode=data.draw(st.booleans()),
        width=10_000,
    )
    for token, raw in raws.items():
        text = text.replace(token, raw)
    return text


# Text edits: what a tree cannot express (comments kept, tags, indentation, encodings, cuts).
def _lines_edit(text: str, data: st.DataObject) -> str:
    lines = text.split("\n")
    index = data.draw(st.integers(0, max(len(lines) - 1, 0)))
    line = lines[index]
    action = data.draw(
        st.sampled_from(["duplicate", "delete", "indent", "dedent", "tab", "tag", "value"])
    )
    if action == "duplicate":
        lines.insert(index, line)
    elif action == "delete":
        del lines[index]
    elif action == "indent":
        lines[index] = "  " + line
    elif action == "dedent":
        lines[index] = line[2:] if line.startswith("  ") else line.lstrip()
    elif action == "tab":
        lines[index] = "\t" + line
    elif ": " in line:
        head, _, tail = line.partition(": ")
        raw = data.draw(st.sampled_from(RAW_TEXTS))
        new = f"{raw} {tail}" if action == "tag" and raw.startswith(("!", "&")) else raw
        lines[index] = f"{head}: {new}"
    return "\n".join(lines)


def _text_edit(text: str, data: st.DataObject) -> str:
    action = data.draw(
        st.sampled_from(
            ["lines"] * 4
            + ["cut", "char", "repeat", "bom", "directive", "crlf", "junk", "anchor", "json"]
        )
    )
    if action == "lines":
        return _lines_edit(text, data)
    if action == "cut":
        return text[: data.draw(st.integers(0, len(text)))]
    if action == "char":
        at = data.draw(st.integers(0, len(text)))
        char = data.draw(st.sampled_from(["\x00", "\x1b", "\ufeff", "\u2028", "\x85", "'", '"']))
        return text[:at] + char + text[at:]
    if action == "repeat":
        return text + "\n---\n" + text
    if action == "bom":
        return "\ufeff" + text
    if action == "directive":
        heads = ["%YAML 1.1\n---\n", "%YAML 1.3\n---\n", "%TAG ! tag:x.io,2000:\n---\n", "--- !x\n"]
        return data.draw(st.sampled_from(heads)) + text
    if action == "crlf":
        return text.replace("\n", "\r\n")
    if action == "junk":
        junk = ["null", "[]", "42", "- a", "kind: Secret", "apiVersion: v1", "{}", "...", "'x'"]
        return text + "\n---\n" + data.draw(st.sampled_from(junk)) + "\n"
    if action == "anchor":
        return "x: &a {k: *a}\n---\n" + text if data.draw(st.booleans()) else text + "\n<<: *a\n"
    try:  # the first document as JSON, changed (a .json input holds one document)
        docs = tuple(yaml.safe_load_all(text))
    except Exception:  # broken by an earlier edit (PyYAML raises anything on a bad tag)
        return text
    try:
        return _json((_mutate_stream(docs, data) or [None])[0])
    except ValueError:  # an alias to itself ("anchor" above) has no JSON form
        return text


@dataclass(frozen=True)
class Case:
    """One mutant on disk and the command line that reads it."""

    args: tuple[str, ...]
    inputs: tuple[Path, ...]  # every file or folder a message may name
    output_dir: Path | None
    fmt: str
    text: str = ""  # the mutant, shown when the case fails


COMMANDS: list[tuple[str, ...]] = [
    ("render",),
    ("render",),
    ("render", "--format", "json"),
    ("render", "-o"),
    ("validate",),
    ("urls",),
]


def _case(seed: Seed, text: str, folder: Path, data: st.DataObject) -> Case:
    suffix = data.draw(st.sampled_from([".yaml", ".yaml", ".yml", ".json"]))
    mutant = folder / (seed.path.stem + suffix)
    mutant.write_text(text, encoding="utf-8", errors="surrogatepass")
    command = data.draw(st.sampled_from(COMMANDS))
    paths = [mutant] if seed.role == "input" else []
    paths += seed.companions
    args = [command[0], *map(str, paths)]
    output_dir = None
    if command[1:] == ("-o",):
        output_dir = folder / "out"
        args += ["-o", str(output_dir)]
    else:
        args += command[1:]
    if seed.role == "config":
        args += ["--config", str(mutant)]
    elif seed.role == "overlay":
        args += ["--overlay", str(mutant)]
    if data.draw(st.integers(0, 9)):
        args += ["-n", "fuzz"]
    if data.draw(st.integers(0, 9)):  # the sample repo's Namespaces are cluster-scoped
        args.append("--allow-cluster-scoped")
    if command[0] != "validate" and data.draw(st.integers(0, 3)) == 0:
        mode = data.draw(st.sampled_from(["Knative", "Standard", "ModelMesh", "RawDeployment"]))
        args += ["--default-deployment-mode", mode]
    if command[0] == "render" and data.draw(st.integers(0, 4)) == 0:
        args.append(data.draw(st.sampled_from(["--sync-waves", "--explain", "--strict"])))
    if command[0] != "validate" and data.draw(st.integers(0, 9)) == 0:
        args.append(data.draw(st.sampled_from(["--no-passthrough", "--llmisvc-passthrough"])))
    fmt = "json" if "json" in command else "yaml"
    return Case(tuple(args), (mutant, *seed.companions), output_dir, fmt, text)


def _strict_json_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _assert_sound(case: Case, outcome: Outcome) -> None:
    """Exit 0 with readable output, or 2 with messages naming an input; never 3."""
    shown = (
        f"kserve-gitops {' '.join(case.args)}\n{outcome.stderr[:2000]}\n"
        f"--- the mutant:\n{case.text[:3000]}"
    )
    assert outcome.code in (0, 2), shown
    assert "Traceback" not in outcome.stderr, shown
    assert "internal error" not in outcome.stderr, shown
    assert outcome.seconds < SECONDS, (outcome.seconds, shown)
    if outcome.code == 2:
        assert outcome.stdout == "", shown
        lines = outcome.stderr.splitlines()
        assert lines, shown
        named = [str(p) for p in case.inputs]
        for line in lines:
            assert any(name in line for name in named), (line, shown)
        return
    if case.args[0] != "render":
        return
    if case.output_dir is not None:  # every written file is YAML a reader accepts
        texts = [p.read_text(encoding="utf-8") for p in sorted(case.output_dir.rglob("*.yaml"))]
    else:
        texts = [outcome.stdout]
    for text in texts:
        try:
            if case.fmt == "json":
                json.loads(text, parse_constant=_strict_json_constant)
            else:
                list(yaml.load_all(text, Loader=yaml.CSafeLoader))
        except (ValueError, yaml.YAMLError) as unreadable:
            raise AssertionError(f"unreadable output: {unreadable}\n{shown}") from unreadable


class Runs:
    """How many mutants a test really rendered (hypothesis stops early on an exhausted space)
    and how they ended: a fuzzer whose every mutant is refused at parse time tests nothing."""

    def __init__(self) -> None:
        self.count = 0
        self.codes: collections.Counter[int] = collections.Counter()

    def check(self, name: str) -> None:
        print(f"{name}: {self.count} mutants, exit codes {dict(sorted(self.codes.items()))}")
        assert self.count >= EXAMPLES, self.count
        # Both outcomes are common: most mutants reach the controller logic, many render.
        assert self.codes[0] >= self.count // 10, self.codes
        assert self.codes[2] >= self.count // 10, self.codes


def _run_case(case: Case, runs: Runs) -> None:
    runs.count += 1
    started = time.process_time()
    outcome = invoke(*case.args)
    # CPU seconds, not wall: other jobs on a shared CI machine must not fail the run.
    outcome = dataclasses.replace(outcome, seconds=time.process_time() - started)
    runs.codes[outcome.code] += 1
    _assert_sound(case, outcome)


@pytest.fixture
def scratch(tmp_path: Path) -> Iterator[Callable[[], Path]]:
    """A fresh empty folder per example (hypothesis runs many examples in one test call)."""

    def make() -> Path:
        return Path(tempfile.mkdtemp(dir=tmp_path))

    yield make


def _fuzz_tree(seeds: list[Seed], scratch: Callable[[], Path]) -> Runs:
    runs = Runs()

    @FUZZ
    @given(st.data())
    def example(data: st.DataObject) -> None:
        seed = data.draw(st.sampled_from([s for s in seeds if s.docs]))
        text = _dump(_mutate_stream(seed.docs, data), data)
        folder = scratch()
        try:
            _run_case(_case(seed, text, folder, data), runs)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    example()
    return runs


def test_mutated_shipped_examples_exit_0_or_2(scratch: Callable[[], Path]) -> None:
    _fuzz_tree(SHIPPED_SEEDS, scratch).check("shipped examples")


def test_mutated_published_kserve_examples_exit_0_or_2(scratch: Callable[[], Path]) -> None:
    _fuzz_tree(REFERENCE_SEEDS, scratch).check("published examples")


def test_text_edits_of_every_example_exit_0_or_2(scratch: Callable[[], Path]) -> None:
    runs = Runs()

    @FUZZ
    @given(st.data())
    def example(data: st.DataObject) -> None:
        seed = data.draw(st.sampled_from(SHIPPED_SEEDS + REFERENCE_SEEDS))
        text = seed.path.read_text(encoding="utf-8")
        for _ in range(data.draw(st.integers(1, 3))):
            text = _text_edit(text, data)
        folder = scratch()
        try:
            _run_case(_case(seed, text, folder, data), runs)
        finally:
            shutil.rmtree(folder, ignore_errors=True)

    example()
    runs.check("text edits")


def test_the_fuzz_strategies_can_fail() -> None:
    """The oracle is not vacuous: an exit 3, a traceback or a nameless line is caught."""
    case = Case(("render", "/in/x.yaml"), (Path("/in/x.yaml"),), None, "yaml")
    for bad in [
        Outcome(3, "", "kserve-gitops: internal error: KeyError: 'x'\n", 0.1),
        Outcome(2, "", "Traceback (most recent call last):\n", 0.1),
        Outcome(2, "", "something is wrong\n", 0.1),
        Outcome(2, "a: 1\n", "/in/x.yaml:1: bad\n", 0.1),
        Outcome(0, "a: [\n", "", 0.1),
        Outcome(0, "a: 1\n", "", SECONDS + 1),
    ]:
        with pytest.raises(AssertionError):
            _assert_sound(case, bad)
    _assert_sound(case, Outcome(2, "", "/in/x.yaml:1: InferenceService a: spec: bad\n", 0.1))
    json_case = Case(("render", "/in/x.yaml", "--format", "json"), case.inputs, None, "json")
    with pytest.raises(AssertionError, match="NaN is not JSON"):
        _assert_sound(json_case, Outcome(0, '{"a": NaN}', "", 0.1))


@pytest.mark.parametrize(
    ("text", "code"),
    [
        (
            "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata: {name: a}\n"
            "spec: {predictor: {sklearn: {storageUri: !!binary aGVsbG8=}}}\n",
            2,
        ),
        ((SHIPPED / "quickstart" / "sklearn-iris.yaml").read_text(encoding="utf-8"), 0),
    ],
    ids=["binary-storage-uri", "quickstart"],
)
def test_the_console_script_agrees(tmp_path: Path, text: str, code: int) -> None:
    """The installed console script, in its own process, exits as the in-process runs do."""
    mutant = tmp_path / "x.yaml"
    mutant.write_text(text, encoding="utf-8")
    done = run("render", str(mutant), "-n", "fuzz")
    assert done.returncode == code, done.stderr
    assert "Traceback" not in done.stderr
    if code == 2:
        assert done.stdout == ""
        assert done.stderr.count("\n") == 1 and str(mutant) in done.stderr
    else:
        kinds = {doc["kind"] for doc in yaml.safe_load_all(done.stdout)}
        assert "Service" in kinds, kinds
