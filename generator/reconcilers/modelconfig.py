"""The multi-model ConfigMap `modelconfig-<isvc>-0`, with the TrainedModels already in it.

Ports KServe v0.20.0 `pkg/controller/v1beta1/inferenceservice/reconcilers/modelconfig/
modelconfig_reconciler.go` (the InferenceService controller creates the ConfigMap for an
`IsMMSPredictor` predictor) and `pkg/modelconfig/configmap.go` (`CreateEmptyModelConfig`, the
`ModelConfig` entries and their JSON). Which TrainedModels are in it is decided by
`generator.controllers.trainedmodel`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from generator import constants as c
from generator.admission.trainedmodel import memory_of, name_of, spec_model
from generator.errors import InternalError, Invalid
from generator.goruntime.json import marshal as go_marshal
from generator.render import Renderer
from generator.utils.isvc import is_mms_predictor

TEMPLATE = "modelconfig-configmap.yaml.j2"
KIND = "ConfigMap"
MODEL_CONFIG_FILE_NAME = "models.json"  # constants.ModelConfigFileName
SHARD_ID = 0  # MemoryStrategy.GetShard / GetOrAssignShard always answer shard 0


def model_config_entry(tm: Mapping[str, Any]) -> dict[str, Any]:
    """A `modelconfig.ModelConfig`: `{modelName, modelSpec: {storageUri, framework, memory}}`."""
    model = spec_model(tm)
    memory = memory_of(tm)
    if isinstance(memory, Invalid):
        raise InternalError(f"TrainedModel {name_of(tm)}: {memory.message} (validate it first)")
    spec = {  # v1alpha1.ModelSpec: no omitempty, Go's field order
        "storageUri": str(model.get("storageUri") or ""),
        "framework": str(model.get("framework") or ""),
        "memory": memory,
    }
    return {"modelName": name_of(tm), "modelSpec": spec}


def models_json(trained_models: Iterable[Mapping[str, Any]]) -> str:
    """`models.json` as `ConfigsDelta.Process` writes it after adding these TrainedModels.

    A later TrainedModel of the same name replaces the earlier one, as `slice2Map` does.
    """
    # GitOps: KServe rebuilds the array from a Go map (`map2Slice`), so its order changes from
    # one update to the next; entries are sorted by model name so every render is the same.
    by_name = {name_of(tm): model_config_entry(tm) for tm in trained_models}
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
