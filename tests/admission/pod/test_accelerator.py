"""GKE accelerator node selector (accelerator_injector.go).

Ported from KServe v0.20.0 `accelerator_injector_test.go: TestAcceleratorInjector`; Go compares
the node selector and tolerations.
"""

from __future__ import annotations

from typing import Any

import pytest

from generator import constants as c
from generator.admission.pod import MutationContext
from generator.admission.pod.accelerator import inject_gke_accelerator_selector
from generator.config import builtin_layer, resolve

BASE, _ = resolve([builtin_layer()])
assert BASE is not None
GPU = [{"resources": {"limits": {c.NVIDIA_GPU_RESOURCE_TYPE: "1"}}}]


@pytest.mark.parametrize(
    ("annotations", "node_selector"),
    [
        (
            {c.INFERENCE_SERVICE_GKE_ACCELERATOR_ANNOTATION_KEY: "nvidia-tesla-v100"},
            {"cloud.google.com/gke-accelerator": "nvidia-tesla-v100"},
        ),
        ({}, None),
    ],
    ids=["AddGPUSelector", "DoNotAddGPUSelector"],
)
def test_accelerator_injector(
    annotations: dict[str, str], node_selector: dict[str, str] | None
) -> None:
    pod: dict[str, Any] = {
        "metadata": {"name": "deployment", "annotations": annotations},
        "spec": {"containers": GPU},
    }
    inject_gke_accelerator_selector(pod, MutationContext(BASE, ""))
    assert pod["spec"].get("nodeSelector") == node_selector
    assert pod["spec"].get("tolerations") is None


def test_accelerator_selector_is_united_with_an_existing_node_selector() -> None:
    pod: dict[str, Any] = {
        "metadata": {"annotations": {c.INFERENCE_SERVICE_GKE_ACCELERATOR_ANNOTATION_KEY: "a100"}},
        "spec": {"containers": GPU, "nodeSelector": {"zone": "x"}},
    }
    inject_gke_accelerator_selector(pod, MutationContext(BASE, ""))
    assert pod["spec"]["nodeSelector"] == {"zone": "x", "cloud.google.com/gke-accelerator": "a100"}
