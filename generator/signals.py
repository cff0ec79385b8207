"""What a signal turns into, shared by the console script's entry point and the CLI.

It imports nothing, so the entry point can install its handlers before the slow imports start.
"""

from __future__ import annotations

EXIT_INTERRUPTED = 130  # errors.EXIT_INTERRUPTED, without importing the package's modules yet
EXIT_TERMINATED = 143  # 128 + SIGTERM, what a shell reports for a process SIGTERM ended


class Terminated(BaseException):
    """SIGTERM arrived: unwinds like KeyboardInterrupt, so `finally` blocks and -o's staging
    folder clean-up run, and main() maps it to exit 143."""


class Interrupted(BaseException):
    """SIGINT arrived. Not a KeyboardInterrupt: click answers one with a blank line on stderr
    before its Abort, and the message must stay one line."""


# The signals whose handler ran in this process, as the exception each raised (in order). The
# exception may not reach main() as itself: raised in a `__set_name__` while a class is built
# (an import, a dataclass) Python 3.11 hands on a RuntimeError instead, and code that catches
# broadly can swallow it. main() asks `received()` so a signal still ends the run as a signal.
_RECEIVED: list[type[BaseException]] = []


def arrived(kind: type[Interrupted] | type[Terminated]) -> BaseException:
    """Record that a signal arrived; the exception its handler raises."""
    _RECEIVED.append(kind)
    return kind()


def received() -> tuple[str, int] | None:
    """The one-line word and exit code of the first signal that arrived, or None."""
    if not _RECEIVED:
        return None
    if _RECEIVED[0] is Terminated:
        return "terminated", EXIT_TERMINATED
    return "interrupted", EXIT_INTERRUPTED
