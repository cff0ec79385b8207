"""The wheel carries templates and data, and CI runs exactly the README's commands."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

from helpers import REPO_ROOT


def test_package_list_matches_the_tree() -> None:
    listed = set(
        tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]
    )
    on_disk = {
        ".".join(p.parent.relative_to(REPO_ROOT).parts)
        for p in (REPO_ROOT / "generator").rglob("__init__.py")
    }
    assert listed == on_disk | {"generator.templates"}


def test_non_editable_wheel_renders_from_another_directory(tmp_path: Path) -> None:
    """Build the wheel, install it alone into a folder, render the quickstart from /tmp."""
    wheels, target = tmp_path / "wheels", tmp_path / "site"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--quiet",
            "--no-deps",
            "--no-build-isolation",
            "-w",
            str(wheels),
            str(REPO_ROOT),
        ],
        check=True,
        capture_output=True,
    )
    (wheel,) = wheels.glob("kserve_gitops-*.whl")
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "install",
            "--quiet",
            "--no-deps",
            "--target",
            str(target),
            str(wheel),
        ],
        check=True,
        capture_output=True,
    )
    env = {**os.environ, "PYTHONPATH": str(target)}
    code = (
        "import generator, sys; assert generator.__file__.startswith(sys.argv[1]), "
        "generator.__file__; from generator.cli import main; main(sys.argv[2:])"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(target), "render", str(REPO_ROOT / "examples/quickstart")],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    names = {p.name for p in (target / "generator" / "templates").iterdir()}
    assert any(name.endswith(".yaml.j2") for name in names)
    assert (target / "generator" / "config" / "defaults" / "inferenceservice-config.yaml").exists()


def _readme_commands() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text()
    quick = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", quick)


def test_readme_gives_an_install_and_render_command_and_a_test_command() -> None:
    install, test = _readme_commands()
    assert "pip install ." in install and "render examples/quickstart" in install
    assert "pytest" in test


def test_ci_runs_exactly_the_readme_test_command() -> None:
    _, test = _readme_commands()
    ci = (REPO_ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci
