"""Port of `pkg/controller/v1alpha2/llmisvc/config_merge.go`: presets, baseRefs, ReplaceVariables.

`combine` is `combineBaseRefsConfig` for one LLMInferenceService (v1alpha2, defaulted): the
base refs pre-resolved to decide which well-known presets apply, every layer merged with
`strategic.merge_specs` (presets, then the user's base refs, then the service's own spec), the
post-merge defaults, then `replace_variables` over the merged config's JSON text, then the
route/gateway/pool rewrites and the scheduler ConfigMap lookup.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, Final

import yaml

from generator import constants, schema
from generator.config.quantity import marshal_quantity
from generator.goruntime import template as gotemplate
from generator.llmisvc import strategic

CONFIG_PREFIX: Final = "kserve-"  # LLM_INFERENCE_SERVICE_CONFIG_PREFIX's default
TEMPLATE = CONFIG_PREFIX + "config-llm-template"
DECODE_TEMPLATE = CONFIG_PREFIX + "config-llm-decode-template"
PREFILL_TEMPLATE = CONFIG_PREFIX + "config-llm-prefill-template"
WORKER_DATA_PARALLEL = CONFIG_PREFIX + "config-llm-worker-data-parallel"
DECODE_WORKER_DATA_PARALLEL = CONFIG_PREFIX + "config-llm-decode-worker-data-parallel"
PREFILL_WORKER_DATA_PARALLEL = CONFIG_PREFIX + "config-llm-prefill-worker-data-parallel"
WORKER_PIPELINE_PARALLEL = CONFIG_PREFIX + "config-llm-worker-pipeline-parallel"
DECODE_WORKER_PIPELINE_PARALLEL = CONFIG_PREFIX + "config-llm-decode-worker-pipeline-parallel"
PREFILL_WORKER_PIPELINE_PARALLEL = CONFIG_PREFIX + "config-llm-prefill-worker-pipeline-parallel"
SCHEDULER = CONFIG_PREFIX + "config-llm-scheduler"
ROUTER_ROUTE = CONFIG_PREFIX + "config-llm-router-route"
SCHEDULER_LATENCY_PREDICTOR = CONFIG_PREFIX + "config-llm-scheduler-latency-predictor"
TRACING = CONFIG_PREFIX + "config-llm-tracing"
PREDICTED_LATENCY_PRODUCER = "predicted-latency-producer"
ANNOTATION_MODEL_BASED_ROUTING_ENABLED = "serving.kserve.io/model-based-routing-enabled"


class CombineError(ValueError):
    """combineBaseRefsConfig failed; `field` names the spec field when one is to blame."""

    def __init__(self, message: str, field: str = "spec") -> None:
        super().__init__(message)
        self.field = field


def child_name(parent: str, suffix: str) -> str:
    """Port of knative `kmeta.ChildName`: parent+suffix, hashed when over 63 characters."""
    longest, md5_len = 63, 32
    name = parent
    if len(parent) > longest - len(suffix):
        head = longest - len(suffix) - md5_len
        digest = hashlib.md5(parent.encode(), usedforsecurity=False).hexdigest()
        if head <= 0:
            return hashlib.md5((parent + suffix).encode(), usedforsecurity=False).hexdigest()
        name = parent[:head] + digest
    return name + suffix


@cache
def builtin_presets() -> dict[str, dict[str, Any]]:
    """The ten well-known LLMInferenceServiceConfigs v0.20.0 installs in the KServe namespace,
    as the API server stores them: with the CRD's structural defaults (e.g. a backendRef's
    `group: ""` and `weight: 1`)."""
    folder = resources.files(__package__).joinpath("presets")
    out: dict[str, dict[str, Any]] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            doc = schema.apply_defaults(yaml.safe_load(entry.read_text(encoding="utf-8")))
            out[doc["metadata"]["name"]] = doc
    return out


@dataclass(frozen=True, slots=True)
class GlobalConfig:
    """`config_loader.go: Config`, the fields a render uses (from `inferenceservice-config`)."""

    ingress_gateway_name: str = "kserve-ingress-gateway"
    ingress_gateway_namespace: str = constants.KSERVE_NAMESPACE
    url_scheme: str = "http"
    enable_tls: bool = False
    model_based_routing_header_name: str = "X-Gateway-Model-Name"
    model_based_routing_mode: str = "enabled"

    @classmethod
    def from_ingress(cls, gateway: str, **kwargs: Any) -> GlobalConfig:
        """`NewConfig`: "ns/name" splits; anything else is a name in the KServe namespace."""
        parts = gateway.split("/")
        if len(parts) == 2:
            return cls(ingress_gateway_namespace=parts[0], ingress_gateway_name=parts[1], **kwargs)
        return cls(ingress_gateway_name=gateway, **kwargs)


@dataclass(slots=True)
class ConfigIndex:
    """LLMInferenceServiceConfigs by (namespace, name): the repo's, over the built-in presets."""

    configs: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    config_maps: dict[tuple[str, str], Mapping[str, Any]] = field(default_factory=dict)

    def get(self, namespace: str, name: str) -> dict[str, Any]:
        """Port of `getConfig`: the service's namespace first, then the KServe namespace.

        GitOps: the preset names are the current ones; KServe pins them in the service's
        `status.annotations` on its first reconcile, which is what a render is."""
        for ns in (namespace, constants.KSERVE_NAMESPACE):
            found = self.configs.get((ns, name))
            if found is not None:
                return found
        if name in builtin_presets() and (constants.KSERVE_NAMESPACE, name) not in self.configs:
            return builtin_presets()[name]
        raise CombineError(
            f'LLMInferenceServiceConfig "{name}" not found in namespaces '
            f"[{namespace} {constants.KSERVE_NAMESPACE}]"
        )


def _has_refs(http: Any) -> bool:
    return isinstance(http, dict) and bool(http.get("refs"))


def _pool_has_ref(scheduler: Mapping[str, Any]) -> bool:
    ref = (scheduler.get("pool") or {}).get("ref")
    return isinstance(ref, dict) and bool(ref.get("name"))


def _parallel(spec: Mapping[str, Any], key: str) -> bool:
    return int((spec.get("parallelism") or {}).get(key) or 0) > 0


def _is_data_parallel(spec: Mapping[str, Any]) -> bool:
    return _parallel(spec, "data") or _parallel(spec, "dataLocal")


def has_latency_producer(spec: Mapping[str, Any]) -> bool:
    """Port of `hasLatencyProducerInSpec`: the inline EPP config lists that plugin type."""
    inline = (((spec.get("router") or {}).get("scheduler") or {}).get("config") or {}).get("inline")
    if not isinstance(inline, dict):
        return False
    plugins = inline.get("plugins")
    return isinstance(plugins, list) and any(
        isinstance(p, dict) and p.get("type") == PREDICTED_LATENCY_PRODUCER for p in plugins
    )


def well_known_refs(resolved: Mapping[str, Any]) -> list[str]:
    """The presets `combineBaseRefsConfig` picks for a pre-resolved spec, in merge order."""
    refs: list[str] = []
    router = resolved.get("router") or {}
    scheduler = router.get("scheduler")
    if isinstance(scheduler, dict) and not _pool_has_ref(scheduler):
        refs.append(SCHEDULER)
    if has_latency_producer(resolved):
        refs.append(SCHEDULER_LATENCY_PREDICTOR)
    route = router.get("route")
    if isinstance(route, dict) and not _has_refs(route.get("http")):
        refs.append(ROUTER_ROUTE)
    if resolved.get("tracing") is not None:
        refs.append(TRACING)
    prefill = resolved.get("prefill")
    if isinstance(prefill, dict):
        refs += _workload_preset(
            prefill,
            PREFILL_TEMPLATE,
            PREFILL_WORKER_DATA_PARALLEL,
            PREFILL_WORKER_PIPELINE_PARALLEL,
        )
        refs += _workload_preset(
            resolved, DECODE_TEMPLATE, DECODE_WORKER_DATA_PARALLEL, DECODE_WORKER_PIPELINE_PARALLEL
        )
    else:
        refs += _workload_preset(resolved, TEMPLATE, WORKER_DATA_PARALLEL, WORKER_PIPELINE_PARALLEL)
    return refs


def _workload_preset(
    spec: Mapping[str, Any], single: str, data_parallel: str, pipeline: str
) -> list[str]:
    if spec.get("worker") is None:
        return [single]
    if _is_data_parallel(spec):
        return [data_parallel]
    if _parallel(spec, "pipeline"):
        return [pipeline]
    return []


def workload_label_selector(name: str) -> dict[str, str]:
    """Port of `GetWorkloadLabelSelector`."""
    return {
        "app.kubernetes.io/part-of": "llminferenceservice",
        "app.kubernetes.io/name": name,
        "kserve.io/component": "workload",
    }


def inference_pool_name(scheduler: Any, name: str) -> str:
    """Port of `SchedulerSpec.InferencePoolName`."""
    if isinstance(scheduler, dict) and _pool_has_ref(scheduler):
        return str(scheduler["pool"]["ref"]["name"])
    return child_name(name, "-inference-pool")


def workload_service_name(name: str) -> str:
    """Port of `workloadServiceName`."""
    return child_name(name, "-kserve-workload-svc")


@dataclass(frozen=True, slots=True)
class Combined:
    """The merged config spec and the configs applied, in order (status.appliedConfigs)."""

    spec: dict[str, Any]
    applied: tuple[tuple[str, str], ...]  # (name, source: Preset | UserRef)


def combine(
    llmsvc: dict[str, Any],
    index: ConfigIndex,
    gcfg: GlobalConfig,
) -> Combined:
    """Port of `combineBaseRefsConfig`; `llmsvc` gets its model name from the base refs."""
    meta = llmsvc["metadata"]
    name, namespace = str(meta["name"]), str(meta.get("namespace") or "")
    spec = llmsvc["spec"]
    resolved = copy.deepcopy(spec)
    for i, ref in enumerate(spec.get("baseRefs") or []):
        cfg = _base_ref(index, namespace, str(ref.get("name", "")), i)
        resolved = _merge(resolved, cfg.get("spec") or {})
    resolved_name = (resolved.get("model") or {}).get("name")
    if resolved_name is not None:
        spec.setdefault("model", {})["name"] = resolved_name
    wellknown = well_known_refs(resolved)
    user_refs = [str(r.get("name", "")) for r in spec.get("baseRefs") or []]
    specs: list[dict[str, Any]] = []
    applied: list[tuple[str, str]] = []
    for i, ref_name in enumerate([*wellknown, *user_refs]):
        cfg = (
            index.get(namespace, ref_name)
            if i < len(wellknown)
            else _base_ref(index, namespace, ref_name, i - len(wellknown))
        )
        specs.append(cfg.get("spec") or {})
        applied.append((ref_name, "Preset" if i < len(wellknown) else "UserRef"))
    merged = merge_all([*specs, spec])
    router = merged.get("router")
    scheduler = router.get("scheduler") if isinstance(router, dict) else None
    if isinstance(scheduler, dict):
        pool_spec = (scheduler.get("pool") or {}).get("spec")
        if isinstance(pool_spec, dict) and not (pool_spec.get("selector") or {}).get("matchLabels"):
            pool_spec.setdefault("selector", {})["matchLabels"] = workload_label_selector(name)
        template = scheduler.get("template")
        if isinstance(template, dict) and not template.get("serviceAccountName"):
            template["serviceAccountName"] = child_name(name, "-epp-sa")
    merged = replace_variables(llmsvc, {"metadata": copy.deepcopy(meta), "spec": merged}, gcfg)
    _rewrite_route(merged, llmsvc, index)
    return Combined(merged, tuple(applied))


def _base_ref(index: ConfigIndex, namespace: str, name: str, position: int) -> dict[str, Any]:
    try:
        return index.get(namespace, name)
    except CombineError as err:
        raise CombineError(str(err), f"spec.baseRefs[{position}].name") from err


def merge_all(specs: list[dict[str, Any]]) -> dict[str, Any]:
    """Port of `MergeSpecs`: each spec patched onto the result of the ones before it."""
    if not specs:
        return {}
    out = copy.deepcopy(specs[0])
    for spec in specs[1:]:
        out = _merge(out, spec)
    return go_quantities(out)


def go_quantities(spec: dict[str, Any]) -> dict[str, Any]:
    """The spec's resource quantities as Go's `resource.Quantity` marshals them (`cpu: 6` in
    a preset is the string "6" after MergeSpecs' JSON round trip)."""
    pods = [spec.get("template"), spec.get("worker")]
    prefill = spec.get("prefill")
    if isinstance(prefill, dict):
        pods += [prefill.get("template"), prefill.get("worker")]
    scheduler = (spec.get("router") or {}).get("scheduler")
    if isinstance(scheduler, dict):
        pods.append(scheduler.get("template"))
    for pod in pods:
        if not isinstance(pod, dict):
            continue
        lists = [pod.get(k) or [] for k in ("containers", "initContainers", "ephemeralContainers")]
        resources = [c.get("resources") for group in lists for c in group if isinstance(c, dict)]
        resources.append(pod.get("resources"))
        for res in resources:
            if isinstance(res, dict):
                _quantities(res.get("limits"))
                _quantities(res.get("requests"))
        _quantities(pod.get("overhead"))
        for volume in pod.get("volumes") or []:
            empty = volume.get("emptyDir") if isinstance(volume, dict) else None
            if isinstance(empty, dict) and "sizeLimit" in empty:
                empty["sizeLimit"] = marshal_quantity(empty["sizeLimit"])
    return spec


def _quantities(values: Any) -> None:
    if isinstance(values, dict):
        for name, value in values.items():
            values[name] = marshal_quantity(value)


def _merge(base: dict[str, Any], override: Mapping[str, Any]) -> dict[str, Any]:
    try:
        return strategic.merge_specs(base, override)
    except strategic.MergeError as err:
        raise CombineError(f"failed to merge specs: {err}") from err


def _rewrite_route(merged: dict[str, Any], llmsvc: Mapping[str, Any], index: ConfigIndex) -> None:
    """The fix-ups after ReplaceVariables: gateway refs as parentRefs, the default backend
    re-pointed at the workload Service (no scheduler) or a referenced pool, the scheduler
    ConfigMap inlined, the EPP port defaulted."""
    name = str(llmsvc["metadata"]["name"])
    namespace = str(llmsvc["metadata"].get("namespace") or "")
    router = merged.get("router")
    if not isinstance(router, dict):
        return
    route = router.get("route")
    http_spec = ((route or {}).get("http") or {}).get("spec") if isinstance(route, dict) else None
    scheduler = router.get("scheduler")
    gateway_refs = (router.get("gateway") or {}).get("refs") or []
    if isinstance(http_spec, dict) and gateway_refs:
        http_spec["parentRefs"] = to_parent_refs(gateway_refs)
    if isinstance(http_spec, dict):
        default_pool = child_name(name, "-inference-pool")
        for rule in http_spec.get("rules") or []:
            for ref in rule.get("backendRefs") or []:
                if ref.get("kind") != "InferencePool" or ref.get("name") != default_pool:
                    continue
                if scheduler is None:
                    ref["group"] = ""
                    ref["kind"] = "Service"
                    ref["name"] = workload_service_name(name)
                elif isinstance(scheduler, dict) and _pool_has_ref(scheduler):
                    ref["name"] = scheduler["pool"]["ref"]["name"]
    if not isinstance(scheduler, dict):
        return
    config = scheduler.get("config")
    if isinstance(config, dict) and isinstance(config.get("ref"), dict):
        _inline_scheduler_config(config, namespace, index)
    pool_spec = (scheduler.get("pool") or {}).get("spec")
    if isinstance(pool_spec, dict):
        epp = pool_spec.setdefault("endpointPickerRef", {})
        port = epp.get("port")
        if (not isinstance(port, dict) or not port.get("number")) and epp.get("kind", "") in (
            "Service",
            "",
        ):
            epp["port"] = {"number": 9002}


def _inline_scheduler_config(config: dict[str, Any], namespace: str, index: ConfigIndex) -> None:
    ref = config["ref"]
    cm_name = str(ref.get("name", ""))
    cm = index.config_maps.get((namespace, cm_name))
    if cm is None and cm_name.startswith("config-scheduler-"):
        cm = index.config_maps.get((constants.KSERVE_NAMESPACE, cm_name))
        if cm is None:
            raise CombineError(
                f'failed to get scheduler config "{cm_name}" from namespaces '
                f'["{namespace}", "{constants.KSERVE_NAMESPACE}"]: not in the input set',
                "spec.router.scheduler.config.ref",
            )
    if cm is None:
        raise CombineError(
            f"failed to get ConfigMap {namespace}/{cm_name}: not in the input set",
            "spec.router.scheduler.config.ref",
        )
    key = str(ref.get("key") or "epp")
    data = cm.get("data") or {}
    if key not in data:
        raise CombineError(
            f"ConfigMap {cm['metadata'].get('namespace', namespace)}/{cm_name} "
            f'doesn\'t have key "{key}" in data',
            "spec.router.scheduler.config.ref",
        )
    config["inline"] = RawText(str(data[key]))
    del config["ref"]


class RawText(str):
    """A RawExtension holding text that is not a JSON object (a ConfigMap's YAML)."""


def to_parent_refs(gateway_refs: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Port of `ToParentRefs`."""
    out: list[dict[str, Any]] = []
    for ref in gateway_refs:
        parent: dict[str, Any] = {
            "group": "gateway.networking.k8s.io",
            "kind": "Gateway",
            "name": ref.get("name", ""),
        }
        if ref.get("namespace"):
            parent["namespace"] = ref["namespace"]
        if ref.get("sectionName") is not None:
            parent["sectionName"] = ref["sectionName"]
        out.append(parent)
    return out


# Go field names whose JSON name is not the name with a lower-case first letter.
_JSON_NAMES: Final = {
    "ObjectMeta": "metadata",
    "KVCacheOffloading": "kvCacheOffloading",
    "URI": "uri",
    "LoRA": "lora",
    "HTTP": "http",
    "WVA": "wva",
    "HPA": "hpa",
    "KEDA": "keda",
    "CPU": "cpu",
    "PVC": "pvc",
}
_PROMOTED: Final = {"Name", "Namespace", "Labels", "Annotations", "UID", "GenerateName"}
# map[string]string fields: a missing key is a map key (missingkey=error), not a nil pointer.
_MAPS: Final = {"Labels", "Annotations"}
# The anonymous struct ReplaceVariables executes over, as Go's reflect names its type.
_ROOT_TYPE: Final = (
    "struct { *v1alpha2.LLMInferenceService; GlobalConfig llmisvc.templateGlobalConfig }"
)


def _go_value(value: Any, name: str) -> Any:
    """A field's JSON value as the template sees it: objects become their Go struct."""
    if isinstance(value, dict) and name not in _MAPS:
        return _JSONStruct(value, f"*{name}")
    return value


class _JSONStruct(gotemplate.GoStruct):
    """An object's JSON, seen through its Go field names (a field absent from it is nil)."""

    def __init__(self, value: Mapping[str, Any], go_type: str) -> None:
        self.value = value
        self.go_type = go_type

    def go_field(self, name: str) -> Any:
        key = _JSON_NAMES.get(name, name[:1].lower() + name[1:])
        if key in self.value:
            return _go_value(self.value[key], name)
        return None if name in _MAPS else gotemplate.GoNil(f"*{name}")


class _GoFields(gotemplate.GoStruct):
    """A Go struct built here, its fields given by Go name."""

    def __init__(self, go_type: str, **fields: Any) -> None:
        self.go_type = go_type
        self.fields = fields

    def go_field(self, name: str) -> Any:
        if name in self.fields:
            return self.fields[name]
        raise LookupError(name)


class _TemplateRoot(_GoFields):
    """The service with GlobalConfig; ObjectMeta's fields are promoted, as Go embeds it."""

    def go_field(self, name: str) -> Any:
        if name not in self.fields and name in _PROMOTED:
            return self.fields["ObjectMeta"].go_field(name)
        return super().go_field(name)


def _shutdown_timeout(spec: Any, pre_stop: int) -> int:
    """The preset function `shutdownTimeout`: max(0, tgps - preStop - min(5, tgps))."""
    tgps = 60
    pod = spec.value if isinstance(spec, _JSONStruct) else {}
    if pod.get("terminationGracePeriodSeconds") is not None:
        tgps = int(pod["terminationGracePeriodSeconds"])
    return max(0, tgps - pre_stop - min(5, tgps))


def _kv_transfer_config(spec: Any) -> str:
    """The preset function `kvTransferConfig` (kv_cache.transfer_config)."""
    if not isinstance(spec, _JSONStruct):  # nil, or not a *KVCacheOffloadingSpec
        return ""
    from generator.llmisvc.kv_cache import transfer_config

    return transfer_config(spec.value)


FUNCS: Final[dict[str, Callable[..., Any]]] = {
    "ChildName": child_name,
    "shutdownTimeout": _shutdown_timeout,
    "kvTransferConfig": _kv_transfer_config,
}


def template_data(
    llmsvc: Mapping[str, Any], merged_spec: Mapping[str, Any], gcfg: GlobalConfig
) -> gotemplate.GoStruct:
    """The struct ReplaceVariables executes the config over: the service and GlobalConfig."""
    meta = llmsvc.get("metadata") or {}
    router = merged_spec.get("router")
    scheduler = router.get("scheduler") if isinstance(router, dict) else None
    pool = inference_pool_name(scheduler, str(meta.get("name") or ""))
    namespace = str(meta.get("namespace") or "")
    return _TemplateRoot(
        _ROOT_TYPE,
        ObjectMeta=_JSONStruct(meta, "v1.ObjectMeta"),
        Spec=_JSONStruct(llmsvc.get("spec") or {}, "v1alpha2.LLMInferenceServiceSpec"),
        Status=_JSONStruct(llmsvc.get("status") or {}, "v1alpha2.LLMInferenceServiceStatus"),
        TypeMeta=_JSONStruct({}, "v1.TypeMeta"),
        GlobalConfig=_GoFields(
            "llmisvc.templateGlobalConfig",
            SystemNamespace=constants.KSERVE_NAMESPACE,
            IngressGatewayName=gcfg.ingress_gateway_name,
            IngressGatewayNamespace=gcfg.ingress_gateway_namespace,
            EnableTLS=gcfg.enable_tls,
            ModelBasedRoutingHeaderName=gcfg.model_based_routing_header_name,
            InferencePoolNamespacedName=f"{namespace}/{pool}" if namespace else pool,
        ),
    )


def replace_variables(
    llmsvc: Mapping[str, Any], config: Mapping[str, Any], gcfg: GlobalConfig
) -> dict[str, Any]:
    """Port of `ReplaceVariables`: the config's JSON text through text/template, parsed back."""
    text = go_json(config)
    data = template_data(llmsvc, config.get("spec") or {}, gcfg)
    try:
        # The text is the whole merged config, as long as the input makes it: the bound for
        # hand-written templates (--max-go-template-chars) is not for it.
        out = gotemplate.render(
            text, data, name="config", funcs=FUNCS, missingkey="error", max_chars=len(text)
        )
    except gotemplate.GoTemplateError as err:
        raise CombineError(f"failed to merge config: {err}") from err
    try:
        parsed = json.loads(out)
    except json.JSONDecodeError as err:
        raise CombineError(f"failed to unmarshal config from template: {err}") from err
    return dict(parsed.get("spec") or {})


def go_json(value: Any) -> str:
    """JSON text as encoding/json writes it (HTML-safe escapes; key order is irrelevant here)."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


__all__ = [
    "CombineError",
    "Combined",
    "ConfigIndex",
    "GlobalConfig",
    "child_name",
    "combine",
    "merge_all",
    "replace_variables",
]
