"""The records the stages hand to each other, kept low so that every layer may read them.

`ComponentBuild` goes from a component (predictor, transformer, explainer) to a mode's
reconcilers; `Admitted` from admission to the controllers; `Rendered` from the controllers to
the emitters. They depend on nothing above the loader.
"""

from __future__ import annotations

import json
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


Identity = tuple[str, str, str, str]  # (apiVersion, kind, namespace, name) of an object


def _identity_of(obj: dict[str, Any]) -> Identity:
    """(apiVersion, kind, namespace, name) of an object, each "" when absent."""
    meta = obj.get("metadata") or {}
    return (
        str(obj.get("apiVersion", "")),
        str(obj.get("kind", "")),
        str(meta.get("namespace", "") or ""),
        str(meta.get("name", "")),
    )


class Rendered:
    """One output object, the InferenceService (or graph) it belongs to, and its input file.

    `text` is the object as output.dump_yaml writes it, when already known (the render cache,
    a worker); whoever builds a changed object builds a new Rendered, which starts without it.
    A worker's objects arrive as JSON (`Rendered.encoded`) and are decoded when first read: a
    run that only prints or writes them needs no more than their identity and text.
    """

    __slots__ = ("_encoded", "_identity", "_obj", "knative_needs", "owner", "source", "text")

    def __init__(
        self, obj: dict[str, Any], owner: str, source: Source, text: str | None = None
    ) -> None:
        self._obj: dict[str, Any] | None = obj
        self._encoded: str | None = None
        self._identity: Identity | None = None
        self.owner = owner
        self.source = source
        self.text = text
        # the config-features flags a Knative Service needs, when the worker already found them
        self.knative_needs: tuple[tuple[str, str], ...] | None = None

    @classmethod
    def encoded(
        cls,
        encoded: str,
        identity: Identity,
        owner: str,
        source: Source,
        text: str,
        knative_needs: tuple[tuple[str, str], ...],
    ) -> Rendered:
        """An object given as its JSON text and identity, decoded when `obj` is first read.
        A List or a CustomResourceDefinition is decoded now: what it holds or defines is read
        by every run (namespace_policy.members, scope.crd_scopes)."""
        kind = identity[1]
        if kind.endswith("List") or kind == "CustomResourceDefinition":
            item = cls(json.loads(encoded), owner, source, text)
        else:
            item = cls({}, owner, source, text)
            item._obj, item._encoded, item._identity = None, encoded, identity
        item.knative_needs = knative_needs
        return item

    @property
    def obj(self) -> dict[str, Any]:
        if self._obj is None:
            self._obj = json.loads(self._encoded or "{}")
            self._encoded = self._identity = None  # from now on read from the object
        return self._obj

    @property
    def identity(self) -> Identity:
        if self._obj is None and self._identity is not None:
            return self._identity
        return _identity_of(self.obj)

    @property
    def identity_object(self) -> dict[str, Any]:
        """The object, or while it is not decoded, an object of its identity alone: all that
        namespace_policy reads of anything but a List or a CustomResourceDefinition."""
        if self._obj is not None:
            return self._obj
        api_version, kind, namespace, name = self.identity
        meta = {"name": name, "namespace": namespace}
        return {"apiVersion": api_version, "kind": kind, "metadata": meta}

    @property
    def api_version(self) -> str:
        return self.identity[0]

    @property
    def kind(self) -> str:
        return self.identity[1]

    @property
    def namespace(self) -> str:
        return self.identity[2]

    @property
    def name(self) -> str:
        return self.identity[3]

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Rendered):
            return NotImplemented
        return (self.obj, self.owner, self.source) == (other.obj, other.owner, other.source)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return f"Rendered({self.obj!r}, {self.owner!r}, {self.source!r})"


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
