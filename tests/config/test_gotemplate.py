"""The Go `text/template` syntax check used for `ingress.pathTemplate`."""

from __future__ import annotations

import pytest

from generator.config.gotemplate import TemplateSyntaxError, check_template

VALID = [
    "{{ .Name }}-{{ .Namespace }}.{{ .IngressDomain }}",
    "/serving/{{ .Namespace }}/{{ .Name }}",
    "plain text",
    "{{/* a comment */}}",
    "{{- .Name -}}",
    "{{ if .A }}x{{ else if .B }}y{{ else }}z{{ end }}",
    "{{ range $i, $v := .Items }}{{ $v }}{{ break }}{{ end }}",
    '{{ printf "%s-%s" .Name .Namespace | len }}',
    '{{ index .Labels "app" }}',
    "{{ $x := .Name }}{{ $x }}",
    "{{ (.Name) }}",
    "{{ -3 }}",
    '{{ define "x" }}a{{ end }}{{ template "x" . }}',
]

INVALID = [
    ("{{ .Name }", "unclosed action"),
    ("{{ .Name ", "unclosed action"),
    ("{{ lower .Name }}", "function 'lower' not defined"),
    ("{{}}", "missing value for command"),
    ("{{ .A | }}", "missing value for command"),
    ("{{ if .A }}x", "unexpected EOF"),
    ("{{ end }}", "unexpected {{end}}"),
    ("{{ else }}", "unexpected {{else}}"),
    ("{{ break }}", "{{break}} outside {{range}}"),
    ("{{ $y }}", "undefined variable '$y'"),
    ('{{ "abc }}', "unterminated quoted string"),
    ("{{ `abc }}", "unterminated raw quoted string"),
    ("{{ (.A }}", "unclosed left paren"),
    ("{{ .A) }}", "unexpected right paren"),
    ("{{/* c }}", "unclosed comment"),
    ("{{/* c */ .A }}", "comment ends before closing delimiter"),
    ("{{ 3x }}", "bad number syntax"),
    ("{{ \u00a7 }}", "unrecognized character in action"),
]


@pytest.mark.parametrize("text", VALID)
def test_valid_templates(text: str) -> None:
    check_template(text)


@pytest.mark.parametrize(("text", "message"), INVALID, ids=[t for t, _ in INVALID])
def test_invalid_templates(text: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError) as err:
        check_template(text)
    assert message in str(err.value)
