"""What `status` and `diff --live` do once cli.py has parsed the options and rendered."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import click

from generator import diff as diffing
from generator import output, pipeline
from generator.cluster import kube, live, table
from generator.cluster.status import Report, report_all
from generator.errors import EXIT_CHANGES

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    return datetime.now(UTC).replace(microsecond=0)


@dataclass(frozen=True, slots=True)
class Target:
    """Which cluster: --kubeconfig and --context (None: the defaults)."""

    kubeconfig: str | None
    context: str | None


@dataclass(frozen=True, slots=True)
class StatusOptions:
    out_format: str  # table, yaml or json
    watch: bool
    all_namespaces: bool
    interval: float = 2.0
    limit: int = 0  # polls before a watch stops (0: until interrupted)


def connect(command: str, target: Target) -> kube.Cluster:
    return kube.connect(command, target.kubeconfig, target.context)


def status(
    cluster: kube.Cluster, render: Callable[[], pipeline.Result], options: StatusOptions,
    clock: Clock = utc_now,
) -> None:  # fmt: skip
    """Print the table (or objects) once, then, with --watch, what changes."""
    writer = table.TabWriter()
    shown: dict[tuple[str, str], str] = {}
    notes_shown: dict[tuple[str, str], list[str]] = {}
    result = render()
    polls = 0
    while True:
        now = clock()
        reports = report_all(cluster, result, now)
        for report in reports:
            key = (report.namespace, report.name)
            if notes_shown.get(key) != report.notes:
                notes_shown[key] = report.notes
                for note in report.notes:
                    where = f"InferenceService {report.namespace}/{report.name}"
                    click.echo(f"warning: {where}: {note}", err=True)
        changed = [r for r in reports if shown.get((r.namespace, r.name)) != _signature(r)]
        if polls == 0 and not reports:
            click.echo("No resources found.", err=True)
        if changed or polls == 0:
            shown_now = reports if polls == 0 else changed
            click.echo(_render(shown_now, options, now, writer, polls), nl=False)
        for report in changed:
            shown[(report.namespace, report.name)] = _signature(report)
        polls += 1
        if not options.watch or (options.limit and polls >= options.limit):
            return
        time.sleep(options.interval)


def _signature(report: Report) -> str:
    """What a watch compares: the status without transition times (they are the clock's)."""
    conditions = [
        {k: v for k, v in x.items() if k != "lastTransitionTime"}
        for x in report.status.get("conditions") or ()
    ]
    return json.dumps([{**report.status, "conditions": conditions}, report.notes], sort_keys=True)


def _render(
    reports: Sequence[Report], options: StatusOptions, now: datetime, writer: table.TabWriter,
    polls: int,
) -> str:  # fmt: skip
    objects = [r.as_object() for r in reports]
    if options.out_format == "table":
        with_namespace = options.all_namespaces or len({r.namespace for r in reports}) > 1
        lines = table.rows(objects, now, with_namespace)
        if not objects:
            return ""
        return writer.format(lines if polls == 0 else lines[1:])
    if options.out_format == "json":
        doc: Any = objects[0] if len(objects) == 1 and not options.watch else _list(objects)
        if options.watch:
            return "".join(json.dumps(o, indent=4, sort_keys=True) + "\n" for o in objects)
        return json.dumps(doc, indent=4, sort_keys=True) + "\n"
    if options.watch:
        return "".join(f"---\n{output.dump_yaml(o)}" for o in objects)
    doc = objects[0] if len(objects) == 1 else _list(objects)
    return str(output.dump_yaml(doc))


def _list(objects: Sequence[dict[str, Any]]) -> dict[str, Any]:
    return {"apiVersion": "v1", "kind": "List", "items": list(objects)}


def diff_live(
    cluster: kube.Cluster, result: pipeline.Result, namespaces: Sequence[str], color: bool,
    out_format: str,
) -> None:  # fmt: skip
    """Print what a sync would change in the cluster; exit 1 when anything would."""
    objects = [item.obj for item in result.objects]
    changes = live.compare(cluster, objects, namespaces)
    labels = {diffing.ADDED: "create", diffing.REMOVED: "prune", diffing.CHANGED: "changed"}
    if out_format == "json":
        rows = [
            {
                "object": change.identity,
                "change": labels[change.change],
                "patch": diffing.json_patch(change),
            }
            for change in changes
        ]
        click.echo(json.dumps(rows, indent=2, sort_keys=True))
    else:
        for change in changes:
            click.echo(f"{labels[change.change]}: {change.identity}")
            for line in diffing.summary(change):
                click.echo(f"  {line}")
            click.echo(diffing.unified(change, color), nl=False)
    if changes:
        raise click.exceptions.Exit(EXIT_CHANGES)
