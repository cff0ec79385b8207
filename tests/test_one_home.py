"""One upstream function, one Python home: the ports that once had several copies stay single."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from helpers import REPO_ROOT

# Go function → the module (under generator/) and function that port it.
HOMES = {
    "strconv.Quote": ("goruntime/strconv.py", "quote"),
    "strconv.Atoi": ("goruntime/strconv.py", "atoi"),
    "strconv.ParseInt": ("goruntime/strconv.py", "parse_int"),
    "json.Marshal": ("goruntime/json.py", "marshal"),
    "json.Unmarshal": ("goruntime/json.py", "decode"),
    "GetForceStopRuntime": ("utils/utils.py", "get_force_stop_runtime"),
    "IsGPUEnabled": ("utils/utils.py", "is_gpu_enabled"),
    "HasUnknownGpuResourceType": ("utils/utils.py", "has_unknown_gpu_resource_type"),
    "UpdateGPUResourceTypeListByAnnotation": (
        "utils/utils.py",
        "gpu_resource_types_by_annotation",
    ),
    "FindCommonParentPath": ("utils/storage.py", "find_common_parent_path"),
    "ValidateBlockedEnvVars": ("utils/env_policy.py", "validate_blocked_env_vars"),
}

# Ports of other Go functions that share a snake_case name with a home: KServe's
# `validateBlockedEnvVars` in the InferenceService and ServingRuntime webhooks call
# `validation.ValidateBlockedEnvVars` and add their own message prefix and containers.
WRAPPERS = {
    "validate_blocked_env_vars": ("admission/validation.py", "admission/servingruntime.py"),
}


def _functions() -> list[tuple[str, str, str]]:
    """(module path, function name, docstring) of every function in the package."""
    found = []
    package = REPO_ROOT / "generator"
    for path in sorted(package.rglob("*.py")):
        if "compiled" in path.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef):
                rel = path.relative_to(package).as_posix()
                found.append((rel, node.name, ast.get_docstring(node) or ""))
    return found


FUNCTIONS = _functions()


@pytest.mark.parametrize("upstream", sorted(HOMES))
def test_defined_once(upstream: str) -> None:
    module, name = HOMES[upstream]
    assert (module, name) in {(m, n) for m, n, _ in FUNCTIONS}, f"{upstream} has left its home"
    bare = upstream.split(".")[-1]
    # A port names its Go function in its docstring's "Port of `...`" (with or without package).
    cites = re.compile(rf"Port of `(?:[\w/]+\.)?{re.escape(bare)}`")
    porting = [(m, n) for m, n, doc in FUNCTIONS if cites.search(doc)]
    assert porting in ([], [(module, name)]), f"{upstream} is ported more than once: {porting}"
    same_name = [
        m for m, n, _ in FUNCTIONS if n == name and m != module and m not in WRAPPERS.get(name, ())
    ]
    assert not same_name, f"{name} is defined again in {same_name}"


def test_no_hand_made_quote() -> None:
    """Go's %q is `goruntime.strconv.quote`; json.dumps is not the same escaping."""
    offenders = [
        f"{m}:{n}"
        for m, n, _ in FUNCTIONS
        if re.fullmatch(r"_?go_?quote", n) and m != "goruntime/strconv.py"
    ]
    assert not offenders, offenders


def test_homes_exist_on_disk() -> None:
    for module, _ in HOMES.values():
        assert (REPO_ROOT / "generator" / Path(module)).is_file()
