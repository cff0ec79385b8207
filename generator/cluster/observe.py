"""The InferenceService status KServe's controller would write, from the children it reads.

Port of the status side of `controller.go` Reconcile and its reconcilers at v0.20.0: the
predictor, transformer and explainer components (`components/*.go`: PropagateStatus or
PropagateRawStatus, canaries, stop, model status), the Stopped and cross-component conditions,
then the ingress reconciler of the mode (`ingress_reconciler.go`, `kube_ingress_reconciler.go`,
`httproute_reconciler.go`). KServe keeps its status between reconciles; here it is rebuilt
from the children each time, with the one piece of history that matters (the revision a
canary splits traffic with) taken from the render.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from generator import constants as c
from generator.cluster.isvc_status import (
    CANARY_PREDICTOR_READY,
    EXPLAINER,
    FALSE,
    INGRESS_READY,
    LATEST_DEPLOYMENT_READY,
    PREDICTOR,
    READY,
    READY_CONDITIONS,
    ROUTES_READY,
    STOPPED,
    STOPPED_REASON,
    TRANSFORMER,
    TRUE,
    UNKNOWN,
    Condition,
    IsvcStatus,
)
from generator.config.ingress import IngressConfig
from generator.reconcilers import raw
from generator.reconcilers.ingress import httproute, kube_ingress, virtual_service
from generator.utils.utils import get_force_stop_runtime

KNATIVE = c.DeploymentMode.KNATIVE.value
STANDARD = c.DeploymentMode.STANDARD.value
MODEL_MESH = c.DeploymentMode.MODEL_MESH.value
CLUSTER_LOCAL_DOMAIN = "svc.cluster.local"
VISIBILITY_LABEL = "networking.kserve.io/visibility"
CLUSTER_LOCAL = "cluster-local"

# Keys of live objects: (API group, kind, name) in the InferenceService's namespace.
KSVC = ("serving.knative.dev", "Service")
DEPLOYMENT = ("apps", "Deployment")
SERVICE = ("", "Service")
INGRESS = ("networking.k8s.io", "Ingress")
HTTP_ROUTE = ("gateway.networking.k8s.io", "HTTPRoute")

Key = tuple[str, str, str]


@dataclass(frozen=True, slots=True)
class Observed:
    """What the cluster holds for one InferenceService."""

    isvc: Mapping[str, Any]  # defaulted, as admitted
    mode: str
    ingress: IngressConfig
    live: Mapping[Key, Mapping[str, Any]]  # the children found (missing ones are absent)
    rendered: Mapping[Key, Mapping[str, Any]]  # the children as rendered
    pods: Sequence[Mapping[str, Any]] = ()  # the predictor's pods
    runtime: str | None = None
    runtime_is_cluster: bool = True
    knative_available: bool = True
    virtual_service_available: bool = True

    @property
    def name(self) -> str:
        return str(self.isvc["metadata"]["name"])

    def spec(self, component: str) -> Mapping[str, Any] | None:
        value = (self.isvc.get("spec") or {}).get(component)
        return value if isinstance(value, Mapping) else None

    def get(self, kind: tuple[str, str], name: str) -> Mapping[str, Any] | None:
        return self.live.get((kind[0], kind[1], name))


@dataclass(slots=True)
class Outcome:
    status: IsvcStatus
    notes: list[str] = field(default_factory=list)


def components_of(observed: Observed) -> list[str]:
    """The component reconcilers KServe runs, in its order."""
    found = [] if observed.mode == MODEL_MESH else [PREDICTOR]
    return found + [x for x in (TRANSFORMER, EXPLAINER) if observed.spec(x) is not None]


def component_name(observed: Observed, component: str) -> str:
    if component == PREDICTOR:
        predictor = observed.spec(PREDICTOR) or {}
        return c.predictor_service_name(observed.name, str(predictor.get("name") or ""))
    if component == TRANSFORMER:
        return c.transformer_service_name(observed.name)
    return c.explainer_service_name(observed.name)


def is_stopped(observed: Observed) -> bool:
    return get_force_stop_runtime((observed.isvc.get("metadata") or {}).get("annotations"))


RECONCILES = 3  # a settled status repeats after two; the third only confirms it


def settle(observed: Observed) -> Outcome:
    """The status once reconciles stop changing it, as the cluster shows it at rest.

    KServe starts each reconcile from the status it wrote last, and some rules read the
    conditions the previous one left (the model is Loaded only once the InferenceService was
    Ready), so one pass from nothing is not what `kubectl get isvc` shows.
    """
    outcome = compute(observed)
    for _ in range(RECONCILES - 1):
        again = compute(observed, outcome.status)
        if again.status.as_json("") == outcome.status.as_json(""):
            return again
        outcome = again
    return outcome


def compute(observed: Observed, previous: IsvcStatus | None = None) -> Outcome:
    """The status after one reconcile of the InferenceService against the observed children."""
    status = copy.deepcopy(previous) if previous is not None else IsvcStatus()
    outcome = Outcome(status)
    if status.get_condition(READY) is None:
        status.initialize_conditions()
    if observed.mode == KNATIVE and not observed.knative_available:
        outcome.notes.append(
            "Knative Serving is not available in the cluster (no serving.knative.dev/v1 "
            "Services): KServe rejects Knative mode"
        )
        status.deployment_mode = observed.mode
        return outcome
    stopped = is_stopped(observed)
    for component in components_of(observed):
        status = reconcile_component(observed, status, component)
    outcome.status = status
    stopped_now = status.get_condition(STOPPED)
    if stopped_now is None:
        status.set_condition(STOPPED, Condition(STOPPED, FALSE))
        stopped_now = status.get_condition(STOPPED)
    assert stopped_now is not None
    if stopped and stopped_now.is_false:
        status.set_condition(STOPPED, Condition(STOPPED, TRUE))
    elif not stopped and stopped_now.is_true:
        status.set_condition(STOPPED, Condition(STOPPED, FALSE))
    if observed.mode == KNATIVE and not stopped:
        present = components_of(observed)
        status.propagate_cross_component_status(present, ROUTES_READY)
        status.propagate_cross_component_status(present, LATEST_DEPLOYMENT_READY)
    if observed.mode == KNATIVE:
        knative_ingress(observed, status)
    elif observed.mode == STANDARD:
        if observed.ingress.enable_gateway_api:
            http_route_ingress(observed, status, outcome.notes)
        else:
            kube_ingress_status(observed, status, outcome.notes)
    status.deployment_mode = observed.mode
    return outcome


def reconcile_component(observed: Observed, status: IsvcStatus, component: str) -> IsvcStatus:
    """One component reconciler's effect on the status (it may start a new, stopped one)."""
    if component == PREDICTOR and observed.runtime:
        if observed.runtime_is_cluster:
            status.cluster_serving_runtime_name = observed.runtime
        else:
            status.serving_runtime_name = observed.runtime
    stopped = is_stopped(observed)
    name = component_name(observed, component)
    service_status: Mapping[str, Any] | None = None
    if observed.mode == STANDARD:
        deployments = standard_deployments(observed, name)
        if not stopped:
            status.propagate_raw_status(component, deployments, component_url(observed, name))
        if component == PREDICTOR:
            canary_statuses(observed, status, stopped)
    else:
        ksvc = observed.get(KSVC, name)
        service_status = (ksvc or {}).get("status") or {}
        seed_rollout_history(observed, status, component, name)
        if not stopped:
            status.propagate_status(component, service_status)
    if stopped:
        before = status.get_condition(READY_CONDITIONS[component])
        if before is not None and before.is_false and before.reason == STOPPED_REASON:
            return status  # already marked stopped by an earlier reconcile
        if component == PREDICTOR:
            # KServe clears the whole status, keeping only the deployment mode
            status = IsvcStatus(deployment_mode=status.deployment_mode)
        status.set_condition(
            READY_CONDITIONS[component],
            Condition(READY_CONDITIONS[component], FALSE, STOPPED_REASON),
        )
        return status
    if component == PREDICTOR:
        spec = status.components.get(PREDICTOR, {})
        status.propagate_model_status(
            spec, observed.pods, observed.mode == STANDARD, service_status
        )
    return status


def standard_deployments(observed: Observed, name: str) -> list[Mapping[str, Any]]:
    """The component's Deployments as the raw reconciler returns them: head, then worker."""
    names = [name]
    if (
        name == component_name(observed, PREDICTOR)
        and (observed.spec(PREDICTOR) or {}).get("workerSpec") is not None
    ):
        names.append(c.predictor_worker_service_name(observed.name))
    found = []
    for one in names:
        live = observed.get(DEPLOYMENT, one)
        if live is not None:
            found.append(live)
    return found


def component_url(observed: Observed, name: str) -> str | None:
    """The raw reconciler's component URL, from the rendered Deployment's metadata."""
    rendered = observed.rendered.get((*DEPLOYMENT, name))
    if rendered is None:
        return None
    meta = dict(rendered.get("metadata") or {})
    labels = dict(meta.get("labels") or {})
    labels.pop(c.MANAGED_BY_LABEL_KEY, None)  # GitOps only: KServe's component meta has none
    url = raw.create_raw_url(observed.ingress, {**meta, "labels": labels})
    return url if isinstance(url, str) else None


def canary_statuses(observed: Observed, status: IsvcStatus, stopped: bool) -> None:
    """The canary part of `reconcileCanaryDeployments`: per canary, ready when available."""
    canaries = [x for x in (observed.isvc.get("spec") or {}).get("canary") or () if x]
    statuses, all_ready = [], True
    for canary in canaries:
        predictor = canary.get("predictor") or {}
        name = c.predictor_service_name(observed.name, str(predictor.get("name") or ""))
        deployment = observed.get(DEPLOYMENT, name)
        ready = int(((deployment or {}).get("status") or {}).get("availableReplicas") or 0) > 0
        all_ready = all_ready and ready
        statuses.append(
            {
                "name": str(predictor.get("name") or ""),
                "ready": ready,
                "trafficPercent": int(canary.get("trafficPercent") or 0),
                "modelStatus": {"transitionStatus": ""},
            }
        )
    status.canary_statuses = statuses or None
    if not canaries:
        status.clear_condition(CANARY_PREDICTOR_READY)
        return
    if stopped:
        value, reason = FALSE, STOPPED_REASON
    elif not all_ready:
        value, reason = FALSE, "CanariesNotReady"
    else:
        value, reason = TRUE, "AllCanariesReady"
    status.set_condition(CANARY_PREDICTOR_READY, Condition(CANARY_PREDICTOR_READY, value, reason))


def seed_rollout_history(observed: Observed, status: IsvcStatus, component: str, name: str) -> None:
    """The revision KServe would remember as fully rolled out before this canary.

    GitOps: KServe keeps `latestRolledoutRevision` in the InferenceService status between
    reconciles and builds the `prev` traffic target from it; the render wrote that target,
    so the rendered Knative Service says which revision it was.
    """
    rendered = observed.rendered.get((*KSVC, name)) or {}
    for target in (rendered.get("spec") or {}).get("traffic") or ():
        if isinstance(target, Mapping) and target.get("tag") == "prev":
            if target.get("revisionName"):
                status.component(component)["latestRolledoutRevision"] = str(target["revisionName"])


def _not_ready_status(status: IsvcStatus, kind: str, with_unknown: bool) -> str:
    if with_unknown and status.is_condition_unknown(kind):
        return UNKNOWN
    return FALSE


def ingress_not_created(observed: Observed, status: IsvcStatus, with_unknown: bool) -> bool:
    """The readiness checks of `createIngress` / `createRawIngress`: set IngressReady when a
    component the route needs is not ready, and say so."""
    checks = [(PREDICTOR, "Predictor")]
    if observed.spec(TRANSFORMER) is not None:
        checks.append((TRANSFORMER, "Transformer"))
    if observed.spec(EXPLAINER) is not None and (
        with_unknown or observed.spec(TRANSFORMER) is None
    ):
        checks.append((EXPLAINER, "Explainer"))
    for component, title in checks:
        kind = READY_CONDITIONS[component]
        if not status.is_condition_ready(kind):
            value = _not_ready_status(status, kind, with_unknown)
            reason = f"{title} ingress not created"
            status.set_condition(INGRESS_READY, Condition(INGRESS_READY, value, reason))
            return True
    return False


def knative_ingress(observed: Observed, status: IsvcStatus) -> None:
    """`IngressReconciler.Reconcile`: the URL from the entry component's Knative URL."""
    if observed.virtual_service_available:
        ingress_not_created(observed, status, with_unknown=True)
    if is_stopped(observed):
        status.set_condition(INGRESS_READY, Condition(INGRESS_READY, FALSE, STOPPED_REASON))
        return
    hosts = {}
    for component, spec in status.components.items():
        if spec.get("url"):
            hosts[component] = urlsplit(str(spec["url"])).netloc
    found = virtual_service.ingress_status(observed.isvc, hosts, observed.ingress)
    if found is None:
        return
    status.url = found["url"]
    status.address = found["address"]
    status.set_condition(INGRESS_READY, Condition(INGRESS_READY, TRUE))


def _internal(observed: Observed) -> bool:
    labels = (observed.isvc.get("metadata") or {}).get("labels") or {}
    return (
        labels.get(VISIBILITY_LABEL) == CLUSTER_LOCAL
        or observed.ingress.ingress_domain == CLUSTER_LOCAL_DOMAIN
    )


def _raw_url_and_address(observed: Observed, status: IsvcStatus, notes: list[str]) -> bool:
    """Set `status.url` and `status.address`; False when the entry Service is missing."""
    url = httproute.create_raw_url(observed.isvc, observed.ingress)
    status.url = url if isinstance(url, str) else None
    services = {
        name: obj for (group, kind, name), obj in observed.live.items() if (group, kind) == SERVICE
    }
    address = kube_ingress.create_address(observed.isvc, services)
    if not isinstance(address, str):
        status.address = None
        notes.append(address.message)
        return False
    status.address = {"url": address}
    return True


def kube_ingress_status(observed: Observed, status: IsvcStatus, notes: list[str]) -> None:
    """`RawIngressReconciler.Reconcile` (Kubernetes Ingress)."""
    live = observed.get(INGRESS, observed.name)
    if is_stopped(observed):
        if live is not None:
            status.set_condition(INGRESS_READY, Condition(INGRESS_READY, FALSE, STOPPED_REASON))
        return
    if not _internal(observed) and not observed.ingress.disable_ingress_creation:
        if ingress_not_created(observed, status, with_unknown=False):
            return
    if _raw_url_and_address(observed, status, notes):
        status.set_condition(INGRESS_READY, Condition(INGRESS_READY, TRUE))


def http_route_ready(route: Mapping[str, Any]) -> tuple[bool, str, str]:
    """`isHTTPRouteReady`: every parent accepted it (no False condition)."""
    parents = ((route.get("status") or {}).get("parents")) or []
    if not parents:
        return False, "ParentStatusNotAvailable", "HttpRouteNotReady"
    for parent in parents:
        for cond in parent.get("conditions") or ():
            if cond.get("status") == FALSE:
                return False, str(cond.get("reason") or ""), str(cond.get("message") or "")
    return True, "", ""


def http_route_ingress(observed: Observed, status: IsvcStatus, notes: list[str]) -> None:
    """`RawHTTPRouteReconciler.Reconcile` (Gateway API HTTPRoutes)."""
    if not _internal(observed) and not observed.ingress.disable_ingress_creation:
        if is_stopped(observed):
            status.set_condition(INGRESS_READY, Condition(INGRESS_READY, FALSE, STOPPED_REASON))
            return
        checks = [(component_name(observed, PREDICTOR), "Predictor")]
        for component, title in ((TRANSFORMER, "Transformer"), (EXPLAINER, "Explainer")):
            if observed.spec(component) is not None:
                checks.append((component_name(observed, component), title))
        checks.append((observed.name, "InferenceService"))
        for name, title in checks:
            route = observed.get(HTTP_ROUTE, name)
            if route is None:
                reason, message = f"{title} Deployment NotReady", f"{title} HTTPRoute not created"
                cond = Condition(INGRESS_READY, FALSE, reason, message)
                status.set_condition(INGRESS_READY, cond)
                return
            ready, reason, message = http_route_ready(route)
            if not ready:
                status.set_condition(
                    INGRESS_READY, Condition(INGRESS_READY, FALSE, reason, f"{title} {message}")
                )
                return
    status.set_condition(INGRESS_READY, Condition(INGRESS_READY, TRUE))
    _raw_url_and_address(observed, status, notes)
