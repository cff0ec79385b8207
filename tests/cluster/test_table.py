"""The `kubectl get` table: apimachinery's HumanDuration (its Go test cases), the CRD column
JSONPaths as the API server evaluates them, and kubectl's tabwriter layout."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from generator.cluster.table import COLUMNS, TabWriter, cell, human_duration, rows

H, D, Y = 3600, 24 * 3600, 365 * 24 * 3600
MS = 0.001


@pytest.mark.parametrize(
    ("seconds", "want"),
    [
        # TestHumanDuration
        (1, "1s"), (70, "70s"), (190, "3m10s"), (70 * 60, "70m"), (47 * H, "47h"),
        (49 * H, "2d1h"), ((8 * 24 + 2) * H, "8d"), (367 * D, "367d"),
        ((365 * 2 * 24 + 25) * H, "2y1d"), ((365 * 8 * 24 + 2) * H, "8y"),
        # TestHumanDurationBoundaries
        (-2, "<invalid>"), (-2 + 1e-9, "0s"), (0, "0s"), (1 - MS, "0s"), (120 - MS, "119s"),
        (120, "2m"), (121, "2m1s"), (600 - MS, "9m59s"), (600, "10m"), (601, "10m"),
        (3 * H - MS, "179m"), (3 * H, "3h"), (3 * H + 60, "3h1m"), (8 * H - MS, "7h59m"),
        (8 * H, "8h"), (8 * H + 59 * 60, "8h"), (2 * D - MS, "47h"), (2 * D, "2d"),
        (2 * D + H, "2d1h"), (8 * D - MS, "7d23h"), (8 * D, "8d"), (8 * D + 23 * H, "8d"),
        (2 * Y - MS, "729d"), (2 * Y, "2y"), (2 * Y + D, "2y1d"), (3 * Y, "3y"),
    ],
)  # fmt: skip
def test_human_duration(seconds: float, want: str) -> None:
    assert human_duration(seconds) == want


NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


def test_columns_take_the_first_match_and_leave_none_empty() -> None:
    obj = {
        "metadata": {"name": "a", "creationTimestamp": "2026-01-01T11:55:00Z"},
        "status": {
            "conditions": [{"type": "Ready", "status": "False"}],
            "components": {
                "predictor": {
                    "traffic": [
                        {"latestRevision": True, "percent": 100, "revisionName": "a-1"},
                        {"latestRevision": True, "percent": 5, "revisionName": "a-2"},
                    ]
                }
            },
        },
    }
    assert [cell(c, obj, NOW) for c in COLUMNS] == ["", "False", "", "100", "", "a-1", "5m"]


def test_filters_compare_types_as_jsonpath_does() -> None:
    latest = next(c for c in COLUMNS if c.name == "Latest")
    as_text = {"status": {"components": {"predictor": {"traffic": [
        {"latestRevision": "true", "percent": 10}]}}}}  # fmt: skip
    assert cell(latest, as_text, NOW) == ""


def test_layout_is_kubectls_tabwriter() -> None:
    """Min width 6, padding 3, the last column unpadded; -A puts NAMESPACE first."""
    obj = {"metadata": {"name": "a", "namespace": "ns"}, "status": {"url": "http://a\nb"}}
    text = TabWriter().format(rows([obj], NOW, with_namespace=True))
    assert text.splitlines() == [
        "NAMESPACE   NAME   URL           READY   PREV   LATEST   PREVROLLEDOUTREVISION   "
        "LATESTREADYREVISION   AGE",
        "ns          a      http://a...   " + " " * 70,
    ]
