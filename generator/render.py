"""Templates that lay out objects and cannot inject: the one Jinja2 environment and its serialiser.

Every `{{ value }}` passes through `yaml_value`, which writes it as JSON (valid YAML 1.1 and 1.2)
so no user string can add a key, a document or a line. The environment is sandboxed (users may
bring templates with `--templates`), has no filters or globals, and fails on undefined names.
`render_object` parses the text back and checks the result is exactly the object asked for.
"""

from __future__ import annotations

import json
import operator
import re
import secrets
import stat
from collections.abc import Iterable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

import jinja2
import yaml
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame
from jinja2.exceptions import SecurityError
from jinja2.sandbox import ImmutableSandboxedEnvironment

from generator.errors import InternalError, Problem, Source
from generator.goruntime import yamlv2
from generator.load import InputLoader as _Loader  # duplicate keys refused, as in the input
from generator.load import yaml_error

TEMPLATE_SUFFIX = ".yaml.j2"
# A template is named by a plain file name: no folder, no `..`, no absolute path.
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True, slots=True)
class RenderLimits:
    """Bounds on one template render (SECURITY.md lists them with their flags)."""

    output_chars: int = 4 * 1024 * 1024
    steps: int = 1_000_000  # sandboxed calls, attribute and item lookups, output chunks


DEFAULT_RENDER_LIMITS = RenderLimits()
RENDER_LIMITS: ContextVar[RenderLimits] = ContextVar("RENDER_LIMITS", default=DEFAULT_RENDER_LIMITS)
_SURROGATE_PAIR = re.compile(r"\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})", re.IGNORECASE)


class TemplateError(Exception):
    """A template (shipped or user-supplied) is missing, broken or produced a wrong object."""

    def __init__(self, template: str, message: str) -> None:
        self.template = template
        super().__init__(f"template {template}: {message}")


class TemplateLimitError(TemplateError):
    """A render broke a RenderLimits bound: the input's doing even in a shipped template."""


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
    if len(text) > _MAX_IMPLICIT_KEY and _has_long_key(value):
        text = _flow(value)
    # libyaml rejects JSON's surrogate-pair escapes; YAML spells astral characters \UXXXXXXXX.
    return _SURROGATE_PAIR.sub(_astral, text) if "\\u" in text else text


# YAML reads an implicit mapping key of at most 1024 characters; a longer one needs `? `.
_MAX_IMPLICIT_KEY = 1000


def _has_long_key(value: Any) -> bool:
    if isinstance(value, dict):
        return any(
            len(_json_key(k)) > _MAX_IMPLICIT_KEY or _has_long_key(v) for k, v in value.items()
        )
    return isinstance(value, list) and any(_has_long_key(v) for v in value)


def _json_key(key: Any) -> str:
    """A mapping key as json.dumps writes it (non-string keys become strings first)."""
    if isinstance(key, bool) or key is None:
        return json.dumps(json.dumps(key))
    return json.dumps(key if isinstance(key, str) else json.dumps(key), ensure_ascii=True)


def _flow(value: Any) -> str:
    """JSON text, but every key too long to be implicit is written as an explicit `? ` key."""
    if isinstance(value, dict):
        items = []
        for key, item in sorted(value.items()):
            text = _json_key(key)
            items.append(("? " if len(text) > _MAX_IMPLICIT_KEY else "") + f"{text}: {_flow(item)}")
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(item) for item in value) + "]"
    return json.dumps(value, ensure_ascii=True, allow_nan=False)


def _loader(template_dir: Path | None) -> jinja2.BaseLoader:
    """One loader for every lookup (get_template, include, import, extends): a plain file name,
    found as a regular file directly in `template_dir` or else in the shipped set."""
    return jinja2.FunctionLoader(lambda name: _template_source(template_dir, name))


def _template_source(template_dir: Path | None, name: str) -> str | None:
    if not _PLAIN_NAME.fullmatch(name) or ".." in name:
        return None
    if template_dir is not None:
        text = _user_source(template_dir / name)
        if text is not None:
            return text
    return _shipped_source(name)


def _user_source(path: Path) -> str | None:
    try:
        if not stat.S_ISREG(path.stat().st_mode):
            return None
        if path.resolve().parent != path.parent.resolve():
            return None  # a symlink out of the template folder
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _shipped_source(name: str) -> str | None:
    if not _PLAIN_NAME.fullmatch(name) or ".." in name:
        return None
    try:
        return _shipped_templates().joinpath(name).read_text(encoding="utf-8")
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _shipped_templates() -> Traversable:
    """The installed `generator.templates`, or `templates/` beside the package in a source tree
    (the wheel maps the repo's top-level templates/ to generator.templates)."""
    try:
        return resources.files("generator.templates")
    except ModuleNotFoundError:
        return Path(__file__).resolve().parents[1] / "templates"


class _StepLimitExceeded(Exception):
    pass


class _OutputLimitExceeded(Exception):
    pass


class _CountingCodeGenerator(CodeGenerator):
    """Compiles every `{% for %}` to iterate through `environment.bounded_iter`, so that each
    iteration is a render step (nested loops over long strings would otherwise run for hours)."""

    def visit_For(self, node: nodes.For, frame: Frame) -> None:
        wrapped = nodes.Call(
            nodes.EnvironmentAttribute("bounded_iter"), [node.iter], [], None, None
        )
        counted = nodes.For(node.target, wrapped, node.body, node.else_, node.test, node.recursive)
        counted.set_lineno(node.lineno)
        super().visit_For(counted, frame)


class _BoundedSandbox(ImmutableSandboxedEnvironment):
    """The sandbox with a step budget and no way to build huge values in one operator."""

    code_generator_class = _CountingCodeGenerator
    intercepted_binops = frozenset(("*", "**"))
    steps_left = 0

    def bounded_iter(self, iterable: Iterable[Any]) -> Iterator[Any]:
        for item in iterable:
            self._step()
            yield item

    def _step(self) -> None:
        self.steps_left -= 1
        if self.steps_left < 0:
            raise _StepLimitExceeded

    def call_binop(self, context: Any, operator_: str, left: Any, right: Any) -> Any:
        self._step()
        limit = RENDER_LIMITS.get().output_chars
        if operator_ == "**":
            if isinstance(right, int) and abs(right) > 64:
                raise SecurityError("exponent too large")
            return operator.pow(left, right)
        for seq, times in ((left, right), (right, left)):
            if isinstance(seq, str | list | tuple) and isinstance(times, int):
                if len(seq) * times > limit:
                    raise SecurityError("repeated value too large")
        return operator.mul(left, right)

    def call(__self, __context: Any, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        __self._step()
        limit = RENDER_LIMITS.get().output_chars
        sizes = [a for a in (*args, *kwargs.values()) if isinstance(a, int) and abs(a) > limit]
        if sizes:  # "x".ljust(10**9) would allocate first
            raise SecurityError("a size argument larger than the output limit")
        result = super().call(__context, __obj, *args, **kwargs)
        if isinstance(result, str | list) and len(result) > limit:
            raise SecurityError("a value larger than the output limit")
        return result

    def getattr(self, obj: Any, attribute: str) -> Any:
        self._step()
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        self._step()
        return super().getitem(obj, argument)


def _bounded_text(env: jinja2.Environment, chunks: Iterable[str]) -> str:
    """Join a render's output under the output-size and step limits."""
    limits = RENDER_LIMITS.get()
    assert isinstance(env, _BoundedSandbox)
    env.steps_left = limits.steps
    out: list[str] = []
    size = 0
    for chunk in chunks:
        env._step()
        size += len(chunk)
        if size > limits.output_chars:
            raise _OutputLimitExceeded(f"output larger than {limits.output_chars} characters")
        out.append(chunk)
    return "".join(out)


def _render(env: jinja2.Environment, compiled: jinja2.Template, values: Mapping[str, Any]) -> str:
    """Render `compiled` bounded; any failure inside a template is that template's error."""
    try:
        return _bounded_text(env, compiled.generate(values))
    except _StepLimitExceeded as err:
        limit = RENDER_LIMITS.get().steps
        raise TemplateLimitError(compiled.name or "?", f"more than {limit} render steps") from err
    except _OutputLimitExceeded as err:
        raise TemplateLimitError(compiled.name or "?", str(err)) from err
    except InternalError:
        raise
    except RecursionError as err:
        raise TemplateError(compiled.name or "?", "recursion too deep") from err
    except Exception as err:  # a user template can raise anything
        raise TemplateError(compiled.name or "?", f"{type(err).__name__}: {err}") from err


def make_environment(template_dir: Path | None = None) -> jinja2.Environment:
    """The sandboxed environment: finalize=yaml_value, StrictUndefined, no filters or globals."""
    env = _BoundedSandbox(
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
        return path if _PLAIN_NAME.fullmatch(name) and path.is_file() else None

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
            except RecursionError as err:
                raise TemplateError(name, "nested too deeply to compile") from err
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
            text = _render(self.env, self.template(template), values)
            return check_rendered(template, text, kind, name, namespace)
        return check_object(template, obj, kind, name, namespace)

    def _render_tokens(self, template: str, values: Mapping[str, Any]) -> Any:
        compiled = self.template(template, tokens=True)
        self._slots = []
        text = _render(self._token_env, compiled, values)
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
            # as the text path reads the value's JSON: numbers as a Go reader gets them
            return yamlv2.json_numbers(slots[int(match.group(1))])
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
    if user_file is None and isinstance(err, TemplateLimitError):
        return Problem(Source(f"(shipped) {err.template}"), None, "", str(err))
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
        line, what = yaml_error(err)
        raise TemplateError(name, f"rendered invalid YAML (line {line}): {what}") from err
    return check_object(name, docs[0] if len(docs) == 1 else docs, kind, obj_name, namespace)
