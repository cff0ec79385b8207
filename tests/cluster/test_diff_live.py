"""`kserve-gitops diff --live` against the fake API server: what a sync would change.

The acceptance points of issue 17: a changed image is a one-line diff, and the children of a
removed InferenceService are listed as pruned (found by the managed-by label). Exit status as
`diff`: 0 same, 1 changes, 2 trouble.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from cluster.fake_apiserver import FakeApiServer
from helpers import build_tree

from generator import pipeline
from generator.cli import cli

RAW = """
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata:
      name: {name}
      namespace: team-a
      annotations:
        serving.kserve.io/deploymentMode: Standard
    spec:
      predictor:
        model:
          modelFormat:
            name: sklearn
          storageUri: gs://bucket/{name}
          runtimeVersion: "{version}"
"""
# What the API server and the controllers add to a stored Deployment
SERVER_SIDE = {
    "status": {"observedGeneration": 1, "replicas": 1},
    "spec": {"revisionHistoryLimit": 10, "progressDeadlineSeconds": 600},
    "metadata": {"generation": 1, "annotations": {"deployment.kubernetes.io/revision": "1"}},
}


def isvc(name: str, version: str = "1.5.3") -> str:
    return RAW.format(name=name, version=version)


def synced(server: FakeApiServer, apps: Path) -> None:
    """The render of `apps` as the cluster holds it after a sync, server fields added."""
    result = pipeline.run(pipeline.Request(paths=(str(apps),)))
    for item in result.objects:
        obj = copy.deepcopy(item.obj)
        if item.kind == "Deployment":
            obj["status"] = SERVER_SIDE["status"]
            obj["spec"] = {**SERVER_SIDE["spec"], **obj["spec"]}
            meta, added = obj["metadata"], SERVER_SIDE["metadata"]
            meta["generation"] = added["generation"]
            meta["annotations"] = {**(meta.get("annotations") or {}), **added["annotations"]}
        server.add(obj)


def diff_live(apps: Path, kubeconfig: Path, *extra: str) -> Result:
    args = ["diff", str(apps), "--live", "--kubeconfig", str(kubeconfig), *extra]
    return CliRunner().invoke(cli, args, catch_exceptions=False)


@pytest.fixture(params=[True, False], ids=["server-side dry run", "client-side"])
def cluster(request: pytest.FixtureRequest, apiserver: FakeApiServer) -> FakeApiServer:
    """Both ways of comparing: the server's dry-run apply, and the client-side fallback."""
    apiserver.server_side_apply = request.param
    return apiserver


def test_in_sync_is_no_difference(tmp_path: Path, cluster: FakeApiServer, kubeconfig: Path) -> None:
    build_tree(tmp_path, {"apps/a.yaml": isvc("iris")})
    synced(cluster, tmp_path / "apps")
    done = diff_live(tmp_path / "apps", kubeconfig)
    assert (done.exit_code, done.stdout) == (0, "")
    dry_runs = [p for m, p in cluster.requests if m == "PATCH"]
    assert all("dryRun=All" in p for p in dry_runs)  # never a real change
    # the server is asked for every object, or, when it refuses once, no more
    assert len(dry_runs) == (4 if cluster.server_side_apply else 1)  # 4 objects


def test_changed_image_is_a_one_line_diff(
    tmp_path: Path, cluster: FakeApiServer, kubeconfig: Path
) -> None:
    build_tree(tmp_path, {"apps/a.yaml": isvc("iris", "1.5.3")})
    synced(cluster, tmp_path / "apps")
    build_tree(tmp_path, {"apps/a.yaml": isvc("iris", "1.5.4")})
    done = diff_live(tmp_path / "apps", kubeconfig)
    assert done.exit_code == 1
    changed = [line for line in done.stdout.splitlines() if line.startswith(("-", "+"))]
    assert changed == [
        "--- a/apps/Deployment/team-a/iris-predictor",
        "+++ b/apps/Deployment/team-a/iris-predictor",
        "-        image: kserve/sklearnserver:1.5.3",
        "+        image: kserve/sklearnserver:1.5.4",
    ]
    assert done.stdout.splitlines()[0] == "changed: Deployment team-a/iris-predictor"
    assert "  ~ spec.template.spec.containers[0].image: " in done.stdout


def test_removed_inference_service_children_are_pruned(
    tmp_path: Path, cluster: FakeApiServer, kubeconfig: Path
) -> None:
    build_tree(tmp_path, {"apps/a.yaml": isvc("iris"), "apps/b.yaml": isvc("wine")})
    synced(cluster, tmp_path / "apps")
    (tmp_path / "apps" / "b.yaml").unlink()
    done = diff_live(tmp_path / "apps", kubeconfig)
    assert done.exit_code == 1
    headers = [
        line for line in done.stdout.splitlines() if not line.startswith((" ", "-", "+", "@"))
    ]
    assert headers == [
        "prune: Service team-a/wine-predictor",
        "prune: Deployment team-a/wine-predictor",
        "prune: HorizontalPodAutoscaler team-a/wine-predictor",
        "prune: Ingress team-a/wine",
    ]
    assert "+++ /dev/null" in done.stdout


def test_objects_not_in_the_cluster_are_created(
    tmp_path: Path, cluster: FakeApiServer, kubeconfig: Path
) -> None:
    build_tree(tmp_path, {"apps/a.yaml": isvc("iris")})
    synced(cluster, tmp_path / "apps")
    build_tree(tmp_path, {"apps/b.yaml": isvc("wine")})
    done = diff_live(tmp_path / "apps", kubeconfig)
    assert done.exit_code == 1
    assert [x for x in done.stdout.splitlines() if x.startswith("create: ")] == [
        "create: Service team-a/wine-predictor",
        "create: Deployment team-a/wine-predictor",
        "create: HorizontalPodAutoscaler team-a/wine-predictor",
        "create: Ingress team-a/wine",
    ]


def test_unmanaged_objects_are_never_pruned(
    tmp_path: Path, apiserver: FakeApiServer, kubeconfig: Path
) -> None:
    build_tree(tmp_path, {"apps/a.yaml": isvc("iris")})
    synced(apiserver, tmp_path / "apps")
    apiserver.add(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "someone-elses", "namespace": "team-a"},
        }
    )
    assert diff_live(tmp_path / "apps", kubeconfig).exit_code == 0


def test_json_output_is_a_patch_per_object(
    tmp_path: Path, apiserver: FakeApiServer, kubeconfig: Path
) -> None:
    import json

    build_tree(tmp_path, {"apps/a.yaml": isvc("iris", "1.5.3")})
    synced(apiserver, tmp_path / "apps")
    build_tree(tmp_path, {"apps/a.yaml": isvc("iris", "1.5.4")})
    done = diff_live(tmp_path / "apps", kubeconfig, "--output", "json")
    assert done.exit_code == 1
    assert json.loads(done.stdout) == [
        {
            "object": "Deployment team-a/iris-predictor",
            "change": "changed",
            "patch": [
                {
                    "op": "replace",
                    "path": "/spec/template/spec/containers/0/image",
                    "value": "kserve/sklearnserver:1.5.4",
                }
            ],
        }
    ]


def test_unreachable_cluster_exits_2(
    tmp_path: Path, apiserver: FakeApiServer, kubeconfig: Path
) -> None:
    build_tree(tmp_path, {"apps/a.yaml": isvc("iris")})
    apiserver.stop()
    done = diff_live(tmp_path / "apps", kubeconfig)
    assert done.exit_code == 2
    assert done.stderr.startswith("kserve-gitops: cannot reach the cluster of context 'fake'")


def test_diff_without_live_still_needs_the_folder(tmp_path: Path) -> None:
    build_tree(tmp_path, {"apps/a.yaml": isvc("iris")})
    done = CliRunner().invoke(cli, ["diff", str(tmp_path / "apps")])
    assert done.exit_code == 2
    assert "Missing option '-o' / '--output-dir' (or compare with --live)." in done.output


def test_annotations_the_server_writes_are_not_differences(
    tmp_path: Path, apiserver: FakeApiServer, kubeconfig: Path
) -> None:
    """Knative's webhook stamps the requesting user, so the live Knative Service (synced by
    Argo CD) and the dry run (asked by us) differ there; that is not a change to show."""
    knative = isvc("iris").replace("deploymentMode: Standard", "deploymentMode: Knative")
    build_tree(tmp_path, {"apps/a.yaml": knative})
    synced(apiserver, tmp_path / "apps")
    key = ("serving.knative.dev/v1", "services", "team-a", "iris-predictor")
    meta = apiserver.objects[key]["metadata"]
    meta["annotations"] = {
        **(meta.get("annotations") or {}),
        "serving.knative.dev/lastModifier": "system:serviceaccount:argocd:application-controller",
        "kubectl.kubernetes.io/last-applied-configuration": "{}",
    }  # fmt: skip
    done = diff_live(tmp_path / "apps", kubeconfig)
    assert (done.exit_code, done.stdout) == (0, "")
