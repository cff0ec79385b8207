"""Signals, pipes and limit flags of the console script (issue 12, points 3 and 6)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

import pytest
from helpers import REPO_ROOT
from test_cli import console_script, run
from trust_helpers import assert_refused, invoke

QUICKSTART = str(REPO_ROOT / "examples" / "quickstart")


def _default_signals() -> None:
    """A child of a background job inherits SIGINT ignored; a user's terminal does not."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _one_line(stderr: str, *words: str) -> None:
    lines = stderr.splitlines()
    assert len(lines) == 1, stderr
    assert "Traceback" not in stderr
    assert all(word in lines[0] for word in words), stderr


def test_a_full_device_on_stdout_is_one_line_and_non_zero() -> None:
    with Path("/dev/full").open("w", encoding="utf-8") as full:
        done = subprocess.run(
            [console_script(), "render", QUICKSTART], stdout=full, stderr=subprocess.PIPE, text=True
        )
    assert done.returncode == 2
    _one_line(done.stderr, "cannot write the output", "No space left on device")


def test_a_closed_stdout_is_one_line_and_non_zero() -> None:
    done = subprocess.run(
        [console_script(), "render", QUICKSTART],
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: os.close(1),
    )
    assert done.returncode == 2
    _one_line(done.stderr, "cannot write the output", "stdout is closed")


def test_a_broken_pipe_is_one_line_and_non_zero() -> None:
    child = subprocess.Popen(
        [console_script(), "render", QUICKSTART],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    child.stdout.close()  # the reader is gone before the first write
    _, stderr = child.communicate(timeout=60)
    assert child.returncode == 2
    _one_line(stderr, "cannot write the output", "Broken pipe")


# The console script ends with entry._exit_now (os._exit, no interpreter teardown): what is
# still buffered on stdout must come out, and a failure to write it must be said, not lost.
_EXIT_WITH_BUFFERED = (
    "import sys\nfrom generator import entry\nsys.stdout.write('buffered')\nentry._exit_now(0)"
)


def _buffered_exit(stdout: int | IO[str]) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # stdout buffered
    return subprocess.run(
        [sys.executable, "-c", _EXIT_WITH_BUFFERED],
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )


def test_the_fast_exit_flushes_what_is_buffered() -> None:
    done = _buffered_exit(subprocess.PIPE)
    assert (done.returncode, done.stdout, done.stderr) == (0, "buffered", "")


def test_the_fast_exit_says_when_stdout_cannot_take_what_is_buffered() -> None:
    with Path("/dev/full").open("w", encoding="utf-8") as full:
        done = _buffered_exit(full)
    assert done.returncode == 2
    _one_line(done.stderr, "cannot write the output", "No space left on device")


def _interrupted(sig: signal.Signals, args: list[str], after: float) -> tuple[int, str]:
    child = subprocess.Popen(
        [console_script(), *args],
        stdin=subprocess.PIPE,  # held open: `render -` cannot finish before the signal
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_default_signals,
    )
    time.sleep(after)
    child.send_signal(sig)
    _, stderr = child.communicate(timeout=60)
    return child.returncode, stderr


@pytest.mark.parametrize("after", [0.3, 2.0], ids=["starting", "waiting"])
@pytest.mark.parametrize(
    ("sig", "code", "word"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
)
def test_a_signal_during_start_up_exits_with_its_code_and_no_traceback(
    sig: signal.Signals, code: int, word: str, after: float
) -> None:
    # Reading stdin that stays open, the process is still starting (0.3 s) or waiting for its
    # input (2 s) when the signal arrives, however fast the machine (a finished render exits 0).
    # Waiting, a KeyboardInterrupt would reach click, which writes a blank line before Abort.
    returncode, stderr = _interrupted(sig, ["render", "-"], after=after)
    assert returncode == code, stderr
    _one_line(stderr, word)


# A signal whose exception does not reach main() as itself. `Signalled` sends the signal while
# a class is built, so its handler raises inside `__set_name__`, which Python 3.11 hands on as a
# RuntimeError (3.12 passes it on as itself: the same outcome).
_SIGNALLED = """
import importlib.abc, importlib.util, os, signal, sys

class Signalled:
    def __set_name__(self, owner, name):
        os.kill(os.getpid(), signal.SIG{sig})
        for _ in range(10**7):  # the handler runs at the next check
            pass

def signalled_class():
    class Model:
        field = Signalled()

{setup}
from generator.entry import main
main(["version"])
"""
_WHILE_IMPORTING = """
class CliFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name, path, target=None):
        return importlib.util.spec_from_loader(name, self) if name == "generator.cli" else None
    def create_module(self, spec):
        return None
    def exec_module(self, module):
        signalled_class()

sys.meta_path.insert(0, CliFinder())
"""
_IN_A_COMMAND = """
import generator.cli
generator.cli.cli.main = lambda *args, **kwargs: signalled_class()
"""
_SWALLOWED = """
import generator.cli

def swallowing(*args, **kwargs):
    try:
        signalled_class()
    except BaseException:
        pass
    return 0

generator.cli.cli.main = swallowing
"""


@pytest.mark.parametrize(
    "setup",
    [_WHILE_IMPORTING, _IN_A_COMMAND, _SWALLOWED],
    ids=["importing", "command", "swallowed"],
)
@pytest.mark.parametrize(
    ("sig", "code", "word"), [("INT", 130, "interrupted"), ("TERM", 143, "terminated")]
)
def test_a_signal_whose_exception_is_changed_or_lost_still_ends_the_run(
    setup: str, sig: str, code: int, word: str
) -> None:
    script = _SIGNALLED.format(sig=sig, setup=setup)
    done = subprocess.run(
        [sys.executable, "-c", script],
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=60,
        preexec_fn=_default_signals,
    )
    assert done.returncode == code, done.stderr
    _one_line(done.stderr, word)


def _tree(root: Path) -> list[tuple[str, bytes]]:
    return sorted((p.relative_to(root).as_posix(), p.read_bytes()) for p in root.rglob("*.*"))


def test_sigterm_while_writing_leaves_the_folder_old_or_new(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert run("render", QUICKSTART, "-o", str(out)).returncode == 0
    before = _tree(out)
    for after in (0.5, 1.0, 1.5, 2.0):
        returncode, stderr = _interrupted(
            signal.SIGTERM, ["render", QUICKSTART, "-o", str(out)], after
        )
        assert returncode in (0, 143), stderr
        assert "Traceback" not in stderr
        assert (
            _tree(out) == before
        )  # same input: the old tree or an identical new one, never a part


def test_limit_flags_change_the_limits_for_one_command() -> None:
    outcome = invoke("render", QUICKSTART, "--max-depth", "3")
    assert_refused(outcome, "sklearn-iris.yaml:", "nested deeper than 3 levels")
    assert invoke("render", QUICKSTART).code == 0  # the next command has the defaults again
    outcome = invoke("render", QUICKSTART, "--max-file-bytes", "10")
    assert_refused(outcome, "sklearn-iris.yaml", "larger than 10 bytes")
    outcome = invoke("render", QUICKSTART, "--max-template-steps", "5")
    assert_refused(outcome, ".yaml.j2", "more than 5 render steps")


def test_a_legal_253_character_name_with_o_is_written_under_a_short_name(tmp_path: Path) -> None:
    """Once an exit 3 (File name too long); the writer now shortens such file names with a hash
    (issue 13), so the object is written and the index maps the short name."""
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "cm.yaml").write_text(
        f"apiVersion: v1\nkind: ConfigMap\nmetadata: {{name: {'a' * 253}, namespace: a}}\n",
        encoding="utf-8",
    )
    outcome = invoke("render", str(tmp_path / "in"), "-o", str(tmp_path / "out"))
    assert outcome.code == 0, outcome.stderr
    written = [p for p in (tmp_path / "out").rglob("*.yaml") if p.name.startswith("configmap-")]
    assert len(written) == 1 and len(written[0].name.encode()) <= 255, written  # NAME_MAX
