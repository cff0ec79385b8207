"""The GitHub Action (action.yml) and its script (integrations/github/render.sh), run in a
throwaway git repository with a bare "origin", as a runner would run it."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT

SCRIPT = REPO_ROOT / "integrations" / "github" / "render.sh"
STALE_KSVC = "rendered/team-a/sklearn-iris/service.serving.knative.dev-sklearn-iris-predictor.yaml"


def action() -> dict[str, Any]:
    doc = yaml.safe_load((REPO_ROOT / "action.yml").read_text())
    assert isinstance(doc, dict)
    return doc


def test_action_is_a_composite_action_running_the_script() -> None:
    doc = action()
    assert doc["name"] and doc["description"]
    inputs = doc["inputs"]
    assert {"paths", "output-dir", "mode", "overlay", "python-version"} <= set(inputs)
    for name, spec in inputs.items():
        assert spec["description"], name
        assert spec.get("required") or "default" in spec, name
    assert inputs["mode"]["default"] == "check"
    runs = doc["runs"]
    assert runs["using"] == "composite"
    steps = runs["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    assert steps[0]["with"]["python-version"] == "${{ inputs.python-version }}"
    install = steps[1]
    assert "pip install" in install["run"] and install["env"]["ACTION_PATH"] == (
        "${{ github.action_path }}"
    )
    render = steps[-1]
    assert "integrations/github/render.sh" in render["run"]
    assert doc["outputs"]["changed"]["value"] == f"${{{{ steps.{render['id']}.outputs.changed }}}}"
    for step in steps:
        if "run" in step:
            assert step["shell"] in {"bash", "sh"}
            # Inputs reach scripts through env, never spliced into the script's text.
            assert "${{" not in step["run"], step["run"]


def test_the_render_record_is_kept_between_runs_where_the_render_looks_for_it() -> None:
    """actions/cache (pinned by commit) restores the newest earlier run's record and schema
    validators into the cache folder the render step uses, under a key of this output-dir;
    `cache: false` skips it."""
    doc = action()
    steps = doc["runs"]["steps"]
    (cache,) = [s for s in steps if str(s.get("uses", "")).startswith("actions/cache@")]
    assert re.fullmatch(r"actions/cache@[0-9a-f]{40}", cache["uses"])
    assert cache["if"] == "inputs.cache == 'true'" and doc["inputs"]["cache"]["default"] == "true"
    home = steps[-1]["env"]["XDG_CACHE_HOME"]
    assert cache["with"]["path"].splitlines() == [
        f"{home}/kserve-gitops/render/runs",
        f"{home}/kserve-gitops/schema",
    ]
    prefix = cache["with"]["restore-keys"]
    assert "inputs.output-dir" in prefix and cache["with"]["key"].startswith(prefix)
    assert steps.index(cache) < len(steps) - 1


def test_every_variable_the_script_reads_comes_from_an_input() -> None:
    env = action()["runs"]["steps"][-1]["env"]
    read = set(re.findall(r"\$\{(KSERVE_[A-Z_]+)", SCRIPT.read_text()))
    assert read == {k for k in env if k.startswith("KSERVE_")}
    inputs = set(action()["inputs"])
    for value in env.values():
        match = re.fullmatch(r"\$\{\{ inputs\.([a-z-]+) \}\}", value)
        assert match is None or match.group(1) in inputs, value


def test_the_examples_workflow_checks_the_sample_repo_with_this_action() -> None:
    workflow = yaml.safe_load((REPO_ROOT / ".github" / "workflows" / "examples.yml").read_text())
    (job,) = workflow["jobs"].values()
    (step,) = [s for s in job["steps"] if s.get("uses") == "./"]
    args = step["with"]
    assert set(args) <= set(action()["inputs"])
    assert args["mode"] == "check"
    assert args["working-directory"] == "examples/gitops-repo"
    assert (REPO_ROOT / "examples" / "gitops-repo" / args["paths"].split()[0]).is_dir()
    environments = job["strategy"]["matrix"]["environment"]
    for env in environments:
        assert (REPO_ROOT / "examples" / "gitops-repo" / "rendered" / env).is_dir()


# --- the script, in a repository ------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, check=True)
    return done.stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, tool_env: dict[str, str]) -> Path:
    """A clone of a bare origin holding one team's app folder and the repository config."""
    if shutil.which("git") is None:
        pytest.skip("git is not installed")
    origin = tmp_path / "origin.git"
    subprocess.run(["git", "init", "--quiet", "--bare", "-b", "main", str(origin)], check=True)
    work = tmp_path / "work"
    subprocess.run(["git", "clone", "--quiet", str(origin), str(work)], check=True,
                   capture_output=True)  # fmt: skip
    sample = REPO_ROOT / "examples" / "gitops-repo"
    shutil.copytree(sample / "apps" / "team-a", work / "apps" / "team-a")
    shutil.copytree(sample / "config", work / "config")
    git(work, "checkout", "--quiet", "-b", "main")
    git(work, "add", ".")
    git(work, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "apps")
    git(work, "push", "--quiet", "origin", "main")
    return work


def run_action(
    repo: Path, env: dict[str, str], mode: str, **extra: str
) -> subprocess.CompletedProcess[str]:
    home = repo.parent / "home"  # no global git config: the script must set its own identity
    home.mkdir(exist_ok=True)
    full = {
        **env,
        "HOME": str(home),
        "GIT_CONFIG_NOSYSTEM": "1",
        "KSERVE_PATHS": "apps config",
        "KSERVE_ARGS": "--allow-cluster-scoped",  # team A's Namespace
        "KSERVE_OUTPUT_DIR": "rendered",
        "KSERVE_MODE": mode,
        "GITHUB_REF_NAME": "main",
        "GITHUB_OUTPUT": str(repo.parent / "github-output"),
        **extra,
    }
    return subprocess.run(["sh", str(SCRIPT)], cwd=repo, env=full, capture_output=True,
                          text=True, check=False, timeout=120)  # fmt: skip


def outputs(repo: Path) -> list[str]:
    return (repo.parent / "github-output").read_text().splitlines()


def test_commit_mode_commits_and_pushes_the_rendered_folder_once(
    repo: Path, tool_env: dict[str, str]
) -> None:
    before = git(repo, "rev-parse", "HEAD")
    done = run_action(repo, tool_env, "commit")
    assert done.returncode == 0, done.stderr
    head = git(repo, "rev-parse", "HEAD")
    assert head != before
    changed = git(repo, "diff-tree", "--no-commit-id", "--name-only", "-r", "HEAD").splitlines()
    assert STALE_KSVC in changed and "rendered/kustomization.yaml" in changed
    assert all(path.startswith("rendered/") for path in changed)
    assert git(repo, "log", "-1", "--format=%an") == "github-actions[bot]"
    assert git(repo.parent / "origin.git", "rev-parse", "main") == head  # pushed
    assert git(repo, "status", "--porcelain") == ""
    assert outputs(repo) == ["changed=true"]

    again = run_action(repo, tool_env, "commit")
    assert again.returncode == 0, again.stderr
    assert git(repo, "rev-parse", "HEAD") == head  # nothing to commit the second time
    assert "nothing to commit" in again.stderr
    assert outputs(repo)[-1] == "changed=false"

    assert run_action(repo, tool_env, "check").returncode == 0


def test_check_mode_fails_on_stale_output_and_pull_requests_get_the_diff(
    repo: Path, tool_env: dict[str, str]
) -> None:
    assert run_action(repo, tool_env, "commit").returncode == 0
    isvc = repo / "apps" / "team-a" / "sklearn-iris.yaml"
    isvc.write_text(isvc.read_text().replace("sklearn/1.0/model", "sklearn/2.0/model"))
    summary = repo.parent / "summary.md"

    done = run_action(repo, tool_env, "check", GITHUB_EVENT_NAME="pull_request",
                      GITHUB_STEP_SUMMARY=str(summary))  # fmt: skip
    assert done.returncode == 1, done.stderr
    assert f"stale: {STALE_KSVC}" in done.stdout.splitlines()
    annotation = (
        "::error title=kserve-gitops::rendered is stale: 1 file(s) out of date: run "
        "kserve-gitops render --allow-cluster-scoped -o rendered apps config"
    )
    assert annotation in done.stdout.splitlines()
    assert outputs(repo)[-1] == "changed=true"
    text = summary.read_text()
    assert text.startswith("### kserve-gitops: changes to `rendered`\n\n```diff\n")
    assert text.endswith("```\n")
    lines = text.splitlines()
    assert any(line.startswith("-") and "sklearn/1.0/model" in line for line in lines)
    assert any(line.startswith("+") and "sklearn/2.0/model" in line for line in lines)
    assert git(repo, "status", "--porcelain", "--", "rendered") == ""  # check writes nothing


def test_pull_request_summary_says_when_nothing_changes(
    repo: Path, tool_env: dict[str, str]
) -> None:
    assert run_action(repo, tool_env, "commit").returncode == 0
    summary = repo.parent / "summary.md"
    done = run_action(repo, tool_env, "check", GITHUB_EVENT_NAME="pull_request",
                      GITHUB_STEP_SUMMARY=str(summary))  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "unchanged by this pull request" in summary.read_text()


def test_invalid_input_fails_both_modes_with_exit_2(repo: Path, tool_env: dict[str, str]) -> None:
    (repo / "apps" / "team-a" / "broken.yaml").write_text(
        "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"
        "metadata: {name: broken, namespace: team-a}\nspec: {predictor: {}}\n"
    )
    before = git(repo, "rev-parse", "HEAD")
    for mode in ("commit", "check"):
        done = run_action(repo, tool_env, mode)
        assert done.returncode == 2, done.stderr
        assert "InferenceService team-a/broken" in done.stderr
    assert git(repo, "rev-parse", "HEAD") == before
    assert run_action(repo, tool_env, "deploy").returncode == 2


# --- pinning, summaries, pull requests (issue 16) -------------------------------------------

FULL_SHA = re.compile(r"^[\w.-]+/[\w.-]+(/[\w./-]+)?@[0-9a-f]{40}$")


def test_every_action_the_composite_action_uses_is_pinned_by_full_sha() -> None:
    uses = [step["uses"] for step in action()["runs"]["steps"] if "uses" in step]
    assert uses
    for ref in uses:
        assert FULL_SHA.match(ref), ref
    # actions/setup-python v5.6.0; the tag comment keeps the pin reviewable.
    text = (REPO_ROOT / "action.yml").read_text()
    assert "actions/setup-python@a26af69be951a213d495a4c3e4e4022e16d87065 # v5.6.0" in text


def test_check_hint_names_the_overlay_used(repo: Path, tool_env: dict[str, str]) -> None:
    assert run_action(repo, tool_env, "commit").returncode == 0  # rendered without the overlay
    sample = REPO_ROOT / "examples" / "gitops-repo" / "overlays" / "staging"
    shutil.copytree(sample, repo / "overlays" / "prod")
    done = run_action(repo, tool_env, "check", KSERVE_OVERLAY="prod")
    assert done.returncode == 1, done.stderr
    hint = "run kserve-gitops render --overlay prod --allow-cluster-scoped -o rendered apps config"
    assert hint in done.stderr  # the CLI's own hint
    assert f"::error title=kserve-gitops::rendered is stale: 7 file(s) out of date: {hint}" in (
        done.stdout.splitlines()
    )  # and the annotation, which is its last line


def test_a_large_diff_is_cut_below_the_summary_limit(repo: Path, tool_env: dict[str, str]) -> None:
    summary = repo.parent / "summary.md"
    done = run_action(repo, tool_env, "check", GITHUB_EVENT_NAME="pull_request",
                      GITHUB_STEP_SUMMARY=str(summary), SUMMARY_LIMIT_BYTES="3000")  # fmt: skip
    assert done.returncode == 1, done.stderr  # nothing rendered yet: a long diff
    text = summary.read_text()
    assert len(text.encode()) <= 3000
    assert text.startswith("### kserve-gitops: changes to `rendered`\n\n```diff\n")
    assert "\n```\n\n**Truncated**: the diff has " in text
    assert text.endswith("Run `kserve-gitops diff` locally for all of it.\n")


def test_the_default_summary_limit_is_below_githubs_1_mib() -> None:
    match = re.search(r"limit=\$\{SUMMARY_LIMIT_BYTES:-(\d+)\}", SCRIPT.read_text())
    assert match and int(match.group(1)) < 1024 * 1024


def _pull_request(repo: Path, head_repo: str) -> dict[str, str]:
    """A pull request from branch `feature`, checked out as actions/checkout does: the merge
    commit of refs/pull/1/merge, detached. Returns the environment GitHub gives the step."""
    ident = ["-c", "user.name=dev", "-c", "user.email=dev@example.com"]
    git(repo, "checkout", "--quiet", "-b", "feature")
    isvc = repo / "apps" / "team-a" / "sklearn-iris.yaml"
    isvc.write_text(isvc.read_text().replace("sklearn/1.0/model", "sklearn/2.0/model"))
    git(repo, *ident, "commit", "--quiet", "-am", "model 2.0")
    git(repo, "push", "--quiet", "origin", "feature")
    git(repo, "checkout", "--quiet", "main")
    (repo / "notes.txt").write_text("a commit on main the pull request does not have\n")
    git(repo, "add", "notes.txt")
    git(repo, *ident, "commit", "--quiet", "-m", "notes")
    git(repo, "push", "--quiet", "origin", "main")
    git(repo, "checkout", "--quiet", "--detach", "main")
    git(repo, *ident, "merge", "--quiet", "--no-ff", "-m", "Merge feature into main", "feature")
    event = repo.parent / "event.json"
    head = {"ref": "feature", "sha": git(repo, "rev-parse", "feature"),
            "repo": {"full_name": head_repo}}  # fmt: skip
    event.write_text(json.dumps({"pull_request": {"number": 1, "head": head}}))
    return {
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(event),
        "GITHUB_REPOSITORY": "example/models",
        "GITHUB_HEAD_REF": "feature",
        "GITHUB_REF_NAME": "1/merge",
    }


def test_commit_mode_on_a_pull_request_commits_onto_its_branch_not_the_merge(
    repo: Path, tool_env: dict[str, str]
) -> None:
    env = _pull_request(repo, "example/models")
    merge = git(repo, "rev-parse", "HEAD")
    feature_before = git(repo.parent / "origin.git", "rev-parse", "feature")
    done = run_action(repo, tool_env, "commit", **env)
    assert done.returncode == 0, done.stderr
    origin = repo.parent / "origin.git"
    feature = git(origin, "rev-parse", "feature")
    assert feature != feature_before
    assert git(origin, "rev-parse", f"{feature}^@").splitlines() == [feature_before]  # one parent
    history = git(origin, "rev-list", "feature").splitlines()
    assert merge not in history  # the merge commit was not pushed
    assert "notes.txt" not in git(origin, "ls-tree", "--name-only", feature)
    changed = git(origin, "diff-tree", "--no-commit-id", "--name-only", "-r", feature)
    assert changed and all(p.startswith("rendered/") for p in changed.splitlines())
    assert git(origin, "rev-parse", "main") != feature


def test_commit_mode_skips_a_pull_request_from_a_fork(repo: Path, tool_env: dict[str, str]) -> None:
    env = _pull_request(repo, "someone/models")
    head = git(repo, "rev-parse", "HEAD")
    refs = git(repo.parent / "origin.git", "show-ref")
    done = run_action(repo, tool_env, "commit", **env)
    assert done.returncode == 0, done.stderr
    assert "::warning title=kserve-gitops::commit mode skipped" in done.stdout
    assert "someone/models" in done.stdout
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo.parent / "origin.git", "show-ref") == refs  # nothing pushed
    assert outputs(repo)[-1] == "changed=false"


def test_a_rejected_push_says_the_branch_moved(repo: Path, tool_env: dict[str, str]) -> None:
    other = repo.parent / "other"
    subprocess.run(["git", "clone", "--quiet", str(repo.parent / "origin.git"), str(other)],
                   check=True, capture_output=True)  # fmt: skip
    (other / "late.txt").write_text("pushed while the action rendered\n")
    git(other, "add", "late.txt")
    git(other, "-c", "user.name=dev", "-c", "user.email=dev@example.com", "commit", "-qm", "late")
    git(other, "push", "--quiet", "origin", "main")
    done = run_action(repo, tool_env, "commit")
    assert done.returncode == 1
    assert "::error title=kserve-gitops::main moved while this run rendered it" in done.stdout


def _documented_workflow() -> dict[str, Any]:
    text = (REPO_ROOT / "docs" / "github-action.md").read_text()
    block = re.search(r"```yaml\n(# \.github/workflows/render\.yml\n.*?)```", text, re.S)
    assert block, "docs/github-action.md shows a workflow"
    doc = yaml.safe_load(block.group(1))
    assert isinstance(doc, dict)
    return doc


def test_the_documented_workflow_runs_one_render_per_branch_at_a_time() -> None:
    workflow = _documented_workflow()
    concurrency = workflow["concurrency"]
    assert "github.head_ref || github.ref" in concurrency["group"]
    assert concurrency["cancel-in-progress"] is False  # a half-pushed render is never cancelled
    for step in workflow["jobs"]["render"]["steps"]:
        assert FULL_SHA.match(step["uses"]) or step["uses"].startswith("example/kserve-gitops@")


def test_no_claim_of_a_pull_request_comment() -> None:
    """The action writes the diff to the job summary; it posts no comment, and says so."""
    for path in (REPO_ROOT / "README.md", REPO_ROOT / "docs" / "github-action.md"):
        text = path.read_text()
        assert "job summary" in text, path
        claims = r"posts? (the )?diff|posts? (a|one|the) (PR|pull request) comment"
        assert not re.search(claims, text, re.I), path


def test_commit_mode_does_not_commit_an_emptied_rendered_folder_unless_allowed(
    repo: Path, tool_env: dict[str, str]
) -> None:
    """Every app file removed (or a wrong path that holds none): the render refuses to prune
    the whole folder, nothing is committed; `allow-empty: true` commits the empty folder."""
    assert run_action(repo, tool_env, "commit").returncode == 0
    head = git(repo, "rev-parse", "HEAD")
    for path in (repo / "apps" / "team-a").iterdir():
        path.unlink()
    (repo / "apps" / "team-a" / ".keep").write_text("")
    done = run_action(repo, tool_env, "commit")
    assert done.returncode == 2, done.stderr
    assert "--allow-empty to empty the folder" in done.stderr
    assert git(repo, "rev-parse", "HEAD") == head
    assert git(repo, "status", "--porcelain", "--", "rendered") == ""
    checked = run_action(repo, tool_env, "check")  # the fix it gives is the one that works
    assert checked.returncode == 1, checked.stderr
    annotation = [line for line in checked.stdout.splitlines() if line.startswith("::error")]
    assert annotation and annotation[0].endswith(
        "if that is meant, run kserve-gitops render --allow-cluster-scoped --allow-empty "
        "-o rendered apps config"
    ), annotation
    allowed = run_action(repo, tool_env, "commit", KSERVE_ALLOW_EMPTY="true")
    assert allowed.returncode == 0, allowed.stderr
    removed = git(repo, "show", "--diff-filter=D", "--name-only", "--format=", "HEAD").split()
    assert STALE_KSVC in removed
