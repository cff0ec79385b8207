"""The TrainedModel controller: which TrainedModels join their InferenceService's model config.

Ports `pkg/controller/v1alpha1/trainedmodel/controller.go` (`updateConditions`: the parent must be
multi-model and have the memory; `IsMemoryResourceAvailable` of `inferenceservice/utils/utils.go`),
`trainedmodel/reconcilers/modelconfig/modelconfig_reconciler.go` (add the model to the parent's
ConfigMap) and `trainedmodel/sharding/memory/strategy.go` (always shard 0). The ConfigMap itself
is built by `generator.reconcilers.modelconfig`.

GitOps: in a cluster the InferenceService controller creates the ConfigMap with `[]` and the
TrainedModel controller then edits it; here the ConfigMap is rendered once with what the
TrainedModel controller would have added, and a TrainedModel KServe would not add is a problem.
TrainedModels are consumed, not emitted (their controller only writes status and this file).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import Decimal
from typing import Any

from generator import constants as c
from generator.admission.defaults import CUSTOM, implementations
from generator.admission.trainedmodel import memory_of, name_of, validate_trained_model
from generator.config.quantity import QuantityError, marshal_quantity, parse_quantity
from generator.controllers.inferenceservice import ReconcileContext
from generator.errors import Invalid, Notice, Problem
from generator.load import Inputs
from generator.reconcilers.modelconfig import SHARD_ID, create_model_config
from generator.records import Admitted, Rendered, mark_managed
from generator.render import TemplateError, template_problem
from generator.utils.isvc import is_mms_predictor

# trainedmodel/controller.go condition errors
IS_NOT_MMS_PREDICTOR = (
    'Inference Service "{}" predictor is not configured for multi-model serving. Trained Model '
    '"{}" cannot deploy'
)
MEMORY_RESOURCE_NOT_AVAILABLE = (
    'Inference Service "{}" memory resources are not available. Trained Model "{}" cannot deploy'
)


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
    isvc_name, tm_name = name_of(isvc), name_of(tm)
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
    # The differential suite's oracle reconciles them in this order too (a choice of the
    # harness): it checks the allocation for this order, not the order itself.
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
