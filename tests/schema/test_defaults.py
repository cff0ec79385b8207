"""CRD structural defaulting of KServe objects (`generator.schema.apply_defaults`).

The API server fills in the `default`s of a CRD schema before it stores a custom resource, and
KServe's controller reads the stored object (a container port's `protocol: TCP` ends up in the
Service it creates). The fixtures below are written for these tests; the algorithm cases are
those of k8s.io/apiextensions-apiserver `pkg/apiserver/schema/defaulting/algorithm_test.go`
(`TestDefault`), written as defaults trees; the published examples and the CRDs come from
tests/data/reference (vendored; see its README.md).
"""

from __future__ import annotations

import copy
import importlib.util
import json
from collections.abc import Iterator
from functools import cache
from importlib import resources
from pathlib import Path
from types import MappingProxyType
from typing import Any

import pytest
import yaml
from helpers import REFERENCE, REPO_ROOT, require_shared
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import generator.schema as schema_module
from generator.schema import KSERVE_KINDS, apply_defaults, check_object, normalized

ISVC = "serving.kserve.io/v1beta1"
ALPHA = "serving.kserve.io/v1alpha1"


def meta(name: str = "x") -> dict[str, Any]:
    return {"name": name, "namespace": "models"}


def runtime(kind: str, ports: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "apiVersion": ALPHA,
        "kind": kind,
        "metadata": meta(),
        "spec": {
            "supportedModelFormats": [{"name": "sklearn", "version": "1", "autoSelect": True}],
            "containers": [{"name": "kserve-container", "image": "srv:1", "ports": ports}],
        },
    }


def isvc(spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": ISVC, "kind": "InferenceService", "metadata": meta(), "spec": spec}


def container(**fields: Any) -> dict[str, Any]:
    return {"name": "kserve-container", "image": "srv:1", **fields}


# --- the defaults KServe's controller reads ---------------------------------------------------


@pytest.mark.parametrize("kind", ["ServingRuntime", "ClusterServingRuntime"])
def test_runtime_container_port_protocol_defaults_to_tcp(kind: str) -> None:
    doc = runtime(kind, [{"containerPort": 8080, "name": "http1"}])
    out = apply_defaults(doc)
    assert out["spec"]["containers"][0]["ports"] == [
        {"containerPort": 8080, "name": "http1", "protocol": "TCP"}
    ]
    assert check_object(out) == []


def test_predictor_container_port_protocol_defaults_to_tcp() -> None:
    doc = isvc({"predictor": {"containers": [container(ports=[{"containerPort": 8080}])]}})
    out = apply_defaults(doc)
    assert out["spec"]["predictor"]["containers"][0]["ports"] == [
        {"containerPort": 8080, "protocol": "TCP"}
    ]
    assert check_object(out) == []


@pytest.mark.parametrize("component", ["model", "sklearn", "huggingface", "triton"])
def test_predictor_model_port_protocol_defaults_to_tcp(component: str) -> None:
    model: dict[str, Any] = {"modelFormat": {"name": "sklearn"}} if component == "model" else {}
    model["ports"] = [{"containerPort": 9000, "name": "h2c"}]
    out = apply_defaults(isvc({"predictor": {component: model}}))
    assert out["spec"]["predictor"][component]["ports"][0]["protocol"] == "TCP"


@pytest.mark.parametrize("component", ["predictor", "transformer", "explainer"])
def test_storage_uris_mount_path_defaults_to_mnt_models(component: str) -> None:
    uris = [{"uri": "s3://a/m"}, {"uri": "s3://b/m", "mountPath": "/mnt/b"}]
    spec: dict[str, Any] = {"predictor": {"model": {"modelFormat": {"name": "sklearn"}}}}
    spec.setdefault(component, {})["storageUris"] = uris
    out = apply_defaults(isvc(spec))
    assert out["spec"][component]["storageUris"] == [
        {"uri": "s3://a/m", "mountPath": "/mnt/models"},
        {"uri": "s3://b/m", "mountPath": "/mnt/b"},
    ]
    assert check_object(out) == []


def test_defaults_inside_lists_of_lists() -> None:
    """canary[] > predictor.containers[] > ports[] / env[] / envFrom[], and workerSpec."""
    busy = container(
        ports=[{"containerPort": 8080}, {"containerPort": 8081, "protocol": "UDP"}],
        env=[
            {"name": "A", "valueFrom": {"secretKeyRef": {"key": "token"}}},
            {"name": "B", "value": "b"},
            {"name": "C", "valueFrom": {"configMapKeyRef": {"key": "c", "name": "cm"}}},
        ],
        envFrom=[{"secretRef": {}}, {"configMapRef": {"name": "shared"}}],
        readinessProbe={"grpc": {"port": 9000}},
    )
    spec = {
        "predictor": {
            "containers": [container(), copy.deepcopy(busy)],
            "workerSpec": {"containers": [copy.deepcopy(busy)]},
            "imagePullSecrets": [{}, {"name": "pull"}],
        },
        "canary": [{"predictor": {"containers": [copy.deepcopy(busy)]}}],
    }
    out = apply_defaults(isvc(spec))
    defaulted = container(
        ports=[
            {"containerPort": 8080, "protocol": "TCP"},
            {"containerPort": 8081, "protocol": "UDP"},
        ],
        env=[
            {"name": "A", "valueFrom": {"secretKeyRef": {"key": "token", "name": ""}}},
            {"name": "B", "value": "b"},
            {"name": "C", "valueFrom": {"configMapKeyRef": {"key": "c", "name": "cm"}}},
        ],
        envFrom=[{"secretRef": {"name": ""}}, {"configMapRef": {"name": "shared"}}],
        readinessProbe={"grpc": {"port": 9000, "service": ""}},
    )
    predictor = out["spec"]["predictor"]
    assert predictor["containers"] == [container(), defaulted]
    assert predictor["workerSpec"]["containers"] == [defaulted]
    assert predictor["imagePullSecrets"] == [{"name": ""}, {"name": "pull"}]
    assert out["spec"]["canary"] == [{"predictor": {"containers": [defaulted]}}]
    # unchanged subtrees are the input's own
    assert predictor["containers"][0] is spec["predictor"]["containers"][0]  # type: ignore[index]


def test_volume_defaults() -> None:
    volumes = [
        {"name": "d", "azureDisk": {"diskName": "d", "diskURI": "u"}},
        {"name": "r", "rbd": {"image": "i", "monitors": ["m"], "user": "me"}},
        {"name": "c", "configMap": {}},
    ]
    doc = runtime("ServingRuntime", [])
    doc["spec"]["volumes"] = volumes
    out = apply_defaults(doc)
    assert out["spec"]["volumes"] == [
        {
            "name": "d",
            "azureDisk": {"diskName": "d", "diskURI": "u", "fsType": "ext4", "readOnly": False},
        },
        {
            "name": "r",
            "rbd": {
                "image": "i",
                "monitors": ["m"],
                "user": "me",
                "keyring": "/etc/ceph/keyring",
                "pool": "rbd",
            },
        },
        {"name": "c", "configMap": {"name": ""}},
    ]
    assert check_object(out) == []


@pytest.mark.parametrize(
    ("field", "value"),
    [("protocol", "UDP"), ("protocol", "SCTP"), ("protocol", "TCP")],
)
def test_an_explicit_value_is_kept(field: str, value: str) -> None:
    doc = isvc(
        {"predictor": {"containers": [container(ports=[{"containerPort": 1, field: value}])]}}
    )
    assert apply_defaults(doc) is doc


def test_explicit_falsy_values_are_kept() -> None:
    """Only an absent key (or a null where null is not allowed) is defaulted: "", false, 0 stay."""
    doc = runtime("ServingRuntime", [])
    doc["spec"]["volumes"] = [
        {
            "name": "d",
            "azureDisk": {"diskName": "d", "diskURI": "u", "fsType": "", "readOnly": False},
        }
    ]
    doc["spec"]["containers"][0]["env"] = [
        {"name": "A", "valueFrom": {"secretKeyRef": {"key": "k", "name": ""}}}
    ]
    assert apply_defaults(doc) is doc


def test_a_null_field_gets_its_default() -> None:
    """No CRD field with a default is nullable, so an explicit null is defaulted; `normalized`
    dropping it first gives the same object (the API server prunes only the nulls that have no
    default before it defaults)."""
    doc = isvc(
        {
            "predictor": {
                "containers": [container(ports=[{"containerPort": 8080, "protocol": None}])],
                "storageUris": [{"uri": "s3://a/m", "mountPath": None}],
            }
        }
    )
    out = apply_defaults(doc)
    assert out["spec"]["predictor"]["containers"][0]["ports"][0]["protocol"] == "TCP"
    assert out["spec"]["predictor"]["storageUris"][0]["mountPath"] == "/mnt/models"
    assert check_object(out) == []
    assert normalized(out) is out
    assert apply_defaults(normalized(doc)) == out


def test_the_input_is_not_modified() -> None:
    doc = isvc(
        {
            "predictor": {
                "containers": [container(ports=[{"containerPort": 8080}])],
                "storageUris": [{"uri": "s3://a/m"}],
            }
        }
    )
    before = copy.deepcopy(doc)
    out = apply_defaults(doc)
    assert doc == before
    assert out is not doc and out != doc
    assert out["metadata"] is doc["metadata"]


def test_a_read_only_mapping_is_accepted() -> None:
    doc = runtime("ServingRuntime", [{"containerPort": 8080}])
    out = apply_defaults(MappingProxyType(doc))
    assert isinstance(out, dict)
    assert out["spec"]["containers"][0]["ports"][0]["protocol"] == "TCP"
    assert "protocol" not in doc["spec"]["containers"][0]["ports"][0]


def test_nothing_to_default_returns_the_same_object() -> None:
    doc = isvc({"predictor": {"model": {"modelFormat": {"name": "sklearn"}, "env": []}}})
    assert apply_defaults(doc) is doc


@pytest.mark.parametrize(
    "doc",
    [
        {"apiVersion": "v1", "kind": "Service", "spec": {"ports": [{"port": 80}]}},
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": meta()},
        # an unserved version: check_object reports it; nothing is defaulted
        {"apiVersion": "serving.kserve.io/v1alpha2", "kind": "InferenceService", "spec": {}},
        # a kind of the group without a CRD here
        {"apiVersion": ALPHA, "kind": "LocalModelCache", "spec": {"ports": [{}]}},
        # kinds whose CRDs have no default
        {"apiVersion": ALPHA, "kind": "TrainedModel", "metadata": meta(), "spec": {}},
        {"apiVersion": ALPHA, "kind": "InferenceGraph", "metadata": meta(), "spec": {}},
        {"kind": "InferenceService"},
        {},
    ],
)
def test_other_objects_are_returned_unchanged(doc: dict[str, Any]) -> None:
    before = copy.deepcopy(doc)
    assert apply_defaults(doc) is doc
    assert doc == before


def test_values_of_unexpected_types_are_left_alone() -> None:
    doc = isvc({"predictor": {"containers": {"not": "a list"}, "storageUris": ["s3://a"]}})
    assert apply_defaults(doc) is doc


# --- the algorithm: k8s.io/apiextensions-apiserver defaulting/algorithm_test.go ---------------


def props(**fields: Any) -> dict[str, Any]:
    return {"properties": fields}


def default(value: Any, **extra: Any) -> dict[str, Any]:
    return {"default": value, **extra}


ALGORITHM_CASES: list[tuple[str, Any, dict[str, Any], Any]] = [
    ("scalar", 4, default("foo"), 4),
    ("scalar array", [1, 2], {"items": default("foo")}, [1, 2]),
    (
        "object array",
        [{"a": 1}, {"b": 1}, {"c": 1}],
        {"items": props(a=default("A"), b=default("B"), c=default("C"))},
        [{"a": 1, "b": "B", "c": "C"}, {"a": "A", "b": 1, "c": "C"}, {"a": "A", "b": "B", "c": 1}],
    ),
    (
        "object array object",
        {
            "array": [{"a": 1}, {"b": 2}],
            "object": {"a": 1},
            "additionalProperties": {"x": {"a": 1}, "y": {"b": 2}},
        },
        props(
            array={"items": props(a=default("A"), b=default("B"))},
            object=props(a=default("N"), b=default("O")),
            additionalProperties={
                "additionalProperties": props(a=default("alpha"), b=default("beta"))
            },
            foo=default("bar"),
        ),
        {
            "array": [{"a": 1, "b": "B"}, {"a": "A", "b": 2}],
            "object": {"a": 1, "b": "O"},
            "additionalProperties": {"x": {"a": 1, "b": "beta"}, "y": {"a": "alpha", "b": 2}},
            "foo": "bar",
        },
    ),
    (
        "empty and null",
        [{}, {"a": 1}, {"a": 0}, {"a": 0.0}, {"a": ""}, {"a": None}, {"a": []}, {"a": {}}],
        {"items": props(a=default("A"))},
        [{"a": "A"}, {"a": 1}, {"a": 0}, {"a": 0.0}, {"a": ""}, {"a": "A"}, {"a": []}, {"a": {}}],
    ),
    ("null in nullable list", [None], {"nullable": True, "items": props(a=default("A"))}, [None]),
    ("null in non-nullable list", [None], {"items": default("A")}, ["A"]),
    ("null in nullable object", {"a": None}, props(a=default("A", nullable=True)), {"a": None}),
    ("null in non-nullable object", {"a": None}, props(a=default("A")), {"a": "A"}),
    (
        "null in nullable object with additionalProperties",
        {"a": None},
        {"additionalProperties": default("A", nullable=True)},
        {"a": None},
    ),
    (
        "null in non-nullable object with additionalProperties",
        {"a": None},
        {"additionalProperties": default("A")},
        {"a": "A"},
    ),
    # Not in algorithm_test.go, read from algorithm.go: the walk goes on into a default just
    # put in, for a property as for a null list item or map value (it recurses into x[k]).
    (
        "defaults of a default",
        {"m": {"k": None}, "l": [None]},
        props(
            o=default({}, **props(a=default("A"))),
            m={"additionalProperties": default({"b": 1}, **props(c=default("C")))},
            l={"items": default({}, **props(d=default("D")))},
        ),
        {"o": {"a": "A"}, "m": {"k": {"b": 1, "c": "C"}}, "l": [{"d": "D"}]},
    ),
    ("a null without a default stays", {"a": None}, props(a=props(b=default("B"))), {"a": None}),
]


@pytest.mark.parametrize(
    ("value", "tree", "expected"),
    [case[1:] for case in ALGORITHM_CASES],
    ids=[case[0] for case in ALGORITHM_CASES],
)
def test_structural_defaulting_algorithm(value: Any, tree: dict[str, Any], expected: Any) -> None:
    node = schema_module._compile_tree(tree)
    assert node is not None
    before = copy.deepcopy(value)
    out = schema_module._default(value, node)
    assert out == expected
    assert value == before
    assert (out is value) == (expected == before)


def test_a_default_value_is_copied_each_time() -> None:
    node = schema_module._compile_tree(props(o=default({"list": []})))
    assert node is not None
    first, second = schema_module._default({}, node), schema_module._default({}, node)
    first["o"]["list"].append(1)
    assert second == {"o": {"list": []}}
    assert node.properties["o"].default == {"list": []}


def test_a_hoisted_tree_shares_its_definitions() -> None:
    tree = {
        "properties": {
            "a": {"$ref": "#/definitions/port"},
            "b": {"items": {"$ref": "#/definitions/port"}},
        },
        "definitions": {"port": props(protocol=default("TCP"))},
    }
    node = schema_module._compile_tree(tree)
    assert node is not None
    assert node.properties["a"] is node.properties["b"].items
    assert schema_module._default({"a": {}, "b": [{}, {"protocol": "UDP"}]}, node) == {
        "a": {"protocol": "TCP"},
        "b": [{"protocol": "TCP"}, {"protocol": "UDP"}],
    }


# --- properties ------------------------------------------------------------------------------

names = st.text("abcdefghij-", min_size=1, max_size=8)
ports = st.lists(
    st.fixed_dictionaries(
        {"containerPort": st.integers(1, 65535)},
        optional={"protocol": st.sampled_from(["TCP", "UDP", "SCTP"]), "name": names},
    ),
    max_size=3,
)
key_ref = st.fixed_dictionaries({"key": names}, optional={"name": names})
env = st.lists(
    st.fixed_dictionaries(
        {"name": names},
        optional={
            "value": names,
            "valueFrom": st.fixed_dictionaries(
                {}, optional={"secretKeyRef": key_ref, "configMapKeyRef": key_ref}
            ),
        },
    ),
    max_size=3,
)
probe = st.fixed_dictionaries(
    {},
    optional={
        "grpc": st.fixed_dictionaries({"port": st.integers(1, 65535)}, optional={"service": names})
    },
)
containers = st.lists(
    st.fixed_dictionaries(
        {"name": names, "image": names},
        optional={"ports": ports, "env": env, "readinessProbe": probe, "livenessProbe": probe},
    ),
    min_size=1,
    max_size=3,
)
storage_uris = st.lists(
    st.fixed_dictionaries(
        {"uri": st.just("s3://bucket/model")},
        optional={"mountPath": st.sampled_from(["/mnt/models", "/data", "/mnt/a"])},
    ),
    min_size=1,
    max_size=3,
)
component = st.fixed_dictionaries(
    {"containers": containers}, optional={"storageUris": storage_uris}
)
services = st.builds(
    lambda spec: isvc(spec),
    st.fixed_dictionaries(
        {"predictor": component},
        optional={
            "transformer": component,
            "canary": st.lists(st.builds(dict, predictor=component), max_size=2),
        },
    ),
)
runtimes = st.builds(
    lambda kind, found, more: {**runtime(kind, []), "spec": {"containers": found, **more}},
    st.sampled_from(["ServingRuntime", "ClusterServingRuntime"]),
    containers,
    st.fixed_dictionaries({}, optional={"workerSpec": st.builds(dict, containers=containers)}),
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(doc=services | runtimes)
def test_defaulting_is_idempotent_keeps_the_input_and_stays_valid(doc: dict[str, Any]) -> None:
    before = copy.deepcopy(doc)
    once = apply_defaults(doc)
    assert doc == before
    assert apply_defaults(once) == once
    assert apply_defaults(once) is once
    assert check_object(once) == check_object(doc)
    for path, value in leaves(once):
        if path[-1] == "protocol":
            assert value in ("TCP", "UDP", "SCTP")
    for port in find(once, "ports"):
        assert all("protocol" in item for item in port)
    for uris in find(once, "storageUris"):
        assert all("mountPath" in item for item in uris)


def leaves(value: Any, path: tuple[Any, ...] = ()) -> Iterator[tuple[tuple[Any, ...], Any]]:
    if isinstance(value, dict):
        for key, sub in value.items():
            yield from leaves(sub, (*path, key))
    elif isinstance(value, list):
        for index, sub in enumerate(value):
            yield from leaves(sub, (*path, index))
    else:
        yield path, value


def find(value: Any, key: str) -> Iterator[Any]:
    if isinstance(value, dict):
        for name, sub in value.items():
            if name == key:
                yield sub
            yield from find(sub, key)
    elif isinstance(value, list):
        for sub in value:
            yield from find(sub, key)


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_published_examples_are_idempotent(data: st.DataObject) -> None:
    docs = published_docs()
    doc = data.draw(st.sampled_from(docs))
    once = apply_defaults(doc)
    assert apply_defaults(once) == once


# --- the shipped defaults trees --------------------------------------------------------------

PACKAGE = REPO_ROOT / "generator" / "schema"
TREE_KEYS = frozenset({"default", "nullable", "properties", "items", "additionalProperties"})


def served_modules() -> dict[str, list[str]]:
    """module -> ["Kind version", ...] from data/served.json."""
    served = json.loads((PACKAGE / "data" / "served.json").read_text(encoding="utf-8"))
    out: dict[str, list[str]] = {}
    for kind, info in served["kinds"].items():
        for version, module in info["versions"].items():
            out.setdefault(module, []).append(f"{kind} {version}")
    return out


def test_every_served_module_ships_a_defaults_tree() -> None:
    for module in served_modules():
        text = resources.files("generator.schema").joinpath("data", f"{module}_defaults.json")
        assert isinstance(json.loads(text.read_text(encoding="utf-8")), dict), module


@pytest.mark.parametrize("module", sorted(served_modules()))
def test_a_defaults_tree_holds_only_paths_to_defaults(module: str) -> None:
    tree = json.loads((PACKAGE / "data" / f"{module}_defaults.json").read_text(encoding="utf-8"))
    definitions = tree.pop("definitions", {})

    def check(node: dict[str, Any], where: str) -> None:
        if "$ref" in node:
            assert set(node) == {"$ref"}, where
            assert node["$ref"].removeprefix("#/definitions/") in definitions, where
            return
        assert node and set(node) <= TREE_KEYS, where
        assert "nullable" not in node or "default" in node, where
        assert not ("properties" in node and "additionalProperties" in node), where
        for key, sub in node.get("properties", {}).items():
            check(sub, f"{where}.{key}")
        for keyword in ("items", "additionalProperties"):
            if keyword in node:
                check(node[keyword], f"{where}.{keyword}")

    if tree:
        check(tree, module)
    for name, body in definitions.items():
        check(body, f"definitions.{name}")


def crd_defaults(node: dict[str, Any], path: str = "") -> Iterator[tuple[str, str]]:
    """(path, JSON default) of every default of a CRD schema or an expanded defaults tree."""
    if "default" in node:
        yield path, json.dumps(node["default"], sort_keys=True)
    for key, sub in node.get("properties", {}).items():
        yield from crd_defaults(sub, f"{path}.{key}")
    if isinstance(node.get("items"), dict):
        yield from crd_defaults(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        yield from crd_defaults(node["additionalProperties"], f"{path}{{}}")


def expand(node: dict[str, Any], definitions: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in node:
        return expand(definitions[node["$ref"].removeprefix("#/definitions/")], definitions)
    out = dict(node)
    if "properties" in node:
        out["properties"] = {k: expand(v, definitions) for k, v in node["properties"].items()}
    for keyword in ("items", "additionalProperties"):
        if keyword in node:
            out[keyword] = expand(node[keyword], definitions)
    return out


@cache
def crds() -> dict[tuple[str, str], dict[str, Any]]:
    """(kind, version) -> openAPIV3Schema of every served version of the KServe CRDs."""
    out = {}
    for path in sorted(require_shared("reference", "kserve", "crd").glob("*.yaml")):
        crd = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        for version in crd["spec"]["versions"]:
            if version.get("served"):
                key = (crd["spec"]["names"]["kind"], version["name"])
                out[key] = version["schema"]["openAPIV3Schema"]
    return out


def test_the_defaults_trees_hold_every_crd_default() -> None:
    modules = {label: module for module, labels in served_modules().items() for label in labels}
    counted = 0
    for (kind, version), openapi in crds().items():
        module = modules[f"{kind} {version}"]
        tree = json.loads((PACKAGE / "data" / f"{module}_defaults.json").read_text("utf-8"))
        expanded = expand(tree, tree.pop("definitions", {}))
        expected = sorted(crd_defaults(openapi))
        assert sorted(crd_defaults(expanded)) == expected, (kind, version)
        counted += len(expected)
    assert counted > 500  # ISVC 474, ServingRuntime and ClusterServingRuntime 61 each


def test_port_protocol_is_among_the_defaults() -> None:
    paths = dict(crd_defaults(crds()[("InferenceService", "v1beta1")]))
    assert paths[".spec.predictor.containers[].ports[].protocol"] == '"TCP"'
    assert paths[".spec.predictor.storageUris[].mountPath"] == '"/mnt/models"'
    paths = dict(crd_defaults(crds()[("ServingRuntime", "v1alpha1")]))
    assert paths[".spec.containers[].ports[].protocol"] == '"TCP"'


def gen_schemas() -> Any:
    spec = importlib.util.spec_from_file_location(
        "gen_schemas", REPO_ROOT / "scripts" / "gen_schemas.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_generator_keeps_only_what_leads_to_a_default() -> None:
    crd_schema = {
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "description": "prose",
                "properties": {
                    "plain": {"type": "string"},
                    "ports": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "required": ["containerPort"],
                            "properties": {
                                "containerPort": {"type": "integer"},
                                "protocol": {"type": "string", "default": "TCP"},
                            },
                        },
                    },
                    "labels": {
                        "type": "object",
                        "additionalProperties": {"type": "string", "nullable": True, "default": ""},
                    },
                },
            },
            "status": {"type": "object", "properties": {"phase": {"type": "string"}}},
        },
    }
    assert gen_schemas().defaults_tree(crd_schema, "Kind") == {
        "properties": {
            "spec": {
                "properties": {
                    "ports": {"items": {"properties": {"protocol": {"default": "TCP"}}}},
                    "labels": {"additionalProperties": {"default": "", "nullable": True}},
                }
            }
        }
    }


@pytest.mark.parametrize(
    ("node", "message"),
    [
        ({"type": "string", "nullable": True, "default": None}, "default null"),
        (
            {"type": "object", "properties": {}, "additionalProperties": {"type": "string"}},
            "properties beside",
        ),
    ],
)
def test_the_generator_refuses_what_it_cannot_represent(node: dict[str, Any], message: str) -> None:
    with pytest.raises(SystemExit, match=message):
        gen_schemas().defaults_tree(node, "Kind")


# --- the published examples (tests/data/reference) -------------------------------------------


def example_files() -> list[str]:
    folder = REFERENCE / "examples"
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*.yaml"))


def kserve_docs(path: Path) -> list[dict[str, Any]]:
    docs = yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    return [d for d in docs if isinstance(d, dict) and d.get("kind") in KSERVE_KINDS]


@cache
def published_docs() -> list[dict[str, Any]]:
    folder = require_shared("reference", "examples")
    return [doc for path in sorted(folder.rglob("*.yaml")) for doc in kserve_docs(path)]


@pytest.mark.parametrize("name", example_files())
def test_published_example_is_valid_after_defaulting(name: str) -> None:
    path = require_shared("reference", "examples") / name
    for doc in kserve_docs(path):
        before = copy.deepcopy(doc)
        out = apply_defaults(normalized(doc))
        assert check_object(out) == [], doc["metadata"]
        assert doc == before


def test_a_published_example_gets_a_default() -> None:
    path = require_shared("reference", "examples", "website-0.20", "multiple-storage-uris.yaml")
    (doc,) = kserve_docs(path)
    uris = apply_defaults(doc)["spec"]["predictor"]["storageUris"]
    assert [u.get("mountPath") for u in uris] == [
        u.get("mountPath", "/mnt/models") for u in doc["spec"]["predictor"]["storageUris"]
    ]
    assert any("mountPath" not in u for u in doc["spec"]["predictor"]["storageUris"])
