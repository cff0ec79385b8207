"""Issue 12 point 5: what the API server refuses is never emitted (`generator.schema.emitted`).

End to end with the installed console script (exit 2, empty stdout, one line naming the file,
the InferenceService and the input field; for an LLMInferenceService's child, an object passed
through and one an overlay patched, the LLMInferenceService's field, the object's own field and
the overlay's patches), the screen in front of the compiled validators (never
looser, and on the fast path for everything the tool renders), and the shipped schema data (up
to date with scripts/gen_output_schemas.py).
"""

from __future__ import annotations

import copy
import importlib.metadata
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.schema import emitted, screen

REPO_ROOT = Path(__file__).resolve().parents[2]
SCRIPT = Path(sys.executable).parent / "kserve-gitops"
EMITTED = REPO_ROOT / "generator" / "schema" / "data" / "emitted"

STANDARD = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: {name}
  namespace: ns
{labels}  annotations:
    serving.kserve.io/deploymentMode: Standard
spec:
  predictor:
    model:
      modelFormat:
        name: sklearn
      storageUri: gs://bucket/model
{model}"""


def run_cli(*args: str | Path) -> subprocess.CompletedProcess[str]:
    command = [str(SCRIPT)] if SCRIPT.exists() else [sys.executable, "-m", "generator"]
    return subprocess.run(
        [*command, *map(str, args)], capture_output=True, text=True, timeout=60, check=False
    )


def assert_one_line(done: subprocess.CompletedProcess[str], *words: str) -> str:
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1, done.stderr
    assert "Traceback" not in done.stderr
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def write(tmp_path: Path, name: str, labels: str = "", model: str = "") -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(STANDARD.format(name=name, labels=labels, model=model), encoding="utf-8")
    return path


def test_a_probe_with_http_get_and_no_port_in_standard_mode(tmp_path: Path) -> None:
    # KServe writes the absent port as 0 (HTTPGetAction.Port has no omitempty), which the API
    # server refuses in a Deployment (ValidatePortNumOrName)
    probe = "      readinessProbe:\n        httpGet:\n          path: /\n"
    path = write(tmp_path, "probe", model=probe)
    line = assert_one_line(
        run_cli("render", path),
        "probe.yaml:15:",  # the line of httpGet
        "InferenceService ns/probe",
        "spec.predictor.model.readinessProbe.httpGet.port: must be greater than or equal to 1 "
        "(got 0), which KServe writes for a port left out",
        "Deployment ns/probe-predictor (apps/v1)",
    )
    assert "containers[0].readinessProbe.httpGet.port" in line


def test_probes_alike_but_for_their_field_are_each_named(tmp_path: Path) -> None:
    probes = "".join(
        f"      {probe}:\n        httpGet:\n          path: /\n"
        for probe in ("readinessProbe", "livenessProbe")
    )
    done = run_cli("render", write(tmp_path, "probes", model=probes))
    assert done.returncode == 2 and done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 2, done.stderr
    assert "probes.yaml:15: " in lines[0] and ".readinessProbe.httpGet.port: must be" in lines[0]
    assert "probes.yaml:18: " in lines[1] and ".livenessProbe.httpGet.port: must be" in lines[1]


@pytest.mark.parametrize(
    ("handler", "message"),
    [
        ("tcpSocket:\n          port: 0", "must be greater than or equal to 1 (got 0)"),
        ("tcpSocket:\n          port: 70000", "must be less than or equal to 65535 (got 70000)"),
        ("httpGet:\n          port: Not_A_Name", 'invalid value "Not_A_Name"'),
        ("grpc:\n          port: 0", "must be greater than or equal to 1 (got 0)"),
    ],
)
def test_a_probe_port_the_api_server_refuses(tmp_path: Path, handler: str, message: str) -> None:
    probe = f"      livenessProbe:\n        {handler}\n"
    assert_one_line(
        run_cli("render", write(tmp_path, "port", model=probe)),
        "InferenceService ns/port",
        "spec.predictor.model.livenessProbe.",
        message,
    )


def test_a_label_value_the_api_server_refuses(tmp_path: Path) -> None:
    path = write(tmp_path, "label", labels='  labels:\n    team: "two words"\n')
    assert_one_line(
        run_cli("render", path),
        "label.yaml:7:",
        "InferenceService ns/label",
        'metadata.labels.team: invalid value "two words"',
    )


def test_a_label_value_longer_than_63_characters(tmp_path: Path) -> None:
    path = write(tmp_path, "long", labels=f"  labels:\n    team: {'a' * 64}\n")
    assert_one_line(
        run_cli("render", path),
        "InferenceService ns/long",
        "metadata.labels.team: may not be longer than 63 characters",
    )


def test_a_container_port_name_longer_than_15_characters(tmp_path: Path) -> None:
    ports = "      ports:\n      - name: metrics-and-more-port\n        containerPort: 9000\n"
    path = write(tmp_path, "port", model=ports)
    assert_one_line(
        run_cli("render", path),
        "port.yaml:15:",
        "InferenceService ns/port",
        "spec.predictor.model.ports[0].name: may not be longer than 15 characters",
    )


def test_an_image_pull_policy_outside_the_api_servers_enum(tmp_path: Path) -> None:
    path = write(tmp_path, "pull", model="      imagePullPolicy: always\n")
    assert_one_line(
        run_cli("render", path),
        "pull.yaml:14:",
        "InferenceService ns/pull",
        'spec.predictor.model.imagePullPolicy: unsupported value "always"',
    )


def test_an_inference_graph_label_value(tmp_path: Path) -> None:
    path = tmp_path / "graph.yaml"
    path.write_text(
        "apiVersion: serving.kserve.io/v1alpha1\nkind: InferenceGraph\nmetadata:\n"
        "  name: chain\n  namespace: ns\n  labels:\n    team: 'bad value!'\nspec:\n  nodes:\n"
        "    root:\n      routerType: Sequence\n      steps:\n      - serviceName: a\n",
        encoding="utf-8",
    )
    assert_one_line(
        run_cli("render", path),
        "graph.yaml:7:",
        "InferenceGraph ns/chain",
        'metadata.labels.team: invalid value "bad value!"',
    )


def test_without_an_input_field_the_output_object_and_field_are_named(tmp_path: Path) -> None:
    templates = tmp_path / "templates"
    templates.mkdir()
    shipped = (REPO_ROOT / "templates" / "hpa.yaml.j2").read_text(encoding="utf-8")
    custom = shipped.replace("  behavior: {}", "  behavior: {}\n  maxReplica: 3")
    assert custom != shipped
    (templates / "hpa.yaml.j2").write_text(custom, encoding="utf-8")
    path = write(tmp_path, "tpl")
    assert_one_line(
        run_cli("render", path, "--templates", templates),
        "InferenceService ns/tpl",
        "the HorizontalPodAutoscaler ns/tpl-predictor (autoscaling/v2) it renders: "
        'spec.maxReplica: unknown field "maxReplica"',
    )


def test_a_valid_input_still_renders(tmp_path: Path) -> None:
    done = run_cli("render", write(tmp_path, "fine", labels="  labels:\n    team: a.b_c-1\n"))
    assert done.returncode == 0, done.stderr
    assert "kind: Deployment" in done.stdout


def test_the_input_field_is_found_by_key_and_value() -> None:
    source = {"spec": {"predictor": {"containers": [{"name": "c", "args": ["--a", "x y"]}]}}}
    found = emitted._find(source, "x y", "args", ())
    assert found == ("spec", "predictor", "containers", 0, "args", 1)
    assert emitted._find(source, "x y", "command", ()) is None
    assert emitted._find({"a": {"port": 1}}, True, "port", ()) is None  # 1 is not True


# --- the screen: never looser than the validator, and the fast path for real output ---


def rendered_objects() -> list[dict[str, Any]]:
    """Every object of a checked kind in the golden outputs (tests/golden/*/expected.yaml)."""
    objects = [
        doc
        for path in sorted((REPO_ROOT / "tests" / "golden").glob("*/expected.yaml"))
        for doc in yaml.safe_load_all(path.read_text(encoding="utf-8"))
        if isinstance(doc, dict) and emitted.module_of(doc) is not None
    ]
    assert {emitted.module_of(o) for o in objects} >= {
        "deployment_apps_v1",
        "service_v1",
        "service_serving_knative_dev_v1",
        "virtualservice_networking_istio_io_v1beta1",
        "horizontalpodautoscaler_autoscaling_v2",
        "ingress_networking_k8s_io_v1",
    }
    return objects


OBJECTS = rendered_objects()


def test_the_screen_passes_every_rendered_object() -> None:
    for obj in OBJECTS:
        module = emitted.module_of(obj)
        assert module is not None
        assert emitted._screen(module)(obj), (obj["kind"], obj["metadata"]["name"])


def _paths(node: Any, at: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [at]
    if isinstance(node, dict):
        for key, child in node.items():
            out += _paths(child, (*at, key))
    elif isinstance(node, list):
        for index, child in enumerate(node):
            out += _paths(child, (*at, index))
    return out


ODD_VALUES = st.sampled_from(
    [None, True, 0, -1, 1.5, 70000, "", "x" * 70, "Bad Value", "--", [], [None], {}, {"x": 1}]
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_the_screen_is_never_looser_than_the_validator(data: st.DataObject) -> None:
    obj = copy.deepcopy(data.draw(st.sampled_from(OBJECTS)))
    module = emitted.module_of(obj)
    assert module is not None
    for _ in range(data.draw(st.integers(1, 3))):
        path = data.draw(st.sampled_from(_paths(obj)[1:]))
        parent = obj
        for part in path[:-1]:
            parent = parent[part]
        if data.draw(st.booleans()) and isinstance(parent, dict):
            del parent[path[-1]]
        elif data.draw(st.booleans()) and isinstance(parent, dict):
            parent[f"{path[-1]}x"] = copy.deepcopy(data.draw(ODD_VALUES))
        else:
            parent[path[-1]] = copy.deepcopy(data.draw(ODD_VALUES))
        if path[-1] == "metadata" or not obj.get("metadata"):
            break
    if emitted._screen(module)(obj):
        assert emitted.schemas._errors(emitted._full(module), obj) == []


def test_the_screen_compiles_each_pattern_as_the_validator_does() -> None:
    for module in sorted(set(emitted.EMITTED_KINDS.values())):
        compiled = emitted._full(module).__globals__.get("REGEX_PATTERNS", {})  # type: ignore[attr-defined]
        patterns = screen._Patterns()
        for pattern, regex in compiled.items():
            assert patterns[pattern].pattern == regex.pattern, (module, pattern)


def test_a_keyword_the_screen_does_not_know_makes_it_defer() -> None:
    check = screen.compile_screen({"type": "object", "properties": {"a": {"format": "x"}}})
    assert check({}) is True
    assert check({"a": 1}) is False


def test_inside_not_only_exact_branches_are_judged() -> None:
    at_most_one = {
        "oneOf": [
            {"not": {"anyOf": [{"required": ["a"]}, {"required": ["b"]}]}},
            {"required": ["a"]},
            {"required": ["b"]},
        ]
    }
    check = screen.compile_screen({"type": "object", **at_most_one})
    assert [check({}), check({"a": 1}), check({"a": 1, "b": 2})] == [True, True, False]
    inexact = screen.compile_screen({"type": "object", "not": {"type": "integer"}})
    assert inexact({}) is False  # deferred: a stricter inner check would be looser outside


# --- the shipped data ---


def recorded_package() -> str:
    text = (EMITTED / "PROVENANCE.md").read_text(encoding="utf-8")
    found = re.search(r"kubernetes-validate ([^,\s]+),", text)
    assert found is not None
    return found.group(1)


def test_the_shipped_schemas_are_up_to_date() -> None:
    installed = importlib.metadata.version("kubernetes-validate")
    if installed != recorded_package():
        pytest.skip(f"kubernetes-validate {installed}, the data was built with another version")
    sys.path.insert(0, str(REPO_ROOT / "scripts"))
    try:
        import gen_output_schemas
    finally:
        sys.path.remove(str(REPO_ROOT / "scripts"))
    files = gen_output_schemas.generate()
    shipped = {
        p.relative_to(REPO_ROOT / "generator" / "schema").as_posix(): p.read_text(encoding="utf-8")
        for p in EMITTED.iterdir()
    }
    assert shipped == files


def test_every_emitted_kind_has_a_schema_and_provenance() -> None:
    kinds = json.loads((EMITTED / "kinds.json").read_text(encoding="utf-8"))
    assert set(kinds) == {
        "apps/v1 Deployment",
        "v1 Service",
        "v1 ConfigMap",
        "autoscaling/v2 HorizontalPodAutoscaler",
        "networking.k8s.io/v1 Ingress",
        "v1 PersistentVolume",  # a local model cache's serving volume and claim
        "v1 PersistentVolumeClaim",
        "v1 ServiceAccount",  # passed through, and read for credentials
        "v1 Namespace",  # passed through
        "gateway.networking.k8s.io/v1 Gateway",  # read by LLMInferenceServices' routes
        "serving.knative.dev/v1 Service",
        "networking.istio.io/v1beta1 VirtualService",
        "gateway.networking.k8s.io/v1 HTTPRoute",
        "keda.sh/v1alpha1 ScaledObject",
        "opentelemetry.io/v1beta1 OpenTelemetryCollector",
    }
    provenance = (EMITTED / "PROVENANCE.md").read_text(encoding="utf-8")
    for module in kinds.values():
        assert (EMITTED / f"{module}.json").is_file()
        assert f"| {module} |" in provenance


LLM_SAMPLE = (
    REPO_ROOT / "tests/data/reference/kserve/llmisvc/samples/opt-125m-cpu"
    "/llm-inference-service-facebook-opt-125m-cpu-no-scheduler.yaml"
)


def test_an_llminferenceservice_child_the_api_server_refuses(tmp_path: Path) -> None:
    """The published CPU sample with a container port name over 15 characters: KServe copies it
    into the Deployment, which the API server refuses."""
    doc = yaml.safe_load(LLM_SAMPLE.read_text(encoding="utf-8"))
    doc["metadata"]["namespace"] = "ns"
    doc["spec"]["template"]["containers"][0]["ports"] = [
        {"name": "metrics-and-more-port", "containerPort": 9000}
    ]
    path = tmp_path / "llm.yaml"
    path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    assert run_cli("render", LLM_SAMPLE, "--namespace", "ns").returncode == 0  # as published
    assert_one_line(
        run_cli("render", path),
        "llm.yaml:",
        "LLMInferenceService ns/facebook-opt-125m-single",
        "spec.template.containers[0].ports[0].name: may not be longer than 15 characters",
        "Deployment ns/facebook-opt-125m-single-kserve (apps/v1)",
    )


PASSED_THROUGH = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: sidecar
  namespace: ns
spec:
  selector:
    matchLabels: {app: sidecar}
  template:
    metadata:
      labels: {app: sidecar}
    spec:
      containers:
      - name: main
        image: busybox
        readinessProbe:
          httpGet:
            path: /
"""


def test_a_passed_through_object_the_api_server_refuses(tmp_path: Path) -> None:
    path = tmp_path / "deploy.yaml"
    path.write_text(PASSED_THROUGH, encoding="utf-8")
    fixed = tmp_path / "fixed" / "deploy.yaml"
    fixed.parent.mkdir()
    fixed.write_text(PASSED_THROUGH + "            port: 8080\n", encoding="utf-8")
    assert run_cli("render", fixed).returncode == 0
    assert_one_line(
        run_cli("render", path),
        "deploy.yaml:",
        "Deployment ns/sidecar",
        "spec.template.spec.containers[0].readinessProbe.httpGet.port: required value",
        "(the API server would refuse it)",
    )


CLAIM = """apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: models, namespace: ns}
spec:
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 10Gi}}
"""


def test_a_passed_through_claim_the_api_server_refuses(tmp_path: Path) -> None:
    """A PersistentVolumeClaim (a `pvc://` model's volume, often committed beside the service)
    is checked as strictly as a Deployment: kubectl and Argo CD apply it with strict validation."""
    fixed = tmp_path / "fixed" / "claim.yaml"
    fixed.parent.mkdir()
    fixed.write_text(CLAIM, encoding="utf-8")
    assert run_cli("render", fixed).returncode == 0
    path = tmp_path / "claim.yaml"
    path.write_text(CLAIM.replace("accessModes:", "accesModes:"), encoding="utf-8")
    assert_one_line(
        run_cli("render", path),
        "claim.yaml:",
        "PersistentVolumeClaim ns/models",
        'spec.accesModes: unknown field "accesModes"',
        "(the API server would refuse it)",
    )


def test_an_object_an_overlay_patch_makes_invalid(tmp_path: Path) -> None:
    isvc = write(tmp_path, "patched")
    overlay = tmp_path / "overlay"
    overlay.mkdir()
    patch = {"op": "add", "path": "/metadata/labels/team", "value": "two words"}
    (overlay / "overlay.yaml").write_text(
        "apiVersion: kserve-gitops.io/v1alpha1\nkind: Overlay\npatches:\n"
        f"- target: {{kind: Deployment}}\n  jsonPatch: [{json.dumps(patch)}]\n",
        encoding="utf-8",
    )
    assert run_cli("render", isvc).returncode == 0
    assert_one_line(
        run_cli("render", isvc, "--overlay", overlay),
        "overlay.yaml",
        "patches[0]: Deployment ns/patched-predictor as patched",
        'metadata.labels.team: invalid value "two words"',
        "(the API server would refuse it)",
    )


# --- env var sources: k8s.io/kubernetes pkg/apis/core/validation validateEnvVarValueFrom -------

SECRET = "secretKeyRef: {name: s, key: k}"
CONFIG_MAP = "configMapKeyRef: {name: c, key: k}"


@pytest.mark.parametrize(
    ("value_from", "message"),
    [
        (
            "{}",
            "must specify one of: `fieldRef`, `resourceFieldRef`, `configMapKeyRef` or "
            "`secretKeyRef`",
        ),
        (f"{{{SECRET}, {CONFIG_MAP}}}", "may not have more than one field specified at a time"),
    ],
)
def test_an_env_var_source_the_api_server_refuses(
    tmp_path: Path, value_from: str, message: str
) -> None:
    env = "      env:\n      - name: A\n        value: ''\n"
    env += f"      - name: B\n        valueFrom: {value_from}\n"
    assert_one_line(
        run_cli("render", write(tmp_path, "env", model=env)),
        "env.yaml:18:",
        "InferenceService ns/env",
        f"spec.predictor.model.env[1].valueFrom: {message} (the API server would refuse the "
        "Deployment ns/env-predictor (apps/v1) it renders, at "
        "spec.template.spec.containers[0].env[1].valueFrom)",
    )


def test_a_model_env_var_with_value_and_value_from_keeps_the_source(tmp_path: Path) -> None:
    # reconcileEnvValueConflicts (pkg/utils/utils.go): merged onto the runtime's container, the
    # InferenceService's valueFrom wins over its value, so the Deployment is valid
    env = f"      env:\n      - name: A\n        value: x\n        valueFrom: {{{SECRET}}}\n"
    done = run_cli("render", write(tmp_path, "env", model=env))
    assert done.returncode == 0, done.stderr
    deployment = next(d for d in yaml.safe_load_all(done.stdout) if d["kind"] == "Deployment")
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    assert {"name": "A", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}} in container[
        "env"
    ]


CUSTOM_CONTAINER = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: custom
  namespace: ns
  annotations:
    serving.kserve.io/deploymentMode: {mode}
spec:
  predictor:
    containers:
    - name: kserve-container
      image: example.com/model:1
      env:
      - name: A
        value: x
        valueFrom: {{{source}}}
"""


def test_a_custom_container_env_var_with_value_and_value_from(tmp_path: Path) -> None:
    path = tmp_path / "custom.yaml"
    path.write_text(CUSTOM_CONTAINER.format(mode="Standard", source=SECRET), encoding="utf-8")
    assert_one_line(
        run_cli("render", path),
        "custom.yaml:16:",
        "InferenceService ns/custom",
        "spec.predictor.containers[0].env[0].valueFrom: may not be specified when `value` is "
        "not empty (the API server would refuse the Deployment ns/custom-predictor (apps/v1)",
    )


def test_a_knative_service_keeps_what_knatives_webhook_takes(tmp_path: Path) -> None:
    # Knative's webhook does not check env var sources (knative.dev/serving pkg/apis/serving
    # k8s_validation.go validateEnvValueFrom checks only the fields its features allow), so the
    # API server takes the Knative Service; its revision's Deployment is what fails
    path = tmp_path / "custom.yaml"
    path.write_text(CUSTOM_CONTAINER.format(mode="Knative", source=SECRET), encoding="utf-8")
    done = run_cli("render", path)
    assert done.returncode == 0, done.stderr
    assert "kind: Service\n" in done.stdout and "value: x\n" in done.stdout


def _deployment(*env: dict[str, Any]) -> dict[str, Any]:
    deployment = yaml.safe_load(PASSED_THROUGH)
    container = deployment["spec"]["template"]["spec"]["containers"][0]
    container["readinessProbe"]["httpGet"]["port"] = 8080
    container["env"] = list(env)
    return dict(deployment)


@pytest.mark.parametrize(
    "var",
    [
        {"name": "A", "value": "x", "valueFrom": None},  # null: pruned before validation
        {"name": "A", "value": "", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
        {"name": "A", "value": None, "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "A", "valueFrom": {"secretKeyRef": None, "resourceFieldRef": {"resource": "x"}}},
    ],
)
def test_env_var_sources_the_api_server_takes(var: dict[str, Any]) -> None:
    assert emitted.own_refusals(_deployment(var)) == []


@pytest.mark.parametrize(
    ("var", "message"),
    [
        ({"name": "A", "value": "x", "valueFrom": {"fieldRef": {"fieldPath": "x"}}}, "`value`"),
        (
            {
                "name": "A",
                "valueFrom": {"fileKeyRef": {"volumeName": "v", "path": "p", "key": "k"}},
            },
            "must specify one of",
        ),
        ({"name": "A", "valueFrom": {"secretKeyRef": None}}, "must specify one of"),
    ],
)
def test_env_var_sources_a_passed_through_deployment_may_not_have(
    var: dict[str, Any], message: str
) -> None:
    deployment = _deployment({"name": "OK", "value": "1"}, var)
    deployment["spec"]["template"]["spec"]["initContainers"] = [
        {"name": "init", "image": "busybox", "env": [var]}
    ]
    refusals = emitted.own_refusals(deployment)
    assert [r.field for r in refusals] == [
        "spec.template.spec.initContainers[0].env[0].valueFrom",
        "spec.template.spec.containers[0].env[1].valueFrom",
    ]
    assert all(
        message in r.message and "(the API server would refuse it)" in r.message for r in refusals
    )
