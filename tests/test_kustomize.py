"""The rendered folder is a kustomization: `kubectl kustomize DIR` gives what `render` prints."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from helpers import REPO_ROOT, build_tree
from test_cli import run

from generator import writer


def _kubectl() -> str:
    found = shutil.which("kubectl")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("kubectl is missing: .ci/run installs Debian's kubernetes-client")
        pytest.skip("kubectl is not installed (apt-get install kubernetes-client)")
    return found


def _key(doc: dict[str, object]) -> tuple[str, str, str, str]:
    meta = doc["metadata"]
    assert isinstance(meta, dict)
    return (str(doc["apiVersion"]), str(doc["kind"]), str(meta.get("namespace")), str(meta["name"]))


def test_kubectl_kustomize_yields_the_rendered_objects(tmp_path: Path) -> None:
    kubectl = _kubectl()
    build_tree(
        tmp_path / "apps",
        {
            "extra.yaml": "apiVersion: v1\nkind: ConfigMap\n"
            "metadata: {name: extra, namespace: a}\n",
        },
    )
    inputs = [str(REPO_ROOT / "examples" / "quickstart"), str(tmp_path / "apps")]
    out = tmp_path / "rendered"
    assert run("render", *inputs, "-o", str(out)).returncode == 0
    streamed = list(yaml.safe_load_all(run("render", *inputs).stdout))
    built = subprocess.run([kubectl, "kustomize", str(out)], capture_output=True, text=True)
    assert built.returncode == 0, built.stderr
    kustomized = list(yaml.safe_load_all(built.stdout))
    assert sorted(map(_key, kustomized)) == sorted(map(_key, streamed))
    by_key = {_key(d): d for d in streamed}
    for doc in kustomized:
        assert doc == by_key[_key(doc)]


def test_the_kustomization_lists_exactly_the_manifest_files(tmp_path: Path) -> None:
    out = tmp_path / "rendered"
    assert run("render", str(REPO_ROOT / "examples" / "quickstart"), "-o", str(out)).returncode == 0
    build_tree(out, {"mine/policy.yaml": "kind: X\n", "mine/README.md": "notes\n"})
    assert run("render", str(REPO_ROOT / "examples" / "quickstart"), "-o", str(out)).returncode == 0
    listed = yaml.safe_load((out / writer.KUSTOMIZATION).read_text())["resources"]
    present = sorted(
        p.relative_to(out).as_posix() for p in out.rglob("*.yaml") if p.name != writer.KUSTOMIZATION
    )
    assert listed == present
    assert "mine/policy.yaml" in listed
