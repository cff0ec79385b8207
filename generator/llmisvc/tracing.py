"""OpenTelemetry tracing of the inference server and the scheduler (`tracing.go`).

`spec.tracing` selects the `kserve-config-llm-tracing` preset (config_merge.py), whose merge
fills the fields these functions read; a field still unset is an empty value, as in KServe.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

SCHEDULER_SERVICE_NAME: Final = "inference-scheduler"
SERVER_SERVICE_NAME: Final = "inference-server"


def otel_resource_attribute_env_vars(namespace: str, name: str) -> list[dict[str, Any]]:
    """Port of `otelResourceAttributeEnvVars` (`tracing.go`): node and pod from the downward
    API."""
    return [
        {
            "name": "OTEL_RESOURCE_ATTRIBUTES_NODE_NAME",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "spec.nodeName"}},
        },
        {
            "name": "OTEL_RESOURCE_ATTRIBUTES_POD_NAME",
            "valueFrom": {"fieldRef": {"apiVersion": "v1", "fieldPath": "metadata.name"}},
        },
        {
            "name": "OTEL_RESOURCE_ATTRIBUTES",
            "value": f"k8s.namespace.name={namespace}"
            ",k8s.node.name=$(OTEL_RESOURCE_ATTRIBUTES_NODE_NAME)"
            ",k8s.pod.name=$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME)"
            f",llmisvc.name={name}",
        },
    ]


def _env(name: str, value: str) -> dict[str, Any]:
    # Go's EnvVar.Value is omitempty: an unset tracing field gives a bare name
    return {"name": name, "value": value} if value else {"name": name}


def _field(spec: Mapping[str, Any], key: str) -> str:
    value = spec.get(key)
    return "" if value is None else str(value)


def merge_env_vars(dst: list[dict[str, Any]], src: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Port of `mergeEnvVars` (`tracing.go`): `src` appended, skipping names `dst` already has
    (the user's own variables win)."""
    have = {e.get("name") for e in dst}
    return dst + [e for e in src if e.get("name") not in have]


def has_arg(args: list[str], flag: str) -> bool:
    """Port of `hasArg` (`tracing.go`): `flag` alone or as `flag=value`."""
    return any(a == flag or a.startswith(flag + "=") for a in args)


def _tracing_env(
    spec: Mapping[str, Any], service: str, endpoint: str, namespace: str, name: str
) -> list[dict[str, Any]]:
    return [
        _env("OTEL_SERVICE_NAME", service),
        _env("OTEL_EXPORTER_OTLP_ENDPOINT", endpoint),
        _env("OTEL_TRACES_EXPORTER", _field(spec, "exporter")),
        _env("OTEL_TRACES_SAMPLER", _field(spec, "sampler")),
        _env("OTEL_TRACES_SAMPLER_ARG", _field(spec, "samplerArg")),
        *otel_resource_attribute_env_vars(namespace, name),
    ]


def inject_scheduler_tracing(
    tracing: Mapping[str, Any] | None, namespace: str, name: str, container: dict[str, Any]
) -> bool:
    """Port of `injectSchedulerTracing` (`tracing.go`) into the EPP's `main` container."""
    if tracing is None:
        return False
    args = list(container.get("args") or [])
    if not has_arg(args, "--tracing") and not has_arg(args, "-tracing"):
        args.append("--tracing=true")
    container["args"] = args
    env = _tracing_env(
        tracing,
        SCHEDULER_SERVICE_NAME,
        _field(tracing, "exporterEndpoint"),
        namespace,
        name,
    )
    container["env"] = merge_env_vars(list(container.get("env") or []), env)
    return True


def inject_server_tracing(
    tracing: Mapping[str, Any] | None,
    namespace: str,
    name: str,
    role_suffix: str,
    container: dict[str, Any],
) -> bool:
    """Port of `injectServerTracing` (`tracing.go`) (vLLM's flags); `role_suffix` is `-decode` or
    `-prefill`. Nothing without an exporter endpoint."""
    if tracing is None:
        return False
    endpoint = _field(tracing, "exporterEndpoint")
    if not endpoint:
        return False
    args = list(container.get("args") or [])
    if not has_arg(args, "--otlp-traces-endpoint"):
        args += ["--otlp-traces-endpoint", endpoint]
    if not has_arg(args, "--collect-detailed-traces"):
        args += ["--collect-detailed-traces", "all"]
    container["args"] = args
    env = _tracing_env(tracing, SERVER_SERVICE_NAME + role_suffix, endpoint, namespace, name)
    container["env"] = merge_env_vars(list(container.get("env") or []), env)
    return True


def inject_server_tracing_into_pod_spec(
    tracing: Mapping[str, Any] | None,
    namespace: str,
    name: str,
    role_suffix: str,
    pod_spec: Mapping[str, Any],
) -> bool:
    """Port of `injectServerTracingIntoPodSpec` (`tracing.go`): the first `main` container."""
    for container in pod_spec.get("containers") or []:
        if isinstance(container, dict) and container.get("name") == "main":
            return inject_server_tracing(tracing, namespace, name, role_suffix, container)
    return False


def trace_workload(llmsvc: Mapping[str, Any], workload: dict[str, Any], role_suffix: str) -> None:
    """The server tracing of a rendered Deployment's pod (`workload_single_node.go`, after the
    labels and annotations are propagated)."""
    spec = llmsvc["spec"]
    if spec.get("tracing") is None:
        return
    meta = llmsvc["metadata"]
    pod_spec = workload["spec"]["template"]["spec"]
    inject_server_tracing_into_pod_spec(
        spec["tracing"],
        str(meta.get("namespace") or ""),
        str(meta["name"]),
        role_suffix,
        pod_spec,
    )


def trace_lws(llmsvc: Mapping[str, Any], lws: dict[str, Any], role_suffix: str) -> None:
    """The server tracing of a rendered LeaderWorkerSet's leader (when it has one) and worker
    pods (`workload_multi_node.go`, after the metadata is propagated)."""
    spec = llmsvc["spec"]
    if spec.get("tracing") is None:
        return
    meta = llmsvc["metadata"]
    lwt = lws["spec"]["leaderWorkerTemplate"]
    for template in (lwt.get("leaderTemplate"), lwt["workerTemplate"]):
        if isinstance(template, dict) and isinstance(template.get("spec"), dict):
            inject_server_tracing_into_pod_spec(
                spec["tracing"],
                str(meta.get("namespace") or ""),
                str(meta["name"]),
                role_suffix,
                template["spec"],
            )


def trace_scheduler(llmsvc: Mapping[str, Any], deployment: dict[str, Any]) -> None:
    """The EPP tracing of `scheduler.go: expectedSchedulerDeployment` (its `main` container,
    after the config arguments)."""
    spec = llmsvc["spec"]
    if spec.get("tracing") is None:
        return
    meta = llmsvc["metadata"]
    containers = deployment["spec"]["template"]["spec"].get("containers") or []
    main = next((c for c in containers if isinstance(c, dict) and c.get("name") == "main"), None)
    if main is not None:
        inject_scheduler_tracing(
            spec["tracing"], str(meta.get("namespace") or ""), str(meta["name"]), main
        )


__all__ = [
    "has_arg",
    "inject_scheduler_tracing",
    "inject_server_tracing",
    "inject_server_tracing_into_pod_spec",
    "merge_env_vars",
    "otel_resource_attribute_env_vars",
    "trace_lws",
    "trace_scheduler",
    "trace_workload",
]
