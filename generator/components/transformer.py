"""The transformer and explainer components: object meta and the implementation's container.

Ports `components/transformer.go` and `components/explainer.go` (`Reconcile` up to the mode
switch) and the `GetContainer` of `transformer_custom.go`, `explainer_custom.go` and
`explainer_art.go`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from generator import constants as c
from generator import merge
from generator.admission.component import (
    get_explainer_implementations,
    get_storage_uri,
    get_transformer_implementations,
)
from generator.components import meta as m
from generator.config import Config
from generator.data import copy_data
from generator.errors import Invalid
from generator.records import ComponentBuild

ARGUMENT_MODEL_NAME = "--model_name"
ARGUMENT_PREDICTOR_HOST = "--predictor_host"
ARGUMENT_HTTP_PORT = "--http_port"
ARGUMENT_WORKERS = "--workers"
INFERENCE_SERVICE_NAME_ENV = "INFERENCE_SERVICE_NAME"
StorageContainers = Sequence[Mapping[str, Any]]  # ClusterStorageContainers, for ValidateStorageURI


def build_transformer(
    isvc: Mapping[str, Any], config: Config, storage_containers: StorageContainers = ()
) -> ComponentBuild | Invalid:
    """Port of `(*Transformer).Reconcile`'s build half (custom transformer containers)."""
    spec = isvc["spec"]["transformer"]
    build = _build(isvc, c.TRANSFORMER, config, True, storage_containers)
    if isinstance(build, Invalid):
        return build
    pod_spec = _component_pod_spec(spec)
    pod_spec["containers"][0] = custom_transformer_container(isvc, spec)
    name = pod_spec["containers"][0].get("name", "")
    pod_spec = merge.add_env_var_to_pod_spec(
        pod_spec, name, INFERENCE_SERVICE_NAME_ENV, isvc["metadata"]["name"]
    )
    return _with_pod_spec(build, pod_spec)


def build_explainer(
    isvc: Mapping[str, Any], config: Config, storage_containers: StorageContainers = ()
) -> ComponentBuild | Invalid:
    """Port of `(*Explainer).Reconcile`'s build half (ART or custom explainer)."""
    spec = isvc["spec"]["explainer"]
    build = _build(isvc, c.EXPLAINER, config, False, storage_containers)
    if isinstance(build, Invalid):
        return build
    pod_spec = _component_pod_spec(spec)
    if spec.get("art") is not None:
        container = art_explainer_container(isvc, spec, config)
    else:
        container = custom_explainer_container(isvc, spec)
    pod_spec["containers"][0] = container
    return _with_pod_spec(build, pod_spec)


def _build(
    isvc: Mapping[str, Any],
    component: str,
    config: Config,
    with_batcher: bool,
    storage_containers: StorageContainers,
) -> ComponentBuild | Invalid:
    spec = isvc["spec"][component]
    disallowed = config.inference_services.service_annotation_disallowed_list
    annotations = m.without(isvc["metadata"].get("annotations"), disallowed)
    uri, uri_field = _storage_uri(spec, component)
    if uri is not None:
        annotations[c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY] = uri
        error = m.validate_storage_uri(uri, storage_containers)
        if error is not None:
            return Invalid(uri_field, error)
    m.add_logger_annotations(spec.get("logger"), annotations)
    if with_batcher:
        m.add_batcher_annotations(spec.get("batcher"), annotations)
    isvc_name = isvc["metadata"]["name"]
    name = c.transformer_service_name(isvc_name)
    if component == c.EXPLAINER:
        name = c.explainer_service_name(isvc_name)
    object_meta = {
        "name": name,
        "namespace": isvc["metadata"]["namespace"],
        "labels": m.union(
            isvc["metadata"].get("labels"),
            spec.get("labels"),
            {c.INFERENCE_SERVICE_POD_LABEL_KEY: isvc_name, c.KSERVICE_COMPONENT_LABEL: component},
        ),
        "annotations": m.union(annotations, m.without(spec.get("annotations"), disallowed)),
    }
    storage_uris = copy_data(list(spec.get("storageUris") or []))
    return ComponentBuild(
        component, object_meta, copy_data(dict(spec)), {}, storage_uris=storage_uris
    )


def _with_pod_spec(build: ComponentBuild, pod_spec: dict[str, Any]) -> ComponentBuild:
    return replace(build, pod_spec=pod_spec)


def _storage_uri(spec: Mapping[str, Any], component: str) -> tuple[str | None, str]:
    """`GetImplementation().GetStorageUri()`: ART's `storageUri`, or a custom container's
    STORAGE_URI env (the first container's), with the field that holds it."""
    field = f"spec.{component}"
    if component == c.TRANSFORMER:
        found = get_transformer_implementations(spec, field)
    else:
        found = get_explainer_implementations(spec, field)
    return get_storage_uri(found[0]) if found else (None, field)


def _component_pod_spec(spec: Mapping[str, Any]) -> dict[str, Any]:
    pod_spec = merge.predictor_pod_spec(spec)
    pod_spec["containers"] = pod_spec.get("containers") or [{}]
    return pod_spec


def _predictor_host(isvc: Mapping[str, Any]) -> str:
    predictor_name = isvc["spec"]["predictor"].get("name") or ""
    service = c.predictor_service_name(isvc["metadata"]["name"], predictor_name)
    return f"{service}.{isvc['metadata']['namespace']}"


def _workers(spec: Mapping[str, Any]) -> list[str]:
    concurrency = spec.get("containerConcurrency")
    return [] if concurrency is None else [ARGUMENT_WORKERS, str(concurrency)]


def custom_transformer_container(
    isvc: Mapping[str, Any], spec: Mapping[str, Any]
) -> dict[str, Any]:
    """Port of `(*CustomTransformer).GetContainer` (ModelMesh transformers are not rendered)."""
    container = merge.go_container((spec.get("containers") or [{}])[0])
    args: list[str] = list(container.get("args") or [])
    if not m.includes_arg(args, ARGUMENT_MODEL_NAME):
        args += [ARGUMENT_MODEL_NAME, isvc["metadata"]["name"]]
    if not m.includes_arg(args, ARGUMENT_PREDICTOR_HOST):
        args += [ARGUMENT_PREDICTOR_HOST, _predictor_host(isvc)]
    if not m.includes_arg(args, ARGUMENT_HTTP_PORT):
        args += [ARGUMENT_HTTP_PORT, c.INFERENCE_SERVICE_DEFAULT_HTTP_PORT]
    if not m.includes_arg(args, ARGUMENT_WORKERS):
        args += _workers(spec)
    container["args"] = args
    return container


def custom_explainer_container(isvc: Mapping[str, Any], spec: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `(*CustomExplainer).GetContainer`: note --http_port is appended unconditionally."""
    container = merge.go_container((spec.get("containers") or [{}])[0])
    args: list[str] = list(container.get("args") or [])
    if not m.includes_arg(args, ARGUMENT_MODEL_NAME):
        args += [ARGUMENT_MODEL_NAME, isvc["metadata"]["name"]]
    if not m.includes_arg(args, ARGUMENT_PREDICTOR_HOST):
        args += [ARGUMENT_PREDICTOR_HOST, _predictor_host(isvc)]
    args += [ARGUMENT_HTTP_PORT, c.INFERENCE_SERVICE_DEFAULT_HTTP_PORT]
    if not m.includes_arg(args, ARGUMENT_WORKERS):
        args += _workers(spec)
    container["args"] = args
    return container


def art_explainer_container(
    isvc: Mapping[str, Any], spec: Mapping[str, Any], config: Config
) -> dict[str, Any]:
    """Port of `(*ARTExplainerSpec).GetContainer`, user args appended twice as KServe does."""
    art = spec["art"]
    user_args: list[str] = list(art.get("args") or [])
    args = [ARGUMENT_MODEL_NAME, isvc["metadata"]["name"], ARGUMENT_HTTP_PORT,
            c.INFERENCE_SERVICE_DEFAULT_HTTP_PORT]  # fmt: skip
    if not m.includes_arg(user_args, ARGUMENT_PREDICTOR_HOST):
        args += [ARGUMENT_PREDICTOR_HOST, _predictor_host(isvc)]
    if not m.includes_arg(user_args, ARGUMENT_WORKERS):
        args += _workers(spec)
    if art.get("storageUri"):
        args += ["--storage_uri", c.DEFAULT_MODEL_LOCAL_MOUNT_PATH]
    args += ["--adversary_type", str(art.get("type") or "")]
    for key in sorted(art.get("config") or {}):
        args += ["--" + key, str(art["config"][key])]
    args += user_args
    container = merge.go_container({k: v for k, v in art.items() if k in merge.CONTAINER_FIELDS})
    if not container.get("image"):
        image = config.inference_services.explainers.art_explainer.container_image
        container["image"] = f"{image}:{art.get('runtimeVersion') or ''}"
    container["name"] = c.INFERENCE_SERVICE_CONTAINER_NAME
    container["args"] = args + user_args
    return container
