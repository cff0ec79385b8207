"""parallel.beside: a task run in a forked child gives what it gives here, whatever goes wrong
in the child, and a child whose result is not asked for does not outlive the block."""

from __future__ import annotations

import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from generator import parallel

needs_fork = pytest.mark.skipif(
    not parallel.can_fork() or parallel.cores() < 2, reason="needs fork and two cores"
)


def test_the_result_is_the_tasks() -> None:
    value = {"digest": "a" * 64, "entries": {f"ns-{i}": str(i) for i in range(5000)}}
    with parallel.beside(lambda: value) as result:
        assert result() == value
        assert result() == value  # asked again: the task's result, not the spent child's


@needs_fork
def test_the_task_runs_in_a_child(tmp_path: Path) -> None:
    with parallel.beside(os.getpid) as result:
        assert result() != os.getpid()


@needs_fork
def test_a_child_that_fails_leaves_the_task_to_this_process(tmp_path: Path) -> None:
    parent = os.getpid()

    def task() -> int:
        if os.getpid() != parent:
            raise OSError("only in the child")
        return 7

    with parallel.beside(task) as result:
        assert result() == 7


@needs_fork
def test_a_child_that_is_killed_leaves_the_task_to_this_process() -> None:
    parent = os.getpid()

    def task() -> str:
        if os.getpid() != parent:
            os.kill(os.getpid(), 9)
        return "here"

    with parallel.beside(task) as result:
        assert result() == "here"


def _sleeper(marker: Path) -> Callable[[], None]:
    """A task that writes its pid to `marker`, then sleeps for a minute."""

    def task() -> None:
        marker.write_text(str(os.getpid()))
        time.sleep(60)

    return task


def _started(marker: Path) -> int:
    """The pid of the child running `_sleeper(marker)`, once it is running."""
    while not marker.exists() or not marker.read_text():
        time.sleep(0.01)
    return int(marker.read_text())


@needs_fork
def test_a_child_not_asked_is_killed_and_reaped(tmp_path: Path) -> None:
    marker = tmp_path / "pid"
    begin = time.monotonic()
    with parallel.beside(_sleeper(marker)):
        pid = _started(marker)
    assert time.monotonic() - begin < 30
    with pytest.raises(ChildProcessError):  # reaped: no zombie is left to wait for
        os.waitpid(pid, os.WNOHANG)


def test_one_core_runs_the_task_here(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(parallel, "cores", lambda: 1)
    with parallel.beside(os.getpid) as result:
        assert result() == os.getpid()


class _Alarm(Exception):
    pass


@needs_fork
def test_a_wait_that_is_interrupted_kills_and_reaps_the_child(tmp_path: Path) -> None:
    marker = tmp_path / "pid"

    def alarm(signum: int, frame: object) -> None:
        raise _Alarm

    previous = signal.signal(signal.SIGALRM, alarm)
    try:
        with parallel.beside(_sleeper(marker)) as result:
            pid = _started(marker)
            signal.setitimer(signal.ITIMER_REAL, 0.2)
            with pytest.raises(_Alarm):
                result()
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    with pytest.raises(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
