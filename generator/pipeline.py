"""The one place that knows the stage order: load → config → admit → reconcile → emit.

Every stage returns problems instead of raising; the pipeline collects them all, and if there is
any, raises one `ProblemsFound` before anything is emitted.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from generator import config as config_mod
from generator import (
    constants,
    knative_features,
    load,
    namespace_policy,
    output,
    overlays,
    parallel,
    render_cache,
    schema,
    syncwaves,
)
from generator.admission import defaults, runtimes, validation
from generator.components import meta
from generator.components import predictor as predictor_component
from generator.controllers import cabundle, localmodel, trainedmodel
from generator.controllers import inferencegraph as graph
from generator.controllers import inferenceservice as controller
from generator.credentials.sources import SecretIndex
from generator.errors import (
    REQUIRED,
    InternalError,
    Invalid,
    Notice,
    ObjectRef,
    Problem,
    ProblemsFound,
    Source,
)
from generator.goruntime import template as gotemplate
from generator.inputset import (
    allow_zero_initial_scale,
    build_runtime_index,
    canary_services,
    check_duplicates,
    check_read_objects,
    check_schemas,
    kfserving_objects,
    knative_domain_config,
    local_model_caches,
    local_model_node_groups,
    modelmesh_runtimes,
    namespace_passthrough,
    previous_revisions,
    resolve_config,
    resolve_namespaces,
    storage_containers,
)
from generator.llmisvc import reconcile as llm_reconcile
from generator.load import Inputs, Loaded
from generator.output import ordered
from generator.reconcilers import knative
from generator.records import Admitted as Admitted
from generator.records import Rendered, mark_managed
from generator.render import RENDER_LIMITS, Renderer, TemplateError, template_problem
from generator.schema import emitted


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
    strict: bool = False  # what is only warned about is refused (inputset.kfserving_objects)
    default_deployment_mode: str | None = None  # sets deploy.defaultDeploymentMode
    # LLMInferenceServices: passed through unchanged for a cluster that runs KServe's
    # LLMInferenceService controller, else rendered (generator/llmisvc/)
    llmisvc_passthrough: bool = False
    # --allowed-namespaces (None: any namespace; a repo config file may narrow it further) and
    # --allow-cluster-scoped (namespace_policy.py)
    allowed_namespaces: frozenset[str] | None = None
    allow_cluster_scoped: bool = False
    # The render cache's folder (render_cache.default_dir()); None renders everything anew.
    # It never changes the result, only how much of it is computed again.
    cache_dir: Path | None = None
    # Input files not read, and their documents: a render of the changed part of an input set
    # whose other part renders as it did (delta.py); `Result.partial` says when that holds.
    skip: frozenset[str] = frozenset()
    skipped_documents: int = 0


@dataclass(slots=True)
class Result:
    """The rendered objects in output order, warnings, and what admission decided."""

    objects: list[Rendered] = field(default_factory=list)
    warnings: list[Notice] = field(default_factory=list)
    admitted: list[Admitted] = field(default_factory=list)
    context: controller.ReconcileContext | None = None  # config and runtimes (cluster status)
    llm_statuses: list[llm_reconcile.Status] = field(default_factory=list)  # LLMInferenceServices
    # The input files that hold InferenceServices and nothing else (as load spells them).
    local_files: frozenset[str] = frozenset()
    # Whether each of those files renders on its own: nothing rendered reads more than one
    # InferenceService (no InferenceGraph, TrainedModel, overlay or CA bundle copy), so a
    # later render may read only the changed ones and keep the others' files (delta.py).
    partial: bool = False


Progress = Callable[[int, int], None]  # (InferenceServices rendered, total)


# Cache misses above this many are rendered by forked workers on every core (parallel.py).
PARALLEL_THRESHOLD = 200


def run(request: Request, progress: Progress | None = None) -> Result:
    """Render the input set; raise ProblemsFound with every problem if anything is invalid."""
    with gc_paused():
        return _run(request, progress)


@contextlib.contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while rendering (and, around a render, writing): the render
    builds millions of short-lived acyclic dicts (reference counting frees them), and the
    collector's passes over the live ones cost about a sixth of the render at 10,000
    InferenceServices, and a third of the writer's time after it. What the run allocated joins
    the oldest generation afterwards (freeze, unfreeze), without the one huge young-generation
    pass that re-enabling would start. Nested uses leave collection to the outermost."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        if was_enabled:
            gc.enable()


def _run(request: Request, progress: Progress | None) -> Result:
    inputs = load.load(request.paths, request.passthrough, request.skip, request.skipped_documents)
    local_files = _local_files(inputs)
    problems = list(inputs.problems)
    repo_configs, repo_problems = namespace_policy.find_repo_configs(request.paths)
    problems += repo_problems
    policy = namespace_policy.Policy(
        request.allowed_namespaces, request.allow_cluster_scoped, tuple(repo_configs)
    )
    overlay: overlays.Overlay | None = None
    if request.overlay is not None:
        overlay, overlay_problems = overlays.load_overlay(request.overlay)
        problems += overlay_problems
        if overlay is None:
            raise ProblemsFound(problems)
    extra_layers = [overlay.config] if overlay and overlay.config else []
    cfg, config_problems = resolve_config(
        inputs, request.config_files, extra_layers, request.default_deployment_mode
    )
    problems += config_problems
    inputs, namespace_problems = resolve_namespaces(inputs, request.namespace)
    inputs = namespace_passthrough(inputs, request.namespace)
    inputs, policy_problems = namespace_policy.check_inputs(inputs, policy)
    problems += policy_problems
    inputs, schema_problems = check_schemas(inputs)
    problems += namespace_problems + schema_problems
    inputs, read_problems = check_read_objects(inputs)
    problems += read_problems
    problems += check_duplicates(inputs)
    index, runtime_problems = build_runtime_index(inputs)
    problems += runtime_problems
    if cfg is None:
        raise ProblemsFound(with_field_lines(problems))
    # Go on past problems so one run reports every problem of the input set; nothing is
    # emitted unless there are none.

    override = request.knative_domain or (overlay.knative_domain if overlay else None)
    domain, domain_problems = knative_domain_config(inputs, override)
    problems += domain_problems
    previous, previous_problems = previous_revisions(
        request.previous, canary_services(inputs.inference_services)
    )
    problems += previous_problems
    caches, cache_problems = local_model_caches(inputs)
    problems += cache_problems
    node_groups, node_group_problems = local_model_node_groups(inputs)
    problems += node_group_problems
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
        caches,
    )
    # A cache's label is only set with local models on and a cache listed: then its services
    # share serving volumes, and no InferenceService renders alone.
    on_caches = cfg.local_model.enabled and bool(caches)
    result = Result(context=ctx, warnings=list(inputs.notes), local_files=local_files)
    result.partial = (
        overlay is None
        and not on_caches
        and not inputs.inference_graphs
        and not inputs.trained_models
        and not cfg.storage_initializer.ca_bundle_config_map_name
    )
    kfserving_problems, kfserving_warnings = kfserving_objects(inputs, request.strict)
    problems += kfserving_problems
    result.warnings += kfserving_warnings
    rendered: list[Rendered] = [
        Rendered(p.doc, "", p.source) for p in inputs.passthrough + modelmesh_runtimes(inputs)
    ]
    problems += [  # passed through as written: what the API server refuses is refused here
        p.problem(invalid) for p in inputs.passthrough for invalid in emitted.own_refusals(p.doc)
    ]
    pack = _open_pack(request, ctx)
    outcomes = _render_inference_services(inputs.inference_services, ctx, pack, progress)
    for outcome in outcomes:
        rendered += outcome.objects
        problems += outcome.problems
        result.warnings += outcome.notices
        if outcome.admitted is not None:
            result.admitted.append(outcome.admitted)
    # The pack is written while the rest runs: most of a save is the write, which leaves the
    # interpreter free (0.4 s of a cold render at 10,000 InferenceServices).
    with render_cache.saving(pack):
        # InferenceGraphs and multi-model ConfigMaps read the reconciled InferenceServices
        # (status URLs, modes), so they come after them and before overlays and the flag check.
        graph_objects, graph_problems, graph_notices = graph.render_inference_graphs(
            inputs, result.admitted, ctx
        )
        model_configs, tm_problems, tm_notices = trainedmodel.render_model_configs(
            inputs, result.admitted, ctx
        )
        rendered += graph_objects + model_configs
        llm_objects, llm_problems, llm_notices, llm_reconciled = _render_llm_inference_services(
            inputs, cfg, request, ctx, result.llm_statuses
        )
        rendered += llm_objects
        problems += llm_problems
        result.warnings += llm_notices
        if on_caches:
            volumes, volume_notices = localmodel.render_serving_volumes(
                _local_model_services(result.admitted, llm_reconciled, ctx),
                caches,
                node_groups,
                cfg.local_model.disable_volume_management,
            )
            rendered += volumes
            result.warnings += volume_notices
        # Both controllers copy the CA bundle into the namespace of what they reconcile.
        ca_bundles, ca_problems, ca_notices = cabundle.render_ca_bundles(
            ctx.config.storage_initializer.ca_bundle_config_map_name,
            inputs.other_config_maps,
            cabundle.members(result.admitted, llm_reconciled),
        )
        rendered += ca_bundles
        problems += ca_problems
        result.warnings += ca_notices
        problems += graph_problems + tm_problems
        result.warnings += graph_notices + tm_notices
        if overlay is not None:
            rendered, patch_problems = overlays.apply(overlay, rendered)
            problems += patch_problems
            rendered = [_restamp(item) for item in rendered]
        result.admitted, flag_problems = check_knative_features(inputs, result.admitted, rendered)
        problems += flag_problems + namespace_policy.check_output(rendered, policy)
        if problems:
            raise ProblemsFound(with_field_lines(problems))
        if request.sync_waves:
            rendered = syncwaves.annotate_rendered(rendered)
        result.objects = ordered(rendered)
    return result


def _local_files(inputs: Inputs) -> frozenset[str]:
    """The files whose every document is an InferenceService."""
    others: set[str] = set()
    for name in Inputs.__dataclass_fields__:
        if name not in ("inference_services", "problems", "notes"):
            others.update(item.source.path for item in getattr(inputs, name))
    return frozenset(i.source.path for i in inputs.inference_services) - others


@dataclass(frozen=True, slots=True)
class _Outcome:
    """One InferenceService rendered: its objects, what was decided (None if it was refused at
    admission), its problems and notices."""

    objects: list[Rendered]
    admitted: Admitted | None
    problems: list[Problem]
    notices: list[Notice]


def _open_pack(request: Request, ctx: controller.ReconcileContext) -> render_cache.Pack | None:
    """The cache pack of this run's global inputs (everything admit and reconcile read
    besides the InferenceService itself and the previous revisions, checked per entry)."""
    if request.cache_dir is None:
        return None
    key = render_cache.run_key(
        [
            ctx.config,
            ctx.index,
            render_cache.folder_fingerprint(request.template_dir),
            ctx.knative_domain,
            ctx.secrets,
            ctx.storage_containers,
            ctx.allow_zero_initial_scale,
            ctx.local_model_caches,
            RENDER_LIMITS.get(),
            gotemplate.SOURCE_LIMIT.get(),
        ]
    )
    return render_cache.Pack(request.cache_dir, key)


def _render_inference_services(
    items: Sequence[Loaded],
    ctx: controller.ReconcileContext,
    pack: render_cache.Pack | None,
    progress: Progress | None,
) -> list[_Outcome]:
    """Admit and reconcile each InferenceService, in input order: from the cache where it has
    the entry, else here or, for many, in worker processes."""
    reasons: dict[str, str] = {}  # runtime_reason per runtime choice, for the whole run
    outcomes: list[_Outcome | None] = [None] * len(items)
    keys: list[str | None] = [None] * len(items)
    misses: list[int] = []
    for i, item in enumerate(items):
        if pack is not None:
            keys[i] = render_cache.item_key(pack.run_key, item.doc, item.namespace, item.source)
        outcomes[i] = _cached(item, keys[i], pack, ctx)
        if outcomes[i] is None:
            misses.append(i)
    done = len(items) - len(misses)
    if progress is not None and done:
        progress(done, len(items))

    workers = parallel.cores() if len(misses) > PARALLEL_THRESHOLD else 1
    in_worker = workers > 1 and parallel.can_fork()
    # A worker sends its result back as the entry's text, the cheapest form to move objects in.
    want_entry = pack is not None or in_worker

    def task(n: int) -> tuple[_Outcome | None, str | None]:
        outcome, entry = _render_one(items[misses[n]], ctx, reasons, want_entry)
        text = None if entry is None else render_cache.encode_entry(entry)
        return (None, text) if in_worker and text is not None else (outcome, text)

    for n, (outcome, text) in enumerate(parallel.ordered_map(task, len(misses), workers)):
        i = misses[n]
        outcomes[i] = outcome if outcome is not None else _decoded(items[i], text)
        key = keys[i]
        if pack is not None and text is not None and key is not None:
            pack.put(key, text)
        done += 1
        if progress is not None:
            progress(done, len(items))
    return [o for o in outcomes if o is not None]


def _cached(
    item: Loaded,
    key: str | None,
    pack: render_cache.Pack | None,
    ctx: controller.ReconcileContext,
) -> _Outcome | None:
    if key is None or pack is None:
        return None
    text = pack.get(key)
    if text is None:
        return None
    entry = render_cache.decode_entry(text)
    if entry is None or not render_cache.still_valid(entry, ctx.previous_revisions):
        pack.drop(key)
        return None
    return _from_entry(item, entry)


def _decoded(item: Loaded, text: str | None) -> _Outcome:
    if text is None:
        raise InternalError("a render worker sent back no entry")
    return _from_entry(item, render_cache.decode_own_entry(text))


def _render_one(
    item: Loaded, ctx: controller.ReconcileContext, reasons: dict[str, str], entry: bool
) -> tuple[_Outcome, render_cache.Entry | None]:
    """Admit and render one InferenceService; with `entry`, also what the cache keeps of it
    (None when it has problems: those are found again, never replayed)."""
    one, problems = admit(item, ctx.config, ctx.local_model_caches)
    if one is None:
        return _Outcome([], None, problems, []), None
    recorder = render_cache.RecordingRevisions(ctx.previous_revisions) if entry else None
    used = ctx if recorder is None else replace(ctx, previous_revisions=recorder)
    objects, decided, problems, notices = render_admitted(one, used, reasons)
    if problems or recorder is None:
        return _Outcome(objects, decided, problems, notices), None
    objects = [Rendered(r.obj, r.owner, r.source, output.dump_yaml(r.obj)) for r in objects]
    children = tuple(
        render_cache.Child(r.obj, None, r.text or "", r.identity, knative_needs(r)) for r in objects
    )
    kept = render_cache.Entry(
        decided.isvc,
        decided.mode,
        decided.mode_reason,
        decided.runtime,
        decided.url,
        decided.address,
        decided.runtime_reason,
        tuple(n.message for n in notices),
        children,
        tuple(recorder.reads.items()),
    )
    return _Outcome(objects, decided, [], notices), kept


def _from_entry(item: Loaded, entry: render_cache.Entry) -> _Outcome:
    """The outcome `_render_one` had when it made `entry`, for the InferenceService `item`."""
    admitted = Admitted(
        item,
        entry.isvc,
        item.namespace,
        entry.mode,
        entry.runtime,
        entry.url,
        entry.address,
        mode_reason=entry.mode_reason,
        runtime_reason=entry.runtime_reason,
    )
    objects = [  # a pack's or a worker's objects stay JSON until read
        Rendered.encoded(
            c.encoded or "", c.identity, item.name, item.source, c.text, c.knative_needs
        )
        for c in entry.objects
    ]
    ref = item.ref()
    notices = [Notice(item.source, ref, note) for note in entry.notes]
    return _Outcome(objects, admitted, [], notices)


def _render_llm_inference_services(
    inputs: Inputs,
    cfg: config_mod.Config,
    request: Request,
    ctx: controller.ReconcileContext,
    statuses: list[llm_reconcile.Status],
) -> tuple[list[Rendered], list[Problem], list[Notice], list[Loaded]]:
    """LLMInferenceServices and their configs: rendered, or passed through when asked; and the
    LLMInferenceServices reconciled here (none when passed to the in-cluster controller)."""
    options, problems = llm_reconcile.options_from_config(cfg.data)
    if request.llmisvc_passthrough or options.passthrough:
        items = inputs.llm_inference_services + inputs.llm_inference_service_configs
        said = llm_reconcile.passed_through(items, request.llmisvc_passthrough)
        return [Rendered(i.doc, "", i.source) for i in items], problems, said, []
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
            ctx.local_model_caches,
        )
    except TemplateError as err:
        reconciled = inputs.llm_inference_services
        return [], [*problems, template_problem(err, ctx.renderer)], [], reconciled
    refused = _refused_llm_children(objects, inputs.llm_inference_services)
    return objects, problems + found + refused, notices, inputs.llm_inference_services


def _local_model_services(
    admitted: Sequence[Admitted], llm: Sequence[Loaded], ctx: controller.ReconcileContext
) -> list[localmodel.Service]:
    """The rendered services as the LocalModel controller would list them: the defaulted
    metadata of every InferenceService KServe reconciles and of every LLMInferenceService."""
    found = [
        localmodel.Service(a.namespace, a.loaded.name, a.loaded.kind, a.loaded.source,
                           a.isvc.get("metadata") or {})
        for a in admitted
        if a.mode != constants.DeploymentMode.MODEL_MESH
    ]  # fmt: skip
    for item, metadata in llm_reconcile.defaulted_metadata(llm, ctx.config, ctx.local_model_caches):
        found.append(
            localmodel.Service(item.namespace, item.name, item.kind, item.source, metadata)
        )
    return found


def _refused_llm_children(objects: Sequence[Rendered], owners: Sequence[Loaded]) -> list[Problem]:
    """What the API server would refuse among the LLMInferenceServices' children, named by the
    LLMInferenceService's field where it holds the refused value."""
    by_source = {owner.source: owner for owner in owners}
    problems = []
    for item in objects:
        owner = by_source.get(item.source)
        if owner is None:  # an LLMInferenceServiceConfig's object: named by its own field
            problems += [
                Problem(item.source, None, i.field, i.message)
                for i in emitted.own_refusals(item.obj)
            ]
            continue
        problems += [owner.problem(i) for i in emitted.check_rendered([item.obj], owner.doc)]
    return problems


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
        needs = knative_needs(item)
        if not needs:
            continue
        needed = dict(needs)
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


def knative_needs(item: Rendered) -> tuple[tuple[str, str], ...]:
    """(flag, the first field that needs it) for each config-features flag a Knative Service
    needs; none for any other object. A worker's objects come with them."""
    if item.knative_needs is not None:
        return item.knative_needs
    if not _knative_service(item):
        return ()
    pod_spec = knative_features.revision_pod_spec(item.obj)
    return tuple(knative_features.needed_flags(pod_spec).items())


def _knative_service(item: Rendered) -> bool:
    return item.kind == "Service" and item.api_version.startswith("serving.knative.dev/")


def _restamp(item: Rendered) -> Rendered:
    """A patched revision template needs a new revision name, or Knative refuses the update."""
    if not _knative_service(item):
        return item
    stamped = knative.stamp_revision_name(item.obj)
    return item if stamped == item.obj else Rendered(stamped, item.owner, item.source)


def admit(
    item: Loaded, cfg: config_mod.Config, caches: Sequence[Mapping[str, Any]] = ()
) -> tuple[Admitted | None, list[Problem]]:
    """The defaulting and validating webhooks, and the mode the controller will use."""
    isvc = defaults.default_inference_service(item.doc, cfg, caches)
    missing = [i for i in schema.check_object(isvc) if i.message == REQUIRED]
    if missing:
        return None, [item.problem(as_written(invalid, item.doc)) for invalid in missing]
    found = validation.validate_inference_service(isvc, meta.gpu_resource_types(cfg))
    if found:
        return None, [item.problem(as_written(invalid, item.doc)) for invalid in found]
    mode = controller.get_deployment_mode(
        controller.annotations_of(isvc), cfg.deploy.default_deployment_mode
    )
    # The reason reads the annotations as written: the defaulter adds the mode annotation.
    why = mode_reason(controller.annotations_of(item.doc), cfg)
    return Admitted(item, isvc, item.namespace, mode, mode_reason=why), []


def mode_reason(annotations: Mapping[str, str], cfg: config_mod.Config) -> str:
    """Where the mode came from: the InferenceService's annotation, else the config default."""
    written = annotations.get(constants.DEPLOYMENT_MODE)
    if written and controller.get_deployment_mode(annotations, ""):
        return f"set by its {constants.DEPLOYMENT_MODE} annotation"
    origin = cfg.origin.get("deploy", config_mod.BUILTIN_SOURCE)
    where = (
        "KServe's built-in inferenceservice-config"
        if origin == config_mod.BUILTIN_SOURCE
        else str(origin)
    )
    why = f"{written!r} in its annotation is not a mode" if written else "no annotation"
    return f"{why}, so deploy.defaultDeploymentMode of {where}"


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
    admitted: Admitted, ctx: controller.ReconcileContext, reasons: dict[str, str] | None = None
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
    refused = emitted.check_rendered((item.obj for item in objects), admitted.loaded.doc)
    if refused:  # what the API server would refuse is never emitted
        return [], admitted, [admitted.loaded.problem(one) for one in refused], []
    ref = admitted.loaded.ref()
    notices = [Notice(admitted.loaded.source, ref, note) for note in result.notes]
    decided = replace(
        admitted,
        runtime=result.runtime,
        url=result.url,
        address=result.address,
        runtime_reason=runtime_reason(admitted, result.runtime, ctx.index, reasons),
    )
    return objects, decided, [], notices


def runtime_reason(
    admitted: Admitted,
    runtime: str | None,
    index: runtimes.RuntimeIndex,
    memo: dict[str, str] | None = None,
) -> str:
    """Why the predictor got its runtime: named by the InferenceService, or auto-selected as
    `reconcileModel` selects (GetSupportingRuntimes, first match). `memo` keeps the reasons
    of one render by the key of the runtime choice they explain (reconcile_model's memo key)."""
    predictor = (admitted.isvc.get("spec") or {}).get("predictor") or {}
    model = predictor.get("model")
    if not runtime or not isinstance(model, Mapping):
        return ""
    if model.get("runtime"):
        return "named by spec.predictor.model.runtime"
    multinode = predictor.get("workerSpec") is not None
    if memo is None:
        return _auto_selected(model, admitted.namespace, index, multinode)
    key = predictor_component.choice_key(admitted.isvc)  # what the runtime choice reads
    reason = memo.get(key)
    if reason is None:
        reason = memo[key] = _auto_selected(model, admitted.namespace, index, multinode)
    return reason


def _auto_selected(
    model: Mapping[str, Any], namespace: str, index: runtimes.RuntimeIndex, multinode: bool
) -> str:
    found = runtimes.get_supporting_runtimes(model, namespace, index, False, multinode)
    fmt = model.get("modelFormat") or {}
    wanted = str(fmt.get("name", "")) + (f" {fmt['version']}" if fmt.get("version") else "")
    names = ", ".join(name for name, _, _ in found)
    return (
        f"auto-selected for modelFormat {wanted} and protocol {runtimes.get_protocol(model)}, "
        f"the first of the runtimes that support it [{names}], the namespace's ServingRuntimes "
        "before ClusterServingRuntimes, each by priority"
    )


def with_field_lines(problems: Sequence[Problem]) -> list[Problem]:
    """Point each problem at the line of its field when the file shows it."""
    composed: dict[str, load.Documents] = {}  # each file once: a file may have many problems
    return [_refine(p, composed) for p in problems]


def _refine(problem: Problem, composed: dict[str, load.Documents]) -> Problem:
    if not problem.field or not problem.source.line:
        return problem
    path = problem.source.path
    if path not in composed:
        composed[path] = load.compose_documents(path)
    line = load.locate_field(composed[path], problem.source.line, problem.field)
    if line == problem.source.line:
        return problem
    return Problem(Source(path, line), problem.obj, problem.field, problem.message)


__all__ = ["Admitted", "Request", "Result", "gc_paused", "run"]
