"""The consumers of a sharded rendered folder (issue 22): the sample repository's Argo CD
ApplicationSet and Flux Kustomizations cover every rendered object exactly once, and removing a
namespace's InferenceServices removes its shard and its consumer entry in the same render."""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import Counter
from pathlib import Path
from typing import Any

import yaml
from helpers import REPO_ROOT, read_indexes

SAMPLE = REPO_ROOT / "examples" / "gitops-repo"
ENVIRONMENTS = ("staging", "production")


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d is not None]


def _key(doc: dict[str, Any]) -> str:
    meta = doc["metadata"]
    return f"{doc['apiVersion']} {doc['kind']} {meta.get('namespace', '')}/{meta['name']}"


def built(folder: Path) -> list[str]:
    """What `kustomize build folder` yields, by identity: its resources, folders recursively."""
    kustomization = yaml.safe_load((folder / "kustomization.yaml").read_text())
    keys = []
    for rel in kustomization["resources"]:
        path = folder / rel
        keys += built(path) if path.is_dir() else [_key(d) for d in _docs(path)]
    return keys


def rendered(repo: Path, env: str) -> list[str]:
    """Every object `render -o` wrote for the environment (per its index), but Flux's own."""
    root = repo / "rendered" / env
    index = read_indexes(root)
    return [_key(d) for rel in index["files"] if not rel.startswith("_flux/")
            for d in _docs(root / rel)]  # fmt: skip


def argo_applications(repo: Path, appset: dict[str, Any]) -> dict[str, Path]:
    """The Applications the git directory generator makes: name → the folder it syncs.

    As Argo CD does: every folder matching a `path` glob (`*` stays within one folder), less
    those matching an `exclude: true` entry; `basenameNormalized` replaces characters an
    Application name cannot hold with `-`."""
    (generator,) = appset["spec"]["generators"]
    entries = generator["git"]["directories"]
    found: set[str] = set()
    for entry in (e for e in entries if not e.get("exclude")):
        found |= {p.relative_to(repo).as_posix() for p in repo.glob(entry["path"]) if p.is_dir()}
    for entry in (e for e in entries if e.get("exclude")):
        found -= {p.relative_to(repo).as_posix() for p in repo.glob(entry["path"])}
    template = appset["spec"]["template"]
    apps = {}
    for path in sorted(found):
        basename = path.rsplit("/", 1)[-1]
        params = {
            ".path.path": path,
            ".path.basename": basename,
            ".path.basenameNormalized": re.sub(r"[^a-zA-Z0-9-]", "-", basename),
        }
        name = _fill(template["metadata"]["name"], params)
        source = _fill(template["spec"]["source"]["path"], params)
        assert name not in apps, f"two Applications named {name}"
        assert re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name) and len(name) <= 253, name
        apps[name] = repo / source
    return apps


def _fill(text: str, params: dict[str, str]) -> str:
    """A goTemplate string with `{{ .path.x }}` parameters filled in."""
    return re.sub(r"\{\{ *(\S+) *\}\}", lambda m: params[m.group(1)], text)


def flux_kustomizations(repo: Path, env: str) -> dict[str, dict[str, Any]]:
    """The Kustomizations the environment's bootstrap Kustomization applies, by name."""
    (bootstrap,) = _docs(repo / "flux" / f"{env}.yaml")
    folder = repo / bootstrap["spec"]["path"]
    docs = [d for rel in yaml.safe_load((folder / "kustomization.yaml").read_text())["resources"]
            for d in _docs(folder / rel)]  # fmt: skip
    assert all(d["kind"] == "Kustomization" for d in docs)
    return {d["metadata"]["name"]: d for d in docs}


def assert_covered_once(env_objects: list[str], per_consumer: dict[str, list[str]]) -> None:
    counts = Counter(key for keys in per_consumer.values() for key in keys)
    twice = sorted(key for key, n in counts.items() if n > 1)
    assert twice == [], f"applied by two consumers: {twice}"
    assert sorted(counts) == sorted(env_objects)


def check_consumers(repo: Path) -> None:
    (appset,) = _docs(repo / "argocd" / "production.yaml")
    apps = argo_applications(repo, appset)
    assert_covered_once(rendered(repo, "production"), {n: built(p) for n, p in apps.items()})
    for env in ENVIRONMENTS:
        shards = flux_kustomizations(repo, env)
        per_shard = {n: built(repo / k["spec"]["path"]) for n, k in shards.items()}
        assert_covered_once(rendered(repo, env), per_shard)
        for kustomization in shards.values():
            for needed in kustomization["spec"].get("dependsOn", []):
                assert needed["name"] in shards


def test_every_rendered_object_belongs_to_exactly_one_consumer() -> None:
    check_consumers(SAMPLE)
    (appset,) = _docs(SAMPLE / "argocd" / "production.yaml")
    names = set(argo_applications(SAMPLE, appset))
    assert names == {
        "models-production--cluster",
        "models-production-team-a",
        "models-production-team-b",
    }
    shards = flux_kustomizations(SAMPLE, "production")
    assert shards["rendered-production-team-a"]["spec"]["dependsOn"] == [
        {"name": "rendered-production.cluster"}
    ]
    assert "dependsOn" not in shards["rendered-production.cluster"]["spec"]


def test_removing_a_namespace_prunes_its_shard_and_consumer_entry(
    sample_repo: Path, tool_env: dict[str, str]
) -> None:
    shutil.rmtree(sample_repo / "apps" / "team-b")
    done = subprocess.run(["sh", str(sample_repo / "render.sh")], cwd=sample_repo, env=tool_env,
                          capture_output=True, text=True, check=False, timeout=300)  # fmt: skip
    assert done.returncode == 0, done.stderr
    for env in ENVIRONMENTS:
        root = sample_repo / "rendered" / env
        assert not (root / "team-b").exists()
        assert not (root / "_flux" / "team-b.yaml").exists()
        assert yaml.safe_load((root / "kustomization.yaml").read_text())["resources"] == [
            "_cluster",
            "team-a",
        ]
        assert sorted(flux_kustomizations(sample_repo, env)) == [
            f"rendered-{env}-team-a",
            f"rendered-{env}.cluster",
        ]
    (appset,) = _docs(sample_repo / "argocd" / "production.yaml")
    assert not any("team-b" in name for name in argo_applications(sample_repo, appset))
    check_consumers(sample_repo)


def test_the_shipped_consumers_are_the_ones_the_sample_uses() -> None:
    """integrations/ ships what the sample repository runs (and this file tests)."""
    pairs = [
        ("argocd/shards-applicationset.yaml", "argocd/production.yaml"),
        ("flux/shards-kustomization.yaml", "flux/production.yaml"),
    ]
    for shipped, sample in pairs:
        assert _docs(REPO_ROOT / "integrations" / shipped) == _docs(SAMPLE / sample)
