"""Helpers for JSON-shaped data (dicts, lists, strings, numbers, booleans, None)."""

from __future__ import annotations

from typing import TypeVar

T = TypeVar("T")


def copy_data(value: T) -> T:
    """A deep copy of JSON-shaped data: several times faster than copy.deepcopy, which spends
    its time on a memo and on types our data never holds."""
    if isinstance(value, dict):
        return {key: copy_data(item) for key, item in value.items()}  # type: ignore[return-value]
    if isinstance(value, list):
        return [copy_data(item) for item in value]  # type: ignore[return-value]
    return value
