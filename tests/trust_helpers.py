"""Run the CLI in-process for the trust and fuzz tests: exit code, stdout, stderr, seconds."""

from __future__ import annotations

import contextlib
import io
import time
from dataclasses import dataclass

from generator import cli


@dataclass(frozen=True)
class Outcome:
    code: int
    stdout: str
    stderr: str
    seconds: float


def invoke(*args: str) -> Outcome:
    """`kserve-gitops ARGS` as main() runs it (exit codes, messages), without a new process."""
    out, err = io.StringIO(), io.StringIO()
    started = time.perf_counter()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            cli.main(list(args))
        except SystemExit as done:
            code = done.code if isinstance(done.code, int) else 0
        else:  # pragma: no cover - main always exits
            code = 0
    return Outcome(code, out.getvalue(), err.getvalue(), time.perf_counter() - started)


def assert_refused(outcome: Outcome, *words: str) -> None:
    """Exit 2, nothing on stdout, one line on stderr naming `words`, in well under 2 s."""
    assert outcome.code == 2, outcome
    assert outcome.stdout == ""
    lines = outcome.stderr.splitlines()
    assert len(lines) == 1, outcome.stderr
    assert "Traceback" not in outcome.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    assert outcome.seconds < 2, outcome.seconds
