"""The render cache: an unchanged InferenceService is neither admitted, reconciled nor serialised.

One pack file per *run key* (`render/<run key>.pack` in the tool's per-user cache, see
`generator.schema.validators.cache_home`): the run key digests everything global a render of one
InferenceService reads (the resolved config and where each key came from, the runtimes, storage
containers, credentials sources, Knative domain config, template folder, render limits, the
tool's own files and library versions). Inside, one entry per InferenceService, keyed by the
run key, the document, its namespace and its source; an entry holds what admission and the
controller decided, the notes, and every child object with its YAML text. The previous
revisions an entry's reconcile read are stored with it and compared on use.

A pack holds exactly the entries of the last run with its key and is rewritten whole,
atomically, when that set changes; at most `MAX_PACKS` packs and `MAX_BYTES` in all are kept,
least recently used first out. A pack whose checksum fails is ignored; an entry whose head is
not the JSON shape written here is a miss, and its objects stay JSON until something reads
them. Entries are JSON, so reading one runs no code.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import importlib.metadata
import json
import os
import sys
import threading
import time
import zlib
from collections.abc import Iterable, Iterator, KeysView, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from generator.errors import InternalError
from generator.schema.validators import cache_home, write_atomically

FORMAT: Final = "2"  # bumped whenever an entry's layout or meaning changes
NO_CACHE_ENV: Final = "KSERVE_GITOPS_NO_CACHE"  # any non-empty value turns the cache off
DIR_ENV: Final = "KSERVE_GITOPS_CACHE_DIR"  # the render cache folder, instead of cache_home()
MAX_PACKS: Final = 8  # run keys kept (e.g. one per overlay or config variant)
MAX_BYTES: Final = 2 << 30  # all packs together
_STALE_TEMP_SECONDS: Final = 3600  # a temporary file older than this was left by a crash
_MAGIC: Final = b"kserve-gitops render cache"
_DEPENDENCIES: Final = ("PyYAML", "Jinja2", "fastjsonschema", "jsonpatch")


def default_dir() -> Path | None:
    """Where packs go: $KSERVE_GITOPS_CACHE_DIR, else `render/` in the per-user cache; None
    when $KSERVE_GITOPS_NO_CACHE is set or there is no home directory."""
    if os.environ.get(NO_CACHE_ENV):
        return None
    given = os.environ.get(DIR_ENV)
    if given:
        return Path(given).absolute()
    home = cache_home()
    return None if home is None else home / "render"


# --- keys -------------------------------------------------------------------------------------


def _canonical(value: Any) -> Any:
    """JSON-able form of the global inputs: mappings in their order, dataclasses by field."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, Mapping):
        return {"map": [[_canonical(k), _canonical(v)] for k, v in value.items()]}
    if isinstance(value, list | tuple):
        return [_canonical(item) for item in value]
    if isinstance(value, frozenset | set):
        return {"set": sorted(json.dumps(_canonical(item), sort_keys=True) for item in value)}
    if isinstance(value, Path):
        return {"path": str(value)}
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        fields = [[f.name, _canonical(getattr(value, f.name))] for f in dataclasses.fields(value)]
        return {type(value).__qualname__: fields}
    raise InternalError(f"render cache: cannot key a {type(value).__name__}")


def digest(value: Any) -> str:
    """A stable digest of JSON-shaped data, dataclasses and mappings (see `_canonical`)."""
    text = json.dumps(_canonical(value), sort_keys=True, ensure_ascii=False, allow_nan=True)
    return hashlib.sha256(text.encode()).hexdigest()


@functools.cache
def tool_fingerprint() -> str:
    """Every file of the installed package (code, schemas, built-in config, templates), the
    Python version and the libraries that shape output: an edit of any renders anew."""
    package = Path(__file__).resolve().parent
    roots = [package]
    source_templates = package.parent / "templates"  # a source tree's shipped templates
    if not (package / "templates").is_dir() and source_templates.is_dir():
        roots.append(source_templates)
    hasher = hashlib.sha256(f"{FORMAT}\0{sys.version}\0".encode())
    for name in _DEPENDENCIES:
        with contextlib.suppress(importlib.metadata.PackageNotFoundError):
            hasher.update(f"{name} {importlib.metadata.version(name)}\0".encode())
    for root in roots:
        for path in sorted(root.rglob("*")):
            if "__pycache__" in path.parts or not path.is_file():
                continue
            hasher.update(f"{path.relative_to(root).as_posix()}\0".encode())
            hasher.update(hashlib.sha256(path.read_bytes()).digest())
    return hasher.hexdigest()


def folder_fingerprint(folder: Path | None) -> list[list[str]]:
    """Names and content digests of a --templates folder's files (unreadable ones by name)."""
    if folder is None:
        return []
    try:
        paths = sorted(folder.iterdir())
    except OSError:
        return [["(unreadable)", str(folder)]]
    out: list[list[str]] = []
    for path in paths:
        if not path.is_file():  # a FIFO would block the read; a folder is not a template
            out.append([path.name, "not a file"])
            continue
        try:
            content = hashlib.sha256(path.read_bytes()).hexdigest()
        except OSError:
            content = "-"
        out.append([path.name, content])
    return out


def item_key(run_key: str, doc: Mapping[str, Any], namespace: str, source: object) -> str | None:
    """The key of one InferenceService's entry, or None when its document is not plain JSON."""
    try:
        text = json.dumps(doc, sort_keys=True, ensure_ascii=False, allow_nan=False)
    except (TypeError, ValueError, RecursionError):
        return None
    head = f"{run_key}\0{namespace}\0{source!r}\0"
    return hashlib.sha256((head + text).encode()).hexdigest()


# --- entries ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Child:
    """One object an entry holds: the object (or, as a worker sends it, its JSON text, decoded
    when first read), its YAML text, its identity (apiVersion, kind, namespace, name) and the
    config-features flags it needs ((flag, field) pairs; none unless a Knative Service)."""

    obj: dict[str, Any] | None
    encoded: str | None
    text: str
    identity: tuple[str, str, str, str]
    knative_needs: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Entry:
    """What rendering one InferenceService decided, as the pipeline stores and reuses it."""

    isvc: dict[str, Any]  # the defaulted InferenceService
    mode: str
    mode_reason: str
    runtime: str | None
    url: str | None
    address: str | None
    runtime_reason: str
    notes: tuple[str, ...]
    objects: tuple[Child, ...]
    # the previous revisions the reconcile looked up: ((namespace, name), revision or None)
    previous: tuple[tuple[tuple[str, str], str | None], ...] = field(default=())


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, allow_nan=False, separators=(",", ":"))


def encode_entry(entry: Entry) -> str | None:
    """The entry as one line: a JSON head, then each object's JSON after a tab (compact JSON
    holds no raw tab or newline), or None if it holds something JSON cannot say exactly."""
    head = [
        entry.isvc,
        entry.mode,
        entry.mode_reason,
        entry.runtime,
        entry.url,
        entry.address,
        entry.runtime_reason,
        list(entry.notes),
        [[c.text, *c.identity, [list(n) for n in c.knative_needs]] for c in entry.objects],
        [[ns, name, rev] for (ns, name), rev in entry.previous],
    ]
    try:
        parts = [_dumps(head)]
        parts += [_dumps(c.obj) if c.obj is not None else c.encoded or "" for c in entry.objects]
    except (TypeError, ValueError, RecursionError):
        return None
    return "\t".join(parts)


def decode_entry(text: str) -> Entry | None:
    """The entry `encode` wrote, or None for anything else (a corrupt or foreign line). The
    head is checked whole; the objects stay JSON until read (records.Rendered.encoded), like a
    worker's: a pack whose checksum holds was written by this tool. A List or a
    CustomResourceDefinition, read by every run, is decoded and checked now."""
    head_text, *encoded = text.split("\t")
    try:
        doc = json.loads(head_text)
    except (ValueError, RecursionError):
        return None
    if not isinstance(doc, list) or len(doc) != 10:
        return None
    isvc, mode, mode_reason, runtime, url, address, runtime_reason, notes, heads, prev = doc
    if not (
        isinstance(isvc, dict)
        and all(isinstance(v, str) for v in (mode, mode_reason, runtime_reason))
        and all(v is None or isinstance(v, str) for v in (runtime, url, address))
        and isinstance(notes, list)
        and all(isinstance(n, str) for n in notes)
        and isinstance(heads, list)
        and len(heads) == len(encoded)
        and all(_object_head(h, o) for h, o in zip(heads, encoded, strict=True))
        and isinstance(prev, list)
        and all(_previous_read(read) for read in prev)
    ):
        return None
    return _entry(doc, [None] * len(encoded), encoded)


def decode_own_entry(text: str) -> Entry:
    """An entry this run's render worker encoded: its shape is known, so unlike an entry read
    from a pack it is not checked, and its objects stay JSON until read."""
    head_text, *encoded = text.split("\t")
    return _entry(json.loads(head_text), [None] * len(encoded), encoded)


def _entry(doc: list[Any], objects: Sequence[Any], encoded: Sequence[str]) -> Entry:
    isvc, mode, mode_reason, runtime, url, address, runtime_reason, notes, heads, prev = doc
    children = tuple(
        Child(obj, one, text, (api_version, kind, namespace, name), tuple(map(tuple, needs)))
        for obj, one, (text, api_version, kind, namespace, name, needs) in zip(
            objects, encoded, heads, strict=True
        )
    )
    return Entry(
        isvc,
        mode,
        mode_reason,
        runtime,
        url,
        address,
        runtime_reason,
        tuple(notes),
        children,
        tuple(((ns, name), rev) for ns, name, rev in prev),
    )


def _object_head(head: Any, encoded: str) -> bool:
    """[text, apiVersion, kind, namespace, name, needs] of strings and (flag, field) pairs, and
    the object's JSON: an object, and for a List or a CustomResourceDefinition (decoded when
    the entry is used) one with a metadata mapping."""
    if not (isinstance(head, list) and len(head) == 6):
        return False
    *strings, needs = head
    if not (
        all(isinstance(one, str) for one in strings)
        and isinstance(needs, list)
        and all(_pair_of_strings(one) for one in needs)
        and encoded.startswith("{")
        and encoded.endswith("}")
    ):
        return False
    kind = strings[2]
    if not (kind.endswith("List") or kind == "CustomResourceDefinition"):
        return True
    try:
        obj = json.loads(encoded)
    except (ValueError, RecursionError):
        return False
    return isinstance(obj, dict) and isinstance(obj.get("metadata"), dict)


def _pair_of_strings(value: Any) -> bool:
    return isinstance(value, list) and len(value) == 2 and all(isinstance(x, str) for x in value)


def _previous_read(read: Any) -> bool:
    return (
        isinstance(read, list)
        and len(read) == 3
        and isinstance(read[0], str)
        and isinstance(read[1], str)
        and (read[2] is None or isinstance(read[2], str))
    )


class RecordingRevisions(Mapping[tuple[str, str], str]):
    """The previous revisions, recording every lookup (the entry's dependency on them)."""

    def __init__(self, revisions: Mapping[tuple[str, str], str]) -> None:
        self._revisions = revisions
        self.reads: dict[tuple[str, str], str | None] = {}

    def __getitem__(self, key: tuple[str, str]) -> str:
        value = self._revisions.get(key)
        self.reads[key] = value
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        if not (isinstance(key, tuple) and len(key) == 2):
            return False
        try:
            self[key]
        except KeyError:
            return False
        return True

    def __iter__(self) -> Any:
        raise InternalError("render cache: the previous revisions were listed, not looked up")

    def __len__(self) -> int:
        raise InternalError("render cache: the previous revisions were counted, not looked up")


def still_valid(entry: Entry, revisions: Mapping[tuple[str, str], str]) -> bool:
    """Whether every previous revision the entry's reconcile read is still the same."""
    return all(revisions.get(key) == value for key, value in entry.previous)


# --- packs ------------------------------------------------------------------------------------


class Pack:
    """The entries of one run key: read once, looked up per InferenceService, saved at the end
    if this run's set of entries differs from what was read."""

    def __init__(self, folder: Path | None, run_key: str) -> None:
        self.folder = folder
        self.run_key = run_key
        self.path = None if folder is None else folder / f"{run_key[:40]}.pack"
        self._stored = _Entries(b"", 0) if self.path is None else _read_pack(self.path, run_key)
        self._used: dict[str, str] = {}
        self._changed = False

    def get(self, key: str) -> str | None:
        """The stored entry text for `key` (kept for the next save), or None."""
        text = self._stored.get(key)
        if text is not None:
            self._used[key] = text
        return text

    def put(self, key: str, text: str) -> None:
        """Store a fresh entry (replacing an unusable stored one)."""
        self._used[key] = text
        self._changed = True

    def drop(self, key: str) -> None:
        """Forget an entry that turned out unusable."""
        if self._used.pop(key, None) is not None:
            self._changed = True

    def save(self) -> None:
        """Write the pack if its entries changed, else mark it recently used; then prune.
        A cache that cannot be written is no error: the next run renders again."""
        if self.path is None or self.folder is None:
            return
        with contextlib.suppress(OSError):
            if self._changed or self._used.keys() != self._stored.keys():
                write_atomically(self.path, _pack_bytes(self.run_key, self._used))
            elif self._stored:
                os.utime(self.path)
            prune(self.folder, keep=self.path)


@contextlib.contextmanager
def saving(pack: Pack | None) -> Iterator[None]:
    """Save `pack` in a thread while the body runs; an exception of the save is raised after
    the body, as if it had been saved before."""
    if pack is None:
        yield
        return
    failed: list[BaseException] = []

    def save() -> None:
        try:
            pack.save()
        except BaseException as err:  # raised again in the caller's thread
            failed.append(err)

    thread = threading.Thread(target=save, name="render-cache-save")
    thread.start()
    try:
        yield
    finally:
        thread.join()
    if failed:
        raise failed[0]


def _pack_bytes(run_key: str, entries: Mapping[str, str]) -> bytes:
    body = "".join(f"{key} {text}\n" for key, text in entries.items()).encode()
    header = b"%s %s %s %d %08x\n" % (
        _MAGIC,
        FORMAT.encode(),
        run_key.encode(),
        len(body),
        zlib.crc32(body),
    )
    return header + body


def _read_pack(path: Path, run_key: str) -> _Entries:
    """The entries of a pack written for `run_key`; nothing if it is missing or damaged."""
    try:
        data = path.read_bytes()
    except OSError:
        return _Entries(b"", 0)
    start = data.find(b"\n") + 1
    parts = data[: max(start - 1, 0)].split(b" ")
    expected = [*_MAGIC.split(b" "), FORMAT.encode(), run_key.encode()]
    if not start or len(parts) != len(expected) + 2 or parts[: len(expected)] != expected:
        return _Entries(b"", 0)
    size, checksum = parts[-2], parts[-1]
    body = memoryview(data)[start:]  # a 100 MB pack is not copied to be checked
    if size != b"%d" % len(body) or checksum != b"%08x" % zlib.crc32(body):
        return _Entries(b"", 0)
    return _Entries(data, start)


class _Entries:
    """A pack's lines (`<64-character key> <entry>`) found by key, each decoded when asked for:
    splitting and decoding a whole pack cost more than the rest of a cached run's reading."""

    def __init__(self, data: bytes, start: int) -> None:
        self._data = data
        self._spans: dict[str, tuple[int, int]] = {}
        while (end := data.find(b"\n", start)) >= 0:
            key = data[start : start + 64]
            if end - start >= 65 and data[start + 64] == 0x20 and b" " not in key and key.isascii():
                self._spans[key.decode("ascii")] = (start + 65, end)
            start = end + 1

    def get(self, key: str) -> str | None:
        span = self._spans.get(key)
        if span is None:
            return None
        try:
            return self._data[span[0] : span[1]].decode()
        except UnicodeDecodeError:
            return None

    def keys(self) -> KeysView[str]:
        return self._spans.keys()

    def __bool__(self) -> bool:
        return bool(self._spans)


def prune(folder: Path, keep: Path | None = None) -> None:
    """Keep the `MAX_PACKS` most recently used packs within `MAX_BYTES`; remove temporary
    files a crashed run left."""
    now = time.time()
    packs: list[tuple[float, int, Path]] = []
    for entry in _listing(folder):
        try:
            stat = entry.stat()
        except OSError:
            continue
        if entry.name.endswith(".tmp"):
            if now - stat.st_mtime > _STALE_TEMP_SECONDS:
                _unlink(entry)
        elif entry.name.endswith(".pack"):
            packs.append((stat.st_mtime, stat.st_size, entry))
    packs.sort(key=lambda p: (p[2] != keep, -p[0], p[2].name))  # the current one first
    total = 0
    for count, (_, size, path) in enumerate(packs):
        total += size
        if path != keep and (count >= MAX_PACKS or total > MAX_BYTES):
            _unlink(path)


def _listing(folder: Path) -> Iterable[Path]:
    try:
        return list(folder.iterdir())
    except OSError:
        return []


def _unlink(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def run_key(parts: Sequence[Any]) -> str:
    """The run key of the global inputs (see the module docstring) with the tool's fingerprint."""
    return digest([FORMAT, tool_fingerprint(), *parts])


__all__ = [
    "DIR_ENV",
    "FORMAT",
    "NO_CACHE_ENV",
    "Child",
    "Entry",
    "Pack",
    "RecordingRevisions",
    "decode_entry",
    "decode_own_entry",
    "default_dir",
    "digest",
    "encode_entry",
    "folder_fingerprint",
    "item_key",
    "prune",
    "run_key",
    "saving",
    "still_valid",
]
