"""Syntax check for Go `text/template` strings, as `template.New(..).Parse(..)` performs it.

`NewIngressConfig` rejects a `pathTemplate` that Go cannot parse. This ports the lexer of
`text/template/parse/lex.go` and the structural checks of `parse.go` that can fail at parse
time: unclosed actions, comments and quotes, unknown characters, unknown functions (only the
built-ins exist, KServe adds none), undeclared variables, empty commands and unbalanced
`if`/`range`/`with`/`block`/`define` ... `end`/`else`. Messages follow Go's wording without the
`template: name:line:` prefix. Executing templates is not this module's business.

Known gaps (a template Go rejects may pass here, never the reverse for the checks above):
variables are not scoped per control structure, keywords in operand position and the argument
counts of `template`/`block` are not checked.
"""

from __future__ import annotations

import re

BUILTIN_FUNCTIONS = frozenset(
    "and call html index slice js len not or print printf println urlquery eq ge gt le lt ne"
    .split()
)
_KEYWORDS = frozenset(
    "block break continue define else end if nil range template with true false".split()
)
_SPACE = " \t\r\n"
_NUMBER = re.compile(
    r"[+-]?(0[xX][0-9a-fA-F_]*\.?[0-9a-fA-F_]*([pP][+-]?[0-9_]+)?"
    r"|0[oObB][0-7_]+|[0-9_]*\.?[0-9_]*([eE][+-]?[0-9_]+)?)i?"
)

Token = tuple[str, str]  # (kind, text): space, pipe, assign, declare, string, char, number,
# field, variable, ident, lparen, rparen, other, end-of-action


class TemplateSyntaxError(ValueError):
    """What Go's template parser reports for the string."""

    # unconfirmed: the exact texts of the rarer errors (bad number, unexpected operand).


def _is_alnum(ch: str) -> bool:
    return ch == "_" or ch.isalpha() or ch.isdigit()


def _closing(text: str, pos: int) -> int:
    """Length of the right delimiter at `pos`: `}}`, or a space, `-` and `}}`; 0 if none."""
    if text.startswith("}}", pos):
        return 2
    if text[pos : pos + 1] in tuple(_SPACE) and text.startswith("-}}", pos + 1):
        return 4
    return 0


def _at_terminator(text: str, pos: int) -> bool:
    return pos >= len(text) or text[pos] in _SPACE + ".,|:)(" or _closing(text, pos) > 0


def _lex_action(text: str, pos: int) -> tuple[list[Token], int]:
    """Tokens of one action starting after `{{`; returns them and the index after `}}`."""
    tokens: list[Token] = []
    depth = 0
    while not (closing := _closing(text, pos)):
        if pos >= len(text):
            raise TemplateSyntaxError("unclosed action")
        kind, end = _lex_token(text, pos)
        depth += {"lparen": 1, "rparen": -1}.get(kind, 0)
        if depth < 0:
            raise TemplateSyntaxError("unexpected right paren")
        tokens.append((kind, text[pos:end]))
        pos = end
    if depth:
        raise TemplateSyntaxError("unclosed left paren")
    return tokens, pos + closing


_SINGLE = {"=": "assign", "|": "pipe", "(": "lparen", ")": "rparen"}


def _lex_token(text: str, start: int) -> tuple[str, int]:
    """Port of one step of `lexInsideAction`: the token kind and where it ends."""
    ch, pos = text[start], start + 1
    if ch in _SPACE:
        while pos < len(text) and text[pos] in _SPACE and not _closing(text, pos):
            pos += 1
        return "space", pos
    if ch in _SINGLE:
        return _SINGLE[ch], pos
    if ch == ":":
        if not text.startswith("=", pos):
            raise TemplateSyntaxError("expected :=")
        return "declare", pos + 1
    if ch in "\"'":
        return ("string" if ch == '"' else "char"), _lex_quote(text, pos, ch)
    if ch == "`":
        end = text.find("`", pos)
        if end < 0:
            raise TemplateSyntaxError("unterminated raw quoted string")
        return "string", end + 1
    if ch == "$" or (ch == "." and not text[pos : pos + 1].isdigit() and pos < len(text)):
        return ("variable" if ch == "$" else "field"), _lex_word(text, pos)
    if ch in "+-." or ch.isdigit():
        match = _NUMBER.match(text, start)
        end = match.end() if match else start
        if end == start or (end < len(text) and _is_alnum(text[end])):
            raise TemplateSyntaxError(f"bad number syntax: {text[start : end + 1]!r}")
        return "number", end
    if _is_alnum(ch):
        return "ident", _lex_word(text, start)
    if ch.isascii() and ch.isprintable():
        return "other", pos
    raise TemplateSyntaxError(f"unrecognized character in action: {ch!r}")


def _lex_word(text: str, pos: int) -> int:
    """End of an identifier, field or variable name, which must be followed by a terminator."""
    while pos < len(text) and _is_alnum(text[pos]):
        pos += 1
    if not _at_terminator(text, pos):
        raise TemplateSyntaxError(f"bad character {text[pos]!r}")
    return pos


def _lex_quote(text: str, pos: int, quote: str) -> int:
    what = "quoted string" if quote == '"' else "character constant"
    while pos < len(text):
        ch = text[pos]
        if ch == "\\" and pos + 1 < len(text) and text[pos + 1] != "\n":
            pos += 2
            continue
        if ch in "\\\n":
            break
        if ch == quote:
            return pos + 1
        pos += 1
    raise TemplateSyntaxError(f"unterminated {what}")


def _actions(text: str) -> list[list[Token]]:
    """Every action of the template, comments dropped; lexing errors raised."""
    actions: list[list[Token]] = []
    pos = 0
    while (pos := text.find("{{", pos)) >= 0:
        pos += 2
        if text.startswith("-", pos) and text[pos + 1 : pos + 2] in tuple(_SPACE):
            pos += 2
        if text.startswith("/*", pos):  # a comment only right after `{{` or `{{- `
            end = text.find("*/", pos + 2)
            if end < 0:
                raise TemplateSyntaxError("unclosed comment")
            closing = _closing(text, end + 2)
            if not closing:
                raise TemplateSyntaxError("comment ends before closing delimiter")
            pos = end + 2 + closing
            continue
        tokens, pos = _lex_action(text, pos)
        actions.append([t for t in tokens if t[0] != "space"])
    return actions


def _split_declaration(tokens: list[Token]) -> tuple[list[str], str, list[Token]]:
    """`$x :=`, `$x =` or `$i, $v :=` at the start of a pipeline: names, operator, rest."""
    kinds = [kind for kind, _ in tokens[:4]]
    if kinds[:2] in (["variable", "declare"], ["variable", "assign"]):
        return [tokens[0][1]], kinds[1], tokens[2:]
    if kinds == ["variable", "other", "variable", "declare"] and tokens[1][1] == ",":
        return [tokens[0][1], tokens[2][1]], "declare", tokens[4:]
    return [], "", tokens


def _check_pipeline(tokens: list[Token], declared: set[str]) -> None:
    """Port of the parse-time checks of `pipeline`/`command`/`operand`."""
    names, op, tokens = _split_declaration(tokens)
    for name in names:
        if op == "assign" and name not in declared:
            raise TemplateSyntaxError(f"undefined variable {name!r}")
        declared.add(name)
    commands: list[list[Token]] = [[]]
    for token in tokens:
        if token[0] == "pipe":
            commands.append([])
        else:
            commands[-1].append(token)
    for command in commands:
        if not command:
            raise TemplateSyntaxError("missing value for command")
        for kind, text in command:
            if kind == "ident" and text not in _KEYWORDS and text not in BUILTIN_FUNCTIONS:
                raise TemplateSyntaxError(f"function {text!r} not defined")
            if kind == "variable" and text.split(".")[0] not in declared:
                raise TemplateSyntaxError(f"undefined variable {text.split('.')[0]!r}")
            if kind in ("other", "assign", "declare"):
                raise TemplateSyntaxError(f"unexpected {text!r} in operand")
        if command[0] == ("ident", "nil") and len(command) == 1:
            raise TemplateSyntaxError("nil is not a command")


def check_template(text: str) -> None:
    """Raise `TemplateSyntaxError` when Go's `template.Parse` would fail on `text`."""
    stack: list[str] = []
    declared = {"$"}
    for tokens in _actions(text):
        head = tokens[0][1] if tokens and tokens[0][0] == "ident" else ""
        if head in ("if", "range", "with", "block", "define"):
            if head == "define" and stack:
                raise TemplateSyntaxError("unexpected <define> in command")
            stack.append(head)
            named = head in ("block", "define")
            if named and (len(tokens) < 2 or tokens[1][0] != "string"):
                raise TemplateSyntaxError(f"unexpected token in {head} clause")
            if head != "define":
                _check_pipeline(tokens[2:] if named else tokens[1:], declared)
        elif head in ("end", "else", "break", "continue", "template"):
            _check_keyword(head, tokens, stack, declared)
        else:
            _check_pipeline(tokens, declared)
    if stack:
        raise TemplateSyntaxError("unexpected EOF")


def _check_keyword(head: str, tokens: list[Token], stack: list[str], declared: set[str]) -> None:
    """The actions that close or continue a control structure, or call a template."""
    if head == "end":
        if not stack or len(tokens) > 1:
            raise TemplateSyntaxError("unexpected {{end}}")
        stack.pop()
    elif head == "else":
        if not stack or stack[-1] not in ("if", "range", "with"):
            raise TemplateSyntaxError("unexpected {{else}}")
        if len(tokens) > 1:
            _check_pipeline(tokens[2:], declared)
    elif head in ("break", "continue"):
        if "range" not in stack:
            raise TemplateSyntaxError(f"{{{{{head}}}}} outside {{{{range}}}}")
    else:
        if len(tokens) < 2 or tokens[1][0] != "string":
            raise TemplateSyntaxError("unexpected token in template clause")
        if len(tokens) > 2:
            _check_pipeline(tokens[2:], declared)
