"""Validators built from the shipped schemas, on first use, and kept in a per-user cache.

`data/<module>.json` (written by `scripts/gen_schemas.py` from the KServe CRDs with
`generator.schema.convert`) is compiled to Python by fastjsonschema's public `compile_to_code`,
collecting every error of a document (`fast_fail=False`) with its value, path, rule and schema.
Its bytecode goes to `$XDG_CACHE_HOME/kserve-gitops/schema/` (`~/.cache` when unset) under a name
keyed by the schema's bytes, the fastjsonschema version, `CODEGEN` and the bytecode version, so
an upgrade of any builds anew and a stale file is never read (nor one from another key: its
first line names the full key). A warm load is one read and `marshal.loads`, whatever
`PYTHONDONTWRITEBYTECODE` says. Where the cache cannot be written the validator is compiled in
memory for this process only.
"""

from __future__ import annotations

import contextlib
import hashlib
import importlib.util
import json
import marshal
import os
import re
import tempfile
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from types import CodeType
from typing import Any, Final, cast

import fastjsonschema

__all__ = [
    "CODEGEN",
    "Validator",
    "cache_dir",
    "cache_home",
    "load_validator",
    "validator_source",
    "write_atomically",
]

Validator = Callable[[Any], Any]

# Bumped whenever the source this module writes changes for the same schema and fastjsonschema.
CODEGEN: Final = "1"
_PACKAGE: Final = __name__.rpartition(".")[0]
# fastjsonschema hands a `$ref`'d function its path as `"...".format(**locals())`, on every
# call; in a function with hundreds of locals that dominates a valid document's cost. The same
# template as an f-string reads only the names it uses (a rewrite of the returned source text).
_LOCALS_TEMPLATE: Final = re.compile(r'"((?:[^"\\\n]|\\.)*)"\.format\(\*\*locals\(\)\)')


def cache_home() -> Path | None:
    """The tool's per-user cache: `$XDG_CACHE_HOME/kserve-gitops` (`~/.cache` when it is unset
    or relative, as the XDG spec says); None without a home directory."""
    base = Path(os.environ.get("XDG_CACHE_HOME") or ".")
    if not base.is_absolute():
        base = Path(os.path.expanduser("~/.cache"))  # noqa: PTH111 (no exception without a home)
    return base / "kserve-gitops" if base.is_absolute() else None


def cache_dir() -> Path | None:
    """Where built validators are kept: `schema/` in `cache_home()`."""
    home = cache_home()
    return None if home is None else home / "schema"


def cache_key(schema_text: bytes) -> str:
    """The identity of a built validator: the schema's bytes, the exact generator, Python's
    bytecode version."""
    digest = hashlib.sha256(schema_text)
    digest.update(f"\0fastjsonschema {fastjsonschema.VERSION}\0codegen {CODEGEN}\0".encode())
    digest.update(importlib.util.MAGIC_NUMBER)  # the bytecode's Python version
    return digest.hexdigest()


def validator_source(schema_text: bytes) -> str:
    """Python source of the validator of one schema (JSON text)."""
    code = fastjsonschema.compile_to_code(
        json.loads(schema_text), use_default=False, use_formats=False, fast_fail=False
    )
    body = _LOCALS_TEMPLATE.sub(r'f"\1"', str(code))
    return body + "\n"


def load_validator(module: str, directory: Path | None = None) -> Validator:
    """The `validate` function of `data/<module>.json` (`module` may name a subfolder,
    `emitted/service_v1`), from the cache or built now."""
    *folders, name = module.split("/")
    schema_text = resources.files(_PACKAGE).joinpath("data", *folders, f"{name}.json").read_bytes()
    key = cache_key(schema_text)
    folder = directory or cache_dir()
    path = None if folder is None else folder / f"{'-'.join((*folders, name))}-{key[:32]}.bin"
    header = f"kserve-gitops schema validator {key}\n".encode()
    code = None if path is None else _read_built(path, header)
    if code is None:
        code = compile(validator_source(schema_text), f"<schema validator {module}>", "exec")
        if path is not None:
            with contextlib.suppress(OSError):  # not writable: built for this process only
                write_atomically(path, header + marshal.dumps(code))
    namespace: dict[str, Any] = {"__name__": f"kserve_gitops_schema_{module}"}
    exec(code, namespace)
    return cast(Validator, namespace["validate"])


def _read_built(path: Path, header: bytes) -> CodeType | None:
    """The code object cached at `path`, if it was built for this very key."""
    try:
        data = path.read_bytes()
    except OSError:
        return None
    if not data.startswith(header):
        return None
    try:
        code = marshal.loads(data[len(header) :])
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) else None


def write_atomically(path: Path, data: bytes) -> None:
    """Write `data` to `path` whole or not at all (a private folder, a temporary file, rename)."""
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(data)
        Path(temp).replace(path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
