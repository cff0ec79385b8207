"""The InferenceGraph controller, against KServe v0.20.0 `inferencegraph/controller_test.go`,
`raw_ig_test.go`, `apis/serving/v1alpha1/inference_graph_validation_test.go` and
`inferenceservice/utils/utils_test.go` (`TestGetPredictorEndpoint`, `TestModelName`).

The Go controller tests run envtest and compare the Knative Service `spec` after a dry-run
update (Knative's defaults on both sides); here the rendered spec is compared with the Go
expectation as written. Not ported: "Should fail if Knative Serving is not installed" (the
Knative CRDs are assumed), `TestPropagateRawStatus` (no status offline), and the "updated on an
existing IG" stop cases become a render of the final state. Every object is validated
(kubernetes-validate strict, the Knative Service against Knative's CRD).
"""

from __future__ import annotations

import copy
import dataclasses
import json
from typing import Any

import kubernetes_validate
import pytest
from reconcilers.crd_schema import crd_errors

from generator import constants as c
from generator.admission.inferencegraph import (
    DUPLICATE_STEP_NAME_ERROR,
    GRAPH_NAME_FMT,
    INVALID_GRAPH_NAME_FORMAT_ERROR,
    INVALID_TARGET_ERROR,
    INVALID_WEIGHT_ERROR,
    ROOT_NODE_NOT_FOUND_ERROR,
    TARGET_NOT_PROVIDED_ERROR,
    WEIGHT_NOT_PROVIDED_ERROR,
    validate_inference_graph,
)
from generator.admission.runtimes import RuntimeIndex
from generator.config import Config, builtin_layer, resolve
from generator.config.pod_configs import RouterConfig
from generator.controllers.inferencegraph import (
    ROUTER_READINESS_PROBE,
    ROUTER_SECURITY_CONTEXT,
    construct_for_raw_deployment,
    create_inference_graph_pod_spec,
    get_model_name,
    get_predictor_endpoint,
    graph_json,
    reconcile_graph,
)
from generator.errors import Invalid
from generator.render import Renderer

RENDERER = Renderer()
_BUILTIN, _ = resolve([builtin_layer()])
assert _BUILTIN is not None
ROUTER_JSON = {
    "image": "kserve/router:v0.10.0",
    "memoryRequest": "100Mi",
    "memoryLimit": "500Mi",
    "cpuRequest": "100m",
    "cpuLimit": "100m",
}
ROUTER = RouterConfig.from_json(json.dumps(ROUTER_JSON))
ROUTER_WITH_HEADERS = RouterConfig.from_json(
    json.dumps({**ROUTER_JSON, "headers": {"propagate": ["Authorization", "Intuit_tid"]}})
)
CFG: Config = dataclasses.replace(_BUILTIN, router=ROUTER_WITH_HEADERS)  # the Go `configs`
DEFAULT_RESOURCES = {
    "limits": {"cpu": "100m", "memory": "500Mi"},
    "requests": {"cpu": "100m", "memory": "100Mi"},
}
SOME_SERVICE = {"serviceUrl": "http://someservice.example.com"}
BASIC_JSON = (
    '{"nodes":{"root":{"routerType":"Sequence","steps":'
    '[{"serviceUrl":"http://someservice.example.com"}]}},"resources":{}'
)
TOLERATION = {"key": "key1", "operator": "Equal", "value": "value1", "effect": "NoSchedule"}
HEADERS_ENV = [{"name": "PROPAGATE_HEADERS", "value": "Authorization,Intuit_tid"}]


def make_graph(name: str, mode: str | None = "Knative", **spec: Any) -> dict[str, Any]:
    annotations = {c.DEPLOYMENT_MODE: mode} if mode else {}
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "InferenceGraph",
        "metadata": {"name": name, "namespace": "default", "annotations": annotations},
        "spec": {"nodes": {"root": {"routerType": "Sequence", "steps": [SOME_SERVICE]}}, **spec},
    }


def assert_valid(obj: dict[str, Any]) -> None:
    if obj["apiVersion"].startswith("serving.knative.dev/"):
        assert crd_errors(obj) == []
    else:
        kubernetes_validate.validate(obj, "1.34", strict=True)


def reconcile(graph: dict[str, Any], **kwargs: Any) -> list[dict[str, Any]]:
    found = reconcile_graph(graph, kwargs.pop("isvcs", {}), CFG, RENDERER, **kwargs)
    assert not isinstance(found, Invalid), found
    for obj in found:
        assert_valid(obj)
    return found


# --- controller_test.go: the Knative Service --------------------------------------------------


def expected_ksvc_spec(
    name: str, args_json: str, resources: dict[str, Any], **pod: Any
) -> dict[str, Any]:
    container = {
        "image": "kserve/router:v0.10.0",
        "env": HEADERS_ENV,
        "args": ["--graph-json", args_json],
        "resources": resources,
        "readinessProbe": ROUTER_READINESS_PROBE,
        "securityContext": ROUTER_SECURITY_CONTEXT,
    }
    return {
        "template": {
            "metadata": {
                "labels": {
                    c.INFERENCE_GRAPH_LABEL: name,
                    "serving.kserve.io/kind": "InferenceGraph",
                },
                "annotations": {
                    "autoscaling.knative.dev/min-scale": "1",
                    "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
                    "serving.kserve.io/deploymentMode": "Knative",
                },
            },
            "spec": {"containers": [container], "automountServiceAccountToken": False, **pod},
        }
    }


RESOURCES_123 = {
    "limits": {"cpu": "123m", "memory": "123Mi"},
    "requests": {"cpu": "123m", "memory": "123Mi"},
}
POD_AFFINITY = {
    "podAffinity": {
        "preferredDuringSchedulingIgnoredDuringExecution": [
            {
                "weight": 100,
                "podAffinityTerm": {
                    "labelSelector": {
                        "matchExpressions": [
                            {
                                "key": "serving.kserve.io/inferencegraph",
                                "operator": "In",
                                "values": ["singlenode3"],
                            }
                        ]
                    },
                    "topologyKey": "topology.kubernetes.io/zone",
                },
            }
        ]
    }
}
KNATIVE = {
    "When creating an inferencegraph with headers in global config": (
        make_graph("singlenode1"),
        expected_ksvc_spec("singlenode1", BASIC_JSON + "}", DEFAULT_RESOURCES),
    ),
    "When creating an IG with resource requirements in the spec": (
        make_graph("singlenode2", resources=RESOURCES_123),
        expected_ksvc_spec(
            "singlenode2",
            BASIC_JSON[: -len("{}")]
            + '{"limits":{"cpu":"123m","memory":"123Mi"},'
            + '"requests":{"cpu":"123m","memory":"123Mi"}}}',
            RESOURCES_123,
        ),
    ),
    "When creating an IG with podaffinity in the spec": (
        # the Go object lists podAffinityTerm fields in another order: json.Marshal fixes it
        make_graph("singlenode3", affinity=json.loads(json.dumps(POD_AFFINITY, sort_keys=True))),
        expected_ksvc_spec(
            "singlenode3",
            BASIC_JSON
            + ',"affinity":{"podAffinity":{"preferredDuringSchedulingIgnoredDuringExecution":'
            '[{"weight":100,"podAffinityTerm":{"labelSelector":{"matchExpressions":[{"key":'
            '"serving.kserve.io/inferencegraph","operator":"In","values":["singlenode3"]}]},'
            '"topologyKey":"topology.kubernetes.io/zone"}}]}}}',
            DEFAULT_RESOURCES,
            affinity=POD_AFFINITY,
        ),
    ),
    "When creating an IG with tolerations in the spec": (
        make_graph("singlenode4", tolerations=[TOLERATION]),
        expected_ksvc_spec(
            "singlenode4",
            BASIC_JSON + ',"tolerations":[{"key":"key1","operator":"Equal","value":"value1",'
            '"effect":"NoSchedule"}]}',
            DEFAULT_RESOURCES,
            tolerations=[TOLERATION],
        ),
    ),
}


@pytest.mark.parametrize(("graph", "expected_spec"), KNATIVE.values(), ids=KNATIVE.keys())
def test_knative_service(graph: dict[str, Any], expected_spec: dict[str, Any]) -> None:
    [ksvc] = reconcile(graph)
    name = graph["metadata"]["name"]
    assert ksvc["metadata"] == {"name": name, "namespace": "default"}
    assert ksvc["spec"] == expected_spec


INITIAL_SCALE = {
    "not allow zero initial scale/value of zero": (False, "0", None),
    "not allow zero initial scale/valid non-zero integer value": (False, "3", "3"),
    "not allow zero initial scale/invalid non-integer value": (False, "non-integer", None),
    "allow zero initial scale/value of zero": (True, "0", "0"),
    "allow zero initial scale/valid non-zero integer value": (True, "3", "3"),
    "allow zero initial scale/invalid non-integer value": (True, "non-integer", None),
}


@pytest.mark.parametrize(
    ("allow_zero", "value", "expected"), INITIAL_SCALE.values(), ids=INITIAL_SCALE.keys()
)
def test_initial_scale(allow_zero: bool, value: str, expected: str | None) -> None:
    graph = make_graph("initialscale", minReplicas=2)
    graph["metadata"]["annotations"]["autoscaling.knative.dev/initial-scale"] = value
    [ksvc] = reconcile(graph, allow_zero_initial_scale=allow_zero)
    annotations = ksvc["spec"]["template"]["metadata"]["annotations"]
    assert annotations.get("autoscaling.knative.dev/initial-scale") == expected
    assert annotations["autoscaling.knative.dev/min-scale"] == "2"


def test_raw_deployment_with_podspec() -> None:
    """Should create a raw k8s resources with podspec: a Deployment and Service, no ksvc."""
    objects = reconcile(make_graph("igraw1", "Standard"))
    kinds = {(o["kind"], o["apiVersion"]) for o in objects}
    assert ("Service", "serving.knative.dev/v1") not in kinds
    by_kind = {o["kind"]: o for o in objects}
    assert set(by_kind) == {"Service", "Deployment", "HorizontalPodAutoscaler"}
    deployment = by_kind["Deployment"]
    assert deployment["metadata"]["name"] == "igraw1"
    [container] = deployment["spec"]["template"]["spec"]["containers"]
    assert container["name"] == "igraw1"
    assert container["image"] == "kserve/router:v0.10.0"
    assert container["args"] == ["--graph-json", BASIC_JSON + "}"]
    assert (
        container["readinessProbe"] == ROUTER_READINESS_PROBE
    )  # not replaced (not kserve-container)
    assert by_kind["Service"]["spec"]["ports"] == [
        {"name": "igraw1", "port": 80, "targetPort": 8080, "protocol": "TCP"}
    ]
    assert by_kind["Service"]["spec"]["selector"] == {"app": "isvc.igraw1"}


RAW_KINDS = ["Service", "Deployment", "HorizontalPodAutoscaler"]
STOP_ITS = (  # the It() texts, with the object each Describe checks
    ("Should keep {} when the StopAnnotationKey annotation is set to false", "false", True),
    ("Should not create {} when the StopAnnotationKey annotation is set to true", "true", False),
    (
        "Should delete {} when the StopAnnotationKey annotation is updated to true on an "
        "existing IG",
        "TRUE",  # strings.EqualFold
        False,
    ),
    (
        "Should create {} when the StopAnnotationKey annotation is updated to false on an "
        "existing IG",
        "false",
        True,
    ),
)
STOP = {
    f"{describe}/{it.format(what)}": (mode, stop, kinds if running else [])
    for describe, mode, what, kinds in (
        ("in Knative mode", "Knative", "the knative service", ["Service"]),
        ("in Raw Deployment mode", "Standard", "the service/deployment", RAW_KINDS),
    )
    for it, stop, running in STOP_ITS
}


@pytest.mark.parametrize(("mode", "stop", "kinds"), STOP.values(), ids=STOP.keys())
def test_stop(mode: str, stop: str, kinds: list[str]) -> None:
    graph = make_graph("stop-ig", mode)
    graph["metadata"]["annotations"][c.STOP_ANNOTATION_KEY] = stop
    assert [o["kind"] for o in reconcile(graph)] == kinds


def test_stopped_graph_does_not_need_its_services() -> None:
    """KServe resolves step URLs only when the graph runs, so a missing service is no error."""
    graph = make_graph("stopped")
    graph["spec"]["nodes"]["root"]["steps"] = [{"serviceName": "absent"}]
    graph["metadata"]["annotations"][c.STOP_ANNOTATION_KEY] = "true"
    assert reconcile(graph) == []


# --- raw_ig_test.go ---------------------------------------------------------------------------

RAW_IG = {
    "basic": make_graph("basic-ig", None),
    "withresource": make_graph(
        "resource-ig",
        "Standard",
        resources={
            "limits": {"cpu": "100m", "memory": "500Mi"},
            "requests": {"cpu": "100m", "memory": "100Mi"},
        },
    ),
    "with tolerations": make_graph(
        "resource-ig",
        "Standard",
        resources=DEFAULT_RESOURCES,
        tolerations=[TOLERATION],
    ),
}
WITH_RESOURCES_JSON = BASIC_JSON[: -len("{}")] + (
    '{"limits":{"cpu":"100m","memory":"500Mi"},"requests":{"cpu":"100m","memory":"100Mi"}}'
)


def expected_pod_spec(name: str, args_json: str, env: bool = False, **pod: Any) -> dict[str, Any]:
    container = {
        "image": "kserve/router:v0.10.0",
        "name": name,
        "args": ["--graph-json", args_json],
        "resources": DEFAULT_RESOURCES,
        "readinessProbe": ROUTER_READINESS_PROBE,
        "securityContext": ROUTER_SECURITY_CONTEXT,
    }
    if env:
        container["env"] = HEADERS_ENV
    # ImagePullSecrets: an empty list, which the JSON encoder omits
    return {"containers": [container], "automountServiceAccountToken": False, **pod}


POD_SPECS = {
    "Basic Inference graph": (
        RAW_IG["basic"],
        ROUTER,
        expected_pod_spec("basic-ig", BASIC_JSON + "}"),
    ),
    "Inference graph with resource requirements": (
        RAW_IG["withresource"],
        ROUTER,
        expected_pod_spec("resource-ig", WITH_RESOURCES_JSON + "}"),
    ),
    "Inference graph with propagate headers": (
        RAW_IG["basic"],
        ROUTER_WITH_HEADERS,
        expected_pod_spec("basic-ig", BASIC_JSON + "}", env=True),
    ),
    "Inference graph with tolerations": (
        RAW_IG["with tolerations"],
        ROUTER,
        expected_pod_spec(
            "resource-ig",
            WITH_RESOURCES_JSON + ',"tolerations":[{"key":"key1","operator":"Equal",'
            '"value":"value1","effect":"NoSchedule"}]}',
            tolerations=[TOLERATION],
        ),
    ),
}


@pytest.mark.parametrize(("graph", "router", "expected"), POD_SPECS.values(), ids=POD_SPECS.keys())
def test_create_inference_graph_pod_spec(
    graph: dict[str, Any], router: RouterConfig, expected: dict[str, Any]
) -> None:
    name = graph["metadata"]["name"]
    found = create_inference_graph_pod_spec(graph, router, graph_json(graph["spec"]), name)
    assert found == expected


def ig_meta(**meta: Any) -> dict[str, Any]:
    return {"metadata": {"name": "basic-ig", "namespace": "basic-ig-namespace", **meta}}


OBJECT_META = {
    "Basic Inference graph": (ig_meta(), {}, {c.INFERENCE_GRAPH_LABEL: "basic-ig"}, {}, {}),
    "Inference graph with annotations , min and max replicas ": (
        ig_meta(annotations={"test": "test"}),
        {"minReplicas": 2, "maxReplicas": 5},
        {c.INFERENCE_GRAPH_LABEL: "basic-ig"},
        {"test": "test"},
        {"minReplicas": 2, "maxReplicas": 5},
    ),
    "Inference graph with labels": (
        ig_meta(labels={"test": "test"}),
        {},
        {c.INFERENCE_GRAPH_LABEL: "basic-ig", "test": "test"},
        {},
        {},
    ),
    "Inference graph with annotations and labels": (
        ig_meta(annotations={"test": "test"}, labels={"test": "test"}),
        {"minReplicas": 5, "maxReplicas": 10, "scaleTarget": 50, "scaleMetric": "cpu"},
        {c.INFERENCE_GRAPH_LABEL: "basic-ig", "test": "test"},
        {"test": "test"},
        {"minReplicas": 5, "maxReplicas": 10, "scaleTarget": 50, "scaleMetric": "cpu"},
    ),
}


@pytest.mark.parametrize(
    ("graph", "spec", "labels", "annotations", "ext"), OBJECT_META.values(), ids=OBJECT_META.keys()
)
def test_construct_graph_object_meta(
    graph: dict[str, Any],
    spec: dict[str, Any],
    labels: dict[str, str],
    annotations: dict[str, str],
    ext: dict[str, Any],
) -> None:
    meta, found_ext = construct_for_raw_deployment({**graph, "spec": spec})
    assert meta == {
        "name": "basic-ig",
        "namespace": "basic-ig-namespace",
        "labels": labels,
        "annotations": annotations,
    }
    assert found_ext == ext


# --- inference_graph_validation_test.go -------------------------------------------------------


def name_error(name: str) -> Invalid:
    return Invalid("metadata.name", INVALID_GRAPH_NAME_FORMAT_ERROR.format(name, GRAPH_NAME_FMT))


ROOT = {"root": {}}


def splitter(*steps: dict[str, Any]) -> dict[str, Any]:
    return {"root": {"routerType": "Splitter", "steps": list(steps)}}


VALIDATE = {
    "simple": ("foo-bar", ROOT, None),
    "alphanumeric model name": ("Abc-123", None, name_error("Abc-123")),
    "name starts with number": ("4abc-3", ROOT, name_error("4abc-3")),
    "name starts with dash": ("-abc-3", ROOT, name_error("-abc-3")),
    "name ends with dash": ("abc-3-", ROOT, name_error("abc-3-")),
    "name includes dot": ("abc.123", ROOT, name_error("abc.123")),
    "name includes spaces": ("abc 123", ROOT, name_error("abc 123")),
    "without root node": ("foo-bar", {}, Invalid("spec.nodes", ROOT_NODE_NOT_FOUND_ERROR)),
    "with root node": ("foo-bar", ROOT, None),
    "invalid weight for splitter": (
        "foo-bar",
        splitter(
            {"weight": 80, "nodeName": "test"},
            {"weight": 30, "serviceUrl": "http://foo-bar.local/"},
        ),
        Invalid("spec.nodes.root", INVALID_WEIGHT_ERROR.format("foo-bar", "root")),
    ),
    "weight missing in splitter": (
        "foo-bar",
        splitter({"serviceName": "test"}),
        Invalid(
            "spec.nodes.root.steps[0].weight",
            WEIGHT_NOT_PROVIDED_ERROR.format("foo-bar", "root", "test"),
        ),
    ),
    "simple splitter": (
        "foo-bar",
        splitter(
            {"weight": 80, "serviceName": "service1"}, {"weight": 20, "serviceName": "service2"}
        ),
        None,
    ),
    "step inference target not provided": (
        "foo-bar",
        splitter({"weight": 100}),
        Invalid(
            "spec.nodes.root.steps[0]", TARGET_NOT_PROVIDED_ERROR.format(0, "", "root", "foo-bar")
        ),
    ),
    "invalid inference graph target": (
        "foo-bar",
        splitter({"weight": 100, "serviceName": "service", "nodeName": "test"}),
        Invalid("spec.nodes.root.steps[0]", INVALID_TARGET_ERROR.format(0, "", "root", "foo-bar")),
    ),
    "duplicate step name": (
        "foo-bar",
        splitter(
            {"name": "step1", "weight": 80, "serviceName": "service1"},
            {"name": "step1", "weight": 20, "serviceName": "service2"},
        ),
        Invalid(
            "spec.nodes.root.steps[1].name",
            DUPLICATE_STEP_NAME_ERROR.format("root", "foo-bar", "step1"),
        ),
    ),
}


@pytest.mark.parametrize(("name", "nodes", "expected"), VALIDATE.values(), ids=VALIDATE.keys())
def test_inference_graph_validate_create(
    name: str, nodes: dict[str, Any] | None, expected: Invalid | None
) -> None:
    graph = {"metadata": {"name": name}, "spec": {"nodes": nodes}}
    assert validate_inference_graph(graph) == expected


# --- utils_test.go: TestGetPredictorEndpoint, TestModelName -----------------------------------

V1_RUNTIME = {
    "metadata": {"name": "mocked-v1-runtime", "namespace": "default"},
    "spec": {"protocolVersions": ["v1"]},
}
V2_RUNTIME = {
    "metadata": {"name": "mocked-v2-runtime", "namespace": "default"},
    "spec": {"protocolVersions": ["v2"]},
}
INDEX = RuntimeIndex({"default": (V1_RUNTIME, V2_RUNTIME)}, ())
PREDICTOR_ADDRESS = "http://sklearn-predictor.default.svc.cluster.local"
TRANSFORMER_ADDRESS = "http://sklearn-transformer.default.svc.cluster.local"


def isvc(
    name: str = "sklearn", transformer: dict[str, Any] | None = None, **predictor: Any
) -> dict[str, Any]:
    spec: dict[str, Any] = {"predictor": predictor}
    if transformer is not None:
        spec["transformer"] = transformer
    return {"metadata": {"name": name, "namespace": "default"}, "spec": spec}


def sklearn(**model: Any) -> dict[str, Any]:
    return {"modelFormat": {"name": "sklearn"}, **model}


TRANSFORMER = {"containers": [{"name": "kserve-container", "image": "kserve/transformer:1.0"}]}
TRANSFORMER_V2 = {
    "containers": [{**TRANSFORMER["containers"][0], "env": [{"name": "PROTOCOL", "value": "v2"}]}]
}
S3 = "s3://test"
CUSTOM_CONTAINER = {
    "name": "kserve-container",
    "image": "kserve/custom-image:1.0",
    "args": ["--model_name=sklearn-custom"],
    "env": [
        {"name": "PROTOCOL", "value": "v2"},
        {"name": "STORAGE_URI", "value": S3},
        {"name": "MULTI_MODEL_SERVER", "value": "false"},
    ],
}
ENDPOINT = {
    "MMSPredictor": (
        isvc(model=sklearn(image="customImage:0.1.0")),
        PREDICTOR_ADDRESS,
        PREDICTOR_ADDRESS,
    ),
    "DefaultProtocol": (
        isvc(model=sklearn(storageUri=S3)),
        PREDICTOR_ADDRESS,
        PREDICTOR_ADDRESS + "/v1/models/sklearn:predict",
    ),
    "DefaultProtocolVersionWithTransformer": (
        isvc("sklearn", TRANSFORMER, model=sklearn(storageUri=S3)),
        TRANSFORMER_ADDRESS,
        TRANSFORMER_ADDRESS + "/v1/models/sklearn:predict",
    ),
    "ProtocolSpecified": (
        isvc(model=sklearn(storageUri=S3, protocolVersion="v2")),
        PREDICTOR_ADDRESS,
        PREDICTOR_ADDRESS + "/v2/models/sklearn/infer",
    ),
    "ProtocolSpecifiedWithTransformer": (
        isvc("sklearn", TRANSFORMER_V2, model=sklearn(storageUri=S3)),
        TRANSFORMER_ADDRESS,
        TRANSFORMER_ADDRESS + "/v2/models/sklearn/infer",
    ),
    "CustomModel": (
        isvc("sklearn-iris", containers=[CUSTOM_CONTAINER]),
        PREDICTOR_ADDRESS,
        PREDICTOR_ADDRESS + "/v2/models/sklearn-custom/infer",
    ),
    "IsvcIsNotReady": (
        isvc("sklearn", TRANSFORMER_V2, model=sklearn(storageUri=S3)),
        None,
        Invalid("status.address.url", "service sklearn is not ready"),
    ),
    "NoProtocolWithRuntimeProtocolV1": (
        isvc(model=sklearn(storageUri=S3, runtime="mocked-v1-runtime")),
        PREDICTOR_ADDRESS,
        PREDICTOR_ADDRESS + "/v1/models/sklearn:predict",
    ),
    "NoProtocolWithRuntimeProtocolV2": (
        isvc(model=sklearn(storageUri=S3, runtime="mocked-v2-runtime")),
        PREDICTOR_ADDRESS,
        PREDICTOR_ADDRESS + "/v2/models/sklearn/infer",
    ),
}


@pytest.mark.parametrize(
    ("isvc_obj", "address", "expected"), ENDPOINT.values(), ids=ENDPOINT.keys()
)
def test_get_predictor_endpoint(
    isvc_obj: dict[str, Any], address: str | None, expected: Any
) -> None:
    assert get_predictor_endpoint(isvc_obj, address, INDEX) == expected


def test_get_predictor_endpoint_runtime_errors() -> None:
    grpc = {"metadata": {"name": "grpc-only"}, "spec": {"protocolVersions": ["grpc-v2"]}}
    index = RuntimeIndex({"default": (grpc,)}, ())
    found = get_predictor_endpoint(
        isvc(model=sklearn(storageUri=S3, runtime="grpc-only")), "http://x", index
    )
    assert found == Invalid(
        "spec.predictor.model.runtime",
        "the runtime does not support a protocol compatible with Inference Graphs",
    )
    missing = get_predictor_endpoint(
        isvc(model=sklearn(storageUri=S3, runtime="nope")), "http://x", index
    )
    assert isinstance(missing, Invalid)
    assert missing.message == "No ServingRuntimes or ClusterServingRuntimes with the name: nope"


MODEL_NAME = {
    "ModelSpec": (isvc(model=sklearn(image="customImage:0.1.0")), "sklearn"),
    "CustomModelName": (
        isvc(
            "sklearn-iris",
            model=sklearn(storageUri="gs://someUri", args=["--model_name=sklearn-custom"]),
        ),
        "sklearn-custom",
    ),
    "CustomSpec": (
        isvc("CustomSpecMMS", containers=[{"name": "kserve-container", "image": "some-image"}]),
        "CustomSpecMMS",
    ),
    "CustomSpecWithModelNameArg": (
        isvc(
            "Custom",
            containers=[
                {
                    "name": "kserve-container",
                    "image": "some-image",
                    "args": ["--model_name=custom-model"],
                }
            ],
        ),
        "custom-model",
    ),
    "ModelSpecWithModelNameEnv": (
        isvc(
            "sklearn-iris-v2",
            model=sklearn(env=[{"name": "MLSERVER_MODEL_NAME", "value": "sklearn-custom"}]),
        ),
        "sklearn-custom",
    ),
    "TransformerWithModelNameArg": (
        isvc(
            "sklearn-iris-transformer",
            {
                "containers": [
                    {
                        "name": "kserve-container",
                        "image": "some-image",
                        "args": ["--model_name=custom-model"],
                    }
                ]
            },
            model=sklearn(),
        ),
        "custom-model",
    ),
    "multiple modelname arguments": (
        isvc(
            model=sklearn(
                args=["--model_name=sklearn", "--model_dir", "/mnt/models", "--model_name", "iris"]
            )
        ),
        "iris",
    ),
    "modelname argument and value in single string": (
        isvc(model=sklearn(args=["--model_dir", "/mnt/models", "--model_name iris"])),
        "sklearn",
    ),
    "modelname value in separate string": (
        isvc(model=sklearn(args=["--model_dir", "/mnt/models", "--model_name", "iris"])),
        "iris",
    ),
}


@pytest.mark.parametrize(("isvc_obj", "expected"), MODEL_NAME.values(), ids=MODEL_NAME.keys())
def test_model_name(isvc_obj: dict[str, Any], expected: str) -> None:
    assert get_model_name(isvc_obj) == expected


# --- step URLs, --graph-json, problems --------------------------------------------------------


def test_steps_naming_services_get_their_endpoint() -> None:
    graph = make_graph("model-chainer")
    graph["spec"]["nodes"]["root"]["steps"] = [
        {"serviceName": "sklearn"},
        {"serviceName": "custom", "data": "$request", "serviceUrl": "http://kept"},
    ]
    isvcs = {
        ("default", "sklearn"): (isvc(model=sklearn(storageUri=S3)), None, PREDICTOR_ADDRESS),
        ("default", "custom"): (isvc("custom", containers=[CUSTOM_CONTAINER]), None, None),
    }
    [ksvc] = reconcile(graph, isvcs=isvcs, index=INDEX)
    args = ksvc["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args[1].startswith(
        '{"nodes":{"root":{"routerType":"Sequence","steps":[{"serviceName":"sklearn","serviceUrl":'
        '"http://sklearn-predictor.default.svc.cluster.local/v1/models/sklearn:predict"},'
        '{"serviceName":"custom","serviceUrl":"http://kept","data":"$request"}]}}'
    )
    assert graph["spec"]["nodes"]["root"]["steps"][0] == {"serviceName": "sklearn"}  # unchanged


def test_a_step_naming_an_absent_service_is_a_problem() -> None:
    graph = make_graph("g")
    graph["spec"]["nodes"]["root"]["steps"] = [SOME_SERVICE, {"serviceName": "absent"}]
    assert reconcile_graph(graph, {}, CFG, RENDERER) == Invalid(
        "spec.nodes.root.steps[1].serviceName",
        "Failed to find graph service absent: "
        'inferenceservices.serving.kserve.io "absent" not found',
    )


def test_a_step_naming_a_service_without_address_is_a_problem() -> None:
    graph = make_graph("g")
    graph["spec"]["nodes"]["root"]["steps"] = [{"serviceName": "sklearn"}]
    isvcs = {("default", "sklearn"): (isvc(model=sklearn(storageUri=S3)), None, None)}
    assert reconcile_graph(graph, isvcs, CFG, RENDERER) == Invalid(
        "spec.nodes.root.steps[0].serviceName",
        "service sklearn is not ready: service sklearn is not ready",
    )


def test_graph_json_is_go_json_marshal() -> None:
    """Struct field order, omitempty (pointers kept at zero), quantities canonical, maps sorted."""
    spec = {
        "serviceAccountName": "sa",
        "nodeSelector": {"z": "1", "a": "2"},
        "scaleMetric": "cpu",
        "maxReplicas": 0,
        "minReplicas": 0,
        "routerTimeouts": {"serviceClient": 10, "serverRead": 0},
        "timeout": 30,
        "resources": {"requests": {"memory": "1024Mi", "cpu": 1}, "limits": {}},
        "nodes": {
            "z": {
                "routerType": "Splitter",
                "steps": [
                    {
                        "weight": 0,
                        "nodeName": "a",
                        "mapPredictionsToInstances": False,
                        "condition": "a<b&c",
                    }
                ],
            },
            "a": {"routerType": "Ensemble", "steps": []},
            "root": {
                "routerType": "Sequence",
                "steps": [
                    {
                        "dependency": "Hard",
                        "name": "s",
                        "mapPredictionsToInstances": True,
                        "serviceUrl": "u",
                    }
                ],
            },
        },
    }
    assert graph_json(spec) == (
        '{"nodes":{"a":{"routerType":"Ensemble"},'
        '"root":{"routerType":"Sequence","steps":[{"name":"s","serviceUrl":"u",'
        '"mapPredictionsToInstances":true,"dependency":"Hard"}]},'
        '"z":{"routerType":"Splitter","steps":[{"nodeName":"a","weight":0,'
        '"condition":"a\\u003cb\\u0026c"}]}},'
        '"resources":{"requests":{"cpu":"1","memory":"1Gi"}},"timeout":30,'
        '"routerTimeouts":{"serverRead":0,"serviceClient":10},"minReplicas":0,"scaleMetric":"cpu",'
        '"nodeSelector":{"a":"2","z":"1"},"serviceAccountName":"sa"}'
    )


def test_graph_resources_replace_the_router_defaults_only_when_set() -> None:
    """`resources: {limits: {}}` is not Go's zero value: the router then gets no resources."""
    [ksvc] = reconcile(make_graph("g", resources={"limits": {}}))
    assert ksvc["spec"]["template"]["spec"]["containers"][0]["resources"] == {}
    [ksvc] = reconcile(make_graph("g", resources={}))
    assert ksvc["spec"]["template"]["spec"]["containers"][0]["resources"] == DEFAULT_RESOURCES


def test_knative_service_metadata_and_pod_fields() -> None:
    graph = make_graph(
        "g",
        timeout=30,
        scaleTarget=5,
        scaleMetric="rps",
        maxReplicas=3,
        nodeSelector={"disk": "ssd"},
        serviceAccountName="router-sa",
    )
    graph["metadata"]["labels"] = {"team": "ml", c.VISIBILITY_LABEL: "cluster-local"}
    graph["metadata"]["annotations"][c.KNATIVE_OPENSHIFT_ENABLE_PASSTHROUGH_KEY] = "true"
    cfg = dataclasses.replace(
        CFG,
        router=dataclasses.replace(
            CFG.router, image_pull_secrets=("regcred",), image_pull_policy="Always"
        ),
    )
    found = reconcile_graph(graph, {}, cfg, RENDERER)
    assert not isinstance(found, Invalid)
    [ksvc] = found
    assert crd_errors(ksvc) == []
    assert ksvc["metadata"]["labels"] == graph["metadata"]["labels"]  # unfiltered
    assert ksvc["metadata"]["annotations"] == {c.KNATIVE_OPENSHIFT_ENABLE_PASSTHROUGH_KEY: "true"}
    template = ksvc["spec"]["template"]
    assert template["metadata"]["labels"] == {
        "team": "ml",
        c.INFERENCE_GRAPH_LABEL: "g",
        "serving.kserve.io/kind": "InferenceGraph",
    }
    assert template["metadata"]["annotations"] == {
        c.DEPLOYMENT_MODE: "Knative",
        "autoscaling.knative.dev/class": "kpa.autoscaling.knative.dev",
        "autoscaling.knative.dev/target": "5",
        "autoscaling.knative.dev/metric": "rps",
        "autoscaling.knative.dev/min-scale": "1",
        "autoscaling.knative.dev/max-scale": "3",
    }
    spec = template["spec"]
    assert spec["timeoutSeconds"] == 30
    assert "containerConcurrency" not in spec and "responseStartTimeoutSeconds" not in spec
    assert spec["imagePullSecrets"] == [{"name": "regcred"}]
    assert spec["containers"][0]["imagePullPolicy"] == "Always"
    assert "name" not in spec["containers"][0]
    assert (spec["nodeSelector"], spec["serviceAccountName"]) == ({"disk": "ssd"}, "router-sa")
    assert "traffic" not in ksvc["spec"]


def test_raw_objects_follow_the_graph_autoscaler_class() -> None:
    graph = make_graph("g", "Standard", minReplicas=2, maxReplicas=4, nodeName="node-1")
    graph["metadata"]["annotations"][c.AUTOSCALER_CLASS] = "none"
    objects = reconcile(graph)
    assert [o["kind"] for o in objects] == ["Service", "Deployment"]
    assert objects[1]["spec"]["template"]["spec"]["nodeName"] == "node-1"
    graph = copy.deepcopy(graph)
    graph["metadata"]["annotations"][c.DEPLOYMENT_MODE] = "bogus"
    graph["metadata"]["annotations"].pop(c.AUTOSCALER_CLASS)
    graph["spec"].pop("nodeName")  # Knative's CRD has no nodeName
    # an unknown mode falls back to the default (Knative in the built-in config)
    assert [o["apiVersion"] for o in reconcile(graph)] == ["serving.knative.dev/v1"]
