"""A progress bar on stderr for large repos, only when stderr is a terminal."""

from __future__ import annotations

import os
import pty
import subprocess
from pathlib import Path

from helpers import build_tree
from test_cli import console_script

ISVC = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: m{i}, namespace: ns}}
spec: {{predictor: {{sklearn: {{storageUri: "gs://b/{i}"}}}}}}
"""


def _repo(root: Path, count: int) -> Path:
    return build_tree(root, {"all.yaml": "---\n".join(ISVC.format(i=i) for i in range(count))})


def _stderr_on_a_terminal(args: list[str]) -> str:
    leader, follower = pty.openpty()
    proc = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=follower)
    os.close(follower)
    chunks = []
    while True:
        try:
            chunk = os.read(leader, 4096)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    proc.wait()
    os.close(leader)
    assert proc.returncode == 0
    return b"".join(chunks).decode(errors="replace")


def test_large_repo_on_a_terminal_shows_progress(tmp_path: Path) -> None:
    root = _repo(tmp_path, 320)
    assert "rendering" in _stderr_on_a_terminal([console_script(), "render", str(root)])


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    root = _repo(tmp_path, 320)
    done = subprocess.run([console_script(), "render", str(root)], capture_output=True, text=True)
    assert done.returncode == 0 and "rendering" not in done.stderr


def test_no_progress_for_a_small_repo_even_on_a_terminal(tmp_path: Path) -> None:
    root = _repo(tmp_path, 20)
    assert "rendering" not in _stderr_on_a_terminal([console_script(), "render", str(root)])
