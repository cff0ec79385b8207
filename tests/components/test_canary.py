"""Standard-mode canaries: components/predictor.go canaryReplicaCount, buildCanaryPredictor,
and the stable minReplicas reduction (canary_controller_test.go)."""

from __future__ import annotations

from typing import Any

import pytest

from generator.components.canary import (
    build_canary_predictor,
    canary_replica_count,
    merge_override,
    stable_min_replicas,
)


def _isvc(min_replicas: int | None, *canaries: dict[str, Any]) -> dict[str, Any]:
    predictor: dict[str, Any] = {"model": {"modelFormat": {"name": "sklearn"},
                                           "storageUri": "s3://test/model-v1"}}  # fmt: skip
    if min_replicas is not None:
        predictor["minReplicas"] = min_replicas
    return {"metadata": {"name": "c"}, "spec": {"predictor": predictor, "canary": list(canaries)}}


@pytest.mark.parametrize(
    ("stable", "canary", "expected"),
    [
        (4, {"trafficPercent": 25, "predictor": {"name": "v2"}}, 1),
        (4, {"trafficPercent": 30, "predictor": {"name": "v2"}}, 2),  # ceil(1.2)
        (None, {"trafficPercent": 10, "predictor": {"name": "v2"}}, 1),  # stable defaults to 1
        (4, {"trafficPercent": 25, "predictor": {"name": "v2", "minReplicas": 3}}, 3),
        (4, {"trafficPercent": 0, "predictor": {"name": "v2"}}, 0),
    ],
)
def test_canary_replica_count(stable: int | None, canary: dict[str, Any], expected: int) -> None:
    assert canary_replica_count(_isvc(stable, canary), canary) == expected


def test_stable_min_replicas_is_reduced_but_at_least_one() -> None:
    one = {"trafficPercent": 25, "predictor": {"name": "v2"}}
    big = {"trafficPercent": 25, "predictor": {"name": "v3", "minReplicas": 9}}
    assert stable_min_replicas(_isvc(4, one)) == 3
    assert stable_min_replicas(_isvc(4, one, big)) == 1
    assert stable_min_replicas(_isvc(None, one)) is None


def test_build_canary_predictor_overrides_and_clears_autoscaling() -> None:
    stable = {
        "minReplicas": 4,
        "maxReplicas": 8,
        "scaleMetric": "cpu",
        "scaleTarget": 50,
        "labels": {"a": "1"},
        "model": {"modelFormat": {"name": "sklearn"}, "storageUri": "s3://test/model-v1",
                  "args": ["--x"]},
    }  # fmt: skip
    canary = {"predictor": {"name": "v2", "labels": {"b": "2"},
                            "model": {"storageUri": "s3://test/model-v2", "args": []}}}  # fmt: skip
    built = build_canary_predictor(stable, canary, 1)
    assert built == {
        "name": "v2",
        "minReplicas": 1,
        "labels": {"a": "1", "b": "2"},
        "model": {"modelFormat": {"name": "sklearn"}, "storageUri": "s3://test/model-v2",
                  "args": ["--x"]},
    }  # fmt: skip
    assert stable["model"]["storageUri"] == "s3://test/model-v1"  # not mutated


@pytest.mark.parametrize(
    ("dst", "src", "out"),
    [
        ({"a": 1}, {"a": 0}, {"a": 1}),  # zero values never override
        ({"a": [1]}, {"a": [2, 3]}, {"a": [2, 3]}),  # slices are replaced
        ({"a": {"b": 1}}, {"a": {"c": 2}}, {"a": {"b": 1, "c": 2}}),
        ({"a": True}, {"a": False}, {"a": True}),
        ({}, {"a": "x"}, {"a": "x"}),
    ],
)
def test_merge_override_is_mergo_with_override(
    dst: dict[str, Any], src: dict[str, Any], out: dict[str, Any]
) -> None:
    assert merge_override(dst, src) == out
