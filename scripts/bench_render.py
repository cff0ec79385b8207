"""Benchmark: render a synthetic repo of N InferenceServices and time each stage.

    python scripts/bench_render.py [N] [--profile]

Writes the repo to a temporary folder (one file per InferenceService, a mix of frameworks and
of Knative and Standard modes), then runs the pipeline and the YAML emitter in-process.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

from generator import output, pipeline

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


def write_repo(root: Path, count: int) -> None:
    for i in range(count):
        mode = "Serverless" if i % 2 else "RawDeployment"
        text = ISVC.format(i=i, ns=i % 20, mode=mode, framework=FRAMEWORKS[i % len(FRAMEWORKS)])
        (root / f"isvc-{i:05d}.yaml").write_text(text)


def main() -> None:
    count = int(sys.argv[1]) if len(sys.argv) > 1 and sys.argv[1].isdigit() else 2000
    with tempfile.TemporaryDirectory() as tmp:
        write_repo(Path(tmp), count)
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


if __name__ == "__main__":
    main()
