"""The record of the last `render -o DIR`: a repeat that can change nothing is not run again.

After a render into DIR succeeds, the render cache folder keeps one small record for DIR
(`runs/<digest of DIR's real path>.json`): the *input key* (every byte the render read: each
input file found under the paths, as `load.discover` and the repo-config lookup find them,
hidden ones included, with its name and real path; the --config files, the overlay file, the
--templates folder; every option; the working directory; the tool's own files and library
versions) and the *folder state* (path, type, inode, size, mtime and ctime of everything in
DIR and of DIR's parent folder, taken after the write). The render is a pure function of the
first, and the second is what it wrote, so when both are as recorded a render would write
nothing: the run says what that render would say and stops. Anything not known for sure
(standard input, another --previous, a file that is not regular, an unreadable one) means no
record is used.

ctime cannot be set by a user, so an edit in DIR, even one that keeps size and mtime, shows.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from generator import load
from generator.namespace_policy import REPO_CONFIG_FILE
from generator.overlays import find as find_overlay
from generator.render_cache import digest, folder_fingerprint, tool_fingerprint
from generator.schema.validators import write_atomically

FORMAT: Final = "1"


class _Unknown(Exception):
    """Something a render reads cannot be digested here: render instead."""


@dataclass(frozen=True, slots=True)
class Record:
    """What a render into DIR read, the state it left DIR in, and what it said."""

    key: str
    state: str
    files: int  # our files in DIR (a repeat finds them all unchanged)
    kept: tuple[str, ...]  # a person's files, left alone
    messages: tuple[str, ...]  # the render's warnings and notes, before the write report


def input_key(
    options: Mapping[str, Any],
    paths: Sequence[str],
    config_files: Sequence[str],
    overlay: str | None,
    templates: Path | None,
) -> str | None:
    """The digest of everything the render reads, or None when that is not known for sure."""
    try:
        folders: dict[Path, str] = {}  # real paths of folders, each resolved once
        files = [_file(Path(p), folders) for p in _input_files(paths)]
        files += [_file(Path(p), folders) for p in config_files]
        if overlay is not None:
            found = find_overlay(overlay)
            files.append(_file(found, folders) if found.exists() else ["missing", str(found)])
    except (_Unknown, OSError):
        return None
    return digest(
        [
            FORMAT,
            tool_fingerprint(),
            str(Path.cwd()),
            dict(options),
            files,
            folder_fingerprint(templates),
        ]
    )


def _input_files(paths: Sequence[str]) -> list[str]:
    """Every file a render may read under `paths`: the input files (hidden ones too, which
    holds the repo config files) of every folder `load.discover` walks."""
    found: set[str] = set()
    for given in paths:
        if given == load.STDIN:
            raise _Unknown(given)
        root = Path(given)
        if root.is_dir():
            for folder, dirs, names in os.walk(root):
                if load.RENDERED_DIR_MARKER in names:
                    dirs[:] = []
                    continue
                dirs[:] = [d for d in dirs if not d.startswith(".")]
                found.update(
                    f"{folder}/{n}" for n in names if n.endswith(load.INPUT_SUFFIXES)
                )
        else:
            found.add(given)
            marker = root.parent / REPO_CONFIG_FILE
            if marker.exists() or marker.is_symlink():
                found.add(str(marker))
    return sorted(found)


def _file(path: Path, folders: dict[Path, str]) -> list[str]:
    """Name, real path and content digest of one regular file (a FIFO or device is unknown:
    reading it could block). `folders` memoizes the real path of each folder: a file that is
    not a symlink is its folder's real path plus its name."""
    info = path.stat()
    if not stat.S_ISREG(info.st_mode):
        raise _Unknown(str(path))
    with path.open("rb") as handle:
        content = hashlib.sha256(handle.read()).hexdigest()
    if path.is_symlink():
        real = os.path.realpath(path)
    else:
        if path.parent not in folders:
            folders[path.parent] = os.path.realpath(path.parent)
        real = str(Path(folders[path.parent]) / path.name)
    return [str(path), real, content]


def folder_state(root: Path) -> str | None:
    """A digest of the identity and times of DIR, everything in it, and its parent folder
    (whose times show a leftover a killed render left beside DIR). None: no DIR."""
    try:
        top = os.lstat(root)
        parent = os.lstat(root.absolute().parent)
    except OSError:
        return None
    hasher = hashlib.sha256((_stat_line("..", parent) + _stat_line(".", top)).encode())
    base = str(root)
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        rel = folder[len(base) :].lstrip("/")
        for name in sorted(dirs + names):
            try:
                info = os.lstat(f"{folder}/{name}")
            except OSError:
                return None
            hasher.update(_stat_line(f"{rel}/{name}", info).encode())
    return hasher.hexdigest()


def _stat_line(rel: str, info: os.stat_result) -> str:
    return (
        f"{rel}\0{info.st_mode}\0{info.st_ino}\0{info.st_size}\0"
        f"{info.st_mtime_ns}\0{info.st_ctime_ns}\n"
    )


def _record_path(cache_dir: Path, root: Path) -> Path:
    name = hashlib.sha256(os.path.realpath(root).encode()).hexdigest()
    return cache_dir / "runs" / f"{name}.json"


def lookup(cache_dir: Path, root: Path, key: str) -> Record | None:
    """The record of DIR if the inputs and DIR are as it says, else None."""
    try:
        data = json.loads(_record_path(cache_dir, root).read_text(encoding="utf-8"))
        record = Record(
            key=str(data["key"]),
            state=str(data["state"]),
            files=int(data["files"]),
            kept=tuple(str(k) for k in data["kept"]),
            messages=tuple(str(m) for m in data["messages"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if record.key != key or record.state != folder_state(root):
        return None
    return record


def save(
    cache_dir: Path,
    root: Path,
    key: str,
    files: int,
    kept: Sequence[str],
    messages: Sequence[str],
) -> None:
    """Record a render into DIR that just succeeded (an unwritable cache records nothing)."""
    state = folder_state(root)
    path = _record_path(cache_dir, root)
    if state is None:
        with contextlib.suppress(OSError):
            path.unlink()
        return
    data = {"key": key, "state": state, "files": files, "kept": list(kept)}
    data["messages"] = list(messages)
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(data, sort_keys=True).encode())


__all__ = ["Record", "folder_state", "input_key", "lookup", "save"]
