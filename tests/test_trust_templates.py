"""--templates is a sandbox for files, steps and sizes (issue 12, point 4).

Each case starts from what issue 12 measured: `{% include "/etc/passwd" %}` and friends loaded
any file into the output; a recursive macro or `format_map` exited 3; a repeated key silently
won over the shipped one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import REPO_ROOT, build_tree
from trust_helpers import assert_refused, invoke

QUICKSTART = str(REPO_ROOT / "examples" / "quickstart")
NAME = "external-name-service.yaml.j2"
SHIPPED = (REPO_ROOT / "templates" / NAME).read_text()


def _with(tmp_path: Path, statement: str, extra: dict[str, str] | None = None) -> Path:
    """The shipped template with `statement` as its first line, in a --templates folder."""
    build_tree(tmp_path / "t", {NAME: statement + "\n" + SHIPPED, **(extra or {})})
    return tmp_path / "t"


@pytest.mark.parametrize(
    "statement",
    [
        '{% include "/etc/passwd" %}',
        '{% include "../../../../../../etc/passwd" %}',
        '{% include "/proc/self/environ" %}',
        '{% include "sub/../../outside.txt" %}',
        '{% import "/etc/passwd" as p %}',
        '{% from "/etc/passwd" import x %}',
        '{% extends "/etc/passwd" %}',
        '{% include "../outside.txt" %}',
    ],
)
def test_no_file_outside_the_template_folders_is_loaded(tmp_path: Path, statement: str) -> None:
    (tmp_path / "outside.txt").write_text("root:x:0:0:outside-secret\n", encoding="utf-8")
    outcome = invoke("render", QUICKSTART, "--templates", str(_with(tmp_path, statement)))
    assert_refused(outcome, NAME, "TemplateNotFound")
    assert "root:x" not in outcome.stderr


def test_a_symlink_out_of_the_template_folder_is_not_followed(tmp_path: Path) -> None:
    (tmp_path / "outside.txt").write_text("root:x:0:0:outside-secret\n", encoding="utf-8")
    folder = _with(tmp_path, '{% include "part.j2" %}')
    (folder / "part.j2").symlink_to(tmp_path / "outside.txt")
    outcome = invoke("render", QUICKSTART, "--templates", str(folder))
    assert_refused(outcome, NAME, "TemplateNotFound")


def test_plain_names_in_the_folder_and_the_shipped_set_still_include(tmp_path: Path) -> None:
    folder = _with(tmp_path, '{% include "part.j2" %}', {"part.j2": "{# a shared comment #}"})
    assert invoke("render", QUICKSTART, "--templates", str(folder)).code == 0


@pytest.mark.parametrize(
    ("statement", "reason"),
    [
        ("{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}", "recursion"),
        ('{{ "{x}".format_map(name) }}', "TypeError"),
        ('{{ "x" * 1000000000 }}', "too large"),
        ("{{ 2 ** 100000000 }}", "exponent too large"),
        ('{{ "x".ljust(1000000000) }}', "larger than the output limit"),
        (
            '{% for a in "x" * 4000000 %}{% for b in "x" * 4000000 %}{% endfor %}{% endfor %}',
            "steps",
        ),
    ],
    ids=["recursive-macro", "format-map", "repeat", "power", "ljust", "nested-loops"],
)
def test_a_runaway_template_is_refused_quickly(tmp_path: Path, statement: str, reason: str) -> None:
    outcome = invoke("render", QUICKSTART, "--templates", str(_with(tmp_path, statement)))
    assert_refused(outcome, NAME, reason)


def test_the_output_size_limit_holds(tmp_path: Path) -> None:
    folder = _with(tmp_path, "{# #}")
    outcome = invoke(
        "render", QUICKSTART, "--templates", str(folder), "--max-template-output", "100"
    )
    assert_refused(outcome, ".yaml.j2", "output larger than 100 characters")


def test_a_repeated_key_in_a_template_is_refused(tmp_path: Path) -> None:
    text = SHIPPED.replace("metadata:\n", "metadata:\n  name: other\n", 1)
    assert text != SHIPPED
    build_tree(tmp_path / "t", {NAME: text})
    outcome = invoke("render", QUICKSTART, "--templates", str(tmp_path / "t"))
    assert outcome.stderr.count("duplicate key 'name'") == 1
    assert_refused(outcome, NAME, "duplicate key 'name'")
