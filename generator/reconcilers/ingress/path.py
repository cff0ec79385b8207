"""URL paths of InferenceServices: port of `reconcilers/ingress/path.go: GenerateUrlPath`."""

from __future__ import annotations

import re
from urllib.parse import unquote

from generator.config.configmap import IngressConfig
from generator.goruntime.template import GoTemplateError, render

_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*:")
_BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")


class PathError(ValueError):
    """The path template did not render a valid URL path."""


def generate_url_path(name: str, namespace: str, ingress: IngressConfig) -> str:
    """The path for `pathTemplate` ("" when unset), validated as Go's url.ParseRequestURI."""
    if not ingress.path_template:
        return ""
    values = {"Name": name, "Namespace": namespace}
    try:
        text = render(ingress.path_template, values, name="url-template")
    except GoTemplateError as err:
        raise PathError(f"error rendering the url template: {err}") from err
    return _request_uri_path(text)


def _request_uri_path(text: str) -> str:
    """What url.ParseRequestURI(text).Path is, or the error GenerateUrlPath reports."""
    quoted = '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if any(ord(ch) < 0x20 or ord(ch) == 0x7F for ch in text):
        raise PathError(f"invalid url {quoted}: net/url: invalid control character in URL")
    if _SCHEME.match(text):
        raise PathError(f"invalid url path {quoted}: contains either a scheme or a host")
    if not text.startswith("/"):
        raise PathError(f"invalid url {quoted}: parse {quoted}: invalid URI for request")
    path = text.split("?", 1)[0]
    bad = _BAD_ESCAPE.search(path)
    if bad:
        escape = path[bad.start() : bad.start() + 3]
        raise PathError(f'invalid url {quoted}: parse {quoted}: invalid URL escape "{escape}"')
    return unquote(path)
