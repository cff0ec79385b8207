"""Both cores: run one task over many indices in forked worker processes, results in order;
or one task beside this process while it does something else.

The workers are forked, so they inherit the read-only context a task reads (config, runtimes,
compiled templates) instead of receiving it pickled; only indices go out and only results come
back, in index order whatever order the workers finish in. Where fork is unavailable, or there
is one core, the task runs here.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import pickle
import signal
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

_TASK: Callable[[int], Any] | None = None  # set in the parent just before the fork
T = TypeVar("T")


def cores() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def ordered_map(
    task: Callable[[int], Any], count: int, workers: int, chunk: int = 64
) -> Iterator[Any]:
    """task(0), …, task(count - 1), computed by `workers` forked processes, yielded in order.

    An exception in a task is raised here, as if the task had run in this process.
    """
    global _TASK
    if workers < 2 or count == 0 or not can_fork():
        yield from (task(i) for i in range(count))
        return
    bounds = [(start, min(start + chunk, count)) for start in range(0, count, chunk)]
    _TASK = task
    try:
        context = multiprocessing.get_context("fork")
        with context.Pool(workers, initializer=_quiet_signals) as pool:
            for results in pool.imap(_run_chunk, bounds):
                yield from results
    finally:
        _TASK = None


@contextlib.contextmanager
def beside(task: Callable[[], T]) -> Iterator[Callable[[], T]]:
    """A function that returns task(), which a forked child computes on the other core from
    now on while this process goes on (threads would not: the GIL serialises the two walks
    this is for). Whatever goes wrong in the child (it died, its result did not arrive whole)
    runs the task here instead, so the result is always task()'s. A child not asked for its
    result by the end of the block is killed; none outlives it."""
    child = _fork(task) if cores() > 1 and can_fork() else None

    def result() -> T:
        nonlocal child
        if child is not None:
            pid, read = child
            child = None
            done = _collect(pid, read)
            if done is not None:
                return done[0]  # type: ignore[no-any-return]
        return task()

    try:
        yield result
    finally:
        if child is not None:
            os.close(child[1])
            _end(child[0])


def _fork(task: Callable[[], Any]) -> tuple[int, int] | None:
    """Start task() in a child that writes its pickled result into a pipe: (pid, read end)."""
    try:
        read, write = os.pipe()
    except OSError:
        return None
    try:
        pid = os.fork()
    except OSError:
        os.close(read)
        os.close(write)
        return None
    if pid == 0:  # the child: whatever happens, it ends here, with no cleanup of the parent's
        code = 1
        try:
            _quiet_signals()
            os.close(read)
            with os.fdopen(write, "wb") as pipe:
                pipe.write(pickle.dumps(task(), protocol=pickle.HIGHEST_PROTOCOL))
            code = 0
        finally:
            os._exit(code)
    os.close(write)
    return pid, read


def _collect(pid: int, read: int) -> tuple[Any] | None:
    """The child's result, or None if it did not give one. The read end is closed and the
    child reaped whatever happens (killed first if this is interrupted)."""
    status = None
    try:
        with os.fdopen(read, "rb") as pipe:
            data = pipe.read()
        status = os.waitpid(pid, 0)[1]
    except OSError:
        return None
    finally:
        if status is None:
            _end(pid)
    if os.waitstatus_to_exitcode(status) != 0:
        return None
    try:
        return (pickle.loads(data),)
    except (pickle.UnpicklingError, EOFError):
        return None


def _end(pid: int) -> None:
    """Kill a child and reap it."""
    with contextlib.suppress(OSError):
        os.kill(pid, signal.SIGKILL)
    with contextlib.suppress(OSError):
        os.waitpid(pid, 0)


def _quiet_signals() -> None:
    """A worker leaves Ctrl-C to the parent (which ends the pool) and dies quietly on SIGTERM,
    instead of running the CLI's handlers it inherited."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _run_chunk(bounds: tuple[int, int]) -> list[Any]:
    task = _TASK
    if task is None:  # only a forked worker runs this, after the parent set it
        raise RuntimeError("parallel: no task in this worker")
    start, stop = bounds
    return [task(i) for i in range(start, stop)]


__all__ = ["beside", "can_fork", "cores", "ordered_map"]
