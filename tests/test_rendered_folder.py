"""The rendered folder in everyday trouble (issue 13): leftovers of killed runs, a symlinked
folder, a hand-edited index, files deleted by hand, a person's own things, long names, an index
from before shards. Read-only folders and parallel renders: test_rendered_folder_access.py."""

from __future__ import annotations

import io
import json
import os
import shutil
import stat
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path
from typing import NamedTuple

import pytest
import yaml
from helpers import build_tree, read_indexes, write_one_index
from test_writer import consistent

from generator import cli, writer

SECRET = "apiVersion: v1\nkind: Secret\nmetadata: {name: s3, namespace: team}\n" \
         "stringData: {token: do-not-print-me}\n"  # fmt: skip


class Done(NamedTuple):
    returncode: int
    stdout: str
    stderr: str


def run(*args: str) -> Done:
    """The CLI in this process (as `kserve-gitops ARGS` exits and prints): no interpreter start
    per case, which matters for the dozens of cases here."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            cli.main(list(args))
            code = 0
        except SystemExit as exited:
            code = int(exited.code or 0)
    return Done(code, out.getvalue(), err.getvalue())


def configmaps(root: Path, names: list[str], namespace: str = "team", version: int = 1) -> Path:
    docs = [f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {n}, namespace: {namespace}}}\n"
            f"data: {{v: '{version}'}}\n" for n in names]  # fmt: skip
    build_tree(root, {"all.yaml": "---\n".join(docs)})
    return root


def snapshot(root: Path) -> dict[str, bytes | str]:
    """Every entry under root: file bytes, symlink targets, folders (with their modes)."""
    found: dict[str, bytes | str] = {}
    for path in sorted(root.rglob("*")):
        rel = path.relative_to(root).as_posix()
        if path.is_symlink():
            found[rel] = f"-> {path.readlink()}"
        elif path.is_dir():
            found[rel] = f"dir {stat.S_IMODE(path.stat().st_mode):o}"
        elif path.is_fifo():
            found[rel] = "fifo"
        else:
            found[rel] = path.read_bytes()
    return found


@pytest.fixture(scope="module")
def rendered_once(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("rendered")
    apps = configmaps(base / "apps", ["a", "b"])
    done = run("render", str(apps), "-o", str(base / "out"))
    assert done.returncode == 0, done.stderr
    return base


@pytest.fixture
def rendered(rendered_once: Path, tmp_path: Path) -> tuple[Path, Path]:
    """(inputs, DIR) with DIR rendered from two ConfigMaps in namespace `team` (a copy)."""
    work = shutil.copytree(rendered_once, tmp_path / "w", symlinks=True)
    return work / "apps", work / "out"


# --- 2. recovery ------------------------------------------------------------------------------


@pytest.mark.parametrize("as_file", [False, True])
def test_leftovers_of_a_killed_run_are_cleaned(rendered: tuple[Path, Path], as_file: bool) -> None:
    apps, out = rendered
    before = consistent(out)
    for leftover in (".out.kserve-gitops-new", ".out.kserve-gitops-old"):
        path = out.parent / leftover
        if as_file:
            path.write_text("junk\n")
        else:
            build_tree(path, {"team/half-written.yaml": "kind: ConfigMap\n"})
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "removed the leftover of an interrupted render" in done.stderr
    assert sorted(p.name for p in out.parent.iterdir()) == ["apps", "out"]
    assert consistent(out) == before


def test_an_interrupted_two_rename_swap_is_rolled_back(rendered: tuple[Path, Path]) -> None:
    apps, out = rendered
    before = snapshot(out)
    out.rename(out.parent / ".out.kserve-gitops-old")  # killed between the two renames
    done = run("diff", str(apps), "-o", str(out))  # read-only commands leave it alone
    assert done.returncode == 1
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert snapshot(out) == before
    assert not (out.parent / ".out.kserve-gitops-old").exists()


def test_a_symlinked_dir_is_written_through(tmp_path: Path) -> None:
    apps = configmaps(tmp_path / "apps", ["a", "b"])
    target = tmp_path / "real" / "rendered"
    target.mkdir(parents=True)
    link = tmp_path / "out"
    link.symlink_to(target)
    for version in (1, 2):
        configmaps(apps, ["a", "b"], version=version)
        done = run("render", str(apps), "-o", str(link))
        assert done.returncode == 0, done.stderr
        assert link.is_symlink() and link.resolve() == target.resolve()
        assert f'v: "{version}"' in (target / "team/_passthrough/configmap-a.yaml").read_text()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["apps", "out", "real"]
    assert sorted(p.name for p in (tmp_path / "real").iterdir()) == ["rendered"]
    assert run("check", str(apps), "-o", str(link)).returncode == 0
    assert run("diff", str(apps), "-o", str(link)).returncode == 0
    consistent(target)


# --- 3. the index cannot be turned against the user ------------------------------------------


def _entry(index: dict[str, object], rel: str) -> None:
    files = index["files"]
    assert isinstance(files, dict)
    files[rel] = {"sha256": "0" * 64, "source": "../apps/all.yaml"}


BAD_INDEXES = {
    "parent": lambda i: _entry(i, "../secret.yaml"),
    "inner-parent": lambda i: _entry(i, "team/../../secret.yaml"),
    "absolute": lambda i: _entry(i, "/etc/passwd"),
    "device": lambda i: _entry(i, "/dev/zero"),
    "symlink-out": lambda i: _entry(i, "team/link.yaml"),
    "symlinked-folder": lambda i: _entry(i, "elsewhere/secret.yaml"),
    "folder": lambda i: _entry(i, "team/_passthrough"),
    "not-a-list": lambda i: i.update(kustomizations="kustomization.yaml"),
    "bad-kustomization": lambda i: i.update(kustomizations=["../secret.yaml"]),
    "no-hash": lambda i: i["files"].update({"team/x.yaml": {"source": "x"}}),  # type: ignore[union-attr]
    "version": lambda i: i.update(version=99),
    "files-list": lambda i: i.update(files=[]),
}


def assert_refused_naming(
    index_path: Path, tmp_path: Path, command: str, apps: Path, out: Path
) -> None:
    """`command` exits 2 with one line naming the invalid index file, prints nothing of the
    Secret beside DIR and touches nothing outside DIR."""
    before = snapshot(tmp_path)
    done = run(command, str(apps), "-o", str(out))
    assert done.returncode == 2, done.stdout + done.stderr
    assert done.stdout == ""
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"{index_path}: invalid index: "), line
    assert "do-not-print-me" not in done.stderr
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", [*BAD_INDEXES, "not-json", "index-symlink"])
@pytest.mark.parametrize("command", ["render", "diff", "check"])
def test_an_invalid_index_is_one_exit_2_and_nothing_outside_is_touched(
    rendered: tuple[Path, Path], tmp_path: Path, case: str, command: str
) -> None:
    apps, out = rendered
    (tmp_path / "secret.yaml").write_text(SECRET)
    (out / "team/link.yaml").symlink_to(tmp_path / "secret.yaml")
    (out / "elsewhere").symlink_to(tmp_path)
    index_path = out / writer.INDEX_NAME
    if case == "not-json":
        index_path.write_text('{"files": {')
    elif case == "index-symlink":
        index_path.unlink()
        index_path.symlink_to("/dev/zero")
    else:
        index = json.loads(index_path.read_text())
        BAD_INDEXES[case](index)
        index_path.write_text(json.dumps(index))
    assert_refused_naming(index_path, tmp_path, command, apps, out)


# Each shard has an index of its own (version 3): checked as strictly as DIR's, and named.
BAD_SHARD_INDEXES = {
    "shard-parent": lambda i: _entry(i, "../secret.yaml"),
    "shard-outside": lambda i: _entry(i, "other/x.yaml"),
    "shard-symlink-out": lambda i: _entry(i, "team/link.yaml"),
    "shard-own-shards": lambda i: i.update(shards=[]),
    "shard-version": lambda i: i.update(version=2),
    "shard-kustomization-outside": lambda i: i.update(kustomizations=["kustomization.yaml"]),
}


@pytest.mark.parametrize("case", [*BAD_SHARD_INDEXES, "shard-missing", "shard-symlink"])
@pytest.mark.parametrize("command", ["render", "diff", "check"])
def test_an_invalid_shard_index_is_one_exit_2_naming_it(
    rendered: tuple[Path, Path], tmp_path: Path, case: str, command: str
) -> None:
    apps, out = rendered
    (tmp_path / "secret.yaml").write_text(SECRET)
    (out / "team/link.yaml").symlink_to(tmp_path / "secret.yaml")
    index_path = out / "team" / writer.INDEX_NAME
    if case == "shard-missing":
        index_path.unlink()
    elif case == "shard-symlink":
        index_path.unlink()
        index_path.symlink_to("/dev/zero")
    else:
        index = json.loads(index_path.read_text())
        BAD_SHARD_INDEXES[case](index)
        index_path.write_text(json.dumps(index))
    assert_refused_naming(index_path, tmp_path, command, apps, out)


@pytest.mark.parametrize("shard", ["elsewhere", "..", "_flux", "a/b", ""])
def test_a_shard_name_that_leaves_dir_makes_dirs_index_invalid(
    rendered: tuple[Path, Path], tmp_path: Path, shard: str
) -> None:
    apps, out = rendered
    (out / "elsewhere").symlink_to(tmp_path)
    (tmp_path / writer.INDEX_NAME).write_text('{"version": 3, "files": {}, "kustomizations": []}')
    index_path = out / writer.INDEX_NAME
    index = json.loads(index_path.read_text())
    index["shards"].append(shard)
    index_path.write_text(json.dumps(index))
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(f"{index_path}: invalid index: "), line


def test_a_shard_folder_deleted_by_hand_is_written_again(rendered: tuple[Path, Path]) -> None:
    apps, out = rendered
    before = consistent(out)
    shutil.rmtree(out / "team")
    assert run("check", str(apps), "-o", str(out)).returncode == 1
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert consistent(out) == before


# --- 4. files deleted or changed by hand ------------------------------------------------------


def test_a_file_deleted_by_hand_shows_as_added_and_is_written_again(
    rendered: tuple[Path, Path],
) -> None:
    apps, out = rendered
    before = consistent(out)
    gone = "team/_passthrough/configmap-a.yaml"
    (out / gone).unlink()
    (out / "team/_passthrough/configmap-b.yaml").write_text("kind: ConfigMap\n")
    done = run("diff", str(apps), "-o", str(out), "--no-color")
    assert done.returncode == 1, done.stderr
    headers = [line for line in done.stdout.splitlines() if line.startswith(("added", "changed"))]
    assert headers == [
        f"added: {gone} (ConfigMap team/a)",
        "changed: team/_passthrough/configmap-b.yaml (ConfigMap team/b)",
    ]
    done = run("check", str(apps), "-o", str(out))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        f"stale: {out}/{gone}",
        f"stale: {out}/team/_passthrough/configmap-b.yaml",
    ]
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "2 written, 0 unchanged" in done.stderr
    assert consistent(out) == before


# --- 5. a person's things are theirs -----------------------------------------------------------


def test_a_persons_files_links_folders_and_modes_survive_and_are_reported_once(
    rendered: tuple[Path, Path], tmp_path: Path
) -> None:
    apps, out = rendered
    build_tree(out, {"team/notes.yaml": "kind: Notes\n", "mine/a.yaml": "a\n",
                     "mine/deep/b.txt": "b\n"})  # fmt: skip
    (out / "team/link-to-notes").symlink_to("notes.yaml")
    (out / "docs-link").symlink_to(apps)
    (out / "empty").mkdir()
    (out / "team/_passthrough/scratch").mkdir()
    (out / "team").chmod(0o700)
    out.chmod(0o750)
    (out / "mine/a.yaml").chmod(0o600)
    theirs = {
        k: v
        for k, v in snapshot(out).items()
        if not k.startswith("team/_passthrough/c") and not k.endswith(writer.INDEX_NAME)
    }
    configmaps(apps, ["a", "c"])  # b is pruned, c is new
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    after = snapshot(out)
    for rel, value in theirs.items():
        if rel.endswith("kustomization.yaml"):
            continue
        assert after.get(rel) == value, rel
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    left = sorted(line.rpartition(f"{out}/")[2] for line in done.stderr.splitlines()
                  if line.startswith("left alone"))  # fmt: skip
    assert left == ["docs-link", "empty/", "mine/", "team/_passthrough/scratch/",
                    "team/link-to-notes", "team/notes.yaml"]  # fmt: skip
    assert "4 left alone" not in done.stderr and "6 left alone" in done.stderr
    assert yaml.safe_load((out / "team/kustomization.yaml").read_text())["resources"] == [
        "_passthrough/configmap-a.yaml",
        "_passthrough/configmap-c.yaml",
    ]
    assert yaml.safe_load((out / "kustomization.yaml").read_text())["resources"] == ["team"]
    kubectl = shutil.which("kubectl")
    if kubectl:
        built = subprocess.run([kubectl, "kustomize", str(out)], capture_output=True, text=True,
                               check=False)  # fmt: skip
        assert built.returncode == 0, built.stderr


ISVC = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: {name}, namespace: team}}
spec:
  predictor:
    model: {{modelFormat: {{name: sklearn}}, storageUri: "gs://b/{name}"}}
"""


@pytest.mark.parametrize("options", [(), ("--no-cache",)])  # the one-shard delta; the whole tree
def test_a_persons_file_outlives_the_inference_service_whose_folder_holds_it(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    """Removing an InferenceService prunes its files, not a person's note beside them: the
    note and its folder (with its mode) stay. The write used to fail with "cannot write: No
    such file or directory", the folder being left out of the new tree."""
    apps, out = tmp_path / "apps", tmp_path / "out"
    build_tree(apps, {f"{n}.yaml": ISVC.format(name=n) for n in ("iris", "wine")})
    assert run("render", str(apps), "-o", str(out), *options).returncode == 0
    (out / "team/wine/NOTES.md").write_text("why wine is served\n")
    (out / "team/wine").chmod(0o750)
    (apps / "wine.yaml").unlink()
    done = run("render", str(apps), "-o", str(out), *options)
    assert done.returncode == 0, done.stderr
    assert " 3 pruned, 1 left alone" in done.stderr
    assert sorted(p.name for p in (out / "team/wine").iterdir()) == ["NOTES.md"]
    assert (out / "team/wine/NOTES.md").read_text() == "why wine is served\n"
    assert stat.S_IMODE((out / "team/wine").stat().st_mode) == 0o750
    assert run("check", str(apps), "-o", str(out), *options).returncode == 0


@pytest.mark.parametrize(
    "mine",
    ["team/kustomization.yaml", "team/_passthrough/configmap-c.yaml", "team/_passthrough"],
)
def test_a_persons_thing_where_we_would_write_is_refused(
    rendered: tuple[Path, Path], tmp_path: Path, mine: str
) -> None:
    apps, out = rendered
    index = read_indexes(out)
    if mine == "team/kustomization.yaml":  # an index from before shards did not own it
        index["version"] = 1
        del index["kustomizations"]
        write_one_index(out, index)
    elif mine == "team/_passthrough":  # a person's symlink where our folder goes
        shutil.rmtree(out / mine)
        del index["files"]["team/_passthrough/configmap-a.yaml"]
        del index["files"]["team/_passthrough/configmap-b.yaml"]
        write_one_index(out, {**index, "version": 2})
        (out / mine).symlink_to(tmp_path)
    else:
        (out / mine).write_text("mine\n")
    configmaps(apps, ["a", "c"])
    before = snapshot(out)
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 2
    assert f"{out}/{mine} exists and was not written by kserve-gitops" in done.stderr
    assert snapshot(out) == before


# --- 6. long names --------------------------------------------------------------------------


def test_a_253_character_name_is_shortened_with_a_hash(tmp_path: Path) -> None:
    long_a, long_b = "a" * 252 + "x", "a" * 252 + "y"
    apps = configmaps(tmp_path / "apps", [long_a, long_b], namespace="n" * 63)
    out = tmp_path / "out"
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    index = read_indexes(out)["files"]
    assert len(index) == 2
    for rel, entry in index.items():
        assert len(Path(rel).name.encode()) <= writer.NAME_MAX
        name = entry["object"].rsplit("/", 1)[1]
        assert entry["object"] == f"v1 ConfigMap {'n' * 63}/{name}"
        assert yaml.safe_load((out / rel).read_text())["metadata"]["name"] == name
    first = snapshot(out)
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    assert snapshot(out) == first
    assert run("check", str(apps), "-o", str(out)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["apps", "out"]


def test_file_names_are_kept_short_and_distinct() -> None:
    stem = "service.serving.knative.dev-" + "m" * 240
    names = {writer.file_name(stem + tail) for tail in ("a" * 13, "b" * 13)}
    assert len(names) == 2 and all(len(n) <= writer.NAME_MAX for n in names)
    assert writer.file_name("configmap-short") == "configmap-short.yaml"
    assert writer.file_name(stem + "a" * 13) == writer.file_name(stem + "a" * 13)


# --- an index from before shards ---------------------------------------------------------------


def test_a_render_over_a_tree_from_before_shards_prunes_and_shards(tmp_path: Path) -> None:
    """Version 1: one kustomization listing every file, no per-shard kustomizations."""
    apps = configmaps(tmp_path / "apps", ["a", "b"])
    out = tmp_path / "out"
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    index = read_indexes(out)
    for rel in index.pop("kustomizations"):
        (out / rel).unlink()
    index["version"] = 1
    write_one_index(out, index)
    (out / writer.KUSTOMIZATION).write_text(writer.kustomization(index["files"]))
    build_tree(out, {"team/mine.yaml": "kind: Mine\n"})
    assert run("check", str(apps), "-o", str(out)).returncode == 1
    configmaps(apps, ["a"])
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "1 pruned, 1 left alone" in done.stderr
    assert sorted(consistent(out)) == ["team/_passthrough/configmap-a.yaml"]
    assert (out / "team/mine.yaml").read_text() == "kind: Mine\n"
    assert json.loads((out / writer.INDEX_NAME).read_text())["version"] == writer.INDEX_VERSION
    assert run("check", str(apps), "-o", str(out)).returncode == 0


def test_a_pipe_in_dir_is_refused_not_a_hang(rendered: tuple[Path, Path]) -> None:
    apps, out = rendered
    os.mkfifo(out / "team" / "pipe")
    before = snapshot(out.parent)
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 2
    assert done.stderr == (
        f"{out}/team/pipe: is not a file, folder or symlink (a pipe, socket or device): "
        "move it away\n"
    )
    assert snapshot(out.parent) == before


# --- an input set that renders nothing --------------------------------------------------------


def test_an_input_set_that_renders_nothing_does_not_empty_dir(rendered: tuple[Path, Path]) -> None:
    """A typo'd or emptied input folder renders no object: writing that would prune every model
    DIR deploys. It is refused (exit 2, nothing written), as Argo CD's automated sync refuses to
    prune everything without allowEmpty, unless --allow-empty says so."""
    apps, out = rendered
    before = snapshot(out)
    for path in apps.iterdir():
        path.unlink()
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines()[-1] == (
        f"{out}: the input set renders no object: writing it would prune all 2 files of the "
        "last render; nothing written (--allow-empty to empty the folder)"
    )
    assert snapshot(out) == before
    emptied = run("render", str(apps), "-o", str(out), "--allow-empty")
    assert emptied.returncode == 0, emptied.stderr
    assert "0 written, 0 unchanged, 2 pruned" in emptied.stderr
    assert read_indexes(out)["files"] == {}
    assert run("render", str(apps), "-o", str(out)).returncode == 0  # nothing left to prune
    assert run("render", str(apps), "-o", str(out.parent / "new")).returncode == 0


def test_check_and_diff_of_an_input_set_that_renders_nothing_say_allow_empty(
    rendered: tuple[Path, Path],
) -> None:
    """`check` and `diff` of an emptied input folder over a previous render report every file
    (exit 1) and say that `render` prunes them only with --allow-empty: the check's fix hint is a
    command that does, where the plain render it gave before was refused (exit 2)."""
    apps, out = rendered
    for path in apps.iterdir():
        path.unlink()
    note = (
        "the input set renders no object: `render` prunes the files of the last render only "
        "with --allow-empty (and refuses otherwise)"
    )
    shown = run("diff", str(apps), "-o", str(out))
    assert shown.returncode == 1, shown.stderr
    assert shown.stdout.count("removed: ") == 2
    assert shown.stderr.splitlines()[-1] == f"note: {note}"
    checked = run("check", str(apps), "-o", str(out))
    assert checked.returncode == 1, checked.stderr
    hint = f"kserve-gitops render --allow-empty -o {out} {apps}"
    assert checked.stderr.splitlines()[-1] == f"{note}; if that is meant, run {hint}"
    assert run(*hint.split()[1:]).returncode == 0
    assert run("check", str(apps), "-o", str(out)).returncode == 0
    after = run("diff", str(apps), "-o", str(out))
    assert (after.returncode, after.stdout) == (0, "")
    assert "--allow-empty" not in after.stderr  # nothing is left to prune
