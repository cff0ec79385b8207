"""What a component (predictor, transformer, explainer) hands to a mode's reconcilers.

KServe's components build `componentMeta`, `componentExt` and `podSpec` and pass them to the
Knative or raw reconcilers (`components/{predictor,transformer,explainer}.go`). Here that
bundle is one frozen record; reconcilers read it and never mutate it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True, slots=True)
class ComponentBuild:
    """One component's object meta, extension spec and pod spec, ready for a reconciler.

    - `component`: "predictor", "transformer" or "explainer".
    - `meta`: the component ObjectMeta as a dict: `name` (e.g. `<isvc>-predictor`),
      `namespace`, `labels`, `annotations` (already filtered by the disallowed list, with
      KServe's internal annotations such as the storage-initializer source URI).
    - `ext`: the component's spec dict from the admitted InferenceService (its
      ComponentExtensionSpec fields: minReplicas, maxReplicas, scaleTarget, scaleMetric,
      containerConcurrency, timeout, canaryTrafficPercent, logger, batcher, autoScaling,
      deploymentStrategy, …).
    - `pod_spec`: the PodSpec after the runtime merge and the pod mutator.
    - `worker_meta` / `worker_pod_spec`: the multi-node worker (Standard mode), else None.
    """

    component: str
    meta: dict[str, Any]
    ext: dict[str, Any]
    pod_spec: dict[str, Any]
    worker_meta: dict[str, Any] | None = None
    worker_pod_spec: dict[str, Any] | None = None
    storage_uris: list[dict[str, Any]] = field(default_factory=list)
