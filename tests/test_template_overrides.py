"""--templates: a platform team's templates replace shipped ones, safely."""

from __future__ import annotations

from pathlib import Path

import yaml
from helpers import REPO_ROOT, build_tree
from test_cli import run

QUICKSTART = str(REPO_ROOT / "examples" / "quickstart")
SHIPPED = (REPO_ROOT / "templates" / "external-name-service.yaml.j2").read_text()


def test_an_override_adds_an_org_wide_label(tmp_path: Path) -> None:
    text = SHIPPED.replace(
        "metadata:\n", "metadata:\n  annotations:\n    org/owner: {{ name }}\n", 1
    )
    assert text != SHIPPED
    build_tree(tmp_path / "t", {"external-name-service.yaml.j2": text})
    done = run("render", QUICKSTART, "--templates", str(tmp_path / "t"))
    assert done.returncode == 0, done.stderr
    docs = list(yaml.safe_load_all(done.stdout))
    (svc,) = [d for d in docs if d["kind"] == "Service" and d["apiVersion"] == "v1"]
    assert svc["metadata"]["annotations"] == {"org/owner": "sklearn-iris"}
    others = [d for d in docs if d is not svc]
    assert all("org/owner" not in (d["metadata"].get("annotations") or {}) for d in others)


def test_a_missing_template_folder_is_a_usage_error(tmp_path: Path) -> None:
    done = run("render", QUICKSTART, "--templates", str(tmp_path / "absent"))
    assert done.returncode == 2 and done.stdout == ""
    assert "does not exist" in done.stderr


def test_a_broken_override_names_its_file(tmp_path: Path) -> None:
    build_tree(tmp_path, {"external-name-service.yaml.j2": "kind: {{ name "})
    done = run("render", QUICKSTART, "--templates", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith(f"{tmp_path}/external-name-service.yaml.j2: ")
    assert "Traceback" not in done.stderr


def test_an_override_may_not_rename_or_move_the_object(tmp_path: Path) -> None:
    text = SHIPPED.replace("namespace: {{ namespace }}", 'namespace: "kube-system"')
    assert text != SHIPPED
    build_tree(tmp_path, {"external-name-service.yaml.j2": text})
    done = run("render", QUICKSTART, "--templates", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert "expected Service kserve-test/sklearn-iris" in done.stderr


def test_an_override_cannot_reach_python_internals(tmp_path: Path) -> None:
    text = SHIPPED.replace("{{ name }}", "{{ name.__class__.__mro__ }}", 1)
    build_tree(tmp_path, {"external-name-service.yaml.j2": text})
    done = run("render", QUICKSTART, "--templates", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert "__class__" in done.stderr
