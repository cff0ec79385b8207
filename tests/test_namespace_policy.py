"""Namespaces a team may not touch (issue 12, item 7): --allowed-namespaces, the repo config's
allowedNamespaces, --allow-cluster-scoped, and runtimes that stay in their namespace.

Every rule runs the installed console script, as a user would."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from helpers import REPO_ROOT, build_tree
from test_cli import run

from generator import namespace_policy

MARKER = namespace_policy.REPO_CONFIG_FILE


def isvc(name: str, namespace: str | None, fmt: str = "sklearn", runtime: str = "") -> str:
    ns = f"  namespace: {namespace}\n" if namespace else ""
    named = f"      runtime: {runtime}\n" if runtime else ""
    return (
        "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\n"
        f"metadata:\n  name: {name}\n{ns}"
        "spec:\n  predictor:\n    model:\n"
        f"      modelFormat: {{name: {fmt}}}\n{named}"
        "      storageUri: gs://kfserving-samples/models/sklearn/iris\n"
    )


def config_map(name: str, namespace: str | None) -> str:
    ns = f"  namespace: {namespace}\n" if namespace else ""
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n{ns}data: {{a: b}}\n"


CLUSTER_ROLE = (
    "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\n"
    "metadata:\n  name: reader\nrules: []\n"
)


def refused(done: subprocess.CompletedProcess[str], *words: str, lines: int = 1) -> list[str]:
    """Exit 2, nothing on stdout, `lines` lines on stderr, the first naming `words`."""
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    found = done.stderr.splitlines()
    assert len(found) == lines, done.stderr
    for word in words:
        assert word in found[0], (word, found[0])
    return found


def ok(done: subprocess.CompletedProcess[str]) -> str:
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


# --allowed-namespaces


def test_an_inference_service_outside_the_allowed_namespaces_is_refused(tmp_path: Path) -> None:
    build_tree(tmp_path, {"iris.yaml": isvc("iris", "team-b")})
    done = run("render", str(tmp_path), "--allowed-namespaces", "team-a,team-c")
    refused(
        done,
        f"{tmp_path}/iris.yaml",
        "InferenceService team-b/iris",
        "metadata.namespace",
        "namespace team-b is not allowed (allowed: team-a, team-c; by --allowed-namespaces)",
    )


def test_an_allowed_namespace_renders_what_an_unrestricted_render_does(tmp_path: Path) -> None:
    build_tree(tmp_path, {"iris.yaml": isvc("iris", "team-a"), "cm.yaml": config_map("c", None)})
    free = ok(run("render", str(tmp_path), "-n", "team-a"))
    # Repeated and comma-separated values add up; spaces around names are ignored.
    args = ["--allowed-namespaces", "team-b, team-a", "--allowed-namespaces", "team-c"]
    assert ok(run("render", str(tmp_path), "-n", "team-a", *args)) == free
    assert "namespace: team-a" in free


def test_a_passed_through_object_outside_the_set_is_refused(tmp_path: Path) -> None:
    build_tree(
        tmp_path, {"iris.yaml": isvc("iris", "team-a"), "cm.yaml": config_map("c", "kube-system")}
    )
    done = run("render", str(tmp_path), "--allowed-namespaces", "team-a")
    refused(done, "cm.yaml", "ConfigMap kube-system/c", "namespace kube-system is not allowed")


def test_a_passed_through_object_without_a_namespace_needs_one(tmp_path: Path) -> None:
    """Without one, the applier would choose its namespace; -n gives it one in the set."""
    build_tree(tmp_path, {"cm.yaml": config_map("c", None)})
    done = run("render", str(tmp_path), "--allowed-namespaces", "team-a")
    refused(done, "cm.yaml", "ConfigMap c", "no namespace", "--namespace")
    out = ok(run("render", str(tmp_path), "--allowed-namespaces", "team-a", "-n", "team-a"))
    assert "namespace: team-a" in out
    refused(
        run("render", str(tmp_path), "--allowed-namespaces", "team-a", "-n", "team-b"),
        "ConfigMap team-b/c",
        "namespace team-b is not allowed",
    )


def test_the_argo_cd_destination_namespace_counts_as_given_namespace(tmp_path: Path) -> None:
    build_tree(tmp_path, {"iris.yaml": isvc("iris", None)})
    env = {"ARGOCD_APP_NAMESPACE": "team-b"}
    done = run("render", str(tmp_path), "--allowed-namespaces", "team-a", env=env)
    refused(done, "InferenceService team-b/iris", "namespace team-b is not allowed")


def test_an_item_of_a_list_outside_the_set_is_refused(tmp_path: Path) -> None:
    items = (
        "apiVersion: v1\nkind: List\nitems:\n"
        "- {apiVersion: v1, kind: ConfigMap, metadata: {name: ok, namespace: team-a}}\n"
        "- apiVersion: v1\n  kind: List\n  items:\n"
        "  - {apiVersion: v1, kind: ConfigMap, metadata: {name: sneaky, namespace: team-b}}\n"
    )
    build_tree(tmp_path, {"list.yaml": items})
    done = run("render", str(tmp_path), "--allowed-namespaces", "team-a")
    refused(done, "list.yaml", "ConfigMap team-b/sneaky", "namespace team-b is not allowed")


def test_a_secret_read_from_another_namespace_is_refused_without_its_values(
    tmp_path: Path,
) -> None:
    """Secrets are read (key names for credentials), never emitted; still inputs of a team."""
    secret = (
        "apiVersion: v1\nkind: Secret\nmetadata:\n  name: creds\n  namespace: team-b\n"
        "stringData:\n  token: hunter2-very-secret\n"
    )
    build_tree(tmp_path, {"iris.yaml": isvc("iris", "team-a"), "secret.yaml": secret})
    done = run("render", str(tmp_path), "--allowed-namespaces", "team-a")
    refused(done, "Secret team-b/creds", "namespace team-b is not allowed")
    assert "hunter2" not in done.stderr


def test_the_inferenceservice_config_is_config_not_a_namespaced_input(tmp_path: Path) -> None:
    """KServe's ConfigMap lives in the controller's namespace and is read like --config."""
    cfg = (
        "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: inferenceservice-config\n"
        "  namespace: kserve\ndata: {}\n"
    )
    build_tree(tmp_path, {"iris.yaml": isvc("iris", "team-a"), "config.yaml": cfg})
    ok(run("render", str(tmp_path), "--allowed-namespaces", "team-a"))


@pytest.mark.parametrize("value", ["", "team-a,", "Team_A", "team-a,-x", "a" * 64])
def test_a_bad_allowed_namespaces_value_is_a_usage_error(value: str) -> None:
    done = run("render", str(REPO_ROOT / "examples" / "quickstart"), "--allowed-namespaces", value)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "--allowed-namespaces" in done.stderr
    assert "Traceback" not in done.stderr


# --allow-cluster-scoped


def test_a_cluster_scoped_passthrough_object_is_refused_by_default(tmp_path: Path) -> None:
    build_tree(tmp_path, {"iris.yaml": isvc("iris", "team-a"), "role.yaml": CLUSTER_ROLE})
    done = run("render", str(tmp_path))
    refused(done, "role.yaml", "ClusterRole reader", "cluster-scoped", "--allow-cluster-scoped")
    out = ok(run("render", str(tmp_path), "--allow-cluster-scoped"))
    assert "kind: ClusterRole\n" in out


def test_cluster_scoped_objects_in_a_list_and_of_a_crd_are_refused(tmp_path: Path) -> None:
    crd = (
        "apiVersion: apiextensions.k8s.io/v1\nkind: CustomResourceDefinition\n"
        "metadata: {name: widgets.example.com}\n"
        "spec:\n  group: example.com\n  scope: Cluster\n"
        "  names: {kind: Widget, plural: widgets}\n  versions: []\n"
    )
    widget = "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\n"
    listed = "apiVersion: v1\nkind: List\nitems:\n- " + CLUSTER_ROLE.replace("\n", "\n  ")
    build_tree(tmp_path, {"crd.yaml": crd, "widget.yaml": widget, "list.yaml": listed})
    done = run("render", str(tmp_path), "--allowed-namespaces", "team-a")
    found = refused(done, "crd.yaml", "CustomResourceDefinition widgets.example.com", lines=3)
    assert "list.yaml:1: ClusterRole reader: cluster-scoped" in found[1]
    assert "widget.yaml:1: Widget w: cluster-scoped" in found[2]
    assert ok(
        run("render", str(tmp_path), "--allowed-namespaces", "team-a", "--allow-cluster-scoped")
    )


def test_a_rendered_cluster_role_binding_is_refused_by_default() -> None:
    """KServe's LLMInferenceService scheduler gets a ClusterRoleBinding (system:auth-delegator):
    a grant over the whole cluster, so it needs the flag like any cluster-scoped object."""
    inputs = REPO_ROOT / "tests" / "golden" / "llmisvc-cpu-scheduler" / "input"
    done = run("render", str(inputs), "-n", "demo")
    refused(done, "ClusterRoleBinding demo-facebook-opt-125m-single-epp-auth-rb", "cluster-scoped")
    out = ok(run("render", str(inputs), "-n", "demo", "--allow-cluster-scoped"))
    assert "kind: ClusterRoleBinding" in out


def test_a_namespace_object_must_be_one_of_the_allowed_namespaces(tmp_path: Path) -> None:
    ns = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: team-b\n"
    build_tree(tmp_path, {"ns.yaml": ns})
    args = ("--allow-cluster-scoped", "--allowed-namespaces", "team-a")
    refused(
        run("render", str(tmp_path), *args),
        "Namespace team-b",
        "metadata.name",
        "team-b is not allowed",
    )
    ok(run("render", str(tmp_path), "--allow-cluster-scoped", "--allowed-namespaces", "team-b"))


def test_cluster_serving_runtimes_read_as_input_need_no_flag(tmp_path: Path) -> None:
    """A ClusterServingRuntime or ClusterStorageContainer in the repo is read (like the built-in
    ones), not applied; only one that would be applied (multi-model, for ModelMesh) is refused."""
    runtime = (
        "apiVersion: serving.kserve.io/v1alpha1\nkind: ClusterServingRuntime\n"
        "metadata:\n  name: my-sklearn\n"
        "spec:\n  supportedModelFormats: [{name: sklearn, autoSelect: true, priority: 9}]\n"
        "  containers: [{name: kserve-container, image: example.com/sk:1}]\n"
    )
    build_tree(tmp_path, {"iris.yaml": isvc("iris", "team-a"), "rt.yaml": runtime})
    out = ok(run("render", str(tmp_path), "--allowed-namespaces", "team-a"))
    assert "example.com/sk:1" in out
    assert "kind: ClusterServingRuntime" not in out
    multi = runtime.replace("spec:\n", "spec:\n  multiModel: true\n")
    build_tree(tmp_path, {"rt.yaml": multi})
    refused(run("render", str(tmp_path)), "ClusterServingRuntime my-sklearn", "cluster-scoped")


# The repo config file


def test_the_repo_config_refuses_what_its_folder_may_not_touch(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {MARKER: "allowedNamespaces: [team-a]\n", "iris.yaml": isvc("iris", "team-b")},
    )
    done = run("render", str(tmp_path))
    refused(done, "InferenceService team-b/iris", f"by {tmp_path}/{MARKER}")


def test_a_repo_config_governs_its_folder_and_below_only(tmp_path: Path) -> None:
    """One render of apps/ checks each team's folder against that team's file."""
    build_tree(
        tmp_path,
        {
            f"apps/team-a/{MARKER}": "allowedNamespaces: [team-a]\n",
            "apps/team-a/iris.yaml": isvc("iris", "team-a"),
            "apps/team-a/sub/iris2.yaml": isvc("iris2", "team-a"),
            f"apps/team-b/{MARKER}": "allowedNamespaces: [team-b]\n",
            "apps/team-b/iris.yaml": isvc("iris", "team-b"),
            "apps/free/iris.yaml": isvc("iris", "team-c"),
        },
    )
    ok(run("render", str(tmp_path / "apps")))
    build_tree(tmp_path, {"apps/team-a/sub/iris2.yaml": isvc("iris2", "team-b")})
    done = run("render", str(tmp_path / "apps"))
    refused(done, "apps/team-a/sub/iris2.yaml", "InferenceService team-b/iris2", "apps/team-a/")
    # A file given alone is governed by its own folder's file; a folder above is not read.
    ok(run("render", str(tmp_path / "apps/team-a/sub/iris2.yaml")))
    refused(
        run("render", str(tmp_path / "apps/team-b/iris.yaml"), "--allowed-namespaces", "x"),
        "team-b/iris",
        f"by --allowed-namespaces, {tmp_path}/apps/team-b/{MARKER}",
    )


def test_the_flag_and_the_repo_config_intersect(tmp_path: Path) -> None:
    """A repository can narrow what the platform's flag allows, never widen it."""
    build_tree(
        tmp_path,
        {
            MARKER: "allowedNamespaces: [team-b, team-c]\n",
            "b.yaml": isvc("b", "team-b"),
        },
    )
    flag = ("--allowed-namespaces", "team-a,team-b")
    ok(run("render", str(tmp_path), *flag))
    build_tree(tmp_path, {"c.yaml": isvc("c", "team-c")})
    refused(run("render", str(tmp_path), *flag), "team-c/c", "allowed: team-b;")
    (tmp_path / "c.yaml").unlink()
    build_tree(tmp_path, {"a.yaml": isvc("a", "team-a")})
    refused(run("render", str(tmp_path), *flag), "team-a/a", "allowed: team-b;")


def test_the_repo_config_cannot_grant_cluster_scoped_objects(tmp_path: Path) -> None:
    build_tree(tmp_path, {MARKER: "allowClusterScoped: true\n", "role.yaml": CLUSTER_ROLE})
    found = refused(run("render", str(tmp_path)), MARKER, "allowClusterScoped", lines=2)
    assert "unknown key" in found[0]
    assert "ClusterRole reader: cluster-scoped" in found[1]


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("allowedNamespace: [a]\n", ["allowedNamespace", "unknown key"]),
        ("allowedNamespaces: team-a\n", ["allowedNamespaces", "must be a list", "not a string"]),
        ("allowedNamespaces:\n", ["allowedNamespaces", "not null"]),
        ("allowedNamespaces: [team-a, 42]\n", ["allowedNamespaces[1]", "a number is not"]),
        ("allowedNamespaces: [Team_A]\n", ["allowedNamespaces[0]", "'Team_A'"]),
        ("- team-a\n", ["a document must be a mapping"]),
        ("allowedNamespaces: [a]\n---\nallowedNamespaces: [b]\n", ["one YAML document"]),
        ("allowedNamespaces: [a\n", ["invalid YAML"]),
        ("allowedNamespaces: !!binary aGk=\n", [MARKER]),
    ],
)
def test_a_malformed_repo_config_is_one_line_and_exit_2(
    tmp_path: Path, text: str, words: list[str]
) -> None:
    build_tree(tmp_path, {"iris.yaml": isvc("iris", "team-a")})
    (tmp_path / MARKER).write_text(text, encoding="utf-8")
    refused(run("render", str(tmp_path)), f"{tmp_path}/{MARKER}", *words)


def test_an_empty_repo_config_is_only_a_marker(tmp_path: Path) -> None:
    build_tree(
        tmp_path, {MARKER: "# opts in to the Argo CD plugin\n", "iris.yaml": isvc("iris", "x")}
    )
    ok(run("render", str(tmp_path)))


def test_a_repo_config_linked_from_outside_is_not_read(tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere.yaml"
    outside.write_text("allowedNamespaces: [team-a]\n", encoding="utf-8")
    build_tree(tmp_path, {"app/iris.yaml": isvc("iris", "team-a")})
    (tmp_path / "app" / MARKER).symlink_to(outside)
    refused(run("render", str(tmp_path / "app")), MARKER, "symlink", "not read")


# Every command that renders


def test_validate_diff_and_check_apply_the_same_rules(tmp_path: Path) -> None:
    build_tree(tmp_path, {"in/iris.yaml": isvc("iris", "team-b"), "in/role.yaml": CLUSTER_ROLE})
    out = str(tmp_path / "out")
    free = ("--allow-cluster-scoped",)
    ok(run("render", str(tmp_path / "in"), "-o", out, *free))
    for command in (
        ["validate", str(tmp_path / "in")],
        ["diff", str(tmp_path / "in"), "-o", out],
        ["check", str(tmp_path / "in"), "-o", out],
        ["urls", str(tmp_path / "in")],
    ):
        refused(run(*command), "ClusterRole reader", "cluster-scoped")
        done = run(*command, *free, "--allowed-namespaces", "team-a")
        refused(done, "InferenceService team-b/iris", "not allowed")
        assert run(*command, *free).returncode == 0


def test_the_check_fix_hint_keeps_the_namespace_flags(tmp_path: Path) -> None:
    build_tree(tmp_path, {"in/iris.yaml": isvc("iris", "team-a"), "in/role.yaml": CLUSTER_ROLE})
    out = str(tmp_path / "out")
    flags = ("--allow-cluster-scoped", "--allowed-namespaces", "team-a")
    done = run("check", str(tmp_path / "in"), "-o", out, *flags)
    assert done.returncode == 1, done.stderr
    hint = done.stderr.splitlines()[-1]
    assert "--allowed-namespaces team-a --allow-cluster-scoped" in hint
    command = hint.split("run ", 1)[1].split()
    assert run(*command[1:]).returncode == 0
    assert run("check", str(tmp_path / "in"), "-o", out, *flags).returncode == 0


# A namespaced ServingRuntime is never used for another namespace


RUNTIME = (
    "apiVersion: serving.kserve.io/v1alpha1\nkind: ServingRuntime\n"
    "metadata:\n  name: team-b-runtime\n  namespace: team-b\n"
    "spec:\n  supportedModelFormats: [{name: only-b, autoSelect: true}]\n"
    "  containers: [{name: kserve-container, image: example.com/team-b:1}]\n"
)


def test_a_namespaced_runtime_is_not_auto_selected_for_another_namespace(tmp_path: Path) -> None:
    build_tree(tmp_path, {"rt.yaml": RUNTIME, "isvc.yaml": isvc("m", "team-a", fmt="only-b")})
    done = run("render", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert "InferenceService team-a/m" in done.stderr
    assert "example.com/team-b" not in done.stdout
    build_tree(tmp_path, {"isvc.yaml": isvc("m", "team-b", fmt="only-b")})
    assert "example.com/team-b:1" in ok(run("render", str(tmp_path)))


def test_a_namespaced_runtime_is_not_found_by_name_from_another_namespace(tmp_path: Path) -> None:
    build_tree(
        tmp_path,
        {
            "rt.yaml": RUNTIME,
            "isvc.yaml": isvc("m", "team-a", fmt="only-b", runtime="team-b-runtime"),
        },
    )
    done = run("render", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    assert "InferenceService team-a/m" in done.stderr
    assert "team-b-runtime" in done.stderr
