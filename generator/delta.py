"""A change to a few InferenceService files, rendered as such: `render -o DIR` reads, renders
and writes only what changed, and leaves every other file of DIR as the last render left it.

The last render into DIR recorded (run_record.py), for each input file that holds only
InferenceServices, its content digest, the InferenceServices in it and the files it gave
DIR; and the digests of everything else it read. When everything else is unchanged, DIR is
as that render left it, and the render said nothing (no warning, no note), a full render
would differ from it only in the files of the changed input files: each such file renders
on its own (`pipeline.Result.partial`: nothing rendered reads two InferenceServices) and a
render into a folder it wrote reproduces that folder (the no-change record relies on this
too). So the pipeline runs on the input set without the unchanged files (the global inputs,
config and runtimes are read as ever) and the writer exchanges the one shard folder the
change lies in, or, for a change in several shards, the whole tree, built from hard links of
every other file of DIR without reading them.

Whatever this cannot show to give the full render's result gives None before anything is
written, and the caller renders in full: a problem or message of any kind (the full render
then reports it as it always does), a changed file that holds anything but InferenceServices,
an InferenceService named like one in an unchanged file, an output path another file has, a
change outside existing shards (a shard added or left empty), more than MAX_CHANGED files.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

from generator import pipeline, rendered_index, writer
from generator.errors import ProblemsFound
from generator.run_record import InputState, LocalFile, Parts, Record

# Beyond this many changed input files a full render (with its cache) is as quick.
MAX_CHANGED = 64


@dataclass(frozen=True, slots=True)
class Change:
    """The input files that changed since the recorded render, and those that did not."""

    changed: frozenset[str]  # new or edited, by path as load spells it
    removed: frozenset[str]
    unchanged: frozenset[str]
    documents: int  # the InferenceServices in the unchanged files


@dataclass(frozen=True, slots=True)
class Outcome:
    """A change rendered and written: what the write report and the next record need."""

    written: list[str]
    pruned: list[str]
    files: int  # our files in DIR now
    parts: Parts
    shards: frozenset[str] | None  # the shard folders exchanged; None: the whole tree


def find_change(record: Record, state: InputState) -> Change | None:
    """The changed input files, if only files that held only InferenceServices changed (and
    new files, to be checked once read), else None."""
    parts = record.parts
    if parts is None or record.messages or parts.rest != state.rest:
        return None
    current = {path: (real, content) for path, real, content in state.files}
    if any(current.get(path) != (real, content) for path, real, content in parts.fixed):
        return None
    fixed = {path for path, _, _ in parts.fixed}
    changed = frozenset(
        path
        for path, now in current.items()
        if path not in fixed
        and (path not in parts.local or now != (parts.local[path].real, parts.local[path].digest))
    )
    removed = frozenset(path for path in parts.local if path not in current)
    if not changed | removed or len(changed | removed) > MAX_CHANGED:
        return None
    unchanged = frozenset(parts.local) - changed - removed
    documents = sum(len(parts.local[path].names) for path in unchanged)
    return Change(changed, removed, unchanged, documents)


def render_change(
    request: pipeline.Request,
    root: Path,
    record: Record,
    state: InputState,
    change: Change,
    crash: writer.CrashHook | None = None,
) -> Outcome | None:
    """Render the changed files and write their files into DIR (`root`; the caller holds its
    lock), or None with nothing written when the result might not be the full render's."""
    parts = record.parts
    done = _render_changed(request, record, change)
    if parts is None or done is None:
        return None
    result, planned, outputs, before = done
    sources = planned.sources
    wrote = writer.write_change(root, outputs, before - set(outputs), sources, planned.objects,
                                crash)  # fmt: skip
    if wrote is None:
        return None
    written, pruned, shards = wrote
    local = {path: f for path, f in parts.local.items() if path in change.unchanged}
    local.update(_file_records(change.changed, result, sources))
    files = record.files - len(before - set(outputs)) + len(set(outputs) - before)
    recorded = _with_digests(Parts(parts.rest, parts.fixed, local), state)
    return Outcome(written, pruned, files, recorded, shards)


class _Changed(NamedTuple):
    """The changed files rendered: the result, its plan, the files they give DIR (path →
    text), and the files the changed and removed input files gave DIR before."""

    result: pipeline.Result
    planned: writer.Plan
    outputs: dict[str, str]
    before: set[str]


def _render_changed(request: pipeline.Request, record: Record, change: Change) -> _Changed | None:
    """Render the changed files alone; None when that might not give the full render's."""
    parts = record.parts
    if parts is None:
        return None
    # Without the render cache: its pack keeps the entries of the run that saves it, and
    # reading it costs more than rendering a few InferenceServices.
    partial = dataclasses.replace(
        request, skip=change.unchanged, skipped_documents=change.documents, cache_dir=None
    )
    try:
        result = pipeline.run(partial)
    except ProblemsFound:
        return None  # the full render reports them, each where it always does
    if not result.partial or result.warnings or not change.changed <= result.local_files:
        return None
    taken = {n for path in change.unchanged for n in parts.local[path].names}
    if any((a.namespace, a.loaded.name) in taken for a in result.admitted):
        return None  # named twice: the full render says where
    planned = writer.plan(result.objects)
    if planned.problems:
        return None
    sources = planned.sources
    outputs = {rel: text for rel, text in planned.files.items() if sources[rel] in change.changed}
    before = {
        rel
        for path in change.changed | change.removed
        if path in parts.local
        for rel in parts.local[path].outputs
    }
    others = {rel for path in change.unchanged for rel in parts.local[path].outputs}
    if not others.isdisjoint(outputs):
        return None  # two objects for one file: the full render says which
    return _Changed(result, planned, outputs, before)


class Planned(NamedTuple):
    """What `render -o DIR` would say and plan: the files it would write (path → text), the
    paths of the files it would leave as DIR has them (unread), and DIR's index if read for
    that. `current`: DIR is exactly as the recorded render of these same inputs left it, so
    that render would write nothing (and nothing else was read)."""

    messages: list[str]
    files: dict[str, str]
    unchanged: frozenset[str] = frozenset()
    dir_index: rendered_index.Index | None = None
    current: bool = False


def planned_files(
    request: pipeline.Request, root: Path, record: Record, state: InputState
) -> Planned | None:
    """For `check` and `diff`, from the record: the recorded render's files are in DIR as it
    left them, and of them only those of the changed InferenceService files change, rendered
    alone (without the Flux files). None when that might not be the full render's (then
    render in full)."""
    if record.key == state.key:  # as `render -o DIR` would find, nothing is to be written
        return Planned(list(record.messages), {}, current=True)
    change = find_change(record, state)
    done = None if change is None else _render_changed(request, record, change)
    if done is None:
        return None
    outputs, dropped = done.outputs, done.before
    try:
        index = rendered_index.read_index(writer.resolve_dir(root))
    except ProblemsFound:
        return None  # the full render says what is wrong with DIR
    unchanged = frozenset(
        rel
        for rel in index.files
        if rel not in dropped
        and rel not in outputs
        and writer.shard_of(rel) != rendered_index.FLUX_DIR
    )
    return Planned([], outputs, unchanged, index)


def _file_records(
    paths: frozenset[str], result: pipeline.Result, sources: Mapping[str, str]
) -> dict[str, LocalFile]:
    """The record of each of `paths` after this render (its real path and digest are filled
    in by the caller, who read them)."""
    outputs: dict[str, list[str]] = {}
    for rel, source in sources.items():
        if source in paths:
            outputs.setdefault(source, []).append(rel)
    names: dict[str, list[tuple[str, str]]] = {}
    for admitted in result.admitted:
        if admitted.loaded.source.path in paths:
            names.setdefault(admitted.loaded.source.path, []).append(
                (admitted.namespace, admitted.loaded.name)
            )
    return {
        path: LocalFile("", "", tuple(names.get(path, ())), tuple(sorted(outputs.get(path, ()))))
        for path in paths
    }


def parts_of(
    state: InputState, result: pipeline.Result, sources: Mapping[str, str]
) -> Parts | None:
    """What a later render needs to render this one in part, or None when it cannot."""
    if not result.partial:
        return None
    read = {path for path, _, _ in state.files}
    local = _file_records(frozenset(result.local_files & read), result, sources)
    fixed = tuple(f for f in state.files if f[0] not in local)
    return _with_digests(Parts(state.rest, fixed, local), state)


def _with_digests(parts: Parts, state: InputState) -> Parts:
    """`parts` with each local file's real path and digest as `state` read them."""
    found = {path: (real, content) for path, real, content in state.files}
    return dataclasses.replace(
        parts,
        local={
            path: f._replace(real=found[path][0], digest=found[path][1])
            for path, f in parts.local.items()
        },
    )


__all__ = [
    "MAX_CHANGED",
    "Change",
    "Outcome",
    "Planned",
    "find_change",
    "parts_of",
    "planned_files",
    "render_change",
]
