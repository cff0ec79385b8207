"""Overlays: config layers and patches per environment, and the shipped dev and prod ones."""

from __future__ import annotations

import textwrap
from pathlib import Path
from typing import Any

import pytest
from helpers import REPO_ROOT, build_tree

from generator import overlays, pipeline
from generator.errors import ProblemsFound, Source
from generator.output import Rendered

SRC = Source("in.yaml", 1)


def _obj(kind: str, name: str, api: str = "v1", labels: dict[str, str] | None = None) -> Any:
    return {"apiVersion": api, "kind": kind,
            "metadata": {"name": name, "namespace": "ns", "labels": labels or {}}}  # fmt: skip


@pytest.mark.parametrize(
    ("target", "hit"),
    [
        ({}, True),
        ({"kind": "Service"}, True),
        ({"kind": "Deployment"}, False),
        ({"group": "serving.knative.dev"}, True),
        ({"group": ""}, False),
        ({"version": "v1"}, True),
        ({"name": "*-predictor"}, True),
        ({"name": "iris"}, False),
        ({"namespace": "n?"}, True),
        ({"labelSelector": "team=a"}, True),
        ({"labelSelector": "team==a,tier"}, True),
        ({"labelSelector": "team!=a"}, False),
        ({"labelSelector": "missing"}, False),
    ],
)
def test_targets(target: dict[str, str], hit: bool) -> None:
    ksvc = _obj("Service", "iris-predictor", "serving.knative.dev/v1", {"team": "a", "tier": "1"})
    assert overlays.matches(target, ksvc) is hit


def test_merge_patch_is_rfc7386() -> None:
    target = {"a": "b", "c": {"d": "e", "f": "g"}}
    patch = {"a": "z", "c": {"f": None}}
    assert overlays.merge_patch(target, patch) == {"a": "z", "c": {"d": "e"}}
    assert overlays.merge_patch({"a": [1, 2]}, {"a": [3]}) == {"a": [3]}


def _overlay(tmp_path: Path, text: str) -> overlays.Overlay:
    build_tree(tmp_path, {"overlay.yaml": text})
    found, problems = overlays.load_overlay(str(tmp_path / "overlay.yaml"))
    assert problems == [] and found is not None
    return found


HEAD = "apiVersion: kserve-gitops.io/v1alpha1\nkind: Overlay\n"


def test_patches_apply_in_order_and_may_not_change_identity(tmp_path: Path) -> None:
    overlay = _overlay(
        tmp_path,
        HEAD
        + textwrap.dedent("""
        patches:
        - target: {kind: ConfigMap}
          jsonPatch: [{op: add, path: /data, value: {a: "1"}}]
        - target: {kind: ConfigMap, name: b}
          mergePatch: {metadata: {name: renamed}}
        - target: {kind: ConfigMap, name: c}
          jsonPatch: [{op: remove, path: /nope}]
        """),
    )
    items = [Rendered(_obj("ConfigMap", n), "", SRC) for n in ("a", "b", "c")]
    out, problems = overlays.apply(overlay, items)
    assert [r.obj.get("data") for r in out] == [{"a": "1"}] * 3
    assert [(p.field, p.message.split(":")[0]) for p in problems] == [
        ("patches[1]", "ConfigMap ns/b"),
        ("patches[2]", "ConfigMap ns/c"),
    ]
    assert "may not change apiVersion, kind, name or namespace" in problems[0].message
    assert problems[0].source.path.endswith("overlay.yaml")


@pytest.mark.parametrize(
    ("body", "field", "message"),
    [
        ("patches: [{target: {}}]", "patches[0]", "needs exactly one of jsonPatch or mergePatch"),
        ("patches: [{target: {kind: X}, jsonPatch: [{op: nope, path: /a}]}]",
         "patches[0].jsonPatch", "not an RFC 6902 patch: operation 0: op must be one of"),
        ("patches: [{target: {kind: X}, jsonPatch: [{op: add, path: /a}]}]",
         "patches[0].jsonPatch", "not an RFC 6902 patch: operation 0: add needs value"),
        ("patches: [{target: {color: red}, mergePatch: {}}]", "patches[0].target", "must be"),
        ("patches: [{target: {kind: [1]}, mergePatch: {}}]", "patches[0].target",
         "values must be strings"),  # found by fuzzing: matched nothing, silently
        ("surprise: 1", "surprise", 'unknown field "surprise"'),
        ("config: [1]", "config", "must be a mapping"),
    ],
)  # fmt: skip
def test_bad_overlays_name_the_file_and_the_patch(
    tmp_path: Path, body: str, field: str, message: str
) -> None:
    build_tree(tmp_path, {"overlay.yaml": HEAD + body + "\n"})
    found, problems = overlays.load_overlay(str(tmp_path / "overlay.yaml"))
    assert found is None
    (problem,) = problems
    assert problem.source.path == str(tmp_path / "overlay.yaml")
    assert (problem.field, problem.message[: len(message)]) == (field, message)


def test_missing_overlay_is_an_error(tmp_path: Path) -> None:
    found, problems = overlays.load_overlay(str(tmp_path / "nope"))
    assert found is None and problems[0].message == "no such overlay file"


def _render(overlay: str, monkeypatch: pytest.MonkeyPatch) -> list[Rendered]:
    monkeypatch.chdir(REPO_ROOT)
    request = pipeline.Request(("examples/quickstart",), overlay=overlay)
    return pipeline.run(request).objects


def test_shipped_dev_overlay(monkeypatch: pytest.MonkeyPatch) -> None:
    objects = _render("dev", monkeypatch)
    assert all(r.obj["metadata"]["labels"]["environment"] == "dev" for r in objects)
    (ksvc,) = [r.obj for r in objects if r.obj["apiVersion"] == "serving.knative.dev/v1"]
    template = ksvc["spec"]["template"]
    assert template["metadata"]["annotations"]["autoscaling.knative.dev/min-scale"] == "0"
    assert template["metadata"]["name"].startswith("sklearn-iris-predictor-")
    (vs,) = [r.obj for r in objects if r.kind == "VirtualService"]
    assert "sklearn-iris.kserve-test.dev.example.com" in vs["spec"]["hosts"]


def test_a_patched_revision_template_gets_a_new_revision_name(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO_ROOT)
    plain = pipeline.run(pipeline.Request(("examples/quickstart",))).objects
    dev = _render("dev", monkeypatch)

    def revision(objects: list[Rendered]) -> str:
        (ksvc,) = [r.obj for r in objects if r.obj["apiVersion"] == "serving.knative.dev/v1"]
        return str(ksvc["spec"]["template"]["metadata"]["name"])

    assert revision(plain) != revision(dev)


def test_shipped_prod_overlay(monkeypatch: pytest.MonkeyPatch) -> None:
    objects = _render("prod", monkeypatch)
    kinds = {r.kind for r in objects}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "Ingress"} <= kinds
    assert all(r.obj["metadata"]["labels"]["environment"] == "prod" for r in objects)
    (deployment,) = [r.obj for r in objects if r.kind == "Deployment"]
    assert deployment["spec"]["revisionHistoryLimit"] == 5
    (hpa,) = [r.obj for r in objects if r.kind == "HorizontalPodAutoscaler"]
    assert hpa["spec"]["behavior"] == {"scaleDown": {"stabilizationWindowSeconds": 600}}
    (ingress,) = [r.obj for r in objects if r.kind == "Ingress"]
    hosts = [rule["host"] for rule in ingress["spec"]["rules"]]
    assert "sklearn-iris-kserve-test.models.prod.example.com" in hosts


def test_patch_errors_stop_the_render(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    build_tree(
        tmp_path,
        {"o/overlay.yaml": HEAD + "patches: [{target: {kind: VirtualService}, "
         "jsonPatch: [{op: replace, path: /spec/nope, value: 1}]}]\n"},
    )  # fmt: skip
    with pytest.raises(ProblemsFound) as found:
        pipeline.run(
            pipeline.Request((str(REPO_ROOT / "examples/quickstart"),), overlay=str(tmp_path / "o"))
        )
    (problem,) = found.value.problems
    assert problem.field == "patches[0]"
    assert problem.message.startswith("VirtualService kserve-test/sklearn-iris: patch failed")
