"""`kubectl get isvc`'s table: the CRD's printer columns, as the API server and kubectl print them.

The columns are the InferenceService CRD's `additionalPrinterColumns` (KServe v0.20.0). Cells
follow apiextensions-apiserver's table convertor (first JSONPath match; none is an empty
cell; `date` is an age by `duration.HumanDuration`); the layout is kubectl's: upper-case
headers, `NAMESPACE` first with `-A`, and Go's tabwriter (min width 6, padding 3).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

TABWRITER_MIN_WIDTH = 6
TABWRITER_PADDING = 3


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str
    json_path: str


# The InferenceService CRD's additionalPrinterColumns (after NAME, which every table has).
COLUMNS = (
    Column("URL", "string", ".status.url"),
    Column("Ready", "string", ".status.conditions[?(@.type=='Ready')].status"),
    Column("Prev", "integer", ".status.components.predictor.traffic[?(@.tag=='prev')].percent"),
    Column(
        "Latest",
        "integer",
        ".status.components.predictor.traffic[?(@.latestRevision==true)].percent",
    ),
    Column(
        "PrevRolledoutRevision",
        "string",
        ".status.components.predictor.traffic[?(@.tag=='prev')].revisionName",
    ),
    Column(
        "LatestReadyRevision",
        "string",
        ".status.components.predictor.traffic[?(@.latestRevision==true)].revisionName",
    ),
    Column("Age", "date", ".metadata.creationTimestamp"),
)

_STEP = re.compile(r"\.([A-Za-z0-9_-]+)|\[\?\(@\.([A-Za-z0-9_-]+)==('([^']*)'|true|false)\)\]")


def find(obj: Any, path: str) -> list[Any]:
    """The values the (simple) JSONPath selects: field steps and `[?(@.f==v)]` filters."""
    values = [obj]
    for match in _STEP.finditer(path):
        key, filter_key, literal, text = match.groups()
        found: list[Any] = []
        for value in values:
            if key is not None:
                if isinstance(value, Mapping) and key in value:
                    found.append(value[key])
                continue
            wanted: Any = text if text is not None else literal == "true"
            for item in value if isinstance(value, list) else ():
                if isinstance(item, Mapping) and filter_key in item:
                    have = item[filter_key]
                    if type(have) is type(wanted) and have == wanted:
                        found.append(item)
        values = found
    return values


def human_duration(seconds: float) -> str:
    """Port of apimachinery's `duration.HumanDuration`."""
    whole = int(seconds)
    if whole < -1:
        return "<invalid>"
    if whole < 0:
        return "0s"
    if whole < 60 * 2:
        return f"{whole}s"
    minutes = whole // 60
    if minutes < 10:
        s = whole % 60
        return f"{minutes}m" if s == 0 else f"{minutes}m{s}s"
    if minutes < 60 * 3:
        return f"{minutes}m"
    hours = whole // 3600
    if hours < 8:
        m = minutes % 60
        return f"{hours}h" if m == 0 else f"{hours}h{m}m"
    if hours < 48:
        return f"{hours}h"
    if hours < 24 * 8:
        h = hours % 24
        return f"{hours // 24}d" if h == 0 else f"{hours // 24}d{h}h"
    if hours < 24 * 365 * 2:
        return f"{hours // 24}d"
    if hours < 24 * 365 * 8:
        days = (hours // 24) % 365
        years = hours // 24 // 365
        return f"{years}y" if days == 0 else f"{years}y{days}d"
    return f"{hours // 24 // 365}y"


def parse_time(text: str) -> datetime | None:
    try:
        return datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=UTC)
    except ValueError:
        return None


def cell(column: Column, obj: Mapping[str, Any], now: datetime) -> str:
    """One cell as the server computes it and kubectl prints it ("" for none)."""
    found = find(obj, column.json_path)
    if not found or found[0] is None:
        return ""
    value = found[0]
    if column.type == "string":
        return _go_print(value)
    if column.type == "integer":
        if isinstance(value, bool) or not isinstance(value, int | float):
            return ""
        return str(int(value))
    if column.type == "date":
        if not isinstance(value, str):
            return ""
        when = parse_time(value)
        if when is None:
            return "<invalid>"
        return human_duration((now - when).total_seconds())
    return ""


def _go_print(value: Any) -> str:
    """The JSONPath printer's text for a value (strings as they are)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return value
    return str(value)


def _escaped(text: str) -> str:
    """kubectl's printing of a string cell: up to the first line break, ESC made visible."""
    cut = re.search(r"[\f\n\r]", text)
    if cut:
        text = text[: cut.start()] + "..."
    return text.replace("\x1b", "^[")


def rows(
    objects: Sequence[Mapping[str, Any]], now: datetime, with_namespace: bool
) -> list[list[str]]:
    """Header and one row per object."""
    header = (["NAMESPACE"] if with_namespace else []) + ["NAME"]
    header += [col.name.upper() for col in COLUMNS]
    out = [header]
    for obj in objects:
        meta = obj.get("metadata") or {}
        row = [str(meta.get("namespace") or "")] if with_namespace else []
        row.append(str(meta.get("name") or ""))
        row += [cell(col, obj, now) for col in COLUMNS]
        out.append([_escaped(x) for x in row])
    return out


class TabWriter:
    """Go's text/tabwriter as kubectl sets it up, remembering widths between flushes (-w)."""

    def __init__(self) -> None:
        self.widths: list[int] = []

    def format(self, lines: Sequence[Sequence[str]]) -> str:
        columns = max((len(x) for x in lines), default=0) - 1  # the last cell is not padded
        widths = list(self.widths) + [0] * max(0, columns - len(self.widths))
        for i in range(columns):
            width = max([TABWRITER_MIN_WIDTH, widths[i]])
            for line in lines:
                if i < len(line) - 1:
                    width = max(width, len(line[i]) + TABWRITER_PADDING)
            widths[i] = width
        self.widths = widths
        out = []
        for line in lines:
            text = "".join(
                x.ljust(widths[i]) if i < len(line) - 1 else x for i, x in enumerate(line)
            )
            out.append(text + "\n")
        return "".join(out)
