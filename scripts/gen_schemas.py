"""Turn the KServe v0.20.0 CRD schemas into the strict JSON schemas the package ships.

The API server checks a custom resource against its CRD's `openAPIV3Schema`, rejects fields the
schema does not declare (strict field validation), and accepts only the versions the CRD serves.
This script turns each served version's schema into a plain JSON schema with the same meaning
(`generator.schema.convert`, strict: a keyword it cannot honour stops it), with Kubernetes
ObjectMeta for `metadata`, and hoists repeated subschemas into `definitions`. The package builds
its validators from these files on first use (`generator.schema.validators`); no generated code
is committed.

The `default`s the conversion drops go to a separate "defaults tree" per version, for
`generator.schema.apply_defaults` (the API server's structural defaulting): the same nesting
keywords as the schema (`properties`, `items`, `additionalProperties`) kept only where they lead
to a `default`, each node with its own `default` (and `nullable: true` beside one whose schema is
nullable), repeated subtrees hoisted into `definitions` as for the schemas. Output:
`generator/schema/data/<kind>_<version>.json`, its defaults tree
`generator/schema/data/<kind>_<version>_defaults.json` and `generator/schema/data/served.json`.

    python scripts/gen_schemas.py [CRD_DIR] [--out PACKAGE_DIR]

The output is a pure function of the CRDs: running it twice writes byte-identical files, and
tests/schema/test_schema.py checks on every run that the shipped files are up to date.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from generator.schema.convert import (
    UnsupportedSchema,
    object_meta,
    to_json_schema,
)

REPO_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_CRD_DIR = REPO_ROOT / "tests" / "data" / "reference" / "kserve" / "crd"
DEFAULT_OUT = REPO_ROOT / "generator" / "schema"
KSERVE_VERSION = "v0.20.0"
GROUP = "serving.kserve.io"
CRD_PLURALS = (
    "inferenceservices",
    "servingruntimes",
    "clusterservingruntimes",
    "trainedmodels",
    "inferencegraphs",
    "llminferenceservices",
    "llminferenceserviceconfigs",
    "clusterstoragecontainers",
)
# Subschemas that occur more than once and whose JSON is at least this long become definitions.
HOIST_MIN_CHARS = 60

Schema = dict[str, Any]


def convert(node: Schema, where: str) -> Schema:
    """One OpenAPI v3 CRD schema node as a strict JSON schema node (the package's converter)."""
    try:
        return to_json_schema(node, where, strict=True)
    except UnsupportedSchema as err:
        raise SystemExit(f"{err} (by gen_schemas.py)") from err


def convert_root(openapi: Schema, kind: str) -> Schema:
    """The top-level schema of one CRD version, with ObjectMeta for `metadata`."""
    root = convert(openapi, kind)
    root["properties"]["metadata"] = object_meta()
    root["required"] = ["apiVersion", "kind", "metadata"]
    root["additionalProperties"] = False
    return root


def children(node: Schema) -> Iterator[tuple[str, str, Schema]]:
    """(keyword, key, subschema) for every direct subschema of `node`."""
    for key, sub in node.get("properties", {}).items():
        yield "properties", key, sub
    if isinstance(node.get("items"), dict):
        yield "items", "", node["items"]
    if isinstance(node.get("additionalProperties"), dict):
        yield "additionalProperties", "", node["additionalProperties"]


def canonical(node: Schema) -> str:
    return json.dumps(node, sort_keys=True, separators=(",", ":"))


class Hoister:
    """Moves subschemas that occur more than once into `definitions`, named after a field."""

    def __init__(self, root: Schema) -> None:
        self.counts: Counter[str] = Counter()
        self._count(root)
        self.names: dict[str, str] = {}
        self.bodies: dict[str, Schema] = {}
        self.root = self._rebuild(root, "root")

    def _count(self, node: Schema) -> None:
        for _, _, sub in children(node):
            self.counts[canonical(sub)] += 1
            self._count(sub)

    def _visit(self, node: Schema, hint: str) -> Schema:
        text = canonical(node)
        if self.counts[text] < 2 or len(text) < HOIST_MIN_CHARS:
            return self._rebuild(node, hint)
        if text not in self.names:
            name = hint
            suffix = 1
            while name in self.bodies:
                suffix += 1
                name = f"{hint}_{suffix}"
            self.names[text] = name
            self.bodies[name] = {}  # reserve the name before recursing
            self.bodies[name] = self._rebuild(node, hint)
        return {"$ref": f"#/definitions/{self.names[text]}"}

    def _rebuild(self, node: Schema, hint: str) -> Schema:
        out = dict(node)
        if "properties" in node:
            out["properties"] = {k: self._visit(v, k) for k, v in node["properties"].items()}
        if isinstance(node.get("items"), dict):
            out["items"] = self._visit(node["items"], f"{hint}_item")
        if isinstance(node.get("additionalProperties"), dict):
            out["additionalProperties"] = self._visit(node["additionalProperties"], f"{hint}_value")
        return out


def _refs(node: Schema, counts: Counter[str]) -> None:
    if "$ref" in node:
        counts[node["$ref"]] += 1
    for _, _, sub in children(node):
        _refs(sub, counts)


def _inline(node: Schema, once: dict[str, Schema]) -> Schema:
    if node.get("$ref") in once:
        return _inline(once[node["$ref"]], once)
    out = dict(node)
    if "properties" in node:
        out["properties"] = {k: _inline(v, once) for k, v in node["properties"].items()}
    for keyword in ("items", "additionalProperties"):
        if isinstance(node.get(keyword), dict):
            out[keyword] = _inline(node[keyword], once)
    return out


def hoist(root: Schema) -> Schema:
    """`root` with repeated subschemas as `$ref`s to `definitions` used at least twice."""
    hoister = Hoister(root)
    root, bodies = hoister.root, hoister.bodies
    while True:
        counts: Counter[str] = Counter()
        for body in (root, *bodies.values()):
            _refs(body, counts)
        once = {
            f"#/definitions/{name}": body
            for name, body in bodies.items()
            if counts[f"#/definitions/{name}"] < 2
        }
        if not once:
            break
        root = _inline(root, once)
        bodies = {
            name: _inline(body, once)
            for name, body in bodies.items()
            if f"#/definitions/{name}" not in once
        }
    if bodies:
        root["definitions"] = dict(sorted(bodies.items()))
    return root


def defaults_tree(node: Schema, where: str) -> Schema:
    """The part of one CRD schema node that leads to a `default`; `{}` if none does.

    A node keeps its own `default` (with `nullable: true` if its schema is nullable: the API
    server replaces an explicit null by the default only where null is not allowed) and its
    `properties`, `items` and `additionalProperties` that lead to a default themselves. Nothing
    is looked for under `anyOf`: `convert` allows it only as int-or-string's type pair (and
    allOf/oneOf/not not at all), and defaults there are not structural anyway. A structural
    schema never has both `properties` and an `additionalProperties` schema.
    """
    out: Schema = {}
    if "default" in node:
        if node["default"] is None:
            # Defaulting skips a null default (it reads as "no default"); refuse to guess.
            raise SystemExit(f"{where}: default null is not supported by gen_schemas.py")
        out["default"] = node["default"]
        if node.get("nullable"):
            out["nullable"] = True
    if "properties" in node and isinstance(node.get("additionalProperties"), dict):
        raise SystemExit(f"{where}: properties beside an additionalProperties schema")
    properties = {}
    for key, sub in node.get("properties", {}).items():
        if tree := defaults_tree(sub, f"{where}.{key}"):
            properties[key] = tree
    if properties:
        out["properties"] = properties
    for keyword, suffix in (("items", "[]"), ("additionalProperties", "{}")):
        if isinstance(node.get(keyword), dict) and (
            tree := defaults_tree(node[keyword], f"{where}{suffix}")
        ):
            out[keyword] = tree
    return out


def module_name(kind: str, version: str) -> str:
    return f"{kind.lower()}_{version}"


def load_crd(path: Path) -> Schema:
    crd = yaml.load(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
    if crd.get("kind") != "CustomResourceDefinition" or crd["spec"]["group"] != GROUP:
        raise SystemExit(f"{path}: not a {GROUP} CustomResourceDefinition")
    return dict(crd)


def generate(crd_dir: Path) -> dict[str, str]:
    """Relative output path -> file content, for every file this script owns.

    Versions whose strict schemas and defaults are identical (ServingRuntime and
    ClusterServingRuntime share their spec) share one schema and one defaults tree.
    """
    schemas: dict[str, Schema] = {}  # module -> schema
    trees: dict[str, Schema] = {}  # module -> defaults tree
    by_text: dict[str, str] = {}  # canonical schema and defaults tree -> module
    kinds: dict[str, Any] = {}
    for plural in CRD_PLURALS:
        crd_file = f"{GROUP}_{plural}.yaml"
        crd_path = crd_dir / crd_file
        if not crd_path.exists():  # the LLMInferenceService CRDs sit in ../llmisvc/crd
            crd_path = crd_dir.parent / "llmisvc" / "crd" / crd_file
        crd = load_crd(crd_path)
        kind = crd["spec"]["names"]["kind"]
        modules: dict[str, str] = {}
        for version in crd["spec"]["versions"]:
            if not version.get("served"):
                continue
            name = version["name"]
            openapi = version["schema"]["openAPIV3Schema"]
            schema = hoist(convert_root(openapi, kind))
            tree = hoist(defaults_tree(openapi, kind))
            text = canonical(schema) + "\n" + canonical(tree)
            module = by_text.setdefault(text, module_name(kind, name))
            schemas.setdefault(module, schema)
            trees.setdefault(module, tree)
            modules[name] = module
        kinds[kind] = {"scope": crd["spec"]["scope"], "versions": modules}
    files: dict[str, str] = {}
    for module, schema in schemas.items():
        draft7 = {"$schema": "http://json-schema.org/draft-07/schema#", **schema}
        files[f"data/{module}.json"] = json.dumps(draft7, indent=1, ensure_ascii=False) + "\n"
        files[f"data/{module}_defaults.json"] = defaults_json(trees[module])
    data = {"group": GROUP, "kserve": KSERVE_VERSION, "kinds": dict(sorted(kinds.items()))}
    files["data/served.json"] = json.dumps(data, indent=2) + "\n"
    return files


def defaults_json(tree: Schema) -> str:
    """A defaults tree as JSON, keys sorted and indented by one space a level (diffable)."""
    return json.dumps(tree, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write(files: dict[str, str], out: Path) -> None:
    """Write `files` under `out`; delete the schemas and defaults trees no CRD produces."""
    for stale in sorted((out / "data").glob("*.json")):
        relative = stale.relative_to(out).as_posix()
        if relative not in files:
            stale.unlink()
    for relative, content in sorted(files.items()):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("crd_dir", nargs="?", type=Path, default=DEFAULT_CRD_DIR)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the generator/schema dir")
    args = parser.parse_args(argv)
    if not args.crd_dir.is_dir():
        print(f"gen_schemas.py: no CRD directory at {args.crd_dir}", file=sys.stderr)
        return 2
    files = generate(args.crd_dir)
    write(files, args.out)
    for relative, content in sorted(files.items()):
        print(f"{args.out / relative}: {len(content.encode('utf-8'))} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
