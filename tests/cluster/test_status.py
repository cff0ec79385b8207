"""`kserve-gitops status` against the fake API server, through the real `kubernetes` client.

The Standard-mode case is KServe's controller test "Should have httproute/service/deployment
created" (rawkube_controller_test.go, expected status `getExpectedIsvcStatus`); the Knative
canary is the 90/10 split of docs' canary rollout with the Knative Service status shapes of
KServe's controller tests.
"""

from __future__ import annotations

import copy
import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from cluster.fake_apiserver import KNATIVE, KSERVE, TOKEN, FakeApiServer
from helpers import build_tree

from generator import pipeline
from generator.cli import cli


def three_hours_ago() -> str:
    """A creationTimestamp that kubectl shows as AGE 3h for the next minute."""
    return (datetime.now(UTC) - timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M:%SZ")


STANDARD_INPUT = """
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata:
      name: raw-foo-2
      namespace: default
      annotations:
        serving.kserve.io/deploymentMode: RawDeployment
        serving.kserve.io/autoscalerClass: none
    spec:
      predictor:
        tensorflow:
          storageUri: s3://test/mnist/export
          runtimeVersion: "1.14.0"
    ---
    apiVersion: serving.kserve.io/v1alpha1
    kind: ServingRuntime
    metadata:
      name: tf-serving-raw
      namespace: default
    spec:
      supportedModelFormats:
        - name: tensorflow
          version: "1"
          autoSelect: true
      containers:
        - name: kserve-container
          image: tensorflow/serving:1.14.0
          command: [/usr/bin/tensorflow_model_server]
          args: [--port=9000, --rest_api_port=8080, --model_base_path=/mnt/models]
      disabled: false
"""
# getRawKubeTestConfigs(): the base test ingress config with the Gateway API enabled
STANDARD_CONFIG = """
    ingress: |
      {"kserveIngressGateway": "kserve/kserve-ingress-gateway",
       "ingressGateway": "knative-serving/knative-ingress-gateway",
       "localGateway": "knative-serving/knative-local-gateway",
       "localGatewayService": "knative-local-gateway.istio-system.svc.cluster.local",
       "enableGatewayApi": true, "additionalIngressDomains": ["additional.example.com"]}
"""
ISTIO_ACCEPTED = {
    "parents": [
        {
            "parentRef": {"name": "kserve-ingress-gateway", "namespace": "kserve"},
            "controllerName": "istio.io/gateway-controller",
            "conditions": [
                {
                    "type": "Accepted",
                    "status": "True",
                    "reason": "Accepted",
                    "message": "Route was valid",
                }
            ],
        }
    ]
}


def iris(storage_uri: str, canary: int | None = None) -> str:
    canary_line = f"\n        canaryTrafficPercent: {canary}" if canary is not None else ""
    return f"""
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata:
      name: sklearn-iris
      namespace: kserve-test
    spec:
      predictor:{canary_line}
        model:
          modelFormat:
            name: sklearn
          storageUri: {storage_uri}
    """


def render(paths: list[Path], **options: Any) -> pipeline.Result:
    request = pipeline.Request(paths=tuple(str(p) for p in paths), **options)
    return pipeline.run(request)


def sync(server: FakeApiServer, result: pipeline.Result, **statuses: dict[str, Any]) -> None:
    """Put the rendered objects into the fake cluster, with the statuses their controllers
    would write (keyed by kind), as Argo CD or Flux plus the cluster would."""
    for item in result.objects:
        obj = copy.deepcopy(item.obj)
        obj["metadata"]["creationTimestamp"] = three_hours_ago()
        if item.kind in statuses:
            obj["status"] = copy.deepcopy(statuses[item.kind])
        server.add(obj)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def without_times(status: dict[str, Any]) -> dict[str, Any]:
    """What KServe's Go tests compare: everything but the conditions' transition times."""
    out = copy.deepcopy(status)
    for cond in out.get("conditions") or ():
        cond.pop("lastTransitionTime")
    return out


@pytest.fixture
def standard(tmp_path: Path, apiserver: FakeApiServer) -> tuple[Path, Path]:
    build_tree(tmp_path, {"apps/raw.yaml": STANDARD_INPUT, "config.yaml": STANDARD_CONFIG})
    apps, config = tmp_path / "apps", tmp_path / "config.yaml"
    result = render([apps], config_files=(str(config),))
    sync(
        apiserver,
        result,
        Deployment={"conditions": [{"type": "Available", "status": "True"}]},
        HTTPRoute=ISTIO_ACCEPTED,
    )
    return apps, config


def test_standard_mode_prints_kubectl_columns(
    standard: tuple[Path, Path], kubeconfig: Path
) -> None:
    apps, config = standard
    done = run("status", str(apps), "--config", str(config), "--kubeconfig", str(kubeconfig))
    assert done.exit_code == 0, done.output
    assert done.stdout == (
        "NAME        URL                                    READY   PREV   LATEST   "
        "PREVROLLEDOUTREVISION   LATESTREADYREVISION   AGE\n"
        "raw-foo-2   http://raw-foo-2-default.example.com   True    " + " " * 62 + "3h\n"
    )


def test_standard_mode_status_equals_kserve_test_expectation(
    standard: tuple[Path, Path], kubeconfig: Path
) -> None:
    """getExpectedIsvcStatus(raw-foo-2) of KServe's rawkube controller test."""
    apps, config = standard
    done = run(
        "status", str(apps), "--config", str(config), "--kubeconfig", str(kubeconfig), "-o", "json"
    )
    assert done.exit_code == 0, done.output
    obj = json.loads(done.stdout)
    assert without_times(obj["status"]) == {
        "conditions": [
            {"type": "IngressReady", "status": "True"},
            {"type": "PredictorReady", "status": "True"},
            {"type": "Ready", "status": "True"},
            {"type": "Stopped", "status": "False", "severity": "Info"},
        ],
        "url": "http://raw-foo-2-default.example.com",
        "address": {"url": "http://raw-foo-2-predictor.default.svc.cluster.local"},
        "components": {"predictor": {"url": "http://raw-foo-2-predictor-default.example.com"}},
        "modelStatus": {
            "transitionStatus": "InProgress",
            "states": {"activeModelState": "", "targetModelState": "Pending"},
            "copies": {"failedCopies": 0},
        },
        "deploymentMode": "Standard",
        "servingRuntimeName": "tf-serving-raw",
    }
    assert all(c["lastTransitionTime"].endswith("Z") for c in obj["status"]["conditions"])


def test_standard_mode_route_not_accepted_is_not_ready(
    tmp_path: Path, apiserver: FakeApiServer, kubeconfig: Path
) -> None:
    """reconcileHTTPRouteStatus: a route without parent status keeps IngressReady False."""
    build_tree(tmp_path, {"apps/raw.yaml": STANDARD_INPUT, "config.yaml": STANDARD_CONFIG})
    config = tmp_path / "config.yaml"
    result = render([tmp_path / "apps"], config_files=(str(config),))
    sync(apiserver, result, Deployment={"conditions": [{"type": "Available", "status": "True"}]})
    done = run(
        "status", str(tmp_path / "apps"), "--config", str(config),
        "--kubeconfig", str(kubeconfig), "-o", "json",
    )  # fmt: skip
    conditions = {c["type"]: c for c in json.loads(done.stdout)["status"]["conditions"]}
    assert conditions["IngressReady"]["status"] == "False"
    assert conditions["IngressReady"]["reason"] == "ParentStatusNotAvailable"
    assert conditions["IngressReady"]["message"] == "Predictor HttpRouteNotReady"
    assert conditions["Ready"]["status"] == "False"


@pytest.fixture
def canary(tmp_path: Path, apiserver: FakeApiServer) -> tuple[Path, Path, str, str]:
    """sklearn-iris rolled out at v1, then v2 with canaryTrafficPercent 10, synced and ready."""
    build_tree(
        tmp_path, {"apps/iris.yaml": iris("gs://kfserving-examples/models/sklearn/1.0/model")}
    )
    apps, rendered = tmp_path / "apps", tmp_path / "rendered"
    assert run("render", str(apps), "-o", str(rendered)).exit_code == 0
    build_tree(
        tmp_path, {"apps/iris.yaml": iris("gs://kfserving-examples/models/sklearn/1.0/model-2", 10)}
    )
    result = render([apps], previous=(str(rendered),))
    ksvc = next(
        x.obj
        for x in result.objects
        if x.kind == "Service" and "serving.knative" in x.obj["apiVersion"]
    )
    latest = ksvc["spec"]["template"]["metadata"]["name"]
    prev = next(t["revisionName"] for t in ksvc["spec"]["traffic"] if t.get("tag") == "prev")
    host = "sklearn-iris-predictor.kserve-test"
    status = {
        "observedGeneration": 2,
        "conditions": [
            {"type": "ConfigurationsReady", "status": "True"},
            {"type": "Ready", "status": "True"},
            {"type": "RoutesReady", "status": "True"},
        ],
        "latestCreatedRevisionName": latest,
        "latestReadyRevisionName": latest,
        "url": f"http://{host}.example.com",
        "address": {"url": f"http://{host}.svc.cluster.local"},
        "traffic": [
            {"tag": "latest", "revisionName": latest, "latestRevision": True, "percent": 10,
             "url": f"http://latest-{host}.example.com"},
            {"tag": "prev", "revisionName": prev, "latestRevision": False, "percent": 90,
             "url": f"http://prev-{host}.example.com"},
        ],
    }  # fmt: skip
    sync(apiserver, result, Service=status)
    pod = {
        "apiVersion": "v1",
        "kind": "Pod",
        "metadata": {
            "name": f"{latest}-deployment-abc",
            "namespace": "kserve-test",
            "labels": {"serving.knative.dev/revision": latest},
        },
        "status": {"phase": "Running", "conditions": [{"type": "Ready", "status": "True"}]},
    }
    apiserver.add(pod)
    return apps, rendered, latest, prev


def test_knative_canary_prints_kubectl_columns(
    canary: tuple[Path, Path, str, str], kubeconfig: Path
) -> None:
    apps, rendered, latest, prev = canary
    done = run("status", str(apps), "--previous", str(rendered), "--kubeconfig", str(kubeconfig))
    assert done.exit_code == 0, done.output
    url = "http://sklearn-iris.kserve-test.example.com"
    header = [
        "NAME",
        "URL",
        "READY",
        "PREV",
        "LATEST",
        "PREVROLLEDOUTREVISION",
        "LATESTREADYREVISION",
        "AGE",
    ]
    row = ["sklearn-iris", url, "True", "90", "10", prev, latest, "3h"]
    # kubectl's tabwriter: each column as wide as its widest cell plus 3, the last unpadded
    assert len(prev) == len(latest)
    widths = [15, len(url) + 3, 8, 7, 9, len(prev) + 3, len(latest) + 3]
    expected = "".join(
        "".join(cell.ljust(w) for cell, w in zip(line[:-1], widths, strict=True)) + line[-1] + "\n"
        for line in (header, row)
    )
    assert done.stdout == expected


def test_knative_canary_status_equals_kserve_expectation(
    canary: tuple[Path, Path, str, str], kubeconfig: Path
) -> None:
    """The status KServe's controller writes for these children: the component from
    PropagateStatus (traffic as Knative reports it; the rolled-out revision is the one the
    canary splits with), the URL from the ingress reconciler, the model Loaded from the pod."""
    apps, rendered, latest, prev = canary
    done = run(
        "status", str(apps), "--previous", str(rendered),
        "--kubeconfig", str(kubeconfig), "-o", "json",
    )  # fmt: skip
    obj = json.loads(done.stdout)
    host = "sklearn-iris-predictor.kserve-test"
    info = {"severity": "Info"}
    assert without_times(obj["status"]) == {
        "observedGeneration": 2,
        "conditions": [
            {"type": "IngressReady", "status": "True"},
            {"type": "LatestDeploymentReady", "status": "True", **info},
            {"type": "PredictorConfigurationReady", "status": "True", **info},
            {"type": "PredictorReady", "status": "True"},
            {"type": "PredictorRouteReady", "status": "True", **info},
            {"type": "Ready", "status": "True"},
            {"type": "RoutesReady", "status": "True", **info},
            {"type": "Stopped", "status": "False", **info},
        ],
        "url": "http://sklearn-iris.kserve-test.example.com",
        "address": {"url": "http://sklearn-iris.kserve-test.svc.cluster.local"},
        "components": {
            "predictor": {
                "latestCreatedRevision": latest,
                "latestReadyRevision": latest,
                "latestRolledoutRevision": prev,
                "url": f"http://{host}.example.com",
                "address": {"url": f"http://{host}.svc.cluster.local"},
                "traffic": [
                    {"tag": "latest", "revisionName": latest, "latestRevision": True,
                     "percent": 10, "url": f"http://latest-{host}.example.com"},
                    {"tag": "prev", "revisionName": prev, "latestRevision": False,
                     "percent": 90, "url": f"http://prev-{host}.example.com"},
                ],
            }
        },
        "modelStatus": {
            "transitionStatus": "UpToDate",
            "states": {"activeModelState": "Loaded", "targetModelState": "Loaded"},
            "copies": {"failedCopies": 0, "totalCopies": 1},
        },
        "deploymentMode": "Knative",
        "clusterServingRuntimeName": "kserve-sklearnserver",
    }  # fmt: skip


def test_yaml_output_is_the_same_object(
    canary: tuple[Path, Path, str, str], kubeconfig: Path
) -> None:
    import yaml

    apps, rendered, _, _ = canary
    base = ("status", str(apps), "--previous", str(rendered), "--kubeconfig", str(kubeconfig))
    as_json = json.loads(run(*base, "-o", "json").stdout)
    as_yaml = yaml.safe_load(run(*base, "-o", "yaml").stdout)
    assert without_times(as_yaml["status"]) == without_times(as_json["status"])


def test_missing_and_unmanaged_children_are_reported_not_fatal(
    tmp_path: Path, apiserver: FakeApiServer, kubeconfig: Path
) -> None:
    build_tree(tmp_path, {"apps/raw.yaml": STANDARD_INPUT, "config.yaml": STANDARD_CONFIG})
    config = tmp_path / "config.yaml"
    result = render([tmp_path / "apps"], config_files=(str(config),))
    sync(apiserver, result, Deployment={"conditions": [{"type": "Available", "status": "True"}]})
    del apiserver.objects[("gateway.networking.k8s.io/v1", "httproutes", "default", "raw-foo-2")]
    key = ("apps/v1", "deployments", "default", "raw-foo-2-predictor")
    del apiserver.objects[key]["metadata"]["labels"]["app.kubernetes.io/managed-by"]
    done = run(
        "status", str(tmp_path / "apps"), "--config", str(config), "--kubeconfig", str(kubeconfig)
    )
    assert done.exit_code == 0
    assert done.stderr.splitlines() == [
        "warning: InferenceService default/raw-foo-2: Deployment raw-foo-2-predictor is not "
        "managed by kserve-gitops (no label app.kubernetes.io/managed-by=kserve-gitops)",
        "warning: InferenceService default/raw-foo-2: HTTPRoute raw-foo-2 "
        "(gateway.networking.k8s.io/v1) not found",
    ]
    # KServe requeues on a missing HTTPRoute before it sets the URL: no URL, not ready
    assert done.stdout.splitlines()[1].split() == ["raw-foo-2", "False", "3h"]


def test_cluster_without_knative_is_reported_per_inference_service(
    tmp_path: Path, kubeconfig: Path, apiserver: FakeApiServer
) -> None:
    apiserver.kinds = tuple(k for k in apiserver.kinds if k != KNATIVE)
    build_tree(tmp_path, {"apps/iris.yaml": iris("gs://bucket/model")})
    done = run("status", str(tmp_path / "apps"), "--kubeconfig", str(kubeconfig), "-o", "json")
    assert done.exit_code == 0
    assert (
        "warning: InferenceService kserve-test/sklearn-iris: Knative Serving is not available "
        "in the cluster (no serving.knative.dev/v1 Services): KServe rejects Knative mode"
    ) in done.stderr.splitlines()
    status = json.loads(done.stdout)["status"]
    assert [(c["type"], c["status"]) for c in status["conditions"]] == [
        ("IngressReady", "Unknown"),
        ("PredictorReady", "Unknown"),
        ("Ready", "Unknown"),
    ]


def test_stopped_inference_service(
    tmp_path: Path, apiserver: FakeApiServer, kubeconfig: Path
) -> None:
    """The stop annotation: KServe clears the status, then PredictorReady False (Stopped)."""
    stopped = STANDARD_INPUT.replace(
        "serving.kserve.io/autoscalerClass: none",
        'serving.kserve.io/autoscalerClass: none\n        serving.kserve.io/stop: "true"',
    )
    build_tree(tmp_path, {"apps/raw.yaml": stopped, "config.yaml": STANDARD_CONFIG})
    config = tmp_path / "config.yaml"
    sync(apiserver, render([tmp_path / "apps"], config_files=(str(config),)))
    done = run(
        "status", str(tmp_path / "apps"), "--config", str(config),
        "--kubeconfig", str(kubeconfig), "-o", "json",
    )  # fmt: skip
    status = without_times(json.loads(done.stdout)["status"])
    assert status == {
        "conditions": [
            {"type": "IngressReady", "status": "False", "reason": "Stopped"},
            {"type": "PredictorReady", "status": "False", "reason": "Stopped"},
            {"type": "Ready", "status": "False", "reason": "Stopped"},
            {"type": "Stopped", "status": "True", "severity": "Info"},
        ],
        "modelStatus": {"transitionStatus": ""},
        "deploymentMode": "Standard",
        # set again by the next reconcile's runtime selection, before the stop check
        "servingRuntimeName": "tf-serving-raw",
    }


def test_model_mesh_reads_the_inference_service_status(
    tmp_path: Path, apiserver: FakeApiServer, kubeconfig: Path
) -> None:
    apiserver.kinds = (*apiserver.kinds, KSERVE)
    mesh = iris("s3://bucket/model").replace(
        "namespace: kserve-test",
        "namespace: kserve-test\n      annotations:\n"
        "        serving.kserve.io/deploymentMode: ModelMesh",
    )
    build_tree(tmp_path, {"apps/iris.yaml": mesh})
    written = {
        "conditions": [{"type": "Ready", "status": "True"}],
        "url": "grpc://modelmesh-serving.kserve-test:8033",
    }
    apiserver.add(
        {
            "apiVersion": "serving.kserve.io/v1beta1",
            "kind": "InferenceService",
            "metadata": {"name": "sklearn-iris", "namespace": "kserve-test",
                         "creationTimestamp": three_hours_ago()},
            "status": written,
        }
    )  # fmt: skip
    done = run("status", str(tmp_path / "apps"), "--kubeconfig", str(kubeconfig), "-o", "json")
    assert json.loads(done.stdout)["status"] == written


def test_watch_prints_a_changed_row(
    standard: tuple[Path, Path], kubeconfig: Path, apiserver: FakeApiServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    """-w: the table once, then a row when the status changes (here the Deployment fails)."""
    from generator.cluster import commands

    def deployment_fails(seconds: float) -> None:
        key = ("apps/v1", "deployments", "default", "raw-foo-2-predictor")
        apiserver.objects[key]["status"] = {
            "conditions": [{"type": "Available", "status": "False", "reason": "Crash"}]
        }

    monkeypatch.setattr(commands.time, "sleep", deployment_fails)
    apps, config = standard
    done = run(
        "status", str(apps), "--config", str(config), "--kubeconfig", str(kubeconfig),
        "-w", "--watch-limit", "3",
    )  # fmt: skip
    lines = done.stdout.splitlines()
    assert len(lines) == 3  # header, first row, the changed row; the unchanged third poll: none
    assert lines[1].split()[2] == "True"
    assert lines[2].split()[2] == "False"
    assert lines[2].index("False") == lines[0].index("READY")  # the widths are remembered


def test_unreachable_cluster_is_one_line_naming_the_context(
    standard: tuple[Path, Path], kubeconfig: Path, apiserver: FakeApiServer
) -> None:
    apiserver.stop()
    apps, config = standard
    done = run("status", str(apps), "--config", str(config), "--kubeconfig", str(kubeconfig))
    assert done.exit_code == 2
    assert done.stdout == ""
    assert done.stderr.count("\n") == 1
    assert done.stderr.startswith("kserve-gitops: cannot reach the cluster of context 'fake' at ")
    assert TOKEN not in done.stderr


def test_forbidden_is_one_line_exit_2(
    standard: tuple[Path, Path], kubeconfig: Path, apiserver: FakeApiServer
) -> None:
    apiserver.forbidden = ("/apis/apps/v1/namespaces/default/deployments",)
    apps, config = standard
    done = run("status", str(apps), "--config", str(config), "--kubeconfig", str(kubeconfig))
    assert done.exit_code == 2
    assert done.stderr == (
        "kserve-gitops: forbidden by the cluster of context 'fake': "
        "/apis/apps/v1/namespaces/default/deployments/raw-foo-2-predictor is forbidden: "
        'User "tester" cannot get this resource\n'
    )


def test_bad_credentials_are_never_printed(
    standard: tuple[Path, Path], tmp_path: Path, apiserver: FakeApiServer
) -> None:
    config_text = apiserver.kubeconfig(tmp_path / "kc").read_text().replace(TOKEN, "wrong-token")
    (tmp_path / "kc").write_text(config_text)
    apps, config = standard
    done = run("status", str(apps), "--config", str(config), "--kubeconfig", str(tmp_path / "kc"))
    assert done.exit_code == 2
    assert "refused the credentials (401 Unauthorized)" in done.stderr
    assert "wrong-token" not in done.output and TOKEN not in done.output


def test_unknown_context(standard: tuple[Path, Path], kubeconfig: Path) -> None:
    apps, _ = standard
    done = run("status", str(apps), "--kubeconfig", str(kubeconfig), "--context", "prod")
    assert done.exit_code == 2
    assert done.stderr == f"kserve-gitops: context 'prod' is not in the kubeconfig {kubeconfig}\n"


@pytest.mark.parametrize("command", [["status"], ["diff", "--live"]])
def test_without_the_cluster_extra_says_how_to_install_it(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "kubernetes", None)  # `import kubernetes` fails
    build_tree(tmp_path, {"apps/iris.yaml": iris("gs://bucket/model")})
    done = run(*command, str(tmp_path / "apps"))
    assert done.exit_code == 2
    name = " ".join(command)
    assert done.stderr == (
        f"kserve-gitops: `{name}` needs the Kubernetes client, which is not installed: "
        "pip install 'kserve-gitops[cluster]'\n"
    )


def test_a_child_with_a_malformed_status_is_a_warning(
    canary: tuple[Path, Path, str, str], kubeconfig: Path, apiserver: FakeApiServer
) -> None:
    apps, rendered, _, _ = canary
    key = ("serving.knative.dev/v1", "services", "kserve-test", "sklearn-iris-predictor")
    apiserver.objects[key]["status"] = {"traffic": [{"percent": "ninety"}], "conditions": "x"}
    done = run("status", str(apps), "--previous", str(rendered), "--kubeconfig", str(kubeconfig))
    assert done.exit_code == 0
    assert done.stderr == (
        "warning: InferenceService kserve-test/sklearn-iris: cannot read the status of its "
        "children: ValueError\n"
    )
    assert done.stdout.splitlines()[1].split() == ["sklearn-iris", "3h"]


def test_render_needs_no_cluster_extra(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The `kubernetes` client is only for the cluster commands: rendering never imports it."""
    monkeypatch.setitem(sys.modules, "kubernetes", None)
    build_tree(tmp_path, {"apps/iris.yaml": iris("gs://bucket/model")})
    done = run("render", str(tmp_path / "apps"))
    assert done.exit_code == 0
    assert "kind: Service" in done.stdout


def test_kubeconfig_from_the_environment_may_list_several_files(
    standard: tuple[Path, Path], kubeconfig: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """$KUBECONFIG is a path list, merged as kubectl merges it (no --kubeconfig given)."""
    other = tmp_path / "other-config"
    other.write_text("apiVersion: v1\nkind: Config\nclusters: []\ncontexts: []\nusers: []\n")
    monkeypatch.setenv("KUBECONFIG", f"{other}:{kubeconfig}")
    apps, config = standard
    done = run("status", str(apps), "--config", str(config))
    assert done.exit_code == 0, done.output
    assert done.stdout.splitlines()[1].startswith("raw-foo-2   http://raw-foo-2-default")


def test_no_inference_services_is_said_like_kubectl(tmp_path: Path, kubeconfig: Path) -> None:
    build_tree(
        tmp_path,
        {"apps/cm.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n  namespace: a\n"},
    )
    done = run("status", str(tmp_path / "apps"), "--kubeconfig", str(kubeconfig))
    assert (done.exit_code, done.stdout, done.stderr) == (0, "", "No resources found.\n")


def test_the_console_script_exits_2_with_one_line(
    standard: tuple[Path, Path], kubeconfig: Path, apiserver: FakeApiServer
) -> None:
    """Through `main()` and the installed script: a forbidden read is exit 2, one line."""
    import subprocess

    apiserver.forbidden = ("/apis/gateway.networking.k8s.io",)
    apps, config = standard
    script = Path(sys.executable).parent / "kserve-gitops"
    args = ["status", str(apps), "--config", str(config), "--kubeconfig", str(kubeconfig)]
    done = subprocess.run(
        [str(script), *args], capture_output=True, text=True, check=False, timeout=120
    )
    assert done.returncode == 2
    assert done.stdout == ""
    assert done.stderr.startswith("kserve-gitops: forbidden by the cluster of context 'fake': ")
    assert done.stderr.count("\n") == 1 and TOKEN not in done.stderr
