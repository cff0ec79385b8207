"""An oracle for rendered manifests that shares no code with the generator (tests only).

Every document of a multi-document YAML stream is checked the way an API server would take it:
- shape: a mapping with string `apiVersion` and `kind`, a `metadata` mapping with a name (or
  generateName), no repeated mapping key anywhere, no two objects with one identity;
- names: `metadata.name` by the rule of its kind (DNS-1123 subdomain unless listed in
  NAME_RULES), `metadata.namespace` a DNS-1123 label and absent on cluster-scoped kinds, label
  keys and values and annotation keys as `k8s.io/apimachinery/pkg/util/validation` has them;
- built-in kinds: the Kubernetes 1.34 JSON schemas of `kubernetes-validate`, strict (unknown
  fields rejected);
- custom resources: the `openAPIV3Schema` of the served version of their CRD under
  tests/data/reference (unknown fields rejected unless the schema preserves them; nullable,
  int-or-string, embedded resources and `x-kubernetes-list-type` set/map uniqueness honoured;
  CEL rules and formats are not evaluated), their metadata against the strict ObjectMeta.

Problems come back as `SOURCE:LINE: KIND NS/NAME: PATH: MESSAGE` (LINE is the document's
first line). As a script: `python tests/checker.py [--per-file] FILE|- ...`, exit 0 when
clean, 1 with problems, 2 on a usage error.
"""

from __future__ import annotations

import argparse
import functools
import re
import sys
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import yaml

DATA = Path(__file__).resolve().parent / "data" / "reference"
CRD_DIRS = (DATA / "crds", DATA / "kserve" / "crd", DATA / "kserve" / "llmisvc" / "crd")
KUBERNETES_VERSION = "1.34"  # KServe v0.20.0 builds against k8s.io/api v0.34

_LABEL = r"[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_LABEL = re.compile(_LABEL)
DNS1123_SUBDOMAIN = re.compile(rf"{_LABEL}(\.{_LABEL})*")
DNS1035_LABEL = re.compile(r"[a-z]([-a-z0-9]*[a-z0-9])?")
QUALIFIED_PART = re.compile(r"([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]")
LABEL_VALUE = re.compile(r"(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?")

# (group, kind) -> (pattern, length limit, what it is); every other kind: a DNS-1123 subdomain.
SUBDOMAIN = (DNS1123_SUBDOMAIN, 253, "a DNS-1123 subdomain")
NAME_RULES = {
    ("", "Service"): (DNS1035_LABEL, 63, "a DNS-1035 label"),  # ValidateServiceName
    ("", "Namespace"): (DNS1123_LABEL, 63, "a DNS-1123 label"),
    # knative.dev/serving ValidateObjectMetadata: DNS-1035 labels for the routable kinds
    ("serving.knative.dev", "Service"): (DNS1035_LABEL, 63, "a DNS-1035 label"),
    ("serving.knative.dev", "Revision"): (DNS1035_LABEL, 63, "a DNS-1035 label"),
    # KServe's webhooks: IsvcNameFmt / GraphNameFmt under the API server's subdomain limit
    ("serving.kserve.io", "InferenceService"): (DNS1035_LABEL, 253, "a KServe name"),
    ("serving.kserve.io", "InferenceGraph"): (DNS1035_LABEL, 253, "a KServe name"),
}
CLUSTER_SCOPED = {
    ("", "Namespace"),
    ("", "PersistentVolume"),
    ("rbac.authorization.k8s.io", "ClusterRole"),
    ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
    ("apiextensions.k8s.io", "CustomResourceDefinition"),
    ("storage.k8s.io", "StorageClass"),
    ("scheduling.k8s.io", "PriorityClass"),
    ("networking.k8s.io", "IngressClass"),
    ("node.k8s.io", "RuntimeClass"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
}


class _Loader(yaml.SafeLoader):
    """SafeLoader that refuses a repeated mapping key (the API server's strict decoding)."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=True)
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key {key!r}", key_node.start_mark
            )
        seen.add(key)
    return dict(loader.construct_pairs(node, deep=True))


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)


@dataclass(frozen=True)
class Doc:
    source: str
    line: int
    data: Any


def documents(text: str, source: str) -> tuple[list[Doc], list[str]]:
    """The non-empty documents of a stream with their first line, or why it does not parse."""
    out: list[Doc] = []
    try:
        for node in yaml.compose_all(text, Loader=_Loader):
            if node is None:
                continue
            loader = _Loader("")
            data = loader.construct_document(node)
            if data is not None:
                out.append(Doc(source, node.start_mark.line + 1, data))
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark is not None else 1
        return out, [f"{source}:{line}: invalid YAML: {err}"]
    return out, []


def _group(api_version: str) -> tuple[str, str]:
    group, _, version = api_version.rpartition("/")
    return group, version


# --- CRD schemas --------------------------------------------------------------------------


def _json_schema(node: Mapping[str, Any], strict: bool = True) -> dict[str, Any]:
    """An OpenAPI v3 structural schema node in JSON Schema terms, closed unless preserved."""
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key in ("properties", "patternProperties"):
            out[key] = {name: _json_schema(sub) for name, sub in value.items()}
        elif key in ("items", "additionalProperties") and isinstance(value, Mapping):
            out[key] = _json_schema(value)
        elif key in ("allOf", "anyOf", "oneOf"):
            out[key] = [_json_schema(sub, strict=False) for sub in value]
        elif key == "not":
            out[key] = _json_schema(value, strict=False)
        elif key in ("exclusiveMinimum", "exclusiveMaximum"):
            continue  # OpenAPI 3.0 booleans; the bounds stay inclusive (looser, never wrong)
        elif not key.startswith("x-") and key not in ("description", "default", "format"):
            out[key] = value
    if node.get("x-kubernetes-int-or-string") and "anyOf" not in out:
        out["type"] = ["integer", "string"]
    if node.get("nullable") and "type" in out:
        types = out["type"] if isinstance(out["type"], list) else [out["type"]]
        out["type"] = [*types, "null"]
    out.pop("nullable", None)
    if node.get("x-kubernetes-embedded-resource"):
        props = out.setdefault("properties", {})
        props.setdefault("apiVersion", {"type": "string"})
        props.setdefault("kind", {"type": "string"})
        props.setdefault("metadata", {"type": "object"})
    closed = (node.get("type") == "object" or "properties" in node) and strict
    if closed and "additionalProperties" not in node:
        if not node.get("x-kubernetes-preserve-unknown-fields"):
            out["additionalProperties"] = False
    if node.get("x-kubernetes-list-type") in ("set", "map"):
        out["x-list"] = (node["x-kubernetes-list-type"], node.get("x-kubernetes-list-map-keys"))
    return out


def _list_type(
    validator: Any, value: tuple[str, Any], instance: Any, schema: Any
) -> Iterator[jsonschema.ValidationError]:
    """x-kubernetes-list-type: set items and map keys are unique."""
    if not isinstance(instance, list):
        return
    kind, keys = value
    seen: list[Any] = []
    for item in instance:
        key = item if kind == "set" else tuple((item or {}).get(k) for k in keys or ())
        if key in seen:
            yield jsonschema.ValidationError(f"duplicate entry {key!r} in a list of type {kind}")
        seen.append(key)


_Validator = jsonschema.validators.extend(jsonschema.Draft202012Validator, {"x-list": _list_type})


@functools.cache
def _crds() -> dict[tuple[str, str], Mapping[str, Any]]:
    """(group, kind) -> CustomResourceDefinition, from the vendored reference CRDs."""
    found: dict[tuple[str, str], Mapping[str, Any]] = {}
    for folder in CRD_DIRS:
        for path in sorted(folder.rglob("*.yaml")):
            for doc in yaml.load_all(path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader):
                if isinstance(doc, dict) and doc.get("kind") == "CustomResourceDefinition":
                    found[(doc["spec"]["group"], doc["spec"]["names"]["kind"])] = doc
    return found


@functools.cache
def _crd_validator(group: str, version: str, kind: str) -> Any:
    crd = _crds()[(group, kind)]
    for served in crd["spec"]["versions"]:
        if served["name"] == version and served.get("served", True):
            schema = _json_schema(served["schema"]["openAPIV3Schema"])
            props = schema.setdefault("properties", {})
            props["apiVersion"] = {"type": "string"}
            props["kind"] = {"type": "string"}
            props["metadata"] = {"type": "object"}  # checked as ObjectMeta on its own
            return _Validator(schema)
    raise LookupError(f"{crd['metadata']['name']} serves no version {version}")


# --- checks -------------------------------------------------------------------------------


def _path(parts: Iterable[Any]) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else f".{part}"
    return out.lstrip(".") or "<root>"


def _builtin(data: Mapping[str, Any]) -> list[tuple[str, str]]:
    try:
        kubernetes_validate.validate(dict(data), KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as err:
        return [(_path(err.path), err.message)]
    except kubernetes_validate.SchemaNotFoundError:
        return [("apiVersion", f"no schema for {data['kind']} {data['apiVersion']}")]
    return []


def _custom(data: Mapping[str, Any], group: str, version: str) -> list[tuple[str, str]]:
    kind = str(data["kind"])
    if (group, kind) not in _crds():
        return [("apiVersion", f"no CRD for {kind}.{group} under {DATA}")]
    try:
        validator = _crd_validator(group, version, kind)
    except LookupError as err:
        return [("apiVersion", str(err))]
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    shell = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": data["metadata"]}
    return [(_path(e.absolute_path), e.message) for e in errors] + _builtin(shell)


def _qualified_name(key: str) -> str | None:
    prefix, slash, name = key.rpartition("/")
    if slash and (not prefix or len(prefix) > 253 or not DNS1123_SUBDOMAIN.fullmatch(prefix)):
        return "its prefix is not a DNS-1123 subdomain"
    if not name or len(name) > 63 or not QUALIFIED_PART.fullmatch(name):
        return "its name part is not a qualified name (63 characters at most)"
    return None


def _metadata(meta: Mapping[str, Any], group: str, kind: str) -> Iterator[tuple[str, str]]:
    name = meta.get("name")
    pattern, limit, what = NAME_RULES.get((group, kind), SUBDOMAIN)
    if not isinstance(name, str) or not name:
        if not meta.get("generateName"):
            yield "metadata.name", "missing"
    elif len(name) > limit or not pattern.fullmatch(name):
        yield "metadata.name", f"{name!r} is not {what} of at most {limit} characters"
    namespace = meta.get("namespace")
    if namespace is not None:
        if not isinstance(namespace, str) or not DNS1123_LABEL.fullmatch(namespace):
            yield "metadata.namespace", f"{namespace!r} is not a DNS-1123 label"
        elif len(namespace) > 63:
            yield "metadata.namespace", "longer than 63 characters"
    for key, value in (meta.get("labels") or {}).items():
        why = _qualified_name(str(key))
        if why:
            yield f"metadata.labels[{key}]", f"label key: {why}"
        if not isinstance(value, str) or len(value) > 63 or not LABEL_VALUE.fullmatch(value):
            yield f"metadata.labels[{key}]", f"label value {value!r} is not valid"
    for key in meta.get("annotations") or {}:
        why = _qualified_name(str(key))
        if why:
            yield f"metadata.annotations[{key}]", f"annotation key: {why}"


def _scope(group: str, kind: str) -> str:
    crd = _crds().get((group, kind))
    if crd is not None:
        return str(crd["spec"].get("scope", "Namespaced"))
    return "Cluster" if (group, kind) in CLUSTER_SCOPED else "Namespaced"


@dataclass
class Checker:
    """Problems over one or more streams; identities are remembered across them."""

    problems: list[str] = field(default_factory=list)
    seen: dict[tuple[str, str, str, str], str] = field(default_factory=dict)
    count: int = 0

    def check_text(self, text: str, source: str) -> None:
        docs, errors = documents(text, source)
        self.problems += errors
        for doc in docs:
            self.count += 1
            self.problems += [f"{doc.source}:{doc.line}: {p}" for p in self._check(doc)]

    def _check(self, doc: Doc) -> Iterator[str]:
        data = doc.data
        if not isinstance(data, dict):
            yield f"document is a {type(data).__name__}, not a mapping"
            return
        api_version, kind, meta = data.get("apiVersion"), data.get("kind"), data.get("metadata")
        if not isinstance(api_version, str) or not isinstance(kind, str):
            yield "apiVersion and kind must be strings"
            return
        if not isinstance(meta, dict):
            yield f"{kind} ?: metadata: missing or not a mapping"
            return
        who = f"{kind} {meta.get('namespace', '')}/{meta.get('name', '')}".replace(" /", " ")
        group, version = _group(api_version)
        found = list(_metadata(meta, group, kind))
        if _scope(group, kind) == "Cluster" and "namespace" in meta:
            found.append(("metadata.namespace", f"{kind} is cluster-scoped"))
        identity = (group, kind, str(meta.get("namespace", "")), str(meta.get("name", "")))
        if identity in self.seen:
            found.append(("metadata.name", f"the same object as {self.seen[identity]}"))
        self.seen[identity] = f"{doc.source}:{doc.line}"
        builtin = (group, kind) not in _crds() and ("." not in group or group.endswith(".k8s.io"))
        found += _builtin(data) if builtin else _custom(data, group, version)
        for where, why in found:
            yield f"{who}: {where}: {why}"


def check_files(paths: Sequence[str], per_file: bool = False) -> tuple[int, list[str]]:
    """(documents, problems) over files (`-` is stdin); `per_file` scopes identities per file."""
    checker = Checker()
    for path in paths:
        if per_file:
            checker.seen.clear()
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
        checker.check_text(text, "<stdin>" if path == "-" else path)
    return checker.count, checker.problems


def check_text(text: str, source: str = "<text>") -> list[str]:
    checker = Checker()
    checker.check_text(text, source)
    return checker.problems


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", default=["-"])
    parser.add_argument("--per-file", action="store_true", help="duplicates only within a file")
    args = parser.parse_args(argv)
    try:
        count, problems = check_files(args.files, args.per_file)
    except OSError as err:
        print(f"checker: {err}", file=sys.stderr)
        return 2
    for line in problems:
        print(line)
    print(f"{count} documents, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
