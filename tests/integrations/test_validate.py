"""`kserve-gitops validate` (generator/validate.py): input checks, and with --crds the schema of
every rendered object, reported one problem per line on stderr with exit 2."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import REPO_ROOT, build_tree, require_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from trust_helpers import invoke

from generator import cli
from generator.goruntime.regexp import PatternError
from generator.validate import _go_regex, crd_root_schema, to_json_schema

# Until `validate` is registered on the CLI group, run it the way the registration will.
SHIM = (
    "import sys\n"
    "from generator.cli import cli, main\n"
    "from generator.validate import validate\n"
    "if 'validate' not in cli.commands:\n"
    "    cli.add_command(validate)\n"
    "main(sys.argv[1:])\n"
)


def kserve_gitops(
    *args: str, cwd: Path | None = None, block: str | None = None
) -> subprocess.CompletedProcess[str]:
    """Run the command like a user; `block` makes an import fail (a package not installed)."""
    env = {k: v for k, v in os.environ.items() if k != "ARGOCD_APP_NAMESPACE"}
    registered = "validate" in cli.cli.commands and block is None
    script = Path(sys.executable).parent / "kserve-gitops"
    if registered and script.exists():
        argv = [str(script), "validate", *args]
    else:
        prelude = f"import sys; sys.modules[{block!r}] = None\n" if block else ""
        argv = [sys.executable, "-c", prelude + SHIM, "validate", *args]
    return subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False,
                          timeout=300)  # fmt: skip


ISVC = """
    apiVersion: serving.kserve.io/v1beta1
    kind: InferenceService
    metadata: {name: iris, namespace: team-a}
    spec:
      predictor:
        sklearn: {storageUri: gs://kfserving-examples/models/sklearn/1.0/model}
"""

WIDGET_CRD = """
    apiVersion: apiextensions.k8s.io/v1
    kind: CustomResourceDefinition
    metadata: {name: widgets.example.com}
    spec:
      group: example.com
      names: {kind: Widget, plural: widgets}
      scope: Namespaced
      versions:
        - name: v1
          served: true
          storage: true
          schema:
            openAPIV3Schema:
              type: object
              properties:
                spec:
                  type: object
                  required: [size]
                  properties:
                    size: {type: integer, minimum: 1}
                    port: {x-kubernetes-int-or-string: true}
                    note: {type: string, nullable: true}
                    extra: {type: object, x-kubernetes-preserve-unknown-fields: true}
        - name: v1alpha1
          served: false
          storage: false
          schema: {openAPIV3Schema: {type: object}}
"""


def widget(name: str, spec: str, meta: str = "", api_version: str = "example.com/v1") -> str:
    return (
        f"apiVersion: {api_version}\nkind: Widget\n"
        f"metadata: {{name: {name}, namespace: team-a{meta}}}\nspec: {spec}\n"
    )


def test_valid_inputs_print_nothing_on_stdout(tmp_path: Path) -> None:
    build_tree(tmp_path / "apps", {"iris.yaml": ISVC})
    done = kserve_gitops(str(tmp_path / "apps"))
    assert done.returncode == 0, done.stderr
    assert done.stdout == ""
    assert "valid: inputs (1 InferenceService, " in done.stderr  # singular (issue 16)


def test_invalid_inference_service_exits_2(tmp_path: Path) -> None:
    build_tree(tmp_path / "apps", {"iris.yaml": ISVC.replace("sklearn:", "sklearn_v9:")})
    done = kserve_gitops(str(tmp_path / "apps"))
    assert done.returncode == 2
    assert done.stdout == ""
    assert re.search(r"iris\.yaml:\d+: InferenceService team-a/iris: spec\.predictor\.sklearn_v9: "
                     "unknown field", done.stderr), done.stderr  # fmt: skip


def test_custom_resources_are_checked_against_their_crd(tmp_path: Path) -> None:
    build_tree(tmp_path, {
        "crds/widget.yaml": WIDGET_CRD,
        "apps/good.yaml": widget("w", "{size: 2, port: http, note: null, extra: {any: [1]}}"),
        "apps/bad.yaml": widget("bad", "{size: 0, colour: red}"),
        "apps/old.yaml": widget("o", "{size: 1}", "", "example.com/v1alpha1"),
        "apps/meta.yaml": widget("m", "{size: 1}", ", lables: {a: b}"),
    })  # fmt: skip
    done = kserve_gitops("apps", "--crds", "crds", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert 'apps/bad.yaml:1: Widget team-a/bad: spec.colour: unknown field "colour"' in lines
    assert any(line.startswith("apps/bad.yaml:1: Widget team-a/bad: spec.size: 0 is less than")
               for line in lines)  # fmt: skip
    assert any(line.startswith("apps/old.yaml:1: Widget team-a/o: apiVersion: CRD widgets."
                               "example.com (crds/widget.yaml) does not serve v1alpha1")
               for line in lines)  # fmt: skip
    assert any(line.startswith("apps/meta.yaml:1: Widget team-a/m: metadata: ") and "lables" in line
               for line in lines)  # fmt: skip
    assert not any("good.yaml" in line for line in lines)


def test_a_crds_folder_is_read_as_input_folders_are(tmp_path: Path) -> None:
    """A FIFO in the --crds folder hung `validate` (read_text waited for a writer), a symlink
    to /dev/zero would have been read without end: each is now one problem, exit 2, like an
    input file; the CRD beside them still serves."""
    build_tree(tmp_path, {"crds/widget.yaml": WIDGET_CRD,
                          "apps/good.yaml": widget("w", "{size: 2}")})  # fmt: skip
    os.mkfifo(tmp_path / "crds" / "pipe.yaml")
    (tmp_path / "crds" / "zero.yaml").symlink_to("/dev/zero")
    done = kserve_gitops("apps", "--crds", "crds", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "crds/pipe.yaml: not a regular file; not read",
        "crds/zero.yaml: a symlink to a file outside the input paths; not read",
    ]


def _widget_crd(size_schema: str) -> str:
    return WIDGET_CRD.replace("size: {type: integer, minimum: 1}", f"size: {size_schema}")


def test_a_crd_pattern_is_matched_as_go_matches_it_in_linear_time(tmp_path: Path) -> None:
    """A pattern that backtracks exponentially in Python's re (`^(a+)+$` against 40 a's and a
    `!`: hours) took `validate` with it; Go's regexp (RE2) answers at once, as the API server
    would. `\\pL`, which Python's re cannot compile, is a Go pattern like any other."""
    crd = _widget_crd("{type: string, pattern: '^(a+)+$'}")
    crd = crd.replace("note: {type: string, nullable: true}", "note: {type: string, "
                      r"pattern: '^\pL+$'}")  # fmt: skip
    build_tree(tmp_path, {
        "crds/widget.yaml": crd,
        "apps/slow.yaml": widget("slow", f"{{size: {'a' * 40}!}}"),
        "apps/good.yaml": widget("good", "{size: aaa, note: Grüße}"),
        "apps/bad.yaml": widget("bad", "{size: aaa, note: a1}"),
    })  # fmt: skip
    done = kserve_gitops("apps", "--crds", "crds", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "apps/bad.yaml:1: Widget team-a/bad: spec.note: 'a1' does not match '^\\\\pL+$'",
        f"apps/slow.yaml:1: Widget team-a/slow: spec.size: '{'a' * 40}!' does not match '^(a+)+$'",
    ]


@pytest.mark.parametrize(
    ("size", "why"),
    [
        ("{type: string, pattern: '('}", "pattern: '(' is not a 'regex' (error parsing regexp: "
         "missing ): ()"),
        ("{type: string, pattern: '(?=a)'}", "pattern: '(?=a)' is not a 'regex' (error parsing "
         "regexp: invalid perl operator: (?=)"),
        ("{type: string, pattern: 7}", "pattern: 7 is not of type 'string'"),
        ("{type: string, maxLength: x}", "maxLength: 'x' is not of type 'integer'"),
        ("{type: string, enum: 3}", "enum: 3 is not of type 'array'"),
        ("{type: object, required: 5}", "openAPIV3Schema cannot be read as a schema"),
        ("{type: object, allOf: [3]}", "openAPIV3Schema cannot be read as a schema"),
    ],
)  # fmt: skip
def test_a_crd_schema_the_api_server_refuses_is_a_problem_not_a_crash(
    tmp_path: Path, size: str, why: str
) -> None:
    """A keyword of the wrong type or a pattern Go's regexp refuses made `validate` end with an
    internal error (exit 3): it is one problem per object of that kind, naming the CRD."""
    build_tree(tmp_path, {"crds/widget.yaml": _widget_crd(size),
                          "apps/w.yaml": widget("w", "{size: a}")})  # fmt: skip
    done = kserve_gitops("apps", "--crds", "crds", cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    (line,) = done.stderr.splitlines()
    assert line.startswith(
        "apps/w.yaml:1: Widget team-a/w: apiVersion: CRD widgets.example.com "
        "(crds/widget.yaml), version v1: "
    ), line
    assert why in line, line


def test_built_in_kinds_are_checked_strictly(tmp_path: Path) -> None:
    deployment = """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: d, namespace: team-a}
        spec:
          replica: 2
          selector: {matchLabels: {app: d}}
          template:
            metadata: {labels: {app: d}}
            spec: {containers: [{name: c, image: nginx}]}
    """
    build_tree(tmp_path, {"apps/d.yaml": deployment, "crds/widget.yaml": WIDGET_CRD})
    done = kserve_gitops("apps", "--crds", "crds", cwd=tmp_path)
    assert done.returncode == 2
    # A passed-through object is refused by the render itself (issue 12 point 5), at the field's
    # line, before validate's own check of the output.
    assert (
        'apps/d.yaml:5: Deployment team-a/d: spec.replica: unknown field "replica"' in done.stderr
    )


def test_kinds_without_a_schema(tmp_path: Path) -> None:
    build_tree(tmp_path, {"apps/iris.yaml": ISVC, "crds/widget.yaml": WIDGET_CRD})
    done = kserve_gitops("apps", "--crds", "crds", cwd=tmp_path)
    assert done.returncode == 2
    assert ("apps/iris.yaml:1: Service team-a/iris-predictor: kind: no schema for "
            "serving.knative.dev/v1 Service: no CRD under --crds") in done.stderr  # fmt: skip
    assert ": Service team-a/iris: " not in done.stderr  # the core ExternalName Service is known
    ignored = kserve_gitops("apps", "--crds", "crds", "--ignore-missing-schemas", cwd=tmp_path)
    assert ignored.returncode == 0, ignored.stderr
    assert "valid: inputs and rendered objects" in ignored.stderr


def test_a_clear_error_without_kubernetes_validate(tmp_path: Path) -> None:
    build_tree(tmp_path, {"apps/iris.yaml": ISVC, "crds/widget.yaml": WIDGET_CRD})
    done = kserve_gitops("apps", "--crds", "crds", cwd=tmp_path, block="kubernetes_validate")
    assert done.returncode == 2
    assert "pip install 'kserve-gitops[validate]'" in done.stderr  # the extra (issue 16)
    assert done.stdout == ""
    plain = kserve_gitops("apps", cwd=tmp_path, block="kubernetes_validate")
    assert plain.returncode == 0, plain.stderr  # only --crds needs it


def test_the_sample_repo_validates_against_the_real_crds() -> None:
    crds = require_shared("reference", "crds")
    kserve = require_shared("reference", "kserve")
    sample = REPO_ROOT / "examples" / "gitops-repo"
    for env in ("staging", "production"):
        done = kserve_gitops("apps", "config", "--overlay", env, "--allow-cluster-scoped",
                             "--crds", str(crds), "--crds", str(kserve), cwd=sample)  # fmt: skip
        assert done.returncode == 0, done.stderr


# --- the schema conversion ------------------------------------------------------------------


def schema(text: str) -> dict[str, Any]:
    loaded = yaml.safe_load(textwrap.dedent(text))
    assert isinstance(loaded, dict)
    return loaded


def test_objects_reject_unknown_fields_unless_preserved() -> None:
    out = to_json_schema(schema("""
        type: object
        properties:
          a: {type: object, properties: {b: {type: string}}}
          free: {type: object, x-kubernetes-preserve-unknown-fields: true}
          labels: {type: object, additionalProperties: {type: string}}
    """))  # fmt: skip
    assert out["additionalProperties"] is False
    assert out["properties"]["a"]["additionalProperties"] is False
    assert "additionalProperties" not in out["properties"]["free"]
    assert out["properties"]["labels"]["additionalProperties"] == {"type": "string"}


def test_kubernetes_extensions() -> None:
    out = to_json_schema(schema("""
        type: object
        properties:
          port: {x-kubernetes-int-or-string: true}
          either: {x-kubernetes-int-or-string: true, anyOf: [{type: integer}, {type: string}]}
          note: {type: string, nullable: true, enum: [a]}
          count: {type: integer, minimum: 0, exclusiveMinimum: true}
          embedded: {type: object, x-kubernetes-embedded-resource: true, properties: {}}
    """))  # fmt: skip
    props = out["properties"]
    assert props["port"]["type"] == ["integer", "string"]
    # One converter for both checks (issue 11): controller-gen's anyOf beside the flag says the
    # same as the type pair, so it is the type pair as in the strict validators.
    assert props["either"] == props["port"] == {"type": ["integer", "string"]}
    assert props["note"] == {"type": ["string", "null"], "enum": ["a", None]}
    assert props["count"] == {"type": "integer", "exclusiveMinimum": 0}
    assert set(props["embedded"]["properties"]) == {"apiVersion", "kind", "metadata"}


def test_a_custom_resource_root_allows_type_meta_and_leaves_metadata_to_object_meta() -> None:
    out = crd_root_schema({"properties": {"spec": {"type": "object"}}})
    assert out["type"] == "object" and out["additionalProperties"] is False
    assert out["properties"]["metadata"] == {}
    assert out["properties"]["apiVersion"] == {"type": "string"}


def test_an_unknown_kubernetes_version_is_a_usage_error(tmp_path: Path) -> None:
    build_tree(tmp_path, {"apps/iris.yaml": ISVC, "crds/widget.yaml": WIDGET_CRD})
    for version in ("1.99", "banana"):
        done = kserve_gitops("apps", "--crds", "crds", "--kubernetes-version", version,
                             cwd=tmp_path)  # fmt: skip
        assert done.returncode == 2
        assert f"--kubernetes-version {version}: kubernetes-validate has schemas" in done.stderr


def test_built_in_kinds_the_render_does_not_check_are_checked_by_validate(tmp_path: Path) -> None:
    budget = """
        apiVersion: policy/v1
        kind: PodDisruptionBudget
        metadata: {name: b, namespace: team-a}
        spec:
          minAvailabel: 1
          selector: {matchLabels: {app: d}}
    """
    build_tree(tmp_path, {"apps/b.yaml": budget, "crds/widget.yaml": WIDGET_CRD})
    script = Path(sys.executable).parent / "kserve-gitops"
    rendered = subprocess.run([str(script), "render", "apps"], cwd=tmp_path, capture_output=True,
                              text=True, check=False)  # fmt: skip
    assert rendered.returncode == 0, rendered.stderr  # no schema of this kind in the render
    done = kserve_gitops("apps", "--crds", "crds", cwd=tmp_path)
    assert done.returncode == 2
    assert "apps/b.yaml:1: PodDisruptionBudget team-a/b: spec: " in done.stderr
    assert "'minAvailabel' was unexpected" in done.stderr


def test_the_regex_format_leaves_other_types_to_the_type_rule() -> None:
    """The meta-schema checks a `pattern`'s type and its `regex` format in an order of its own:
    the format check must not fail (exit 3) on a pattern that is not a string."""
    assert _go_regex(7) and _go_regex(["a"]) and _go_regex(r"^\pL+$")
    with pytest.raises(PatternError, match="missing \\)"):
        _go_regex("(")


_SCHEMA_KEYWORDS = (
    "type", "pattern", "maxLength", "minimum", "enum", "required", "items", "properties",
    "additionalProperties", "nullable", "x-kubernetes-int-or-string", "anyOf", "allOf", "not",
    "format", "multipleOf", "uniqueItems", "maxItems", "exclusiveMinimum", "minProperties",
    "x-kubernetes-preserve-unknown-fields", "x-kubernetes-embedded-resource",
)  # fmt: skip
_SCALARS = st.one_of(
    st.none(), st.booleans(), st.integers(-3, 5), st.just(1.5),
    st.sampled_from(["", "x", "string", "integer", "object", "array", "(", "^a+$", "(?=a)"]),
)  # fmt: skip
_JSON = st.recursive(
    _SCALARS,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(_SCHEMA_KEYWORDS), inner, max_size=3)
    ),
    max_leaves=12,
)
_VALUES = st.recursive(
    st.one_of(st.none(), st.integers(-2, 9), st.sampled_from(["aaa", "a!"]), st.booleans()),
    lambda inner: (
        st.lists(inner, max_size=2) | st.dictionaries(st.sampled_from(["p0", "p1"]), inner)
    ),
    max_leaves=6,
)


def _fuzz(in_ci: int, locally: int) -> Any:
    """Hypothesis settings for a CRD fuzz test: more examples under CI=true."""
    return settings(max_examples=in_ci if os.environ.get("CI") else locally, deadline=None,
                    database=None, suppress_health_check=list(HealthCheck))  # fmt: skip


def _validates_with_0_or_2(root: Path, crd: dict[str, Any], obj: dict[str, Any]) -> None:
    """`validate` of `obj` against `crd` (written under `root`) answers 0 or 2, no traceback."""
    build_tree(root, {"crds/widget.yaml": json.dumps(crd), "apps/w.yaml": json.dumps(obj)})
    done = invoke("validate", str(root / "apps"), "--crds", str(root / "crds"))
    assert done.code in (0, 2), done
    assert "Traceback" not in done.stderr and "internal error" not in done.stderr, done.stderr


@_fuzz(300, 60)
@given(st.dictionaries(st.sampled_from(_SCHEMA_KEYWORDS), _JSON, max_size=4), _VALUES)
def test_any_crd_schema_exits_0_or_2(
    tmp_path_factory: pytest.TempPathFactory, schema: dict[str, Any], spec: Any
) -> None:
    """A CRD under --crds is input too: whatever its schema holds, `validate` answers 0 or 2
    with no traceback (a wrongly typed keyword ended in exit 3 before)."""
    root = tmp_path_factory.mktemp("crd")
    crd = yaml.safe_load(textwrap.dedent(WIDGET_CRD))
    crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["spec"] = schema
    obj = yaml.safe_load(widget("w", "{}")) | {"spec": spec}
    _validates_with_0_or_2(root, crd, obj)


_SHAPES = st.one_of(
    _SCALARS,
    st.lists(_SCALARS, max_size=2),
    st.dictionaries(st.sampled_from(["kind", "name", "served", "a"]), _SCALARS, max_size=2),
)


@_fuzz(200, 40)
@given(
    st.dictionaries(st.sampled_from(["names", "versions", "group", "metadata"]), _SHAPES),
    st.one_of(_SHAPES, st.fixed_dictionaries({"openAPIV3Schema": _SHAPES})),
)
def test_any_crd_shape_exits_0_or_2(
    tmp_path_factory: pytest.TempPathFactory, parts: dict[str, Any], schema: Any
) -> None:
    """The CRD around the schema is input too: `versions`, `names`, `group`, its metadata or
    a version's `schema` of any type (a number for `versions` or `names` was an exit 3)."""
    root = tmp_path_factory.mktemp("crd")
    crd = yaml.safe_load(textwrap.dedent(WIDGET_CRD))
    crd["spec"]["versions"][0]["schema"] = schema
    for key, value in parts.items():
        if key == "metadata":
            crd["metadata"] = value
        else:
            crd["spec"][key] = value
    obj = yaml.safe_load(widget("w", "{size: 1}"))
    _validates_with_0_or_2(root, crd, obj)
