"""Templates that lay out objects and cannot inject: the one Jinja2 environment and its serialiser.

Every `{{ value }}` passes through `yaml_value`, which writes it as JSON (valid YAML 1.1 and 1.2)
so no user string can add a key, a document or a line. The environment is sandboxed (users may
bring templates with `--templates`), has no filters or globals, and fails on undefined names.
`render_object` parses the text back and checks the result is exactly the object asked for.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2.sandbox import ImmutableSandboxedEnvironment

from generator.errors import InternalError

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
        return resources.files("generator.templates").joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError):
        return None


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


class Renderer:
    """Renders named templates into checked objects; compiled templates are cached."""

    def __init__(self, template_dir: Path | None = None) -> None:
        self.template_dir = template_dir
        self.env = make_environment(template_dir)
        self._compiled: dict[str, jinja2.Template] = {}

    def user_template(self, name: str) -> Path | None:
        """The --templates file that overrides `name`, if there is one."""
        if self.template_dir is None:
            return None
        path = self.template_dir / name
        return path if path.is_file() else None

    def template(self, name: str) -> jinja2.Template:
        compiled = self._compiled.get(name)
        if compiled is None:
            try:
                compiled = self.env.get_template(name)
            except jinja2.TemplateNotFound as err:
                raise TemplateError(name, "not found") from err
            except jinja2.TemplateSyntaxError as err:
                raise TemplateError(name, f"line {err.lineno}: {err.message}") from err
            self._compiled[name] = compiled
        return compiled

    def render_object(
        self,
        template: str,
        values: Mapping[str, Any],
        kind: str,
        name: str,
        namespace: str | None,
    ) -> dict[str, Any]:
        """Render `template` with `values`; require exactly one `kind` object named as asked."""
        compiled = self.template(template)
        try:
            text = compiled.render(values)
        except jinja2.TemplateError as err:
            raise TemplateError(template, str(err)) from err
        return check_rendered(template, text, kind, name, namespace)


def check_rendered(
    name: str, text: str, kind: str, obj_name: str, namespace: str | None
) -> dict[str, Any]:
    """Parse rendered text and check it is one object of the intended kind, name and namespace."""
    try:
        docs = [d for d in yaml.load_all(text, Loader=_Loader) if d is not None]
    except yaml.YAMLError as err:
        raise TemplateError(name, f"rendered invalid YAML: {err}") from err
    if len(docs) != 1 or not isinstance(docs[0], dict):
        raise TemplateError(name, f"must render exactly one object, rendered {len(docs)}")
    obj: dict[str, Any] = docs[0]
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    got = (obj.get("kind"), meta.get("name"), meta.get("namespace"))
    if got != (kind, obj_name, namespace):
        raise TemplateError(
            name,
            f"rendered {got[0]} {got[2]}/{got[1]}, expected {kind} {namespace}/{obj_name}",
        )
    return obj
