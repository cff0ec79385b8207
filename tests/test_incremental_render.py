"""`render -o` is incremental (issue 14): unchanged files are neither rewritten nor fsynced, a run
with nothing changed writes nothing, and an incremental render (with the render cache of the
steps before it) is byte-identical to a render from scratch without the cache whatever the
sequence of edits before it."""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_rendered_folder import configmaps, run, snapshot
from test_writer import consistent

from generator import writer

NAMES = ("iris", "wine", "digits", "flowers")
NAMESPACES = ("team-a", "team-b")
ISVC = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: {name}
  namespace: {namespace}
  annotations: {{serving.kserve.io/deploymentMode: {mode}}}
spec:
  predictor:
    minReplicas: {replicas}
{canary}    model:
      modelFormat: {{name: sklearn}}
{runtime}      storageUri: gs://bucket/{name}/{version}
"""
RUNTIME = """apiVersion: serving.kserve.io/v1alpha1
kind: ClusterServingRuntime
metadata: {{name: custom-sklearn}}
spec:
  supportedModelFormats: [{{name: sklearn, version: "1"}}]
  containers:
    - name: kserve-container
      image: example.com/sklearn:{tag}
      args: ["--model_name={{{{.Name}}}}"]
"""

# An InferenceService: (namespace, mode, minReplicas, canary percent or None, custom runtime?,
# model version).
isvcs = st.tuples(
    st.sampled_from(NAMESPACES),
    st.sampled_from(("Serverless", "RawDeployment")),
    st.integers(1, 2),
    st.one_of(st.none(), st.sampled_from((10, 50))),
    st.booleans(),
    st.integers(1, 3),
)
edits = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(NAMES), isvcs),  # add or change
    st.tuples(st.just("remove"), st.sampled_from(NAMES)),
    st.tuples(st.just("runtime"), st.integers(1, 3)),  # change the runtime's image
    st.tuples(st.just("hand-edit"), st.integers(0, 50)),  # a person edits a rendered file
    st.tuples(st.just("hand-delete"), st.integers(0, 50)),  # or deletes one
    st.tuples(st.just("nothing")),
)


def write_repo(apps: Path, repo: dict[str, tuple[object, ...]], tag: int) -> None:
    shutil.rmtree(apps, ignore_errors=True)
    apps.mkdir(parents=True)
    (apps / "runtime.yaml").write_text(RUNTIME.format(tag=tag))
    for name, (namespace, mode, replicas, canary, custom, version) in repo.items():
        text = ISVC.format(
            name=name, namespace=namespace, mode=mode, replicas=replicas, version=version,
            canary=f"    canaryTrafficPercent: {canary}\n" if canary is not None else "",
            runtime="      runtime: custom-sklearn\n" if custom else "",
        )  # fmt: skip
        (apps / f"{name}.yaml").write_text(text)


def rendered_files(out: Path) -> list[Path]:
    return sorted(p for p in out.rglob("*.yaml") if p.is_file())


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edits, min_size=1, max_size=6))
def test_incremental_renders_equal_renders_from_scratch(steps: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        apps, out = base / "apps", base / "inc" / "out"
        repo: dict[str, tuple[object, ...]] = {}
        tag = 1
        for i, edit in enumerate(steps):
            kind = edit[0]
            if kind == "put":
                repo[str(edit[1])] = edit[2]  # type: ignore[assignment]
            elif kind == "remove":
                repo.pop(str(edit[1]), None)
            elif kind == "runtime":
                tag = int(edit[1])  # type: ignore[call-overload]
            elif kind.startswith("hand-") and out.exists():
                files = rendered_files(out)
                target = files[int(edit[1]) % len(files)]  # type: ignore[call-overload]
                if kind == "hand-edit":
                    target.write_text(target.read_text() + "# edited by hand\n")
                else:
                    target.unlink()
            write_repo(apps, repo, tag)
            # The render from scratch gets the same previous render, for canaries.
            previous = base / f"previous-{i}"
            if out.exists():
                shutil.copytree(out, previous, symlinks=True)
            fresh = base / f"fresh-{i}" / "out"
            # ... and no render cache, which the incremental render keeps between steps
            done = run("render", str(apps), "-o", str(fresh), "--previous", str(previous),
                       "--no-cache")  # fmt: skip
            assert done.returncode == 0, done.stderr
            # --allow-empty: an edit sequence may remove every InferenceService (refused
            # without it, test_rendered_folder.py)
            done = run("render", str(apps), "-o", str(out), "--allow-empty")
            assert done.returncode == 0, done.stderr
            assert snapshot(out) == snapshot(fresh), steps[: i + 1]
            assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


def _identities(root: Path) -> dict[str, tuple[int, int]]:
    """(inode, mtime) of every file under root."""
    found = {}
    for path in root.rglob("*"):
        if path.is_file():
            info = path.stat()
            found[path.relative_to(root).as_posix()] = (info.st_ino, info.st_mtime_ns)
    return found


def test_nothing_changed_writes_nothing(tmp_path: Path) -> None:
    apps = configmaps(tmp_path / "apps", ["a", "b", "c"])
    out = tmp_path / "out"
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    before, root_inode = _identities(out), out.stat().st_ino
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "0 written, 3 unchanged, 0 pruned" in done.stderr
    assert _identities(out) == before  # not even the index was rewritten
    assert out.stat().st_ino == root_inode  # no new tree was swapped in


def test_a_change_writes_only_the_changed_file(tmp_path: Path) -> None:
    apps = configmaps(tmp_path / "apps", ["a", "b", "c"])
    out = tmp_path / "out"
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    before = _identities(out)
    configmaps(apps, ["a", "b", "c", "d"])  # d is new; a, b, c stay as they are
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "1 written, 3 unchanged, 0 pruned" in done.stderr
    after = _identities(out)
    kept = [f"team/_passthrough/configmap-{n}.yaml" for n in "abc"]
    assert all(after[rel] == before[rel] for rel in kept)  # the same inodes: hard links
    shard_index = f"team/{writer.INDEX_NAME}"
    assert after[shard_index] != before[shard_index]
    # One shard changed: that folder alone was exchanged, DIR and its index are as they were.
    assert after[writer.INDEX_NAME] == before[writer.INDEX_NAME]
    assert all((out / rel).stat().st_nlink == 1 for rel in after)  # the old shard is gone
    consistent(out)


def test_a_file_edited_by_hand_is_rewritten_not_linked(tmp_path: Path) -> None:
    """An edit in place keeps size and inode: only the bytes tell, and they are read."""
    apps = configmaps(tmp_path / "apps", ["a", "b"])
    out = tmp_path / "out"
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    before = consistent(out)
    path = out / "team/_passthrough/configmap-a.yaml"
    text = path.read_text()
    with path.open("r+") as handle:  # same length, same inode
        handle.write("#" + text[1:])
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "1 written, 1 unchanged" in done.stderr
    assert consistent(out) == before


names = st.text("abc-._/", min_size=1, max_size=12)
text = st.text(max_size=12)  # any characters: quotes, backslashes, non-ASCII


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(names, st.tuples(text, st.one_of(st.none(), text))),
    st.lists(names, unique=True),
)
def test_the_index_is_the_json_encoders_text(
    files: dict[str, tuple[str, str | None]], generated: list[str]
) -> None:
    root = Path("/r/out")
    texts = {rel: content for rel, (content, _) in files.items()}
    # every other file has a source, some shared (the writer relativizes each source once)
    sources = {rel: f"/r/apps/{i % 3}.yaml" for i, rel in enumerate(files) if i % 2 == 0}
    objects = {rel: obj for rel, (_, obj) in files.items() if obj is not None}

    def unit(rel: str) -> str:  # the shard whose index lists rel ("" for DIR's own index)
        shard, slash, _ = rel.partition("/")
        return shard if slash and shard != writer.FLUX_DIR else ""

    shards = sorted({unit(rel) for rel in [*files, *generated]} - {""})
    expected = {
        (f"{shard}/" if shard else "") + writer.INDEX_NAME: {
            "version": writer.INDEX_VERSION,
            "generator": "kserve-gitops",
            "files": {
                rel: {
                    "sha256": writer.sha256(texts[rel]),
                    "source": f"..{sources[rel][2:]}" if rel in sources else None,
                    **({"object": objects[rel]} if rel in objects else {}),
                }
                for rel in files
                if unit(rel) == shard
            },
            "kustomizations": sorted(g for g in generated if unit(g) == shard),
            **({} if shard else {"shards": shards}),
        }
        for shard in ["", *shards]
    }
    data = {rel: content.encode("utf-8") for rel, content in texts.items()}
    found = writer._index_texts(root, data, sources, dict.fromkeys(generated, ""), objects)
    assert found == {
        rel: (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()
        for rel, doc in expected.items()
    }
