"""Read the input set: discover files, parse YAML/JSON streams, classify documents.

The only stage that reads user files. Every document keeps its file and line so any later
problem can name them. YAML keeps its 1.1 meaning (what Kubernetes reads), except that
timestamps stay strings (as the API server sees them) and duplicate keys are errors (the API
server's strict decoding rejects them; a silent "last one wins" hides typos).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator import constants
from generator.errors import Invalid, Notice, ObjectRef, Problem, Source

try:  # libyaml is an order of magnitude faster; fall back so a bare install still works
    from yaml import CSafeLoader as _BaseLoader
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    from yaml import SafeLoader as _BaseLoader  # type: ignore[assignment]

INPUT_SUFFIXES = (".yaml", ".yml", ".json")
RENDERED_DIR_MARKER = ".kserve-gitops-index.json"  # writer.INDEX_NAME
KSERVE_API_GROUP_PREFIX = constants.KSERVE_API_GROUP + "/"
STDIN = "-"  # an input path meaning standard input, as for kubectl and kustomize
STDIN_SOURCE = "<stdin>"
# The names kustomize reads a folder's kustomization from (konfig.RecognizedKustomizationFileNames).
KUSTOMIZATION_FILES = ("kustomization.yaml", "kustomization.yml", "Kustomization")
KUSTOMIZE_API_GROUP_PREFIX = "kustomize.config.k8s.io/"
KUSTOMIZATION_NOTE = (
    "a kustomize file, skipped: kserve-gitops reads every file of the folder itself and applies "
    "no kustomize resources, patches or generators (run `kustomize build` first to use them)"
)
NO_FILES_NOTE = (
    "no .yaml, .yml or .json files here (hidden folders and render -o output are skipped)"
)
HELM_RENDER = "render the chart with `helm template` and give kserve-gitops its output"
HELM_HINT = "a Helm template? " + HELM_RENDER


class InputLoader(_BaseLoader):
    """Safe loader: timestamps as strings, duplicate mapping keys rejected."""


def _construct_mapping(loader: InputLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if isinstance(key, list | dict):
            raise yaml.constructor.ConstructorError(
                None, None, "mapping keys must be scalars", key_node.start_mark
            )
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


def _construct_timestamp(loader: InputLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


InputLoader.add_constructor("tag:yaml.org,2002:map", _construct_mapping)
InputLoader.add_constructor("tag:yaml.org,2002:timestamp", _construct_timestamp)


@dataclass(frozen=True, slots=True)
class Loaded:
    """One document of the input set and where it came from."""

    doc: dict[str, Any]
    source: Source

    @property
    def api_version(self) -> str:
        return str(self.doc.get("apiVersion", ""))

    @property
    def kind(self) -> str:
        return str(self.doc.get("kind", ""))

    @property
    def name(self) -> str:
        return str(_meta(self.doc).get("name", ""))

    @property
    def namespace(self) -> str:
        return str(_meta(self.doc).get("namespace", "") or "")

    def ref(self) -> ObjectRef:
        return ObjectRef(self.kind, self.namespace, self.name)

    def problem(self, invalid: Invalid) -> Problem:
        """A problem about this object, at its file and line."""
        return Problem(self.source, self.ref(), invalid.field, invalid.message)


@dataclass(slots=True)
class Inputs:
    """The input set, classified. Lists keep discovery order (sorted paths, document order)."""

    inference_services: list[Loaded] = field(default_factory=list)
    serving_runtimes: list[Loaded] = field(default_factory=list)
    cluster_serving_runtimes: list[Loaded] = field(default_factory=list)
    trained_models: list[Loaded] = field(default_factory=list)
    inference_graphs: list[Loaded] = field(default_factory=list)
    llm_inference_services: list[Loaded] = field(default_factory=list)
    llm_inference_service_configs: list[Loaded] = field(default_factory=list)
    config_maps: list[Loaded] = field(default_factory=list)  # inferenceservice-config
    knative_config_maps: list[Loaded] = field(default_factory=list)  # config-domain, … (Knative)
    cluster_storage_containers: list[Loaded] = field(default_factory=list)
    service_accounts: list[Loaded] = field(default_factory=list)
    secrets: list[Loaded] = field(default_factory=list)  # plain Secrets: read, never emitted
    passthrough: list[Loaded] = field(default_factory=list)
    kfserving: list[Loaded] = field(default_factory=list)  # serving.kubeflow.org: warned about
    problems: list[Problem] = field(default_factory=list)
    notes: list[Notice] = field(default_factory=list)  # skipped files, an empty input set


# KFServing's group, retired when the project became KServe (0.7); v0.20.0 serves none of it.
KFSERVING_API_GROUP_PREFIX = "serving.kubeflow.org/"

# Knative Serving's own ConfigMaps that decide the hosts of Knative Services.
KNATIVE_CONFIG_MAPS = ("config-domain", "config-network", "config-features", "config-autoscaler")

# kind -> the Inputs list it lands in, for serving.kserve.io kinds.
KSERVE_KINDS = {
    "InferenceService": "inference_services",
    "ServingRuntime": "serving_runtimes",
    "ClusterServingRuntime": "cluster_serving_runtimes",
    "TrainedModel": "trained_models",
    "InferenceGraph": "inference_graphs",
    "LLMInferenceService": "llm_inference_services",
    "LLMInferenceServiceConfig": "llm_inference_service_configs",
}


def _meta(doc: dict[str, Any]) -> dict[str, Any]:
    meta = doc.get("metadata")
    return meta if isinstance(meta, dict) else {}


def discover(paths: Sequence[str]) -> tuple[list[Path], list[Problem]]:
    """Every input file under `paths`: sorted, hidden entries and symlinked folders skipped."""
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for given in paths:
        root = Path(given)
        if root.is_file():
            found[root.as_posix()] = root
        elif root.is_dir():
            for file in _walk(root):
                found[file.as_posix()] = file
        else:
            problems.append(Problem(Source(given), None, "", "no such file or directory"))
    return [found[key] for key in sorted(found)], problems


def _walk(root: Path) -> Iterator[Path]:
    for folder, dirs, files in os.walk(root):
        if RENDERED_DIR_MARKER in files:
            dirs[:] = []  # our own output (render -o) is never input
            continue
        # os.walk does not follow symlinked folders; hidden ones (.git, .github) are skipped.
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if not name.startswith(".") and name.endswith(INPUT_SUFFIXES):
                yield Path(folder) / name


def parse_stream(text: str, source_path: str) -> tuple[list[Loaded], list[Problem]]:
    """Parse one file's multi-document stream; empty documents are skipped."""
    loaded: list[Loaded] = []
    loader = InputLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node said there is one
                break
            source = Source(source_path, node.start_mark.line + 1)
            doc = loader.construct_document(node)
            if doc is None:
                continue
            if not isinstance(doc, dict):
                what = _yaml_type(doc)
                message = f"a document must be a mapping (a Kubernetes object), not {what}"
                return loaded, [Problem(source, None, "", message)]
            loaded.append(Loaded(doc, source))
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark is not None else 0
        what = err.problem or err.context or "invalid YAML"
        return loaded, [Problem(Source(source_path, line), None, "", f"invalid YAML: {what}")]
    except yaml.YAMLError as err:
        return loaded, [Problem(Source(source_path), None, "", f"invalid YAML: {err}")]
    finally:
        loader.dispose()
    return loaded, []


def _yaml_type(value: object) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def read_file(path: Path) -> tuple[list[Loaded], list[Problem]]:
    """Read and parse one input file."""
    display = path.as_posix()
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as err:
        return [], [Problem(Source(display), None, "", f"not UTF-8 text: {err.reason}")]
    except OSError as err:
        return [], [Problem(Source(display), None, "", f"cannot read: {err.strerror}")]
    docs, problems = parse_stream(text, display)
    if problems and "{{" in text:
        problems = [_with_hint(p, HELM_HINT) for p in problems]
    return docs, problems


def _with_hint(problem: Problem, hint: str) -> Problem:
    return Problem(problem.source, problem.obj, problem.field, f"{problem.message} ({hint})")


def _helm_file(item: Loaded) -> bool:
    """Chart.yaml (its apiVersion, v2, is Helm's) or a file beside it such as values.yaml."""
    path = Path(item.source.path)
    return path.name in ("Chart.yaml", "Chart.yml") or (path.parent / "Chart.yaml").is_file()


def not_an_object(item: Loaded) -> Problem:
    """A document without apiVersion and kind: say what it is rather than name an empty object."""
    path = Path(item.source.path)
    if path.name in ("Chart.yaml", "Chart.yml"):
        message = f"a Helm chart's Chart.yaml, not a Kubernetes object ({HELM_RENDER})"
    elif (path.parent / "Chart.yaml").is_file():
        message = f"Helm chart values, not a Kubernetes object ({HELM_RENDER})"
    else:
        message = "not a Kubernetes object: it has no apiVersion and no kind"
    return Problem(item.source, None, "", message)


def classify(docs: Sequence[Loaded], passthrough: bool = True) -> Inputs:
    """Sort documents into the kinds the pipeline reads; others pass through unchanged."""
    inputs = Inputs()
    for item in docs:
        unreadable = _unidentified(item)
        if unreadable is not None:
            inputs.problems.append(unreadable)
            continue
        api_version, kind = str(item.doc["apiVersion"]), str(item.doc["kind"])
        if api_version.startswith(KUSTOMIZE_API_GROUP_PREFIX):
            inputs.notes.append(Notice(item.source, None, KUSTOMIZATION_NOTE))
            continue
        if api_version.startswith(KFSERVING_API_GROUP_PREFIX):
            inputs.kfserving.append(item)  # and passes through like any other kind
        if api_version.startswith(KSERVE_API_GROUP_PREFIX) and kind in KSERVE_KINDS:
            getattr(inputs, KSERVE_KINDS[kind]).append(item)
        elif api_version.startswith(KSERVE_API_GROUP_PREFIX) and kind == "ClusterStorageContainer":
            inputs.cluster_storage_containers.append(item)
        elif (
            api_version == "v1"
            and kind == "ConfigMap"
            and (item.name == constants.INFERENCE_SERVICE_CONFIG_MAP_NAME)
        ):
            inputs.config_maps.append(item)
        elif api_version == "v1" and kind == "ConfigMap" and item.name in KNATIVE_CONFIG_MAPS:
            inputs.knative_config_maps.append(item)  # read for hosts, and still applied
            if passthrough:
                inputs.passthrough.append(item)
        elif api_version == "v1" and kind == "ServiceAccount":
            inputs.service_accounts.append(item)
            if passthrough:
                inputs.passthrough.append(item)
        elif api_version == "v1" and kind == "Secret":
            # Read for key names only. Not passed through: a plain Secret in git holds its
            # values, and rendered output must never carry secret values (commit a
            # SealedSecret or an ExternalSecret instead; those pass through).
            inputs.secrets.append(item)
        elif passthrough:
            inputs.passthrough.append(item)
    return inputs


def _unidentified(item: Loaded) -> Problem | None:
    """Why a document cannot be classified (no string apiVersion or kind), else None."""
    api_version, kind = item.doc.get("apiVersion"), item.doc.get("kind")
    if (not api_version and not kind) or (not (api_version and kind) and _helm_file(item)):
        return not_an_object(item)
    if not isinstance(api_version, str) or not api_version:
        return _identity_problem(item, "apiVersion")
    if not isinstance(kind, str) or not kind:
        return _identity_problem(item, "kind")
    return None


def _identity_problem(item: Loaded, missing: str) -> Problem:
    """apiVersion or kind missing: name the object only as far as it names itself."""
    ref = item.ref() if item.kind and item.name else None
    return Problem(item.source, ref, missing, "required value")


def load(paths: Sequence[str], passthrough: bool = True) -> Inputs:
    """discover → parse → classify; problems are collected, never raised. `-` is stdin."""
    files, problems = discover([p for p in paths if p != STDIN])
    notes = [Notice(Source(p), None, KUSTOMIZATION_NOTE) for p in _kustomizations(files)]
    notes += _empty_folder_notes(paths, files)
    files = [f for f in files if f.name not in KUSTOMIZATION_FILES]
    docs: list[Loaded] = []
    if STDIN in paths:
        stdin_docs, stdin_problems = parse_stream(sys.stdin.read(), STDIN_SOURCE)
        docs.extend(stdin_docs)
        problems.extend(stdin_problems)
    for path in files:
        file_docs, file_problems = read_file(path)
        docs.extend(file_docs)
        problems.extend(file_problems)
    inputs = classify(docs, passthrough)
    inputs.problems[:0] = problems
    if not docs and not problems:
        message = "the input set has no objects: nothing to render"
        notes.append(Notice(Source(" ".join(paths)), None, message))
    inputs.notes[:0] = notes
    return inputs


def _kustomizations(files: Sequence[Path]) -> list[str]:
    return [f.as_posix() for f in files if f.name in KUSTOMIZATION_FILES]


def _empty_folder_notes(paths: Sequence[str], files: Sequence[Path]) -> list[Notice]:
    """Say so when a folder given holds no input file (a typo, or the wrong suffixes)."""
    return [
        Notice(Source(given), None, NO_FILES_NOTE)
        for given in paths
        if given != STDIN
        and Path(given).is_dir()
        and not any(_under(f, Path(given)) for f in files)
    ]


def _under(file: Path, root: Path) -> bool:
    return file == root or root in file.parents


def locate_field_from_line(path: str, doc_line: int, field_path: str) -> int:
    """Best-effort line of `field_path` in the document starting at `doc_line` of `path`.

    Only called on the error path: re-composing the file keeps node marks out of the hot path.
    Returns the line of the deepest part of the path that exists, at least `doc_line`.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        nodes = list(yaml.compose_all(text, Loader=_BaseLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return doc_line
    node = next((n for n in nodes if n is not None and n.start_mark.line + 1 == doc_line), None)
    if node is None:
        return doc_line
    line = doc_line
    for part in _split_path(field_path):
        child = _child(node, part)
        if child is None:
            break
        node, line = child
    return line


def _is_null(node: yaml.Node) -> bool:
    return isinstance(node, yaml.ScalarNode) and node.tag == "tag:yaml.org,2002:null"


def _child(node: yaml.Node, part: str | int) -> tuple[yaml.Node, int] | None:
    if isinstance(node, yaml.MappingNode) and isinstance(part, str):
        for key, value in node.value:
            if isinstance(key, yaml.ScalarNode) and key.value == part:
                return value, key.start_mark.line + 1
    if isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
        item = node.value[part]
        return item, item.start_mark.line + 1
    return None


def _split_path(path: str) -> list[str | int]:
    """`a.b[0]["x/y"].c` → ["a", "b", 0, "x/y", "c"]."""
    parts: list[str | int] = []
    i, word = 0, ""
    while i < len(path):
        ch = path[i]
        if ch == ".":
            if word:
                parts.append(word)
            word = ""
        elif ch == "[":
            if word:
                parts.append(word)
            word = ""
            end = path.find("]", i)
            if end < 0:
                break
            inner = path[i + 1 : end]
            if inner.startswith('"') and inner.endswith('"') and len(inner) >= 2:
                parts.append(inner[1:-1])
            elif inner.isdigit():
                parts.append(int(inner))
            i = end
        else:
            word += ch
        i += 1
    if word:
        parts.append(word)
    return parts
