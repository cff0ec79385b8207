"""The rendered directory: layout, kustomization, pruning, a person's files, crash safety."""

from __future__ import annotations

import json
import os
import random
import signal
import stat
import subprocess
import time
from pathlib import Path

import pytest
import yaml
from helpers import build_tree
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli import console_script

from generator import writer
from generator.errors import Invalid, Source
from generator.output import Rendered

SRC = Source("in.yaml", 1)


def _obj(kind: str, name: str, ns: str = "ns", api: str = "v1") -> dict[str, object]:
    meta: dict[str, object] = {"name": name}
    if ns:
        meta["namespace"] = ns
    return {"apiVersion": api, "kind": kind, "metadata": meta}


def consistent(root: Path) -> dict[str, str]:
    """Assert DIR is complete and agrees with its indexes; return path → text of its files.

    Complete: DIR's index names exactly the shard folders, each of which has an index listing
    its own files and kustomization; every indexed file has its hash; the root kustomization
    lists exactly the shard folders and each shard's kustomization exactly the rendered files
    under it."""
    index = json.loads((root / writer.INDEX_NAME).read_text())
    assert index["version"] == 3
    files, kustomizations = dict(index["files"]), list(index["kustomizations"])
    for shard in index["shards"]:
        own = json.loads((root / shard / writer.INDEX_NAME).read_text())
        assert "shards" not in own and own["version"] == 3
        assert all(r.startswith(f"{shard}/") for r in [*own["files"], *own["kustomizations"]])
        files.update(own["files"])
        kustomizations += own["kustomizations"]
    texts = {}
    for rel, meta in files.items():
        text = (root / rel).read_text()
        assert writer.sha256(text) == meta["sha256"], rel
        texts[rel] = text
    shards = sorted({rel.split("/")[0] for rel in texts} - {writer.FLUX_DIR})
    assert index["shards"] == shards
    assert _resources(root) == shards
    listed = [f"{shard}/{r}" for shard in shards for r in _resources(root / shard)]
    assert listed == sorted(r for r in texts if not r.startswith(f"{writer.FLUX_DIR}/"))
    expected = {"kustomization.yaml", *(f"{s}/kustomization.yaml" for s in shards)}
    if any(r.startswith(f"{writer.FLUX_DIR}/") for r in texts):
        expected.add(f"{writer.FLUX_DIR}/kustomization.yaml")
    assert sorted(kustomizations) == sorted(expected)
    return texts


def _resources(folder: Path) -> list[str]:
    resources = yaml.safe_load((folder / writer.KUSTOMIZATION).read_text())["resources"]
    assert isinstance(resources, list)
    return resources


@pytest.mark.parametrize(
    ("item", "path"),
    [
        (Rendered(_obj("Service", "iris-predictor", api="serving.knative.dev/v1"), "iris", SRC),
         "ns/iris/service.serving.knative.dev-iris-predictor.yaml"),
        (Rendered(_obj("Service", "iris"), "iris", SRC), "ns/iris/service-iris.yaml"),
        (Rendered(_obj("Deployment", "d", api="apps/v1"), "iris", SRC),
         "ns/iris/deployment-d.yaml"),
        (Rendered(_obj("ConfigMap", "cm"), "", SRC), "ns/_passthrough/configmap-cm.yaml"),
        (Rendered(_obj("Namespace", "team", ns=""), "", SRC),
         "_cluster/_passthrough/namespace-team.yaml"),
    ],
)  # fmt: skip
def test_relative_path(item: Rendered, path: str) -> None:
    assert writer.relative_path(item) == path


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b", "..", ".hidden", "UPPER", ""])
def test_names_that_would_escape_or_hide_are_refused(name: str) -> None:
    found = writer.relative_path(Rendered(_obj("ConfigMap", name), "", SRC))
    assert isinstance(found, Invalid)


def test_write_prune_and_keep_a_persons_file(tmp_path: Path) -> None:
    root = tmp_path / "rendered"
    first = [Rendered(_obj("ConfigMap", n), "", SRC) for n in ("a", "b")]
    files, sources, problems, _ = writer.plan(first)
    assert problems == []
    report = writer.write_tree(root, files, sources)
    assert report.written == [
        "ns/_passthrough/configmap-a.yaml",
        "ns/_passthrough/configmap-b.yaml",
    ]
    build_tree(root, {"ns/extra.yaml": "apiVersion: v1\nkind: ConfigMap\n", "NOTES.md": "mine\n"})
    assert writer.conflicts(root, files) == []
    files, sources, _, _ = writer.plan(first[:1])
    report = writer.write_tree(root, files, sources)
    assert report.pruned == ["ns/_passthrough/configmap-b.yaml"]
    assert report.kept == ["NOTES.md", "ns/extra.yaml"]
    assert report.unchanged == 1
    assert (root / "NOTES.md").read_text() == "mine\n"
    assert not (root / "ns/_passthrough/configmap-b.yaml").exists()
    texts = consistent(root)
    assert list(texts) == ["ns/_passthrough/configmap-a.yaml"]
    # A person's manifest is theirs to deploy (issue 13): never listed by our kustomizations.
    assert _resources(root / "ns") == ["_passthrough/configmap-a.yaml"]


def test_a_persons_file_in_the_way_is_a_conflict(tmp_path: Path) -> None:
    root = tmp_path / "rendered"
    build_tree(root, {"ns/_passthrough/configmap-a.yaml": "mine\n"})
    files = writer.plan([Rendered(_obj("ConfigMap", "a"), "", SRC)]).files
    assert writer.conflicts(root, files) == ["ns/_passthrough/configmap-a.yaml"]


def test_conflicts_through_a_symlinked_folder_name_the_link_and_what_lies_behind_it(
    tmp_path: Path,
) -> None:
    # The listing does not go below a symlink; what it leads to is still found in the way.
    root, elsewhere = tmp_path / "rendered", tmp_path / "elsewhere"
    build_tree(elsewhere, {"_passthrough/configmap-a.yaml": "theirs\n", "kustomization.yaml": "x"})
    root.mkdir()
    (root / "ns").symlink_to(elsewhere)
    (root / "_cluster").write_text("a file where a folder goes\n")
    items = [
        Rendered(_obj("ConfigMap", "a"), "", SRC),
        Rendered(_obj("Namespace", "b", ns=""), "", SRC),
    ]
    files = writer.plan(items).files
    found = [
        "_cluster",
        "ns",
        "ns/_passthrough/configmap-a.yaml",
        "ns/kustomization.yaml",
    ]
    assert writer.conflicts(root, files) == found
    assert writer.conflicts(root, files, writer.look(root)) == found


STEPS = ["staging-created", "files-written", "staging-complete", "swapped"]


@pytest.mark.parametrize("one_shard", [True, False])
@pytest.mark.parametrize("step", STEPS)
def test_a_crash_at_any_step_leaves_old_or_new(tmp_path: Path, step: str, one_shard: bool) -> None:
    """Both ways of writing: a change inside one shard exchanges that shard folder; a change
    of the shards (here `other` is gone) exchanges the whole tree."""
    root = tmp_path / "rendered"
    old = [Rendered(_obj("ConfigMap", n), "", SRC) for n in ("a", "b")]
    if not one_shard:
        old.append(Rendered(_obj("ConfigMap", "x", ns="other"), "", SRC))
    writer.write_tree(root, *writer.plan(old)[:2])
    before = consistent(root)
    inode = root.stat().st_ino

    class Crash(Exception):
        pass

    def crash(at: str) -> None:
        if at == step:
            raise Crash

    new = [Rendered(_obj("ConfigMap", n), "", SRC) for n in ("b", "c")]
    files, sources, _, _ = writer.plan(new)
    with pytest.raises(Crash):
        writer.write_tree(root, files, sources, crash=crash)
    after = consistent(root)
    assert after in (before, files)
    writer.write_tree(root, files, sources)  # the next run cleans up and completes
    assert consistent(root) == files
    assert (root.stat().st_ino == inode) is one_shard


def _corpus(root: Path, version: int, one_shard: bool = False) -> None:
    """ConfigMaps in 7 namespaces; version 2 changes all of them, or with `one_shard` only
    those of namespace ns-0 (then only that shard folder is exchanged)."""
    docs = []
    for i in range(300 + (0 if one_shard else 50 * version)):
        changed = not one_shard or i % 7 == 0
        docs.append(
            f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: cm-{i}, namespace: ns-{i % 7}}}\n"
            f"data: {{v: '{version if changed else 0}'}}\n"
        )
    build_tree(root, {"all.yaml": "---\n".join(docs)})


@pytest.mark.parametrize("one_shard", [False, True])
def test_sigkill_at_random_moments_never_leaves_a_broken_directory(
    tmp_path: Path, one_shard: bool
) -> None:
    """50 renders killed at random points: DIR is always the old or the new render."""
    out = tmp_path / "out"

    def source(version: int) -> Path:
        # One shard's change comes from the same input file (its path is in every shard's
        # index); the change of every shard from two folders.
        src = tmp_path / ("src" if one_shard else f"v{version}")
        _corpus(src, version, one_shard)
        return src

    renders, inodes = [], []
    for version in (1, 2):
        done = subprocess.run(
            [console_script(), "render", str(source(version)), "-o", str(out)],
            capture_output=True,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        renders.append(consistent(out))
        inodes.append(out.stat().st_ino)
    assert (inodes[0] == inodes[1]) is one_shard  # one shard: only its folder was exchanged
    started = time.monotonic()
    subprocess.run([console_script(), "render", str(source(1)), "-o", str(out)], check=True)
    duration = time.monotonic() - started
    rng = random.Random(1234)
    for attempt in range(50):
        proc = subprocess.Popen(
            [console_script(), "render", str(source(2 if attempt % 2 else 1)), "-o", str(out)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        time.sleep(rng.uniform(0.0, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert consistent(out) in renders


def test_fault_injection_env_var_kills_at_the_named_step(tmp_path: Path) -> None:
    src, out = tmp_path / "src", tmp_path / "out"
    _corpus(src, 1)
    subprocess.run([console_script(), "render", str(src), "-o", str(out)], check=True)
    before = consistent(out)
    _corpus(src, 2)
    subprocess.run([console_script(), "render", str(src), "-o", str(tmp_path / "new")], check=True)
    after = consistent(tmp_path / "new")
    for step in STEPS:
        env = {**os.environ, "KSERVE_GITOPS_CRASH_AT": step}
        done = subprocess.run(
            [console_script(), "render", str(src), "-o", str(out)], env=env, check=False
        )
        assert done.returncode == 86
        assert consistent(out) in (before, after)
    subprocess.run([console_script(), "render", str(src), "-o", str(out)], check=True)
    assert consistent(out) == after != before


def test_a_failed_write_leaves_dir_untouched_and_nothing_beside_it(tmp_path: Path) -> None:
    """E.g. a file name the file system refuses: the error propagates, the staging tree goes."""
    root = tmp_path / "rendered"
    writer.write_tree(root, *writer.plan([Rendered(_obj("ConfigMap", "a"), "", SRC)])[:2])
    before = consistent(root)
    too_long = "ns/_passthrough/" + "x" * 300 + ".yaml"
    with pytest.raises(OSError):
        writer.write_tree(root, {too_long: "kind: ConfigMap\n"}, {too_long: "in.yaml"})
    assert consistent(root) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rendered"]


def _tree(root: Path) -> dict[str, bytes | int]:
    """Every file's bytes and every folder's permission bits under root."""
    return {
        p.relative_to(root).as_posix(): p.read_bytes() if p.is_file() else p.stat().st_mode
        for p in sorted(root.rglob("*"))
    }


def _many(count: int, version: int) -> list[Rendered]:
    """ConfigMaps in 9 namespaces, each owned by an InferenceService of its own folder."""
    return [
        Rendered(
            {**_obj("ConfigMap", f"cm-{i}", ns=f"ns-{i % 9}"), "data": {"v": str(version)}},
            f"isvc-{i}",
            SRC,
        )
        for i in range(count)
    ]


def test_threads_fill_the_tree_as_one_thread_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above _THREADED_FILES the folders are filled by a thread each; the tree, its modes and
    the incremental links are the same as one thread makes."""
    assert writer._THREADED_FILES <= 1200
    trees = []
    for threshold in (writer._THREADED_FILES, 10**9):
        monkeypatch.setattr(writer, "_THREADED_FILES", threshold)
        root = tmp_path / f"t{threshold}" / "rendered"
        writer.write_tree(root, *writer.plan(_many(1200, 1))[:2])
        (root / "ns-3").chmod(0o700)
        linked = root / "ns-4/isvc-4/configmap-cm-4.yaml"
        files, sources = writer.plan(_many(1300, 1))[:2]
        files = {**files, "ns-5/isvc-5/configmap-cm-5.yaml": "changed\n"}
        inode = linked.stat().st_ino
        writer.write_tree(root, files, sources)
        assert linked.stat().st_ino == inode  # unchanged: hard-linked into the new tree
        assert stat.S_IMODE((root / "ns-3").stat().st_mode) == 0o700
        trees.append(_tree(root))
    assert trees[0] == trees[1]


def test_a_failed_threaded_write_leaves_dir_untouched_and_nothing_beside_it(
    tmp_path: Path,
) -> None:
    root = tmp_path / "rendered"
    writer.write_tree(root, *writer.plan(_many(1200, 1))[:2])
    before = consistent(root)
    files, sources = writer.plan(_many(1200, 2))[:2]
    too_long = "ns-2/_passthrough/" + "x" * 300 + ".yaml"
    with pytest.raises(OSError):
        writer.write_tree(root, {**files, too_long: "kind: ConfigMap\n"}, sources)
    assert consistent(root) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["rendered"]


def _flushes(monkeypatch: pytest.MonkeyPatch, syncfs_works: bool) -> list[tuple[str, str]]:
    """Record, in order, each syncfs/fsync and the swap, with the path each one got."""
    calls: list[tuple[str, str]] = []
    real_fsync, real_swap = os.fsync, writer._swap

    def syncfs(folder: Path) -> bool:
        calls.append(("syncfs", folder.name))
        return syncfs_works

    def fsync(fd: int) -> None:
        calls.append(("fsync", Path(f"/proc/self/fd/{fd}").readlink().name))
        real_fsync(fd)

    def swap(staging: Path, root: Path, step: writer.CrashHook) -> None:
        calls.append(("swap", root.name))
        real_swap(staging, root, step)

    def exchange(a: Path, b: Path) -> bool:
        calls.append(("exchange", b.name))
        return real_exchange(a, b)

    real_exchange = writer._rename_exchange
    monkeypatch.setattr(writer, "_syncfs", syncfs)
    monkeypatch.setattr(writer.os, "fsync", fsync)
    monkeypatch.setattr(writer, "_swap", swap)
    monkeypatch.setattr(writer, "_rename_exchange", exchange)
    return calls


def test_a_few_new_files_and_the_folders_are_fsynced_each_before_the_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # One syncfs would also wait for every other dirty byte of the filesystem.
    calls = _flushes(monkeypatch, syncfs_works=True)
    root = tmp_path / "rendered"
    writer.write_tree(root, *writer.plan([Rendered(_obj("ConfigMap", "a"), "", SRC)])[:2])
    assert calls[-1] == ("swap", "rendered")
    files = ["configmap-a.yaml", *["kustomization.yaml"] * 2, *[writer.INDEX_NAME] * 2]
    folders = [".rendered.kserve-gitops-new", "ns", "_passthrough"]
    assert sorted(calls[:-1]) == sorted(("fsync", name) for name in files + folders)
    # A change inside shard ns: configmap-a is unchanged (hard-linked, not flushed again), but
    # the folder entries of the new shard are.
    calls.clear()
    rendered = [Rendered(_obj("ConfigMap", n), "", SRC) for n in ("a", "b")]
    writer.write_tree(root, *writer.plan(rendered)[:2])
    assert calls[-1] == ("exchange", "ns")
    files = ["configmap-b.yaml", "kustomization.yaml", writer.INDEX_NAME]
    folders = [".rendered.kserve-gitops-new", "_passthrough"]
    assert sorted(calls[:-1]) == sorted(("fsync", name) for name in files + folders)
    consistent(root)


def test_many_new_files_are_flushed_by_one_syncfs_before_the_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer, "_FSYNC_EACH_MAX", 7)  # the first render below flushes 8
    calls = _flushes(monkeypatch, syncfs_works=True)
    root = tmp_path / "rendered"
    writer.write_tree(root, *writer.plan([Rendered(_obj("ConfigMap", "a"), "", SRC)])[:2])
    assert calls == [("syncfs", ".rendered.kserve-gitops-new"), ("swap", "rendered")]


def test_without_syncfs_each_new_file_and_folder_is_fsynced_before_the_swap(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "rendered"
    writer.write_tree(root, *writer.plan([Rendered(_obj("ConfigMap", "a"), "", SRC)])[:2])
    monkeypatch.setattr(writer, "_FSYNC_EACH_MAX", 0)
    calls = _flushes(monkeypatch, syncfs_works=False)
    rendered = [Rendered(_obj("ConfigMap", n), "", SRC) for n in ("a", "b", "c")]
    rendered.append(Rendered(_obj("ConfigMap", "d", ns="other"), "", SRC))
    writer.write_tree(root, *writer.plan(rendered)[:2])
    # A new shard: the whole tree is exchanged; every index is written with it.
    assert calls[0] == ("syncfs", ".rendered.kserve-gitops-new")
    assert calls[-2:] == [("swap", "rendered"), ("exchange", "rendered")]
    files = ["configmap-b.yaml", "configmap-c.yaml", "configmap-d.yaml"]
    files += [*["kustomization.yaml"] * 3, *[writer.INDEX_NAME] * 3]
    folders = [".rendered.kserve-gitops-new", "ns", "other", *["_passthrough"] * 2]
    assert sorted(calls[1:-2]) == sorted(("fsync", name) for name in files + folders)
    consistent(root)


def test_syncfs_flushes_a_real_folder(tmp_path: Path) -> None:
    assert writer._syncfs(tmp_path) is True  # Linux: the call is made and succeeds


_PARTS = st.sampled_from(("a", "b", ".", "..", "", "x y", "é"))


@settings(max_examples=300, deadline=None)
@given(
    st.lists(_PARTS, max_size=4),
    st.sampled_from(("in.yaml", "-", "x.yml")),
    st.sampled_from(("", "/", "//")),
)
def test_the_index_names_each_source_as_relpath_from_dir_would(
    parts: list[str], name: str, lead: str
) -> None:
    """The index resolves each input folder once: the same text as one relpath per file."""
    source = lead + "/".join([*parts, name])
    root = Path("/tmp/rendered-root")
    texts = writer._index_texts(root, {"ns/f.yaml": b"x\n"}, {"ns/f.yaml": source}, {}, {})
    shard_index = json.loads(texts[f"ns/{writer.INDEX_NAME}"])
    assert shard_index["files"]["ns/f.yaml"]["source"] == writer._relative(source, root)
