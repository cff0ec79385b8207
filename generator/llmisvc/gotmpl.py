"""Go `text/template` as `config_merge.go: ReplaceVariables` runs it over a config's JSON text.

The subset the well-known presets (and any user config) may use: text, `{{-`/`-}}` trim markers,
field chains (`.Spec.Model.Name`, Go field names resolved to the object's JSON keys), `if`/`else`/
`end`, the builtins `and`/`or`/`not`/`eq`/`ne`, literals (strings, raw strings, integers, `nil`,
`true`/`false`) and functions supplied by the caller. `missingkey=error` as KServe sets it:
a field that its Go type does not have is an error; a nil pointer along a chain is Go's "nil
pointer evaluating" error. Anything else (pipelines, variables, range/with) raises
`GoTemplateError` instead of rendering something Go would not.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from generator.goruntime.template import GoTemplateError

_ACTION = re.compile(r"\{\{(-\s)?(.*?)(\s-)?\}\}", re.S)
_TOKEN = re.compile(
    r"\s*(?:(?P<field>(?:\.[A-Za-z_][A-Za-z0-9_]*)+|\.)|(?P<raw>`[^`]*`)"
    r'|(?P<str>"(?:[^"\\]|\\.)*")|(?P<num>-?\d+)|(?P<ident>[A-Za-z_][A-Za-z0-9_]*)'
    r"|(?P<paren>[()]))"
)


class Nil:
    """A nil pointer, map or interface of the Go data: false in `if`, printed `<nil>`."""

    def __init__(self, type_name: str = "") -> None:
        self.type_name = type_name

    def __repr__(self) -> str:
        return "<nil>"


NIL = Nil()


@dataclass(frozen=True, slots=True)
class _Field:
    names: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class _Call:
    name: str
    args: tuple[Any, ...]


@dataclass(slots=True)
class _If:
    cond: Any
    then: list[Any] = field(default_factory=list)
    otherwise: list[Any] = field(default_factory=list)


Resolver = Callable[[Any, str], Any]


def render(
    text: str,
    data: Any,
    resolve: Resolver,
    funcs: Mapping[str, Callable[..., Any]],
    name: str = "config",
) -> str:
    """Execute `text` over `data`; `resolve(value, GoFieldName)` walks one field."""
    nodes = _parse(text, name)
    out: list[str] = []
    _execute(nodes, data, resolve, funcs, out, name)
    return "".join(out)


def _parse(text: str, name: str) -> list[Any]:  # noqa: C901 - one loop over the actions
    root: list[Any] = []
    stack: list[tuple[_If, bool]] = []  # (if node, in else branch)
    pieces: list[Any] = []
    pos = 0
    for match in _ACTION.finditer(text):
        chunk = text[pos : match.start()]
        if match.group(1):
            chunk = chunk.rstrip(" \t\r\n")
        pieces.append(chunk)
        pieces.append((match.group(2).strip(), bool(match.group(3))))
        pos = match.end()
    pieces.append(text[pos:])
    trim_next = False
    for piece in pieces:
        target = root
        if stack:
            node, in_else = stack[-1]
            target = node.otherwise if in_else else node.then
        if isinstance(piece, str):
            if trim_next:
                piece = piece.lstrip(" \t\r\n")
            if piece:
                target.append(piece)
            trim_next = False
            continue
        action, trim_next = piece
        if action.startswith("/*"):
            continue
        words = action.split(None, 1)
        keyword = words[0] if words else ""
        if keyword == "if":
            node = _If(_expression(words[1] if len(words) > 1 else "", name))
            target.append(node)
            stack.append((node, False))
        elif keyword == "else":
            if len(words) > 1:
                raise GoTemplateError(f"template: {name}: unsupported: else {words[1]}")
            if not stack or stack[-1][1]:
                raise GoTemplateError(f"template: {name}: unexpected {{{{else}}}}")
            stack[-1] = (stack[-1][0], True)
        elif keyword == "end":
            if not stack:
                raise GoTemplateError(f"template: {name}: unexpected {{{{end}}}}")
            stack.pop()
        elif keyword in ("range", "with", "define", "template", "block", "break", "continue"):
            raise GoTemplateError(f"template: {name}: unsupported action {keyword}")
        else:
            target.append(_expression(action, name))
    if stack:
        raise GoTemplateError(f"template: {name}: unexpected EOF")
    return root


def _expression(text: str, name: str) -> Any:
    tokens = _tokens(text, name)
    expr, rest = _command(tokens, name)
    if rest:
        raise GoTemplateError(f"template: {name}: unexpected {rest[0]!r} in command")
    return expr


def _tokens(text: str, name: str) -> list[Any]:
    tokens: list[Any] = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None or match.end() == pos:
            raise GoTemplateError(f"template: {name}: unsupported syntax in {text!r}")
        pos = match.end()
        kind = match.lastgroup
        value = match.group(kind or "")
        if kind == "field":
            tokens.append(_Field(tuple(value.split(".")[1:]) if value != "." else ()))
        elif kind == "raw":
            tokens.append(("lit", value[1:-1]))
        elif kind == "str":
            tokens.append(("lit", _unquote(value)))
        elif kind == "num":
            tokens.append(("lit", int(value)))
        elif kind == "paren":
            tokens.append(value)
        elif value == "nil":
            tokens.append(("lit", NIL))
        elif value in ("true", "false"):
            tokens.append(("lit", value == "true"))
        else:
            tokens.append(("ident", value))
    return tokens


def _unquote(text: str) -> str:
    escapes = {"n": "\n", "t": "\t", "\\": "\\", '"': '"', "r": "\r"}
    return re.sub(r"\\(.)", lambda m: escapes.get(m.group(1), m.group(1)), text[1:-1])


def _command(tokens: list[Any], name: str) -> tuple[Any, list[Any]]:
    if not tokens:
        raise GoTemplateError(f"template: {name}: missing value for command")
    head, rest = tokens[0], tokens[1:]
    if isinstance(head, tuple) and head[0] == "ident":
        args: list[Any] = []
        while rest and rest[0] != ")":
            arg, rest = _operand(rest, name)
            args.append(arg)
        return _Call(head[1], tuple(args)), rest
    return _operand(tokens, name)


def _operand(tokens: list[Any], name: str) -> tuple[Any, list[Any]]:
    head, rest = tokens[0], tokens[1:]
    if head == "(":
        expr, rest = _command(rest, name)
        if not rest or rest[0] != ")":
            raise GoTemplateError(f"template: {name}: unclosed left paren")
        return expr, rest[1:]
    if isinstance(head, tuple) and head[0] == "ident":
        return _Call(head[1], ()), rest
    return head, rest


def _execute(
    nodes: list[Any],
    data: Any,
    resolve: Resolver,
    funcs: Mapping[str, Callable[..., Any]],
    out: list[str],
    name: str,
) -> None:
    for node in nodes:
        if isinstance(node, str):
            out.append(node)
        elif isinstance(node, _If):
            branch = node.then if truth(_eval(node.cond, data, resolve, funcs, name)) else None
            _execute(
                branch if branch is not None else node.otherwise, data, resolve, funcs, out, name
            )
        else:
            out.append(printed(_eval(node, data, resolve, funcs, name)))


def _eval(
    node: Any, data: Any, resolve: Resolver, funcs: Mapping[str, Callable[..., Any]], name: str
) -> Any:
    value: Any = data
    if isinstance(node, _Field):
        for step in node.names:
            if isinstance(value, Nil):
                owner = value.type_name or "interface {}"
                raise GoTemplateError(
                    f"template: {name}: executing {name!r} at <.{'.'.join(node.names)}>: "
                    f"nil pointer evaluating {owner}.{step}"
                )
            value = resolve(value, step)
        return value
    if isinstance(node, tuple):
        return node[1]
    if isinstance(node, _Call):
        args = node.args
        if node.name in ("and", "or"):
            if not args:
                raise GoTemplateError(f"template: {name}: wrong number of args for {node.name}")
            value = NIL
            for arg in args:
                value = _eval(arg, data, resolve, funcs, name)
                if truth(value) == (node.name == "or"):
                    return value
            return value
        values = [_eval(a, data, resolve, funcs, name) for a in args]
        if node.name == "not" and len(values) == 1:
            return not truth(values[0])
        if node.name in ("eq", "ne") and len(values) == 2:
            return (values[0] == values[1]) == (node.name == "eq")
        func = funcs.get(node.name)
        if func is None:
            raise GoTemplateError(f'template: {name}: function "{node.name}" not defined')
        return func(*values)
    raise GoTemplateError(f"template: {name}: cannot evaluate {node!r}")  # pragma: no cover


def truth(value: Any) -> bool:
    """Go's `if`: false, 0, "", nil and empty maps/slices are false; a struct is true."""
    if isinstance(value, Nil) or value is None:
        return False
    if isinstance(value, dict):
        return True  # a non-nil pointer to a struct
    return bool(value)


def printed(value: Any) -> str:
    """fmt.Print of a value as text/template prints it (pointers dereferenced)."""
    if isinstance(value, Nil) or value is None:
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int):
        return str(value)
    raise GoTemplateError(f"template: cannot print {type(value).__name__} value here")


__all__ = ["NIL", "GoTemplateError", "Nil", "printed", "render", "truth"]
