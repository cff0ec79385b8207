"""The oracle tests/checker.py: each rule it claims catches the mistake it names."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest
from checker import check_text
from helpers import REPO_ROOT

DEPLOYMENT = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: m-predictor, namespace: ns, labels: {app: m}}
spec:
  selector: {matchLabels: {app: m}}
  template:
    metadata: {labels: {app: m}}
    spec:
      containers: [{name: kserve-container, image: img, ports: [{containerPort: 8080}]}]
"""
KSVC = """
apiVersion: serving.knative.dev/v1
kind: Service
metadata: {name: m-predictor, namespace: ns}
spec:
  template:
    spec:
      containers: [{name: kserve-container, image: img}]
"""
ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {name: m, namespace: ns}
spec:
  predictor:
    model: {modelFormat: {name: sklearn}, storageUri: "gs://b/m"}
"""
VIRTUAL_SERVICE = """
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata: {name: m, namespace: ns}
"""


def problems(text: str) -> list[str]:
    return check_text(textwrap.dedent(text).lstrip("\n"), "t.yaml")


def test_valid_objects_pass() -> None:
    assert problems(DEPLOYMENT + "---" + KSVC + "---" + ISVC) == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # built-in kinds: strict Kubernetes 1.34 schemas
        (DEPLOYMENT.replace("image: img", "image: img, imagePullSecret: x"), "imagePullSecret"),
        (DEPLOYMENT.replace("containerPort: 8080", "containerPort: '8080'"), "containerPort"),
        # custom resources: the CRD's schema, closed where it lists properties
        (KSVC.replace("image: img", "image: img, stdin: true"), "stdin"),
        (ISVC.replace("spec:\n", "spec:\n  nodeName: n\n"), "nodeName"),
        (ISVC.replace("name: m,", "name: m, labelz: {},"), "labelz"),
        (KSVC.replace("spec:\n  template", "spec:\n  traffic: [{percent: x}]\n  template"), "x"),
        # x-kubernetes-list-type map: ports are unique by (containerPort, protocol)
        (
            ISVC.replace(
                "model:",
                "containers: [{name: c, image: i, ports: [{containerPort: 8},"
                " {containerPort: 8}]}]\n    model:",
            ),
            "duplicate entry",
        ),
        # names, namespaces, labels, annotations
        (DEPLOYMENT.replace("name: m-predictor", "name: M_predictor"), "metadata.name"),
        (KSVC.replace("name: m-predictor", "name: 1-predictor"), "DNS-1035"),
        (ISVC.replace("namespace: ns", "namespace: Ns"), "metadata.namespace"),
        (DEPLOYMENT.replace("labels: {app: m}}", "labels: {app: m/x}}"), "label value"),
        (DEPLOYMENT.replace("labels: {app: m}}", "labels: {-app: m}}"), "label key"),
        (ISVC.replace("namespace: ns}", "namespace: ns, annotations: {a/b/c: x}}"), "annotation"),
        # scope, identity, shape
        (
            "apiVersion: serving.kserve.io/v1alpha1\nkind: ClusterServingRuntime\n"
            "metadata: {name: r, namespace: ns}\nspec: {containers: [{name: c, image: i}]}\n",
            "cluster-scoped",
        ),
        (ISVC + "---" + ISVC, "the same object"),
        (ISVC.replace("spec:", "metadata: {}\nspec:"), "duplicate key"),
        ("apiVersion: v1\nkind: ConfigMap\n", "metadata"),
        ("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n", "no CRD"),
        (
            "apiVersion: serving.kserve.io/v1alpha2\nkind: InferenceService\nmetadata: {name: w}\n",
            "serves no version",
        ),
    ],
)
def test_each_rule_catches_its_mistake(text: str, expected: str) -> None:
    found = problems(text)
    assert found, "no problem found"
    assert any(expected in line for line in found), found


def test_a_problem_line_names_source_line_object_and_field() -> None:
    (line,) = problems(ISVC + "---" + KSVC.replace("image: img", "image: img, stdin: true"))
    assert line.startswith("t.yaml:8: Service ns/m-predictor: spec.template.spec.containers[0]")


def test_nullable_and_int_or_string_are_honoured() -> None:
    text = DEPLOYMENT.replace(
        "spec:\n  selector", "spec:\n  strategy: {rollingUpdate: {maxSurge: 25%}}\n  selector"
    )
    assert problems(text) == []
    null = "http: [{route: [{destination: {host: h}}], mirror_percent: null}]"
    virtual_service = f"{VIRTUAL_SERVICE}spec: {{hosts: [h], {null}}}\n"
    assert problems(virtual_service) == []
    assert problems(virtual_service.replace("null}", "'x'}"))


def test_the_script_exits_one_on_problems_and_zero_when_clean() -> None:
    script = str(REPO_ROOT / "tests" / "checker.py")
    bad = ISVC.replace("spec:\n", "spec:\n  nodeName: n\n")
    for text, code in ((ISVC, 0), (bad, 1)):
        done = subprocess.run([sys.executable, script, "-"], input=textwrap.dedent(text),
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == code, done.stdout + done.stderr
        assert done.stdout.endswith(f"1 documents, {code} problems\n")
