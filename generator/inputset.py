"""The input set beyond the InferenceServices: config layers, namespaces, schemas, duplicates,
runtimes, Knative's ConfigMaps, storage containers and previous renders.

Stage functions the pipeline calls before admission; each returns its problems, and a stage that
changes the input set returns a new one instead of rewriting it.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from generator import config as config_mod
from generator import constants, load, rendered_index, schema, scope, volume_rules
from generator.admission import runtimes, servingruntime
from generator.admission.pod.storage_container import storage_containers_from
from generator.config.quantity import QuantityError, unmarshal_quantity
from generator.controllers.localmodel import VOLUME_SPECS, quantities_at
from generator.errors import REQUIRED, Invalid, Notice, Problem, Source, field_path
from generator.load import Inputs, Loaded
from generator.reconcilers import knative
from generator.schema import emitted

NAMESPACE_HELP = "set metadata.namespace, pass --namespace, or set ARGOCD_APP_NAMESPACE"


def allow_zero_initial_scale(inputs: Inputs) -> bool:
    """Knative's config-autoscaler `allow-zero-initial-scale` (strconv.ParseBool), default false."""
    for item in inputs.knative_config_maps:
        if item.name == "config-autoscaler":
            value = str((item.doc.get("data") or {}).get("allow-zero-initial-scale", "false"))
            return value in ("1", "t", "T", "TRUE", "true", "True")
    return False


def storage_containers(inputs: Inputs) -> tuple[Mapping[str, Any], ...]:
    """KServe's `default` ClusterStorageContainer, unless the repo redefines it, and the repo's."""
    by_name = {str(c["metadata"]["name"]): c for c in config_mod.builtin_storage_containers()}
    for item in inputs.cluster_storage_containers:
        by_name[item.name] = item.doc
    return storage_containers_from(by_name.values())


def local_model_caches(inputs: Inputs) -> tuple[tuple[Mapping[str, Any], ...], list[Problem]]:
    """The LocalModelCaches and LocalModelNamespaceCaches of the input set, as the defaulting
    webhook lists them (a namespace cache without metadata.namespace has --namespace from
    `namespace_passthrough`, as it is applied), and the problems of those it cannot read.

    The webhook reads a cache's name, `spec.sourceModelUri` and `spec.nodeGroups`; the CRD
    requires the two fields, a string and a non-empty list of strings, so the API server
    would refuse a cache without them, and KServe would index an empty list's first item."""
    caches: list[Mapping[str, Any]] = []
    problems: list[Problem] = []
    for item in inputs.local_model_caches:
        found = _local_model_cache_problems(item.doc)
        if found:
            problems += [item.problem(one) for one in found]
            continue
        caches.append(item.doc)
    return tuple(caches), problems


def _local_model_cache_problems(doc: Mapping[str, Any]) -> list[Invalid]:
    meta = doc.get("metadata") or {}
    name = meta.get("name")
    if not isinstance(name, str) or not name:
        return [Invalid("metadata.name", "must be a string" if name else REQUIRED)]
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        return [Invalid("spec", REQUIRED if spec is None else "must be a mapping")]
    found = []
    uri = spec.get("sourceModelUri")
    if not isinstance(uri, str):
        message = REQUIRED if uri is None else "must be a string"
        found.append(Invalid("spec.sourceModelUri", message))
    groups = spec.get("nodeGroups")
    if groups is None:
        found.append(Invalid("spec.nodeGroups", REQUIRED))
    elif not isinstance(groups, list) or not all(isinstance(g, str) for g in groups):
        found.append(Invalid("spec.nodeGroups", "must be a list of strings"))
    elif not groups:
        found.append(Invalid("spec.nodeGroups", "must have at least 1 item(s)"))
    return found


def local_model_node_groups(
    inputs: Inputs,
) -> tuple[dict[str, Mapping[str, Any]], list[Problem]]:
    """The input set's LocalModelNodeGroups by name, and the problems of those whose volume
    specs (the PV and PVC a cache's services mount are made of them) the API server refuses."""
    groups: dict[str, Mapping[str, Any]] = {}
    problems: list[Problem] = []
    for item in inputs.local_model_node_groups:
        found = _node_group_problems(item.doc)
        problems += [item.problem(one) for one in found]
        if not found:
            groups[item.name] = item.doc
    return groups, problems


def _node_group_problems(doc: Mapping[str, Any]) -> list[Invalid]:
    """What the API server refuses in a node group's volume specs: those objects would carry
    it, so with strict field validation the node group itself is refused."""
    spec = doc.get("spec")
    if not isinstance(spec, Mapping):
        return [Invalid("spec", "must be a mapping")]
    found = []
    for key, kind, quantity_maps in VOLUME_SPECS:
        volume = spec.get(key)
        if not isinstance(volume, Mapping):
            found.append(Invalid(f"spec.{key}", "must be a mapping"))
            continue
        probe = {"apiVersion": "v1", "kind": kind, "metadata": {"name": "probe"}, "spec": volume}
        found += [
            Invalid(f"spec.{key}{invalid.field.removeprefix('spec')}", invalid.message)
            for invalid in emitted.own_refusals(probe)
        ]
        for path in quantity_maps:
            found += _quantity_problems(volume, key, path)
        found += [
            Invalid(f"spec.{key}{field}", f"{message} (the API server would refuse the {kind})")
            for field, message in _RULES[kind](volume)
        ]
    return found


# The API server's checks in code of each spec (volume_rules.py).
_RULES = {
    "PersistentVolume": volume_rules.persistent_volume_spec,
    "PersistentVolumeClaim": volume_rules.persistent_volume_claim_spec,
}


def _quantity_problems(volume: Mapping[str, Any], key: str, path: tuple[str, ...]) -> list[Invalid]:
    """`resource.ParseQuantity` of each value of the map at `path` in volume spec `key`."""
    values = quantities_at(volume, path)
    if not isinstance(values, Mapping):
        return []  # absent; a wrong type is the schema's refusal
    found = []
    for name, value in values.items():
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            continue  # the schema's refusal
        try:
            unmarshal_quantity(value)
        except QuantityError as err:
            found.append(Invalid(field_path("spec", key, *path, str(name)), str(err)))
    return found


# The serving.kserve.io version that replaced each KFServing kind.
KSERVE_VERSIONS = {"InferenceService": "v1beta1", "TrainedModel": "v1alpha1"}


def kfserving_objects(inputs: Inputs, strict: bool) -> tuple[list[Problem], list[Notice]]:
    """Objects of the old KFServing group: a KServe v0.20.0 cluster serves no such API, so
    nothing would ever reconcile them. A warning (they pass through), or with `strict` a
    problem, saying what to change."""
    problems: list[Problem] = []
    notices: list[Notice] = []
    for item in inputs.kfserving:
        version = KSERVE_VERSIONS.get(item.kind, "v1alpha1")
        message = (
            f"{item.api_version} is KFServing's API group, which KServe v0.20.0 does not serve "
            f"(nothing reconciles this {item.kind}); change apiVersion to "
            f"serving.kserve.io/{version}"
        )
        if strict:
            problems.append(item.problem(Invalid("apiVersion", message)))
        else:
            notices.append(Notice(item.source, item.ref(), f"apiVersion: {message}"))
    return problems, notices


def resolve_config(
    inputs: Inputs,
    config_files: Sequence[str],
    extra_layers: Sequence[config_mod.ConfigLayer] = (),
    default_deployment_mode: str | None = None,
) -> tuple[config_mod.Config | None, list[Problem]]:
    """Built-in ◁ the repo's inferenceservice-config ◁ --config files ◁
    --default-deployment-mode ◁ overlay, key by key."""
    layers = [config_mod.builtin_layer()]
    problems: list[Problem] = []
    if len(inputs.config_maps) > 1:
        first = inputs.config_maps[0].source
        for extra in inputs.config_maps[1:]:
            message = f"a second inferenceservice-config ConfigMap (the first is at {first})"
            problems.append(extra.problem(Invalid("metadata.name", message)))
    for item in inputs.config_maps[:1]:
        layer, layer_problems = _config_layer(item)
        layers.append(layer)
        problems += layer_problems
    for path in config_files:
        docs, file_problems = load.read_file(Path(path))
        problems += file_problems
        for item in docs:
            layer, layer_problems = _config_layer(item)
            layers.append(layer)
            problems += layer_problems
    if default_deployment_mode:
        layers.append(deployment_mode_layer(layers, default_deployment_mode))
    cfg, resolve_problems = config_mod.resolve([*layers, *extra_layers])
    return cfg, problems + resolve_problems


DEPLOYMENT_MODE_SOURCE = Source("--default-deployment-mode")


def deployment_mode_layer(
    layers: Sequence[config_mod.ConfigLayer], mode: str
) -> config_mod.ConfigLayer:
    """The `deploy` key with only defaultDeploymentMode changed: the rest of the effective
    deploy config (e.g. deploymentRolloutStrategy) is kept. A `deploy` value that is not a
    JSON object is left for the config parser to report, unchanged."""
    text = next((lay.data["deploy"] for lay in reversed(layers) if "deploy" in lay.data), "{}")
    try:
        deploy = json.loads(text)
    except ValueError:
        deploy = None
    if not isinstance(deploy, dict):
        return config_mod.ConfigLayer(DEPLOYMENT_MODE_SOURCE, {})
    deploy["defaultDeploymentMode"] = mode
    return config_mod.ConfigLayer(DEPLOYMENT_MODE_SOURCE, {"deploy": json.dumps(deploy)})


def _config_layer(item: Loaded) -> tuple[config_mod.ConfigLayer, list[Problem]]:
    """A ConfigMap document, or a bare `key: JSON text` mapping (for --config files)."""
    is_configmap = item.doc.get("kind") == "ConfigMap"
    data = item.doc.get("data") if is_configmap else item.doc
    prefix = "data." if is_configmap else ""
    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        return config_mod.ConfigLayer(item.source, {}), [
            item.problem(Invalid("data", "must be a mapping of key to JSON text"))
        ]
    good: dict[str, str] = {}
    problems: list[Problem] = []
    for key, value in data.items():
        if isinstance(value, str):
            good[str(key)] = value
        else:
            problems.append(item.problem(Invalid(f"{prefix}{key}", "must be a string of JSON")))
    return config_mod.ConfigLayer(item.source, good), problems


def knative_domain_config(
    inputs: Inputs, override: str | None
) -> tuple[knative.KnativeDomainConfig | None, list[Problem]]:
    """Knative's config-domain / config-network from the input set, else the default."""
    data: dict[str, Mapping[str, str] | None] = {name: None for name in load.KNATIVE_CONFIG_MAPS}
    for item in inputs.knative_config_maps:
        data[item.name] = {str(k): str(v) for k, v in (item.doc.get("data") or {}).items()}
    if override is not None:
        data["config-domain"] = {override: ""}
    if all(value is None for value in data.values()):
        return None, []
    try:
        config = knative.KnativeDomainConfig.from_configmaps(
            data["config-domain"] if data["config-domain"] is not None else {"example.com": ""},
            data["config-network"],
        )
    except knative.KnativeConfigError as err:
        first = inputs.knative_config_maps[0] if inputs.knative_config_maps else None
        source = first.source if first else Source("--knative-domain")
        return None, [Problem(source, first.ref() if first else None, "data", str(err))]
    return config, []


KNATIVE_SERVICE = rendered_index.kind_part("serving.knative.dev/v1", "Service")


def canary_services(items: Iterable[Loaded]) -> set[tuple[str, str]]:
    """(namespace, Knative Service name) of every component that sets canaryTrafficPercent:
    the only ones whose previous revision the reconcile reads (`traffic_targets`). Read from
    the documents as written (defaulting sets neither the field nor a component name), so the
    render cache can check its entries before anything is admitted."""
    found = set()
    for item in items:
        spec = item.doc.get("spec")
        if not isinstance(spec, Mapping):
            continue
        predictor = spec.get("predictor")
        predictor_name = predictor.get("name") if isinstance(predictor, Mapping) else None
        services = {
            "predictor": constants.predictor_service_name(item.name, str(predictor_name or "")),
            "transformer": constants.transformer_service_name(item.name),
            "explainer": constants.explainer_service_name(item.name),
        }
        for component, service in services.items():
            part = spec.get(component)
            if isinstance(part, Mapping) and part.get("canaryTrafficPercent") is not None:
                found.add((item.namespace, service))
    return found


def previous_revisions(
    paths: Sequence[str], wanted: Collection[tuple[str, str]]
) -> tuple[dict[tuple[str, str], str], list[Problem]]:
    """The rolled-out revision of the Knative Services `wanted` ((namespace, name)) in earlier
    renders, for canaries; nothing is read when none is wanted.

    A rendered folder is read only in the files its index names for those Services (one file
    holds one object); a YAML stream is read whole. Later files and paths win."""
    revisions: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    if not wanted:
        return revisions, problems
    for path in paths:
        docs, found = _previous_documents(Path(path), wanted)
        problems += found
        for item in docs:
            if item.api_version.startswith("serving.knative.dev/") and item.kind == "Service":
                revision = knative.rolled_out_revision(item.doc)
                if revision:
                    revisions[(item.namespace, item.name)] = revision
    return revisions, problems


def _previous_documents(
    path: Path, wanted: Collection[tuple[str, str]]
) -> tuple[list[Loaded], list[Problem]]:
    if path.is_dir():
        docs: list[Loaded] = []
        problems: list[Problem] = []
        index = rendered_index.read_index(path)  # validated: nothing outside the folder is read
        for rel in rendered_index.files_of(index, KNATIVE_SERVICE, wanted):
            if not (path / rel).is_file():
                continue  # deleted by hand: as if never rendered
            found, bad = load.read_file(path / rel)
            docs += found
            problems += bad
        return docs, problems
    if not path.exists():
        return [], []  # nothing rendered yet: every canary starts at 100% latest
    return load.read_file(path)


def check_schemas(inputs: Inputs) -> tuple[Inputs, list[Problem]]:
    """Strict CRD schema validation of every KServe document.

    Returns the input set without the objects that do not fit their schema (later stages only
    see valid ones), normalised as the API server stores them, and the problems."""
    problems: list[Problem] = []
    kept: dict[str, list[Loaded]] = {}
    for attribute in _SCHEMA_CHECKED:
        kept[attribute] = []
        for item in getattr(inputs, attribute):
            found = schema.check_object(item.doc)
            if attribute == "inference_services":
                # The API server runs mutating webhooks before it validates the schema, and
                # KServe's defaulter fills some required fields (a custom container's name);
                # admit() checks required fields again on the defaulted object.
                found = [i for i in found if i.message != REQUIRED]
            problems += [item.problem(invalid) for invalid in found]
            if not found:  # explicit nulls dropped, as the API server stores the object
                kept[attribute].append(_normalized(item))
    return _with_lists(inputs, kept), problems


def check_read_objects(inputs: Inputs) -> tuple[Inputs, list[Problem]]:
    """The ConfigMaps and ServiceAccounts the render reads (Knative's ConfigMaps for hosts and
    features, the others for the CA bundle KServe copies, ServiceAccounts for credentials) as
    the API server would take them, passed through or not: one it refuses is a problem, and
    is not read."""
    problems: list[Problem] = []
    kept: dict[str, list[Loaded]] = {}
    for attribute in ("knative_config_maps", "other_config_maps", "service_accounts"):
        kept[attribute] = []
        for item in getattr(inputs, attribute):
            found = emitted.own_refusals(item.doc)
            problems += [item.problem(invalid) for invalid in found]
            if not found:
                kept[attribute].append(item)
    return _with_lists(inputs, kept), problems


def _with_lists(inputs: Inputs, lists: Mapping[str, list[Loaded]]) -> Inputs:
    """A copy of the input set with some of its lists replaced (the others are shared)."""
    out = replace(inputs)
    for attribute, items in lists.items():
        setattr(out, attribute, items)
    return out


_SCHEMA_CHECKED = (
    "inference_services",
    "serving_runtimes",
    "cluster_serving_runtimes",
    "trained_models",
    "inference_graphs",
    "llm_inference_services",
    "llm_inference_service_configs",
    "cluster_storage_containers",
)
_NAMESPACED = (
    "inference_services",
    "serving_runtimes",
    "trained_models",
    "inference_graphs",
    "llm_inference_services",
    "llm_inference_service_configs",
)


def _normalized(item: Loaded) -> Loaded:
    # As the API server stores it: explicit nulls dropped, the CRD's defaults applied (e.g. a
    # container port's protocol TCP, which KServe copies into the Service it creates).
    doc = schema.apply_defaults(schema.normalized(item.doc))
    return item if doc is item.doc else Loaded(dict(doc), item.source)


def resolve_namespaces(
    inputs: Inputs, default_namespace: str | None
) -> tuple[Inputs, list[Problem]]:
    """Give namespaced KServe objects their namespace: metadata.namespace, else --namespace or
    ARGOCD_APP_NAMESPACE. They are consumed, not emitted, so filling it in changes no output.

    Returns the input set with the namespaces filled in (objects without one dropped) and the
    problems."""
    problems: list[Problem] = []
    resolved: dict[str, list[Loaded]] = {}
    for attribute in _NAMESPACED:
        kept: list[Loaded] = resolved.setdefault(attribute, [])
        for item in getattr(inputs, attribute):
            if item.namespace:
                kept.append(item)
            elif default_namespace:
                meta = item.doc.get("metadata")
                if isinstance(meta, Mapping):
                    meta = {**meta, "namespace": default_namespace}
                kept.append(Loaded({**item.doc, "metadata": meta}, item.source))
            else:
                invalid = Invalid("metadata.namespace", f"required: {NAMESPACE_HELP}")
                problems.append(item.problem(invalid))
    return _with_lists(inputs, resolved), problems


def namespace_passthrough(inputs: Inputs, default_namespace: str | None) -> Inputs:
    """Passed-through namespaced objects without metadata.namespace get --namespace (or
    ARGOCD_APP_NAMESPACE), as `kustomize build` with `namespace:` would give it; cluster-scoped
    kinds (scope.py) keep none. So do the LocalModelNamespaceCaches the defaulters read, passed
    through or not (the same object where passed through), so that two for one cache are
    found whichever states the namespace. Returns the input set with the new lists."""
    if not default_namespace:
        return inputs
    crds = scope.crd_scopes(item.doc for item in inputs.passthrough)
    passthrough = list(inputs.passthrough)
    namespaced: dict[int, Loaded] = {}  # by id() of the item it replaces
    for i, item in enumerate(passthrough):
        meta = item.doc.get("metadata")
        if item.namespace or not isinstance(meta, Mapping):
            continue
        if scope.is_cluster_scoped(item.api_version, item.kind, crds):
            continue
        doc = {**item.doc, "metadata": {**meta, "namespace": default_namespace}}
        passthrough[i] = namespaced[id(item)] = Loaded(doc, item.source)
    caches = []
    for item in inputs.local_model_caches:
        meta = item.doc.get("metadata")
        if id(item) not in namespaced and _unnamespaced_cache(item) and isinstance(meta, Mapping):
            doc = {**item.doc, "metadata": {**meta, "namespace": default_namespace}}
            namespaced[id(item)] = Loaded(doc, item.source)
        caches.append(namespaced.get(id(item), item))
    return _with_lists(inputs, {"passthrough": passthrough, "local_model_caches": caches})


def _unnamespaced_cache(item: Loaded) -> bool:
    return item.kind == "LocalModelNamespaceCache" and not item.namespace


def check_duplicates(inputs: Inputs) -> list[Problem]:
    """Two documents for one object would make the output depend on file order: reject them."""
    seen: dict[tuple[str, str, str, str], Loaded] = {}
    problems: list[Problem] = []
    every = (
        inputs.inference_services
        + inputs.serving_runtimes
        + inputs.cluster_serving_runtimes
        + inputs.trained_models
        + inputs.inference_graphs
        + inputs.llm_inference_services
        + inputs.llm_inference_service_configs
        + inputs.passthrough
        + inputs.local_model_caches  # also in passthrough (the same objects) unless it is off
    )
    for item in every:
        key = (item.api_version.split("/")[0], item.kind, item.namespace, item.name)
        first = seen.setdefault(key, item)
        if first is not item:
            message = f"defined twice (also at {first.source})"
            problems.append(item.problem(Invalid("metadata.name", message)))
    return problems


def modelmesh_runtimes(inputs: Inputs) -> list[Loaded]:
    """The input set's ServingRuntimes and ClusterServingRuntimes that ModelMesh can serve with.

    GitOps: ModelMesh InferenceServices pass through to the in-cluster ModelMesh controller,
    which needs their runtimes in the cluster too. ModelMesh only ever uses a runtime with
    `multiModel: true` (modelmesh-serving `servingruntime_controller.go` gates every use on
    `IsMultiModelRuntime`), so exactly those pass through unchanged, whatever
    `--no-passthrough` says, like the InferenceServices they serve. They still take part in
    KServe's own selection (`GetSupportingRuntimes` picks them for multi-model predictors).
    """
    found = inputs.serving_runtimes + inputs.cluster_serving_runtimes
    return [i for i in found if runtimes.is_multi_model_runtime(i.doc.get("spec") or {})]


def build_runtime_index(inputs: Inputs) -> tuple[runtimes.RuntimeIndex, list[Problem]]:
    """Namespace ServingRuntimes and ClusterServingRuntimes (built-in ones unless redefined)."""
    problems: list[Problem] = []
    namespaced: dict[str, list[dict[str, Any]]] = {}
    for item in inputs.serving_runtimes:
        namespaced.setdefault(item.namespace, []).append(item.doc)
    # The built-in runtimes are stored objects too: the CRD's defaults apply to them as well.
    cluster = {
        str(rt["metadata"]["name"]): dict(schema.apply_defaults(rt))
        for rt in config_mod.builtin_runtimes()
    }
    for item in inputs.cluster_serving_runtimes:
        cluster[item.name] = item.doc  # the repo's own definition wins over the built-in one
    for item in inputs.serving_runtimes:
        others = [rt for rt in namespaced[item.namespace] if rt is not item.doc]
        found = servingruntime.validate_serving_runtime(item.doc, others)
        problems += [item.problem(invalid) for invalid in found]
    for item in inputs.cluster_serving_runtimes:
        others = [rt for name, rt in cluster.items() if name != item.name]
        found = servingruntime.validate_serving_runtime(item.doc, others)
        problems += [item.problem(invalid) for invalid in found]
    index = runtimes.RuntimeIndex(
        namespaced={ns: tuple(rts) for ns, rts in namespaced.items()},
        cluster=tuple(cluster[name] for name in sorted(cluster)),
    )
    return index, problems
