"""Field-level facts of KServe v0.20.0's Go tests, checked on the Knative golden cases.

`tests/golden/knative-*/expected.yaml` is the whole render and is regenerated whenever the pod
mutation port (storage initializer, credentials, agent, metrics annotations) changes what ends up
in a revision template. The facts here are the ones KServe's controller and webhook tests assert
(`controller_test.go`, `ksvc_reconciler_test.go`, `ingress_reconciler_test.go`, ...): exact values
of the fields KServe sets, found by kind and name, so they keep holding after regeneration.
Template annotations and pod volumes are compared as subsets (the pod mutators add their own);
everything else KServe sets is compared exactly. Each test is named after the KServe test (or
function) its case reproduces; expected failures mark known generator bugs (see case.yaml).
"""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Mapping
from functools import cache
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT

GOLDEN = REPO_ROOT / "tests" / "golden"

KNATIVE = "serving.knative.dev/v1"
ISTIO = "networking.istio.io/v1beta1"
CORE = "v1"
GITOPS_LABEL = "app.kubernetes.io/managed-by"  # GitOps: stands in for KServe's ownerReference

LOCAL_GATEWAY = "knative-serving/knative-local-gateway"
INGRESS_GATEWAY = "knative-serving/knative-ingress-gateway"
MESH = "mesh"
LOCAL_GATEWAY_SERVICE = "knative-local-gateway.istio-system.svc.cluster.local"
TEST_LOCAL_GATEWAY_SERVICE = "someIngressServiceName"  # ingress_reconciler_test.go
EXPLAIN_PREFIX = r"^/v1/models/[\w-]+:explain$"  # constants.ExplainPrefix()
PATH_EXPLAIN_SUFFIX = r"(/v1/models/[\w-]+:explain)$"  # constants.PathBasedExplainPrefix()

KSERVE_CONTAINER = "kserve-container"
CLASS = "autoscaling.knative.dev/class"
KPA = "kpa.autoscaling.knative.dev"
HPA = "hpa.autoscaling.knative.dev"
METRIC = "autoscaling.knative.dev/metric"
TARGET = "autoscaling.knative.dev/target"
MIN_SCALE = "autoscaling.knative.dev/min-scale"
MAX_SCALE = "autoscaling.knative.dev/max-scale"
INITIAL_SCALE = "autoscaling.knative.dev/initial-scale"
SOURCE_URI = "internal.serving.kserve.io/storage-initializer-sourceuri"
DEPLOYMENT_MODE = "serving.kserve.io/deploymentMode"
ISVC_LABEL = "serving.kserve.io/inferenceservice"
COMPONENT_LABEL = "component"
VISIBILITY = "networking.knative.dev/visibility"
ROLLOUT_DURATION = "serving.knative.dev/rollout-duration"
PASSTHROUGH = "serving.knative.openshift.io/enablePassthrough"
LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
PROMETHEUS_PATH = "prometheus.kserve.io/path"
PROMETHEUS_PORT = "prometheus.kserve.io/port"
ISVC_NAME_ENV = "INFERENCE_SERVICE_NAME"

# tests_common.go: defaultResource
DEFAULT_RESOURCES = {
    "limits": {"cpu": "1", "memory": "2Gi"},
    "requests": {"cpu": "1", "memory": "2Gi"},
}
# tests_common.go: getServingRuntime("tf-serving", ...)
TF_COMMAND = ["/usr/bin/tensorflow_model_server"]
TF_ARGS = [
    "--port=9000",
    "--rest_api_port=8080",
    "--model_base_path=/mnt/models",
    "--rest_api_timeout_in_ms=60000",
]
# config/runtimes/*.yaml securityContext
RESTRICTED = {
    "allowPrivilegeEscalation": False,
    "privileged": False,
    "runAsNonRoot": True,
    "capabilities": {"drop": ["ALL"]},
}
RESTRICTED_UID_1000 = {**RESTRICTED, "runAsUser": 1000}
LATEST_100 = [{"latestRevision": True, "percent": 100}]


# --- reading a case's expected output ---


class Rendered:
    """The objects of one golden case's expected.yaml, looked up by apiVersion, kind and name."""

    def __init__(self, case: str) -> None:
        text = (GOLDEN / case / "expected.yaml").read_text(encoding="utf-8")
        self.objects: list[dict[str, Any]] = [d for d in yaml.safe_load_all(text) if d]

    def keys(self) -> set[tuple[str, str, str]]:
        return {(o["apiVersion"], o["kind"], o["metadata"]["name"]) for o in self.objects}

    def get(self, api_version: str, kind: str, name: str) -> dict[str, Any]:
        found = [
            o
            for o in self.objects
            if (o["apiVersion"], o["kind"], o["metadata"]["name"]) == (api_version, kind, name)
        ]
        assert len(found) == 1, f"{api_version} {kind} {name}: {len(found)} objects"
        return found[0]

    def ksvc(self, name: str) -> dict[str, Any]:
        return self.get(KNATIVE, "Service", name)

    def virtual_service(self, name: str) -> dict[str, Any]:
        return self.get(ISTIO, "VirtualService", name)

    def external_service(self, name: str) -> dict[str, Any]:
        return self.get(CORE, "Service", name)


@cache
def rendered(case: str) -> Rendered:
    return Rendered(case)


def case_yaml(case: str) -> dict[str, Any]:
    loaded = yaml.safe_load((GOLDEN / case / "case.yaml").read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def expected_stderr(case: str) -> str:
    return (GOLDEN / case / "expected.stderr").read_text(encoding="utf-8")


def labels(obj: Mapping[str, Any]) -> dict[str, str]:
    """The labels KServe sets (the GitOps managed-by label left out)."""
    found = dict(obj["metadata"].get("labels") or {})
    found.pop(GITOPS_LABEL, None)
    return found


def annotations(obj: Mapping[str, Any]) -> dict[str, str]:
    return dict(obj["metadata"].get("annotations") or {})


def template(ksvc: Mapping[str, Any]) -> dict[str, Any]:
    return dict(ksvc["spec"]["template"])


def template_labels(ksvc: Mapping[str, Any]) -> dict[str, str]:
    return dict(template(ksvc)["metadata"].get("labels") or {})


def template_annotations(ksvc: Mapping[str, Any]) -> dict[str, str]:
    return dict(template(ksvc)["metadata"].get("annotations") or {})


def revision_spec(ksvc: Mapping[str, Any]) -> dict[str, Any]:
    return dict(template(ksvc)["spec"])


def container(ksvc: Mapping[str, Any], name: str = KSERVE_CONTAINER) -> dict[str, Any]:
    found = [c for c in revision_spec(ksvc)["containers"] if c["name"] == name]
    assert len(found) == 1, f"container {name}: {len(found)}"
    return dict(found[0])


def env_pairs(ctr: Mapping[str, Any]) -> list[tuple[str, str | None]]:
    return [(e["name"], e.get("value")) for e in ctr.get("env") or []]


def assert_env(ctr: Mapping[str, Any], expected: list[tuple[str, str]]) -> None:
    """These variables, with these values, in this relative order (others may be added)."""
    names = {name for name, _ in expected}
    assert [p for p in env_pairs(ctr) if p[0] in names] == expected


def assert_subset(actual: Mapping[str, Any], expected: Mapping[str, Any]) -> None:
    assert {k: actual.get(k) for k in expected} == dict(expected)


def assert_lacks(actual: Mapping[str, Any], *keys: str) -> None:
    assert not [k for k in keys if k in actual]


def by_name(items: list[Mapping[str, Any]] | None) -> dict[str, Mapping[str, Any]]:
    return {i["name"]: i for i in items or []}


def svc_host(name: str, namespace: str) -> str:
    """knative.dev/pkg/network.GetServiceHostname."""
    return f"{name}.{namespace}.svc.cluster.local"


def quote_meta(text: str) -> str:
    """Go's regexp.QuoteMeta."""
    return "".join("\\" + ch if ch in "\\.+*?()|[]{}^$" else ch for ch in text)


def host_re(host: str) -> str:
    """constants.HostRegExp."""
    return "^" + quote_meta(host) + r"(?::\d{1,5})?$"


def match(host: str, gateways: list[str], uri: Mapping[str, str] | None = None) -> dict[str, Any]:
    found: dict[str, Any] = {"authority": {"regex": host_re(host)}, "gateways": gateways}
    if uri is not None:
        found["uri"] = dict(uri)
    return found


def host_matches(
    internal: str, external: list[str], uri: Mapping[str, str] | None = None
) -> list[dict[str, Any]]:
    """createHTTPMatchRequest: the internal host via the local gateways, the others via ingress."""
    return [match(internal, [LOCAL_GATEWAY, MESH], uri)] + [
        match(h, [INGRESS_GATEWAY], uri) for h in external
    ]


def http_route(
    matches: list[dict[str, Any]],
    backend_host: str,
    isvc: str,
    namespace: str,
    destination: str = LOCAL_GATEWAY_SERVICE,
    rewrite: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    found: dict[str, Any] = {
        "match": matches,
        "route": [{"destination": {"host": destination, "port": {"number": 80}}, "weight": 100}],
        "headers": {
            "request": {
                "set": {
                    "Host": backend_host,
                    "KServe-Isvc-Name": isvc,
                    "KServe-Isvc-Namespace": namespace,
                }
            }
        },
    }
    if rewrite is not None:
        found["rewrite"] = dict(rewrite)
    return found


def external_name_spec(external_name: str = LOCAL_GATEWAY_SERVICE) -> dict[str, str]:
    """reconcileExternalService."""
    return {"externalName": external_name, "sessionAffinity": "None", "type": "ExternalName"}


def knative_keys(isvc: str, *ksvcs: str) -> set[tuple[str, str, str]]:
    """The objects of a Knative-mode isvc: its Knative Services, VirtualService, ExternalName."""
    return {(KNATIVE, "Service", k) for k in ksvcs} | {
        (ISTIO, "VirtualService", isvc),
        (CORE, "Service", isvc),
    }


def predictor_only_vs_spec(isvc: str, namespace: str, domain: str = "example.com") -> dict:
    internal = svc_host(isvc, namespace)
    external = f"{isvc}.{namespace}.{domain}"
    return {
        "gateways": [LOCAL_GATEWAY, MESH, INGRESS_GATEWAY],
        "hosts": [internal, external],
        "http": [
            http_route(
                host_matches(internal, [external]),
                svc_host(f"{isvc}-predictor", namespace),
                isvc,
                namespace,
            )
        ],
    }


# --- controller_test.go ---


def test_controller_should_have_knative_service_created() -> None:
    """Context "When creating inference service with predictor"."""
    out = rendered("knative-predictor-servingruntime")
    assert out.keys() == knative_keys("foo", "foo-predictor")
    ksvc = out.ksvc("foo-predictor")
    assert template_labels(ksvc) == {
        COMPONENT_LABEL: "predictor",
        ISVC_LABEL: "foo",
        "key1": "val1FromSR",
        "key2": "val2FromISVC",
        "key3": "val3FromPredictor",
    }
    assert_subset(
        template_annotations(ksvc),
        {
            DEPLOYMENT_MODE: "Knative",
            SOURCE_URI: "s3://test/mnist/export",
            MAX_SCALE: "3",
            MIN_SCALE: "1",
            CLASS: KPA,
            "key1": "val1FromSR",
            "key2": "val2FromISVC",
            "key3": "val3FromPredictor",
        },
    )
    assert_lacks(template_annotations(ksvc), "modelFormat")
    spec = revision_spec(ksvc)
    assert_lacks(spec, "containerConcurrency", "timeoutSeconds", "responseStartTimeoutSeconds")
    assert spec["imagePullSecrets"] == [{"name": "sr-image-pull-secret"}]
    assert spec["automountServiceAccountToken"] is False
    ctr = container(ksvc)
    assert ctr["image"] == "tensorflow/serving:1.14.0"
    assert ctr["command"] == TF_COMMAND
    assert ctr["args"] == TF_ARGS
    assert_env(ctr, [(ISVC_NAME_ENV, "foo")])
    assert ctr["resources"] == DEFAULT_RESOURCES
    assert ksvc["spec"]["traffic"] == LATEST_100

    vs = out.virtual_service("foo")
    assert vs["spec"] == predictor_only_vs_spec("foo", "default")
    assert labels(vs) == {"key2": "val2FromISVC", "key3": "val3FromISVC"}
    assert annotations(vs) == {
        DEPLOYMENT_MODE: "Knative",
        "key2": "val2FromISVC",
        "key3": "val3FromISVC",
    }
    assert out.external_service("foo")["spec"] == external_name_spec()


def test_controller_inference_service_with_transformer_should_create_successfully() -> None:
    """Context "Inference Service with transformer"."""
    out = rendered("knative-transformer")
    isvc, ns = "svc-with-transformer", "default"
    assert out.keys() == knative_keys(isvc, f"{isvc}-predictor", f"{isvc}-transformer")
    transformer = out.ksvc(f"{isvc}-transformer")
    assert template_labels(transformer) == {
        ISVC_LABEL: isvc,
        COMPONENT_LABEL: "transformer",
        "key1": "val1FromISVC",
        "key2": "val2FromTransformer",
    }
    assert_subset(
        template_annotations(transformer),
        {
            DEPLOYMENT_MODE: "Knative",
            CLASS: KPA,
            MAX_SCALE: "3",
            MIN_SCALE: "1",
            "key1": "val1FromISVC",
            "key2": "val2FromTransformer",
        },
    )
    spec = revision_spec(transformer)
    assert_lacks(spec, "containerConcurrency", "timeoutSeconds")
    assert spec["automountServiceAccountToken"] is False
    ctr = container(transformer)
    assert ctr["image"] == "transformer:v1"
    assert ctr["args"] == [
        "--model_name",
        isvc,
        "--predictor_host",
        f"{isvc}-predictor.{ns}",
        "--http_port",
        "8080",
    ]
    assert_env(ctr, [(ISVC_NAME_ENV, isvc)])
    assert ctr["resources"] == DEFAULT_RESOURCES
    assert transformer["spec"]["traffic"] == LATEST_100

    predictor = out.ksvc(f"{isvc}-predictor")
    assert template_labels(predictor) == {
        ISVC_LABEL: isvc,
        COMPONENT_LABEL: "predictor",
        "key1": "val1FromISVC",
        "key2": "val2FromPredictor",
    }
    assert container(predictor)["image"] == "tensorflow/serving:1.13.0"  # runtimeVersion

    internal, external = svc_host(isvc, ns), f"{isvc}.{ns}.example.com"
    assert out.virtual_service(isvc)["spec"] == {
        "gateways": [LOCAL_GATEWAY, MESH, INGRESS_GATEWAY],
        "hosts": [internal, external],
        "http": [
            http_route(
                host_matches(internal, [external]), svc_host(f"{isvc}-transformer", ns), isvc, ns
            )
        ],
    }


def test_controller_when_predictor_and_transformer_are_collocated() -> None:
    """Context "Inference Service with transforemer and predictor collocation"/"When predictor
    and transformer are collocated": one predictor Knative Service with both containers."""
    out = rendered("knative-transformer-collocation")
    isvc, ns = "isvc-with-collocated-transformer", "default"
    assert out.keys() == knative_keys(isvc, f"{isvc}-predictor")
    ksvc = out.ksvc(f"{isvc}-predictor")
    assert template_labels(ksvc) == {
        COMPONENT_LABEL: "predictor",
        ISVC_LABEL: isvc,
        "key1": "val1FromISVC",
        "key2": "val2FromISVC",
    }
    assert_subset(
        template_annotations(ksvc),
        {
            DEPLOYMENT_MODE: "Knative",
            SOURCE_URI: "s3://test/mnist/export",
            MAX_SCALE: "3",
            MIN_SCALE: "1",
            CLASS: KPA,
            "key1": "val1FromISVC",
            "key2": "val2FromISVC",
        },
    )
    spec = revision_spec(ksvc)
    assert spec["automountServiceAccountToken"] is False
    assert [c["name"] for c in spec["containers"]][:2] == [
        KSERVE_CONTAINER,
        "transformer-container",
    ]
    predictor = container(ksvc)
    assert predictor["image"] == "tensorflow/serving:1.13.0"
    assert predictor["command"] == TF_COMMAND
    assert predictor["args"] == TF_ARGS
    assert_env(predictor, [(ISVC_NAME_ENV, isvc)])
    assert predictor["resources"] == DEFAULT_RESOURCES
    transformer = container(ksvc, "transformer-container")
    assert transformer["image"] == "transformer:v1"
    assert_env(transformer, [(ISVC_NAME_ENV, isvc)])
    assert transformer["resources"] == DEFAULT_RESOURCES
    # The Go test writes {ContainerPort: 8060}; the InferenceService CRD defaults a port's
    # protocol to TCP when the API server stores it, and KServe copies the stored container.
    assert transformer["ports"] == [{"containerPort": 8060, "protocol": "TCP"}]
    assert "args" not in transformer
    assert ksvc["spec"]["traffic"] == LATEST_100
    assert out.virtual_service(isvc)["spec"] == predictor_only_vs_spec(isvc, ns)


def test_controller_inference_service_with_transformer_container_without_name() -> None:
    """Context "Inference Service with transformer", the transformer container as in the Go test."""
    case = "knative-transformer-container-without-name"
    inputs = sorted(str(p) for p in (GOLDEN / case / "input").glob("*.yaml"))
    done = subprocess.run(
        [sys.executable, "-m", "generator", "render", *inputs],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO_ROOT,
    )
    assert done.returncode == 0, done.stderr
    objects = [d for d in yaml.safe_load_all(done.stdout) if d]
    ksvc = next(
        o
        for o in objects
        if o["kind"] == "Service" and o["metadata"]["name"] == "svc-with-transformer-transformer"
    )
    assert [c["name"] for c in ksvc["spec"]["template"]["spec"]["containers"]] == [KSERVE_CONTAINER]


def test_controller_stop_should_keep_the_explainer_knative_service_when_false() -> None:
    """Describe "inference service with an explainer", stop annotation "false"."""
    out = rendered("knative-explainer-art")
    isvc, ns = "stop-explainer-false-isvc", "default"
    assert out.keys() == knative_keys(isvc, f"{isvc}-predictor", f"{isvc}-explainer")
    explainer = out.ksvc(f"{isvc}-explainer")
    assert template_labels(explainer) == {ISVC_LABEL: isvc, COMPONENT_LABEL: "explainer"}
    assert_subset(
        template_annotations(explainer),
        {CLASS: KPA, MIN_SCALE: "1", MAX_SCALE: "2", TARGET: "80", DEPLOYMENT_MODE: "Knative"},
    )
    spec = revision_spec(explainer)
    assert spec["timeoutSeconds"] == 30
    assert spec["responseStartTimeoutSeconds"] == 30
    ctr = container(explainer)
    assert ctr["image"] == "kserve/art-explainer:latest"
    assert ctr["args"] == [
        "--model_name",
        isvc,
        "--http_port",
        "8080",
        "--predictor_host",
        f"{isvc}-predictor.{ns}",
        "--adversary_type",
        "SquareAttack",
        "--nb_classes",
        "10",
    ]
    assert ctr["resources"] == DEFAULT_RESOURCES
    internal, external = svc_host(isvc, ns), f"{isvc}.{ns}.example.com"
    assert out.virtual_service(isvc)["spec"]["http"] == [
        http_route(
            host_matches(internal, [external], {"regex": EXPLAIN_PREFIX}),
            svc_host(f"{isvc}-explainer", ns),
            isvc,
            ns,
        ),
        http_route(host_matches(internal, [external]), svc_host(f"{isvc}-predictor", ns), isvc, ns),
    ]


def test_controller_stop_should_keep_the_knative_service_when_false() -> None:
    """Describe "inference service only", stop annotation "false"."""
    out = rendered("knative-stop-false")
    assert out.keys() == knative_keys("stop-false-isvc", "stop-false-isvc-predictor")
    ksvc = out.ksvc("stop-false-isvc-predictor")
    assert template_annotations(ksvc)["serving.kserve.io/stop"] == "false"
    assert ksvc["spec"]["traffic"] == LATEST_100


def test_controller_stop_should_delete_the_knative_service_when_true() -> None:
    """Describe "inference service only", stop annotation "true": nothing is created."""
    assert rendered("knative-stop-true").keys() == set()


def test_controller_stop_should_delete_the_transformer_and_explainer_when_true() -> None:
    """Describe "... with a transformer" / "... with an explainer", stop "true" (and "True")."""
    assert rendered("knative-stop-transformer-and-explainer").keys() == set()


def test_ksvc_reconciler_stop_read_from_the_component_annotations() -> None:
    """(*KsvcReconciler).Reconcile reads stop from the template annotations; the ingress
    reconciler from the isvc: only the ExternalName Service is created."""
    out = rendered("knative-stop-predictor-annotation-only")
    assert out.keys() == {(CORE, "Service", "iris")}
    assert out.external_service("iris")["spec"] == external_name_spec()


def test_controller_canary_should_have_traffic_split_between_two_revisions() -> None:
    """Context "When doing canary out with inference service"."""
    previous = yaml.safe_load_all(
        (GOLDEN / "knative-canary-previous" / "previous.yaml").read_text(encoding="utf-8")
    )
    previous_ksvc = next(
        d for d in previous if d and d["kind"] == "Service" and d["apiVersion"] == KNATIVE
    )
    previous_revision = previous_ksvc["spec"]["template"]["metadata"]["name"]
    assert previous_ksvc["spec"]["traffic"] == LATEST_100

    ksvc = rendered("knative-canary-previous").ksvc("foo-canary-predictor")
    assert template_annotations(ksvc)[SOURCE_URI] == "s3://test/mnist/export/v2"
    assert ksvc["spec"]["traffic"] == [
        {"latestRevision": True, "percent": 20},
        {"tag": "prev", "revisionName": previous_revision, "latestRevision": False, "percent": 80},
    ]
    assert template(ksvc)["metadata"]["name"] != previous_revision


def test_create_knative_service_canary_without_rolled_out_revision() -> None:
    """createKnativeService: canaryTrafficPercent but no LatestRolledoutRevision (first render)."""
    ksvc = rendered("knative-canary-no-previous").ksvc("foo-canary-predictor")
    assert ksvc["spec"]["traffic"] == LATEST_100


@pytest.mark.parametrize(
    ("case", "initial_scale"),
    [
        ("knative-initial-scale-integer", "3"),
        ("knative-initial-scale-zero-allowed", "0"),
    ],
    ids=[
        "not allow zero initial scale: valid non-zero integer value",
        "allow zero initial scale: value of zero",
    ],
)
def test_controller_initial_scale_annotation_is_kept(case: str, initial_scale: str) -> None:
    """Contexts "with knative configured to (not) allow zero initial scale": kept values."""
    out = rendered(case)
    (ksvc,) = [o for o in out.objects if o["apiVersion"] == KNATIVE]
    assert template_annotations(ksvc)[INITIAL_SCALE] == initial_scale
    assert template_annotations(ksvc)[MIN_SCALE] == "2"


@pytest.mark.parametrize(
    "case",
    ["knative-initial-scale-zero", "knative-initial-scale-non-integer"],
    ids=["value of zero", "invalid non-integer value"],
)
def test_controller_initial_scale_annotation_should_be_ignored(case: str) -> None:
    """Context "with knative configured to not allow zero initial scale": "should ignore"."""
    out = rendered(case)
    (ksvc,) = [o for o in out.objects if o["apiVersion"] == KNATIVE]
    (vs,) = [o for o in out.objects if o["apiVersion"] == ISTIO]
    assert_lacks(template_annotations(ksvc), INITIAL_SCALE)
    assert_lacks(annotations(vs), INITIAL_SCALE)


def test_controller_without_top_level_istio_virtual_service() -> None:
    """Context "When creating inference service with predictor and without top level istio
    virtual service": disableIstioVirtualHost creates no VirtualService and no ExternalName."""
    out = rendered("knative-disable-istio-virtual-host")
    assert out.keys() == {(KNATIVE, "Service", "foo-disable-istio-predictor")}
    ksvc = out.ksvc("foo-disable-istio-predictor")
    assert_subset(template_annotations(ksvc), {MIN_SCALE: "1", MAX_SCALE: "3", CLASS: KPA})
    assert container(ksvc)["image"] == "tensorflow/serving:1.14.0"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "knative-error-runtime-not-found",
            "No ServingRuntimes or ClusterServingRuntimes with the name: tf-serving-unknown",
        ),
        ("knative-error-runtime-disabled", "specified runtime tf-serving-disabled is disabled"),
        (
            "knative-error-runtime-unsupported-format",
            "specified runtime tf-serving-unsupported does not support specified framework/version",
        ),
    ],
    ids=[
        "ServingRuntime which does not exists: RuntimeNotRecognized",
        "ServingRuntime which is disabled: RuntimeDisabled",
        "ServingRuntime which does not support specified model format: NoSupportingRuntime",
    ],
)
def test_controller_serving_runtime_failures(case: str, message: str) -> None:
    """Contexts "When creating an inference service with a ServingRuntime which ..."."""
    assert case_yaml(case)["exit"] == 2
    assert not (GOLDEN / case / "expected.yaml").exists()
    assert message in expected_stderr(case)


# --- ksvc_reconciler_test.go: TestCreateKnativeService ---


TAG_ROUTING_CASES = {
    "With canary traffic split": "knative-canary-tag-routing",
    "Without canary traffic": "knative-tag-routing-no-canary",
    "With canary 100 percent": "knative-canary-100-percent",
}


@pytest.mark.parametrize("scenario", list(TAG_ROUTING_CASES), ids=list(TAG_ROUTING_CASES))
def test_create_knative_service(scenario: str) -> None:
    """Traffic, routing tags, managed annotations and revision fields of the Knative Service."""
    out = rendered(TAG_ROUTING_CASES[scenario])
    ksvc = out.ksvc("test-service-predictor")
    previous = yaml.safe_load_all(
        (GOLDEN / "knative-canary-tag-routing" / "previous.yaml").read_text(encoding="utf-8")
    )
    rolled_out = next(d for d in previous if d and d["apiVersion"] == KNATIVE)
    previous_revision = rolled_out["spec"]["template"]["metadata"]["name"]
    traffic = ksvc["spec"]["traffic"]
    spec = revision_spec(ksvc)
    tmpl = template_annotations(ksvc)
    if scenario == "With canary traffic split":
        assert traffic == [
            {"latestRevision": True, "percent": 20, "tag": "latest"},
            {
                "revisionName": previous_revision,
                "latestRevision": False,
                "percent": 80,
                "tag": "prev",
            },
        ]
        assert_subset(tmpl, {MIN_SCALE: "1", MAX_SCALE: "3", TARGET: "10", METRIC: "concurrency"})
        assert spec["timeoutSeconds"] == 300
        assert spec["responseStartTimeoutSeconds"] == 300
        assert spec["containerConcurrency"] == 100
    else:
        assert traffic == [{"latestRevision": True, "percent": 100, "tag": "latest"}]
        assert tmpl[MIN_SCALE] == "1"  # constants.DefaultMinReplicas
        assert_lacks(tmpl, MAX_SCALE, TARGET, METRIC)
        assert_lacks(spec, "timeoutSeconds", "responseStartTimeoutSeconds", "containerConcurrency")
    # managedKsvcAnnotations move from the template to the Knative Service
    assert annotations(ksvc) == {ROLLOUT_DURATION: "30s", PASSTHROUGH: "true"}
    assert_lacks(tmpl, ROLLOUT_DURATION, PASSTHROUGH)
    assert tmpl["serving.kserve.io/enable-tag-routing"] == "true"
    assert labels(ksvc) == {
        "app": "test-app",
        COMPONENT_LABEL: "predictor",
        ISVC_LABEL: "test-service",
    }


def test_create_knative_service_revision_spec_fields() -> None:
    """createKnativeService: timeout → timeoutSeconds and responseStartTimeoutSeconds,
    containerConcurrency → containerConcurrency."""
    spec = revision_spec(
        rendered("knative-container-concurrency-timeout").ksvc("lgb-limits-predictor")
    )
    assert spec["containerConcurrency"] == 8
    assert spec["timeoutSeconds"] == 120
    assert spec["responseStartTimeoutSeconds"] == 120


# --- v1alpha1/utils: SetAutoScalingAnnotations; validation ---


@pytest.mark.parametrize(
    ("case", "ksvc_name", "expected"),
    [
        (
            "knative-autoscaling-kpa",
            "xgb-autoscale-predictor",
            {CLASS: KPA, METRIC: "rps", TARGET: "50", MIN_SCALE: "0", MAX_SCALE: "10"},
        ),
        (
            "knative-autoscaling-hpa-class",
            "sklearn-hpa-predictor",
            {CLASS: HPA, METRIC: "cpu", TARGET: "70", MIN_SCALE: "1", MAX_SCALE: "5"},
        ),
    ],
    ids=["KPA rps target, minReplicas 0", "user HPA class kept"],
)
def test_set_autoscaling_annotations(case: str, ksvc_name: str, expected: dict[str, str]) -> None:
    assert_subset(template_annotations(rendered(case).ksvc(ksvc_name)), expected)


def test_validate_scaling_kpa_comp_extension_rejects_cpu() -> None:
    case = "knative-error-kpa-unsupported-metric"
    assert case_yaml(case)["exit"] == 2
    assert "spec.predictor.scaleMetric: [cpu] is not a supported metric" in expected_stderr(case)


# --- disallowed lists (configmap.go: NewInferenceServicesConfig) ---


def test_inference_service_disallowed_lists_default() -> None:
    out = rendered("knative-annotations-disallowed-default")
    ksvc = out.ksvc("iris-predictor")
    tmpl = template_annotations(ksvc)
    assert_subset(
        tmpl,
        {
            MIN_SCALE: "2",
            MAX_SCALE: "4",
            SOURCE_URI: "gs://kfserving-examples/models/sklearn/1.0/model",
            "example.com/owner": "alice",
            "example.com/tier": "gold",
        },
    )
    assert_lacks(tmpl, LAST_APPLIED, "modelFormat")
    assert template_labels(ksvc) == {"team": "ml", COMPONENT_LABEL: "predictor", ISVC_LABEL: "iris"}
    vs = out.virtual_service("iris")
    assert annotations(vs) == {"example.com/owner": "alice"}
    assert labels(vs) == {"team": "ml"}


def test_inference_service_disallowed_lists_custom() -> None:
    out = rendered("knative-annotations-disallowed-custom")
    ksvc = out.ksvc("iris-predictor")
    tmpl = template_annotations(ksvc)
    assert_subset(tmpl, {MIN_SCALE: "1", "example.com/owner": "alice"})
    assert_lacks(tmpl, "corp.example/cost-center", MAX_SCALE)
    assert template_labels(ksvc) == {
        "app": "iris",
        COMPONENT_LABEL: "predictor",
        ISVC_LABEL: "iris",
    }
    assert labels(ksvc) == {
        "app": "iris",
        "corp.example/team": "ml-predictor",
        COMPONENT_LABEL: "predictor",
        ISVC_LABEL: "iris",
    }
    vs = out.virtual_service("iris")
    assert annotations(vs) == {"example.com/owner": "alice"}
    assert labels(vs) == {"app": "iris", "corp.example/team": "ml"}


# --- names ---


def test_predictor_service_name_with_predictor_name() -> None:
    """constants.PredictorServiceName(isvc, predictor.name) for the ksvc, the explainer's
    --predictor_host and the VirtualService backend; getServiceHost trims "-predictor"."""
    out = rendered("knative-named-predictor")
    isvc, ns = "fraud", "team-a"
    assert out.keys() == knative_keys(isvc, "fraud-blue-predictor", "fraud-explainer")
    args = container(out.ksvc("fraud-explainer"))["args"]
    assert args[args.index("--predictor_host") + 1] == "fraud-blue-predictor.team-a"
    internal, external = svc_host(isvc, ns), "fraud-blue.team-a.example.com"
    assert out.virtual_service(isvc)["spec"] == {
        "gateways": [LOCAL_GATEWAY, MESH, INGRESS_GATEWAY],
        "hosts": [internal, external],
        "http": [
            http_route(
                host_matches(internal, [external], {"regex": EXPLAIN_PREFIX}),
                svc_host("fraud-explainer", ns),
                isvc,
                ns,
            ),
            http_route(
                host_matches(internal, [external]), svc_host("fraud-blue-predictor", ns), isvc, ns
            ),
        ],
    }


# --- runtime selection and the predictor container ---

RUNTIME_CASES: dict[str, dict[str, Any]] = {
    "sklearn": {
        "case": "knative-runtime-sklearn",
        "ksvc": "sklearn-iris-predictor",
        "image": "kserve/sklearnserver:v0.20.0",
        "args": ["--model_name=sklearn-iris", "--model_dir=/mnt/models", "--http_port=8080"],
        "securityContext": RESTRICTED,
        "prometheus_port": "8080",
    },
    "xgboost": {
        "case": "knative-runtime-xgboost",
        "ksvc": "xgboost-iris-predictor",
        "image": "kserve/xgbserver:v0.20.0",
        "args": [
            "--model_name=xgboost-iris",
            "--model_dir=/mnt/models",
            "--http_port=8080",
            "--nthread=1",
        ],
        "securityContext": RESTRICTED,
        "prometheus_port": "8080",
    },
    "tensorflow": {
        "case": "knative-runtime-tensorflow",
        "ksvc": "flower-sample-predictor",
        "image": "tensorflow/serving:2.6.2",
        "command": TF_COMMAND,
        "args": ["--model_name=flower-sample", *TF_ARGS],
        "securityContext": RESTRICTED_UID_1000,
        "prometheus_port": "8080",
    },
    "pytorch": {
        "case": "knative-runtime-pytorch",
        "ksvc": "torchserve-predictor",
        "image": "pytorch/torchserve-kfs:0.9.0",
        "args": [
            "torchserve",
            "--start",
            "--model-store=/mnt/models/model-store",
            "--ts-config=/mnt/models/config/config.properties",
        ],
        "env": [
            ("PROTOCOL_VERSION", "v1"),
            ("TS_SERVICE_ENVELOPE", "kserve"),
            (ISVC_NAME_ENV, "torchserve"),
        ],
        "labels": {"serviceEnvelope": "kserve"},
        "securityContext": RESTRICTED_UID_1000,
        "prometheus_port": "8082",
    },
    "triton": {
        "case": "knative-runtime-triton",
        "ksvc": "triton-cifar-predictor",
        "image": "nvcr.io/nvidia/tritonserver:23.05-py3",
        "args": [
            "tritonserver",
            "--model-store=/mnt/models",
            "--grpc-port=9000",
            "--http-port=8080",
            "--allow-grpc=true",
            "--allow-http=true",
        ],
        "securityContext": RESTRICTED_UID_1000,
        "prometheus_port": "8002",
    },
    "onnx": {
        "case": "knative-runtime-onnx",
        "ksvc": "style-sample-predictor",
        "image": "nvcr.io/nvidia/tritonserver:23.05-py3",
        "args": [
            "tritonserver",
            "--model-store=/mnt/models",
            "--grpc-port=9000",
            "--http-port=8080",
            "--allow-grpc=true",
            "--allow-http=true",
        ],
        "securityContext": RESTRICTED_UID_1000,
        "prometheus_port": "8002",
    },
    "huggingface": {
        "case": "knative-runtime-huggingface",
        "ksvc": "huggingface-bert-predictor",
        "image": "kserve/huggingfaceserver:v0.20.0",
        "args": [
            "--model_name=huggingface-bert",
            "--model_name=bert",
            "--model_id=bert-base-uncased",
            "--task=fill_mask",
        ],
        "env": [("LMCACHE_USE_EXPERIMENTAL", "True"), (ISVC_NAME_ENV, "huggingface-bert")],
        "securityContext": RESTRICTED,
        "prometheus_port": "8080",
        "source_uri": None,
    },
    "lightgbm": {
        "case": "knative-runtime-lightgbm",
        "ksvc": "lightgbm-iris-predictor",
        "image": "kserve/lgbserver:v0.20.0",
        "args": [
            "--model_name=lightgbm-iris",
            "--model_dir=/mnt/models",
            "--http_port=8080",
            "--nthread=1",
        ],
        "securityContext": RESTRICTED,
        "prometheus_port": "8080",
    },
    "paddle": {
        "case": "knative-runtime-paddle",
        "ksvc": "paddle-resnet50-predictor",
        "image": "kserve/paddleserver:v0.20.0",
        "args": ["--model_name=paddle-resnet50", "--model_dir=/mnt/models", "--http_port=8080"],
        "securityContext": RESTRICTED,
        "prometheus_port": "8080",
    },
    "pmml": {
        "case": "knative-runtime-pmml",
        "ksvc": "pmml-demo-predictor",
        "image": "kserve/pmmlserver:v0.20.0",
        "args": ["--model_name=pmml-demo", "--model_dir=/mnt/models", "--http_port=8080"],
        "securityContext": RESTRICTED,
        "prometheus_port": "8080",
    },
    "mlflow via mlserver": {
        "case": "knative-runtime-mlflow",
        "ksvc": "mlflow-wine-predictor",
        "image": "docker.io/seldonio/mlserver:1.7.1",
        "args": None,
        "env": [
            ("MLSERVER_MODEL_NAME", "mlflow-wine"),
            ("MLSERVER_MODEL_URI", "/mnt/models"),
            ("MLSERVER_MODEL_IMPLEMENTATION", "mlserver_mlflow.MLflowRuntime"),
            ("MLSERVER_HTTP_PORT", "8080"),
            ("MLSERVER_GRPC_PORT", "9000"),
            (ISVC_NAME_ENV, "mlflow-wine"),
        ],
        "labels": {"modelClass": "mlserver_mlflow.MLflowRuntime"},
        "securityContext": RESTRICTED,
        "prometheus_port": "8080",
    },
    "explicit runtime kserve-mlserver": {
        "case": "knative-runtime-explicit",
        "ksvc": "sklearn-explicit-predictor",
        "image": "docker.io/seldonio/mlserver:1.7.1",
        "args": None,
        "env": [
            ("MLSERVER_MODEL_NAME", "sklearn-explicit"),
            ("MLSERVER_MODEL_URI", "/mnt/models"),
            ("MLSERVER_MODEL_IMPLEMENTATION", "mlserver_sklearn.SKLearnModel"),
            ("MLSERVER_HTTP_PORT", "8080"),
            ("MLSERVER_GRPC_PORT", "9000"),
            (ISVC_NAME_ENV, "sklearn-explicit"),
        ],
        "labels": {"modelClass": "mlserver_sklearn.SKLearnModel"},
        "securityContext": RESTRICTED,
        "prometheus_port": "8080",
    },
    "explicit runtime without autoSelect": {
        "case": "knative-runtime-explicit-not-autoselect",
        "ksvc": "torchscript-cifar-predictor",
        "image": "nvcr.io/nvidia/tritonserver:23.05-py3",
        "args": [
            "tritonserver",
            "--model-store=/mnt/models",
            "--grpc-port=9000",
            "--http-port=8080",
            "--allow-grpc=true",
            "--allow-http=true",
        ],
        "securityContext": RESTRICTED_UID_1000,
        "prometheus_port": "8002",
    },
}


@pytest.mark.parametrize("runtime", list(RUNTIME_CASES), ids=list(RUNTIME_CASES))
def test_reconcile_model_with_cluster_serving_runtime(runtime: str) -> None:
    """reconcileModel + buildPodSpec with KServe's ClusterServingRuntimes
    (config/runtimes/*.yaml): image, args, env, resources and the runtime's annotations."""
    want = RUNTIME_CASES[runtime]
    out = rendered(want["case"])
    ksvc = out.ksvc(want["ksvc"])
    isvc = want["ksvc"].removesuffix("-predictor")
    ctr = container(ksvc)
    assert ctr["image"] == want["image"]
    assert ctr.get("args") == want["args"]
    assert ctr.get("command") == want.get("command")
    assert_env(ctr, want.get("env", [(ISVC_NAME_ENV, isvc)]))
    assert ctr["resources"] == DEFAULT_RESOURCES
    assert ctr["securityContext"] == want["securityContext"]
    tmpl = template_annotations(ksvc)
    assert_subset(
        tmpl, {PROMETHEUS_PATH: "/metrics", PROMETHEUS_PORT: want["prometheus_port"], CLASS: KPA}
    )
    if want.get("source_uri", "any") is None:
        assert_lacks(tmpl, SOURCE_URI)
    else:
        assert tmpl[SOURCE_URI].startswith("gs://kfserving-examples/models/")
    extra_labels = want.get("labels", {})
    assert template_labels(ksvc) == {COMPONENT_LABEL: "predictor", ISVC_LABEL: isvc, **extra_labels}
    # SetRuntimeDefaults writes its labels on the isvc itself, so the VirtualService has them too
    assert labels(out.virtual_service(isvc)) == extra_labels
    assert ksvc["spec"]["traffic"] == LATEST_100


def test_get_supporting_runtimes_multiple_runtime_supports_model_format_specified() -> None:
    """predictor_model_test.go TestGetSupportingRuntimes
    ["MultipleRuntimeSupportsModelFormatSpecified"]: the namespace runtime with the highest
    priority for the format wins."""
    ksvc = rendered("knative-runtime-priority").ksvc("sklearn-v2-predictor")
    ctr = container(ksvc)
    assert ctr["image"] == "mlserver-runtime-image:latest"
    assert_env(ctr, [(ISVC_NAME_ENV, "sklearn-v2")])
    assert template_annotations(ksvc)[SOURCE_URI] == "s3://test/sklearn/model"


@pytest.mark.parametrize(
    ("case", "message"),
    [
        (
            "knative-error-no-supporting-runtime",
            "no runtime found to support predictor with model type: "
            "{nonexistent-modelformat <nil>}",
        ),
        (
            "knative-error-supporting-runtimes-disabled",
            "no runtime found to support predictor with model type: {pmml <nil>}",
        ),
    ],
    ids=["RuntimeNotFound", "ModelFormatWithDisabledRuntimeSpecified"],
)
def test_get_supporting_runtimes_none(case: str, message: str) -> None:
    """TestGetSupportingRuntimes scenarios with no runtime, as reconcileModel reports them."""
    assert case_yaml(case)["exit"] == 2
    assert message in expected_stderr(case)


def test_storage_uri_is_checked_before_the_runtime() -> None:
    """buildPredictorResources validates the storage URI before reconcileModel (found by the
    differential suite, tests/conformance)."""
    case = "knative-error-storage-uri-before-runtime"
    assert case_yaml(case)["exit"] == 2
    stderr = expected_stderr(case)
    assert "StorageURI not supported" in stderr
    assert "StorageUri [ftp://example.com/model] is not supported" in stderr
    assert "no runtime found" not in stderr


def test_reject_multiple_model_specs() -> None:
    """inference_service_validation_test.go TestRejectMultipleModelSpecs."""
    case = "knative-error-two-predictors"
    assert case_yaml(case)["exit"] == 2
    assert (
        "exactly one of [Name, SKLearn, XGBoost, Tensorflow, PyTorch, Triton, ONNX, HuggingFace, "
        "PMML, LightGBM, Paddle, Model, StorageUris, StorageContainerName, WorkerSpec, PodSpec] "
        "must be specified in PredictorSpec"
    ) in expected_stderr(case)


@pytest.mark.parametrize(
    ("case", "ksvc_name", "image"),
    [
        ("knative-gpu-image-tag", "tf-gpu-predictor", "tensorflow/serving:2.6.2-gpu"),
        ("knative-gpu-image-tag", "torch-gpu-predictor", "pytorch/torchserve-kfs:0.9.0-gpu"),
        ("knative-gpu-image-tag", "hf-gpu-predictor", "kserve/huggingfaceserver:v0.20.0-gpu"),
        ("knative-gpu-image-tag", "sklearn-gpu-predictor", "kserve/sklearnserver:v0.20.0"),
        ("knative-runtime-version", "sklearn-pinned-predictor", "kserve/sklearnserver:v0.19.0"),
        ("knative-runtime-version", "torch-pinned-predictor", "pytorch/torchserve-kfs:0.8.2-gpu"),
    ],
    ids=[
        "UpdateTFServingGPUImageTag",
        "TorchServe GPU",
        "UpdateHuggingFaceServerGPUImageTag",
        "sklearnserver GPU keeps image",
        "UpdateRuntimeVersion",
        "runtimeVersion with GPU",
    ],
)
def test_update_image_tag(case: str, ksvc_name: str, image: str) -> None:
    """utils_test.go TestUpdateImageTag, through the rendered predictor."""
    ctr = container(rendered(case).ksvc(ksvc_name))
    assert ctr["image"] == image
    if "gpu" in ksvc_name or "torch-pinned" in ksvc_name:
        assert ctr["resources"]["limits"]["nvidia.com/gpu"] == "1"


def test_merge_serving_runtime_and_inference_service_specs() -> None:
    """utils_test.go TestMergeServingRuntimeAndInferenceServiceSpecs / TestMergePodSpec:
    runtime pod fields as the base, the predictor's patched on top."""
    ksvc = rendered("knative-pod-spec-fields").ksvc("iris-pod-predictor")
    spec = revision_spec(ksvc)
    assert spec["serviceAccountName"] == "models-sa"
    assert spec["nodeSelector"] == {"kubernetes.io/arch": "amd64", "pool": "inference"}
    assert spec["tolerations"] == [
        {"key": "dedicated", "operator": "Equal", "value": "inference", "effect": "NoSchedule"}
    ]
    assert spec["affinity"] == {
        "nodeAffinity": {
            "requiredDuringSchedulingIgnoredDuringExecution": {
                "nodeSelectorTerms": [
                    {
                        "matchExpressions": [
                            {
                                "key": "topology.kubernetes.io/zone",
                                "operator": "In",
                                "values": ["zone-a", "zone-b"],
                            }
                        ]
                    }
                ]
            }
        }
    }
    assert spec["imagePullSecrets"] == [{"name": "team-registry"}, {"name": "runtime-registry"}]
    volumes = by_name(spec["volumes"])
    assert volumes["config"] == {"name": "config", "configMap": {"name": "iris-config"}}
    assert volumes["cache"] == {"name": "cache", "emptyDir": {}}
    ctr = container(ksvc)
    assert ctr["image"] == "registry.example.com/sklearnserver:1.4.0"
    assert ctr["args"] == ["--model_name=iris-pod", "--model_dir=/mnt/models", "--http_port=8080"]
    assert ctr["ports"] == [{"name": "http1", "containerPort": 8080, "protocol": "TCP"}]
    assert ctr["readinessProbe"] == {
        "httpGet": {"path": "/v1/models/iris-pod", "port": 8080},
        "initialDelaySeconds": 5,
    }
    assert ctr["livenessProbe"] == {"tcpSocket": {"port": 8080}, "periodSeconds": 20}
    assert_env(ctr, [("LOG_LEVEL", "debug"), ("EXTRA", "1"), (ISVC_NAME_ENV, "iris-pod")])
    mounts = {m["name"]: m for m in ctr["volumeMounts"]}
    assert mounts["config"] == {"name": "config", "mountPath": "/etc/iris"}
    assert mounts["cache"] == {"name": "cache", "mountPath": "/cache"}
    assert ctr["resources"] == {
        "limits": {"cpu": "1", "memory": "2Gi"},
        "requests": {"cpu": "750m", "memory": "1Gi"},
    }


# --- hosts ---


HOST_CASES = {
    "using knative domainTemplate: {{.Name}}.{{.Namespace}}.{{.Domain}} (config-domain)": (
        "knative-hosts-config-domain",
        "sklearn-iris",
        "team-a",
        "sklearn-iris.team-a.models.corp.example",
    ),
    "knative domain from --knative-domain": (
        "knative-hosts-knative-domain-flag",
        "sklearn-iris",
        "team-a",
        "sklearn-iris.team-a.corp.example",
    ),
    "using knative domainTemplate: {{.Name}}-{{.Namespace}}.{{.Domain}}": (
        "knative-hosts-domain-template",
        "kftest",
        "user1",
        "kftest-user1.example.com",
    ),
    "-default in the host: nothing trimmed": (
        "knative-hosts-default-in-name",
        "sklearn-default",
        "user1",
        "sklearn-default-predictor.user1.example.com",
    ),
    "urlScheme only reaches status.url (TestGetServiceUrl)": (
        "knative-url-scheme",
        "sklearn-iris",
        "team-a",
        "sklearn-iris.team-a.example.com",
    ),
}


@pytest.mark.parametrize("scenario", list(HOST_CASES), ids=list(HOST_CASES))
def test_get_service_host(scenario: str) -> None:
    """ingress_reconciler_test.go TestGetServiceHost: the isvc host is the predictor's Knative
    URL host without the first "-predictor" (or "-predictor-default" when the host contains
    "-default"); urlScheme changes no object."""
    case, isvc, ns, external = HOST_CASES[scenario]
    out = rendered(case)
    internal = svc_host(isvc, ns)
    assert out.virtual_service(isvc)["spec"] == {
        "gateways": [LOCAL_GATEWAY, MESH, INGRESS_GATEWAY],
        "hosts": [internal, external],
        "http": [
            http_route(
                host_matches(internal, [external]), svc_host(f"{isvc}-predictor", ns), isvc, ns
            )
        ],
    }
    assert out.external_service(isvc)["spec"] == external_name_spec()


# --- ingress_reconciler_test.go: TestCreateVirtualService ---

ISVC, NS = "my-model", "test"
INTERNAL = svc_host(ISVC, NS)
EXTERNAL = "my-model.test.example.com"
PREDICTOR_BACKEND = svc_host("my-model-predictor", NS)
PATH = "/serving/test/my-model"


def _route(
    matches: list[dict[str, Any]], backend: str, rewrite: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    return http_route(matches, backend, ISVC, NS, TEST_LOCAL_GATEWAY_SERVICE, rewrite)


def _path_route(backend: str) -> dict[str, Any]:
    return _route(
        [
            match("my-domain.com", [INGRESS_GATEWAY], {"prefix": PATH + "/"}),
            match("my-domain.com", [INGRESS_GATEWAY], {"exact": PATH}),
        ],
        backend,
        {"uri": "/"},
    )


ADDITIONAL = [
    "my-model.test.my-additional-domain.com",
    "my-model.test.my-second-additional-domain.com",
]
EXPLAINER_BACKEND = svc_host("my-model-explainer", NS)
PATH_EXPLAIN = PATH + PATH_EXPLAIN_SUFFIX
EXTERNAL_GATEWAYS = [LOCAL_GATEWAY, MESH, INGRESS_GATEWAY]
INTERNAL_GATEWAYS = [LOCAL_GATEWAY, MESH]

VIRTUAL_SERVICE_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "found predictor status": (
        "knative-vs-found-predictor-status",
        {
            "hosts": [INTERNAL, EXTERNAL],
            "gateways": EXTERNAL_GATEWAYS,
            "http": [_route(host_matches(INTERNAL, [EXTERNAL]), PREDICTOR_BACKEND)],
        },
    ),
    "local cluster predictor": (
        "knative-vs-local-cluster-predictor",
        {
            "hosts": [INTERNAL],
            "gateways": INTERNAL_GATEWAYS,
            "http": [_route(host_matches(INTERNAL, []), PREDICTOR_BACKEND)],
        },
    ),
    "found transformer and predictor status": (
        "knative-vs-transformer",
        {
            "hosts": [INTERNAL, EXTERNAL],
            "gateways": EXTERNAL_GATEWAYS,
            "http": [
                _route(host_matches(INTERNAL, [EXTERNAL]), svc_host("my-model-transformer", NS))
            ],
        },
    ),
    "found explainer and predictor status": (
        "knative-vs-explainer",
        {
            "hosts": [INTERNAL, EXTERNAL],
            "gateways": EXTERNAL_GATEWAYS,
            "http": [
                _route(
                    host_matches(INTERNAL, [EXTERNAL], {"regex": EXPLAIN_PREFIX}),
                    EXPLAINER_BACKEND,
                ),
                _route(host_matches(INTERNAL, [EXTERNAL]), PREDICTOR_BACKEND),
            ],
        },
    ),
    "found predictor status with path template": (
        "knative-vs-path-template",
        {
            "hosts": [INTERNAL, EXTERNAL, "my-domain.com"],
            "gateways": EXTERNAL_GATEWAYS,
            "http": [
                _route(host_matches(INTERNAL, [EXTERNAL]), PREDICTOR_BACKEND),
                _path_route(PREDICTOR_BACKEND),
            ],
        },
    ),
    "found predictor status with the additional ingress domains": (
        "knative-vs-additional-ingress-domains",
        {
            "hosts": [INTERNAL, EXTERNAL, "my-domain.com", *ADDITIONAL],
            "gateways": EXTERNAL_GATEWAYS,
            "http": [
                _route(host_matches(INTERNAL, [EXTERNAL, *ADDITIONAL]), PREDICTOR_BACKEND),
                _path_route(PREDICTOR_BACKEND),
            ],
        },
    ),
    "found predictor status with the additional ingress domains with duplication": (
        "knative-vs-additional-ingress-domains-duplication",
        {
            "hosts": [INTERNAL, EXTERNAL, "my-domain.com", *ADDITIONAL],
            "gateways": EXTERNAL_GATEWAYS,
            "http": [
                _route(host_matches(INTERNAL, [EXTERNAL, *ADDITIONAL]), PREDICTOR_BACKEND),
                _path_route(PREDICTOR_BACKEND),
            ],
        },
    ),
    "found predictor and explainer status with path template": (
        "knative-vs-explainer-path-template",
        {
            "hosts": [INTERNAL, EXTERNAL, "my-domain.com"],
            "gateways": EXTERNAL_GATEWAYS,
            "http": [
                _route(
                    host_matches(INTERNAL, [EXTERNAL], {"regex": EXPLAIN_PREFIX}),
                    EXPLAINER_BACKEND,
                ),
                _route(host_matches(INTERNAL, [EXTERNAL]), PREDICTOR_BACKEND),
                _route(
                    [match("my-domain.com", [INGRESS_GATEWAY], {"regex": PATH_EXPLAIN})],
                    EXPLAINER_BACKEND,
                    {"uriRegexRewrite": {"match": PATH_EXPLAIN, "rewrite": r"\1"}},
                ),
                _path_route(PREDICTOR_BACKEND),
            ],
        },
    ),
    "isvc labelled with cluster local visibility": (
        "knative-vs-cluster-local-visibility",
        {
            "hosts": [INTERNAL],
            "gateways": INTERNAL_GATEWAYS,
            "http": [_route(host_matches(INTERNAL, []), PREDICTOR_BACKEND)],
        },
    ),
}


@pytest.mark.parametrize("scenario", list(VIRTUAL_SERVICE_CASES), ids=list(VIRTUAL_SERVICE_CASES))
def test_create_virtual_service(scenario: str) -> None:
    case, spec = VIRTUAL_SERVICE_CASES[scenario]
    out = rendered(case)
    vs = out.virtual_service(ISVC)
    assert vs["spec"] == spec
    # isvc annotations minus serviceAnnotationDisallowedList; labels unfiltered
    assert annotations(vs) == {"test": "test"}
    if scenario == "isvc labelled with cluster local visibility":
        assert labels(vs) == {VISIBILITY: "cluster-local"}
        ksvc = out.ksvc("my-model-predictor")
        assert labels(ksvc)[VISIBILITY] == "cluster-local"  # ksvc metadata labels unfiltered
        assert_lacks(template_labels(ksvc), VISIBILITY)  # serviceLabelDisallowedList
    else:
        assert labels(vs) == {"test": "test"}
    external_name = (
        TEST_LOCAL_GATEWAY_SERVICE
        if scenario == "found predictor and explainer status with path template"
        else LOCAL_GATEWAY_SERVICE
    )
    assert out.external_service(ISVC)["spec"] == external_name_spec(external_name)


def test_every_knative_case_is_checked_here() -> None:
    """Each knative-* golden case is named in this file, so none goes without field checks."""
    source = (REPO_ROOT / "tests" / "test_golden_knative_fields.py").read_text(encoding="utf-8")
    cases = sorted(p.name for p in GOLDEN.glob("knative-*") if (p / "case.yaml").exists())
    assert len(cases) >= 25
    assert [c for c in cases if f'"{c}"' not in source] == []


# --- metrics_aggregate_injector.go (the pod webhook's annotations reach the revision) ---


def test_inject_metrics_aggregator_annotations_on_the_revision_template() -> None:
    """TestInjectMetricsAggregator "setPromAnnotationTrueWithAggTrue": the port is queue-proxy's
    aggregate port; Knative copies the template's annotations to the revision's pods."""
    ksvc = rendered("knative-metrics-scraping-annotations").ksvc("sklearn-scraped-predictor")
    expected = {
        "serving.kserve.io/enable-metric-aggregation": "true",
        "serving.kserve.io/enable-prometheus-scraping": "true",
        "prometheus.io/port": "9088",
        "prometheus.io/path": "/metrics",
    }
    assert_subset(template_annotations(ksvc), expected)
    assert_lacks(annotations(ksvc), *expected)


# --- cabundle_configmap_reconciler.go and needCaBundleMount (storage_initializer_injector.go) ---


def test_controller_should_create_a_global_cabundle_configmap_in_a_user_namespace() -> None:
    """controller_test.go It("Should create a global cabundle configmap in a user namespace when
    it meets all conditions and an inferenceservice is created"): global-ca-bundle holds the
    source's cabundle.crt only; the storage initializer mounts it at caBundleVolumeMountPath."""
    out = rendered("knative-ca-bundle-copy")
    copy = out.get(CORE, "ConfigMap", "global-ca-bundle")
    assert copy["metadata"]["namespace"] == "default"
    assert copy["data"] == {
        "cabundle.crt": "-----BEGIN CERTIFICATE-----\nTEST_CA_BUNDLE_CONTENT\n"
        "-----END CERTIFICATE-----\n"
    }
    ksvc = out.ksvc("sklearn-iris-predictor")
    (init,) = revision_spec(ksvc)["initContainers"]
    env = dict(env_pairs(init))
    assert env["CA_BUNDLE_CONFIGMAP_NAME"] == "global-ca-bundle"
    assert env["CA_BUNDLE_VOLUME_MOUNT_POINT"] == "/etc/ssl/custom-certs"
    mount = {"name": "cabundle-cert", "mountPath": "/etc/ssl/custom-certs", "readOnly": True}
    assert mount in init["volumeMounts"]
    volumes = by_name(revision_spec(ksvc)["volumes"])
    assert volumes["cabundle-cert"] == {"name": "cabundle-cert",
                                        "configMap": {"name": "global-ca-bundle"}}  # fmt: skip


# --- storage_container_types.go IsStorageUriSupported and GetContainerSpecForStorageUri ---


def test_storage_container_chosen_by_regex() -> None:
    """TestStorageContainerSpec_IsStorageUriSupported "s3Azure spec supports Azure" and
    TestGetContainerSpecForStorageUri: a `regex` format is matched with Go's regexp, and the
    matching ClusterStorageContainer's container (image, resources) is the storage initializer;
    a URI no container supports gets the default storage initializer of the ConfigMap."""
    out = rendered("knative-storage-container-regex")
    (registry,) = revision_spec(out.ksvc("iris-registry-predictor"))["initContainers"]
    assert registry["name"] == "storage-initializer"
    assert registry["image"] == "kubeflow/model-registry-storage-initializer:latest"
    assert registry["args"] == ["model-registry://iris/v1", "/mnt/models"]
    assert registry["resources"] == {
        "limits": {"cpu": "1", "memory": "1Gi"},
        "requests": {"cpu": "100m", "memory": "100Mi"},
    }
    (gcs,) = revision_spec(out.ksvc("iris-gcs-predictor"))["initContainers"]
    assert gcs["image"] == "kserve/storage-initializer:v0.20.0"
    assert gcs["args"] == ["gs://kfserving-examples/models/sklearn/1.0/model", "/mnt/models"]
