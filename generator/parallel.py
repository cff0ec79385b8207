"""Both cores: run one task over many indices in forked worker processes, results in order.

The workers are forked, so they inherit the read-only context a task reads (config, runtimes,
compiled templates) instead of receiving it pickled; only indices go out and only results come
back, in index order whatever order the workers finish in. Where fork is unavailable, or there
is one core, the task runs here.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from typing import Any

_TASK: Callable[[int], Any] | None = None  # set in the parent just before the fork


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


__all__ = ["can_fork", "cores", "ordered_map"]
