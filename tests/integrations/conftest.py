"""Fixtures for the integrations: the environment a CI runner or the plugin sidecar gives, and
throwaway copies of the sample GitOps repository."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest
from helpers import REPO_ROOT

SAMPLE_REPO = REPO_ROOT / "examples" / "gitops-repo"
VENV_BIN = Path(sys.executable).parent  # where the kserve-gitops console script is installed
_FOREIGN = ("ARGOCD_", "PARAM_", "GITHUB_", "KSERVE_", "GIT_")


@pytest.fixture
def tool_env() -> dict[str, str]:
    """This process's environment without Argo CD, GitHub or git variables, with the venv's
    bin first on PATH (so `kserve-gitops` is the installed console script)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(_FOREIGN)}
    env["PATH"] = os.pathsep.join([str(VENV_BIN), env.get("PATH", "/usr/bin:/bin")])
    env["LC_ALL"] = "C.UTF-8"
    return env


@pytest.fixture
def sample_repo(tmp_path: Path) -> Path:
    """A copy of examples/gitops-repo."""
    return Path(shutil.copytree(SAMPLE_REPO, tmp_path / "gitops-repo"))
