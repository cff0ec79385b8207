"""A small, safe evaluator for the subset of Go `text/template` that KServe configs use.

KServe v0.20.0 runs Go templates in three places: `reconcilers/ingress/domain.go`
(`GenerateDomainName`, text/template over `DomainTemplateValues`), `reconcilers/ingress/path.go`
(`GenerateUrlPath`, text/template over `PathTemplateValues`) and
`controller/v1beta1/inferenceservice/utils/utils.go: ReplacePlaceholders` (html/template over the
JSON text of a container, with the InferenceService `ObjectMeta` as data). The supported subset
is `{{.Field}}`, field chains into maps (`{{.Labels.app}}`), `{{index .Labels "a/b"}}` with
string-literal or field keys, comments, and the `{{-`/`-}}` trim markers; anything else (pipelines,
variables, if/range/with, functions other than `index`) raises `GoTemplateError`.

Data model: the top-level mapping stands for a Go struct (a missing key is Go's "can't evaluate
field" error); nested mappings stand for Go maps (a missing key is Go's invalid value, printed as
`<no value>` by text/template and as "" by html/template; `index` gives the zero value ""); None
stands for a nil map. Values may be str, int, bool, None or mappings of those.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

_SPACE = " \t\r\n"
_LEFT, _RIGHT = "{{", "}}"
_KEYWORDS = frozenset(
    "block break continue define else end if nil range template with true false".split()
)
# html/template's htmlEscaper table for text nodes (html/template/html.go).
_HTML_ESCAPES = dict(
    zip("\0\"&'+<>", ("\ufffd", "&#34;", "&amp;", "&#39;", "&#43;", "&lt;", "&gt;"), strict=True)
)
_GO_ESCAPES = dict(zip('abfnrtv\\"', '\a\b\f\n\r\t\v\\"', strict=True))
_ESCAPE_RE = re.compile(r"\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{3}|.)", re.S)


class GoTemplateError(ValueError):
    """A template that does not parse, uses an unsupported construct, or fails to execute."""


class _Missing:
    """Go's invalid reflect.Value: the result of a missing map key."""


_MISSING = _Missing()


@dataclass(frozen=True, slots=True)
class _Field:
    names: tuple[str, ...]
    line: int

    def __str__(self) -> str:
        return "." + ".".join(self.names)


@dataclass(frozen=True, slots=True)
class _Index:
    target: _Field
    keys: tuple[_Field | str, ...]
    line: int


_Node = str | _Field | _Index


# Go templates come from KServe's config (domainTemplate, pathTemplate, …): a few dozen characters.
SOURCE_LIMIT: ContextVar[int] = ContextVar("SOURCE_LIMIT", default=64 * 1024)


def render_go_template(
    template: str, data: Mapping[str, Any], *, html: bool = False, name: str = "template"
) -> str:
    """Execute `template` over `data` as Go's text/template does (html/template if `html`)."""
    nodes = _parse(template, name)
    out: list[str] = []
    for node in nodes:
        if isinstance(node, str):
            if html and "<" in node:
                raise GoTemplateError(
                    f"template: {name}: unsupported: html/template text outside the HTML text "
                    "context (a literal '<')"
                )
            out.append(node)
            continue
        value = _eval(node, data, name)
        text = _print(value, html, node, name)
        out.append("".join(_HTML_ESCAPES.get(ch, ch) for ch in text) if html else text)
    return "".join(out)


# --- parsing ---------------------------------------------------------------------------------


def _parse(template: str, name: str) -> list[_Node]:
    limit = SOURCE_LIMIT.get()
    if len(template) > limit:
        raise GoTemplateError(f"template: {name}: longer than {limit} characters")
    nodes: list[_Node] = []
    pos, trim_next = 0, False
    line, counted = 1, 0  # lines are counted incrementally: recounting from 0 is quadratic
    while True:
        start = template.find(_LEFT, pos)
        text = template[pos:] if start < 0 else template[pos:start]
        if trim_next:
            text = text.lstrip(_SPACE)
        if start < 0:
            if text:
                nodes.append(text)
            return nodes
        body = start + len(_LEFT)
        if _has_left_trim(template, body):
            text = text.rstrip(_SPACE)
            body += 2
        if text:
            nodes.append(text)
        line += template.count("\n", counted, start)
        counted = start
        if template.startswith("/*", body):
            pos, trim_next = _skip_comment(template, body, name, line)
            continue
        tokens, pos, trim_next = _lex_action(template, body, name, line)
        node = _command(tokens, name, line)
        if node is not None:
            nodes.append(node)


def _has_left_trim(template: str, pos: int) -> bool:
    return template.startswith("-", pos) and template[pos + 1 : pos + 2] in tuple(_SPACE)


def _at_right_delim(template: str, pos: int) -> tuple[bool, bool]:
    """(at the right delimiter, with a trim marker) as Go's lexer `atRightDelim`."""
    if template[pos : pos + 1] in tuple(_SPACE) and template.startswith("-" + _RIGHT, pos + 1):
        return True, True
    return template.startswith(_RIGHT, pos), False


def _skip_comment(template: str, pos: int, name: str, line: int) -> tuple[int, bool]:
    end = template.find("*/", pos + 2)
    if end < 0:
        raise GoTemplateError(f"template: {name}:{line}: unclosed comment")
    at_delim, trim = _at_right_delim(template, end + 2)
    if not at_delim:
        raise GoTemplateError(f"template: {name}:{line}: comment ends before closing delimiter")
    return end + 2 + (2 if trim else 0) + len(_RIGHT), trim


def _lex_action(template: str, pos: int, name: str, line: int) -> tuple[list[Any], int, bool]:
    """Tokens of one action: _Field chains, ("str", value) and ("ident", name)."""
    tokens: list[Any] = []
    while True:
        at_delim, trim = _at_right_delim(template, pos)
        if at_delim:
            return tokens, pos + (2 if trim else 0) + len(_RIGHT), trim
        if pos >= len(template):
            raise GoTemplateError(f"template: {name}:{line}: unclosed action")
        ch = template[pos]
        if ch in _SPACE:
            pos += 1
        elif ch == "." and _is_alnum(template[pos + 1 : pos + 2]):
            names: list[str] = []
            while template[pos : pos + 1] == "." and _is_alnum(template[pos + 1 : pos + 2]):
                end = _alnum_end(template, pos + 1)
                names.append(template[pos + 1 : end])
                pos = end
            pos = _expect_terminator(template, pos, name, line)
            tokens.append(_Field(tuple(names), line))
        elif ch == '"':
            value, pos = _lex_quoted(template, pos, name, line)
            tokens.append(("str", value))
        elif ch == "`":
            end = template.find("`", pos + 1)
            if end < 0:
                raise GoTemplateError(f"template: {name}:{line}: unterminated raw quoted string")
            tokens.append(("str", template[pos + 1 : end].replace("\r", "")))
            pos = end + 1
        elif ch == "_" or ch.isalpha():
            end = _expect_terminator(template, _alnum_end(template, pos), name, line)
            tokens.append(("ident", template[pos:end]))
            pos = end
        else:
            raise GoTemplateError(_unsupported_char(ch, name, line))


def _unsupported_char(ch: str, name: str, line: int) -> str:
    if ch in "|$().-+0123456789'=:,":
        what = {"|": "pipelines", "$": "variables", "(": "parenthesised pipelines"}.get(ch)
        return (
            f"template: {name}:{line}: unsupported in kserve-gitops: "
            f"{what or repr(ch) + ' (numbers, constants, the dot and assignments)'}"
        )
    return f"template: {name}:{line}: unrecognized character in action: U+{ord(ch):04X} {ch!r}"


def _is_alnum(ch: str) -> bool:
    return ch == "_" or ch.isalnum()


def _alnum_end(template: str, pos: int) -> int:
    while pos < len(template) and _is_alnum(template[pos]):
        pos += 1
    return pos


def _expect_terminator(template: str, pos: int, name: str, line: int) -> int:
    ch = template[pos : pos + 1]
    if ch == "" or ch in _SPACE or ch in ".,|:)(" or template.startswith(_RIGHT, pos):
        return pos
    raise GoTemplateError(f"template: {name}:{line}: bad character U+{ord(ch):04X} {ch!r}")


def _lex_quoted(template: str, pos: int, name: str, line: int) -> tuple[str, int]:
    end = pos + 1
    while True:
        ch = template[end : end + 1]
        if ch == "\\" and template[end + 1 : end + 2] not in ("", "\n"):
            end += 2
            continue
        if ch in ("", "\n", "\\"):
            raise GoTemplateError(f"template: {name}:{line}: unterminated quoted string")
        if ch == '"':
            return _go_unquote(template[pos + 1 : end], name, line), end + 1
        end += 1


def _go_unquote(body: str, name: str, line: int) -> str:
    """strconv.Unquote of a double-quoted Go string literal's body."""

    def replace(match: re.Match[str]) -> str:
        esc = match.group(1)
        if esc in _GO_ESCAPES:
            return _GO_ESCAPES[esc]
        code = int(esc[1:], 16) if esc[0] in "xuU" and len(esc) > 1 else None
        if code is None and len(esc) == 3 and esc.isdigit():
            code = int(esc, 8)
        if code is None or 0xD800 <= code <= 0xDFFF or code > 0x10FFFF:
            raise GoTemplateError(f"template: {name}:{line}: invalid syntax in quoted string")
        if code > 0x7F and esc[0] not in "uU":
            # Go's \x and octal escapes are bytes, not characters; keys are valid UTF-8 text.
            raise GoTemplateError(
                f"template: {name}:{line}: unsupported in kserve-gitops: byte escape \\{esc}"
            )
        return chr(code)

    return _ESCAPE_RE.sub(replace, body)


def _command(tokens: list[Any], name: str, line: int) -> _Field | _Index | None:
    where = f"template: {name}:{line}:"
    if not tokens:
        raise GoTemplateError(f"{where} missing value for command")
    head, args = tokens[0], tokens[1:]
    if isinstance(head, _Field):
        if args:
            raise GoTemplateError(f"{where} unsupported in kserve-gitops: arguments after {head}")
        return head
    kind, value = head
    if kind == "ident" and value == "index":
        if not args or not isinstance(args[0], _Field):
            raise GoTemplateError(f"{where} unsupported in kserve-gitops: index needs a field")
        keys: list[_Field | str] = []
        for arg in args[1:]:
            if not isinstance(arg, _Field) and arg[0] != "str":
                raise GoTemplateError(f"{where} unsupported in kserve-gitops: index key {arg[1]}")
            keys.append(arg if isinstance(arg, _Field) else arg[1])
        return _Index(args[0], tuple(keys), line)
    if kind == "ident":
        what = "keyword" if value in _KEYWORDS else "function"
        raise GoTemplateError(f"{where} unsupported in kserve-gitops: {what} {value!r}")
    raise GoTemplateError(f"{where} unsupported in kserve-gitops: a string constant as command")


# --- execution -------------------------------------------------------------------------------


def _exec_error(node: _Field | _Index, name: str, message: str) -> GoTemplateError:
    at = str(node) if isinstance(node, _Field) else f"index {node.target}"
    return GoTemplateError(f'template: {name}:{node.line}: executing "{name}" at <{at}>: {message}')


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "string"
    return type(value).__name__


def _eval_field(node: _Field, data: Mapping[str, Any], name: str) -> Any:
    first, *rest = node.names
    if first not in data:
        raise _exec_error(node, name, f"can't evaluate field {first}")
    value = data[first]
    for field in rest:
        if value is _MISSING or value is None:  # a missing key, or a nil map
            value = _MISSING
        elif isinstance(value, Mapping):
            value = value.get(field, _MISSING)
        else:
            raise _exec_error(node, name, f"can't evaluate field {field} in type {_go_type(value)}")
    return value


def _eval(node: _Field | _Index, data: Mapping[str, Any], name: str) -> Any:
    if isinstance(node, _Field):
        return _eval_field(node, data, name)
    value = _eval_field(node.target, data, name)
    for key in node.keys:
        key_value = key if isinstance(key, str) else _eval_field(key, data, name)
        if value is _MISSING:
            raise _exec_error(node, name, "error calling index: index of untyped nil")
        if not isinstance(key_value, str):
            raise _exec_error(node, name, "error calling index: value has type not string")
        if value is None:
            value = ""  # indexing a nil map gives the element's zero value
        elif isinstance(value, Mapping):
            value = value.get(key_value, "")
        else:
            raise _exec_error(
                node, name, f"error calling index: can't index item of type {_go_type(value)}"
            )
    return value


def _print(value: Any, html: bool, node: _Field | _Index, name: str) -> str:
    if value is _MISSING:
        return "" if html else "<no value>"
    if value is None:
        return "map[]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, Mapping):
        items = (f"{k}:{_print(value[k], False, node, name)}" for k in sorted(value))
        return "map[" + " ".join(items) + "]"
    raise _exec_error(node, name, f"unsupported in kserve-gitops: printing a {_go_type(value)}")
