"""The InferenceGraph controller as a pure function: one graph → its router objects.

Ports KServe v0.20.0 `pkg/controller/v1alpha1/inferencegraph/controller.go` (`Reconcile`: step
URLs, mode, stop), `knative_reconciler.go` (`createKnativeService`,
`constructResourceRequirements`, the stop check of `Reconcile`), `raw_ig.go`
(`createInferenceGraphPodSpec`, `constructForRawDeployment`, `handleInferenceGraphRawDeployment`
through the InferenceService raw reconciler), `pkg/apis/serving/v1alpha1/inference_graph.go`
(the `json.Marshal` of `InferenceGraphSpec` the router receives as `--graph-json`),
`inferenceservice/utils/utils.go`
(`GetPredictorEndpoint`, `GetModelName`); the initial-scale check is the controller's port.
Graphs are consumed, not emitted; no Ingress is created for them (KServe's graph controller
never calls an ingress reconciler).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from generator import constants as c
from generator.admission.defaults import CUSTOM, implementations
from generator.admission.inferencegraph import (
    graph_nodes,
    validate_inference_graph,
)
from generator.admission.runtimes import RuntimeIndex, get_protocol, get_serving_runtime
from generator.config import Config, builtin_runtimes
from generator.config.pod_configs import RouterConfig
from generator.config.quantity import marshal_quantity, parse_quantity
from generator.controllers.inferenceservice import (
    ReconcileContext,
    annotations_of,
    get_deployment_mode,
    validate_initial_scale_annotation,
)
from generator.errors import Invalid, Notice, Problem, field_path
from generator.goruntime.json import (
    BOOL,
    INT32,
    INT64,
    STRING,
    Custom,
    Field,
    Kind,
    Map,
    Pointer,
    Slice,
    Struct,
    round_trip,
)
from generator.goruntime.json import marshal as go_marshal
from generator.load import Inputs
from generator.reconcilers.knative import set_autoscaling_annotations
from generator.reconcilers.raw import reconcile_raw_kube
from generator.records import ComponentBuild, Rendered, mark_managed
from generator.render import Renderer, TemplateError, template_problem
from generator.schema import emitted
from generator.utils.isvc import is_mms_predictor
from generator.utils.utils import get_force_stop_runtime as is_stopped

if TYPE_CHECKING:  # the pipeline calls this module, never the reverse at run time
    from generator.records import Admitted

KNATIVE_TEMPLATE = "inference-graph-knative-service.yaml.j2"
KSERVE_WORKLOAD_KIND = c.KSERVE_API_GROUP + "/kind"  # constants.KServeWorkloadKind
ROUTER_HEADERS_PROPAGATE_ENV_VAR = "PROPAGATE_HEADERS"
ARGUMENT_MODEL_NAME = "--model_name"
# constants.GetRouterReadinessProbe
ROUTER_READINESS_PROBE = {
    "httpGet": {"path": "/readyz", "port": 8080, "scheme": "HTTP"},
    "initialDelaySeconds": 5,
    "timeoutSeconds": 2,
    "periodSeconds": 5,
    "successThreshold": 1,
    "failureThreshold": 3,
}
ROUTER_SECURITY_CONTEXT = {
    "privileged": False,
    "runAsNonRoot": True,
    "readOnlyRootFilesystem": True,
    "allowPrivilegeEscalation": False,
    "capabilities": {"drop": ["ALL"]},
}

# --- json.Marshal of InferenceGraphSpec: Go struct field order and omitempty ---------------

_QUANTITY = Custom("resource.Quantity", marshal_quantity)
_STRINGS = Slice(STRING)


def _s(go: str, *fields: tuple[str, Kind] | tuple[str, Kind, bool]) -> Struct:
    """A struct from (JSON name, Go type[, omitempty]) triples."""
    return Struct(go, tuple(Field(*f) for f in fields))


def _o(name: str, kind: Kind) -> tuple[str, Kind, bool]:
    return (name, kind, True)  # omitempty


_REQUIREMENT = _s(
    "v1.LabelSelectorRequirement", ("key", STRING), ("operator", STRING), _o("values", _STRINGS)
)
_LABEL_SELECTOR = _s(
    "v1.LabelSelector",
    _o("matchLabels", Map(STRING)), _o("matchExpressions", Slice(_REQUIREMENT)),
)  # fmt: skip
_NODE_REQUIREMENT = _s(
    "v1.NodeSelectorRequirement", ("key", STRING), ("operator", STRING), _o("values", _STRINGS)
)
_NODE_TERM = _s(
    "v1.NodeSelectorTerm",
    _o("matchExpressions", Slice(_NODE_REQUIREMENT)), _o("matchFields", Slice(_NODE_REQUIREMENT)),
)  # fmt: skip
_POD_TERM = _s(
    "v1.PodAffinityTerm",
    _o("labelSelector", Pointer(_LABEL_SELECTOR)), _o("namespaces", _STRINGS),
    ("topologyKey", STRING), _o("namespaceSelector", Pointer(_LABEL_SELECTOR)),
    _o("matchLabelKeys", _STRINGS), _o("mismatchLabelKeys", _STRINGS),
)  # fmt: skip
_REQUIRED = "requiredDuringSchedulingIgnoredDuringExecution"
_PREFERRED = "preferredDuringSchedulingIgnoredDuringExecution"
_WEIGHTED_POD_TERM = _s(
    "v1.WeightedPodAffinityTerm", ("weight", INT32), ("podAffinityTerm", _POD_TERM)
)
_POD_AFFINITY = _s(
    "v1.PodAffinity", _o(_REQUIRED, Slice(_POD_TERM)), _o(_PREFERRED, Slice(_WEIGHTED_POD_TERM))
)
_PREFERRED_TERM = _s("v1.PreferredSchedulingTerm", ("weight", INT32), ("preference", _NODE_TERM))
_NODE_AFFINITY = _s(
    "v1.NodeAffinity",
    _o(_REQUIRED, Pointer(_s("v1.NodeSelector", ("nodeSelectorTerms", Slice(_NODE_TERM))))),
    _o(_PREFERRED, Slice(_PREFERRED_TERM)),
)  # fmt: skip
AFFINITY = _s(
    "v1.Affinity",
    _o("nodeAffinity", Pointer(_NODE_AFFINITY)),
    _o("podAffinity", Pointer(_POD_AFFINITY)),
    _o("podAntiAffinity", Pointer(_POD_AFFINITY)),
)
TOLERATION = _s(
    "v1.Toleration",
    *(_o(n, STRING) for n in ("key", "operator", "value", "effect")),
    _o("tolerationSeconds", Pointer(INT64)),
)
RESOURCES = _s(
    "v1.ResourceRequirements",
    _o("limits", Map(_QUANTITY)), _o("requests", Map(_QUANTITY)),
    _o("claims", Slice(_s("v1.ResourceClaim", ("name", STRING), _o("request", STRING)))),
)  # fmt: skip
_STEP = _s(
    "v1alpha1.InferenceStep",
    *(_o(n, STRING) for n in ("name", "nodeName", "serviceName", "serviceUrl", "data")),
    _o("mapPredictionsToInstances", BOOL), _o("weight", Pointer(INT64)),
    _o("condition", STRING), _o("dependency", STRING),
)  # fmt: skip
_ROUTER_TIMEOUTS = _s(
    "v1alpha1.InfereceGraphRouterTimeouts",
    *(_o(n, Pointer(INT64)) for n in ("serverRead", "serverWrite", "serverIdle", "serviceClient")),
)
_NODE = _s("v1alpha1.InferenceRouter", ("routerType", STRING), _o("steps", Slice(_STEP)))
GRAPH_SPEC = _s(
    "v1alpha1.InferenceGraphSpec",
    ("nodes", Map(_NODE)),
    _o("resources", RESOURCES),
    _o("affinity", Pointer(AFFINITY)), _o("timeout", Pointer(INT64)),
    _o("routerTimeouts", Pointer(_ROUTER_TIMEOUTS)),
    _o("minReplicas", Pointer(INT32)), _o("maxReplicas", INT32), _o("scaleTarget", Pointer(INT32)),
    _o("scaleMetric", Pointer(STRING)),
    _o("tolerations", Slice(TOLERATION)), _o("nodeSelector", Map(STRING)), _o("nodeName", STRING),
    _o("serviceAccountName", STRING),
)  # fmt: skip


def graph_json(spec: Mapping[str, Any]) -> str:
    """The `--graph-json` argument: Go's `json.Marshal(graph.Spec)`."""
    return go_marshal(round_trip(spec, GRAPH_SPEC))


# --- step URLs: GetPredictorEndpoint, GetModelName ------------------------------------------


def _model_name_from_args(args: Sequence[str]) -> str:
    """Port of `getModelNameFromArgs`: `--model_name=<name>` or `--model_name <name>`, last wins."""
    name = ""
    for i, arg in enumerate(args):
        if arg.startswith(ARGUMENT_MODEL_NAME):
            parts = arg.split("=")
            if len(parts) == 2:
                name = parts[1]
            if i + 1 < len(args) and not args[i + 1].startswith("--"):
                name = args[i + 1]
    return name


def get_model_name(isvc: Mapping[str, Any]) -> str:
    """Port of `GetModelName`: from the transformer's or predictor's args or env, else the isvc."""
    spec = isvc["spec"]
    transformer_containers = (spec.get("transformer") or {}).get("containers") or []
    if transformer_containers:
        found = _model_name_from_args(transformer_containers[0].get("args") or [])
        if found:
            return found
    predictor = spec["predictor"]
    model, containers = predictor.get("model"), predictor.get("containers") or []
    if model is not None:
        for env in model.get("env") or []:
            if env.get("name") == c.MLSERVER_MODEL_NAME_ENV:
                return str(env.get("value") or "")
        found = _model_name_from_args(model.get("args") or [])
    else:
        found = _model_name_from_args(containers[0].get("args") or []) if containers else ""
    return found or str(isvc["metadata"]["name"])


def _protocol_env(container: Mapping[str, Any]) -> str:
    env = container.get("env") or []
    key = c.CUSTOM_SPEC_PROTOCOL_ENV_VAR_KEY
    values = [e.get("value") or "" for e in env if e.get("name") == key]
    return str(values[0]) if values else c.PROTOCOL_V1


def _predictor_protocol(predictor: Mapping[str, Any]) -> str:
    """`GetImplementation().GetProtocol()` of a defaulted predictor (`model` or containers)."""
    found = implementations("predictor", predictor)
    if found and found[0] == CUSTOM:  # CustomPredictor: a collocated transformer's env first
        containers = predictor["containers"]
        named = [x for x in containers if x.get("name") == c.TRANSFORMER_CONTAINER_NAME]
        return _protocol_env(named[0] if named else containers[0])
    return get_protocol(predictor.get(found[0]) or {}) if found else c.PROTOCOL_V1


def get_predictor_endpoint(
    isvc: Mapping[str, Any], address: str | None, index: RuntimeIndex
) -> str | Invalid:
    """Port of `GetPredictorEndpoint`: `status.address.url` + the predict path of the protocol."""
    name = str(isvc["metadata"]["name"])
    if not address:
        return Invalid("status.address.url", f"service {name} is not ready")
    spec, model_name = isvc["spec"], get_model_name(isvc)
    protocol = ""
    if spec.get("transformer") is not None:
        containers = spec["transformer"].get("containers") or [{}]
        protocol = _protocol_env(containers[0])
    elif not is_mms_predictor(spec["predictor"]):
        protocol = _predictor_protocol(spec["predictor"])
        runtime = (spec["predictor"].get("model") or {}).get("runtime")
        if runtime is not None:  # the runtime's first v1/v2 protocol wins over the isvc's
            found = get_serving_runtime(index, str(runtime), str(isvc["metadata"]["namespace"]))
            if isinstance(found, Invalid):
                return found
            versions = (found[0].get("spec") or {}).get("protocolVersions") or []
            usable = [v for v in versions if v in (c.PROTOCOL_V1, c.PROTOCOL_V2)]
            if versions and not usable:
                return Invalid(
                    "spec.predictor.model.runtime",
                    "the runtime does not support a protocol compatible with Inference Graphs",
                )
            protocol = usable[0] if usable else protocol
    path = {  # constants.PredictPath
        c.PROTOCOL_V1: f"/v1/models/{model_name}:predict",
        c.PROTOCOL_V2: f"/v2/models/{model_name}/infer",
    }.get(protocol, "")
    return address + path


IsvcStatus = tuple[Mapping[str, Any], str | None, str | None]  # (isvc, status.url, address)


def resolve_service_urls(
    graph: Mapping[str, Any], isvcs: Mapping[tuple[str, str], IsvcStatus], index: RuntimeIndex
) -> dict[str, Any] | Invalid:
    """The graph spec with `serviceUrl` filled in for every step that names an InferenceService."""
    spec = dict(graph["spec"])
    namespace = str(graph["metadata"].get("namespace") or "")
    nodes = {name: dict(node) for name, node in (spec.get("nodes") or {}).items()}
    for node, _, _ in graph_nodes(graph):
        steps = [dict(step) for step in nodes[node].get("steps") or []]
        for i, step in enumerate(steps):
            service = step.get("serviceName") or ""
            if not service:
                continue
            where = field_path("spec", "nodes", node, "steps", i, "serviceName")
            found = isvcs.get((namespace, service))
            # GitOps: KServe requeues until the service exists and is ready; here it is a problem.
            if found is None:
                not_found = f'inferenceservices.serving.kserve.io "{service}" not found'
                return Invalid(where, f"Failed to find graph service {service}: {not_found}")
            if not step.get("serviceUrl"):
                url = get_predictor_endpoint(found[0], found[2], index)
                if isinstance(url, Invalid):
                    return Invalid(where, f"service {service} is not ready: {url.message}")
                step["serviceUrl"] = url
        if "steps" in nodes[node]:
            nodes[node]["steps"] = steps
    spec["nodes"] = nodes
    return spec


# --- the router pod ---------------------------------------------------------------------------


def _quantity(text: str) -> str:
    return str(parse_quantity(text))  # the config stage already refused what Go cannot parse


def construct_resource_requirements(
    spec: Mapping[str, Any], router: RouterConfig
) -> dict[str, Any]:
    """Port of `constructResourceRequirements`: the graph's limits and requests, unless the
    graph's `resources` is Go's zero value, then the router config's."""
    resources = spec.get("resources") or {}
    if any(resources.get(key) is not None for key in ("limits", "requests", "claims")):
        given: dict[str, Any] = round_trip(
            {k: resources.get(k) for k in ("limits", "requests")}, RESOURCES
        )
        return given  # claims are not copied
    return {
        "limits": {"cpu": _quantity(router.cpu_limit), "memory": _quantity(router.memory_limit)},
        "requests": {
            "cpu": _quantity(router.cpu_request),
            "memory": _quantity(router.memory_request),
        },
    }


def create_inference_graph_pod_spec(
    graph: Mapping[str, Any], router: RouterConfig, spec_json: str, container_name: str | None
) -> dict[str, Any]:
    """Port of `createInferenceGraphPodSpec` (named container, raw) and of the pod spec in
    `createKnativeService` (`container_name=None`: Knative names the container)."""
    spec = graph["spec"]
    container: dict[str, Any] = {
        "args": ["--graph-json", spec_json],
        "resources": construct_resource_requirements(spec, router),
        "readinessProbe": dict(ROUTER_READINESS_PROBE),
        "securityContext": dict(ROUTER_SECURITY_CONTEXT),
    }
    pull = router.image_pull_policy
    # GitOps: KServe's Knative router container has no name, which Go writes as `name: ""`;
    # left out, Knative names it as it would, and Argo CD sees no `""` against the live name.
    named = {"name": container_name, "image": router.image, "imagePullPolicy": pull}
    container.update({key: value for key, value in named.items() if value})
    if router.headers is not None and "propagate" in router.headers:
        value = ",".join(router.headers["propagate"])
        container["env"] = [{"name": ROUTER_HEADERS_PROPAGATE_ENV_VAR, "value": value}]
    pod: dict[str, Any] = {"containers": [container], "automountServiceAccountToken": False}
    if spec.get("affinity") is not None:
        pod["affinity"] = round_trip(spec["affinity"], AFFINITY)
    secrets = [{"name": name} for name in router.image_pull_secrets]
    optional = {
        "tolerations": round_trip(spec.get("tolerations") or [], Slice(TOLERATION)),
        "imagePullSecrets": secrets,
        "nodeSelector": dict(spec.get("nodeSelector") or {}),
        "nodeName": spec.get("nodeName"),
        "serviceAccountName": spec.get("serviceAccountName"),
    }
    pod.update({key: value for key, value in optional.items() if value})
    return pod


# --- Knative mode -----------------------------------------------------------------------------


def create_knative_service(
    graph: Mapping[str, Any],
    router: RouterConfig,
    spec_json: str,
    renderer: Renderer,
    allow_zero_initial_scale: bool = False,
) -> dict[str, Any]:
    """Port of `createKnativeService` (after the controller's initial-scale check)."""
    graph = validate_initial_scale_annotation(graph, allow_zero_initial_scale)
    meta, spec = graph["metadata"], graph["spec"]
    name = str(meta["name"])
    annotations = dict(meta.get("annotations") or {})  # not filtered, unlike an isvc's
    set_autoscaling_annotations(
        annotations,
        spec.get("scaleTarget"),
        spec.get("scaleMetric"),
        spec.get("minReplicas"),
        spec.get("maxReplicas") or 0,
    )
    passthrough = c.KNATIVE_OPENSHIFT_ENABLE_PASSTHROUGH_KEY
    ksvc_annotations = {k: annotations.pop(k) for k in [passthrough] if k in annotations}
    labels = dict(meta.get("labels") or {})
    revision_labels = {
        **{k: v for k, v in labels.items() if k not in c.REVISION_TEMPLATE_LABEL_DISALLOWED_LIST},
        c.INFERENCE_GRAPH_LABEL: name,
        KSERVE_WORKLOAD_KIND: "InferenceGraph",
    }
    revision_spec = create_inference_graph_pod_spec(graph, router, spec_json, None)
    if spec.get("timeout") is not None:
        revision_spec["timeoutSeconds"] = spec["timeout"]
    values = {
        "name": name,
        "namespace": meta.get("namespace"),
        "labels": labels or None,
        "annotations": ksvc_annotations or None,
        "revision_labels": revision_labels,
        "revision_annotations": annotations,
        "revision_spec": revision_spec,
    }
    return renderer.render_object(KNATIVE_TEMPLATE, values, "Service", name, meta.get("namespace"))


# --- Standard mode ----------------------------------------------------------------------------


def construct_for_raw_deployment(
    graph: Mapping[str, Any],
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Port of `constructForRawDeployment`: the component meta and extension spec."""
    meta, spec = graph["metadata"], graph.get("spec") or {}
    name = str(meta["name"])
    labels = {**(meta.get("labels") or {}), c.INFERENCE_GRAPH_LABEL: name}
    component_meta = {
        "name": name,
        "namespace": meta.get("namespace"),
        "labels": labels,
        "annotations": dict(meta.get("annotations") or {}),
    }
    keys = ("minReplicas", "maxReplicas", "scaleMetric", "scaleTarget")
    return component_meta, {key: spec[key] for key in keys if spec.get(key) is not None}


# --- the controller ---------------------------------------------------------------------------


def reconcile_graph(
    graph: Mapping[str, Any],
    admitted_isvcs: Mapping[tuple[str, str], IsvcStatus],
    config: Config,
    renderer: Renderer,
    *,
    index: RuntimeIndex | None = None,
    allow_zero_initial_scale: bool = False,
) -> list[dict[str, Any]] | Invalid:
    """The objects KServe's InferenceGraph controller creates for one validated graph.

    `admitted_isvcs` maps (namespace, name) to (InferenceService, status.url, status.address.url);
    `index` holds the runtimes a step's `model.runtime` may name (built-in ones when None);
    `allow_zero_initial_scale` is Knative's `config-autoscaler` `allow-zero-initial-scale`.
    """
    stopped = is_stopped(annotations_of(graph))
    spec: Mapping[str, Any] = graph["spec"]
    if not stopped:  # KServe resolves step URLs only for a running graph
        runtimes = index or RuntimeIndex({}, tuple(builtin_runtimes()))
        resolved = resolve_service_urls(graph, admitted_isvcs, runtimes)
        if isinstance(resolved, Invalid):
            return resolved
        spec = resolved
    spec_json, resolved_graph = graph_json(spec), {**graph, "spec": spec}
    mode = get_deployment_mode(annotations_of(graph), config.deploy.default_deployment_mode)
    if mode == c.DeploymentMode.STANDARD:
        pod_spec = create_inference_graph_pod_spec(
            resolved_graph, config.router, spec_json, str(graph["metadata"]["name"])
        )
        meta, ext = construct_for_raw_deployment(graph)
        # "router" names no InferenceService component; the raw reconcilers never read it.
        build = ComponentBuild("router", meta, ext, pod_spec)
        return reconcile_raw_kube(build, graph["metadata"], config, renderer)
    # GitOps: Knative Serving is assumed installed (KServe's terminal error otherwise).
    ksvc = create_knative_service(
        resolved_graph, config.router, spec_json, renderer, allow_zero_initial_scale
    )
    return [] if stopped else [ksvc]


def render_inference_graphs(
    inputs: Inputs, admitted: Sequence[Admitted], ctx: ReconcileContext
) -> tuple[list[Rendered], list[Problem], list[Notice]]:
    """Every InferenceGraph's objects (the webhook's validation first), problems and warnings.

    `admitted` are the pipeline's records after reconcile (with `url` and `address` set).
    """
    isvcs: dict[tuple[str, str], IsvcStatus] = {
        (a.namespace, a.loaded.name): (a.isvc, a.url, a.address) for a in admitted
    }
    rejected = {(i.namespace, i.name) for i in inputs.inference_services} - set(isvcs)
    rendered: list[Rendered] = []
    problems: list[Problem] = []
    notices: list[Notice] = []
    for item in inputs.inference_graphs:
        invalid = validate_inference_graph(item.doc)
        if invalid is not None:
            problems.append(item.problem(invalid))
            continue
        names = {s.get("serviceName") for _, steps, _ in graph_nodes(item.doc) for s in steps}
        if any((item.namespace, name) in rejected for name in names):
            continue  # a rejected InferenceService has its own problem
        for name in sorted(n for n in names if n and (item.namespace, n) not in isvcs):
            isvcs[(item.namespace, name)] = assumed_service(name, item.namespace, ctx)
            notices.append(Notice(item.source, item.ref(), (
                f"InferenceService {item.namespace}/{name} is not in the input set; its step URL "
                "assumes the default deployment mode, protocol v1 and model name "
                f"{name} (render the graph with its InferenceServices to be exact)"
            )))  # fmt: skip
        try:
            result = reconcile_graph(
                item.doc,
                isvcs,
                ctx.config,
                ctx.renderer,
                index=ctx.index,
                allow_zero_initial_scale=ctx.allow_zero_initial_scale,
            )
        except TemplateError as err:
            problems.append(template_problem(err, ctx.renderer))
            continue
        if isinstance(result, Invalid):
            problems.append(item.problem(result))
            continue
        objects = [Rendered(mark_managed(obj), item.name, item.source) for obj in result]
        refused = emitted.check_rendered((one.obj for one in objects), item.doc)
        if refused:  # what the API server would refuse is never emitted
            problems += [item.problem(one) for one in refused]
            continue
        rendered += objects
    return rendered, problems, notices


def assumed_service(name: str, namespace: str, ctx: ReconcileContext) -> IsvcStatus:
    """A graph step's InferenceService that lives elsewhere (another folder or Argo CD app).

    GitOps: KServe reads it from the cluster; here its address follows the configured default
    mode (Knative: `<name>.<ns>`, Standard: `<name>-predictor.<ns>`) and protocol v1.
    """
    standard = ctx.config.deploy.default_deployment_mode == c.DeploymentMode.STANDARD
    host = c.predictor_service_name(name) if standard else name
    container = {
        "name": c.INFERENCE_SERVICE_CONTAINER_NAME,
        "env": [{"name": c.CUSTOM_SPEC_PROTOCOL_ENV_VAR_KEY, "value": c.PROTOCOL_V1}],
    }
    isvc: dict[str, Any] = {
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"predictor": {"containers": [container]}},
    }  # fmt: skip
    return isvc, None, f"http://{host}.{namespace}.svc.cluster.local"


__all__ = [
    "construct_for_raw_deployment",
    "create_inference_graph_pod_spec",
    "create_knative_service",
    "get_model_name",
    "get_predictor_endpoint",
    "graph_json",
    "reconcile_graph",
    "render_inference_graphs",
    "validate_inference_graph",
]
