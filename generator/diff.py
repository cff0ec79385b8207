"""Compare a fresh render with a rendered directory: per object added, removed or changed.

A change is judged on the parsed objects, so key order and formatting are not changes; the
report gives a semantic summary (deepdiff), a unified YAML diff for people, and an RFC 6902
JSON patch per changed object (jsonpatch) for programs. `stale_files` is the byte-level check
behind `check`: what `render -o` would write differs from what the directory holds.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonpatch
import yaml

from generator import rendered_index, writer

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

ADDED, REMOVED, CHANGED = "added", "removed", "changed"
_PATH_PART = re.compile(r"\[('(?:[^'\\]|\\.)*'|\d+)\]")


@dataclass(frozen=True, slots=True)
class ObjectChange:
    """One object that differs between the directory (old) and the fresh render (new)."""

    path: str
    change: str  # added, removed or changed
    old_text: str
    new_text: str
    old: Any
    new: Any

    @property
    def identity(self) -> str:
        obj = self.new if self.new is not None else self.old
        meta = (obj or {}).get("metadata") or {}
        ns = f"{meta.get('namespace')}/" if meta.get("namespace") else ""
        return f"{(obj or {}).get('kind', '?')} {ns}{meta.get('name', '?')}"


def _load(text: str) -> Any:
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.YAMLError:
        return text  # a hand-broken file compares as text


def rendered_objects(
    root: Path, unchanged: Collection[str] = (), index: rendered_index.Index | None = None
) -> dict[str, str]:
    """The files this tool wrote into `root` (per its validated index, read here unless
    given), but for those known to be `unchanged`: path → text."""
    root = writer.resolve_dir(root)
    if index is None:
        index = rendered_index.read_index(root)
    listed = sorted(rel for rel in index.files if rel not in unchanged)
    return {
        rel: (root / rel).read_text(encoding="utf-8") for rel in listed if (root / rel).is_file()
    }


def compare(old: Mapping[str, str], new: Mapping[str, str]) -> list[ObjectChange]:
    """Object changes between two path → text maps, sorted by path."""
    changes = []
    for path in sorted(set(old) | set(new)):
        before, after = old.get(path), new.get(path)
        if before is None:
            changes.append(ObjectChange(path, ADDED, "", after or "", None, _load(after or "")))
        elif after is None:
            changes.append(ObjectChange(path, REMOVED, before, "", _load(before), None))
        elif before != after:  # the same text is the same object: not parsed twice
            old_obj, new_obj = _load(before), _load(after)
            if old_obj != new_obj:
                changes.append(ObjectChange(path, CHANGED, before, after, old_obj, new_obj))
    return changes


def unified(change: ObjectChange, color: bool) -> str:
    """The unified diff of one object's YAML, coloured for a terminal when asked."""
    lines = difflib.unified_diff(
        change.old_text.splitlines(keepends=True),
        change.new_text.splitlines(keepends=True),
        f"a/{change.path}" if change.change != ADDED else "/dev/null",
        f"b/{change.path}" if change.change != REMOVED else "/dev/null",
    )
    out = []
    for line in lines:
        line = line if line.endswith("\n") else line + "\n"
        if color:
            line = _paint(line)
        out.append(line)
    return "".join(out)


def _paint(line: str) -> str:
    codes = {"+": "32", "-": "31", "@": "36"}
    if line.startswith(("+++", "---")):
        return f"\033[1m{line.rstrip()}\033[0m\n"
    code = codes.get(line[:1])
    return f"\033[{code}m{line.rstrip()}\033[0m\n" if code else line


def summary(change: ObjectChange) -> list[str]:
    """Semantic lines for a changed object: `~ path: old → new`, `+ path`, `- path`."""
    if change.change != CHANGED:
        return []
    # Imported here: deepdiff (with pydantic) costs ~90 ms of start-up that render never needs.
    from deepdiff import DeepDiff

    found = DeepDiff(change.old, change.new, verbose_level=2)
    lines = []
    for path, values in sorted(found.get("values_changed", {}).items()):
        old, new = values["old_value"], values["new_value"]
        lines.append(f"~ {_dotted(path)}: {_short(old)} → {_short(new)}")
    for path, values in sorted(found.get("type_changes", {}).items()):
        old, new = values["old_value"], values["new_value"]
        lines.append(f"~ {_dotted(path)}: {_short(old)} → {_short(new)}")
    for key in ("dictionary_item_added", "iterable_item_added"):
        lines.extend(f"+ {_dotted(path)}" for path in sorted(found.get(key, {})))
    for key in ("dictionary_item_removed", "iterable_item_removed"):
        lines.extend(f"- {_dotted(path)}" for path in sorted(found.get(key, {})))
    return lines


def _dotted(path: str) -> str:
    """deepdiff's `root['spec']['containers'][0]` → `spec.containers[0]`."""
    out = ""
    for part in _PATH_PART.findall(path.removeprefix("root")):
        if part.isdigit():
            out += f"[{part}]"
        else:
            key = part[1:-1]
            out += f".{key}" if out else key
    return out or "."


def _short(value: Any) -> str:
    text = repr(value) if not isinstance(value, str) else f'"{value}"'
    return text if len(text) <= 80 else text[:77] + "..."


def json_patch(change: ObjectChange) -> list[dict[str, Any]]:
    """The RFC 6902 patch from the old object to the new one."""
    old = change.old if change.old is not None else {}
    new = change.new if change.new is not None else {}
    patch: list[dict[str, Any]] = jsonpatch.make_patch(old, new).patch
    return patch


def stale_files(
    root: Path,
    files: Mapping[str, str],
    unchanged: Collection[str] = (),
    index: rendered_index.Index | None = None,
) -> list[str]:
    """Files that `render -o root` would add, change or remove (kustomizations too), given
    the files it writes (path → text), the paths of those it leaves as they are, and DIR's
    index when already read."""
    root = writer.resolve_dir(root)
    expected = {**files, **writer.kustomizations([*files, *unchanged])}
    stale = []
    ours = (rendered_index.read_index(root) if index is None else index).ours()
    for rel in sorted(set(expected) | (ours - set(unchanged))):
        path = root / rel
        want = expected.get(rel)
        try:
            regular = path.is_file() and not path.is_symlink()
            have = path.read_text(encoding="utf-8") if regular else None
        except OSError:
            have = None
        if want != have:
            stale.append(rel)
    return stale
