"""GKE accelerator node selector for pods that ask for NVIDIA GPUs.

Ports KServe v0.20.0 `pkg/webhook/admission/pod/accelerator_injector.go`
(`InjectGKEAcceleratorSelector`).
"""

from __future__ import annotations

from typing import Any

from generator import constants as c
from generator.admission.pod import MutationContext, annotations_of

GKE_ACCELERATOR_NODE_SELECTOR = "cloud.google.com/gke-accelerator"
NVIDIA_GPU_TAINT_VALUE = "present"


def inject_gke_accelerator_selector(pod: dict[str, Any], ctx: MutationContext) -> list[str]:
    """A `nvidia.com/gpu` limit plus the gke-accelerator annotation → a node selector."""
    spec = pod.get("spec") or {}
    gpu = any(
        c.NVIDIA_GPU_RESOURCE_TYPE in ((x.get("resources") or {}).get("limits") or {})
        for x in spec.get("containers") or []
    )
    selector = annotations_of(pod).get(c.INFERENCE_SERVICE_GKE_ACCELERATOR_ANNOTATION_KEY)
    if gpu and selector is not None:
        node_selector = dict(spec.get("nodeSelector") or {})
        node_selector[GKE_ACCELERATOR_NODE_SELECTOR] = selector
        pod.setdefault("spec", {})["nodeSelector"] = node_selector
    return []
