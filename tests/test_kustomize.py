"""The rendered folder is a kustomization: `kubectl kustomize DIR` gives what `render` prints."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from helpers import REPO_ROOT, build_tree, read_indexes
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


def test_the_kustomizations_list_exactly_the_rendered_files(tmp_path: Path) -> None:
    """The root lists the shard folders; each shard lists its rendered files and nothing a
    person put there (issue 13: their files are theirs, `kubectl kustomize` keeps working)."""
    quickstart = str(REPO_ROOT / "examples" / "quickstart")
    out = tmp_path / "rendered"
    assert run("render", quickstart, "-o", str(out)).returncode == 0
    build_tree(out, {"mine/policy.yaml": "kind: X\n", "mine/README.md": "notes\n",
                     "kserve-test/notes.yaml": "kind: Y\n"})  # fmt: skip
    assert run("render", quickstart, "-o", str(out)).returncode == 0
    shards = yaml.safe_load((out / writer.KUSTOMIZATION).read_text())["resources"]
    assert shards == ["kserve-test"]
    listed = yaml.safe_load((out / "kserve-test" / writer.KUSTOMIZATION).read_text())["resources"]
    indexed = read_indexes(out)["files"]
    assert [f"kserve-test/{r}" for r in listed] == sorted(indexed)
    assert "notes.yaml" not in listed


def test_every_shard_builds_alone_with_exactly_its_objects(tmp_path: Path) -> None:
    kubectl = _kubectl()
    docs = [f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: c{i}, namespace: ns-{i % 3}}}\n"
            for i in range(9)]  # fmt: skip
    docs.append("apiVersion: v1\nkind: Namespace\nmetadata: {name: ns-0}\n")
    inputs = [str(REPO_ROOT / "examples" / "quickstart"), str(tmp_path / "apps")]
    build_tree(tmp_path / "apps", {"all.yaml": "---\n".join(docs)})
    out = tmp_path / "rendered"
    assert run("render", *inputs, "-o", str(out), "--allow-cluster-scoped").returncode == 0
    streamed = list(yaml.safe_load_all(run("render", *inputs, "--allow-cluster-scoped").stdout))
    shards = yaml.safe_load((out / writer.KUSTOMIZATION).read_text())["resources"]
    assert shards == ["_cluster", "kserve-test", "ns-0", "ns-1", "ns-2"]
    seen = []
    for shard in shards:
        built = subprocess.run([kubectl, "kustomize", str(out / shard)], capture_output=True,
                               text=True, check=False)  # fmt: skip
        assert built.returncode == 0, built.stderr
        objects = list(yaml.safe_load_all(built.stdout))
        namespaces = {_key(d)[2] for d in objects}
        assert namespaces == ({"None"} if shard == "_cluster" else {shard})
        seen += map(_key, objects)
    assert sorted(seen) == sorted(map(_key, streamed))


LABELLED = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: {name}
  namespace: team
  labels: {labels}
spec:
  predictor:
    sklearn: {{storageUri: "gs://bucket/{name}"}}
"""


def test_a_shard_label_splits_a_namespace_into_shards_that_build_alone(tmp_path: Path) -> None:
    """--shard-label KEY: a namespace too big for one build splits by an InferenceService label;
    each `<namespace>.<value>` folder builds alone, and its Flux Kustomization waits for the
    namespace's own shard (passthrough objects such as Secrets live there)."""
    kubectl = _kubectl()
    apps = build_tree(tmp_path / "apps", {
        "a.yaml": LABELLED.format(name="a", labels="{}"),
        "b.yaml": LABELLED.format(name="b", labels="{group: big}"),
        "c.yaml": LABELLED.format(name="c", labels="{group: big}"),
        "cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cm, namespace: team}\n",
    })  # fmt: skip
    out = tmp_path / "rendered"
    options = ["--shard-label", "group", "--flux-path", "./rendered"]
    done = run("render", str(apps), "-o", str(out), *options)
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load((out / writer.KUSTOMIZATION).read_text())["resources"] == [
        "team",
        "team.big",
    ]
    owners = {}
    for shard in ("team", "team.big"):
        built = subprocess.run([kubectl, "kustomize", str(out / shard)], capture_output=True,
                               text=True, check=False)  # fmt: skip
        assert built.returncode == 0, built.stderr
        owners[shard] = sorted({p.split("/")[0] for p in yaml.safe_load(
            (out / shard / writer.KUSTOMIZATION).read_text())["resources"]})  # fmt: skip
        assert len(list(yaml.safe_load_all(built.stdout))) == len(
            yaml.safe_load((out / shard / writer.KUSTOMIZATION).read_text())["resources"]
        )
    assert owners == {"team": ["_passthrough", "a"], "team.big": ["b", "c"]}
    big = yaml.safe_load((out / "_flux" / "team.big.yaml").read_text())
    assert big["spec"]["dependsOn"] == [{"name": "rendered-team"}]
    assert run("check", str(apps), "-o", str(out), *options).returncode == 0
    assert run("check", str(apps), "-o", str(out), "--flux-path", "./rendered").returncode == 1
    (apps / "c.yaml").write_text(LABELLED.format(name="c", labels="{group: Big}"))
    done = run("render", str(apps), "-o", str(out), *options)
    assert done.returncode == 2
    assert "cannot be a folder name (shard 'team.Big')" in done.stderr
