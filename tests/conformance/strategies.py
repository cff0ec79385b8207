"""Hypothesis strategies over the v1beta1 InferenceService schema for the differential suite.

Each draw is one InferenceService and the default deployment mode to render it in. The
strategies aim at the behaviours KServe's defaulter, validator, component reconcilers, ingress
reconciler and pod webhook branch on: frameworks and model formats, runtimes chosen and explicit,
custom containers, transformer and explainer, canaries, storage URI schemes, annotations for
autoscaling, ingress, logging, batching, agent, modelcar, GPUs and node selectors, and invalid
values (the two sides must refuse them with the same text). Further strategies add
inferenceservice-config variations, storage credentials with pod-spec fields,
ServingRuntimes of the input set, InferenceGraphs, TrainedModels, several storage URIs, pod
specs full of Go's zero values, autoscaling metrics, multi-node predictors, and the labels,
annotations and rollout strategies of an InferenceService and its components.
"""

from __future__ import annotations

import base64
import copy
import json
import random
from collections.abc import Callable
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from generator import config as generator_config

# A composite strategy's `draw`, or `st.data().draw` (whose label parameter types differ).
Draw = Callable[..., Any]

FRAMEWORKS = (
    "sklearn",
    "xgboost",
    "tensorflow",
    "pytorch",
    "triton",
    "onnx",
    "huggingface",
    "pmml",
    "lightgbm",
    "paddle",
)
# modelFormat name -> the built-in runtimes that declare it (kserve/config/runtimes, v0.20.0).
MODEL_FORMATS = {
    "sklearn": ("kserve-sklearnserver", "kserve-mlserver", "kserve-predictiveserver"),
    "xgboost": ("kserve-xgbserver", "kserve-mlserver", "kserve-predictiveserver"),
    "lightgbm": ("kserve-lgbserver", "kserve-mlserver", "kserve-predictiveserver"),
    "tensorflow": ("kserve-tensorflow-serving", "kserve-tritonserver"),
    "pytorch": ("kserve-torchserve", "kserve-tritonserver"),
    "onnx": ("kserve-tritonserver",),
    "triton": ("kserve-tritonserver",),
    "tensorrt": ("kserve-tritonserver",),
    "huggingface": ("kserve-huggingfaceserver",),
    "pmml": ("kserve-pmmlserver",),
    "paddle": ("kserve-paddleserver",),
    "mlflow": ("kserve-mlserver",),
    "autogluon": ("kserve-autogluonserver",),
    "unknown-format": ("kserve-sklearnserver",),
}
STORAGE_URIS = (
    "gs://kfserving-examples/models/sklearn/1.0/model",
    "s3://bucket/models/m1",
    "https://example.com/models/model.joblib",
    "pvc://model-pvc/models/m1",
    "hf://org/model",
    "oci://registry.example/models/m1:v1",
    "azure://account.blob.core.windows.net/container/model",
    "http://example.com/model.tar.gz",
    "/mnt/models/local",
    "ftp://example.com/model",  # not a supported scheme
    "custom-scheme://bucket/model",  # supported only with CUSTOM_STORAGE_CONTAINER
)
# A ClusterStorageContainer for the custom scheme, added to about half the draws that use it.
CUSTOM_STORAGE_CONTAINER = {
    "apiVersion": "serving.kserve.io/v1alpha1",
    "kind": "ClusterStorageContainer",
    "metadata": {"name": "custom-scheme"},
    "spec": {
        "container": {
            "name": "storage-initializer",
            "image": "example.com/custom-initializer:1.0",
            "resources": {
                "requests": {"memory": "100Mi", "cpu": "100m"},
                "limits": {"memory": "1Gi", "cpu": "1"},
            },
        },
        "supportedUriFormats": [{"prefix": "custom-scheme://"}],
    },
}
NAMES = st.sampled_from(("m", "isvc-a", "sklearn-iris", "model-1", "x" * 40, "Bad_Name"))
NAMESPACES = st.sampled_from(("default", "team-a"))


def _inference_service(metadata: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    """A v1beta1 InferenceService document."""
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": metadata,
        "spec": spec,
    }


def _resources(draw: st.DrawFn) -> dict[str, Any] | None:
    choice = draw(st.sampled_from(("none", "cpu", "gpu", "gpu-bad", "requests-only")))
    if choice == "none":
        return None
    if choice == "cpu":
        return {"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "1", "memory": "2Gi"}}
    if choice == "gpu":
        return {"limits": {"nvidia.com/gpu": draw(st.sampled_from(("1", "2")))}}
    if choice == "gpu-bad":
        return {"limits": {"nvidia.com/gpu": "0"}}
    return {"requests": {"cpu": "500m"}}


def _framework(draw: st.DrawFn, uri: str) -> dict[str, Any]:
    impl: dict[str, Any] = {"storageUri": uri}
    if draw(st.booleans()):
        impl["protocolVersion"] = draw(st.sampled_from(("v1", "v2", "grpc-v2")))
    if draw(st.booleans()):
        impl["runtimeVersion"] = draw(st.sampled_from(("1.2.3", "latest-gpu")))
    res = _resources(draw)
    if res:
        impl["resources"] = res
    return {draw(st.sampled_from(FRAMEWORKS)): impl}


def _model(draw: st.DrawFn, uri: str, explicit_runtime: bool) -> dict[str, Any]:
    fmt = draw(st.sampled_from(sorted(MODEL_FORMATS)))
    model: dict[str, Any] = {"modelFormat": {"name": fmt}, "storageUri": uri}
    if draw(st.booleans()):
        model["modelFormat"]["version"] = draw(st.sampled_from(("1", "2", "4", "9")))
    if explicit_runtime:
        model["runtime"] = draw(st.sampled_from(MODEL_FORMATS[fmt] + ("no-such-runtime",)))
    if draw(st.booleans()):
        model["protocolVersion"] = draw(st.sampled_from(("v1", "v2")))
    if draw(st.booleans()):
        model["args"] = ["--workers=2"]
    if draw(st.booleans()):
        model["env"] = [{"name": "EXTRA", "value": "1"}]
    res = _resources(draw)
    if res:
        model["resources"] = res
    return {"model": model}


def _custom(draw: st.DrawFn, uri: str) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "kserve-container", "image": "example.com/model:1.0"}
    if draw(st.booleans()):
        container["env"] = [{"name": "STORAGE_URI", "value": uri}]
    if draw(st.booleans()):
        container["ports"] = [{"containerPort": 9000, "protocol": "TCP"}]
    res = _resources(draw)
    if res:
        container["resources"] = res
    return {"containers": [container]}


@st.composite
def predictor(draw: st.DrawFn) -> dict[str, Any]:
    form = draw(st.sampled_from(("framework", "model", "model-runtime", "custom")))
    uri = draw(st.sampled_from(STORAGE_URIS))
    if form == "framework":
        spec = _framework(draw, uri)
    elif form == "custom":
        spec = _custom(draw, uri)
    else:
        spec = _model(draw, uri, form == "model-runtime")
    extension(draw, spec)
    if draw(st.integers(0, 5)) == 0:
        spec["canaryTrafficPercent"] = draw(st.sampled_from((0, 10, 50, 100)))
    if draw(st.integers(0, 4)) == 0:
        spec["logger"] = {
            "mode": draw(st.sampled_from(("all", "request", "response"))),
            "url": "http://logger.default.svc.cluster.local",
        }
    if draw(st.integers(0, 4)) == 0:
        spec["batcher"] = {"maxBatchSize": 32, "maxLatency": 500, "timeout": 60}
    if draw(st.integers(0, 5)) == 0:
        spec["nodeSelector"] = {"accelerator": "nvidia-tesla-t4"}
    if draw(st.integers(0, 6)) == 0:
        spec["serviceAccountName"] = "sa-models"
    return spec


def extension(draw: st.DrawFn, spec: dict[str, Any]) -> None:
    """ComponentExtensionSpec fields: replicas, scaling, autoScaling metrics, timeouts."""
    if draw(st.integers(0, 2)) == 0:
        spec["minReplicas"] = draw(st.sampled_from((0, 1, 2, 3)))
    if draw(st.integers(0, 2)) == 0:
        spec["maxReplicas"] = draw(st.sampled_from((0, 1, 5)))
    if draw(st.integers(0, 3)) == 0:
        spec["scaleMetric"] = draw(st.sampled_from(("cpu", "memory", "concurrency", "rps")))
        spec["scaleTarget"] = draw(st.sampled_from((1, 50, 80)))
    if draw(st.integers(0, 5)) == 0:
        spec["containerConcurrency"] = 4
    if draw(st.integers(0, 5)) == 0:
        spec["timeout"] = 120
    if draw(st.integers(0, 2)) == 0:  # without metrics a keda component is refused
        spec["autoScaling"] = {"metrics": [draw(st.sampled_from(AUTOSCALING_METRICS))]}


AUTOSCALING_METRICS = (
    {
        "type": "Resource",
        "resource": {"name": "cpu", "target": {"type": "Utilization", "averageUtilization": 60}},
    },
    {
        "type": "Resource",
        "resource": {"name": "memory", "target": {"type": "AverageValue", "averageValue": "1Gi"}},
    },
)


ANNOTATIONS = {
    "serving.kserve.io/autoscalerClass": ("hpa", "keda", "none", "external", "bogus"),
    "autoscaling.knative.dev/class": ("kpa.autoscaling.knative.dev", "hpa.autoscaling.knative.dev"),
    "autoscaling.knative.dev/metric": ("concurrency", "rps", "cpu"),
    "autoscaling.knative.dev/target": ("10",),
    "autoscaling.knative.dev/initial-scale": ("0", "2"),
    "serving.kserve.io/metrics": ("cpu", "memory"),
    "serving.kserve.io/targetUtilizationPercentage": ("60", "abc"),
    "networking.kserve.io/visibility": ("cluster-local", "exposed"),
    "serving.kserve.io/enable-prometheus-scraping": ("true", "false"),
    "serving.kserve.io/enable-tag-routing": ("true",),
    "serving.kserve.io/stop": ("true", "false"),
    "serving.kserve.io/enable-metric-aggregation": ("true",),
    "serving.kserve.io/deploymentMode": ("RawDeployment", "Serverless", "Standard", "Knative"),
    "sidecar.istio.io/inject": ("true", "false"),
    "example.com/team": ("a",),
}


@st.composite
def inference_service(draw: st.DrawFn) -> dict[str, Any]:
    spec: dict[str, Any] = {"predictor": draw(predictor())}
    if draw(st.integers(0, 4)) == 0:
        transformer: dict[str, Any] = {
            "containers": [{"name": "kserve-container", "image": "kserve/image-transformer:latest"}]
        }
        extension(draw, transformer)
        spec["transformer"] = transformer
    if draw(st.integers(0, 6)) == 0:
        spec["explainer"] = {"art": {"type": "SquareAttack", "config": {"nb_classes": "10"}}}
    keys = draw(st.lists(st.sampled_from(sorted(ANNOTATIONS)), max_size=4, unique=True))
    annotations = {k: draw(st.sampled_from(ANNOTATIONS[k])) for k in keys}
    metadata: dict[str, Any] = {"name": draw(NAMES), "namespace": draw(NAMESPACES)}
    if annotations:
        metadata["annotations"] = annotations
    if draw(st.integers(0, 5)) == 0:
        metadata["labels"] = {"team": "a"}
    return _inference_service(metadata, spec)


def tags(isvc: dict[str, Any]) -> list[str]:
    """Features of a draw that known-differences.yaml entries can name (`cases:` globs)."""
    predictor = isvc["spec"]["predictor"]
    envs = [e for c in predictor.get("containers") or [] for e in c.get("env") or []]
    found = ["custom-storage-uri"] if any(e.get("name") == "STORAGE_URI" for e in envs) else []
    if predictor.get("logger") or predictor.get("batcher"):
        found.append("agent")
    if "custom-scheme://" in repr(isvc):
        found.append("custom-scheme")
    if predictor.get("workerSpec") is not None:
        found.append("multinode-worker")  # allowlist.yaml: multinode-workers-kept
    return found


def replayable(count: int, fixed_seed: int) -> Callable[[Callable[..., None]], Callable[..., None]]:
    """Settings for a generator of test inputs: `count` draws from a fixed seed, generation only
    (no shrinking, no example database), so the list is the same every run."""

    def wrap(test: Callable[..., None]) -> Callable[..., None]:
        return seed(fixed_seed)(
            settings(
                max_examples=count,
                database=None,
                phases=[Phase.generate],
                suppress_health_check=list(HealthCheck),
                deadline=None,
            )(test)
        )

    return wrap


def _drawn_cases(
    documents: st.SearchStrategy[list[dict[str, Any]]], count: int, fixed_seed: int
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `documents` with a fixed seed, the same list
    every run."""
    drawn: list[tuple[list[dict[str, Any]], str]] = []

    @replayable(count, fixed_seed)
    @given(documents, st.sampled_from(("Knative", "Standard")))
    def collect(docs: list[dict[str, Any]], mode: str) -> None:
        drawn.append((docs, mode))

    collect()
    return drawn


def generate(count: int, fixed_seed: int = 20260) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) with a fixed seed, the same list every run: an
    InferenceService, and a ClusterStorageContainer when it uses the custom scheme and the
    draw says so."""
    drawn: list[tuple[list[dict[str, Any]], str]] = []

    @replayable(count, fixed_seed)
    @given(inference_service(), st.sampled_from(("Knative", "Standard")), st.booleans())
    def collect(isvc: dict[str, Any], mode: str, with_container: bool) -> None:
        docs = [isvc]
        if with_container and "custom-scheme://" in repr(isvc):
            docs.append(CUSTOM_STORAGE_CONTAINER)
        drawn.append((docs, mode))

    collect()
    return drawn


# --- inferenceservice-config variations (a ConfigMap in the input set) ---------------------

CA_BUNDLE = "-----BEGIN CERTIFICATE-----\nTEST_CA_BUNDLE_CONTENT\n-----END CERTIFICATE-----\n"
# Values KServe's config structs accept, by key and field; each draw changes a few of them in
# the shipped value of its key (a key replaces the whole value, so the rest stays shipped).
CONFIG_VARIATIONS: dict[str, dict[str, tuple[Any, ...]]] = {
    "ingress": {
        "enableGatewayApi": (True,),
        "ingressDomain": ("models.corp.io",),
        "domainTemplate": (
            "{{ .Name }}.{{ .Namespace }}.{{ .IngressDomain }}",
            "{{ .Name }}-{{ .Namespace }}-x.{{ .IngressDomain }}",
            "{{ .Name }}.{{ .IngressDomain }}",
        ),
        "urlScheme": ("https",),
        "disableIstioVirtualHost": (True,),
        "disableIngressCreation": (True,),
        "ingressClassName": ("nginx",),
        "pathTemplate": ("/serving/{{ .Namespace }}/{{ .Name }}",),
        "additionalIngressDomains": (["extra.io"], ["a.io", "b.io"]),
        "disableHTTPRouteTimeout": (True,),
        "ingressGateway": ("knative-serving/custom-gateway",),
        "localGateway": ("knative-serving/custom-local-gateway",),
        "localGatewayService": ("custom-local.istio-system.svc.cluster.local",),
        "knativeLocalGatewayService": ("knative-local.custom.svc.cluster.local",),
        "kserveIngressGateway": ("gateways/custom-gateway",),
    },
    "storageInitializer": {
        "enableModelcar": (False,),
        "ociModelMode": ("modelcar", "native", "fetch"),
        "enableOciModelSupport": (True,),
        "cpuModelcar": ("20m",),
        "memoryModelcar": ("30Mi",),
        "memoryLimit": ("2Gi",),
        "caBundleVolumeMountPath": ("/etc/custom-certs",),
        "cpuLimit": ("2", "500m"),
        "memoryRequest": ("200Mi",),
        "caBundleConfigMapName": ("cabundle",),
        "uidModelcar": (0, 2000),
        "image": ("example.com/storage-initializer:1",),
    },
    "agent": {"cpuLimit": ("2",)},
    "logger": {"defaultUrl": ("http://logs.example.com",)},
    "batcher": {"maxBatchSize": ("8",)},
    "inferenceService": {
        "resource": (
            {"cpuLimit": "2", "memoryLimit": "4Gi", "cpuRequest": "500m", "memoryRequest": "1Gi"},
        )
    },
    "autoscaler": {"scaleDownStabilizationWindowSeconds": ("60",)},
    "security": {"autoMountServiceAccountToken": (False,)},
    "service": {"serviceClusterIPNone": (True, False)},
    "metricsAggregator": {
        "enableMetricAggregation": ("true",),
        "enablePrometheusScraping": ("true",),
    },
}


@st.composite
def inferenceservice_config(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An inferenceservice-config ConfigMap changing a few shipped values, and the CA bundle
    ConfigMap it names (if it names one)."""
    shipped = {k: json.loads(v) for k, v in generator_config.builtin_layer().data.items()}
    # Independent choices (hypothesis's own draws correlate: the same field choices repeat);
    # the Random is derived from the draw, so the fixed seed still fixes the list.
    rnd = draw(st.randoms(use_true_random=False))
    keys = rnd.sample(sorted(CONFIG_VARIATIONS), rnd.randint(1, 3))
    data: dict[str, Any] = {}
    for key in sorted(keys):
        fields = CONFIG_VARIATIONS[key]
        chosen = [f for f in sorted(fields) if rnd.random() < 1 / 3] or [rnd.choice(sorted(fields))]
        data[key] = {**shipped.get(key, {}), **{f: rnd.choice(fields[f]) for f in chosen}}
    docs: list[dict[str, Any]] = [
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
            "data": {k: json.dumps(v) for k, v in data.items()},
        }
    ]
    ca_bundle = data.get("storageInitializer", {}).get("caBundleConfigMapName")
    if ca_bundle:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": ca_bundle, "namespace": "kserve"},
                "data": {"cabundle.crt": CA_BUNDLE},
            }
        )
    return docs


# InferenceServices both controllers accept, so that the config variations reach the objects
# (onnx and mlflow are left out: without a version no runtime auto-selects them).
VALID_FORMATS = ("sklearn", "xgboost", "lightgbm", "tensorflow", "pytorch", "huggingface",
                 "pmml", "paddle")  # fmt: skip
VALID_URIS = (
    "gs://kfserving-examples/models/sklearn/1.0/model",
    "s3://bucket/models/m1",
    "pvc://model-pvc/models/m1",
    "hf://org/model",
    "https://example.com/models/model.joblib",
    "oci://registry.example/models/m1:v1",
)


@st.composite
def accepted_inference_service(draw: st.DrawFn) -> dict[str, Any]:
    """A model-spec InferenceService with a supported format and URI, and the options whose
    objects the config decides (logger, batcher, transformer, visibility, scraping)."""
    model = {
        "modelFormat": {"name": draw(st.sampled_from(VALID_FORMATS))},
        "storageUri": draw(st.sampled_from(VALID_URIS)),
    }
    predictor: dict[str, Any] = {"model": model}
    if draw(st.booleans()):
        predictor["minReplicas"] = draw(st.sampled_from((1, 2)))
    if draw(st.integers(0, 3)) == 0:
        predictor["logger"] = {"mode": "all", "url": "http://logger.default.svc.cluster.local"}
    if draw(st.integers(0, 4)) == 0:
        predictor["batcher"] = {"maxBatchSize": 32, "maxLatency": 500, "timeout": 60}
    spec: dict[str, Any] = {"predictor": predictor}
    if draw(st.integers(0, 4)) == 0:
        spec["transformer"] = {
            "containers": [{"name": "kserve-container", "image": "kserve/image-transformer:latest"}]
        }
    metadata: dict[str, Any] = {
        "name": draw(st.sampled_from(("m", "isvc-a", "sklearn-iris"))),
        "namespace": draw(NAMESPACES),
    }
    annotations = {}
    if draw(st.integers(0, 3)) == 0:
        annotations["networking.kserve.io/visibility"] = "cluster-local"
    if draw(st.integers(0, 3)) == 0:
        annotations["serving.kserve.io/enable-prometheus-scraping"] = "true"
    if annotations:
        metadata["annotations"] = annotations
    return _inference_service(metadata, spec)


def generate_configured(
    count: int, fixed_seed: int = 20262
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` accepted InferenceServices, each with an inferenceservice-config variation in its
    input set (the InferenceService first)."""
    drawn: list[tuple[list[dict[str, Any]], str]] = []

    @replayable(count, fixed_seed)
    @given(
        accepted_inference_service(),
        inferenceservice_config(),
        st.sampled_from(("Knative", "Standard")),
    )
    def collect(isvc: dict[str, Any], config_docs: list[dict[str, Any]], mode: str) -> None:
        drawn.append(([isvc, *config_docs], mode))

    collect()
    return drawn


# --- InferenceGraphs (with the InferenceServices they route to) ------------------------------

# Every step's service is in the input set: for one that is not, KServe's controller waits
# (requeues) while ours renders the step URL the service would have and says so (a GitOps
# choice: it may be rendered elsewhere), which tests/test_graph.py checks.
GRAPH_ISVCS = ("graph-a", "graph-b")
ROUTER_TYPES = ("Sequence", "Splitter", "Ensemble", "Switch")


def _one_in(draw: Draw, n: int) -> bool:
    """True about once in `n` draws (Hypothesis draws the ends of an integer range far more
    often than the rest, so `integers(0, n - 1) == 0` would be true much more often)."""
    return bool(draw(st.sampled_from([False] * (n // 2) + [True] + [False] * (n - 1 - n // 2))))


def _graph_isvc(name: str, draw: Draw) -> dict[str, Any]:
    """A valid InferenceService a graph routes to; its protocol and transformer decide the
    path of the step URL KServe's graph controller fills in."""
    model: dict[str, Any] = {
        "modelFormat": {"name": "sklearn"},
        "storageUri": "gs://kfserving-examples/models/sklearn/1.0/model",
    }
    if draw(st.booleans()):
        model["protocolVersion"] = draw(st.sampled_from(("v1", "v2")))
    spec: dict[str, Any] = {"predictor": {"model": model}}
    if draw(st.booleans()):
        spec["transformer"] = {"containers": [{"name": "kserve-container", "image": "t:1"}]}
    doc: dict[str, Any] = _inference_service({"name": name, "namespace": "default"}, spec)
    if draw(st.booleans()):
        mode = draw(st.sampled_from(("RawDeployment", "Serverless")))
        doc["metadata"]["annotations"] = {"serving.kserve.io/deploymentMode": mode}
    return doc


@st.composite
def _graph_step(
    draw: st.DrawFn, router: str, nodes: tuple[str, ...], valid: bool
) -> dict[str, Any]:
    """One step of a `router` node; `valid`: no value the webhook refuses."""
    if valid:
        target = draw(st.sampled_from(("service", "url")))
        return (
            {"serviceName": draw(st.sampled_from(GRAPH_ISVCS))}
            if target == "service"
            else {"serviceUrl": "http://y.example.com/v2/models/y/infer"}
        )
    step: dict[str, Any] = {}
    target = draw(st.sampled_from(("service",) * 12 + ("url",) * 3 + ("node",) * 4 + ("none",)))
    if target == "service":
        step["serviceName"] = draw(st.sampled_from(GRAPH_ISVCS))
    elif target == "url":
        step["serviceUrl"] = draw(st.sampled_from(("http://x.example.com/v1/models/x:predict",)))
    elif target == "node" and nodes:
        step["nodeName"] = draw(st.sampled_from(nodes))
    elif target == "node":
        step["serviceName"] = draw(st.sampled_from(GRAPH_ISVCS))
    if draw(st.booleans()):  # now and then a name another step of the node has
        step["name"] = draw(st.sampled_from(tuple(f"s{i}" for i in range(12))))
    if draw(st.booleans()):
        step["data"] = draw(st.sampled_from(("$request", "$response")))
    if draw(st.booleans()):
        step["dependency"] = draw(st.sampled_from(("Soft", "Hard")))
    if router == "Switch" or _one_in(draw, 10):
        step["condition"] = draw(st.sampled_from(("instances.#(x>1)", "[@this].#(a==1)")))
    if router != "Splitter" and _one_in(draw, 10):
        step["weight"] = draw(st.sampled_from((50, 100)))
    return step


# Splitter weights: mostly summing to 100, sometimes not (the webhook refuses those).
_SPLITS = ([100], [50, 50], [30, 70], [20, 30, 50], [50], [60, 60], [10, 20, 30])


@st.composite
def inference_graph(draw: st.DrawFn) -> dict[str, Any]:
    """An InferenceGraph over GRAPH_ISVCS: router types, step targets (services, URLs, nodes,
    none), weights, conditions, dependencies, scaling, resources, timeouts, deployment mode;
    and invalid ones (no root, weights not summing to 100, duplicate step names, bad names).
    Only the first node may be invalid: KServe's webhook walks the nodes in Go's random map
    order, so with two invalid nodes its message names either."""
    extra = draw(st.sampled_from(((), ("second",))))
    names = ("first", *extra) if _one_in(draw, 15) else ("root", *extra)
    nodes: dict[str, Any] = {}
    for node in names:
        valid = node != names[0]
        router = draw(st.sampled_from(("Sequence", "Ensemble") if valid else ROUTER_TYPES))
        others = tuple(n for n in names if n != node)
        if router == "Splitter":
            weights = draw(st.sampled_from(_SPLITS))
            steps = [draw(_graph_step(router, others, valid)) for _ in weights]
            steps = [{**s, "weight": w} for s, w in zip(steps, weights, strict=True)]
        else:
            steps = draw(st.lists(_graph_step(router, others, valid), min_size=1, max_size=3))
        nodes[node] = {"routerType": router, "steps": steps}
    spec: dict[str, Any] = {"nodes": nodes}
    if draw(st.booleans()):
        spec["resources"] = {"requests": {"cpu": "100m"}, "limits": {"memory": "1Gi"}}
    if draw(st.booleans()):
        spec["minReplicas"] = draw(st.integers(0, 2))
        spec["maxReplicas"] = draw(st.integers(0, 4))
    if draw(st.booleans()):
        spec["scaleMetric"] = draw(st.sampled_from(("cpu", "memory", "concurrency", "rps")))
        spec["scaleTarget"] = draw(st.integers(1, 90))
    if draw(st.booleans()):
        spec["timeout"] = draw(st.integers(1, 120))
    if _one_in(draw, 4):
        spec["nodeSelector"] = {"pool": "graphs"}
        spec["tolerations"] = [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}]
    if _one_in(draw, 5):
        spec["serviceAccountName"] = "graph-sa"
    metadata: dict[str, Any] = {
        "name": draw(
            st.sampled_from(("graph", "my-graph", "router", "g" * 50) * 2 + ("Bad_Graph",))
        ),
        "namespace": "default",
    }
    annotations = {}
    if draw(st.booleans()):
        annotations["serving.kserve.io/deploymentMode"] = draw(
            st.sampled_from(("RawDeployment", "Serverless", "Standard", "Knative"))
        )
    if _one_in(draw, 4):
        annotations["serving.kserve.io/autoscalerClass"] = draw(st.sampled_from(("hpa", "none")))
    if annotations:
        metadata["annotations"] = annotations
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "InferenceGraph",
        "metadata": metadata,
        "spec": spec,
    }


def generate_graphs(count: int, fixed_seed: int = 20261) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) with a fixed seed: the InferenceServices of
    GRAPH_ISVCS and one InferenceGraph over them."""
    drawn: list[tuple[list[dict[str, Any]], str]] = []

    @replayable(count, fixed_seed)
    @given(st.data(), st.sampled_from(("Knative", "Standard")))
    def collect(data: st.DataObject, mode: str) -> None:
        isvcs = [_graph_isvc(name, data.draw) for name in GRAPH_ISVCS]
        drawn.append(([*isvcs, data.draw(inference_graph())], mode))

    collect()
    return drawn


# --- storage credentials and pod-spec fields --------------------------------------------------

_B64 = "YQ=="  # base64 of "a": the fake client, like a real one, keeps a Secret's data as bytes
# Secrets by storage scheme, as the credential builder classifies them (by data key) and as
# KServe's docs publish them; each with the storage URI it serves.
CREDENTIAL_SECRETS: dict[str, tuple[str, dict[str, Any]]] = {
    "s3": (
        "s3://bucket/models/m1",
        {"data": {"AWS_ACCESS_KEY_ID": _B64, "AWS_SECRET_ACCESS_KEY": _B64}},
    ),
    "s3-anonymous": ("s3://public-bucket/models/m1", {"data": {"awsAnonymousCredential": _B64}}),
    "gcs": ("gs://bucket/models/m1", {"data": {"gcloud-application-credentials.json": _B64}}),
    "azure": (
        "https://account.blob.core.windows.net/container/model",
        {
            "data": {
                "AZ_CLIENT_ID": _B64,
                "AZ_CLIENT_SECRET": _B64,
                "AZ_SUBSCRIPTION_ID": _B64,
                "AZ_TENANT_ID": _B64,
            }
        },
    ),
    "azure-key": (
        "https://account.blob.core.windows.net/container/model",
        {"data": {"AZURE_STORAGE_ACCESS_KEY": _B64}},
    ),
    "hf": ("hf://org/model", {"data": {"HF_TOKEN": _B64}}),
    "hdfs": ("hdfs://namenode/models/m1", {"data": {"HDFS_NAMENODE": _B64, "HDFS_ROOTPATH": _B64}}),
}
S3_ANNOTATIONS = {
    "serving.kserve.io/s3-endpoint": ("minio.example.com:9000", "s3.amazonaws.com"),
    "serving.kserve.io/s3-usehttps": ("0", "1"),
    "serving.kserve.io/s3-region": ("us-east-2",),
    "serving.kserve.io/s3-verifyssl": ("0", "1"),
    "serving.kserve.io/s3-usevirtualbucket": ("true",),
    "serving.kserve.io/s3-cabundle": ("/etc/ssl/custom/ca.crt",),
}
POD_FIELDS: dict[str, tuple[Any, ...]] = {
    "tolerations": (
        [{"key": "dedicated", "operator": "Equal", "value": "ml", "effect": "NoSchedule"}],
    ),
    "affinity": (
        {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {"matchExpressions": [{"key": "zone", "operator": "In", "values": ["a"]}]}
                    ]
                }
            }
        },
    ),
    "imagePullSecrets": ([{"name": "registry"}],),
    "securityContext": ({"runAsNonRoot": True, "fsGroup": 2000},),
    "priorityClassName": ("high",),
    "schedulerName": ("custom-scheduler",),
    "volumes": ([{"name": "extra", "configMap": {"name": "extra-config"}}],),
    "initContainers": ([{"name": "prepare", "image": "busybox:1.36", "command": ["true"]}],),
    "hostIPC": (True,),
    "runtimeClassName": ("nvidia",),
    "dnsPolicy": ("ClusterFirst",),
    "annotations": ({"example.com/owner": "team-a", "sidecar.istio.io/inject": "false"},),
    "labels": ({"example.com/tier": "gold"},),
}


def _credential_docs(
    draw: st.DrawFn, kind: str, namespace: str
) -> tuple[str, list[dict[str, Any]]]:
    """A Secret of `kind` and a ServiceAccount naming it; the storage URI it serves."""
    uri, body = CREDENTIAL_SECRETS[kind]
    secret: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "storage-creds", "namespace": namespace},
        **copy.deepcopy(body),
    }
    if kind.startswith("s3"):
        keys = draw(st.lists(st.sampled_from(sorted(S3_ANNOTATIONS)), max_size=4, unique=True))
        if keys:
            secret["metadata"]["annotations"] = {
                k: draw(st.sampled_from(S3_ANNOTATIONS[k])) for k in keys
            }
    account: dict[str, Any] = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "models-sa", "namespace": namespace},
        "secrets": [{"name": "storage-creds"}],
    }
    if kind == "s3" and _one_in(draw, 4):
        role = "arn:aws:iam::123456789012:role/models"
        account["metadata"]["annotations"] = {"eks.amazonaws.com/role-arn": role}
    return uri, [secret, account]


def _storage_spec_docs(
    draw: st.DrawFn, namespace: str
) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """A `storage:` spec and the storage-config Secret it names. KServe reads the type from the
    key's JSON value; a render reads no Secret values, so the type is also in the parameters
    (docs/porting-notes.md, "Secrets"), where KServe's merge takes it from too."""
    key = draw(st.sampled_from(("localMinIO", "default")))
    kind = draw(st.sampled_from(("s3", "s3", "hdfs", "webhdfs", "gcs")))
    config: dict[str, Any] = {"type": kind}
    if kind == "s3":
        config |= {
            "access_key_id": "a",
            "secret_access_key": "b",
            "endpoint_url": "http://minio:9000",
        }
        if draw(st.booleans()):
            config["bucket"] = "models"
    encoded = base64.b64encode(json.dumps(config).encode()).decode()
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "storage-config", "namespace": namespace},
        "data": {key: encoded},
    }
    storage: dict[str, Any] = {"path": "models/m1"}
    if key != "default" or draw(st.booleans()):
        storage["key"] = key
    parameters = {"type": kind}
    if kind == "s3" and (draw(st.booleans()) or "bucket" not in config):
        parameters["bucket"] = "other"
    if draw(st.booleans()):
        parameters["region"] = "us-west-1"
    storage["parameters"] = parameters
    return storage, [secret]


@st.composite
def credentialed_inference_service(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An InferenceService reading its model with credentials (a ServiceAccount and its Secret,
    or a `storage:` spec and the storage-config Secret), with pod-spec fields on the predictor,
    sometimes a collocated transformer or a sidecar; its Secrets and ServiceAccount."""
    namespace = draw(NAMESPACES)
    docs: list[dict[str, Any]] = []
    form = draw(st.sampled_from(("model", "model", "framework", "custom")))
    fmt = draw(st.sampled_from(("sklearn", "xgboost", "huggingface", "tensorflow")))
    spec: dict[str, Any] = {}
    if form != "custom" and _one_in(draw, 4):
        storage, docs = _storage_spec_docs(draw, namespace)
        impl: dict[str, Any] = {"storage": storage}
    else:
        kind = draw(st.sampled_from(sorted(CREDENTIAL_SECRETS)))
        uri, docs = _credential_docs(draw, kind, namespace)
        spec["serviceAccountName"] = "models-sa"
        impl = {"storageUri": uri}
    if draw(st.booleans()):
        impl["resources"] = {"limits": {"cpu": "1", "memory": "2Gi"}}
    if _one_in(draw, 3):
        impl["volumeMounts"] = [{"name": "extra", "mountPath": "/etc/extra"}]
        spec["volumes"] = POD_FIELDS["volumes"][0]
    if form == "model":
        spec["model"] = {"modelFormat": {"name": fmt}, **impl}
    elif form == "framework":
        spec["sklearn" if fmt == "huggingface" else fmt] = impl
    else:
        container = {"name": "kserve-container", "image": "example.com/model:1.0"}
        env = [{"name": "STORAGE_URI", "value": impl.pop("storageUri")}]
        spec["containers"] = [{**container, **impl, "env": env}]
        if _one_in(draw, 2):
            spec["containers"].append(
                {
                    "name": draw(st.sampled_from(("transformer-container", "sidecar"))),
                    "image": "t:1",
                }
            )
    for field_name in draw(st.lists(st.sampled_from(sorted(POD_FIELDS)), max_size=4, unique=True)):
        spec.setdefault(field_name, draw(st.sampled_from(POD_FIELDS[field_name])))
    metadata: dict[str, Any] = {
        "name": draw(st.sampled_from(("m", "model-1", "sklearn-iris"))),
        "namespace": namespace,
    }
    if _one_in(draw, 3):
        metadata["annotations"] = {"serving.kserve.io/deploymentMode": "RawDeployment"}
    isvc = _inference_service(metadata, {"predictor": spec})
    return [isvc, *docs]


def generate_credentials(
    count: int, fixed_seed: int = 20262
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `credentialed_inference_service`."""
    return _drawn_cases(credentialed_inference_service(), count, fixed_seed)


# --- ServingRuntimes of the input set ----------------------------------------------------------

# Container fields of a runtime's kserve-container; the Go templates in args and env are filled
# from the InferenceService's metadata by the controller.
RUNTIME_CONTAINER_FIELDS: dict[str, tuple[Any, ...]] = {
    "args": (
        ["--model_name={{.Name}}", "--model_dir=/mnt/models", "--http_port=8080"],
        ["--namespace={{.Namespace}}", "--workers=1"],
        ["--team={{.Labels.team}}"],
        ["--owner={{.Annotations.owner}}"],
        # KServe fills the templates in the container's JSON text, where these quotes are
        # escaped: the template does not parse, and both sides refuse.
        ['--owner={{index .Annotations "example.com/owner"}}'],
    ),
    "command": (["python", "-m", "server"],),
    "env": (
        [{"name": "MODEL_NAME", "value": "{{.Name}}"}, {"name": "WORKERS", "value": "1"}],
        [{"name": "WORKERS", "value": "4"}],
    ),
    "ports": (
        [{"containerPort": 8080, "protocol": "TCP"}],
        [{"containerPort": 9000, "name": "h2c", "protocol": "TCP"}],
        [{"containerPort": 8085, "name": "http1", "protocol": "TCP"}],
    ),
    "resources": (
        {"limits": {"cpu": "1", "memory": "2Gi"}, "requests": {"cpu": "1", "memory": "2Gi"}},
        {"requests": {"cpu": "250m"}},
    ),
    "readinessProbe": ({"httpGet": {"path": "/v2/health/ready", "port": 8080}},),
    "volumeMounts": ([{"name": "cache", "mountPath": "/cache"}],),
    "securityContext": ({"runAsUser": 1000, "allowPrivilegeEscalation": False},),
    "imagePullPolicy": ("IfNotPresent",),
}
RUNTIME_SPEC_FIELDS: dict[str, tuple[Any, ...]] = {
    "multiModel": (True, False),
    "protocolVersions": (["v1"], ["v2"], ["v1", "v2"], ["grpc-v2"], ["v2", "grpc-v2"]),
    "nodeSelector": ({"pool": "gpu"},),
    "tolerations": ([{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}],),
    "imagePullSecrets": ([{"name": "runtime-registry"}],),
    "labels": ({"example.com/runtime": "custom", "team": "runtime"},),
    "annotations": (
        {"prometheus.kserve.io/port": "8080", "prometheus.kserve.io/path": "/metrics"},
        {"example.com/owner": "runtime"},
    ),
    "volumes": ([{"name": "cache", "emptyDir": {}}],),
    "storageHelper": ({"disabled": True},),
    "hostIPC": (True,),
    "disabled": (True,),
}
# What the InferenceService's model spec may set over the runtime's container.
MODEL_OVERRIDES: dict[str, tuple[Any, ...]] = {
    "args": (["--extra"], ["--model_name=override"]),
    "env": ([{"name": "WORKERS", "value": "8"}], [{"name": "EXTRA", "value": "1"}]),
    "resources": ({"limits": {"cpu": "2", "memory": "4Gi"}}, {"requests": {"memory": "1Gi"}}),
    "command": (["python", "-m", "other"],),
    "image": ("example.com/override:2.0",),
    "volumeMounts": ([{"name": "cache", "mountPath": "/other"}],),
    "readinessProbe": ({"tcpSocket": {"port": 8080}},),
    "protocolVersion": ("v1", "v2", "grpc-v2"),
    "runtimeVersion": ("2.1.0",),
}


@st.composite
def serving_runtime(
    draw: st.DrawFn, name: str, namespace: str, fmt: str, version: str | None
) -> dict[str, Any]:
    """A namespaced ServingRuntime, mostly for the model's format and version `fmt`, `version`
    (so that most draws render), now and then for another."""
    one: dict[str, Any] = {"name": fmt if not _one_in(draw, 6) else "other-format"}
    if version is not None and not _one_in(draw, 5):
        one["version"] = version
    elif _one_in(draw, 4):
        one["version"] = "3"
    one["autoSelect"] = not _one_in(draw, 4)
    if draw(st.booleans()):
        one["priority"] = draw(st.sampled_from((1, 2, 5)))
    formats = [one]
    container: dict[str, Any] = {"name": "kserve-container", "image": "example.com/server:1.0"}
    keys = draw(
        st.lists(st.sampled_from(sorted(RUNTIME_CONTAINER_FIELDS)), max_size=5, unique=True)
    )
    for key in keys:
        container[key] = copy.deepcopy(draw(st.sampled_from(RUNTIME_CONTAINER_FIELDS[key])))
    spec: dict[str, Any] = {"supportedModelFormats": formats, "containers": [container]}
    keys = draw(st.lists(st.sampled_from(sorted(RUNTIME_SPEC_FIELDS)), max_size=4, unique=True))
    for key in keys:
        if key != "disabled" or _one_in(draw, 4):
            spec[key] = copy.deepcopy(draw(st.sampled_from(RUNTIME_SPEC_FIELDS[key])))
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "ServingRuntime",
        "metadata": {"name": name, "namespace": namespace},
        "spec": spec,
    }


@st.composite
def runtime_case(draw: st.DrawFn) -> list[dict[str, Any]]:
    """One or two ServingRuntimes of the input set and an InferenceService whose model they
    may serve, naming one or left to the runtime selection (formats, versions, autoSelect,
    priorities, protocol versions, disabled runtimes, the shipped ClusterServingRuntimes for
    sklearn), with model fields over the runtime's container and metadata its templates read."""
    namespace = draw(NAMESPACES)
    names = ("runtime-a", "runtime-b")[: draw(st.integers(1, 2))]
    fmt = draw(st.sampled_from(("custom", "custom", "sklearn")))
    version = draw(st.sampled_from((None, "1", "2")))
    runtimes = [draw(serving_runtime(name, namespace, fmt, version)) for name in names]
    model: dict[str, Any] = {"modelFormat": {"name": fmt}}
    if version is not None:
        model["modelFormat"]["version"] = version
    if draw(st.booleans()):
        model["runtime"] = draw(st.sampled_from(names))
    model["storageUri"] = draw(st.sampled_from(VALID_URIS[:3]))
    keys = draw(st.lists(st.sampled_from(sorted(MODEL_OVERRIDES)), max_size=3, unique=True))
    for key in keys:
        model[key] = copy.deepcopy(draw(st.sampled_from(MODEL_OVERRIDES[key])))
    predictor: dict[str, Any] = {"model": model}
    if _one_in(draw, 3):
        predictor["volumes"] = [{"name": "cache", "emptyDir": {"medium": "Memory"}}]
    if _one_in(draw, 4):
        predictor["nodeSelector"] = {"pool": "cpu"}
    metadata: dict[str, Any] = {
        "name": draw(st.sampled_from(("m", "model-1"))),
        "namespace": namespace,
        "labels": {"team": "a"},
        "annotations": {"example.com/owner": "isvc", "owner": "isvc"},
    }
    if _one_in(draw, 3):
        metadata["annotations"]["serving.kserve.io/deploymentMode"] = "RawDeployment"
    if _one_in(draw, 3):  # reads the runtime's prometheus.kserve.io annotations
        metadata["annotations"]["serving.kserve.io/enable-prometheus-scraping"] = "true"
    isvc = _inference_service(metadata, {"predictor": predictor})
    return [isvc, *runtimes]


def generate_runtimes(
    count: int, fixed_seed: int = 20264
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `runtime_case`."""
    return _drawn_cases(runtime_case(), count, fixed_seed)


# --- TrainedModels (with the InferenceServices they join) --------------------------------------

TM_PARENTS = ("mms", "single")  # a multi-model InferenceService and one with a storage URI
TM_NAMES = ("model-a", "model-b", "model-c", "model-d", "model-e", "Model_F")
TM_MEMORY = ("256Mi", "512Mi", "1Gi", "0.5Gi", "300M", "256Mi", "2G")
TM_URIS = (
    "gs://kfserving-examples/models/sklearn/1.0/model",
    "s3://bucket/models/m2",
    "https://example.com/models/model.joblib",
    "pvc://models/m3",  # protocols the TrainedModel webhook refuses
    "ftp://example.com/model",
)


def _tm_parent(draw: Draw, name: str) -> dict[str, Any]:
    """A multi-model predictor (no storage URI; a model spec, a framework or a custom container
    with MULTI_MODEL_SERVER) for `mms`, one with a storage URI for `single`; memory limits
    that fit one, two or no TrainedModels."""
    limits = draw(
        st.sampled_from(
            ({"memory": "1Gi"}, {"memory": "4Gi"}, {"memory": "4Gi"}, {"cpu": "1"}, None)
        )
    )
    impl: dict[str, Any] = {} if limits is None else {"resources": {"limits": limits}}
    if name == "single":
        impl["storageUri"] = "gs://kfserving-examples/models/sklearn/1.0/model"
    form = draw(st.sampled_from(("model", "framework", "custom")))
    if form == "model":
        predictor: dict[str, Any] = {"model": {"modelFormat": {"name": "sklearn"}, **impl}}
    elif form == "framework":
        predictor = {draw(st.sampled_from(("sklearn", "xgboost"))): impl}
    else:
        env = [{"name": "MULTI_MODEL_SERVER", "value": draw(st.sampled_from(("true", "false")))}]
        if name == "single":
            env.append({"name": "STORAGE_URI", "value": impl.pop("storageUri")})
        container = {"name": "kserve-container", "image": "example.com/mms:1", "env": env}
        predictor = {"containers": [{**container, **impl}]}
    doc: dict[str, Any] = _inference_service(
        {"name": name, "namespace": "default"}, {"predictor": predictor}
    )
    if _one_in(draw, 3):
        doc["metadata"]["annotations"] = {"serving.kserve.io/deploymentMode": "RawDeployment"}
    return doc


@st.composite
def trained_model(draw: st.DrawFn, name: str) -> dict[str, Any]:
    """A TrainedModel of one of TM_PARENTS (or of none in the input set)."""
    uri = TM_URIS[:3] * 3 + TM_URIS[3:]  # mostly valid: one refusal refuses the whole render
    model: dict[str, Any] = {
        "storageUri": draw(st.sampled_from(uri)),
        "framework": draw(st.sampled_from(("sklearn", "xgboost"))),
        "memory": draw(st.sampled_from(TM_MEMORY)),
    }
    parent = draw(st.sampled_from((*TM_PARENTS, "mms", "mms", "absent")))
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "TrainedModel",
        "metadata": {"name": name, "namespace": "default"},
        "spec": {"inferenceService": parent, "model": model},
    }


def generate_trained_models(
    count: int, fixed_seed: int = 20265
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode): the InferenceServices of TM_PARENTS and one to
    four TrainedModels."""
    drawn: list[tuple[list[dict[str, Any]], str]] = []

    @replayable(count, fixed_seed)
    @given(st.data(), st.sampled_from(("Knative", "Standard")))
    def collect(data: st.DataObject, mode: str) -> None:
        isvcs = [_tm_parent(data.draw, name) for name in TM_PARENTS]
        names = data.draw(st.lists(st.sampled_from(TM_NAMES), min_size=1, max_size=4, unique=True))
        if "Model_F" in names and not _one_in(data.draw, 3):
            names.remove("Model_F")  # a name the webhook refuses, now and then
            names = names or ["model-f"]
        tms = [data.draw(trained_model(name)) for name in names]
        drawn.append(([*isvcs, *tms], mode))

    collect()
    return drawn


# --- several storage URIs (spec.<component>.storageUris) ----------------------------------------

STORAGE_URIS_URIS = (
    "s3://bucket/base-model",
    "s3://bucket/adapters",
    "gs://kfserving-examples/models/sklearn/1.0/model",
    "pvc://model-pvc/models/m1",
    "pvc://other-pvc/data",
    "hf://org/model",
    "https://example.com/models/model.joblib",
    "",
)
STORAGE_URIS_PATHS = (
    None,  # the default, /mnt/models
    "/mnt/models",
    "/mnt/models/base",
    "/mnt/models/adapters",
    "/mnt/data/extra",
    "/opt/models",
    "relative/path",
    "/mnt/models/../etc",
    "/",
)


@st.composite
def storage_uris_entry(draw: st.DrawFn, valid: bool = False) -> dict[str, Any]:
    """One storageUris entry; `valid`: one the webhook accepts (a URI, a path under /mnt/models)."""
    uris = STORAGE_URIS_URIS[:3] if valid else STORAGE_URIS_URIS
    entry: dict[str, Any] = {"uri": draw(st.sampled_from(uris))}
    path = draw(st.sampled_from(STORAGE_URIS_PATHS[:3] if valid else STORAGE_URIS_PATHS))
    if path is not None:
        entry["mountPath"] = path
    return entry


@st.composite
def storage_uris_case(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An InferenceService whose predictor (and now and then transformer or explainer)
    downloads several storage URIs: schemes, mount paths with and without a common parent,
    relative and `..` paths, PVCs, a storageUri besides them, credentials from a
    ServiceAccount."""
    fmt = draw(st.sampled_from(("sklearn", "huggingface", "custom")))
    predictor: dict[str, Any] = {
        "storageUris": draw(st.lists(storage_uris_entry(), min_size=1, max_size=3))
    }
    if fmt == "custom":
        predictor["containers"] = [{"name": "kserve-container", "image": "example.com/m:1"}]
    else:
        model: dict[str, Any] = {"modelFormat": {"name": fmt}}
        if _one_in(draw, 6):
            model["storageUri"] = "gs://kfserving-examples/models/sklearn/1.0/model"
        predictor["model"] = model
    docs: list[dict[str, Any]] = []
    if _one_in(draw, 3):
        _, docs = _credential_docs(draw, "s3", "default")
        predictor["serviceAccountName"] = "models-sa"
    spec: dict[str, Any] = {"predictor": predictor}
    for component in ("transformer", "explainer"):
        if _one_in(draw, 3):
            valid = not _one_in(draw, 4)  # mostly valid, so that the component renders
            entries = st.lists(storage_uris_entry(valid), min_size=1, max_size=2)
            spec[component] = {
                "containers": [{"name": "kserve-container", "image": f"example.com/{component}:1"}],
                "storageUris": draw(entries),
            }
    metadata: dict[str, Any] = {"name": "multi-storage", "namespace": "default"}
    if _one_in(draw, 3):
        metadata["annotations"] = {"serving.kserve.io/deploymentMode": "RawDeployment"}
    isvc = _inference_service(metadata, spec)
    return [isvc, *docs]


def generate_storage_uris(
    count: int, fixed_seed: int = 20266
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `storage_uris_case`."""
    return _drawn_cases(storage_uris_case(), count, fixed_seed)


# --- Go's zero values in pod specs: probes, hooks, empty values ---------------------------------

# Probe handlers with and without a port (a port left out is written as 0 by KServe, which a
# Deployment refuses), and the timings' zeros, which omitempty drops.
_PROBES: tuple[dict[str, Any], ...] = (
    {"httpGet": {"path": "/ready"}},
    {"httpGet": {"path": "/ready", "port": 8080, "scheme": "", "host": ""}},
    {"httpGet": {"port": "http1", "httpHeaders": [{"name": "X", "value": ""}]}},
    {"tcpSocket": {"port": 8080}},
    {"exec": {"command": ["true"]}},
    {"exec": {"command": []}},
    {"grpc": {"port": 9000}},
)
_ZERO_VALUES: dict[str, tuple[Any, ...]] = {
    "tolerations": (
        [{"key": "k", "operator": "Equal", "value": "", "effect": ""}],
        [{"operator": "Exists", "tolerationSeconds": 0}],
    ),
    "affinity": (
        {
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {
                        "weight": 1,
                        "podAffinityTerm": {
                            "topologyKey": "z",
                            "labelSelector": {"matchLabels": {}, "matchExpressions": []},
                        },
                    }
                ]
            }
        },
        {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {
                    "nodeSelectorTerms": [
                        {
                            "matchExpressions": [{"key": "k", "operator": "In", "values": ["a"]}],
                            "matchFields": [],
                        }
                    ]
                }
            }
        },
    ),
    "securityContext": (
        {"runAsUser": 0, "seLinuxOptions": {"user": "", "role": "r"}, "supplementalGroups": []},
        {"fsGroup": 1000, "sysctls": []},
    ),
    "volumes": (
        [
            {"name": "scratch", "emptyDir": {}},
            {"name": "s", "secret": {"secretName": "", "items": []}},
        ],
        [{"name": "c", "configMap": {"name": "", "defaultMode": 420, "optional": False}}],
        [{"name": "p", "projected": {"sources": []}}],
    ),
    "dnsConfig": (
        {"nameservers": [], "searches": [], "options": [{"name": "ndots", "value": "2"}]},
    ),
    "nodeSelector": ({},),
}
_CONTAINER_ZERO_VALUES: dict[str, tuple[Any, ...]] = {
    "env": (
        [
            {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "", "key": "k"}}},
            {"name": "B", "value": ""},
        ],
        [
            {
                "name": "C",
                "valueFrom": {"secretKeyRef": {"name": "s", "key": "k", "optional": False}},
            }
        ],
    ),
    "envFrom": ([{"configMapRef": {"name": ""}, "prefix": ""}],),
    "securityContext": ({"capabilities": {"drop": [], "add": []}, "privileged": False},),
    "args": ([],),
    "workingDir": ("",),
}


@st.composite
def zero_values_inference_service(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A model-spec or custom-container predictor (and now and then a custom transformer) with
    probes and pod-spec fields full of Go's zero values: what json.Marshal writes (a probe's
    port 0) and what omitempty drops (empty strings, lists and maps). No lifecycle hooks: the
    Knative Service schema has no such field, and a render refuses what KServe would send."""
    custom = draw(st.booleans())
    container: dict[str, Any] = (
        {"name": "kserve-container", "image": "example.com/model:1",
         "ports": [{"containerPort": 8080, "name": "http1", "protocol": "TCP"}]}
        if custom
        else {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://bucket/model"}
    )  # fmt: skip
    for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
        if _one_in(draw, 3):
            timings = draw(st.sampled_from(({}, {"periodSeconds": 0}, {"failureThreshold": 3})))
            container[probe] = {**draw(st.sampled_from(_PROBES)), **timings}
    for name, options in _CONTAINER_ZERO_VALUES.items():
        if _one_in(draw, 3):
            container[name] = draw(st.sampled_from(options))
    predictor: dict[str, Any] = {"containers": [container]} if custom else {"model": container}
    for name, options in _ZERO_VALUES.items():
        if _one_in(draw, 3):
            predictor[name] = draw(st.sampled_from(options))
    spec: dict[str, Any] = {"predictor": predictor}
    if _one_in(draw, 4):
        transformer: dict[str, Any] = {"name": "kserve-container", "image": "example.com/t:1"}
        transformer["readinessProbe"] = draw(st.sampled_from(_PROBES))
        spec["transformer"] = {"containers": [transformer]}
    name = draw(st.sampled_from(("zeros", "probed")))
    return [_inference_service({"name": name, "namespace": "default"}, spec)]


def generate_zero_values(
    count: int, fixed_seed: int = 20267
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `zero_values_inference_service`."""
    return _drawn_cases(zero_values_inference_service(), count, fixed_seed)


# --- autoscaling: HPA, KEDA and the OpenTelemetry collector ------------------------------------

_QUANTITIES = ("100", "0.5", "1.5k", "500m", "10")
_TARGET_FIELDS = {"Utilization": "averageUtilization", "Value": "value",
                  "AverageValue": "averageValue"}  # fmt: skip
_QUERIES = ('sum(rate(requests_total{app="m"}[1m]))', "avg(queue_length)")


def _metric_target(rnd: random.Random, resource: str | None) -> dict[str, Any]:
    """Mostly a target whose type has its field (a resource's utilization a percentage, else
    a quantity: bytes for memory); now and then any mix, which KServe refuses or ignores."""
    if rnd.random() < 1 / 6:
        target: dict[str, Any] = {}
        if rnd.random() < 3 / 4:
            target["type"] = rnd.choice(sorted(_TARGET_FIELDS))
        for name in sorted(_TARGET_FIELDS.values()):
            if rnd.random() < 1 / 2:
                target[name] = 60 if name == "averageUtilization" else rnd.choice(_QUANTITIES)
        return target
    if resource is None:  # KEDA's triggers take a value (an external metric without one is refused)
        kind = "AverageValue" if rnd.random() < 1 / 4 else "Value"
    else:
        kind = rnd.choice(("Utilization", "AverageValue"))
    if kind == "Utilization":
        return {"type": kind, "averageUtilization": rnd.choice((1, 60, 100))}
    values = ("2Gi", "500Mi", "1Mi") if resource == "memory" else _QUANTITIES
    return {"type": kind, _TARGET_FIELDS[kind]: rnd.choice(values)}


def _maybe(rnd: random.Random, odds: float, out: dict[str, Any], key: str, value: Any) -> None:
    if rnd.random() < odds:
        out[key] = value


def _metric(rnd: random.Random, keda: bool) -> dict[str, Any]:
    """One autoScaling.metrics entry: a resource, an external (Prometheus, Graphite) or a pod
    metric (OpenTelemetry), with the fields each backend reads; a resource metric but now and
    then under classes other than KEDA (the only one that takes the other two)."""
    kind = "Resource"
    if keda or rnd.random() < 1 / 6:
        kind = rnd.choice(("Resource", "External", "PodMetric"))
    if kind == "Resource":
        name = rnd.choice(("cpu", "memory"))
        return {"type": kind, "resource": {"name": name, "target": _metric_target(rnd, name)}}
    target = _metric_target(rnd, None)
    if kind == "External":
        metric: dict[str, Any] = {"backend": rnd.choice(("prometheus", "graphite"))}
        _maybe(rnd, 3 / 4, metric, "serverAddress", "http://prometheus.monitoring:9090")
        _maybe(rnd, 7 / 8, metric, "query", rnd.choice(_QUERIES))
        _maybe(rnd, 1 / 3, metric, "namespace", "monitoring")
        external: dict[str, Any] = {"metric": metric, "target": target}
        if rnd.random() < 1 / 3:
            auth: dict[str, Any] = {"authenticationRef": {"name": "prom-auth"}}
            _maybe(rnd, 2 / 3, auth, "authModes", rnd.choice(("basic", "bearer", "tls")))
            external["authenticationRef"] = auth
        return {"type": kind, "external": external}
    pod: dict[str, Any] = {"backend": "opentelemetry"}
    _maybe(rnd, 1 / 2, pod, "serverAddress", "keda-otel-scaler.keda.svc:4318")
    _maybe(rnd, 1 / 2, pod, "metricNames", rnd.choice((["process_cpu_seconds_total"], ["a", "b"])))
    _maybe(rnd, 7 / 8, pod, "query", rnd.choice(("avg(process_cpu_seconds_total)", "sum(r)")))
    _maybe(rnd, 1 / 2, pod, "operationOverTime", rnd.choice(("last_one", "avg", "rate")))
    return {"type": kind, "podmetric": {"metric": pod, "target": target}}


def _scaling(rnd: random.Random, component: dict[str, Any], keda: bool) -> None:
    _maybe(rnd, 1 / 2, component, "minReplicas", rnd.choice((0, 1, 2)))
    _maybe(rnd, 1 / 2, component, "maxReplicas", rnd.choice((0, 3, 10)))
    if rnd.random() < 1 / 8:
        component["scaleMetric"] = rnd.choice(("cpu", "memory", "concurrency", "rps"))
        component["scaleTarget"] = rnd.choice((1, 50))
    if rnd.random() < 4 / 5:
        metrics = [_metric(rnd, keda) for _ in range(rnd.choice((1, 1, 2)))]
        component["autoScaling"] = {"metrics": metrics}


@st.composite
def autoscaling_inference_service(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A Standard-mode (now and then Knative) InferenceService whose predictor, and now and then
    transformer, scale on resource, external or pod metrics, under each autoscaler class: what
    KServe makes of them (HorizontalPodAutoscaler, KEDA ScaledObject and its triggers, the
    OpenTelemetryCollector and its sidecar annotations) or refuses."""
    rnd = draw(st.randoms(use_true_random=True))  # uniform, independent choices
    annotations: dict[str, str] = {}
    _maybe(rnd, 5 / 6, annotations, "serving.kserve.io/deploymentMode", "RawDeployment")
    classes = ("keda", "keda", "hpa", "external", "none")
    _maybe(rnd, 4 / 5, annotations, "serving.kserve.io/autoscalerClass", rnd.choice(classes))
    _maybe(rnd, 1 / 5, annotations, "serving.kserve.io/enable-prometheus-scraping", "true")
    keda = annotations.get("serving.kserve.io/autoscalerClass") == "keda"
    predictor: dict[str, Any] = {
        "model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://bucket/model"}
    }
    _scaling(rnd, predictor, keda)
    spec: dict[str, Any] = {"predictor": predictor}
    if rnd.random() < 1 / 4:
        transformer: dict[str, Any] = {
            "containers": [{"name": "kserve-container", "image": "example.com/t:1"}]
        }
        _scaling(rnd, transformer, keda)
        spec["transformer"] = transformer
    metadata: dict[str, Any] = {"name": "scaled", "namespace": "default"}
    if annotations:
        metadata["annotations"] = annotations
    return [_inference_service(metadata, spec)]


def generate_autoscaling(
    count: int, fixed_seed: int = 20268
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `autoscaling_inference_service`."""
    return _drawn_cases(autoscaling_inference_service(), count, fixed_seed)


# --- multi-node: the predictor's head and its workers (Standard mode) --------------------------

_GPUS: tuple[dict[str, str], ...] = (
    {},
    {"nvidia.com/gpu": "1"},
    {"nvidia.com/gpu": "2"},
    {"amd.com/gpu": "1"},
)


def _gpu_resources(rnd: random.Random) -> dict[str, Any] | None:
    gpus = rnd.choice(_GPUS)
    if not gpus and rnd.random() < 1 / 2:
        return None
    return {"limits": {"cpu": "4", "memory": "16Gi", **gpus}, "requests": {"cpu": "2", **gpus}}


@st.composite
def multinode_inference_service(draw: st.DrawFn) -> list[dict[str, Any]]:
    """A Hugging Face predictor with a workerSpec: pipeline and tensor parallel sizes, head and
    worker resources (GPUs of known vendors), env, storage and autoscaler classes, mostly as
    KServe's validation wants them (Standard mode, autoscalerClass none, a PVC or OCI model)
    and now and then not."""
    rnd = draw(st.randoms(use_true_random=True))
    annotations: dict[str, str] = {}
    mode = rnd.choice(("Standard", "Standard", "RawDeployment", None, "Serverless"))
    if mode is not None:
        annotations["serving.kserve.io/deploymentMode"] = mode
    scaler = rnd.choice(("none", "none", "none", "hpa", None))
    if scaler is not None:
        annotations["serving.kserve.io/autoscalerClass"] = scaler
    uri = rnd.choice(("pvc://llama-pvc/hf/8b", "pvc://llama-pvc", "oci://registry.example/llama:1",
                      "hf://meta-llama/Llama-3-8B"))  # fmt: skip
    model: dict[str, Any] = {"modelFormat": {"name": "huggingface"}, "storageUri": uri}
    resources = _gpu_resources(rnd)
    if resources is not None:
        model["resources"] = resources
    if rnd.random() < 1 / 4:
        name = rnd.choice(("HF_TOKEN_PATH", "PIPELINE_PARALLEL_SIZE", "VLLM_LOGGING_LEVEL"))
        model["env"] = [{"name": name, "value": "1"}]
    if rnd.random() < 1 / 4:
        model["args"] = ["--max-model-len=4096"]
    worker: dict[str, Any] = {}
    _maybe(rnd, 2 / 3, worker, "pipelineParallelSize", rnd.choice((1, 2, 2, 3, 0)))
    _maybe(rnd, 1 / 2, worker, "tensorParallelSize", rnd.choice((1, 2, 4)))
    if rnd.random() < 1 / 2:
        container: dict[str, Any] = {"name": "worker-container"}
        resources = _gpu_resources(rnd)
        if resources is not None:
            container["resources"] = resources
        if rnd.random() < 1 / 3:
            container["env"] = [{"name": "NCCL_DEBUG", "value": "INFO"}]
        worker["containers"] = [container]
        if rnd.random() < 1 / 10:
            worker["containers"].append({"name": "second", "image": "example.com/x:1"})
    predictor: dict[str, Any] = {"model": model, "workerSpec": worker}
    _maybe(rnd, 1 / 4, predictor, "minReplicas", rnd.choice((1, 2)))
    metadata: dict[str, Any] = {"name": "llama", "namespace": "default"}
    if annotations:
        metadata["annotations"] = annotations
    return [_inference_service(metadata, {"predictor": predictor})]


def generate_multinode(
    count: int, fixed_seed: int = 20269
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `multinode_inference_service`."""
    return _drawn_cases(multinode_inference_service(), count, fixed_seed)


# --- metadata: labels and annotations of the InferenceService and its components, rollout ------

# Keys KServe propagates, filters (the disallowed lists, the revision template's visibility
# label) or reads (mode, autoscaler class, Knative scale bounds), with plausible values.
_META_ANNOTATIONS: dict[str, tuple[str, ...]] = {
    "autoscaling.knative.dev/min-scale": ("2",),
    "autoscaling.knative.dev/max-scale": ("5",),
    "internal.serving.kserve.io/storage-initializer-sourceuri": ("gs://other/model",),
    "kubectl.kubernetes.io/last-applied-configuration": ("{}",),
    "modelFormat": ("sklearn",),
    "sidecar.istio.io/inject": ("true", "false"),
    "serving.knative.dev/rollout-duration": ("60s",),
    "serving.kserve.io/autoscalerClass": ("hpa", "none"),
    "example.com/owner": ("team-a",),
    "example.com/note": ("a: b", "1.0"),
}
_META_LABELS: dict[str, tuple[str, ...]] = {
    "team": ("a",),
    "networking.knative.dev/visibility": ("cluster-local",),
    "networking.kserve.io/visibility": ("cluster-local",),
    "app": ("override",),
    "component": ("other",),
    "serving.kserve.io/inferenceservice": ("other",),
    "example.com/tier": ("gold",),
}
_STRATEGIES: tuple[dict[str, Any], ...] = (
    {"type": "Recreate"},
    {"type": "RollingUpdate"},
    {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}},
    {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "50%"}},
    {"rollingUpdate": {"maxUnavailable": "10%"}},
)


def _some(rnd: random.Random, pool: dict[str, tuple[str, ...]], most: int) -> dict[str, str]:
    keys = rnd.sample(sorted(pool), rnd.randint(0, most))
    return {k: rnd.choice(pool[k]) for k in sorted(keys)}


def _component_metadata(rnd: random.Random, component: dict[str, Any]) -> None:
    """A component's own labels and annotations, rollout strategy and a few extension fields."""
    for key, pool in (("labels", _META_LABELS), ("annotations", _META_ANNOTATIONS)):
        if rnd.random() < 1 / 2:
            component[key] = _some(rnd, pool, 3)
    _maybe(rnd, 1 / 3, component, "deploymentStrategy", copy.deepcopy(rnd.choice(_STRATEGIES)))
    _maybe(rnd, 1 / 5, component, "minReplicas", rnd.choice((0, 1, 3)))
    _maybe(rnd, 1 / 6, component, "timeout", rnd.choice((30, 600)))
    _maybe(rnd, 1 / 6, component, "containerConcurrency", rnd.choice((0, 8)))


def _maybe_transformer(
    rnd: random.Random,
    spec: dict[str, Any],
    fill: Callable[[random.Random, dict[str, Any]], None],
) -> None:
    """A third of the time, a custom transformer that `fill` gives its fields."""
    if rnd.random() < 1 / 3:
        transformer: dict[str, Any] = {
            "containers": [{"name": "kserve-container", "image": "example.com/t:1"}]
        }
        fill(rnd, transformer)
        spec["transformer"] = transformer


@st.composite
def metadata_inference_service(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An InferenceService whose metadata and components' metadata carry labels and annotations
    KServe propagates, filters or reads, with rollout strategies on its components and, now and
    then, an inferenceservice-config that adds to the disallowed lists: what reaches the
    Knative Service, its revision template, the Deployment and its pods, the Service, HPA and
    ingress objects; and now and then the config's default rollout strategy."""
    rnd = draw(st.randoms(use_true_random=True))
    annotations = _some(rnd, _META_ANNOTATIONS, 4)
    _maybe(rnd, 1 / 3, annotations, "serving.kserve.io/deploymentMode",
           rnd.choice(("RawDeployment", "Serverless")))  # fmt: skip
    predictor: dict[str, Any] = {
        "model": {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://bucket/model"}
    }
    _component_metadata(rnd, predictor)
    spec: dict[str, Any] = {"predictor": predictor}
    _maybe_transformer(rnd, spec, _component_metadata)
    metadata: dict[str, Any] = {"name": "meta", "namespace": "default"}
    labels = _some(rnd, _META_LABELS, 3)
    if labels:
        metadata["labels"] = labels
    if annotations:
        metadata["annotations"] = annotations
    docs = [_inference_service(metadata, spec)]
    data: dict[str, str] = {}
    if rnd.random() < 1 / 4:
        shipped = json.loads(generator_config.builtin_layer().data["inferenceService"])
        lists: dict[str, Any] = {}
        _maybe(rnd, 2 / 3, lists, "serviceAnnotationDisallowedList", ["example.com/owner"])
        _maybe(rnd, 2 / 3, lists, "serviceLabelDisallowedList", ["team", "example.com/tier"])
        data["inferenceService"] = json.dumps({**shipped, **lists})
    if rnd.random() < 1 / 4:  # the harness puts the case's mode in it (_mode_layer)
        rollout: dict[str, str] = {}
        _maybe(rnd, 3 / 4, rollout, "maxSurge", rnd.choice(("1", "50%", "0")))
        _maybe(rnd, 3 / 4, rollout, "maxUnavailable", rnd.choice(("0", "25%", "2")))
        strategy = {"defaultRollout": rollout} if rnd.random() < 7 / 8 else {}
        data["deploy"] = json.dumps({"deploymentRolloutStrategy": strategy})
    if data:
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "ConfigMap",
                "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
                "data": data,
            }
        )
    return docs


def generate_metadata(
    count: int, fixed_seed: int = 20270
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `metadata_inference_service`."""
    return _drawn_cases(metadata_inference_service(), count, fixed_seed)


# --- pods: the agent (logger, batcher), the storage initializer and the pod annotations ------

_LOGGER_URLS = ("http://logger.default.svc.cluster.local", "http://sink.example.com:8080/logs")
_LOGGER_STORAGE: tuple[dict[str, Any], ...] = (  # path, parameters and key, or refused
    {"path": "/logs", "parameters": {"format": "json"}, "key": "logger-credentials"},
    {"path": "/logs/m", "parameters": {"type": "s3"}, "key": "", "serviceAccountName": "sa"},
    {"path": "", "parameters": {}, "key": "k", "serviceAccountName": ""},
    {
        "path": "/logs",
        "parameters": {"format": "parquet", "type": "gs"},
        "key": "k",
        "serviceAccountName": "logger-sa",
    },
    {"path": "/logs/model"},
    {},
)
# Annotations the pod webhooks read (the agent's metadata annotations name some of them).
_POD_ANNOTATIONS: dict[str, tuple[str, ...]] = {
    "serving.kserve.io/gke-accelerator": ("nvidia-tesla-t4",),
    "serving.kserve.io/enable-prometheus-scraping": ("true", "false"),
    "serving.kserve.io/enable-metric-aggregation": ("true", "false"),
    "prometheus.io/port": ("8082",),
    "prometheus.io/path": ("/stats",),
    "storage.kserve.io/readonly": ("true", "false"),
    "sidecar.istio.io/interceptionMode": ("REDIRECT", "TPROXY"),
    "sidecar.istio.io/inject": ("true",),
    "example.com/team": ("ml",),
    "example.com/cost-center": ("42",),
}
_POD_URIS = (
    "gs://bucket/model",
    "s3://bucket/models/m1",
    "pvc://model-pvc/models/m1",
    "oci://registry.example/models/m1:v1",
    "hf://org/model",
    "https://example.com/models/model.joblib",
)


def _logger(rnd: random.Random) -> dict[str, Any]:
    """A LoggerSpec with any of its fields."""
    logger: dict[str, Any] = {}
    _maybe(rnd, 2 / 3, logger, "url", rnd.choice(_LOGGER_URLS))
    _maybe(rnd, 7 / 8, logger, "mode", rnd.choice(("all", "request", "response")))
    _maybe(rnd, 1 / 3, logger, "metadataHeaders", rnd.choice((["X-Request-Id"], ["a", "b"])))
    _maybe(rnd, 1 / 3, logger, "metadataAnnotations",
           rnd.choice((["example.com/team"], ["example.com/team", "example.com/cost-center"],
                       ["example.com/absent"])))  # fmt: skip
    _maybe(rnd, 1 / 3, logger, "storage", copy.deepcopy(rnd.choice(_LOGGER_STORAGE)))
    _maybe(rnd, 1 / 5, logger, "marshallerUrl", "http://marshaller.example.com")
    _maybe(rnd, 1 / 5, logger, "batchSize", rnd.choice((0, 10)))
    _maybe(rnd, 1 / 5, logger, "batchInterval", rnd.choice(("", "5s")))
    return logger


def _batcher(rnd: random.Random) -> dict[str, Any]:
    batcher: dict[str, Any] = {}
    _maybe(rnd, 1 / 2, batcher, "maxBatchSize", rnd.choice((1, 32)))
    _maybe(rnd, 1 / 2, batcher, "maxLatency", rnd.choice((100, 5000)))
    _maybe(rnd, 1 / 3, batcher, "timeout", rnd.choice((1, 60)))
    return batcher


def _pod_fields(rnd: random.Random, component: dict[str, Any]) -> None:
    """The agent's and a few pod fields on one component."""
    _maybe(rnd, 1 / 2, component, "logger", _logger(rnd))
    _maybe(rnd, 1 / 3, component, "batcher", _batcher(rnd))
    _maybe(rnd, 1 / 5, component, "serviceAccountName", "sa-models")
    _maybe(rnd, 1 / 6, component, "imagePullSecrets", [{"name": "registry"}])
    _maybe(rnd, 1 / 6, component, "volumes", [{"name": "cache", "emptyDir": {}}])
    _maybe(rnd, 1 / 8, component, "initContainers",
           [{"name": "prepare", "image": "example.com/prepare:1", "args": ["--warm"]}])  # fmt: skip


def _pod_predictor(rnd: random.Random) -> dict[str, Any]:
    """A model-spec, framework or custom predictor (one or two containers) with a storage
    URI, or none."""
    uri = rnd.choice(_POD_URIS)
    form = rnd.choice(("model", "model", "framework", "custom", "custom-sidecar"))
    if form == "model":
        model: dict[str, Any] = {"modelFormat": {"name": rnd.choice(("sklearn", "huggingface"))}}
        _maybe(rnd, 5 / 6, model, "storageUri", uri)
        _maybe(rnd, 1 / 6, model, "volumeMounts", [{"name": "cache", "mountPath": "/cache"}])
        return {"model": model}
    if form == "framework":
        return {"tensorflow": {"storageUri": uri}}
    container: dict[str, Any] = {"name": "kserve-container", "image": "example.com/model:1"}
    if rnd.random() < 2 / 3:
        container["env"] = [{"name": "STORAGE_URI", "value": uri}]
    containers = [container]
    if form == "custom-sidecar":
        containers.append({"name": "sidecar", "image": "example.com/sidecar:1"})
    return {"containers": containers}


@st.composite
def pod_inference_service(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An InferenceService whose components log (every LoggerSpec field, the storage spec's
    defaults), batch, carry the annotations the pod webhooks read (Prometheus, GKE accelerator,
    Istio, read-only storage) and load models from each kind of storage URI, in one or two
    containers: the agent, storage-initializer and metrics injection against KServe's own."""
    rnd = draw(st.randoms(use_true_random=True))
    predictor = _pod_predictor(rnd)
    _pod_fields(rnd, predictor)
    spec: dict[str, Any] = {"predictor": predictor}
    _maybe_transformer(rnd, spec, _pod_fields)
    metadata: dict[str, Any] = {"name": "pods", "namespace": "default"}
    annotations = _some(rnd, _POD_ANNOTATIONS, 4)
    _maybe(rnd, 1 / 3, annotations, "serving.kserve.io/deploymentMode",
           rnd.choice(("RawDeployment", "Serverless")))  # fmt: skip
    if annotations:
        metadata["annotations"] = annotations
    return [_inference_service(metadata, spec)]


def generate_pods(count: int, fixed_seed: int = 20280) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `pod_inference_service`."""
    return _drawn_cases(pod_inference_service(), count, fixed_seed)


# --- components: transformer and explainer containers, their arguments and storage ----------

# Arguments KServe adds unless one starting with the same flag is there (utils.IncludesArg).
_COMPONENT_ARGS: tuple[list[str], ...] = (
    ["--model_name", "custom"],
    ["--model_name=custom"],
    ["--model_name_suffix=1"],
    ["--predictor_host", "elsewhere.default"],
    ["--predictor_host=elsewhere.default"],
    ["--http_port", "9000"],
    ["--workers", "3"],
    ["--protocol", "v2"],
    ["--verbose"],
)
_COMPONENT_ENV: tuple[dict[str, str], ...] = (
    {"name": "STORAGE_URI", "value": "gs://bucket/transformer"},
    {"name": "STORAGE_URI", "value": "s3://bucket/explainer"},
    {"name": "PROTOCOL", "value": "v2"},
    {"name": "EXTRA", "value": "1"},
)
_ART_CONFIG: dict[str, str] = {"nb_classes": "10", "max_iter": "20", "eps": "0.3"}


def _args(rnd: random.Random) -> list[str]:
    return [a for args in rnd.sample(_COMPONENT_ARGS, rnd.randint(0, 3)) for a in args]


def _component_container(rnd: random.Random, image: str) -> dict[str, Any]:
    """A transformer's or custom explainer's first container: name, args, env, ports."""
    container: dict[str, Any] = {"image": image}
    _maybe(rnd, 5 / 6, container, "name", rnd.choice(("kserve-container", "transformer")))
    _maybe(rnd, 1 / 2, container, "args", _args(rnd))
    _maybe(rnd, 1 / 3, container, "command", ["python", "-m", "component"])
    if rnd.random() < 1 / 2:
        env = rnd.sample(_COMPONENT_ENV, rnd.randint(1, 2))
        if len({e["name"] for e in env}) == len(env):
            container["env"] = copy.deepcopy(env)
    _maybe(rnd, 1 / 4, container, "ports",
           [{"containerPort": rnd.choice((8080, 9000)), "name": rnd.choice(("http1", "h2c")),
             "protocol": "TCP"}])  # fmt: skip
    _maybe(rnd, 1 / 4, container, "resources",
           {"limits": {"cpu": "1", "memory": "1Gi"}, "requests": {"cpu": "100m"}})  # fmt: skip
    return container


def _component_extension(rnd: random.Random, component: dict[str, Any]) -> None:
    _maybe(rnd, 1 / 3, component, "containerConcurrency", rnd.choice((0, 2, 8)))
    _maybe(rnd, 1 / 4, component, "minReplicas", rnd.choice((0, 1, 2)))
    _maybe(rnd, 1 / 6, component, "timeout", 90)


def _art_explainer(rnd: random.Random) -> dict[str, Any]:
    art: dict[str, Any] = {"type": "SquareAttack"}
    keys = rnd.sample(sorted(_ART_CONFIG), rnd.randint(0, 3))
    if keys or rnd.random() < 1 / 4:
        art["config"] = {k: _ART_CONFIG[k] for k in keys}
    _maybe(rnd, 1 / 3, art, "args", _args(rnd))
    _maybe(rnd, 1 / 3, art, "storageUri", rnd.choice(("gs://bucket/art", "pvc://claim/art")))
    _maybe(rnd, 1 / 4, art, "runtimeVersion", "v0.20.0-rc1")
    _maybe(rnd, 1 / 6, art, "image", "example.com/art")
    _maybe(rnd, 1 / 4, art, "resources", {"limits": {"cpu": "2"}})
    _maybe(rnd, 1 / 6, art, "env", [{"name": "EXTRA", "value": "1"}])
    return {"art": art}


@st.composite
def component_inference_service(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An InferenceService with a transformer (custom containers: any arguments KServe adds
    unless given, storage and protocol env vars, ports, a second container) and or an
    explainer (ART with config, arguments, storage and images, or custom containers), over a
    model predictor of each protocol: the component containers and their routing against
    KServe's own."""
    rnd = draw(st.randoms(use_true_random=True))
    model: dict[str, Any] = {"modelFormat": {"name": "sklearn"}, "storageUri": "gs://b/m"}
    _maybe(rnd, 1 / 2, model, "protocolVersion", rnd.choice(("v1", "v2", "grpc-v2")))
    predictor: dict[str, Any] = {"model": model}
    _component_extension(rnd, predictor)
    spec: dict[str, Any] = {"predictor": predictor}
    with_explainer = rnd.random() < 1 / 2
    if not with_explainer or rnd.random() < 1 / 3:
        containers = [_component_container(rnd, "example.com/transformer:1")]
        if rnd.random() < 1 / 6:
            containers.append({"name": "sidecar", "image": "example.com/sidecar:1"})
        transformer: dict[str, Any] = {"containers": containers}
        _component_extension(rnd, transformer)
        spec["transformer"] = transformer
    if with_explainer:
        explainer: dict[str, Any] = (
            _art_explainer(rnd)
            if rnd.random() < 2 / 3
            else {"containers": [_component_container(rnd, "example.com/explainer:1")]}
        )
        _component_extension(rnd, explainer)
        spec["explainer"] = explainer
    metadata: dict[str, Any] = {"name": rnd.choice(("comp", "image-classifier")),
                                "namespace": rnd.choice(("default", "team-a"))}  # fmt: skip
    if rnd.random() < 1 / 3:
        metadata["annotations"] = {
            "serving.kserve.io/deploymentMode": rnd.choice(("RawDeployment", "Serverless"))
        }
    return [_inference_service(metadata, spec)]


def generate_components(
    count: int, fixed_seed: int = 20290
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `component_inference_service`."""
    return _drawn_cases(component_inference_service(), count, fixed_seed)


# --- local model caches: the defaulter's cache match and the pod webhook's PVC mount ---------

_CACHED_URIS = ("hf://org/llama", "gs://bucket/models/", "s3://bucket/m1", "pvc://claim/models")
# Each cached URI itself, a folder under it, a sibling whose name only starts the same, one
# with a trailing slash, and one no cache holds.
_MODEL_URIS = (
    "hf://org/llama",
    "hf://org/llama/sub/dir",
    "hf://org/llama-2",
    "gs://bucket/models",
    "gs://bucket/models/v1",
    "s3://bucket/m1/",
    "pvc://claim/models/a",
    "https://example.com/model.joblib",
)
_NODE_GROUPS = ("gpu-a", "gpu-b", "cpu")


def _cache(rnd: random.Random, kind: str, name: str, uri: str) -> dict[str, Any]:
    """A cache of the model's URI's cache candidate half the time, else of any."""
    near = [u for u in _CACHED_URIS if u.split("://")[0] == uri.split("://")[0]]
    source = rnd.choice(near if near and rnd.random() < 1 / 2 else _CACHED_URIS)
    metadata: dict[str, Any] = {"name": name}
    if kind == "LocalModelNamespaceCache":
        metadata["namespace"] = rnd.choice(("default", "team-a"))
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": kind,
        "metadata": metadata,
        "spec": {
            "sourceModelUri": source,
            "modelSize": "10Gi",
            "nodeGroups": rnd.sample(_NODE_GROUPS, rnd.randint(1, 2)),
        },
    }


@st.composite
def local_model_case(draw: st.DrawFn) -> list[dict[str, Any]]:
    """An InferenceService (model, legacy or custom predictor, on a URI a cache holds, under it,
    beside it or elsewhere; a node group, the opt-out annotation), the LocalModelCaches and
    LocalModelNamespaceCaches of the cluster, and `localModel.enabled` on or off: the labels the
    defaulter sets and the PVC the pod webhook mounts, against KServe's."""
    rnd = draw(st.randoms(use_true_random=True))
    uri = rnd.choice(_MODEL_URIS)
    shape = rnd.choice(("model", "model", "legacy", "custom"))
    predictor: dict[str, Any]
    if shape == "model":
        predictor = {"model": {"modelFormat": {"name": "sklearn"}, "storageUri": uri}}
    elif shape == "legacy":
        predictor = {"sklearn": {"storageUri": uri}}
    else:
        predictor = {"containers": [{"name": "kserve-container", "image": "example.com/m:1",
                                     "env": [{"name": "STORAGE_URI", "value": uri}]}]}  # fmt: skip
    metadata: dict[str, Any] = {"name": "cached", "namespace": rnd.choice(("default", "team-a"))}
    annotations: dict[str, str] = {}
    _maybe(rnd, 1 / 3, annotations, "serving.kserve.io/nodegroup", rnd.choice(_NODE_GROUPS))
    _maybe(rnd, 1 / 8, annotations, "serving.kserve.io/disable-localmodel", "true")
    if annotations:
        metadata["annotations"] = annotations
    docs = [_inference_service(metadata, {"predictor": predictor})]
    names = rnd.sample(("cache-a", "cache-b", "cache-c"), rnd.randint(0, 3))
    docs += [_cache(rnd, "LocalModelCache", name, uri) for name in names]
    names = rnd.sample(("ns-cache-a", "ns-cache-b"), rnd.randint(0, 2))
    docs += [_cache(rnd, "LocalModelNamespaceCache", name, uri) for name in names]
    enabled = rnd.random() < 5 / 6
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
            "data": {"localModel": json.dumps({"enabled": enabled})},
        }
    )
    return docs


def generate_local_models(
    count: int, fixed_seed: int = 20300
) -> list[tuple[list[dict[str, Any]], str]]:
    """`count` draws (documents, default mode) of `local_model_case`."""
    return _drawn_cases(local_model_case(), count, fixed_seed)
