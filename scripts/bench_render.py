"""Benchmark: render a synthetic repo of N InferenceServices and report ratios to the YAML floor.

    python scripts/bench_render.py [N] [--repeat R] [--namespaces K] [--linear M]
                                   [--kustomize] [--profile]

The repo (one file per InferenceService in K namespaces, default 50) is generated
deterministically with the mix of issue 14: Knative `model` specs, legacy framework specs,
Standard mode with an HPA, transformers, explainers, canaries and 5% ModelMesh.

Every run is the installed console script in a subprocess, each figure the median of R runs
(default 3), with a cache folder of its own (XDG_CACHE_HOME): "cold" runs start with nothing of
the repo cached (only the schema validators every install builds once), the repeat runs keep
what the previous run cached. The YAML floor is measured in the same run: PyYAML's C
loader on every input file plus `json.dumps` of every output object; ratios to it are what
compare across machines. Rows:

- stdout: `render SRC` to a file, cold cache; target ≤ 2x floor.
- stdout again: the same with the cache the last cold run left (every InferenceService cached):
  what a CI job that keeps its cache, or the Argo CD plugin's sidecar refreshing an unchanged
  repo, waits for; measured against the same target.
- fresh -o: `render SRC -o DIR` into an empty DIR (a new one each run: see `fresh_dir`), cold
  cache; target ≤ 1.3x stdout. Run the benchmark on a file system that has not just had tens of
  thousands of files removed (a previous benchmark's folder, say): on ext4 without a journal
  the files it creates cost many times more for some minutes after.
- no change -o: the same again; target ≤ 0.75x floor.
- one change -o: one InferenceService edited, then the same; target ≤ 0.75x floor.
- two changes -o: two edited in two namespaces (two shard folders: the whole tree is rebuilt
  from links, to stay atomic); no target, shown for what a commit across teams costs.
- peak RSS of the stdout render; target ≤ 1 GiB.

--linear M adds one cold stdout render of M InferenceServices (e.g. 100000) and checks that
seconds and memory per InferenceService stay within 1.5x of the N figures.
--kustomize also runs `kubectl kustomize` on every shard of the rendered folder, as Flux or an
Argo CD Application per shard would (issue 22), and reports the slowest shard.
--profile prints a cProfile of one in-process render instead of the table.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import json
import os
import platform
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

import yaml

FORMATS = ("sklearn", "xgboost", "lightgbm", "tensorflow", "pytorch")
LEGACY = ("sklearn", "xgboost", "tensorflow", "pytorch")
GIB = 1 << 30


def isvc_text(i: int, namespaces: int) -> str:
    """The i-th InferenceService of the mix (by i mod 20: 30% Knative model specs, 20% legacy
    frameworks, 20% Standard with an HPA, 10% transformers, 10% explainers, 5% canaries, 5%
    ModelMesh)."""
    kind = i % 20
    head = "apiVersion: serving.kserve.io/v1beta1\nkind: InferenceService\nmetadata:\n"
    head += f"  name: model-{i}\n  namespace: team-{i % namespaces}\n"
    uri = f"gs://bucket/models/{i}"
    fmt = FORMATS[i % len(FORMATS)]
    model = f"    model:\n      modelFormat:\n        name: {fmt}\n      storageUri: {uri}\n"
    if kind < 6:
        return head + "spec:\n  predictor:\n    minReplicas: 1\n" + model
    if kind < 10:
        legacy = LEGACY[i % len(LEGACY)]
        return head + f"spec:\n  predictor:\n    {legacy}:\n      storageUri: {uri}\n"
    if kind < 14:
        return (
            head + "  annotations:\n    serving.kserve.io/deploymentMode: RawDeployment\n"
            "spec:\n  predictor:\n    minReplicas: 2\n    maxReplicas: 6\n"
            "    scaleMetric: cpu\n    scaleTarget: 70\n" + model
        )
    if kind < 16:
        return (
            head + "spec:\n  transformer:\n    containers:\n    - name: kserve-container\n"
            "      image: kserve/image-transformer:v0.20.0\n"
            f"      args: [--model_name, model-{i}]\n  predictor:\n" + model
        )
    if kind < 18:
        return (
            head + "spec:\n  predictor:\n" + model + "  explainer:\n    art:\n"
            '      type: SquareAttack\n      config:\n        nb_classes: "10"\n'
        )
    if kind < 19:
        return head + "spec:\n  predictor:\n    canaryTrafficPercent: 10\n" + model
    return (
        head + "  annotations:\n    serving.kserve.io/deploymentMode: ModelMesh\n"
        "spec:\n  predictor:\n" + model
    )


def write_repo(root: Path, count: int, namespaces: int) -> list[Path]:
    files = []
    for i in range(count):
        path = root / f"isvc-{i:06d}.yaml"
        path.write_text(isvc_text(i, namespaces))
        files.append(path)
    return files


def console_script() -> list[str]:
    script = Path(sys.executable).parent / "kserve-gitops"
    return [str(script)] if script.exists() else [sys.executable, "-m", "generator"]


def run_cli(args: Sequence[str], cache: Path, stdout: Path | None = None) -> tuple[float, int]:
    """Run the console script; return wall seconds and the child's peak RSS in bytes.

    It measures the tool as installed: PYTHONDONTWRITEBYTECODE, if set in this shell, is not
    passed on, since with it every run compiles its ~130 modules again (0.3 s here)."""
    env = {**os.environ, "XDG_CACHE_HOME": str(cache), "PYTHONHASHSEED": "0"}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    with contextlib.ExitStack() as stack:
        sink = stack.enter_context(stdout.open("wb")) if stdout else subprocess.DEVNULL
        started = time.perf_counter()
        child = stack.enter_context(
            subprocess.Popen(
                [*console_script(), *args], stdout=sink, stderr=subprocess.PIPE, env=env
            )
        )
        _, status, usage = os.wait4(child.pid, 0)  # the child's own rusage: its peak RSS
        child.returncode = os.waitstatus_to_exitcode(status)
        seconds = time.perf_counter() - started
        err = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        sys.exit(f"kserve-gitops {' '.join(args)} exited {child.returncode}:\n{err[-2000:]}")
    return seconds, usage.ru_maxrss * 1024


def floor_seconds(files: Sequence[Path], stream: Path) -> float:
    """C-load every input file, and json.dumps every output object (read untimed)."""
    objects = [d for d in yaml.load_all(stream.read_text(), Loader=yaml.CSafeLoader) if d]
    started = time.perf_counter()
    for path in files:
        list(yaml.load_all(path.read_bytes(), Loader=yaml.CSafeLoader))
    for obj in objects:
        json.dumps(obj)
    return time.perf_counter() - started


def median(runs: int, once: Callable[[int], tuple[float, int]]) -> tuple[float, int]:
    results = [once(k) for k in range(runs)]
    return statistics.median(r[0] for r in results), max(r[1] for r in results)


def measure(count: int, namespaces: int, runs: int, work: Path) -> dict[str, float]:
    """The table's figures for one repo size."""
    src = work / f"src-{count}"
    src.mkdir()
    files = write_repo(src, count, namespaces)
    stream = work / "stream.yaml"

    def cold_stdout(k: int) -> tuple[float, int]:
        return run_cli(["render", str(src)], fresh_cache(work, f"stdout-{k}"), stream)

    stdout_s, rss = median(runs, cold_stdout)

    def warm_stdout(k: int) -> tuple[float, int]:  # the last cold run's cache holds every entry
        return run_cli(["render", str(src)], work / "cache" / f"stdout-{runs - 1}", stream)

    warm_s, _ = median(runs, warm_stdout)
    floor = statistics.median(floor_seconds(files, stream) for _ in range(runs))
    objects = stream.read_text().count("\n---\n") + 1

    out = work / "rendered"
    cache = fresh_cache(work, "dir")

    def fresh_dir(k: int) -> tuple[float, int]:
        # A new folder each run, the last one left in place: removing its 43,000 files just
        # before would time the file system instead (ext4 without a journal passes over inodes
        # freed in the last minute or more when it allocates new ones; `perf` shows the kernel in
        # recently_deleted, and the same 43,000 creates took 0.8 s or 12 s by that alone).
        return run_cli(
            ["render", str(src), "-o", str(work / f"fresh-{k}")], fresh_cache(work, f"dir-{k}")
        )

    fresh_s, _ = median(runs, fresh_dir)
    run_cli(["render", str(src), "-o", str(out)], cache)  # the committed tree, cache warm

    def again(k: int) -> tuple[float, int]:
        return run_cli(["render", str(src), "-o", str(out)], cache)

    def one_change(k: int) -> tuple[float, int]:
        edited = files[(k * 7919 + 1) % len(files)]
        edited.write_text(edited.read_text().replace("gs://bucket/", f"gs://edited-{k}/"))
        return run_cli(["render", str(src), "-o", str(out)], cache)

    def two_changes(k: int) -> tuple[float, int]:  # in two namespaces: two shard folders
        for n in (0, 1):
            edited = files[(k * 7919 + 2 + n) % len(files)]
            edited.write_text(edited.read_text().replace("gs://bucket/", f"gs://two-{k}/"))
        return run_cli(["render", str(src), "-o", str(out)], cache)

    nochange_s, _ = median(runs, again)
    change_s, _ = median(runs, one_change)
    changes_s, _ = median(runs, two_changes)
    return {
        "count": count,
        "objects": objects,
        "floor": floor,
        "stdout": stdout_s,
        "warm": warm_s,
        "rss": rss,
        "fresh": fresh_s,
        "nochange": nochange_s,
        "change": change_s,
        "changes": changes_s,
    }


def fresh_cache(work: Path, name: str) -> Path:
    """A cache folder with no render cached: only what any earlier run on the machine leaves
    (the schema validators, built once per install), copied from a seed made by rendering one
    InferenceService that is not in the benchmark's repo."""
    seed = work / "cache" / "seed"
    if not seed.exists():
        tiny = work / "tiny"
        tiny.mkdir()
        (tiny / "seed.yaml").write_text(isvc_text(0, 1).replace("model-0", "seed"))
        seed.mkdir(parents=True)
        run_cli(["render", str(tiny)], seed)
    path = work / "cache" / name
    shutil.rmtree(path, ignore_errors=True)
    shutil.copytree(seed, path)
    return path


def table(m: dict[str, float]) -> str:
    floor, stdout = m["floor"], m["stdout"]
    rows = [
        ("YAML floor (C-load inputs + json.dumps outputs)", floor, "1.00x floor", "", True),
        ("`render SRC` to stdout, cold cache", stdout, f"{stdout / floor:.2f}x floor",
         "≤ 2x floor", stdout <= 2 * floor),
        ("`render SRC` to stdout again, cache warm", m["warm"], f"{m['warm'] / floor:.2f}x floor",
         "(≤ 2x floor)", m["warm"] <= 2 * floor),
        ("`render SRC -o DIR`, empty DIR, cold cache", m["fresh"],
         f"{m['fresh'] / stdout:.2f}x stdout", "≤ 1.3x stdout", m["fresh"] <= 1.3 * stdout),
        ("`render SRC -o DIR` again, nothing changed", m["nochange"],
         f"{m['nochange'] / floor:.2f}x floor", "≤ 0.75x floor", m["nochange"] <= 0.75 * floor),
        ("one InferenceService changed, `render SRC -o DIR`", m["change"],
         f"{m['change'] / floor:.2f}x floor", "≤ 0.75x floor", m["change"] <= 0.75 * floor),
        ("two changed, in two namespaces, `render SRC -o DIR`", m["changes"],
         f"{m['changes'] / floor:.2f}x floor", "", True),
    ]  # fmt: skip
    lines = [
        f"{m['count']:,} InferenceServices → {m['objects']:,} objects; "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, {platform.machine()}",
        "",
        "| run | seconds | ratio | target | met |",
        "|---|---|---|---|---|",
    ]
    for name, seconds, ratio, target, met in rows:
        lines.append(f"| {name} | {seconds:.2f} | {ratio} | {target} | {_met(met, target)} |")
    rss = m["rss"]
    lines.append(f"| peak RSS, stdout render | {rss / 2**20:.0f} MB | | ≤ 1 GiB | "
                 f"{_met(rss <= GIB, 'x')} |")  # fmt: skip
    return "\n".join(lines)


def _met(met: bool, target: str) -> str:
    return "" if not target else ("yes" if met else "NO")


def linear(base: dict[str, float], count: int, namespaces: int, work: Path) -> str:
    src = work / f"src-{count}"
    src.mkdir()
    write_repo(src, count, namespaces)
    seconds, rss = run_cli(["render", str(src)], fresh_cache(work, "linear"), work / "big.yaml")
    per_s = seconds / count / (base["stdout"] / base["count"])
    per_m = rss / count / (base["rss"] / base["count"])
    ok = per_s <= 1.5 and per_m <= 1.5
    return (
        f"{count:,} InferenceServices, cold stdout render: {seconds:.1f} s, {rss / 2**20:.0f} MB; "
        f"per InferenceService {per_s:.2f}x the time and {per_m:.2f}x the memory of "
        f"{base['count']:,} (target ≤ 1.5x): {'yes' if ok else 'NO'}"
    )


def kustomize_shards(src: Path, work: Path) -> str:
    """`kubectl kustomize` on every shard of the rendered folder: slowest shard, wall and CPU."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        sys.exit("--kustomize needs kubectl on PATH")
    out = work / "rendered"
    if not out.exists():
        run_cli(["render", str(src), "-o", str(out)], fresh_cache(work, "kustomize"))
    shards = sorted(p.parent for p in out.glob("*/kustomization.yaml"))
    times: dict[str, tuple[float, float, int]] = {}
    for shard in shards:
        begin, cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run([kubectl, "kustomize", str(shard)], capture_output=True,
                              text=True, check=True)  # fmt: skip
        expected = sum(1 for p in shard.rglob("*.yaml") if p.name != "kustomization.yaml")
        objects = done.stdout.count("\n---\n") + 1
        if objects != expected:  # each shard must yield exactly its own objects
            sys.exit(f"{shard.name}: kubectl kustomize gave {objects} objects, not {expected}")
        times[shard.name] = (time.perf_counter() - begin, _children_cpu() - cpu, objects)
    slowest = max(times, key=lambda s: times[s][1])
    wall, cpu, objects = times[slowest]
    return (
        f"kubectl kustomize on {len(times)} shards: most CPU {slowest} ({objects} objects) "
        f"{wall:.2f} s wall, {cpu:.2f} s CPU; sum {sum(t[0] for t in times.values()):.1f} s wall"
    )


def _children_cpu() -> float:
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def profile(count: int, namespaces: int, work: Path) -> None:
    from generator import output, pipeline

    src = work / "src"
    src.mkdir()
    write_repo(src, count, namespaces)
    profiler = cProfile.Profile()
    profiler.enable()
    result = pipeline.run(pipeline.Request((str(src),)))
    output.yaml_stream(result.objects)
    profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Render N synthetic InferenceServices; report ratios to the YAML floor."
    )
    parser.add_argument("count", nargs="?", type=int, default=10000, metavar="N")
    parser.add_argument("--repeat", type=int, default=3, metavar="R", help="runs per figure")
    parser.add_argument("--namespaces", type=int, default=50, metavar="K")
    parser.add_argument("--linear", type=int, default=0, metavar="M", help="growth check at M")
    parser.add_argument("--kustomize", action="store_true", help="kubectl kustomize each shard")
    parser.add_argument("--profile", action="store_true", help="cProfile instead of the table")
    return parser.parse_args()


def main() -> None:
    args = _arguments()
    with tempfile.TemporaryDirectory(prefix="bench-render-") as tmp:
        work = Path(tmp)
        if args.profile:
            profile(args.count, args.namespaces, work)
            return
        figures = measure(args.count, args.namespaces, args.repeat, work)
        print(table(figures), flush=True)
        if args.kustomize:
            print(kustomize_shards(work / f"src-{args.count}", work), flush=True)
        if args.linear:
            print(linear(figures, args.linear, args.namespaces, work), flush=True)


if __name__ == "__main__":
    main()
