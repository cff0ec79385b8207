"""The `kserve-gitops` command line: option parsing and printing only, no logic.

`main()` owns the exit codes (errors.py): 0 ok, 1 changes found (diff/check), 2 invalid input
or usage, 3 internal error (traceback only with --debug), 130 interrupted.
"""

from __future__ import annotations

import functools
import json
import os
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from generator import KSERVE_VERSION, __version__, dirlock, flux, output, pipeline, writer
from generator import diff as diffing
from generator.errors import (
    EXIT_CHANGES,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    EXIT_OK,
    Problem,
    ProblemsFound,
    Source,
)
from generator.validate import validate

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


@click.group(context_settings=CONTEXT)
@click.option("--debug", is_flag=True, help="Show the Python traceback of internal errors.")
def cli(debug: bool) -> None:
    """Render what KServe's controller would create, as static manifests for GitOps.

    \b
    Example:
      kserve-gitops render examples/quickstart > rendered.yaml
    """


F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class InputOptions:
    """The options every command that renders takes, as one value."""

    paths: tuple[str, ...]
    namespace: str | None
    config_files: tuple[str, ...]
    no_passthrough: bool
    previous: tuple[str, ...]
    knative_domain: str | None
    overlay: str | None
    templates: Path | None


INPUT_FIELDS = tuple(InputOptions.__dataclass_fields__)


def input_options(command: F) -> F:
    """Add the input options to a command, which receives them as one InputOptions first."""
    options = [
        click.argument("paths", nargs=-1, required=True, type=click.Path()),
        click.option(
            "-n",
            "--namespace",
            help="Namespace for objects without metadata.namespace "
            "[default: $ARGOCD_APP_NAMESPACE].",
        ),
        click.option(
            "--config",
            "config_files",
            multiple=True,
            type=click.Path(dir_okay=False),
            help="An inferenceservice-config ConfigMap (or a `key: JSON` mapping) whose keys "
            "override the built-in and repo config. Repeatable; later files win.",
        ),
        click.option(
            "--no-passthrough",
            is_flag=True,
            help="Drop input objects that are not KServe kinds instead of passing them through.",
        ),
        click.option(
            "--previous",
            multiple=True,
            type=click.Path(),
            help="An earlier render (YAML stream or rendered folder) whose Knative revisions a "
            "canary splits traffic with [default: the -o folder, if it exists].",
        ),
        click.option(
            "--knative-domain",
            help="The domain of Knative Services when the input has no config-domain "
            "ConfigMap [default: example.com].",
        ),
        click.option(
            "--overlay",
            help="An environment overlay: NAME for overlays/NAME/overlay.yaml, or a path. "
            "Its config keys and patches apply after rendering.",
        ),
        click.option(
            "--templates",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="A folder of templates that replace shipped ones of the same name "
            "(e.g. knative-service.yaml.j2).",
        ),
    ]

    @functools.wraps(command)
    def with_inputs(**kwargs: Any) -> Any:
        given = InputOptions(**{name: _frozen(kwargs.pop(name)) for name in INPUT_FIELDS})
        return command(given, **kwargs)

    wrapped: Any = with_inputs
    for option in reversed(options):
        wrapped = option(wrapped)
    return cast(F, wrapped)


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


sync_waves_option = click.option(
    "--sync-waves",
    is_flag=True,
    help="Annotate objects with Argo CD sync waves by kind: ConfigMaps and ServiceAccounts "
    "before workloads, autoscalers and routes after (docs/argocd.md).",
)


def flux_options(command: F) -> F:
    """`--flux-path` and `--flux-source`: Flux Kustomizations per shard in DIR/_flux/;
    `--shard-label`: finer shards than per namespace."""
    path = click.option(
        "--flux-path",
        help="Also write one Flux Kustomization per shard into DIR/_flux/; PATH is DIR's "
        "path inside the Git source (e.g. ./rendered/production).",
    )
    source = click.option(
        "--flux-source",
        default=flux.DEFAULT_SOURCE,
        show_default=True,
        help="The GitRepository [NAMESPACE/]NAME the Kustomizations read; they go in its "
        "namespace.",
    )
    shard = click.option(
        "--shard-label",
        metavar="KEY",
        help="Shard finer: InferenceServices labelled KEY go to their own folder "
        "<namespace>.<value> (for a namespace too big for one kustomize build).",
    )
    return path(source(shard(command)))


def label_shards(result: pipeline.Result, key: str | None) -> dict[tuple[str, str], str]:
    if key is None:
        return {}
    labelled = [
        (a.namespace, a.loaded.name, (a.isvc.get("metadata") or {}).get("labels") or {})
        for a in result.admitted
    ]
    return writer.label_shards(labelled, key)


def flux_settings(path: str | None, source: str) -> flux.FluxOptions | None:
    if path is None:
        return None
    found = flux.parse_source(source)
    if found is None:
        raise click.BadParameter("expected [NAMESPACE/]NAME", param_hint="--flux-source")
    if not flux.valid_path(path):
        raise click.BadParameter("a relative path without '..'", param_hint="--flux-path")
    return flux.FluxOptions(path, *found)


def make_request(
    given: InputOptions, output_dir: Path | None = None, sync_waves: bool = False
) -> pipeline.Request:
    """Options → pipeline request; the output folder doubles as the previous render."""
    previous = given.previous
    if not previous and output_dir is not None:
        previous = (str(output_dir),)
    return pipeline.Request(
        paths=given.paths,
        namespace=given.namespace or os.environ.get("ARGOCD_APP_NAMESPACE") or None,
        config_files=given.config_files,
        passthrough=not given.no_passthrough,
        previous=previous,
        knative_domain=given.knative_domain,
        overlay=given.overlay,
        template_dir=given.templates,
        sync_waves=sync_waves,
    )


PROGRESS_THRESHOLD = 300  # InferenceServices; below this a render is too quick to watch


class _Progress:
    """A progress bar on stderr, only when stderr is a terminal and the repo is large."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_THRESHOLD or not sys.stderr.isatty():
            return
        if self.bar is None:
            self.bar = click.progressbar(length=total, label="rendering", file=sys.stderr)
            self.bar.__enter__()
        self.bar.update(1)
        if done == total:
            self.bar.__exit__(None, None, None)


def run_pipeline(request: pipeline.Request, explain: bool = False) -> pipeline.Result:
    """Run the pipeline and say its warnings (and, if asked, its decisions) on stderr."""
    result = pipeline.run(request, _Progress())
    for warning in sorted(result.warnings):
        click.echo(str(warning), err=True)
    if explain:
        for admitted in result.admitted:
            click.echo(explain_line(admitted), err=True)
    if not request.previous or not any(Path(p).exists() for p in request.previous):
        if any(_has_canary(a) for a in result.admitted):
            click.echo(
                "note: no previous render: canaryTrafficPercent sends 100% to the latest "
                "revision, as on KServe's first rollout",
                err=True,
            )
    return result


def _has_canary(admitted: pipeline.Admitted) -> bool:
    spec = admitted.isvc.get("spec") or {}
    return any(
        (spec.get(c) or {}).get("canaryTrafficPercent") is not None
        for c in ("predictor", "transformer", "explainer")
    )


@cli.command(context_settings=CONTEXT)
@input_options
@sync_waves_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["yaml", "json"]),
    default="yaml",
    show_default=True,
    help="A YAML stream, or a JSON v1 List.",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Write one file per object into this folder (atomically; stale files this tool "
    "wrote are pruned, others kept) instead of printing the stream.",
)
@click.option(
    "--explain",
    is_flag=True,
    help="Say on stderr, per InferenceService, which mode and runtime were chosen and why.",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=dirlock.DEFAULT_LOCK_TIMEOUT,
    show_default=True,
    help="Seconds to wait for another render into the same folder to finish (then exit 2).",
)
@flux_options
def render(
    given: InputOptions,
    sync_waves: bool,
    fmt: str,
    output_dir: Path | None,
    explain: bool,
    lock_timeout: float,
    flux_path: str | None,
    flux_source: str,
    shard_label: str | None,
) -> None:
    """Render the InferenceServices under PATHS and print the manifests on stdout.

    Reads every *.yaml, *.yml and *.json file under PATHS (hidden folders skipped). Invalid
    input prints one line per problem on stderr, nothing on stdout, and exits 2.

    \b
    Examples:
      kserve-gitops render examples/quickstart
      kserve-gitops render apps/ -n team-a --config prod-config.yaml --format json
      kserve-gitops render apps/ -o rendered/
    """
    flux_to = flux_settings(flux_path, flux_source)
    if output_dir is not None:
        # One writer at a time, from reading the previous render to the swap.
        with dirlock.locked(output_dir, lock_timeout):
            result = run_pipeline(make_request(given, output_dir, sync_waves), explain)
            report = write_rendered(output_dir, result, flux_to, shard_label)
        for leftover in report.recovered:
            click.echo(f"removed the leftover of an interrupted render: {leftover}", err=True)
        click.echo(report_line(output_dir, report), err=True)
        for kept in report.kept:
            click.echo(f"left alone (not written by kserve-gitops): {output_dir}/{kept}", err=True)
        return
    request = make_request(given, output_dir, sync_waves)
    result = run_pipeline(request, explain)
    text = output.json_list(result.objects) if fmt == "json" else output.yaml_stream(result.objects)
    click.echo(text, nl=False)


@cli.command(context_settings=CONTEXT)
@input_options
@sync_waves_option
@click.option(
    "-o",
    "--output-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The rendered folder to compare with.",
)
@click.option("--no-color", is_flag=True, help="No colour even on a terminal.")
@click.option(
    "--output",
    "out_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="text: summary and unified diff; json: an RFC 6902 patch per changed object.",
)
@flux_options
def diff(
    given: InputOptions,
    sync_waves: bool,
    output_dir: Path,
    no_color: bool,
    out_format: str,
    flux_path: str | None,
    flux_source: str,
    shard_label: str | None,
) -> None:
    """Show what `render -o DIR` would change in DIR, object by object.

    Exit status: 0 no change, 1 changes, 2 invalid input (like `git diff --exit-code`).

    \b
    Examples:
      kserve-gitops diff apps/ -o rendered/
      kserve-gitops diff apps/ -o rendered/ --output json | jq .
    """
    request = make_request(given, output_dir, sync_waves)
    files = planned_files(request, flux_settings(flux_path, flux_source), shard_label)
    changes = diffing.compare(diffing.rendered_objects(output_dir), files)
    if out_format == "json":
        click.echo(json.dumps([_json_change(c) for c in changes], indent=2, sort_keys=True))
    else:
        color = not no_color and sys.stdout.isatty()
        for change in changes:
            click.echo(f"{change.change}: {change.path} ({change.identity})")
            for line in diffing.summary(change):
                click.echo(f"  {line}")
            click.echo(diffing.unified(change, color), nl=False)
    if changes:
        raise click.exceptions.Exit(EXIT_CHANGES)


def planned_files(
    request: pipeline.Request,
    flux_to: flux.FluxOptions | None = None,
    shard_label: str | None = None,
) -> dict[str, str]:
    """What `render -o` would write: relative path → text."""
    result = run_pipeline(request)
    planned = writer.plan(result.objects, label_shards(result, shard_label))
    if planned.problems:
        raise ProblemsFound(planned.problems)
    if flux_to is None:
        return planned.files
    return {**planned.files, **flux.files(planned.files, flux_to)}


def _json_change(change: diffing.ObjectChange) -> dict[str, Any]:
    return {
        "path": change.path,
        "change": change.change,
        "object": change.identity,
        "patch": diffing.json_patch(change),
    }


@cli.command(context_settings=CONTEXT)
@input_options
@sync_waves_option
@click.option(
    "-o",
    "--output-dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The committed rendered folder.",
)
@flux_options
def check(
    given: InputOptions,
    sync_waves: bool,
    output_dir: Path,
    flux_path: str | None,
    flux_source: str,
    shard_label: str | None,
) -> None:
    """CI gate: exit 1 and list the stale files when DIR is not what `render -o DIR` writes.

    \b
    Example:
      kserve-gitops check apps/ -o rendered/ || echo "run: kserve-gitops render apps/ -o rendered/"
    """
    request = make_request(given, output_dir, sync_waves)
    files = planned_files(request, flux_settings(flux_path, flux_source), shard_label)
    stale = diffing.stale_files(output_dir, files)
    for rel in stale:
        click.echo(f"stale: {output_dir / rel}")
    if stale:
        click.echo(
            f"{len(stale)} file(s) out of date: run kserve-gitops render {' '.join(given.paths)} "
            f"-o {output_dir}",
            err=True,
        )
        raise click.exceptions.Exit(EXIT_CHANGES)
    click.echo(f"{output_dir}: up to date", err=True)


@cli.command(context_settings=CONTEXT)
@input_options
def urls(
    given: InputOptions,
) -> None:
    """Print the URL and cluster-local address KServe would report for each InferenceService.

    Columns: namespace/name, mode, status.url, status.address.url ("-" where KServe sets
    none, e.g. when stopped or for ModelMesh).

    \b
    Example:
      kserve-gitops urls examples/quickstart
    """
    request = make_request(given)
    result = run_pipeline(request)
    for admitted in sorted(result.admitted, key=lambda a: (a.namespace, a.loaded.name)):
        name = f"{admitted.namespace}/{admitted.loaded.name}"
        click.echo(f"{name}\t{admitted.mode}\t{admitted.url or '-'}\t{admitted.address or '-'}")


def write_rendered(
    root: Path,
    result: pipeline.Result,
    flux_to: flux.FluxOptions | None = None,
    shard_label: str | None = None,
) -> writer.WriteReport:
    """Plan the files, refuse conflicts with a person's files, then swap the tree in."""
    files, sources, problems, objects = writer.plan(
        result.objects, label_shards(result, shard_label)
    )
    if flux_to is not None:
        files = {**files, **flux.files(files, flux_to)}
    for rel in writer.conflicts(root, files):
        message = f"{root / rel} exists and was not written by kserve-gitops; move it away"
        problems.append(Problem(Source(str(root / rel)), None, "", message))
    if problems:
        raise ProblemsFound(problems)
    return writer.write_tree(root, files, sources, crash=_crash_hook(), objects=objects)


def _crash_hook() -> writer.CrashHook | None:
    """Fault injection for tests: KSERVE_GITOPS_CRASH_AT=<step> kills the process there."""
    at = os.environ.get("KSERVE_GITOPS_CRASH_AT")
    if not at:
        return None

    def crash(step: str) -> None:
        if step == at:
            os._exit(86)

    return crash


def report_line(root: Path, report: writer.WriteReport) -> str:
    return (
        f"{root}: {len(report.written)} written, {report.unchanged} unchanged, "
        f"{len(report.pruned)} pruned, {len(report.kept)} left alone"
    )


def explain_line(admitted: pipeline.Admitted) -> str:
    """One stderr line saying what admission decided for an InferenceService."""
    ref = f"InferenceService {admitted.namespace}/{admitted.loaded.name}"
    parts = [f"explain: {admitted.loaded.source}: {ref}: mode {admitted.mode}"]
    if admitted.mode == "ModelMesh":
        parts.append("passed through unchanged: the in-cluster ModelMesh controller owns it")
    if admitted.runtime:
        parts.append(f"runtime {admitted.runtime}")
    if admitted.knative_flags:
        parts.append("needs Knative config-features " + ", ".join(admitted.knative_flags))
    return "; ".join(parts)


@cli.command(context_settings=CONTEXT)
def version() -> None:
    """Print the kserve-gitops version and the KServe release it ports.

    \b
    Example:
      kserve-gitops version
    """
    click.echo(f"kserve-gitops {__version__} (KServe {KSERVE_VERSION})")


@cli.command(context_settings=CONTEXT)
@click.argument("shell", type=click.Choice(["bash", "zsh", "fish"]))
def completion(shell: str) -> None:
    """Print the shell completion script for SHELL.

    \b
    Example:
      eval "$(kserve-gitops completion bash)"
    """
    from click.shell_completion import get_completion_class

    cls = get_completion_class(shell)
    if cls is None:  # pragma: no cover - the Choice above lists only supported shells
        raise click.UsageError(f"unsupported shell {shell}")
    click.echo(cls(cli, {}, "kserve-gitops", "_KSERVE_GITOPS_COMPLETE").source())


cli.add_command(validate)


def main(argv: Sequence[str] | None = None) -> None:
    """Entry point: run the CLI and map every outcome to an exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        code = cli.main(args=args, prog_name="kserve-gitops", standalone_mode=False)
    except ProblemsFound as found:
        for problem in found.problems:
            click.echo(str(problem), err=True)
        code = EXIT_INVALID
    except click.exceptions.Abort:
        click.echo("interrupted", err=True)
        code = EXIT_INTERRUPTED
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        code = EXIT_INTERRUPTED
    except click.ClickException as err:
        err.show()
        code = err.exit_code
    except click.exceptions.Exit as done:
        code = done.exit_code
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): not our error; silence Python's own complaint.
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        code = EXIT_OK
    except Exception as err:
        if debug:
            traceback.print_exc()
        message = f"kserve-gitops: internal error: {type(err).__name__}: {err}"
        click.echo(message + ("" if debug else " (run with --debug for the traceback)"), err=True)
        code = EXIT_INTERNAL
    sys.exit(code if isinstance(code, int) else EXIT_OK)


__all__ = ["cli", "main"]
