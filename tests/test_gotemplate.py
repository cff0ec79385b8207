"""The Go template subset: Go's text/template and html/template results for the same inputs."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.gotemplate import GoTemplateError, render_go_template

DATA = {
    "Name": "my-model",
    "Namespace": "ns",
    "IngressDomain": "example.com",
    "Labels": {"app": "a", "team/x": 'q"u+o<t>e&', "empty": "", "ref": "app"},
    "Annotations": None,  # a nil map
    "Generation": 3,
}

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
    "int": ("{{.Generation}}", "3", "3"),
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
}


@pytest.mark.parametrize(("template", "text", "html"), RENDER.values(), ids=RENDER.keys())
def test_render_go_template(template, text, html):
    assert render_go_template(template, DATA) == text
    assert render_go_template(template, DATA, html=True) == html


ERRORS = {
    "unknown field of the struct": (
        "{{.Foo}}",
        'template: t:1: executing "t" at <.Foo>: can\'t evaluate field Foo',
    ),
    "lower-case field": ("{{.name}}", "can't evaluate field name"),
    "field of a string": ("{{.Name.x}}", "can't evaluate field x in type string"),
    "index of a string": ('{{index .Name "x"}}', "can't index item of type string"),
    "index of the struct": ('{{index .Labels.missing "x"}}', "index of untyped nil"),
    "pipeline": ("{{.Name | printf}}", "unsupported in kserve-gitops: pipelines"),
    "if": ("{{if .Name}}x{{end}}", "unsupported in kserve-gitops: keyword 'if'"),
    "range": ("{{range .Labels}}{{end}}", "keyword 'range'"),
    "function": ('{{ printf "%s" .Name }}', "function 'printf'"),
    "variable": ("{{ $x := .Name }}", "variables"),
    "dot": ("{{.}}", "unsupported in kserve-gitops"),
    "string constant": ('{{"x"}}', "a string constant as command"),
    "arguments after a field": ("{{.Name .Namespace}}", "arguments after .Name"),
    "empty action": ("{{ }}", "template: t:1: missing value for command"),
    "unclosed action": ("x\n{{ .Name", "template: t:2: unclosed action"),
    "unclosed comment": ("{{/* x", "unclosed comment"),
    "comment without delimiter": ("{{/* x */ .Name}}", "comment ends before closing delimiter"),
    "unterminated string": ('{{index .Labels "a}}', "unterminated quoted string"),
    "unterminated raw string": ("{{index .Labels `a}}", "unterminated raw quoted string"),
    "escaped quote from JSON": (
        '{{ index .Labels \\"a/b\\" }}',
        "unrecognized character in action: U+005C '\\\\'",
    ),
    "bad character after field": ("{{.Name-}}", "bad character U+002D '-'"),
    "bad escape": ('{{index .Labels "\\q"}}', "invalid syntax in quoted string"),
    "surrogate escape": ('{{index .Labels "\\ud800"}}', "invalid syntax in quoted string"),
    "byte escape": ('{{index .Labels "\\xff"}}', "unsupported in kserve-gitops: byte escape"),
}


@pytest.mark.parametrize(("template", "message"), ERRORS.values(), ids=ERRORS.keys())
def test_render_go_template_errors(template, message):
    with pytest.raises(GoTemplateError) as err:
        render_go_template(template, DATA, name="t")
    assert message in str(err.value)


def test_html_mode_refuses_text_outside_the_html_text_context():
    with pytest.raises(GoTemplateError, match="HTML text context"):
        render_go_template("<a href={{.Name}}>", DATA, html=True)


@given(st.text().filter(lambda s: "{{" not in s), st.booleans())
def test_text_without_actions_renders_to_itself(text, html):
    if html and "<" in text:
        return
    assert render_go_template(text, DATA, html=html) == text


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
    " ",
    "\n",
    "-",
    "if",
    "end",
    ".",
]


@given(st.lists(st.sampled_from(_PIECES) | st.text(max_size=3), max_size=12), st.booleans())
def test_rendering_raises_only_go_template_error(pieces, html):
    try:
        render_go_template("".join(pieces), DATA, html=html)
    except GoTemplateError:
        pass


@given(st.text(), st.text())
def test_any_label_value_renders_verbatim(key, value):
    data = {**DATA, "Labels": {key: value}}
    quoted = "`" + key + "`"
    if "`" in key or "\r" in key:  # Go drops carriage returns from raw strings
        return
    assert render_go_template("{{ index .Labels " + quoted + " }}", data) == value
