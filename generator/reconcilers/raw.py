"""One component's Standard-mode objects: port of `reconcilers/raw/raw_kube_reconciler.go`.

`NewRawKubeReconciler` builds, and `Reconcile` applies, in this order: the Service(s), the
OpenTelemetryCollector (only for `PodMetric` metrics with the opentelemetry backend), the
Deployment(s), then the autoscaler (HPA or KEDA ScaledObject, `autoscaler.py`). Here the
builders run in Go's construction order, so the same errors surface first, and the objects are
returned in Go's apply order. Errors a user can cause come back as `Invalid`.

Stop: each object reads `serving.kserve.io/stop` from its own annotations, all of them the
component's, so a stopped component emits nothing (its objects are still built, so build
errors still surface, as in KServe).

Map aliasing (KServe v0.20.0, `createRawDefaultDeployment`): Go adds `app: isvc.<name>` to the
component label map shared by every object built from the component meta. The HPA and the
ScaledObject are built before the Deployment but sent after it, so they carry the label; the
Services are built after it and carry it too (the headless ones deep-copy the map then). The
component URL is computed before the label exists. (The controller tests compare only `spec`.)

Not done here: `CommonStorageInitialization` for `storageUris` (the component layer must hand
over a pod spec that already has it), canary bookkeeping (`components/predictor.go`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator import constants as c
from generator.config import Config
from generator.config.configmap import IngressConfig
from generator.errors import Invalid
from generator.reconcilers.autoscaler import reconcile_autoscaler
from generator.reconcilers.deployment import PodWebhook, create_raw_deployment
from generator.reconcilers.ingress.domain import DomainError, generate_domain_name
from generator.reconcilers.otel import create_otel_collector, otel_metric_names
from generator.reconcilers.service import create_service
from generator.records import ComponentBuild
from generator.render import Renderer
from generator.utils.utils import get_force_stop_runtime

UNSUPPORTED_WORKLOAD_MODE_ERROR = "unsupported deployment mode for workload: {}"
_WORKLOAD_MODES = (c.DeploymentMode.STANDARD.value, c.LEGACY_RAW_DEPLOYMENT)


def create_raw_url(ingress: IngressConfig, meta: Mapping[str, Any]) -> str | Invalid:
    """Port of raw's `createRawURL`: the component status URL, always `http://<host>`."""
    try:
        host = generate_domain_name(str(meta.get("name") or ""), meta, ingress)
    except DomainError as err:
        return Invalid("metadata.name", f"failed creating host name: {err}")
    return f"http://{host}"


def with_app_label(meta: Mapping[str, Any]) -> dict[str, Any]:
    """The component meta as Go's shared label map reads once the Deployment is built."""
    app = c.get_raw_service_label(str(meta.get("name") or ""))
    return {**meta, "labels": {**(meta.get("labels") or {}), c.RAW_DEPLOYMENT_APP_LABEL: app}}


def reconcile_raw_kube(
    build: ComponentBuild,
    isvc_meta: Mapping[str, Any],
    config: Config,
    renderer: Renderer,
    pod_webhook: PodWebhook | None = None,
) -> list[dict[str, Any]] | Invalid:
    """Services, OTel collector, Deployments and autoscaler of one component, in KServe's order.

    `isvc_meta` is the InferenceService's metadata; KServe's raw reconciler reads only the
    component meta (stop, autoscaler class, mode), so it serves for context alone.
    `pod_webhook` is KServe's pod webhook on the Deployments' pods (None: no webhook, as for
    an InferenceGraph's router, whose pods carry no InferenceService label).
    """
    meta, ext = build.meta, build.ext
    annotations = meta.get("annotations") or {}
    labelled = with_app_label(meta)  # unconfirmed: inferred from Go map aliasing (see above)

    metric_names = otel_metric_names(ext) if ext.get("autoScaling") is not None else []
    otel = (
        [create_otel_collector(meta, metric_names, config.otel_collector, renderer)]
        if metric_names
        else []
    )
    autoscaler = reconcile_autoscaler(labelled, ext, config, renderer)
    if isinstance(autoscaler, Invalid):
        return autoscaler
    url = create_raw_url(config.ingress, meta)
    if isinstance(url, Invalid):
        return url
    mode = c.parse_deployment_mode(str(annotations.get(c.DEPLOYMENT_MODE, "")))
    if mode not in _WORKLOAD_MODES:
        return Invalid(
            f'metadata.annotations["{c.DEPLOYMENT_MODE}"]',
            UNSUPPORTED_WORKLOAD_MODE_ERROR.format(mode),
        )
    deployments = create_raw_deployment(
        meta,
        build.worker_meta,
        ext,
        build.pod_spec,
        build.worker_pod_spec,
        config.deploy,
        renderer,
        config.multi_node.gpu_resource_type_list,
        pod_webhook,
    )
    if isinstance(deployments, Invalid):
        return deployments
    services = create_service(
        labelled, ext, build.pod_spec, build.worker_pod_spec is not None, config.service, renderer
    )
    if get_force_stop_runtime(annotations):
        return []
    return [*services, *otel, *deployments, *autoscaler]
