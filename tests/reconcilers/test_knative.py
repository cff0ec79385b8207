"""Knative Services: ported from KServe v0.20.0 `reconcilers/knative/ksvc_reconciler_test.go`.

Plus the GitOps canary departure (deterministic revision names, `previous_revision`), the stop
rule, and validation of every rendered Knative Service against Knative's CRD.
"""

from __future__ import annotations

import copy
import dataclasses
import hashlib
import json
import re
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from reconcilers.crd_schema import crd_errors

from generator import constants
from generator.config import Config, builtin_layer, resolve
from generator.reconcilers.knative import (
    MANAGED_KSVC_ANNOTATIONS,
    create_knative_service,
    reconcile_ksvc,
    revision_name,
    revision_template_name,
    rolled_out_revision,
    set_autoscaling_annotations,
    stamp_revision_name,
)
from generator.records import ComponentBuild
from generator.render import Renderer

_RESOLVED, _ = resolve([builtin_layer()])
assert _RESOLVED is not None
CFG: Config = _RESOLVED
RENDERER = Renderer()
MIN_SCALE = constants.KNATIVE_MIN_SCALE_ANNOTATION_KEY
MAX_SCALE = constants.KNATIVE_MAX_SCALE_ANNOTATION_KEY
TAG_ROUTING = constants.ENABLE_ROUTING_TAG_ANNOTATION_KEY
CLASS = constants.KNATIVE_AUTOSCALING_CLASS_ANNOTATION_KEY
DNS1035 = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")

# The Go tests' disallowedLabelList.
GO_TEST_CFG = dataclasses.replace(
    CFG,
    inference_services=dataclasses.replace(
        CFG.inference_services, service_label_disallowed_list=("serving.knative.dev/revision",)
    ),
)


def go_component_meta() -> dict[str, Any]:
    """componentMeta of TestCreateKnativeService (fresh each time: Go's tests share one map)."""
    return {
        "name": "test-service",
        "namespace": "default",
        "labels": {"app": "test-app"},
        "annotations": {
            constants.ROLLOUT_DURATION_ANNOTATION_KEY: "30s",
            constants.KNATIVE_OPENSHIFT_ENABLE_PASSTHROUGH_KEY: "true",
            TAG_ROUTING: "true",
        },
    }


GO_COMPONENT_EXT = {
    "minReplicas": 1,
    "maxReplicas": 3,
    "scaleTarget": 10,
    "scaleMetric": "concurrency",
    "canaryTrafficPercent": 20,
    "timeout": 300,
    "containerConcurrency": 100,
}
GO_POD_SPEC = {"containers": [{"name": "test-container", "image": "test-image"}]}
LATEST_ROLLED_OUT_REVISION = "test-revision-1"  # componentStatus.LatestRolledoutRevision


def build(
    meta: dict[str, Any] | None = None,
    ext: dict[str, Any] | None = None,
    pod_spec: dict[str, Any] | None = None,
) -> ComponentBuild:
    return ComponentBuild(
        component=constants.PREDICTOR,
        meta=go_component_meta() if meta is None else meta,
        ext=dict(GO_COMPONENT_EXT) if ext is None else ext,
        pod_spec=copy.deepcopy(GO_POD_SPEC) if pod_spec is None else pod_spec,
    )


def template_of(ksvc: dict[str, Any]) -> dict[str, Any]:
    template: dict[str, Any] = ksvc["spec"]["template"]
    return template


# --- TestCreateKnativeService ---------------------------------------------------------------
# Go shares componentMeta.Annotations between the cases and createKnativeService mutates it
# (autoscaling keys added, managed keys deleted), so its later cases run on a changed map; its
# assertions do not notice. Ours never mutate the input, so each case starts from the literal.


@pytest.mark.parametrize(
    ("ext", "expect_traffic_split", "expected_traffic_len", "expected_canary_value"),
    [
        (GO_COMPONENT_EXT, True, 2, 20),
        ({}, False, 1, 100),
        ({"canaryTrafficPercent": 100}, True, 1, 100),
    ],
    ids=["With canary traffic split", "Without canary traffic", "With canary 100 percent"],
)
def test_create_knative_service(
    ext: dict[str, Any],
    expect_traffic_split: bool,
    expected_traffic_len: int,
    expected_canary_value: int,
) -> None:
    meta = go_component_meta()
    ksvc = create_knative_service(
        build(meta, dict(ext)), GO_TEST_CFG, RENDERER, LATEST_ROLLED_OUT_REVISION
    )
    assert ksvc["metadata"]["name"] == meta["name"]
    assert ksvc["metadata"]["namespace"] == meta["namespace"]

    traffic = ksvc["spec"]["traffic"]
    assert len(traffic) == expected_traffic_len
    assert traffic[0]["percent"] == expected_canary_value
    if meta["annotations"].get(TAG_ROUTING) == "true":
        assert traffic[0]["tag"] == "latest"
    if expect_traffic_split and expected_traffic_len > 1:
        assert traffic[1]["revisionName"] == LATEST_ROLLED_OUT_REVISION
        assert traffic[1]["latestRevision"] is False
        assert traffic[1]["percent"] == 100 - expected_canary_value
        assert traffic[1]["tag"] == "prev"

    template = template_of(ksvc)
    annotations = template["metadata"]["annotations"]
    expected_min = ext.get("minReplicas", constants.DEFAULT_MIN_REPLICAS)
    assert annotations[MIN_SCALE] == str(expected_min)
    if ext.get("maxReplicas", 0) != 0:
        assert annotations[MAX_SCALE] == str(ext["maxReplicas"])
    for key in MANAGED_KSVC_ANNOTATIONS:
        if key in meta["annotations"]:
            assert ksvc["metadata"]["annotations"][key] == meta["annotations"][key]
            assert key not in annotations

    spec = template["spec"]
    assert spec.get("timeoutSeconds") == ext.get("timeout")
    assert spec.get("responseStartTimeoutSeconds") == ext.get("timeout")
    assert spec.get("containerConcurrency") == ext.get("containerConcurrency")


# --- TestKsvcReconciler_Reconcile -----------------------------------------------------------
# KServe creates, dry-run-updates or leaves the live object; a GitOps render is the desired
# object whatever exists, so each scenario checks the desired fields the Go test checks (for
# "identical", the fields of the existing object it calls identical). Go's shared componentMeta
# loses rollout-duration after the first case, which makes its "30s" check pass vacuously.

_IDENTICAL_TEMPLATE_ANNOTATIONS = {
    MIN_SCALE: "1",
    MAX_SCALE: "3",
    constants.KNATIVE_AUTOSCALING_CLASS_ANNOTATION_KEY: constants.KNATIVE_KPA_CLASS,
    constants.KNATIVE_TARGET_ANNOTATION_KEY: "10",
    constants.KNATIVE_METRIC_ANNOTATION_KEY: "concurrency",
    TAG_ROUTING: "true",
}
_SPLIT_TRAFFIC = [
    {"latestRevision": True, "percent": 20, "tag": "latest"},
    {
        "revisionName": LATEST_ROLLED_OUT_REVISION,
        "latestRevision": False,
        "percent": 80,
        "tag": "prev",
    },
]


ROLLOUT = constants.ROLLOUT_DURATION_ANNOTATION_KEY


@pytest.mark.parametrize(
    "expected",
    [
        {("metadata", "name"): "test-service", ("metadata", "namespace"): "default"},
        {
            ("metadata", "labels", "app"): "test-app",
            ("metadata", "annotations", ROLLOUT): "30s",
            ("spec", "traffic"): _SPLIT_TRAFFIC,
            ("spec", "template", "spec", "containers", 0, "image"): "test-image",
        },
        {
            ("metadata", "labels"): {"app": "test-app"},
            ("metadata", "annotations"): {ROLLOUT: "30s"},
            ("spec", "template", "metadata", "annotations"): _IDENTICAL_TEMPLATE_ANNOTATIONS,
            ("spec", "template", "spec", "timeoutSeconds"): 300,
            ("spec", "template", "spec", "responseStartTimeoutSeconds"): 300,
            ("spec", "template", "spec", "containerConcurrency"): 100,
            ("spec", "template", "spec", "containers"): GO_POD_SPEC["containers"],
            ("spec", "traffic"): _SPLIT_TRAFFIC,
        },
    ],
    ids=[
        "Create a new service when it doesn't exist",
        "Update existing service with different configuration",
        "No update when service is identical",
    ],
)
def test_ksvc_reconciler_reconcile(expected: dict[tuple[str | int, ...], Any]) -> None:
    meta = go_component_meta()
    del meta["annotations"][constants.KNATIVE_OPENSHIFT_ENABLE_PASSTHROUGH_KEY]
    ksvc = reconcile_ksvc(build(meta), GO_TEST_CFG, RENDERER, LATEST_ROLLED_OUT_REVISION)
    assert ksvc is not None
    for path, value in expected.items():
        found: Any = ksvc
        for part in path:
            found = found[part]
        assert found == value, path


# --- ours: the rest of createKnativeService -------------------------------------------------


def test_set_autoscaling_annotations_defaults_and_keeps_a_user_class() -> None:
    annotations = {constants.KNATIVE_AUTOSCALING_CLASS_ANNOTATION_KEY: constants.KNATIVE_HPA_CLASS}
    set_autoscaling_annotations(annotations, None, None, None, 0)
    assert annotations == {
        constants.KNATIVE_AUTOSCALING_CLASS_ANNOTATION_KEY: constants.KNATIVE_HPA_CLASS,
        MIN_SCALE: "1",
    }
    annotations = {}
    set_autoscaling_annotations(annotations, 5, "rps", 0, 7)
    assert annotations == {
        constants.KNATIVE_AUTOSCALING_CLASS_ANNOTATION_KEY: constants.KNATIVE_KPA_CLASS,
        constants.KNATIVE_TARGET_ANNOTATION_KEY: "5",
        constants.KNATIVE_METRIC_ANNOTATION_KEY: "rps",
        MIN_SCALE: "0",
        MAX_SCALE: "7",
    }


def test_whole_object_with_the_default_config() -> None:
    """Labels: ksvc keeps all, the template drops the disallowed visibility label."""
    meta = {
        "name": "sklearn-iris-predictor",
        "namespace": "team-a",
        "labels": {
            constants.KSERVICE_COMPONENT_LABEL: constants.PREDICTOR,
            constants.INFERENCE_SERVICE_POD_LABEL_KEY: "sklearn-iris",
            constants.VISIBILITY_LABEL: constants.CLUSTER_LOCAL_VISIBILITY,
        },
        "annotations": {"serving.kserve.io/deploymentMode": "Knative"},
    }
    pod_spec = {"containers": [{"name": "kserve-container", "image": "kserve/sklearnserver"}]}
    ksvc = create_knative_service(build(meta, {}, pod_spec), CFG, RENDERER)
    name = revision_name(ksvc)
    assert name is not None
    assert ksvc == {
        "apiVersion": "serving.knative.dev/v1",
        "kind": "Service",
        "metadata": {
            "name": "sklearn-iris-predictor",
            "namespace": "team-a",
            "labels": meta["labels"],
        },
        "spec": {
            "template": {
                "metadata": {
                    "name": name,
                    "labels": {
                        constants.KSERVICE_COMPONENT_LABEL: constants.PREDICTOR,
                        constants.INFERENCE_SERVICE_POD_LABEL_KEY: "sklearn-iris",
                    },
                    "annotations": {
                        "serving.kserve.io/deploymentMode": "Knative",
                        CLASS: "kpa.autoscaling.knative.dev",
                        MIN_SCALE: "1",
                    },
                },
                "spec": pod_spec,
            },
            "traffic": [{"latestRevision": True, "percent": 100}],
        },
    }


def test_inputs_are_not_mutated() -> None:
    one = build()
    before = copy.deepcopy((one.meta, one.ext, one.pod_spec))
    create_knative_service(one, CFG, RENDERER, "r")
    assert (one.meta, one.ext, one.pod_spec) == before


@pytest.mark.parametrize("value", ["true", "TRUE", "True"])
def test_stopped_component_renders_nothing(value: str) -> None:
    meta = go_component_meta()
    meta["annotations"][constants.STOP_ANNOTATION_KEY] = value
    assert reconcile_ksvc(build(meta), CFG, RENDERER) is None
    assert create_knative_service(build(meta), CFG, RENDERER)["kind"] == "Service"


def test_stop_annotation_false_renders() -> None:
    meta = go_component_meta()
    meta["annotations"][constants.STOP_ANNOTATION_KEY] = "false"
    assert reconcile_ksvc(build(meta), CFG, RENDERER) is not None


def test_hostile_strings_stay_data() -> None:
    hostile = "x\n---\nkind: Secret\n# \u2028 \U0001f600 'q' \"d\""
    meta = go_component_meta()
    meta["annotations"]["note"] = hostile
    meta["labels"]["app"] = hostile
    ksvc = create_knative_service(build(meta), CFG, RENDERER)
    assert template_of(ksvc)["metadata"]["annotations"]["note"] == hostile
    assert ksvc["metadata"]["labels"]["app"] == hostile


# --- GitOps: canary traffic and revision names ----------------------------------------------


def canary(percent: int | None, previous: str | None, tag_routing: bool = False) -> Any:
    meta = go_component_meta()
    if not tag_routing:
        del meta["annotations"][TAG_ROUTING]
    ext = {"canaryTrafficPercent": percent} if percent is not None else {}
    return create_knative_service(build(meta, ext), CFG, RENDERER, previous)


def test_canary_without_previous_revision_is_all_latest() -> None:
    assert canary(10, None)["spec"]["traffic"] == [{"latestRevision": True, "percent": 100}]


@pytest.mark.parametrize("tag_routing", [False, True], ids=["untagged", "tag routing"])
def test_canary_splits_with_the_previous_revision(tag_routing: bool) -> None:
    latest: dict[str, Any] = {"latestRevision": True, "percent": 10}
    if tag_routing:
        latest["tag"] = "latest"
    assert canary(10, "old-rev", tag_routing)["spec"]["traffic"] == [
        latest,
        {"revisionName": "old-rev", "latestRevision": False, "percent": 90, "tag": "prev"},
    ]


def test_canary_100_percent_is_one_target() -> None:
    assert canary(100, "old-rev")["spec"]["traffic"] == [{"latestRevision": True, "percent": 100}]


def test_previous_revision_equal_to_the_new_one_is_all_latest() -> None:
    same = revision_name(canary(10, None))
    assert same is not None
    assert canary(10, same)["spec"]["traffic"] == [{"latestRevision": True, "percent": 100}]


def test_no_canary_percent_ignores_the_previous_revision() -> None:
    assert canary(None, "old-rev")["spec"]["traffic"] == [{"latestRevision": True, "percent": 100}]


def test_revision_name_changes_with_the_pod_spec_only() -> None:
    base = revision_name(canary(10, None))
    assert base == revision_name(canary(50, "old-rev"))  # traffic only
    assert base == revision_name(canary(None, None))
    meta = go_component_meta()
    del meta["annotations"][TAG_ROUTING]
    meta["annotations"][constants.ROLLOUT_DURATION_ANNOTATION_KEY] = "90s"  # ksvc metadata only
    assert base == revision_name(create_knative_service(build(meta, {}), CFG, RENDERER))
    meta = go_component_meta()
    del meta["annotations"][TAG_ROUTING]
    pod_spec = {"containers": [{"name": "test-container", "image": "test-image:v2"}]}
    changed = revision_name(create_knative_service(build(meta, {}, pod_spec), CFG, RENDERER))
    assert changed is not None
    assert changed != base


def test_revision_name_is_the_hash_of_the_rendered_template() -> None:
    ksvc = canary(10, "old-rev")
    template = copy.deepcopy(template_of(ksvc))
    name = template["metadata"].pop("name")
    digest = hashlib.sha256(
        json.dumps(template, sort_keys=True, separators=(",", ":")).encode()
    ).hexdigest()
    assert name == "test-service-" + digest[:10]
    assert stamp_revision_name(ksvc) == ksvc


def test_stamp_revision_name_follows_a_changed_template() -> None:
    ksvc = canary(None, None)
    patched = copy.deepcopy(ksvc)
    template_of(patched)["spec"]["containers"][0]["image"] = "other"
    stamped = stamp_revision_name(patched)
    assert revision_name(stamped) not in (None, revision_name(ksvc))
    assert template_of(stamped)["spec"] == template_of(patched)["spec"]


@given(st.from_regex(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?", fullmatch=True))
def test_revision_names_are_valid_knative_names(ksvc_name: str) -> None:
    name = revision_template_name(ksvc_name, {"spec": {}})
    if len(ksvc_name) > 57:
        assert name is None
        return
    assert name is not None
    assert name.startswith(ksvc_name + "-")
    assert len(name) <= 63
    assert DNS1035.fullmatch(name)
    assert len(name) - len(ksvc_name) - 1 == min(10, 62 - len(ksvc_name))


def test_long_names_shorten_the_hash_then_drop_the_revision_name() -> None:
    pod_spec = copy.deepcopy(GO_POD_SPEC)
    fits = create_knative_service(
        build({"name": "a" * 55, "namespace": "n"}, {}, pod_spec), CFG, RENDERER
    )
    assert revision_name(fits) == "a" * 55 + "-" + revision_name(fits)[-7:]  # type: ignore[index]
    too_long = create_knative_service(
        build({"name": "a" * 58, "namespace": "n"}, {}, pod_spec), CFG, RENDERER, "prev-rev"
    )
    assert "name" not in template_of(too_long)["metadata"]
    assert revision_name(too_long) is None


@pytest.mark.parametrize(
    ("traffic", "expected"),
    [
        ([{"latestRevision": True, "percent": 100}], "svc-abc"),
        ([{"latestRevision": True, "percent": 100, "tag": "latest"}], "svc-abc"),
        (
            [
                {"latestRevision": True, "percent": 10},
                {"revisionName": "svc-old", "latestRevision": False, "percent": 90, "tag": "prev"},
            ],
            "svc-old",
        ),
        (
            [
                {"latestRevision": True, "percent": 0},
                {"revisionName": "svc-old", "latestRevision": False, "percent": 100, "tag": "prev"},
            ],
            "svc-old",
        ),
        ([], "svc-abc"),
    ],
    ids=["all latest", "all latest tagged", "split", "zero percent canary", "no traffic"],
)
def test_rolled_out_revision(traffic: list[dict[str, Any]], expected: str) -> None:
    ksvc = {"spec": {"template": {"metadata": {"name": "svc-abc"}}, "traffic": traffic}}
    assert rolled_out_revision(ksvc) == expected


def test_revision_name_of_odd_objects() -> None:
    assert revision_name({}) is None
    assert revision_name({"spec": {"template": {"metadata": {"name": ""}}}}) is None
    assert rolled_out_revision({"spec": None}) is None


# --- schema ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ksvc",
    [
        create_knative_service(build(), CFG, RENDERER),
        create_knative_service(build(), CFG, RENDERER, "test-service-prev"),
        create_knative_service(build(ext={}), CFG, RENDERER),
        create_knative_service(build({"name": "a" * 60, "namespace": "n"}, {}), CFG, RENDERER),
    ],
    ids=["canary first rollout", "canary split", "no extension fields", "no revision name"],
)
def test_rendered_knative_services_validate_against_the_crd(ksvc: dict[str, Any]) -> None:
    assert crd_errors(ksvc) == []


def test_the_crd_check_rejects_unknown_fields() -> None:
    ksvc = create_knative_service(build(), CFG, RENDERER)
    template_of(ksvc)["spec"]["notAField"] = 1
    ksvc["spec"]["traffic"][0]["weight"] = 3
    errors = crd_errors(ksvc)
    assert any("notAField" in e for e in errors)
    assert any("weight" in e for e in errors)
