"""Published KServe v0.20.0 samples that once rendered differently from a KServe install (issue 15).

Each sample is a verbatim copy under tests/data/reference (origin in the PROVENANCE.md beside it);
each test names the KServe behaviour the rendered objects must show.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from checker import check_text
from helpers import REFERENCE

from generator import cli
from generator.errors import EXIT_INVALID, EXIT_OK

FIDELITY = REFERENCE / "fidelity"
EXAMPLES = REFERENCE / "examples"
SOURCE_URI = "internal.serving.kserve.io/storage-initializer-sourceuri"
STANDARD = 'deploy: \'{"defaultDeploymentMode": "Standard"}\'\n'


def render(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, *paths: Path, mode: str = "Knative"
) -> tuple[list[dict[str, Any]], str]:
    """The rendered objects (checked by tests/checker.py) and stderr of one render."""
    args = ["render", *map(str, paths), "--namespace", "default"]
    if mode == "Standard":
        config = tmp_path / "config.yaml"
        config.write_text(STANDARD)
        args += ["--config", str(config)]
    with pytest.raises(SystemExit) as exited:
        cli.main(args)
    out, err = capsys.readouterr()
    assert exited.value.code in (None, EXIT_OK), err
    assert check_text(out, "rendered") == []
    return [d for d in yaml.safe_load_all(out) if d], err


def pod_spec(obj: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = obj["spec"]["template"]["spec"]
    return spec


def workload(objects: list[dict[str, Any]], name: str) -> dict[str, Any]:
    kinds = ("Deployment", "Service")
    found = [o for o in objects if o["kind"] in kinds and o["metadata"]["name"] == name]
    (obj,) = [o for o in found if "template" in o["spec"]]
    return obj


def env_of(container: dict[str, Any]) -> dict[str, str]:
    return {e["name"]: e.get("value", "") for e in container.get("env") or []}


# --- custom containers with STORAGE_URI (CustomPredictor/CustomTransformer.GetStorageUri) ---


@pytest.mark.parametrize("mode", ["Knative", "Standard"])
@pytest.mark.parametrize(
    ("sample", "component", "uri"),
    [
        (
            EXAMPLES / "kserve-samples" / "transformer-collocation.yaml",
            "custom-transformer-collocation-predictor",
            "gs://kfserving-examples/models/torchserve/image_classifier/v1",
        ),
        (
            FIDELITY / "triton-bert-transformer.yaml",
            "bert-v2-transformer",
            "gs://kfserving-examples/models/triton/bert-transformer",
        ),
    ],
)
def test_storage_uri_env_gets_the_storage_initializer(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    sample: Path,
    component: str,
    uri: str,
    mode: str,
) -> None:
    """The reconciler sets the source-URI annotation from STORAGE_URI; the pod webhook adds the
    storage-initializer and rewrites the env to the mount path (storage_initializer_injector.go)."""
    objects, _ = render(capsys, tmp_path, sample, mode=mode)
    obj = workload(objects, component)
    template = obj["spec"]["template"]
    assert template["metadata"]["annotations"][SOURCE_URI] == uri
    spec = pod_spec(obj)
    (init,) = spec["initContainers"]
    assert init["name"] == "storage-initializer"
    assert init["args"] == [uri, "/mnt/models"]
    (main,) = [x for x in spec["containers"] if x["name"] == "kserve-container"]
    assert env_of(main)["STORAGE_URI"] == "/mnt/models"
    assert {"name": "kserve-provision-location", "mountPath": "/mnt/models", "readOnly": True} in (
        main["volumeMounts"]
    )


# --- the deprecated PodSpec alias serviceAccount ------------------------------------------------


@pytest.mark.parametrize("mode", ["Knative", "Standard"])
def test_service_account_alias_becomes_service_account_name(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mode: str
) -> None:
    """pod-overrides.yaml sets `spec.predictor.serviceAccount`. The API server decodes it into
    serviceAccountName for a Deployment; Knative's schema has no such field, so the revision
    gets serviceAccountName too, and a warning asks for the real field."""
    objects, err = render(capsys, tmp_path, FIDELITY / "pod-overrides.yaml", mode=mode)
    spec = pod_spec(workload(objects, "tensorflow-pod-overrides-predictor"))
    assert spec["serviceAccountName"] == "serving-admin"
    assert "serviceAccount" not in spec
    assert "spec.predictor.serviceAccount: the deprecated alias of serviceAccountName" in err


# --- KFServing's retired API group serving.kubeflow.org ------------------------------------------

KFSERVING = (
    "apiVersion: serving.kubeflow.org/v1beta1 is KFServing's API group, which KServe v0.20.0 "
    "does not serve (nothing reconciles this InferenceService); change apiVersion to "
    "serving.kserve.io/v1beta1"
)


@pytest.mark.parametrize("sample", ["sklearn-iap-no-authz.yaml", "sklearn-iap-with-authz.yaml"])
def test_kfserving_objects_are_warned_about_and_refused_with_strict(
    capsys: pytest.CaptureFixture[str], sample: str
) -> None:
    """KServe's gcp-iap samples still use `serving.kubeflow.org/v1beta1`; no KServe v0.20.0
    CRD serves that group. Without --strict: a warning, the object passes through unchanged;
    with --strict: exit 2, the same message as a problem, nothing written."""
    path = str(FIDELITY / sample)
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", path, "--namespace", "default"])
    out, err = capsys.readouterr()
    assert exited.value.code in (None, EXIT_OK), err
    (line,) = [x for x in err.splitlines() if "serving.kubeflow.org" in x]
    assert line.startswith(f"warning: {path}:1: InferenceService ")
    assert line.endswith(KFSERVING)
    docs = [d for d in yaml.safe_load_all(out) if d]
    assert [d["apiVersion"] for d in docs if d["kind"] == "InferenceService"] == [
        "serving.kubeflow.org/v1beta1"
    ]
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", path, "--namespace", "default", "--strict"])
    out, err = capsys.readouterr()
    assert exited.value.code == EXIT_INVALID
    assert out == ""
    assert re.match(rf"{re.escape(path)}:1: InferenceService \S+: {re.escape(KFSERVING)}$", err)


# --- the agent in Standard mode: SERVING_READINESS_PROBE from setDefaultPodSpec's probe -------


@pytest.mark.parametrize(
    ("sample", "name"),
    [("logger.yaml", "sklearn-iris-predictor"), ("batcher.yaml", "pytorch-batcher-predictor")],
)
def test_standard_mode_agent_carries_the_default_readiness_probe(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, sample: str, name: str
) -> None:
    """The webhook sees the Deployment's pod, whose kserve-container already has the TCP
    readiness probe of the raw reconciler's setDefaultPodSpec; agent_injector.go passes that
    probe to the agent as SERVING_READINESS_PROBE (JSON in Go's field order)."""
    objects, _ = render(capsys, tmp_path, EXAMPLES / "kserve-samples" / sample, mode="Standard")
    containers = {x["name"]: x for x in pod_spec(workload(objects, name))["containers"]}
    probe = containers["kserve-container"]["readinessProbe"]
    assert probe["tcpSocket"] == {"port": 8080}
    assert env_of(containers["agent"])["SERVING_READINESS_PROBE"] == (
        '{"tcpSocket":{"port":8080},"timeoutSeconds":1,"periodSeconds":10,'
        '"successThreshold":1,"failureThreshold":3}'
    )
    assert containers["agent"]["readinessProbe"]["httpGet"]["path"] == "/"


# --- ClusterStorageContainers of the input set (ValidateStorageURI, GetStorageContainerSpec) ---


@pytest.mark.parametrize("mode", ["Knative", "Standard"])
def test_a_repo_cluster_storage_container_serves_its_uri_scheme(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mode: str
) -> None:
    """The website's storage-containers page: a ClusterStorageContainer for model-registry://
    and an InferenceService using it. ValidateStorageURI accepts the URI because a container
    supports it, and the injector uses that container for the storage initializer."""
    paths = [FIDELITY / "storage-containers-model-registry.yaml"]
    paths.append(FIDELITY / "storage-containers-iris.yaml")
    objects, _ = render(capsys, tmp_path, *paths, mode=mode)
    spec = pod_spec(workload(objects, "iris-model-predictor"))
    (init,) = spec["initContainers"]
    assert init["name"] == "storage-initializer"
    assert init["image"] == "kubeflow/model-registry-storage-initializer:latest"
    assert init["args"] == ["model-registry://iris/v1", "/mnt/models"]
    assert env_of(init)["MODEL_REGISTRY_SCHEME"] == "http"
    assert "ClusterStorageContainer" not in [o["kind"] for o in objects]  # read, like runtimes


def test_without_the_cluster_storage_container_the_uri_is_refused(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = str(FIDELITY / "storage-containers-iris.yaml")
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", path, "--namespace", "default"])
    out, err = capsys.readouterr()
    assert exited.value.code == EXIT_INVALID and out == ""
    assert err.startswith(
        f"{path}:10: InferenceService default/iris-model: spec.predictor.model.storageUri: "
        "StorageURI not supported: "
    )


# --- ModelMesh InferenceServices keep their runtimes ----------------------------------------


@pytest.mark.parametrize("extra", [[], ["--no-passthrough"]])
def test_modelmesh_runtime_passes_through_with_its_inference_service(
    capsys: pytest.CaptureFixture[str], extra: list[str]
) -> None:
    """ModelMesh's mlserver-1.x ClusterServingRuntime (`multiModel: true`) and its example
    InferenceService: both reach the cluster unchanged, where the ModelMesh controller serves
    the InferenceService with that runtime."""
    paths = [str(FIDELITY / "modelmesh-mlserver-1.x.yaml")]
    paths.append(str(FIDELITY / "modelmesh-sklearn-mnist-isvc.yaml"))
    with pytest.raises(SystemExit) as exited:
        # The ClusterServingRuntime is applied, and cluster-scoped: it needs the flag.
        cli.main(["render", *paths, "--namespace", "default", "--allow-cluster-scoped", *extra])
    out, err = capsys.readouterr()
    assert exited.value.code in (None, EXIT_OK), err
    docs = {d["kind"]: d for d in yaml.safe_load_all(out) if d}
    assert sorted(docs) == ["ClusterServingRuntime", "InferenceService"]
    (runtime,) = [d for d in yaml.safe_load_all(Path(paths[0]).read_text()) if d]
    assert docs["ClusterServingRuntime"] == runtime
    assert check_text(out) == []


def test_a_runtime_modelmesh_cannot_use_is_still_consumed(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Without `multiModel: true` ModelMesh never uses a runtime: it stays input only."""
    text = (FIDELITY / "modelmesh-mlserver-1.x.yaml").read_text()
    single = tmp_path / "runtime.yaml"
    single.write_text(text.replace("multiModel: true", "multiModel: false"))
    isvc = str(FIDELITY / "modelmesh-sklearn-mnist-isvc.yaml")
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", str(single), isvc, "--namespace", "default"])
    out, err = capsys.readouterr()
    assert exited.value.code in (None, EXIT_OK), err
    assert [d["kind"] for d in yaml.safe_load_all(out) if d] == ["InferenceService"]


# --- storageUris of the transformer and explainer (transformer.go:213-226) ---------------------

TRANSFORMER_STORAGE_URIS = """\
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: multi-storage
spec:
  predictor:
    model:
      modelFormat: {name: sklearn}
      storageUri: gs://kfserving-examples/models/sklearn/1.0/model
  transformer:
    containers:
    - name: kserve-container
      image: example.com/transformer:1
    storageUris:
    - uri: s3://bucket/vocab
      mountPath: /mnt/models/vocab
"""


@pytest.mark.parametrize("mode", ["Knative", "Standard"])
def test_transformer_storage_uris_get_their_own_storage_initializer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mode: str
) -> None:
    """KServe's transformer reconciler hands its storageUris to CommonStorageInitialization
    like the predictor's: an init container downloads each URI to its mount path, which the
    transformer container mounts read-only (found by the differential suite)."""
    source = tmp_path / "isvc.yaml"
    source.write_text(TRANSFORMER_STORAGE_URIS)
    objects, _ = render(capsys, tmp_path, source, mode=mode)
    spec = pod_spec(workload(objects, "multi-storage-transformer"))
    (init,) = [c for c in spec.get("initContainers") or [] if c["name"] == "storage-initializer"]
    assert init["args"] == ["s3://bucket/vocab", "/mnt/models/vocab"]
    mounts = {m["mountPath"]: m for m in spec["containers"][0].get("volumeMounts") or []}
    assert mounts["/mnt/models/vocab"]["readOnly"] is True


# --- probes: Go's JSON round trip of the components' containers (corev1.Probe) ---------------

DOCS_SAMPLES = REFERENCE / "docs-samples"
EXPLAINER_PROBE = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: probed
spec:
  predictor:
    model:
      modelFormat:
        name: sklearn
      storageUri: gs://bucket/model
  explainer:
    containers:
      - name: kserve-container
        image: example.com/explainer:1
        readinessProbe:
          tcpSocket:
            port: 8080
          periodSeconds: 0
        securityContext:
          capabilities:
            drop: []
"""


def test_a_probe_without_port_is_written_with_port_0_in_knative_mode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """The published probes sample leaves the port out; KServe reads the container into a
    corev1.Container and writes `port: 0` (HTTPGetAction.Port has no omitempty), which Knative
    accepts: its queue-proxy probes the container's port (found by the differential suite)."""
    sample = DOCS_SAMPLES / "v1beta1" / "advanced" / "probes.yaml"
    objects, _ = render(capsys, tmp_path, sample)
    (container,) = pod_spec(workload(objects, "flowers-predictor"))["containers"][:1]
    for probe in ("readinessProbe", "livenessProbe"):
        assert container[probe] == {"httpGet": {"path": "/v1/models/flowers", "port": 0}}


def test_a_probe_without_port_is_refused_in_standard_mode(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """In a Deployment the API server refuses `port: 0` (ValidatePortNumOrName), so the sample
    is refused, naming each probe's port."""
    config = tmp_path / "config.yaml"
    config.write_text(STANDARD)
    sample = DOCS_SAMPLES / "v1beta1" / "advanced" / "probes.yaml"
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", str(sample), "--namespace", "default", "--config", str(config)])
    out, err = capsys.readouterr()
    assert exited.value.code == EXIT_INVALID and out == ""
    for probe, line in (("readinessProbe", 10), ("livenessProbe", 13)):
        field = rf"spec\.predictor\.tensorflow\.{probe}\.httpGet\.port"
        assert re.search(rf"probes\.yaml:{line}: InferenceService default/flowers: {field}: ", err)


@pytest.mark.parametrize("mode", ["Knative", "Standard"])
def test_a_custom_explainer_container_is_written_as_go_writes_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, mode: str
) -> None:
    """Zero probe timings and empty lists are `omitempty` in corev1; KServe's explainer
    reconciler writes the container from the Go struct."""
    source = tmp_path / "isvc.yaml"
    source.write_text(EXPLAINER_PROBE)
    objects, _ = render(capsys, tmp_path, source, mode=mode)
    container = pod_spec(workload(objects, "probed-explainer"))["containers"][0]
    assert container["readinessProbe"] == {"tcpSocket": {"port": 8080}}
    assert container["securityContext"] == {"capabilities": {}}


# --- plain scalars as kubectl reads them (go-yaml v2, then JSON) ------------------------------

KUBECTL_SCALARS = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: scalars
spec:
  predictor:
    minReplicas: 1.0
    model:
      modelFormat:
        name: sklearn
      storageUri: gs://bucket/model
      resources:
        requests:
          cpu: 2e0
          memory: 128974848
        limits:
          cpu: 1.0
          memory: 129e6
"""


def test_plain_scalars_mean_what_they_mean_to_kubectl(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """`129e6` and `2e0` are numbers to go-yaml v2 (PyYAML's YAML 1.1 reads strings), and
    `1.0` is the integer 1 once kubectl has made JSON of it (a float would not fit the CRD's
    integer or int-or-string): KServe, reading what the API server stored, writes the
    quantities 129M, 2 and 1 (found by the differential suite)."""
    source = tmp_path / "isvc.yaml"
    source.write_text(KUBECTL_SCALARS)
    objects, _ = render(capsys, tmp_path, source, mode="Standard")
    resources = pod_spec(workload(objects, "scalars-predictor"))["containers"][0]["resources"]
    assert resources == {
        "requests": {"cpu": "2", "memory": "128974848"},
        "limits": {"cpu": "1", "memory": "129M"},
    }
