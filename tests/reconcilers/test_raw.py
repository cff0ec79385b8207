"""One component through `reconcile_raw_kube`, against KServe v0.20.0 `rawkube_controller_test.go`.

The Go controller tests create an InferenceService in envtest and compare the `spec` of what the
controller created; here the component layer's output (a `ComponentBuild`, written out by hand
as `components/predictor.go` would build it) goes through the raw reconciler, and the same specs
are asserted, minus what the API server defaults (Deployment `replicas`, Service `type` and
`sessionAffinity`, HPA `behavior` policies). Config: the built-in ConfigMap with the test's
`ingress` changes, no `autoscaler` key (as in `getRawKubeTestConfigs`), and the test's
`opentelemetryCollector`. Every object is validated (kubernetes-validate strict or CRD schema).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import kubernetes_validate
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st
from reconcilers.crd_schema import crd_errors

from generator import constants as c
from generator.config import builtin_layer, resolve
from generator.config.configmap import AutoscalerConfig, OtelCollectorConfig, ServiceConfig
from generator.errors import Invalid
from generator.reconcilers.raw import create_raw_url, reconcile_raw_kube
from generator.records import ComponentBuild
from generator.render import Renderer

RENDERER = Renderer()
_BUILTIN, _ = resolve([builtin_layer()])
CONFIG = dataclasses.replace(
    _BUILTIN,
    ingress=dataclasses.replace(
        _BUILTIN.ingress,
        enable_gateway_api=True,
        additional_ingress_domains=("additional.example.com",),
    ),
    autoscaler=AutoscalerConfig(),
    otel_collector=OtelCollectorConfig(
        scrape_interval="5s",
        metric_receiver_endpoint="keda-otel-scaler.keda.svc:4317",
        metric_scaler_endpoint="keda-otel-scaler.keda.svc:4318",
    ),
)
CORE = {"Deployment", "Service", "HorizontalPodAutoscaler"}
DEFAULT_RESOURCES = {
    "limits": {"cpu": "1", "memory": "2Gi"},
    "requests": {"cpu": "1", "memory": "2Gi"},
}
STORAGE_URI = "s3://test/mnist/export"


def assert_valid(obj: dict[str, Any]) -> None:
    if obj["kind"] in CORE:
        kubernetes_validate.validate(obj, "1.34", strict=True)
    else:
        assert crd_errors(obj) == []


def predictor_build(
    name: str, autoscaler_class: str, ext: dict[str, Any], **annotations: str
) -> ComponentBuild:
    """What `buildPredictorResources` hands over for a tensorflow predictor (tests_common.go)."""
    meta = {
        "name": f"{name}-predictor",
        "namespace": "default",
        "labels": {
            c.INFERENCE_SERVICE_POD_LABEL_KEY: name,
            c.KSERVICE_COMPONENT_LABEL: "predictor",
        },
        "annotations": {
            c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY: STORAGE_URI,
            c.DEPLOYMENT_MODE: "Standard",
            c.AUTOSCALER_CLASS: autoscaler_class,
            **annotations,
        },
    }
    container = {
        "name": c.INFERENCE_SERVICE_CONTAINER_NAME,
        "image": "tensorflow/serving:1.14.0",
        "command": ["/usr/bin/tensorflow_model_server"],
        "args": [
            "--port=9000",
            "--rest_api_port=8080",
            "--model_base_path=/mnt/models",
            "--rest_api_timeout_in_ms=60000",
        ],
        "env": [{"name": "INFERENCE_SERVICE_NAME", "value": name}],
        "resources": copy.deepcopy(DEFAULT_RESOURCES),
    }
    pod_spec = {"containers": [container], "automountServiceAccountToken": False}
    return ComponentBuild("predictor", meta, ext, pod_spec)


def expected_deployment_spec(name: str, autoscaler_class: str) -> dict[str, Any]:
    """`getDeploymentWithKServiceLabel` without the API server's `replicas: 1`."""
    component = f"{name}-predictor"
    app = "isvc." + component
    return {
        "selector": {"matchLabels": {"app": app}},
        "template": {
            "metadata": {
                "name": component,
                "namespace": "default",
                "labels": {
                    "app": app,
                    c.KSERVICE_COMPONENT_LABEL: "predictor",
                    c.INFERENCE_SERVICE_POD_LABEL_KEY: name,
                },
                "annotations": {
                    c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY: STORAGE_URI,
                    c.DEPLOYMENT_MODE: "Standard",
                    c.AUTOSCALER_CLASS: autoscaler_class,
                },
            },
            "spec": {
                "containers": [
                    {
                        "image": "tensorflow/serving:1.14.0",
                        "name": c.INFERENCE_SERVICE_CONTAINER_NAME,
                        "command": ["/usr/bin/tensorflow_model_server"],
                        "args": [
                            "--port=9000",
                            "--rest_api_port=8080",
                            "--model_base_path=/mnt/models",
                            "--rest_api_timeout_in_ms=60000",
                        ],
                        "env": [{"name": "INFERENCE_SERVICE_NAME", "value": name}],
                        "resources": DEFAULT_RESOURCES,
                        "readinessProbe": {
                            "tcpSocket": {"port": 8080},
                            "timeoutSeconds": 1,
                            "periodSeconds": 10,
                            "successThreshold": 1,
                            "failureThreshold": 3,
                        },
                        "terminationMessagePath": "/dev/termination-log",
                        "terminationMessagePolicy": "File",
                        "imagePullPolicy": "IfNotPresent",
                    }
                ],
                "schedulerName": "default-scheduler",
                "restartPolicy": "Always",
                "terminationGracePeriodSeconds": 30,
                "dnsPolicy": "ClusterFirst",
                "securityContext": {},
                "automountServiceAccountToken": False,
            },
        },
        "strategy": {
            "type": "RollingUpdate",
            "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"},
        },
        "revisionHistoryLimit": 10,
        "progressDeadlineSeconds": 600,
    }


def expected_service_spec(name: str) -> dict[str, Any]:
    """`getExectedService` without the API server's `type` and `sessionAffinity`."""
    component = f"{name}-predictor"
    return {
        "ports": [{"name": component, "protocol": "TCP", "port": 80, "targetPort": 8080}],
        "selector": {"app": "isvc." + component},
    }


def by_kind(objects: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {o["kind"]: o for o in objects}


MEMORY_10GI = {
    "autoScaling": {
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "memory",
                    "target": {"type": "AverageValue", "averageValue": "10Gi"},
                },
            }
        ]
    }
}


def test_raw_kube_predictor() -> None:
    """ "Should have httproute/service/deployment/httproute created" (the predictor objects)."""
    ext = {"minReplicas": 1, "maxReplicas": 3, "timeout": 30, **MEMORY_10GI}
    objects = reconcile_raw_kube(predictor_build("raw-foo", "hpa", ext), {}, CONFIG, RENDERER)
    assert not isinstance(objects, Invalid)
    assert [o["kind"] for o in objects] == ["Service", "Deployment", "HorizontalPodAutoscaler"]
    found = by_kind(objects)
    assert found["Deployment"]["spec"] == expected_deployment_spec("raw-foo", "hpa")
    assert found["Service"]["spec"] == expected_service_spec("raw-foo")
    assert found["HorizontalPodAutoscaler"]["spec"] == {
        "scaleTargetRef": {
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "name": "raw-foo-predictor",
        },
        "minReplicas": 1,
        "maxReplicas": 3,
        "metrics": [
            {
                "type": "Resource",
                "resource": {
                    "name": "memory",
                    "target": {"type": "AverageValue", "averageValue": "10Gi"},
                },
            }
        ],
        "behavior": {},
    }
    for obj in objects:
        assert_valid(obj)


def test_raw_kube_predictor_with_deployment_strategy() -> None:
    """ "Should have httproute/service/deployment/hpa created with DeploymentStrategy"."""
    ext = {"minReplicas": 1, "maxReplicas": 3, "deploymentStrategy": {"type": "Recreate"}}
    objects = reconcile_raw_kube(
        predictor_build("raw-foo-customized", "hpa", ext), {}, CONFIG, RENDERER
    )
    assert not isinstance(objects, Invalid)
    spec = by_kind(objects)["Deployment"]["spec"]
    assert spec["strategy"] == {"type": "Recreate"}
    # KServe sends no history limit or deadline here; the API server defaults them.
    assert "revisionHistoryLimit" not in spec and "progressDeadlineSeconds" not in spec


OTEL_METRICS = {
    "autoScaling": {
        "metrics": [
            {
                "type": "PodMetric",
                "podmetric": {
                    "metric": {
                        "backend": "opentelemetry",
                        "metricNames": ["process_cpu_seconds_total"],
                        "query": "avg(process_cpu_seconds_total)",
                    },
                    "target": {"type": "Value"},
                },
            }
        ]
    }
}


HPA_KINDS = ["Service", "Deployment", "HorizontalPodAutoscaler"]
KEDA_KINDS = ["Service", "OpenTelemetryCollector", "Deployment", "ScaledObject"]
STOP_CASES = {
    "Should keep the httproute/service/deployment/hpa created when the annotation is set to "
    "false": ("hpa", MEMORY_10GI, "false", HPA_KINDS),
    "Should not create the httproute/service/deployment/hpa when the annotation is set to true": (
        "hpa", MEMORY_10GI, "true", [],
    ),
    "Should keep the ingress/service/deployment/keda/otel created when gateway api is disabled and "
    "the annotation is set to false": ("keda", OTEL_METRICS, "false", KEDA_KINDS),
    "Should not create the ingress/service/deployment/keda/otel when gateway api is disabled and "
    "the annotation is set to true": ("keda", OTEL_METRICS, "true", []),
}  # fmt: skip


@pytest.mark.parametrize(
    ("autoscaler_class", "metrics", "stop", "kinds"), STOP_CASES.values(), ids=STOP_CASES
)
def test_raw_kube_predictor_and_stop(
    autoscaler_class: str, metrics: dict[str, Any], stop: str, kinds: list[str]
) -> None:
    """ "When creating inference service with raw kube predictor and serving.kserve.io/stop"."""
    ext = {"minReplicas": 1, "maxReplicas": 3, **metrics}
    build = predictor_build("raw-foo", autoscaler_class, ext, **{c.STOP_ANNOTATION_KEY: stop})
    objects = reconcile_raw_kube(build, {}, CONFIG, RENDERER)
    assert not isinstance(objects, Invalid)
    assert [o["kind"] for o in objects] == kinds
    for obj in objects:
        assert_valid(obj)


def test_keda_scaled_object() -> None:
    """ "Should have KEDA ScaledObject created" (gateway api disabled context)."""
    ext = {"minReplicas": 1, "maxReplicas": 3, **MEMORY_10GI}
    objects = reconcile_raw_kube(predictor_build("raw-foo-1", "keda", ext), {}, CONFIG, RENDERER)
    assert not isinstance(objects, Invalid)
    assert [o["kind"] for o in objects] == ["Service", "Deployment", "ScaledObject"]
    found = by_kind(objects)
    assert found["ScaledObject"]["spec"] == {
        "scaleTargetRef": {"name": "raw-foo-1-predictor"},
        "triggers": [
            {"type": "memory", "metadata": {"value": "10Gi"}, "metricType": "AverageValue"}
        ],
        "minReplicaCount": 1,
        "maxReplicaCount": 3,
    }
    assert found["Service"]["spec"] == expected_service_spec("raw-foo-1")
    for obj in objects:
        assert_valid(obj)


def test_opentelemetry_collector() -> None:
    """ "Should have OpenTelemetry Collector created"."""
    ext = {"minReplicas": 1, "maxReplicas": 3, **OTEL_METRICS}
    build = predictor_build("raw-foo-3", "keda", ext, **{"sidecar.opentelemetry.io/inject": "true"})
    objects = reconcile_raw_kube(build, {}, CONFIG, RENDERER)
    assert not isinstance(objects, Invalid)
    found = by_kind(objects)
    config = found["OpenTelemetryCollector"]["spec"]["config"]
    assert config["receivers"] == {
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
    }
    assert config["processors"]["filter/metrics"] == {
        "metrics": {
            "include": {"match_type": "strict", "metric_names": ["process_cpu_seconds_total"]}
        }
    }
    assert config["exporters"] == {
        "otlp": {
            "endpoint": "keda-otel-scaler.keda.svc:4317",
            "compression": "none",
            "tls": {"insecure": True},
        }
    }
    assert config["service"]["pipelines"]["metrics"] == {
        "receivers": ["prometheus"],
        "processors": ["resourcedetection/env", "transform", "filter/metrics"],
        "exporters": ["otlp"],
    }
    trigger = found["ScaledObject"]["spec"]["triggers"][0]
    assert trigger == {
        "type": "external",
        "metadata": {
            "metricQuery": 'sum(avg(process_cpu_seconds_total){namespace="default", '
            'deployment="raw-foo-3-predictor"})',
            "targetValue": "0",
            "scalerAddress": "keda-otel-scaler.keda.svc:4318",
        },
    }
    for obj in objects:
        assert_valid(obj)


def test_headless_service() -> None:
    """ "When creating inference service with headless service (ServiceClusterIPNone)"."""
    config = dataclasses.replace(CONFIG, service=ServiceConfig(service_cluster_ip_none=True))
    objects = reconcile_raw_kube(predictor_build("raw-headless", "hpa", {}), {}, config, RENDERER)
    assert not isinstance(objects, Invalid)
    assert by_kind(objects)["Service"]["spec"]["clusterIP"] == "None"


def test_multi_node_objects() -> None:
    """ "Should have services/deployments for head/worker without an autoscaler"."""
    build = predictor_build("raw-hf-1", "none", {})
    build.meta["labels"][c.INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY] = "1"
    head = build.pod_spec["containers"][0]
    head["env"] += [
        {"name": c.RAY_NODE_COUNT_ENV_NAME, "value": "2"},
        {"name": c.REQUEST_GPU_COUNT_ENV_NAME, "value": "1"},
    ]
    worker_meta = {
        "name": "raw-hf-1-predictor-worker",
        "namespace": "default",
        "labels": {c.INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY: "1"},
        "annotations": dict(build.meta["annotations"]),
    }
    worker_pod = {
        "containers": [
            {
                "name": c.WORKER_CONTAINER_NAME,
                "image": "kserve/huggingfaceserver:latest-gpu",
                "env": [
                    {"name": c.RAY_NODE_COUNT_ENV_NAME, "value": "2"},
                    {"name": c.REQUEST_GPU_COUNT_ENV_NAME, "value": "1"},
                ],
            }
        ]
    }
    build = dataclasses.replace(build, worker_meta=worker_meta, worker_pod_spec=worker_pod)
    objects = reconcile_raw_kube(build, {}, CONFIG, RENDERER)
    assert not isinstance(objects, Invalid)
    assert [(o["kind"], o["metadata"]["name"]) for o in objects] == [
        ("Service", "raw-hf-1-predictor"),
        ("Service", "raw-hf-1-head-1"),
        ("Service", "raw-hf-1-workers-1"),
        ("Deployment", "raw-hf-1-predictor"),
        ("Deployment", "raw-hf-1-predictor-worker"),
    ]
    head_svc = objects[1]["spec"]
    assert (head_svc["clusterIP"], head_svc["publishNotReadyAddresses"]) == ("None", True)
    worker_deployment = objects[4]
    assert worker_deployment["spec"]["replicas"] == 1
    for deployment, container in ((objects[3], 0), (worker_deployment, 0)):
        resources = deployment["spec"]["template"]["spec"]["containers"][container]["resources"]
        assert resources["limits"][c.NVIDIA_GPU_RESOURCE_TYPE] == "1"
        assert resources["requests"][c.NVIDIA_GPU_RESOURCE_TYPE] == "1"
    for obj in objects:
        assert_valid(obj)


# --- map aliasing, errors -------------------------------------------------------------------


def test_shared_app_label() -> None:
    """Go's shared label map: Service and HPA carry `app`, the OTel collector has no labels."""
    ext = {"minReplicas": 1, **OTEL_METRICS}
    build = predictor_build("alias", "hpa", ext)
    objects = reconcile_raw_kube(build, {}, CONFIG, RENDERER)
    assert not isinstance(objects, Invalid)
    for obj in objects:
        labels = obj["metadata"].get("labels")
        if obj["kind"] == "OpenTelemetryCollector":
            assert labels is None
        else:
            assert labels[c.RAW_DEPLOYMENT_APP_LABEL] == "isvc.alias-predictor"
    assert "app" not in build.meta["labels"]  # the input is not touched


@pytest.mark.parametrize(
    ("annotations", "field", "message"),
    [
        (
            {c.AUTOSCALER_CLASS: "kpa"},
            f'metadata.annotations["{c.AUTOSCALER_CLASS}"]',
            "unknown autoscaler class type: kpa",
        ),
        (
            {c.DEPLOYMENT_MODE: "Serverless"},
            f'metadata.annotations["{c.DEPLOYMENT_MODE}"]',
            "unsupported deployment mode for workload: Knative",
        ),
    ],
    ids=["unknown autoscaler class", "not a workload mode"],
)
def test_errors(annotations: dict[str, str], field: str, message: str) -> None:
    build = predictor_build("bad", "hpa", {}, **annotations)
    assert reconcile_raw_kube(build, {}, CONFIG, RENDERER) == Invalid(field, message)


def test_component_url() -> None:
    meta = predictor_build("raw-foo", "hpa", {}).meta
    assert create_raw_url(CONFIG.ingress, meta) == "http://raw-foo-predictor-default.example.com"
    bad = dataclasses.replace(CONFIG.ingress, domain_template="{{ .Name }}_{{ .Namespace }}")
    got = create_raw_url(bad, meta)
    assert isinstance(got, Invalid)
    assert got.message.startswith("failed creating host name: ")


@settings(max_examples=40, deadline=None)
@given(text=st.text())
@example(text="a\n---\nkind: Secret\n# x: 'y' \"z\" \u2028 \U0001f600 yes 2001-12-14")
def test_hostile_strings_stay_data(text: str) -> None:
    """Templates cannot inject: any annotation or env value comes back unchanged everywhere."""
    ext = {"minReplicas": 1, **OTEL_METRICS}
    build = predictor_build("hostile", "keda", ext, note=text)
    build.pod_spec["containers"][0]["env"].append({"name": "NOTE", "value": text})
    objects = reconcile_raw_kube(build, {}, CONFIG, RENDERER)
    assert not isinstance(objects, Invalid)
    assert len(objects) == 4
    for obj in objects:
        assert obj["metadata"]["annotations"]["note"] == text
        assert obj["metadata"]["namespace"] == "default"
    deployment = by_kind(objects)["Deployment"]
    assert deployment["spec"]["template"]["spec"]["containers"][0]["env"][-1]["value"] == text
