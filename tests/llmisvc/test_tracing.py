"""tracing.py, ported from KServe v0.20.0's `pkg/controller/v1alpha2/llmisvc/tracing_test.go`
(each test names the Go test it ports)."""

from __future__ import annotations

from typing import Any

import pytest

from generator.llmisvc.tracing import (
    SCHEDULER_SERVICE_NAME,
    SERVER_SERVICE_NAME,
    has_arg,
    inject_scheduler_tracing,
    inject_server_tracing,
    inject_server_tracing_into_pod_spec,
    merge_env_vars,
    otel_resource_attribute_env_vars,
)


def env_map(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env") or []}


def test_inject_scheduler_tracing_nil_spec() -> None:
    # TestInjectSchedulerTracing_NilSpec
    container: dict[str, Any] = {"name": "main"}
    assert inject_scheduler_tracing(None, "ns", "my-svc", container) is False
    assert container == {"name": "main"}


def test_inject_scheduler_tracing_empty_spec() -> None:
    # TestInjectSchedulerTracing_EmptySpec
    container: dict[str, Any] = {"name": "main"}
    assert inject_scheduler_tracing({}, "test-ns", "my-svc", container) is True
    assert "--tracing=true" in container["args"]
    env = env_map(container)
    assert env["OTEL_SERVICE_NAME"] == SCHEDULER_SERVICE_NAME
    for key in (
        "OTEL_EXPORTER_OTLP_ENDPOINT",
        "OTEL_TRACES_EXPORTER",
        "OTEL_TRACES_SAMPLER",
        "OTEL_TRACES_SAMPLER_ARG",
    ):
        assert env[key] == ""
    assert "k8s.namespace.name=test-ns" in env["OTEL_RESOURCE_ATTRIBUTES"]
    assert "llmisvc.name=my-svc" in env["OTEL_RESOURCE_ATTRIBUTES"]
    # Go's EnvVar.Value is omitempty: the empty ones carry no value key
    assert {"name": "OTEL_TRACES_EXPORTER"} in container["env"]


def test_inject_scheduler_tracing_custom_fields() -> None:
    # TestInjectSchedulerTracing_CustomFields
    container: dict[str, Any] = {"name": "main"}
    spec = {
        "exporterEndpoint": "http://collector:4317",
        "sampler": "parentbased_traceidratio",
        "samplerArg": "0.1",
        "exporter": "otlp",
    }
    inject_scheduler_tracing(spec, "prod-ns", "llm-prod", container)
    env = env_map(container)
    assert env["OTEL_SERVICE_NAME"] == SCHEDULER_SERVICE_NAME
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://collector:4317"
    assert env["OTEL_TRACES_SAMPLER"] == "parentbased_traceidratio"
    assert env["OTEL_TRACES_SAMPLER_ARG"] == "0.1"
    assert env["OTEL_TRACES_EXPORTER"] == "otlp"


@pytest.mark.parametrize("given", ["--tracing=true", "-tracing", "--tracing"])
def test_inject_scheduler_tracing_does_not_duplicate_tracing_arg(given: str) -> None:
    # TestInjectSchedulerTracing_DoesNotDuplicateTracingArg (and the single-dash form)
    container: dict[str, Any] = {"name": "main", "args": [given]}
    inject_scheduler_tracing({}, "ns", "svc", container)
    assert container["args"] == [given]


def test_inject_scheduler_tracing_preserves_existing_env() -> None:
    # TestInjectSchedulerTracing_PreservesExistingEnv
    container: dict[str, Any] = {
        "name": "main",
        "env": [{"name": "OTEL_SERVICE_NAME", "value": "user-override"}],
    }
    inject_scheduler_tracing({}, "ns", "svc", container)
    assert env_map(container)["OTEL_SERVICE_NAME"] == "user-override"
    assert container["env"][0] == {"name": "OTEL_SERVICE_NAME", "value": "user-override"}


def test_inject_server_tracing_nil_spec() -> None:
    # TestInjectServerTracing_NilSpec
    container: dict[str, Any] = {"name": "main"}
    assert inject_server_tracing(None, "ns", "svc", "-decode", container) is False
    assert container == {"name": "main"}


def test_inject_server_tracing_empty_spec_no_endpoint_skips() -> None:
    # TestInjectServerTracing_EmptySpec_NoEndpoint_Skips
    container: dict[str, Any] = {"name": "main"}
    assert inject_server_tracing({}, "test-ns", "my-llm", "-decode", container) is False
    assert container == {"name": "main"}


def test_inject_server_tracing_with_endpoint_decode() -> None:
    # TestInjectServerTracing_WithEndpoint_Decode
    container: dict[str, Any] = {"name": "main"}
    spec = {"exporterEndpoint": "http://collector:4317"}
    assert inject_server_tracing(spec, "test-ns", "my-llm", "-decode", container) is True
    assert container["args"] == [
        "--otlp-traces-endpoint",
        "http://collector:4317",
        "--collect-detailed-traces",
        "all",
    ]
    env = env_map(container)
    assert env["OTEL_SERVICE_NAME"] == SERVER_SERVICE_NAME + "-decode"
    assert "llmisvc.name=my-llm" in env["OTEL_RESOURCE_ATTRIBUTES"]


def test_inject_server_tracing_with_endpoint_prefill() -> None:
    # TestInjectServerTracing_WithEndpoint_Prefill
    container: dict[str, Any] = {"name": "main"}
    inject_server_tracing(
        {"exporterEndpoint": "http://collector:4317"}, "test-ns", "my-llm", "-prefill", container
    )
    assert env_map(container)["OTEL_SERVICE_NAME"] == "inference-server-prefill"


def test_inject_server_tracing_custom_endpoint() -> None:
    # TestInjectServerTracing_CustomEndpoint
    container: dict[str, Any] = {"name": "main"}
    spec = {
        "exporterEndpoint": "http://my-collector:4317",
        "sampler": "always_on",
        "samplerArg": "1.0",
        "exporter": "otlp",
    }
    inject_server_tracing(spec, "prod", "llm-prod", "-decode", container)
    assert container["args"][:2] == ["--otlp-traces-endpoint", "http://my-collector:4317"]
    env = env_map(container)
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://my-collector:4317"
    assert env["OTEL_TRACES_SAMPLER"] == "always_on"
    assert env["OTEL_TRACES_SAMPLER_ARG"] == "1.0"
    assert env["OTEL_TRACES_EXPORTER"] == "otlp"
    assert env["OTEL_SERVICE_NAME"] == "inference-server-decode"


def test_inject_server_tracing_does_not_duplicate_args() -> None:
    # TestInjectServerTracing_DoesNotDuplicateArgs
    given = ["--otlp-traces-endpoint", "http://existing:4317", "--collect-detailed-traces", "model"]
    container: dict[str, Any] = {"name": "main", "args": list(given)}
    inject_server_tracing(
        {"exporterEndpoint": "http://new:4317"}, "ns", "svc", "-decode", container
    )
    assert container["args"] == given


def test_inject_server_tracing_preserves_existing_env() -> None:
    # TestInjectServerTracing_PreservesExistingEnv (the sampler alone is not enough: no
    # endpoint, no injection)
    container: dict[str, Any] = {
        "name": "main",
        "env": [{"name": "OTEL_TRACES_SAMPLER", "value": "user-sampler"}],
    }
    inject_server_tracing({"sampler": "injected-sampler"}, "ns", "svc", "-decode", container)
    assert env_map(container)["OTEL_TRACES_SAMPLER"] == "user-sampler"
    inject_server_tracing(
        {"sampler": "injected-sampler", "exporterEndpoint": "http://c:4317"},
        "ns",
        "svc",
        "-decode",
        container,
    )
    assert env_map(container)["OTEL_TRACES_SAMPLER"] == "user-sampler"
    assert env_map(container)["OTEL_EXPORTER_OTLP_ENDPOINT"] == "http://c:4317"


def test_inject_server_tracing_into_pod_spec_finds_main_container() -> None:
    # TestInjectServerTracingIntoPodSpec_FindsMainContainer
    pod: dict[str, Any] = {"containers": [{"name": "sidecar"}, {"name": "main"}]}
    spec = {"exporterEndpoint": "http://collector:4317"}
    assert inject_server_tracing_into_pod_spec(spec, "ns", "svc", "-decode", pod) is True
    assert "env" not in pod["containers"][0]
    assert env_map(pod["containers"][1])["OTEL_SERVICE_NAME"] == "inference-server-decode"


def test_inject_server_tracing_into_pod_spec_no_main_container() -> None:
    # TestInjectServerTracingIntoPodSpec_NoMainContainer
    pod: dict[str, Any] = {"containers": [{"name": "sidecar"}]}
    assert inject_server_tracing_into_pod_spec({}, "ns", "svc", "-decode", pod) is False
    assert pod == {"containers": [{"name": "sidecar"}]}


def test_otel_resource_attribute_env_vars() -> None:
    # TestOtelResourceAttributeEnvVars
    env = otel_resource_attribute_env_vars("my-namespace", "my-service")
    assert [e["name"] for e in env] == [
        "OTEL_RESOURCE_ATTRIBUTES_NODE_NAME",
        "OTEL_RESOURCE_ATTRIBUTES_POD_NAME",
        "OTEL_RESOURCE_ATTRIBUTES",
    ]
    assert env[0]["valueFrom"]["fieldRef"]["fieldPath"] == "spec.nodeName"
    assert env[1]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert env[2]["value"] == (
        "k8s.namespace.name=my-namespace,k8s.node.name=$(OTEL_RESOURCE_ATTRIBUTES_NODE_NAME),"
        "k8s.pod.name=$(OTEL_RESOURCE_ATTRIBUTES_POD_NAME),llmisvc.name=my-service"
    )


def test_merge_env_vars() -> None:
    # TestMergeEnvVars
    dst = [
        {"name": "EXISTING", "value": "keep"},
        {"name": "OTEL_SERVICE_NAME", "value": "user-value"},
    ]
    src = [
        {"name": "OTEL_SERVICE_NAME", "value": "injected-value"},
        {"name": "NEW_VAR", "value": "new"},
    ]
    assert merge_env_vars(dst, src) == [*dst, {"name": "NEW_VAR", "value": "new"}]


@pytest.mark.parametrize(
    ("args", "flag", "expect"),
    [
        (["--tracing=true"], "--tracing", True),
        (["--otlp-traces-endpoint=http://x"], "--otlp-traces-endpoint", True),
        (["--tracing"], "--tracing", True),
        (["--other"], "--tracing", False),
        ([], "--tracing", False),
        (["--tracing-extra"], "--tracing", False),
    ],
    ids=[
        "exact match",
        "flag=value form",
        "flag alone",
        "no match",
        "empty args",
        "partial prefix doesn't match",
    ],
)
def test_has_arg(args: list[str], flag: str, expect: bool) -> None:
    # TestHasArg
    assert has_arg(args, flag) is expect
