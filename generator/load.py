"""Read the input set: discover files, parse YAML/JSON streams, classify documents.

The only stage that reads user files. Every document keeps its file and line so any later
problem can name them. A plain scalar means what it means to kubectl (sigs.k8s.io/yaml over
go-yaml v2, then JSON: `generator.goruntime.yamlv2.plain_value`): YAML 1.1 with `y`/`n`
booleans and Go's number syntax (`1e3` and `0o17` are numbers, `1:30` is a string), an integral
float is an integer, a timestamp stays a string. Duplicate keys are errors (the API server's
strict decoding rejects them; a silent "last one wins" hides typos).
"""

from __future__ import annotations

import itertools
import operator
import os
import re
import stat
import sys
from collections.abc import Collection, Iterator, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from generator import constants
from generator.errors import REQUIRED, Invalid, Notice, ObjectRef, Problem, Source
from generator.goruntime import yamlv2

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


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on the work one input set may cause (SECURITY.md lists them with their flags).

    The defaults are far above any real repo (a Kubernetes object is at most 1.5 MB in etcd)
    and far below what would exhaust memory or time.
    """

    file_bytes: int = 32 * 1024 * 1024
    documents_per_file: int = 100_000
    documents_total: int = 1_000_000
    alias_expansions: int = 10_000  # node visits through `*alias`, per document
    nesting_depth: int = 100
    scalar_chars: int = 1024 * 1024
    number_digits: int = 100  # integers; quantities are checked where they are parsed


DEFAULT_LIMITS = Limits()
LIMITS: ContextVar[Limits] = ContextVar("LIMITS", default=DEFAULT_LIMITS)

_TAG = "tag:yaml.org,2002:"
# A plain scalar that is not a string as kubectl reads it (go-yaml v2): a number, a boolean or
# null, built by `yamlv2.plain_value`.
_PLAIN = "tag:kserve-gitops,2026:plain"
# Plain data only: what JSON (and so the Kubernetes API) can hold. Timestamps stay strings.
_DATA_TAGS = frozenset(
    (*(_TAG + t for t in ("str", "int", "float", "bool", "null", "map", "seq", "timestamp")),
     _PLAIN)
)  # fmt: skip
_KEY_TAGS = frozenset((_TAG + "str", _TAG + "merge"))
# The first characters of the plain scalars go-yaml v2 may read as something else than a string.
_NOT_ALWAYS_STR = frozenset("+-.0123456789yYnNtTfFoO~")
_NUMBER_START = frozenset("+-.0123456789")


def _plain_tag(value: str) -> str:
    """The tag of a plain scalar as kubectl reads it: go-yaml v2 resolves it (YAML 1.1 with
    `y`/`n` booleans, Go's number syntax, no base-60 numbers; `1e3` is a number, `1:30` and
    `0o17`'s neighbours as Go's strconv decides), not PyYAML's YAML 1.1 patterns."""
    if value == "<<":
        return _TAG + "merge"
    if value and value[0] not in _NOT_ALWAYS_STR:
        return _TAG + "str"
    if len(value) > LIMITS.get().number_digits and value[0] in _NUMBER_START:
        # never converted: a number this long is refused by its length (check_node)
        return _PLAIN if yamlv2.is_number(value) else _TAG + "str"
    return _TAG + "str" if isinstance(yamlv2.plain_value(value), str) else _PLAIN


class InputLoader(_BaseLoader):
    """Safe loader: plain scalars read as kubectl reads them, timestamps as strings, duplicate
    mapping keys rejected."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return _plain_tag(value)
        return super().resolve(kind, value, implicit)  # type: ignore[no-untyped-call,no-any-return]


class _KeyError(yaml.constructor.ConstructorError):
    """Our own message naming a key (a name, never a value): shown as it is."""


def _construct_mapping(loader: InputLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    if not isinstance(node, yaml.MappingNode):  # `!!map x`: PyYAML would crash unpacking it
        raise yaml.constructor.ConstructorError(
            None, None, f"expected a mapping node, but found {node.id}", node.start_mark
        )
    loader.flatten_mapping(node)
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if not isinstance(key, str):
            raise yaml.constructor.ConstructorError(
                None, None, "a mapping key must be a string (quote it)", key_node.start_mark
            )
        if key in seen:
            raise _KeyError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        seen.add(key)
    return loader.construct_mapping(node, deep=True)


def _construct_timestamp(loader: InputLoader, node: yaml.ScalarNode) -> str:
    return str(loader.construct_scalar(node))


def _not_a(what: str, node: yaml.Node) -> yaml.constructor.ConstructorError:
    return yaml.constructor.ConstructorError(None, None, f"not {what}", node.start_mark)


def _construct_int(loader: InputLoader, node: yaml.ScalarNode) -> int | str:
    try:
        return int(loader.construct_yaml_int(node))
    except ValueError:
        # Plain `0b_` or `0x_` match YAML 1.1's int pattern but hold no digit: Go's reader
        # (strconv) keeps them as strings, and so does this one. `!!int x` is an error.
        # (libyaml marks a plain scalar's style '', PyYAML None; an explicit `!!int 0b_`
        # cannot be told from a plain one and is kept as a string too.)
        if _digitless_plain_int(loader, node):
            return str(node.value)
        raise _not_a("an integer", node) from None


def _digitless_plain_int(resolver: Any, node: yaml.ScalarNode) -> bool:
    """A plain scalar the resolver made an !!int that holds no digit (`0b_`, `0x_`)."""
    implicit = resolver.resolve(yaml.ScalarNode, node.value, (True, False))
    return not node.style and implicit == node.tag


def _construct_bool(loader: InputLoader, node: yaml.ScalarNode) -> bool:
    try:
        return bool(loader.construct_yaml_bool(node))
    except KeyError:  # `!!bool x`
        raise _not_a("a boolean", node) from None


def _construct_float(loader: InputLoader, node: yaml.ScalarNode) -> float:
    try:
        value = loader.construct_yaml_float(node)
    except ValueError:  # `!!float x`
        raise _not_a("a number", node) from None
    if value != value or value in (float("inf"), float("-inf")):
        # JSON (and so every Kubernetes object) has no NaN or Infinity.
        raise yaml.constructor.ConstructorError(
            None, None, "NaN and Infinity are not JSON numbers", node.start_mark
        )
    return float(value)


def _construct_plain(loader: InputLoader, node: yaml.ScalarNode) -> Any:
    value = yamlv2.plain_value(node.value)
    if isinstance(value, float) and (value != value or value in (_INF, -_INF)):
        # JSON (and so every Kubernetes object) has no NaN or Infinity.
        raise yaml.constructor.ConstructorError(
            None, None, "NaN and Infinity are not JSON numbers", node.start_mark
        )
    return value


InputLoader.add_constructor(_PLAIN, _construct_plain)
InputLoader.add_constructor(_TAG + "map", _construct_mapping)
InputLoader.add_constructor(_TAG + "timestamp", _construct_timestamp)
InputLoader.add_constructor(_TAG + "float", _construct_float)
InputLoader.add_constructor(_TAG + "int", _construct_int)
InputLoader.add_constructor(_TAG + "bool", _construct_bool)


class LimitExceeded(Exception):
    """One document breaks a limit or holds what JSON cannot: `mark` is where."""

    def __init__(self, line: int, reason: str) -> None:
        self.line = line
        self.reason = reason
        super().__init__(reason)


def check_node(root: yaml.Node, limits: Limits) -> None:
    """Walk a composed document before building it: depth, aliases, tags, keys, sizes.

    Iterative and budgeted, so a billion-laughs or self-referencing alias stops after
    `alias_expansions` revisits instead of expanding.
    """
    stack: list[tuple[yaml.Node, int]] = [(root, 1)]
    seen: set[int] = set()
    revisits = 0
    while stack:
        node, depth = stack.pop()
        line = node.start_mark.line + 1
        if id(node) in seen:
            revisits += 1
            if revisits > limits.alias_expansions:
                raise LimitExceeded(
                    line, f"aliases expand to more than {limits.alias_expansions} nodes"
                )
        seen.add(id(node))
        if depth > limits.nesting_depth:
            raise LimitExceeded(line, f"nested deeper than {limits.nesting_depth} levels")
        if node.tag not in _DATA_TAGS:
            raise LimitExceeded(
                line, "unsupported YAML tag (only maps, lists, strings, numbers, booleans, null)"
            )
        if node.tag == _TAG + "map" and not isinstance(node, yaml.MappingNode):
            # `!!map [a]`, `!!map ab`: PyYAML's flatten_mapping fails with a bare TypeError.
            found = "scalar" if isinstance(node, yaml.ScalarNode) else "sequence"
            raise LimitExceeded(line, f"invalid YAML: expected a mapping node, but found {found}")
        if isinstance(node, yaml.ScalarNode):
            _check_scalar(node, line, limits)
        elif isinstance(node, yaml.MappingNode):
            for key, value in node.value:
                if not isinstance(key, yaml.ScalarNode) or key.tag not in _KEY_TAGS:
                    raise LimitExceeded(
                        key.start_mark.line + 1, "a mapping key must be a string (quote it)"
                    )
                stack.append((key, depth + 1))
                stack.append((value, depth + 1))
        else:
            stack.extend((item, depth + 1) for item in node.value)


def _check_scalar(node: yaml.ScalarNode, line: int, limits: Limits) -> None:
    if len(node.value) > limits.scalar_chars:
        raise LimitExceeded(line, f"a value longer than {limits.scalar_chars} characters")
    if node.tag in (_TAG + "int", _PLAIN) and len(node.value) > limits.number_digits:
        raise LimitExceeded(line, f"a number longer than {limits.number_digits} digits")
    what = _TYPED_SCALARS.get(node.tag)
    if what is not None and not _fits_tag(node):
        # An explicit tag on a value that is not one (`!!int abc`): PyYAML raises a bare
        # ValueError or KeyError (a traceback); say which tag, never the value.
        raise LimitExceeded(line, f"invalid YAML: a value tagged !!{node.tag[len(_TAG) :]} "
                                  f"that is not {what}")  # fmt: skip


# Scalar tags whose constructor can fail on the value, and what such a value must be.
_TYPED_SCALARS = {
    _TAG + "int": "an integer",
    _TAG + "float": "a number",
    _TAG + "bool": "a boolean",
}
_SCALAR_CHECKER = yaml.SafeLoader("")  # its constructors only read the node given


def _fits_tag(node: yaml.ScalarNode) -> bool:
    construct = _SCALAR_CHECKER.yaml_constructors[node.tag]
    try:
        construct(_SCALAR_CHECKER, node)
    except (ValueError, KeyError):
        # `0b_` stays a string (_construct_int), as Go reads it; `!!int abc` does not fit.
        return node.tag == _TAG + "int" and _digitless_plain_int(_SCALAR_CHECKER, node)
    return True


# PyYAML quotes the offending text in some messages ('!<value>', "found 'x'"): a Secret's
# value must never reach a message, so quoted parts are elided.
_QUOTED = re.compile(r"'[^'\n]*'|\"[^\"\n]*\"")


def _reason(text: str) -> str:
    return " ".join(_QUOTED.sub("…", text).split())  # one line


def yaml_error(err: yaml.YAMLError) -> tuple[int, str]:
    """A PyYAML error as (1-based line or 0, one line of text quoting no value)."""
    if not isinstance(err, yaml.MarkedYAMLError):
        return 0, _reason(str(err))
    mark = err.problem_mark or err.context_mark
    what = err.problem or err.context or "invalid YAML"
    return (mark.line + 1 if mark else 0), what if isinstance(err, _KeyError) else _reason(what)


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
    # Every other v1 ConfigMap, passed through, and read for the CA bundle KServe copies.
    other_config_maps: list[Loaded] = field(default_factory=list)
    cluster_storage_containers: list[Loaded] = field(default_factory=list)
    service_accounts: list[Loaded] = field(default_factory=list)
    # LocalModelCaches and LocalModelNamespaceCaches: read by the defaulting webhook (when
    # localModel.enabled) and passed through for KServe's LocalModel controller.
    local_model_caches: list[Loaded] = field(default_factory=list)
    # LocalModelNodeGroups: their volume specs give a cache's serving PV and PVC; passed through
    local_model_node_groups: list[Loaded] = field(default_factory=list)
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

# The local model caches the defaulters list, and the node groups whose volumes they use
# (v1alpha1 is their one version).
LOCAL_MODEL_CACHE_API_VERSION = KSERVE_API_GROUP_PREFIX + "v1alpha1"
LOCAL_MODEL_KINDS = {
    "LocalModelCache": "local_model_caches",
    "LocalModelNamespaceCache": "local_model_caches",
    "LocalModelNodeGroup": "local_model_node_groups",
}


def _meta(doc: dict[str, Any]) -> dict[str, Any]:
    meta = doc.get("metadata")
    return meta if isinstance(meta, dict) else {}


def discover(paths: Sequence[str], known: Collection[str] = ()) -> tuple[list[Path], list[Problem]]:
    """Every input file under `paths`: sorted, hidden entries and symlinked folders skipped.

    A file found in a folder is read only when its real path stays inside that folder: a
    symlink in a repo must not pull in a kubeconfig or /dev/zero from elsewhere. Files in
    `known` (as `Path.as_posix()` spells them) are not read, so their real path is not asked.
    """
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for given in paths:
        root = Path(given)
        if root.is_dir():
            inside = os.path.realpath(root)
            for file, link in _walk(root):
                if known and file.as_posix() in known:
                    found[file.as_posix()] = file
                elif not link or _within(os.path.realpath(file), inside):
                    # _walk enters no symlinked folder, so only a symlink can lead outside
                    found[file.as_posix()] = file
                else:
                    message = "a symlink to a file outside the input paths; not read"
                    problems.append(Problem(Source(file.as_posix()), None, "", message))
        elif root.exists() or root.is_symlink():
            found[root.as_posix()] = root  # named by the user; read_file checks it is regular
        else:
            problems.append(Problem(Source(given), None, "", "no such file or directory"))
    return [found[key] for key in sorted(found)], problems


def _walk(root: Path) -> Iterator[tuple[Path, bool]]:
    """The input files under `root` in order, each with whether it is a symlink."""
    for folder, files in input_folders(root):
        for name, link in files:
            if not name.startswith(".") and name.endswith(INPUT_SUFFIXES):
                yield folder / name, link


def input_folders(root: Path) -> Iterator[tuple[Path, list[tuple[str, bool]]]]:
    """Each folder under `root` that input files are read from, in os.walk's order and with its
    choices (symlinked folders listed but not entered; hidden folders and our own output
    skipped), with its entries that are not folders, sorted: (name, is a symlink). One
    directory listing per folder, and no recursion: a repo may nest folders to any depth."""
    pending = [root]
    while pending:
        folder = pending.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError:
            continue
        dirs = {e.name: e for e in entries if _entry_is_dir(e)}
        if any(e.name == RENDERED_DIR_MARKER and e.name not in dirs for e in entries):
            continue  # our own output (render -o) is never input
        yield folder, sorted((e.name, _is_link(e)) for e in entries if e.name not in dirs)
        inner = sorted(n for n, e in dirs.items() if not n.startswith(".") and not _is_link(e))
        pending += [folder / name for name in reversed(inner)]


def _is_link(entry: os.DirEntry[str]) -> bool:
    """A symlink, or an entry whose kind cannot be read (then treated as one: checked, not
    entered)."""
    try:
        return entry.is_symlink()
    except OSError:
        return True


def _entry_is_dir(entry: os.DirEntry[str]) -> bool:
    """os.walk's test: a folder, or a symlink to one; an entry that cannot be read is a file."""
    try:
        return entry.is_dir()
    except OSError:
        return False


def _within(real: str, folder: str) -> bool:
    return real == folder or real.startswith(folder.rstrip(os.sep) + os.sep)


def parse_stream(text: str, source_path: str) -> tuple[list[Loaded], list[Problem]]:
    """Parse one file's multi-document stream; empty documents are skipped.

    The fast path builds the documents straight from libyaml's nodes; any stream it is not
    sure about (anchors, odd tags, a limit reached, an error) goes to `parse_checked`, which
    defines the result and every message.
    """
    docs = _parse_fast(text, source_path)
    return (docs, []) if docs is not None else parse_checked(text, source_path)


class _Defer(Exception):
    """The fast path leaves this stream to `parse_checked`."""


_STR, _INT, _FLOAT, _BOOL, _NULL, _TIMESTAMP, _MAP, _SEQ = (
    _TAG + t for t in ("str", "int", "float", "bool", "null", "timestamp", "map", "seq")
)
_BOOL_VALUES = yaml.constructor.SafeConstructor.bool_values
_RESOLVED: dict[str, str] = {}  # plain scalar -> its implicit tag (a pure function of the text)
_RESOLVED_MAX = 100_000


class _FastLoader(_BaseLoader):
    """The C parser and composer, with the per-node Python calls they make cut to the bone.

    Keys and common values repeat in every file, so the tag of a plain scalar is memoised;
    quoted scalars and collections need no lookup. There are no path resolvers, so the two
    calls around every node are no-ops: a C builtin taking the same arguments does nothing
    faster than a Python method (`_parse_fast` makes the second one count the nodes).
    """

    descend_resolver = operator.is_  # type: ignore[assignment]  # (parent, index) -> ignored
    ascend_resolver = tuple  # type: ignore[assignment]  # () -> ignored

    def resolve(self, kind: type[yaml.Node], value: Any, implicit: Any) -> str:
        if kind is not yaml.ScalarNode:
            return _MAP if kind is yaml.MappingNode else _SEQ
        if not implicit[0]:
            return _STR  # quoted (or tagged `!`): a string, as BaseResolver.resolve decides
        tag = _RESOLVED.get(value)
        if tag is None:
            tag = _plain_tag(value)
            if len(value) <= 64:  # bounded: hostile input cannot grow it without end
                if len(_RESOLVED) >= _RESOLVED_MAX:
                    _RESOLVED.clear()
                _RESOLVED[value] = tag
        return tag


if _FastLoader.yaml_path_resolvers:  # pragma: no cover - the no-op calls above rely on it
    raise ImportError("load: the safe loader has path resolvers; _FastLoader needs none")


def _parse_fast(text: str, source_path: str) -> list[Loaded] | None:
    """The documents of a stream that breaks no rule, or None to defer to `parse_checked`.

    One recursive, depth-bounded pass per document both checks and builds, doing just what
    the checked path's constructors do for plain data. The composer calls `ascend_resolver`
    once per node it makes (never for an alias), so a document whose build visits more
    nodes than that uses aliases, and defers at the first extra visit: billion laughs and
    cycles are counted by check_node, and shared nodes stay shared objects.
    """
    limits = LIMITS.get()
    loader = _FastLoader(text)
    composed = itertools.count()
    loader.ascend_resolver = composed.__next__  # type: ignore[assignment]
    build = _Builder(loader, limits)
    loaded: list[Loaded] = []
    try:
        while loader.check_node():
            before = next(composed)
            node = loader.get_node()
            if node is None or len(loaded) >= limits.documents_per_file:
                return None
            doc = build(node, next(composed) - before - 1)
            if doc is None:
                continue
            if doc.__class__ is not dict:
                return None
            loaded.append(Loaded(doc, Source(source_path, node.start_mark.line + 1)))
    except Exception:  # whatever went wrong, the checked path says what, and where
        return None
    finally:
        loader.dispose()
    return loaded


class _Builder:
    """builder(root, nodes): the document's plain value; _Defer where `parse_checked` must look.

    `nodes` is how many nodes the composer made: one more visit means an alias.
    """

    def __init__(self, loader: _FastLoader, limits: Limits) -> None:
        self.typed = _typed_scalar(loader, limits.number_digits)
        self.limits = limits

    def __call__(self, root: yaml.Node, nodes: int) -> Any:
        max_depth, max_chars, typed = (
            self.limits.nesting_depth,
            self.limits.scalar_chars,
            self.typed,
        )
        scalar_node, mapping_node = yaml.ScalarNode, yaml.MappingNode
        left = nodes

        def build(node: Any, depth: int) -> Any:
            nonlocal left
            left -= 1
            if depth > max_depth or left < 0:
                raise _Defer
            cls, tag, value = node.__class__, node.tag, node.value
            if cls is scalar_node:
                if len(value) > max_chars:
                    raise _Defer
                return value if tag == _STR else typed(node, tag, value)
            if cls is mapping_node:
                if tag != _MAP:
                    raise _Defer
                mapping: dict[str, Any] = {}
                for key_node, value_node in value:
                    left -= 1
                    key = key_node.value
                    if key_node.__class__ is not scalar_node or key_node.tag != _STR:
                        raise _Defer  # not a string, or `<<` (merge)
                    if key in mapping or len(key) > max_chars:
                        raise _Defer
                    mapping[key] = build(value_node, depth + 1)
                return mapping
            if tag != _SEQ:
                raise _Defer
            return [build(item, depth + 1) for item in value]

        return build(root, 1)


def _typed_scalar(loader: _FastLoader, max_digits: int) -> Any:
    """typed(node, tag, value): a scalar that is not a string, as the checked path builds it."""

    def typed(node: Any, tag: str, value: str) -> Any:
        if tag == _PLAIN:
            if len(value) > max_digits:
                raise _Defer
            plain = yamlv2.plain_value(value)
            if plain.__class__ is float and (plain != plain or plain in (_INF, -_INF)):
                raise _Defer  # not JSON
            return plain
        if tag == _INT:
            if len(value) > max_digits:
                raise _Defer
            if value.isascii() and value.isdigit() and (value[0] != "0" or len(value) == 1):
                return int(value)
            return loader.construct_yaml_int(node)  # signs, 0x, 0o, 1_000, 1:30
        if tag == _NULL:
            return None
        if tag == _BOOL:
            return _BOOL_VALUES[value.lower()]
        if tag == _TIMESTAMP:
            return value  # timestamps stay strings
        if tag == _FLOAT:
            number = loader.construct_yaml_float(node)
            if number != number or number in (_INF, -_INF):
                raise _Defer  # not JSON
            return number
        raise _Defer

    return typed


_INF = float("inf")


def parse_checked(text: str, source_path: str) -> tuple[list[Loaded], list[Problem]]:
    """Parse one stream node by node, checking every limit and rule before building: the
    reference for `parse_stream`'s result and the source of every problem it reports."""
    limits = LIMITS.get()
    loaded: list[Loaded] = []
    loader = InputLoader(text)
    try:
        while loader.check_node():
            node = loader.get_node()
            if node is None:  # pragma: no cover - check_node said there is one
                break
            source = Source(source_path, node.start_mark.line + 1)
            if len(loaded) >= limits.documents_per_file:
                message = f"more than {limits.documents_per_file} documents in one file"
                return loaded, [Problem(source, None, "", message)]
            check_node(node, limits)
            doc = loader.construct_document(node)
            if doc is None:
                continue
            if not isinstance(doc, dict):
                what = _yaml_type(doc)
                message = f"a document must be a mapping (a Kubernetes object), not {what}"
                return loaded, [Problem(source, None, "", message)]
            loaded.append(Loaded(doc, source))
    except LimitExceeded as err:
        return loaded, [Problem(Source(source_path, err.line), None, "", err.reason)]
    except yaml.YAMLError as err:
        line, what = yaml_error(err)
        return loaded, [Problem(Source(source_path, line), None, "", f"invalid YAML: {what}")]
    except (RecursionError, MemoryError):
        message = "invalid YAML: too deeply nested or too large to read"
        return loaded, [Problem(Source(source_path), None, "", message)]
    finally:
        loader.dispose()
    return loaded, []


def _yaml_type(value: object) -> str:
    return {list: "a list", str: "a string", int: "a number", float: "a number"}.get(
        type(value), type(value).__name__
    )


def read_file(path: Path) -> tuple[list[Loaded], list[Problem]]:
    """Read and parse one input file: a regular file, at most `Limits.file_bytes` long."""
    data, problems = read_bytes(path)
    return ([], problems) if data is None else parse_bytes(data, path.as_posix())


def read_bytes(path: Path) -> tuple[bytes | None, list[Problem]]:
    """The bytes of a regular file at most `Limits.file_bytes` long, else None and why (a FIFO
    is refused without waiting for a writer, /dev/zero without reading it)."""
    display = path.as_posix()
    limit = LIMITS.get().file_bytes
    try:
        # O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK)
        try:
            status = os.fstat(fd)
            if not stat.S_ISREG(status.st_mode):
                return None, [Problem(Source(display), None, "", "not a regular file; not read")]
            data = _read_up_to(fd, limit + 1, status.st_size)
        finally:
            os.close(fd)
    except OSError as err:
        return None, [Problem(Source(display), None, "", f"cannot read: {err.strerror}")]
    if len(data) > limit:
        return None, [Problem(Source(display), None, "", f"larger than {limit} bytes")]
    return data, []


def _read_up_to(fd: int, size: int, expected: int) -> bytes:
    """At most `size` bytes of a regular file `expected` bytes long, without a file object's
    buffer. The first read asks for one byte more than expected, not for `size`: os.read
    allocates what it is asked for, and 32 MiB per file cost 0.3 s over 10,000 input files.
    A file that grows (or says 0, as in /proc) is read on in 64 KiB steps."""
    chunks: list[bytes] = []
    want = min(size, expected + 1)
    while size > 0:
        chunk = os.read(fd, want)
        if not chunk:
            break
        chunks.append(chunk)
        size -= len(chunk)
        want = min(size, 1 << 16)
    return b"".join(chunks) if len(chunks) != 1 else chunks[0]


def parse_bytes(data: bytes, display: str) -> tuple[list[Loaded], list[Problem]]:
    """UTF-8 text parsed as a YAML stream; Helm templates get a hint when they do not parse."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        return [], [Problem(Source(display), None, "", f"not UTF-8 text: {err.reason}")]
    docs, problems = parse_stream(text, display)
    if problems and "{{" in text:
        problems = [_with_hint(p, HELM_HINT) for p in problems]
    return docs, problems


def read_stdin() -> tuple[list[Loaded], list[Problem]]:
    """Standard input (`-`), within the same size limit as a file."""
    limit = LIMITS.get().file_bytes
    data = sys.stdin.buffer.read(limit + 1)
    if len(data) > limit:
        return [], [Problem(Source(STDIN_SOURCE), None, "", f"larger than {limit} bytes")]
    return parse_bytes(data, STDIN_SOURCE)


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
        item = _without_secrets(item, inputs.secrets)
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
        elif api_version == "v1" and kind == "ConfigMap":
            _classify_config_map(item, inputs, passthrough)
        elif api_version == "v1" and kind == "ServiceAccount":
            inputs.service_accounts.append(item)
            if passthrough:
                inputs.passthrough.append(item)
        elif api_version == LOCAL_MODEL_CACHE_API_VERSION and kind in LOCAL_MODEL_KINDS:
            getattr(inputs, LOCAL_MODEL_KINDS[kind]).append(item)
            if passthrough:
                inputs.passthrough.append(item)
        elif kind in ("Secret", "SecretList"):
            # Read for key names only. Not passed through: a plain Secret in git holds its
            # values, and rendered output must never carry secret values (commit a
            # SealedSecret or an ExternalSecret instead; those pass through).
            if api_version == "v1" and kind == "Secret":
                inputs.secrets.append(item)
        elif passthrough:
            inputs.passthrough.append(item)
    return inputs


def _classify_config_map(item: Loaded, inputs: Inputs, passthrough: bool) -> None:
    """inferenceservice-config is consumed; Knative's ConfigMaps (read for hosts) and every
    other one (read for the CA bundle KServe copies) still pass through."""
    if item.name == constants.INFERENCE_SERVICE_CONFIG_MAP_NAME:
        inputs.config_maps.append(item)
        return
    if item.name in KNATIVE_CONFIG_MAPS:
        inputs.knative_config_maps.append(item)
    else:
        inputs.other_config_maps.append(item)
    if passthrough:
        inputs.passthrough.append(item)


def _unidentified(item: Loaded) -> Problem | None:
    """Why a document cannot be classified (no string apiVersion or kind, metadata not a
    mapping), else None."""
    api_version, kind = item.doc.get("apiVersion"), item.doc.get("kind")
    if (not api_version and not kind) or (not (api_version and kind) and _helm_file(item)):
        return not_an_object(item)
    if not isinstance(api_version, str) or not api_version:
        return _identity_problem(item, "apiVersion")
    if not isinstance(kind, str) or not kind:
        return _identity_problem(item, "kind")
    if not isinstance(item.doc.get("metadata", {}), dict | None):
        # The API server cannot decode it into ObjectMeta; every later stage reads it as a map.
        what = _yaml_type(item.doc["metadata"])
        return Problem(item.source, None, "metadata", f"must be a mapping, not {what}")
    return None


def _identity_problem(item: Loaded, missing: str) -> Problem:
    """apiVersion or kind missing: name the object only as far as it names itself."""
    ref = item.ref() if item.kind and item.name else None
    return Problem(item.source, ref, missing, REQUIRED)


def _without_secrets(item: Loaded, secrets: list[Loaded]) -> Loaded:
    """A List (of any kind) with every Secret item, at any depth, moved to `secrets`."""
    items = item.doc.get("items")
    if not isinstance(items, list) or item.doc.get("kind") in ("Secret", "SecretList"):
        return item
    kept: list[Any] = []
    for child in items:
        if not isinstance(child, dict):
            kept.append(child)
            continue
        inner = _without_secrets(Loaded(child, item.source), secrets)
        if inner.doc.get("kind") in ("Secret", "SecretList"):
            if inner.doc.get("apiVersion") == "v1" and inner.doc.get("kind") == "Secret":
                secrets.append(inner)
            continue
        kept.append(inner.doc)
    if len(kept) == len(items) and all(a is b for a, b in zip(kept, items, strict=True)):
        return item
    return Loaded({**item.doc, "items": kept}, item.source)


def load(
    paths: Sequence[str],
    passthrough: bool = True,
    skip: Collection[str] = (),
    skipped_documents: int = 0,
) -> Inputs:
    """discover → parse → classify; problems are collected, never raised. `-` is stdin.

    `skip` names files found under `paths` (as `Path.as_posix()` spells them) that are not
    read, holding `skipped_documents` documents in all: a render of part of the input set
    whose other part is known to render as before (delta.py)."""
    files, problems = discover([p for p in paths if p != STDIN], skip)
    notes = [Notice(Source(p), None, KUSTOMIZATION_NOTE) for p in _kustomizations(files)]
    notes += _empty_folder_notes(paths, files)
    files = [f for f in files if f.name not in KUSTOMIZATION_FILES]
    if skip:
        files = [f for f in files if f.as_posix() not in skip]
    docs: list[Loaded] = []
    limit = LIMITS.get().documents_total - skipped_documents
    if STDIN in paths:
        stdin_docs, stdin_problems = read_stdin()
        docs.extend(stdin_docs)
        problems.extend(stdin_problems)
    for path in files:
        file_docs, file_problems = read_file(path)
        docs.extend(file_docs)
        problems.extend(file_problems)
        if len(docs) > limit:
            message = f"the input paths hold more than {limit} documents"
            problems.append(Problem(Source(path.as_posix()), None, "", message))
            break
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


Documents = Mapping[int, yaml.Node]  # a file's top-level nodes by the line each starts on


def compose_documents(path: str) -> Documents:
    """The documents of `path` as nodes with their marks, by first line; none if unreadable.

    Only called on the error path, once per file: keeping node marks out of the hot path.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
        nodes = list(yaml.compose_all(text, Loader=_BaseLoader))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    found: dict[int, yaml.Node] = {}
    for node in nodes:
        if node is not None:
            found.setdefault(node.start_mark.line + 1, node)
    return found


def locate_field(documents: Documents, doc_line: int, field_path: str) -> int:
    """Best-effort line of `field_path` in the document starting at `doc_line`: the line of
    the deepest part of the path that exists, at least `doc_line`."""
    node = documents.get(doc_line)
    if node is None:
        return doc_line
    line = doc_line
    for part in _split_path(field_path):
        child = _child(node, part)
        if child is None:
            break
        node, line = child
    return line


def locate_field_from_line(path: str, doc_line: int, field_path: str) -> int:
    """`locate_field` in the file `path`, composed afresh."""
    return locate_field(compose_documents(path), doc_line, field_path)


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
