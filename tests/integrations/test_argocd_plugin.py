"""The Argo CD config management plugin (integrations/argocd): its plugin.yaml has the fields
argocd-cmp-server reads, and its commands, run exactly as declared with the environment Argo CD
gives them, discover app folders and render them."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT, build_tree

ARGOCD = REPO_ROOT / "integrations" / "argocd"
SPEC_KEYS = {"version", "init", "generate", "discover", "parameters", "preserveFileMode",
             "provideGitCreds"}  # fmt: skip  # cmpserver/plugin/config.go PluginConfigSpec
ANNOUNCEMENT_KEYS = {"name", "title", "tooltip", "required", "itemType", "collectionType",
                     "string", "array", "map"}  # fmt: skip  # apiclient.ParameterAnnouncement


def plugin() -> dict[str, Any]:
    doc = yaml.safe_load((ARGOCD / "plugin.yaml").read_text())
    assert isinstance(doc, dict)
    return doc


def argv(command: dict[str, Any]) -> list[str]:
    """A Command as argocd-cmp-server runs it: command[0] with command[1:] + args."""
    return [*command["command"], *command.get("args", [])]


def _escaped(name: str) -> str:
    """Argo CD's `escaped()` for parameter environment names."""
    return re.sub(r"[^A-Z0-9_]", "_", name.upper())


def argocd_environ(
    base: dict[str, str],
    app_path: str,
    parameters: list[dict[str, Any]] | None = None,
    plugin_env: dict[str, str] | None = None,
    namespace: str = "models",
) -> dict[str, str]:
    """The environment argocd-cmp-server gives plugin commands: the build environment, the
    Application's plugin env (prefixed ARGOCD_ENV_) and its parameters (PARAM_*, plus the JSON)."""
    env = {
        **base,
        "ARGOCD_APP_NAME": "team-a-staging",
        "ARGOCD_APP_NAMESPACE": namespace,
        "ARGOCD_APP_REVISION": "0123456789abcdef0123456789abcdef01234567",
        "ARGOCD_APP_REVISION_SHORT": "0123456",
        "ARGOCD_APP_SOURCE_PATH": app_path,
        "ARGOCD_APP_SOURCE_REPO_URL": "https://github.com/example/gitops-repo.git",
        "ARGOCD_APP_SOURCE_TARGET_REVISION": "main",
        "KUBE_VERSION": "1.34.0",
        "KUBE_API_VERSIONS": "v1,apps/v1,autoscaling/v2,networking.k8s.io/v1",
    }
    env.update({f"ARGOCD_ENV_{k}": v for k, v in (plugin_env or {}).items()})
    if parameters is not None:
        env["ARGOCD_APP_PARAMETERS"] = json.dumps(parameters)
        for param in parameters:
            base_name = "PARAM_" + _escaped(param["name"])
            if "string" in param:
                env[base_name] = param["string"]
            for key, value in (param.get("map") or {}).items():
                env[f"{base_name}_{_escaped(key)}"] = value
            for i, value in enumerate(param.get("array") or []):
                env[f"{base_name}_{i}"] = value
    return env


@pytest.fixture
def sidecar_env(tool_env: dict[str, str], tmp_path: Path) -> dict[str, str]:
    """tool_env plus the generate command where the image installs it (see the Dockerfile)."""
    bin_dir = tmp_path / "sidecar-bin"
    bin_dir.mkdir()
    target = bin_dir / Path(_installed_generate_command()).name
    shutil.copyfile(ARGOCD / "generate.sh", target)
    target.chmod(0o755)
    return {**tool_env, "PATH": f"{bin_dir}{os.pathsep}{tool_env['PATH']}"}


def _installed_generate_command() -> str:
    """Where the Dockerfile copies generate.sh."""
    match = re.search(r"^COPY integrations/argocd/generate\.sh (\S+)$",
                      (ARGOCD / "Dockerfile").read_text(), re.M)  # fmt: skip
    assert match, "the Dockerfile installs generate.sh"
    return match.group(1)


def generate(app: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = argv(plugin()["spec"]["generate"])
    return subprocess.run(
        command, cwd=app, env=env, capture_output=True, text=True, check=False, timeout=120
    )


def documents(stdout: str) -> list[dict[str, Any]]:
    docs = [d for d in yaml.safe_load_all(stdout) if d is not None]
    for doc in docs:
        assert isinstance(doc, dict)
        assert doc["apiVersion"] and doc["kind"] and doc["metadata"]["name"], doc
    return docs


def identity(doc: dict[str, Any]) -> tuple[str, str, str, str]:
    meta = doc["metadata"]
    return (doc["apiVersion"], doc["kind"], meta.get("namespace", ""), meta["name"])


# --- plugin.yaml ----------------------------------------------------------------------------


def test_plugin_yaml_has_the_fields_argo_cd_reads() -> None:
    doc = plugin()
    assert doc["apiVersion"] == "argoproj.io/v1alpha1"
    assert doc["kind"] == "ConfigManagementPlugin"
    assert doc["metadata"]["name"] == "kserve-gitops"
    spec = doc["spec"]
    assert set(spec) <= SPEC_KEYS, set(spec) - SPEC_KEYS
    assert isinstance(spec["version"], str) and spec["version"]
    for name in ("init", "generate"):
        if name in spec:
            assert set(spec[name]) <= {"command", "args"}
            assert all(isinstance(part, str) for part in argv(spec[name]))
    assert spec["generate"]["command"], "argocd-cmp-server refuses an empty generate command"
    assert spec["preserveFileMode"] is False
    assert not spec.get("provideGitCreds")


def test_discovery_is_one_find_command() -> None:
    discover = plugin()["spec"]["discover"]
    # Argo CD evaluates only the first of fileName, find.glob, find.command.
    assert set(discover) == {"find"} and set(discover["find"]) == {"command"}
    assert all(isinstance(part, str) for part in discover["find"]["command"])


def test_parameter_announcements_are_well_formed() -> None:
    static = plugin()["spec"]["parameters"]["static"]
    names = [p["name"] for p in static]
    assert len(names) == len(set(names))
    for param in static:
        assert set(param) <= ANNOUNCEMENT_KEYS, param
        assert re.fullmatch(r"[a-z][a-z0-9-]*", param["name"])
        assert param["title"] and param["tooltip"]
        collection = param.get("collectionType") or "string"
        assert collection in {"string", "array", "map"}
        defaults = {"string": str, "array": list, "map": dict}
        for key, kind in defaults.items():
            if key in param:
                assert key == collection and isinstance(param[key], kind), param
    assert {p["collectionType"] for p in static} >= {"string", "array", "map"}


def test_every_announced_parameter_is_read_by_generate() -> None:
    script = (ARGOCD / "generate.sh").read_text()
    for param in plugin()["spec"]["parameters"]["static"]:
        if param["collectionType"] == "map":
            assert f'"{param["name"]}"' in script  # read from ARGOCD_APP_PARAMETERS
        else:
            assert "PARAM_" + _escaped(param["name"]) in script, param["name"]


def test_the_image_installs_what_the_plugin_runs() -> None:
    dockerfile = (ARGOCD / "Dockerfile").read_text()
    assert re.search(r"^FROM python:3\.11-slim@sha256:[0-9a-f]{64}$", dockerfile, re.M)
    assert re.search(r"^USER 999$", dockerfile, re.M)
    assert re.search(r'^ENTRYPOINT \["/var/run/argocd/argocd-cmp-server"\]$', dockerfile, re.M)
    config = r"^COPY integrations/argocd/plugin\.yaml /home/argocd/cmp-server/config/plugin\.yaml$"
    assert re.search(config, dockerfile, re.M)
    installed = Path(_installed_generate_command())
    assert installed.parent == Path("/usr/local/bin")  # on the python image's PATH
    assert plugin()["spec"]["generate"]["command"][0] == installed.name


def test_the_kustomize_component_adds_the_sidecar(tmp_path: Path) -> None:
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        if os.environ.get("CI"):
            pytest.fail("kubectl is missing: .ci/run installs Debian's kubernetes-client")
        pytest.skip("kubectl is not installed (apt-get install kubernetes-client)")
    shutil.copytree(ARGOCD, tmp_path / "component")
    build_tree(
        tmp_path,
        {
            "kustomization.yaml": "resources: [repo-server.yaml]\ncomponents: [component]\n",
            # The parts of Argo CD's install.yaml the patch relies on.
            "repo-server.yaml": """
                apiVersion: apps/v1
                kind: Deployment
                metadata: {name: argocd-repo-server}
                spec:
                  selector: {matchLabels: {app: repo-server}}
                  template:
                    metadata: {labels: {app: repo-server}}
                    spec:
                      containers:
                        - {name: argocd-repo-server, image: quay.io/argoproj/argocd:v2.14.11}
                      volumes:
                        - {name: var-files, emptyDir: {}}
                        - {name: plugins, emptyDir: {}}
            """,
        },
    )
    done = subprocess.run([kubectl, "kustomize", str(tmp_path)], capture_output=True, text=True,
                          check=False, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
    pod = yaml.safe_load(done.stdout)["spec"]["template"]["spec"]
    sidecar = next(c for c in pod["containers"] if c["name"] == "kserve-gitops")
    assert sidecar["command"] == ["/var/run/argocd/argocd-cmp-server"]
    assert sidecar["securityContext"]["runAsUser"] == 999
    mounts = {m["mountPath"]: m["name"] for m in sidecar["volumeMounts"]}
    assert mounts["/var/run/argocd"] == "var-files"
    assert mounts["/home/argocd/cmp-server/plugins"] == "plugins"
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert "emptyDir" in volumes[mounts["/tmp"]]
    assert mounts["/tmp"] not in {"var-files", "plugins", "tmp"}  # not the repo-server's /tmp
    assert {c["name"] for c in pod["containers"]} == {"argocd-repo-server", "kserve-gitops"}
    # The sidecar lands first; kubectl logs/exec must still default to the repo-server.
    assert pod["containers"][0]["name"] == "kserve-gitops"
    annotations = yaml.safe_load(done.stdout)["spec"]["template"]["metadata"]["annotations"]
    assert annotations["kubectl.kubernetes.io/default-container"] == "argocd-repo-server"


# --- discover -------------------------------------------------------------------------------

ISVC = """
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata: {name: iris}
    spec:
      predictor:
        sklearn: {storageUri: gs://kfserving-examples/models/sklearn/1.0/model}
"""


MARKER = ".kserve-gitops.yaml"
CONFIGMAP_MENTIONING_ISVC = """
    apiVersion: v1
    kind: ConfigMap
    metadata: {name: notes}
    data:
      example.yaml: |
        kind: InferenceService
"""


@pytest.mark.parametrize(
    ("files", "matches"),
    [
        ({MARKER: "{}\n", "apps/iris.yaml": ISVC}, True),
        ({MARKER: "{}\n"}, True),  # opted in; generate then refuses the empty render
        # Not opted in: Argo CD's own detection (or another plugin) keeps these.
        ({"iris.yaml": ISVC}, False),
        ({"notes.yaml": CONFIGMAP_MENTIONING_ISVC}, False),
        (
            {
                "Chart.yaml": "apiVersion: v2\nname: models\nversion: 0.1.0\n",
                "templates/isvc.yaml": ISVC,
            },
            False,
        ),
        ({"kustomization.yaml": "resources: [iris.yaml]\n", "iris.yaml": ISVC}, False),
        # A marker never turns a Helm chart, a kustomize folder or rendered output into ours.
        (
            {
                MARKER: "{}\n",
                "Chart.yaml": "apiVersion: v2\nname: models\nversion: 0.1.0\n",
                "templates/isvc.yaml": ISVC,
            },
            False,
        ),
        (
            {MARKER: "{}\n", "kustomization.yaml": "resources: [iris.yaml]\n", "iris.yaml": ISVC},
            False,
        ),
        ({MARKER: "{}\n", "kustomization.yml": "resources: []\n"}, False),
        ({MARKER: "{}\n", "Kustomization": "resources: []\n"}, False),
        ({MARKER: "{}\n", ".kserve-gitops-index.json": "{}", "iris.yaml": ISVC}, False),
        ({"apps/" + MARKER: "{}\n", "apps/iris.yaml": ISVC}, False),  # only the app folder's own
        # A namespace shard of a rendered folder (the index is in the folder above).
        ({MARKER: "{}\n", "../.kserve-gitops-index.json": "{}", "iris.yaml": ISVC}, False),
    ],
    ids=[
        "marker",
        "marker-only",
        "plain-folder",
        "configmap-mentions-isvc",
        "helm-chart",
        "kustomize-folder",
        "marker-in-chart",
        "marker-in-kustomize",
        "kustomization-yml",
        "Kustomization",
        "rendered",
        "marker-in-subfolder",
        "marker-in-shard",
    ],
)
def test_discover_claims_only_folders_that_opt_in(
    tmp_path: Path, tool_env: dict[str, str], files: dict[str, str], matches: bool
) -> None:
    app = build_tree(tmp_path / "app", files)
    env = argocd_environ(tool_env, "app")
    done = subprocess.run(argv(plugin()["spec"]["discover"]["find"]), cwd=app, env=env,
                          capture_output=True, text=True, check=False, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr  # a failing command is an error, not "no match"
    assert bool(done.stdout.strip()) is matches, done.stdout


def test_discover_matches_the_sample_team_folders(sample_repo: Path, tool_env: dict[str, str]):
    command = argv(plugin()["spec"]["discover"]["find"])
    for folder, matches in [("apps/team-a", True), ("apps/team-b", True), ("config", False),
                            ("rendered/production", False), ("rendered/production/team-a", False),
                            ("argocd", False)]:  # fmt: skip
        done = subprocess.run(command, cwd=sample_repo / folder, env=tool_env,
                              capture_output=True, text=True, check=False)  # fmt: skip
        assert done.returncode == 0 and bool(done.stdout.strip()) is matches, folder


# --- generate -------------------------------------------------------------------------------

STAGING = [
    {"name": "overlay", "string": "../../overlays/staging"},
    {"name": "paths", "array": ["../../config"]},
    {"name": "allow-cluster-scoped", "string": "true"},  # the team's Namespace
]


def test_generate_renders_a_team_folder_like_the_cli(
    sample_repo: Path, sidecar_env: dict[str, str]
) -> None:
    env = argocd_environ(sidecar_env, "apps/team-a", STAGING, namespace="team-a")
    done = generate(sample_repo / "apps" / "team-a", env)
    assert done.returncode == 0, done.stderr
    got = documents(done.stdout)
    cli = subprocess.run(
        ["kserve-gitops", "render", "apps/team-a", "config", "--overlay", "staging",
         "--allow-cluster-scoped"],
        cwd=sample_repo, env=sidecar_env, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert done.stdout == cli.stdout
    assert {identity(d)[2] for d in got} == {"", "team-a"}  # the Namespace has none
    assert all(d["metadata"]["labels"]["environment"] == "staging" for d in got)
    # Logs go to stderr, which Argo CD shows; stdout is only manifests.
    assert "kserve-gitops plugin: app team-a-staging" in done.stderr


NO_NAMESPACE = {
    "iris.yaml": ISVC,
    "settings.yaml": "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
}


def test_generate_puts_objects_without_namespace_in_the_app_namespace(
    tmp_path: Path, sidecar_env: dict[str, str]
) -> None:
    app = build_tree(tmp_path / "repo" / "models", NO_NAMESPACE)
    done = generate(app, argocd_environ(sidecar_env, "models", namespace="serving"))
    assert done.returncode == 0, done.stderr
    docs = documents(done.stdout)
    # Passed-through namespaced objects get it too (issue 16: -n and ARGOCD_APP_NAMESPACE
    # apply to every namespaced object, as the README says).
    assert docs and {d["metadata"]["namespace"] for d in docs} == {"serving"}
    assert [d["metadata"] for d in docs if d["kind"] == "ConfigMap"] == [
        {"name": "settings", "namespace": "serving"}
    ]


def _kinds(stdout: str) -> set[str]:
    return {f"{d['apiVersion'].split('/')[0]}/{d['kind']}" for d in documents(stdout)}


@pytest.mark.parametrize(
    ("parameters", "plugin_env", "want"),
    [
        (None, {}, "serving.knative.dev/Service"),
        (None, {"KSERVE_DEFAULT_DEPLOYMENT_MODE": "Standard"}, "apps/Deployment"),
        ([{"name": "default-deployment-mode", "string": "Standard"}], {}, "apps/Deployment"),
        # A parameter wins over the env entry.
        (
            [{"name": "default-deployment-mode", "string": "Knative"}],
            {"KSERVE_DEFAULT_DEPLOYMENT_MODE": "Standard"},
            "serving.knative.dev/Service",
        ),
        (
            [{"name": "config", "map": {"deploy": '{"defaultDeploymentMode": "Standard"}'}}],
            {},
            "apps/Deployment",
        ),
    ],
    ids=["default", "env", "parameter", "parameter-wins", "config-map"],
)
def test_generate_maps_parameters_and_env_to_cli_options(
    tmp_path: Path,
    sidecar_env: dict[str, str],
    parameters: list[dict[str, Any]] | None,
    plugin_env: dict[str, str],
    want: str,
) -> None:
    app = build_tree(tmp_path / "repo" / "models", {"iris.yaml": ISVC})
    env = argocd_environ(sidecar_env, "models", parameters, plugin_env)
    done = generate(app, env)
    assert done.returncode == 0, done.stderr
    assert want in _kinds(done.stdout)


def test_generate_takes_overlay_and_paths_from_env_entries(
    sample_repo: Path, sidecar_env: dict[str, str]
) -> None:
    plugin_env = {
        "KSERVE_OVERLAY": "../../overlays/production",
        "KSERVE_PATHS": "../../config",
        "KSERVE_ALLOW_CLUSTER_SCOPED": "true",
    }
    done = generate(sample_repo / "apps" / "team-b",
                    argocd_environ(sidecar_env, "apps/team-b", None, plugin_env))  # fmt: skip
    assert done.returncode == 0, done.stderr
    docs = documents(done.stdout)
    assert {d["metadata"]["labels"]["environment"] for d in docs} == {"production"}
    virtual_services = [d for d in docs if d["kind"] == "VirtualService"]
    assert virtual_services
    for vs in virtual_services:  # the repository's config (../../config) chose the gateway
        assert "istio-ingress/models-gateway" in vs["spec"]["gateways"]


def test_cluster_scoped_objects_need_the_parameter(
    sample_repo: Path, sidecar_env: dict[str, str]
) -> None:
    """Issue 12: the team's Namespace is cluster-scoped, refused unless the Application says."""
    without = [p for p in STAGING if p["name"] != "allow-cluster-scoped"]
    env = argocd_environ(sidecar_env, "apps/team-a", without, namespace="team-a")
    done = generate(sample_repo / "apps" / "team-a", env)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Namespace team-a: cluster-scoped" in done.stderr
    bad = [*without, {"name": "allow-cluster-scoped", "string": "yes"}]
    done = generate(sample_repo / "apps" / "team-a", argocd_environ(sidecar_env, "apps/a", bad))
    assert done.returncode == 2
    assert "allow-cluster-scoped must be true or false" in done.stderr


@pytest.mark.parametrize(
    ("allowed", "refused"),
    [
        ("team-b", "InferenceService team-a/sklearn-iris"),
        ("--output-dir=x", "--allowed-namespaces"),  # a value, never an option
    ],
)
def test_allowed_namespaces_parameter(
    sample_repo: Path, sidecar_env: dict[str, str], allowed: str, refused: str
) -> None:
    params = [*STAGING, {"name": "allowed-namespaces", "string": allowed}]
    env = argocd_environ(sidecar_env, "apps/team-a", params, namespace="team-a")
    done = generate(sample_repo / "apps" / "team-a", env)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert refused in done.stderr
    assert not (sample_repo / "apps" / "team-a" / "x").exists()
    params = [*STAGING, {"name": "allowed-namespaces", "string": "team-a,team-z"}]
    env = argocd_environ(sidecar_env, "apps/team-a", params, namespace="team-a")
    done = generate(sample_repo / "apps" / "team-a", env)
    assert done.returncode == 0, done.stderr


def test_the_marker_file_is_the_app_folders_repo_config(
    sample_repo: Path, sidecar_env: dict[str, str]
) -> None:
    """The sample's apps/team-a/.kserve-gitops.yaml allows team-a only: a team-b object placed
    in team A's folder fails the render, whatever the Application says."""
    app = sample_repo / "apps" / "team-a"
    (app / "stray.yaml").write_text(
        (sample_repo / "apps" / "team-b" / "sentiment.yaml").read_text(encoding="utf-8"),
        encoding="utf-8",
    )
    done = generate(app, argocd_environ(sidecar_env, "apps/team-a", STAGING, namespace="team-a"))
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "InferenceService team-b/sentiment" in done.stderr
    assert f"{MARKER}" in done.stderr


def test_sync_waves_parameter(tmp_path: Path, sidecar_env: dict[str, str]) -> None:
    helped = subprocess.run(["kserve-gitops", "render", "--help"], env=sidecar_env,
                            capture_output=True, text=True, check=True)  # fmt: skip
    if "--sync-waves" not in helped.stdout:
        pytest.skip("render --sync-waves is not wired into the CLI yet (generator/syncwaves.py)")
    app = build_tree(tmp_path / "repo" / "models", NO_NAMESPACE)
    env = argocd_environ(sidecar_env, "models", [{"name": "sync-waves", "string": "true"}])
    done = generate(app, env)
    assert done.returncode == 0, done.stderr
    waves = {
        d["kind"]: d["metadata"].get("annotations", {}).get("argocd.argoproj.io/sync-wave")
        for d in documents(done.stdout)
    }
    assert waves["ConfigMap"] == "-1" and waves["VirtualService"] == "1"


INVALID_ISVC = """
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata: {name: broken}
    spec:
      predictor:
        sklearn: {storageUri: gs://bucket/model}
        xgboost: {storageUri: gs://bucket/model}
"""


def test_generate_fails_with_empty_stdout_on_invalid_input(
    tmp_path: Path, sidecar_env: dict[str, str]
) -> None:
    app = build_tree(tmp_path / "repo" / "models", {"iris.yaml": ISVC, "broken.yaml": INVALID_ISVC})
    done = generate(app, argocd_environ(sidecar_env, "models"))
    assert done.returncode != 0
    assert done.stdout == ""  # Argo CD keeps the last good manifests
    assert re.search(r"broken\.yaml:\d+: InferenceService models/broken: spec\.predictor",
                     done.stderr), done.stderr  # fmt: skip


@pytest.mark.parametrize(
    ("parameters", "message"),
    [
        ([{"name": "default-deployment-mode", "string": "Fast"}], "default-deployment-mode"),
        ([{"name": "sync-waves", "string": "yes"}], "sync-waves must be true or false"),
        ([{"name": "paths", "array": ["../../../outside"]}], "outside the repository"),
        (
            [{"name": "overlay", "string": "../../../outside/overlay.yaml"}],
            "outside the repository",
        ),
        ([{"name": "paths", "array": ["missing"]}], "missing"),
        ([{"name": "overlay", "string": "nope"}], "no such overlay file"),
    ],
    ids=["mode", "sync-waves", "path-escape", "overlay-escape", "missing-path", "missing-overlay"],
)
def test_generate_refuses_bad_parameters(
    tmp_path: Path,
    sidecar_env: dict[str, str],
    parameters: list[dict[str, Any]],
    message: str,
) -> None:
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "overlay.yaml").write_text("kind: Overlay\n")
    app = build_tree(tmp_path / "repo" / "apps" / "models", {"iris.yaml": ISVC})
    done = generate(app, argocd_environ(sidecar_env, "apps/models", parameters))
    assert done.returncode != 0
    assert done.stdout == ""
    assert message in done.stderr, done.stderr


# --- hostile input --------------------------------------------------------------------------


def _snapshot(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


@pytest.mark.parametrize(
    ("app_path", "parameters", "plugin_env", "message"),
    [
        # Options smuggled in as paths: each must be an existing path, so none gets through.
        (
            "apps/models",
            [{"name": "paths", "array": ["--output-dir=x"]}],
            {},
            'paths[0] "--output-dir=x": no such file or directory',
        ),
        (
            "apps/models",
            [{"name": "paths", "array": ["--output-dir=.."]}],
            {},
            "no such file or directory",
        ),
        (
            "apps/models",
            None,
            {"KSERVE_PATHS": "-o. --no-passthrough"},
            'KSERVE_PATHS entry "-o.": no such file or directory',
        ),
        # An app at the repository root (source path "."): ".." leaves the repository.
        (".", [{"name": "paths", "array": [".."]}], {}, 'paths[0] ".." is outside the repository'),
        ("", None, {"KSERVE_PATHS": ".."}, "is outside the repository"),
        ("apps/models", [{"name": "paths", "array": ["link"]}], {}, "is outside the repository"),
    ],
    ids=[
        "output-dir-option",
        "output-dir-parent",
        "env-options",
        "root-dotdot",
        "unset-dotdot",
        "symlink-out",
    ],
)
def test_generate_refuses_paths_that_are_not_repository_paths(
    tmp_path: Path,
    sidecar_env: dict[str, str],
    app_path: str,
    parameters: list[dict[str, Any]] | None,
    plugin_env: dict[str, str],
    message: str,
) -> None:
    repo = tmp_path / "repo"
    app = build_tree(repo / app_path, {"iris.yaml": ISVC})
    (tmp_path / "outside").mkdir()
    (app / "link").symlink_to(tmp_path / "outside")
    before = _snapshot(tmp_path)
    done = generate(app, argocd_environ(sidecar_env, app_path, parameters, plugin_env))
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert message in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
    assert _snapshot(tmp_path) == before  # nothing written, no staging folder left


def test_generate_passes_paths_after_a_double_dash(
    tmp_path: Path, sidecar_env: dict[str, str]
) -> None:
    """A folder whose name looks like an option is still only a path."""
    repo = tmp_path / "repo"
    app = build_tree(repo / "apps" / "models", {"iris.yaml": ISVC})
    extra = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: extra}\n"
    build_tree(repo / "apps" / "models" / "--no-passthrough", {"settings.yaml": extra})
    parameters = [{"name": "paths", "array": ["--no-passthrough"]}]
    done = generate(app, argocd_environ(sidecar_env, "apps/models", parameters))
    assert done.returncode == 0, done.stderr
    names = [(d["kind"], d["metadata"]["name"]) for d in documents(done.stdout)]
    assert ("ConfigMap", "extra") in names  # read as an input folder, twice over: not an option
    assert " -- . --no-passthrough" in done.stderr  # the command line logged


@pytest.mark.parametrize(
    ("files", "parameters"),
    [
        ({MARKER: "{}\n"}, None),
        ({"README.md": "# models\n"}, None),
        ({"empty.yaml": "---\n"}, [{"name": "allow-empty", "string": "false"}]),
    ],
    ids=["marker-only", "no-yaml", "empty-documents"],
)
def test_generate_refuses_an_empty_render(
    tmp_path: Path,
    sidecar_env: dict[str, str],
    files: dict[str, str],
    parameters: list[dict[str, Any]] | None,
) -> None:
    app = build_tree(tmp_path / "repo" / "models", files)
    done = generate(app, argocd_environ(sidecar_env, "models", parameters))
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""  # Argo CD keeps the last good manifests instead of pruning them
    assert "nothing to render in models" in done.stderr
    assert "allow-empty" in done.stderr


@pytest.mark.parametrize(
    ("parameters", "plugin_env"),
    [([{"name": "allow-empty", "string": "true"}], {}), (None, {"KSERVE_ALLOW_EMPTY": "true"})],
    ids=["parameter", "env"],
)
def test_generate_allows_an_empty_render_when_asked(
    tmp_path: Path,
    sidecar_env: dict[str, str],
    parameters: list[dict[str, Any]] | None,
    plugin_env: dict[str, str],
) -> None:
    app = build_tree(tmp_path / "repo" / "models", {MARKER: "{}\n"})
    done = generate(app, argocd_environ(sidecar_env, "models", parameters, plugin_env))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("{not json", "is not JSON"),
        ('{"name": "config"}', "is not a JSON list of parameters"),
        ("[1]", "item 0 is not an object"),
        ('[{"name": "config", "map": "deploy"}]', "config: map must map"),
        (
            '[{"name": "config", "map": {"deploy": {"defaultDeploymentMode": "Standard"}}}]',
            "config: map must map",
        ),
    ],
    ids=["not-json", "object", "number-item", "map-string", "map-nested"],
)
def test_generate_reports_malformed_parameters_in_one_line(
    tmp_path: Path, sidecar_env: dict[str, str], raw: str, message: str
) -> None:
    app = build_tree(tmp_path / "repo" / "models", {"iris.yaml": ISVC})
    env = {**argocd_environ(sidecar_env, "models"), "ARGOCD_APP_PARAMETERS": raw}
    done = generate(app, env)
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("kserve-gitops plugin: ARGOCD_APP_PARAMETERS")
    assert message in lines[0], lines


# --- the sample ApplicationSet ----------------------------------------------------------------


def test_the_sample_applicationset_re_renders_a_team_only_when_its_inputs_change() -> None:
    """ "Re-renders only that team" needs Argo CD's manifest-generate-paths annotation to list
    every input the plugin reads: the app folder, the extra paths and the overlay."""
    sample = REPO_ROOT / "examples" / "gitops-repo"
    appset = yaml.safe_load((sample / "argocd" / "applicationset.yaml").read_text())
    template = appset["spec"]["template"]
    annotation = template["metadata"]["annotations"]["argocd.argoproj.io/manifest-generate-paths"]
    listed = annotation.split(";")
    assert "." in listed
    team = sample / "apps" / "team-a"  # any team: the generator's folders are siblings
    covered = {(team / p).resolve() if not p.startswith("/") else (sample / p[1:]).resolve()
               for p in listed}  # fmt: skip
    for param in template["spec"]["source"]["plugin"]["parameters"]:
        inputs = {"overlay": [param.get("string")], "paths": param.get("array")}.get(param["name"])
        for value in inputs or []:
            assert (team / value).resolve() in covered, value
