"""Discovery of input files: the folder walk against os.walk's choices on random trees with
symlinks (to files and folders, inside and outside the input path), hidden entries, our own
output marker and other suffixes; any depth."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st
from trust_helpers import invoke

from generator import load
from generator.errors import Problem

MARKER = load.RENDERED_DIR_MARKER
NAMES = st.sampled_from(("a.yaml", "b.yml", "c.json", "d.txt", ".h.yaml", MARKER, "e.yaml"))
FOLDERS = st.sampled_from(("x", "y", ".git", "z"))


def _reference(paths: list[str]) -> tuple[list[Path], list[Problem]]:
    """The walk as os.walk makes it (the implementation before issue 14's fast discovery):
    every file's real path asked."""
    found: dict[str, Path] = {}
    problems: list[Problem] = []
    for given_path in paths:
        root = Path(given_path)
        inside = os.path.realpath(root)
        for folder, dirs, files in os.walk(root):
            if MARKER in files:
                dirs[:] = []
                continue
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if name.startswith(".") or not name.endswith(load.INPUT_SUFFIXES):
                    continue
                file = Path(folder) / name
                real = os.path.realpath(file)
                if real == inside or real.startswith(inside.rstrip(os.sep) + os.sep):
                    found[file.as_posix()] = file
                else:
                    message = "a symlink to a file outside the input paths; not read"
                    problems.append(Problem(load.Source(file.as_posix()), None, "", message))
    return [found[k] for k in sorted(found)], problems


# A tree: (folder path parts, file name) entries, plus symlinks from a path in the tree to a
# target (another entry, a folder of the tree, or something outside it).
ENTRY = st.tuples(st.lists(FOLDERS, max_size=3), NAMES)
LINK = st.tuples(
    st.lists(FOLDERS, max_size=2),
    st.sampled_from(("l.yaml", "m.yml", "n", ".o.yaml")),
    st.sampled_from(("file-inside", "folder-inside", "outside-file", "outside-folder", "dangling")),
)


def _build(root: Path, entries: list[tuple[list[str], str]], links: list[tuple]) -> Path:  # type: ignore[type-arg]
    repo = root / "repo"
    repo.mkdir()
    outside = root / "outside"
    (outside / "sub").mkdir(parents=True)
    (outside / "secret.yaml").write_text("kind: Secret\n")
    (outside / "sub" / "f.yaml").write_text("kind: X\n")
    for parts, name in entries:
        folder = repo.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        if not (folder / name).exists():
            (folder / name).write_text("kind: X\n")
    targets = {
        "file-inside": next((repo.joinpath(*p, n) for p, n in entries), repo / "none.yaml"),
        "folder-inside": repo.joinpath(*(entries[0][0] if entries else [])),
        "outside-file": outside / "secret.yaml",
        "outside-folder": outside / "sub",
        "dangling": root / "missing.yaml",
    }
    for parts, name, target in links:
        folder = repo.joinpath(*parts)
        folder.mkdir(parents=True, exist_ok=True)
        if not os.path.lexists(folder / name):
            (folder / name).symlink_to(targets[target])
    return repo


@settings(max_examples=150, deadline=None)
@given(st.lists(ENTRY, max_size=12), st.lists(LINK, max_size=4))
def test_the_walk_finds_what_os_walk_finds(entries: list, links: list) -> None:  # type: ignore[type-arg]
    root = Path(tempfile.mkdtemp())
    try:
        repo = _build(root, entries, links)
        for folder in (repo, repo / "x"):
            if folder.is_dir():
                assert load.discover([str(folder)]) == _reference([str(folder)])
    finally:
        shutil.rmtree(root)


def test_a_symlinked_root_is_walked_and_its_files_are_inside(tmp_path: Path) -> None:
    real = tmp_path / "real"
    (real / "sub").mkdir(parents=True)
    (real / "sub" / "a.yaml").write_text("kind: X\n")
    link = tmp_path / "link"
    link.symlink_to(real)
    files, problems = load.discover([str(link)])
    assert files == [link / "sub" / "a.yaml"] and problems == []


ISVC = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: deep, namespace: team-a}
spec:
  predictor:
    model: {modelFormat: {name: sklearn}, storageUri: gs://bucket/model}
"""


def _deep_tree(levels: int) -> list[Path]:
    """root, root/d, root/d/d, …: made one level at a time (mkdir(parents=True) recurses)."""
    folders = [Path(tempfile.mkdtemp())]
    for _ in range(levels):
        folders.append(folders[-1] / "d")
        folders[-1].mkdir()
    return folders


def _remove_deep_tree(folders: list[Path]) -> None:
    """One level at a time: pytest's tmp_path cleanup and shutil.rmtree recurse."""
    for folder in reversed(folders):
        for entry in folder.iterdir():
            if not entry.is_dir() or entry.is_symlink():
                entry.unlink()
        folder.rmdir()


def test_a_deep_repo_renders_checks_and_validates(tmp_path: Path) -> None:
    """Every walk over the input paths (files, repo configs, the run record of -o) takes any
    depth: each ended in a RecursionError (exit 3) on a repo 1,200 folders deep."""
    folders = _deep_tree(1200)
    try:
        (folders[-1] / "isvc.yaml").write_text(ISVC)
        root, out = str(folders[0]), str(tmp_path / "out")
        rendered = invoke("render", root)
        assert rendered.code == 0, rendered.stderr
        assert "name: deep-predictor" in rendered.stdout
        for args in (("render", root, "-o", out), ("render", root, "-o", out),
                     ("check", root, "-o", out), ("validate", root)):  # fmt: skip
            done = invoke(*args)
            assert done.code == 0, (args, done.stderr)
    finally:
        _remove_deep_tree(folders)


def test_any_depth_is_walked_without_recursion() -> None:
    """Deeper than Python's recursion limit (os.walk on 3.11 recurses)."""
    folders = _deep_tree(1200)
    try:
        (folders[-1] / "a.yaml").write_text("kind: X\n")
        files, problems = load.discover([str(folders[0])])
        assert files == [folders[-1] / "a.yaml"] and problems == []
    finally:
        _remove_deep_tree(folders)
