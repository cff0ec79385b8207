"""The console script's first code: signals are handled before the slow imports start.

SIGINT during start-up would otherwise print an import traceback, and SIGTERM would kill the
process without a word; both now exit 130 / 143 with one line, as they do later in a run.
"""

from __future__ import annotations

import signal
import sys
from collections.abc import Sequence
from types import FrameType

from generator.signals import EXIT_INTERRUPTED, EXIT_TERMINATED, Interrupted, Terminated


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise Terminated


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise Interrupted


def main(argv: Sequence[str] | None = None) -> None:
    """Install the signal handlers, import the CLI, run it."""
    signal.signal(signal.SIGTERM, _terminate)
    # A background job inherits SIGINT ignored and keeps it so; otherwise it becomes Interrupted.
    if signal.getsignal(signal.SIGINT) is signal.default_int_handler:
        signal.signal(signal.SIGINT, _interrupt)
    try:
        from generator import cli
    except (KeyboardInterrupt, Interrupted):
        sys.stderr.write("interrupted\n")
        sys.exit(EXIT_INTERRUPTED)
    except Terminated:
        sys.stderr.write("terminated\n")
        sys.exit(EXIT_TERMINATED)
    try:
        cli.main(argv)
    finally:
        # The run has finished and chosen its exit code. Python restores the default handlers
        # while it tears down, so a signal arriving then would kill a finished run (-15 instead
        # of its code); blocked now, it is discarded at exit.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
