"""Golden cases: `tests/golden/<case>/` holds `input/`, `case.yaml` and the expected output.

`case.yaml` says which KServe v0.20.0 test or function the case reproduces (`source:`), the
CLI arguments after `render <input>` (`args:`), and the exit code (`exit:`, 0 by default).
Output is compared byte for byte; `pytest --update-golden` rewrites it for review.
Each case is also rendered with its input files in reverse order (same bytes), and every
rendered object is checked by the independent schema checker (tests/checker.py).
"""

from __future__ import annotations

import difflib
from pathlib import Path

import pytest
import yaml
from checker import check_files
from helpers import REPO_ROOT

from generator import cli

GOLDEN = REPO_ROOT / "tests" / "golden"
CASES = sorted(p.name for p in GOLDEN.iterdir() if (p / "case.yaml").exists())


def _case(name: str) -> dict[str, object]:
    case = yaml.safe_load((GOLDEN / name / "case.yaml").read_text())
    assert isinstance(case, dict) and case.get("source"), f"{name}: case.yaml needs a source"
    return case


def _render(capsys: pytest.CaptureFixture[str], args: list[str]) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", *args])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def _inputs(name: str) -> list[str]:
    root = GOLDEN / name / "input"
    return sorted(str(p.relative_to(REPO_ROOT)) for p in root.rglob("*.y*ml"))


def _compare(path: Path, actual: str, update: bool) -> None:
    if update:
        path.write_text(actual)
        return
    expected = path.read_text() if path.exists() else ""
    if actual != expected:
        diff = difflib.unified_diff(
            expected.splitlines(keepends=True),
            actual.splitlines(keepends=True),
            str(path.relative_to(REPO_ROOT)),
            "actual",
        )
        pytest.fail("golden mismatch:\n" + "".join(diff))


@pytest.mark.parametrize("name", CASES)
def test_golden(
    name: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    update_golden: bool,
) -> None:
    monkeypatch.chdir(REPO_ROOT)  # messages name input files relative to the repo
    case = _case(name)
    args = [str(a) for a in case.get("args", [])]  # type: ignore[union-attr]
    files = _inputs(name)
    code, out, err = _render(capsys, [*files, *args])
    assert code == case.get("exit", 0), err
    if code == 0:
        _compare(GOLDEN / name / "expected.yaml", out, update_golden)
        again = _render(capsys, [*reversed(files), *args])
        assert again[1] == out, "output depends on input order"
    else:
        assert out == ""
        _compare(GOLDEN / name / "expected.stderr", err, update_golden)


@pytest.mark.parametrize("name", CASES)
def test_golden_output_passes_the_independent_checker(name: str) -> None:
    expected = GOLDEN / name / "expected.yaml"
    if not expected.exists():
        pytest.skip("an error case")
    assert check_files([str(expected)])[1] == []
