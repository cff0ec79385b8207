"""The controller's status handling (observe.py), without a server.

Cases from KServe v0.20.0: `controller_test.go` (the transformer's expected status),
`rawkube_controller_test.go` ("ingress creation disabled"), and the readiness checks of
`createIngress` / `createRawIngress` that the ingress reconcilers' tests exercise.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from generator.cluster import observe
from generator.config.ingress import IngressConfig


def isvc(name: str = "foo", namespace: str = "default", **spec: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": name, "namespace": namespace, "annotations": {}},
        "spec": {"predictor": {"model": {}}, **spec},
    }


def ksvc(name: str, url: str, ready: str = "True") -> dict[str, Any]:
    conditions = [
        {"type": t, "status": ready} for t in ("Ready", "RoutesReady", "ConfigurationsReady")
    ]
    return {
        "metadata": {"name": name},
        "status": {
            "conditions": conditions,
            "latestCreatedRevisionName": f"{name}-v1",
            "latestReadyRevisionName": f"{name}-v1",
            "url": url,
        },
    }


def knative(isvc_obj: dict[str, Any], *services: dict[str, Any]) -> observe.Observed:
    live = {(*observe.KSVC, s["metadata"]["name"]): s for s in services}
    return observe.Observed(isvc_obj, observe.KNATIVE, IngressConfig(), live, {})


def conditions(outcome: observe.Outcome) -> dict[str, tuple[str, str]]:
    return {c.type: (c.status, c.reason) for c in outcome.status.conditions}


def test_knative_transformer_is_the_entry() -> None:
    """controller_test.go "Should create successfully" (transformer): URL and address of the
    InferenceService, every component and cross-component condition True."""
    observed = knative(
        isvc("foo", transformer={"containers": []}),
        ksvc("foo-predictor", "http://foo-predictor.default.example.com"),
        ksvc("foo-transformer", "http://foo-transformer.default.example.com"),
    )
    outcome = observe.settle(observed)
    status = outcome.status.as_json("t")
    assert status["url"] == "http://foo.default.example.com"
    assert status["address"] == {"url": "http://foo.default.svc.cluster.local"}
    assert {k: v[0] for k, v in conditions(outcome).items()} == {
        "IngressReady": "True",
        "LatestDeploymentReady": "True",
        "PredictorConfigurationReady": "True",
        "PredictorReady": "True",
        "PredictorRouteReady": "True",
        "Ready": "True",
        "RoutesReady": "True",
        "Stopped": "False",
        "TransformerConfigurationReady": "True",
        "TransformerReady": "True",
        "TransformerRouteReady": "True",
    }
    assert status["components"]["transformer"]["latestReadyRevision"] == "foo-transformer-v1"


def test_knative_predictor_not_ready_keeps_ingress_unknown() -> None:
    """createIngress: PredictorReady Unknown -> IngressReady Unknown, no URL."""
    observed = knative(isvc(), ksvc("foo-predictor", "http://x", ready="Unknown"))
    outcome = observe.settle(observed)
    assert conditions(outcome)["IngressReady"] == ("Unknown", "Predictor ingress not created")
    assert conditions(outcome)["Ready"][0] == "Unknown"
    assert outcome.status.url is None


def test_knative_without_istio_skips_the_virtual_service_checks() -> None:
    """reconcileVirtualService returns early without the VirtualService CRD: IngressReady
    keeps its initial Unknown (no "ingress not created" reason)."""
    observed = knative(isvc(), ksvc("foo-predictor", "http://x", ready="Unknown"))
    outcome = observe.settle(replace(observed, virtual_service_available=False))
    assert conditions(outcome)["IngressReady"] == ("Unknown", "")


def test_knative_missing_service_leaves_predictor_unknown() -> None:
    outcome = observe.settle(knative(isvc()))
    assert conditions(outcome)["PredictorReady"] == ("Unknown", "")
    assert conditions(outcome)["RoutesReady"] == ("Unknown", "PredictorRouteReady not ready")


def standard(
    isvc_obj: dict[str, Any], ingress: IngressConfig, *objects: dict[str, Any]
) -> observe.Observed:
    live = {}
    for obj in objects:
        group = obj["apiVersion"].rpartition("/")[0]
        live[(group, obj["kind"], obj["metadata"]["name"])] = obj
    rendered = {
        (*observe.DEPLOYMENT, "foo-predictor"): {
            "metadata": {"name": "foo-predictor", "namespace": "default"}
        }
    }
    annotated = {**isvc_obj}
    annotated["metadata"] = {
        **isvc_obj["metadata"],
        "annotations": {"serving.kserve.io/deploymentMode": "Standard"},
    }
    return observe.Observed(annotated, observe.STANDARD, ingress, live, rendered)


def deployment(available: str) -> dict[str, Any]:
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "foo-predictor"},
        "status": {"conditions": [{"type": "Available", "status": available}]},
    }


def service(cluster_ip: str = "10.0.0.1") -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": "foo-predictor"},
        "spec": {"clusterIP": cluster_ip},
    }


def test_standard_ingress_creation_disabled() -> None:
    """rawkube_controller_test.go, "ingress creation disabled": IngressReady True anyway."""
    ingress = replace(IngressConfig(), enable_gateway_api=True, disable_ingress_creation=True)
    outcome = observe.settle(standard(isvc(), ingress, deployment("True"), service()))
    status = outcome.status.as_json("t")
    assert conditions(outcome)["IngressReady"] == ("True", "")
    assert status["url"] == "http://foo-default.example.com"
    assert status["address"] == {"url": "http://foo-predictor.default.svc.cluster.local"}
    assert status["components"] == {
        "predictor": {"url": "http://foo-predictor-default.example.com"}
    }


def test_standard_kube_ingress_waits_for_the_predictor() -> None:
    """createRawIngress: predictor not ready -> IngressReady False, and no URL yet."""
    outcome = observe.settle(standard(isvc(), IngressConfig(), deployment("False"), service()))
    assert conditions(outcome)["IngressReady"] == ("False", "Predictor ingress not created")
    assert outcome.status.url is None


def test_standard_headless_entry_service_address_has_the_port() -> None:
    """createAddress: a headless entry Service is addressed with port 8080."""
    outcome = observe.settle(standard(isvc(), IngressConfig(), deployment("True"), service("None")))
    assert outcome.status.address == {"url": "http://foo-predictor.default.svc.cluster.local:8080"}
    assert conditions(outcome)["Ready"] == ("True", "")


def test_standard_missing_entry_service_is_a_note() -> None:
    outcome = observe.settle(standard(isvc(), IngressConfig(), deployment("True")))
    assert outcome.status.address is None
    assert outcome.notes == [
        'failed to get entry point service foo-predictor: services "foo-predictor" not found'
    ]
    assert conditions(outcome)["IngressReady"][0] == "Unknown"  # never set True


def test_standard_canary_statuses() -> None:
    """reconcileCanaryDeployments: a canary is ready once its Deployment has replicas."""
    spec = {"canary": [{"trafficPercent": 20, "predictor": {"name": "v2"}}]}
    canary = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "foo-v2-predictor"},
        "status": {"availableReplicas": 0},
    }
    observed = standard(isvc(**spec), IngressConfig(), deployment("True"), service(), canary)
    outcome = observe.settle(observed)
    assert outcome.status.canary_statuses == [
        {
            "name": "v2",
            "ready": False,
            "trafficPercent": 20,
            "modelStatus": {"transitionStatus": ""},
        }
    ]
    assert conditions(outcome)["CanaryPredictorReady"] == ("False", "CanariesNotReady")
