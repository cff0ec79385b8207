"""Port of KServe's `pkg/utils/storage.go`: storage paths shared by the webhooks."""

from __future__ import annotations

from collections.abc import Sequence


def find_common_parent_path(paths: Sequence[str]) -> str:
    """Port of `FindCommonParentPath`: the longest common directory prefix, "/" if none."""
    if not paths:
        return ""
    if len(paths) == 1:
        return paths[0]
    parts = [p.strip("/").split("/") if p.strip("/") else [] for p in paths]
    non_empty = [len(p) for p in parts if p]
    if non_empty and not all(parts):
        return "/"  # GitOps: Go indexes an empty path ("/") among others here and panics
    common: list[str] = []
    for level in range(min(non_empty) if non_empty else 0):
        names = {p[level] for p in parts}
        if len(names) != 1:
            break
        common.append(names.pop())
    return "/" + "/".join(common) if common else "/"
