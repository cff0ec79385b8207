"""Routing groups (`router_group.go`, `router_group_routing.go`): LLMInferenceServices of one
namespace that share `spec.router.route.group` each get an HTTPRoute whose shared rules send
traffic to every member serving the same models, weighted by `spec.router.route.weight` (a
canary between two model versions).

GitOps departures:
- KServe lists the group's members in the cluster and keeps the routable ones (RouterReady,
  ready replicas: `filterEligibleMembers`); a render sees the input set, so the members are the
  LLMInferenceServices of the input set that KServe would admit and reconcile, each taken as
  routable. A member that is not in the input set cannot be seen: reconcile.py says so (a
  Notice, not a problem: KServe routes to the members it finds and reports nothing for one it
  does not) when a group has a single member in the input set.
- A member's backend comes from its status in KServe (`resolveMemberBackendRef`); the render
  uses the status KServe converges to: the managed InferencePool (group
  `inference.networking.k8s.io`, `router.go: EvaluateInferencePoolConditions`) for a member
  with a scheduler, else its workload Service; a `pool.ref` in the stored spec wins, as in
  KServe, with the v1alpha2 group. A stopped member keeps weight 0 and, without scheduler
  status, its workload Service (from reading the code).
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from generator.llmisvc.config_merge import child_name, workload_service_name
from generator.llmisvc.scaling import is_stopped

POOL_GROUP_V1: Final = "inference.networking.k8s.io"
POOL_GROUP_V1ALPHA2: Final = "inference.networking.x-k8s.io"
BACKEND_PORT: Final = 8000


@dataclass(frozen=True, slots=True)
class Member:
    """`router_group.go: resolvedMember`."""

    name: str
    model_names: tuple[str, ...]
    weight: int
    stopped: bool
    backend_ref: dict[str, Any]


@dataclass(slots=True)
class GroupIndex:
    """The input set's group members by (namespace, group), sorted by name
    (`listGroupMembers`, then `resolveGroupMembers`' sort)."""

    members: dict[tuple[str, str], list[Member]] = field(default_factory=dict)

    def of(self, namespace: str, group: str) -> list[Member]:
        return self.members.get((namespace, group), [])


def route_group(spec: Mapping[str, Any]) -> str | None:
    """Port of `RouterSpec.Group`."""
    route = (spec.get("router") or {}).get("route")
    group = route.get("group") if isinstance(route, dict) else None
    return None if group is None else str(group)


def route_weight(spec: Mapping[str, Any]) -> int:
    """`ptr.Deref(RouterSpec.Weight(), 0)`."""
    route = (spec.get("router") or {}).get("route")
    weight = route.get("weight") if isinstance(route, dict) else None
    return int(weight) if isinstance(weight, int) else 0


def resolved_model_names(doc: Mapping[str, Any]) -> tuple[str, ...]:
    """Port of `resolvedModelNames` from the spec (GitOps: there is no `status.addresses`):
    `model.name` (else the service's name) and the LoRA adapters' names, sorted, distinct."""
    spec = doc.get("spec") or {}
    model = spec.get("model") or {}
    name = model.get("name")
    names = [str(doc["metadata"]["name"] if name is None else name)]
    adapters = (model.get("lora") or {}).get("adapters") or []
    names += [str(a["name"]) for a in adapters if isinstance(a, dict) and a.get("name") is not None]
    return tuple(sorted(set(names)))


def _pool_ref_name(spec: Mapping[str, Any]) -> str | None:
    scheduler = (spec.get("router") or {}).get("scheduler")
    if not isinstance(scheduler, dict):
        return None
    ref = (scheduler.get("pool") or {}).get("ref")
    if isinstance(ref, dict) and ref.get("name"):
        return str(ref["name"])
    return None


def _has_scheduler(spec: Mapping[str, Any]) -> bool:
    return isinstance((spec.get("router") or {}).get("scheduler"), dict)


def _pool_backend(group: str, name: str) -> dict[str, Any]:
    return {"group": group, "kind": "InferencePool", "name": name, "port": BACKEND_PORT}


def member_backend_ref(stored: Mapping[str, Any], merged: Mapping[str, Any]) -> dict[str, Any]:
    """Port of `resolveMemberBackendRef`: `stored` is the member as the API server holds it
    (admitted), `merged` its spec after `combine`, which sets the status read here."""
    name = str(stored["metadata"]["name"])
    ref = _pool_ref_name(stored.get("spec") or {})
    if ref is not None:
        return _pool_backend(POOL_GROUP_V1ALPHA2, ref)
    spec = merged.get("spec") or {}
    if _has_scheduler(spec) and not is_stopped(stored["metadata"]):
        pool = _pool_ref_name(spec) or child_name(name, "-inference-pool")
        return _pool_backend(POOL_GROUP_V1, pool)
    return {"kind": "Service", "name": workload_service_name(name), "port": BACKEND_PORT}


def member(stored: Mapping[str, Any], merged: Mapping[str, Any]) -> Member:
    """One entry of `resolveGroupMembers`."""
    spec = stored.get("spec") or {}
    return Member(
        name=str(stored["metadata"]["name"]),
        model_names=resolved_model_names(stored),
        weight=route_weight(spec),
        stopped=is_stopped(stored["metadata"]),
        backend_ref=member_backend_ref(stored, merged),
    )


def build_index(entries: Iterable[tuple[Mapping[str, Any], Mapping[str, Any]]]) -> GroupIndex:
    """The members of every group from (stored, merged) pairs; the group is the stored one
    (KServe's field index on the stored objects)."""
    index = GroupIndex()
    for stored, merged in entries:
        group = route_group(stored.get("spec") or {})
        if group is None:
            continue
        namespace = str(stored["metadata"].get("namespace") or "")
        index.members.setdefault((namespace, group), []).append(member(stored, merged))
    for members in index.members.values():
        members.sort(key=lambda m: m.name)
    return index


def is_per_participant_rule(rule: Mapping[str, Any], prefix: str) -> bool:
    """Port of `isPerParticipantRule` (`router_group_routing.go`): a path at or under
    `/<namespace>/<name>` reaches this member only."""
    for match in rule.get("matches") or []:
        value = (match.get("path") or {}).get("value") if isinstance(match, dict) else None
        if value is None:
            continue
        if value == prefix or str(value).startswith(prefix + "/"):
            return True
    return False


def is_expected_backend_ref(llmsvc: Mapping[str, Any], ref: Mapping[str, Any]) -> bool:
    """Port of `isExpectedBackendRef`: the default InferencePool (either group), the workload
    Service, or the scheduler's `pool.ref`."""
    name = str(llmsvc["metadata"]["name"])
    kind = ref.get("kind")
    if kind == "InferencePool" and ref.get("name") == child_name(name, "-inference-pool"):
        return True
    if (kind or "Service") == "Service" and ref.get("name") == workload_service_name(name):
        return True
    pool_ref = _pool_ref_name(llmsvc.get("spec") or {})
    return pool_ref is not None and kind == "InferencePool" and ref.get("name") == pool_ref


def has_controller_managed_backend_ref(rule: Mapping[str, Any], llmsvc: Mapping[str, Any]) -> bool:
    """Port of `hasControllerManagedBackendRef`."""
    return any(
        isinstance(ref, dict) and is_expected_backend_ref(llmsvc, ref)
        for ref in rule.get("backendRefs") or []
    )


def rewrite_rules_for_group(
    route_spec: dict[str, Any], llmsvc: Mapping[str, Any], members: Iterable[Member]
) -> None:
    """Port of `rewriteRulesForGroup`: every shared rule with a controller-managed backend gets
    all members' backends, weighted (0 for a stopped member)."""
    refs = [{**m.backend_ref, "weight": 0 if m.stopped else m.weight} for m in members]
    meta = llmsvc["metadata"]
    prefix = f"/{meta.get('namespace') or ''}/{meta['name']}"
    for rule in route_spec.get("rules") or []:
        if is_per_participant_rule(rule, prefix):
            continue
        if not has_controller_managed_backend_ref(rule, llmsvc):
            continue
        rule["backendRefs"] = copy.deepcopy(refs)


def inject_group_backend_refs(
    route_spec: dict[str, Any], llmsvc: Mapping[str, Any], index: GroupIndex
) -> tuple[list[Member], list[Member]]:
    """Port of `injectGroupBackendRefs`: the members serving the same models as this service
    (`matching`) become the route's shared backends; the others (`divergent`) are left out."""
    group = route_group(llmsvc["spec"])
    if group is None:
        return [], []
    namespace = str(llmsvc["metadata"].get("namespace") or "")
    models = resolved_model_names(llmsvc)
    matching: list[Member] = []
    divergent: list[Member] = []
    for m in index.of(namespace, group):
        (matching if m.model_names == models else divergent).append(m)
    rewrite_rules_for_group(route_spec, llmsvc, matching)
    return matching, divergent


def group_notices(llmsvc: Mapping[str, Any], index: GroupIndex) -> list[str]:
    """What the render says about a group it cannot see whole (see the module docstring)."""
    group = route_group(llmsvc["spec"])
    if group is None:
        return []
    namespace = str(llmsvc["metadata"].get("namespace") or "")
    name = str(llmsvc["metadata"]["name"])
    members = index.of(namespace, group)
    models = resolved_model_names(llmsvc)
    out = []
    if [m.name for m in members] in ([], [name]):
        out.append(
            f'routing group "{group}" has no other member in the input set: its HTTPRoute '
            "routes only to this service; KServe would add the group's other "
            "LLMInferenceServices in the cluster (render them together)"
        )
    out += [
        f'routing group "{group}": member {m.name} serves {list(m.model_names)}, '
        f"this service {list(models)}; KServe leaves it out of this route's backends"
        for m in members
        if m.model_names != models
    ]
    return out


__all__ = [
    "GroupIndex",
    "Member",
    "build_index",
    "group_notices",
    "has_controller_managed_backend_ref",
    "inject_group_backend_refs",
    "is_expected_backend_ref",
    "is_per_participant_rule",
    "member",
    "member_backend_ref",
    "resolved_model_names",
    "rewrite_rules_for_group",
    "route_group",
]
