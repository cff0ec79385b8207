"""Go's `text/template` (and html/template's text context) as KServe v0.20.0 uses it.

KServe parses `ingress.pathTemplate` with `template.New("path-template").Parse` when it loads
the ingress config (`NewIngressConfig`), and executes templates in `reconcilers/ingress/domain.go`
(`GenerateDomainName`), `reconcilers/ingress/path.go` (`GenerateUrlPath`),
`controller/v1beta1/inferenceservice/utils/utils.go: ReplacePlaceholders` (html/template over
a container's JSON text) and `controller/v1alpha2/llmisvc/config_merge.go: ReplaceVariables`
(a config's JSON text, with caller functions and `missingkey=error`). Knative's
`domain-template` is the same language.

`parse` ports Go's `text/template/parse` (`lex.go`, `parse.go`, the parts of `node.go` that can
fail): it accepts what Go's Parse accepts (up to MAX_NESTING levels of nesting) and raises Go's
error text otherwise. `check`
adds the subset test: a template Go accepts but `execute` cannot run raises
`UnsupportedTemplateError` ("unsupported in kserve-gitops") from both, so the config check and
rendering always agree. `execute` ports `text/template/exec.go` and `funcs.go` for: text,
comments, trim markers, `if`/`else if`/`with`/`else with`/`else`/`end`, field chains, the dot
inside `with`, parenthesised arguments, string, bool, integer and nil constants, and the
functions `and`, `or`, `not`, `eq`, `ne`, `len` and `index`. Not supported: variables, `|`
pipelines, `range`, `define`/`template`/`block`, other functions, non-integer numbers, bytes that
are not UTF-8, the dot outside `with` (it is the data struct), arguments after a field.

Data model: the top-level mapping stands for a Go struct (a missing key is Go's "can't evaluate
field" error); nested mappings stand for Go `map[string]string` (a missing key is Go's invalid
value, printed `<no value>` by text/template and "" by html/template; `index` gives ""); None is
a nil map. Values may be str, int, bool, None or mappings of those. A `GoStruct` (as data or
as a value) stands for a struct pointer that maps Go field names itself ("can't evaluate field
X in type T" when it has none), a `GoNil` for a nil pointer ("nil pointer evaluating T.X").

Options, as Go's `Funcs` and `Option`: `funcs` adds caller functions (known to the parser, so an
unknown name is Go's parse error; the argument count is checked as `evalCall` does; nil
arguments arrive as None; a `FuncError` is the function's Go error); `missingkey` is
"default"/"invalid", "zero" or "error" for map keys.
"""

from __future__ import annotations

import functools
import inspect
import math
import re
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from generator.goruntime.strconv import quote

__all__ = [
    "FuncError",
    "GoNil",
    "GoStruct",
    "GoTemplateError",
    "TemplateExecError",
    "TemplateSyntaxError",
    "Tree",
    "UnsupportedTemplateError",
    "check",
    "execute",
    "parse",
    "render",
]

BUILTIN_FUNCTIONS = frozenset(  # text/template's builtins(); callers add theirs with `funcs`
    (
        "and call html index slice js len not or print printf println urlquery eq ge gt le lt ne"
    ).split()
)
SUPPORTED_FUNCTIONS = frozenset("and or not eq ne len index".split())
_SPACE = " \t\r\n"
_LEFT, _RIGHT = "{{", "}}"
# Python's recursion limit is far below Go's 10000 nested parentheses (and Go has no limit on
# nested if/with): deeper templates are refused as unsupported instead of overflowing the stack.
MAX_NESTING = 50
# Go templates come from KServe's config (domainTemplate, pathTemplate, …): a few dozen
# characters. A bound keeps hostile config cheap; `--max-go-template-chars` changes it.
SOURCE_LIMIT: ContextVar[int] = ContextVar("SOURCE_LIMIT", default=64 * 1024)
_MAX_INT64 = 2**63 - 1
_MAX_UINT64 = 2**64 - 1
# html/template's htmlEscaper table for text nodes (html/template/html.go).
_HTML_ESCAPES = dict(
    zip("\0\"&'+<>", ("\ufffd", "&#34;", "&amp;", "&#39;", "&#43;", "&lt;", "&gt;"), strict=True)
)
_SIMPLE_ESCAPES = dict(zip("abfnrtv\\", "\a\b\f\n\r\t\v\\", strict=True))


class GoTemplateError(ValueError):
    """A template that does not parse, is not supported here, or fails to execute."""


class TemplateSyntaxError(GoTemplateError):
    """What Go's template Parse reports, in Go's words."""


class UnsupportedTemplateError(GoTemplateError):
    """A template Go accepts that kserve-gitops cannot execute (whatever the data)."""


class TemplateExecError(GoTemplateError):
    """Execution failed on this data, as Go's Execute would (or on a value not modelled here)."""


class FuncError(Exception):
    """Raised by a caller function for the non-nil error a Go function returns."""


class GoStruct:
    """Data standing for a (pointer to a) Go struct whose fields are found by Go field name.

    Subclasses map Go field names to their own keys (e.g. an object's JSON keys): `go_field`
    returns the value or raises LookupError when the Go type has no such field.
    """

    go_type = "struct"

    def go_field(self, name: str) -> Any:
        raise LookupError(name)


@dataclass(frozen=True, slots=True)
class GoNil:
    """A nil pointer of Go type `go_type` (such as "*v1alpha2.ParallelismSpec")."""

    go_type: str

    def __repr__(self) -> str:
        return "<nil>"


Funcs = Mapping[str, Callable[..., Any]]
_NO_FUNCS: Funcs = {}
_MISSING_KEY_MODES = ("default", "invalid", "zero", "error")


def _good_name(name: str) -> bool:
    """funcs.go goodName: a letter or underscore, then letters, digits or underscores."""
    return bool(name) and all(
        ch == "_" or (ch.isalpha() if i == 0 else ch.isalnum()) for i, ch in enumerate(name)
    )


def _func_names(funcs: Funcs) -> frozenset[str]:
    """The names Go's Funcs() would accept; it panics on a bad name or a non-function."""
    for name, func in funcs.items():
        if not _good_name(name):
            raise ValueError(f"function name {name!r} is not a valid identifier")
        if not callable(func):
            raise ValueError(f"value for {name} not a function")
    return frozenset(funcs)


# --- lexer: port of text/template/parse/lex.go ------------------------------------------------


class _T(IntEnum):
    ERROR = 0
    BOOL = 1
    CHAR = 2
    CHAR_CONSTANT = 3
    COMMENT = 4
    COMPLEX = 5
    ASSIGN = 6
    DECLARE = 7
    EOF = 8
    FIELD = 9
    IDENTIFIER = 10
    LEFT_DELIM = 11
    LEFT_PAREN = 12
    NUMBER = 13
    PIPE = 14
    RAW_STRING = 15
    RIGHT_DELIM = 16
    RIGHT_PAREN = 17
    SPACE = 18
    STRING = 19
    TEXT = 20
    VARIABLE = 21
    KEYWORD = 22  # keywords sort after this one
    BLOCK = 23
    BREAK = 24
    CONTINUE = 25
    DOT = 26
    DEFINE = 27
    ELSE = 28
    END = 29
    IF = 30
    NIL = 31
    RANGE = 32
    TEMPLATE = 33
    WITH = 34


_KEYWORDS = {
    ".": _T.DOT,
    "block": _T.BLOCK,
    "break": _T.BREAK,
    "continue": _T.CONTINUE,
    "define": _T.DEFINE,
    "else": _T.ELSE,
    "end": _T.END,
    "if": _T.IF,
    "range": _T.RANGE,
    "nil": _T.NIL,
    "template": _T.TEMPLATE,
    "with": _T.WITH,
}


@dataclass(frozen=True, slots=True)
class _Item:
    typ: _T
    pos: int
    val: str
    line: int

    def __str__(self) -> str:
        if self.typ == _T.EOF:
            return "EOF"
        if self.typ == _T.ERROR:
            return self.val
        if self.typ > _T.KEYWORD:
            return f"<{self.val}>"
        if len(self.val.encode("utf-8", "surrogatepass")) > 10:
            return quote(self.val[:10]) + "..."  # Go's %.10q: ten runes, then quoted
        return quote(self.val)


def _is_space(ch: str) -> bool:
    return ch != "" and ch in _SPACE


def _is_alnum(ch: str) -> bool:
    """Go's isAlphaNumeric: '_', a Unicode letter or a decimal digit."""
    if ch == "_":
        return True
    if ch == "":
        return False
    category = unicodedata.category(ch)
    return category[0] == "L" or category == "Nd"


def _unicode_verb(ch: str) -> str:
    """Go's `%#U`: U+0078 'x' (the character only when printable)."""
    code = f"U+{ord(ch):04X}"
    return f"{code} '{ch}'" if ch.isprintable() else code


_StateFn = Callable[[], "_StateFn | None"]


class _Lexer:
    """The state machine of Go's lexer; `next_item` runs it to the next item."""

    def __init__(self, text: str) -> None:
        self.input = text
        self.pos = 0
        self.start = 0
        self.at_eof = False
        self.paren_depth = 0
        self.line = 1
        self.start_line = 1
        self.inside_action = False
        self.item = _Item(_T.EOF, 0, "EOF", 1)

    def next_item(self) -> _Item:
        self.item = _Item(_T.EOF, self.pos, "EOF", self.start_line)
        state: _StateFn | None = self.lex_inside_action if self.inside_action else self.lex_text
        while state is not None:
            state = state()
        return self.item

    # -- primitives --

    def next(self) -> str:
        if self.pos >= len(self.input):
            self.at_eof = True
            return ""
        ch = self.input[self.pos]
        self.pos += 1
        if ch == "\n":
            self.line += 1
        return ch

    def peek(self) -> str:
        ch = self.next()
        self.backup()
        return ch

    def backup(self) -> None:
        if not self.at_eof and self.pos > 0:
            self.pos -= 1
            if self.input[self.pos] == "\n":
                self.line -= 1

    def this_item(self, typ: _T) -> _Item:
        item = _Item(typ, self.start, self.input[self.start : self.pos], self.start_line)
        self.start = self.pos
        self.start_line = self.line
        return item

    def emit(self, typ: _T) -> None:
        self.item = self.this_item(typ)

    def ignore(self) -> None:
        self.line += self.input.count("\n", self.start, self.pos)
        self.start = self.pos
        self.start_line = self.line

    def accept(self, valid: str) -> bool:
        ch = self.next()
        if ch != "" and ch in valid:
            return True
        self.backup()
        return False

    def accept_run(self, valid: str) -> None:
        while (ch := self.next()) != "" and ch in valid:
            pass
        self.backup()

    def errorf(self, message: str) -> None:
        self.item = _Item(_T.ERROR, self.start, message, self.start_line)
        self.start = self.pos = 0
        self.input = ""

    def has_left_trim(self, pos: int) -> bool:
        return self.input[pos : pos + 1] == "-" and _is_space(self.input[pos + 1 : pos + 2])

    def has_right_trim(self, pos: int) -> bool:
        return _is_space(self.input[pos : pos + 1]) and self.input[pos + 1 : pos + 2] == "-"

    def at_right_delim(self) -> tuple[bool, bool]:
        if self.has_right_trim(self.pos) and self.input.startswith(_RIGHT, self.pos + 2):
            return True, True
        return self.input.startswith(_RIGHT, self.pos), False

    def at_terminator(self) -> bool:
        ch = self.peek()
        if _is_space(ch) or ch in ("", ".", ",", "|", ":", ")", "("):
            return True
        return self.input.startswith(_RIGHT, self.pos)

    def left_trim_length(self, pos: int) -> int:
        rest = self.input[pos:]
        return len(rest) - len(rest.lstrip(_SPACE))

    # -- states --

    def lex_text(self) -> _StateFn | None:
        x = self.input.find(_LEFT, self.pos)
        if x >= 0:
            if x > self.pos:
                self.pos = x
                trim = 0
                if self.has_left_trim(x + len(_LEFT)):
                    text = self.input[self.start : x]
                    trim = len(text) - len(text.rstrip(_SPACE))
                self.pos -= trim
                self.line += self.input.count("\n", self.start, self.pos)
                item = self.this_item(_T.TEXT)
                self.pos += trim
                self.ignore()
                if item.val:
                    self.item = item
                    return None
            return self.lex_left_delim
        self.pos = len(self.input)
        if self.pos > self.start:
            self.line += self.input.count("\n", self.start, self.pos)
            self.emit(_T.TEXT)
            return None
        self.emit(_T.EOF)
        return None

    def lex_left_delim(self) -> _StateFn | None:
        self.pos += len(_LEFT)
        after_marker = 2 if self.has_left_trim(self.pos) else 0
        if self.input.startswith("/*", self.pos + after_marker):
            self.pos += after_marker
            self.ignore()
            return self.lex_comment
        item = self.this_item(_T.LEFT_DELIM)
        self.inside_action = True
        self.pos += after_marker
        self.ignore()
        self.paren_depth = 0
        self.item = item
        return None

    def lex_comment(self) -> _StateFn | None:
        self.pos += 2
        x = self.input.find("*/", self.pos)
        if x < 0:
            self.errorf("unclosed comment")
            return None
        self.pos = x + 2
        delim, trim = self.at_right_delim()
        if not delim:
            self.errorf("comment ends before closing delimiter")
            return None
        self.line += self.input.count("\n", self.start, self.pos)
        self.this_item(_T.COMMENT)  # Go emits comments only in ParseComments mode
        self.pos += (2 if trim else 0) + len(_RIGHT)
        if trim:
            self.pos += self.left_trim_length(self.pos)
        self.ignore()
        return self.lex_text

    def lex_right_delim(self) -> _StateFn | None:
        _, trim = self.at_right_delim()
        if trim:
            self.pos += 2
            self.ignore()
        self.pos += len(_RIGHT)
        item = self.this_item(_T.RIGHT_DELIM)
        if trim:
            self.pos += self.left_trim_length(self.pos)
            self.ignore()
        self.inside_action = False
        self.item = item
        return None

    def lex_inside_action(self) -> _StateFn | None:  # noqa: C901 - one switch, as in Go
        delim, _ = self.at_right_delim()
        if delim:
            if self.paren_depth == 0:
                return self.lex_right_delim
            self.errorf("unclosed left paren")
            return None
        ch = self.next()
        simple = {"=": _T.ASSIGN, "|": _T.PIPE}
        states: dict[str, _StateFn] = {
            '"': self.lex_quote,
            "`": self.lex_raw_quote,
            "$": self.lex_variable,
            "'": self.lex_char,
        }
        if ch == "":
            self.errorf("unclosed action")
        elif _is_space(ch):
            self.backup()  # put the space back in case of " -}}"
            return self.lex_space
        elif ch in simple:
            self.emit(simple[ch])
        elif ch == ":":
            if self.next() != "=":
                self.errorf("expected :=")
            else:
                self.emit(_T.DECLARE)
        elif ch in states:
            return states[ch]
        elif ch == "." and self.input[self.pos : self.pos + 1] not in ("", *"0123456789"):
            return self.lex_field
        elif ch in "+-." or "0" <= ch <= "9":
            self.backup()
            return self.lex_number
        elif _is_alnum(ch):
            self.backup()
            return self.lex_identifier
        elif ch == "(":
            self.paren_depth += 1
            self.emit(_T.LEFT_PAREN)
        elif ch == ")":
            self.paren_depth -= 1
            if self.paren_depth < 0:
                self.errorf("unexpected right paren")
            else:
                self.emit(_T.RIGHT_PAREN)
        elif " " <= ch <= "~":
            self.emit(_T.CHAR)
        else:
            self.errorf(f"unrecognized character in action: {_unicode_verb(ch)}")
        return None

    def lex_space(self) -> _StateFn | None:
        spaces = 0
        while _is_space(self.peek()):
            self.next()
            spaces += 1
        if self.has_right_trim(self.pos - 1) and self.input.startswith(_RIGHT, self.pos + 1):
            self.backup()  # before the space
            if spaces == 1:
                return self.lex_right_delim
        self.emit(_T.SPACE)
        return None

    def lex_identifier(self) -> _StateFn | None:
        while _is_alnum(ch := self.next()):
            pass
        self.backup()
        word = self.input[self.start : self.pos]
        if not self.at_terminator():
            self.errorf(f"bad character {_unicode_verb(ch)}")
        elif word in _KEYWORDS:
            self.emit(_KEYWORDS[word])
        elif word in ("true", "false"):
            self.emit(_T.BOOL)
        else:
            self.emit(_T.IDENTIFIER)
        return None

    def lex_field(self) -> _StateFn | None:
        return self.lex_field_or_variable(_T.FIELD)

    def lex_variable(self) -> _StateFn | None:
        if self.at_terminator():  # "$" alone
            self.emit(_T.VARIABLE)
            return None
        return self.lex_field_or_variable(_T.VARIABLE)

    def lex_field_or_variable(self, typ: _T) -> _StateFn | None:
        if self.at_terminator():  # "." or "$" alone
            self.emit(_T.VARIABLE if typ == _T.VARIABLE else _T.DOT)
            return None
        while _is_alnum(ch := self.next()):
            pass
        self.backup()
        if not self.at_terminator():
            self.errorf(f"bad character {_unicode_verb(ch)}")
        else:
            self.emit(typ)
        return None

    def _lex_quoted(self, quote: str, typ: _T, what: str) -> _StateFn | None:
        while True:
            ch = self.next()
            if ch == "\\":
                ch = self.next()
                if ch not in ("", "\n"):
                    continue
            if ch in ("", "\n"):
                self.errorf(f"unterminated {what}")
                return None
            if ch == quote:
                self.emit(typ)
                return None

    def lex_char(self) -> _StateFn | None:
        return self._lex_quoted("'", _T.CHAR_CONSTANT, "character constant")

    def lex_quote(self) -> _StateFn | None:
        return self._lex_quoted('"', _T.STRING, "quoted string")

    def lex_raw_quote(self) -> _StateFn | None:
        end = self.input.find("`", self.pos)
        if end < 0:
            self.pos = len(self.input)
            self.errorf("unterminated raw quoted string")
            return None
        while self.pos <= end:
            self.next()
        self.emit(_T.RAW_STRING)
        return None

    def lex_number(self) -> _StateFn | None:
        if not self.scan_number():
            self.errorf(f"bad number syntax: {quote(self.input[self.start : self.pos])}")
            return None
        if self.peek() in ("+", "-"):
            if not self.scan_number() or self.input[self.pos - 1] != "i":
                self.errorf(f"bad number syntax: {quote(self.input[self.start : self.pos])}")
                return None
            self.emit(_T.COMPLEX)
            return None
        self.emit(_T.NUMBER)
        return None

    def scan_number(self) -> bool:
        self.accept("+-")
        digits = "0123456789_"
        if self.accept("0"):
            if self.accept("xX"):
                digits = "0123456789abcdefABCDEF_"
            elif self.accept("oO"):
                digits = "01234567_"
            elif self.accept("bB"):
                digits = "01_"
        self.accept_run(digits)
        if self.accept("."):
            self.accept_run(digits)
        if len(digits) == 11 and self.accept("eE"):
            self.accept("+-")
            self.accept_run("0123456789_")
        if len(digits) == 23 and self.accept("pP"):
            self.accept("+-")
            self.accept_run("0123456789_")
        self.accept("i")
        if _is_alnum(self.peek()):
            self.next()
            return False
        return True


# --- Go literals: strconv.Unquote, UnquoteChar, ParseInt/ParseUint/ParseFloat (base 0) --------


class _SyntaxErr(Exception):
    """strconv.ErrSyntax and friends: the text of the error."""


def _unquote_char(text: str, delimiter: str) -> tuple[int, bool, str]:
    """strconv.UnquoteChar: (value, whether it is a byte escape, the rest of `text`)."""
    ch = text[0]
    if ch == delimiter:
        raise _SyntaxErr("invalid syntax")
    if ch != "\\":
        return ord(ch), False, text[1:]
    if len(text) <= 1:
        raise _SyntaxErr("invalid syntax")
    ch, rest = text[1], text[2:]
    if ch in _SIMPLE_ESCAPES:
        return ord(_SIMPLE_ESCAPES[ch]), False, rest
    if ch in ("'", '"'):
        if ch != delimiter:
            raise _SyntaxErr("invalid syntax")
        return ord(ch), False, rest
    width = {"x": 2, "u": 4, "U": 8}.get(ch)
    if width is not None:
        digits = rest[:width]
        if len(digits) < width or not all(d in "0123456789abcdefABCDEF" for d in digits):
            raise _SyntaxErr("invalid syntax")
        value = int(digits, 16)
        if ch != "x" and (0xD800 <= value <= 0xDFFF or value > 0x10FFFF):
            raise _SyntaxErr("invalid syntax")
        return value, ch == "x", rest[width:]
    if "0" <= ch <= "7":
        digits = ch + rest[:2]
        if len(digits) < 3 or not all("0" <= d <= "7" for d in digits) or int(digits, 8) > 255:
            raise _SyntaxErr("invalid syntax")
        return int(digits, 8), True, rest[2:]
    raise _SyntaxErr("invalid syntax")


def _unquote(quoted: str) -> tuple[str, bool]:
    """strconv.Unquote of a lexed string literal: (text, whether it is valid UTF-8)."""
    if quoted.startswith("`"):
        return quoted[1:-1].replace("\r", ""), True
    body, out = quoted[1:-1], bytearray()
    while body:
        value, is_byte, body = _unquote_char(body, '"')
        out += bytes([value]) if is_byte else chr(value).encode("utf-8", "surrogatepass")
    try:
        return out.decode("utf-8"), True
    except UnicodeDecodeError:
        return out.decode("utf-8", "surrogateescape"), False


def _underscore_ok(text: str) -> bool:
    """strconv's underscoreOK: underscores only between digits or after a base prefix."""
    saw, i = "^", 0
    text = text[1:] if text[:1] in ("+", "-") else text
    hex_digits = False
    if len(text) >= 2 and text[0] == "0" and text[1] in "bBoOxX":
        i, saw, hex_digits = 2, "0", text[1] in "xX"
    for ch in text[i:]:
        if "0" <= ch <= "9" or (hex_digits and ch in "abcdefABCDEF"):
            saw = "0"
        elif ch == "_":
            if saw != "0":
                return False
            saw = "_"
        elif saw == "_":
            return False
        else:
            saw = "!"
    return saw != "_"


def _parse_uint(text: str) -> int | None:
    """strconv.ParseUint(text, 0, 64), None on error."""
    base, body = 10, text
    if text[:1] == "0":
        prefixes = {"b": 2, "o": 8, "x": 16}
        if len(text) >= 3 and text[1].lower() in prefixes:
            base, body = prefixes[text[1].lower()], text[2:]
        else:
            base, body = 8, text[1:]
    value = 0
    for ch in body:
        if ch == "_":
            continue
        digit = int(ch, 36) if ch.isascii() and ch.isalnum() else 99
        if digit >= base:
            return None
        value = value * base + digit
    if value > _MAX_UINT64 or ("_" in text and not _underscore_ok(text)) or text == "":
        return None
    return value


def _parse_int(text: str) -> int | None:
    """strconv.ParseInt(text, 0, 64), None on error."""
    sign = -1 if text[:1] == "-" else 1
    magnitude = _parse_uint(text[1:] if text[:1] in ("+", "-") else text)
    if magnitude is None or not -_MAX_INT64 - 1 <= sign * magnitude <= _MAX_INT64:
        return None
    return sign * magnitude


_DECIMAL_FLOAT = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_HEX_FLOAT = re.compile(r"[+-]?0[xX]([0-9a-fA-F]+\.?[0-9a-fA-F]*|\.[0-9a-fA-F]+)[pP][+-]?[0-9]+")


def _parse_float(text: str) -> float | None:
    """strconv.ParseFloat(text, 64), None on a syntax or range error."""
    if "_" in text and not _underscore_ok(text):
        return None
    plain = text.replace("_", "")
    if _DECIMAL_FLOAT.fullmatch(plain):
        value = float(plain)
    elif _HEX_FLOAT.fullmatch(plain):
        value = float.fromhex(plain)
    else:
        return None
    return None if math.isinf(value) else value


# --- parse tree: the node types of text/template/parse/node.go ---------------------------------


@dataclass(slots=True)
class Node:
    """A node of the parse tree; `pos` is its offset in the template text."""

    pos: int


@dataclass(slots=True)
class TextNode(Node):
    text: str


@dataclass(slots=True)
class CommentNode(Node):
    pass


@dataclass(slots=True)
class ListNode(Node):
    nodes: list[Node] = field(default_factory=list)


@dataclass(slots=True)
class FieldNode(Node):
    ident: tuple[str, ...]

    def __str__(self) -> str:
        return "".join("." + name for name in self.ident)


@dataclass(slots=True)
class VariableNode(Node):
    ident: tuple[str, ...]

    def __str__(self) -> str:
        return ".".join(self.ident)


@dataclass(slots=True)
class IdentifierNode(Node):
    ident: str

    def __str__(self) -> str:
        return self.ident


@dataclass(slots=True)
class DotNode(Node):
    def __str__(self) -> str:
        return "."


@dataclass(slots=True)
class NilNode(Node):
    def __str__(self) -> str:
        return "nil"


@dataclass(slots=True)
class BoolNode(Node):
    value: bool

    def __str__(self) -> str:
        return "true" if self.value else "false"


@dataclass(slots=True)
class NumberNode(Node):
    text: str
    integer: int | None  # what Go's idealConstant makes of it when that is an int

    def __str__(self) -> str:
        return self.text


@dataclass(slots=True)
class StringNode(Node):
    quoted: str
    text: str
    utf8: bool

    def __str__(self) -> str:
        return self.quoted


@dataclass(slots=True)
class CommandNode(Node):
    args: list[Node] = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(f"({arg})" if isinstance(arg, PipeNode) else str(arg) for arg in self.args)


@dataclass(slots=True)
class PipeNode(Node):
    line: int
    is_assign: bool = False
    decl: list[VariableNode] = field(default_factory=list)
    cmds: list[CommandNode] = field(default_factory=list)

    def __str__(self) -> str:
        decl = ""
        if self.decl:
            decl = ", ".join(map(str, self.decl)) + (" = " if self.is_assign else " := ")
        return decl + " | ".join(map(str, self.cmds))


@dataclass(slots=True)
class ChainNode(Node):
    node: Node
    fields: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        head = f"({self.node})" if isinstance(self.node, PipeNode) else str(self.node)
        return head + "".join("." + name for name in self.fields)


@dataclass(slots=True)
class ActionNode(Node):
    line: int
    pipe: PipeNode


@dataclass(slots=True)
class BranchNode(Node):
    """Go's IfNode, RangeNode and WithNode: `keyword` tells which."""

    keyword: str
    line: int
    pipe: PipeNode
    list: ListNode
    else_list: ListNode | None


@dataclass(slots=True)
class TemplateNode(Node):
    line: int
    name: str
    pipe: PipeNode | None
    block: bool


@dataclass(slots=True)
class LoopControlNode(Node):
    """Go's BreakNode and ContinueNode."""

    keyword: str


@dataclass(slots=True)
class _EndNode(Node):
    def __str__(self) -> str:
        return "{{end}}"


@dataclass(slots=True)
class _ElseNode(Node):
    def __str__(self) -> str:
        return "{{else}}"


@dataclass(frozen=True, slots=True)
class Tree:
    """A parsed template: its name, text and root, and the templates it defines."""

    name: str
    text: str
    root: ListNode
    definitions: tuple[tuple[str, int], ...]  # (name, offset) of each {{define}}


# --- parser: port of text/template/parse/parse.go ---------------------------------------------

_OPERAND_START = frozenset(
    {
        _T.BOOL,
        _T.CHAR_CONSTANT,
        _T.COMPLEX,
        _T.DOT,
        _T.FIELD,
        _T.IDENTIFIER,
        _T.NUMBER,
        _T.NIL,
        _T.RAW_STRING,
        _T.STRING,
        _T.VARIABLE,
        _T.LEFT_PAREN,
    }
)
_NOT_EXECUTABLE = (BoolNode, DotNode, NilNode, NumberNode, StringNode)


# unicode.IsSpace: Unicode's White_Space property.
_GO_WHITE_SPACE = (
    "\t\n\v\f\r \x85\xa0\u1680"
    + "".join(map(chr, range(0x2000, 0x200B)))
    + "\u2028\u2029\u202f\u205f\u3000"
)


def _is_empty_tree(node: Node | None) -> bool:
    if node is None or isinstance(node, CommentNode):
        return True
    if isinstance(node, ListNode):
        return all(_is_empty_tree(n) for n in node.nodes)
    if isinstance(node, TextNode):
        return not node.text.strip(_GO_WHITE_SPACE)  # bytes.TrimSpace
    return False


class _Parser:
    """One Go `parse.Tree` while it parses: the top template, or a define/block body."""

    def __init__(
        self,
        lexer: _Lexer,
        parse_name: str,
        name: str,
        trees: dict[str, ListNode],
        funcs: frozenset[str] = frozenset(),
    ) -> None:
        self.lex = lexer
        self.funcs = funcs
        self.parse_name = parse_name
        self.name = name
        self.trees = trees
        self.root = ListNode(0)
        self.token = [_Item(_T.EOF, 0, "", 0)] * 3
        self.peek_count = 0
        self.vars = ["$"]
        self.action_line = 0
        self.range_depth = 0
        self.depth = 0
        self.definitions: list[tuple[str, int]] = []

    # -- token buffer --

    def next(self) -> _Item:
        if self.peek_count > 0:
            self.peek_count -= 1
        else:
            self.token[0] = self.lex.next_item()
        return self.token[self.peek_count]

    def backup(self) -> None:
        self.peek_count += 1

    def backup2(self, t1: _Item) -> None:
        self.token[1] = t1
        self.peek_count = 2

    def backup3(self, t2: _Item, t1: _Item) -> None:
        self.token[1] = t1
        self.token[2] = t2
        self.peek_count = 3

    def peek(self) -> _Item:
        if self.peek_count > 0:
            return self.token[self.peek_count - 1]
        self.peek_count = 1
        self.token[0] = self.lex.next_item()
        return self.token[0]

    def next_non_space(self) -> _Item:
        while (token := self.next()).typ == _T.SPACE:
            pass
        return token

    def peek_non_space(self) -> _Item:
        token = self.next_non_space()
        self.backup()
        return token

    # -- errors --

    def errorf(self, message: str) -> TemplateSyntaxError:
        line = self.token[0].line
        return TemplateSyntaxError(f"template: {self.parse_name}:{line}: {message}")

    def expect(self, *expected: _T, context: str) -> _Item:
        token = self.next_non_space()
        if token.typ not in expected:
            raise self.unexpected(token, context)
        return token

    def unexpected(self, token: _Item, context: str) -> TemplateSyntaxError:
        if token.typ == _T.ERROR:
            extra = ""
            if self.action_line not in (0, token.line):
                extra = f" in action started at {self.parse_name}:{self.action_line}"
                if token.val.endswith(" action"):
                    extra = extra[len(" in action") :]  # not "action in action"
            return self.errorf(f"{token}{extra}")
        return self.errorf(f"unexpected {token} in {context}")

    def nest(self) -> None:
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise UnsupportedTemplateError(
                f"template: {self.parse_name}:{self.token[0].line}: unsupported in "
                f"kserve-gitops: nesting deeper than {MAX_NESTING} levels"
            )

    # -- structure --

    def parse(self) -> None:
        self.root = ListNode(self.peek().pos)
        while self.peek().typ != _T.EOF:
            if self.peek().typ == _T.LEFT_DELIM:
                delim = self.next()
                token = self.next_non_space()
                if token.typ == _T.DEFINE:
                    definition = _Parser(
                        self.lex, self.parse_name, "definition", self.trees, self.funcs
                    )
                    definition.parse_definition()
                    self.definitions.append((definition.name, token.pos))
                    continue
                self.backup2(delim)
            node = self.text_or_action()
            if isinstance(node, _EndNode | _ElseNode):
                raise self.errorf(f"unexpected {node}")
            self.root.nodes.append(node)

    def add(self) -> None:
        tree = self.trees.get(self.name)
        if tree is None or _is_empty_tree(tree):
            self.trees[self.name] = self.root
        elif not _is_empty_tree(self.root):
            raise self.errorf(f"template: multiple definition of template {quote(self.name)}")

    def parse_definition(self) -> None:
        context = "define clause"
        token = self.expect(_T.STRING, _T.RAW_STRING, context=context)
        self.name = self.unquote(token.val)[0]
        self.expect(_T.RIGHT_DELIM, context=context)
        self.root, end = self.item_list()
        if not isinstance(end, _EndNode):
            raise self.errorf(f"unexpected {end} in {context}")
        self.add()

    def item_list(self) -> tuple[ListNode, Node]:
        nodes = ListNode(self.peek_non_space().pos)
        while self.peek_non_space().typ != _T.EOF:
            node = self.text_or_action()
            if isinstance(node, _EndNode | _ElseNode):
                return nodes, node
            nodes.nodes.append(node)
        raise self.errorf("unexpected EOF")

    def text_or_action(self) -> Node:
        token = self.next_non_space()
        if token.typ == _T.TEXT:
            return TextNode(token.pos, token.val)
        if token.typ == _T.LEFT_DELIM:
            self.action_line = token.line
            try:
                return self.action()
            finally:
                self.action_line = 0
        if token.typ == _T.COMMENT:
            return CommentNode(token.pos)
        raise self.unexpected(token, "input")

    def action(self) -> Node:
        token = self.next_non_space()
        controls: dict[_T, Callable[[], Node]] = {
            _T.BLOCK: self.block_control,
            _T.ELSE: self.else_control,
            _T.END: self.end_control,
            _T.IF: lambda: self.branch_control("if"),
            _T.RANGE: lambda: self.branch_control("range"),
            _T.TEMPLATE: self.template_control,
            _T.WITH: lambda: self.branch_control("with"),
        }
        if token.typ in controls:
            return controls[token.typ]()
        if token.typ in (_T.BREAK, _T.CONTINUE):
            return self.loop_control(token)
        self.backup()
        token = self.peek()
        return ActionNode(token.pos, token.line, self.pipeline("command", _T.RIGHT_DELIM))

    def loop_control(self, keyword: _Item) -> Node:
        word = "{{" + keyword.val + "}}"
        token = self.next_non_space()
        if token.typ != _T.RIGHT_DELIM:
            raise self.unexpected(token, word)
        if self.range_depth == 0:
            raise self.errorf(f"{word} outside {{{{range}}}}")
        return LoopControlNode(keyword.pos, keyword.val)

    def pipeline(self, context: str, end: _T) -> PipeNode:
        token = self.peek_non_space()
        pipe = PipeNode(token.pos, token.line)
        self.declarations(pipe, context)
        while True:
            token = self.next_non_space()
            if token.typ == end:
                self.check_pipeline(pipe, context)
                return pipe
            if token.typ not in _OPERAND_START:
                raise self.unexpected(token, context)
            self.backup()
            pipe.cmds.append(self.command())

    def declarations(self, pipe: PipeNode, context: str) -> None:
        while (var := self.peek_non_space()).typ == _T.VARIABLE:
            self.next()
            after = self.peek()
            nxt = self.peek_non_space()
            if nxt.typ in (_T.ASSIGN, _T.DECLARE):
                pipe.is_assign = nxt.typ == _T.ASSIGN
                self.next_non_space()
                pipe.decl.append(VariableNode(var.pos, (var.val,)))
                self.vars.append(var.val)
            elif nxt.typ == _T.CHAR and nxt.val == ",":
                self.next_non_space()
                pipe.decl.append(VariableNode(var.pos, (var.val,)))
                self.vars.append(var.val)
                if context == "range" and len(pipe.decl) < 2:
                    if self.peek_non_space().typ in (_T.VARIABLE, _T.RIGHT_DELIM, _T.RIGHT_PAREN):
                        continue
                    raise self.errorf("range can only initialize variables")
                raise self.errorf(f"too many declarations in {context}")
            elif after.typ == _T.SPACE:
                self.backup3(var, after)
            else:
                self.backup2(var)
            return

    def check_pipeline(self, pipe: PipeNode, context: str) -> None:
        if not pipe.cmds:
            raise self.errorf(f"missing value for {context}")
        for stage, cmd in enumerate(pipe.cmds[1:], start=2):
            if isinstance(cmd.args[0], _NOT_EXECUTABLE):
                raise self.errorf(f"non executable command in pipeline stage {stage}")

    def branch_control(self, context: str) -> Node:
        """parseControl, for if, range and with."""
        self.nest()
        marker = len(self.vars)
        try:
            pipe = self.pipeline(context, _T.RIGHT_DELIM)
            self.range_depth += context == "range"
            nodes, nxt = self.item_list()
            self.range_depth -= context == "range"
            else_list = None
            if isinstance(nxt, _ElseNode):
                chained = {"if": _T.IF, "with": _T.WITH}.get(context)
                if chained is not None and self.peek().typ == chained:
                    self.next()
                    else_list = ListNode(nxt.pos, [self.branch_control(context)])
                else:
                    else_list, nxt = self.item_list()
                    if not isinstance(nxt, _EndNode):
                        raise self.errorf(f"expected end; found {nxt}")
            return BranchNode(pipe.pos, context, pipe.line, pipe, nodes, else_list)
        finally:
            del self.vars[marker:]
            self.depth -= 1

    def end_control(self) -> Node:
        return _EndNode(self.expect(_T.RIGHT_DELIM, context="end").pos)

    def else_control(self) -> Node:
        peek = self.peek_non_space()
        if peek.typ in (_T.IF, _T.WITH):
            return _ElseNode(peek.pos)
        return _ElseNode(self.expect(_T.RIGHT_DELIM, context="else").pos)

    def block_control(self) -> Node:
        context = "block clause"
        token = self.next_non_space()
        name = self.template_name(token, context)
        pipe = self.pipeline(context, _T.RIGHT_DELIM)
        block = _Parser(self.lex, self.parse_name, name, self.trees, self.funcs)
        block.depth = self.depth
        block.root, end = block.item_list()
        if not isinstance(end, _EndNode):
            raise self.errorf(f"unexpected {end} in {context}")
        block.add()
        return TemplateNode(token.pos, token.line, name, pipe, block=True)

    def template_control(self) -> Node:
        context = "template clause"
        token = self.next_non_space()
        name = self.template_name(token, context)
        pipe = None
        if self.next_non_space().typ != _T.RIGHT_DELIM:
            self.backup()
            pipe = self.pipeline(context, _T.RIGHT_DELIM)
        return TemplateNode(token.pos, token.line, name, pipe, block=False)

    def template_name(self, token: _Item, context: str) -> str:
        if token.typ not in (_T.STRING, _T.RAW_STRING):
            raise self.unexpected(token, context)
        return self.unquote(token.val)[0]

    def unquote(self, quoted: str) -> tuple[str, bool]:
        try:
            return _unquote(quoted)
        except _SyntaxErr as err:
            raise self.errorf(str(err)) from None

    # -- commands and operands --

    def command(self) -> CommandNode:
        cmd = CommandNode(self.peek_non_space().pos)
        while True:
            self.peek_non_space()  # skip leading spaces
            operand = self.operand()
            if operand is not None:
                cmd.args.append(operand)
            token = self.next()
            if token.typ == _T.SPACE:
                continue
            if token.typ in (_T.RIGHT_DELIM, _T.RIGHT_PAREN):
                self.backup()
            elif token.typ != _T.PIPE:
                raise self.unexpected(token, "operand")
            break
        if not cmd.args:
            raise self.errorf("empty command")
        return cmd

    def operand(self) -> Node | None:
        node = self.term()
        if node is None or self.peek().typ != _T.FIELD:
            return node
        chain = ChainNode(self.peek().pos, node)
        while self.peek().typ == _T.FIELD:
            chain.fields.append(self.next().val[1:])
        if isinstance(node, FieldNode):
            return FieldNode(chain.pos, (*node.ident, *chain.fields))
        if isinstance(node, VariableNode):
            return VariableNode(chain.pos, (*node.ident, *chain.fields))
        if isinstance(node, _NOT_EXECUTABLE):
            raise self.errorf(f"unexpected . after term {quote(str(node))}")
        return chain

    def term(self) -> Node | None:
        token = self.next_non_space()
        typ = token.typ
        if typ == _T.IDENTIFIER:
            if token.val not in BUILTIN_FUNCTIONS and token.val not in self.funcs:
                raise self.errorf(f"function {quote(token.val)} not defined")
            return IdentifierNode(token.pos, token.val)
        if typ == _T.DOT:
            return DotNode(token.pos)
        if typ == _T.NIL:
            return NilNode(token.pos)
        if typ == _T.VARIABLE:
            return self.use_var(token)
        if typ == _T.FIELD:
            return FieldNode(token.pos, tuple(token.val.split(".")[1:]))
        if typ == _T.BOOL:
            return BoolNode(token.pos, token.val == "true")
        if typ in (_T.CHAR_CONSTANT, _T.COMPLEX, _T.NUMBER):
            return self.number(token)
        if typ == _T.LEFT_PAREN:
            self.nest()
            try:
                return self.pipeline("parenthesized pipeline", _T.RIGHT_PAREN)
            finally:
                self.depth -= 1
        if typ in (_T.STRING, _T.RAW_STRING):
            text, utf8 = self.unquote(token.val)
            return StringNode(token.pos, token.val, text, utf8)
        self.backup()
        return None

    def use_var(self, token: _Item) -> Node:
        ident = tuple(token.val.split("."))
        if ident[0] not in self.vars:
            raise self.errorf(f"undefined variable {quote(ident[0])}")
        return VariableNode(token.pos, ident)

    def number(self, token: _Item) -> NumberNode:
        """newNumber, keeping only the int Go's idealConstant would make of it."""
        text = token.val
        if token.typ == _T.CHAR_CONSTANT:
            try:
                value, _, tail = _unquote_char(text[1:], "'")
            except _SyntaxErr as err:
                raise self.errorf(str(err)) from None
            if tail != "'":
                raise self.errorf(f"malformed character constant: {text}")
            return NumberNode(token.pos, text, value)
        if token.typ == _T.COMPLEX or (text.endswith("i") and _parse_float(text[:-1]) is not None):
            # unconfirmed: the texts of fmt.Sscan's errors for malformed complex constants.
            return NumberNode(token.pos, text, None)
        as_int, as_uint = _parse_int(text), _parse_uint(text)
        if as_int is None and as_uint is None:
            as_float = _parse_float(text)
            if as_float is None:
                raise self.errorf(f"illegal number syntax: {quote(text)}")
            if not any(ch in text for ch in ".eEpP"):
                raise self.errorf(f"integer overflow: {quote(text)}")
            return NumberNode(token.pos, text, None)
        hex_int = text[:2] in ("0x", "0X") and not any(ch in text for ch in "pP")
        if not hex_int and any(ch in text for ch in ".eEpP"):
            return NumberNode(token.pos, text, None)  # a float64 constant
        return NumberNode(token.pos, text, as_int)


def parse(text: str, name: str, *, funcs: Funcs = _NO_FUNCS, max_chars: int | None = None) -> Tree:
    """Parse `text` as Go's `template.New(name).Funcs(funcs).Parse(text)` does, or raise its error.

    Raises TemplateSyntaxError (Go's text), or UnsupportedTemplateError for nesting deeper than
    MAX_NESTING or a source longer than `max_chars` (SOURCE_LIMIT when None), both of which Go
    accepts.
    """
    limit = SOURCE_LIMIT.get() if max_chars is None else max_chars
    if len(text) > limit:
        raise UnsupportedTemplateError(f"template: {name}: longer than {limit} characters")
    parser = _Parser(_Lexer(text), name, name, {}, _func_names(funcs))
    parser.parse()
    parser.add()
    return Tree(name, text, parser.root, tuple(parser.definitions))


# --- the supported subset --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Vet:
    """Walks a tree and raises UnsupportedTemplateError for what `execute` cannot run."""

    tree: Tree
    html: bool
    funcs: Funcs = field(default_factory=dict)

    def fail(self, node: Node, what: str) -> UnsupportedTemplateError:
        line = self.tree.text.count("\n", 0, node.pos) + 1
        return UnsupportedTemplateError(
            f"template: {self.tree.name}:{line}: unsupported in kserve-gitops: {what}"
        )

    def exec_fail(self, node: Node, context: object, message: str) -> UnsupportedTemplateError:
        """An execution error Go raises whatever the data, reported before executing."""
        line = self.tree.text.count("\n", 0, node.pos) + 1
        name = self.tree.name
        return UnsupportedTemplateError(
            f'template: {name}:{line}: executing "{name}" at <{context}>: {message}'
        )

    def walk(self, node: Node, root_dot: bool) -> None:
        if isinstance(node, ListNode):
            for child in node.nodes:
                self.walk(child, root_dot)
        elif isinstance(node, TextNode):
            if self.html and "<" in node.text:
                raise self.fail(node, "html/template text outside the HTML text context (a '<')")
        elif isinstance(node, ActionNode):
            self.pipe(node.pipe, root_dot)
        elif isinstance(node, BranchNode):
            if node.keyword == "range":
                raise self.fail(node, "keyword 'range'")
            self.pipe(node.pipe, root_dot)
            self.walk(node.list, root_dot and node.keyword != "with")
            if node.else_list is not None:
                self.walk(node.else_list, root_dot)
        elif isinstance(node, TemplateNode):
            raise self.fail(node, "keyword 'block'" if node.block else "keyword 'template'")
        elif not isinstance(node, CommentNode):  # break/continue live only inside range
            raise self.fail(node, f"{type(node).__name__}")

    def pipe(self, pipe: PipeNode, root_dot: bool) -> None:
        if pipe.decl:
            raise self.fail(pipe, "variables")
        if len(pipe.cmds) > 1:
            raise self.fail(pipe.cmds[1], "pipelines")
        self.command(pipe.cmds[0], pipe, root_dot)

    def command(self, cmd: CommandNode, pipe: PipeNode, root_dot: bool) -> None:
        head, args = cmd.args[0], cmd.args[1:]
        if isinstance(head, IdentifierNode):
            self.call(head, cmd, args, root_dot)
            return
        if args and isinstance(head, FieldNode | ChainNode):
            raise self.fail(head, f"arguments after {head}")
        if args:  # Go points at the enclosing pipeline when the head is one
            at = pipe if isinstance(head, PipeNode) else head
            raise self.exec_fail(at, at, f"can't give argument to non-function {head}")
        if isinstance(head, NilNode):
            raise self.exec_fail(head, head, "nil is not a command")
        self.operand(head, root_dot)

    def call(self, func: IdentifierNode, cmd: Node, args: Sequence[Node], root_dot: bool) -> None:
        name = func.ident
        if name in self.funcs:
            self.caller_function(func, args, root_dot)
            return
        if name not in SUPPORTED_FUNCTIONS:
            raise self.fail(func, f"function {name!r}")
        want = 1 if name in ("not", "len") else 2 if name == "ne" else 0
        if want and len(args) != want:
            raise self.exec_fail(
                func, func, f"wrong number of args for {name}: want {want} got {len(args)}"
            )
        if not args:
            raise self.exec_fail(
                func, func, f"wrong number of args for {name}: want at least 1 got 0"
            )
        for arg in args:
            if isinstance(arg, IdentifierNode):
                self.call(arg, arg, (), root_dot)
            self.operand(arg, root_dot)
        if name == "eq" and len(args) == 1:
            message = "error calling eq: missing argument for comparison"
            raise self.exec_fail(cmd, cmd, message)

    def caller_function(self, func: IdentifierNode, args: Sequence[Node], root_dot: bool) -> None:
        """evalCall's argument count check, which fails whatever the data."""
        want, variadic = _arity(self.funcs[func.ident])
        if (len(args) < want) if variadic else (len(args) != want):
            wanted = f"at least {want}" if variadic else str(want)
            message = f"wrong number of args for {func.ident}: want {wanted} got {len(args)}"
            raise self.exec_fail(func, func, message)
        for arg in args:
            if isinstance(arg, IdentifierNode):
                self.call(arg, arg, (), root_dot)
            self.operand(arg, root_dot)

    def operand(self, node: Node, root_dot: bool) -> None:
        if isinstance(node, VariableNode):
            raise self.fail(node, "variables")
        if isinstance(node, DotNode) and root_dot:
            raise self.fail(node, "the dot outside {{with}} (the data struct)")
        if isinstance(node, NumberNode) and node.integer is None:
            raise self.fail(node, f"the number constant {node.text} (only integers)")
        if isinstance(node, StringNode) and not node.utf8:
            raise self.fail(node, f"byte escapes that are not UTF-8 in {node.quoted}")
        if isinstance(node, PipeNode):
            self.pipe(node, root_dot)
        if isinstance(node, ChainNode):
            if not isinstance(node.node, PipeNode):
                raise self.fail(node, f"fields of {node.node}")
            self.pipe(node.node, root_dot)


def _arity(func: Callable[..., Any]) -> tuple[int, bool]:
    """The number of fixed arguments of a caller function, and whether it takes more."""
    params = inspect.signature(func).parameters.values()
    fixed = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = [p for p in fixed if p.default is p.empty]
    variadic = any(p.kind == p.VAR_POSITIONAL for p in params) or len(required) != len(fixed)
    return len(required), variadic


def _vet(tree: Tree, html: bool, funcs: Funcs = _NO_FUNCS) -> None:
    if tree.definitions:
        raise _Vet(tree, html, funcs).fail(Node(tree.definitions[0][1]), "keyword 'define'")
    _Vet(tree, html, funcs).walk(tree.root, root_dot=True)


def check(text: str, name: str, *, funcs: Funcs = _NO_FUNCS) -> Tree:
    """Parse `text` and refuse what `execute` cannot run; raises TemplateSyntaxError or
    UnsupportedTemplateError. A template that passes fails in `execute` only on its data.
    `funcs` are the caller's functions, as Go's `Funcs` adds them before `Parse`."""
    tree = parse(text, name, funcs=funcs)
    _vet(tree, html=False, funcs=funcs)
    return tree


# --- execution: port of text/template/exec.go and funcs.go ------------------------------------


class _Missing:
    """Go's invalid reflect.Value: a missing map key, or nil as an argument."""

    def __repr__(self) -> str:
        return "<no value>"


_MISSING = _Missing()


@dataclass(frozen=True, slots=True)
class _Struct:
    """The data: a Go struct whose exported fields are the mapping's keys."""

    fields: Mapping[str, Any]


class _Uint8(int):
    """A byte: what `index` of a string gives."""


def _go_type(value: Any) -> str:
    if isinstance(value, _Uint8):
        return "uint8"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, str):
        return "string"
    if value is None or isinstance(value, Mapping):
        return "map[string]string"
    if isinstance(value, GoStruct | GoNil):
        return value.go_type
    return type(value).__name__


def _truth(value: Any) -> bool:
    """isTrue: empty strings and maps, zero, false, nil and missing values are false."""
    if value is _MISSING or value is None or isinstance(value, GoNil):
        return False
    if isinstance(value, _Struct | GoStruct):
        return True
    return bool(value)


class _State:
    """One execution: the output so far, and the node errors point at (Go's `state.at`)."""

    def __init__(self, tree: Tree, html: bool, funcs: Funcs, missingkey: str) -> None:
        self.tree = tree
        self.html = html
        self.funcs = funcs
        self.missingkey = missingkey
        self.out: list[str] = []
        self.node: Node = tree.root

    def at(self, node: Node) -> None:
        self.node = node

    def error(self, message: str) -> TemplateExecError:
        line = self.tree.text.count("\n", 0, self.node.pos) + 1
        name = self.tree.name
        return TemplateExecError(
            f'template: {name}:{line}: executing "{name}" at <{self.node}>: {message}'
        )

    def walk(self, dot: Any, node: Node) -> None:
        self.at(node)
        if isinstance(node, ListNode):
            for child in node.nodes:
                self.walk(dot, child)
        elif isinstance(node, TextNode):
            self.out.append(node.text)
        elif isinstance(node, ActionNode):
            self.print(node, self.pipe(dot, node.pipe))
        elif isinstance(node, BranchNode):
            value = self.pipe(dot, node.pipe)
            if _truth(value):
                self.walk(value if node.keyword == "with" else dot, node.list)
            elif node.else_list is not None:
                self.walk(dot, node.else_list)

    def pipe(self, dot: Any, pipe: PipeNode) -> Any:
        self.at(pipe)
        return self.command(dot, pipe.cmds[0])

    def command(self, dot: Any, cmd: CommandNode) -> Any:
        head = cmd.args[0]
        if isinstance(head, IdentifierNode):
            self.at(head)
            return self.call(dot, head, cmd, cmd.args[1:])
        if not isinstance(head, FieldNode | ChainNode | PipeNode):
            self.at(head)
        return self.operand(dot, head)

    def arg(self, dot: Any, node: Node) -> Any:
        self.at(node)
        if isinstance(node, IdentifierNode):
            return self.call(dot, node, node, ())
        return self.operand(dot, node)

    def operand(self, dot: Any, node: Node) -> Any:
        if isinstance(node, FieldNode):
            self.at(node)
            return self.fields(dot, node.ident)
        if isinstance(node, ChainNode):
            self.at(node)
            assert isinstance(node.node, PipeNode)  # _vet refuses the other chains
            return self.fields(self.arg(dot, node.node), node.fields)
        if isinstance(node, PipeNode):
            return self.pipe(dot, node)
        if isinstance(node, DotNode):
            return dot
        if isinstance(node, NilNode):
            return _MISSING
        if isinstance(node, BoolNode):
            return node.value
        if isinstance(node, NumberNode):
            return node.integer
        if isinstance(node, StringNode):
            return node.text
        raise AssertionError(f"unvetted node {node!r}")

    def fields(self, receiver: Any, names: Sequence[str]) -> Any:
        """evalFieldChain over our data model."""
        for name in names:
            if isinstance(receiver, _Struct):
                if name not in receiver.fields:
                    raise self.error(f"can't evaluate field {name}")
                receiver = receiver.fields[name]
            elif isinstance(receiver, GoStruct):
                try:
                    receiver = receiver.go_field(name)
                except LookupError:
                    raise self.error(
                        f"can't evaluate field {name} in type {receiver.go_type}"
                    ) from None
            elif isinstance(receiver, GoNil):
                raise self.error(f"nil pointer evaluating {receiver.go_type}.{name}")
            elif receiver is _MISSING:
                if self.missingkey == "error":
                    raise self.error(f"nil data; no entry for key {quote(name)}")
            elif receiver is None or isinstance(receiver, Mapping):  # nil map: no keys
                receiver = self.map_entry(receiver, name)
            else:
                raise self.error(f"can't evaluate field {name} in type {_go_type(receiver)}")
        return receiver

    def map_entry(self, receiver: Mapping[str, Any] | None, name: str) -> Any:
        """A map[string]string key under the template's missingkey option."""
        if receiver is not None and name in receiver:
            return receiver[name]
        if self.missingkey == "error":
            raise self.error(f"map has no entry for key {quote(name)}")
        return "" if self.missingkey == "zero" else _MISSING

    def call(self, dot: Any, func: IdentifierNode, cmd: Node, args: Sequence[Node]) -> Any:
        name = func.ident
        if name in self.funcs:  # findFunction: the template's functions before the builtins
            return self.call_caller(dot, name, cmd, args)
        if name in ("and", "or"):  # short-circuit: the first deciding argument is the result
            value: Any = _MISSING
            for arg in args:
                value = self.arg(dot, arg)
                if _truth(value) == (name == "or"):
                    return value
            return value
        values = [self.arg(dot, arg) for arg in args]
        try:
            return _FUNCTIONS[name](*values)
        except _CallError as err:
            self.at(cmd)
            raise self.error(f"error calling {name}: {err}") from None
        except _Unsupported as err:
            self.at(cmd)
            raise self.error(f"unsupported in kserve-gitops: {err}") from None

    def call_caller(self, dot: Any, name: str, cmd: Node, args: Sequence[Node]) -> Any:
        """A caller function: nil and nil pointers arrive as None, a FuncError is Go's error."""
        values = [self.arg(dot, arg) for arg in args]
        values = [None if v is _MISSING or isinstance(v, GoNil) else v for v in values]
        try:
            return self.funcs[name](*values)
        except FuncError as err:
            self.at(cmd)
            raise self.error(f"error calling {name}: {err}") from None

    def print(self, node: ActionNode, value: Any) -> None:
        if value is _MISSING:
            self.out.append("" if self.html else "<no value>")
            return
        try:
            text = _format(value)
        except _Unsupported as err:
            self.at(node.pipe)
            raise self.error(f"unsupported in kserve-gitops: {err}") from None
        self.out.append("".join(_HTML_ESCAPES.get(ch, ch) for ch in text) if self.html else text)


class _CallError(Exception):
    """An error a builtin function returns; Go wraps it as `error calling NAME: ...`."""


class _Unsupported(Exception):
    """A value this port does not model."""


def _format(value: Any) -> str:
    """fmt.Sprint of a value of the data model."""
    if value is _MISSING:
        return "<no value>"
    if value is None:
        return "map[]"
    if isinstance(value, GoNil):  # printableValue leaves a nil pointer to fmt: <nil>
        return "<nil>"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    if isinstance(value, Mapping):
        return "map[" + " ".join(f"{k}:{_format(value[k])}" for k in sorted(value)) + "]"
    raise _Unsupported(f"printing a {_go_type(value)}")


def _not(value: Any) -> bool:
    return not _truth(value)


def _len(value: Any) -> int:
    if value is _MISSING:
        raise _CallError("reflect: call of reflect.Value.Type on zero Value")
    if value is None:
        return 0
    if isinstance(value, str):
        return len(value.encode("utf-8", "surrogateescape"))
    if isinstance(value, Mapping):
        return len(value)
    raise _CallError(f"len of type {_go_type(value)}")


def _index(item: Any, *keys: Any) -> Any:
    if item is _MISSING:
        raise _CallError("index of untyped nil")
    for key in keys:
        if isinstance(item, str):
            item = _index_string(item.encode("utf-8", "surrogateescape"), key)
            continue
        if item is not None and not isinstance(item, Mapping):
            raise _CallError(f"can't index item of type {_go_type(item)}")
        if key is _MISSING:
            raise _CallError("value is nil; should be of type string")
        if not isinstance(key, str):
            raise _CallError(f"value has type {_go_type(key)}; should be string")
        item = "" if item is None else item.get(key, "")  # a missing key: the zero value
    return item


def _index_string(item: bytes, key: Any) -> _Uint8:
    """`index` of a string: a byte, by an integer (Go's indexArg)."""
    if key is _MISSING:
        raise _CallError("cannot index slice/array with nil")
    if isinstance(key, bool) or not isinstance(key, int):
        raise _CallError(f"cannot index slice/array with type {_go_type(key)}")
    if key < 0 or key > len(item):
        raise _CallError(f"index out of range: {key}")
    if key == len(item):
        raise _CallError("reflect: string index out of range")
    return _Uint8(item[key])


def _basic_kind(value: Any) -> str | None:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "uint" if isinstance(value, _Uint8) else "int"
    if isinstance(value, str):
        return "string"
    return None


def _eq(first: Any, *others: Any) -> bool:
    kind = _basic_kind(first)
    for other in others:
        if {kind, _basic_kind(other)} == {"int", "uint"}:
            if first == other:  # Go compares a signed and an unsigned integer by value
                return True
        elif kind != _basic_kind(other):
            if first is not _MISSING and other is not _MISSING:
                types = f"{_go_type(first)} and {_go_type(other)}"
                raise _CallError(f"incompatible types for comparison: {types}")
        elif kind is not None:
            if first == other:
                return True
        elif _is_nil(first) or _is_nil(other):
            # canCompare holds (same kind, or one invalid); nil and missing are equal
            if _is_nil(first) == _is_nil(other):
                return True
        else:
            raise _CallError(f"non-comparable type {_format(other)}: {_go_type(other)}")
    return False


def _is_nil(value: Any) -> bool:
    return value is _MISSING or value is None or isinstance(value, GoNil)


def _ne(first: Any, second: Any) -> bool:
    return not _eq(first, second)


_FUNCTIONS: dict[str, Callable[..., Any]] = {
    "not": _not,
    "len": _len,
    "index": _index,
    "eq": _eq,
    "ne": _ne,
}


def execute(
    tree: Tree,
    data: Mapping[str, Any] | GoStruct,
    *,
    html: bool = False,
    funcs: Funcs = _NO_FUNCS,
    missingkey: str = "default",
) -> str:
    """Execute `tree` over `data` as Go's text/template does (html/template if `html`).

    `data` is a mapping of Go field names (a struct), or a GoStruct that maps them itself.
    `funcs` are the functions given to Funcs() before parsing; `missingkey` is the
    `Option("missingkey=...")` value. Raises UnsupportedTemplateError for what `check` refuses
    (and, with `html`, for text outside html/template's HTML text context), TemplateExecError
    for failures on this data.
    """
    _vet(tree, html, funcs)
    return _run(tree, data, html, funcs, missingkey)


def _run(
    tree: Tree, data: Mapping[str, Any] | GoStruct, html: bool, funcs: Funcs, missingkey: str
) -> str:
    if missingkey not in _MISSING_KEY_MODES:
        raise ValueError(f'unrecognized option "missingkey={missingkey}"')
    state = _State(tree, html, funcs, missingkey)
    state.walk(data if isinstance(data, GoStruct) else _Struct(data), tree.root)
    return "".join(state.out)


@functools.lru_cache(maxsize=1024)
def _prepared(
    text: str, name: str, html: bool, funcs: tuple[tuple[str, Callable[..., Any]], ...]
) -> Tree:
    """A parsed and vetted tree; the same config templates render once per object."""
    tree = parse(text, name, funcs=dict(funcs), max_chars=len(text))  # render checked it
    _vet(tree, html, dict(funcs))
    return tree


def render(
    text: str,
    data: Mapping[str, Any] | GoStruct,
    *,
    name: str,
    html: bool = False,
    funcs: Funcs = _NO_FUNCS,
    missingkey: str = "default",
    max_chars: int | None = None,
) -> str:
    """Parse and execute in one step (see `execute`, `parse`); any GoTemplateError propagates."""
    limit = SOURCE_LIMIT.get() if max_chars is None else max_chars
    if len(text) > limit:  # checked before the cache, which may hold it from a larger limit
        raise UnsupportedTemplateError(f"template: {name}: longer than {limit} characters")
    tree = _prepared(text, name, html, tuple(sorted(funcs.items())))
    return _run(tree, data, html, funcs, missingkey)
