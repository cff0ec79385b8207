"""The oracle binary both halves of the differential suite share (test_conformance.py for
InferenceServices, test_llmisvc.py for LLMInferenceServices): one Go module, one build."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest

from conformance import differential as d


@pytest.fixture(scope="session")
def oracle_binary() -> Path:
    if os.environ.get("KSERVE_GITOPS_CONFORMANCE") == "off":
        pytest.skip("KSERVE_GITOPS_CONFORMANCE=off: the workflow's conformance job runs it")
    go = d.go_binary()
    if go is None:
        pytest.skip("Go is not on PATH: the differential suite builds KServe's code with it")
    try:
        return d.build_oracle(go)
    except subprocess.CalledProcessError as err:
        last = (err.stderr or "").strip().splitlines()[-1:] or ["?"]
        message = f"building conformance/oracle failed: {last[0]}"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message + " (is the Go module proxy reachable?)")
