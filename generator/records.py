"""The records the stages hand to each other, kept low so that every layer may read them.

`ComponentBuild` goes from a component (predictor, transformer, explainer) to a mode's
reconcilers; `Admitted` from admission to the controllers; `Rendered` from the controllers to
the emitters. They depend on nothing above the loader.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from generator import constants
from generator.errors import Source
from generator.load import Loaded


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
    - `pod_annotations`: the annotations the pod webhook wrote on the component's pods, which
      a Knative revision template must carry (in Standard mode the webhook runs on the
      Deployment's template itself).
    """

    component: str
    meta: dict[str, Any]
    ext: dict[str, Any]
    pod_spec: dict[str, Any]
    worker_meta: dict[str, Any] | None = None
    worker_pod_spec: dict[str, Any] | None = None
    storage_uris: list[dict[str, Any]] = field(default_factory=list)
    pod_annotations: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Admitted:
    """An InferenceService after the admission webhooks: defaulted, validated, mode resolved."""

    loaded: Loaded
    isvc: dict[str, Any]
    namespace: str
    mode: str
    runtime: str | None = None
    url: str | None = None  # what KServe would report as status.url
    address: str | None = None  # and status.address.url
    knative_flags: tuple[str, ...] = ()  # config-features flags its Knative Services need
    mode_reason: str = ""  # why this mode (--explain)
    runtime_reason: str = ""  # why this runtime (--explain)


@dataclass(frozen=True, slots=True)
class Rendered:
    """One output object, the InferenceService (or graph) it belongs to, and its input file."""

    obj: dict[str, Any]
    owner: str
    source: Source
    # `obj` as output.dump_yaml writes it, when already known (the render cache, a worker);
    # whoever builds a changed object builds a new Rendered, which starts without it.
    text: str | None = field(default=None, compare=False, repr=False)

    @property
    def kind(self) -> str:
        return str(self.obj.get("kind", ""))

    @property
    def name(self) -> str:
        return str((self.obj.get("metadata") or {}).get("name", ""))

    @property
    def namespace(self) -> str:
        return str((self.obj.get("metadata") or {}).get("namespace", "") or "")


def mark_managed(obj: dict[str, Any]) -> dict[str, Any]:
    """A rendered top-level object with the managed-by label.

    GitOps: instead of the ownerReference KServe's controller sets (to the InferenceService or
    graph, which the cluster does not hold: the garbage collector would delete the child).
    """
    meta = dict(obj.get("metadata") or {})
    meta["labels"] = {
        **(meta.get("labels") or {}),
        constants.MANAGED_BY_LABEL_KEY: constants.MANAGED_BY_LABEL_VALUE,
    }
    return {**obj, "metadata": meta}
