"""Acceptance walk-throughs with the installed CLI: canary rollout, secrets, Knative flags."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import yaml
from helpers import build_tree
from test_cli import run

ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata: {{name: iris, namespace: team}}
spec:
  predictor:
{canary}    sklearn: {{storageUri: "gs://bucket/iris/{version}"}}
"""


def _ksvc(out: Path) -> dict[str, Any]:
    path = out / "team/iris/service.serving.knative.dev-iris-predictor.yaml"
    doc: dict[str, Any] = yaml.safe_load(path.read_text())
    return doc


def test_canary_walk_through(tmp_path: Path) -> None:
    """ksvc_reconciler.go traffic split, with the previous render standing in for
    status.components.predictor.latestRolledoutRevision."""
    apps, out = tmp_path / "apps", tmp_path / "rendered"
    build_tree(apps, {"iris.yaml": ISVC.format(canary="", version=1)})
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    v1 = _ksvc(out)
    v1_revision = v1["spec"]["template"]["metadata"]["name"]
    assert v1["spec"]["traffic"] == [{"latestRevision": True, "percent": 100}]

    build_tree(apps, {"iris.yaml": ISVC.format(canary="    canaryTrafficPercent: 10\n", version=2)})
    done = run("render", str(apps), "-o", str(out))
    assert done.returncode == 0, done.stderr
    v2 = _ksvc(out)
    v2_revision = v2["spec"]["template"]["metadata"]["name"]
    assert v2_revision != v1_revision
    assert v2["spec"]["traffic"] == [
        {"latestRevision": True, "percent": 10},
        {"latestRevision": False, "percent": 90, "revisionName": v1_revision, "tag": "prev"},
    ]

    build_tree(apps, {"iris.yaml": ISVC.format(canary="", version=2)})
    assert run("render", str(apps), "-o", str(out)).returncode == 0
    promoted = _ksvc(out)
    assert promoted["spec"]["traffic"] == [{"latestRevision": True, "percent": 100}]
    assert promoted["spec"]["template"]["metadata"]["name"] == v2_revision


def test_canary_without_a_previous_render_says_so(tmp_path: Path) -> None:
    build_tree(tmp_path, {"iris.yaml": ISVC.format(canary="    canaryTrafficPercent: 10\n",
                                                   version=1)})  # fmt: skip
    done = run("render", str(tmp_path))
    assert done.returncode == 0
    assert "no previous render" in done.stderr
    (ksvc,) = [d for d in yaml.safe_load_all(done.stdout) if d["kind"] == "Service"
               and d["apiVersion"] == "serving.knative.dev/v1"]  # fmt: skip
    assert ksvc["spec"]["traffic"] == [{"latestRevision": True, "percent": 100}]


def test_s3_credentials_are_references_and_no_secret_value_is_rendered(tmp_path: Path) -> None:
    access, secret = "AKIAREALLOOKINGKEY1234", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
    encoded = [base64.b64encode(v.encode()).decode() for v in (access, secret)]
    build_tree(
        tmp_path,
        {
            "isvc.yaml": """
                apiVersion: serving.kserve.io/v1beta1
                kind: InferenceService
                metadata: {name: mnist, namespace: team}
                spec:
                  predictor:
                    serviceAccountName: sa
                    tensorflow: {storageUri: "s3://bucket/mnist"}
                """,
            "secret.yaml": f"""
                apiVersion: v1
                kind: Secret
                metadata:
                  name: mysecret
                  namespace: team
                  annotations: {{serving.kserve.io/s3-endpoint: s3.amazonaws.com}}
                type: Opaque
                data:
                  AWS_ACCESS_KEY_ID: {encoded[0]}
                  AWS_SECRET_ACCESS_KEY: {encoded[1]}
                ---
                apiVersion: v1
                kind: ServiceAccount
                metadata: {{name: sa, namespace: team}}
                secrets: [{{name: mysecret}}]
                """,
        },
    )
    done = run("render", str(tmp_path))
    assert done.returncode == 0, done.stderr
    for value in [access, secret, *encoded]:
        assert value not in done.stdout
    docs = list(yaml.safe_load_all(done.stdout))
    assert not [d for d in docs if d["kind"] == "Secret"]
    (ksvc,) = [d for d in docs if d["apiVersion"] == "serving.knative.dev/v1"]
    (init,) = ksvc["spec"]["template"]["spec"]["initContainers"]
    env = {e["name"]: e for e in init["env"]}
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        assert env[name]["valueFrom"] == {"secretKeyRef": {"name": "mysecret", "key": name}}
    assert env["S3_ENDPOINT"]["value"] == "s3.amazonaws.com"


def test_knative_config_features_refusing_init_containers_is_an_error(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "iris.yaml": ISVC.format(canary="", version=1),
            "features.yaml": """
                apiVersion: v1
                kind: ConfigMap
                metadata: {name: config-features, namespace: knative-serving}
                data: {kubernetes.podspec-init-containers: disabled}
                """,
        },
    )
    done = run("render", str(tmp_path))
    assert done.returncode == 2 and done.stdout == ""
    assert "needs Knative feature kubernetes.podspec-init-containers" in done.stderr
    (tmp_path / "features.yaml").write_text(
        (tmp_path / "features.yaml").read_text().replace("disabled", "enabled")
    )
    assert run("render", str(tmp_path)).returncode == 0
