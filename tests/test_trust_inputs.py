"""Hostile input files: bounded work, only regular files inside the paths, secrets never leave.

Each case starts from an input issue 12 measured as exit 3, a hang, a leak or 3 GB of memory;
each must now exit 2 with one line naming the file, line and reason, in well under 2 s.
"""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import pytest
import yaml
from test_cli import console_script
from trust_helpers import assert_refused, invoke

from generator import load

HEAD = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: a}\n"


def _billion_laughs() -> str:
    lines = ['a0: &a0 ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    lines += [f"a{i}: &a{i} [{','.join([f'*a{i - 1}'] * 9)}]" for i in range(1, 10)]
    return HEAD + "data:\n" + "".join(f"  {line}\n" for line in lines)


def _write(tmp_path: Path, text: str, name: str = "x.yaml") -> Path:
    folder = tmp_path / "in"
    (folder / name).parent.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text, encoding="utf-8")
    return folder


@pytest.mark.parametrize(
    ("text", "line", "reason"),
    [
        (_billion_laughs(), 5, "aliases expand to more than 10000 nodes"),
        (HEAD + "data: " + "[" * 250 + "]" * 250 + "\n", 4, "nested deeper than 100 levels"),
        (HEAD + "data:\n" + "".join("  " * i + "a:\n" for i in range(1, 250)), 104, "nested"),
        (HEAD + "data: {a: !!binary aGVsbG8=}\n", 4, "unsupported YAML tag"),
        (HEAD + "data: !!set {a, b}\n", 4, "unsupported YAML tag"),
        (HEAD + "data: !!omap [{a: 1}]\n", 4, "unsupported YAML tag"),
        (HEAD + "data: !!python/object:os.system {}\n", 4, "unsupported YAML tag"),
        (HEAD + "spec: {replicas: " + "9" * 5000 + "}\n", 4, "a number longer than 100 digits"),
        (HEAD + "data: {true: a}\n", 4, "a mapping key must be a string"),
        (HEAD + "data: {~: a}\n", 4, "a mapping key must be a string"),
        (HEAD + "data: {1: a, b: c}\n", 4, "a mapping key must be a string"),
        (HEAD + "data: {[a]: b}\n", 4, "a mapping key must be a string"),
        (HEAD + "spec: {x: .nan}\n", 4, "NaN and Infinity are not JSON numbers"),
        (HEAD + "spec: {x: -.inf}\n", 4, "NaN and Infinity are not JSON numbers"),
        (HEAD + "spec: {x: 1.0e+400}\n", 4, "NaN and Infinity are not JSON numbers"),
        (HEAD + "a: &x [*x]\n", 4, "nested deeper than 100 levels"),
        (HEAD + "data: {a: '" + "x" * (1024 * 1024 + 1) + "'}\n", 4, "longer than 1048576"),
    ],
    ids=[
        "billion-laughs",
        "250-deep-flow",
        "250-deep-block",
        "binary",
        "set",
        "omap",
        "python-tag",
        "5000-digit-int",
        "true-key",
        "null-key",
        "int-key",
        "list-key",
        "nan",
        "infinity",
        "float-overflow",
        "recursive-alias",
        "long-scalar",
    ],
)
def test_hostile_yaml_is_refused_with_file_line_and_reason(
    tmp_path: Path, text: str, line: int, reason: str
) -> None:
    folder = _write(tmp_path, text)
    assert_refused(invoke("render", str(folder)), f"x.yaml:{line}:", reason)


def test_a_yaml_error_never_quotes_a_value(tmp_path: Path) -> None:
    secret = "s3cr3t-value-9f2a"
    text = f"apiVersion: v1\nkind: Secret\nmetadata: {{name: s}}\ndata: {{a: !<{secret}> x}}\n"
    outcome = invoke("render", str(_write(tmp_path, text)))
    assert_refused(outcome, "x.yaml:4:")
    assert secret not in outcome.stderr
    broken = f"apiVersion: v1\nkind: Secret\nstringData: {{p: '{secret}\n"
    outcome = invoke("render", str(_write(tmp_path, broken)))
    assert outcome.code == 2 and secret not in outcome.stderr


def test_limits_are_one_value_with_documented_defaults() -> None:
    limits = load.Limits()
    assert (limits.nesting_depth, limits.alias_expansions, limits.number_digits) == (
        100,
        10000,
        100,
    )
    token = load.LIMITS.set(load.Limits(documents_per_file=2))
    try:
        _, problems = load.parse_stream("a: 1\n---\nb: 2\n---\nc: 3\n", "f.yaml")
    finally:
        load.LIMITS.reset(token)
    assert [str(p) for p in problems] == ["f.yaml:5: more than 2 documents in one file"]


def test_a_file_over_the_size_limit_is_not_read(tmp_path: Path) -> None:
    folder = _write(tmp_path, HEAD + "data: {a: b}\n")
    outcome = invoke("render", str(folder), "--max-file-bytes", "64")
    assert_refused(outcome, "x.yaml:", "larger than 64 bytes")


def test_a_fifo_named_yaml_is_refused_without_blocking(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    os.mkfifo(folder / "pipe.yaml")
    assert_refused(invoke("render", str(folder)), "pipe.yaml", "not a regular file")
    assert_refused(invoke("render", str(folder / "pipe.yaml")), "pipe.yaml", "not a regular file")


def test_a_symlink_to_dev_zero_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "zero.yaml").symlink_to("/dev/zero")
    assert_refused(invoke("render", str(folder)), "zero.yaml", "outside the input paths")


def test_a_symlinked_kubeconfig_outside_the_paths_is_never_read(tmp_path: Path) -> None:
    kubeconfig = tmp_path / "home" / "config"
    kubeconfig.parent.mkdir()
    kubeconfig.write_text(
        "apiVersion: v1\nkind: Config\nusers: [{name: u, user: {token: tok-7f3e}}]\n",
        encoding="utf-8",
    )
    folder = _write(tmp_path, HEAD)
    (folder / "kubeconfig.yaml").symlink_to(kubeconfig)
    outcome = invoke("render", str(folder))
    assert_refused(outcome, "kubeconfig.yaml", "symlink to a file outside the input paths")
    assert "tok-7f3e" not in outcome.stderr


def test_a_symlink_inside_the_paths_is_read(tmp_path: Path) -> None:
    folder = _write(tmp_path, HEAD, name=".hidden/real.yaml")
    (folder / "link.yaml").symlink_to(folder / ".hidden" / "real.yaml")
    outcome = invoke("render", str(folder))
    assert outcome.code == 0, outcome.stderr


SECRET_VALUES = ("s3cr3t-in-list", "czNjcjN0LW5lc3RlZA==", "s3cr3t-secretlist", "s3cr3t-odd")
LISTS = f"""\
apiVersion: v1
kind: List
metadata: {{name: lst, namespace: a}}  # a name, so that -o can write it
items:
- apiVersion: v1
  kind: Secret
  metadata: {{name: s, namespace: a}}
  stringData: {{p: {SECRET_VALUES[0]}}}
- apiVersion: v1
  kind: List
  items:
  - apiVersion: v1
    kind: Secret
    metadata: {{name: t, namespace: a}}
    data: {{p: {SECRET_VALUES[1]}}}
  - {{apiVersion: v1, kind: ConfigMap, metadata: {{name: kept, namespace: a}}}}
---
apiVersion: v1
kind: SecretList
items:
- apiVersion: v1
  kind: Secret
  metadata: {{name: u, namespace: a}}
  stringData: {{p: {SECRET_VALUES[2]}}}
---
apiVersion: example.com/v1
kind: Secret
metadata: {{name: odd, namespace: a}}
stringData: {{p: {SECRET_VALUES[3]}}}
"""


def test_secrets_inside_lists_never_reach_stdout_or_the_output_folder(tmp_path: Path) -> None:
    folder = _write(tmp_path, LISTS)
    for fmt in ("yaml", "json"):
        outcome = invoke("render", str(folder), "--format", fmt)
        assert outcome.code == 0, outcome.stderr
        assert not any(v in outcome.stdout + outcome.stderr for v in SECRET_VALUES)
        assert "kept" in outcome.stdout  # the rest of the List still passes through
    out = tmp_path / "out"
    assert invoke("render", str(folder), "-o", str(out)).code == 0
    written = "".join(p.read_text(encoding="utf-8") for p in out.rglob("*") if p.is_file())
    assert "kept" in written and not any(v in written for v in SECRET_VALUES)


def test_secrets_in_lists_are_still_read_for_their_key_names(tmp_path: Path) -> None:
    folder = _write(tmp_path, LISTS)
    inputs = load.load([str(folder)])
    assert sorted(s.name for s in inputs.secrets) == ["s", "t"]
    (items,) = [p.doc["items"] for p in inputs.passthrough]
    assert [i["kind"] for i in items] == ["List"]
    assert yaml.safe_dump(inputs.passthrough[0].doc).count("Secret") == 0


def _limited_to_1_gib() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))


@pytest.mark.parametrize("case", ["billion-laughs", "dev-zero"])
def test_the_worst_inputs_run_in_under_1_gib(tmp_path: Path, case: str) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    if case == "billion-laughs":
        (folder / "x.yaml").write_text(_billion_laughs(), encoding="utf-8")
    else:
        (folder / "x.yaml").symlink_to("/dev/zero")
    done = subprocess.run(
        [console_script(), "render", str(folder)],
        capture_output=True,
        text=True,
        preexec_fn=_limited_to_1_gib,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (2, ""), done.stderr
    assert len(done.stderr.splitlines()) == 1
