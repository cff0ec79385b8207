"""Test helpers: the repo root, the vendored reference data (tests/data), a tree builder."""

from __future__ import annotations

import json
import os
import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = (REPO_ROOT / ".." / "shared").resolve()
# Third-party reference data the tests need, carried in the repository (see its README.md).
DATA = REPO_ROOT / "tests" / "data"
REFERENCE = DATA / "reference"


def require_shared(*parts: str) -> Path:
    """Reference data: the repository's copy under tests/data, else the one under ../shared.

    Only data the repository does not carry can be missing: skipped locally, a failure in CI.
    """
    vendored = DATA.joinpath(*parts)
    if vendored.exists():
        return vendored
    path = SHARED.joinpath(*parts)
    if not path.exists():
        message = f"{path} is absent (the shared reference data sits beside the repo)"
        if os.environ.get("CI"):
            pytest.fail(message + "; CI must have it")
        pytest.skip(message)
    return path


def build_tree(root: Path, files: Mapping[str, str]) -> Path:
    """Write dedented files under root (copier's build_file_tree)."""
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


INDEX_NAME = ".kserve-gitops-index.json"  # read here as a user would, not through the writer


def read_indexes(out: Path) -> dict[str, Any]:
    """A rendered folder's index as one document: DIR's, with the files and kustomizations of
    every shard's own index (version 3) folded in."""
    index: dict[str, Any] = json.loads((out / INDEX_NAME).read_text())
    for shard in index.get("shards", []):
        own = json.loads((out / shard / INDEX_NAME).read_text())
        index["files"].update(own["files"])
        index["kustomizations"] += own["kustomizations"]
    return index


def write_one_index(out: Path, index: Mapping[str, Any]) -> None:
    """Leave `out` with one index, `index`, as renders before version 3 did (no shard has an
    index of its own)."""
    for shard in json.loads((out / INDEX_NAME).read_text()).get("shards", []):
        (out / shard / INDEX_NAME).unlink(missing_ok=True)
    (out / INDEX_NAME).write_text(json.dumps({k: v for k, v in index.items() if k != "shards"}))
