"""The installed console script, run as a user runs it: exit codes, stdout, stderr."""

from __future__ import annotations

import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO_ROOT, build_tree

from generator import cli
from generator.errors import EXIT_INTERNAL, EXIT_INTERRUPTED

QUICKSTART = REPO_ROOT / "examples" / "quickstart"


def console_script() -> str:
    """The `kserve-gitops` installed beside this Python, else the one on PATH."""
    beside = Path(sys.executable).parent / "kserve-gitops"
    if beside.exists():
        return str(beside)
    found = shutil.which("kserve-gitops")
    if found is None:
        pytest.fail("the kserve-gitops console script is not installed")
    return found


def run(
    *args: str, cwd: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if k != "ARGOCD_APP_NAMESPACE"}
    return subprocess.run(
        [console_script(), *args],
        cwd=cwd,
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_version() -> None:
    done = run("version")
    assert done.returncode == 0
    assert done.stdout.startswith("kserve-gitops ") and "KServe v0.20.0" in done.stdout


@pytest.mark.parametrize(
    "command",
    [[], ["render"], ["version"], ["completion"], ["diff"], ["check"], ["urls"], ["validate"]],
)
def test_every_help_text_shows_an_example(command: list[str]) -> None:
    done = run(*command, "--help")
    assert done.returncode == 0
    assert "Example" in done.stdout


def test_completion_script_for_bash() -> None:
    done = run("completion", "bash")
    assert done.returncode == 0
    assert "_KSERVE_GITOPS_COMPLETE" in done.stdout


def test_render_quickstart_from_another_directory(tmp_path: Path) -> None:
    done = run("render", str(QUICKSTART), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    docs = list(yaml.safe_load_all(done.stdout))
    assert all(isinstance(d, dict) and d.get("kind") for d in docs)


def test_render_json_is_a_v1_list() -> None:
    done = run("render", str(QUICKSTART), "--format", "json")
    assert done.returncode == 0, done.stderr
    assert yaml.safe_load(done.stdout)["kind"] == "List"


def test_usage_error_exits_2() -> None:
    done = run("render")
    assert done.returncode == 2
    assert done.stdout == ""


def test_three_broken_files_give_three_lines_and_nothing_on_stdout(tmp_path: Path) -> None:
    long_name = "a" * 70
    build_tree(
        tmp_path,
        {
            "bad-yaml.yaml": "apiVersion: v1\nkind: [unclosed\n",
            "two-frameworks.yaml": """
                apiVersion: serving.kserve.io/v1beta1
                kind: InferenceService
                metadata: {name: two, namespace: ns}
                spec:
                  predictor:
                    sklearn: {storageUri: "gs://b/m"}
                    xgboost: {storageUri: "gs://b/m"}
                """,
            "long-name.yaml": f"""
                apiVersion: serving.kserve.io/v1beta1
                kind: InferenceService
                metadata: {{name: {long_name}, namespace: ns}}
                spec:
                  predictor:
                    sklearn: {{storageUri: "gs://b/m"}}
                """,
        },
    )
    done = run("render", str(tmp_path))
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 3, done.stderr
    for line, name in zip(
        lines, ["bad-yaml.yaml", "long-name.yaml", "two-frameworks.yaml"], strict=True
    ):
        assert line.startswith(str(tmp_path / name) + ":"), line
    assert "Traceback" not in done.stderr


def test_missing_namespace_is_an_error_naming_the_object(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "a.yaml": """
                apiVersion: serving.kserve.io/v1beta1
                kind: InferenceService
                metadata: {name: iris}
                spec: {predictor: {sklearn: {storageUri: "gs://b/m"}}}
                """
        },
    )
    done = run("render", str(tmp_path))
    assert done.returncode == 2
    assert "InferenceService iris: metadata.namespace: required" in done.stderr
    assert run("render", str(tmp_path), "-n", "team").returncode == 0
    argo = run("render", str(tmp_path), env={"ARGOCD_APP_NAMESPACE": "team"})
    assert argo.returncode == 0, argo.stderr


def _corpus(root: Path) -> Path:
    """A few namespaces of InferenceServices and passthrough objects, spread over files."""
    files: dict[str, str] = {}
    for ns in ("team-b", "team-a", "zeta"):
        for i in range(4):
            files[f"{ns}/isvc-{i}.yaml"] = f"""
                apiVersion: serving.kserve.io/v1beta1
                kind: InferenceService
                metadata:
                  name: model-{i}
                  namespace: {ns}
                  labels: {{b: "2", a: "1"}}
                spec:
                  predictor:
                    {["sklearn", "xgboost", "tensorflow", "pytorch"][i]}:
                      storageUri: gs://bucket/{ns}/{i}
                """
        files[f"{ns}/extra.yaml"] = f"""
            apiVersion: v1
            kind: ConfigMap
            metadata: {{name: extra, namespace: {ns}}}
            data: {{z: "1", a: "ü"}}
            ---
            apiVersion: v1
            kind: ServiceAccount
            metadata: {{name: sa, namespace: {ns}}}
            """
    return build_tree(root, files)


def test_output_is_byte_identical_across_file_order_hash_seed_and_locale(tmp_path: Path) -> None:
    root = _corpus(tmp_path)
    files = sorted(str(p) for p in root.rglob("*.yaml"))
    outputs = set()
    rng = random.Random(7)
    for seed, locale in (("0", "C"), ("1", "C.UTF-8"), ("12345", "POSIX")):
        rng.shuffle(files)
        done = run("render", *files, env={"PYTHONHASHSEED": seed, "LC_ALL": locale})
        assert done.returncode == 0, done.stderr
        outputs.add(done.stdout)
    assert len(outputs) == 1
    assert outputs.pop().count("---\n") >= 6


def test_internal_error_exits_3_without_traceback_unless_debug(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(cli.pipeline, "run", boom)
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", "x"])
    assert exited.value.code == EXIT_INTERNAL
    err = capsys.readouterr().err
    assert "internal error: RuntimeError: kaboom" in err and "Traceback" not in err
    with pytest.raises(SystemExit):
        cli.main(["--debug", "render", "x"])
    assert "Traceback" in capsys.readouterr().err


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(*args: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli.pipeline, "run", interrupted)
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", "x"])
    assert exited.value.code == EXIT_INTERRUPTED


def test_urls_for_both_modes(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "raw.yaml": """
                apiVersion: serving.kserve.io/v1beta1
                kind: InferenceService
                metadata:
                  name: raw-iris
                  namespace: kserve-test
                  annotations: {serving.kserve.io/deploymentMode: RawDeployment}
                spec: {predictor: {sklearn: {storageUri: "gs://b/m"}}}
                """
        },
    )
    done = run("urls", str(QUICKSTART), str(tmp_path))
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "kserve-test/raw-iris\tStandard\thttp://raw-iris-kserve-test.example.com\t"
        "http://raw-iris-predictor.kserve-test.svc.cluster.local",
        "kserve-test/sklearn-iris\tKnative\thttp://sklearn-iris.kserve-test.example.com\t"
        "http://sklearn-iris.kserve-test.svc.cluster.local",
    ]
