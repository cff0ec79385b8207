"""The console script's first code: signals are handled before the slow imports start.

SIGINT during start-up would otherwise print an import traceback, and SIGTERM would kill the
process without a word; both now exit 130 / 143 with one line, as they do later in a run.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Sequence
from types import FrameType
from typing import NoReturn

from generator import signals
from generator.signals import EXIT_INTERRUPTED, EXIT_TERMINATED, Interrupted, Terminated


def _terminate(signum: int, frame: FrameType | None) -> None:
    raise signals.arrived(Terminated)


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise signals.arrived(Interrupted)


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
    except BaseException:  # a signal's exception that became another on its way up
        _exit_if_signalled()
        raise
    code: str | int | None = 0
    try:
        cli.main(argv)
    except SystemExit as done:
        code = done.code
    except BaseException:
        if signals.received() is None:
            raise
    finally:
        # The run has finished and chosen its exit code. A signal arriving from now on would
        # kill a finished run (-15 instead of its code); blocked now, it is discarded at exit.
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    signalled = signals.received()
    if signalled is not None and code != signalled[1]:  # its exception was lost on the way
        _say(signalled[0])
        code = signalled[1]
    if not isinstance(code, int):
        sys.exit(code)
    _exit_now(code)


def _exit_if_signalled() -> None:
    signalled = signals.received()
    if signalled is not None:
        _say(signalled[0])
        sys.exit(signalled[1])


def _exit_now(code: int) -> NoReturn:
    """End the process with `code` once what it printed is flushed, without the interpreter's
    teardown: nothing is left to run (every file is written and closed, the worker pool is gone),
    and freeing a large render's millions of objects one by one took 0.4 s at 10,000
    InferenceServices."""
    try:
        if sys.stdout is not None:  # None: started with stdout closed, and told so already
            sys.stdout.flush()
    except (OSError, ValueError) as err:  # what the interpreter's last flush would fail at
        from generator.errors import EXIT_INVALID  # loaded with the CLI by now

        _say(f"kserve-gitops: cannot write the output: {getattr(err, 'strerror', None) or err}")
        code = code or EXIT_INVALID
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.flush()
    os._exit(code)


def _say(line: str) -> None:
    with contextlib.suppress(OSError, ValueError, AttributeError):
        sys.stderr.write(line + "\n")
