"""Standard-mode Services: port of `reconcilers/service/service_reconciler.go`.

Ports `createService`, `createDefaultSvc`, `createHeadlessSvc`, `createWorkerHeadlessSvc`,
`isGrpcPort` and `getAppProtocol` (KServe v0.20.0); the `customizeService`/`customizeHeadSvc`
hooks of `service_reconciler_default.go` are no-ops upstream and are left out. `Reconcile` /
`checkServiceExist` become "emit unless stopped", decided in `raw.py`. Nothing here can fail.

The `meta` passed in is the component meta as Go sees it when the Service is built, i.e. after
the Deployment reconciler added `app: isvc.<name>` to the shared label map (see `raw.py`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from generator import constants as c
from generator.config.configmap import ServiceConfig
from generator.reconcilers.deployment import object_meta_values
from generator.render import Renderer

TEMPLATE = "service.yaml.j2"
APP_PROTOCOL_H2C = "kubernetes.io/h2c"
CLUSTER_IP_NONE = "None"  # corev1.ClusterIPNone


def is_grpc_port(port: Mapping[str, Any]) -> bool:
    """Port of `isGrpcPort`: the port name contains "grpc" or "h2c" (case-sensitive)."""
    name = str(port.get("name") or "")
    return "grpc" in name or "h2c" in name


def get_app_protocol(port: Mapping[str, Any]) -> str | None:
    """Port of `getAppProtocol`: `kubernetes.io/h2c` for gRPC ports, else none."""
    return APP_PROTOCOL_H2C if is_grpc_port(port) else None


def _service_port(
    name: str, port: int, target_port: int, protocol: str, app_protocol: str | None
) -> dict[str, Any]:
    """A ServicePort as Go serialises it: empty name, protocol and appProtocol are omitted."""
    out: dict[str, Any] = {"port": port, "targetPort": target_port}
    if name:
        out["name"] = name
    if protocol:
        out["protocol"] = protocol
    if app_protocol is not None:
        out["appProtocol"] = app_protocol
    return out


def default_service_ports(
    meta: Mapping[str, Any], ext: Mapping[str, Any] | None, pod_spec: Mapping[str, Any]
) -> list[dict[str, Any]]:
    """The ports of `createDefaultSvc`: from `transformer-container`, else the first container."""
    containers = list(pod_spec.get("containers") or [])
    ports: list[dict[str, Any]] = []
    if containers:
        container = next(
            (x for x in containers if x.get("name") == c.TRANSFORMER_CONTAINER_NAME), containers[0]
        )
        container_ports = list(container.get("ports") or [])
        if container_ports:
            first = container_ports[0]
            ports.append(
                _service_port(
                    str(first.get("name") or ""),
                    c.COMMON_DEFAULT_HTTP_PORT,
                    int(first.get("containerPort") or 0),
                    str(first.get("protocol") or ""),  # the first port keeps an empty protocol
                    get_app_protocol(first),
                )
            )
            for extra in container_ports[1:]:
                number = int(extra.get("containerPort") or 0)
                ports.append(
                    _service_port(
                        str(extra.get("name") or ""),
                        number,
                        number,
                        str(extra.get("protocol") or "TCP"),
                        get_app_protocol(extra),
                    )
                )
        else:
            ports.append(
                _service_port(
                    str(meta.get("name") or ""),
                    c.COMMON_DEFAULT_HTTP_PORT,
                    int(c.INFERENCE_SERVICE_DEFAULT_HTTP_PORT),
                    "TCP",
                    None,
                )
            )
    # With a batcher or a logger the agent sidecar fronts the model server.
    if ext is not None and (ext.get("batcher") is not None or ext.get("logger") is not None):
        # GitOps: with no containers Go indexes an empty slice here and panics; we skip.
        if ports:
            ports[0]["targetPort"] = c.INFERENCE_SERVICE_DEFAULT_AGENT_PORT
    return ports


def create_default_svc(
    meta: Mapping[str, Any],
    ext: Mapping[str, Any] | None,
    pod_spec: Mapping[str, Any],
    service_config: ServiceConfig | None,
    renderer: Renderer,
) -> dict[str, Any]:
    """Port of `createDefaultSvc`: the component Service selecting `app: isvc.<name>`."""
    values = object_meta_values(meta)
    ports = default_service_ports(meta, ext, pod_spec)
    values.update(
        ports=ports or None,
        selector={c.RAW_DEPLOYMENT_APP_LABEL: c.get_raw_service_label(values["name"])},
        cluster_ip=CLUSTER_IP_NONE
        if service_config is not None and service_config.service_cluster_ip_none
        else None,
        publish_not_ready_addresses=None,
    )
    return renderer.render_object(TEMPLATE, values, "Service", values["name"], values["namespace"])


def _generation(meta: Mapping[str, Any]) -> str:
    labels = meta.get("labels") or {}
    return str(labels.get(c.INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY, ""))


def _headless_svc(
    meta: Mapping[str, Any], name: str, role: str, app: str, renderer: Renderer
) -> dict[str, Any]:
    """What `createHeadlessSvc` and `createWorkerHeadlessSvc` share (on a deep copy of meta)."""
    generation = _generation(meta)
    labels = {**(meta.get("labels") or {}), c.MULTI_NODE_ROLE_LABEL_KEY: role}
    values = object_meta_values({**meta, "name": name, "labels": labels})
    values.update(
        ports=None,
        selector={
            c.RAW_DEPLOYMENT_APP_LABEL: app,
            c.INFERENCE_SERVICE_GENERATION_POD_LABEL_KEY: generation,
        },
        cluster_ip=CLUSTER_IP_NONE,
        publish_not_ready_addresses=True,
    )
    return renderer.render_object(TEMPLATE, values, "Service", name, values["namespace"])


def create_headless_svc(meta: Mapping[str, Any], renderer: Renderer) -> dict[str, Any]:
    """Port of `createHeadlessSvc`: `<isvc>-head-<generation>`, selecting the head pods."""
    predictor = str(meta.get("name") or "")
    generation = _generation(meta)
    return _headless_svc(
        meta,
        c.get_head_service_name(predictor, generation),
        c.MULTI_NODE_HEAD,
        c.get_raw_service_label(predictor),
        renderer,
    )


def create_worker_headless_svc(meta: Mapping[str, Any], renderer: Renderer) -> dict[str, Any]:
    """Port of `createWorkerHeadlessSvc`: `<isvc>-workers-<generation>`, selecting workers."""
    predictor = str(meta.get("name") or "")
    generation = _generation(meta)
    return _headless_svc(
        meta,
        c.get_worker_service_name(predictor, generation),
        c.MULTI_NODE_WORKER,
        c.get_raw_worker_service_label(predictor),
        renderer,
    )


def create_service(
    meta: Mapping[str, Any],
    ext: Mapping[str, Any] | None,
    pod_spec: Mapping[str, Any],
    multi_node_enabled: bool,
    service_config: ServiceConfig | None,
    renderer: Renderer,
) -> list[dict[str, Any]]:
    """Port of `createService`: the default Service, plus head and worker headless (multi-node)."""
    services = [create_default_svc(meta, ext, pod_spec, service_config, renderer)]
    if multi_node_enabled:
        services.append(create_headless_svc(meta, renderer))
        services.append(create_worker_headless_svc(meta, renderer))
    return services
