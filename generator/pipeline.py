"""The one place that knows the stage order: load → config → admit → reconcile → emit.

Every stage returns problems instead of raising; the pipeline collects them all, and if there is
any, raises one `ProblemsFound` before anything is emitted.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from generator import config as config_mod
from generator import (
    constants,
    controller,
    graph,
    knative_features,
    load,
    overlays,
    schema,
    syncwaves,
)
from generator.admission import defaults, validation
from generator.components import meta
from generator.credentials.sources import SecretIndex
from generator.errors import (
    Invalid,
    Notice,
    ObjectRef,
    Problem,
    ProblemsFound,
    Source,
)
from generator.inputset import (
    REQUIRED,
    allow_zero_initial_scale,
    build_runtime_index,
    check_duplicates,
    check_schemas,
    knative_domain_config,
    previous_revisions,
    resolve_config,
    resolve_namespaces,
    storage_containers,
)
from generator.llmisvc import reconcile as llm_reconcile
from generator.load import Inputs, Loaded
from generator.output import Rendered, mark_managed, ordered
from generator.reconcilers import knative, modelconfig
from generator.render import Renderer, TemplateError, template_problem


@dataclass(frozen=True, slots=True)
class Request:
    """What to render: input paths and the options that change the result."""

    paths: tuple[str, ...]
    namespace: str | None = None
    config_files: tuple[str, ...] = ()
    passthrough: bool = True
    template_dir: Path | None = None
    previous: tuple[str, ...] = ()  # earlier renders: YAML streams or rendered folders
    knative_domain: str | None = None  # overrides config-domain's default domain
    overlay: str | None = None  # an overlay name (overlays/<name>/) or path
    sync_waves: bool = False  # Argo CD sync-wave annotations by kind (syncwaves.py)
    # LLMInferenceServices: passed through unchanged for a cluster that runs KServe's
    # LLMInferenceService controller, else rendered (generator/llmisvc/)
    llmisvc_passthrough: bool = False


@dataclass(frozen=True, slots=True)
class Admitted:
    """An InferenceService after the admission webhooks: defaulted, validated, mode resolved."""

    loaded: Loaded
    isvc: dict[str, Any]
    namespace: str
    mode: str
    runtime: str | None = None
    url: str | None = None  # what KServe would report as status.url
    address: str | None = None  # and status.address.url
    knative_flags: tuple[str, ...] = ()  # config-features flags its Knative Services need


@dataclass(slots=True)
class Result:
    """The rendered objects in output order, warnings, and what admission decided."""

    objects: list[Rendered] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    admitted: list[Admitted] = field(default_factory=list)
    llm_statuses: list[llm_reconcile.Status] = field(default_factory=list)  # LLMInferenceServices


Progress = Callable[[int, int], None]  # (InferenceServices rendered, total)


def run(request: Request, progress: Progress | None = None) -> Result:
    """Render the input set; raise ProblemsFound with every problem if anything is invalid."""
    inputs = load.load(request.paths, passthrough=request.passthrough)
    problems = list(inputs.problems)
    overlay: overlays.Overlay | None = None
    if request.overlay is not None:
        overlay, overlay_problems = overlays.load_overlay(request.overlay)
        problems += overlay_problems
        if overlay is None:
            raise ProblemsFound(problems)
    extra_layers = [overlay.config] if overlay and overlay.config else []
    cfg, config_problems = resolve_config(inputs, request.config_files, extra_layers)
    problems += config_problems
    problems += resolve_namespaces(inputs, request.namespace)
    problems += check_schemas(inputs)
    problems += check_duplicates(inputs)
    index, runtime_problems = build_runtime_index(inputs)
    problems += runtime_problems
    if cfg is None:
        raise ProblemsFound(with_field_lines(problems))
    # Go on past problems so one run reports every problem of the input set; nothing is
    # emitted unless there are none.

    admitted: list[Admitted] = []
    for item in inputs.inference_services:
        one, isvc_problems = admit(item, cfg)
        problems += isvc_problems
        if one is not None:
            admitted.append(one)
    override = request.knative_domain or (overlay.knative_domain if overlay else None)
    domain, domain_problems = knative_domain_config(inputs, override)
    problems += domain_problems
    previous, previous_problems = previous_revisions(request.previous)
    problems += previous_problems
    ctx = controller.ReconcileContext(
        cfg,
        index,
        Renderer(request.template_dir),
        domain,
        previous,
        SecretIndex.from_objects(
            [i.doc for i in inputs.secrets + inputs.service_accounts + inputs.passthrough],
            request.namespace or "",
        ),
        storage_containers(inputs),
        allow_zero_initial_scale(inputs),
    )
    result = Result()
    rendered: list[Rendered] = [Rendered(p.doc, "", p.source) for p in inputs.passthrough]
    for done, one in enumerate(admitted, 1):
        objects, decided, isvc_problems, notices = render_admitted(one, ctx)
        rendered += objects
        problems += isvc_problems
        result.warnings += notices
        result.admitted.append(decided)
        if progress is not None:
            progress(done, len(admitted))
    # InferenceGraphs and multi-model ConfigMaps read the reconciled InferenceServices
    # (status URLs, modes), so they come after them and before overlays and the flag check.
    graph_objects, graph_problems, graph_notices = graph.render_inference_graphs(
        inputs, result.admitted, ctx
    )
    model_configs, tm_problems, tm_notices = modelconfig.render_model_configs(
        inputs, result.admitted, ctx
    )
    rendered += graph_objects + model_configs
    llm_objects, llm_problems, llm_notices = _render_llm_inference_services(
        inputs, cfg, request, ctx, result.llm_statuses
    )
    rendered += llm_objects
    problems += llm_problems
    result.warnings += llm_notices
    problems += graph_problems + tm_problems
    result.warnings += graph_notices + tm_notices
    if overlay is not None:
        rendered, patch_problems = overlays.apply(overlay, rendered)
        problems += patch_problems
        rendered = [_restamp(item) for item in rendered]
    result.admitted, flag_problems = check_knative_features(inputs, result.admitted, rendered)
    problems += flag_problems
    if problems:
        raise ProblemsFound(with_field_lines(problems))
    if request.sync_waves:
        rendered = syncwaves.annotate_rendered(rendered)
    result.objects = ordered(rendered)
    return result


def _render_llm_inference_services(
    inputs: Inputs,
    cfg: config_mod.Config,
    request: Request,
    ctx: controller.ReconcileContext,
    statuses: list[llm_reconcile.Status],
) -> tuple[list[Rendered], list[Problem], list[Notice]]:
    """LLMInferenceServices and their configs: rendered, or passed through when asked."""
    options, problems = llm_reconcile.options_from_config(cfg.data)
    if request.llmisvc_passthrough or options.passthrough:
        items = inputs.llm_inference_services + inputs.llm_inference_service_configs
        said = llm_reconcile.passed_through(items, request.llmisvc_passthrough)
        return [Rendered(i.doc, "", i.source) for i in items], problems, said
    notices: list[Notice] = []
    try:
        objects, found = llm_reconcile.render_all(
            inputs.llm_inference_services,
            inputs.llm_inference_service_configs,
            inputs.passthrough,
            cfg,
            ctx.secrets,
            ctx.renderer,
            options,
            statuses,
            notices,
        )
    except TemplateError as err:
        return [], [*problems, template_problem(err, ctx.renderer)], []
    return objects, problems + found, notices


def check_knative_features(
    inputs: Inputs, admitted: list[Admitted], rendered: Sequence[Rendered]
) -> tuple[list[Admitted], list[Problem]]:
    """Record the config-features flags each Knative Service needs; with a config-features
    ConfigMap in the input set, a flag it leaves disabled is a problem (Knative would refuse
    the Knative Service)."""
    data = next(
        (
            i.doc.get("data") or {}
            for i in inputs.knative_config_maps
            if i.name == "config-features"
        ),
        None,
    )
    values = knative_features.flag_values(data)
    by_owner: dict[tuple[str, str], set[str]] = {}
    problems: list[Problem] = []
    for item in rendered:
        if item.kind != "Service" or not str(item.obj.get("apiVersion")).startswith(
            "serving.knative.dev/"
        ):
            continue
        needed = knative_features.needed_flags(knative_features.revision_pod_spec(item.obj))
        by_owner.setdefault((item.namespace, item.owner), set()).update(needed)
        if data is None:
            continue
        for flag, why in knative_features.refused(needed, values).items():
            message = f"needs Knative feature {flag} (for {why}); config-features disables it"
            ref = ObjectRef("Service", item.namespace, item.name)
            problems.append(Problem(item.source, ref, "spec.template.spec", message))
    updated = [
        replace(a, knative_flags=tuple(sorted(by_owner.get((a.namespace, a.loaded.name), ()))))
        for a in admitted
    ]
    return updated, problems


def _restamp(item: Rendered) -> Rendered:
    """A patched revision template needs a new revision name, or Knative refuses the update."""
    if item.kind != "Service" or not str(item.obj.get("apiVersion", "")).startswith(
        "serving.knative.dev/"
    ):
        return item
    stamped = knative.stamp_revision_name(item.obj)
    return item if stamped == item.obj else Rendered(stamped, item.owner, item.source)


def admit(item: Loaded, cfg: config_mod.Config) -> tuple[Admitted | None, list[Problem]]:
    """The defaulting and validating webhooks, and the mode the controller will use."""
    isvc = defaults.default_inference_service(item.doc, cfg)
    missing = [i for i in schema.check_object(isvc) if i.message == REQUIRED]
    if missing:
        return None, [item.problem(as_written(invalid, item.doc)) for invalid in missing]
    found = validation.validate_inference_service(isvc, meta.gpu_resource_types(cfg))
    if found:
        return None, [item.problem(as_written(invalid, item.doc)) for invalid in found]
    mode = controller.get_deployment_mode(
        controller.annotations_of(isvc), cfg.deploy.default_deployment_mode
    )
    return Admitted(item, isvc, item.namespace, mode), []


def as_written(invalid: Invalid, original: Mapping[str, Any]) -> Invalid:
    """Name the field as the user wrote it: the defaulter moved `predictor.<framework>` to
    `predictor.model`, but the file still says `predictor.sklearn`."""
    prefix = "spec.predictor.model"
    if not invalid.field.startswith(prefix):
        return invalid
    predictor = (original.get("spec") or {}).get("predictor") or {}
    written = next((f for f in defaults.FRAMEWORK_MODEL_FORMATS if f in predictor), None)
    if written is None:
        return invalid
    return Invalid(f"spec.predictor.{written}" + invalid.field[len(prefix) :], invalid.message)


def render_admitted(
    admitted: Admitted, ctx: controller.ReconcileContext
) -> tuple[list[Rendered], Admitted, list[Problem], list[Notice]]:
    """The children of one admitted InferenceService, labelled as ours."""
    if admitted.mode == constants.DeploymentMode.MODEL_MESH:
        # The in-cluster ModelMesh controller owns it: the input goes through unchanged.
        source = admitted.loaded
        return [Rendered(source.doc, source.name, source.source)], admitted, [], []
    try:
        result = controller.reconcile(admitted.isvc, admitted.mode, ctx)
    except TemplateError as err:
        return [], admitted, [template_problem(err, ctx.renderer)], []
    if isinstance(result, Invalid):
        return [], admitted, [admitted.loaded.problem(result)], []
    owner = admitted.loaded.name
    objects = [Rendered(mark_managed(obj), owner, admitted.loaded.source) for obj in result.objects]
    ref = admitted.loaded.ref()
    notices = [Notice(admitted.loaded.source, ref, note) for note in result.notes]
    decided = replace(admitted, runtime=result.runtime, url=result.url, address=result.address)
    return objects, decided, [], notices


def with_field_lines(problems: Sequence[Problem]) -> list[Problem]:
    """Point each problem at the line of its field when the file shows it."""
    return [_refine(p) for p in problems]


def _refine(problem: Problem) -> Problem:
    if not problem.field or not problem.source.line:
        return problem
    line = _field_line(problem.source.path, problem.source.line, problem.field)
    if line == problem.source.line:
        return problem
    return Problem(Source(problem.source.path, line), problem.obj, problem.field, problem.message)


@functools.lru_cache(maxsize=256)
def _field_line(path: str, doc_line: int, field_path: str) -> int:
    return load.locate_field_from_line(path, doc_line, field_path)


__all__ = ["Admitted", "Request", "Result", "run"]
