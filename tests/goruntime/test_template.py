"""generator.goruntime.template: Go's text/template and html/template results for the same inputs.

The tables pin behaviours (each expected text was produced by Go 1.26's text/template);
`test_same_results_as_go` runs Go itself over them and over a generated corpus when a Go
toolchain is present; `test_check_and_execute_agree` holds without Go.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.config.configmap import IngressConfig
from generator.goruntime.template import (
    FuncError,
    GoNil,
    GoStruct,
    GoTemplateError,
    TemplateExecError,
    TemplateSyntaxError,
    UnsupportedTemplateError,
    check,
    execute,
    parse,
    render,
)
from generator.reconcilers.ingress.path import generate_url_path

DATA = {
    "Name": "my-model",
    "Namespace": "ns",
    "IngressDomain": "example.com",
    "Labels": {"app": "a", "team/x": 'q"u+o<t>e&', "empty": "", "ref": "app"},
    "Annotations": None,  # a nil map
    "Generation": 3,
    "Flag": True,
}

_FIELDS = [
    ".Name",
    ".Namespace",
    ".Labels",
    ".Labels.app",
    ".Labels.missing",
    ".Labels.empty",
    ".Labels.missing.deeper",
    ".Annotations",
    ".Annotations.x",
    ".Generation",
    ".Flag",
    ".Nope",
    ".Name.x",
    ".Generation.x",
]
_CONSTANTS = [
    '"my-model"',
    '"a"',
    '""',
    "`app`",
    '"team/x"',
    '"te\\x61m/\\u0078"',
    '"\\xff"',
    "0",
    "3",
    "-1",
    "'a'",
    "0x10",
    "1.5",
    "1e3",
    "true",
    "false",
    "nil",
]
_FUNCTIONS = ["and", "or", "not", "eq", "ne", "len", "index", "printf"]
_TEXT = ["a", "/", " ", "\n", "x-", "  \t", "<b>", "}", "{"]
_NOISE = [
    "{{",
    "}}",
    "(",
    ")",
    "|",
    "$",
    '"',
    "`",
    "'",
    "-",
    " ",
    ".",
    ":=",
    "/*",
    "*/",
    "end",
    "\u00a7",
]


class Grammar:
    """Builds one template from `rng`; `mutate` adds lexer-level damage now and then."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def pick(self, options: list[str]) -> str:
        return self.rng.choice(options)

    def arg(self, depth: int) -> str:
        roll = self.rng.random()
        if roll < 0.5:
            return self.pick(_FIELDS)
        if roll < 0.8:
            return self.pick(_CONSTANTS)
        if roll < 0.85:
            return self.pick([".", "$", "$.Name", "printf"])
        if depth < 2:
            return "(" + self.command(depth + 1) + ")" + ("" if self.rng.random() < 0.8 else ".app")
        return self.pick(_FIELDS)

    def command(self, depth: int = 0) -> str:
        if self.rng.random() < 0.45:
            return self.arg(depth)
        count = self.rng.choice([0, 1, 1, 2, 2, 2, 3])
        return " ".join([self.pick(_FUNCTIONS)] + [self.arg(depth) for _ in range(count)])

    def pipeline(self) -> str:
        roll = self.rng.random()
        if roll < 0.05:
            return self.command() + " | " + self.pick(["len", "not", "printf"])
        if roll < 0.08:
            return "$x := " + self.command()
        return self.command()

    def action(self, body: str) -> str:
        left = "{{- " if self.rng.random() < 0.15 else self.pick(["{{", "{{ "])
        right = " -}}" if self.rng.random() < 0.15 else self.pick(["}}", " }}"])
        return left + body + right

    def items(self, depth: int) -> str:
        return "".join(self.node(depth) for _ in range(self.rng.randint(0, 3)))

    def node(self, depth: int) -> str:
        roll = self.rng.random()
        if roll < 0.3:
            return self.pick(_TEXT)
        if roll < 0.65 or depth >= 3:
            return self.action(self.pipeline())
        if roll < 0.7:
            return self.pick(["{{/* c */}}", "{{- /* c */ -}}", "{{range .Labels}}x{{end}}"])
        keyword = "if" if roll < 0.88 else "with"
        out = self.action(f"{keyword} {self.pipeline()}") + self.items(depth + 1)
        while self.rng.random() < 0.3:
            out += self.action(f"else {keyword} {self.pipeline()}") + self.items(depth + 1)
        if self.rng.random() < 0.4:
            out += self.action("else") + self.items(depth + 1)
        return out + self.action("end")

    def template(self) -> str:
        text = self.items(0) + self.node(0)
        if self.rng.random() < 0.2:
            at = self.rng.randint(0, len(text))
            if self.rng.random() < 0.5:
                text = text[:at] + self.pick(_NOISE) + text[at:]
            else:
                text = text[:at] + text[at + self.rng.randint(1, 3) :]
        return text


RENDER = {
    "field": ("{{.Name}}", "my-model", "my-model"),
    "spaces inside the action": (
        "{{ .Namespace }}.{{  .IngressDomain\t}}",
        "ns.example.com",
        "ns.example.com",
    ),
    "domain template": (
        "{{ .Name }}-{{ .Namespace }}.{{ .IngressDomain }}",
        "my-model-ns.example.com",
        "my-model-ns.example.com",
    ),
    "map key": ("{{.Labels.app}}", "a", "a"),
    "missing map key": ("[{{.Labels.missing}}]", "[<no value>]", "[]"),
    "field of a missing key": ("[{{.Labels.missing.deeper}}]", "[<no value>]", "[]"),
    "nil map": ("[{{.Annotations.x}}]", "[<no value>]", "[]"),
    "index": ('{{ index .Labels "team/x" }}', 'q"u+o<t>e&', "q&#34;u&#43;o&lt;t&gt;e&amp;"),
    "index raw string": ("{{index .Labels `app`}}", "a", "a"),
    "index missing key is the zero value": ('[{{ index .Labels "nope" }}]', "[]", "[]"),
    "index of a nil map": ('[{{ index .Annotations "x" }}]', "[]", "[]"),
    "index with a field key": ("{{ index .Labels .Labels.ref }}", "a", "a"),
    "index of a string is a byte": ("{{ index .Name 1 }}", "121", "121"),
    "int": ("{{.Generation}}", "3", "3"),
    "bool": ("{{.Flag}}", "true", "true"),
    "a whole map": (
        "{{.Labels}}",
        'map[app:a empty: ref:app team/x:q"u+o<t>e&]',
        "map[app:a empty: ref:app team/x:q&#34;u&#43;o&lt;t&gt;e&amp;]",
    ),
    "trim markers": ("a \n {{- .Name -}} \t\n b", "amy-modelb", "amy-modelb"),
    "minus without space is no trim marker": (
        "a {{.Name}} -}} b",
        "a my-model -}} b",
        "a my-model -}} b",
    ),
    "comment": ("x {{/* a comment */}} y {{- /* trimmed */ -}} z", "x  yz", "x  yz"),
    "literal text": ("no actions } { here }}", "no actions } { here }}", "no actions } { here }}"),
    "escapes in quoted keys": (
        '{{ index .Labels "te\\x61m/\\u0078" }}',
        'q"u+o<t>e&',
        "q&#34;u&#43;o&lt;t&gt;e&amp;",
    ),
    "newline inside an action": ("{{\n.Name\n}}", "my-model", "my-model"),
    "string constant": ('{{"x"}}', "x", "x"),
    "integer constants": (
        "{{ 'a' }} {{ 0x10 }} {{ -3 }} {{ 1_000 }}",
        "97 16 -3 1000",
        "97 16 -3 1000",
    ),
    # the issue's template: Go's text/template accepts and executes it
    "if": ("{{ if .Name }}/x/{{ .Name }}{{ end }}", "/x/my-model", "/x/my-model"),
    "if on a missing key is false": ("{{if .Labels.nope}}y{{else}}n{{end}}", "n", "n"),
    "if on an empty string is false": ("{{if .Labels.empty}}y{{else}}n{{end}}", "n", "n"),
    "if on a nil map is false": ("{{if .Annotations}}y{{else}}n{{end}}", "n", "n"),
    "if on zero is false": ("{{if 0}}y{{else if .Generation}}g{{end}}", "g", "g"),
    "else if chain": (
        '{{if eq .Name "x"}}1{{else if eq .Name "my-model"}}2{{else}}3{{end}}',
        "2",
        "2",
    ),
    "with sets the dot": ("{{with .Labels.app}}[{{.}}]{{end}}", "[a]", "[a]"),
    "with a map": ("{{with .Labels}}{{.app}}{{end}}", "a", "a"),
    "with else keeps the dot": (
        "{{with .Labels.nope}}{{.}}{{else}}{{.Name}}{{end}}",
        "my-model",
        "my-model",
    ),
    "else with": (
        "{{with .Labels.nope}}1{{else with .Labels.app}}{{.}}{{end}}",
        "a",
        "a",
    ),
    "and or not": (
        "{{and .Name .Labels.empty}}|{{or .Labels.empty .Name}}|{{not .Labels.app}}",
        "|my-model|false",
        "|my-model|false",
    ),
    "and of a missing key": ("{{and .Name .Labels.nope}}", "<no value>", ""),
    "eq with several": (
        '{{eq .Name "a" "my-model"}} {{ne .Generation 3}}',
        "true false",
        "true false",
    ),
    "eq of nil and a nil map": (
        "{{eq .Annotations nil}} {{eq .Labels nil}}",
        "true false",
        "true false",
    ),
    "len": ("{{len .Name}} {{len .Labels}} {{len .Annotations}}", "8 4 0", "8 4 0"),
    "len of a multi-byte string counts bytes": ('{{len "é"}}', "2", "2"),
    "parenthesised": ("{{ not (eq (len .Name) 8) }} {{ (.Labels).app }}", "false a", "false a"),
}


@pytest.mark.parametrize(("template", "text", "html"), RENDER.values(), ids=RENDER.keys())
def test_render(template: str, text: str, html: str) -> None:
    assert render(template, DATA, name="t") == text
    assert render(template, DATA, name="t", html=True) == html


ERRORS = {
    "unknown field of the struct": (
        "{{.Foo}}",
        'template: t:1: executing "t" at <.Foo>: can\'t evaluate field Foo',
    ),
    "lower-case field": ("{{.name}}", "can't evaluate field name"),
    "field of a string": ("{{.Name.x}}", "can't evaluate field x in type string"),
    "index of a string by a string": (
        '{{index .Name "x"}}',
        'at <index .Name "x">: error calling index: cannot index slice/array with type string',
    ),
    "index past the end of a string": ("{{index .Name 9}}", "index out of range: 9"),
    "index of an int": ('{{index .Generation "x"}}', "can't index item of type int"),
    "index of the struct": ('{{index .Labels.missing "x"}}', "index of untyped nil"),
    "index of a map by an int": ("{{index .Labels 1}}", "value has type int; should be string"),
    "eq of a string and an int": (
        "{{eq .Name 3}}",
        "error calling eq: incompatible types for comparison: string and int",
    ),
    "eq of maps": ("{{eq .Labels .Labels}}", "non-comparable type map["),
    "len of an int": ("{{len .Generation}}", "error calling len: len of type int"),
    "len of a missing key": ("{{len .Labels.nope}}", "reflect: call of reflect.Value.Type"),
    "the error points at the failing argument": (
        "{{ (.Generation).x }}",
        'template: t:1: executing "t" at <.Generation>: can\'t evaluate field x in type int',
    ),
    "pipeline": ("{{.Name | printf}}", "unsupported in kserve-gitops: pipelines"),
    "range": ("{{range .Labels}}{{end}}", "unsupported in kserve-gitops: keyword 'range'"),
    "template": ('{{template "x"}}', "unsupported in kserve-gitops: keyword 'template'"),
    "define": ('{{define "x"}}{{end}}', "unsupported in kserve-gitops: keyword 'define'"),
    "function": ('{{ printf "%s" .Name }}', "function 'printf'"),
    "variable": ("{{ $x := .Name }}", "variables"),
    "dollar": ("{{ $.Name }}", "variables"),
    "dot": ("{{.}}", "unsupported in kserve-gitops: the dot outside {{with}}"),
    "float constant": ("{{ 1.5 }}", "unsupported in kserve-gitops: the number constant 1.5"),
    "arguments after a field": ("{{.Name .Namespace}}", "arguments after .Name"),
    "wrong number of arguments": ("{{not}}", "wrong number of args for not: want 1 got 0"),
    "eq with one argument": ("{{eq .Name}}", "missing argument for comparison"),
    "nil command": ("{{nil}}", "nil is not a command"),
    "deep nesting": ("{{if 1}}" * 60 + "{{end}}" * 60, "nesting deeper than 50 levels"),
    "empty action": ("{{ }}", "template: t:1: missing value for command"),
    "unclosed action": ("x\n{{ .Name", "template: t:2: unclosed action"),
    "stray brace": ("{{ .Name }", 'template: t:1: unexpected "}" in operand'),
    "unclosed comment": ("{{/* x", "unclosed comment"),
    "comment without delimiter": ("{{/* x */ .Name}}", "comment ends before closing delimiter"),
    "unterminated string": ('{{index .Labels "a}}', "unterminated quoted string"),
    "unterminated raw string": ("{{index .Labels `a}}", "unterminated raw quoted string"),
    "escaped quote from JSON": ('{{ index .Labels \\"a/b\\" }}', 'unexpected "\\\\" in operand'),
    "bad character after field": ("{{.Name-}}", "bad character U+002D '-'"),
    "unrecognized character": ("{{ \u00a7 }}", "unrecognized character in action: U+00A7 '\u00a7'"),
    "bad escape": ('{{index .Labels "\\q"}}', "template: t:1: invalid syntax"),
    "surrogate escape": ('{{index .Labels "\\ud800"}}', "template: t:1: invalid syntax"),
    "byte escape": ('{{index .Labels "\\xff"}}', "unsupported in kserve-gitops: byte escape"),
    "integer overflow": ("{{ 99999999999999999999 }}", 'integer overflow: "99999999999999999999"'),
    "unknown function": ("{{ lower .Name }}", 'template: t:1: function "lower" not defined'),
}


@pytest.mark.parametrize(("template", "message"), ERRORS.values(), ids=ERRORS.keys())
def test_render_errors(template: str, message: str) -> None:
    with pytest.raises(GoTemplateError) as err:
        render(template, DATA, name="t")
    assert message in str(err.value)


# Errors Go's Execute raises whatever the data: refused before executing, in Go's words.
STATIC_ERRORS = {
    "argument to a parenthesised pipeline": (
        "{{ (.Name) .X }}",
        'template: t:1: executing "t" at <(.Name) .X>: can\'t give argument to non-function .Name',
    ),
    "argument to a constant": (
        '{{ "a" .X }}',
        'template: t:1: executing "t" at <"a">: can\'t give argument to non-function "a"',
    ),
    "nil": ("{{nil}}", 'template: t:1: executing "t" at <nil>: nil is not a command'),
    "not with two": (
        "{{ not 1 2 }}",
        'template: t:1: executing "t" at <not>: wrong number of args for not: want 1 got 2',
    ),
    "ne with one": (
        "{{ ne 1 }}",
        'template: t:1: executing "t" at <ne>: wrong number of args for ne: want 2 got 1',
    ),
    "and without": (
        "{{ and }}",
        'template: t:1: executing "t" at <and>: '
        "wrong number of args for and: want at least 1 got 0",
    ),
    "eq with one": (
        "{{ eq 1 }}",
        'template: t:1: executing "t" at <eq 1>: error calling eq: missing argument for comparison',
    ),
    "function as an argument": (
        "{{ eq .Name len }}",
        'template: t:1: executing "t" at <len>: wrong number of args for len: want 1 got 0',
    ),
    "dot with an argument": (
        "{{with .Name}}{{ . .X }}{{end}}",
        'template: t:1: executing "t" at <.>: can\'t give argument to non-function .',
    ),
}


@pytest.mark.parametrize(("template", "message"), STATIC_ERRORS.values(), ids=STATIC_ERRORS.keys())
def test_errors_go_raises_whatever_the_data(template: str, message: str) -> None:
    with pytest.raises(UnsupportedTemplateError) as err:
        check(template, "t")
    assert str(err.value) == message


def test_html_mode_refuses_text_outside_the_html_text_context() -> None:
    with pytest.raises(UnsupportedTemplateError, match="HTML text context"):
        render("<a href={{.Name}}>", DATA, name="t", html=True)


def test_the_issue_template_passes_the_config_check_and_renders() -> None:
    """Issue 11: `{{ if .Name }}` passed the check, then failed at reconcile."""
    template = "{{ if .Name }}/x/{{ .Name }}{{ end }}"
    config = IngressConfig.from_json(
        json.dumps(
            {
                "kserveIngressGateway": "kserve/kserve-ingress-gateway",
                "ingressGateway": "knative-serving/knative-ingress-gateway",
                "ingressDomain": "example.com",
                "pathTemplate": template,
            }
        )
    )
    assert generate_url_path("my-model", "ns", config) == "/x/my-model"


@given(st.text().filter(lambda s: "{{" not in s), st.booleans())
def test_text_without_actions_renders_to_itself(text: str, html: bool) -> None:
    if html and "<" in text:
        return
    assert render(text, DATA, name="t", html=html) == text


_PIECES = [
    "{{",
    "}}",
    "{{- ",
    " -}}",
    "/*",
    "*/",
    ".Name",
    ".Labels",
    ".app",
    ".Foo",
    "index",
    '"',
    "`",
    "\\",
    "\\x",
    "\\u",
    "|",
    "$",
    "(",
    ")",
    " ",
    "\n",
    "-",
    "if",
    "with",
    "else",
    "end",
    "eq",
    ".",
    "1",
]


@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=12), st.booleans())
def test_rendering_raises_only_go_template_error(pieces: list[str], html: bool) -> None:
    try:
        render("".join(pieces), DATA, name="t", html=html)
    except GoTemplateError:
        pass


@given(st.text(), st.text())
def test_any_label_value_renders_verbatim(key: str, value: str) -> None:
    data = {**DATA, "Labels": {key: value}}
    quoted = "`" + key + "`"
    if "`" in key or "\r" in key:  # Go drops carriage returns from raw strings
        return
    assert render("{{ index .Labels " + quoted + " }}", data, name="t") == value


# --- a corpus from a small grammar: check and execute agree; Go agrees with both ---------------


def _corpus(seed: int, count: int) -> list[str]:
    grammar = Grammar(random.Random(seed))
    return [grammar.template() for _ in range(count)]


def _verdict(text: str, html: bool = False) -> tuple[str, str]:
    """("parse" | "unsupported" | "exec", message) or ("ok", output)."""
    try:
        tree = parse(text, "t")
        return "ok", execute(tree, DATA, html=html)
    except TemplateSyntaxError as err:
        return "parse", str(err)
    except UnsupportedTemplateError as err:
        return "unsupported", str(err)
    except TemplateExecError as err:
        return "exec", str(err)


@settings(max_examples=300)
@given(st.randoms(use_true_random=False))
def test_check_and_execute_agree(rng: random.Random) -> None:
    """check fails exactly when execute fails for a reason other than the data, with one text."""
    text = Grammar(rng).template()
    kind, message = _verdict(text)
    try:
        check(text, "t")
    except (TemplateSyntaxError, UnsupportedTemplateError) as err:
        assert (kind, message) == (
            "parse" if isinstance(err, TemplateSyntaxError) else "unsupported",
            str(err),
        )
    else:
        assert kind in ("ok", "exec")


def test_the_corpus_exercises_every_verdict() -> None:
    kinds = {_verdict(text)[0] for text in _corpus(1, 300)}
    assert kinds == {"ok", "exec", "parse", "unsupported"}


def _go_results(cases: list[dict[str, Any]], tmp: Path) -> list[dict[str, str]]:
    go = shutil.which("go")
    if go is None:
        pytest.skip(
            "no Go toolchain on this machine: templates are compared with Go where it exists"
        )
    program = Path(__file__).with_name("template_reference.go")
    done = subprocess.run(
        [go, "run", str(program)],
        input=json.dumps(cases),
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp,
        env={**os.environ, "GO111MODULE": "off", "GOFLAGS": ""},
        timeout=600,
    )
    results: list[dict[str, str]] = json.loads(done.stdout)
    return results


def _go_exec_error(message: str) -> str:
    """Go's execution error in our wording: no column, no struct type spelled out."""
    message = re.sub(r"^(template: t:\d+):\d+:", r"\1:", message)
    return re.sub(r" in type struct \{.*\}$", "", message)


def test_same_results_as_go(tmp_path: Path) -> None:
    """Go's text/template and html/template over the tables above and 3,000 generated templates.

    Parse errors must match Go's text; outputs and execution errors must match wherever this
    port does not refuse the template as unsupported (Go may run those), and the errors Go
    raises whatever the data must read as Go's.
    """
    static = {text for text, _ in STATIC_ERRORS.values()}
    texts = [case[0] for table in (RENDER, ERRORS, STATIC_ERRORS) for case in table.values()]
    texts += _corpus(2026, 3000)
    cases = [{"text": t, "html": h, "data": DATA} for t in texts for h in (False, True)]
    compared, mismatches = 0, []
    for case, go in zip(cases, _go_results(cases, tmp_path), strict=True):
        kind, ours = _verdict(case["text"], case["html"])
        if go["parse"]:
            expected: tuple[str, str] | None = ("parse", go["parse"])
        elif case["text"] in static and not case["html"]:  # html/template rewrites actions
            expected = ("unsupported", _go_exec_error(go["exec"]))
        elif kind == "unsupported":
            expected = None
        elif go["exec"]:
            expected = ("exec", _go_exec_error(go["exec"]))
        else:
            expected = ("ok", go["output"])
        if expected is not None:
            compared += 1
            if (kind, ours) != expected:
                mismatches.append((case, expected, (kind, ours)))
    assert mismatches == []
    assert compared > len(cases) / 2


# Caller functions (Go's Funcs) and Option("missingkey=..."), as config_merge.go's
# ReplaceVariables uses them; the same two functions are in template_reference.go.
def _join(a: str, b: str) -> str:
    return f"{a}-{b}"


def _fail(text: str) -> str:
    raise FuncError(f"failed on {text}")


CALLER_FUNCS = {"join": _join, "fail": _fail}

# name: (template, missingkey, expected output or error text), each as Go 1.26 gives it.
OPTION_CASES = {
    "a caller function": ("{{ join .Name .Namespace }}", "default", "my-model-ns"),
    "a caller function's result as an argument": (
        "{{ join .Name (join .Namespace `z`) }}|{{ if eq (join .Name `x`) `my-model-x` }}y{{end}}",
        "default",
        "my-model-ns-z|y",
    ),
    "a caller function in and": ("{{ and (join .Name .Name) .Flag }}", "default", "true"),
    "a caller function's error": (
        "{{ fail .Name }}",
        "default",
        'template: t:1: executing "t" at <fail .Name>: error calling fail: failed on my-model',
    ),
    "a caller function with too few arguments": (
        "{{ join .Name }}",
        "default",
        'template: t:1: executing "t" at <join>: wrong number of args for join: want 2 got 1',
    ),
    "an unknown function beside caller functions": (
        "{{ lower .Name }}",
        "default",
        'template: t:1: function "lower" not defined',
    ),
    "missingkey=error on a present key": ("{{ .Labels.app }}", "error", "a"),
    "missingkey=error on a missing key": (
        "{{ .Labels.missing }}",
        "error",
        'template: t:1: executing "t" at <.Labels.missing>: map has no entry for key "missing"',
    ),
    "missingkey=error on a nil map": (
        "{{ .Annotations.x }}",
        "error",
        'template: t:1: executing "t" at <.Annotations.x>: map has no entry for key "x"',
    ),
    "missingkey=error leaves index alone": ("{{ index .Labels `missing` }}", "error", ""),
    "missingkey=error leaves the struct's error": (
        "{{ .Nope }}",
        "error",
        'template: t:1: executing "t" at <.Nope>: can\'t evaluate field Nope',
    ),
    "missingkey=zero": ("[{{ .Labels.missing }}]", "zero", "[]"),
    "missingkey=default": ("{{ .Labels.missing }}", "default", "<no value>"),
}


def _with_options(text: str, missingkey: str) -> str:
    try:
        return render(text, DATA, name="t", funcs=CALLER_FUNCS, missingkey=missingkey)
    except GoTemplateError as err:
        return str(err)


@pytest.mark.parametrize(
    ("template", "missingkey", "want"), OPTION_CASES.values(), ids=OPTION_CASES.keys()
)
def test_caller_functions_and_missingkey(template: str, missingkey: str, want: str) -> None:
    assert _with_options(template, missingkey) == want


def test_caller_functions_and_missingkey_as_go(tmp_path: Path) -> None:
    cases = [
        {"text": text, "html": False, "data": DATA, "missingkey": mode, "funcs": True}
        for text, mode, _ in OPTION_CASES.values()
    ]
    for (text, mode, _), go in zip(
        OPTION_CASES.values(), _go_results(cases, tmp_path), strict=True
    ):
        expected = go["parse"] or _go_exec_error(go["exec"]) or go["output"]
        assert _with_options(text, mode) == expected, text


def test_caller_functions_are_checked_as_go_funcs_does() -> None:
    with pytest.raises(ValueError, match="not a valid identifier"):
        check("x", "t", funcs={"a-b": _join})
    with pytest.raises(ValueError, match="not a function"):
        check("x", "t", funcs={"x": "text"})  # type: ignore[dict-item]
    with pytest.raises(ValueError, match="missingkey=bogus"):
        render("x", DATA, name="t", missingkey="bogus")


class _Pod(GoStruct):
    """A struct pointer whose Go fields map to other keys, as the caller decides."""

    go_type = "*v1.PodSpec"

    def __init__(self, fields: dict[str, Any]) -> None:
        self.fields = fields

    def go_field(self, name: str) -> Any:
        if name not in ("Name", "Tensor", "Spec"):
            raise LookupError(name)
        return self.fields.get(name.lower(), GoNil(f"*v1.{name}Spec"))


# text/template/exec.go evalField: a struct pointer's missing field, a nil pointer.
STRUCT_CASES = {
    "a field by its Go name": ("{{ .Name }}", "pod"),
    "a nil pointer is false and prints <nil>": (
        "{{ if .Tensor }}t{{ else }}f{{ end }} {{ .Tensor }}",
        "f <nil>",
    ),
    "and stops at a nil pointer": ("{{ and .Tensor .Tensor.Size }}", "<nil>"),
    "eq of a nil pointer and nil": ("{{ eq .Tensor nil }}", "true"),
    "a struct is true": ("{{ if .Spec }}y{{ end }}", "y"),
    "a field of a nil pointer": (
        "{{ .Tensor.Size }}",
        'template: t:1: executing "t" at <.Tensor.Size>: '
        "nil pointer evaluating *v1.TensorSpec.Size",
    ),
    "a field the type does not have": (
        "{{ .Spec.Nope }}",
        'template: t:1: executing "t" at <.Spec.Nope>: '
        "can't evaluate field Nope in type *v1.PodSpec",
    ),
    "a caller function receives the struct, and nil as None": (
        "{{ kind .Spec }} {{ kind .Tensor }} {{ kind nil }}",
        "_Pod NoneType NoneType",
    ),
}


@pytest.mark.parametrize(("template", "want"), STRUCT_CASES.values(), ids=STRUCT_CASES.keys())
def test_go_structs_and_nil_pointers(template: str, want: str) -> None:
    data = _Pod({"name": "pod", "spec": _Pod({})})
    funcs = {"kind": lambda value: type(value).__name__}
    try:
        got = render(template, data, name="t", funcs=funcs, missingkey="error")
    except GoTemplateError as err:
        got = str(err)
    assert got == want
