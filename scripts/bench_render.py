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
    times: dict[str, tuple[float, int]] = {}
    for shard in sorted({writer.shard_of(rel) for rel in planned.files}):
        begin = time.perf_counter()
        done = subprocess.run([kubectl, "kustomize", str(out / shard)], capture_output=True,
                              text=True, check=True)  # fmt: skip
        times[shard] = (time.perf_counter() - begin, done.stdout.count("\n---\n") + 1)
    slowest = max(times, key=lambda s: times[s][0])
    total = sum(t for t, _ in times.values())
    largest = max(n for _, n in times.values())
    print(
        f"write -o {written:.2f}s; kubectl kustomize on {len(times)} shards (largest "
        f"{largest} objects): slowest {slowest} {times[slowest][0]:.2f}s "
        f"({times[slowest][1]} objects), sum {total:.2f}s; ratios to the render: slowest "
        f"{times[slowest][0] / render_seconds:.2f}, sum {total / render_seconds:.2f}"
    )


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
