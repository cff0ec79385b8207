"""Go's regexp package: RE2 syntax (no lookarounds or backreferences) and matching in linear
time, so neither a pattern nor a text from the input can make a run take minutes.

Used wherever KServe or the API server match with Go's regexp: ClusterStorageContainer URI
formats, and the `pattern` of a CRD's schema (apiextensions-apiserver).
"""

from __future__ import annotations

import functools
from typing import Any

import re2

_OPTIONS = re2.Options()
_OPTIONS.log_errors = False  # a bad pattern is a problem of the input, not a line on stderr


class PatternError(Exception):
    """A pattern Go's regexp would not compile, or a text that is not UTF-8 as Go's strings
    are (a lone surrogate)."""


@functools.lru_cache(maxsize=256)
def compile_go(pattern: str) -> Any:
    """`pattern` compiled as Go's regexp.Compile would, or PatternError with Go's wording."""
    try:
        return re2.compile(pattern, _OPTIONS)
    except re2.error as err:
        detail = err.args[0] if err.args else err
        text = detail.decode(errors="replace") if isinstance(detail, bytes) else str(detail)
        raise PatternError(f"error parsing regexp: {text}") from None
    except UnicodeEncodeError as err:  # a lone surrogate: not UTF-8, as Go's strings are
        raise PatternError(f"error parsing regexp: {err.reason}") from None


def match_string(pattern: str, text: str) -> bool:
    """Go's regexp.MatchString: whether `text` holds a match anywhere (unanchored)."""
    regex = compile_go(pattern)
    try:
        return regex.search(text) is not None
    except UnicodeEncodeError as err:
        raise PatternError(f"the text is not UTF-8: {err.reason}") from None


__all__ = ["PatternError", "compile_go", "match_string"]
