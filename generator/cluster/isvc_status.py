"""Port of KServe v0.20.0's `inference_service_status.go` and the Knative condition set it uses.

`IsvcStatus` is the InferenceService status as the controller builds it in memory; `as_json`
gives the object it would write. Conditions follow knative.dev/pkg's living condition set
(`apis/condition_set.go`): `Ready` is happy when its dependents `PredictorReady` and
`IngressReady` are; every other condition is informational (severity `Info`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from generator import constants as c

TRUE, FALSE, UNKNOWN = "True", "False", "Unknown"
READY = "Ready"
SEVERITY_ERROR = ""  # knative's ConditionSeverityError: omitted from JSON
SEVERITY_INFO = "Info"

PREDICTOR, TRANSFORMER, EXPLAINER = "predictor", "transformer", "explainer"

PREDICTOR_READY = "PredictorReady"
INGRESS_READY = "IngressReady"
ROUTES_READY = "RoutesReady"
LATEST_DEPLOYMENT_READY = "LatestDeploymentReady"
CANARY_PREDICTOR_READY = "CanaryPredictorReady"
STOPPED = "Stopped"
STOPPED_REASON = "Stopped"

READY_CONDITIONS = {
    PREDICTOR: PREDICTOR_READY,
    EXPLAINER: "ExplainerReady",
    TRANSFORMER: "TransformerReady",
}
ROUTE_CONDITIONS = {
    PREDICTOR: "PredictorRouteReady",
    EXPLAINER: "ExplainerRoutesReady",  # sic: KServe's constant has the plural
    TRANSFORMER: "TransformerRouteReady",
}
CONFIGURATION_CONDITIONS = {
    PREDICTOR: "PredictorConfigurationReady",
    EXPLAINER: "ExplainerConfigurationReady",
    TRANSFORMER: "TransformerConfigurationReady",
}
CROSS_COMPONENT = {
    ROUTES_READY: ROUTE_CONDITIONS,
    LATEST_DEPLOYMENT_READY: CONFIGURATION_CONDITIONS,
}

# conditionSet = apis.NewLivingConditionSet(PredictorReady, IngressReady)
HAPPY = READY
DEPENDENTS = (PREDICTOR_READY, INGRESS_READY)

# Model states and transition statuses (ModelState, TransitionStatus)
PENDING, LOADING, LOADED, FAILED_TO_LOAD = "Pending", "Loading", "Loaded", "FailedToLoad"
UP_TO_DATE, IN_PROGRESS, BLOCKED_BY_FAILED_LOAD = "UpToDate", "InProgress", "BlockedByFailedLoad"
INVALID_SPEC = "InvalidSpec"
MODEL_LOAD_FAILED = "ModelLoadFailed"
STATE_REASON_ERROR = "Error"
STATE_REASON_CRASH_LOOP_BACK_OFF = "CrashLoopBackOff"

# knservingv1.TrafficTarget and duckv1.Addressable, as KServe copies them into its status
TRAFFIC_TARGET_FIELDS = (
    "tag",
    "revisionName",
    "configurationName",
    "latestRevision",
    "percent",
    "url",
)
ADDRESSABLE_FIELDS = ("name", "url", "CACerts", "audience")

DEPLOYMENT_AVAILABLE = "Available"
DEPLOYMENT_PROGRESSING = "Progressing"
DEPLOYMENT_REPLICA_FAILURE = "ReplicaFailure"


@dataclass(frozen=True, slots=True)
class Condition:
    """One `apis.Condition`. `stamp` orders changes (the in-memory lastTransitionTime)."""

    type: str
    status: str
    reason: str = ""
    message: str = ""
    severity: str = SEVERITY_ERROR
    stamp: int = 0

    @property
    def is_true(self) -> bool:
        return self.status == TRUE

    @property
    def is_false(self) -> bool:
        return self.status == FALSE

    @property
    def is_unknown(self) -> bool:
        return self.status == UNKNOWN

    def as_json(self, transition_time: str) -> dict[str, Any]:
        out: dict[str, Any] = {"type": self.type, "status": self.status}
        if self.severity:
            out["severity"] = self.severity
        out["lastTransitionTime"] = transition_time
        if self.reason:
            out["reason"] = self.reason
        if self.message:
            out["message"] = self.message
        return out


def condition_from(obj: Mapping[str, Any] | None) -> Condition | None:
    """A condition read from a child's status (Knative Service, Deployment)."""
    if obj is None:
        return None
    return Condition(
        str(obj.get("type") or ""),
        str(obj.get("status") or ""),
        str(obj.get("reason") or ""),
        str(obj.get("message") or ""),
    )


def find_condition(conditions: Sequence[Mapping[str, Any]] | None, kind: str) -> Condition | None:
    """`GetCondition` on a child's `status.conditions`: the first of that type."""
    for cond in conditions or ():
        if isinstance(cond, Mapping) and cond.get("type") == kind:
            return condition_from(cond)
    return None


@dataclass
class IsvcStatus:
    """`InferenceServiceStatus` with its methods; components and model status as JSON dicts."""

    conditions: list[Condition] = field(default_factory=list)
    observed_generation: int = 0
    address: dict[str, Any] | None = None
    url: str | None = None
    components: dict[str, dict[str, Any]] = field(default_factory=dict)
    model_status: dict[str, Any] = field(default_factory=dict)
    canary_statuses: list[dict[str, Any]] | None = None
    deployment_mode: str = ""
    serving_runtime_name: str = ""
    cluster_serving_runtime_name: str = ""
    _clock: int = 0

    # --- knative.dev/pkg conditionsImpl ------------------------------------------------------

    def get_condition(self, kind: str) -> Condition | None:
        return next((x for x in self.conditions if x.type == kind), None)

    def _severity(self, kind: str) -> str:
        return SEVERITY_ERROR if kind == HAPPY or kind in DEPENDENTS else SEVERITY_INFO

    def _set(self, cond: Condition) -> None:
        """`SetCondition`: an unchanged condition keeps its transition time."""
        kept = []
        for existing in self.conditions:
            if existing.type != cond.type:
                kept.append(existing)
            elif replace(cond, stamp=existing.stamp) == existing:
                return
        self._clock += 1
        kept.append(replace(cond, stamp=self._clock))
        self.conditions = sorted(kept, key=lambda x: x.type)

    def _find_unhappy_dependent(self) -> Condition | None:
        terminal = [x for x in self.conditions if x.severity == SEVERITY_ERROR and x.type != HAPPY]
        terminal.sort(key=lambda x: x.stamp, reverse=True)  # latest change first
        for wanted in (FALSE, UNKNOWN):
            for cond in terminal:
                if cond.status == wanted:
                    return cond
        if len(DEPENDENTS) > len(terminal):
            return Condition("", UNKNOWN)
        return None

    def _recompute_happiness(self, kind: str) -> None:
        unhappy = self._find_unhappy_dependent()
        if unhappy is not None:
            self._set(Condition(HAPPY, unhappy.status, unhappy.reason, unhappy.message))
        elif kind != HAPPY:
            self._set(Condition(HAPPY, TRUE))

    def mark_true_with_reason(self, kind: str, reason: str, message: str) -> None:
        self._set(Condition(kind, TRUE, reason, message, self._severity(kind)))
        self._recompute_happiness(kind)

    def mark_unknown(self, kind: str, reason: str, message: str) -> None:
        self._set(Condition(kind, UNKNOWN, reason, message, self._severity(kind)))
        is_dependent = False
        for dependent in DEPENDENTS:
            cond = self.get_condition(dependent)
            if cond is not None and cond.is_false:
                happy = self.get_condition(HAPPY)
                if happy is None or not happy.is_false:
                    self.mark_false(HAPPY, reason, message)
                return
            if dependent == kind:
                is_dependent = True
        if is_dependent:
            self._set(Condition(HAPPY, UNKNOWN, reason, message, SEVERITY_ERROR))

    def mark_false(self, kind: str, reason: str, message: str) -> None:
        kinds = [kind] + ([HAPPY] if kind in DEPENDENTS else [])
        for one in kinds:
            self._set(Condition(one, FALSE, reason, message, self._severity(one)))

    def initialize_conditions(self) -> None:
        happy = self.get_condition(HAPPY)
        if happy is None:
            happy = Condition(HAPPY, UNKNOWN)
            self._set(happy)
        status = TRUE if happy.is_true else UNKNOWN
        for dependent in DEPENDENTS:
            if self.get_condition(dependent) is None:
                self._set(Condition(dependent, status))

    def clear_condition(self, kind: str) -> None:
        """`ClearCondition`; terminal conditions cannot be cleared (knative returns an error)."""
        if kind == HAPPY or kind in DEPENDENTS:
            return
        self.conditions = [x for x in self.conditions if x.type != kind]

    # --- InferenceServiceStatus --------------------------------------------------------------

    def set_condition(self, kind: str, cond: Condition | None) -> None:
        """`SetCondition`: only the status, reason and message of `cond` count."""
        if cond is None:
            return
        if cond.status == UNKNOWN:
            self.mark_unknown(kind, cond.reason, cond.message)
        elif cond.status == TRUE:
            self.mark_true_with_reason(kind, cond.reason, cond.message)
        elif cond.status == FALSE:
            self.mark_false(kind, cond.reason, cond.message)

    def is_ready(self) -> bool:
        cond = self.get_condition(HAPPY)
        return cond is not None and cond.is_true

    def is_condition_ready(self, kind: str) -> bool:
        cond = self.get_condition(kind)
        return cond is not None and cond.is_true

    def is_condition_false(self, kind: str) -> bool:
        cond = self.get_condition(kind)
        return cond is not None and cond.is_false

    def is_condition_unknown(self, kind: str) -> bool:
        cond = self.get_condition(kind)
        return cond is None or cond.is_unknown

    def component(self, name: str) -> dict[str, Any]:
        return self.components.setdefault(name, {})

    def propagate_raw_status_with_messages(
        self, component: str, reason: str, message: str, status: str
    ) -> None:
        self.component(component)
        self.set_condition(READY_CONDITIONS[component], Condition("", status, reason, message))

    def propagate_raw_status(
        self, component: str, deployments: Sequence[Mapping[str, Any]], url: str | None
    ) -> None:
        """`PropagateRawStatus`: a Standard-mode component is ready as its Deployments are."""
        spec = self.component(component)
        kind = READY_CONDITIONS[component]
        ready = Condition(kind, FALSE)
        available = deployment_condition(deployments, DEPLOYMENT_AVAILABLE)
        if available is not None and available.is_true:
            ready = Condition(kind, TRUE, available.reason, available.message)
        progressing = deployment_condition(deployments, DEPLOYMENT_PROGRESSING)
        if progressing is not None:
            if progressing.is_false:
                if progressing.message:  # a message means a problem, e.g. the deadline passed
                    ready = Condition(kind, FALSE, progressing.reason, progressing.message)
            elif progressing.is_true:
                if progressing.reason == "NewReplicaSetAvailable":
                    ready = Condition(kind, TRUE, progressing.reason, progressing.message)
                elif available is None or not available.is_true:
                    ready = Condition(kind, UNKNOWN, progressing.reason, progressing.message)
        if available is not None and available.is_false:
            ready = Condition(kind, FALSE, available.reason, available.message)
        failure = deployment_condition(deployments, DEPLOYMENT_REPLICA_FAILURE)
        if failure is not None and failure.is_true:
            ready = Condition(kind, FALSE, failure.reason, failure.message)
        if ready.is_true and url is not None:
            spec["url"] = url
        self.set_condition(kind, ready)
        if deployments:
            status = deployments[0].get("status") or {}
            self.observed_generation = int(status.get("observedGeneration") or 0)

    def propagate_cross_component_status(self, components: Sequence[str], kind: str) -> None:
        """`PropagateCrossComponentStatus`: RoutesReady / LatestDeploymentReady over components."""
        per_component = CROSS_COMPONENT.get(kind)
        if per_component is None:
            return
        status, reason = TRUE, ""
        for component in components:
            one = per_component[component]
            if not self.is_condition_ready(one):
                status = UNKNOWN if self.is_condition_unknown(one) else FALSE
                reason = one + " not ready"
        self.set_condition(kind, Condition(kind, status, reason))

    def propagate_status(self, component: str, service_status: Mapping[str, Any]) -> None:
        """`PropagateStatus`: a Knative-mode component from its Knative Service's status."""
        spec = self.component(component)
        latest_ready = str(service_status.get("latestReadyRevisionName") or "")
        latest_created = str(service_status.get("latestCreatedRevisionName") or "")
        _set_or_drop(spec, "latestCreatedRevision", latest_created)
        traffic = [t for t in service_status.get("traffic") or () if isinstance(t, Mapping)]
        revision_traffic: dict[str, int] = {}
        for target in traffic:
            if target.get("percent") is not None:
                name = str(target.get("revisionName") or "")
                revision_traffic[name] = revision_traffic.get(name, 0) + int(target["percent"])
        for target in traffic:
            if str(target.get("revisionName") or "") != latest_ready or not target.get(
                "latestRevision"
            ):
                continue
            percent = target.get("percent")
            if spec.get("latestRolledoutRevision", "") != latest_ready:
                if percent is not None and int(percent) == 100:
                    # the last revision that was fully rolled out
                    _set_or_drop(
                        spec, "previousRolledoutRevision", spec.get("latestRolledoutRevision", "")
                    )
                    _set_or_drop(spec, "latestRolledoutRevision", latest_ready)
            elif latest_ready == latest_created and percent is not None and int(percent) < 100:
                # rolled out at 100% and then rolled back: step back to the previous one,
                # unless the split is over this same revision
                name = str(target.get("revisionName") or "")
                if revision_traffic.get(name) == 100 and spec.get("previousRolledoutRevision"):
                    spec["latestRolledoutRevision"] = spec["previousRolledoutRevision"]
        if latest_ready != spec.get("latestReadyRevision", ""):
            _set_or_drop(spec, "latestReadyRevision", latest_ready)
        conditions = service_status.get("conditions")
        ready = find_condition(conditions, READY)
        if ready is not None and ready.is_true:
            if isinstance(service_status.get("address"), Mapping):
                spec["address"] = _known(service_status["address"], ADDRESSABLE_FIELDS)
            if service_status.get("url") is not None:
                spec["url"] = service_status["url"]
        self.set_condition(READY_CONDITIONS[component], ready)
        self.set_condition(ROUTE_CONDITIONS[component], find_condition(conditions, "RoutesReady"))
        configuration = find_condition(conditions, "ConfigurationsReady")
        if traffic:
            spec["traffic"] = [_known(t, TRAFFIC_TARGET_FIELDS) for t in traffic]
        else:
            spec.pop("traffic", None)
        self.set_condition(CONFIGURATION_CONDITIONS[component], configuration)
        self.observed_generation = int(service_status.get("observedGeneration") or 0)

    # --- model status ------------------------------------------------------------------------

    def update_model_revision_states(
        self, state: str, info: Mapping[str, Any] | None = None
    ) -> None:
        states = self.model_status.setdefault("states", {"activeModelState": ""})
        states["targetModelState"] = state
        if state in (PENDING, LOADING):
            self.model_status["transitionStatus"] = IN_PROGRESS
        elif state == LOADED:
            self.model_status["transitionStatus"] = UP_TO_DATE
            states["activeModelState"] = LOADED
        elif state == FAILED_TO_LOAD:
            self.model_status["transitionStatus"] = BLOCKED_BY_FAILED_LOAD
        if info is not None:
            self.model_status["lastFailureInfo"] = dict(info)

    def propagate_model_status(
        self,
        spec: Mapping[str, Any],
        pods: Sequence[Mapping[str, Any]],
        raw_deployment: bool,
        service_status: Mapping[str, Any] | None,
    ) -> bool:
        """`PropagateModelStatus`: the predictor's model state from its pods."""
        copies = self.model_status.setdefault("copies", {"failedCopies": 0})
        ready_copies = count_ready_pods(pods)
        if ready_copies:
            copies["totalCopies"] = ready_copies
        else:
            copies.pop("totalCopies", None)
        if not pods:
            if not raw_deployment:
                for cond in (service_status or {}).get("conditions") or ():
                    if isinstance(cond, Mapping) and cond.get("status") == FALSE:
                        self.update_model_revision_states(FAILED_TO_LOAD)
                        return True
            self.update_model_revision_states(PENDING)
            return True
        first = pods[0].get("status") or {}
        for cs in first.get("initContainerStatuses") or ():
            if cs.get("name") == c.STORAGE_INITIALIZER_CONTAINER_NAME:
                decided = self._storage_initializer_state(cs)
                if decided is not None:
                    return decided
        if self.is_ready() and (
            raw_deployment
            or spec.get("latestCreatedRevision", "") == spec.get("latestReadyRevision", "")
        ):
            self.update_model_revision_states(LOADED)
            return True
        for cs in first.get("containerStatuses") or ():
            if cs.get("name") == c.INFERENCE_SERVICE_CONTAINER_NAME:
                failure = _container_failure(cs)
                if failure is None:
                    self.update_model_revision_states(PENDING)
                else:
                    self.update_model_revision_states(FAILED_TO_LOAD, failure)
        return True

    def _storage_initializer_state(self, cs: Mapping[str, Any]) -> bool | None:
        """The storage initializer's say on the model state: loading, failed, or no say."""
        state, last = cs.get("state") or {}, cs.get("lastState") or {}
        if state.get("running") is not None:
            if last.get("terminated") is not None:
                return False  # KServe requeues: it may be looping between error and running
            self.update_model_revision_states(LOADING)
            return True
        failure = _container_failure(cs)
        if failure is not None:
            self.update_model_revision_states(FAILED_TO_LOAD, failure)
            return True
        return None

    # --- output ------------------------------------------------------------------------------

    def as_json(self, transition_time: str) -> dict[str, Any]:
        """The status object KServe writes (Go's JSON field names and omitempty rules)."""
        out: dict[str, Any] = {}
        if self.observed_generation:
            out["observedGeneration"] = self.observed_generation
        if self.conditions:
            out["conditions"] = [x.as_json(transition_time) for x in self.conditions]
        if self.address is not None:
            out["address"] = self.address
        if self.url is not None:
            out["url"] = self.url
        if self.components:
            out["components"] = {k: dict(v) for k, v in sorted(self.components.items())}
        out["modelStatus"] = {"transitionStatus": "", **self.model_status}
        if self.canary_statuses:
            out["canaryStatuses"] = self.canary_statuses
        names = {
            "deploymentMode": self.deployment_mode,
            "servingRuntimeName": self.serving_runtime_name,
            "clusterServingRuntimeName": self.cluster_serving_runtime_name,
        }
        out.update({key: value for key, value in names.items() if value})
        return out


def _known(obj: Mapping[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    """The fields Go's struct decodes (others are dropped on the way through KServe)."""
    return {k: obj[k] for k in fields if obj.get(k) not in (None, "")}


def _set_or_drop(spec: dict[str, Any], key: str, value: str) -> None:
    """Go's `omitempty` on a string field: "" is not written."""
    if value:
        spec[key] = value
    else:
        spec.pop(key, None)


def _failure(terminated: Mapping[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {"reason": MODEL_LOAD_FAILED}
    if terminated.get("message"):
        info["message"] = terminated["message"]
    if terminated.get("exitCode"):
        info["exitCode"] = terminated["exitCode"]
    return info


def _container_failure(cs: Mapping[str, Any]) -> dict[str, Any] | None:
    """A container that ended in Error, or is in CrashLoopBackOff: the failure info."""
    state, last = cs.get("state") or {}, cs.get("lastState") or {}
    if (state.get("terminated") or {}).get("reason") == STATE_REASON_ERROR:
        return _failure(state["terminated"])
    if (state.get("waiting") or {}).get("reason") == STATE_REASON_CRASH_LOOP_BACK_OFF:
        return _failure(last.get("terminated") or {})
    return None


def count_ready_pods(pods: Sequence[Mapping[str, Any]]) -> int:
    """`countReadyPods`: Running pods whose Ready condition is True."""
    count = 0
    for pod in pods:
        status = pod.get("status") or {}
        if status.get("phase") != "Running":
            continue
        if any(
            x.get("type") == "Ready" and x.get("status") == TRUE
            for x in status.get("conditions") or ()
        ):
            count += 1
    return count


def deployment_condition(deployments: Sequence[Mapping[str, Any]], kind: str) -> Condition | None:
    """`getDeploymentCondition`: one Deployment's condition, or head and worker combined.

    Go returns a zero condition (empty status) when none matches; here that is None, which
    every caller treats alike (an empty status is neither True nor False).
    """
    if len(deployments) == 1:
        return find_condition((deployments[0].get("status") or {}).get("conditions"), kind)
    if not deployments:
        return None
    statuses, messages, reasons, raw_reasons = [], [], [], []
    for deployment in deployments:
        name = str((deployment.get("metadata") or {}).get("name") or "")
        prefix = "worker-container: " if c.WORKER_NODE_SUFFIX in name else "predictor-container: "
        found = find_condition((deployment.get("status") or {}).get("conditions"), kind)
        if found is not None:
            statuses.append(found.status)
            messages.append(prefix + found.message)
            reasons.append(prefix + found.reason)
            raw_reasons.append(found.reason)
    if len(statuses) != 2:
        return None
    status = TRUE if all(s == TRUE for s in statuses) else FALSE
    same = all(r == raw_reasons[0] for r in raw_reasons)
    reason = raw_reasons[0] if same else ", ".join(reasons)
    return Condition(kind, status, reason, ", ".join(messages))
