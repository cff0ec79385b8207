"""Argo CD sync waves by kind (generator/syncwaves.py)."""

from __future__ import annotations

import copy
import re
from typing import Any

import pytest
from helpers import REPO_ROOT

from generator import syncwaves
from generator.errors import Source
from generator.output import Rendered

WAVE = syncwaves.SYNC_WAVE_ANNOTATION


def obj(api_version: str, kind: str, **meta: Any) -> dict[str, Any]:
    return {"apiVersion": api_version, "kind": kind, "metadata": {"name": "x", **meta}}


@pytest.mark.parametrize(
    ("api_version", "kind", "wave"),
    [
        ("v1", "Namespace", "-2"),
        ("v1", "ServiceAccount", "-1"),
        ("v1", "Secret", "-1"),
        ("v1", "ConfigMap", "-1"),
        ("serving.kserve.io/v1alpha1", "ServingRuntime", "-1"),
        ("serving.kserve.io/v1alpha1", "LocalModelCache", "-1"),
        ("v1", "PersistentVolume", "-1"),
        ("apps/v1", "Deployment", "0"),
        ("v1", "Service", "0"),
        ("serving.knative.dev/v1", "Service", "0"),
        ("serving.kserve.io/v1beta1", "InferenceService", "0"),
        ("autoscaling/v2", "HorizontalPodAutoscaler", "1"),
        ("keda.sh/v1alpha1", "ScaledObject", "1"),
        ("networking.k8s.io/v1", "Ingress", "1"),
        ("gateway.networking.k8s.io/v1", "HTTPRoute", "1"),
        ("networking.istio.io/v1beta1", "VirtualService", "1"),
    ],
)
def test_configmaps_and_service_accounts_before_workloads_before_routes(
    api_version: str, kind: str, wave: str
) -> None:
    (out,) = syncwaves.annotate([obj(api_version, kind)])
    assert out["metadata"]["annotations"] == {WAVE: wave}


@pytest.mark.parametrize(
    ("api_version", "kind"),
    [("example.com/v1", "Widget"), ("example.com/v1", "Service"), ("v1", "Pod")],
    ids=["custom", "another-groups-service", "unlisted"],
)
def test_kinds_not_in_the_table_are_left_alone(api_version: str, kind: str) -> None:
    given = obj(api_version, kind)
    (out,) = syncwaves.annotate([given])
    assert out is given


def test_an_authors_wave_wins_and_other_annotations_stay() -> None:
    mine = obj("v1", "ConfigMap", annotations={WAVE: "5"})
    other = obj("v1", "ConfigMap", annotations={"team": "a"})
    out = syncwaves.annotate([mine, other])
    assert out[0] is mine
    assert out[1]["metadata"]["annotations"] == {"team": "a", WAVE: "-1"}


def test_inputs_are_not_modified_and_order_is_kept() -> None:
    given = [obj("autoscaling/v2", "HorizontalPodAutoscaler"), obj("v1", "Namespace"),
             obj("v1", "Pod"), {"apiVersion": "v1", "kind": "Secret"}]  # fmt: skip
    before = copy.deepcopy(given)
    out = syncwaves.annotate(given)
    assert given == before
    assert [o["kind"] for o in out] == ["HorizontalPodAutoscaler", "Namespace", "Pod", "Secret"]
    assert out[3]["metadata"] == {"annotations": {WAVE: "-1"}}  # no metadata: one is made


def test_annotate_rendered_keeps_owner_and_source() -> None:
    items = [
        Rendered(obj("apps/v1", "Deployment"), "iris", Source("apps/iris.yaml", 3)),
        Rendered(obj("v1", "Pod"), "", Source("apps/pod.yaml", 1)),
    ]
    out = syncwaves.annotate_rendered(items)
    assert (out[0].owner, out[0].source) == ("iris", Source("apps/iris.yaml", 3))
    assert out[0].obj["metadata"]["annotations"] == {WAVE: "0"}
    assert out[1] is items[1]


def _documented_waves(text: str) -> dict[str, int]:
    """`| wave | kinds |` rows of a Markdown table: kind → wave."""
    waves: dict[str, int] = {}
    for wave, kinds in re.findall(r"^\| *(-?\d) *\| *([^|]+)\|", text, re.M):
        for kind in re.findall(r"`([A-Za-z./]+)`", kinds):
            waves[kind] = int(wave)
    return waves


def test_the_docs_table_is_the_module_table() -> None:
    documented = _documented_waves((REPO_ROOT / "docs" / "argocd.md").read_text())
    expected = {
        (f"{group}/{kind}" if (group, kind) == ("serving.knative.dev", "Service") else kind): w
        for (group, kind), w in syncwaves.WAVES.items()
    }
    assert documented == expected
