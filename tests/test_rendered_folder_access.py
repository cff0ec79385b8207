"""The rendered folder shared with others (issue 13): one writer at a time, and folders a
non-root user cannot write refused before anything changes."""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_cli import console_script, run
from test_rendered_folder import configmaps, snapshot

LOCKED = "another kserve-gitops render is writing here"
TRIALS = 20


def _render(*args: str, prefix: tuple[str, ...] = ()) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k != "ARGOCD_APP_NAMESPACE"}
    return subprocess.Popen([*prefix, console_script(), "render", *args], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)  # fmt: skip


def test_a_second_render_waits_then_exits_2_naming_the_holder(tmp_path: Path) -> None:
    apps = configmaps(tmp_path / "apps", ["a"])
    out = tmp_path / "out"
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    before = snapshot(tmp_path)
    hold = (
        "import fcntl, os, sys, time\nfd = os.open(sys.argv[1], os.O_RDONLY)\n"
        "fcntl.flock(fd, fcntl.LOCK_EX)\nprint('held', flush=True)\ntime.sleep(60)\n"
    )
    holder = subprocess.Popen([sys.executable, "-c", hold, str(tmp_path)], stdout=subprocess.PIPE,
                              text=True)  # fmt: skip
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        done = run("render", str(apps), "-o", str(out), "--lock-timeout", "0.5")
    finally:
        holder.kill()
        holder.wait()
    assert done.returncode == 2
    assert done.stderr == f"{out}: {LOCKED} (pid {holder.pid}); waited 0.5s (--lock-timeout)\n"
    assert snapshot(tmp_path) == before


def test_parallel_renders_into_one_folder_leave_one_complete_render(tmp_path: Path) -> None:
    """Twenty pairs of `render A -o out` and `render B -o out` started together: both exit 0
    (the second re-plans once the first is done) and out is byte-equal to A's or B's render."""
    apps_a = configmaps(tmp_path / "a", [f"cm-{i}" for i in range(40)], namespace="team-a")
    apps_b = configmaps(tmp_path / "b", [f"cm-{i}" for i in range(30)], namespace="team-b")
    out = tmp_path / "out"
    complete = []
    for apps in (apps_a, apps_b):
        assert run("render", str(apps), "-o", str(out)).returncode == 0
        complete.append(snapshot(out))
    for trial in range(TRIALS):
        first, second = (apps_a, apps_b) if trial % 2 else (apps_b, apps_a)
        procs = [_render(str(apps), "-o", str(out)) for apps in (first, second)]
        results = [(p.wait(timeout=300), p.communicate()[1]) for p in procs]
        for code, err in results:
            assert code == 0 or (code == 2 and LOCKED in err), err
        assert any(code == 0 for code, _ in results)
        assert snapshot(out) in complete, f"trial {trial}: neither render"
        assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "out"]


# --- read-only folders, as a user who cannot write them ---------------------------------------


def _non_root() -> tuple[tuple[str, ...], int, int]:
    """A command prefix that runs as a non-root user, with its uid and gid."""
    if os.geteuid() != 0:
        return (), os.geteuid(), os.getegid()
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: no non-root user to test as")
    name = "kserve-gitops-test"
    try:
        user = pwd.getpwnam(name)
    except KeyError:
        made = subprocess.run(["useradd", "--no-create-home", "--shell", "/bin/false", name],
                              capture_output=True, check=False)  # fmt: skip
        if made.returncode != 0:
            try:
                user = pwd.getpwnam("nobody")
            except KeyError:
                pytest.skip("no non-root user could be made (useradd failed, no nobody)")
        else:
            user = pwd.getpwnam(name)
    prefix = (setpriv, f"--reuid={user.pw_uid}", f"--regid={user.pw_gid}", "--clear-groups")
    return prefix, user.pw_uid, user.pw_gid


@pytest.fixture
def as_user() -> Iterator[tuple[tuple[str, ...], Path, tuple[int, int]]]:
    """(command prefix, a folder, the user's uid and gid) for renders as a non-root user."""
    prefix, uid, gid = _non_root()
    probe = subprocess.run([*prefix, console_script(), "version"], capture_output=True,
                           check=False)  # fmt: skip
    if probe.returncode != 0:
        pytest.skip(f"the non-root user cannot run kserve-gitops: {probe.stderr!r}")
    base = Path(tempfile.mkdtemp(prefix="kserve-gitops-ro-"))
    base.chmod(0o755)
    os.chown(base, uid, gid)
    try:
        yield prefix, base, (uid, gid)
    finally:
        for folder, dirs, _ in os.walk(base):
            for name in dirs:
                (Path(folder) / name).chmod(0o755)
        shutil.rmtree(base)


@pytest.mark.parametrize("read_only", ["out", ".", "out/team/_passthrough"])
def test_a_read_only_folder_is_exit_2_before_anything_changes(
    as_user: tuple[tuple[str, ...], Path, tuple[int, int]], read_only: str
) -> None:
    prefix, base, (uid, gid) = as_user
    work = base / "work"
    apps = configmaps(work / "apps", ["a", "b"])
    for path in (work, *work.rglob("*")):
        os.chown(path, uid, gid)
    out = work / "out"
    proc = _render(str(apps), "-o", str(out), prefix=prefix)
    assert proc.wait(timeout=300) == 0, proc.communicate()
    configmaps(apps, ["a", "c"])
    (work / read_only).chmod(0o555)
    before = snapshot(work)
    for _ in range(2):  # and again: still the same clear refusal, never an exit 3
        proc = _render(str(apps), "-o", str(out), prefix=prefix)
        _, err = proc.communicate(timeout=300)
        assert proc.returncode == 2, err
        (line,) = err.splitlines()
        assert f"{(work / read_only).resolve()}: read-only: " in line, line
        assert snapshot(work) == before
    (work / read_only).chmod(0o755)
    proc = _render(str(apps), "-o", str(out), prefix=prefix)
    assert proc.wait(timeout=300) == 0, proc.communicate()
    assert (out / "team/_passthrough/configmap-c.yaml").is_file()
