"""The oracle binary both halves of the differential suite share (test_conformance.py for
InferenceServices, test_llmisvc.py for LLMInferenceServices): one Go module, one build.

The build (minutes on a fresh machine: KServe's modules are downloaded, then compiled) starts
in the background as soon as the session is collected, at a low CPU priority, and the
differential tests run last: the rest of the suite runs while it builds."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conformance import differential as d

HERE = Path(__file__).parent
_STARTED: list[d.OracleBuild] = []


def _wanted() -> bool:
    return os.environ.get("KSERVE_GITOPS_CONFORMANCE") != "off"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The differential tests last (a stable move), and the oracle's build started for them."""
    ours = [item for item in items if HERE in item.path.parents]
    if not ours:
        return
    others = [item for item in items if HERE not in item.path.parents]
    items[:] = others + ours
    go = d.go_binary()
    if _wanted() and go is not None and not _STARTED and not config.option.collectonly:
        build = d.OracleBuild(go, niceness=10)
        _STARTED.append(build)
        config.add_cleanup(build.stop)


@pytest.fixture(scope="session")
def oracle_binary() -> Path:
    if not _wanted():
        pytest.skip("KSERVE_GITOPS_CONFORMANCE=off: the workflow's conformance job runs it")
    go = d.go_binary()
    if go is None:
        pytest.skip("Go is not on PATH: the differential suite builds KServe's code with it")
    try:
        return (_STARTED[0] if _STARTED else d.OracleBuild(go)).result()
    except subprocess.CalledProcessError as err:
        last = (err.stderr or "").strip().splitlines()[-1:] or ["?"]
        message = f"building conformance/oracle failed: {last[0]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message + " (is the Go module proxy reachable?)")
