"""A change to a few InferenceService files renders and writes only those (issue 14,
generator/delta.py), and gives exactly what a render from scratch gives: the same rendered
folder, the same exit code, the same messages, whatever the sequence of edits before it; and
when the change is not one the delta can stand for (a problem, a global input, a new shard, a
name taken twice), the full render runs and says what it always says."""

from __future__ import annotations

import random
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_cli import console_script
from test_incremental_render import ISVC
from test_rendered_folder import run, snapshot
from test_run_record import checkout
from test_writer import STEPS, consistent

from generator import cli, delta, pipeline, writer
from generator.load import KUSTOMIZATION_NOTE

NAMES = ("iris", "wine", "digits", "mnist")
NAMESPACES = ("team-a", "team-b", "team-c")
FILES = ("a.yaml", "b.yaml", "c.yaml", "d.yaml", "e.yaml")
RUNTIME = """apiVersion: serving.kserve.io/v1alpha1
kind: ServingRuntime
metadata: {{name: custom-sklearn, namespace: team-a}}
spec:
  supportedModelFormats: [{{name: sklearn, version: "1", autoSelect: true}}]
  containers:
    - name: kserve-container
      image: example.com/sklearn:{tag}
"""
CONFIGMAP = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: notes, namespace: team-b}\n"

# One InferenceService: name, namespace, mode, minReplicas (-1 is refused), canary, version.
isvcs = st.tuples(
    st.sampled_from(NAMES),
    st.sampled_from(NAMESPACES),
    st.sampled_from(("Serverless", "RawDeployment", "ModelMesh")),
    st.sampled_from((1, 2, -1)),
    st.one_of(st.none(), st.just(10)),
    st.integers(1, 3),
)
edits = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(FILES), st.lists(isvcs, min_size=1, max_size=2)),
    st.tuples(st.just("remove"), st.sampled_from(FILES)),
    st.tuples(st.just("mixed"), st.sampled_from(FILES)),  # a ConfigMap joins its isvcs
    st.tuples(st.just("runtime"), st.integers(1, 3)),  # a global input changes
    st.tuples(st.just("hand-edit"), st.integers(0, 50)),  # a person edits a rendered file
    st.tuples(st.just("checkout")),  # DIR as a clone has it: new inodes, the same content
    st.tuples(
        st.just("nothing"),
    ),
)
Files = dict[str, tuple[list[tuple[object, ...]], bool]]  # file → (its isvcs, has a ConfigMap)


def text_of(items: list[tuple[object, ...]], mixed: bool) -> str:
    docs = [
        ISVC.format(
            name=name,
            namespace=namespace,
            mode=mode,
            replicas=replicas,
            version=version,
            canary=f"    canaryTrafficPercent: {canary}\n" if canary is not None else "",
            runtime="",
        )
        for name, namespace, mode, replicas, canary, version in items
    ]
    return "---\n".join(docs + ([CONFIGMAP] if mixed else []))


def write_repo(apps: Path, files: Files, tag: int) -> None:
    """The repo as `files` says; a file whose text is unchanged is not touched."""
    apps.mkdir(parents=True, exist_ok=True)
    wanted = {"runtime.yaml": RUNTIME.format(tag=tag)}
    wanted |= {name: text_of(*content) for name, content in files.items()}
    for path in apps.iterdir():
        if path.name not in wanted:
            path.unlink()
    for name, text in wanted.items():
        path = apps / name
        if not path.exists() or path.read_text() != text:
            path.write_text(text)


@contextmanager
def counting_deltas() -> Iterator[list[bool]]:
    """Whether each render that tried a delta wrote one (True) or rendered in full."""
    seen: list[bool] = []
    real = delta.render_change

    def counted(*args: object, **kwargs: object) -> object:
        done = real(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(done is not None)
        return done

    delta.render_change = counted  # type: ignore[assignment]
    try:
        yield seen
    finally:
        delta.render_change = real


def messages(stderr: str) -> list[str]:
    """What a render said, but for its write report (whose counts depend on DIR before)."""
    return [line for line in stderr.splitlines() if ": " not in line or " written, " not in line]


def render_both(
    base: Path, apps: Path, out: Path, step: int, *options: str
) -> tuple[int, list[str]]:
    """Render from scratch (no cache, the same previous render for canaries) and into `out`
    (whose record allows a delta), both with `options`; assert both agree; return the exit
    code and messages."""
    previous = base / f"previous-{step}"
    if out.exists():
        shutil.copytree(out, previous, symlinks=True)
    fresh = base / f"fresh-{step}" / "out"
    scratch = run("render", str(apps), "-o", str(fresh), "--previous", str(previous),
                  "--no-cache", *options)  # fmt: skip
    before = snapshot(out) if out.exists() else None
    # --allow-empty: an edit sequence may remove every InferenceService, which a render into
    # a previous one refuses without it (test_rendered_folder.py); `fresh` is always empty
    done = run("render", str(apps), "-o", str(out), "--allow-empty", *options)
    assert done.returncode == scratch.returncode, (done.stderr, scratch.stderr)
    assert messages(done.stderr) == messages(scratch.stderr)
    if done.returncode == 0:
        assert snapshot(out) == snapshot(fresh)
        consistent(out)
    else:  # nothing written, nothing pruned
        assert (snapshot(out) if out.exists() else None) == before
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]
    return done.returncode, messages(done.stderr)


@contextmanager
def counting_planned() -> Iterator[list[bool]]:
    """Whether each check or diff that found a record planned from it (True) or rendered."""
    seen: list[bool] = []
    real = delta.planned_files

    def counted(*args: object, **kwargs: object) -> object:
        found = real(*args, **kwargs)  # type: ignore[arg-type]
        seen.append(found is not None)
        return found

    delta.planned_files = counted  # type: ignore[assignment]
    try:
        yield seen
    finally:
        delta.planned_files = real


def check_and_diff_agree(apps: Path, out: Path, *options: str) -> list[bool]:
    """`check` and `diff` into `out` say and exit exactly as they do without the cache (which
    renders everything); returns which of them planned from the record."""
    with counting_planned() as seen:
        for command in ("check", "diff"):
            args = (command, str(apps), "-o", str(out), *options)
            assert run(*args) == run(*args, "--no-cache"), args
    return seen


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(edits, min_size=2, max_size=8))
def test_a_delta_render_equals_a_render_from_scratch(steps: list[tuple[object, ...]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        apps, out = base / "apps", base / "inc" / "out"
        files: Files = {"a.yaml": ([("iris", "team-a", "Serverless", 1, None, 1)], False)}
        tag = 1
        write_repo(apps, files, tag)
        render_both(base, apps, out, -1)
        for i, edit in enumerate(steps):
            kind = edit[0]
            if kind == "put":
                files[str(edit[1])] = (list(edit[2]), False)  # type: ignore[call-overload]
            elif kind == "remove":
                files.pop(str(edit[1]), None)
            elif kind == "mixed" and str(edit[1]) in files:
                files[str(edit[1])] = (files[str(edit[1])][0], True)
            elif kind == "runtime":
                tag = int(edit[1])  # type: ignore[call-overload]
            elif kind == "hand-edit" and out.exists():
                rendered = sorted(p for p in out.rglob("*.yaml") if p.is_file())
                target = rendered[int(edit[1]) % len(rendered)]  # type: ignore[call-overload]
                target.write_text(target.read_text() + "# edited by hand\n")
            elif kind == "checkout" and out.exists():
                checkout(out)
            write_repo(apps, files, tag)
            if out.exists():
                check_and_diff_agree(apps, out)
            render_both(base, apps, out, i)
            check_and_diff_agree(apps, out)


def _repo(base: Path) -> tuple[Path, Path, Files]:
    apps, out = base / "apps", base / "inc" / "out"
    files: Files = {
        f"{name}.yaml": ([(name, namespace, "Serverless", 1, None, 1)], False)
        for name, namespace in (("iris", "team-a"), ("wine", "team-a"), ("digits", "team-b"))
    }
    write_repo(apps, files, 1)
    render_both(base, apps, out, -1)
    return apps, out, files


@pytest.mark.parametrize(
    ("edit", "used", "planned_too"),  # render's delta; check's and diff's plan from the record
    [
        ("an InferenceService edited", True, True),
        ("two in one namespace edited", True, True),
        ("one added to a namespace", True, True),
        ("one removed from a namespace that keeps others", True, True),
        ("one moved to a new namespace", False, True),  # a new shard: the whole tree
        ("one edited in each of two namespaces", True, True),  # two shards: the whole tree
        ("the last of a namespace removed", False, True),  # a shard goes
        ("a name taken twice", False, False),  # the full render names both files
        ("an invalid InferenceService", False, False),  # the full render reports it
        ("a ConfigMap beside an InferenceService", False, False),  # not InferenceServices only
        ("a global input edited", False, False),
    ],
)
def test_which_changes_are_rendered_as_a_delta(
    tmp_path: Path, edit: str, used: bool, planned_too: bool
) -> None:
    apps, out, files = _repo(tmp_path)
    isvc = ("wine", "team-a", "Serverless", 1, None, 2)
    tag = 1
    if edit == "an InferenceService edited":
        files["wine.yaml"] = ([isvc], False)
    elif edit == "two in one namespace edited":
        files["wine.yaml"] = ([isvc], False)
        files["iris.yaml"] = ([("iris", "team-a", "RawDeployment", 2, None, 1)], False)
    elif edit == "one added to a namespace":
        files["new.yaml"] = ([("mnist", "team-b", "Serverless", 1, 10, 1)], False)
    elif edit == "one removed from a namespace that keeps others":
        del files["wine.yaml"]
    elif edit == "one moved to a new namespace":
        files["wine.yaml"] = ([("wine", "team-c", "Serverless", 1, None, 1)], False)
    elif edit == "one edited in each of two namespaces":
        files["wine.yaml"] = ([isvc], False)
        files["digits.yaml"] = ([("digits", "team-b", "Serverless", 1, None, 2)], False)
    elif edit == "the last of a namespace removed":
        del files["digits.yaml"]
    elif edit == "a name taken twice":
        files["new.yaml"] = ([("wine", "team-a", "RawDeployment", 1, None, 1)], False)
    elif edit == "an invalid InferenceService":
        files["wine.yaml"] = ([("wine", "team-a", "Serverless", -1, None, 1)], False)
    elif edit == "a ConfigMap beside an InferenceService":
        files["wine.yaml"] = (files["wine.yaml"][0], True)
    else:
        tag = 2
    write_repo(apps, files, tag)
    planned = check_and_diff_agree(apps, out)
    with counting_deltas() as seen:
        code, _ = render_both(tmp_path, apps, out, 0)
    assert seen == ([True] if used else [False] if seen else []), edit
    assert planned == ([True, True] if planned_too else [False, False]), edit
    if code == 0:  # nothing changed since that render: planned from the record alone
        assert check_and_diff_agree(apps, out) == [True, True]


def test_check_and_diff_repeat_what_the_recorded_render_said(tmp_path: Path) -> None:
    """Nothing changed since a render that printed a note: check and diff plan from the
    record alone, and say the note as that render did."""
    apps, out, _ = _repo(tmp_path)
    (apps / "kustomization.yaml").write_text("resources: []\n")
    rendered = run("render", str(apps), "-o", str(out))
    assert rendered.returncode == 0 and KUSTOMIZATION_NOTE in rendered.stderr, rendered
    assert check_and_diff_agree(apps, out) == [True, True]
    for command in ("check", "diff"):
        done = run(command, str(apps), "-o", str(out))
        assert done.returncode == 0 and KUSTOMIZATION_NOTE in done.stderr, (command, done)


@pytest.mark.parametrize(
    "options",
    [
        ("--flux-path", "./out", "--flux-source", "flux-system/models"),
        ("--sync-waves",),
        ("--namespace", "team-a"),  # InferenceServices without one get it
        ("--no-passthrough",),
    ],
)
def test_a_delta_with_options_equals_a_render_from_scratch(
    tmp_path: Path, options: tuple[str, ...]
) -> None:
    apps, out = tmp_path / "apps", tmp_path / "inc" / "out"
    files: Files = {
        f"{name}.yaml": ([(name, "team-a", mode, 1, None, 1)], False)
        for name, mode in (
            ("iris", "Serverless"),
            ("wine", "RawDeployment"),
            ("mnist", "Serverless"),
        )
    }
    files["digits.yaml"] = ([("digits", "team-b", "Serverless", 1, 10, 1)], False)
    write_repo(apps, files, 1)
    if options[0] == "--namespace":  # no namespace written: --namespace fills it in
        for path in apps.glob("[iwm]*.yaml"):
            path.write_text(path.read_text().replace("  namespace: team-a\n", ""))
    # The first render notes that the canary has no previous render; a repeat does not.
    for step in (0, 1):
        assert render_both(tmp_path, apps, out, step, *options)[0] == 0
    for step, version in enumerate((2, 3, 2), start=2):
        wine = (apps / "wine.yaml").read_text()
        (apps / "wine.yaml").write_text(wine.replace(f"/{version - 1}\n", f"/{version}\n")
                                        .replace(f"/{version + 1}\n", f"/{version}\n"))  # fmt: skip
        assert check_and_diff_agree(apps, out, *options) == [True, True], options
        with counting_deltas() as seen:
            assert render_both(tmp_path, apps, out, step, *options)[0] == 0
        assert seen == [True], options
        assert check_and_diff_agree(apps, out, *options) == [True, True], options
    (apps / "digits.yaml").unlink()  # team-b's shard (and its Flux Kustomization) goes
    assert check_and_diff_agree(apps, out, *options) == [True, True], options


def test_a_git_checkout_of_the_committed_folder_takes_the_delta(tmp_path: Path) -> None:
    """Generate on git push: a CI job checks out the repo, rendered folder included, and
    restores the cache of the run before (the GitHub Action keeps it); a one-file change then
    renders that file alone, and check and diff render only it too. A checkout with a rendered
    file edited renders in full."""
    apps, out, files = _repo(tmp_path)

    def git(*args: str) -> None:
        subprocess.run(["git", "-C", str(tmp_path), "-c", "user.name=ci", "-c",
                        "user.email=ci@example.com", "-c", "commit.gpgsign=false", *args],
                       check=True, capture_output=True)  # fmt: skip

    git("init", "-q")
    for step, hand_edit in enumerate((False, False, True)):
        git("add", "--all", "apps", "inc/out")  # the last render is committed
        git("commit", "-q", "-m", f"rendered {step}")
        shutil.rmtree(out)
        git("checkout", "--", "inc/out")
        if hand_edit:
            target = next(p for p in sorted(out.rglob("*.yaml")) if p.is_file())
            target.write_text(target.read_text() + "# edited by hand\n")
        files["wine.yaml"] = ([("wine", "team-a", "Serverless", 1, None, 2 + step)], False)
        write_repo(apps, files, 1)
        planned = check_and_diff_agree(apps, out)  # mode: check, and the pull request diff
        assert planned == ([] if hand_edit else [True, True])
        with counting_deltas() as seen:
            render_both(tmp_path, apps, out, step)
        assert seen == ([] if hand_edit else [True])


def test_a_delta_render_reads_only_the_changed_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    apps, out, files = _repo(tmp_path)
    files["wine.yaml"] = ([("wine", "team-a", "Serverless", 1, None, 2)], False)
    write_repo(apps, files, 1)
    requests: list[pipeline.Request] = []
    real = pipeline.run

    def recording(request: pipeline.Request, *args: object) -> pipeline.Result:
        requests.append(request)
        return real(request, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(pipeline, "run", recording)
    before = {p: p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    (request,) = requests
    assert request.skip == {f"{apps.as_posix()}/{n}" for n in ("iris.yaml", "digits.yaml")}
    assert request.skipped_documents == 2
    # team-b's shard and DIR's own files were not touched: the same inodes
    untouched = [p for p in before if "team-a" not in p.relative_to(out).parts]
    assert untouched and all(p.stat().st_ino == before[p] for p in untouched)
    assert "1 written, " in done.stderr


def _three_shards(base: Path, *options: str) -> tuple[Path, Path, Files]:
    """A render into DIR of two InferenceServices in each of team-a, team-b and team-c."""
    apps, out = base / "apps", base / "inc" / "out"
    files: Files = {
        f"{name}-{namespace}.yaml": ([(name, namespace, "Serverless", 1, None, 1)], False)
        for name in ("iris", "wine")
        for namespace in NAMESPACES
    }
    write_repo(apps, files, 1)
    render_both(base, apps, out, -1, *options)
    return apps, out, files


@pytest.mark.parametrize(
    "options", [(), ("--flux-path", "./out", "--flux-source", "flux-system/models")]
)
def test_a_change_in_two_shards_rebuilds_the_tree_from_links_reading_no_other_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, options: tuple[str, ...]
) -> None:
    """One InferenceService edited in team-a, one removed from team-b: the delta renders those
    two files alone and exchanges the whole tree (one exchange for both shards), whose other
    files are hard links of DIR's, neither read nor compared; the result is the render from
    scratch."""
    apps, out, files = _three_shards(tmp_path, *options)
    files["wine-team-a.yaml"] = ([("wine", "team-a", "RawDeployment", 1, None, 2)], False)
    del files["iris-team-b.yaml"]
    write_repo(apps, files, 1)
    inodes = {p: p.stat().st_ino for p in out.rglob("*") if p.is_file()}
    folder = out.stat().st_ino
    read: list[str] = []
    real_holds = writer._holds

    def holds(path: Path | str, data: bytes) -> bool:
        read.append(Path(path).relative_to(out).as_posix())
        return real_holds(path, data)

    monkeypatch.setattr(writer, "_holds", holds)
    with counting_deltas() as seen:
        render_both(tmp_path, apps, out, 0, *options)
    assert seen == [True]
    assert out.stat().st_ino != folder  # the whole tree was exchanged
    assert read and all(rel.startswith(("team-a/", "team-b/")) for rel in read), read
    assert not any(rel.startswith("team-a/iris/") for rel in read)  # unchanged: linked
    kept = [
        p for p in inodes if p.relative_to(out).parts[0] in ("team-c", "_flux", writer.INDEX_NAME)
    ]
    kept += [out / "kustomization.yaml", *(out / "team-a/iris").iterdir()]
    assert len(kept) > 6 and all(p.stat().st_ino == inodes[p] for p in kept)
    assert not (out / "team-b/iris").exists()


@pytest.mark.parametrize("step", STEPS)
def test_a_two_shard_delta_killed_at_any_step_leaves_old_or_new(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    apps, out, files = _three_shards(tmp_path)
    before = consistent(out)
    files["wine-team-a.yaml"] = ([("wine", "team-a", "Serverless", 1, None, 2)], False)
    files["wine-team-b.yaml"] = ([("wine", "team-b", "Serverless", 1, None, 2)], False)
    write_repo(apps, files, 1)
    assert run("render", str(apps), "-o", str(tmp_path / "new"), "--no-cache").returncode == 0
    after = consistent(tmp_path / "new")

    class Killed(BaseException):  # unlike an Exception, nothing cleans up after it
        pass

    def crash(at: str) -> None:
        if at == step:
            raise Killed

    monkeypatch.setattr(cli, "_crash_hook", lambda: crash)
    with counting_deltas() as seen, pytest.raises(Killed):
        run("render", str(apps), "-o", str(out))
    assert seen == []  # killed inside the delta's write
    monkeypatch.undo()
    assert consistent(out) == (after if step == "swapped" else before)
    with counting_deltas() as seen:  # the next run cleans up and completes
        done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    assert "removed the leftover of an interrupted render" in done.stderr
    assert seen == []  # a leftover beside DIR: not as recorded, a full render
    assert consistent(out) == after
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]


@pytest.mark.parametrize("edited", [(7,), (7, 8)])  # one shard exchanged; two: the whole tree
def test_sigkill_during_delta_renders_never_leaves_a_broken_directory(
    tmp_path: Path, edited: tuple[int, ...]
) -> None:
    """40 renders of a change to one file, or to two in two namespaces (the delta), killed at
    random points: DIR is always the old or the new render, and the next render completes it."""
    apps, out = tmp_path / "apps", tmp_path / "out"
    files: Files = {
        f"m{i:02d}.yaml": ([(f"m{i}", NAMESPACES[i % 3], "RawDeployment", 1, None, 1)], False)
        for i in range(30)
    }

    def version(v: int) -> None:
        for i in edited:
            files[f"m{i:02d}.yaml"] = ([(f"m{i}", NAMESPACES[i % 3], "RawDeployment", 1, None, v)],
                                       False)  # fmt: skip
        write_repo(apps, files, 1)

    renders = []
    for v in (1, 2):
        version(v)
        fresh = tmp_path / f"fresh-{v}"
        done = subprocess.run([console_script(), "render", str(apps), "-o", str(fresh)],
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
        renders.append(consistent(fresh))
    assert renders[0] != renders[1]
    subprocess.run([console_script(), "render", str(apps), "-o", str(out)], check=True)
    version(1)
    started = time.monotonic()
    subprocess.run([console_script(), "render", str(apps), "-o", str(out)], check=True)
    duration = time.monotonic() - started
    rng = random.Random(4321)
    for attempt in range(40):
        version(2 if attempt % 2 else 1)
        proc = subprocess.Popen([console_script(), "render", str(apps), "-o", str(out)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(rng.uniform(0.0, duration * 1.1))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        assert consistent(out) in renders
    subprocess.run([console_script(), "render", str(apps), "-o", str(out)], check=True)
    assert consistent(out) == renders[1]


@pytest.mark.parametrize("shards", [("team-a",), ("team-a", "team-b")])
def test_removing_every_inference_service_is_refused_without_allow_empty(
    tmp_path: Path, shards: tuple[str, ...]
) -> None:
    """The record of the last render allows a delta, but a change that leaves nothing to render
    is written in full, where an empty render over a previous one is refused: one shard or two,
    DIR keeps every file."""
    apps, out = tmp_path / "apps", tmp_path / "out"
    files: Files = {f"m{i}.yaml": ([(f"m{i}", ns, "Serverless", 1, None, 1)], False)
                    for i, ns in enumerate(shards)}  # fmt: skip
    write_repo(apps, files, 1)
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    before = snapshot(out)
    write_repo(apps, {}, 1)
    with counting_deltas() as seen:
        done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 2, done.stderr
    assert "--allow-empty to empty the folder" in done.stderr
    assert seen == [False] or seen == []
    assert snapshot(out) == before
