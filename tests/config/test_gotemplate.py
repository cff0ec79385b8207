"""The Go `text/template` check used for `ingress.pathTemplate`: Go's Parse, then the subset."""

from __future__ import annotations

import json

import pytest

from generator.config.configmap import IngressConfig
from generator.config.jsondecode import ConfigError
from generator.goruntime.template import (
    TemplateSyntaxError,
    UnsupportedTemplateError,
    check,
    parse,
)

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
    "{{ .A | }}",  # Go's parser takes a trailing pipe (checked with Go 1.26)
]

INVALID = [
    ("{{ .Name }", 'unexpected "}" in operand'),
    ("{{ .Name ", "unclosed action"),
    ("{{ lower .Name }}", 'function "lower" not defined'),
    ("{{}}", "missing value for command"),
    ("{{ if .A }}x", "unexpected EOF"),
    ("{{ end }}", "unexpected {{end}}"),
    ("{{ else }}", "unexpected {{else}}"),
    ("{{ break }}", "{{break}} outside {{range}}"),
    ("{{ $y }}", 'undefined variable "$y"'),
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
    parse(text, "path-template")


UNSUPPORTED = [VALID[6], VALID[7], VALID[9], VALID[12]]  # range, printf and |, $x, define
SUPPORTED = [text for text in VALID if text not in UNSUPPORTED] + [
    "{{ if .Name }}/x/{{ .Name }}{{ end }}",
    '/{{ with index .Labels "a/b" }}{{ . }}{{ else }}none{{ end }}',
    '{{ if and .Name (ne .Namespace "default") }}/{{ .Namespace }}{{ end }}/{{ .Name }}',
]


@pytest.mark.parametrize("text", SUPPORTED)
def test_supported_templates(text: str) -> None:
    check(text, "path-template")


@pytest.mark.parametrize("text", UNSUPPORTED)
def test_go_accepts_but_kserve_gitops_cannot_render(text: str) -> None:
    with pytest.raises(UnsupportedTemplateError, match="unsupported in kserve-gitops"):
        check(text, "path-template")


@pytest.mark.parametrize(("text", "message"), INVALID, ids=[t for t, _ in INVALID])
def test_invalid_templates(text: str, message: str) -> None:
    with pytest.raises(TemplateSyntaxError) as err:
        check(text, "path-template")
    assert str(err.value).startswith("template: path-template:1: ")
    assert message in str(err.value)


def test_the_ingress_config_refuses_a_path_template_rendering_would_fail_on() -> None:
    """Go parses it and KServe loads the config; the render would fail, so loading does here."""
    config = {
        "kserveIngressGateway": "kserve/kserve-ingress-gateway",
        "ingressGateway": "knative-serving/knative-ingress-gateway",
        "ingressDomain": "example.com",
        "pathTemplate": '/{{ printf "%s" .Name }}',
    }
    with pytest.raises(ConfigError) as err:
        IngressConfig.from_json(json.dumps(config))
    assert err.value.message == (
        "invalid ingress config, pathTemplate: "
        "template: path-template:1: unsupported in kserve-gitops: function 'printf'"
    )
    assert err.value.json_path == "pathTemplate"
