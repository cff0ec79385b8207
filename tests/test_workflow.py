"""A repo walked through time with the installed CLI: render, edit, diff, render, check, delete."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import yaml
from helpers import build_tree
from test_cli import console_script, run

ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: {name}, namespace: team}}
spec:
  predictor:
    sklearn: {{storageUri: "gs://bucket/{name}/{version}"}}
"""


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(repo), *args], check=True, capture_output=True)


def test_render_commit_edit_diff_render_check_delete(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    build_tree(
        repo,
        {
            "apps/iris.yaml": ISVC.format(name="iris", version=1),
            "apps/wine.yaml": ISVC.format(name="wine", version=1),
        },
    )
    apps, out = str(repo / "apps"), repo / "rendered"
    assert run("render", apps, "-o", str(out)).returncode == 0
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(repo, "-c", "user.email=t@t", "-c", "user.name=t", "commit", "-qm", "v1")
    assert run("check", apps, "-o", str(out)).returncode == 0

    (repo / "apps/iris.yaml").write_text(ISVC.format(name="iris", version=2))
    done = run("diff", apps, "-o", str(out), "--no-color")
    assert done.returncode == 1, done.stderr
    headers = [line for line in done.stdout.splitlines() if line.startswith("changed: ")]
    assert headers == [
        "changed: team/iris/service.serving.knative.dev-iris-predictor.yaml "
        "(Service team/iris-predictor)"
    ]
    assert "gs://bucket/iris/2" in done.stdout and "wine" not in done.stdout
    assert "\033[" not in done.stdout
    as_json = json.loads(run("diff", apps, "-o", str(out), "--output", "json").stdout)
    assert [c["path"] for c in as_json] == [
        "team/iris/service.serving.knative.dev-iris-predictor.yaml"
    ]
    ops = {op["path"]: op for op in as_json[0]["patch"]}
    assert any("storage-initializer-sourceuri" in path for path in ops)
    stale = run("check", apps, "-o", str(out))
    assert stale.returncode == 1
    assert stale.stdout.splitlines() == [
        f"stale: {out}/team/iris/service.serving.knative.dev-iris-predictor.yaml"
    ]

    assert run("render", apps, "-o", str(out)).returncode == 0
    assert run("check", apps, "-o", str(out)).returncode == 0
    assert run("diff", apps, "-o", str(out)).returncode == 0

    build_tree(out, {"team/networkpolicy.yaml": "apiVersion: v1\nkind: ConfigMap\n"})
    (repo / "apps/iris.yaml").unlink()
    done = run("render", apps, "-o", str(out))
    assert done.returncode == 0
    assert not (out / "team/iris").exists()
    assert (out / "team/wine").is_dir()
    assert (out / "team/networkpolicy.yaml").read_text() == "apiVersion: v1\nkind: ConfigMap\n"
    assert (
        f"left alone (not written by kserve-gitops): {out}/team/networkpolicy.yaml" in done.stderr
    )
    assert yaml.safe_load((out / "kustomization.yaml").read_text())["resources"] == ["team"]
    resources = yaml.safe_load((out / "team/kustomization.yaml").read_text())["resources"]
    # The person's file stays theirs: our kustomizations list only what we rendered.
    assert "networkpolicy.yaml" not in resources and resources
    assert all(r.startswith("wine/") for r in resources)


def test_invalid_isvc_among_100_valid_leaves_dir_byte_identical(tmp_path: Path) -> None:
    files = {f"apps/m{i}.yaml": ISVC.format(name=f"m{i}", version=1) for i in range(100)}
    build_tree(tmp_path, files)
    out = tmp_path / "rendered"
    assert run("render", str(tmp_path / "apps"), "-o", str(out)).returncode == 0
    before = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    bad = ISVC.format(name="m7", version=2).replace("sklearn:", "sklearn: {}\n    xgboost:")
    (tmp_path / "apps/m7.yaml").write_text(bad)
    (tmp_path / "apps/m3.yaml").write_text(ISVC.format(name="m3", version=9))
    done = run("render", str(tmp_path / "apps"), "-o", str(out))
    assert done.returncode == 2
    assert "m7.yaml" in done.stderr
    after = {p: p.read_bytes() for p in sorted(out.rglob("*")) if p.is_file()}
    assert after == before


def test_the_index_does_not_depend_on_how_paths_are_spelled(tmp_path: Path) -> None:
    build_tree(tmp_path, {"apps/iris.yaml": ISVC.format(name="iris", version=1)})
    out = tmp_path / "rendered"
    subprocess.run([console_script(), "render", "apps", "-o", "rendered"], cwd=tmp_path, check=True)
    first = (out / ".kserve-gitops-index.json").read_text()
    subprocess.run(
        [console_script(), "render", str(tmp_path / "apps") + "/", "-o", str(out)], check=True
    )
    assert (out / ".kserve-gitops-index.json").read_text() == first
    assert run("check", "apps", "-o", "rendered", cwd=tmp_path).returncode == 0
