"""Templates that lay out objects and cannot inject: the one Jinja2 environment and its serialiser.

Every `{{ value }}` passes through `yaml_value`, which writes it as JSON (valid YAML 1.1 and 1.2)
so no user string can add a key, a document or a line. The environment is sandboxed (users may
bring templates with `--templates`), has no filters or globals, and fails on undefined names.
`render_object` parses the text back and checks the result is exactly the object asked for.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from generator.data import copy_data
from generator.errors import InternalError, Problem, Source

try:
    from yaml import CSafeLoader as _Loader
except ImportError:  # pragma: no cover
    from yaml import SafeLoader as _Loader  # type: ignore[assignment]

TEMPLATE_SUFFIX = ".yaml.j2"
_SURROGATE_PAIR = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


class TemplateError(Exception):
    """A template (shipped or user-supplied) is missing, broken or produced a wrong object."""

    def __init__(self, template: str, message: str) -> None:
        self.template = template
        super().__init__(f"template {template}: {message}")


def _astral(match: re.Match[str]) -> str:
    high, low = int(match.group(1), 16), int(match.group(2), 16)
    code = 0x10000 + ((high - 0xD800) << 10) + (low - 0xDC00)
    return f"\\U{code:08X}"


def yaml_value(value: Any) -> str:
    """Serialise one template value as a JSON flow value that YAML reads back identically."""
    if isinstance(value, jinja2.Undefined):
        str(value)  # StrictUndefined raises its own UndefinedError / SecurityError here
        raise InternalError("undefined value reached the serialiser")
    text = json.dumps(value, ensure_ascii=True, allow_nan=False, sort_keys=True)
    # libyaml rejects JSON's surrogate-pair escapes; YAML spells astral characters \UXXXXXXXX.
    return _SURROGATE_PAIR.sub(_astral, text) if "\\u" in text else text


def _loader(template_dir: Path | None) -> jinja2.BaseLoader:
    shipped = jinja2.FunctionLoader(_shipped_source)
    if template_dir is None:
        return shipped
    return jinja2.ChoiceLoader([jinja2.FileSystemLoader(str(template_dir)), shipped])


def _shipped_source(name: str) -> str | None:
    try:
        return _shipped_templates().joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        return None


def _shipped_templates() -> Traversable:
    """The installed `generator.templates`, or `templates/` beside the package in a source tree
    (the wheel maps the repo's top-level templates/ to generator.templates)."""
    try:
        return resources.files("generator.templates")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "templates"


def make_environment(template_dir: Path | None = None) -> jinja2.Environment:
    """The sandboxed environment: finalize=yaml_value, StrictUndefined, no filters or globals."""
    env = ImmutableSandboxedEnvironment(
        loader=_loader(template_dir),
        undefined=jinja2.StrictUndefined,
        finalize=yaml_value,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.clear()
    env.globals.clear()
    env.tests = {"none": env.tests["none"], "defined": env.tests["defined"]}
    return env


class _Fallback(Exception):
    """A template used a value inside a larger string: render it the plain JSON way."""


class Renderer:
    """Renders named templates into checked objects.

    Fast path: `{{ value }}` prints an opaque token, the rendered text (the template's own
    layout only) is parsed once per distinct text, and tokens are replaced by the values
    themselves, so no value is ever parsed as YAML at all. A template that splices a value
    into a larger string falls back to serialising values as JSON text (`yaml_value`).
    """

    def __init__(self, template_dir: Path | None = None) -> None:
        self.template_dir = template_dir
        self.env = make_environment(template_dir)
        self._token_env = make_environment(template_dir)
        self._token_env.finalize = self._slot
        self._compiled: dict[tuple[str, bool], jinja2.Template] = {}
        self._slots: list[Any] = []
        self._marker = f"@kgv.{secrets.token_hex(6)}."
        self._token = re.compile(re.escape(self._marker) + r"(\d+)@")
        self._parsed: dict[str, Any] = {}

    def user_template(self, name: str) -> Path | None:
        """The --templates file that overrides `name`, if there is one."""
        if self.template_dir is None:
            return None
        path = self.template_dir / name
        return path if path.is_file() else None

    def template(self, name: str, tokens: bool = False) -> jinja2.Template:
        compiled = self._compiled.get((name, tokens))
        if compiled is None:
            env = self._token_env if tokens else self.env
            try:
                compiled = env.get_template(name)
            except jinja2.TemplateNotFound as err:
                raise TemplateError(name, "not found") from err
            except jinja2.TemplateSyntaxError as err:
                raise TemplateError(name, f"line {err.lineno}: {err.message}") from err
            self._compiled[(name, tokens)] = compiled
        return compiled

    def _slot(self, value: Any) -> str:
        if isinstance(value, jinja2.Undefined):
            str(value)  # StrictUndefined raises its own UndefinedError / SecurityError here
            raise InternalError("undefined value reached the serialiser")
        self._slots.append(value)
        return f'"{self._marker}{len(self._slots) - 1}@"'

    def render_object(
        self,
        template: str,
        values: Mapping[str, Any],
        kind: str,
        name: str,
        namespace: str | None,
    ) -> dict[str, Any]:
        """Render `template` with `values`; require exactly one `kind` object named as asked."""
        try:
            obj = self._render_tokens(template, values)
        except _Fallback:
            obj = None
        if obj is None:
            try:
                text = self.template(template).render(values)
            except jinja2.TemplateError as err:
                raise TemplateError(template, str(err)) from err
            return check_rendered(template, text, kind, name, namespace)
        return check_object(template, obj, kind, name, namespace)

    def _render_tokens(self, template: str, values: Mapping[str, Any]) -> Any:
        compiled = self.template(template, tokens=True)
        self._slots = []
        try:
            text = compiled.render(values)
        except jinja2.TemplateError as err:
            raise TemplateError(template, str(err)) from err
        skeleton = self._parsed.get(text)
        if skeleton is None:
            try:
                docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
            except yaml.YAMLError as err:
                raise _Fallback from err
            if len(docs) != 1:
                return docs  # check_object reports the count
            skeleton = docs[0]
            if len(self._parsed) < 4096:
                self._parsed[text] = skeleton
        slots, self._slots = self._slots, []
        return self._fill(skeleton, slots)

    def _fill(self, node: Any, slots: list[Any]) -> Any:
        if isinstance(node, str):
            if self._marker not in node:
                return node
            match = self._token.fullmatch(node)
            if match is None:
                raise _Fallback
            return copy_data(slots[int(match.group(1))])
        if isinstance(node, dict):
            out = {}
            for key, value in node.items():
                key = self._fill(key, slots)
                if not isinstance(key, str | int | float | bool) and key is not None:
                    raise _Fallback
                out[key] = self._fill(value, slots)
            return out
        if isinstance(node, list):
            return [self._fill(item, slots) for item in node]
        return node


def template_problem(err: TemplateError, renderer: Renderer) -> Problem:
    """A broken --templates file is the user's problem; a broken shipped template is our bug."""
    user_file = renderer.user_template(err.template)
    if user_file is None:
        raise InternalError(str(err)) from err
    return Problem(Source(user_file.as_posix()), None, "", str(err))


def check_object(
    name: str, obj: Any, kind: str, obj_name: str, namespace: str | None
) -> dict[str, Any]:
    """Check a rendered object is one mapping of the intended kind, name and namespace."""
    if isinstance(obj, list):
        raise TemplateError(name, f"must render exactly one object, rendered {len(obj)}")
    if not isinstance(obj, dict):
        raise TemplateError(name, "must render exactly one object, rendered 0")
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    got = (obj.get("kind"), meta.get("name"), meta.get("namespace"))
    if got != (kind, obj_name, namespace):
        raise TemplateError(
            name,
            f"rendered {got[0]} {got[2]}/{got[1]}, expected {kind} {namespace}/{obj_name}",
        )
    return obj


def check_rendered(
    name: str, text: str, kind: str, obj_name: str, namespace: str | None
) -> dict[str, Any]:
    """Parse rendered text and check it is one object of the intended kind, name and namespace."""
    try:
        docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as err:
        raise TemplateError(name, f"rendered invalid YAML: {err}") from err
    return check_object(name, docs[0] if len(docs) == 1 else docs, kind, obj_name, namespace)
