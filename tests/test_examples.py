"""Real published KServe examples: the valid ones render, the invalid ones are rejected clearly."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from checker import check_files
from helpers import REFERENCE, require_shared

from generator import cli
from generator.errors import EXIT_INVALID, EXIT_OK

EXAMPLES = REFERENCE / "examples"
INVALID = REFERENCE / "examples-invalid"

# file → a regex the problem line must match after "<file>:<line>: " (the field KServe rejects).
INVALID_FIELDS = {
    "alibi-income.yaml": r"InferenceService default/income: spec\.(explainer\.alibi|"
    r"predictor\.sklearn\.resources\.requests\.cpu): ",
    "alibi-tabular-cpu-float.yaml": r"InferenceService default/\S+: spec\.\S+: ",
    "bentoml-placeholder.yaml": r"invalid YAML: ",
    "bloom-nodename.yaml": r"InferenceService default/\S+: spec\.nodeName: unknown field",
    "keda-external-auth.yaml": r"InferenceService default/huggingface-fbopt: "
    r"spec\.predictor\.autoScaling\.metrics\[0\]\.external\.\S+: ",
    "kpa-scalemetric-qps.yaml": r"InferenceService default/\S+: spec\.predictor\.scaleMetric: "
    r".*\"qps\"",
    "logger-request-header.yaml": r"InferenceService default/sklearn-iris: (predictor|spec): ",
    "pvc-v1alpha2.yaml": r"InferenceService default/\S+: apiVersion: .*v1alpha2",
    "rollout-transformer-custom.yaml": r"InferenceService default/\S+: spec\.transformer\.custom: "
    r"unknown field",
}


# Published as valid, yet KServe v0.20.0's validating webhook rejects it: `validatePredictor`
# (inference_service_validation.go) refuses a container `name` in a framework spec, and the
# defaulter has already moved `sklearn.name` to `model.name`. We follow KServe, not the sample.
KSERVE_REJECTS = {
    "kserve-samples/mms-sklearn-isvc.yaml": r"InferenceService default/sklearn-iris-example: "
    r"spec\.predictor\.sklearn\.name: the 'name' field is not allowed in standard predictor$",
}


def _files(folder: Path) -> list[str]:
    if not folder.exists():
        return []
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml"))


def render(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", *args])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), out, err


def test_the_reference_sets_are_complete() -> None:
    require_shared("reference", "examples")
    assert len(_files(EXAMPLES)) == 40
    assert sorted(_files(INVALID)) == sorted(INVALID_FIELDS)


@pytest.mark.parametrize("name", _files(EXAMPLES) or ["<absent>"])
def test_published_example_renders(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    path = require_shared("reference", "examples") / name
    code, out, err = render(capsys, str(path), "--namespace", "default")
    if name in KSERVE_REJECTS:
        assert code == EXIT_INVALID and out == ""
        assert re.match(re.escape(str(path)) + r":\d+: " + KSERVE_REJECTS[name], err), err
        return
    assert code == EXIT_OK, err
    assert all(isinstance(doc, dict) for doc in yaml.safe_load_all(out))


@pytest.mark.parametrize("name", sorted(INVALID_FIELDS))
def test_published_invalid_example_is_rejected(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = require_shared("reference", "examples-invalid") / name
    code, out, err = render(capsys, str(path), "--namespace", "default")
    assert code == EXIT_INVALID
    assert out == ""
    lines = err.splitlines()
    assert lines, "no message"
    pattern = re.escape(str(path)) + r":\d+: " + INVALID_FIELDS[name]
    assert any(re.match(pattern, line) for line in lines), err


@pytest.mark.parametrize("default_mode", ["Knative", "Standard"])
def test_every_rendered_example_passes_the_independent_checker(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], default_mode: str
) -> None:
    """What the published examples render, with either default deployment mode, validates
    against the real CRDs and Kubernetes 1.34 schemas (tests/checker.py, which shares no code
    with the generator). Examples that set a mode keep theirs."""
    config = tmp_path / "config.yaml"
    config.write_text(f'deploy: \'{{"defaultDeploymentMode": "{default_mode}"}}\'\n')
    outputs = []
    for name in _files(EXAMPLES):
        if name in KSERVE_REJECTS:
            continue
        code, out, err = render(
            capsys, str(EXAMPLES / name), "--namespace", "default", "--config", str(config)
        )
        assert code == EXIT_OK, err
        path = tmp_path / (name.replace("/", "__"))
        path.write_text(out)
        outputs.append(str(path))
    kinds = {doc["kind"] for path in outputs for doc in yaml.safe_load_all(Path(path).read_text())}
    expected = "Deployment" if default_mode == "Standard" else "VirtualService"
    assert expected in kinds
    count, problems = check_files(outputs, per_file=True)
    assert count > len(outputs)
    assert problems == []
