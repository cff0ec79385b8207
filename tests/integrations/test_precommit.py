"""The pre-commit hooks (.pre-commit-hooks.yaml): valid manifest entries whose commands, with the
args a user configures, render and check a repository the way pre-commit runs them."""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT

# pre-commit's MANIFEST_HOOK_DICT (clientlib.py): required keys, then the optional ones.
REQUIRED = {"id", "name", "entry", "language"}
OPTIONAL = {"alias", "files", "exclude", "types", "types_or", "exclude_types",
            "additional_dependencies", "args", "always_run", "fail_fast", "pass_filenames",
            "description", "language_version", "log_file", "minimum_pre_commit_version",
            "require_serial", "stages", "verbose"}  # fmt: skip
ARGS = ["apps", "config", "--overlay", "staging", "-o", "rendered/staging",
        "--allow-cluster-scoped"]  # fmt: skip


def hooks() -> dict[str, dict[str, Any]]:
    docs = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text())
    assert isinstance(docs, list)
    return {hook["id"]: hook for hook in docs}


def test_hooks_are_valid_manifest_entries() -> None:
    found = hooks()
    assert set(found) == {"kserve-gitops-check", "kserve-gitops-render"}
    for hook in found.values():
        assert REQUIRED <= set(hook) and set(hook) <= REQUIRED | OPTIONAL, hook
        assert hook["language"] == "python"  # pre-commit pip-installs this repository
        assert hook["pass_filenames"] is False
        assert shlex.split(hook["entry"])[0] == "kserve-gitops"  # the console script
        files = re.compile(hook["files"])
        for name in ("apps/iris.yaml", "config/x.yml", "graph.json"):
            assert files.search(name), name
        for name in ("README.md", "render.sh", "yaml/notes.txt"):
            assert not files.search(name), name


def run_hook(hook_id: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """What pre-commit runs: the entry, then the configured args (no file names)."""
    argv = [*shlex.split(hooks()[hook_id]["entry"]), *ARGS]
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=120)  # fmt: skip


def test_render_then_check_hooks_in_a_repository(
    sample_repo: Path, tool_env: dict[str, str]
) -> None:
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    shutil.rmtree(sample_repo / "rendered")

    def git(*args: str) -> str:
        done = subprocess.run(["git", "-c", "user.name=dev", "-c", "user.email=dev@example.com",
                               *args], cwd=sample_repo, capture_output=True, text=True,
                              check=True)  # fmt: skip
        return done.stdout

    git("init", "--quiet", "-b", "main")
    git("add", ".")
    git("commit", "--quiet", "-m", "apps")

    check = run_hook("kserve-gitops-check", sample_repo, tool_env)
    assert check.returncode == 1, check.stderr  # nothing rendered yet: stale
    render = run_hook("kserve-gitops-render", sample_repo, tool_env)
    assert render.returncode == 0, render.stderr
    assert git("status", "--porcelain")  # pre-commit fails the hook: files were modified
    git("add", ".")
    git("commit", "--quiet", "-m", "rendered")

    assert run_hook("kserve-gitops-render", sample_repo, tool_env).returncode == 0
    assert git("status", "--porcelain") == ""  # the second run changes nothing
    assert run_hook("kserve-gitops-check", sample_repo, tool_env).returncode == 0

    isvc = sample_repo / "apps" / "team-a" / "xgboost-iris.yaml"
    isvc.write_text(isvc.read_text().replace("protocolVersion: v2", "protocolVersion: v1"))
    stale = run_hook("kserve-gitops-check", sample_repo, tool_env)
    assert stale.returncode == 1
    assert "stale: rendered/staging/team-a/xgboost-iris/" in stale.stdout


# --- installing the hooks (issue 16) --------------------------------------------------------


def _pre_commit() -> str:
    found = Path(sys.executable).parent / "pre-commit"  # the test extra installs it
    if not found.exists():
        if os.environ.get("CI"):
            pytest.fail("pre-commit is missing: the test extra installs it")
        pytest.skip("pre-commit is not installed (pip install pre-commit)")
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    return str(found)


def test_pre_commit_try_repo_installs_and_runs_the_hook(
    sample_repo: Path, tool_env: dict[str, str], tmp_path: Path
) -> None:
    """`pre-commit try-repo` clones this repository, pip-installs it in a fresh virtualenv
    (language: python) and runs the hook there. try-repo gives the hook no args, so the
    kserve-gitops it installed answers with its usage error: the hook's own console script ran.
    Needs PyPI (pip installs the dependencies), as a first `pre-commit install` does."""
    pre_commit = _pre_commit()

    def git(*args: str) -> None:
        subprocess.run(["git", "-c", "user.name=dev", "-c", "user.email=dev@example.com", *args],
                       cwd=sample_repo, check=True, capture_output=True)  # fmt: skip

    git("init", "--quiet", "-b", "main")
    git("add", ".")
    git("commit", "--quiet", "-m", "apps")
    env = {**tool_env, "PRE_COMMIT_HOME": str(tmp_path / "pre-commit-home")}
    done = subprocess.run(
        [pre_commit, "try-repo", str(REPO_ROOT), "kserve-gitops-check", "--all-files"],
        cwd=sample_repo, env=env, capture_output=True, text=True, check=False, timeout=900,
    )  # fmt: skip
    out = done.stdout + done.stderr
    assert "An unexpected error has occurred" not in out, out
    assert "- hook id: kserve-gitops-check" in out, out
    assert "Usage: kserve-gitops check [OPTIONS] PATHS..." in out, out  # the installed CLI ran


def _default_dependencies() -> list[str]:
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    return [re.split(r"[<>=!~;\[ ]", d, maxsplit=1)[0].lower() for d in project["dependencies"]]


def test_the_hook_install_does_not_pull_the_cluster_client(tool_env: dict[str, str]) -> None:
    """What pre-commit's `pip install .` of this repository resolves to, without installing."""
    assert "kubernetes" not in _default_dependencies()  # the cluster client is the extra's
    done = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--ignore-installed", "--quiet",
         "--report", "-", str(REPO_ROOT)],
        env=tool_env, capture_output=True, text=True, check=False, timeout=600,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    names = {item["metadata"]["name"].lower() for item in report["install"]}
    assert "kserve-gitops" in names
    assert "kubernetes" not in names, sorted(names)
