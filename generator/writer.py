"""The rendered directory that Argo CD or Flux syncs: one file per object, sharded, atomic, pruned.

Layout: `DIR/<namespace>/<inferenceservice>/<kind>-<name>.yaml`, input objects passed through
under `DIR/<namespace>/_passthrough/`, cluster-scoped objects under `DIR/_cluster/`. Every
top-level folder is a shard with its own `kustomization.yaml` listing exactly its files, so a
namespace builds, applies and reviews on its own (`kustomize build` grows much faster than
linearly with the objects in one build, kubernetes-sigs/kustomize#5084). `DIR/kustomization.yaml`
lists the shard folders; each shard's `.kserve-gitops-index.json` records which input produced
which of its files, with its content hash, and DIR's lists the shards (rendered_index.py).

Atomicity: the new tree is built beside DIR and exchanged with it in one `renameat2(2)`
RENAME_EXCHANGE call, so a process killed at any moment leaves DIR holding either the old
complete render or the new one. When all that changes lies inside one shard folder (its index
included), only that folder is built and exchanged: as atomic, in O(shard). A change known to
lie in several shards (`write_change`) builds the whole tree from hard links of every other
file, unread, so that one exchange still makes it DIR. Where the exchange
is not available, the whole tree is swapped with two renames and an interrupted swap is
finished or rolled back on the next run. Everything the index does not
list (a person's files, symlinks, empty folders, folder modes) is carried over untouched; only
files this tool wrote are ever pruned. One writer at a time: `locked()` holds an advisory lock
on DIR's parent folder around plan, write and swap (dirlock.py); the index is read and checked
by rendered_index.py.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import functools
import hashlib
import json
import os
import re
import shutil
import stat
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NamedTuple

from generator import parallel
from generator.errors import REQUIRED, Invalid, Problem, ProblemsFound, Source
from generator.output import Rendered, dump_yaml, yaml_of
from generator.rendered_index import CLUSTER_DIR as CLUSTER_DIR  # the layout, for callers
from generator.rendered_index import FLUX_DIR as FLUX_DIR
from generator.rendered_index import INDEX_NAME as INDEX_NAME
from generator.rendered_index import (
    INDEX_VERSION,
    Index,
    file_name,
    kind_part,
    read_index,
    read_shard_index,
)
from generator.rendered_index import KUSTOMIZATION as KUSTOMIZATION
from generator.rendered_index import NAME_MAX as NAME_MAX

PASSTHROUGH_DIR = "_passthrough"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
_SAFE_PART = re.compile(r"[a-z0-9]([a-z0-9._-]*[a-z0-9])?")

# Test hook: called with a step name at each point where a crash must leave DIR consistent.
CrashHook = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a write did, for the CLI to say."""

    written: list[str] = field(default_factory=list)  # paths (relative to DIR) new or changed
    pruned: list[str] = field(default_factory=list)  # our files no longer rendered
    kept: list[str] = field(default_factory=list)  # a person's files, links, folders (`x/`)
    unchanged: int = 0
    recovered: list[str] = field(default_factory=list)  # leftovers of a killed run, cleaned


class Plan(NamedTuple):
    """What `render -o` would write: path → text, path → input file, problems, and for file
    names shortened to fit the file system, path → the object they hold."""

    files: dict[str, str]
    sources: dict[str, str]
    problems: list[Problem]
    objects: dict[str, str]


def relative_path(item: Rendered, shard: str | None = None) -> str | Invalid:
    """Where an object lives inside the rendered directory (POSIX, relative); `shard` is a
    finer shard folder than its namespace's (`<namespace>.<label value>`, --shard-label)."""
    kind = kind_part(item.api_version, item.kind)
    checks = (("namespace", item.namespace), ("owner", item.owner), ("name", item.name),
              ("kind", kind))  # fmt: skip
    for what, part in checks:
        if part and (not _SAFE_PART.fullmatch(part) or ".." in part):
            return Invalid("metadata.name", f"cannot be a file name ({what} {part!r})")
    if not item.name:
        return Invalid("metadata.name", REQUIRED)
    if shard is not None and not _SAFE_PART.fullmatch(shard):
        return Invalid("metadata.labels", f"cannot be a folder name (shard {shard!r})")
    folder = shard or item.namespace or CLUSTER_DIR
    owner = item.owner or PASSTHROUGH_DIR
    return f"{folder}/{owner}/{file_name(f'{kind}-{item.name}')}"


def plan(items: Sequence[Rendered], shards: Mapping[tuple[str, str], str] | None = None) -> Plan:
    """The files for the objects (relative path → text, → input file), or problems.

    `shards` puts the objects of some (namespace, owner) into a shard folder of their own."""
    found = Plan({}, {}, [], {})
    for item in items:
        rel = relative_path(item, (shards or {}).get((item.namespace, item.owner)))
        if isinstance(rel, Invalid):
            found.problems.append(Problem(item.source, None, rel.field, rel.message))
            continue
        if rel in found.files:
            message = f"two objects would be written to {rel}"
            found.problems.append(Problem(item.source, None, "metadata.name", message))
            continue
        found.files[rel] = yaml_of(item)
        found.sources[rel] = item.source.path
        if not rel.endswith(f"-{item.name}.yaml"):
            ns = f"{item.namespace}/" if item.namespace else ""
            found.objects[rel] = f"{item.obj.get('apiVersion')} {item.kind} {ns}{item.name}"
    return found


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


# --- kustomizations --------------------------------------------------------------------------


def shard_of(rel: str) -> str:
    """The top-level folder (namespace, `<namespace>.<label value>`, `_cluster` or `_flux`) a
    rendered file belongs to."""
    return rel.split("/", 1)[0]


def label_shards(
    admitted: Iterable[tuple[str, str, Mapping[str, Any]]], key: str
) -> dict[tuple[str, str], str]:
    """(namespace, InferenceService) → `<namespace>.<value>` for those labelled `key`: a finer
    shard for a namespace too big for one kustomize build (a namespace holds no dot)."""
    return {
        (namespace, name): f"{namespace}.{labels[key]}"
        for namespace, name, labels in admitted
        if isinstance(labels.get(key), str) and labels[key]
    }


def kustomization(paths: Iterable[str], what: str = "every manifest file in this folder") -> str:
    """A kustomization listing `paths`, so `kustomize build` takes them as they are."""
    doc = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(paths),
    }
    return f"# Written by kserve-gitops; lists {what}.\n" + dump_yaml(doc)


def kustomization_paths(files: Iterable[str]) -> set[str]:
    """Where `kustomizations(files)` puts its files, without writing them."""
    return {f"{shard_of(rel)}/{KUSTOMIZATION}" for rel in files} | {KUSTOMIZATION}


def index_paths(files: Iterable[str]) -> set[str]:
    """Where the shards' own indexes go (DIR's is beside them, always ours)."""
    return {f"{unit}/{INDEX_NAME}" for unit in map(_unit, files) if unit}


def kustomizations(files: Iterable[str]) -> dict[str, str]:
    """The kustomization of each shard (its files, relative to it) and of DIR (its shards)."""
    by_shard: dict[str, list[str]] = {}
    for rel in files:
        shard, _, inner = rel.partition("/")
        by_shard.setdefault(shard, []).append(inner)
    out = {f"{shard}/{KUSTOMIZATION}": kustomization(inner) for shard, inner in by_shard.items()}
    shards = [s for s in by_shard if s != FLUX_DIR]
    out[KUSTOMIZATION] = kustomization(shards, "the shard folders; each builds on its own")
    return out


# --- the tree on disk ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Entry:
    rel: str
    # The type bits as the folder listing gives them; permission bits too for folders and for
    # anything that is neither a regular file nor a symlink (files need no lstat each).
    mode: int


def _scan(root: Path) -> dict[str, _Entry]:
    """Every file, symlink and folder under root (not following symlinks), by relative path."""
    found: dict[str, _Entry] = {}
    if not root.is_dir():
        return found
    stack = [(str(root), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for entry in entries:
                rel = f"{prefix}{entry.name}"
                if entry.is_symlink():
                    mode = stat.S_IFLNK
                elif entry.is_file(follow_symlinks=False):
                    mode = stat.S_IFREG
                else:  # a folder (its mode is carried over) or something to refuse
                    mode = entry.stat(follow_symlinks=False).st_mode
                found[rel] = _Entry(rel, mode)
                if stat.S_ISDIR(mode):
                    stack.append((entry.path, rel + "/"))
    return found


def _ancestors(rel: str) -> Iterator[str]:
    parts = rel.split("/")
    for i in range(1, len(parts)):
        yield "/".join(parts[:i])


def _folders(paths: Iterable[str]) -> set[str]:
    """Every folder holding one of `paths` (what `_ancestors` gives for each, all at once)."""
    found: set[str] = set()
    for rel in paths:
        folder = rel.rpartition("/")[0]
        while folder and folder not in found:  # its own folders are in already
            found.add(folder)
            folder = folder.rpartition("/")[0]
    return found


def _theirs(tree: Mapping[str, _Entry], ours: set[str]) -> list[_Entry]:
    """What a person put in DIR: entries that are neither our files nor folders holding them."""
    our_folders = _folders(ours)
    return [
        e
        for rel, e in sorted(tree.items())
        if rel not in ours and rel not in our_folders and rel != INDEX_NAME
    ]


def _reported(theirs: Sequence[_Entry]) -> list[str]:
    """A person's entries, each once: a folder that is wholly theirs stands for its contents."""
    folders = {e.rel for e in theirs if stat.S_ISDIR(e.mode)}
    out = []
    for e in theirs:
        if any(a in folders for a in _ancestors(e.rel)):
            continue
        out.append(e.rel + "/" if stat.S_ISDIR(e.mode) else e.rel)
    return out


@dataclass(frozen=True, slots=True)
class Found:
    """DIR as one run found it, with the lock held: listed once, for every later step."""

    root: Path  # resolved (resolve_dir)
    recovered: list[str]  # leftovers of a killed run, cleaned before looking
    tree: dict[str, _Entry]
    index: Index  # validated against `tree`


def look(root: Path) -> Found:
    """Clean what a killed run left beside DIR, then list DIR and read its index (the caller
    holds `locked(root)`). Raises ProblemsFound for an invalid index."""
    root = resolve_dir(root)
    recovered = recover(root)
    tree = _scan(root) if root.is_dir() and not root.is_symlink() else {}
    index = read_index(root, {rel: entry.mode for rel, entry in tree.items()})
    return Found(root, recovered, tree, index)


def conflicts(root: Path, files: Mapping[str, str], found: Found | None = None) -> list[str]:
    """Paths we would write over (or through) that a person put there."""
    found = found or look(root)
    root, tree = found.root, found.tree
    ours = found.index.ours() | found.index.index_files()
    wanted = set(files) | kustomization_paths(files) | index_paths(files)
    folders = _folders(wanted)
    # A folder in the way that is a file or a symlink (which could lead anywhere); below one,
    # the listing does not go, so those paths are asked of the file system.
    blocked = {f for f in folders if f in tree and not stat.S_ISDIR(tree[f].mode)}
    below = {f for f in folders if not blocked.isdisjoint(_ancestors(f))} if blocked else set()
    clashes = set(blocked)
    for folder in below:
        try:
            if not stat.S_ISDIR(os.lstat(f"{root}/{folder}").st_mode):
                clashes.add(folder)
        except (FileNotFoundError, NotADirectoryError):
            continue
    for rel in wanted - ours:
        if rel in tree:
            clashes.add(rel)
        elif below and rel.rpartition("/")[0] in below | blocked:
            if os.path.lexists(f"{root}/{rel}"):
                clashes.add(rel)
    return sorted(clashes)


def resolve_dir(root: Path) -> Path:
    """DIR as an absolute path, a symlinked DIR as its target (the link itself stays)."""
    root = root.absolute()
    return Path(os.path.realpath(root)) if root.is_symlink() else root


def preflight(root: Path, tree: Mapping[str, _Entry], ours: set[str]) -> list[Problem]:
    """What would stop the write half-way, found before anything changes: a folder we cannot
    write (DIR's parent, DIR or any folder in it, all of which the swap replaces) or a person's
    file we cannot read to carry over."""
    problems = []
    parent = root.parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK):
        problems.append(not_writable(parent, "the new tree is built beside DIR, in"))
    if root.exists() and not root.is_dir():
        problems.append(Problem(Source(str(root)), None, "", "exists and is not a folder"))
        return problems
    for rel, entry in sorted(tree.items()):
        path = f"{root}/{rel}"  # no Path per entry: 45,000 and more
        if stat.S_ISDIR(entry.mode) and not os.access(path, os.W_OK | os.X_OK):
            problems.append(not_writable(root / rel, "every folder in DIR is replaced, including"))
        elif stat.S_ISREG(entry.mode) and rel not in ours and not os.access(path, os.R_OK):
            message = "cannot be read to carry it over; make it readable or move it away"
            problems.append(Problem(Source(str(root / rel)), None, "", message))
        elif not (stat.S_ISREG(entry.mode) or stat.S_ISDIR(entry.mode) or stat.S_ISLNK(entry.mode)):
            message = "is not a file, folder or symlink (a pipe, socket or device): move it away"
            problems.append(Problem(Source(str(root / rel)), None, "", message))
    if root.is_dir() and not os.access(root, os.W_OK | os.X_OK):
        problems.insert(0, not_writable(root, "render -o replaces"))
    return problems


def not_writable(path: Path, why: str) -> Problem:
    message = f"read-only: {why} this folder; nothing was changed"
    return Problem(Source(str(path)), None, "", message)


def write_tree(
    root: Path,
    files: Mapping[str, str],
    sources: Mapping[str, str],
    crash: CrashHook | None = None,
    objects: Mapping[str, str] | None = None,
    found: Found | None = None,
) -> WriteReport:
    """Replace the rendered directory `root` with `files`, atomically; keep a person's things.

    Incremental: a file whose bytes on disk are already right is neither rewritten nor
    flushed (the new tree hard-links it), and when every file and the index are already right
    nothing is written at all. The caller holds `locked(root)` (and took `found`, if given,
    under it). Raises ProblemsFound, with nothing changed, for an invalid index or a folder
    that cannot be written.
    """
    step = crash or (lambda _name: None)
    found = found or look(root)
    root, recovered, tree, old_index = found.root, found.recovered, found.tree, found.index
    ours_before = old_index.ours() | old_index.index_files()
    generated = kustomizations(files)
    wanted = {rel: text.encode("utf-8") for rel, text in {**files, **generated}.items()}
    ours = {rel: wanted[rel] for rel in files}  # bytes, hashed without encoding again
    indexes = _index_texts(root, ours, sources, generated, objects or {})
    same = _unchanged(root, tree, ours_before, wanted)
    theirs = _theirs(tree, ours_before)
    report = WriteReport(
        written=sorted(r for r in files if r not in same),
        pruned=sorted(r for r in old_index.files if r not in files),
        kept=_reported(theirs),
        unchanged=sum(1 for r in files if r in same),
        recovered=recovered,
    )
    changed = _changed_units(root, tree, old_index.ours(), wanted, same, indexes)
    shard = _one_shard(changed, old_index.shards, tree)
    problems = preflight(root, _within(tree, shard) if shard else tree, ours_before)
    if problems:
        raise ProblemsFound(problems)
    if not changed:
        return report  # nothing to write: the indexes list exactly these files, nothing to prune
    to_write = {rel: None if rel in same else data for rel, data in wanted.items()}
    if shard is not None and _swap_shard(
        root, shard, tree, to_write, theirs, indexes[f"{shard}/{INDEX_NAME}"], step
    ):
        return report
    carried = [e for e in theirs if e.rel not in wanted]
    _exchange_tree(root, tree, {**to_write, **indexes}, carried, step)
    return report


def _exchange_tree(
    root: Path,
    tree: Mapping[str, _Entry],
    to_write: Mapping[str, bytes | None],
    carried: Sequence[_Entry],
    step: CrashHook,
) -> None:
    """Build the new tree beside DIR (`to_write`: bytes to write, None to link DIR's file;
    a person's `carried` entries linked), flush it, and swap it in; the old tree is removed.
    On any error DIR is untouched and nothing is left beside it."""
    staging = _staging(root)
    _remove(staging)
    try:
        staging.mkdir(parents=True)
        step("staging-created")
        written = _fill(staging, root, tree, to_write, carried)
        step("files-written")
        _make_durable(staging, written)
        if root.is_dir():  # DIR keeps its permission bits (e.g. 0700)
            staging.chmod(stat.S_IMODE(root.stat().st_mode))
        step("staging-complete")
        _swap(staging, root, step)
    except Exception:
        _remove(staging)  # e.g. no space left: DIR is untouched, nothing left beside it
        raise
    step("swapped")
    _remove(staging)


class Exchanged(NamedTuple):
    """What `write_change` wrote and pruned, and which shard folders of DIR it exchanged (None:
    the whole tree)."""

    written: list[str]
    pruned: list[str]
    shards: frozenset[str] | None


def write_change(
    root: Path,
    changed: Mapping[str, str],
    removed: Collection[str],
    sources: Mapping[str, str],
    objects: Mapping[str, str],
    crash: CrashHook | None = None,
) -> Exchanged | None:
    """Write a change inside existing shards of the render in DIR: the `changed` files (path
    → text, new or rewritten) and the `removed` ones (pruned); every other file stays as it
    is, unread.

    For a caller that knows DIR is as this tool left it (run_record.py) and that no other
    file of the render changes (delta.py); the caller holds `locked(root)`. A change in one
    shard exchanges that folder; in several, the whole tree, built from hard links of every
    other file (one exchange keeps DIR the old render or the new one at every moment). None,
    with nothing changed, when the change is not the shards' alone (a shard appears or goes,
    a person's entry is in the way, a folder cannot be written, an index is not as written):
    write_tree then does the whole render."""
    root = resolve_dir(root)
    by_shard: dict[str, tuple[dict[str, str], set[str]]] = {}
    for rel, text in changed.items():
        by_shard.setdefault(_unit(rel), ({}, set()))[0][rel] = text
    for rel in removed:
        by_shard.setdefault(_unit(rel), ({}, set()))[1].add(rel)
    if not by_shard or "" in by_shard:
        return None
    relative = _Sources(root)
    plans = []
    for shard, (mine, gone) in sorted(by_shard.items()):
        one = _shard_change(root, shard, mine, gone, sources, objects, relative)
        if one is None:
            return None
        plans.append(one)
    written = sorted(rel for one in plans for rel in one.written)
    pruned = sorted(rel for one in plans for rel in one.pruned)
    busy = [one for one in plans if not one.idle]
    step = crash or (lambda _name: None)
    if len(busy) == 1:
        one = busy[0]
        if not _swap_shard(root, one.shard, one.tree, one.wanted, one.theirs, one.index, step):
            return None
    elif busy and not _swap_tree_for(root, busy, step):
        return None
    exchanged = frozenset(one.shard for one in busy) if len(busy) < 2 else None
    return Exchanged(written, pruned, exchanged)


@dataclass(frozen=True, slots=True)
class _ShardChange:
    """One shard folder's part of a change, ready to build: its entries in DIR, its files
    (bytes to write, None to link), its new index, a person's entries in it, and whether
    anything in it changes at all."""

    shard: str
    tree: dict[str, _Entry]
    wanted: dict[str, bytes | None]
    index: bytes
    theirs: list[_Entry]
    written: list[str]
    pruned: list[str]
    idle: bool


def _shard_change(
    root: Path,
    shard: str,
    changed: Mapping[str, str],
    removed: Collection[str],
    sources: Mapping[str, str],
    objects: Mapping[str, str],
    relative: Callable[[str], str],
) -> _ShardChange | None:
    """The change inside one existing shard folder, or None where it is not that shard's
    alone (see write_change)."""
    tree = _shard_tree(root, shard)
    try:
        old = read_shard_index(root, shard, {rel: e.mode for rel, e in tree.items()})
    except ProblemsFound:
        return None
    files = (set(old.files) - set(removed)) | set(changed)
    ours = old.ours() | {f"{shard}/{INDEX_NAME}"}
    if not files or _in_the_way(tree, changed, old) or preflight(root, tree, ours):
        return None
    fresh = {rel: text.encode("utf-8") for rel, text in changed.items()}
    wanted: dict[str, bytes | None] = {}
    for rel in files:
        data = fresh.get(rel)
        if data is None:
            if not stat.S_ISREG(tree.get(rel, _Entry(rel, 0)).mode):
                return None  # not as this tool left it
            wanted[rel] = None
            continue
        wanted[rel] = None if rel in old.files and _holds(f"{root}/{rel}", data) else data
    kustomized = f"{shard}/{KUSTOMIZATION}"
    listing = kustomization(rel.partition("/")[2] for rel in files).encode("utf-8")
    wanted[kustomized] = None if _holds(f"{root}/{kustomized}", listing) else listing
    entries = {rel: old.files[rel] for rel in files if rel not in changed}
    entries.update(_entries(fresh, sources, objects, relative))
    index = _index_text(entries, sorted(files), [kustomized], None)
    written = sorted(rel for rel in changed if wanted[rel] is not None)
    pruned = sorted(set(old.files) - files)
    idle = all(data is None for data in wanted.values()) and not pruned
    idle = idle and _holds(f"{root}/{shard}/{INDEX_NAME}", index)
    theirs = _theirs(tree, ours)
    return _ShardChange(shard, tree, wanted, index, theirs, written, pruned, idle)


def _swap_tree_for(root: Path, changes: Sequence[_ShardChange], step: CrashHook) -> bool:
    """Exchange the whole tree for one in which the shard folders of `changes` are built anew
    and every other file of DIR is a hard link of itself, unread (DIR is as the last render
    left it): one exchange, where one per shard would leave a mix if killed between them.
    False, with nothing changed, where DIR's index or a folder does not allow it."""
    tree = _scan(root)
    try:
        index = read_index(root, {rel: e.mode for rel, e in tree.items()})
    except ProblemsFound:
        return False
    rebuilt = {one.shard for one in changes}
    ours = index.ours() | index.index_files() | {INDEX_NAME}
    to_write: dict[str, bytes | None] = {}
    for rel in ours:
        if _unit(rel) in rebuilt:
            continue
        if not stat.S_ISREG(tree.get(rel, _Entry(rel, 0)).mode):
            return False  # not as this tool left it
        to_write[rel] = None
    for one in changes:
        to_write.update(one.wanted)
        to_write[f"{one.shard}/{INDEX_NAME}"] = one.index
    if preflight(root, tree, ours):
        return False
    carried = [e for e in _theirs(tree, ours) if e.rel not in to_write]
    _exchange_tree(root, tree, to_write, carried, step)
    return True


def _shard_tree(root: Path, shard: str) -> dict[str, _Entry]:
    """The shard folder and everything in it, by their paths in DIR (empty if it is not a
    real folder)."""
    try:
        mode = os.lstat(root / shard).st_mode
    except OSError:
        return {}
    if not stat.S_ISDIR(mode):
        return {}
    tree = {shard: _Entry(shard, mode)}
    for rel, entry in _scan(root / shard).items():
        tree[f"{shard}/{rel}"] = _Entry(f"{shard}/{rel}", entry.mode)
    return tree


def _in_the_way(tree: Mapping[str, _Entry], changed: Iterable[str], old: Index) -> bool:
    """Whether a person's entry is where a new file or its folders go."""
    for rel in changed:
        if rel in old.files:
            continue
        if rel in tree or any(
            a in tree and not stat.S_ISDIR(tree[a].mode) for a in _ancestors(rel)
        ):
            return True
    return False


def _changed_units(
    root: Path,
    tree: Mapping[str, _Entry],
    old: set[str],
    wanted: Mapping[str, bytes],
    same: set[str],
    indexes: Mapping[str, bytes],
) -> set[str]:
    """The shard folders (and "" for DIR's own files) in which anything is to change: a file
    written, one pruned, or an index that does not hold its new text."""
    units = {_unit(rel) for rel in wanted if rel not in same}
    units |= {_unit(rel) for rel in old if rel not in wanted}
    for rel, data in indexes.items():
        entry = tree.get(rel)
        if entry is None or not stat.S_ISREG(entry.mode) or not _holds(f"{root}/{rel}", data):
            units.add(_unit(rel))
    return units


def _one_shard(
    changed: set[str], old_shards: frozenset[str], tree: Mapping[str, _Entry]
) -> str | None:
    """The shard folder to exchange on its own, when the change is all inside one shard that
    has its own index in DIR (a real folder); None: the whole tree is exchanged."""
    if len(changed) != 1:
        return None
    (shard,) = changed
    entry = tree.get(shard)
    if not shard or shard not in old_shards or entry is None or not stat.S_ISDIR(entry.mode):
        return None
    return shard


def _within(tree: Mapping[str, _Entry], shard: str) -> dict[str, _Entry]:
    """The entries of one shard folder (itself included), by their paths in DIR."""
    prefix = f"{shard}/"
    return {rel: e for rel, e in tree.items() if rel == shard or rel.startswith(prefix)}


def _swap_shard(
    root: Path,
    shard: str,
    tree: Mapping[str, _Entry],
    wanted: Mapping[str, bytes | None],
    theirs: Sequence[_Entry],
    index: bytes,
    step: CrashHook,
) -> bool:
    """Build the new shard folder (its files in `wanted`, None for those to link, and its
    `index`) beside DIR and exchange it with the old one in one renameat2(2): DIR holds the
    old render or the new one at every moment, as with the whole tree, in O(shard) instead of
    O(DIR). False (nothing changed) where the exchange is not available."""
    prefix = f"{shard}/"
    cut = len(prefix)
    inner = {rel[cut:]: _Entry(rel[cut:], e.mode) for rel, e in _within(tree, shard).items()}
    inner.pop("", None)  # the shard folder itself
    mine = {rel[cut:]: data for rel, data in wanted.items() if rel.startswith(prefix)}
    carried = [
        _Entry(e.rel[cut:], e.mode)
        for e in theirs
        if e.rel.startswith(prefix) and e.rel not in wanted
    ]
    staging = _staging(root)
    _remove(staging)
    try:
        staging.mkdir()
        step("staging-created")
        written = _fill(staging, root / shard, inner, mine, carried)
        step("files-written")
        _write_new(staging / INDEX_NAME, index)
        _make_durable(staging, [*written, staging / INDEX_NAME])
        staging.chmod(stat.S_IMODE(tree[shard].mode))
        step("staging-complete")
        if not _rename_exchange(staging, root / shard):
            _remove(staging)
            return False
    except Exception:
        _remove(staging)
        raise
    step("swapped")
    _remove(staging)
    return True


def _fill(
    staging: Path,
    root: Path,
    tree: Mapping[str, _Entry],
    wanted: Mapping[str, bytes | None],
    theirs: Sequence[_Entry],
) -> list[str]:
    """The new tree in `staging`: files already right (None in `wanted`) and a person's files
    as hard links of DIR's (DIR's files are never opened for writing, so a crash leaves them
    whole), the others written (returned: not yet durable); folders that were there keep
    their permission bits."""
    umask = _umask()
    folders = _folders(wanted)
    # A person's entry keeps its folders, even one that held only our files before (an
    # InferenceService removed from under a person's note).
    folders |= _folders(e.rel for e in theirs) | {e.rel for e in theirs if stat.S_ISDIR(e.mode)}
    # Each top-level folder is filled on its own, several at once: creating a file or folder
    # is mostly the kernel's work (about 0.2 ms each on the 2-vCPU machine of the benchmark),
    # which threads share out over the cores; the tree is the same whatever the order.
    work: dict[str, _Work] = {}
    for folder in folders:
        work.setdefault(folder.partition("/")[0], _Work()).folders.append(folder)
    for entry in theirs:
        if not stat.S_ISDIR(entry.mode):
            work.setdefault(entry.rel.partition("/")[0], _Work()).theirs.append(entry)
    for rel, data in wanted.items():
        work.setdefault(rel.partition("/")[0], _Work()).files.append((rel, data))

    # Paths as strings: a Path per file and folder costs more than its system call here.
    new, old_root = str(staging), str(root)

    def fill(part: _Work) -> list[str]:
        for folder in sorted(part.folders):  # parents first
            _make_folder(f"{new}/{folder}", tree.get(folder), umask)
        for entry in part.theirs:  # a person's files and symlinks come along untouched
            source, target = f"{old_root}/{entry.rel}", f"{new}/{entry.rel}"
            _link_or_copy(source, target, stat.S_ISREG(entry.mode))
        written = []
        for rel, data in part.files:
            target = f"{new}/{rel}"
            if data is None:
                os.link(f"{old_root}/{rel}", target)
                continue
            _write_new(target, data)
            written.append(target)
            old = tree.get(rel)
            if old is not None and stat.S_ISREG(old.mode):  # ours, changed: keep its mode
                mode = stat.S_IMODE(os.lstat(f"{old_root}/{rel}").st_mode)
                if mode != 0o666 & ~umask:
                    os.chmod(target, mode)  # noqa: PTH101 (a str path, above)
        return written

    parts = [work[top] for top in sorted(work)]
    workers = min(parallel.cores(), len(parts))
    if workers < 2 or len(wanted) < _THREADED_FILES:
        return [path for part in parts for path in fill(part)]
    with ThreadPoolExecutor(workers) as pool:
        return [path for found in pool.map(fill, parts) for path in found]


_THREADED_FILES = 1000  # fewer files are written by this thread alone


@dataclass(slots=True)
class _Work:
    """What `_fill` does in one top-level folder of the new tree."""

    folders: list[str] = field(default_factory=list)
    theirs: list[_Entry] = field(default_factory=list)
    files: list[tuple[str, bytes | None]] = field(default_factory=list)


def _make_folder(path: str, old: _Entry | None, umask: int) -> None:
    """A folder of the new tree; one that was there keeps its permission bits."""
    if old is None or not stat.S_ISDIR(old.mode):
        os.mkdir(path)  # noqa: PTH102 (a str path: see _fill)
        return
    mode = stat.S_IMODE(old.mode)
    os.mkdir(path, mode)  # noqa: PTH102
    if mode & ~umask != mode:  # the umask took bits it had
        os.chmod(path, mode)  # noqa: PTH101


def _write_new(path: Path | str, data: bytes) -> None:
    """Create `path` (never an existing file: it could be a hard link of DIR's), mode 0666
    less the umask as `open` gives. Three system calls: a buffered file object adds an fstat
    and Python work that show at 33,000 files."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
    finally:
        os.close(fd)


def _make_durable(staging: Path, written: Sequence[Path | str]) -> None:
    """Flush the files just written, and the folders of staging (whose entries are the new
    files and the hard links), to disk before the swap makes them DIR's.

    A few: an fsync each, which waits for these alone. Many: one syncfs(2) of staging's
    filesystem where Linux has it (an fsync per file costs a journal commit each, 2-3 s of a
    33,000-file render), which also waits for every other dirty byte of that filesystem: a
    one-file change took 0.6 s more right after a copy of the 43,000-file render. Elsewhere,
    an fsync each."""
    if not written:
        return
    folders = _staging_folders(staging, _FSYNC_EACH_MAX - len(written))
    if folders is None:
        if _syncfs(staging):
            return
        folders = [folder for folder, _, _ in os.walk(staging)]
    for path in [*map(str, written), *folders]:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


_FSYNC_EACH_MAX = 256  # files and folders flushed one by one; more take one syncfs


def _staging_folders(staging: Path, limit: int) -> list[str] | None:
    """staging and every folder in it (symlinks are not followed), or None as soon as there
    are more than `limit` (a whole tree of thousands is not listed to find that out)."""
    found: list[str] = []
    for folder, _, _ in os.walk(staging):
        found.append(folder)
        if len(found) > limit:
            return None
    return found


def _syncfs(folder: Path) -> bool:
    """Linux syncfs(2) on the filesystem holding `folder`; False where unsupported."""
    syncfs = _libc_function("syncfs")
    if syncfs is None:
        return False
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        if syncfs(fd) == 0:
            return True
        err = ctypes.get_errno()
    finally:
        os.close(fd)
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(folder))  # e.g. EIO: a write-back failed


def _link_or_copy(source: str, target: str, regular: bool) -> None:
    if regular:
        try:
            os.link(source, target)
            return
        except PermissionError:  # fs.protected_hardlinks: another user's file; copy it
            pass
    shutil.copy2(source, target, follow_symlinks=False)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _index_texts(
    root: Path,
    files: Mapping[str, bytes],
    sources: Mapping[str, str],
    generated: Mapping[str, str],
    objects: Mapping[str, str],
) -> dict[str, bytes]:
    """The index files (relative path → bytes): one in each shard for the shard's files and
    kustomization, and DIR's for the shard folders, the Flux files and the root
    kustomization (rendered_index.py)."""
    relative = _Sources(root)
    groups: dict[str, tuple[list[str], list[str]]] = {}  # unit → (files, kustomizations)
    for rel in sorted(files):
        groups.setdefault(_unit(rel), ([], []))[0].append(rel)
    for rel in sorted(generated):
        groups.setdefault(_unit(rel), ([], []))[1].append(rel)
    shards = sorted(unit for unit in groups if unit != "")
    top_files, top_kustomizations = groups.get("", ([], []))
    entries = _entries(files, sources, objects, relative)
    out = {INDEX_NAME: _index_text(entries, top_files, top_kustomizations, shards)}
    for shard in shards:
        own, kustomized = groups[shard]
        out[f"{shard}/{INDEX_NAME}"] = _index_text(entries, own, kustomized, None)
    return out


def _entries(
    files: Mapping[str, bytes],
    sources: Mapping[str, str],
    objects: Mapping[str, str],
    relative: Callable[[str], str],
) -> dict[str, dict[str, Any]]:
    """The index entry of each file: its sha256, its input file as seen from DIR, and the
    object it holds where its name was shortened to fit."""
    entries = {}
    for rel, data in files.items():
        source = sources.get(rel)
        entry: dict[str, Any] = {"sha256": hashlib.sha256(data).hexdigest()}
        entry["source"] = relative(source) if source else None
        if rel in objects:
            entry["object"] = objects[rel]
        entries[rel] = entry
    return entries


def _unit(rel: str) -> str:
    """The shard folder a path belongs to, "" for what DIR's own index lists (the root
    kustomization, the Flux folder)."""
    shard, slash, _ = rel.partition("/")
    return shard if slash and shard != FLUX_DIR else ""


class _Sources:
    """Input paths as seen from the rendered folder, so the index does not depend on the
    directory the command ran in or how the path was spelled; each folder resolved once."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.relative: dict[str, str] = {}  # many files share one input file
        self.folders: dict[str, str] = {}  # and many input files one folder

    def __call__(self, source: str) -> str:
        if source not in self.relative:
            folder, _, name = source.rpartition("/")
            folder = folder or ("/" if source.startswith("/") else ".")
            if folder not in self.folders:
                self.folders[folder] = _relative(folder, self.root)
            base = self.folders[folder]
            self.relative[source] = name if base == "." else f"{base}/{name}"
        return self.relative[source]


def _index_text(
    entries: Mapping[str, Mapping[str, Any]],
    listed: Sequence[str],
    kustomized: Sequence[str],
    shards: Sequence[str] | None,
) -> bytes:
    """One index file: what `json.dumps(index, indent=2, sort_keys=True)` gives, built per
    entry (the indenting encoder is pure Python: seconds at 35,000 files). `listed` (the
    files, with `entries`) and `kustomized` are sorted; `shards` only in DIR's index."""
    lines = []
    for rel in listed:
        entry = entries[rel]
        fields = ",\n".join(f"      {_json(k)}: {_json(entry[k])}" for k in sorted(entry))
        lines.append(f"    {_json(rel)}: {{\n{fields}\n    }}")
    files = "{\n" + ",\n".join(lines) + "\n  }" if lines else "{}"
    text = f'{{\n  "files": {files},\n  "generator": "kserve-gitops",\n'
    text += f'  "kustomizations": {_json_list(kustomized)},\n'
    if shards is not None:
        text += f'  "shards": {_json_list(shards)},\n'
    return f'{text}  "version": {INDEX_VERSION}\n}}\n'.encode()


def _json_list(items: Sequence[str]) -> str:
    listed = ",\n".join(f"    {_json(item)}" for item in items)
    return f"[\n{listed}\n  ]" if listed else "[]"


_json = json.dumps  # one string or null, as the encoder writes it


def _unchanged(
    root: Path, tree: Mapping[str, _Entry], ours: set[str], wanted: Mapping[str, bytes]
) -> set[str]:
    """Our files whose bytes on disk are already right: each is read and compared (so one
    edited by hand is written again), nothing else; one deleted by hand counts as written."""
    same = set()
    for rel, data in wanted.items():
        entry = tree.get(rel)
        if rel in ours and entry is not None and stat.S_ISREG(entry.mode):
            if _holds(f"{root}/{rel}", data):
                same.add(rel)
    return same


def _holds(path: Path | str, data: bytes) -> bool:
    """Whether the file `path` (a regular file, as listed) holds exactly `data`: one read of
    one byte more, as a regular file reads short only at its end (a short read for any other
    reason would only make us write the file again)."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        return os.read(fd, len(data) + 1) == data
    except OSError:
        return False
    finally:
        os.close(fd)


def _relative(source: str, root: Path) -> str:
    """An input path as seen from the rendered folder, so the index does not depend on the
    directory the command ran in or how the path was spelled."""
    return Path(os.path.relpath(Path(source).absolute(), root)).as_posix()


def _staging(root: Path) -> Path:
    return root.with_name(f".{root.name}.kserve-gitops-new")


def _backup(root: Path) -> Path:
    return root.with_name(f".{root.name}.kserve-gitops-old")


def _remove(path: Path) -> None:
    if path.is_symlink() or path.is_file():
        path.unlink()
    elif path.exists():
        shutil.rmtree(path)


def _swap(staging: Path, root: Path, step: CrashHook) -> None:
    """Make `staging` the new `root`; afterwards the old tree (if any) is at `staging`."""
    if root.exists() and _rename_exchange(staging, root):
        return
    backup = _backup(root)
    _remove(backup)
    if root.exists():
        root.rename(backup)
        step("old-moved-aside")
    staging.rename(root)
    step("new-in-place")
    if backup.exists():
        backup.rename(staging)


def leftover_paths(root: Path) -> tuple[Path, Path]:
    """Where a killed render may have left a tree beside DIR (its backup, its staging)."""
    return _backup(root), _staging(root)


def recover(root: Path) -> list[str]:
    """Clean what a killed run left beside DIR (call with the lock held): put the old tree back
    if an interrupted two-rename swap left DIR missing, remove staging and backup trees."""
    found = []
    backup, staging = leftover_paths(root)
    if backup.is_dir() and not backup.is_symlink() and not root.exists():
        backup.rename(root)
        found.append(f"{backup} (moved back to {root.name})")
    for leftover in (backup, staging):
        if leftover.exists() or leftover.is_symlink():
            _remove(leftover)
            found.append(str(leftover))
    return found


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _rename_exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with Linux renameat2(2); False where unsupported."""
    renameat2 = _libc_function("renameat2")
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _libc_function(name: str) -> Any:
    """The C library's function `name` (errno kept for ctypes.get_errno), or None."""
    libc = _libc()
    return None if libc is None else getattr(libc, name, None)


@functools.cache
def _libc() -> ctypes.CDLL | None:
    libc_name = ctypes.util.find_library("c")  # runs ldconfig: once per process
    return None if libc_name is None else ctypes.CDLL(libc_name, use_errno=True)
