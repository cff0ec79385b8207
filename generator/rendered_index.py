"""The index of a rendered directory, `.kserve-gitops-index.json`, read so that it cannot be
turned against the user.

It lists the files `render -o` wrote (path → sha256, input file) and the kustomizations it
wrote. Only files it lists are ever pruned, and `diff` prints their content, so a hand-edited
entry such as `../input/secret.yaml`, `/dev/zero` or a path through a symlink out of DIR would
make us read, print or delete something that is not ours: every entry must be a relative path
of plain names inside DIR with no symlink on the way, and a regular file if it is there.
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
INDEX_VERSION = 2  # 2: shards, with `kustomizations`; 1 (read, never written): one kustomization
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
    """A rendered directory's index: our files (path → sha256, source) and kustomizations."""

    files: dict[str, dict[str, Any]]
    kustomizations: frozenset[str]

    def ours(self) -> set[str]:
        return set(self.files) | set(self.kustomizations)


EMPTY_INDEX = Index({}, frozenset())


def read_index(root: Path, modes: Mapping[str, int] | None = None) -> Index:
    """The validated index of a rendered directory; empty when there is none.

    `modes` is a listing of DIR (relative path → st_mode, not following symlinks, nothing
    below a symlink) to check the entries against instead of asking the file system for each.

    Raises ProblemsFound (exit 2) when the index is malformed or any entry could make us read,
    print or delete something outside DIR or something that is not a file we wrote.
    """
    path = root / INDEX_NAME
    try:
        info = path.lstat()
    except FileNotFoundError:
        return EMPTY_INDEX
    except OSError as err:
        raise _bad_index(root, f"cannot read it: {err.strerror}") from None
    if not stat.S_ISREG(info.st_mode):
        raise _bad_index(root, "it is not a regular file")
    if info.st_size > _INDEX_MAX_BYTES:
        raise _bad_index(root, f"it is larger than {_INDEX_MAX_BYTES} bytes")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise _bad_index(root, f"not valid JSON ({err})") from None
    found = _parse_index(doc)
    if isinstance(found, str):
        raise _bad_index(root, found)
    folders: dict[str, str] = {}
    for rel in sorted(found.ours()):
        message = check_entry(root, rel, folders, modes)
        if message:
            raise _bad_index(root, f"entry {rel!r}: {message}")
    return found


def _bad_index(root: Path, detail: str) -> ProblemsFound:
    message = (
        f"invalid index: {detail}; restore it (e.g. `git checkout -- {root / INDEX_NAME}`) "
        "or remove the folder and render again"
    )
    return ProblemsFound([Problem(Source(str(root / INDEX_NAME)), None, "", message)])


def _parse_index(doc: Any) -> Index | str:
    """The index document's shape (not yet its paths on disk), or what is wrong with it."""
    if not isinstance(doc, dict):
        return "not a JSON object"
    version = doc.get("version")
    if version not in (1, INDEX_VERSION) or isinstance(version, bool):
        return f"unknown version {version!r}"
    files = doc.get("files")
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
    return Index(dict(files), frozenset(kustomizations))


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


def existing_files(root: Path) -> list[str]:
    """The files the index lists that are on disk (validated; deleted ones left out)."""
    index = read_index(root)
    return sorted(rel for rel in index.files if (root / rel).is_file())
