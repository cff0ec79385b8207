"""Field-level facts of KServe v0.20.0's Standard-mode tests, checked in the golden output.

Each `tests/golden/standard-*` case reproduces one KServe test (its `case.yaml` names it). The
golden `expected.yaml` files are regenerated whenever the pod webhook port grows (storage
initializer, credentials, agent sidecar), so the tests here do not compare whole objects: they
read the case's `expected.yaml`, find objects by kind and name, and compare the fields KServe's
reconcilers set and its Go tests assert (Deployment replicas/strategy/selector, Service ports,
HPA and ScaledObject specs, Ingress rules, HTTPRoute hostnames/rules/timeouts/parentRefs), plus
which objects exist at all.

Where a Go controller test reads an object back from envtest, its expectation includes what the
API server defaults (Deployment `replicas: 1`, HTTPRoute backendRef `group: ""` and `weight: 1`,
HPA behavior policies); the values here are the ones KServe sends, before that defaulting.
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping, Sequence
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT

GOLDEN = REPO_ROOT / "tests" / "golden"

GATEWAY = {
    "group": "gateway.networking.k8s.io",
    "kind": "Gateway",
    "name": "kserve-ingress-gateway",
    "namespace": "kserve",
}
FALLBACK = "^/.*$"  # constants.FallbackPrefix()
EXPLAIN = r"^/v1/models/[\w-]+:explain$"  # constants.ExplainPrefix()
GRPC_PATH = r"^/inference\.GRPCInferenceService/.*$"
DEFAULT_ROLLING = {
    "type": "RollingUpdate",
    "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"},
}

Obj = dict[str, Any]


# --- helpers


def objects(case: str) -> list[Obj]:
    """The objects of the case's expected.yaml (none for an empty stream)."""
    text = (GOLDEN / case / "expected.yaml").read_text()
    return [doc for doc in yaml.safe_load_all(text) if doc is not None]


def kinds(objs: Sequence[Mapping[str, Any]]) -> set[tuple[str, str]]:
    return {(o["kind"], o["metadata"]["name"]) for o in objs}


def get(objs: Sequence[Obj], kind: str, name: str) -> Obj:
    found = [o for o in objs if o["kind"] == kind and o["metadata"]["name"] == name]
    assert len(found) == 1, f"expected one {kind} {name}, found {len(found)}"
    return found[0]


def container(deployment: Mapping[str, Any], name: str) -> Obj:
    found = [c for c in deployment["spec"]["template"]["spec"]["containers"] if c["name"] == name]
    assert len(found) == 1, f"expected one container {name}"
    return found[0]


def env(c: Mapping[str, Any]) -> dict[str, str | None]:
    return {e["name"]: e.get("value") for e in c.get("env") or []}


def app(name: str) -> dict[str, str]:
    return {"app": f"isvc.{name}"}


def workload(
    isvc: str,
    components: Sequence[str] = ("predictor",),
    *,
    autoscaler: str | None = "HorizontalPodAutoscaler",
    ingress: str | None = "HTTPRoute",
) -> set[tuple[str, str]]:
    """The (kind, name) set a plain Standard InferenceService gets."""
    names = [f"{isvc}-{c}" for c in components]
    found = {("Deployment", n) for n in names} | {("Service", n) for n in names}
    if autoscaler:
        found |= {(autoscaler, n) for n in names}
    if ingress == "HTTPRoute":
        found |= {("HTTPRoute", isvc)} | {("HTTPRoute", n) for n in names}
    elif ingress == "Ingress":
        found.add(("Ingress", isvc))
    return found


def check_deployment(dep: Mapping[str, Any], name: str, strategy: Any = DEFAULT_ROLLING) -> None:
    """createRawDefaultDeployment: selector, pod labels and (default) strategy."""
    spec = dep["spec"]
    assert spec["selector"] == {"matchLabels": app(name)}
    assert spec["template"]["metadata"]["labels"]["app"] == f"isvc.{name}"
    assert dep["metadata"]["labels"]["app"] == f"isvc.{name}"
    assert spec["strategy"] == strategy
    if strategy == DEFAULT_ROLLING:  # setDefaultDeploymentSpec runs only without a user strategy
        assert spec["revisionHistoryLimit"] == 10
        assert spec["progressDeadlineSeconds"] == 600


def default_port(name: str, target: int = 8080) -> dict[str, Any]:
    """createDefaultSvc's port when the container declares none."""
    return {"name": name, "port": 80, "protocol": "TCP", "targetPort": target}


def check_service(svc: Mapping[str, Any], name: str, ports: Any = None) -> None:
    assert svc["spec"]["selector"] == app(name)
    assert svc["spec"]["ports"] == (ports if ports is not None else [default_port(name)])
    assert "clusterIP" not in svc["spec"]


def hpa_spec(name: str, lo: int, hi: int, metrics: Any) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
        "minReplicas": lo,
        "maxReplicas": hi,
        "behavior": {},
    }
    if metrics is not None:
        spec["metrics"] = metrics
    return spec


def cpu(utilization: int) -> dict[str, Any]:
    target = {"type": "Utilization", "averageUtilization": utilization}
    return {"type": "Resource", "resource": {"name": "cpu", "target": target}}


def memory(target: Mapping[str, Any]) -> dict[str, Any]:
    return {"type": "Resource", "resource": {"name": "memory", "target": dict(target)}}


def headers(isvc: str, namespace: str) -> list[dict[str, Any]]:
    """addIsvcHeaders."""
    values = [
        {"name": "KServe-Isvc-Name", "value": isvc},
        {"name": "KServe-Isvc-Namespace", "value": namespace},
    ]
    return [{"type": "RequestHeaderModifier", "requestHeaderModifier": {"set": values}}]


def rule(
    isvc: str,
    namespace: str,
    path: str,
    backend: str,
    timeout: str | None = "60s",
    port: int = 80,
    match_headers: Any = None,
) -> dict[str, Any]:
    """createHTTPRouteRule, as KServe sends it."""
    match: dict[str, Any] = {"path": {"type": "RegularExpression", "value": path}}
    if match_headers is not None:
        match["headers"] = match_headers
    found: dict[str, Any] = {
        "matches": [match],
        "filters": headers(isvc, namespace),
        "backendRefs": [{"kind": "Service", "name": backend, "namespace": namespace, "port": port}],
    }
    if timeout is not None:
        found["timeouts"] = {"request": timeout}
    return found


def check_route(route: Mapping[str, Any], hostnames: list[str], rules: list[Any]) -> None:
    spec = route["spec"]
    assert spec["parentRefs"] == [GATEWAY]
    assert spec["hostnames"] == hostnames
    assert spec["rules"] == rules


def ingress_rule(host: str, service: str) -> dict[str, Any]:
    """generateRule."""
    backend = {"service": {"name": service, "port": {"number": 80}}}
    return {
        "host": host,
        "http": {"paths": [{"path": "/", "pathType": "Prefix", "backend": backend}]},
    }


# --- invariants

STANDARD_CASES = sorted(p.name for p in GOLDEN.glob("standard-*") if (p / "expected.yaml").exists())


@pytest.mark.parametrize("case", STANDARD_CASES)
def test_create_raw_default_deployment_selects_app_label(case: str) -> None:
    """Every component Deployment selects `app: isvc.<name>`, which its pods and Service carry."""
    objs = objects(case)
    services = {o["metadata"]["name"]: o for o in objs if o["kind"] == "Service"}
    for dep in (o for o in objs if o["kind"] == "Deployment"):
        name = dep["metadata"]["name"]
        selector = dep["spec"]["selector"]["matchLabels"]
        assert selector == {"app": f"isvc.{name}"}
        labels = dep["spec"]["template"]["metadata"]["labels"]
        assert labels["app"] == selector["app"]
        if not name.endswith("-worker"):
            assert services[name]["spec"]["selector"] == selector


# --- rawkube_controller_test.go


def test_raw_kube_predictor_should_have_httproute_service_deployment_httproute_created() -> None:
    objs = objects("standard-predictor-httproute-hpa-memory")
    assert kinds(objs) == workload("raw-foo")
    dep = get(objs, "Deployment", "raw-foo-predictor")
    check_deployment(dep, "raw-foo-predictor")
    assert "replicas" not in dep["spec"]  # class hpa: the HPA owns replicas
    kserve = container(dep, "kserve-container")
    assert env(kserve)["INFERENCE_SERVICE_NAME"] == "raw-foo"
    assert kserve["image"] == "tensorflow/serving:1.14.0"
    assert kserve["readinessProbe"]["tcpSocket"] == {"port": 8080}
    annotations = dep["spec"]["template"]["metadata"]["annotations"]
    assert annotations["internal.serving.kserve.io/storage-initializer-sourceuri"] == (
        "s3://test/mnist/export"
    )
    check_service(get(objs, "Service", "raw-foo-predictor"), "raw-foo-predictor")
    assert get(objs, "HorizontalPodAutoscaler", "raw-foo-predictor")["spec"] == hpa_spec(
        "raw-foo-predictor", 1, 3, [memory({"type": "AverageValue", "averageValue": "10Gi"})]
    )
    check_route(
        get(objs, "HTTPRoute", "raw-foo"),
        ["raw-foo-default.example.com", "raw-foo-default.additional.example.com"],
        [rule("raw-foo", "default", FALLBACK, "raw-foo-predictor", "30s")],
    )
    check_route(
        get(objs, "HTTPRoute", "raw-foo-predictor"),
        ["raw-foo-predictor-default.example.com"],
        [rule("raw-foo", "default", FALLBACK, "raw-foo-predictor", "30s")],
    )


def test_raw_kube_predictor_should_have_httproute_service_deployment_hpa_with_strategy() -> None:
    objs = objects("standard-deployment-strategy-recreate")
    assert kinds(objs) == workload("raw-foo-customized")
    dep = get(objs, "Deployment", "raw-foo-customized-predictor")
    check_deployment(dep, "raw-foo-customized-predictor", {"type": "Recreate"})
    # copied verbatim: setDefaultDeploymentSpec does not run (the API server defaults these)
    assert "revisionHistoryLimit" not in dep["spec"]
    assert "progressDeadlineSeconds" not in dep["spec"]
    assert get(objs, "HorizontalPodAutoscaler", "raw-foo-customized-predictor")["spec"] == (
        hpa_spec("raw-foo-customized-predictor", 1, 3, [cpu(75)])
    )


def test_raw_kube_predictor_should_have_httproute_service_deployment_created() -> None:
    objs = objects("standard-autoscaler-none-no-hpa")
    assert kinds(objs) == workload("raw-foo-2", autoscaler=None)
    dep = get(objs, "Deployment", "raw-foo-2-predictor")
    check_deployment(dep, "raw-foo-2-predictor")
    assert "replicas" not in dep["spec"]  # class none but no minReplicas
    assert (
        dep["spec"]["template"]["metadata"]["annotations"]["serving.kserve.io/autoscalerClass"]
        == "none"
    )
    check_service(get(objs, "Service", "raw-foo-2-predictor"), "raw-foo-2-predictor")
    check_route(
        get(objs, "HTTPRoute", "raw-foo-2"),
        ["raw-foo-2-default.example.com", "raw-foo-2-default.additional.example.com"],
        [rule("raw-foo-2", "default", FALLBACK, "raw-foo-2-predictor")],
    )


def test_gateway_api_disabled_should_have_ingress_service_deployment_hpa_created() -> None:
    objs = objects("standard-ingress-predictor")
    assert kinds(objs) == workload("raw-foo", ingress="Ingress")
    check_deployment(get(objs, "Deployment", "raw-foo-predictor"), "raw-foo-predictor")
    check_service(get(objs, "Service", "raw-foo-predictor"), "raw-foo-predictor")
    assert get(objs, "HorizontalPodAutoscaler", "raw-foo-predictor")["spec"] == hpa_spec(
        "raw-foo-predictor", 1, 3, [cpu(75)]
    )
    assert get(objs, "Ingress", "raw-foo")["spec"] == {
        "rules": [
            ingress_rule("raw-foo-default.example.com", "raw-foo-predictor"),
            ingress_rule("raw-foo-predictor-default.example.com", "raw-foo-predictor"),
        ]
    }


def test_gateway_api_disabled_should_have_keda_scaled_object_created() -> None:
    objs = objects("standard-keda-resource-memory")
    assert kinds(objs) == workload("raw-foo-1", autoscaler="ScaledObject", ingress="Ingress")
    dep = get(objs, "Deployment", "raw-foo-1-predictor")
    check_deployment(dep, "raw-foo-1-predictor")
    assert "replicas" not in dep["spec"]
    check_service(get(objs, "Service", "raw-foo-1-predictor"), "raw-foo-1-predictor")
    assert get(objs, "ScaledObject", "raw-foo-1-predictor")["spec"] == {
        "scaleTargetRef": {"name": "raw-foo-1-predictor"},
        "triggers": [
            {"type": "memory", "metadata": {"value": "10Gi"}, "metricType": "AverageValue"}
        ],
        "minReplicaCount": 1,
        "maxReplicaCount": 3,
    }


OTEL_CONFIG = {
    "receivers": {
        "prometheus": {
            "config": {
                "scrape_configs": [
                    {
                        "job_name": "otel-collector",
                        "scrape_interval": "5s",
                        "static_configs": [{"targets": ["localhost:8080"]}],
                    }
                ]
            }
        }
    },
    "processors": {
        "filter/metrics": {
            "metrics": {
                "include": {"match_type": "strict", "metric_names": ["process_cpu_seconds_total"]}
            }
        },
        "resourcedetection/env": {"detectors": ["env"], "override": False, "timeout": "2s"},
        "transform": {
            "metric_statements": [
                {
                    "context": "datapoint",
                    "statements": [
                        'set(attributes["namespace"], resource.attributes["k8s.namespace.name"])',
                        'set(attributes["deployment"], resource.attributes["k8s.deployment.name"])',
                        'set(attributes["pod"], resource.attributes["k8s.pod.name"])',
                    ],
                }
            ]
        },
    },
    "exporters": {
        "otlp": {
            "endpoint": "keda-otel-scaler.keda.svc:4317",
            "compression": "none",
            "tls": {"insecure": True},
        }
    },
    "service": {
        "pipelines": {
            "metrics": {
                "receivers": ["prometheus"],
                "processors": ["resourcedetection/env", "transform", "filter/metrics"],
                "exporters": ["otlp"],
            }
        }
    },
}


def otel_trigger(namespace: str, deployment: str) -> dict[str, Any]:
    query = (
        f'sum(avg(process_cpu_seconds_total){{namespace="{namespace}", deployment="{deployment}"}})'
    )
    metadata = {
        "metricQuery": query,
        "targetValue": "1",
        "scalerAddress": "keda-otel-scaler.keda.svc:4318",
    }
    return {"type": "external", "metadata": metadata}


def test_gateway_api_disabled_should_have_opentelemetry_collector_created() -> None:
    objs = objects("standard-keda-otel-podmetric")
    assert kinds(objs) == workload("raw-foo-3", autoscaler="ScaledObject", ingress="Ingress") | {
        ("OpenTelemetryCollector", "raw-foo-3-predictor")
    }
    collector = get(objs, "OpenTelemetryCollector", "raw-foo-3-predictor")
    assert collector["spec"]["mode"] == "sidecar"
    assert collector["spec"]["config"] == OTEL_CONFIG
    assert collector["spec"]["resources"] == {}  # no resource configured: the zero struct
    scaled = get(objs, "ScaledObject", "raw-foo-3-predictor")
    assert scaled["spec"]["triggers"] == [otel_trigger("default", "raw-foo-3-predictor")]


def test_ingress_creation_disabled_should_have_service_deployment_hpa_created() -> None:
    objs = objects("standard-ingress-creation-disabled")
    assert kinds(objs) == workload("raw-foo-no-ingress-class", ingress=None)


def test_domain_template_should_have_httproute_service_deployment_hpa_created() -> None:
    objs = objects("standard-httproute-domain-template")
    assert kinds(objs) == workload("model")
    check_route(
        get(objs, "HTTPRoute", "model"),
        ["model.default.example.com", "model.default.additional.example.com"],
        [rule("model", "default", FALLBACK, "model-predictor")],
    )
    check_route(
        get(objs, "HTTPRoute", "model-predictor"),
        ["model-predictor.default.example.com"],
        [rule("model", "default", FALLBACK, "model-predictor")],
    )


def check_transformer(objs: Sequence[Obj], isvc: str, predictor: str, namespace: str) -> None:
    """The transformer of the rawkube tests: args, HPA from scaleTarget 80 and max 2."""
    name = f"{isvc}-transformer"
    dep = get(objs, "Deployment", name)
    check_deployment(dep, name)
    transformer = container(dep, "kserve-container")
    assert transformer["args"] == [
        "--port=8080",
        "--model_name",
        isvc,
        "--predictor_host",
        f"{predictor}.{namespace}",
        "--http_port",
        "8080",
    ]
    assert env(transformer)["INFERENCE_SERVICE_NAME"] == isvc
    assert transformer["readinessProbe"]["tcpSocket"] == {"port": 8080}
    check_service(get(objs, "Service", name), name)
    assert get(objs, "HorizontalPodAutoscaler", name)["spec"] == hpa_spec(name, 1, 2, [cpu(80)])


def test_predictor_and_transformer_should_have_httproute_service_deployment_hpa_created() -> None:
    objs = objects("standard-httproute-transformer")
    isvc, pred, trans = "raw-foo-trans", "raw-foo-trans-predictor", "raw-foo-trans-transformer"
    assert kinds(objs) == workload(isvc, ("predictor", "transformer"))
    check_transformer(objs, isvc, pred, "default")
    check_route(
        get(objs, "HTTPRoute", isvc),
        [f"{isvc}-default.example.com", f"{isvc}-default.additional.example.com"],
        [rule(isvc, "default", FALLBACK, trans, "30s")],
    )
    check_route(
        get(objs, "HTTPRoute", pred),
        [f"{pred}-default.example.com"],
        [rule(isvc, "default", FALLBACK, pred, "60s")],
    )
    check_route(
        get(objs, "HTTPRoute", trans),
        [f"{trans}-default.example.com"],
        [rule(isvc, "default", FALLBACK, trans, "30s")],
    )


def check_art_explainer(objs: Sequence[Obj], isvc: str) -> None:
    name = f"{isvc}-explainer"
    dep = get(objs, "Deployment", name)
    check_deployment(dep, name)
    art = container(dep, "kserve-container")
    assert art["image"] == "kserve/art-explainer:latest"
    assert art["args"] == [
        "--model_name",
        isvc,
        "--http_port",
        "8080",
        "--predictor_host",
        f"{isvc}-predictor.default",
        "--adversary_type",
        "SquareAttack",
        "--nb_classes",
        "10",
    ]
    check_service(get(objs, "Service", name), name)
    assert get(objs, "HorizontalPodAutoscaler", name)["spec"] == hpa_spec(name, 1, 2, [cpu(80)])


def test_predictor_and_explainer_should_have_httproute_service_deployment_hpa_created() -> None:
    objs = objects("standard-httproute-explainer")
    isvc, pred, exp = "raw-foo-exp", "raw-foo-exp-predictor", "raw-foo-exp-explainer"
    assert kinds(objs) == workload(isvc, ("predictor", "explainer"))
    check_art_explainer(objs, isvc)
    check_route(
        get(objs, "HTTPRoute", isvc),
        [f"{isvc}-default.example.com", f"{isvc}-default.additional.example.com"],
        [
            rule(isvc, "default", EXPLAIN, exp, "30s"),
            rule(isvc, "default", FALLBACK, pred, "60s"),
        ],
    )
    check_route(
        get(objs, "HTTPRoute", exp),
        [f"{exp}-default.example.com"],
        [rule(isvc, "default", FALLBACK, exp, "30s")],
    )


def test_path_based_routing_predictor_should_have_httproute_created() -> None:
    objs = objects("standard-httproute-path-template")
    isvc, pred = "raw-foo-path", "raw-foo-path-predictor"
    assert kinds(objs) == workload(isvc)
    check_route(
        get(objs, "HTTPRoute", isvc),
        [f"{isvc}-default.example.com", f"{isvc}-default.additional.example.com", "example.com"],
        [
            rule(isvc, "default", FALLBACK, pred, "30s"),
            rule(isvc, "default", f"/serving/default/{isvc}/", pred, "30s"),
        ],
    )


def test_path_based_routing_predictor_and_transformer_should_have_routes_created() -> None:
    objs = objects("standard-httproute-path-template-transformer")
    isvc, trans = "raw-foo-trans-path", "raw-foo-trans-path-transformer"
    assert kinds(objs) == workload(isvc, ("predictor", "transformer"))
    check_transformer(objs, isvc, f"{isvc}-predictor", "default")
    check_route(
        get(objs, "HTTPRoute", isvc),
        [f"{isvc}-default.example.com", f"{isvc}-default.additional.example.com", "example.com"],
        [
            rule(isvc, "default", FALLBACK, trans, "30s"),
            rule(isvc, "default", f"/serving/default/{isvc}/", trans, "30s"),
        ],
    )


def test_path_based_routing_predictor_and_explainer_should_have_httproute_created() -> None:
    objs = objects("standard-httproute-path-template-explainer")
    isvc, pred, exp = "raw-foo-exp-path", "raw-foo-exp-path-predictor", "raw-foo-exp-path-explainer"
    assert kinds(objs) == workload(isvc, ("predictor", "explainer"))
    check_art_explainer(objs, isvc)
    path = f"/serving/default/{isvc}"
    check_route(
        get(objs, "HTTPRoute", isvc),
        [f"{isvc}-default.example.com", f"{isvc}-default.additional.example.com", "example.com"],
        [
            rule(isvc, "default", EXPLAIN, exp, "30s"),
            rule(isvc, "default", FALLBACK, pred, "60s"),
            rule(isvc, "default", path + r"(/v1/models/[\w-]+:explain)$", exp, "30s"),
            rule(isvc, "default", path + "/", pred, "60s"),
        ],
    )


def test_headless_service_should_include_port_8080_in_status_address_url() -> None:
    objs = objects("standard-service-cluster-ip-none")
    assert kinds(objs) == workload("raw-headless-port", ingress="Ingress")
    svc = get(objs, "Service", "raw-headless-port-predictor")
    assert svc["spec"]["clusterIP"] == "None"
    assert svc["spec"]["ports"] == [default_port("raw-headless-port-predictor")]
    # no ingressClassName in this Context's ingress config
    assert "ingressClassName" not in get(objs, "Ingress", "raw-headless-port")["spec"]


# -- serving.kserve.io/stop


@pytest.mark.parametrize(
    "case",
    [
        "standard-stop-true",
        "standard-stop-true-ingress-keda-otel",
        "standard-stop-true-transformer",
        "standard-stop-true-explainer",
    ],
    ids=[
        "Should not create the httproute/service/deployment/hpa when the annotation is set to true",
        "Should not create the ingress/service/deployment/keda/otel when gateway api is disabled "
        "and the annotation is set to true",
        "Should not create the transformer httproute/service/deployment/hpa when the annotation "
        "is set to true",
        "Should not create the explainer httproute/service/deployment/hpa when the annotation is "
        "set to true",
    ],
)
def test_raw_kube_predictor_and_serving_kserve_io_stop_true(case: str) -> None:
    assert objects(case) == []


def test_raw_kube_predictor_and_serving_kserve_io_stop_false_keeps_ingress_keda_otel() -> None:
    objs = objects("standard-stop-false-ingress-keda-otel")
    isvc, pred = "stop-false-ingress-isvc", "stop-false-ingress-isvc-predictor"
    assert kinds(objs) == workload(isvc, autoscaler="ScaledObject", ingress="Ingress") | {
        ("OpenTelemetryCollector", pred)
    }
    assert get(objs, "ScaledObject", pred)["spec"]["triggers"] == [otel_trigger("default", pred)]
    assert "ingressClassName" not in get(objs, "Ingress", isvc)["spec"]


# --- hpa_reconciler_test.go


@pytest.mark.parametrize(
    ("case", "name", "lo", "hi", "metrics"),
    [
        ("standard-hpa-cpu-default", "nil-component-ext-predictor", 1, 1, [cpu(80)]),
        ("standard-hpa-scale-metric-cpu", "hpa-scale-metric-predictor", 5, 10, [cpu(50)]),
        ("standard-hpa-autoscaling-cpu-without-target", "hpa-cpu-no-target-predictor", 1, 1,
         [cpu(80)]),
        ("standard-hpa-autoscaling-memory-utilization", "hpa-memory-utilization-predictor", 1, 1,
         [memory({"type": "Utilization", "averageUtilization": 80})]),
    ],
    ids=[
        "nil componentExt for createHPA",
        "predictor hpa with ScaleMetric",
        "predictor hpa cpu metric",
        "predictor hpa memory utilization metric",
    ],
)  # fmt: skip
def test_create_hpa(case: str, name: str, lo: int, hi: int, metrics: Any) -> None:
    objs = objects(case)
    isvc = name.removesuffix("-predictor")
    assert kinds(objs) == workload(isvc, ingress="Ingress")
    assert get(objs, "HorizontalPodAutoscaler", name)["spec"] == hpa_spec(name, lo, hi, metrics)
    assert "replicas" not in get(objs, "Deployment", name)["spec"]


@pytest.mark.parametrize(
    ("case", "name", "metrics"),
    [
        ("standard-hpa-memory-scale-target", "hpa-memory-predictor",
         [memory({"type": "Utilization", "averageUtilization": 60})]),
        ("standard-hpa-memory-without-scale-target", "hpa-memory-no-target-predictor", None),
        ("standard-hpa-autoscaling-metrics", "hpa-multi-metrics-predictor",
         [cpu(75), memory({"type": "AverageValue", "averageValue": "1Gi"})]),
    ],
    ids=[
        "memory metric with scaleTarget",
        "memory metric without scaleTarget",
        "multiple metrics in autoscaling",
    ],
)  # fmt: skip
def test_get_hpa_metrics(case: str, name: str, metrics: Any) -> None:
    hpa = get(objects(case), "HorizontalPodAutoscaler", name)
    assert hpa["spec"] == hpa_spec(name, 1, 1, metrics)


def test_check_hpa_exist_skipped_due_to_external_autoscaler() -> None:
    objs = objects("standard-autoscaler-external")
    assert kinds(objs) == workload("external-scaler", autoscaler=None, ingress="Ingress")
    dep = get(objs, "Deployment", "external-scaler-predictor")
    check_deployment(dep, "external-scaler-predictor")
    assert "replicas" not in dep["spec"]


# --- deployment_reconciler


def test_create_raw_default_deployment_class_none_sets_replicas_to_min_replicas() -> None:
    objs = objects("standard-autoscaler-none-replicas")
    assert kinds(objs) == workload("none-scaler", autoscaler=None, ingress="Ingress")
    dep = get(objs, "Deployment", "none-scaler-predictor")
    check_deployment(dep, "none-scaler-predictor")
    assert dep["spec"]["replicas"] == 3


@pytest.mark.parametrize(
    ("case", "name", "strategy"),
    [
        ("standard-rollout-strategy-user-precedence", "user-strategy-predictor",
         {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "50%", "maxUnavailable": "50%"}}),
        ("standard-rollout-strategy-from-config", "test-deployment-predictor",
         {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "2", "maxUnavailable": "1"}}),
        ("standard-rollout-strategy-ignored-knative-default", "serverless-default-predictor",
         DEFAULT_ROLLING),
    ],
    ids=[
        "User strategy takes precedence over configmap",
        "Configmap strategy when no user strategy",
        "No strategy applied for Serverless mode",
    ],
)  # fmt: skip
def test_create_raw_deployment_with_precedence(case: str, name: str, strategy: Any) -> None:
    dep = get(objects(case), "Deployment", name)
    assert dep["spec"]["strategy"] == strategy
    if case == "standard-rollout-strategy-user-precedence":
        assert "revisionHistoryLimit" not in dep["spec"]
    else:
        assert dep["spec"]["revisionHistoryLimit"] == 10
        assert dep["spec"]["progressDeadlineSeconds"] == 600


def test_default_deployment_mode_standard_adds_the_annotation() -> None:
    """deploy.defaultDeploymentMode Standard: the defaulter annotates, the children carry it."""
    dep = get(
        objects("standard-rollout-strategy-from-config"), "Deployment", "test-deployment-predictor"
    )
    assert dep["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Standard"
    assert (
        dep["spec"]["template"]["metadata"]["annotations"]["serving.kserve.io/deploymentMode"]
        == "Standard"
    )


def test_default_inference_service_normalizes_legacy_deployment_mode() -> None:
    objs = objects("standard-legacy-rawdeployment-annotation")
    assert kinds(objs) == workload("test-raw", ingress="Ingress")
    for obj in objs:
        assert obj["metadata"]["annotations"]["serving.kserve.io/deploymentMode"] == "Standard"


# --- validation


def test_autoscaler_class_hpa_invalid_autoscaler_class() -> None:
    case = GOLDEN / "standard-autoscaler-invalid-class"
    assert not (case / "expected.yaml").exists()
    stderr = (case / "expected.stderr").read_text()
    assert "[test] is not a supported autoscaler class type" in stderr
    assert yaml.safe_load((case / "case.yaml").read_text())["exit"] == 2


# --- keda_reconciler_test.go


def test_keda_without_autoscaling_metrics_is_refused() -> None:
    """GitOps departure (allow-list keda-without-triggers-refused): getKedaMetrics leaves
    `triggers` a nil slice without autoScaling metrics (keda_reconciler.go:83), so KServe's
    ScaledObject is refused by the API server; the render refuses the input instead."""
    case = GOLDEN / "standard-keda-without-metrics-refused"
    assert not (case / "expected.yaml").exists()
    stderr = (case / "expected.stderr").read_text()
    assert "InferenceService default/sk: spec.predictor.autoScaling.metrics: " in stderr
    assert "autoscalerClass keda needs at least one autoScaling metric" in stderr
    assert yaml.safe_load((case / "case.yaml").read_text())["exit"] == 2


def test_get_keda_metrics_external_metric_source_type_with_namespace_and_auth() -> None:
    objs = objects("standard-keda-external-prometheus-auth")
    assert kinds(objs) == workload("keda-prometheus", autoscaler="ScaledObject", ingress="Ingress")
    spec = get(objs, "ScaledObject", "keda-prometheus-predictor")["spec"]
    assert spec["triggers"] == [
        {
            "type": "prometheus",
            "metadata": {
                "serverAddress": "http://prometheus-server",
                "query": "http_requests_total",
                "threshold": "123",
                "namespace": "test-ns",
                "authModes": "bearer",
            },
            "authenticationRef": {"name": "auth-secret"},
        }
    ]
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 5)
    # the shipped autoscaler config: scaleDown 300, scaleUp 0
    assert spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"] == {
        "scaleDown": {"stabilizationWindowSeconds": 300},
        "scaleUp": {"stabilizationWindowSeconds": 0},
    }


def test_create_keda_scaled_object_advanced_config_from_config_map() -> None:
    spec = get(
        objects("standard-keda-stabilization-windows-from-config"),
        "ScaledObject",
        "from-cm-predictor",
    )["spec"]
    assert spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"] == {
        "scaleDown": {"stabilizationWindowSeconds": 45},
        "scaleUp": {"stabilizationWindowSeconds": 15},
    }
    assert (spec["minReplicaCount"], spec["maxReplicaCount"]) == (1, 2)
    assert spec["scaleTargetRef"] == {"name": "from-cm-predictor"}
    # TestGetKedaMetrics_ResourceMetricSourceType_Utilization
    assert spec["triggers"] == [
        {"type": "cpu", "metadata": {"value": "75"}, "metricType": "Utilization"}
    ]


def test_create_keda_scaled_object_advanced_config_from_component_ext() -> None:
    spec = get(objects("standard-keda-behavior-from-isvc"), "ScaledObject", "advanced-predictor")[
        "spec"
    ]
    assert spec["advanced"]["horizontalPodAutoscalerConfig"]["behavior"] == {
        "scaleDown": {"stabilizationWindowSeconds": 60},
        "scaleUp": {"stabilizationWindowSeconds": 30},
    }
    assert spec["triggers"] == [
        {"type": "memory", "metadata": {"value": "70"}, "metricType": "Utilization"}
    ]


def test_get_keda_metrics_pod_metric_source_type_success() -> None:
    objs = objects("standard-keda-podmetric-server-address")
    # no metricNames: no OpenTelemetryCollector
    assert kinds(objs) == workload("test", autoscaler="ScaledObject", ingress="Ingress")
    spec = get(objs, "ScaledObject", "test-predictor")["spec"]
    assert spec["triggers"] == [
        {
            "type": "external",
            "metadata": {
                "metricQuery": (
                    'sum(otel_query{namespace="test-namespace", deployment="test-predictor"})'
                ),
                "targetValue": "200",
                "scalerAddress": "http://otel-server",
                "operationOverTime": "sum",
            },
        }
    ]


# --- kube_ingress_reconciler


@pytest.mark.parametrize(
    ("case", "isvc", "components", "rules", "class_name"),
    [
        ("standard-ingress-transformer", "raw-ing-trans", ("predictor", "transformer"), [
            ("raw-ing-trans-default.example.com", "raw-ing-trans-transformer"),
            ("raw-ing-trans-transformer-default.example.com", "raw-ing-trans-predictor"),
            ("raw-ing-trans-predictor-default.example.com", "raw-ing-trans-predictor"),
        ], None),
        ("standard-ingress-explainer", "raw-ing-exp", ("predictor", "explainer"), [
            ("raw-ing-exp-default.example.com", "raw-ing-exp-predictor"),
            ("raw-ing-exp-explainer-default.example.com", "raw-ing-exp-explainer"),
            ("raw-ing-exp-predictor-default.example.com", "raw-ing-exp-predictor"),
        ], None),
        ("standard-ingress-transformer-explainer", "raw-ing-all",
         ("predictor", "transformer", "explainer"), [
            ("raw-ing-all-transformer-default.example.com", "raw-ing-all-explainer"),
            ("raw-ing-all-default.example.com", "raw-ing-all-transformer"),
            ("raw-ing-all-transformer-default.example.com", "raw-ing-all-predictor"),
            ("raw-ing-all-predictor-default.example.com", "raw-ing-all-predictor"),
        ], "istio"),
    ],
    ids=["transformer", "explainer", "transformer and explainer"],
)  # fmt: skip
def test_create_raw_ingress(
    case: str, isvc: str, components: Sequence[str], rules: Any, class_name: str | None
) -> None:
    objs = objects(case)
    assert kinds(objs) == workload(isvc, components, ingress="Ingress")
    spec = get(objs, "Ingress", isvc)["spec"]
    assert spec["rules"] == [ingress_rule(host, svc) for host, svc in rules]
    assert spec.get("ingressClassName") == class_name


@pytest.mark.parametrize(
    ("case", "isvc", "ingress"),
    [
        ("standard-ingress-cluster-local", "test-isvc", "Ingress"),
        ("standard-ingress-domain-svc-cluster-local", "local-domain", "Ingress"),
        ("standard-httproute-cluster-local", "internal-isvc", "HTTPRoute"),
    ],
    ids=["TestRawIngressReconciler_ClusterLocal", "ingressDomain svc.cluster.local",
         "HTTPRoute cluster-local"],
)  # fmt: skip
def test_raw_ingress_reconciler_cluster_local(case: str, isvc: str, ingress: str) -> None:
    objs = objects(case)
    assert kinds(objs) == workload(isvc, ingress=None)
    assert not [o for o in objs if o["kind"] == ingress]


def test_generate_domain_name_template_with_annotation() -> None:
    objs = objects("standard-ingress-custom-domain")
    assert get(objs, "Ingress", "model")["spec"]["rules"] == [
        ingress_rule("model.test.annotation-value.mycompany.com", "model-predictor"),
        ingress_rule("model-predictor.test.annotation-value.mycompany.com", "model-predictor"),
    ]


def test_create_raw_ingress_copies_inference_service_annotations_unfiltered() -> None:
    objs = objects("standard-metadata-propagation-ingress")
    annotations = get(objs, "Ingress", "propagation")["metadata"]["annotations"]
    assert annotations["company.com/secret"] == "hidden"
    assert annotations["kubectl.kubernetes.io/last-applied-configuration"] == "{}"
    assert annotations["modelFormat"] == "tensorflow"
    assert annotations["key2"] == "val2FromISVC"  # the isvc's, not the predictor's
    # createRawIngress sets no labels
    labels = get(objs, "Ingress", "propagation")["metadata"].get("labels") or {}
    assert set(labels) <= {"app.kubernetes.io/managed-by"}


# --- httproute_reconciler


def test_create_raw_predictor_http_route_disable_timeout() -> None:
    objs = objects("standard-httproute-disable-timeout")
    for route in (o for o in objs if o["kind"] == "HTTPRoute"):
        for found in route["spec"]["rules"]:
            assert "timeouts" not in found
    check_route(
        get(objs, "HTTPRoute", "test-isvc-predictor"),
        ["test-isvc-predictor-default.example.com"],
        [rule("test-isvc", "default", FALLBACK, "test-isvc-predictor", None)],
    )


def test_get_additional_hosts_duplicate_additional_domains() -> None:
    objs = objects("standard-httproute-additional-domains")
    assert get(objs, "HTTPRoute", "model")["spec"]["hostnames"] == [
        "model-test.example.com",
        "model-test.secondary.com",
        "model-test.tertiary.com",
    ]
    # additional domains apply to the top-level route only
    assert get(objs, "HTTPRoute", "model-predictor")["spec"]["hostnames"] == [
        "model-predictor-test.example.com"
    ]


def test_create_raw_predictor_http_route_grpc_and_rest_ports() -> None:
    objs = objects("standard-httproute-grpc-and-rest-ports")
    isvc, pred = "grpc-rest", "grpc-rest-predictor"
    assert kinds(objs) == workload(isvc)
    ports = get(objs, "Service", pred)["spec"]["ports"]
    assert [(p["name"], p["port"], p["targetPort"], p.get("appProtocol")) for p in ports] == [
        ("http1", 80, 8080, None),
        ("grpc-port", 9000, 9000, "kubernetes.io/h2c"),
        ("metrics", 8082, 8082, None),
    ]
    assert [p.get("protocol") for p in ports[1:]] == ["TCP", "TCP"]
    assert container(get(objs, "Deployment", pred), "kserve-container")["readinessProbe"][
        "tcpSocket"
    ] == {"port": 8080}
    grpc_headers = [
        {"type": "RegularExpression", "name": "content-type", "value": "^application/grpc.*"}
    ]
    rules = [
        rule(isvc, "default", GRPC_PATH, pred, port=9000, match_headers=grpc_headers),
        rule(isvc, "default", FALLBACK, pred, port=80),
    ]
    check_route(get(objs, "HTTPRoute", pred), [f"{pred}-default.example.com"], rules)
    check_route(
        get(objs, "HTTPRoute", isvc),
        [f"{isvc}-default.example.com", f"{isvc}-default.additional.example.com"],
        rules,
    )


# --- service_reconciler


def test_create_default_svc_grpc_port() -> None:
    objs = objects("standard-service-grpc-port")
    ports = get(objs, "Service", "grpc-only-predictor")["spec"]["ports"]
    assert [(p["name"], p["port"], p["targetPort"], p.get("appProtocol")) for p in ports] == [
        ("h2c", 80, 9000, "kubernetes.io/h2c")
    ]
    dep = get(objs, "Deployment", "grpc-only-predictor")
    assert container(dep, "kserve-container")["readinessProbe"]["tcpSocket"] == {"port": 9000}
    # gRPC port only: the single fallback rule to port 80
    assert get(objs, "HTTPRoute", "grpc-only-predictor")["spec"]["rules"] == [
        rule("grpc-only", "default", FALLBACK, "grpc-only-predictor")
    ]


@pytest.mark.parametrize(
    ("case", "name"),
    [
        ("standard-httproute-grpc-and-rest-ports", "grpc-rest-predictor"),
        ("standard-service-grpc-port", "grpc-only-predictor"),
    ],
)
def test_create_default_svc_first_port_protocol_from_crd_default(case: str, name: str) -> None:
    """KServe copies the first container port's protocol, which the CRD defaults to TCP."""
    ports = get(objects(case), "Service", name)["spec"]["ports"]
    assert ports[0]["protocol"] == "TCP"


@pytest.mark.parametrize(
    ("case", "name", "annotations"),
    [
        ("standard-service-logger-agent-port", "logger-isvc-predictor", {
            "internal.serving.kserve.io/logger": "true",
            "internal.serving.kserve.io/logger-mode": "all",
            "internal.serving.kserve.io/logger-sink-url": "http://message-dumper.default/",
        }),
        ("standard-service-batcher-agent-port", "batcher-isvc-predictor", {
            "internal.serving.kserve.io/batcher": "true",
            "internal.serving.kserve.io/batcher-max-batchsize": "32",
            "internal.serving.kserve.io/batcher-max-latency": "5000",
        }),
    ],
    ids=["logger", "batcher"],
)  # fmt: skip
def test_create_default_svc_agent_port(case: str, name: str, annotations: Any) -> None:
    objs = objects(case)
    check_service(get(objs, "Service", name), name, [default_port(name, 9081)])
    pod_annotations = get(objs, "Deployment", name)["spec"]["template"]["metadata"]["annotations"]
    assert {k: pod_annotations.get(k) for k in annotations} == annotations


# --- multi-node
# GitOps departure (allow-list multinode-workers-kept): these are rawkube_controller_test.go's
# expectations; KServe v0.20.0's canary cleanup (predictor.go:1002-1036) deletes the worker
# Deployment and the head/worker Services right after creating them, the render keeps them.


def check_multinode(
    objs: Sequence[Obj], isvc: str, pp: str, tp: str, nodes: str, workers: int
) -> None:
    ns = "kserve"
    head, worker = f"{isvc}-predictor", f"{isvc}-predictor-worker"
    assert kinds(objs) == {
        ("Deployment", head),
        ("Deployment", worker),
        ("Service", head),
        ("Service", f"{isvc}-head-1"),
        ("Service", f"{isvc}-workers-1"),
        ("HTTPRoute", isvc),
        ("HTTPRoute", head),
    }
    head_dep, worker_dep = get(objs, "Deployment", head), get(objs, "Deployment", worker)
    check_deployment(head_dep, head)
    assert "replicas" not in head_dep["spec"]
    assert head_dep["spec"]["template"]["metadata"]["labels"]["isvc.generation"] == "1"
    head_c = container(head_dep, "kserve-container")
    head_env = {
        "PIPELINE_PARALLEL_SIZE": pp,
        "TENSOR_PARALLEL_SIZE": tp,
        "RAY_NODE_COUNT": nodes,
        "REQUEST_GPU_COUNT": "1",
        "MODEL_NAME": isvc,
        "MODEL_DIR": "/mnt/models",
    }
    assert {k: env(head_c).get(k) for k in head_env} == head_env
    assert head_c["resources"]["limits"]["nvidia.com/gpu"] == "1"
    assert head_c["resources"]["requests"]["nvidia.com/gpu"] == "1"

    spec = worker_dep["spec"]
    assert spec["selector"] == {"matchLabels": {"app": f"isvc.{worker}"}}
    assert spec["replicas"] == workers
    assert spec["strategy"] == {
        "type": "RollingUpdate",
        "rollingUpdate": {"maxSurge": "100%", "maxUnavailable": "0%"},
    }
    worker_c = container(worker_dep, "worker-container")
    worker_env = {
        "RAY_NODE_COUNT": nodes,
        "REQUEST_GPU_COUNT": "1",
        "PIPELINE_PARALLEL_SIZE": pp,
        "TENSOR_PARALLEL_SIZE": tp,
        "ISVC_NAME": isvc,
        "HEAD_SVC": f"{isvc}-head-1",
        "WORKER_SVC": f"{isvc}-workers-1",
    }
    assert {k: env(worker_c).get(k) for k in worker_env} == worker_env
    assert worker_c["resources"]["limits"]["nvidia.com/gpu"] == "1"

    for svc_name, role, selected in (
        (f"{isvc}-head-1", "head", head),
        (f"{isvc}-workers-1", "worker", worker),
    ):
        svc = get(objs, "Service", svc_name)
        assert svc["metadata"]["namespace"] == ns
        assert svc["metadata"]["labels"]["multinode/role"] == role
        assert svc["spec"] == {
            "clusterIP": "None",
            "publishNotReadyAddresses": True,
            "selector": {"app": f"isvc.{selected}", "isvc.generation": "1"},
        }
    check_service(get(objs, "Service", head), head)


def test_workerspec_should_have_services_deployments_for_head_worker() -> None:
    objs = objects("standard-multinode-huggingface")
    check_multinode(objs, "raw-huggingface-multinode-1", "2", "1", "2", 1)


def test_workerspec_should_use_pipeline_parallel_size_value_in_isvc_when_it_is_set() -> None:
    objs = objects("standard-multinode-pipeline-parallel-size")
    check_multinode(objs, "raw-huggingface-multinode-4", "5", "1", "5", 4)


# --- ModelMesh


def render(files: Sequence[str]) -> list[Obj]:
    """`kserve-gitops render FILES` run now (not the golden file)."""
    done = subprocess.run(
        [sys.executable, "-m", "generator", "render", *files],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    return [doc for doc in yaml.safe_load_all(done.stdout) if doc is not None]


def test_reconcile_model_mesh_inference_service_is_passed_through() -> None:
    """controller.go skips a ModelMesh InferenceService; the others render as without it."""
    case = GOLDEN / "standard-modelmesh-among-standard"
    source = yaml.safe_load((case / "input" / "isvc-modelmesh.yaml").read_text())
    objs = objects(case.name)
    assert [o for o in objs if o["kind"] == "InferenceService"] == [source]
    expected = {("InferenceService", "mm-sklearn")}
    for i in range(10):
        expected |= workload(f"std-{i}", ingress="Ingress")
        hpa = get(objs, "HorizontalPodAutoscaler", f"std-{i}-predictor")
        assert hpa["spec"]["maxReplicas"] == i + 1
    assert kinds(objs) == expected

    files = sorted(str(p.relative_to(REPO_ROOT)) for p in (case / "input").glob("*.yaml"))
    with_mm = render(files)
    without = render([f for f in files if not f.endswith("/isvc-modelmesh.yaml")])
    assert [o for o in with_mm if o["kind"] == "InferenceService"] == [source]
    assert without == [o for o in with_mm if o["kind"] != "InferenceService"]


# --- canary


def test_canary_should_create_separate_deployments_for_stable_and_canary() -> None:
    objs = objects("standard-canary-replicas")
    stable = get(objs, "Deployment", "canary-create-test-predictor")
    assert stable["spec"]["replicas"] == 3  # 4 minus the canary's 1
    annotations = stable["spec"]["template"]["metadata"]["annotations"]
    assert annotations["internal.serving.kserve.io/storage-initializer-sourceuri"] == (
        "s3://test/model-v1"
    )
    canary = get(objs, "Deployment", "canary-create-test-v2-predictor")
    assert canary["spec"]["replicas"] == 1  # ceil(4 * 25 / 100)
    assert canary["spec"]["selector"] == {"matchLabels": app("canary-create-test-v2-predictor")}
    annotations = canary["spec"]["template"]["metadata"]["annotations"]
    assert annotations["internal.serving.kserve.io/storage-initializer-sourceuri"] == (
        "s3://test/model-v2"
    )
    check_service(
        get(objs, "Service", "canary-create-test-v2-predictor"), "canary-create-test-v2-predictor"
    )


# --- metadata


def test_build_predictor_resources_labels_and_annotations() -> None:
    """runtime < isvc < predictor; annotations filtered by the disallowed list, labels not."""
    objs = objects("standard-metadata-propagation-ingress")
    name = "propagation-predictor"
    labels = {
        "app": "isvc.propagation-predictor",
        "company.com/internal": "yes",
        "component": "predictor",
        "key1": "val1FromISVC",
        "key2": "val2FromPredictor",
        "runtime-label": "from-runtime",
        "serving.kserve.io/inferenceservice": "propagation",
    }
    annotations = {
        "internal.serving.kserve.io/storage-initializer-sourceuri": "s3://test/mnist/export",
        "key1": "val1FromISVC",
        "key2": "val2FromPredictor",
        "key3": "val3FromISVC",
        "runtime-annotation": "from-runtime",
        "serving.kserve.io/autoscalerClass": "hpa",
        "serving.kserve.io/deploymentMode": "Standard",
    }
    dep = get(objs, "Deployment", name)
    template = dep["spec"]["template"]["metadata"]
    assert {k: template["labels"].get(k) for k in labels} == labels
    for obj in (dep, get(objs, "Service", name), get(objs, "HorizontalPodAutoscaler", name)):
        assert {k: obj["metadata"]["labels"].get(k) for k in labels} == labels
    for meta in (dep["metadata"], template):
        found = meta["annotations"]
        assert {k: found.get(k) for k in annotations} == annotations
        for hidden in (
            "company.com/secret",
            "kubectl.kubernetes.io/last-applied-configuration",
            "modelFormat",
        ):
            assert hidden not in found


def test_create_raw_top_level_http_route_filters_isvc_metadata() -> None:
    objs = objects("standard-metadata-propagation-httproute")
    for name in ("propagation", "propagation-predictor"):
        meta = get(objs, "HTTPRoute", name)["metadata"]
        labels = {k: v for k, v in meta["labels"].items() if k != "app.kubernetes.io/managed-by"}
        assert labels == {"key1": "val1FromISVC", "key2": "val2FromISVC"}
        assert meta["annotations"] == {
            "key1": "val1FromISVC",
            "key2": "val2FromISVC",
            "key3": "val3FromISVC",
            "serving.kserve.io/autoscalerClass": "hpa",
            "serving.kserve.io/deploymentMode": "Standard",
        }


def test_predictor_service_name_with_predictor_name() -> None:
    objs = objects("standard-named-predictor")
    pred = "named-v1-predictor"
    assert kinds(objs) == workload("named", ("v1-predictor", "transformer"))
    check_deployment(get(objs, "Deployment", pred), pred)
    check_service(get(objs, "Service", pred), pred)
    check_transformer(objs, "named", pred, "default")
    check_route(
        get(objs, "HTTPRoute", pred),
        [f"{pred}-default.example.com"],
        [rule("named", "default", FALLBACK, pred)],
    )
    check_route(
        get(objs, "HTTPRoute", "named"),
        ["named-default.example.com", "named-default.additional.example.com"],
        [rule("named", "default", FALLBACK, "named-transformer", "30s")],
    )


def test_a_stopped_predictor_gets_no_ingress() -> None:
    """createRawIngress waits for PredictorReady, which a predictor stopped by its own stop
    annotation never reaches (found by the differential suite, tests/conformance)."""
    case = "standard-stop-predictor-annotation-only"
    assert kinds(objects(case)) == {
        ("Service", "iris-transformer"),
        ("Deployment", "iris-transformer"),
        ("HorizontalPodAutoscaler", "iris-transformer"),
    }


# --- metrics_aggregate_injector.go (the pod webhook's annotations reach the pod template) ---


def test_inject_metrics_aggregator_annotations_on_the_pod_template() -> None:
    """TestInjectMetricsAggregator "setPromAnnotationTrueWithAggFalse", from the config's
    metricsAggregator: the webhook annotates the Deployment's pods, not the Deployment."""
    dep = get(
        objects("standard-metrics-scraping-annotations"), "Deployment", "sklearn-scraped-predictor"
    )
    pod_annotations = dep["spec"]["template"]["metadata"]["annotations"]
    expected = {
        "serving.kserve.io/enable-metric-aggregation": "false",
        "serving.kserve.io/enable-prometheus-scraping": "true",
        "prometheus.io/port": "9091",
        "prometheus.io/path": "/metrics",
    }
    assert {k: pod_annotations.get(k) for k in expected} == expected
    assert not set(expected) & set(dep["metadata"].get("annotations") or {})
