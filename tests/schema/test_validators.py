"""Validators built from the shipped schema data into a cache (`generator.schema.validators`):
issue 11's "generated code is built, not maintained" (keyed by schema and exact generator, no
private fastjsonschema API, an in-memory fallback where the cache cannot be written)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import fastjsonschema
import pytest

from generator.schema import validators

REPO_ROOT = Path(__file__).resolve().parents[2]
MODULE = "trainedmodel_v1alpha1"  # the smallest schema: cheap to build
VALID = {"apiVersion": "serving.kserve.io/v1alpha1", "kind": "TrainedModel", "metadata": {}}


def built(directory: Path) -> list[Path]:
    return sorted(p for p in directory.rglob("*") if p.is_file())


def test_a_validator_is_built_once_then_read_from_the_cache(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = validators.load_validator(MODULE, tmp_path)
    (path,) = built(tmp_path)
    assert path.name.startswith(f"{MODULE}-")

    def refuse(_: bytes) -> str:
        raise AssertionError("rebuilt although the cache holds it")

    monkeypatch.setattr(validators, "validator_source", refuse)
    second = validators.load_validator(MODULE, tmp_path)
    for validate in (first, second):
        with pytest.raises(fastjsonschema.JsonSchemaValuesException) as err:
            validate({**VALID, "spec": {"nope": 1}})
        assert {e.rule for e in err.value.errors} >= {"additionalProperties"}


def test_the_key_names_the_exact_generator_and_codegen(monkeypatch: pytest.MonkeyPatch) -> None:
    text = b'{"type": "object"}'
    key = validators.cache_key(text)
    assert validators.cache_key(b'{"type": "string"}') != key
    monkeypatch.setattr(fastjsonschema, "VERSION", "0.0.0")
    assert validators.cache_key(text) != key
    monkeypatch.undo()
    monkeypatch.setattr(validators, "CODEGEN", "other")
    assert validators.cache_key(text) != key


def test_a_damaged_or_foreign_cache_file_is_rebuilt(tmp_path: Path) -> None:
    validators.load_validator(MODULE, tmp_path)
    (path,) = built(tmp_path)
    header = path.read_bytes().split(b"\n", 1)[0]
    for junk in (header + b"\nnot marshal data", b"print('hello')\n"):
        path.write_bytes(junk)
        validators.load_validator(MODULE, tmp_path)({**VALID, "metadata": {"name": "a"}})
        assert path.read_bytes().startswith(header + b"\n") and path.read_bytes() != junk


def test_an_unwritable_cache_falls_back_to_memory(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("a file where the cache directory would go")
    validate = validators.load_validator(MODULE, blocker / "schema")
    with pytest.raises(fastjsonschema.JsonSchemaValuesException):
        validate({**VALID, "spec": []})
    assert built(tmp_path) == [blocker]


def test_the_cache_follows_xdg_cache_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert validators.cache_dir() == tmp_path / "kserve-gitops" / "schema"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")  # ignored, as the XDG spec says
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert validators.cache_dir() == tmp_path / "home" / ".cache" / "kserve-gitops" / "schema"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert validators.cache_dir() == tmp_path / "home" / ".cache" / "kserve-gitops" / "schema"


def test_the_generator_is_pinned_exactly_to_the_installed_version() -> None:
    project: dict[str, Any] = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())
    pins = [d for d in project["project"]["dependencies"] if d.startswith("fastjsonschema")]
    assert pins == [f"fastjsonschema=={fastjsonschema.VERSION}"]


def test_no_private_fastjsonschema_api_and_no_committed_generated_code() -> None:
    sources = [*(REPO_ROOT / "generator").rglob("*.py"), *(REPO_ROOT / "scripts").glob("*.py")]
    private = re.compile(r"\bfastjsonschema\.(generator|draft\d+|ref_resolver)\b")
    assert [p for p in sources if private.search(p.read_text(encoding="utf-8"))] == []
    assert not (REPO_ROOT / "generator" / "schema" / "compiled").exists()


def test_without_a_home_the_validator_is_built_in_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    # What os.path.expanduser does when it finds no home directory: `~` stays as it is.
    monkeypatch.setattr(validators.os.path, "expanduser", lambda path: path)
    monkeypatch.chdir(tmp_path)
    assert validators.cache_dir() is None
    validators.load_validator(MODULE)({**VALID, "metadata": {"name": "a"}})
    assert built(tmp_path) == []
