"""The sample GitOps repository (examples/gitops-repo): its committed output is what render.sh
renders, every rendered object validates, and its Argo CD and Flux objects point at real
folders and at the plugin as it is declared."""

from __future__ import annotations

import filecmp
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from checker import check_files
from helpers import REPO_ROOT

SAMPLE = REPO_ROOT / "examples" / "gitops-repo"
ENVIRONMENTS = ("staging", "production")
TRACKING = ("app.kubernetes.io/instance", "argocd.argoproj.io/instance")


def load(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def manifests(env: str) -> list[Path]:
    root = SAMPLE / "rendered" / env
    # The Flux Kustomizations under _flux are the consumer, not rendered KServe objects.
    return sorted(p for p in root.rglob("*.yaml")
                  if p.name != "kustomization.yaml" and p.parent.name != "_flux")  # fmt: skip


def render_sh(command: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", str(cwd / "render.sh"), command], cwd=cwd, env=env,
                          capture_output=True, text=True, check=False, timeout=300)  # fmt: skip


def test_committed_output_is_up_to_date(tool_env: dict[str, str], tmp_path: Path) -> None:
    """`render.sh check` runs render.sh's own commands with `check` in place of `render`."""
    done = render_sh("check", SAMPLE, tool_env)
    assert done.returncode == 0, done.stdout + done.stderr + "\nrun examples/gitops-repo/render.sh"
    for env in ENVIRONMENTS:
        assert f"rendered/{env}: up to date" in done.stderr


def test_render_sh_is_idempotent(sample_repo: Path, tool_env: dict[str, str]) -> None:
    done = render_sh("render", sample_repo, tool_env)
    assert done.returncode == 0, done.stderr
    for env in ENVIRONMENTS:
        assert f"rendered/{env}: 0 written" in done.stderr, done.stderr
    compared = filecmp.dircmp(SAMPLE / "rendered", sample_repo / "rendered")
    assert _tree_differences(compared) == []


def _tree_differences(cmp: filecmp.dircmp[str]) -> list[str]:
    found = [*cmp.left_only, *cmp.right_only, *cmp.diff_files, *cmp.funny_files]
    for sub in cmp.subdirs.values():
        found += _tree_differences(sub)
    return found


def test_render_sh_refuses_unknown_commands(tool_env: dict[str, str]) -> None:
    done = render_sh("deploy", SAMPLE, tool_env)
    assert done.returncode == 2 and "usage" in done.stderr


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_every_rendered_object_validates(env: str) -> None:
    files = [str(p) for p in manifests(env)]
    assert files
    assert check_files(files)[1] == []


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_rendered_objects_leave_argo_cd_tracking_alone(env: str) -> None:
    for path in manifests(env):
        for doc in load(path):
            meta = doc["metadata"]
            assert not set(TRACKING) & set(meta.get("labels") or {}), path
            assert "argocd.argoproj.io/tracking-id" not in (meta.get("annotations") or {}), path


def _inputs(folder: Path) -> list[Path]:
    """The files kserve-gitops reads as input (not the hidden repo config files)."""
    return [p for p in sorted(folder.rglob("*.yaml")) if not p.name.startswith(".")]


def test_the_sample_has_every_kind_of_service_the_readme_promises() -> None:
    isvcs = [d for p in _inputs(SAMPLE / "apps") for d in load(p)
             if d["kind"] == "InferenceService"]  # fmt: skip
    namespaces = {d["metadata"]["namespace"] for d in isvcs}
    assert namespaces == {"team-a", "team-b"}
    predictors = [d["spec"]["predictor"] for d in isvcs]
    assert any("sklearn" in p for p in predictors) and any("xgboost" in p for p in predictors)
    hf = [p["model"] for p in predictors if p.get("model", {}).get("modelFormat", {}).get("name")
          == "huggingface"]  # fmt: skip
    runtimes = {d["metadata"]["name"] for p in _inputs(SAMPLE / "apps")
                for d in load(p) if d["kind"] == "ServingRuntime"}  # fmt: skip
    assert hf and hf[0]["runtime"] in runtimes
    modes = [(d["metadata"].get("annotations") or {}).get("serving.kserve.io/deploymentMode")
             for d in isvcs]  # fmt: skip
    assert "Standard" in modes


def test_flux_applies_each_rendered_folder_through_its_shard_kustomizations() -> None:
    (source,) = load(SAMPLE / "flux" / "source.yaml")
    assert source["apiVersion"] == "source.toolkit.fluxcd.io/v1"
    assert source["kind"] == "GitRepository"
    for env in ENVIRONMENTS:
        (kustomization,) = load(SAMPLE / "flux" / f"{env}.yaml")
        assert kustomization["apiVersion"] == "kustomize.toolkit.fluxcd.io/v1"
        assert kustomization["kind"] == "Kustomization"
        spec = kustomization["spec"]
        assert spec["path"] == f"./rendered/{env}/_flux" and spec["prune"] is True
        assert spec["sourceRef"] == {"kind": "GitRepository", "name": source["metadata"]["name"]}
        assert (SAMPLE / spec["path"] / "kustomization.yaml").is_file()
        for shard in load_all(SAMPLE / spec["path"]):
            assert shard["spec"]["sourceRef"] == spec["sourceRef"]
            assert shard["metadata"]["namespace"] == source["metadata"]["namespace"]


def load_all(folder: Path) -> list[dict[str, Any]]:
    return [d for p in sorted(folder.glob("*.yaml")) if p.name != "kustomization.yaml"
            for d in load(p)]  # fmt: skip


def test_argo_cd_applicationset_syncs_each_production_shard() -> None:
    (appset,) = load(SAMPLE / "argocd" / "production.yaml")
    assert (appset["apiVersion"], appset["kind"]) == ("argoproj.io/v1alpha1", "ApplicationSet")
    (generator,) = appset["spec"]["generators"]
    assert generator["git"]["directories"][0] == {"path": "rendered/production/*"}
    source = appset["spec"]["template"]["spec"]["source"]
    assert "plugin" not in source and source["path"] == "{{ .path.path }}"
    for shard in ("_cluster", "team-a", "team-b"):
        assert (SAMPLE / "rendered" / "production" / shard / "kustomization.yaml").is_file()


def test_argo_cd_applicationset_renders_each_team_with_the_plugin() -> None:
    (appset,) = load(SAMPLE / "argocd" / "applicationset.yaml")
    assert (appset["apiVersion"], appset["kind"]) == ("argoproj.io/v1alpha1", "ApplicationSet")
    (generator,) = appset["spec"]["generators"]
    assert generator["git"]["directories"] == [{"path": "apps/*"}]
    assert "repo-server replicas" in (SAMPLE / "argocd" / "applicationset.yaml").read_text()
    plugin = yaml.safe_load((REPO_ROOT / "integrations" / "argocd" / "plugin.yaml").read_text())
    source = appset["spec"]["template"]["spec"]["source"]
    assert source["plugin"]["name"] == f"{plugin['metadata']['name']}-{plugin['spec']['version']}"
    announced = {p["name"]: p for p in plugin["spec"]["parameters"]["static"]}
    for team in (p for p in (SAMPLE / "apps").iterdir() if p.is_dir()):
        for param in source["plugin"]["parameters"]:
            assert param["name"] in announced
            kind = announced[param["name"]]["collectionType"]
            assert kind in param, param
            if param["name"] == "overlay":
                assert (team / param["string"] / "overlay.yaml").is_file()
            if param["name"] == "paths":
                assert all((team / p).exists() for p in param["array"])


def test_readme_walks_through_render_sh() -> None:
    readme = (SAMPLE / "README.md").read_text()
    assert "./render.sh" in readme and "./render.sh check" in readme
    for folder in ("apps/team-a", "config", "overlays/staging", "argocd", "flux"):
        assert folder in readme and (SAMPLE / folder).exists(), folder
