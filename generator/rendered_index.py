"""The index of a rendered directory, `.kserve-gitops-index.json`, read so that it cannot be
turned against the user.

It lists the files `render -o` wrote (path → sha256, input file) and the kustomizations it
wrote. Since version 3 it is one index per shard (`DIR/<shard>/.kserve-gitops-index.json`, the
shard's files) and one in DIR (the shard folders, the Flux files and the root kustomization):
a change inside one shard then changes that shard folder only, which the writer can exchange
in one atomic step. Only files it lists are ever pruned, and `diff` prints their content, so a
hand-edited entry such as `../input/secret.yaml`, `/dev/zero` or a path through a symlink out
of DIR would make us read, print or delete something that is not ours: every entry must be a
relative path of plain names inside DIR with no symlink on the way, and a regular file if it
is there; and each shard's index may only list paths inside its shard.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from generator.errors import Problem, ProblemsFound, Source

INDEX_NAME = ".kserve-gitops-index.json"
KUSTOMIZATION = "kustomization.yaml"
# 3: an index per shard; 2 (read, never written): one index, shards; 1 (read): no shards
INDEX_VERSION = 3
# What an index entry may be made of: our own folder and file names, nothing else.
_INDEX_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
_SHA256 = re.compile(r"[0-9a-f]{64}")
_INDEX_MAX_BYTES = 256 * 1024 * 1024
# The layout: `<shard>/<owner>/<kind>-<name>.yaml`, the shard a namespace, `<namespace>.<label
# value>` (--shard-label), `_cluster` for cluster-scoped objects or `_flux`.
CLUSTER_DIR = "_cluster"
FLUX_DIR = "_flux"  # Flux Kustomizations for the shards (render --flux-path); not a shard itself
# Groups whose kinds are spelled bare in file names; others get `.<group>` after the kind.
BUILTIN_GROUPS = frozenset({"", "apps", "autoscaling", "batch", "networking.k8s.io", "policy"})
NAME_MAX = 255  # bytes in one file name on Linux file systems (ext4, xfs, btrfs, tmpfs)
_HASH_CHARS = 12


@dataclass(frozen=True, slots=True)
class Index:
    """A rendered directory's index: our files (path → sha256, source) and kustomizations, and
    the shard folders that hold an index of their own (version 3)."""

    files: dict[str, dict[str, Any]]
    kustomizations: frozenset[str]
    shards: frozenset[str] = frozenset()

    def ours(self) -> set[str]:
        return set(self.files) | set(self.kustomizations)

    def index_files(self) -> set[str]:
        """The shards' own index files (DIR's is not listed: it is always ours)."""
        return {f"{shard}/{INDEX_NAME}" for shard in self.shards}


EMPTY_INDEX = Index({}, frozenset())


def read_index(root: Path, modes: Mapping[str, int] | None = None) -> Index:
    """The validated index of a rendered directory; empty when there is none.

    `modes` is a listing of DIR (relative path → st_mode, not following symlinks, nothing
    below a symlink) to check the entries against instead of asking the file system for each.

    Raises ProblemsFound (exit 2) when the index is malformed or any entry could make us read,
    print or delete something outside DIR or something that is not a file we wrote.
    """
    doc = _read_json(root, INDEX_NAME)
    if doc is None:
        return EMPTY_INDEX
    found = _parse_index(doc)
    if isinstance(found, str):
        raise _bad_index(root, found)
    folders: dict[str, str] = {}
    _check_entries(root, found, INDEX_NAME, folders, modes)
    return _with_shards(root, found, folders, modes) if found.shards else found


def _check_entries(
    root: Path, index: Index, rel: str, folders: dict[str, str], modes: Mapping[str, int] | None
) -> None:
    """Raise for the first entry of the index file `rel` that is not ours to touch on disk."""
    for entry in sorted(index.ours()):
        message = check_entry(root, entry, folders, modes)
        if message:
            raise _bad_index(root, f"entry {entry!r}: {message}", rel)


def _read_json(root: Path, rel: str) -> Any:
    """The JSON document of the index file `rel`, None when there is none."""
    path = root / rel
    try:
        info = path.lstat()
    except FileNotFoundError:
        return None
    except OSError as err:
        raise _bad_index(root, f"cannot read it: {err.strerror}", rel) from None
    if not stat.S_ISREG(info.st_mode):
        raise _bad_index(root, "it is not a regular file", rel)
    if info.st_size > _INDEX_MAX_BYTES:
        raise _bad_index(root, f"it is larger than {_INDEX_MAX_BYTES} bytes", rel)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise _bad_index(root, f"not valid JSON ({err})", rel) from None


def _with_shards(
    root: Path, top: Index, folders: dict[str, str], modes: Mapping[str, int] | None
) -> Index:
    """DIR's index with the files and kustomizations of each shard's own index. A shard folder
    deleted by hand holds nothing (its files show as added); one whose index is gone is an
    invalid index, as DIR's would be."""
    files = dict(top.files)
    kustomizations = set(top.kustomizations)
    for shard in sorted(top.shards):
        where = _check_part(root, shard, False, modes)
        if where == _MISSING:
            continue
        if where:
            raise _bad_index(root, f"shard {shard!r}: {where}")
        found = read_shard_index(root, shard, modes, folders)
        files.update(found.files)
        kustomizations |= found.kustomizations
    return Index(files, frozenset(kustomizations), top.shards)


def _bad_index(root: Path, detail: str, rel: str = INDEX_NAME) -> ProblemsFound:
    message = (
        f"invalid index: {detail}; restore it (e.g. `git checkout -- {root / rel}`) "
        "or remove the folder and render again"
    )
    return ProblemsFound([Problem(Source(str(root / rel)), None, "", message)])


def _parse_index(doc: Any) -> Index | str:
    """The index document's shape (not yet its paths on disk), or what is wrong with it."""
    if not isinstance(doc, dict):
        return "not a JSON object"
    version = doc.get("version")
    if version not in (1, 2, INDEX_VERSION) or isinstance(version, bool):
        return f"unknown version {version!r}"
    files = doc.get("files")
    wrong = _wrong_files(files)
    if wrong or not isinstance(files, dict):
        return wrong
    if version == 1:  # before shards: only the root kustomization was ours
        return Index(dict(files), frozenset({KUSTOMIZATION}))
    kustomizations = doc.get("kustomizations")
    if not isinstance(kustomizations, list):
        return "`kustomizations` is not a list"
    for rel in kustomizations:
        if not isinstance(rel, str) or not is_index_path(rel) or rel.count("/") > 1:
            return f"kustomization {rel!r}: not a kustomization.yaml of the folder or a shard"
        if PurePosixPath(rel).name != KUSTOMIZATION or rel in files:
            return f"kustomization {rel!r}: not a kustomization.yaml of the folder or a shard"
    if version == 2:
        return Index(dict(files), frozenset(kustomizations))
    shards = doc.get("shards")
    if not isinstance(shards, list) or not all(_is_shard(s) for s in shards):
        return "`shards` is not a list of folder names"
    for rel in [*files, *kustomizations]:  # what a shard holds is in the shard's index
        if "/" in rel and rel.split("/", 1)[0] in shards:
            return f"entry {rel!r}: belongs in its shard's index"
    return Index(dict(files), frozenset(kustomizations), frozenset(shards))


def _wrong_files(files: Any) -> str:
    """What is wrong with an index's `files` ("" if nothing)."""
    if not isinstance(files, dict):
        return "`files` is not an object"
    for rel, meta in files.items():
        if not isinstance(meta, dict) or not isinstance(meta.get("sha256"), str):
            return f"entry {rel!r}: no sha256"
        if not _SHA256.fullmatch(meta["sha256"]):
            return f"entry {rel!r}: sha256 is not 64 hex digits"
        if not isinstance(meta.get("source"), str | None):
            return f"entry {rel!r}: source is not a string"
        if not is_index_path(rel):
            return f"entry {rel!r}: not a relative path inside the folder"
    return ""


def read_shard_index(
    root: Path,
    shard: str,
    modes: Mapping[str, int] | None = None,
    folders: dict[str, str] | None = None,
) -> Index:
    """The validated index of one shard folder (version 3), as `read_index` reads each."""
    rel = f"{shard}/{INDEX_NAME}"
    doc = _read_json(root, rel)
    found = "missing" if doc is None else _parse_shard_index(doc, shard)
    if isinstance(found, str):
        raise _bad_index(root, found, rel)
    _check_entries(root, found, rel, {} if folders is None else folders, modes)
    return found


def _parse_shard_index(doc: Any, shard: str) -> Index | str:
    """A shard's own index: version 3, only paths inside the shard, no shards of its own."""
    if not isinstance(doc, dict) or doc.get("version") != INDEX_VERSION or "shards" in doc:
        return f"its index is not a version {INDEX_VERSION} shard index"
    found = _parse_index({**doc, "shards": []})
    if isinstance(found, str):
        return found
    for rel in found.ours():
        if not rel.startswith(f"{shard}/"):
            return f"entry {rel!r} is outside the shard"
    return found


def _is_shard(name: Any) -> bool:
    return isinstance(name, str) and is_index_path(name) and "/" not in name and name != FLUX_DIR


def is_index_path(rel: Any) -> bool:
    """A relative POSIX path of our own names: no `..`, no absolute path, no empty part."""
    if not isinstance(rel, str) or not rel or len(rel) > 4096:
        return False
    parts = rel.split("/")
    return all(_INDEX_PART.fullmatch(p) and p != INDEX_NAME for p in parts)


def check_entry(
    root: Path,
    rel: str,
    folders: dict[str, str] | None = None,
    modes: Mapping[str, int] | None = None,
) -> str:
    """What is wrong with an index path on disk ("" if nothing): every folder on the way must be
    a real folder (a symlink could lead out of DIR) and the file, if there, a regular file.

    `folders` remembers what was found for each folder, for checking many entries at once;
    `modes` is a listing of DIR to look entries up in (see read_index)."""
    folders = {} if folders is None else folders
    folder = rel.rpartition("/")[0]
    if folder:
        found = _check_folder(root, folder, folders, modes)
        if found:
            return "" if found == _MISSING else found
    found = _check_part(root, rel, True, modes)
    return "" if found == _MISSING else found


def _check_folder(
    root: Path, folder: str, folders: dict[str, str], modes: Mapping[str, int] | None
) -> str:
    """The first problem on the way to `folder`, outermost first ("" if none), remembered."""
    if folder not in folders:
        parent = folder.rpartition("/")[0]
        found = _check_folder(root, parent, folders, modes) if parent else ""
        folders[folder] = found or _check_part(root, folder, False, modes)
    return folders[folder]


_MISSING = "missing"  # deleted by hand: shows as added, is written again


def _check_part(root: Path, rel: str, last: bool, modes: Mapping[str, int] | None) -> str:
    if modes is not None:
        mode = modes.get(rel)
        if mode is None:
            return _MISSING
    else:
        try:
            mode = os.lstat(f"{root}/{rel}").st_mode  # no Path per entry: 35,000 and more
        except FileNotFoundError:
            return _MISSING
        except OSError as err:
            return f"cannot inspect {root / rel}: {err.strerror}"
    if stat.S_ISLNK(mode):
        return "is or passes through a symlink"
    if not last and not stat.S_ISDIR(mode):
        return f"{rel} is not a folder"
    if last and not stat.S_ISREG(mode):
        return "is not a regular file"
    return ""


def kind_part(api_version: str, kind: str) -> str:
    """A kind as file names spell it: `deployment`, `service.serving.knative.dev`."""
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    return kind.lower() if group in BUILTIN_GROUPS else f"{kind.lower()}.{group}"


def file_name(stem: str) -> str:
    """`stem.yaml`, or where that exceeds NAME_MAX a prefix of the stem and a hash of all of it
    (a legal object name is up to 253 characters; the kind and group come on top)."""
    name = f"{stem}.yaml"
    if len(name.encode("utf-8")) <= NAME_MAX:
        return name
    digest = hashlib.sha256(stem.encode("utf-8")).hexdigest()[:_HASH_CHARS]
    keep = NAME_MAX - len(".yaml") - 1 - _HASH_CHARS
    return f"{stem[:keep]}-{digest}.yaml"


def shard_namespace(shard: str) -> str | None:
    """The namespace whose objects a top-level folder holds ("" cluster-scoped, None `_flux`)."""
    if shard == FLUX_DIR:
        return None
    return "" if shard == CLUSTER_DIR else shard.partition(".")[0]


def files_of(index: Index, kind: str, keys: Iterable[tuple[str, str]]) -> list[str]:
    """The index's files, in path order, that the layout gives the objects `keys` ((namespace,
    name)) of `kind` (as `kind_part` spells it), whatever their owner or shard: one file
    holds one object, so only these need reading to find those objects."""
    wanted: dict[str, set[str]] = {}
    for namespace, name in keys:
        wanted.setdefault(file_name(f"{kind}-{name}"), set()).add(namespace)
    found = []
    for rel in sorted(index.files):
        parts = rel.split("/")
        if len(parts) == 3 and shard_namespace(parts[0]) in wanted.get(parts[2], ()):
            found.append(rel)
    return found
