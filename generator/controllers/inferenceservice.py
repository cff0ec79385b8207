"""The InferenceService controller as a pure function: one admitted InferenceService → its children.

Ports `pkg/controller/v1beta1/inferenceservice/controller.go` (Reconcile's flow: predictor,
transformer, explainer, then ingress), the mode resolution of `inferenceservice/utils/utils.go:
GetDeploymentMode`, and `reconcilers/factory.go`'s choice of reconcilers by mode (a table here).
Cluster state KServe reads at run time arrives as arguments: the config, the runtime index and
the previous render.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from generator import constants
from generator.admission.pod import MutationContext
from generator.admission.pod.mutator import apply_storage_uris, mutate_pod
from generator.admission.runtimes import RuntimeIndex
from generator.components import canary
from generator.components.predictor import (
    ResolvedModel,
    RuntimeChoice,
    build_predictor,
    reconcile_model,
    storage_uri_problem,
)
from generator.components.transformer import build_explainer, build_transformer
from generator.config import Config
from generator.credentials.sources import SecretIndex
from generator.errors import Invalid
from generator.goruntime import strconv
from generator.reconcilers import deployment, knative, raw
from generator.reconcilers.ingress import httproute, kube_ingress, virtual_service
from generator.records import ComponentBuild
from generator.render import Renderer
from generator.utils.utils import get_force_stop_runtime as is_stopped


@dataclass(frozen=True, slots=True)
class ReconcileContext:
    """Everything besides the InferenceService that the controller reads."""

    config: Config
    index: RuntimeIndex
    renderer: Renderer
    knative_domain: knative.KnativeDomainConfig | None = None  # None: the documented default
    # (namespace, ksvc name) -> the revision that had the traffic in the previous render
    previous_revisions: Mapping[tuple[str, str], str] = field(default_factory=dict)
    secrets: SecretIndex = field(default_factory=SecretIndex)
    storage_containers: tuple[Mapping[str, Any], ...] = ()
    # Knative's config-autoscaler `allow-zero-initial-scale` (its default: false)
    allow_zero_initial_scale: bool = False
    # the LocalModelCaches and LocalModelNamespaceCaches the defaulting webhook lists
    local_model_caches: tuple[Mapping[str, Any], ...] = ()
    # runtime choices of this render, shared by its InferenceServices (see reconcile_model)
    runtime_memo: dict[str, RuntimeChoice] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Reconciled:
    """The children of one InferenceService, and the status KServe would report for it."""

    objects: list[dict[str, Any]]
    runtime: str | None = None
    notes: tuple[str, ...] = ()
    url: str | None = None  # status.url
    address: str | None = None  # status.address.url


@dataclass(frozen=True, slots=True)
class ModeResult:
    """What a mode's reconcilers produce: objects and the status URLs."""

    objects: list[dict[str, Any]]
    url: str | None = None
    address: str | None = None


def get_deployment_mode(annotations: Mapping[str, str], default_mode: str) -> str:
    """Port of `GetDeploymentMode` without its first step (an offline render has no status)."""
    mode = annotations.get(constants.DEPLOYMENT_MODE)
    mode = {
        constants.LEGACY_RAW_DEPLOYMENT: constants.DeploymentMode.STANDARD.value,
        constants.LEGACY_SERVERLESS: constants.DeploymentMode.KNATIVE.value,
    }.get(mode or "", mode)
    if mode in {m.value for m in constants.DeploymentMode}:
        return str(mode)
    return default_mode


def annotations_of(obj: Mapping[str, Any]) -> dict[str, str]:
    """The object's annotations (an empty dict when absent or null)."""
    meta = obj.get("metadata") or {}
    return dict(meta.get("annotations") or {})


def reconcile(isvc: Mapping[str, Any], mode: str, ctx: ReconcileContext) -> Reconciled | Invalid:
    """The objects KServe's controller creates for one defaulted, validated InferenceService."""
    if mode == constants.DeploymentMode.MODEL_MESH:
        # GitOps: the ModelMesh controller owns the InferenceService (KServe would still build
        # a transformer for it, from the predictor URL ModelMesh reports; offline there is none).
        return Reconciled([dict(isvc)], notes=("ModelMesh: passed through unchanged",))
    if mode == constants.DeploymentMode.KNATIVE:
        isvc = validate_initial_scale_annotation(isvc, ctx.allow_zero_initial_scale)
    resolved: ResolvedModel | None = None
    if "model" in isvc["spec"]["predictor"]:
        uri_problem = storage_uri_problem(isvc, ctx.config, ctx.storage_containers)
        if uri_problem is not None:
            return uri_problem
        found = reconcile_model(isvc, ctx.index, ctx.runtime_memo)
        if isinstance(found, Invalid):
            return found
        resolved, isvc = found, found.isvc
    builds = component_builds(isvc, resolved, ctx.config, ctx.storage_containers)
    if isinstance(builds, Invalid):
        return builds
    if mode == constants.DeploymentMode.STANDARD and isvc["spec"].get("canary"):
        with_canaries = canary_builds(isvc, builds, ctx)
        if isinstance(with_canaries, Invalid):
            return with_canaries
        builds = with_canaries
    mutation = MutationContext(
        ctx.config,
        str(isvc["metadata"]["namespace"]),
        ctx.secrets,
        ctx.storage_containers,
        isvc,
    )
    notes: list[str] = []
    mutated: list[ComponentBuild] = []
    # In Standard mode the webhook sees the pods of the Deployment the raw reconciler builds
    # (after setDefaultPodSpec); it runs there (`PodWebhook`), not on the component's spec.
    knative_mode = mode == constants.DeploymentMode.KNATIVE
    for build in builds:
        done_build = mutate_component(build, isvc, mutation, notes, webhook=knative_mode)
        if isinstance(done_build, Invalid):
            return done_build
        mutated.append(done_build)
    builds = mutated
    reconcile_mode = MODE_RECONCILERS.get(mode)
    if reconcile_mode is None:
        return Invalid(
            f'metadata.annotations["{constants.DEPLOYMENT_MODE}"]',
            f"unsupported deployment mode {mode!r}",
        )
    done = reconcile_mode(isvc, builds, ctx, PodMutation(mutation, notes))
    if isinstance(done, Invalid):
        return done
    runtime = resolved.runtime_name if resolved else None
    return Reconciled(done.objects, runtime, tuple(notes), done.url, done.address)


def mutate_component(
    build: ComponentBuild,
    isvc: Mapping[str, Any],
    ctx: MutationContext,
    notes: list[str],
    webhook: bool = True,
) -> ComponentBuild | Invalid:
    """The controller's `storageUris` step, then (`webhook`) what KServe's pod webhook makes of
    the component's pods, inlined into its pod spec.

    GitOps: with no webhook in the cluster, the injections (storage initializer, credentials,
    agent, …) must already be in the rendered template. KServe's controller first applies
    `storageUris` itself (`CommonStorageInitialization` in the ksvc and raw reconcilers). The
    webhook sees the pods of the workload: a Knative revision's carry the component's spec as
    it is; a Deployment's have been through `setDefaultPodSpec`, so in Standard mode the webhook
    runs in the Deployment reconciler instead (`PodMutation.webhook`, webhook=False here).
    """
    field_path = f"spec.{build.component}"
    spec = isvc["spec"].get(build.component) or {}
    # Every component's storage URIs use the predictor's storage spec (predictor.go:778,
    # transformer.go:209, explainer.go:173: isvc.Spec.Predictor.GetImplementation()).
    predictor_model = isvc["spec"]["predictor"].get("model") or {}
    pod_spec, problems, warnings = apply_storage_uris(
        build.pod_spec,
        build.storage_uris,
        build.meta.get("annotations") or {},
        ctx,
        storage=predictor_model.get("storage"),
        storage_container_name=spec.get("storageContainerName"),
        field=field_path,
    )
    notes += warnings
    if problems:
        return problems[0]
    if not webhook:
        return replace(build, pod_spec=pod_spec)
    head = _mutated(build.meta, pod_spec, ctx, field_path, notes)
    if isinstance(head, Invalid):
        return head
    # The pod template carries the webhook's annotations, so that the running pod has them.
    return replace(build, pod_spec=head.spec, pod_annotations=head.written)


@dataclass(frozen=True, slots=True)
class MutatedPod:
    """The pod after the webhook: its spec, labels and annotations, and the annotations the
    webhook wrote (InjectMetricsAggregator's, metrics_aggregate_injector.go:101-125)."""

    spec: dict[str, Any]
    labels: dict[str, str]
    annotations: dict[str, str]
    written: dict[str, str]


def _mutated(
    meta: Mapping[str, Any],
    pod_spec: Mapping[str, Any],
    ctx: MutationContext,
    field_path: str,
    notes: list[str],
) -> MutatedPod | Invalid:
    """What the webhook makes of a pod that carries the component's meta."""
    annotations = dict(meta.get("annotations") or {})
    pod = {
        "metadata": {"labels": dict(meta.get("labels") or {}), "annotations": annotations},
        "spec": pod_spec,
    }
    mutated, problems, warnings = mutate_pod(pod, ctx, field_path)
    notes += warnings
    if problems:
        return problems[0]
    out = mutated.get("metadata") or {}
    after = {str(k): str(v) for k, v in (out.get("annotations") or {}).items()}
    written = {k: v for k, v in after.items() if annotations.get(k) != v}
    labels = {str(k): str(v) for k, v in (out.get("labels") or {}).items()}
    return MutatedPod(dict(mutated["spec"]), labels, after, written)


@dataclass(frozen=True, slots=True)
class PodMutation:
    """The pod webhook for one InferenceService, and where its warnings go."""

    ctx: MutationContext
    notes: list[str]

    def webhook(self, component: str) -> deployment.PodWebhook:
        """The webhook on the pods of a component's Deployment (template metadata and spec)."""
        field_path = f"spec.{component}"

        def mutate(
            meta: Mapping[str, Any], pod_spec: Mapping[str, Any]
        ) -> tuple[dict[str, Any], dict[str, Any]] | Invalid:
            found = _mutated(meta, pod_spec, self.ctx, field_path, self.notes)
            if isinstance(found, Invalid):
                return found
            out_meta = {**meta, "labels": found.labels, "annotations": found.annotations}
            return {k: v for k, v in out_meta.items() if v}, found.spec

        return mutate


def canary_builds(
    isvc: Mapping[str, Any], builds: list[ComponentBuild], ctx: ReconcileContext
) -> list[ComponentBuild] | Invalid:
    """The stable predictor with its reduced minReplicas, then one build per canary
    (`reconcileCanaryDeployments`: the canary's componentExt holds minReplicas only)."""
    stable, rest = builds[0], builds[1:]
    ext = dict(stable.ext)
    if ext.get("minReplicas") is not None:
        ext["minReplicas"] = canary.stable_min_replicas(isvc)
    out = [replace(stable, ext=ext)]
    for canary_isvc, replicas in canary.canary_inference_services(isvc):
        resolved: ResolvedModel | None = None
        if "model" in canary_isvc["spec"]["predictor"]:
            found = reconcile_model(canary_isvc, ctx.index, ctx.runtime_memo)
            if isinstance(found, Invalid):
                field_path = found.field.replace("spec.predictor", "spec.canary", 1)
                return Invalid(field_path, found.message)
            resolved, canary_isvc = found, found.isvc
        build = build_predictor(canary_isvc, resolved, ctx.config, ctx.storage_containers)
        if isinstance(build, Invalid):
            return build
        out.append(replace(build, ext={"minReplicas": replicas}, worker_meta=None,
                           worker_pod_spec=None))  # fmt: skip
    return out + rest


INITIAL_SCALE_ANNOTATION_KEY = constants.KNATIVE_AUTOSCALING_API_GROUP + "/initial-scale"


def validate_initial_scale_annotation(
    isvc: Mapping[str, Any], allow_zero_initial_scale: bool
) -> Mapping[str, Any]:
    """Port of `ValidateInitialScaleAnnotation`: drop an initial-scale annotation that is not
    an integer, or is 0 while Knative does not allow a zero initial scale."""
    annotations = annotations_of(isvc)
    value = annotations.get(INITIAL_SCALE_ANNOTATION_KEY)
    if value is None:
        return isvc
    try:
        scale = strconv.atoi(value)
    except ValueError:
        scale = None
    if scale is not None and (allow_zero_initial_scale or scale != 0):
        return isvc
    del annotations[INITIAL_SCALE_ANNOTATION_KEY]
    return {**isvc, "metadata": {**isvc["metadata"], "annotations": annotations}}


def component_builds(
    isvc: Mapping[str, Any],
    resolved: ResolvedModel | None,
    config: Config,
    storage_containers: Sequence[Mapping[str, Any]] = (),
) -> list[ComponentBuild] | Invalid:
    """Predictor, transformer and explainer, in the controller's order."""
    builds = [build_predictor(isvc, resolved, config, storage_containers)]
    if isvc["spec"].get("transformer") is not None:
        builds.append(build_transformer(isvc, config, storage_containers))
    if isvc["spec"].get("explainer") is not None:
        builds.append(build_explainer(isvc, config, storage_containers))
    problems = [b for b in builds if isinstance(b, Invalid)]
    if problems:
        return problems[0]
    return [b for b in builds if isinstance(b, ComponentBuild)]


def _reconcile_knative(
    isvc: Mapping[str, Any],
    builds: Sequence[ComponentBuild],
    ctx: ReconcileContext,
    pods: PodMutation,
) -> ModeResult | Invalid:
    """Knative Services per component, then the Istio ingress (ingress_reconciler.go).

    The builds' pods have been through the webhook already (`mutate_component`)."""
    domain = ctx.knative_domain or knative.DEFAULT_KNATIVE_DOMAIN_CONFIG
    namespace = str(isvc["metadata"]["namespace"])
    objects: list[dict[str, Any]] = []
    hosts: dict[str, str] = {}
    for build in builds:
        build = replace(build, pod_spec=agent_serves_traffic(build.pod_spec))
        name = str(build.meta["name"])
        previous = ctx.previous_revisions.get((namespace, name))
        ksvc = knative.reconcile_ksvc(build, ctx.config, ctx.renderer, previous)
        if ksvc is None:
            continue  # stopped
        objects.append(ksvc)
        labels = (ksvc.get("metadata") or {}).get("labels") or {}
        try:
            hosts[build.component] = knative.knative_host(name, namespace, labels, domain)
        except (knative.KnativeDomainError, knative.KnativeConfigError) as err:
            return Invalid("metadata.name", f"Knative cannot give {name} a host: {err}")
    objects += virtual_service.reconcile_ingress(isvc, hosts, ctx.config, ctx.renderer, domain)
    status = virtual_service.ingress_status(isvc, hosts, ctx.config.ingress) or {}
    address = (status.get("address") or {}).get("url")
    return ModeResult(objects, status.get("url"), address)


def agent_serves_traffic(pod_spec: dict[str, Any]) -> dict[str, Any]:
    """In a Knative revision the agent sidecar, not the model server, takes the traffic.

    GitOps: KServe's webhook points Knative's queue-proxy at the agent port (9081) by editing
    the queue-proxy container, which only exists in the running pod. Knative routes to the one
    container that declares a port, so the same wiring in a template is: the agent keeps its
    port and the other containers declare none (the agent forwards to --component-port).
    """
    containers = pod_spec.get("containers") or []
    if not any(
        x.get("name") == constants.AGENT_CONTAINER_NAME and x.get("ports") for x in containers
    ):
        return pod_spec
    rewired = [
        x if x.get("name") == constants.AGENT_CONTAINER_NAME else
        {k: v for k, v in x.items() if k != "ports"}
        for x in containers
    ]  # fmt: skip
    return {**pod_spec, "containers": rewired}


def _reconcile_standard(
    isvc: Mapping[str, Any],
    builds: Sequence[ComponentBuild],
    ctx: ReconcileContext,
    pods: PodMutation,
) -> ModeResult | Invalid:
    """Raw Kubernetes objects per component, then the Ingress or HTTPRoutes; the pod webhook
    runs on each Deployment's pod template."""
    objects: list[dict[str, Any]] = []
    # A component stopped by its own stop annotation gets no Deployment, so its <C>Ready
    # condition never becomes true and the ingress reconcilers leave it out (`createRawIngress`
    # creates no Ingress without PredictorReady); every other component counts as ready.
    ready: set[str] = set()
    for build in builds:
        webhook = pods.webhook(build.component)
        found = raw.reconcile_raw_kube(build, isvc["metadata"], ctx.config, ctx.renderer, webhook)
        if isinstance(found, Invalid):
            return found
        objects += found
        if found:
            ready.add(httproute.READY_CONDITIONS[build.component])
    if is_stopped(annotations_of(isvc)):
        return ModeResult(objects)
    services = kube_ingress.services_by_name(objects)
    routes = kube_ingress.reconcile_raw_ingress(isvc, services, ctx.config, ctx.renderer, ready)
    if isinstance(routes, Invalid):
        return routes
    url = httproute.create_raw_url(isvc, ctx.config.ingress)
    address = kube_ingress.create_address(isvc, services)
    return ModeResult(
        objects + routes,
        None if isinstance(url, Invalid) else url,
        None if isinstance(address, Invalid) else address,
    )


ModeReconciler = Callable[
    [Mapping[str, Any], Sequence[ComponentBuild], ReconcileContext, PodMutation],
    ModeResult | Invalid,
]

# reconcilers/factory.go's switch on the deployment mode, as a table.
MODE_RECONCILERS: dict[str, ModeReconciler] = {
    constants.DeploymentMode.KNATIVE.value: _reconcile_knative,
    constants.DeploymentMode.STANDARD.value: _reconcile_standard,
}
