"""The `kserve-gitops` command line: option parsing and printing only, no logic.

`main()` owns the exit codes (errors.py): 0 ok, 1 changes found (diff/check), 2 invalid input
or usage, 3 internal error (traceback only with --debug), 130 interrupted.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import shlex
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar, cast

import click

from generator import (
    KSERVE_VERSION,
    __version__,
    delta,
    dirlock,
    flux,
    load,
    namespace_policy,
    output,
    pipeline,
    render_cache,
    run_record,
    signals,
    writer,
)
from generator import diff as diffing
from generator import render as templates
from generator.cluster import commands as cluster_commands
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
from generator.goruntime import template as gotemplate
from generator.signals import EXIT_TERMINATED, Interrupted, Terminated
from generator.validate import validate

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}


DEBUG_HELP = "Show the Python traceback of internal errors."
DEPLOYMENT_MODES = ("Knative", "Standard", "ModelMesh", "Serverless", "RawDeployment")


@click.group(context_settings=CONTEXT)
@click.option("--debug", is_flag=True, help=DEBUG_HELP)
@click.version_option(
    __version__,
    "--version",
    prog_name="kserve-gitops",
    message=f"%(prog)s %(version)s (KServe {KSERVE_VERSION})",
    help="Print the version and the KServe release it ports, and exit.",
)
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
    strict: bool
    default_deployment_mode: str | None
    llmisvc_passthrough: bool
    allowed_namespaces: tuple[str, ...]
    allow_cluster_scoped: bool
    no_cache: bool


INPUT_FIELDS = tuple(InputOptions.__dataclass_fields__)
PREVIOUS_HELP = (
    "An earlier render (YAML stream or rendered folder) whose Knative revisions a canary "
    "splits traffic with"
)


# --max-* flag → (the limits value it sets, its field); defaults and meaning in SECURITY.md.
LIMIT_FLAGS: dict[str, tuple[str, str, str]] = {
    "max_file_bytes": ("load", "file_bytes", "Largest input file, in bytes."),
    "max_documents_per_file": ("load", "documents_per_file", "Most YAML documents in one file."),
    "max_documents": ("load", "documents_total", "Most YAML documents in all PATHS."),
    "max_alias_expansions": (
        "load",
        "alias_expansions",
        "Most node visits through YAML aliases in one document.",
    ),
    "max_depth": ("load", "nesting_depth", "Deepest nesting of a YAML document."),
    "max_scalar_chars": ("load", "scalar_chars", "Longest YAML string, in characters."),
    "max_number_digits": ("load", "number_digits", "Most digits of an integer."),
    "max_template_output": ("render", "output_chars", "Largest output of one template render."),
    "max_template_steps": ("render", "steps", "Most steps of one template render."),
}


def _limit_options() -> list[Callable[[Any], Any]]:
    defaults = {"load": load.DEFAULT_LIMITS, "render": templates.DEFAULT_RENDER_LIMITS}
    options = [
        click.option(
            "--" + param.replace("_", "-"),
            type=click.IntRange(min=1),
            default=getattr(defaults[target], field),
            show_default=True,
            hidden=True,  # listed in SECURITY.md; --help stays about what to render
            help=text,
        )
        for param, (target, field, text) in LIMIT_FLAGS.items()
    ]
    options.append(
        click.option(
            "--max-go-template-chars",
            type=click.IntRange(min=1),
            default=gotemplate.SOURCE_LIMIT.get(),
            show_default=True,
            hidden=True,
            help="Longest Go template in KServe's config (domainTemplate, …).",
        )
    )
    return options


@contextlib.contextmanager
def _limits(kwargs: dict[str, Any]) -> Any:
    """Pop the --max-* values from `kwargs` and apply them for the length of the command."""
    load_fields = {f: kwargs.pop(p) for p, (t, f, _) in LIMIT_FLAGS.items() if t == "load"}
    render_fields = {f: kwargs.pop(p) for p, (t, f, _) in LIMIT_FLAGS.items() if t == "render"}
    tokens = (
        load.LIMITS.set(dataclasses.replace(load.DEFAULT_LIMITS, **load_fields)),
        templates.RENDER_LIMITS.set(
            dataclasses.replace(templates.DEFAULT_RENDER_LIMITS, **render_fields)
        ),
        gotemplate.SOURCE_LIMIT.set(kwargs.pop("max_go_template_chars")),
    )
    try:
        yield
    finally:
        load.LIMITS.reset(tokens[0])
        templates.RENDER_LIMITS.reset(tokens[1])
        gotemplate.SOURCE_LIMIT.reset(tokens[2])


def input_options(command: F) -> F:
    """Add the input options to a command that has -o, which receives them as one
    InputOptions first."""
    return _with_inputs(command, PREVIOUS_HELP + " [default: the -o folder, if it exists].")


def input_options_without_output(command: F) -> F:
    """The input options for a command without -o (nothing to default --previous to)."""
    return _with_inputs(command, PREVIOUS_HELP + ".")


debug_option = click.option(
    "--debug", "debug", is_flag=True, help=DEBUG_HELP + " Same as kserve-gitops --debug."
)


def _with_inputs(command: F, previous_help: str) -> F:
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
            "--default-deployment-mode",
            type=click.Choice(DEPLOYMENT_MODES),
            help="The mode of InferenceServices without the serving.kserve.io/deploymentMode "
            "annotation: sets defaultDeploymentMode of the deploy config key, after --config "
            "files and before an overlay's config.",
        ),
        click.option("--previous", multiple=True, type=click.Path(), help=previous_help),
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
            "--strict",
            is_flag=True,
            help="Refuse what is otherwise a warning: objects of KFServing's retired API "
            "group serving.kubeflow.org, which KServe v0.20.0 does not serve.",
        ),
        click.option(
            "--templates",
            type=click.Path(exists=True, file_okay=False, path_type=Path),
            help="A folder of templates that replace shipped ones of the same name "
            "(e.g. knative-service.yaml.j2).",
        ),
        debug_option,
        click.option(
            "--llmisvc-passthrough",
            is_flag=True,
            help="Pass LLMInferenceServices (and their configs) through unchanged, for a "
            "cluster that runs KServe's LLMInferenceService controller.",
        ),
        *namespace_options(),
        click.option(
            "--no-cache",
            is_flag=True,
            help="Render every InferenceService anew instead of reusing the render cache "
            "($KSERVE_GITOPS_CACHE_DIR, else $XDG_CACHE_HOME/kserve-gitops/render); "
            "the output is the same. Also $KSERVE_GITOPS_NO_CACHE=1.",
        ),
    ]

    options += _limit_options()

    @functools.wraps(command)
    def with_inputs(**kwargs: Any) -> Any:
        kwargs.pop("debug")  # main() reads --debug wherever it is given
        given = InputOptions(**{name: _frozen(kwargs.pop(name)) for name in INPUT_FIELDS})
        with _limits(kwargs):
            return command(given, **kwargs)

    wrapped: Any = with_inputs
    for option in reversed(options):
        wrapped = option(wrapped)
    return cast(F, wrapped)


def namespace_options() -> list[Callable[[Any], Any]]:
    """--allowed-namespaces and --allow-cluster-scoped (namespace_policy.py)."""
    return [
        click.option(
            "--allowed-namespaces",
            multiple=True,
            metavar="NS[,NS…]",
            help="Refuse (exit 2) any input or output object in another namespace. Repeatable; "
            "a .kserve-gitops.yaml allowedNamespaces list narrows it further, never widens it.",
        ),
        click.option(
            "--allow-cluster-scoped",
            is_flag=True,
            help="Emit cluster-scoped objects (Namespace, ClusterRole, CRDs, …), which are "
            "otherwise refused.",
        ),
    ]


def allowed_namespaces(values: Sequence[str]) -> frozenset[str] | None:
    """The --allowed-namespaces values as one set (None when not given); a bad name is a
    usage error."""
    allowed, problem = namespace_policy.parse_allowed(values)
    if problem is not None:
        raise click.BadParameter(problem, param_hint="--allowed-namespaces")
    return allowed


def _frozen(value: Any) -> Any:
    return tuple(value) if isinstance(value, list | tuple) else value


def cluster_options(command: F) -> F:
    """--kubeconfig and --context, passed on as one Target."""

    @functools.wraps(command)
    def with_target(*args: Any, **kwargs: Any) -> Any:
        target = cluster_commands.Target(kwargs.pop("kubeconfig"), kwargs.pop("context"))
        return command(*args, target=target, **kwargs)

    wrapped: Any = click.option(
        "--context", help="The kubeconfig context [default: the current context]."
    )(with_target)
    wrapped = click.option(
        "--kubeconfig",
        type=click.Path(dir_okay=False),
        help="The kubeconfig file [default: $KUBECONFIG, ~/.kube/config, else in-cluster].",
    )(wrapped)
    return cast(F, wrapped)


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
        strict=given.strict,
        default_deployment_mode=given.default_deployment_mode,
        llmisvc_passthrough=given.llmisvc_passthrough,
        allowed_namespaces=allowed_namespaces(given.allowed_namespaces),
        allow_cluster_scoped=given.allow_cluster_scoped,
        cache_dir=None if given.no_cache else render_cache.default_dir(),
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
    for line in pipeline_messages(request, result, explain):
        click.echo(line, err=True)
    return result


def pipeline_messages(
    request: pipeline.Request, result: pipeline.Result, explain: bool = False
) -> list[str]:
    """The warnings of a render (and, if asked, its decisions), as stderr lines."""
    return [*render_messages(result, explain), *first_rollout_note(request, result)]


def render_messages(result: pipeline.Result, explain: bool = False) -> list[str]:
    """What a render says of its input set, whatever was rendered before."""
    lines = [str(warning) for warning in sorted(result.warnings)]
    if explain:
        lines += [explain_line(admitted) for admitted in result.admitted]
    return lines


def first_rollout_note(request: pipeline.Request, result: pipeline.Result) -> list[str]:
    """The note for canaries with no previous render to split traffic with (never said by a
    render into a folder it rendered before: that folder is the previous render)."""
    if request.previous and any(Path(p).exists() for p in request.previous):
        return []
    if not any(_has_canary(a) for a in result.admitted):
        return []
    return [
        "note: no previous render: canaryTrafficPercent sends 100% to the latest revision, "
        "as on KServe's first rollout"
    ]


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
@click.option(
    "--allow-empty",
    is_flag=True,
    help="With -o: write an input set that renders no object, pruning every file of the last "
    "render (refused otherwise, as Argo CD's automated sync refuses to prune everything).",
)
@flux_options
def render(
    given: InputOptions,
    sync_waves: bool,
    fmt: str,
    output_dir: Path | None,
    explain: bool,
    lock_timeout: float,
    allow_empty: bool,
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
        options = render_options(given, output_dir, sync_waves, explain, flux_to, shard_label)
        # One writer at a time, from reading the previous render to the swap.
        with dirlock.locked(output_dir, lock_timeout):
            report = _render_into(given, output_dir, options, flux_to, shard_label, allow_empty)
        for leftover in report.recovered:
            click.echo(f"removed the leftover of an interrupted render: {leftover}", err=True)
        click.echo(report_line(output_dir, report), err=True)
        for kept in report.kept:
            click.echo(f"left alone (not written by kserve-gitops): {output_dir}/{kept}", err=True)
        return
    request = make_request(given, output_dir, sync_waves)
    result = run_pipeline(request, explain)
    text = output.json_list(result.objects) if fmt == "json" else output.yaml_stream(result.objects)
    spare(result, text)
    write_stdout(text)


def render_options(
    given: InputOptions,
    output_dir: Path,
    sync_waves: bool,
    explain: bool,
    flux_to: flux.FluxOptions | None,
    shard_label: str | None,
) -> dict[str, Any]:
    """The options of `render -o DIR`, as its record keys them (run_record.input_state)."""
    return {
        "inputs": dataclasses.asdict(given),
        "argocd_namespace": os.environ.get("ARGOCD_APP_NAMESPACE"),
        "output_dir": str(output_dir),
        "sync_waves": sync_waves,
        "explain": explain,
        "flux": None if flux_to is None else dataclasses.asdict(flux_to),
        "shard_label": shard_label,
    }


def _render_into(
    given: InputOptions,
    output_dir: Path,
    options: dict[str, Any],
    flux_to: flux.FluxOptions | None,
    shard_label: str | None,
    allow_empty: bool = False,
) -> writer.WriteReport:
    """Render into DIR. When the record of the last render into DIR (run_record.py) shows
    that neither the inputs nor DIR changed since, say what that render would say; when only
    a few InferenceService files changed, render and write those alone (delta.py).

    `allow_empty` is not part of the record's key: it only decides whether an empty render
    may prune a previous one, which a delta never does (a shard left empty, or several shards
    changed, is written in full) and a repeat with nothing changed does not either."""
    request = make_request(given, output_dir, options["sync_waves"])
    cache_dir = request.cache_dir
    state = record = None
    if cache_dir is not None and request.previous == (str(output_dir),):
        state, record = _state_and_record(given, options, cache_dir, output_dir)
    if record is not None and state is not None and record.key == state.key:
        for line in record.messages:
            click.echo(line, err=True)
        return writer.WriteReport(unchanged=record.files, kept=list(record.kept))
    # No collection while the writer and the record build their many small objects either.
    with pipeline.gc_paused():
        if record is not None and state is not None and cache_dir is not None:
            report = _render_change(request, output_dir, record, state, cache_dir)
            if report is not None:
                return report
        result = pipeline.run(request, _Progress())
        # What a repeat says: the first-rollout note is not, DIR being the previous render.
        messages = render_messages(result, options["explain"])
        for line in messages + first_rollout_note(request, result):
            click.echo(line, err=True)
        report, sources = write_rendered(output_dir, result, flux_to, shard_label, allow_empty)
        spare(result, sources)
        if state is not None and cache_dir is not None:
            files = len(report.written) + report.unchanged
            parts = None
            if not messages and shard_label is None and not options["explain"]:
                parts = delta.parts_of(state, result, sources)
            run_record.save(cache_dir, output_dir, state.key, files, report.kept, messages, parts)
    return report


def _state_and_record(
    given: InputOptions, options: dict[str, Any], cache_dir: Path, output_dir: Path
) -> tuple[run_record.InputState | None, run_record.Record | None]:
    """The input state and the record of the last render into DIR, if of use (run_record)."""
    read_state = functools.partial(
        run_record.input_state,
        options, given.paths, given.config_files, given.overlay, given.templates,
    )  # fmt: skip
    return run_record.state_and_record(cache_dir, output_dir, read_state)


def _render_change(
    request: pipeline.Request,
    output_dir: Path,
    record: run_record.Record,
    state: run_record.InputState,
    cache_dir: Path,
) -> writer.WriteReport | None:
    """Render and write only the InferenceService files that changed since the recorded
    render, when that gives what a full render would (delta.py); None: render in full."""
    change = delta.find_change(record, state)
    if change is None:
        return None
    done = delta.render_change(request, output_dir, record, state, change, _crash_hook())
    if done is None:
        return None
    kept = list(record.kept)
    # After a whole-tree exchange every entry of DIR is new: its state is taken in full.
    before = record.folder if done.shards is not None else None
    run_record.save(cache_dir, output_dir, state.key, done.files, kept, [], done.parts,
                    before, done.shards or ())  # fmt: skip
    unchanged = done.files - len(done.written)
    return writer.WriteReport(done.written, done.pruned, kept, unchanged)


_SPARED: list[object] = []


def spare(*values: object) -> None:
    """Keep a command's large values alive until the process ends: the console script exits
    without freeing them (entry.py), and freeing them object by object when the command returns
    took 0.2 s at 10,000 InferenceServices. An in-process caller keeps the last command's only."""
    _SPARED[:] = values


class OutputError(Exception):
    """stdout cannot take the output (closed, full, broken pipe): nothing was printed whole."""


def write_stdout(text: str) -> None:
    """Print `text` and flush it now, so a failure is reported instead of lost at exit."""
    if sys.stdout is None:  # started with stdout closed (`>&-`)
        raise OutputError("stdout is closed")
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except (OSError, ValueError) as err:
        raise OutputError(getattr(err, "strerror", None) or str(err)) from err


@cli.command(context_settings=CONTEXT)
@input_options
@sync_waves_option
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="The rendered folder to compare with (required without --live).",
)
@click.option(
    "--live",
    is_flag=True,
    help="Compare with the objects in the cluster instead: what a sync would create, change "
    "or prune (by the managed-by label). Needs the `cluster` extra.",
)
@cluster_options
@click.option(
    "--no-color", is_flag=True, help="No colour even on a terminal (as does NO_COLOR set)."
)
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
    output_dir: Path | None,
    live: bool,
    target: cluster_commands.Target,
    no_color: bool,
    out_format: str,
    flux_path: str | None,
    flux_source: str,
    shard_label: str | None,
) -> None:
    """Show what `render -o DIR` would change in DIR (or, with --live, in the cluster).

    Exit status: 0 no change, 1 changes, 2 invalid input or a cluster error (like
    `git diff --exit-code`).

    \b
    Examples:
      kserve-gitops diff apps/ -o rendered/
      kserve-gitops diff apps/ -o rendered/ --output json | jq .
      kserve-gitops diff apps/ --live --context prod
    """
    if live:
        cluster = cluster_commands.connect("diff --live", target)
        result = run_pipeline(make_request(given, output_dir, sync_waves))
        namespaces = [given.namespace] if given.namespace else []
        color = not no_color and sys.stdout.isatty()
        cluster_commands.diff_live(cluster, result, namespaces, color, out_format)
        return
    if output_dir is None:
        raise click.UsageError("Missing option '-o' / '--output-dir' (or compare with --live).")
    flux_to = flux_settings(flux_path, flux_source)
    plan = planned_into(given, output_dir, sync_waves, flux_to, shard_label)
    changes = []
    if not plan.current:
        before = diffing.rendered_objects(output_dir, plan.unchanged, plan.dir_index)
        changes = diffing.compare(before, plan.files)
    if out_format == "json":
        click.echo(json.dumps([_json_change(c) for c in changes], indent=2, sort_keys=True))
    else:
        color = not no_color and not os.environ.get("NO_COLOR") and sys.stdout.isatty()
        for change in changes:
            click.echo(f"{change.change}: {change.path} ({change.identity})")
            for line in diffing.summary(change):
                click.echo(f"  {line}")
            click.echo(diffing.unified(change, color), nl=False)
    if changes and renders_nothing(plan):
        click.echo(f"note: {EMPTIED_NOTE}", err=True)
    if changes:
        raise click.exceptions.Exit(EXIT_CHANGES)


@cli.command(context_settings=CONTEXT)
@input_options
@cluster_options
@click.option(
    "-o",
    "--output",
    "out_format",
    type=click.Choice(["table", "yaml", "json"]),
    default="table",
    show_default=True,
    help="The `kubectl get isvc` table, or the InferenceService status objects KServe would write.",
)
@click.option("-w", "--watch", is_flag=True, help="After the first listing, print changes.")
@click.option(
    "-A", "--all-namespaces", is_flag=True, help="Show the NAMESPACE column, as kubectl -A."
)
@click.option("--watch-interval", type=float, default=2.0, hidden=True)
@click.option("--watch-limit", type=int, default=0, hidden=True)
def status(
    given: InputOptions,
    target: cluster_commands.Target,
    out_format: str,
    watch: bool,
    all_namespaces: bool,
    watch_interval: float,
    watch_limit: int,
) -> None:
    """Show what `kubectl get isvc` would show, from the InferenceServices' children in the
    cluster, computed as KServe's controller computes the status. Needs the `cluster` extra.

    Missing children, children not managed by kserve-gitops and a cluster without Knative are
    warnings per InferenceService on stderr. A cluster error exits 2.

    \b
    Examples:
      kserve-gitops status apps/
      kserve-gitops status apps/ --context prod -o yaml
      kserve-gitops status apps/ -w
    """
    cluster = cluster_commands.connect("status", target)
    options = cluster_commands.StatusOptions(
        out_format, watch, all_namespaces, watch_interval, watch_limit
    )
    cluster_commands.status(cluster, lambda: run_pipeline(make_request(given)), options)


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


def planned_into(
    given: InputOptions,
    output_dir: Path,
    sync_waves: bool,
    flux_to: flux.FluxOptions | None,
    shard_label: str | None,
) -> delta.Planned:
    """What `render -o DIR` would write, its warnings said on stderr (see delta.Planned).
    From the record of the last render into DIR and the changed InferenceService files alone
    when that gives the same (delta.planned_files), else from a full render (then nothing is
    left unread)."""
    request = make_request(given, output_dir, sync_waves)
    found = None
    if request.cache_dir is not None and request.previous == (str(output_dir),):
        options = render_options(given, output_dir, sync_waves, False, flux_to, shard_label)
        state, record = _state_and_record(given, options, request.cache_dir, output_dir)
        if record is not None and state is not None:
            with pipeline.gc_paused():
                found = delta.planned_files(request, output_dir, record, state)
    if found is None:
        return delta.Planned([], planned_files(request, flux_to, shard_label))
    for line in found.messages:
        click.echo(line, err=True)
    if flux_to is not None and not found.current:
        flux_files = flux.files([*found.files, *found.unchanged], flux_to)
        found = found._replace(files={**found.files, **flux_files})
    return found


# Why `render -o DIR` would refuse (write_rendered): no object over a previous render.
EMPTIED_NOTE = (
    "the input set renders no object: `render` prunes the files of the last render only with "
    "--allow-empty (and refuses otherwise)"
)


def renders_nothing(plan: delta.Planned) -> bool:
    """`render -o DIR` would write no file at all: the input set renders no object."""
    return not plan.current and not plan.files and not plan.unchanged


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
    flux_to = flux_settings(flux_path, flux_source)
    plan = planned_into(given, output_dir, sync_waves, flux_to, shard_label)
    stale = []
    if not plan.current:
        stale = diffing.stale_files(output_dir, plan.files, plan.unchanged, plan.dir_index)
    for rel in stale:
        click.echo(f"stale: {output_dir / rel}")
    if stale:
        # A render of no object over a previous one is refused without --allow-empty: the fix
        # hint must say so, or following it only leads to that refusal.
        emptied = renders_nothing(plan)
        command = [
            "kserve-gitops",
            "render",
            *render_args(given, sync_waves),
            *(["--allow-empty"] if emptied else []),
            "-o",
            str(output_dir),
        ]
        # After `--` a path such as `-` or `-x` cannot be read as an option.
        dashed = any(p.startswith("-") for p in given.paths)
        command += ["--", *given.paths] if dashed else list(given.paths)
        if emptied:
            click.echo(f"{EMPTIED_NOTE}; if that is meant, run {shlex.join(command)}", err=True)
        else:
            click.echo(f"{len(stale)} file(s) out of date: run {shlex.join(command)}", err=True)
        raise click.exceptions.Exit(EXIT_CHANGES)
    click.echo(f"{output_dir}: up to date", err=True)


@cli.command(context_settings=CONTEXT)
@input_options_without_output
def urls(
    given: InputOptions,
) -> None:
    """Print the URL and cluster-local address KServe would report for each InferenceService
    (and LLMInferenceService, mode column `LLMInferenceService`).

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
    for llm in sorted(result.llm_statuses, key=lambda s: (s.namespace, s.name)):
        name = f"{llm.namespace}/{llm.name}"
        click.echo(f"{name}\tLLMInferenceService\t{llm.url or '-'}\t{llm.address or '-'}")


def render_args(given: InputOptions, sync_waves: bool) -> list[str]:
    """The options that change what render writes, as given: following the check's fix hint
    must render the output the check compared with."""
    args: list[str] = []
    for value, flag in (
        (given.namespace, "--namespace"),
        (given.knative_domain, "--knative-domain"),
        (given.overlay, "--overlay"),
        (given.templates, "--templates"),
        (given.default_deployment_mode, "--default-deployment-mode"),
    ):
        if value is not None:
            args += [flag, str(value)]
    for config_file in given.config_files:
        args += ["--config", config_file]
    for previous in given.previous:
        args += ["--previous", previous]
    for namespaces in given.allowed_namespaces:
        args += ["--allowed-namespaces", namespaces]
    if given.allow_cluster_scoped:
        args.append("--allow-cluster-scoped")
    if given.no_passthrough:
        args.append("--no-passthrough")
    if sync_waves:
        args.append("--sync-waves")
    return args


def write_rendered(
    root: Path,
    result: pipeline.Result,
    flux_to: flux.FluxOptions | None = None,
    shard_label: str | None = None,
    allow_empty: bool = False,
) -> tuple[writer.WriteReport, dict[str, str]]:
    """Plan the files, refuse conflicts with a person's files, then swap the tree in; the
    report and the input file of each file written. A render of no object over a previous
    render is refused unless `allow_empty`: a wrong or emptied input folder would otherwise
    prune every model DIR deploys."""
    files, sources, problems, objects = writer.plan(
        result.objects, label_shards(result, shard_label)
    )
    if flux_to is not None:
        files = {**files, **flux.files(files, flux_to)}
    found = writer.look(root)  # listed once for both
    if not result.objects and found.index.files and not allow_empty:
        message = (
            f"the input set renders no object: writing it would prune all "
            f"{len(found.index.files)} files of the last render; nothing written "
            "(--allow-empty to empty the folder)"
        )
        raise ProblemsFound([Problem(Source(str(root)), None, "", message)])
    for rel in writer.conflicts(root, files, found):
        message = f"{root / rel} exists and was not written by kserve-gitops; move it away"
        problems.append(Problem(Source(str(root / rel)), None, "", message))
    if problems:
        raise ProblemsFound(problems)
    try:
        report = writer.write_tree(
            root, files, sources, crash=_crash_hook(), objects=objects, found=found
        )
        return report, sources
    except OSError as err:  # e.g. a legal 253-character name is too long for a file name
        where = Source(str(err.filename or root))
        raise ProblemsFound([Problem(where, None, "", f"cannot write: {err.strerror}")]) from err


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
    why = f" ({admitted.mode_reason})" if admitted.mode_reason else ""
    parts = [f"explain: {admitted.loaded.source}: {ref}: mode {admitted.mode}{why}"]
    if admitted.mode == "ModelMesh":
        parts.append("passed through unchanged: the in-cluster ModelMesh controller owns it")
    if admitted.runtime:
        why = f" ({admitted.runtime_reason})" if admitted.runtime_reason else ""
        parts.append(f"runtime {admitted.runtime}{why}")
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
    except (KeyboardInterrupt, Interrupted):
        click.echo("interrupted", err=True)
        code = EXIT_INTERRUPTED
    except Terminated:
        click.echo("terminated", err=True)
        code = EXIT_TERMINATED
    except OutputError as err:
        _silence_stdout()
        click.echo(f"kserve-gitops: cannot write the output: {err}", err=True)
        code = EXIT_INVALID
    except click.ClickException as err:
        err.show()
        code = err.exit_code
    except click.exceptions.Exit as done:
        code = done.exit_code
    except BrokenPipeError:
        # The reader went away (e.g. `| head`): say so once; silence Python's own complaint.
        _silence_stdout()
        click.echo("kserve-gitops: cannot write the output: Broken pipe", err=True)
        code = EXIT_INVALID
    except Exception as err:
        code = _unexpected(err, debug)
    sys.exit(code if isinstance(code, int) else EXIT_OK)


def _unexpected(err: Exception, debug: bool) -> int:
    """An exception no branch expects: a signal's that changed on its way up (see
    `signals.received`), else an internal error."""
    signalled = signals.received()
    if signalled is not None:
        click.echo(signalled[0], err=True)
        return signalled[1]
    if debug:
        traceback.print_exc()
    message = f"kserve-gitops: internal error: {type(err).__name__}: {err}"
    click.echo(message + ("" if debug else " (run with --debug for the traceback)"), err=True)
    return EXIT_INTERNAL


def _silence_stdout() -> None:
    """Point fd 1 at /dev/null so the interpreter's last flush of stdout cannot fail again."""
    with contextlib.suppress(OSError, ValueError, AttributeError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 1)


__all__ = ["cli", "main"]
