"""The record of the last render into a folder (issue 14, generator/run_record.py): a repeat
whose inputs, options and folder are unchanged says exactly what a render would say and writes
nothing; any change at all (an input byte, a file added or removed, an option, the config, the
overlay, the templates, a byte or a file in DIR, a leftover beside it) renders again."""

from __future__ import annotations

import os
import shutil
import stat
from collections.abc import Callable
from pathlib import Path

import pytest
from test_rendered_folder import run, snapshot

from generator import pipeline, run_record

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "gitops-repo"


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example repo, with a cache of its own, as the working directory."""
    root = tmp_path / "repo"
    shutil.copytree(EXAMPLE, root, ignore=shutil.ignore_patterns("rendered"))
    monkeypatch.setenv("KSERVE_GITOPS_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("KSERVE_GITOPS_NO_CACHE", raising=False)
    monkeypatch.delenv("ARGOCD_APP_NAMESPACE", raising=False)
    monkeypatch.chdir(root)
    return root


ARGS = ("render", "apps", "config", "--allow-cluster-scoped", "--explain")


def counted(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts the renders that run (a repeat answered by the record runs none)."""
    calls: list[int] = []
    real = pipeline.run

    def counting(*args: object, **kwargs: object) -> pipeline.Result:
        calls.append(1)
        return real(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "run", counting)
    return calls


def test_a_repeat_says_what_a_render_says_and_writes_nothing(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = run(*ARGS, "-o", "out")
    assert first.returncode == 0, first.stderr
    assert "explain: " in first.stderr  # the messages replayed include the decisions
    before = snapshot(repo / "out")
    calls = counted(monkeypatch)
    repeat = run(*ARGS, "-o", "out")
    full = run(*ARGS, "-o", "out", "--no-cache")  # renders, finds nothing to change
    assert calls == [1]  # only the --no-cache run rendered
    assert repeat == full
    assert "0 written" in repeat.stderr
    assert snapshot(repo / "out") == before


def _append(path: Path, text: str) -> None:
    with path.open("a") as handle:
        handle.write(text)


def _edit_input(repo: Path) -> None:
    path = next((repo / "apps").rglob("*.yaml"))
    text = path.read_text()
    path.write_text(text.replace("name:", "name:", 1)[:-1] + ("\n" if text[-1] != "\n" else " "))


def _same_size_edit_in_dir(repo: Path) -> None:
    path = next(p for p in (repo / "out").rglob("*.yaml") if p.is_file())
    info = path.stat()
    data = bytearray(path.read_bytes())
    data[-2] = ord("x") if data[-2] != ord("x") else ord("y")
    path.write_bytes(bytes(data))
    os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))  # mtime as it was: ctime shows


CHANGES: dict[str, Callable[[Path], object]] = {
    "an input edited": _edit_input,
    "an input added": lambda r: (r / "apps" / "extra.yaml").write_text(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra, namespace: team-a}\n"
    ),
    "an input removed": lambda r: next((r / "apps").rglob("*.yaml")).unlink(),
    "a repo config added": lambda r: (r / "apps" / ".kserve-gitops.yaml").write_text(
        "apiVersion: kserve-gitops.dev/v1alpha1\nkind: RepoConfig\n"
    ),
    "the config edited": lambda r: _append(next((r / "config").rglob("*.yaml")), "\n"),
    "a rendered file edited, mtime kept": _same_size_edit_in_dir,
    "a rendered file removed": lambda r: next((r / "out").rglob("*.yaml")).unlink(),
    "a person's file in DIR": lambda r: (r / "out" / "notes.txt").write_text("mine\n"),
    # What a killed render leaves beside DIR (writer.leftover_paths): a render cleans it up.
    "a staging tree beside DIR": lambda r: (r / ".out.kserve-gitops-new").mkdir(),
    "a backup tree beside DIR": lambda r: (r / ".out.kserve-gitops-old").mkdir(),
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_any_change_renders_again_as_from_scratch(
    repo: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    assert run(*ARGS, "-o", "out").returncode == 0
    CHANGES[change](repo)
    calls = counted(monkeypatch)
    again = run(*ARGS, "-o", "out")
    assert calls == [1], "a changed input set or folder must be rendered"
    fresh = run(*ARGS, "-o", "fresh", "--no-cache")
    assert again.returncode == fresh.returncode, (again.stderr, fresh.stderr)
    if again.returncode == 0:
        assert snapshot(repo / "out") == {
            **snapshot(repo / "fresh"),
            **{k: v for k, v in snapshot(repo / "out").items() if k == "notes.txt"},
        }


@pytest.mark.parametrize(
    "options",
    [
        ("--sync-waves",),
        ("--namespace", "team-z"),
        ("--no-passthrough",),
        ("--previous", "apps"),
        ("--overlay", "staging"),
        ("--config", "config/inferenceservice-config.yaml"),
        ("--flux-path", "./out", "--flux-source", "flux-system/models"),
    ],
)
def test_another_option_renders_again(
    repo: Path, monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...]
) -> None:
    assert run(*ARGS, "-o", "out").returncode == 0
    calls = counted(monkeypatch)
    run(*ARGS, *options, "-o", "out")
    assert calls == [1]


def test_the_argocd_namespace_is_an_input(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(*ARGS, "-o", "out").returncode == 0
    monkeypatch.setenv("ARGOCD_APP_NAMESPACE", "team-z")
    calls = counted(monkeypatch)
    run(*ARGS, "-o", "out")
    assert calls == [1]


def test_an_overlay_or_template_edit_renders_again(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    templates = repo / "templates"
    templates.mkdir()
    args = (*ARGS, "--overlay", "overlays/production", "--templates", str(templates), "-o", "out")
    assert run(*args).returncode == 0
    calls = counted(monkeypatch)
    assert run(*args).returncode == 0
    assert calls == []
    _append(repo / "overlays" / "production" / "overlay.yaml", "\n")
    assert run(*args).returncode == 0
    assert calls == [1]
    (templates / "unused.yaml.j2").write_text("{}\n")
    assert run(*args).returncode == 0
    assert calls == [1, 1]


def test_no_cache_and_a_damaged_record_render(repo: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert run(*ARGS, "-o", "out").returncode == 0
    calls = counted(monkeypatch)
    run(*ARGS, "-o", "out", "--no-cache")
    [record] = (Path(os.environ["KSERVE_GITOPS_CACHE_DIR"]) / "runs").glob("*.json")
    record.write_text('{"key": 1}')
    run(*ARGS, "-o", "out")
    assert calls == [1, 1]
    run(*ARGS, "-o", "out")  # the render rewrote the record
    assert calls == [1, 1]


def test_a_fifo_among_the_inputs_is_never_read_for_the_key(repo: Path) -> None:
    os.mkfifo(repo / "apps" / "pipe.yaml")
    assert run_record.input_state({}, ("apps",), (), None, None) is None
    assert run_record.input_state({}, ("-",), (), None, None) is None


def checkout(folder: Path) -> None:
    """`folder` as a fresh clone or CI job has it: the same names, bytes and modes in new
    inodes, with new times."""
    clone = folder.with_name(f"{folder.name}-clone")
    shutil.copytree(folder, clone, symlinks=True, copy_function=shutil.copyfile)
    for path in [clone, *clone.rglob("*")]:  # copyfile takes the umask's modes: restore ours
        if not path.is_symlink():
            path.chmod(stat.S_IMODE((folder / path.relative_to(clone)).stat().st_mode))
    shutil.rmtree(folder)
    clone.rename(folder)


def test_a_checkout_of_dir_is_known_by_its_content(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert run(*ARGS, "-o", "out").returncode == 0
    checkout(repo / "out")
    reads: list[bool] = []
    real = run_record.same_content

    def reading(*args: object) -> bool:
        reads.append(real(*args))  # type: ignore[arg-type]
        return reads[-1]

    monkeypatch.setattr(run_record, "same_content", reading)
    calls = counted(monkeypatch)
    repeat = run(*ARGS, "-o", "out")
    assert (calls, reads) == ([], [True])
    assert repeat == run(*ARGS, "-o", "out", "--no-cache")
    assert run(*ARGS, "-o", "out") == repeat  # the record knows the new inodes: no read
    assert (calls, reads) == ([1], [True])


def _replace_with_symlink(repo: Path) -> None:
    path = next(p for p in (repo / "out").rglob("*.yaml") if p.is_file())
    target = path.with_suffix(".keep")
    path.rename(target)
    path.symlink_to(target.name)


CHECKOUT_CHANGES: dict[str, Callable[[Path], object]] = {
    "a rendered file edited": _same_size_edit_in_dir,
    "a rendered file's mode": lambda r: next((r / "out").rglob("*.yaml")).chmod(0o600),
    "DIR's mode": lambda r: (r / "out").chmod(0o700),
    "a rendered file removed": lambda r: next((r / "out").rglob("*.yaml")).unlink(),
    "an empty folder in DIR": lambda r: (r / "out" / "team-a" / "empty").mkdir(),
    "a symlink for a file": _replace_with_symlink,
    "a FIFO in DIR": lambda r: os.mkfifo(r / "out" / "team-a" / "pipe"),
    "a person's file in DIR": lambda r: (r / "out" / "notes.txt").write_text("mine\n"),
    "a staging tree beside DIR": lambda r: (r / ".out.kserve-gitops-new").mkdir(),
}


@pytest.mark.parametrize("change", sorted(CHECKOUT_CHANGES))
def test_a_checkout_that_differs_in_any_way_renders_again(
    repo: Path, monkeypatch: pytest.MonkeyPatch, change: str
) -> None:
    assert run(*ARGS, "-o", "out").returncode == 0
    checkout(repo / "out")
    CHECKOUT_CHANGES[change](repo)
    calls = counted(monkeypatch)
    run(*ARGS, "-o", "out")  # a FIFO is refused: exit 2 without writing, as from scratch
    assert calls == [1], change


def test_a_checkout_past_the_read_limit_renders_again(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A DIR with more bytes than a content check reads (here, a person's large file) has no
    content digest: a checkout of it renders in full."""
    (repo / "out").mkdir()
    (repo / "out" / "big.bin").write_bytes(b"x" * 5000)
    monkeypatch.setattr(run_record, "CONTENT_READ_LIMIT", 4096)
    assert run(*ARGS, "-o", "out").returncode == 0
    calls = counted(monkeypatch)
    assert run(*ARGS, "-o", "out").returncode == 0
    assert calls == []  # the folder state still knows it
    checkout(repo / "out")
    assert run(*ARGS, "-o", "out").returncode == 0
    assert calls == [1]


def test_the_folder_state_sees_a_same_size_same_mtime_edit(repo: Path) -> None:
    assert run(*ARGS, "-o", "out").returncode == 0
    before = run_record.folder_state(repo / "out")
    assert before == run_record.folder_state(repo / "out")
    _same_size_edit_in_dir(repo)
    assert run_record.folder_state(repo / "out") != before
    assert run_record.folder_state(repo / "missing") is None
