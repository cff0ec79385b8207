"""The multi-model ConfigMap `modelconfig-<isvc>-0`, with the TrainedModels already in it.

Ports KServe v0.20.0 `pkg/controller/v1beta1/inferenceservice/reconcilers/modelconfig/
modelconfig_reconciler.go` (the InferenceService controller creates the ConfigMap for an
`IsMMSPredictor` predictor), `pkg/modelconfig/configmap.go` (`CreateEmptyModelConfig`, the
`ModelConfig` entries and their JSON), `pkg/controller/v1alpha1/trainedmodel/controller.go`
(`updateConditions`: the parent must be multi-model and have the memory; `IsMemoryResourceAvailable`
of `inferenceservice/utils/utils.go`), `trainedmodel/reconcilers/modelconfig/
modelconfig_reconciler.go` (add the model to the parent's ConfigMap), `trainedmodel/sharding/
memory/strategy.go` (always shard 0) and `pkg/apis/serving/v1alpha1/trainedmodel_webhook.go`.

GitOps: in a cluster the InferenceService controller creates the ConfigMap with `[]` and the
TrainedModel controller then edits it; here the ConfigMap is rendered once with what the
TrainedModel controller would have added, and a TrainedModel KServe would not add is a problem.
TrainedModels are consumed, not emitted (their controller only writes status and this file).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from generator import constants as c
from generator.admission.defaults import CUSTOM, implementations
from generator.admission.pod.agent import go_marshal
from generator.components.meta import is_mms_predictor
from generator.config.quantity import QuantityError, marshal_quantity, parse_quantity
from generator.errors import InternalError, Invalid, Notice, Problem
from generator.load import Inputs
from generator.output import Rendered, mark_managed
from generator.render import Renderer, TemplateError, template_problem

if TYPE_CHECKING:  # the pipeline calls down into this module, never the reverse at run time
    from generator.controller import ReconcileContext
    from generator.pipeline import Admitted

TEMPLATE = "modelconfig-configmap.yaml.j2"
KIND = "ConfigMap"
MODEL_CONFIG_FILE_NAME = "models.json"  # constants.ModelConfigFileName
SHARD_ID = 0  # MemoryStrategy.GetShard / GetOrAssignShard always answer shard 0

# trainedmodel_webhook.go
TM_NAME_FMT = "[a-zA-Z0-9_-]+"
TM_REGEXP = "^" + TM_NAME_FMT + "$"
_TM_RE = re.compile(TM_REGEXP)
INVALID_TM_NAME_FORMAT_ERROR = (
    'the Trained Model "{}" is invalid: a Trained Model name must consist of alphanumeric '
    "characters, '_', or '-'. (e.g. \"my-Name\" or \"abc_123\", regex used for validation is "
    "'{}')"
)
INVALID_STORAGE_URI_FORMAT_ERROR = (
    'the Trained Model "{}" storageUri field is invalid. The storage uri must start with one of '
    'the prefixes: {}. (the storage uri given is "{}")'
)
INVALID_TM_MEMORY_MODIFICATION = (
    'the Trained Model "{}" memory field is immutable. The memory was "{}" but it is updated to '
    '"{}"'
)
# pkg/agent/storage/provider.go: SupportedProtocols (the agent's puller, not the initializer)
SUPPORTED_PROTOCOLS = ("s3://", "gs://", "https://", "http://")
STORAGE_URI_PROTOCOLS = ", ".join(SUPPORTED_PROTOCOLS)

# trainedmodel/controller.go condition errors
IS_NOT_MMS_PREDICTOR = (
    'Inference Service "{}" predictor is not configured for multi-model serving. Trained Model '
    '"{}" cannot deploy'
)
MEMORY_RESOURCE_NOT_AVAILABLE = (
    'Inference Service "{}" memory resources are not available. Trained Model "{}" cannot deploy'
)


def _spec_model(tm: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict((tm.get("spec") or {}).get("model") or {})


def _name(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def validate_trained_model(tm: Mapping[str, Any]) -> Invalid | None:
    """Port of `validateTrainedModel` (create and update): the name, then the storage URI."""
    name = _name(tm)
    if not _TM_RE.fullmatch(name):  # RE2's `$` is the end of the text
        return Invalid("metadata.name", INVALID_TM_NAME_FORMAT_ERROR.format(name, TM_REGEXP))
    uri = str(_spec_model(tm).get("storageUri") or "")
    if not uri.startswith(SUPPORTED_PROTOCOLS):  # utils.IsPrefixSupported
        return Invalid(
            "spec.model.storageUri",
            INVALID_STORAGE_URI_FORMAT_ERROR.format(name, STORAGE_URI_PROTOCOLS, uri),
        )
    return None


def validate_trained_model_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> Invalid | None:
    """Port of `ValidateUpdate`: `validate_trained_model`, then memory must not change."""
    # GitOps: the pipeline has no stored object to compare with; only the create rules run there.
    found = validate_trained_model(new)
    if found is not None:
        return found
    new_memory, old_memory = memory_of(new), memory_of(old)
    if isinstance(new_memory, Invalid):
        return new_memory
    if isinstance(old_memory, Invalid):
        return old_memory
    if parse_quantity(new_memory).value != parse_quantity(old_memory).value:
        message = INVALID_TM_MEMORY_MODIFICATION.format(_name(new), old_memory, new_memory)
        return Invalid("spec.model.memory", message)
    return None


def memory_of(tm: Mapping[str, Any]) -> str | Invalid:
    """`spec.model.memory` as `Quantity.MarshalJSON` writes it ("0" when absent)."""
    raw = _spec_model(tm).get("memory", 0)
    value = marshal_quantity(raw)
    if not isinstance(value, str):
        return Invalid("spec.model.memory", f"cannot be read as a quantity: {raw!r}")
    try:
        parse_quantity(value)
    except QuantityError as err:
        return Invalid("spec.model.memory", str(err))
    return value


def model_config_entry(tm: Mapping[str, Any]) -> dict[str, Any]:
    """A `modelconfig.ModelConfig`: `{modelName, modelSpec: {storageUri, framework, memory}}`."""
    model = _spec_model(tm)
    memory = memory_of(tm)
    if isinstance(memory, Invalid):
        raise InternalError(f"TrainedModel {_name(tm)}: {memory.message} (validate it first)")
    spec = {  # v1alpha1.ModelSpec: no omitempty, Go's field order
        "storageUri": str(model.get("storageUri") or ""),
        "framework": str(model.get("framework") or ""),
        "memory": memory,
    }
    return {"modelName": _name(tm), "modelSpec": spec}


def models_json(trained_models: Iterable[Mapping[str, Any]]) -> str:
    """`models.json` as `ConfigsDelta.Process` writes it after adding these TrainedModels.

    A later TrainedModel of the same name replaces the earlier one, as `slice2Map` does.
    """
    # GitOps: KServe rebuilds the array from a Go map (`map2Slice`), so its order changes from
    # one update to the next; entries are sorted by model name so every render is the same.
    by_name = {_name(tm): model_config_entry(tm) for tm in trained_models}
    return go_marshal([by_name[name] for name in sorted(by_name)])


def _targets(tm: Mapping[str, Any], isvc: Mapping[str, Any]) -> bool:
    meta, tm_meta = isvc.get("metadata") or {}, tm.get("metadata") or {}
    return (tm.get("spec") or {}).get("inferenceService") == meta.get("name") and (
        tm_meta.get("namespace") or ""
    ) == (meta.get("namespace") or "")


def create_model_config(
    isvc: Mapping[str, Any],
    trained_models: Iterable[Mapping[str, Any]],
    renderer: Renderer,
) -> dict[str, Any] | None:
    """The ConfigMap KServe keeps for a multi-model predictor (None when not multi-model).

    `CreateEmptyModelConfig` (name `modelconfig-<isvc>-0`, the isvc's labels, `[]`) with the
    entries of the `trained_models` that name this InferenceService in its namespace.
    """
    if not is_mms_predictor(isvc["spec"]["predictor"]):
        return None
    meta = isvc["metadata"]
    name = c.model_config_name(str(meta["name"]), SHARD_ID)
    mine = [tm for tm in trained_models if _targets(tm, isvc)]
    values = {
        "name": name,
        "namespace": meta.get("namespace"),
        "labels": dict(meta.get("labels") or {}) or None,  # isvc.Labels, unfiltered
        "models_json": models_json(mine),  # "[]" without TrainedModels
    }
    return renderer.render_object(TEMPLATE, values, KIND, name, meta.get("namespace"))


def _predictor_container(predictor: Mapping[str, Any]) -> Mapping[str, Any] | Invalid | None:
    """`GetImplementation().GetContainer(...)` of a defaulted predictor (None: none)."""
    found = implementations("predictor", predictor)
    if not found:
        return None
    if found[0] != CUSTOM:
        return dict(predictor.get(found[0]) or {})
    for container in predictor.get("containers") or []:
        if container.get("name") == c.INFERENCE_SERVICE_CONTAINER_NAME:
            return dict(container)
    # GitOps: CustomPredictor.GetContainer returns nil here and KServe's controller panics.
    return Invalid(
        "spec.predictor.containers",
        f"no container named {c.INFERENCE_SERVICE_CONTAINER_NAME}: KServe's TrainedModel "
        "controller cannot read the predictor's memory limit",
    )


def is_memory_resource_available(isvc: Mapping[str, Any], total: Decimal) -> bool | Invalid:
    """Port of `IsMemoryResourceAvailable`: the predictor's memory limit (0 when unset) covers
    `total`; False without a predictor implementation."""
    container = _predictor_container(isvc["spec"]["predictor"])
    if container is None or isinstance(container, Invalid):
        return container or False
    raw = ((container.get("resources") or {}).get("limits") or {}).get("memory", 0)
    value = marshal_quantity(raw)
    try:
        return parse_quantity(value if isinstance(value, str) else "").value >= total
    except QuantityError as err:
        return Invalid("spec.predictor", f"memory limit {raw!r}: {err}")


def trained_model_problems(
    tm: Mapping[str, Any], isvc: Mapping[str, Any], allocated: Decimal
) -> tuple[list[Invalid], Decimal]:
    """`updateConditions` for a Ready parent: the conditions that fail, and the memory then
    allocated on the parent (TrainedModels are allocated one by one while the limit allows)."""
    isvc_name, tm_name = _name(isvc), _name(tm)
    found: list[Invalid] = []
    predictor = isvc["spec"]["predictor"]
    if not implementations("predictor", predictor) or not is_mms_predictor(predictor):
        message = IS_NOT_MMS_PREDICTOR.format(isvc_name, tm_name)
        found.append(Invalid("spec.inferenceService", message))
    memory = memory_of(tm)
    if isinstance(memory, Invalid):
        return [*found, memory], allocated
    total = allocated + parse_quantity(memory).value
    available = is_memory_resource_available(isvc, total)
    if isinstance(available, Invalid):
        return [*found, available], allocated
    if not available:
        message = MEMORY_RESOURCE_NOT_AVAILABLE.format(isvc_name, tm_name)
        return [*found, Invalid("spec.model.memory", message)], allocated
    return found, total


def render_model_configs(
    inputs: Inputs, admitted: Sequence[Admitted], ctx: ReconcileContext
) -> tuple[list[Rendered], list[Problem], list[Notice]]:
    """Every multi-model ConfigMap of the admitted InferenceServices, and the TrainedModel problems.

    `admitted` are the pipeline's records after admission; TrainedModels are taken in (namespace,
    name) order, which decides which ones fit when the memory runs out.
    """
    # unconfirmed: KServe allocates in the order its controller happens to reconcile them.
    by_key = {(a.namespace, a.loaded.name): a for a in admitted}
    rejected = {(i.namespace, i.name) for i in inputs.inference_services} - set(by_key)
    problems: list[Problem] = []
    notices: list[Notice] = []
    accepted: list[Mapping[str, Any]] = []
    allocated: dict[tuple[str, str], Decimal] = {}
    for item in sorted(inputs.trained_models, key=lambda i: (i.namespace, i.name)):
        invalid = validate_trained_model(item.doc)
        if invalid is not None:
            problems.append(item.problem(invalid))
            continue
        target = str((item.doc.get("spec") or {}).get("inferenceService") or "")
        key = (item.namespace, target)
        parent = by_key.get(key)
        if parent is None:
            if key not in rejected:  # a rejected InferenceService has its own problem
                notices.append(Notice(item.source, item.ref(), _parent_not_found(target)))
            continue
        found, allocated[key] = trained_model_problems(
            item.doc, parent.isvc, allocated.get(key, Decimal(0))
        )
        if not found and parent.mode == c.DeploymentMode.MODEL_MESH:
            # GitOps: ModelMesh InferenceServices pass through, so no ConfigMap is rendered.
            name = c.model_config_name(target, SHARD_ID)
            found = [Invalid("spec.inferenceService", f'configmaps "{name}" not found')]
        problems += [item.problem(invalid) for invalid in found]
        if not found:
            accepted.append(item.doc)
    rendered: list[Rendered] = []
    for one in admitted:
        if one.mode == c.DeploymentMode.MODEL_MESH:
            continue
        try:  # GitOps: rendered with its TrainedModels, not created empty and edited later
            obj = create_model_config(one.isvc, accepted, ctx.renderer)
        except TemplateError as err:
            problems.append(template_problem(err, ctx.renderer))
            continue
        if obj is not None:
            rendered.append(Rendered(mark_managed(obj), one.loaded.name, one.loaded.source))
    return rendered, problems, notices


def _parent_not_found(name: str) -> str:
    # GitOps: the InferenceService may be rendered elsewhere (another folder or Argo CD app);
    # its model config ConfigMap is rendered there, so this TrainedModel adds nothing here.
    return (
        f'spec.inferenceService: InferenceService "{name}" is not in the input set; this '
        "TrainedModel is listed in its model config only when rendered together with it"
    )


__all__ = [
    "create_model_config",
    "is_memory_resource_available",
    "models_json",
    "render_model_configs",
    "trained_model_problems",
    "validate_trained_model",
    "validate_trained_model_update",
]
