"""The LLMInferenceService conversion and admission webhooks, as a render runs them.

- `to_v1alpha2`: `v1alpha1/llm_inference_service_conversion.go: ConvertTo` (v1alpha2 is the
  hub): the criticalities move to annotations, a GIE v1alpha2 pool spec becomes a v1 one.
- `set_defaults`: `v1alpha2/llm_inference_service_defaults.go: SetDefaults`.
- `validate`: `v1alpha2/llm_inference_service_validation.go: validate` for create (router
  cross-field constraints, traffic fields, parallelism, scheduler config, LoRA adapters) and the
  CRD's CEL rules on replicas and scaling. Messages are KServe's; `Invalid.field` is the field path.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping, Sequence
from typing import Any, Final

from generator.admission import defaults
from generator.config import Config
from generator.errors import Invalid
from generator.llmisvc import kv_cache, lora, managed_dra, scaling_validation

MODEL_CRITICALITY_ANNOTATION: Final = "internal.serving.kserve.io/model-criticality"
LORA_CRITICALITIES_ANNOTATION: Final = "internal.serving.kserve.io/lora-criticalities"
ROUTING_GROUP_LABEL: Final = "serving.kserve.io/routing-group"
V1ALPHA2: Final = "serving.kserve.io/v1alpha2"


def to_v1alpha2(doc: Mapping[str, Any]) -> dict[str, Any]:
    """`ConvertTo` for LLMInferenceService and LLMInferenceServiceConfig; v1alpha2 unchanged."""
    out = copy.deepcopy(dict(doc))
    if out.get("apiVersion") == V1ALPHA2:
        return out
    out["apiVersion"] = V1ALPHA2
    meta = out.setdefault("metadata", {})
    spec = out.setdefault("spec", {})
    model = spec.setdefault("model", {})
    criticality = model.pop("criticality", None)
    if criticality:
        meta.setdefault("annotations", {})[MODEL_CRITICALITY_ANNOTATION] = criticality
    adapters = (model.get("lora") or {}).get("adapters") or []
    lora: dict[str, str] = {}
    for i, adapter in enumerate(adapters):
        value = adapter.pop("criticality", None) if isinstance(adapter, dict) else None
        if value:
            lora[str(i)] = value
    if lora:
        meta.setdefault("annotations", {})[LORA_CRITICALITIES_ANNOTATION] = json.dumps(
            lora, separators=(",", ":"), sort_keys=True
        )
    for workload in (spec, spec.get("prefill")):
        if isinstance(workload, dict):
            workload.pop("criticality", None)
    scheduler = (spec.get("router") or {}).get("scheduler")
    pool = scheduler.get("pool") if isinstance(scheduler, dict) else None
    if isinstance(pool, dict) and isinstance(pool.get("spec"), dict):
        pool["spec"] = pool_spec_to_v1(pool["spec"])
    return out


def pool_spec_to_v1(spec: Mapping[str, Any]) -> dict[str, Any]:
    """GIE's v1alpha2 → v1 InferencePool spec (`v1alpha2pool: ConvertTo`,
    `convertExtensionRefToV1`): kind defaults to Service, failureMode to FailClose, and a
    Service without a port gets 9002."""
    out: dict[str, Any] = {"targetPorts": [{"number": spec.get("targetPortNumber", 0)}]}
    if spec.get("selector") is not None:
        out["selector"] = {"matchLabels": dict(spec["selector"])}
    ext = spec.get("extensionRef") or {}
    epp: dict[str, Any] = {}
    if "group" in ext:
        epp["group"] = ext["group"]
    epp["kind"] = ext.get("kind", "Service")
    epp["name"] = ext.get("name", "")
    if ext.get("portNumber") is not None:
        epp["port"] = {"number": ext["portNumber"]}
    epp["failureMode"] = ext.get("failureMode", "FailClose")
    if not (epp.get("port") or {}).get("number") and epp["kind"] in ("Service", ""):
        epp["port"] = {"number": 9002}
    out["endpointPickerRef"] = epp
    return out


def set_local_model_label(
    doc: dict[str, Any], config: Config, caches: Sequence[Mapping[str, Any]]
) -> None:
    """Port of `SetLocalModelLabel` (the LLMInferenceService webhook's), with the part of its
    `applyDefaults` that calls it: with local models enabled and no opt-out annotation, the
    cache holding `spec.model.uri` labels the service; otherwise the four local-model keys go."""
    meta = doc.setdefault("metadata", {})
    cluster, in_namespace = defaults.local_model_lists(doc, config, caches)
    if cluster is None:
        defaults.delete_local_model_metadata(meta)
        return
    uri = ((doc.get("spec") or {}).get("model") or {}).get("uri")
    if isinstance(uri, str) and uri:
        defaults.apply_local_model_cache(meta, uri, cluster, in_namespace)


def set_defaults(doc: dict[str, Any]) -> dict[str, Any]:
    """Port of `LLMInferenceService.SetDefaults`."""
    out = copy.deepcopy(doc)
    meta = out.setdefault("metadata", {})
    spec = out.setdefault("spec", {})
    model = spec.setdefault("model", {})
    if not model.get("name"):
        model["name"] = meta.get("name", "")
    labels = meta.get("labels") or {}
    route = (spec.get("router") or {}).get("route")
    group = route.get("group") if isinstance(route, dict) else None
    if group is not None:
        labels[ROUTING_GROUP_LABEL] = group
    else:
        labels.pop(ROUTING_GROUP_LABEL, None)
    meta["labels"] = labels
    from generator.llmisvc.strategic import set_spec_defaults

    out["spec"] = set_spec_defaults(spec)
    return out


def validate(
    doc: Mapping[str, Any], written_as_v1alpha1: bool = False, cel: bool = True
) -> list[Invalid]:
    """`validate` on create, after the CRD's CEL rules that a render must check itself (the
    API server runs them first: the webhook never sees an object they refuse; `cel=False` for
    the controller's re-validation of the merged spec). An object written as v1alpha1 meets
    the v1alpha1 webhook, whose router check is stricter."""
    spec = doc.get("spec") or {}
    if cel:
        rules = _cel(spec) + scaling_validation.cel_rules(spec)
        if rules:
            return rules
    found: list[Invalid] = []
    found += _router(spec, written_as_v1alpha1)
    found += _traffic(spec)
    found += _parallelism("spec", spec)
    if isinstance(spec.get("prefill"), dict):
        found += _parallelism("spec.prefill", spec["prefill"])
    found += _scheduler(spec)
    found += scaling_validation.webhook_rules(spec)
    if not written_as_v1alpha1:  # the v1alpha1 webhook has none of these (the merge's has)
        found += lora.validate(doc)
    found += kv_cache.validate(spec)
    if not written_as_v1alpha1:
        found += managed_dra.validate(doc.get("metadata") or {})
    return found


def _router(spec: Mapping[str, Any], v1alpha1: bool = False) -> list[Invalid]:
    router = spec.get("router") or {}
    route = router.get("route")
    http = route.get("http") if isinstance(route, dict) else None
    if not isinstance(http, dict):
        return []
    found: list[Invalid] = []
    path = "spec.router.route.http"
    gateway = router.get("gateway")
    if http.get("refs") and http.get("spec") is not None:
        found.append(
            Invalid(
                path,
                f"unsupported configuration: cannot use both custom HTTPRoute refs "
                f"('{path}.refs') and an inline route spec ('{path}.spec'); choose one",
            )
        )
    if http.get("refs") and isinstance(gateway, dict) and not gateway.get("refs"):
        found.append(
            Invalid(
                f"{path}.refs",
                f"unsupported configuration: custom HTTP routes ('{path}.refs') cannot be used "
                f"with a managed gateway ('spec.router.gateway'); either remove '{path}.refs' "
                f"or set 'spec.router.gateway.refs'",
            )
        )
    http_spec = http.get("spec")
    gw_refs = (gateway or {}).get("refs") if isinstance(gateway, dict) else None
    if isinstance(http_spec, dict) and http_spec.get("parentRefs") and gw_refs and v1alpha1:
        # v1alpha1/llm_inference_service_validation.go:155 refuses any parentRefs beside
        # gateway refs, matching or not (the v1alpha2 webhook only conflicting ones)
        found.append(
            Invalid(
                f"{path}.spec",
                f"unsupported configuration: managed HTTP route spec ('{path}.spec') cannot be "
                f"used with custom gateway refs ('spec.router.gateway.refs'); either remove "
                f"'spec.router.gateway.refs' or '{path}.spec.parentRefs'",
            )
        )
    elif isinstance(http_spec, dict) and http_spec.get("parentRefs") and gw_refs:
        if not _parent_refs_match(http_spec["parentRefs"], gw_refs):
            found.append(
                Invalid(
                    f"{path}.spec",
                    f"unsupported configuration: managed HTTP route spec ('{path}.spec') has "
                    f"parentRefs that conflict with custom gateway refs "
                    f"('spec.router.gateway.refs'); either remove 'spec.router.gateway.refs' "
                    f"or '{path}.spec.parentRefs'",
                )
            )
    return found


def _parent_refs_match(parents: list[Any], gateways: list[Any]) -> bool:
    def key(ref: Mapping[str, Any]) -> tuple[str, str, str]:
        return (
            str(ref.get("namespace") or ""),
            str(ref.get("name") or ""),
            str(ref.get("sectionName") or ""),
        )

    return len(parents) == len(gateways) and sorted(map(key, parents)) == sorted(map(key, gateways))


def _traffic(spec: Mapping[str, Any]) -> list[Invalid]:
    """Port of `validateTrafficFields`: group and weight together; no group with refs or
    Ingress."""
    router = spec.get("router") or {}
    route = router.get("route")
    if not isinstance(route, dict):
        return []
    group, weight = route.get("group"), route.get("weight")
    if group is None and weight is None:
        return []
    path = "spec.router.route"
    if router.get("ingress") is not None:
        return [
            Invalid(
                f"{path}.group",
                f"Invalid value: {json.dumps(group or '')}: traffic splitting requires Gateway "
                "API routing; the controller manages HTTPRoutes, not Ingress resources",
            )
        ]
    found: list[Invalid] = []
    if weight is not None and group is None:
        found.append(Invalid(f"{path}.group", "Required value: weight requires group"))
    if group is not None and weight is None:
        found.append(Invalid(f"{path}.weight", "Required value: group requires weight"))
    if found:
        return found
    if (route.get("http") or {}).get("refs"):
        found.append(
            Invalid(
                f"{path}.group",
                f"Invalid value: {json.dumps(group)}: traffic splitting cannot be used with "
                "custom HTTPRoute refs; controller-managed routes (route.http.spec or "
                "route.http: {}) are required",
            )
        )
    return found


def _parallelism(base: str, workload: Mapping[str, Any]) -> list[Invalid]:
    """Port of `validateWorkloadParallelism`."""
    worker_msg = (
        "when worker is specified, parallelism must be configured for either data parallelism "
        "or pipeline parallelism"
    )
    parallelism = workload.get("parallelism")
    if workload.get("worker") is not None and parallelism is None:
        return [Invalid(f"{base}.worker", worker_msg)]
    if not isinstance(parallelism, dict):
        return []
    found: list[Invalid] = []
    path = f"{base}.parallelism"
    data, local, pipeline = (parallelism.get(k) for k in ("data", "dataLocal", "pipeline"))
    is_dp = (data or 0) > 0 or (local or 0) > 0
    is_pp = (pipeline or 0) > 0
    if workload.get("worker") is not None and not is_dp and not is_pp:
        found.append(Invalid(f"{base}.worker", worker_msg))
    if is_pp and is_dp:
        found.append(
            Invalid(
                path,
                "cannot set both pipeline parallelism and data parallelism (data or dataLocal) "
                "simultaneously",
            )
        )
    if data is not None and local is None:
        found.append(
            Invalid(
                f"{path}.dataLocal", "Invalid value: null: dataLocal must be set when data is set"
            )
        )
    if local is not None and data is None:
        found.append(
            Invalid(f"{path}.data", "Invalid value: null: data must be set when dataLocal is set")
        )
    for key, what in (("pipeline", "pipeline"), ("data", "data"), ("dataLocal", "dataLocal")):
        value = parallelism.get(key)
        if value is not None and value <= 0:
            noun = "pipeline parallelism" if key == "pipeline" else f"{what} parallelism"
            found.append(
                Invalid(f"{path}.{key}", f"Invalid value: {value}: {noun} must be greater than 0")
            )
    return found


def _scheduler(spec: Mapping[str, Any]) -> list[Invalid]:
    """Port of `validateSchedulerConfig`."""
    scheduler = (spec.get("router") or {}).get("scheduler")
    if not isinstance(scheduler, dict):
        return []
    found: list[Invalid] = []
    path = "spec.router.scheduler"
    replicas = scheduler.get("replicas")
    if replicas is not None and replicas <= 0:
        found.append(
            Invalid(
                f"{path}.replicas",
                f"Invalid value: {replicas}: scheduler replicas must be greater than zero",
            )
        )
    config = scheduler.get("config")
    if not isinstance(config, dict):
        return found
    inline, ref = config.get("inline"), config.get("ref")
    if inline is None and ref is None:
        found.append(Invalid(f"{path}.config", "either inline or ref is required"))
    if inline is not None and ref is not None:
        found.append(
            Invalid(f"{path}.config", "both inline and ref are set, either specify inline or ref")
        )
    if inline is not None and len(json.dumps(inline, separators=(",", ":"))) < 3:
        found.append(Invalid(f"{path}.config.inline", "inline configuration is invalid"))
    if isinstance(ref, dict) and not ref.get("name"):
        found.append(Invalid(f"{path}.config.ref.name", "name is empty"))
    return found


def _cel(spec: Mapping[str, Any]) -> list[Invalid]:
    """The CRD's x-kubernetes-validations on the workload (API server wording)."""
    found: list[Invalid] = []
    for base, workload in (("spec", spec), ("spec.prefill", spec.get("prefill"))):
        if not isinstance(workload, dict):
            continue
        if workload.get("replicas") is not None and workload.get("scaling") is not None:
            found.append(
                Invalid(
                    base,
                    'Invalid value: "object": replicas and scaling are mutually exclusive; use '
                    "scaling for autoscaled deployments or replicas for static deployments",
                )
            )
    return found


__all__ = ["pool_spec_to_v1", "set_defaults", "to_v1alpha2", "validate"]
