"""Go's `encoding/json` output, where KServe writes JSON text into an object."""

from __future__ import annotations

import json
from typing import Any


def marshal(value: Any) -> str:
    """Port of `json.Marshal`'s text for already-ordered JSON data (HTML characters escaped)."""
    text = json.dumps(value, separators=(",", ":"), ensure_ascii=False)
    for char, escape in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026")):
        text = text.replace(char, escape)
    return text.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")
