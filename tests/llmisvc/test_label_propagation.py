"""KServe's `label_propagation_test.go`, ported: which metadata reaches the workload Deployment,
its pod template, the scheduler's pod template and the workload Service
(`propagateDeploymentMetadata`, `propagateSchedulerMetadata`, `utils.PropagateMap`)."""

from __future__ import annotations

from typing import Any, cast

import pytest

from generator.llmisvc import scheduler, workload

NO_STORAGE = cast(workload.Storage, None)  # no template: attachModelArtifacts does not run


def _service(
    labels: dict[str, str] | None = None,
    annotations: dict[str, str] | None = None,
    spec_labels: dict[str, str] | None = None,
    spec_annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": "test-llm", "namespace": "ns"}
    if labels:
        meta["labels"] = labels
    if annotations:
        meta["annotations"] = annotations
    spec: dict[str, Any] = {"model": {"uri": "hf://m/m"}}
    if spec_labels:
        spec["labels"] = spec_labels
    if spec_annotations:
        spec["annotations"] = spec_annotations
    return {"metadata": meta, "spec": spec}


CASES = [
    pytest.param(
        {
            "annotations": {
                "k8s.v1.cni.cncf.io/networks": "my-network",
                "kueue.x-k8s.io/queue-name": "my-queue",
                "random.annotation/foo": "bar",
            }
        },
        {},
        {"k8s.v1.cni.cncf.io/networks": "my-network", "kueue.x-k8s.io/queue-name": "my-queue"},
        {},
        {"k8s.v1.cni.cncf.io/networks": "my-network", "kueue.x-k8s.io/queue-name": "my-queue"},
        ["random.annotation/foo"],
        id="should only propagate approved-prefix annotations from top-level metadata",
    ),
    pytest.param(
        {
            "labels": {
                "kueue.x-k8s.io/queue-name": "my-queue",
                "random.label/foo": "bar",
                "app.kubernetes.io/name": "my-app",
            }
        },
        {"kueue.x-k8s.io/queue-name": "my-queue"},
        {},
        {"kueue.x-k8s.io/queue-name": "my-queue"},
        {},
        ["random.label/foo"],
        id="should only propagate approved-prefix labels from top-level metadata",
    ),
    pytest.param(
        {
            "annotations": {
                "internal.serving.kserve.io/something": "foo",
                "kueue.x-k8s.io/queue-name": "my-queue",
            }
        },
        {},
        {"kueue.x-k8s.io/queue-name": "my-queue"},
        {},
        {"kueue.x-k8s.io/queue-name": "my-queue"},
        ["internal.serving.kserve.io/something"],
        id="should not propagate internal kserve annotations",
    ),
    pytest.param(
        {
            "annotations": {
                "kubectl.kubernetes.io/last-applied-configuration": "some-json",
                "k8s.v1.cni.cncf.io/networks": "my-network",
            }
        },
        {},
        {"k8s.v1.cni.cncf.io/networks": "my-network"},
        {},
        {"k8s.v1.cni.cncf.io/networks": "my-network"},
        ["kubectl.kubernetes.io/last-applied-configuration"],
        id="should not propagate kubectl last-applied-configuration",
    ),
    pytest.param(
        {
            "annotations": {
                "prometheus.io/scrape": "true",
                "prometheus.io/port": "8080",
                "prometheus.io/path": "/metrics",
                "prometheus.io/scheme": "https",
                "random.annotation/foo": "bar",
            }
        },
        {},
        {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "8080",
            "prometheus.io/path": "/metrics",
            "prometheus.io/scheme": "https",
        },
        {},
        {
            "prometheus.io/scrape": "true",
            "prometheus.io/port": "8080",
            "prometheus.io/path": "/metrics",
            "prometheus.io/scheme": "https",
        },
        ["random.annotation/foo"],
        id="should propagate prometheus.io annotations from top-level metadata",
    ),
    pytest.param(
        {
            "labels": {"kueue.x-k8s.io/queue-name": "meta-val"},
            "annotations": {"kueue.x-k8s.io/queue-name": "meta-val"},
            "spec_labels": {
                "kueue.x-k8s.io/queue-name": "spec-val",
                "workload.label/extra": "extra-val",
                "any.label/custom": "custom-val",
            },
            "spec_annotations": {
                "kueue.x-k8s.io/queue-name": "spec-val",
                "workload.annotation/extra": "extra-val",
                "any.annotation/custom": "custom-val",
            },
        },
        # KServe's one label map (Deployment, selector and pod) takes spec.labels too
        {"kueue.x-k8s.io/queue-name": "spec-val"},
        {"kueue.x-k8s.io/queue-name": "meta-val"},
        {
            "kueue.x-k8s.io/queue-name": "spec-val",
            "workload.label/extra": "extra-val",
            "any.label/custom": "custom-val",
        },
        {
            "kueue.x-k8s.io/queue-name": "spec-val",
            "workload.annotation/extra": "extra-val",
            "any.annotation/custom": "custom-val",
        },
        [],
        id="should always propagate WorkloadSpec labels and annotations to Pod template",
    ),
    pytest.param(
        {
            "labels": {
                "internal.serving.kserve.io/localmodel": "my-cache",
                "internal.serving.kserve.io/localmodel-namespace": "test-ns",
            },
            "annotations": {
                "internal.serving.kserve.io/localmodel-sourceuri": "s3://bucket/model",
                "internal.serving.kserve.io/localmodel-pvc-name": "my-cache-gpu1",
            },
        },
        {
            "internal.serving.kserve.io/localmodel": "my-cache",
            "internal.serving.kserve.io/localmodel-namespace": "test-ns",
        },
        {
            "internal.serving.kserve.io/localmodel-sourceuri": "s3://bucket/model",
            "internal.serving.kserve.io/localmodel-pvc-name": "my-cache-gpu1",
        },
        {
            "internal.serving.kserve.io/localmodel": "my-cache",
            "internal.serving.kserve.io/localmodel-namespace": "test-ns",
        },
        {
            "internal.serving.kserve.io/localmodel-sourceuri": "s3://bucket/model",
            "internal.serving.kserve.io/localmodel-pvc-name": "my-cache-gpu1",
        },
        [],
        id="should propagate localmodel labels and annotations from top-level metadata",
    ),
    pytest.param(
        {"labels": {"random.label/foo": "bar"}, "annotations": {"random.annotation/foo": "bar"}},
        {},
        {},
        {},
        {},
        ["random.label/foo", "random.annotation/foo"],
        id="should propagate nothing when no matching prefixes and no WorkloadSpec",
    ),
    pytest.param(
        {
            "labels": {"random.label/foo": "bar"},
            "annotations": {"random.annotation/foo": "bar"},
            "spec_labels": {"workload.label/extra": "extra-val"},
            "spec_annotations": {"workload.annotation/extra": "extra-val"},
        },
        {},
        {},
        {"workload.label/extra": "extra-val"},
        {"workload.annotation/extra": "extra-val"},
        ["random.label/foo", "random.annotation/foo"],
        id="should propagate only WorkloadSpec entries when no top-level metadata matches "
        "approved prefixes",
    ),
]


@pytest.mark.parametrize(
    (
        "given",
        "deployment_labels",
        "deployment_annotations",
        "pod_labels",
        "pod_annotations",
        "absent",
    ),
    CASES,
)
def test_propagate_deployment_metadata(
    given: dict[str, Any],
    deployment_labels: dict[str, str],
    deployment_annotations: dict[str, str],
    pod_labels: dict[str, str],
    pod_annotations: dict[str, str],
    absent: list[str],
) -> None:
    # TestPropagateDeploymentMetadata
    out = workload.main_deployment(_service(**given), NO_STORAGE)
    labels = out["labels"]
    annotations = out["annotations"] or {}
    pod = out["spec"]["template"]["metadata"]
    assert deployment_labels.items() <= labels.items()
    assert deployment_annotations.items() <= annotations.items()
    assert pod_labels.items() <= pod["labels"].items()
    assert pod_annotations.items() <= (pod.get("annotations") or {}).items()
    for key in absent:
        assert key not in labels and key not in annotations
        assert key not in pod["labels"] and key not in (pod.get("annotations") or {})
    # the preset's model-based-routing switch never reaches the pod
    routed = _service(spec_annotations={"serving.kserve.io/model-based-routing-enabled": "true"})
    pod = workload.main_deployment(routed, NO_STORAGE)["spec"]["template"]["metadata"]
    assert "annotations" not in pod


@pytest.mark.parametrize(
    ("labels", "annotations"),
    [
        pytest.param(
            {"custom.label/key": "value", "another.label/key": "another-value"},
            {"custom.annotation/key": "value", "another.annotation/key": "another-value"},
            id="should propagate scheduler labels and annotations to pod template",
        ),
        pytest.param(None, None, id="should handle nil scheduler labels and annotations"),
        pytest.param(
            {"custom.label/key": "value"},
            None,
            id="should propagate only labels when no annotations are specified",
        ),
        pytest.param(
            None,
            {"custom.annotation/key": "value"},
            id="should propagate only annotations when no labels are specified",
        ),
        pytest.param(
            {"kueue.x-k8s.io/queue-name": "q", "any.domain/label": "v", "no-domain-label": "s"},
            {"prometheus.io/scrape": "true", "any.domain/ann": "v", "no-domain-ann": "s"},
            id="should propagate arbitrary scheduler labels and annotations without filtering",
        ),
    ],
)
def test_propagate_scheduler_metadata(
    labels: dict[str, str] | None, annotations: dict[str, str] | None
) -> None:
    # TestPropagateSchedulerMetadata
    sched: dict[str, Any] = {"template": {"containers": []}}
    if labels is not None:
        sched["labels"] = labels
    if annotations is not None:
        sched["annotations"] = annotations
    out = scheduler.deployment(_service(), sched)
    pod = out["spec"]["template"]["metadata"]
    assert (labels or {}).items() <= pod["labels"].items()
    assert (annotations or {}) == (pod.get("annotations") or {})
    assert "annotations" not in out  # nothing from the scheduler on the Deployment itself


def test_propagate_workload_service_metadata() -> None:
    # TestPropagateWorkloadServiceMetadata
    llmsvc = _service(
        spec_labels={"model": "llama-3.1-8b", "endpoint": "my-endpoint"},
        spec_annotations={"prometheus.io/scrape": "true"},
    )
    svc = workload.workload_service(llmsvc, False)
    assert svc["labels"] == {
        "app.kubernetes.io/component": "llminferenceservice-workload",
        "app.kubernetes.io/name": "test-llm",
        "app.kubernetes.io/part-of": "llminferenceservice",
        "model": "llama-3.1-8b",
        "endpoint": "my-endpoint",
    }
    assert svc["annotations"] == {"prometheus.io/scrape": "true"}
