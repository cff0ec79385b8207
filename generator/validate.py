"""`kserve-gitops validate`: check the input set, and optionally every rendered object's schema.

Without `--crds` it runs the whole pipeline (schemas, defaulting and validating webhooks,
runtime selection, reconcile) and prints nothing on success: the same checks `render` makes.
With `--crds DIR` every rendered object is also checked the way the API server would check it:
custom resources against the `openAPIV3Schema` of the served version of their CRD (unknown
fields rejected unless the schema preserves them; CEL rules, formats and list-type uniqueness
are not evaluated), built-in kinds with the `kubernetes-validate` package in strict mode (its
first error per object). Problems are printed one per line on stderr, as for every command:
`SOURCE:LINE: KIND NS/NAME: PATH: MESSAGE`, exit 2.
"""

from __future__ import annotations

import functools
import importlib
import os
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

import click

from generator import load, namespace_policy, pipeline
from generator.errors import ObjectRef, Problem, ProblemsFound, Source, field_path
from generator.goruntime.regexp import PatternError, compile_go, match_string
from generator.output import Rendered
from generator.schema.convert import to_json_schema

CONTEXT = {"help_option_names": ["-h", "--help"], "max_content_width": 100}
DEFAULT_KUBERNETES_VERSION = "1.34"  # KServe v0.20.0 builds against k8s.io/api v0.34


def _import(name: str) -> Any:
    """A schema library, imported only when --crds asks for schema checks."""
    try:
        return importlib.import_module(name)
    except ImportError as err:
        raise click.UsageError(
            f"validate --crds needs the jsonschema and kubernetes-validate packages ({err}); "
            "install them with: pip install 'kserve-gitops[validate]'"
        ) from err


def crd_root_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """The schema of a whole custom resource; metadata is checked as ObjectMeta separately."""
    out = to_json_schema({**schema, "type": "object"})
    props = out.setdefault("properties", {})
    props.update({"apiVersion": {"type": "string"}, "kind": {"type": "string"}, "metadata": {}})
    return out


class InvalidCrdSchema(Exception):
    """A CRD whose schema cannot check anything: its message says why."""


class Schemas:
    """The CRDs found under the --crds folders, and validators built on demand."""

    def __init__(self, kubernetes_version: str) -> None:
        self.kubernetes_version = kubernetes_version
        self.crds: dict[tuple[str, str], tuple[dict[str, Any], Source]] = {}
        self._validators: dict[tuple[str, str, str], Any] = {}
        self._jsonschema = _import("jsonschema")
        # A CRD's `pattern` is matched as the API server matches it: Go's regexp (RE2), in
        # linear time whatever the pattern and the value (Python's re can take hours).
        self._draft = self._jsonschema.validators.extend(
            self._jsonschema.Draft202012Validator,
            {"pattern": functools.partial(_go_pattern, self._jsonschema.ValidationError)},
        )
        # The meta-schema's `regex` format of a `pattern`: what Go's regexp compiles (`\\pL` is
        # one; a lookahead is not).
        self._patterns = self._jsonschema.FormatChecker(formats=())
        self._patterns.checks("regex", raises=PatternError)(_go_regex)
        self._kv = _import("kubernetes_validate")
        _check_kubernetes_version(kubernetes_version, _import("kubernetes_validate.utils"))

    def load(self, folders: Sequence[Path]) -> list[Problem]:
        """Index every CustomResourceDefinition under the folders (the first of a kind wins)."""
        problems: list[Problem] = []
        for folder in folders:
            # Found and read as input files are: no FIFO, /dev/zero or symlink out, any depth.
            paths, found = load.discover([str(folder)])
            problems += found
            for path in paths:
                data, found = load.read_bytes(path)
                problems += found
                if data is None or b"CustomResourceDefinition" not in data:
                    continue
                docs, found = load.parse_bytes(data, path.as_posix())
                problems += found
                for item in docs:
                    spec = item.doc.get("spec") or {}
                    if item.kind != "CustomResourceDefinition" or not isinstance(spec, dict):
                        continue
                    names = spec.get("names")
                    kind = names.get("kind") if isinstance(names, Mapping) else None
                    key = (str(spec.get("group", "")), str(kind))
                    self.crds.setdefault(key, (item.doc, item.source))
        return problems

    def check(self, item: Rendered, ignore_missing: bool) -> list[Problem]:
        """Every schema problem of one rendered object."""
        obj = item.obj
        api_version, kind = str(obj.get("apiVersion", "")), item.kind
        group, _, version = api_version.rpartition("/")
        ref = ObjectRef(kind, item.namespace, item.name)

        def problem(path: Sequence[Any], message: str) -> Problem:
            return Problem(item.source, ref, field_path(*path), message)

        if (group, kind) in self.crds:
            return [problem(p, m) for p, m in self._custom(obj, group, version, kind)]
        if _is_builtin_group(group):
            found = self._builtin(obj)
            if found is not None:
                return [problem(p, m) for p, m in found]
        if ignore_missing:
            return []
        message = (
            f"no schema for {api_version} {kind}: no CRD under --crds, and not a Kubernetes "
            f"{self.kubernetes_version} built-in kind"
        )
        return [problem(["kind"], message)]

    def _builtin(self, obj: Mapping[str, Any]) -> list[tuple[list[Any], str]] | None:
        """[(path, message)] of the first error, [] when valid, None when there is no schema."""
        kv = self._kv
        try:
            kv.validate(dict(obj), self.kubernetes_version, strict=True)
        except kv.SchemaNotFoundError:
            return None
        except kv.ValidationError as err:
            return [(list(err.path), str(err.message))]
        return []

    def _custom(
        self, obj: Mapping[str, Any], group: str, version: str, kind: str
    ) -> Iterator[tuple[list[Any], str]]:
        crd, source = self.crds[(group, kind)]
        versions = (crd.get("spec") or {}).get("versions")
        served = {
            str(v.get("name")): v
            for v in (versions if isinstance(versions, list) else [])
            if isinstance(v, Mapping) and v.get("served")
        }
        if version not in served:
            name = _crd_name(crd)
            have = ", ".join(sorted(served)) or "none"
            message = f"CRD {name} ({source.path}) does not serve {version}; it serves {have}"
            yield ["apiVersion"], message
            return
        try:
            validator = self._validator(group, version, kind, served[version])
        except InvalidCrdSchema as err:
            name = _crd_name(crd)
            yield ["apiVersion"], f"CRD {name} ({source.path}), version {version}: {err}"
            return
        for error in validator.iter_errors(dict(obj)):
            yield from _explain(error)
        meta = obj.get("metadata")
        shell = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}  # ObjectMeta, strictly
        yield from self._builtin(shell) or []

    def _validator(self, group: str, version: str, kind: str, served: Mapping[str, Any]) -> Any:
        """The validator of one served version; InvalidCrdSchema for a schema the API server
        would refuse the CRD for (a keyword of the wrong type, a pattern that is no regex)."""
        key = (group, version, kind)
        if key not in self._validators:
            self._validators[key] = self._build(served)
        found = self._validators[key]
        if isinstance(found, InvalidCrdSchema):
            raise found
        return found

    def _build(self, served: Mapping[str, Any]) -> Any:
        holder = served.get("schema") or {}
        schema = (holder.get("openAPIV3Schema") if isinstance(holder, Mapping) else holder) or {}
        try:
            if not isinstance(schema, Mapping):
                raise TypeError("not a mapping")
            root = crd_root_schema(schema)
        except (TypeError, AttributeError, ValueError, RecursionError) as err:
            return InvalidCrdSchema(f"openAPIV3Schema cannot be read as a schema ({err})")
        try:
            self._draft.check_schema(root, format_checker=self._patterns)
        except self._jsonschema.SchemaError as err:
            where = field_path(*err.absolute_path) or "openAPIV3Schema"
            why = f"{err.message} ({err.cause})" if err.cause else err.message
            return InvalidCrdSchema(f"not a valid schema at {where}: {why}")
        return self._draft(root)


def _crd_name(crd: Mapping[str, Any]) -> object:
    meta = crd.get("metadata")
    return meta.get("name") if isinstance(meta, Mapping) else None


def _go_regex(instance: object) -> bool:
    """The `regex` format: a string Go's regexp compiles (another type is the `type` rule's)."""
    return not isinstance(instance, str) or compile_go(instance) is not None


def _go_pattern(
    error: Any, validator: Any, pattern: str, instance: Any, schema: Any
) -> Iterator[Any]:
    """jsonschema's `pattern` keyword with Go's regexp.MatchString (the schema check made
    sure `pattern` compiles there); `error` is jsonschema's ValidationError."""
    if not validator.is_type(instance, "string"):
        return
    try:
        found = match_string(pattern, instance)
    except PatternError as err:
        yield error(f"cannot match {pattern!r}: {err}")
        return
    if not found:
        yield error(f"{instance!r} does not match {pattern!r}")


def _check_kubernetes_version(version: str, utils: Any) -> None:
    """Refuse a version kubernetes-validate has no schemas for (it would fail per object)."""
    match = re.fullmatch(r"v?(\d+)\.(\d+)(\.\d+)?", version)
    known = sorted(tuple(int(n) for n in str(v).split(".")[:2]) for v in utils.all_versions())
    span = f"{known[0][0]}.{known[0][1]} to {known[-1][0]}.{known[-1][1]}"
    if match is None or not known[0] <= (int(match[1]), int(match[2])) <= known[-1]:
        raise click.UsageError(
            f"--kubernetes-version {version}: kubernetes-validate has schemas for Kubernetes {span}"
        )


def _is_builtin_group(group: str) -> bool:
    """Core, `apps`-style and `*.k8s.io` groups: the ones kubernetes-validate may know."""
    return "." not in group or group.endswith(".k8s.io")


def _explain(error: Any) -> Iterator[tuple[list[Any], str]]:
    """One (path, message) per unknown field, else the error's own message."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and error.validator_value is False:
        known = set((error.schema.get("properties") or {}).keys())
        patterns = [re.compile(p) for p in error.schema.get("patternProperties") or {}]
        for key in error.instance:
            if key not in known and not any(p.search(key) for p in patterns):
                yield [*path, key], f'unknown field "{key}"'
        return
    yield path, str(error.message)


@click.command(context_settings=CONTEXT)
@click.argument("paths", nargs=-1, required=True, type=click.Path())
@click.option(
    "-n",
    "--namespace",
    help="Namespace for objects without metadata.namespace [default: $ARGOCD_APP_NAMESPACE].",
)
@click.option(
    "--config",
    "config_files",
    multiple=True,
    type=click.Path(dir_okay=False),
    help="An inferenceservice-config ConfigMap (or a `key: JSON` mapping). Repeatable.",
)
@click.option("--overlay", help="An environment overlay: NAME for overlays/NAME/, or a path.")
@click.option(
    "--crds",
    "crd_dirs",
    multiple=True,
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    help="A folder searched recursively for CustomResourceDefinitions; enables schema checks "
    "of every rendered object (needs kubernetes-validate). Repeatable.",
)
@click.option(
    "--ignore-missing-schemas",
    is_flag=True,
    help="With --crds: accept kinds that have neither a CRD nor a built-in schema.",
)
@click.option(
    "--kubernetes-version",
    default=DEFAULT_KUBERNETES_VERSION,
    show_default=True,
    help="Kubernetes version of the built-in kinds' schemas.",
)
@click.option(
    "--allowed-namespaces",
    multiple=True,
    metavar="NS[,NS…]",
    help="Refuse any input or output object in another namespace (as for render).",
)
@click.option(
    "--allow-cluster-scoped",
    is_flag=True,
    help="Accept cluster-scoped objects to emit (Namespace, ClusterRole, CRDs, …).",
)
@click.option(
    "--debug",
    is_flag=True,
    help="Show the Python traceback of internal errors. Same as kserve-gitops --debug.",
)
def validate(
    paths: Sequence[str],
    namespace: str | None,
    config_files: Sequence[str],
    overlay: str | None,
    crd_dirs: Sequence[Path],
    ignore_missing_schemas: bool,
    kubernetes_version: str,
    allowed_namespaces: Sequence[str],
    allow_cluster_scoped: bool,
    debug: bool,
) -> None:
    """Check the InferenceServices under PATHS; with --crds, also every rendered object's schema.

    Prints nothing on stdout. Problems go to stderr, one per line, and exit 2.

    \b
    Examples:
      kserve-gitops validate apps/
      kserve-gitops validate apps/ --overlay prod --crds crds/ --crds kserve/config/crd/
    """
    request = pipeline.Request(
        paths=tuple(paths),
        namespace=namespace or os.environ.get("ARGOCD_APP_NAMESPACE") or None,
        config_files=tuple(config_files),
        overlay=overlay,
        allowed_namespaces=_allowed(allowed_namespaces),
        allow_cluster_scoped=allow_cluster_scoped,
    )
    schemas = Schemas(kubernetes_version) if crd_dirs else None  # fail fast without the package
    result = pipeline.run(request)
    for warning in sorted(result.warnings):
        click.echo(str(warning), err=True)
    if schemas is not None:
        problems = schemas.load(crd_dirs)
        for item in result.objects:
            problems += schemas.check(item, ignore_missing_schemas)
        if problems:
            raise ProblemsFound(problems)
    checked = "inputs and rendered objects" if schemas is not None else "inputs"
    counts = f"{counted(len(result.admitted), 'InferenceService')}, "
    counts += counted(len(result.objects), "object")
    click.echo(f"valid: {checked} ({counts})", err=True)


def _allowed(values: Sequence[str]) -> frozenset[str] | None:
    allowed, problem = namespace_policy.parse_allowed(values)
    if problem is not None:
        raise click.BadParameter(problem, param_hint="--allowed-namespaces")
    return allowed


def counted(n: int, noun: str) -> str:
    """`1 InferenceService`, `2 InferenceServices`."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


__all__ = ["Schemas", "counted", "crd_root_schema", "validate"]
