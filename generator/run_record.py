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

The record also keeps DIR's *content*: per entry of DIR, a digest of the names, types,
permission bits and bytes of everything in it. A checkout of the committed folder (a CI job
with the cache restored, another clone, a branch switched back) has new inodes and times but
the same content: when the folder state differs, DIR is read in full and compared with that,
and when it is the same (and no leftover of a killed render is beside DIR) the record holds.

A render that delta.py may later repeat in part also records, per input file that holds only
InferenceServices, its digest, the InferenceServices it holds and the files it gave DIR; and
the digests of the other input files and of the rest of the input key, which must not change.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import json
import os
import stat
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, NamedTuple

from generator import load, parallel
from generator.namespace_policy import REPO_CONFIG_FILE
from generator.overlays import find as find_overlay
from generator.render_cache import digest, folder_fingerprint, tool_fingerprint
from generator.rendered_index import INDEX_NAME
from generator.schema.validators import write_atomically
from generator.writer import leftover_paths

FORMAT: Final = "3"  # 3: DIR's content is recorded too
# A content digest reads at most this much of DIR; past it, DIR has no content digest (a
# person's huge file in DIR costs a render in full, never a long read on every run).
CONTENT_READ_LIMIT: Final = 1 << 30
_DIR_MODE: Final = "."  # the content digests' entry for DIR's own permission bits
_SHA256_LENGTH: Final = 64


class _Unknown(Exception):
    """Something a render reads cannot be digested here: render instead."""


class LocalFile(NamedTuple):
    """An input file holding only InferenceServices, as the recorded render found it."""

    real: str
    digest: str
    names: tuple[tuple[str, str], ...]  # (namespace, name) of its InferenceServices
    outputs: tuple[str, ...]  # the files it gave DIR


@dataclass(frozen=True, slots=True)
class Parts:
    """What a later render may render again in part (delta.py)."""

    rest: str  # InputState.rest
    fixed: tuple[tuple[str, str, str], ...]  # the other input files: (path, real path, digest)
    local: dict[str, LocalFile]  # by path, as load spells it


@dataclass(frozen=True, slots=True)
class Record:
    """What a render into DIR read, the state it left DIR in, and what it said."""

    key: str
    state: str
    files: int  # our files in DIR (a repeat finds them all unchanged)
    kept: tuple[str, ...]  # a person's files, left alone
    messages: tuple[str, ...]  # the render's warnings and notes, before the write report
    parts: Parts | None = None
    folder: FolderState | None = None  # DIR as `lookup` found it (not stored)
    content: dict[str, str] | None = None  # FolderState.content of DIR as the render left it


@dataclass(frozen=True, slots=True)
class InputState:
    """Everything the render reads: the digest of all of it (`key`), each input file found
    under PATHS (path as load spells it, real path, content digest), and the digest of the
    rest (options, working directory, tool, --config files, overlay, templates)."""

    key: str
    files: tuple[tuple[str, str, str], ...]
    rest: str


def input_state(
    options: Mapping[str, Any],
    paths: Sequence[str],
    config_files: Sequence[str],
    overlay: str | None,
    templates: Path | None,
) -> InputState | None:
    """What the render reads, digested; None when that is not known for sure."""
    try:
        folders: dict[str, str] = {}  # real paths of folders, each resolved once
        found = [_file(p, folders) for p in _input_files(paths)]
        others = [_file(Path(p).as_posix(), folders) for p in config_files]
        if overlay is not None:
            where = find_overlay(overlay)
            others.append(
                _file(where.as_posix(), folders) if where.exists() else ["missing", str(where)]
            )
    except (_Unknown, OSError):
        return None
    rest = digest(
        [
            FORMAT,
            tool_fingerprint(),
            str(Path.cwd()),
            dict(options),
            others,
            folder_fingerprint(templates),
        ]
    )
    files = tuple((p, real, content) for p, real, content in found)
    return InputState(digest([rest, found]), files, rest)


def _input_files(paths: Sequence[str]) -> list[str]:
    """Every file a render may read under `paths`: the input files (hidden ones too, which
    holds the repo config files) of every folder `load.discover` walks, each spelled as load
    spells it (`Path.as_posix()`)."""
    found: set[str] = set()
    for given in paths:
        if given == load.STDIN:
            raise _Unknown(given)
        root = Path(given)
        if root.is_dir():
            for folder, entries in load.input_folders(root):
                prefix = _prefix(folder.as_posix())
                found.update(prefix + n for n, _ in entries if n.endswith(load.INPUT_SUFFIXES))
        else:
            found.add(root.as_posix())
            marker = root.parent / REPO_CONFIG_FILE
            if marker.exists() or marker.is_symlink():
                found.add(marker.as_posix())
    return sorted(found)


def _prefix(folder: str) -> str:
    """What `(Path(folder) / name).as_posix()` puts before `name`."""
    spelled = Path(folder).as_posix()
    return "" if spelled == "." else spelled if spelled.endswith("/") else f"{spelled}/"


def _file(path: str, folders: dict[str, str]) -> list[str]:
    """Name, real path and content digest of one regular file (a FIFO or device is unknown:
    reading it could block). `folders` memoizes the real path of each folder: a file that is
    not a symlink is its folder's real path plus its name."""
    info = os.lstat(path)
    link = stat.S_ISLNK(info.st_mode)
    if link:
        info = Path(path).stat()
    if not stat.S_ISREG(info.st_mode):
        raise _Unknown(path)
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        hasher = hashlib.sha256()
        while chunk := os.read(fd, max(info.st_size + 1, 65536)):
            hasher.update(chunk)
    finally:
        os.close(fd)
    if link:
        return [path, os.path.realpath(path), hasher.hexdigest()]
    folder, slash, name = path.rpartition("/")
    folder = folder or slash or "."  # "/x": the root folder; "x": this one
    if folder not in folders:
        folders[folder] = os.path.realpath(folder)
    return [path, f"{folders[folder].rstrip('/')}/{name}", hasher.hexdigest()]


@dataclass(frozen=True, slots=True)
class FolderState:
    """A digest of the identity and times of DIR, everything in it, and its parent folder
    (whose times show a leftover a killed render left beside DIR); and the digest of each
    entry of DIR with everything under it, from which `refreshed` recomputes only what a
    write changed. `content`: the content digest of each entry, and DIR's permission bits
    (None when not taken, or when DIR holds what has none: a FIFO, too many bytes)."""

    digest: str
    entries: dict[str, str]
    content: dict[str, str] | None = None


def folder_state(root: Path, with_content: bool = True) -> FolderState | None:
    """DIR's state as it is now; None: no DIR (or it changed while being listed)."""
    return refreshed(root, None, (), with_content)


def refreshed(
    root: Path, before: FolderState | None, changed: Collection[str], with_content: bool = True
) -> FolderState | None:
    """DIR's state, taking from `before` the digests of its entries other than `changed`
    (the shard folders a write just exchanged: nothing else in DIR was touched).

    The content digests of the entries taken anew trust each shard's index for the bytes of
    the files it lists: this runs right after a render wrote them (the writer compares the
    bytes of every file it keeps), and `same_content` reads every byte to check them."""
    old = before.content if before is not None else None
    content: dict[str, str] | None = {} if with_content else None
    budget = [CONTENT_READ_LIMIT]
    try:
        top = os.lstat(root)
        parent = os.lstat(root.absolute().parent)
        with os.scandir(root) as listing:
            found = sorted((entry.name, entry) for entry in listing)
        entries = {}
        for name, entry in found:
            again = before is None or name in changed or name not in before.entries
            taken = None
            if content is not None and (again or old is None or name not in old):
                taken = _Content(_indexed(root, name), budget)
            hasher = hashlib.sha256() if again else None
            if hasher is not None or taken is not None:
                _hash_entry(entry, name, hasher, taken)
            if hasher is not None:
                entries[name] = hasher.hexdigest()
            elif before is not None:
                entries[name] = before.entries[name]
            if content is not None:
                content[name] = taken.digest() if taken is not None else old[name]  # type: ignore[index]
    except _Unknown:
        return refreshed(root, before, changed, with_content=False)
    except OSError:
        return None
    lines = _stat_line("..", parent) + _stat_line(".", top)
    lines += "".join(f"{name}\0{digest}\n" for name, digest in entries.items())
    if content is not None:
        content[_DIR_MODE] = f"{stat.S_IMODE(top.st_mode):o}"
    return FolderState(hashlib.sha256(lines.encode()).hexdigest(), entries, content)


def same_content(root: Path, recorded: Mapping[str, str]) -> bool:
    """Whether DIR holds, byte for byte and mode for mode, what the content digests
    `recorded` were taken of (every file is read), with no leftover of a killed render
    beside it. Anything unexpected (a FIFO, an unreadable file, more than the read limit)
    is not the same."""
    if any(os.path.lexists(path) for path in leftover_paths(root)):
        return False
    budget = [CONTENT_READ_LIMIT]
    try:
        top = os.lstat(root)
        if (
            not stat.S_ISDIR(top.st_mode)
            or recorded.get(_DIR_MODE) != f"{stat.S_IMODE(top.st_mode):o}"
        ):
            return False
        with os.scandir(root) as listing:
            found = sorted((entry.name, entry) for entry in listing)
        if sorted([name for name, _ in found] + [_DIR_MODE]) != sorted(recorded):
            return False
        for name, entry in found:
            taken = _Content({}, budget)
            _hash_entry(entry, name, None, taken)
            if taken.digest() != recorded[name]:
                return False
    except (OSError, _Unknown):
        return False
    return True


def _hash_entry(
    entry: os.DirEntry[str], rel: str, hasher: Any | None, content: _Content | None
) -> None:
    """Hash the stat line (into `hasher`) and the content (into `content`) of an entry and,
    for a folder (not a symlink), of all in it."""
    info = entry.stat(follow_symlinks=False)
    if hasher is not None:
        hasher.update(_stat_line(rel, info).encode())
    if content is not None:
        content.add(entry.path, rel, info)
    if stat.S_ISDIR(info.st_mode):
        with os.scandir(entry.path) as listing:
            inner = sorted((e.name, e) for e in listing)
        for name, child in inner:
            _hash_entry(child, f"{rel}/{name}", hasher, content)


class _Content:
    """The content digest of one entry of DIR, taken as the walk goes: for each path in it,
    its name and type, and its permission bits and sha256 (a file), its permission bits (a
    folder) or its target (a symlink). Each line is JSON: no name can pass for two."""

    def __init__(self, known: Mapping[str, str], budget: list[int]) -> None:
        self._known = known  # sha256 of files by path in DIR, from a shard's index
        self._budget = budget  # bytes left to read, shared by the whole walk
        self._hasher = hashlib.sha256()

    def add(self, path: str, rel: str, info: os.stat_result) -> None:
        mode = stat.S_IMODE(info.st_mode)
        line: list[Any]
        if stat.S_ISDIR(info.st_mode):
            line = [rel, "folder", mode]
        elif stat.S_ISLNK(info.st_mode):
            line = [rel, "symlink", str(Path(path).readlink())]
        elif stat.S_ISREG(info.st_mode):
            line = [rel, "file", mode, self._known.get(rel) or self._read(path)]
        else:
            raise _Unknown(rel)
        self._hasher.update(f"{json.dumps(line)}\n".encode())

    def _read(self, path: str) -> str:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
        try:
            if not stat.S_ISREG(os.fstat(fd).st_mode):
                raise _Unknown(path)
            hasher = hashlib.sha256()
            while chunk := os.read(fd, 1 << 20):
                self._budget[0] -= len(chunk)
                if self._budget[0] < 0:
                    raise _Unknown(path)
                hasher.update(chunk)
        finally:
            os.close(fd)
        return hasher.hexdigest()

    def digest(self) -> str:
        return self._hasher.hexdigest()


def _indexed(root: Path, name: str) -> dict[str, str]:
    """The sha256 of each file the index of the shard folder `name` lists (by its path in
    DIR, inside the shard); empty when it has none or it does not read as one."""
    try:
        doc = json.loads((root / name / INDEX_NAME).read_bytes())
        files = doc["files"]
        prefix = f"{name}/"
        return {
            rel: entry["sha256"]
            for rel, entry in files.items()
            if isinstance(rel, str)
            and rel.startswith(prefix)
            and isinstance(entry.get("sha256"), str)
            and len(entry["sha256"]) == _SHA256_LENGTH
        }
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def _stat_line(rel: str, info: os.stat_result) -> str:
    return (
        f"{rel}\0{info.st_mode}\0{info.st_ino}\0{info.st_size}\0"
        f"{info.st_mtime_ns}\0{info.st_ctime_ns}\n"
    )


def _record_path(cache_dir: Path, root: Path) -> Path:
    name = hashlib.sha256(os.path.realpath(root).encode()).hexdigest()
    return cache_dir / "runs" / f"{name}.json"


def state_and_record(
    cache_dir: Path, root: Path, read_state: Callable[[], InputState | None]
) -> tuple[InputState | None, Record | None]:
    """The input state (`read_state()`, an `input_state`) and the record of the last render
    into DIR if one is of use (`lookup`). When there is a record, DIR's folder state is taken
    on the other core while this one reads the inputs: both are mostly system calls (at
    10,000 InferenceServices about 0.35 s for DIR's 43,000 entries and 0.2 s for the inputs)."""
    try:
        recorded = _record_path(cache_dir, root).is_file()
    except OSError:  # a cache folder this user cannot search: no record of use, as in lookup
        recorded = False
    if not recorded:
        return read_state(), None
    with parallel.beside(functools.partial(folder_state, root, False)) as walked:
        state = read_state()
        record = None if state is None else lookup(cache_dir, root, state.key, walked)
    return state, record


def lookup(
    cache_dir: Path,
    root: Path,
    key: str,
    walked: Callable[[], FolderState | None] | None = None,
) -> Record | None:
    """The record of the last render into DIR if DIR is as that render left it and the record
    is of use: its inputs were `key`'s, or it tells what a render of part of them needs.
    `walked` gives `folder_state(root, with_content=False)`, taken as the caller chose."""
    path = _record_path(cache_dir, root)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        record = Record(
            key=str(data["key"]),
            state=str(data["state"]),
            files=int(data["files"]),
            kept=tuple(str(k) for k in data["kept"]),
            messages=tuple(str(m) for m in data["messages"]),
            parts=_parts(data.get("parts")),
            content=_content(data.get("content")),
        )
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None
    if record.key != key and record.parts is None:
        return None  # the folder need not be looked at
    now = walked() if walked is not None else folder_state(root, with_content=False)
    if now is None:
        return None
    if record.state != now.digest:
        if record.content is None or not same_content(root, record.content):
            return None
        # DIR is a copy of what the render left (a checkout): the record now knows it by its
        # new inodes and times too, so the next run need not read it all again.
        data["state"] = now.digest
        with contextlib.suppress(OSError):
            write_atomically(path, json.dumps(data, sort_keys=True).encode())
    now = dataclasses.replace(now, content=record.content)
    return dataclasses.replace(record, state=now.digest, folder=now)


def _content(data: Any) -> dict[str, str] | None:
    """Recorded content digests (raises on malformed ones: then no record is used)."""
    if data is None:
        return None
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise TypeError("content")
    return dict(data)


def _parts(data: Any) -> Parts | None:
    """The recorded Parts (raises on a malformed one: then no record is used)."""
    if data is None:
        return None
    local = {
        str(path): LocalFile(
            str(real),
            str(content),
            tuple((str(ns), str(name)) for ns, name in names),
            tuple(str(rel) for rel in outputs),
        )
        for path, (real, content, names, outputs) in data["local"].items()
    }
    fixed = tuple((str(p), str(r), str(d)) for p, r, d in data["fixed"])
    return Parts(str(data["rest"]), fixed, local)


def save(
    cache_dir: Path,
    root: Path,
    key: str,
    files: int,
    kept: Sequence[str],
    messages: Sequence[str],
    parts: Parts | None = None,
    before: FolderState | None = None,
    changed: Collection[str] = (),
) -> None:
    """Record a render into DIR that just succeeded (an unwritable cache records nothing).
    With `before`, DIR's state as the render found it, only the entries `changed` (the shard
    folders the write exchanged) are listed again."""
    state = folder_state(root) if before is None else refreshed(root, before, changed)
    path = _record_path(cache_dir, root)
    if state is None:
        with contextlib.suppress(OSError):
            path.unlink()
        return
    data: dict[str, Any] = {"key": key, "state": state.digest, "files": files}
    data["content"] = state.content
    data["kept"] = list(kept)
    data["messages"] = list(messages)
    if parts is not None:
        data["parts"] = {
            "rest": parts.rest,
            "fixed": [list(f) for f in parts.fixed],
            "local": {
                path: [f.real, f.digest, [list(n) for n in f.names], list(f.outputs)]
                for path, f in parts.local.items()
            },
        }
    with contextlib.suppress(OSError):
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, json.dumps(data, sort_keys=True).encode())


__all__ = [
    "FolderState",
    "InputState",
    "LocalFile",
    "Parts",
    "Record",
    "folder_state",
    "input_state",
    "lookup",
    "same_content",
    "save",
    "state_and_record",
]
