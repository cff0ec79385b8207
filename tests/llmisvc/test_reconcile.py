"""The render of LLMInferenceServices through the pipeline: options (the `llmisvcRender` key),
passthrough, and the GitOps departures that change objects (pool API group, v1alpha2 pool,
TLS certificate), checked field by field against KServe v0.20.0's builders."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from helpers import build_tree

from generator import cli, pipeline
from generator.config import builtin_layer
from generator.errors import ProblemsFound
from generator.llmisvc.reconcile import Options, options_from_config

LLMISVC = """
apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceService
metadata: {name: tiny, namespace: ns}
spec:
  model: {uri: "hf://facebook/opt-125m", name: facebook/opt-125m}
  router: {scheduler: {}, route: {}, gateway: {}}
  template:
    containers:
      - name: main
        image: vllm-cpu:v1
"""


def config(value: str) -> str:
    return f"""
apiVersion: v1
kind: ConfigMap
metadata: {{name: inferenceservice-config, namespace: kserve}}
data:
  llmisvcRender: '{value}'
"""


def config_map(data: dict[str, str]) -> str:
    doc = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
        "data": data,
    }
    return json.dumps(doc)


def run(tmp_path: Path, files: dict[str, str], **request: Any) -> pipeline.Result:
    root = build_tree(tmp_path / "in", files)
    request.setdefault("allow_cluster_scoped", True)  # the scheduler's ClusterRoleBinding
    return pipeline.run(pipeline.Request(paths=(str(root),), **request))


def by_kind(result: pipeline.Result, kind: str) -> list[dict[str, Any]]:
    return [r.obj for r in result.objects if r.kind == kind]


def test_options_default() -> None:
    assert options_from_config({}) == (Options(), [])


@pytest.mark.parametrize(
    ("text", "field", "message"),
    [
        ("[]", "data.llmisvcRender", "must be a JSON object"),
        ('{"poolApi": "v1"}', "data.llmisvcRender.poolApi", "unknown field"),
        ('{"passthrough": "yes"}', "data.llmisvcRender.passthrough", "must be a boolean"),
        ('{"inferencePoolAPI": "v2"}', "data.llmisvcRender.inferencePoolAPI", '"v1" or'),
    ],
)
def test_options_problems_name_the_field(text: str, field: str, message: str) -> None:
    options, problems = options_from_config({"llmisvcRender": text})
    assert options == Options()
    assert [p.field for p in problems] == [field]
    assert message in problems[0].message


def test_default_render_and_v1_pool_group(tmp_path: Path) -> None:
    result = run(tmp_path, {"llmisvc.yaml": LLMISVC})
    kinds = sorted(r.kind for r in result.objects)
    assert kinds == [
        "Certificate",
        "ClusterRoleBinding",
        "Deployment",
        "Deployment",
        "HTTPRoute",
        "InferencePool",
        "Role",
        "RoleBinding",
        "Service",
        "Service",
        "ServiceAccount",
    ]
    (route,) = by_kind(result, "HTTPRoute")
    # router.go: expectedHTTPRoute marks a route that uses the v1 pool API
    assert route["metadata"]["annotations"] == {"serving.kserve.io/inference-pool-migrated": "v1"}
    groups = {
        ref.get("group")
        for rule in route["spec"]["rules"]
        for ref in rule["backendRefs"]
        if ref["kind"] == "InferencePool"
    }
    assert groups == {"inference.networking.k8s.io"}
    (pool,) = by_kind(result, "InferencePool")
    assert pool["apiVersion"] == "inference.networking.k8s.io/v1"
    assert pool["metadata"]["name"] == "tiny-inference-pool"
    assert pool["spec"]["endpointPickerRef"]["name"] == "tiny-epp-service"


def test_v1alpha2_pool_api_option(tmp_path: Path) -> None:
    files = {
        "llmisvc.yaml": LLMISVC,
        "config.yaml": config(
            '{"inferencePoolAPI": "v1alpha2", "emitInferencePoolV1alpha2": true}'
        ),
    }
    result = run(tmp_path, files)
    (route,) = by_kind(result, "HTTPRoute")
    assert "annotations" not in route["metadata"]
    groups = {
        ref.get("group")
        for rule in route["spec"]["rules"]
        for ref in rule["backendRefs"]
        if ref["kind"] == "InferencePool"
    }
    assert groups == {"inference.networking.x-k8s.io"}
    pools = {p["apiVersion"]: p for p in by_kind(result, "InferencePool")}
    assert set(pools) == {
        "inference.networking.k8s.io/v1",
        "inference.networking.x-k8s.io/v1alpha2",
    }
    old = pools["inference.networking.x-k8s.io/v1alpha2"]["spec"]
    assert old["targetPortNumber"] == 8000
    assert old["extensionRef"]["name"] == "tiny-epp-service"
    assert old["selector"] == {
        "app.kubernetes.io/name": "tiny",
        "app.kubernetes.io/part-of": "llminferenceservice",
        "kserve.io/component": "workload",
    }


def test_certificate_stands_in_for_the_self_signed_secret(tmp_path: Path) -> None:
    files = {
        "llmisvc.yaml": LLMISVC,
        "config.yaml": config(
            '{"tlsIssuerKind": "Issuer", "tlsIssuerName": "ca", "clusterDomain": "corp.local"}'
        ),
    }
    (cert,) = by_kind(run(tmp_path, files), "Certificate")
    assert cert["spec"]["secretName"] == "tiny-kserve-self-signed-certs"
    assert cert["spec"]["issuerRef"] == {"group": "cert-manager.io", "kind": "Issuer", "name": "ca"}
    # workload_tls_self_signed.go: collectDNSNames, sorted
    assert cert["spec"]["dnsNames"] == [
        "localhost",
        "tiny-epp-service.ns.svc",
        "tiny-epp-service.ns.svc.corp.local",
        "tiny-kserve-workload-svc.ns.svc",
        "tiny-kserve-workload-svc.ns.svc.corp.local",
    ]


def test_passthrough_flag(tmp_path: Path) -> None:
    result = run(tmp_path, {"llmisvc.yaml": LLMISVC}, llmisvc_passthrough=True)
    assert [r.kind for r in result.objects] == ["LLMInferenceService"]
    assert result.objects[0].obj["spec"]["router"] == {
        "scheduler": {},
        "route": {},
        "gateway": {},
    }
    assert str(result.warnings[0]).endswith(
        "passed through unchanged (--llmisvc-passthrough): KServe's LLMInferenceService "
        "controller must run in the cluster to serve it"
    )


def test_passthrough_config_key(tmp_path: Path) -> None:
    files = {"llmisvc.yaml": LLMISVC, "config.yaml": config('{"passthrough": true}')}
    result = run(tmp_path, files)
    assert [r.kind for r in result.objects] == ["LLMInferenceService"]
    assert "(llmisvcRender.passthrough)" in str(result.warnings[0])


def test_user_named_scheduler_service_account_is_used_not_created(tmp_path: Path) -> None:
    # scheduler.go: expectedSchedulerServiceAccount uses a named account as it is
    text = LLMISVC.replace(
        "router: {scheduler: {}, route: {}, gateway: {}}",
        "router: {scheduler: {template: {serviceAccountName: epp-runner}}, route: {}}",
    )
    result = run(tmp_path, {"llmisvc.yaml": text})
    assert by_kind(result, "ServiceAccount") == []
    (binding,) = by_kind(result, "RoleBinding")
    assert binding["subjects"] == [
        {"kind": "ServiceAccount", "name": "epp-runner", "namespace": "ns"}
    ]


def test_missing_preset_reports_the_base_ref(tmp_path: Path) -> None:
    text = LLMISVC.replace("spec:\n", "spec:\n  baseRefs: [{name: absent}]\n", 1)
    with pytest.raises(ProblemsFound) as found:
        run(tmp_path, {"llmisvc.yaml": text})
    (problem,) = found.value.problems
    assert problem.field == "spec.baseRefs[0].name"
    assert problem.message == (
        'LLMInferenceServiceConfig "absent" not found in namespaces [ns kserve]'
    )


def test_repo_config_in_kserve_namespace_replaces_a_preset(tmp_path: Path) -> None:
    # getConfig finds the repo's kserve-config-llm-template in the KServe namespace first
    preset = """
apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceServiceConfig
metadata: {name: kserve-config-llm-template, namespace: kserve}
spec:
  template:
    containers:
      - name: main
        image: "corp/vllm:1"
"""
    result = run(tmp_path, {"llmisvc.yaml": LLMISVC, "preset.yaml": preset})
    workload = next(
        d for d in by_kind(result, "Deployment") if d["metadata"]["name"] == "tiny-kserve"
    )
    (main,) = workload["spec"]["template"]["spec"]["containers"]
    assert main["image"] == "vllm-cpu:v1"  # the service's own image wins
    assert "command" not in main  # the shipped preset's command is gone with it


def test_scheduler_config_ref_is_inlined(tmp_path: Path) -> None:
    # config_merge.go: the ConfigMap key becomes the inline config (the CRD requires `key`)
    text = LLMISVC.replace(
        "router: {scheduler: {}, route: {}, gateway: {}}",
        "router: {scheduler: {config: {ref: {name: my-epp, key: epp}}}, route: {}}",
    )
    cm = """
apiVersion: v1
kind: ConfigMap
metadata: {name: my-epp, namespace: ns}
data:
  epp: |
    apiVersion: inference.networking.x-k8s.io/v1alpha1
    kind: EndpointPickerConfig
    plugins:
    - type: queue-scorer
"""
    result = run(tmp_path, {"llmisvc.yaml": text, "cm.yaml": cm})
    epp = next(
        d
        for d in by_kind(result, "Deployment")
        if d["metadata"]["name"] == "tiny-kserve-router-scheduler"
    )
    args = epp["spec"]["template"]["spec"]["containers"][0]["args"]
    assert args == [
        "--config-text",
        "apiVersion: inference.networking.x-k8s.io/v1alpha1\nkind: EndpointPickerConfig\n"
        "plugins:\n- type: queue-scorer\n",
    ]


GATEWAY = """
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: kserve-ingress-gateway, namespace: kserve}
spec:
  gatewayClassName: envoy
  listeners:
    - {name: http, protocol: HTTP, port: 8080, hostname: "*.example.com"}
    - {name: https, protocol: HTTPS, port: 443, hostname: "*.example.com"}
"""


def test_status_url_from_a_gateway_in_the_input_set(tmp_path: Path) -> None:
    # router_discovery.go: DiscoverURLs + router.go: preferPathBasedURL; a wildcard listener
    # hostname becomes inference.<domain>; the path-based URL wins; http is the urlScheme.
    result = run(tmp_path, {"llmisvc.yaml": LLMISVC, "gateway.yaml": GATEWAY})
    (status,) = result.llm_statuses
    assert (status.url, status.address) == ("http://inference.example.com:8080/ns/tiny", None)


def test_status_address_without_a_route(tmp_path: Path) -> None:
    # router.go: updateRoutingStatus without router.route: the workload Service's address
    text = LLMISVC.replace("router: {scheduler: {}, route: {}, gateway: {}}", "replicas: 1")
    (status,) = run(tmp_path, {"llmisvc.yaml": text}).llm_statuses
    assert (status.url, status.address) == (
        None,
        "http://tiny-kserve-workload-svc.ns.svc.cluster.local",
    )


def test_urls_command_lists_llm_inference_services(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = build_tree(tmp_path / "in", {"llmisvc.yaml": LLMISVC, "gateway.yaml": GATEWAY})
    with pytest.raises(SystemExit) as exited:
        cli.main(["urls", str(root), "--allow-cluster-scoped"])  # the scheduler's binding
    assert exited.value.code in (0, None)
    assert capsys.readouterr().out == (
        "ns/tiny\tLLMInferenceService\thttp://inference.example.com:8080/ns/tiny\t-\n"
    )


def test_gateway_named_by_the_route_is_checked_when_the_input_set_holds_gateways(
    tmp_path: Path,
) -> None:
    # router_validation.go: validateManagedHTTPRouteSpec; only Gateways in the input set count
    other = GATEWAY.replace("name: kserve-ingress-gateway", "name: other-gateway")
    result = run(tmp_path, {"llmisvc.yaml": LLMISVC, "gateway.yaml": other})
    assert [w.message for w in result.warnings] == [
        "Managed HTTPRoute references non-existent Gateway kserve/kserve-ingress-gateway "
        "(not in the input set)"
    ]
    assert run(tmp_path / "2", {"llmisvc.yaml": LLMISVC}).warnings == []


def _main_pod(result: pipeline.Result, name: str) -> dict[str, Any]:
    (deployment,) = [d for d in by_kind(result, "Deployment") if d["metadata"]["name"] == name]
    return dict(deployment["spec"]["template"]["spec"])


def test_oci_model_uri_gets_the_modelcar(tmp_path: Path) -> None:
    """pkg/controller/v1alpha2/llmisvc/workload_storage.go:155-176 (attachModelArtifacts,
    `case constants.OciURIPrefix`): with the
    release's storageInitializer (enableModelcar) the mode is modelcar: the model image runs as
    a sidecar and an init container, the main container reads it through /proc (shared process
    namespace), and no storage-initializer. Found by the differential suite (the render
    refused oci://)."""
    files = {"llmisvc.yaml": LLMISVC.replace("hf://facebook/opt-125m", "oci://reg.io/m/opt:1")}
    pod = _main_pod(run(tmp_path, files), "tiny-kserve")
    assert [c["name"] for c in pod["containers"]] == ["main", "modelcar"]
    assert [c["name"] for c in pod.get("initContainers") or []] == ["modelcar-init"]
    assert pod["shareProcessNamespace"] is True
    modelcar = pod["containers"][1]
    assert modelcar["image"] == "reg.io/m/opt:1"
    main = pod["containers"][0]
    assert {"name": "MODEL_INIT_MODE", "value": "async"} in main["env"]


def test_oci_native_model_uri_gets_an_image_volume(tmp_path: Path) -> None:
    """workload_storage.go:144-148 (`case constants.OciNativeURIPrefix`, then
    utils.ConfigureOciNativeToContainer, pkg/utils/storage.go:653): an image volume mounted
    read-only at the model path, sub-path `models`; no sidecar."""
    uri = "oci+native://reg.io/m/opt:1"
    files = {"llmisvc.yaml": LLMISVC.replace("hf://facebook/opt-125m", uri)}
    pod = _main_pod(run(tmp_path, files), "tiny-kserve")
    assert [c["name"] for c in pod["containers"]] == ["main"]
    images = [v for v in pod["volumes"] if "image" in v]
    assert [v["image"] for v in images] == [
        {"reference": "reg.io/m/opt:1", "pullPolicy": "IfNotPresent"}
    ]
    mounts = [m for m in pod["containers"][0]["volumeMounts"] if m["name"] == images[0]["name"]]
    assert [(m["readOnly"], m["subPath"]) for m in mounts] == [(True, "models")]


def test_oci_model_uri_without_modelcar_is_refused_as_kserve_does(tmp_path: Path) -> None:
    """workload_storage.go:156-158: no OCI mode resolved (enableModelcar off) is an error."""
    storage = json.loads(builtin_layer().data["storageInitializer"])
    storage["enableModelcar"] = False
    disabled = config_map({"storageInitializer": json.dumps(storage)})
    files = {
        "llmisvc.yaml": LLMISVC.replace("hf://facebook/opt-125m", "oci://reg.io/m/opt:1"),
        "config.yaml": disabled,
    }
    with pytest.raises(ProblemsFound) as found:
        run(tmp_path, files)
    assert [(p.field, p.message) for p in found.value.problems] == [
        ("spec.model.uri", "OCI modelcars is not enabled")
    ]
