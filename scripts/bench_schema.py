"""Time strict schema validation: 10,000 InferenceServices, and loading the built validator.

Also times CRD defaulting (`apply_defaults`) of the same 10,000 objects: as they are (every port
has its protocol: nothing to default) and with the transformer port's protocol left out (one
default put in, along a copied path).

The happy path of `generator.schema.check_object` has to stay cheap enough to run on every object
of a large GitOps repository; this prints the numbers to compare against (target: well under a
second for 10,000 objects). Loading the validator is timed in fresh interpreters: first with an
empty cache (built from `generator/schema/data/`, the cold cost of a first run), then warm.

    python scripts/bench_schema.py [--count N]
"""

from __future__ import annotations

import argparse
import copy
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT))

from generator.schema import apply_defaults, check_object  # noqa: E402

MODULE = "inferenceservice_v1beta1"

# A predictor with a model format, resources and env, a custom transformer container and the
# annotations a Standard-mode service with KEDA autoscaling carries: a typical GitOps input.
EXAMPLE: dict[str, Any] = {
    "apiVersion": "serving.kserve.io/v1beta1",
    "kind": "InferenceService",
    "metadata": {
        "name": "bench",
        "namespace": "models",
        "labels": {"team": "search", "app.kubernetes.io/part-of": "ranking"},
        "annotations": {
            "serving.kserve.io/deploymentMode": "Standard",
            "serving.kserve.io/autoscalerClass": "keda",
        },
    },
    "spec": {
        "predictor": {
            "minReplicas": 1,
            "maxReplicas": 4,
            "serviceAccountName": "models-reader",
            "model": {
                "modelFormat": {"name": "sklearn", "version": "1"},
                "protocolVersion": "v2",
                "storageUri": "s3://models/ranking/v7",
                "resources": {
                    "requests": {"cpu": "500m", "memory": "1Gi"},
                    "limits": {"cpu": 1, "memory": "2Gi"},
                },
                "env": [{"name": "LOG_LEVEL", "value": "info"}],
            },
            "autoScaling": {
                "metrics": [
                    {
                        "type": "Resource",
                        "resource": {
                            "name": "cpu",
                            "target": {"type": "Utilization", "averageUtilization": 70},
                        },
                    }
                ]
            },
        },
        "transformer": {
            "containers": [
                {
                    "name": "kserve-container",
                    "image": "registry.example/ranking-transformer:1.4",
                    "args": ["--model_name", "ranking"],
                    "ports": [{"containerPort": 8080, "protocol": "TCP"}],
                    "resources": {"requests": {"cpu": "100m", "memory": "256Mi"}},
                }
            ]
        },
    },
}


def time_validation(count: int) -> float:
    docs = []
    for i in range(count):
        doc = copy.deepcopy(EXAMPLE)
        doc["metadata"]["name"] = f"bench-{i}"
        docs.append(doc)
    assert check_object(docs[0]) == [], check_object(docs[0])
    start = time.perf_counter()
    for doc in docs:
        check_object(doc)
    return time.perf_counter() - start


def time_defaults(count: int, *, without_protocol: bool) -> float:
    docs = []
    for i in range(count):
        doc = copy.deepcopy(EXAMPLE)
        doc["metadata"]["name"] = f"bench-{i}"
        if without_protocol:
            del doc["spec"]["transformer"]["containers"][0]["ports"][0]["protocol"]
        docs.append(doc)
    assert (apply_defaults(docs[0]) is docs[0]) is not without_protocol
    start = time.perf_counter()
    for doc in docs:
        apply_defaults(doc)
    return time.perf_counter() - start


def time_first_use(cache_dir: str) -> float:
    """Loading the InferenceService validator in a fresh interpreter, with `cache_dir` as
    $XDG_CACHE_HOME: built from the schema data when the cache is empty, else read from it."""
    env = {**os.environ, "XDG_CACHE_HOME": cache_dir}
    code = (
        "import time; from generator.schema.validators import load_validator; "
        f"s = time.perf_counter(); load_validator({MODULE!r}); print(time.perf_counter() - s)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        cwd=REPO_ROOT,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=10_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as cache_dir:
        cold = time_first_use(cache_dir)
        warm = min(time_first_use(cache_dir) for _ in range(3))
    elapsed = time_validation(args.count)
    unchanged = time_defaults(args.count, without_protocol=False)
    defaulted = time_defaults(args.count, without_protocol=True)
    print(
        f"validator {MODULE}: {cold * 1000:.0f} ms built (cold cache), "
        f"{warm * 1000:.1f} ms from the cache (warm)"
    )
    print(
        f"check_object x {args.count:,}: {elapsed:.3f} s "
        f"({elapsed / args.count * 1e6:.1f} us per object)"
    )
    print(
        f"apply_defaults x {args.count:,}: {unchanged:.3f} s with nothing to default, "
        f"{defaulted:.3f} s putting in a port protocol "
        f"({unchanged / args.count * 1e6:.1f} / {defaulted / args.count * 1e6:.1f} us per object)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
