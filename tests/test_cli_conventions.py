"""The conventions users of `helm template` and `kustomize build` expect from a renderer
(issue 16): NO_COLOR, --version, `-` for stdin, --debug on every command, help that matches
the command, singular counts, --explain reasons, -n for passed-through objects, kustomize and
Helm files in the input folder, and an empty input set said on stderr."""

from __future__ import annotations

import os
import pty
import shlex
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT, build_tree
from test_cli import QUICKSTART, console_script, run

from generator import cli

ISVC = """
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata: {name: iris}
    spec:
      predictor:
        sklearn: {storageUri: gs://kfserving-examples/models/sklearn/1.0/model}
"""


def invoke(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The CLI in this process (cheaper than the console script): exit code, stdout, stderr."""
    with pytest.raises(SystemExit) as exited:
        cli.main(list(args))
    out, err = capsys.readouterr()
    code = exited.value.code
    return (code if isinstance(code, int) else 0), out, err


def docs(stdout: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(stdout) if d is not None]


# --- NO_COLOR, --version, --debug, help ----------------------------------------------------------


def _diff_on_a_terminal(out_dir: Path, env: dict[str, str]) -> bytes:
    """`diff` with its stdout on a pseudo-terminal (colour is for terminals only)."""
    main, child = pty.openpty()
    proc = subprocess.Popen(
        [console_script(), "diff", str(QUICKSTART), "-o", str(out_dir)],
        stdout=child,
        stderr=subprocess.DEVNULL,
        env=env,
    )
    os.close(child)
    chunks = []
    while True:
        try:
            chunk = os.read(main, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    os.close(main)
    assert proc.wait(timeout=120) == 1  # changes: everything is new
    return b"".join(chunks)


def test_no_color_turns_colour_off_on_a_terminal(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"}
    assert b"\x1b[" in _diff_on_a_terminal(tmp_path / "out", env)  # coloured by default
    plain = _diff_on_a_terminal(tmp_path / "out", {**env, "NO_COLOR": "1"})
    assert b"\x1b[" not in plain and b"+kind: Service" in plain.replace(b"\r", b"")


def test_version_option_prints_what_the_version_command_prints(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = invoke(capsys, "--version")
    assert code == 0
    assert out == invoke(capsys, "version")[1]
    assert out.startswith("kserve-gitops ") and "(KServe v0.20.0)" in out


@pytest.mark.parametrize("command", ["render", "diff", "check", "urls", "validate"])
def test_debug_is_accepted_after_the_command(command: str) -> None:
    done = run(command, "--help")
    assert "--debug" in done.stdout


def test_debug_after_the_command_shows_the_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(*args: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(cli.pipeline, "run", boom)
    code, _, err = invoke(capsys, "render", "--debug", str(QUICKSTART))
    assert code == 3 and "Traceback" in err


def test_urls_help_does_not_mention_an_o_folder_it_lacks() -> None:
    urls_help = run("urls", "--help").stdout
    assert "-o" not in urls_help.replace("--", "")
    assert "-o folder" in run("render", "--help").stdout.replace("\n", " ").replace("  ", " ")


# --- stdin ------------------------------------------------------------------------------------


def test_dash_reads_the_input_from_stdin(tmp_path: Path) -> None:
    build_tree(tmp_path, {"iris.yaml": ISVC})
    text = (tmp_path / "iris.yaml").read_text()
    from_file = run("render", "-n", "models", str(tmp_path))
    from_stdin = subprocess.run(
        [console_script(), "render", "-n", "models", "-"],
        input=text,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert from_stdin.stdout == from_file.stdout and from_stdin.stdout


def test_problems_in_stdin_name_it(tmp_path: Path) -> None:
    done = subprocess.run(
        [console_script(), "render", "-"],
        input="apiVersion: v1\nkind: [unclosed\n",
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("<stdin>:"), done.stderr


# --- --default-deployment-mode --------------------------------------------------------------


def test_default_deployment_mode_flag(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    build_tree(tmp_path, {"iris.yaml": ISVC})
    code, out, err = invoke(capsys, "render", "-n", "m", str(tmp_path))
    assert code == 0, err
    assert "Service" in {d["kind"] for d in docs(out) if d["apiVersion"].startswith("serving.")}
    code, out, err = invoke(
        capsys, "render", "-n", "m", "--default-deployment-mode", "Standard", "--explain",
        str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    kinds = {(d["apiVersion"], d["kind"]) for d in docs(out)}
    assert ("apps/v1", "Deployment") in kinds
    assert not any(api.startswith("serving.knative.dev") for api, _ in kinds)
    assert "mode Standard (no annotation, so deploy.defaultDeploymentMode of " in err
    assert "--default-deployment-mode" in err


def test_default_deployment_mode_yields_to_the_annotation_and_keeps_other_deploy_fields(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    annotated = ISVC.replace(
        "metadata: {name: iris}",
        "metadata: {name: iris, annotations: {serving.kserve.io/deploymentMode: Knative}}",
    )
    config = """
        apiVersion: v1
        kind: ConfigMap
        metadata: {name: inferenceservice-config, namespace: kserve}
        data:
          deploy: '{"defaultDeploymentMode": "Knative", "deploymentRolloutStrategy":
            {"defaultRollout": {"maxSurge": "1", "maxUnavailable": "0"}}}'
    """
    build_tree(tmp_path, {"iris.yaml": annotated, "plain.yaml": ISVC.replace("iris", "plain"),
                          "config.yaml": config})  # fmt: skip
    code, out, err = invoke(
        capsys, "render", "-n", "m", "--default-deployment-mode", "Standard", "--explain",
        str(tmp_path),
    )  # fmt: skip
    assert code == 0, err
    by_name = {(d["kind"], d["metadata"]["name"]): d for d in docs(out)}
    assert ("Service", "iris-predictor") in by_name  # the Knative Service: the annotation wins
    assert by_name[("Service", "iris-predictor")]["apiVersion"].startswith("serving.knative.dev")
    deployment = by_name[("Deployment", "plain-predictor")]
    assert deployment["spec"]["strategy"]["rollingUpdate"] == {"maxSurge": "1",
                                                                "maxUnavailable": "0"}  # fmt: skip
    assert (
        "InferenceService m/iris: mode Knative (set by its serving.kserve.io/deploymentMode" in err
    )


def test_default_deployment_mode_refuses_other_values(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = invoke(capsys, "render", "--default-deployment-mode", "Fast", str(QUICKSTART))
    assert code == 2 and out == ""
    assert "--default-deployment-mode" in err and "Knative" in err


# --- counts and --explain ---------------------------------------------------------------------


def test_validate_counts_in_the_singular_for_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = invoke(capsys, "validate", str(QUICKSTART))
    assert code == 0
    assert "(1 InferenceService, " in err and "InferenceServices" not in err
    build_tree(tmp_path, {"b.yaml": ISVC.replace("name: iris", "name: b, namespace: kserve-test")})
    assert "(2 InferenceServices, " in invoke(capsys, "validate", str(QUICKSTART), str(tmp_path))[2]


def test_explain_says_why_a_runtime_was_chosen(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    named = ISVC.replace("name: iris", "name: named").replace(
        "sklearn: {storageUri: gs://kfserving-examples/models/sklearn/1.0/model}",
        "model: {modelFormat: {name: sklearn}, runtime: kserve-mlserver,"
        " protocolVersion: v2, storageUri: gs://b/m}",
    )
    build_tree(tmp_path, {"iris.yaml": ISVC, "named.yaml": named})
    code, _, err = invoke(capsys, "render", "-n", "m", "--explain", str(tmp_path))
    assert code == 0, err
    lines = {line.split(": InferenceService ")[1].split(":")[0]: line for line in err.splitlines()}
    assert (
        "runtime kserve-sklearnserver (auto-selected for modelFormat sklearn and protocol v1, "
        "the first of the runtimes that support it [kserve-sklearnserver" in lines["m/iris"]
    )
    assert "runtime kserve-mlserver (named by spec.predictor.model.runtime)" in lines["m/named"]
    assert "of KServe's built-in inferenceservice-config" in lines["m/iris"]


# --- passthrough objects and -n -------------------------------------------------------------

PASSTHROUGH = {
    "iris.yaml": ISVC,
    "settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
    "team.yaml": "apiVersion: v1\nkind: Namespace\nmetadata: {name: team}\n",
    "reader.yaml": "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
    "metadata: {name: reader}\nrules: []\n",
    "pinned.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: pinned, namespace: other}\n",
    "crd.yaml": """
        apiVersion: apiextensions.k8s.io/v1
        kind: CustomResourceDefinition
        metadata: {name: widgets.example.com}
        spec:
          group: example.com
          scope: Cluster
          names: {kind: Widget, plural: widgets}
          versions: [{name: v1, served: true, storage: true}]
    """,
    "widget.yaml": "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n",
}


def test_passthrough_objects_get_the_namespace_of_dash_n(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_tree(tmp_path / "in", PASSTHROUGH)
    code, out, err = invoke(capsys, "render", "-n", "models", str(tmp_path / "in"),
                            "--allow-cluster-scoped")  # fmt: skip
    assert code == 0, err
    namespaces = {(d["kind"], d["metadata"]["name"]): d["metadata"].get("namespace")
                  for d in docs(out)}  # fmt: skip
    assert namespaces[("ConfigMap", "settings")] == "models"
    assert namespaces[("ConfigMap", "pinned")] == "other"  # a namespace written stays
    for cluster_scoped in [("Namespace", "team"), ("ClusterRole", "reader"), ("Widget", "w"),
                           ("CustomResourceDefinition", "widgets.example.com")]:  # fmt: skip
        assert namespaces[cluster_scoped] is None, cluster_scoped
    code, _, err = invoke(capsys, "render", "-n", "models", str(tmp_path / "in"),
                          "-o", str(tmp_path / "out"), "--allow-cluster-scoped")  # fmt: skip
    assert code == 0, err
    assert (tmp_path / "out" / "models" / "_passthrough").is_dir()
    written = {p.name for p in (tmp_path / "out" / "_cluster").rglob("*.yaml")}
    assert not any("settings" in name for name in written), written


def test_passthrough_objects_without_dash_n_stay_as_written(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_tree(tmp_path, {"settings.yaml": PASSTHROUGH["settings.yaml"]})
    code, out, _ = invoke(capsys, "render", str(tmp_path))
    assert code == 0
    assert docs(out)[0]["metadata"] == {"name": "settings"}


# --- kustomize and Helm files in the input ----------------------------------------------------

KUSTOMIZATION = """
    apiVersion: kustomize.config.k8s.io/v1beta1
    kind: Kustomization
    resources: [iris.yaml]
"""


@pytest.mark.parametrize("name", ["kustomization.yaml", "kustomization.yml"])
def test_a_kustomization_file_is_skipped_with_a_note(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], name: str
) -> None:
    build_tree(tmp_path / "in", {"iris.yaml": ISVC, name: KUSTOMIZATION})
    code, out, err = invoke(capsys, "render", "-n", "m", str(tmp_path / "in"))
    assert code == 0, err
    assert all(d["kind"] != "Kustomization" for d in docs(out))
    assert f"{tmp_path / 'in' / name}: a kustomize file, skipped" in err
    code, _, err = invoke(capsys, "render", "-n", "m", str(tmp_path / "in"),
                          "-o", str(tmp_path / "out"))  # fmt: skip
    assert code == 0, err
    code, _, err = invoke(capsys, "validate", "-n", "m", str(tmp_path / "in"))
    assert code == 0 and "a kustomize file, skipped" in err


def test_a_kustomize_component_in_another_file_is_skipped_too(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    component = "apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\n"
    build_tree(tmp_path, {"iris.yaml": ISVC, "component.yaml": component})
    code, out, err = invoke(capsys, "render", "-n", "m", str(tmp_path))
    assert code == 0, err
    assert all(d["kind"] != "Component" for d in docs(out))
    assert "component.yaml:1: a kustomize file, skipped" in err


def test_helm_chart_files_get_a_clear_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_tree(
        tmp_path / "helm",
        {
            "Chart.yaml": "apiVersion: v2\nname: models\nversion: 0.1.0\n",
            "values.yaml": "replicas: 2\nimage: {tag: latest}\n",
            "templates/isvc.yaml": """
                apiVersion: serving.kserve.io/v1beta1
                kind: InferenceService
                metadata:
                  name: {{ .Release.Name }}
                spec: {}
            """,
        },
    )
    code, out, err = invoke(capsys, "render", "-n", "m", str(tmp_path / "helm"))
    assert code == 2 and out == ""
    lines = err.splitlines()
    chart = next(line for line in lines if "Chart.yaml" in line)
    values = next(line for line in lines if "values.yaml" in line)
    template = next(line for line in lines if "isvc.yaml" in line)
    assert chart.endswith("a Helm chart's Chart.yaml, not a Kubernetes object (render the chart "
                          "with `helm template` and give kserve-gitops its output)")  # fmt: skip
    assert "Helm chart values, not a Kubernetes object" in values
    assert "a Helm template? render the chart with `helm template`" in template
    assert not any(":  :" in line or ": : " in line for line in lines), lines


def test_a_document_without_kind_names_no_empty_object(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    build_tree(tmp_path, {"settings.yaml": "name: x\nvalue: 1\n",
                          "nokind.yaml": "apiVersion: v1\nmetadata: {name: y}\n"})  # fmt: skip
    code, _, err = invoke(capsys, "render", str(tmp_path))
    assert code == 2
    assert f"{tmp_path / 'settings.yaml'}:1: not a Kubernetes object: it has no apiVersion" in err
    assert f"{tmp_path / 'nokind.yaml'}:1: kind: required value" in err


# --- empty input ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("files", "message"),
    [
        ({"README.md": "# models\n"}, "no .yaml, .yml or .json files here"),
        ({"empty.yaml": "---\n# nothing\n"}, "the input set has no objects: nothing to render"),
    ],
    ids=["no-yaml-files", "no-objects"],
)
def test_an_empty_input_set_says_so_on_stderr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], files: dict[str, str], message: str
) -> None:
    build_tree(tmp_path, files)
    code, out, err = invoke(capsys, "render", str(tmp_path))
    assert code == 0 and out == ""
    assert message in err


def test_a_folder_without_inputs_is_named_even_beside_others(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "typo").mkdir()
    code, out, err = invoke(capsys, "render", str(QUICKSTART), str(tmp_path / "typo"))
    assert code == 0 and out
    assert f"warning: {tmp_path / 'typo'}: no .yaml, .yml or .json files here" in err


# --- check's fix hint -------------------------------------------------------------------------


def test_following_the_check_hint_renders_what_check_compares(tmp_path: Path) -> None:
    repo = Path(shutil.copytree(REPO_ROOT / "examples" / "gitops-repo", tmp_path / "repo"))
    inputs = ["apps", "config", "--overlay", "staging", "--sync-waves", "-o", "rendered/staging",
              "--allow-cluster-scoped"]  # fmt: skip
    isvc = repo / "apps" / "team-a" / "sklearn-iris.yaml"
    isvc.write_text(isvc.read_text().replace("sklearn/1.0/model", "sklearn/2.0/model"))
    stale = run("check", *inputs, cwd=repo)
    assert stale.returncode == 1
    hint = stale.stderr.strip().splitlines()[-1]
    assert "--overlay staging" in hint and "--sync-waves" in hint, hint
    command = shlex.split(hint.split("run ", 1)[1])
    assert command[:2] == ["kserve-gitops", "render"]
    assert run(*command[1:], cwd=repo).returncode == 0
    assert run("check", *inputs, cwd=repo).returncode == 0  # the hint fixed it
