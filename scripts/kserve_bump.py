"""What a KServe release changes for this port: `scripts/kserve_bump.py OLD NEW --kserve DIR`.

Lists the files that changed in a KServe checkout between two tags and, for each, where it lands
here: the Python functions that port a changed Go file (from docs/port-map.json and the modules
that name the file), the tests that port a changed Go test, and the built-in data (default
ConfigMap, ClusterServingRuntimes, storage containers, CRD schemas) a changed config file feeds.
It reads and prints; it changes nothing. docs/porting-notes.md describes the workflow.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
# KServe config folders → the data here that is built from them.
CONFIG_HOMES = {
    "config/configmap/": "generator/config/defaults/inferenceservice-config.yaml",
    "config/runtimes/": "generator/config/defaults/runtimes/",
    "config/storagecontainers/": "generator/config/defaults/storagecontainers/",
    "config/crd/": "generator/schema/ (scripts/gen_schemas.py) and tests' CRD copies",
    "config/llmisvc": "LLMInferenceService presets and CRDs",
}
WATCHED = ("pkg/", "cmd/", "config/", "go.mod")


def changed_files(kserve: Path, old: str, new: str) -> list[str]:
    done = subprocess.run(
        ["git", "-C", str(kserve), "diff", "--name-only", old, new, "--", *WATCHED],
        capture_output=True,
        text=True,
        check=True,
    )
    return sorted(done.stdout.split())


def _python_texts(folder: str) -> dict[str, str]:
    root = REPO_ROOT / folder
    return {
        path.relative_to(REPO_ROOT).as_posix(): path.read_text(encoding="utf-8")
        for path in sorted(root.rglob("*.py"))
        if "compiled" not in path.parts
    }


def homes(changed: Iterable[str], port_map: dict[str, list[str]]) -> list[tuple[str, list[str]]]:
    """(changed file, where it lands here) for every changed file, in order."""
    sources, tests = _python_texts("generator"), _python_texts("tests")
    out = []
    for path in changed:
        name = Path(path).name
        if path.endswith("_test.go"):
            where = [m for m, text in tests.items() if name in text]
        elif path.endswith(".go"):
            where = list(port_map.get(path, []))
            where += [m for m, text in sources.items() if path in text and m not in where]
        elif path == "go.mod":
            where = ["conformance/oracle/go.mod (the differential suite's KServe version)"]
        else:
            where = [home for prefix, home in CONFIG_HOMES.items() if path.startswith(prefix)]
        out.append((path, where))
    return out


def load_port_map(path: Path = REPO_ROOT / "docs" / "port-map.json") -> dict[str, list[str]]:
    """Go file → the Python functions ("module.py:function") that port something in it."""
    by_file: dict[str, list[str]] = {}
    for entry in json.loads(path.read_text(encoding="utf-8"))["entries"]:
        for go_file in entry["go_files"]:
            by_file.setdefault(go_file, []).append(entry["python"])
    return by_file


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("old", help="the KServe tag ported now, e.g. v0.20.0")
    parser.add_argument("new", help="the KServe tag to port, e.g. v0.21.0")
    parser.add_argument("--kserve", type=Path, required=True, help="a KServe git checkout")
    parser.add_argument("--all", action="store_true", help="also list files with no home here")
    args = parser.parse_args(argv)
    try:
        changed = changed_files(args.kserve, args.old, args.new)
    except subprocess.CalledProcessError as err:
        print(f"kserve_bump: git diff failed: {err.stderr.strip()}", file=sys.stderr)
        return 2
    ported = 0
    for path, where in homes(changed, load_port_map()):
        if where:
            ported += 1
            print(path)
            for home in where:
                print(f"    {home}")
        elif args.all:
            print(f"{path}\n    (no home here)")
    print(f"{len(changed)} files changed, {ported} of them ported here", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
