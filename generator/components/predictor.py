"""The predictor component: runtime choice, pod spec and object meta.

Ports `components/predictor.go`: `reconcileModel` (runtime selection, `SetRuntimeDefaults`, the
protocol default), `buildPredictorResources`, `buildPodSpec` (in `merge.build_pod_spec`) and
`buildObjectMeta`. The result is a `ComponentBuild` for the mode's reconcilers.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from generator import constants as c
from generator import merge
from generator.admission import defaults, runtimes
from generator.admission.component import get_predictor_implementations, get_storage_uri
from generator.components import meta as m
from generator.components import multinode
from generator.config import Config
from generator.data import copy_data
from generator.errors import Invalid
from generator.records import ComponentBuild

INFERENCE_SERVICE_NAME_ENV = "INFERENCE_SERVICE_NAME"  # constants.InferenceServiceNameEnvVarKey


@dataclass(frozen=True, slots=True)
class ResolvedModel:
    """What `reconcileModel` leaves behind: the isvc with runtime defaults, and the runtime."""

    isvc: dict[str, Any]
    runtime_name: str
    runtime_spec: Mapping[str, Any]
    runtime_annotations: Mapping[str, str]


RuntimeChoice = tuple[str, Mapping[str, Any], Mapping[str, str]] | Invalid


def reconcile_model(
    isvc: Mapping[str, Any],
    index: runtimes.RuntimeIndex,
    memo: dict[str, RuntimeChoice] | None = None,
) -> ResolvedModel | Invalid:
    """Port of `reconcileModel`: pick the runtime, record it, apply runtime/protocol defaults.

    `memo` caches the choice per (namespace, model fields it depends on) for one render:
    thousands of InferenceServices share a few model formats.
    """
    key = choice_key(isvc)
    choice = memo.get(key) if memo is not None else None
    if choice is None:
        choice = _choose_runtime(isvc, index)
        if memo is not None:
            memo[key] = choice
    if isinstance(choice, Invalid):
        return choice
    name, spec, annotations = choice
    updated = copy_data(dict(isvc))
    updated["spec"]["predictor"]["model"]["runtime"] = name
    updated = defaults.set_runtime_defaults(updated, name, annotations)
    model = updated["spec"]["predictor"]["model"]
    if model.get("protocolVersion") is None:
        model["protocolVersion"] = runtimes.default_protocol_version(spec)
    return ResolvedModel(updated, name, spec, annotations)


def _choose_runtime(isvc: Mapping[str, Any], index: runtimes.RuntimeIndex) -> RuntimeChoice:
    chosen = runtimes.resolve_runtime(isvc, index)
    if isinstance(chosen, Invalid):
        return chosen
    name, spec, _ = chosen
    namespace = str(isvc["metadata"].get("namespace") or "")
    return name, spec, runtimes.runtime_annotations(index, name, namespace)


def choice_key(isvc: Mapping[str, Any]) -> str:
    """What resolve_runtime reads: the namespace, the model's format, protocol and runtime,
    and whether the predictor is multi-node."""
    predictor = isvc["spec"]["predictor"]
    model = predictor.get("model") or {}
    parts = [
        isvc["metadata"].get("namespace"),
        model.get("modelFormat"),
        model.get("protocolVersion"),
        model.get("runtime"),
        predictor.get("workerSpec") is not None,
    ]
    return json.dumps(parts, sort_keys=True)


def _component_annotations(
    isvc: Mapping[str, Any], config: Config, storage_containers: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, str], Invalid | None]:
    """The first steps of `buildPredictorResources`: the annotations for the webhook, ending
    with the storage URI check (`addStorageInitializerAnnotations`)."""
    predictor = isvc["spec"]["predictor"]
    disallowed = config.inference_services.service_annotation_disallowed_list
    annotations = m.without(isvc["metadata"].get("annotations"), disallowed)
    m.add_logger_annotations(predictor.get("logger"), annotations)
    m.add_batcher_annotations(predictor.get("batcher"), annotations)
    impl = predictor.get("model") or {}
    m.add_storage_spec_annotations(impl.get("storage"), annotations)
    m.add_agent_annotations(isvc, annotations)
    return annotations, _add_storage_initializer_annotations(
        predictor, annotations, storage_containers
    )


def storage_uri_problem(
    isvc: Mapping[str, Any], config: Config, storage_containers: Sequence[Mapping[str, Any]] = ()
) -> Invalid | None:
    """The predictor's storage URI problem, if any: KServe checks the storage URI
    (`buildPredictorResources`) before `reconcileModel` picks the runtime, so with both wrong
    the storage URI is the error it reports."""
    return _component_annotations(isvc, config, storage_containers)[1]


def build_predictor(
    isvc: Mapping[str, Any],
    resolved: ResolvedModel | None,
    config: Config,
    storage_containers: Sequence[Mapping[str, Any]] = (),
) -> ComponentBuild | Invalid:
    """Port of `buildPredictorResources` (+ `buildObjectMeta`) for a defaulted isvc;
    `storage_containers` are the ClusterStorageContainers `ValidateStorageURI` consults."""
    predictor = isvc["spec"]["predictor"]
    disallowed = config.inference_services.service_annotation_disallowed_list
    annotations, problem = _component_annotations(isvc, config, storage_containers)
    if problem is not None:
        return problem
    _add_confidential_annotations(predictor, annotations)

    pod_spec = _pod_spec(isvc, resolved)
    if isinstance(pod_spec, Invalid):
        return pod_spec
    for container in list(pod_spec["containers"]):
        pod_spec = merge.add_env_var_to_pod_spec(
            pod_spec,
            container.get("name", ""),
            INFERENCE_SERVICE_NAME_ENV,
            isvc["metadata"]["name"],
        )

    runtime_pod = (resolved.runtime_spec if resolved else {}) or {}
    name = c.predictor_service_name(isvc["metadata"]["name"], predictor.get("name") or "")
    predictor_annotations = m.without(predictor.get("annotations"), disallowed)
    worker: multinode.WorkerResult | None = None
    if predictor.get("workerSpec") is not None and resolved is not None:
        found = multinode.reconcile_worker(
            resolved.runtime_spec,
            isvc,
            pod_spec,
            annotations,
            predictor_annotations,
            multinode.isvc_generation(isvc),
            m.gpu_resource_types(config),
        )
        if isinstance(found, Invalid):
            return found
        worker, pod_spec = found, found.pod_spec
    object_meta = {
        "name": name,
        "namespace": isvc["metadata"]["namespace"],
        "labels": m.union(
            runtime_pod.get("labels"),
            isvc["metadata"].get("labels"),
            predictor.get("labels"),
            {
                c.INFERENCE_SERVICE_POD_LABEL_KEY: isvc["metadata"]["name"],
                c.KSERVICE_COMPONENT_LABEL: c.PREDICTOR,
            },
        ),
        "annotations": m.union(
            m.without(runtime_pod.get("annotations"), disallowed),
            annotations,
            predictor_annotations,
        ),
    }
    if worker is not None:
        generation = multinode.isvc_generation(isvc)
        object_meta["labels"][c.INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY] = generation
    return ComponentBuild(
        component=c.PREDICTOR,
        meta=object_meta,
        ext=copy_data(dict(predictor)),
        pod_spec=pod_spec,
        worker_meta=worker.worker_meta if worker else None,
        worker_pod_spec=worker.worker_pod_spec if worker else None,
        storage_uris=copy_data(list(predictor.get("storageUris") or [])),
    )


def _add_storage_initializer_annotations(
    predictor: Mapping[str, Any],
    annotations: dict[str, str],
    storage_containers: Sequence[Mapping[str, Any]],
) -> Invalid | None:
    """Port of `addStorageInitializerAnnotations` for `GetImplementation()`: the model's
    `storageUri`, or a custom predictor's STORAGE_URI env on kserve-container."""
    found = get_predictor_implementations(predictor, "spec.predictor")
    uri, uri_field = get_storage_uri(found[0]) if found else (None, "spec.predictor")
    if uri is not None:
        if c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY in annotations:
            return Invalid(uri_field, "must provide only one of storageUri and storage.path")
        annotations[c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY] = uri
        error = m.validate_storage_uri(uri, storage_containers)
        if error is not None:
            return Invalid(uri_field, error)
    if predictor.get("storageContainerName"):
        annotations[c.STORAGE_CONTAINER_NAME_ANNOTATION_KEY] = str(
            predictor["storageContainerName"]
        )
    return None


def _add_confidential_annotations(
    predictor: Mapping[str, Any], annotations: dict[str, str]
) -> None:
    """Port of `addConfidentialAnnotations`."""
    confidential = predictor.get("confidential") or {}
    if not confidential.get("enabled"):
        return
    annotations[c.CONFIDENTIAL_ENABLED_ANNOTATION_KEY] = "true"
    if confidential.get("resourceId"):
        annotations[c.CONFIDENTIAL_RESOURCE_ID_ANNOTATION_KEY] = str(confidential["resourceId"])


def _pod_spec(isvc: Mapping[str, Any], resolved: ResolvedModel | None) -> dict[str, Any] | Invalid:
    """The model path merges with the runtime; a custom predictor keeps its own pod spec."""
    if resolved is not None:
        return merge.build_pod_spec(isvc, resolved.runtime_spec, resolved.runtime_annotations)
    predictor = isvc["spec"]["predictor"]
    pod_spec = merge.predictor_pod_spec(predictor)
    containers = pod_spec.get("containers") or []
    main = next(
        (x for x in containers if x.get("name") == c.INFERENCE_SERVICE_CONTAINER_NAME), None
    )
    if main is None:
        # GitOps: KServe dereferences a nil container here and panics; say what is missing.
        return Invalid(
            "spec.predictor.containers",
            f"a custom predictor needs a container named {c.INFERENCE_SERVICE_CONTAINER_NAME}",
        )
    pod_spec["containers"] = [main, *containers[1:]]
    return pod_spec
