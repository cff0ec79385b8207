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
