"""The input set beyond the InferenceServices: config layers, namespaces, schemas, duplicates,
runtimes, Knative's ConfigMaps, storage containers and previous renders.

Stage functions the pipeline calls before admission; each returns its problems.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from generator import config as config_mod
from generator import load, rendered_index, schema
from generator.admission import runtimes, servingruntime
from generator.admission.pod.storage_container import storage_containers_from
from generator.errors import Invalid, Problem, Source
from generator.load import Inputs, Loaded
from generator.reconcilers import knative

REQUIRED = "required value"  # the schema module's message for a missing required field
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


def resolve_config(
    inputs: Inputs,
    config_files: Sequence[str],
    extra_layers: Sequence[config_mod.ConfigLayer] = (),
) -> tuple[config_mod.Config | None, list[Problem]]:
    """Built-in ◁ the repo's inferenceservice-config ◁ --config files ◁ overlay, key by key."""
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
    cfg, resolve_problems = config_mod.resolve([*layers, *extra_layers])
    return cfg, problems + resolve_problems


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


def previous_revisions(paths: Sequence[str]) -> tuple[dict[tuple[str, str], str], list[Problem]]:
    """The rolled-out revision of every Knative Service in earlier renders (for canaries)."""
    revisions: dict[tuple[str, str], str] = {}
    problems: list[Problem] = []
    for path in paths:
        docs, found = _previous_documents(Path(path))
        problems += found
        for item in docs:
            if item.api_version.startswith("serving.knative.dev/") and item.kind == "Service":
                revision = knative.rolled_out_revision(item.doc)
                if revision:
                    revisions[(item.namespace, item.name)] = revision
    return revisions, problems


def _previous_documents(path: Path) -> tuple[list[Loaded], list[Problem]]:
    if path.is_dir():
        docs: list[Loaded] = []
        problems: list[Problem] = []
        for rel in rendered_index.existing_files(path):  # validated; files deleted by hand left out
            found, bad = load.read_file(path / rel)
            docs += found
            problems += bad
        return docs, problems
    if not path.exists():
        return [], []  # nothing rendered yet: every canary starts at 100% latest
    return load.read_file(path)


def check_schemas(inputs: Inputs) -> list[Problem]:
    """Strict CRD schema validation of every KServe document."""
    problems: list[Problem] = []
    for kind_list in (
        inputs.inference_services,
        inputs.serving_runtimes,
        inputs.cluster_serving_runtimes,
        inputs.trained_models,
        inputs.inference_graphs,
    ):
        bad: list[Loaded] = []
        for item in kind_list:
            found = schema.check_object(item.doc)
            if kind_list is inputs.inference_services:
                # The API server runs mutating webhooks before it validates the schema, and
                # KServe's defaulter fills some required fields (a custom container's name);
                # admit() checks required fields again on the defaulted object.
                found = [i for i in found if i.message != REQUIRED]
            problems += [item.problem(invalid) for invalid in found]
            if found:
                bad.append(item)
        for item in bad:  # later stages only see objects that fit their schema
            kind_list.remove(item)
        # Explicit nulls dropped, as the API server stores the object.
        kind_list[:] = [_normalized(item) for item in kind_list]
    return problems


def _normalized(item: Loaded) -> Loaded:
    # As the API server stores it: explicit nulls dropped, the CRD's defaults applied (e.g. a
    # container port's protocol TCP, which KServe copies into the Service it creates).
    doc = schema.apply_defaults(schema.normalized(item.doc))
    return item if doc is item.doc else Loaded(dict(doc), item.source)


def resolve_namespaces(inputs: Inputs, default_namespace: str | None) -> list[Problem]:
    """Give namespaced KServe objects their namespace: metadata.namespace, else --namespace or
    ARGOCD_APP_NAMESPACE. They are consumed, not emitted, so filling it in changes no output."""
    problems: list[Problem] = []
    for kind_list in (
        inputs.inference_services,
        inputs.serving_runtimes,
        inputs.trained_models,
        inputs.inference_graphs,
    ):
        kept: list[Loaded] = []
        for item in kind_list:
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
        kind_list[:] = kept
    return problems


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
        + inputs.passthrough
    )
    for item in every:
        key = (item.api_version.split("/")[0], item.kind, item.namespace, item.name)
        first = seen.setdefault(key, item)
        if first is not item:
            message = f"defined twice (also at {first.source})"
            problems.append(item.problem(Invalid("metadata.name", message)))
    return problems


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
