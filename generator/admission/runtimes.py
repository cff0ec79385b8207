"""ServingRuntime selection for an InferenceService's `predictor.model`, as KServe v0.20.0 does it.

Ports `pkg/apis/serving/v1beta1/predictor_model.go` (`GetProtocol`, `GetSupportingRuntimes`,
`RuntimeSupportsModel`, the model-format label sets, `sortServingRuntimeList`,
`sortClusterServingRuntimeList`, `sortSupportedRuntimeByPriority`, `GetProtocolVersionPriority`),
the `ServingRuntimeSpec` helpers of `pkg/apis/serving/v1alpha1/servingruntime_types.go`,
`controller/v1beta1/inferenceservice/utils/utils.go: GetServingRuntime` and the selection and
error logic of `components/predictor.go: (*Predictor).reconcileModel`. The cluster's runtime
lists become a `RuntimeIndex` of the ServingRuntime / ClusterServingRuntime dicts from git.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from generator import constants as c
from generator.errors import InternalError, Invalid

_ZERO_TIME = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True, slots=True)
class RuntimeIndex:
    """The runtimes KServe would list: ServingRuntimes by namespace, and ClusterServingRuntimes."""

    namespaced: Mapping[str, Sequence[Mapping[str, Any]]]
    cluster: Sequence[Mapping[str, Any]]


# --- ServingRuntimeSpec helpers (servingruntime_types.go) ------------------------------------


def is_disabled(spec: Mapping[str, Any]) -> bool:
    """Port of `ServingRuntimeSpec.IsDisabled`."""
    return spec.get("disabled") is True


def is_multi_model_runtime(spec: Mapping[str, Any]) -> bool:
    """Port of `ServingRuntimeSpec.IsMultiModelRuntime`."""
    return spec.get("multiModel") is True


def is_multi_node_runtime(spec: Mapping[str, Any]) -> bool:
    """Port of `ServingRuntimeSpec.IsMultiNodeRuntime`: a workerSpec is set."""
    return spec.get("workerSpec") is not None


def is_protocol_version_supported(spec: Mapping[str, Any], protocol: str) -> bool:
    """Port of `IsProtocolVersionSupported`: an empty protocol or list accepts everything."""
    versions = spec.get("protocolVersions") or []
    return not protocol or not versions or protocol in versions


def get_priority(spec: Mapping[str, Any], model_format_name: str) -> int | None:
    """Port of `ServingRuntimeSpec.GetPriority`: of the first format entry with that name."""
    for entry in spec.get("supportedModelFormats") or []:
        if entry.get("name") == model_format_name:
            priority = entry.get("priority")
            return int(priority) if priority is not None else None
    return None


def get_protocol_version_priority(protocols: Sequence[str] | None) -> int:
    """Port of `GetProtocolVersionPriority`: the best (lowest) rank, Unknown when empty."""
    ranks = [
        c.PROTOCOL_VERSION_RANK.get(p, c.PROTOCOL_VERSION_UNKNOWN_RANK) for p in protocols or []
    ]
    return min(ranks, default=c.PROTOCOL_VERSION_UNKNOWN_RANK)


def get_protocol_version_string(rank: int) -> str:
    """Port of `GetProtocolVersionString`: "" (ProtocolUnknown) for Unknown."""
    return next((name for name, r in c.PROTOCOL_VERSION_RANK.items() if r == rank), "")


# --- ModelSpec (predictor_model.go) -----------------------------------------------------------


def get_protocol(model: Mapping[str, Any]) -> str:
    """Port of `ModelSpec.GetProtocol`: `protocolVersion`, default v1."""
    protocol = model.get("protocolVersion")
    return c.PROTOCOL_V1 if protocol is None else str(protocol)


def _model_format_label(model: Mapping[str, Any]) -> str:
    fmt = model.get("modelFormat") or {}
    if fmt.get("version") is not None:
        return f"mt:{fmt.get('name', '')}:{fmt['version']}"
    return f"mt:{fmt.get('name', '')}"


def _supported_model_format_labels(model: Mapping[str, Any], spec: Mapping[str, Any]) -> set[str]:
    labels: set[str] = set()
    for entry in spec.get("supportedModelFormats") or []:
        # Without an explicit runtime only autoSelect formats count.
        if model.get("runtime") is not None or entry.get("autoSelect") is True:
            labels.add(f"mt:{entry.get('name', '')}")
            if entry.get("version") is not None:
                labels.add(f"mt:{entry.get('name', '')}:{entry['version']}")
    return labels


def runtime_supports_model(model: Mapping[str, Any], spec: Mapping[str, Any]) -> bool:
    """Port of `RuntimeSupportsModel`: the model's format label is in the runtime's set."""
    return _model_format_label(model) in _supported_model_format_labels(model, spec)


def _creation_time(runtime: Mapping[str, Any]) -> datetime:
    # GitOps: runtimes read from git have no creationTimestamp, which Go also reads as the
    # zero time; so runtimes of equal protocol rank order by name, as the API server's
    # creation order cannot be known. An unparsable timestamp counts as the zero time too.
    stamp = (runtime.get("metadata") or {}).get("creationTimestamp")
    try:
        parsed = datetime.fromisoformat(str(stamp)) if stamp else _ZERO_TIME
    except ValueError:
        return _ZERO_TIME
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _name(runtime: Mapping[str, Any]) -> str:
    return str((runtime.get("metadata") or {}).get("name", ""))


def _compare_runtimes(a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
    """The less function of `sortServingRuntimeList` as a comparison."""
    rank_a = get_protocol_version_priority((a.get("spec") or {}).get("protocolVersions"))
    rank_b = get_protocol_version_priority((b.get("spec") or {}).get("protocolVersions"))
    if rank_a != rank_b:
        return -1 if rank_a < rank_b else 1
    time_a, time_b = _creation_time(a), _creation_time(b)
    if time_a != time_b:
        return -1 if time_a > time_b else 1  # newer first
    return (_name(a) > _name(b)) - (_name(a) < _name(b))


def sort_serving_runtime_list(runtimes: Sequence[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Port of `sortServingRuntimeList` / `sortClusterServingRuntimeList`: protocol rank,
    newest creationTimestamp, name."""
    return sorted(runtimes, key=functools.cmp_to_key(_compare_runtimes))


def sort_supported_runtime_by_priority(
    runtimes: Sequence[Mapping[str, Any]], model_format_name: str
) -> list[Mapping[str, Any]]:
    """Port of `sortSupportedRuntimeByPriority`: runtimes with a priority for the format first,
    highest first; the others keep their order after them."""

    # unconfirmed: Go's sort.Slice is stable only up to 12 elements (insertion sort); with more
    # candidates of equal priority Go's pdqsort may order them differently than this stable sort.
    def key(runtime: Mapping[str, Any]) -> tuple[bool, int]:
        priority = get_priority(runtime.get("spec") or {}, model_format_name)
        return (priority is None, -(priority or 0))

    return sorted(runtimes, key=key)


def get_supporting_runtimes(
    model: Mapping[str, Any],
    namespace: str,
    index: RuntimeIndex,
    is_mms: bool = False,
    is_multinode: bool = False,
) -> list[tuple[str, Mapping[str, Any], bool]]:
    """Port of `GetSupportingRuntimes`: (name, spec, is_cluster) of the runtimes that can serve
    `model`, namespace runtimes first, each list sorted as KServe sorts it."""
    protocol = get_protocol(model)
    format_name = str((model.get("modelFormat") or {}).get("name", ""))

    def supports(runtime: Mapping[str, Any]) -> bool:
        spec = runtime.get("spec") or {}
        return (
            not is_disabled(spec)
            and is_multi_model_runtime(spec) == is_mms
            and runtime_supports_model(model, spec)
            and is_protocol_version_supported(spec, protocol)
            and is_multi_node_runtime(spec) == is_multinode
        )

    out: list[tuple[str, Mapping[str, Any], bool]] = []
    for runtimes, is_cluster in (
        (index.namespaced.get(namespace, ()), False),
        (index.cluster, True),
    ):
        candidates = [r for r in sort_serving_runtime_list(runtimes) if supports(r)]
        out.extend(
            (_name(runtime), runtime.get("spec") or {}, is_cluster)
            for runtime in sort_supported_runtime_by_priority(candidates, format_name)
        )
    return out


# --- GetServingRuntime (utils.go) and reconcileModel (components/predictor.go) ----------------


def get_serving_runtime(
    index: RuntimeIndex, name: str, namespace: str
) -> tuple[Mapping[str, Any], bool] | Invalid:
    """Port of `GetServingRuntime`: the runtime object (namespace first) and is-cluster."""
    for runtime in index.namespaced.get(namespace, ()):
        if _name(runtime) == name:
            return runtime, False
    for runtime in index.cluster:
        if _name(runtime) == name:
            return runtime, True
    return Invalid(
        "spec.predictor.model.runtime",
        f"No ServingRuntimes or ClusterServingRuntimes with the name: {name}",
    )


def _format_repr(model: Mapping[str, Any]) -> str:
    # GitOps: Go formats the ModelFormat struct with %v, which prints the address of the
    # version pointer; the version's value is printed instead so messages are reproducible.
    fmt = model.get("modelFormat") or {}
    version = fmt.get("version")
    return f"{{{fmt.get('name', '')} {'<nil>' if version is None else version}}}"


def resolve_runtime(
    isvc: Mapping[str, Any], index: RuntimeIndex
) -> tuple[str, Mapping[str, Any], bool] | Invalid:
    """The runtime `reconcileModel` picks for `spec.predictor.model`: (name, spec, is_cluster),
    or the error KServe reports. The caller then sets `model.runtime`, applies
    `SetRuntimeDefaults` and the protocol default (`default_protocol_version`)."""
    predictor = (isvc.get("spec") or {}).get("predictor") or {}
    model = predictor.get("model")
    if model is None:
        raise InternalError("resolve_runtime called for a predictor without model")
    namespace = str((isvc.get("metadata") or {}).get("namespace") or "")
    name = model.get("runtime")
    if name is None:
        is_multinode = predictor.get("workerSpec") is not None
        found = get_supporting_runtimes(model, namespace, index, False, is_multinode)
        if not found:
            return Invalid(
                "spec.predictor.model.modelFormat",
                f"no runtime found to support predictor with model type: {_format_repr(model)}",
            )
        selected, spec, _ = found[0]
        # Like KServe, whether it is a ClusterServingRuntime comes from a lookup by name that
        # tries the namespace first, even when the selected runtime was the cluster one.
        looked_up = get_serving_runtime(index, selected, namespace)
        return selected, spec, not isinstance(looked_up, Invalid) and looked_up[1]
    looked_up = get_serving_runtime(index, str(name), namespace)
    if isinstance(looked_up, Invalid):
        return looked_up
    runtime, is_cluster = looked_up
    spec = runtime.get("spec") or {}
    if is_disabled(spec):
        return Invalid("spec.predictor.model.runtime", f"specified runtime {name} is disabled")
    protocol = model.get("protocolVersion")
    if protocol is not None and not is_protocol_version_supported(spec, str(protocol)):
        return Invalid(
            "spec.predictor.model.protocolVersion",
            f"specified runtime {name} does not support specified protocol version",
        )
    if not runtime_supports_model(model, spec):
        return Invalid(
            "spec.predictor.model.modelFormat",
            f"specified runtime {name} does not support specified framework/version",
        )
    return str(name), spec, is_cluster


def runtime_annotations(index: RuntimeIndex, name: str, namespace: str) -> Mapping[str, str]:
    """The `metadata.annotations` `GetServingRuntime` returns with the spec ({} when absent)."""
    looked_up = get_serving_runtime(index, name, namespace)
    if isinstance(looked_up, Invalid):
        return {}
    return (looked_up[0].get("metadata") or {}).get("annotations") or {}


def default_protocol_version(spec: Mapping[str, Any]) -> str:
    """The protocolVersion `reconcileModel` assigns when the isvc has none: the runtime's best
    protocol (`GetProtocolVersionString(GetProtocolVersionPriority(...))`), "" when unknown."""
    return get_protocol_version_string(get_protocol_version_priority(spec.get("protocolVersions")))
