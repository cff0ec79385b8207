"""`kserve-gitops status`: fetch each InferenceService's children and report its status.

Which children to read comes from the render (the objects KServe would have created); what
they say goes through observe.py. A ModelMesh InferenceService is in the cluster and its own
controller writes its status, so that status is read as it is.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from generator import constants as c
from generator import pipeline
from generator.admission.runtimes import get_serving_runtime
from generator.cluster import isvc_status, observe
from generator.cluster.kube import Cluster
from generator.errors import Invalid

KSERVE_ISVC = ("serving.kserve.io/v1beta1", "InferenceService")
ISTIO_VIRTUAL_SERVICE = ("networking.istio.io/v1beta1", "VirtualService")
REVISION_LABEL = "serving.knative.dev/revision"


@dataclass(slots=True)
class Report:
    """One InferenceService: the object `kubectl get isvc` would show, and what is amiss."""

    namespace: str
    name: str
    status: dict[str, Any]
    created: str | None = None
    notes: list[str] = field(default_factory=list)

    def as_object(self) -> dict[str, Any]:
        meta: dict[str, Any] = {"name": self.name, "namespace": self.namespace}
        if self.created:
            meta["creationTimestamp"] = self.created
        return {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": meta,
            "status": self.status,
        }


def _group(api_version: str) -> str:
    return api_version.rpartition("/")[0] if "/" in api_version else ""


def _key(obj: Mapping[str, Any]) -> observe.Key:
    meta = obj.get("metadata") or {}
    return (_group(str(obj.get("apiVersion") or "")), str(obj.get("kind")), str(meta.get("name")))


def children(result: pipeline.Result, admitted: pipeline.Admitted) -> list[dict[str, Any]]:
    """The rendered objects of one InferenceService."""
    return [
        item.obj
        for item in result.objects
        if item.owner == admitted.loaded.name
        and item.namespace == admitted.namespace
        and item.kind != "InferenceService"
    ]


def _transition_time(now: datetime) -> str:
    return now.strftime("%Y-%m-%dT%H:%M:%SZ")


def report_all(cluster: Cluster, result: pipeline.Result, now: datetime) -> list[Report]:
    """A report per InferenceService, by namespace and name."""
    ordered = sorted(result.admitted, key=lambda a: (a.namespace, a.loaded.name))
    return [report_one(cluster, result, admitted, now) for admitted in ordered]


def report_one(
    cluster: Cluster, result: pipeline.Result, admitted: pipeline.Admitted, now: datetime
) -> Report:
    name, namespace = admitted.loaded.name, admitted.namespace
    if admitted.mode == observe.MODEL_MESH:
        return model_mesh_report(cluster, admitted)
    report = Report(namespace, name, {})
    rendered, live = {}, {}
    knative, virtual_service = True, True
    for child in children(result, admitted):
        key = _key(child)
        rendered[key] = child
        api_version, kind = str(child.get("apiVersion")), str(child.get("kind"))
        resource = cluster.resource(api_version, kind)
        if resource is None:
            if (key[0], kind) == observe.KSVC:
                knative = False
            elif kind == "VirtualService":
                virtual_service = False
            else:
                report.notes.append(f"the cluster does not serve {kind} ({api_version})")
            continue
        found = cluster.get(resource, namespace, key[2])
        if found is None:
            report.notes.append(f"{kind} {key[2]} ({api_version}) not found")
            continue
        labels = (found.get("metadata") or {}).get("labels") or {}
        if labels.get(c.MANAGED_BY_LABEL_KEY) != c.MANAGED_BY_LABEL_VALUE:
            report.notes.append(
                f"{kind} {key[2]} is not managed by kserve-gitops "
                f"(no label {c.MANAGED_BY_LABEL_KEY}={c.MANAGED_BY_LABEL_VALUE})"
            )
        live[key] = found
    if admitted.mode == observe.KNATIVE:
        # KServe asks the cluster whether the Istio CRD exists, whatever the render holds
        virtual_service = cluster.resource(*ISTIO_VIRTUAL_SERVICE) is not None
    ingress = result.context.config.ingress if result.context else None
    assert ingress is not None, "the pipeline returns its context"
    observed = observe.Observed(
        admitted.isvc,
        admitted.mode,
        ingress,
        live,
        rendered,
        (),
        admitted.runtime,
        runtime_is_cluster(result, admitted),
        knative,
        virtual_service,
    )
    report.created = _earliest(
        str((x.get("metadata") or {}).get("creationTimestamp") or "") for x in live.values()
    )
    observed = _with_pods(cluster, observed)
    try:
        outcome = observe.settle(observed)
    except (AttributeError, TypeError, ValueError) as err:
        # a child whose status is not what its kind defines (a hand-made or broken object)
        report.notes.append(f"cannot read the status of its children: {type(err).__name__}")
        return report
    report.status = outcome.status.as_json(_transition_time(now))
    report.notes += outcome.notes
    return report


def runtime_is_cluster(result: pipeline.Result, admitted: pipeline.Admitted) -> bool:
    """Whether the runtime KServe picked is a ClusterServingRuntime (`GetServingRuntime`)."""
    if not admitted.runtime or result.context is None:
        return True
    found = get_serving_runtime(result.context.index, admitted.runtime, admitted.namespace)
    return True if isinstance(found, Invalid) else found[1]


def _with_pods(cluster: Cluster, observed: observe.Observed) -> observe.Observed:
    """The predictor's pods, by the label KServe lists them with."""
    name = observe.component_name(observed, isvc_status.PREDICTOR)
    if observed.mode == observe.STANDARD:
        selector = f"{c.RAW_DEPLOYMENT_APP_LABEL}={c.get_raw_service_label(name)}"
    else:
        ksvc = observed.get(observe.KSVC, name) or {}
        revision = str((ksvc.get("status") or {}).get("latestCreatedRevisionName") or "")
        if not revision:
            return observed
        selector = f"{REVISION_LABEL}={revision}"
    pods = cluster.resource("v1", "Pod")
    if pods is None:
        return observed
    namespace = str(observed.isvc["metadata"]["namespace"])
    found = cluster.list(pods, namespace, selector)
    found.sort(key=lambda p: str((p.get("metadata") or {}).get("name") or ""))
    return observe.Observed(**{**_fields(observed), "pods": tuple(found)})


def _fields(observed: observe.Observed) -> dict[str, Any]:
    return {name: getattr(observed, name) for name in observe.Observed.__dataclass_fields__}


def _earliest(stamps: Iterable[str]) -> str | None:
    found = sorted(x for x in stamps if x)
    return found[0] if found else None


def model_mesh_report(cluster: Cluster, admitted: pipeline.Admitted) -> Report:
    """ModelMesh: the InferenceService is in the cluster; its controller writes the status."""
    name, namespace = admitted.loaded.name, admitted.namespace
    report = Report(namespace, name, {})
    resource = cluster.resource(*KSERVE_ISVC)
    live = cluster.get(resource, namespace, name) if resource is not None else None
    if live is None:
        report.notes.append(
            "ModelMesh: the InferenceService is not in the cluster (its controller writes the "
            "status)"
        )
        return report
    report.status = dict(live.get("status") or {})
    report.created = (live.get("metadata") or {}).get("creationTimestamp")
    return report
