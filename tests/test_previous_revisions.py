"""Previous renders are read only for canaries, and only in the files the index names for them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import build_tree
from test_rendered_folder import run

from generator import inputset, rendered_index, writer
from generator.errors import Source
from generator.load import Loaded
from generator.output import Rendered

ISVC = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: {name}, namespace: team{labels}}}
spec:
  predictor:
{canary}    sklearn: {{storageUri: "gs://bucket/{name}/{version}"}}
"""
CANARY = "    canaryTrafficPercent: 10\n"


def repo(root: Path, version: int, canary: str = "", labels: str = "") -> Path:
    files = {
        f"{name}.yaml": ISVC.format(
            name=name, version=version, labels=labels, canary=canary if name == "iris" else ""
        )
        for name in ("iris", "wine", "digits")
    }
    return build_tree(root, files)


def ksvc(out: Path, name: str, shard: str = "team") -> dict[str, Any]:
    path = out / f"{shard}/{name}/service.serving.knative.dev-{name}-predictor.yaml"
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    return doc


def test_only_the_canarys_previous_file_is_read(tmp_path: Path) -> None:
    """Other rendered files are not parsed: one broken by hand no longer stops `render -o`
    (it is rewritten), and the canary still splits with its previous revision."""
    apps, out = tmp_path / "apps", tmp_path / "out"
    repo(apps, 1)
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    v1 = ksvc(out, "iris")["spec"]["template"]["metadata"]["name"]
    broken = out / "team/wine/service.serving.knative.dev-wine-predictor.yaml"
    broken.write_text("spec: [unclosed\n")
    repo(apps, 2, CANARY)
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    traffic = ksvc(out, "iris")["spec"]["traffic"]
    assert traffic[1] == {"latestRevision": False, "percent": 90, "revisionName": v1, "tag": "prev"}
    assert yaml.safe_load(broken.read_text())["kind"] == "Service"


def test_a_broken_previous_file_of_a_canary_is_still_reported(tmp_path: Path) -> None:
    apps, out = tmp_path / "apps", tmp_path / "out"
    repo(apps, 1)
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    broken = out / "team/iris/service.serving.knative.dev-iris-predictor.yaml"
    broken.write_text("spec: [unclosed\n")
    repo(apps, 2, CANARY)
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 2
    assert str(broken) in done.stderr


def test_the_previous_revision_is_found_in_a_label_shard(tmp_path: Path) -> None:
    """The index names the file wherever the previous render put it (here `team.big/`)."""
    apps, out = tmp_path / "apps", tmp_path / "out"
    repo(apps, 1, labels=", labels: {group: big}")
    done = run("render", str(apps), "-o", str(out), "--shard-label", "group")
    assert done.returncode == 0, done.stderr
    v1 = ksvc(out, "iris", "team.big")["spec"]["template"]["metadata"]["name"]
    repo(apps, 2, CANARY)  # the label is gone: the new render goes to `team/`
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    assert ksvc(out, "iris")["spec"]["traffic"][1]["revisionName"] == v1


def test_same_revisions_as_reading_every_file(tmp_path: Path) -> None:
    """For the Services asked for, the folder gives what parsing all of it gives."""
    apps, out = tmp_path / "apps", tmp_path / "out"
    repo(apps, 1)
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    wanted = {("team", "iris-predictor"), ("team", "wine-predictor"), ("other", "x-predictor")}
    found, problems = inputset.previous_revisions((str(out),), wanted)
    everything = {}
    for path in sorted(out.rglob("service.serving.knative.dev-*.yaml")):
        doc = yaml.safe_load(path.read_text())
        key = (doc["metadata"]["namespace"], doc["metadata"]["name"])
        everything[key] = doc["spec"]["template"]["metadata"]["name"]
    assert problems == []
    assert found == {k: v for k, v in everything.items() if k in wanted}
    assert len(found) == 2
    assert inputset.previous_revisions((str(out),), set()) == ({}, [])


def test_canary_services_names_each_component_that_asks() -> None:
    def admitted(name: str, spec: Any) -> Loaded:
        isvc = {"metadata": {"name": name, "namespace": "ns"}, "spec": spec}
        return Loaded(isvc, Source("in.yaml"))

    found = inputset.canary_services([
        admitted("a", {"predictor": {"canaryTrafficPercent": 0}, "transformer": {}}),
        admitted("b", {"predictor": {"name": "p"}, "explainer": {"canaryTrafficPercent": 5}}),
        admitted("c", {"predictor": {"name": "p", "canaryTrafficPercent": 5},
                       "transformer": {"canaryTrafficPercent": 5}}),
        admitted("d", {"predictor": {}}),
        admitted("e", ["not", "a", "mapping"]),
        admitted("f", {"predictor": [], "transformer": {"canaryTrafficPercent": None}}),
    ])  # fmt: skip
    assert found == {("ns", "a-predictor"), ("ns", "b-explainer"), ("ns", "c-p-predictor"),
                     ("ns", "c-transformer")}  # fmt: skip


@pytest.mark.parametrize("name", ["iris-predictor", "m" * 253])
@pytest.mark.parametrize("shard", [None, "ns.big"])
def test_files_of_finds_what_the_writer_wrote(name: str, shard: str | None) -> None:
    obj = {"apiVersion": "serving.knative.dev/v1", "kind": "Service",
           "metadata": {"name": name, "namespace": "ns"}}  # fmt: skip
    rel = writer.relative_path(Rendered(obj, "iris", Source("in.yaml")), shard)
    assert isinstance(rel, str)
    other = "ns/_passthrough/service-iris-predictor.yaml"
    index = rendered_index.Index({rel: {}, other: {}}, frozenset())
    assert rendered_index.files_of(index, inputset.KNATIVE_SERVICE, {("ns", name)}) == [rel]
    assert rendered_index.files_of(index, inputset.KNATIVE_SERVICE, {("nt", name)}) == []
