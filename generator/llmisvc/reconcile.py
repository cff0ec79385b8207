"""`controller.go: reconcile` for LLMInferenceServices, as a render.

Per service: conversion to v1alpha2, the defaulting and validating webhooks, `combine`
(presets, base refs, ReplaceVariables), the controller's re-validation of the merged spec, then
the children in KServe's reconcile order: workload certificate, the workload objects
(topology.py: managed DRA, multi-node and single-node ServiceAccounts, Roles, LeaderWorkerSets
and Deployments), workload Service, the autoscaling objects (scaling.py), the scheduler's
ServiceAccount, ClusterRoleBinding, Role, RoleBinding, Deployment, Service and InferencePool,
and the HTTPRoute `<name>-kserve-route` (with the routing group's backends, router_group.py).
Tracing (tracing.py) is injected by each workload's builder and into the scheduler.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from generator import schema
from generator.config import Config
from generator.credentials import CredentialBuilder, SecretIndex
from generator.errors import Invalid, Notice, Problem, Source
from generator.llmisvc import (
    admission,
    lora,
    managed_dra,
    router,
    router_group,
    scaling,
    scheduler,
    topology,
    tracing,
    workload,
)
from generator.llmisvc.config_merge import CombineError, ConfigIndex, GlobalConfig, combine
from generator.load import Loaded
from generator.records import Rendered, mark_managed
from generator.render import Renderer
from generator.schema import emitted

# kserve-gitops' own key in inferenceservice-config (KServe ignores keys it does not read)
CONFIG_KEY = "llmisvcRender"
CONFIG_SOURCE = Source("<inferenceservice-config>")


@dataclass(frozen=True, slots=True)
class Options:
    """What a render decides that KServe reads from the live cluster (GitOps departures),
    from the `llmisvcRender` key of the repo's inferenceservice-config (or a --config file)."""

    passthrough: bool = False  # leave LLMInferenceServices to KServe's own controller
    inference_pool_api: str = "v1"  # the HTTPRoute's InferencePool group (route status)
    emit_inferencepool_v1alpha2: bool = False  # KServe asks discovery for the v1alpha2 CRD
    tls_issuer_kind: str = "ClusterIssuer"
    tls_issuer_name: str = "kserve-llm-self-signed"
    cluster_domain: str = "cluster.local"


_OPTION_FIELDS = {
    "passthrough": ("passthrough", bool),
    "inferencePoolAPI": ("inference_pool_api", str),
    "emitInferencePoolV1alpha2": ("emit_inferencepool_v1alpha2", bool),
    "tlsIssuerKind": ("tls_issuer_kind", str),
    "tlsIssuerName": ("tls_issuer_name", str),
    "clusterDomain": ("cluster_domain", str),
}


def options_from_config(data: Mapping[str, Any]) -> tuple[Options, list[Problem]]:
    """The `llmisvcRender` key: a JSON object of the fields above, each optional."""
    text = data.get(CONFIG_KEY)
    if text is None:
        return Options(), []

    def problem(path: str, message: str) -> tuple[Options, list[Problem]]:
        field = f"data.{CONFIG_KEY}" + (f".{path}" if path else "")
        return Options(), [Problem(CONFIG_SOURCE, None, field, message)]

    try:
        obj = json.loads(str(text))
    except json.JSONDecodeError as err:
        return problem("", f"not JSON: {err.msg}")
    if not isinstance(obj, dict):
        return problem("", "must be a JSON object")
    values: dict[str, Any] = {}
    for key, value in obj.items():
        if key not in _OPTION_FIELDS:
            return problem(key, f"unknown field; known: {', '.join(sorted(_OPTION_FIELDS))}")
        name, kind = _OPTION_FIELDS[key]
        if not isinstance(value, kind):
            return problem(key, f"must be a {'boolean' if kind is bool else 'string'}")
        values[name] = value
    options = Options(**values)
    if options.inference_pool_api not in ("v1", "v1alpha2"):
        return problem("inferencePoolAPI", 'must be "v1" or "v1alpha2"')
    if options.tls_issuer_kind not in ("Issuer", "ClusterIssuer"):
        return problem("tlsIssuerKind", 'must be "Issuer" or "ClusterIssuer"')
    return options, []


def global_config(cfg: Config) -> GlobalConfig:
    """`config_loader.go: NewConfig` from the resolved inferenceservice-config."""
    ingress = cfg.ingress
    return GlobalConfig.from_ingress(
        ingress.kserve_ingress_gateway,
        url_scheme=ingress.url_scheme,
        enable_tls=ingress.enable_llm_inference_service_tls,
        model_based_routing_header_name=ingress.model_based_routing_header_name,
        model_based_routing_mode=ingress.model_based_routing_mode,
    )


def config_index(
    configs: Sequence[Loaded], others: Sequence[Loaded]
) -> tuple[ConfigIndex, list[Problem]]:
    """The repo's LLMInferenceServiceConfigs (v1alpha2, validated) and its ConfigMaps."""
    index = ConfigIndex()
    problems: list[Problem] = []
    for item in configs:
        doc = converted(item.doc)
        if (doc.get("spec") or {}).get("baseRefs"):
            message = "baseRefs are not allowed in LLMInferenceServiceConfig"
            problems.append(item.problem(Invalid("spec.baseRefs", message)))
            continue
        index.configs[(item.namespace, item.name)] = doc
    for item in others:
        if item.kind == "ConfigMap" and item.api_version == "v1":
            index.config_maps[(item.namespace, item.name)] = item.doc
    return index, problems


@dataclass(frozen=True, slots=True)
class Defaulting:
    """What the defaulting webhook reads beside the service: `localModel` of the config and the
    input set's LocalModelCaches and LocalModelNamespaceCaches."""

    config: Config
    local_model_caches: tuple[Mapping[str, Any], ...] = ()


@dataclass(frozen=True, slots=True)
class Context:
    """What a service's children read beside it: the WVA autoscaling config
    (`autoscaling-wva-controller-config`), the routing groups of the input set and what its
    defaulting read."""

    wva: scaling.WVAAutoscalingConfig | None = None
    groups: router_group.GroupIndex = field(default_factory=router_group.GroupIndex)
    defaulting: Defaulting | None = None


def group_index(
    services: Sequence[Loaded], index: ConfigIndex, gcfg: GlobalConfig, defaulting: Defaulting
) -> router_group.GroupIndex:
    """The routing-group members of the input set: the grouped services KServe would admit and
    reconcile (stored spec and merged spec each)."""
    entries = []
    for item in services:
        if router_group.route_group(converted(item.doc).get("spec") or {}) is None:
            continue
        doc, _ = admit(item, defaulting)
        if doc is None:
            continue
        try:
            combined = combine(doc, index, gcfg)
        except CombineError:
            continue
        entries.append((doc, {"metadata": doc["metadata"], "spec": combined.spec}))
    return router_group.build_index(entries)


@dataclass(frozen=True, slots=True)
class Status:
    """What KServe would report for one rendered LLMInferenceService (`kserve-gitops urls`)."""

    namespace: str
    name: str
    url: str | None
    address: str | None


def render_all(
    services: Sequence[Loaded],
    configs: Sequence[Loaded],
    others: Sequence[Loaded],
    cfg: Config,
    secrets: SecretIndex,
    renderer: Renderer,
    options: Options,
    statuses: list[Status] | None = None,
    notices: list[Notice] | None = None,
    local_model_caches: Sequence[Mapping[str, Any]] = (),
) -> tuple[list[Rendered], list[Problem]]:
    """Every LLMInferenceService's children, or the problems that stop them.

    GitOps: no ownerReferences (the owner is not in the cluster) and no check that referenced
    Gateways exist (`validateRouterReferences` reads the cluster)."""
    index, problems = config_index(configs, others)
    gcfg = global_config(cfg)
    storage = workload.Storage(cfg.storage_initializer, CredentialBuilder(cfg.credentials, secrets))
    gateways = [  # one the API server refuses is a problem of its own (a passthrough)
        i.doc
        for i in others
        if i.kind == "Gateway"
        and i.api_version.startswith("gateway.networking.k8s.io/")
        and not emitted.own_refusals(i.doc)
    ]
    try:
        wva = scaling.parse_config(cfg.data) if services else None
    except scaling.ScalingError as err:
        # config_loader.go: loadConfig fails, and with it every LLMInferenceService
        return [], [*problems, Problem(CONFIG_SOURCE, None, err.field, str(err))]
    defaulting = Defaulting(cfg, tuple(local_model_caches))
    context = Context(wva, group_index(services, index, gcfg, defaulting), defaulting)
    rendered: list[Rendered] = []
    for item in services:
        objects, found = render_one(
            item, index, gcfg, storage, gateways, renderer, options, context
        )
        problems += found
        if notices is not None and objects:
            notices += _group_notices(item, context.groups, defaulting)
        if statuses is not None and objects:
            statuses.append(_status(item, objects, gateways, gcfg, options))
        if notices is not None and objects and gateways:
            notices += [
                Notice(item.source, item.ref(), m) for m in missing_gateways(objects, gateways)
            ]
        rendered += [Rendered(mark_managed(obj), item.name, item.source) for obj in objects]
    return rendered, problems


def defaulted_metadata(
    services: Sequence[Loaded], cfg: Config, caches: Sequence[Mapping[str, Any]]
) -> list[tuple[Loaded, dict[str, Any]]]:
    """Each admitted service with the metadata its defaulting webhook leaves (the local-model
    labels among it)."""
    defaulting = Defaulting(cfg, tuple(caches))
    found = []
    for item in services:
        doc, _ = admit(item, defaulting)
        if doc is not None:
            found.append((item, doc.get("metadata") or {}))
    return found


def _group_notices(
    item: Loaded, groups: router_group.GroupIndex, defaulting: Defaulting
) -> list[Notice]:
    if router_group.route_group(converted(item.doc).get("spec") or {}) is None:
        return []
    doc, _ = admit(item, defaulting)
    found = router_group.group_notices(doc, groups) if doc is not None else []
    return [Notice(item.source, item.ref(), m) for m in found]


def converted(doc: Mapping[str, Any]) -> dict[str, Any]:
    """As the API server serves a v1alpha1 object at v1alpha2: converted, then the v1alpha2
    schema's structural defaults applied (v1alpha2 input had them applied on load)."""
    if doc.get("apiVersion") == admission.V1ALPHA2:
        return dict(doc)
    return dict(schema.apply_defaults(admission.to_v1alpha2(doc)))


def admit(
    item: Loaded, defaulting: Defaulting | None = None
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Conversion, defaulting and validation of one LLMInferenceService."""
    doc = admission.set_defaults(converted(item.doc))
    if defaulting is not None:
        admission.set_local_model_label(doc, defaulting.config, defaulting.local_model_caches)
    v1alpha1 = item.doc.get("apiVersion") != admission.V1ALPHA2
    found = admission.validate(doc, v1alpha1)
    if found:
        return None, [item.problem(i) for i in found]
    return doc, []


def render_one(
    item: Loaded,
    index: ConfigIndex,
    gcfg: GlobalConfig,
    storage: workload.Storage,
    gateways: Sequence[Mapping[str, Any]],
    renderer: Renderer,
    options: Options,
    context: Context | None = None,
) -> tuple[list[dict[str, Any]], list[Problem]]:
    """The children of one LLMInferenceService (in KServe's reconcile order)."""
    doc, problems = admit(item, context.defaulting if context is not None else None)
    if doc is None:
        return [], problems
    try:
        combined = combine(doc, index, gcfg)
    except CombineError as err:
        return [], [item.problem(Invalid(err.field, str(err)))]
    managed_dra.inject_into_config(doc["metadata"], combined.spec)
    merged = {"metadata": doc["metadata"], "spec": combined.spec}
    # the controller's Validator sees the merged spec under the name alone (config_merge.go:435)
    named = {k: doc["metadata"][k] for k in ("name", "namespace") if k in doc["metadata"]}
    found = admission.validate({"metadata": named, "spec": combined.spec}, cel=False)
    if found:
        return [], [item.problem(i) for i in found]
    try:
        lora.enumerate_adapters(combined.spec)  # the merge step refuses a bad adapter URI
        children = _children(
            merged, gcfg, storage, gateways, renderer, options, index, context or Context()
        )
        return children, []
    except (
        workload.WorkloadError,
        scheduler.SchedulerError,
        scaling.ScalingError,
        lora.LoRAError,
    ) as err:
        return [], [item.problem(Invalid(err.field, str(err)))]


def _children(
    llmsvc: dict[str, Any],
    gcfg: GlobalConfig,
    storage: workload.Storage,
    gateways: Sequence[Mapping[str, Any]],
    renderer: Renderer,
    options: Options,
    index: ConfigIndex,
    context: Context,
) -> list[dict[str, Any]]:
    spec = llmsvc["spec"]
    name = str(llmsvc["metadata"]["name"])
    namespace = str(llmsvc["metadata"].get("namespace") or "")
    sched = scheduler.scheduler(spec)
    epp = scheduler.epp_service_name(spec, name) if _has_pool(spec) else None
    out: list[dict[str, Any]] = []

    def add(template: str, kind: str, values: dict[str, Any], ns: str | None = namespace) -> None:
        values.setdefault("annotations", None)
        out.append(renderer.render_object(template, values, kind, values["name"], ns))

    names = router.dns_names(llmsvc, epp, options.cluster_domain)
    cert = router.certificate(llmsvc, names, options.tls_issuer_kind, options.tls_issuer_name)
    add("llmisvc-certificate.yaml.j2", "Certificate", cert)
    for template, kind, values in topology.workload_children(llmsvc, storage):
        add(template, kind, values)
    add("llmisvc-service.yaml.j2", "Service", workload.workload_service(llmsvc, gcfg.enable_tls))
    for template, kind, values in scaling.scaling_children(llmsvc, context.wva):
        add(template, kind, values)
    if sched is not None:
        account, created = scheduler.service_account_name(sched, name)
        if created:
            # GitOps: KServe copies the `default` ServiceAccount's secrets and image pull
            # secrets into this one at run time; a render cannot read them.
            values = {
                "name": account,
                "namespace": namespace,
                "labels": scheduler.scheduler_labels(name),
                "image_pull_secrets": None,
            }
            out.append(
                renderer.render_object(
                    "llmisvc-serviceaccount.yaml.j2", values, "ServiceAccount", account, namespace
                )
            )
        crb = scheduler.auth_delegator_binding(name, namespace, account)
        add("llmisvc-clusterrolebinding.yaml.j2", "ClusterRoleBinding", crb, None)
        add("llmisvc-role.yaml.j2", "Role", scheduler.role(name, namespace))
        add(
            "llmisvc-rolebinding.yaml.j2",
            "RoleBinding",
            scheduler.role_binding(name, namespace, account),
        )
        deployment = scheduler.deployment(llmsvc, sched)
        tracing.trace_scheduler(llmsvc, deployment)
        scheduler.attach_tokenizer_storage(llmsvc, deployment, storage)
        add("llmisvc-deployment.yaml.j2", "Deployment", deployment)
        add("llmisvc-service.yaml.j2", "Service", scheduler.service(llmsvc, sched))
        pool = scheduler.inference_pool(llmsvc, sched)
        add("llmisvc-inferencepool.yaml.j2", "InferencePool", dict(pool))
        if options.emit_inferencepool_v1alpha2:
            add(
                "llmisvc-inferencepool-v1alpha2.yaml.j2",
                "InferencePool",
                scheduler.inference_pool_v1alpha2(pool),
            )
    route = router.http_route(llmsvc, gcfg, gateways, options.inference_pool_api)
    if route is not None:
        router_group.inject_group_backend_refs(route["spec"], llmsvc, context.groups)
        add("llmisvc-httproute.yaml.j2", "HTTPRoute", route)
    del index
    return out


def missing_gateways(
    objects: Sequence[Mapping[str, Any]], gateways: Sequence[Mapping[str, Any]]
) -> list[str]:
    """`validateManagedHTTPRouteSpec`'s check, against the Gateways of the input set (GitOps:
    only when it holds some; KServe would stop before creating any router object)."""
    route = next((o for o in objects if o.get("kind") == "HTTPRoute"), None)
    if route is None:
        return []
    namespace = str(route["metadata"].get("namespace") or "")
    have = {
        (str((g.get("metadata") or {}).get("namespace") or ""), str(g["metadata"].get("name")))
        for g in gateways
    }
    out = []
    for parent in (route.get("spec") or {}).get("parentRefs") or []:
        if parent.get("kind", "Gateway") != "Gateway":
            continue
        key = (str(parent.get("namespace") or namespace), str(parent.get("name") or ""))
        if key not in have:
            out.append(
                f"Managed HTTPRoute references non-existent Gateway {key[0]}/{key[1]} "
                "(not in the input set)"
            )
    return out


def _status(
    item: Loaded,
    objects: Sequence[Mapping[str, Any]],
    gateways: Sequence[Mapping[str, Any]],
    gcfg: GlobalConfig,
    options: Options,
) -> Status:
    route = next((o for o in objects if o.get("kind") == "HTTPRoute"), None)
    doc = {"metadata": {"name": item.name, "namespace": item.namespace}}
    url, address = router.status_urls(doc, route, gateways, gcfg, options.cluster_domain)
    return Status(item.namespace, item.name, url, address)


def _has_pool(spec: Mapping[str, Any]) -> bool:
    found = (spec.get("router") or {}).get("scheduler")
    return isinstance(found, dict) and found.get("pool") is not None


def passed_through(items: Sequence[Loaded], flag: bool) -> list[Notice]:
    """What the render says about LLMInferenceServices it leaves to KServe's controller."""
    why = "--llmisvc-passthrough" if flag else f"{CONFIG_KEY}.passthrough"
    return [
        Notice(
            i.source,
            i.ref(),
            f"passed through unchanged ({why}): KServe's LLMInferenceService controller "
            "must run in the cluster to serve it",
        )
        for i in items
        if i.kind == "LLMInferenceService"
    ]


__all__ = [
    "Options",
    "Status",
    "admit",
    "global_config",
    "options_from_config",
    "passed_through",
    "render_all",
    "render_one",
]
