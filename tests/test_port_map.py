"""docs/port-map.json matches the code: every "Port of `...`" citation is mapped, and only those."""

from __future__ import annotations

import ast
import importlib.util
import json
from pathlib import Path
from types import ModuleType

from helpers import REPO_ROOT


def _script(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(name, REPO_ROOT / "scripts" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


PORT_MAP = _script("port_map")
DOCUMENT = json.loads((REPO_ROOT / "docs" / "port-map.json").read_text(encoding="utf-8"))


def test_map_matches_citations() -> None:
    mapped = {(e["go"], e["python"]) for e in DOCUMENT["entries"]}
    cited = set(PORT_MAP.citations())
    missing, stale = sorted(cited - mapped), sorted(mapped - cited)
    hint = "run scripts/port_map.py --kserve <checkout> to refresh docs/port-map.json"
    assert not missing, f"ports missing from the map ({hint}): {missing[:10]}"
    assert not stale, f"map entries whose port is gone ({hint}): {stale[:10]}"


def test_entries_point_at_real_places() -> None:
    assert DOCUMENT["kserve"].startswith("v")
    for entry in DOCUMENT["entries"]:
        module, _, name = entry["python"].partition(":")
        tree = ast.parse((REPO_ROOT / module).read_text(encoding="utf-8"))
        names = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.ClassDef)}
        assert name in names, entry
        for go_file in entry["go_files"]:
            assert Path(go_file).suffix == ".go" and go_file.split("/")[0] in {"pkg", "cmd"}


def test_most_ports_know_their_go_file() -> None:
    """Only functions KServe borrows (Kubernetes, Knative) or plain structs lack a Go file."""
    unresolved = [e for e in DOCUMENT["entries"] if not e["go_files"]]
    assert len(unresolved) <= len(DOCUMENT["entries"]) // 10, unresolved


def test_go_names_are_parsed() -> None:
    assert PORT_MAP.go_function("(*Predictor).buildPodSpec") == ("Predictor", "buildPodSpec")
    assert PORT_MAP.go_function("ComponentImplementation.Validate()") == (
        "ComponentImplementation",
        "Validate",
    )
    assert PORT_MAP.go_function("GetForceStopRuntime") == (None, "GetForceStopRuntime")


def test_bump_lists_the_homes_of_changed_files() -> None:
    bump = _script("kserve_bump")
    changed = [
        "pkg/utils/utils.go",
        "pkg/utils/utils_test.go",
        "config/runtimes/kserve-sklearnserver.yaml",
        "pkg/some/new_feature.go",
    ]
    homes = dict(bump.homes(changed, bump.load_port_map()))
    assert "generator/utils/utils.py:get_force_stop_runtime" in homes["pkg/utils/utils.go"]
    assert homes["config/runtimes/kserve-sklearnserver.yaml"] == [
        "generator/config/defaults/runtimes/"
    ]
    assert homes["pkg/some/new_feature.go"] == []
