"""Which namespaces a render may touch, and whether it may touch the whole cluster.

A platform team runs kserve-gitops for teams that write the repository. Two sources say which
namespaces objects may use, and each can only narrow the other: `--allowed-namespaces` (the
command line CI or the Argo CD plugin runs) and `allowedNamespaces` in a `.kserve-gitops.yaml`
repo config file (the repository's own). An object's set is the intersection of the flag and
every repo config file that governs its input file. Cluster-scoped objects that would be applied
are refused unless `--allow-cluster-scoped` is given: only the command line grants that, never
the repository.

A `.kserve-gitops.yaml` governs the input files in its folder and below. It is looked for in
each input PATH (for a file PATH, the folder holding it) and in every folder under it that is
read for input (hidden folders and `render -o` output skipped); never above the PATH.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from generator import k8s_names, load, scope
from generator.errors import ObjectRef, Problem, Source
from generator.load import Inputs, Loaded
from generator.records import Rendered

REPO_CONFIG_FILE = ".kserve-gitops.yaml"
ALLOWED_KEY = "allowedNamespaces"
REPO_CONFIG_KEYS = (ALLOWED_KEY,)
FLAG = "--allowed-namespaces"
CLUSTER_FLAG = "--allow-cluster-scoped"
NAMESPACE_FIELD = "metadata.namespace"
CLUSTER_SCOPED_MESSAGE = (
    f"cluster-scoped (applies to the whole cluster): refused unless {CLUSTER_FLAG}"
)

# The input lists whose objects live in a namespace: every one is applied or read for an
# InferenceService of that namespace. The inferenceservice-config ConfigMap is not among them:
# it is read as the controller's config (like --config), never applied or tied to a namespace.
_NAMESPACED_INPUTS = (
    "inference_services",
    "serving_runtimes",
    "trained_models",
    "inference_graphs",
    "llm_inference_services",
    "llm_inference_service_configs",
    "knative_config_maps",
    "service_accounts",
    "secrets",
    "passthrough",
    "kfserving",
)


@dataclass(frozen=True, slots=True)
class RepoConfig:
    """One `.kserve-gitops.yaml`: the folder it governs (its real path) and what it allows."""

    folder: str
    source: Source
    allowed_namespaces: frozenset[str] | None = None  # None: the key is absent


@dataclass(frozen=True, slots=True)
class Policy:
    """The namespace rules of one render."""

    allowed: frozenset[str] | None = None  # --allowed-namespaces; None: any namespace
    allow_cluster_scoped: bool = False
    repo: tuple[RepoConfig, ...] = ()

    def restricts(self) -> bool:
        return self.allowed is not None or any(c.allowed_namespaces is not None for c in self.repo)

    def allowed_for(self, path: str) -> tuple[frozenset[str] | None, tuple[str, ...]]:
        """The namespaces an object from input file `path` may use (None: any), and the
        flag and files that say so."""
        allowed = self.allowed
        origins = [FLAG] if allowed is not None else []
        if path == load.STDIN_SOURCE or not self.repo:
            return allowed, tuple(origins)
        folder = os.path.realpath(Path(path).parent)
        for cfg in self.repo:
            narrower = cfg.allowed_namespaces
            if narrower is None or not _within(folder, cfg.folder):
                continue
            allowed = narrower if allowed is None else allowed & narrower
            origins.append(cfg.source.path)
        return allowed, tuple(origins)


def _within(folder: str, root: str) -> bool:
    return folder == root or folder.startswith(root.rstrip(os.sep) + os.sep)


def parse_allowed(values: Sequence[str]) -> tuple[frozenset[str] | None, str | None]:
    """`--allowed-namespaces a,b` (repeatable) → the set, or None when not given, and the
    first problem with a value."""
    if not values:
        return None, None
    names = [name.strip() for value in values for name in value.split(",")]
    for name in names:
        if not name:
            return None, "an empty namespace name (expected NAME[,NAME…])"
        if k8s_names.dns1123_label_errors(name):
            return None, f"{name!r} is not a namespace name (a DNS-1123 label)"
    return frozenset(names), None


def find_repo_configs(paths: Sequence[str]) -> tuple[list[RepoConfig], list[Problem]]:
    """Every `.kserve-gitops.yaml` that governs part of the input paths, read and checked."""
    folders: dict[str, Path] = {}
    for given in paths:
        if given == load.STDIN:
            continue
        root = Path(given)
        if root.is_dir():
            # The walk enters no symlink, so each folder's real path is the root's and the rest:
            # a real path asked per folder costs a stat per level, quadratic in a repo's depth.
            real_root = Path(os.path.realpath(root))
            for folder, _ in load.input_folders(root):
                folders.setdefault(str(real_root / folder.relative_to(root)), folder)
        elif root.exists():
            folders.setdefault(os.path.realpath(root.parent), root.parent)
    found: list[RepoConfig] = []
    problems: list[Problem] = []
    for key in sorted(folders):
        marker = folders[key] / REPO_CONFIG_FILE
        if not (marker.exists() or marker.is_symlink()):
            continue
        cfg, cfg_problems = read_repo_config(marker, key)
        problems += cfg_problems
        if cfg is not None:
            found.append(cfg)
    return found, problems


def read_repo_config(marker: Path, folder: str) -> tuple[RepoConfig | None, list[Problem]]:
    """Read one repo config file strictly: unknown keys and wrong types are problems."""
    display = marker.as_posix()
    if not _within(os.path.realpath(marker), folder):
        message = "a symlink to a file outside its folder; not read"
        return None, [Problem(Source(display), None, "", message)]
    docs, problems = load.read_file(marker)
    if problems:
        return None, problems
    if not docs:  # empty, or only comments: a marker for the Argo CD plugin's discovery
        return RepoConfig(folder, Source(display)), []
    if len(docs) > 1:
        message = f"one YAML document expected, found {len(docs)}"
        return None, [Problem(docs[1].source, None, "", message)]
    return _repo_config(docs[0], folder)


def _repo_config(doc: Loaded, folder: str) -> tuple[RepoConfig | None, list[Problem]]:
    def problem(field: str, message: str) -> Problem:
        return Problem(doc.source, None, field, message)

    known = ", ".join(REPO_CONFIG_KEYS)
    problems = [
        problem(str(key), f"unknown key (a repo config file knows: {known})")
        for key in doc.doc
        if key not in REPO_CONFIG_KEYS
    ]
    value = doc.doc.get(ALLOWED_KEY)
    allowed: frozenset[str] | None = None
    if ALLOWED_KEY in doc.doc:
        if not isinstance(value, list):
            message = f"must be a list of namespace names, not {_yaml_type(value)}"
            problems.append(problem(ALLOWED_KEY, message))
        else:
            for i, name in enumerate(value):
                if not isinstance(name, str) or k8s_names.dns1123_label_errors(name):
                    shown = repr(name) if isinstance(name, str) else _yaml_type(name)
                    message = f"{shown} is not a namespace name (a DNS-1123 label)"
                    problems.append(problem(f"{ALLOWED_KEY}[{i}]", message))
            allowed = frozenset(str(name) for name in value)
    if problems:
        return None, problems
    return RepoConfig(folder, Source(doc.source.path), allowed), []


def _yaml_type(value: object) -> str:
    """What a YAML value is, in YAML's words (never the value: it is not quoted back)."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    names: dict[type, str] = {str: "a string", list: "a list", dict: "a mapping"}
    return names.get(type(value), "a value")


def members(doc: Mapping[str, Any]) -> Iterator[Mapping[str, Any]]:
    """The objects a document applies: itself, or the items of a List at any depth."""
    items = doc.get("items")
    if str(doc.get("kind", "")).endswith("List") and isinstance(items, list):
        for item in items:
            if isinstance(item, Mapping):
                yield from members(item)
        return
    yield doc


def _ref(obj: Mapping[str, Any]) -> ObjectRef:
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    namespace, name = str(meta.get("namespace") or ""), str(meta.get("name", ""))
    return ObjectRef(str(obj.get("kind", "")), namespace, name)


def _outside(namespace: str, allowed: frozenset[str], origins: Sequence[str]) -> str:
    shown = ", ".join(sorted(allowed)) or "none"
    return f"namespace {namespace} is not allowed (allowed: {shown}; by {', '.join(origins)})"


def check_inputs(inputs: Inputs, policy: Policy) -> tuple[Inputs, list[Problem]]:
    """Refuse input objects in a namespace outside their allowed set; the input set without
    them (so nothing is rendered from them) and the problems."""
    if not policy.restricts():
        return inputs, []
    crds = scope.crd_scopes(item.doc for item in inputs.passthrough)
    problems: list[Problem] = []
    out = replace(inputs)
    for attribute in _NAMESPACED_INPUTS:
        kept: list[Loaded] = []
        for item in getattr(inputs, attribute):
            found = _namespace_problems(item.doc, item.source, policy, crds)
            problems += found
            if not found:
                kept.append(item)
        setattr(out, attribute, kept)
    return out, problems


def _namespace_problems(
    doc: Mapping[str, Any],
    source: Source,
    policy: Policy,
    crds: Mapping[tuple[str, str], bool],
) -> list[Problem]:
    """An input document's objects that name a namespace outside their set."""
    allowed, origins = policy.allowed_for(source.path)
    if allowed is None:
        return []
    problems: list[Problem] = []
    for obj in members(doc):
        ref = _ref(obj)
        if scope.is_cluster_scoped(str(obj.get("apiVersion", "")), ref.kind, crds):
            continue
        if ref.namespace and ref.namespace not in allowed:
            message = _outside(ref.namespace, allowed, origins)
            problems.append(Problem(source, ref, NAMESPACE_FIELD, message))
    return problems


def check_output(rendered: Sequence[Rendered], policy: Policy) -> list[Problem]:
    """Every object about to be emitted: a namespaced one in its allowed set (with a namespace,
    when there is a set), a cluster-scoped one only with --allow-cluster-scoped (and a
    Namespace, then, only by a name in the set)."""
    crds = scope.crd_scopes(obj for item in rendered for obj in members(item.identity_object))
    problems: list[Problem] = []
    sets: dict[str, tuple[frozenset[str] | None, tuple[str, ...]]] = {}
    for item in rendered:
        path = item.source.path
        if path not in sets:
            sets[path] = policy.allowed_for(path)
        allowed, origins = sets[path]
        for obj in members(item.identity_object):
            ref = _ref(obj)
            found = _output_problem(obj, ref, allowed, origins, policy, crds)
            if found is not None:
                problems.append(Problem(item.source, ref, found[0], found[1]))
    return problems


def _output_problem(
    obj: Mapping[str, Any],
    ref: ObjectRef,
    allowed: frozenset[str] | None,
    origins: Sequence[str],
    policy: Policy,
    crds: Mapping[tuple[str, str], bool],
) -> tuple[str, str] | None:
    api_version = str(obj.get("apiVersion", ""))
    if scope.is_cluster_scoped(api_version, ref.kind, crds):
        if not policy.allow_cluster_scoped:
            return "", CLUSTER_SCOPED_MESSAGE
        namespace_object = scope.group_of(api_version) == "" and ref.kind == "Namespace"
        if namespace_object and allowed is not None and ref.name not in allowed:
            return "metadata.name", _outside(ref.name, allowed, origins)
        return None
    if allowed is None:
        return None
    if not ref.namespace:
        message = (
            "no namespace, and allowed namespaces are set: set metadata.namespace or pass "
            "--namespace"
        )
        return NAMESPACE_FIELD, message
    if ref.namespace not in allowed:
        return NAMESPACE_FIELD, _outside(ref.namespace, allowed, origins)
    return None


__all__ = [
    "REPO_CONFIG_FILE",
    "Policy",
    "RepoConfig",
    "check_inputs",
    "check_output",
    "find_repo_configs",
    "parse_allowed",
]
