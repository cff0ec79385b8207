"""The InferenceGraph validating webhook: port of KServe v0.20.0
`pkg/apis/serving/v1alpha1/inference_graph_validation.go` (name format, root node, splitter
weights, step names and targets), with KServe's messages.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from generator.errors import Invalid, field_path

GRAPH_ROOT_NODE_NAME = "root"

GRAPH_NAME_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_GRAPH_RE = re.compile(GRAPH_NAME_FMT)
INVALID_GRAPH_NAME_FORMAT_ERROR = (
    'The InferenceGraph "{}" is invalid: a InferenceGraph name must consist of lower case '
    "alphanumeric characters or '-', and must start with alphabetical character. (e.g. "
    '"my-name" or "abc-123", regex used for validation is \'{}\')'
)
ROOT_NODE_NOT_FOUND_ERROR = (
    "root node not found, InferenceGraph needs a node with name 'root' as the root node of the "
    "graph"
)
WEIGHT_NOT_PROVIDED_ERROR = "InferenceGraph[{}] Node[{}] Route[{}] missing the 'Weight'"
INVALID_WEIGHT_ERROR = (
    "InferenceGraph[{}] Node[{}] splitter node: the sum of traffic weights for all routing "
    "targets should be 100"
)
DUPLICATE_STEP_NAME_ERROR = (
    'Node "{}" of InferenceGraph "{}" contains more than one step with name "{}"'
)
TARGET_NOT_PROVIDED_ERROR = (
    'Step {} ("{}") in node "{}" of InferenceGraph "{}" does not specify an inference target'
)
INVALID_TARGET_ERROR = (
    'Step {} ("{}") in node "{}" of InferenceGraph "{}" specifies more than one of nodeName, '
    "serviceName, serviceUrl"
)
_TARGETS = ("nodeName", "serviceName", "serviceUrl")


def graph_nodes(graph: Mapping[str, Any]) -> list[tuple[str, list[dict[str, Any]], Any]]:
    """(node name, steps, router type), by node name."""
    # GitOps: Go ranges over the map in random order, so with several bad nodes KServe's first
    # error varies; here it is the first by node name.
    nodes = (graph.get("spec") or {}).get("nodes") or {}
    return [(n, nodes[n].get("steps") or [], nodes[n].get("routerType")) for n in sorted(nodes)]


def validate_inference_graph(graph: Mapping[str, Any]) -> Invalid | None:
    """Port of `validateInferenceGraph`: the first rule the graph breaks, in KServe's order."""
    name = str((graph.get("metadata") or {}).get("name") or "")
    if not _GRAPH_RE.fullmatch(name):
        message = INVALID_GRAPH_NAME_FORMAT_ERROR.format(name, GRAPH_NAME_FMT)
        return Invalid("metadata.name", message)
    nodes = graph_nodes(graph)
    if GRAPH_ROOT_NODE_NAME not in {node for node, _, _ in nodes}:
        return Invalid("spec.nodes", ROOT_NODE_NOT_FOUND_ERROR)
    for node, steps, _ in nodes:
        seen: set[str] = set()
        for i, step in enumerate(steps):
            step_name = step.get("name") or ""
            if step_name in seen:
                message = DUPLICATE_STEP_NAME_ERROR.format(node, name, step_name)
                return Invalid(field_path("spec", "nodes", node, "steps", i, "name"), message)
            if step_name:
                seen.add(step_name)
    for node, steps, _ in nodes:
        for i, step in enumerate(steps):
            count = sum(1 for target in _TARGETS if step.get(target))
            if count != 1:
                error = TARGET_NOT_PROVIDED_ERROR if count == 0 else INVALID_TARGET_ERROR
                message = error.format(i, step.get("name") or "", node, name)
                return Invalid(field_path("spec", "nodes", node, "steps", i), message)
    for node, steps, router_type in nodes:
        if router_type != "Splitter":
            continue
        for i, step in enumerate(steps):
            if step.get("weight") is None:
                service = step.get("serviceName") or ""
                message = WEIGHT_NOT_PROVIDED_ERROR.format(name, node, service)
                return Invalid(field_path("spec", "nodes", node, "steps", i, "weight"), message)
        if sum(int(step["weight"]) for step in steps) != 100:
            message = INVALID_WEIGHT_ERROR.format(name, node)
            return Invalid(field_path("spec", "nodes", node), message)
    return None
