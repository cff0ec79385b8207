"""The rendered directory that Argo CD or Flux syncs: one file per object, atomic, pruned, indexed.

Layout: `DIR/<namespace>/<inferenceservice>/<kind>-<name>.yaml`, input objects passed through
under `DIR/<namespace>/_passthrough/`, cluster-scoped objects under `DIR/_cluster/`, a
`kustomization.yaml` listing every manifest file, and `.kserve-gitops-index.json` recording
which input file produced which output and its content hash.

Atomicity: the new tree is built beside DIR and exchanged with it in one `renameat2(2)`
RENAME_EXCHANGE call, so a process killed at any moment leaves DIR holding either the old
complete render or the new one. Where the exchange is not available, two renames are used and
an interrupted swap is finished or rolled back on the next run. Files the index does not list
(a person's own) are carried over untouched; only files this tool wrote are ever pruned.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import errno
import hashlib
import json
import os
import re
import shutil
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.errors import Invalid, Problem
from generator.output import Rendered, dump_yaml

INDEX_NAME = ".kserve-gitops-index.json"
KUSTOMIZATION = "kustomization.yaml"
INDEX_VERSION = 1
PASSTHROUGH_DIR = "_passthrough"
CLUSTER_DIR = "_cluster"
MANIFEST_SUFFIXES = (".yaml", ".yml", ".json")
# Groups whose kinds are spelled bare in file names; others get `.<group>` after the kind.
BUILTIN_GROUPS = frozenset({"", "apps", "autoscaling", "batch", "networking.k8s.io", "policy"})
_SAFE_PART = re.compile(r"[a-z0-9]([a-z0-9._-]*[a-z0-9])?")

# Test hook: called with a step name at each point where a crash must leave DIR consistent.
CrashHook = Callable[[str], None]


@dataclass(frozen=True, slots=True)
class WriteReport:
    """What a write did, for the CLI to say."""

    written: list[str] = field(default_factory=list)  # paths (relative to DIR) new or changed
    pruned: list[str] = field(default_factory=list)  # our files no longer rendered
    kept: list[str] = field(default_factory=list)  # files a person put there, left alone
    unchanged: int = 0


def relative_path(item: Rendered) -> str | Invalid:
    """Where an object lives inside the rendered directory (POSIX, relative)."""
    api_version = str(item.obj.get("apiVersion", ""))
    group = api_version.rpartition("/")[0] if "/" in api_version else ""
    kind = item.kind.lower() if group in BUILTIN_GROUPS else f"{item.kind.lower()}.{group}"
    checks = (("namespace", item.namespace), ("owner", item.owner), ("name", item.name),
              ("kind", kind))  # fmt: skip
    for what, part in checks:
        if part and (not _SAFE_PART.fullmatch(part) or ".." in part):
            return Invalid("metadata.name", f"cannot be a file name ({what} {part!r})")
    if not item.name:
        return Invalid("metadata.name", "required value")
    folder = item.namespace or CLUSTER_DIR
    owner = item.owner or PASSTHROUGH_DIR
    return f"{folder}/{owner}/{kind}-{item.name}.yaml"


def plan(items: Sequence[Rendered]) -> tuple[dict[str, str], dict[str, str], list[Problem]]:
    """(relative path → text, relative path → input file) for the objects, or problems."""
    files: dict[str, str] = {}
    sources: dict[str, str] = {}
    problems: list[Problem] = []
    for item in items:
        rel = relative_path(item)
        if isinstance(rel, Invalid):
            problems.append(Problem(item.source, None, rel.field, rel.message))
            continue
        if rel in files:
            message = f"two objects would be written to {rel}"
            problems.append(Problem(item.source, None, "metadata.name", message))
            continue
        files[rel] = dump_yaml(item.obj)
        sources[rel] = item.source.path
    return files, sources, problems


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def read_index(root: Path) -> dict[str, Any]:
    """The index of a rendered directory; empty when there is none (or it is unreadable)."""
    try:
        index = json.loads((root / INDEX_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {"files": {}}
    if not isinstance(index, dict) or not isinstance(index.get("files"), dict):
        return {"files": {}}
    return index


def kustomization(paths: Sequence[str]) -> str:
    """A kustomization listing the manifest files, so `kustomize build DIR` takes them as is."""
    doc = {
        "apiVersion": "kustomize.config.k8s.io/v1beta1",
        "kind": "Kustomization",
        "resources": sorted(paths),
    }
    return "# Written by kserve-gitops; lists every manifest file in this folder.\n" + dump_yaml(
        doc
    )


def _all_files(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(
        (Path(folder) / name).relative_to(root).as_posix()
        for folder, _, files in os.walk(root)
        for name in files
    )


def conflicts(root: Path, files: Mapping[str, str]) -> list[str]:
    """Paths we would write over that a person put there (the index does not list them)."""
    ours = set(read_index(root)["files"]) | {KUSTOMIZATION}
    return sorted(rel for rel in files if rel not in ours and (root / rel).exists())


def write_tree(
    root: Path,
    files: Mapping[str, str],
    sources: Mapping[str, str],
    crash: CrashHook | None = None,
) -> WriteReport:
    """Replace the rendered directory `root` with `files`, atomically; keep a person's files."""
    step = crash or (lambda _name: None)
    root = root.absolute()
    recover(root)
    old_index = read_index(root)
    ours_before = set(old_index["files"]) | {KUSTOMIZATION}
    existing = set(_all_files(root)) - {INDEX_NAME}
    kept = sorted(p for p in existing if p not in ours_before and p not in files)
    staging = root.with_name(f".{root.name}.kserve-gitops-new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    step("staging-created")
    for rel in kept:  # a person's files come along untouched
        _copy(root / rel, staging / rel)
    for rel, text in files.items():
        target = staging / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    step("files-written")
    manifests = sorted(set(files) | {p for p in kept if p.endswith(MANIFEST_SUFFIXES)})
    (staging / KUSTOMIZATION).write_text(kustomization(manifests), encoding="utf-8")
    index = {
        "version": INDEX_VERSION,
        "generator": "kserve-gitops",
        "files": {
            rel: {"sha256": sha256(files[rel]), "source": _relative(sources[rel], root)}
            for rel in sorted(files)
        },
    }
    (staging / INDEX_NAME).write_text(json.dumps(index, indent=2, sort_keys=True) + "\n")
    _fsync_tree(staging)
    step("staging-complete")
    _swap(staging, root, step)
    step("swapped")
    shutil.rmtree(staging, ignore_errors=True)
    old_files = {rel: meta.get("sha256") for rel, meta in old_index["files"].items()}
    return WriteReport(
        written=sorted(r for r in files if old_files.get(r) != sha256(files[r])),
        pruned=sorted(r for r in old_files if r not in files),
        kept=kept,
        unchanged=sum(1 for r in files if old_files.get(r) == sha256(files[r])),
    )


def _relative(source: str, root: Path) -> str:
    """An input path as seen from the rendered folder, so the index does not depend on the
    directory the command ran in or how the path was spelled."""
    return Path(os.path.relpath(Path(source).absolute(), root)).as_posix()


def _copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy2(src, dst, follow_symlinks=False)


def _fsync_tree(root: Path) -> None:
    for folder, _, names in os.walk(root):
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                with path.open("rb") as handle:
                    os.fsync(handle.fileno())


def _backup(root: Path) -> Path:
    return root.with_name(f".{root.name}.kserve-gitops-old")


def _swap(staging: Path, root: Path, step: CrashHook) -> None:
    """Make `staging` the new `root`; afterwards the old tree (if any) is at `staging`."""
    if root.exists() and _rename_exchange(staging, root):
        return
    backup = _backup(root)
    shutil.rmtree(backup, ignore_errors=True)
    if root.exists():
        root.rename(backup)
        step("old-moved-aside")
    staging.rename(root)
    step("new-in-place")
    if backup.exists():
        backup.rename(staging)


def recover(root: Path) -> None:
    """Finish what an interrupted two-rename swap left: put the old tree back if DIR is gone."""
    backup = _backup(root)
    if backup.exists() and not root.exists():
        backup.rename(root)
    shutil.rmtree(backup, ignore_errors=True)


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _rename_exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths with Linux renameat2(2); False where unsupported."""
    libc_name = ctypes.util.find_library("c")
    if libc_name is None:
        return False
    libc = ctypes.CDLL(libc_name, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is None:
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE)
    if result == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))
