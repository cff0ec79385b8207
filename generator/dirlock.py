"""One writer at a time for a rendered directory: an advisory lock held by `render -o` from
reading the previous render to the swap, so parallel runs (CI, pre-commit hooks, people) take
turns instead of destroying each other's trees.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from generator.errors import Problem, ProblemsFound, Source
from generator.writer import not_writable, resolve_dir

DEFAULT_LOCK_TIMEOUT = 300.0  # seconds


@contextmanager
def locked(root: Path, timeout: float = DEFAULT_LOCK_TIMEOUT) -> Iterator[None]:
    """Hold an exclusive advisory lock for writing DIR, waiting up to `timeout` seconds.

    The lock is flock(2) on DIR's parent folder: DIR itself is swapped out by every render (a
    lock on it would be left behind on the old tree) and a lock file would show in `git
    status`. Renders into sibling folders therefore take turns, which is harmless.
    """
    target = resolve_dir(root)
    parent = target.parent
    problem = _creatable(parent)
    if problem:
        raise ProblemsFound([problem])
    parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(parent, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
    try:
        _acquire(fd, root, timeout)
        yield
    finally:
        os.close(fd)  # releases the lock


def _creatable(folder: Path) -> Problem | None:
    existing = folder
    while not existing.exists():
        existing = existing.parent
    if existing != folder and not os.access(existing, os.W_OK | os.X_OK):
        return not_writable(existing, "render -o creates DIR's parent in")
    return None


def _acquire(fd: int, root: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    pause = 0.02
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return
        except BlockingIOError:
            if time.monotonic() >= deadline:
                holder = _lock_holder(fd)
                who = f"pid {holder}" if holder else "another process"
                message = (
                    f"another kserve-gitops render is writing here ({who}); waited "
                    f"{timeout:g}s (--lock-timeout)"
                )
                raise ProblemsFound([Problem(Source(str(root)), None, "", message)]) from None
            time.sleep(pause)
            pause = min(pause * 2, 0.5)


def _lock_holder(fd: int) -> int | None:
    """The pid holding a flock on the folder open as `fd`, from /proc/locks (Linux)."""
    info = os.fstat(fd)
    wanted = f"{os.major(info.st_dev):02x}:{os.minor(info.st_dev):02x}:{info.st_ino}"
    try:
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        fields = line.split()
        if "FLOCK" in fields and "->" not in fields and wanted in fields:
            pid = fields[fields.index(wanted) - 1]
            if pid.isdigit() and int(pid) != os.getpid():
                return int(pid)
    return None
