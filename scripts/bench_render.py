"""Benchmark: render a synthetic repo of N InferenceServices and time each stage.

    python scripts/bench_render.py [N] [--profile] [--namespaces K] [--kustomize]

Writes the repo to a temporary folder (one file per InferenceService in K namespaces, default
20, a mix of frameworks and of Knative and Standard modes), then runs the pipeline and the YAML
emitter in-process. With --kustomize it also writes the rendered folder (`render -o`) and runs
`kubectl kustomize` on every shard, as Flux or an Argo CD Application per shard would, and
reports the slowest shard and the sum beside the render time.
"""

from __future__ import annotations

import cProfile
import pstats
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from generator import output, pipeline, writer

FRAMEWORKS = ("sklearn", "xgboost", "tensorflow", "pytorch", "lightgbm")
ISVC = """apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: model-{i}
  namespace: team-{ns}
  annotations:
    serving.kserve.io/deploymentMode: {mode}
spec:
  predictor:
    minReplicas: 1
    maxReplicas: 3
    {framework}:
      storageUri: gs://bucket/models/{i}
"""


def write_repo(root: Path, count: int, namespaces: int = 20) -> None:
    for i in range(count):
        mode = "Serverless" if i % 2 else "RawDeployment"
        framework = FRAMEWORKS[i % len(FRAMEWORKS)]
        text = ISVC.format(i=i, ns=i % namespaces, mode=mode, framework=framework)
        (root / f"isvc-{i:05d}.yaml").write_text(text)


def kustomize_shards(result: pipeline.Result, out: Path, render_seconds: float) -> None:
    """Write the rendered folder and time `kubectl kustomize` on each shard (the consumer)."""
    kubectl = shutil.which("kubectl")
    if kubectl is None:
        sys.exit("--kustomize needs kubectl on PATH")
    planned = writer.plan(result.objects)
    started = time.perf_counter()
    writer.write_tree(out, planned.files, planned.sources)
    written = time.perf_counter() - started
    times: dict[str, tuple[float, float, int]] = {}  # shard → wall s, CPU s, objects
    for shard in sorted({writer.shard_of(rel) for rel in planned.files}):
        begin, cpu = time.perf_counter(), _children_cpu()
        done = subprocess.run([kubectl, "kustomize", str(out / shard)], capture_output=True,
                              text=True, check=True)  # fmt: skip
        objects = done.stdout.count("\n---\n") + 1
        times[shard] = (time.perf_counter() - begin, _children_cpu() - cpu, objects)
        expected = sum(1 for rel in planned.files if writer.shard_of(rel) == shard)
        if objects != expected:  # each shard must yield exactly its own objects
            sys.exit(f"{shard}: kubectl kustomize gave {objects} objects, not {expected}")
    # CPU seconds (user + system) do not depend on what else the machine runs; wall seconds do.
    slowest = max(times, key=lambda s: times[s][0])
    wall, cpu, objects = times[slowest]
    walls = [w for w, _, _ in times.values()]
    cpus = [c for _, c, _ in times.values()]
    largest = max(n for _, _, n in times.values())
    print(
        f"write -o {written:.2f}s; kubectl kustomize on {len(times)} shards (largest {largest} "
        f"objects): slowest {slowest} ({objects} objects) {wall:.2f}s wall, {cpu:.2f}s CPU; "
        f"most CPU {max(cpus):.2f}s; sum {sum(walls):.2f}s wall, {sum(cpus):.2f}s CPU; "
        f"ratios to the render: slowest {wall / render_seconds:.2f}, "
        f"sum {sum(walls) / render_seconds:.2f}"
    )


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def _option(name: str, default: int) -> int:
    if name in sys.argv and sys.argv.index(name) + 1 < len(sys.argv):
        return int(sys.argv[sys.argv.index(name) + 1])
    return default


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 2000
    with tempfile.TemporaryDirectory() as tmp:
        write_repo(Path(tmp), count, _option("--namespaces", 20))
        profiler = cProfile.Profile() if "--profile" in sys.argv else None
        started = time.perf_counter()
        if profiler:
            profiler.enable()
        result = pipeline.run(pipeline.Request((tmp,)))
        rendered = time.perf_counter()
        text = output.yaml_stream(result.objects)
        emitted = time.perf_counter()
        if profiler:
            profiler.disable()
            pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print(
        f"{count} InferenceServices -> {len(result.objects)} objects, {len(text) / 1e6:.1f} MB: "
        f"pipeline {rendered - started:.2f}s, emit {emitted - rendered:.2f}s, "
        f"total {emitted - started:.2f}s"
    )
    if "--kustomize" in sys.argv:
        with tempfile.TemporaryDirectory() as out:
            kustomize_shards(result, Path(out) / "rendered", emitted - started)


if __name__ == "__main__":
    main()
