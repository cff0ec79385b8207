"""Flux Kustomizations for the shards of a rendered folder (`render -o DIR --flux-path PATH`).

One `kustomize.toolkit.fluxcd.io/v1` Kustomization per shard folder, written into
`DIR/_flux/` with the rest of the render, so adding or removing a namespace adds or removes its
Kustomization in the same atomic swap and a bootstrap Kustomization over `DIR/_flux` (prune on)
follows without a hand edit. Each one builds only its own folder: kustomize-controller never
holds the whole repository in one `kustomize build`. Namespace shards depend on the
`_cluster` shard (Namespaces, ClusterServingRuntimes and other cluster-scoped objects they
need) when there is one; a finer `<namespace>.<label value>` shard also on its namespace's.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable
from dataclasses import dataclass

from generator import writer
from generator.output import dump_yaml

API_VERSION = "kustomize.toolkit.fluxcd.io/v1"
DEFAULT_SOURCE = "flux-system/flux-system"  # what `flux bootstrap` creates
# Flux labels every object it applies with the Kustomization's name: a label value, ≤ 63.
_LABEL_MAX = 63
_UNSAFE = re.compile(r"[^a-z0-9]+")
_PATH = re.compile(r"(\./)?[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*")


@dataclass(frozen=True, slots=True)
class FluxOptions:
    """Where Flux finds the rendered folder: its path in the source, the GitRepository."""

    path: str  # DIR inside the Git source, e.g. ./rendered/production
    source_namespace: str = "flux-system"
    source_name: str = "flux-system"

    @property
    def prefix(self) -> str:
        return _UNSAFE.sub("-", self.path.lower()).strip("-") or "rendered"


def parse_source(value: str) -> tuple[str, str] | None:
    """`[NAMESPACE/]NAME` of a GitRepository, or None when it is not that."""
    namespace, _, name = value.rpartition("/")
    label = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
    namespace = namespace or "flux-system"
    if not label.fullmatch(namespace) or not re.fullmatch(r"[a-z0-9]([-a-z0-9.]*[a-z0-9])?", name):
        return None
    return namespace, name


def valid_path(path: str) -> bool:
    """A relative path inside the source, as Flux's spec.path takes it (no `..`)."""
    return bool(_PATH.fullmatch(path)) and ".." not in path.split("/")


def name_of(shard: str, options: FluxOptions) -> str:
    """The Kustomization's name for a shard: `<prefix>-<namespace>`, `<prefix>.cluster` for
    the cluster-scoped shard (a namespace cannot hold a dot, so the two never collide)."""
    if shard == writer.CLUSTER_DIR:
        name = f"{options.prefix}.cluster"
    else:
        name = f"{options.prefix}-{shard}"
    if len(name) <= _LABEL_MAX:
        return name
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:10]
    return f"{name[: _LABEL_MAX - 11].rstrip('.-')}-{digest}"


def kustomization_object(shard: str, shards: set[str], options: FluxOptions) -> dict[str, object]:
    spec: dict[str, object] = {
        "interval": "5m",
        "sourceRef": {"kind": "GitRepository", "name": options.source_name},
        "path": f"{options.path.rstrip('/')}/{shard}",
        "prune": True,
        "wait": True,
        "timeout": "5m",
    }
    needs = [writer.CLUSTER_DIR] if shard != writer.CLUSTER_DIR else []
    if "." in shard:  # a label shard needs its namespace's (Secrets, ServiceAccounts, runtimes)
        needs.append(shard.split(".", 1)[0])
    if [n for n in needs if n in shards]:
        spec["dependsOn"] = [{"name": name_of(n, options)} for n in needs if n in shards]
    return {
        "apiVersion": API_VERSION,
        "kind": "Kustomization",
        "metadata": {"name": name_of(shard, options), "namespace": options.source_namespace},
        "spec": spec,
    }


def files(rendered: Iterable[str], options: FluxOptions) -> dict[str, str]:
    """`_flux/<shard>.yaml` for every shard of the rendered files (path → text)."""
    shards = {writer.shard_of(rel) for rel in rendered} - {writer.FLUX_DIR}
    return {
        f"{writer.FLUX_DIR}/{shard}.yaml": dump_yaml(kustomization_object(shard, shards, options))
        for shard in sorted(shards)
    }
