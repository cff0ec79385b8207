"""Status rules, case by case from KServe v0.20.0's `inference_service_status_test.go`.

Each test names the Go test (and scenario) it ports; the condition roll-up cases follow
knative.dev/pkg's living condition set, which KServe's status embeds.
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.cluster.isvc_status import (
    FALSE,
    TRUE,
    UNKNOWN,
    Condition,
    IsvcStatus,
    deployment_condition,
)


def deployment(*conditions: dict[str, str], name: str = "isvc-predictor") -> dict[str, Any]:
    return {"metadata": {"name": name}, "status": {"conditions": list(conditions)}}


AVAILABLE = {
    "type": "Available",
    "status": "True",
    "reason": "MinimumReplicasAvailable",
    "message": "Deployment has minimum availability.",
}
UNAVAILABLE = {
    "type": "Available",
    "status": "False",
    "reason": "MinimumReplicasUnavailable",
    "message": "Deployment does not have minimum availability.",
}
PROGRESSED = {
    "type": "Progressing",
    "status": "True",
    "reason": "NewReplicaSetAvailable",
    "message": "ReplicaSet has successfully progressed.",
}
URL = "http://test-predictor-default.default.example.com"


# TestPropagateRawStatus: the scenarios and the PredictorReady each leads to.
@pytest.mark.parametrize(
    ("conditions", "ready"),
    [
        pytest.param([AVAILABLE], True, id="Available true"),
        pytest.param([AVAILABLE, PROGRESSED], True, id="Available true, Progressing succeeded"),
        pytest.param(
            [
                AVAILABLE,
                {"type": "Progressing", "status": "False", "message": "ProgressDeadlineExceeded"},
            ],
            False,
            id="Available true, Progressing failed",
        ),
        pytest.param(
            [
                UNAVAILABLE,
                {"type": "Progressing", "status": "False", "message": "Some error happened"},
            ],
            False,
            id="Available false, Progressing failed",
        ),
        pytest.param(
            [UNAVAILABLE, {**PROGRESSED, "message": ""}],
            False,
            id="Available false, Progressing completed",
        ),
        pytest.param(
            [
                UNAVAILABLE,
                {"type": "Progressing", "status": "True", "reason": "NewReplicaSetCreated"},
            ],
            False,
            id="Available false, Progressing ongoing",
        ),
        pytest.param(
            [
                AVAILABLE,
                {
                    "type": "ReplicaFailure",
                    "status": "True",
                    "reason": "replica failure",
                    "message": "replica failure",
                },
            ],
            False,
            id="Available true, ReplicaFailure true",
        ),
    ],
)
def test_propagate_raw_status(conditions: list[dict[str, str]], ready: bool) -> None:
    status = IsvcStatus()
    status.propagate_raw_status("predictor", [deployment(*conditions)], URL)
    assert status.is_condition_ready("PredictorReady") is ready
    assert ("url" in status.components["predictor"]) is ready  # the URL only once ready


def test_propagate_raw_status_empty_deployment_list() -> None:
    """TestPropagateRawStatus_EmptyDeploymentList: False, and no observedGeneration."""
    status = IsvcStatus()
    status.propagate_raw_status("predictor", [], URL)
    assert status.is_condition_false("PredictorReady")
    assert status.observed_generation == 0


def test_propagate_raw_status_with_messages() -> None:
    """TestPropagateRawStatusWithMessages: the first condition carries reason and message."""
    status = IsvcStatus()
    status.propagate_raw_status_with_messages("predictor", "test reason", "test message", FALSE)
    assert status.is_condition_false("PredictorReady")
    first = status.conditions[0]
    assert (first.type, first.reason, first.message) == (
        "PredictorReady",
        "test reason",
        "test message",
    )


@pytest.mark.parametrize(
    ("component", "kind"),
    [
        ("predictor", "PredictorReady"),
        ("transformer", "TransformerReady"),
        ("explainer", "ExplainerReady"),
    ],
)
def test_propagate_raw_status_with_messages_all_components(component: str, kind: str) -> None:
    """TestPropagateRawStatusWithMessages_AllComponents."""
    status = IsvcStatus()
    status.propagate_raw_status_with_messages(
        component, "ReconcileFailed", "some reconcile error", FALSE
    )
    cond = status.get_condition(kind)
    assert cond is not None
    assert (cond.status, cond.reason, cond.message) == (
        FALSE,
        "ReconcileFailed",
        "some reconcile error",
    )


def _knative_status(percent: int, created: str | None) -> dict[str, Any]:
    conditions = [
        {"type": t, "status": "True"}
        for t in ("Foo", "RoutesReady", "ConfigurationsReady", "Ready")
    ]
    status: dict[str, Any] = {
        "conditions": conditions,
        "latestReadyRevisionName": "test-predictor-default-0001",
        "traffic": [
            {
                "revisionName": "test-predictor-default-0001",
                "percent": percent,
                "latestRevision": True,
            }
        ],
        "address": {},
        "url": URL,
    }
    if created:
        status["latestCreatedRevisionName"] = created
    return status


@pytest.mark.parametrize(
    ("service_status", "rolled_out"),
    [
        pytest.param(_knative_status(100, None), "", id="Traffic Routing for Latest Revision"),
        pytest.param(
            _knative_status(90, "test-predictor-default-0001"),
            "test-predictor-default-0001",
            id="Traffic Routing for Rolledout Revision",
        ),
    ],
)
def test_propagate_status(service_status: dict[str, Any], rolled_out: str) -> None:
    """TestPropagateStatus: ready, and the traffic copied as the Knative Service has it."""
    status = IsvcStatus()
    if rolled_out:
        status.component("predictor")["latestRolledoutRevision"] = rolled_out
    status.propagate_status("predictor", service_status)
    assert status.is_condition_ready("PredictorReady")
    assert status.components["predictor"]["traffic"][0] == service_status["traffic"][0]


def test_propagate_status_tracks_rollouts() -> None:
    """The controller test "Should have traffic split between two revisions": 100% to v1
    rolls v1 out; 100% to v2 later makes v1 the previous rolled-out revision."""
    status = IsvcStatus()
    ready = [{"type": "Ready", "status": "True"}]
    v1 = {
        "conditions": ready,
        "latestCreatedRevisionName": "revision-v1",
        "latestReadyRevisionName": "revision-v1",
        "traffic": [{"latestRevision": True, "revisionName": "revision-v1", "percent": 100}],
    }
    status.propagate_status("predictor", v1)
    assert status.components["predictor"]["latestRolledoutRevision"] == "revision-v1"
    canary = {
        **v1,
        "latestCreatedRevisionName": "revision-v2",
        "latestReadyRevisionName": "revision-v2",
        "traffic": [
            {"latestRevision": True, "revisionName": "revision-v2", "percent": 20},
            {"tag": "prev", "revisionName": "revision-v1", "latestRevision": False, "percent": 80},
        ],
    }
    status.propagate_status("predictor", canary)
    predictor = status.components["predictor"]
    assert predictor["latestReadyRevision"] == "revision-v2"
    assert predictor["latestRolledoutRevision"] == "revision-v1"
    promoted = {
        **canary,
        "traffic": [{"latestRevision": True, "revisionName": "revision-v2", "percent": 100}],
    }
    status.propagate_status("predictor", promoted)
    assert predictor["latestRolledoutRevision"] == "revision-v2"
    assert predictor["previousRolledoutRevision"] == "revision-v1"


def test_propagate_status_rollback_to_previous() -> None:
    """PropagateStatus's rollback branch: the rolled-out revision back under 100% while all
    traffic stays on it steps latestRolledoutRevision back to the previous one."""
    status = IsvcStatus()
    status.components["predictor"] = {
        "latestRolledoutRevision": "r2",
        "previousRolledoutRevision": "r1",
    }
    split = {
        "conditions": [{"type": "Ready", "status": "True"}],
        "latestCreatedRevisionName": "r2",
        "latestReadyRevisionName": "r2",
        "traffic": [
            {"latestRevision": True, "revisionName": "r2", "percent": 60},
            {"latestRevision": False, "revisionName": "r2", "percent": 40},
        ],
    }
    status.propagate_status("predictor", split)
    assert status.components["predictor"]["latestRolledoutRevision"] == "r1"


def _pod(
    *, init: dict[str, Any] | None = None, main: dict[str, Any] | None = None
) -> dict[str, Any]:
    status: dict[str, Any] = {}
    if init is not None:
        status["initContainerStatuses"] = [{"name": "storage-initializer", **init}]
    if main is not None:
        status["containerStatuses"] = [{"name": "kserve-container", **main}]
    return {"metadata": {"name": "kserve-container"}, "status": status}


ERROR = {"terminated": {"exitCode": 1, "reason": "Error", "message": "For testing"}}
CRASH = {
    "state": {"waiting": {"reason": "CrashLoopBackOff", "message": "For testing"}},
    "lastState": {
        "terminated": {"reason": "CrashLoopBackOff", "message": "For testing", "exitCode": 1}
    },
}
FAILURE = {"reason": "ModelLoadFailed", "message": "For testing", "exitCode": 1}
READY_TRUE = [{"type": "Ready", "status": "True"}]
READY_FALSE = [{"type": "Ready", "status": "False", "reason": "RevisionFailed"}]


# TestInferenceServiceStatus_PropagateModelStatus: (isvc Ready, pods, raw, Knative conditions)
# -> (target state, active state, transition status, failure info, return value)
@pytest.mark.parametrize(
    ("isvc_ready", "pods", "raw", "knative", "expected"),
    [
        pytest.param(
            FALSE, [], False, READY_TRUE, ("Pending", "", "InProgress", None, True),
            id="pod list is empty",
        ),
        pytest.param(
            FALSE, [], False, READY_FALSE, ("FailedToLoad", "", "BlockedByFailedLoad", None, True),
            id="pod list is empty but knative has an error",
        ),
        pytest.param(
            FALSE, [_pod(main={"state": {"waiting": {"reason": "ContainerCreating"}}})], False,
            READY_TRUE, ("Pending", "", "InProgress", None, True),
            id="kserve container in pending state",
        ),
        pytest.param(
            FALSE, [_pod(main={"state": ERROR})], False, READY_TRUE,
            ("FailedToLoad", "", "BlockedByFailedLoad", FAILURE, True),
            id="kserve container failed due to an error",
        ),
        pytest.param(
            FALSE, [_pod(main=CRASH)], False, READY_TRUE,
            ("FailedToLoad", "", "BlockedByFailedLoad", FAILURE, True),
            id="kserve container failed due to crash loopBackOff",
        ),
        pytest.param(
            FALSE, [_pod(init={"state": ERROR})], False, READY_TRUE,
            ("FailedToLoad", "", "BlockedByFailedLoad", FAILURE, True),
            id="storage initializer failed due to an error",
        ),
        pytest.param(
            FALSE, [_pod(init=CRASH)], False, [{"type": "Ready", "status": "Unknown"}],
            ("FailedToLoad", "", "BlockedByFailedLoad", FAILURE, True),
            id="storage initializer failed due to crash loopBackOff",
        ),
        pytest.param(
            FALSE, [_pod(init={"state": {"running": {}}})], False, READY_TRUE,
            ("Loading", "", "InProgress", None, True),
            id="storage initializer in running state",
        ),
        pytest.param(
            FALSE, [_pod(init={"state": {"running": {}}, "lastState": CRASH["lastState"]})],
            False, READY_FALSE, (None, None, "", None, False),
            id="storage initializer in running state but it has a previous error",
        ),
        pytest.param(
            TRUE, [_pod(main={"state": {"running": {}}})], False, READY_TRUE,
            ("Loaded", "Loaded", "UpToDate", None, True),
            id="kserve container is ready",
        ),
        pytest.param(
            TRUE, [_pod(main={"state": {"running": {}}})], True, None,
            ("Loaded", "Loaded", "UpToDate", None, True),
            id="raw deployment is ready",
        ),
    ],
)  # fmt: skip
def test_propagate_model_status(
    isvc_ready: str,
    pods: list[dict[str, Any]],
    raw: bool,
    knative: list[dict[str, str]] | None,
    expected: tuple[Any, ...],
) -> None:
    status = IsvcStatus(conditions=[Condition("Ready", isvc_ready)])
    spec = {"latestReadyRevision": "rev-1", "latestCreatedRevision": "rev-1"}
    done = status.propagate_model_status(
        spec, pods, raw, None if knative is None else {"conditions": knative}
    )
    states = status.model_status.get("states") or {}
    got = (
        states.get("targetModelState"),
        states.get("activeModelState"),
        status.model_status.get("transitionStatus", ""),
        status.model_status.get("lastFailureInfo"),
        done,
    )
    assert got == expected


def _ready_pod(phase: str, ready: str) -> dict[str, Any]:
    return {"status": {"phase": phase, "conditions": [{"type": "Ready", "status": ready}]}}


def test_propagate_model_status_counts_ready_pods_only() -> None:
    """TestPropagateModelStatus_ReadyPodsCountingOnly: totalCopies counts Running+Ready pods."""
    status = IsvcStatus(conditions=[Condition("Ready", FALSE)])
    pods = [
        _ready_pod("Running", "True"),
        _ready_pod("Running", "False"),
        _ready_pod("Pending", "True"),
    ]
    status.propagate_model_status({}, pods, True, None)
    assert status.model_status["copies"] == {"failedCopies": 0, "totalCopies": 1}


def test_get_deployment_condition_multi_node_same_reason() -> None:
    """TestGetDeploymentCondition_MultiDeployment_SameReason: one reason, no prefixes."""
    head = deployment({**AVAILABLE, "message": "head ok"}, name="isvc-predictor")
    worker = deployment({**AVAILABLE, "message": "worker ok"}, name="isvc-predictor-worker")
    cond = deployment_condition([head, worker], "Available")
    assert cond is not None
    assert cond.status == TRUE
    assert cond.reason == "MinimumReplicasAvailable"
    assert cond.message == "predictor-container: head ok, worker-container: worker ok"


def test_get_deployment_condition_multi_node_one_false() -> None:
    """TestGetDeploymentCondition_MultiDeployment_OneFalse: False, prefixed reasons."""
    head = deployment(AVAILABLE, name="isvc-predictor")
    worker = deployment(UNAVAILABLE, name="isvc-predictor-worker")
    cond = deployment_condition([head, worker], "Available")
    assert cond is not None
    assert cond.status == FALSE
    assert cond.reason == (
        "predictor-container: MinimumReplicasAvailable, "
        "worker-container: MinimumReplicasUnavailable"
    )


@pytest.mark.parametrize("reason", ["MinimumReplicasAvailable", "ReplicaSetUpdated"])
def test_multi_node_available_true_progressing_non_standard(reason: str) -> None:
    """TestPropagateRawStatus_MultiNode_AvailableTrueProgressingNonStandard: still ready."""
    progressing = {"type": "Progressing", "status": "True", "reason": reason}
    head = deployment(AVAILABLE, progressing, name="isvc-predictor")
    worker = deployment(AVAILABLE, progressing, name="isvc-predictor-worker")
    status = IsvcStatus()
    status.propagate_raw_status("predictor", [head, worker], URL)
    assert status.is_condition_ready("PredictorReady")


# --- knative.dev/pkg living condition set, as InferenceServiceStatus uses it ------------------


def test_initialize_conditions_ready_predictor_and_ingress_unknown() -> None:
    status = IsvcStatus()
    status.initialize_conditions()
    assert [(x.type, x.status) for x in status.conditions] == [
        ("IngressReady", UNKNOWN),
        ("PredictorReady", UNKNOWN),
        ("Ready", UNKNOWN),
    ]


def test_ready_needs_predictor_and_ingress() -> None:
    status = IsvcStatus()
    status.initialize_conditions()
    status.set_condition("PredictorReady", Condition("", TRUE))
    assert not status.is_ready()  # IngressReady still Unknown
    status.set_condition("IngressReady", Condition("", TRUE))
    assert status.is_ready()


def test_false_dependent_makes_ready_false_with_its_reason() -> None:
    status = IsvcStatus()
    status.initialize_conditions()
    status.set_condition("PredictorReady", Condition("", FALSE, "RevisionFailed", "boom"))
    ready = status.get_condition("Ready")
    assert ready is not None
    assert (ready.status, ready.reason, ready.message) == (FALSE, "RevisionFailed", "boom")


def test_unknown_dependent_does_not_hide_a_false_one() -> None:
    status = IsvcStatus()
    status.initialize_conditions()
    status.set_condition("PredictorReady", Condition("", FALSE, "Broken"))
    status.set_condition("IngressReady", Condition("", UNKNOWN, "Waiting"))
    assert status.is_condition_false("Ready")


def test_informational_conditions_have_info_severity_and_leave_ready_alone() -> None:
    status = IsvcStatus()
    status.initialize_conditions()
    for kind in ("PredictorReady", "IngressReady"):
        status.set_condition(kind, Condition("", TRUE))
    status.set_condition("TransformerReady", Condition("", FALSE, "Broken"))
    assert status.is_ready()
    cond = status.get_condition("TransformerReady")
    assert cond is not None and cond.severity == "Info"
    assert status.get_condition("Ready").severity == ""  # type: ignore[union-attr]


def test_cross_component_status() -> None:
    """PropagateCrossComponentStatus: Unknown when a component's condition is missing."""
    status = IsvcStatus()
    status.set_condition("PredictorRouteReady", Condition("", TRUE))
    status.propagate_cross_component_status(["predictor", "transformer"], "RoutesReady")
    cond = status.get_condition("RoutesReady")
    assert cond is not None
    assert (cond.status, cond.reason) == (UNKNOWN, "TransformerRouteReady not ready")
