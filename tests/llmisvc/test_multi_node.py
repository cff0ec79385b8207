"""Multi-node and prefill/decode workloads (`workload_multi_node.go`, `workload_single_node.go`):
the LeaderWorkerSets, the prefill Deployment, the ServiceAccounts and the routing sidecar's
Role and RoleBinding, through `kserve-gitops render`."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import cli, yamlemit
from generator.llmisvc.multi_node import lws_size

MAIN = {"name": "main", "image": "vllm/vllm-openai:latest"}


def render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *docs: dict[str, Any]
) -> tuple[int, dict[tuple[str, str], dict[str, Any]], str]:
    path = tmp_path / "in.yaml"
    path.write_text("---\n".join(yamlemit.dump(doc) for doc in docs))  # `y` quoted, for Go
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", "--namespace", "demo", "--allow-cluster-scoped", str(path)])
    out, err = capsys.readouterr()
    objects = {
        (d["kind"], d["metadata"]["name"]): d for d in yaml.safe_load_all(out) if d is not None
    }
    return int(exited.value.code or 0), objects, err


def service(spec: dict[str, Any], **meta: Any) -> dict[str, Any]:
    return {
        "apiVersion": "serving.kserve.io/v1alpha2",
        "kind": "LLMInferenceService",
        "metadata": {"name": "m", "namespace": "demo", **meta},
        "spec": {"model": {"uri": "hf://facebook/opt-125m"}, **spec},
    }


ACCOUNT = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "hfsa"}}


@pytest.mark.parametrize(
    ("parallelism", "size"),
    [
        (None, None),
        ({"tensor": 4}, None),
        ({"data": 16, "dataLocal": 8}, 2),
        ({"data": 4}, 4),
        ({"dataLocal": 8}, 1),
        ({"data": 2, "dataLocal": 8}, 1),
        ({"pipeline": 3}, 3),
    ],
)
def test_parallelism_get_size(parallelism: dict[str, int] | None, size: int | None) -> None:
    """ParallelismSpec.GetSize (llm_inference_service_types_func_test.go)."""
    assert lws_size(parallelism) == size


def test_data_parallel_worker_without_template(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """No leader template (pipeline parallelism, whose preset KServe does not ship: the user's
    config of that name has a worker only): the workers carry the workload selector labels and
    role decode; the LWS runs as its own ServiceAccount; `spec.labels` reach the LWS's own
    labels (KServe shares one map between the LWS and its worker template)."""
    spec = {
        "worker": {"containers": [MAIN]},
        "parallelism": {"pipeline": 2},
        "replicas": 2,
        "labels": {"team": "a"},
    }
    svc = service(spec, annotations={"leaderworkerset.sigs.k8s.io/exclusive-topology": "rack"})
    preset = {
        "apiVersion": "serving.kserve.io/v1alpha2",
        "kind": "LLMInferenceServiceConfig",
        "metadata": {"name": "kserve-config-llm-worker-pipeline-parallel", "namespace": "demo"},
        "spec": {"worker": {"containers": [{**MAIN, "args": ["--pipeline-parallel-size", "2"]}]}},
    }
    code, objects, err = render(tmp_path, capsys, svc, preset)
    assert code == 0, err
    lws = objects[("LeaderWorkerSet", "m-kserve-mn")]
    lwt = lws["spec"]["leaderWorkerTemplate"]
    assert "leaderTemplate" not in lwt and "subGroupPolicy" not in lwt
    assert (lws["spec"]["replicas"], lwt["size"]) == (2, 2)
    assert lwt["restartPolicy"] == "RecreateGroupOnPodRestart"
    assert lws["spec"]["rolloutStrategy"] == {"type": "RollingUpdate"}
    assert lws["spec"]["startupPolicy"] == "LeaderCreated"
    worker_labels = lwt["workerTemplate"]["metadata"]["labels"]
    assert worker_labels == {
        "app.kubernetes.io/component": "llminferenceservice-workload-worker",
        "app.kubernetes.io/name": "m",
        "app.kubernetes.io/part-of": "llminferenceservice",
        "kserve.io/component": "workload",
        "llm-d.ai/role": "decode",
        "team": "a",
    }
    assert {k: v for k, v in lws["metadata"]["labels"].items() if "managed-by" not in k} == (
        worker_labels
    )
    exclusive = {"leaderworkerset.sigs.k8s.io/exclusive-topology": "rack"}
    assert lws["metadata"]["annotations"] == exclusive
    assert lwt["workerTemplate"]["metadata"]["annotations"] == exclusive
    pod = lwt["workerTemplate"]["spec"]
    assert pod["serviceAccountName"] == "m-kserve-mn"
    assert [c["name"] for c in pod["initContainers"]] == ["storage-initializer"]
    account = objects[("ServiceAccount", "m-kserve-mn")]
    assert account["metadata"]["labels"]["app.kubernetes.io/part-of"] == "llminferenceservice"
    # no routing sidecar: no Role; no Deployment with a worker
    assert not any(k[0] in ("Role", "RoleBinding") and k[1].startswith("m-kserve") for k in objects)
    assert ("Deployment", "m-kserve") not in objects


def test_data_parallel_leader_and_worker_from_the_preset(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The worker-data-parallel preset: a leader (role both) and workers; with prefill the
    decode preset's routing sidecar gets the pool's name and its Role and binding (multi-node
    and, as KServe also builds the single-node Deployment to ask, single-node)."""
    spec = {
        "template": {"containers": [MAIN]},
        "worker": {"containers": [MAIN]},
        "parallelism": {"data": 4, "dataLocal": 2},
        "router": {"scheduler": {}, "route": {}, "gateway": {}},
        "prefill": {
            "template": {"containers": [MAIN]},
            "worker": {"containers": [MAIN]},
            "parallelism": {"data": 4, "dataLocal": 2},
            "labels": {"stage": "prefill"},
        },
    }
    code, objects, err = render(tmp_path, capsys, service(spec))
    assert code == 0, err
    lwt = objects[("LeaderWorkerSet", "m-kserve-mn")]["spec"]["leaderWorkerTemplate"]
    leader = lwt["leaderTemplate"]
    assert leader["metadata"]["labels"]["llm-d.ai/role"] == "decode"
    assert "kserve.io/component" not in lwt["workerTemplate"]["metadata"]["labels"]
    [sidecar] = [
        c for c in leader["spec"]["initContainers"] if c["name"] == "llm-d-routing-sidecar"
    ]
    assert sidecar["env"][-1] == {"name": "INFERENCE_POOL_NAME", "value": "m-inference-pool"}
    prefill = objects[("LeaderWorkerSet", "m-kserve-mn-prefill")]
    plwt = prefill["spec"]["leaderWorkerTemplate"]
    assert plwt["subGroupPolicy"] == {"subGroupSize": 2}
    assert plwt["leaderTemplate"]["metadata"]["labels"]["llm-d.ai/role"] == "prefill"
    assert plwt["workerTemplate"]["metadata"]["labels"]["stage"] == "prefill"
    assert plwt["workerTemplate"]["spec"]["serviceAccountName"] == "m-kserve-mn-prefill"
    assert ("ServiceAccount", "m-kserve-mn-prefill") in objects
    for role, binding, account in (
        ("m-kserve-mn-role", "m-kserve-mn-rb", "m-kserve-mn"),
        ("m-kserve-role", "m-kserve-rb", "m-kserve"),
    ):
        assert objects[("Role", role)]["rules"][1]["resources"] == ["inferencepools"]
        rb = objects[("RoleBinding", binding)]
        assert rb["roleRef"]["name"] == role
        assert rb["subjects"] == [{"kind": "ServiceAccount", "name": account, "namespace": "demo"}]
        assert ("ServiceAccount", account) in objects
    assert not any(k[0] == "Deployment" and k[1] != "m-kserve-router-scheduler" for k in objects)


def test_single_node_prefill_decode(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Single-node P/D: the decode Deployment runs as `<n>-kserve` with the routing sidecar;
    the prefill Deployment's labels (selector included) carry `prefill.labels`."""
    spec = {
        "template": {"containers": [MAIN]},
        "router": {"route": {}},
        "prefill": {"template": {"containers": [MAIN]}, "replicas": 2, "labels": {"x": "y"}},
    }
    svc = service(spec, annotations={"k8s.v1.cni.cncf.io/networks": "roce"})
    code, objects, err = render(tmp_path, capsys, svc)
    assert code == 0, err
    decode = objects[("Deployment", "m-kserve")]
    pod = decode["spec"]["template"]["spec"]
    assert pod["serviceAccountName"] == "m-kserve"
    assert decode["spec"]["selector"]["matchLabels"]["llm-d.ai/role"] == "decode"
    [sidecar] = [c for c in pod["initContainers"] if c["name"] == "llm-d-routing-sidecar"]
    assert {"name": "INFERENCE_POOL_NAME", "value": "m-inference-pool"} in sidecar["env"]
    prefill = objects[("Deployment", "m-kserve-prefill")]
    assert prefill["spec"]["replicas"] == 2
    assert prefill["spec"]["selector"]["matchLabels"] == {
        "app.kubernetes.io/component": "llminferenceservice-workload-prefill",
        "app.kubernetes.io/name": "m",
        "app.kubernetes.io/part-of": "llminferenceservice",
        "kserve.io/component": "workload",
        "llm-d.ai/role": "prefill",
        "x": "y",
    }
    assert prefill["metadata"]["annotations"] == {"k8s.v1.cni.cncf.io/networks": "roce"}
    assert "serviceAccountName" not in prefill["spec"]["template"]["spec"]
    assert {k for k in objects if k[0] in ("ServiceAccount", "Role", "RoleBinding")} == {
        ("ServiceAccount", "m-kserve"),
        ("Role", "m-kserve-role"),
        ("RoleBinding", "m-kserve-rb"),
    }


@pytest.mark.parametrize("prefill_worker", [False, True])
def test_tracing_reaches_every_server_pod(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], prefill_worker: bool
) -> None:
    """`spec.tracing` on the LeaderWorkerSets' leader and worker pods as `-decode`
    (workload_multi_node.go:270-276) and on the prefill LeaderWorkerSet (:384-391) or prefill
    Deployment (workload_single_node.go:286-294) as `-prefill`."""
    prefill: dict[str, Any] = {"template": {"containers": [MAIN]}}
    if prefill_worker:
        prefill |= {"worker": {"containers": [MAIN]}, "parallelism": {"data": 2, "dataLocal": 1}}
    spec = {
        "template": {"containers": [MAIN]},
        "worker": {"containers": [MAIN]},
        "parallelism": {"data": 4, "dataLocal": 2},
        "prefill": prefill,
        "tracing": {"exporterEndpoint": "http://collector.monitoring:4317"},
    }
    code, objects, err = render(tmp_path, capsys, service(spec))
    assert code == 0, err

    def service_name(pod: dict[str, Any]) -> str:
        [main] = [c for c in pod["spec"]["containers"] if c["name"] == "main"]
        assert main["args"][-4:] == [
            "--otlp-traces-endpoint",
            "http://collector.monitoring:4317",
            "--collect-detailed-traces",
            "all",
        ]
        return {e["name"]: e.get("value") for e in main["env"]}["OTEL_SERVICE_NAME"]

    lwt = objects[("LeaderWorkerSet", "m-kserve-mn")]["spec"]["leaderWorkerTemplate"]
    assert service_name(lwt["leaderTemplate"]).endswith("-decode")
    assert service_name(lwt["workerTemplate"]).endswith("-decode")
    if prefill_worker:
        plwt = objects[("LeaderWorkerSet", "m-kserve-mn-prefill")]["spec"]
        pods = [plwt["leaderWorkerTemplate"][k] for k in ("leaderTemplate", "workerTemplate")]
    else:
        pods = [objects[("Deployment", "m-kserve-prefill")]["spec"]["template"]]
    assert all(service_name(pod).endswith("-prefill") for pod in pods)


def test_named_account_with_the_sidecar_binds_it_twice(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A user-named ServiceAccount on the decode template: KServe creates no ServiceAccount,
    and its multi-node reconcile (which returns early only for an account of its own) binds
    the sidecar's Role to it even without a worker."""
    spec = {
        "template": {"containers": [MAIN], "serviceAccountName": "hfsa"},
        "prefill": {"template": {"containers": [MAIN]}},
    }
    code, objects, err = render(tmp_path, capsys, service(spec), ACCOUNT)
    assert code == 0, err
    assert {k for k in objects if k[0] in ("Role", "RoleBinding")} == {
        ("Role", "m-kserve-mn-role"),
        ("RoleBinding", "m-kserve-mn-rb"),
        ("Role", "m-kserve-role"),
        ("RoleBinding", "m-kserve-rb"),
    }
    for binding in ("m-kserve-mn-rb", "m-kserve-rb"):
        assert objects[("RoleBinding", binding)]["subjects"][0]["name"] == "hfsa"
    assert not any(k[0] == "ServiceAccount" and k[1].startswith("m-kserve") for k in objects)


@pytest.mark.parametrize(
    ("spec", "field", "message"),
    [
        (
            {
                "worker": {"containers": [MAIN], "serviceAccountName": "gone"},
                "parallelism": {"data": 2, "dataLocal": 1},
            },
            "spec.worker.serviceAccountName",
            "failed to fetch existing multi node main service account demo/gone: "
            'serviceaccounts "gone" not found',
        ),
        (
            {"prefill": {"template": {"containers": [MAIN], "serviceAccountName": "gone"}}},
            "spec.prefill.template.serviceAccountName",
            "failed to fetch existing multi node prefill service account demo/gone: "
            'serviceaccounts "gone" not found',
        ),
        (
            {"worker": {"containers": [MAIN]}},
            "spec.worker",
            "when worker is specified, parallelism must be configured for either data "
            "parallelism or pipeline parallelism",
        ),
        (
            {"worker": {"containers": [MAIN]}, "parallelism": {"data": 2, "pipeline": 2}},
            "spec.parallelism",
            "cannot set both pipeline parallelism and data parallelism (data or dataLocal) "
            "simultaneously",
        ),
    ],
)
def test_refusals(
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    spec: dict[str, Any],
    field: str,
    message: str,
) -> None:
    """What KServe stops on: exit 2, one line naming the field, nothing written."""
    code, objects, err = render(tmp_path, capsys, service(spec))
    assert (code, objects) == (2, {})
    assert f": {field}: {message}" in err
