"""router_group.py, ported from KServe v0.20.0's `router_group_test.go` and
`router_group_routing_test.go` (each test names the Go test it ports), then routing groups
rendered from an input set.

Not ported: TestFilterEligibleMembers (peer status: a render takes every admitted member as
routable; the render tests below cover which members count), TestIsGroupRoute,
TestUpdateGroupStatus, TestTrafficFieldsChanged and TestRouteReferencesBackend (status, watch
predicates and finalization against live objects).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from generator import cli
from generator.llmisvc.router_group import (
    Member,
    build_index,
    inject_group_backend_refs,
    is_expected_backend_ref,
    is_per_participant_rule,
    member_backend_ref,
    resolved_model_names,
    rewrite_rules_for_group,
    route_group,
)


def svc(name: str, spec: dict[str, Any] | None = None, ns: str = "default") -> dict[str, Any]:
    return {"metadata": {"name": name, "namespace": ns}, "spec": spec or {}}


def pool_ref(name: str) -> dict[str, Any]:
    return {"router": {"scheduler": {"pool": {"ref": {"name": name}}}}}


@pytest.mark.parametrize(
    ("spec", "want"),
    [
        ({}, None),
        ({"router": {}}, None),
        ({"router": {"route": {}}}, None),
        ({"router": {"route": {"group": "g", "weight": 1}}}, "g"),
    ],
    ids=["nil router", "nil route", "no group", "group set"],
)
def test_router_spec_has_group(spec: dict[str, Any], want: str | None) -> None:
    # TestRouterSpecHasGroup
    assert route_group(spec) == want


def test_rewrite_rules_for_group_replaces_controller_managed_backend_refs() -> None:
    # TestRewriteRulesForGroup: replaces controller-managed backendRefs with group members
    route = {
        "rules": [{"backendRefs": [{"kind": "InferencePool", "name": "my-svc-inference-pool"}]}]
    }
    members = [
        Member("v1", ("m",), 9, False, {"name": "v1-pool"}),
        Member("v2", ("m",), 1, False, {"name": "v2-pool"}),
    ]
    rewrite_rules_for_group(route, svc("my-svc"), members)
    assert route["rules"][0]["backendRefs"] == [
        {"name": "v1-pool", "weight": 9},
        {"name": "v2-pool", "weight": 1},
    ]


def test_rewrite_rules_for_group_skips_rules_with_only_custom_backend_refs() -> None:
    # TestRewriteRulesForGroup: skips rules with only custom backendRefs
    custom = {"kind": "Service", "name": "user-custom-svc"}
    route = {
        "rules": [
            {"backendRefs": [{"kind": "InferencePool", "name": "my-svc-inference-pool"}]},
            {"backendRefs": [custom]},
        ]
    }
    rewrite_rules_for_group(route, svc("my-svc"), [Member("v1", (), 5, False, {"name": "v1-pool"})])
    assert route["rules"][0]["backendRefs"] == [{"name": "v1-pool", "weight": 5}]
    assert route["rules"][1]["backendRefs"] == [custom]


def test_rewrite_rules_for_group_stopped_member_weighs_zero_and_per_participant_rules_stay() -> (
    None
):
    own = {"kind": "Service", "name": "my-svc-kserve-workload-svc"}
    route = {
        "rules": [
            {
                "matches": [{"path": {"value": "/default/my-svc/v1/completions"}}],
                "backendRefs": [own],
            },
            {"matches": [{"path": {"value": "/v1/completions"}}], "backendRefs": [own]},
        ]
    }
    members = [Member("a", (), 7, True, {"name": "a"}), Member("b", (), 3, False, {"name": "b"})]
    rewrite_rules_for_group(route, svc("my-svc"), members)
    assert route["rules"][0]["backendRefs"] == [own]
    assert route["rules"][1]["backendRefs"] == [
        {"name": "a", "weight": 0},
        {"name": "b", "weight": 3},
    ]


@pytest.mark.parametrize(
    ("spec", "ref", "want"),
    [
        ({}, {"kind": "InferencePool", "name": "my-svc-inference-pool"}, True),
        ({}, {"kind": "Service", "name": "my-svc-kserve-workload-svc"}, True),
        ({}, {"name": "my-svc-kserve-workload-svc"}, True),
        (pool_ref("custom-pool"), {"kind": "InferencePool", "name": "custom-pool"}, True),
        ({}, {"kind": "InferencePool", "name": "user-custom-pool"}, False),
        ({}, {"kind": "Service", "name": "user-custom-svc"}, False),
    ],
    ids=[
        "default InferencePool matches",
        "workload Service matches",
        "kind defaults to Service",
        "custom pool ref matches",
        "user InferencePool does not match",
        "user Service does not match",
    ],
)
def test_is_expected_backend_ref(spec: dict[str, Any], ref: dict[str, Any], want: bool) -> None:
    # TestIsExpectedBackendRef
    assert is_expected_backend_ref(svc("my-svc", spec), ref) is want


def test_resolve_member_backend_ref() -> None:
    # TestResolveMemberBackendRef: custom pool ref from spec uses well-known API group
    member = svc("v1", pool_ref("my-custom-pool"))
    assert member_backend_ref(member, member) == {
        "group": "inference.networking.x-k8s.io",
        "kind": "InferencePool",
        "name": "my-custom-pool",
        "port": 8000,
    }
    # managed pool from status uses pool's own API group (GitOps: the status KServe sets for a
    # merged spec with a scheduler)
    stored = svc("v1")
    merged = svc("v1", {"router": {"scheduler": {}}})
    assert member_backend_ref(stored, merged) == {
        "group": "inference.networking.k8s.io",
        "kind": "InferencePool",
        "name": "v1-inference-pool",
        "port": 8000,
    }
    # workload service fallback
    assert member_backend_ref(svc("my-svc"), svc("my-svc")) == {
        "kind": "Service",
        "name": "my-svc-kserve-workload-svc",
        "port": 8000,
    }


def test_resolved_model_names() -> None:
    doc = svc(
        "s",
        {
            "model": {
                "name": "base",
                "lora": {"adapters": [{"name": "b"}, {"name": "a"}, {"name": "b"}, {}]},
            }
        },
    )
    assert resolved_model_names(doc) == ("a", "b", "base")
    assert resolved_model_names(svc("s")) == ("s",)


@pytest.mark.parametrize(
    ("path", "want"),
    [
        ("/default/my-svc", True),
        ("/default/my-svc/v1/completions", True),
        ("/v1/chat/completions", False),
        (None, False),
        ("/default/my-svc-v2", False),
    ],
    ids=[
        "exact prefix match",
        "prefix with trailing path",
        "non-matching path",
        "nil path value",
        "partial name collision - segment boundary guard",
    ],
)
def test_is_per_participant_rule(path: str | None, want: bool) -> None:
    # TestIsPerParticipantRule
    rule = {"matches": [{"path": {} if path is None else {"value": path}}]}
    assert is_per_participant_rule(rule, "/default/my-svc") is want


def test_is_per_participant_rule_without_path() -> None:
    # TestIsPerParticipantRule: empty matches; header-only match no path
    assert not is_per_participant_rule({"matches": []}, "/default/my-svc")
    rule = {"matches": [{"headers": [{"name": "x-model", "value": "test"}]}]}
    assert not is_per_participant_rule(rule, "/default/my-svc")


def grouped(name: str, weight: int, ns: str = "default", **spec: Any) -> dict[str, Any]:
    return svc(
        name,
        {"model": {"name": "m"}, "router": {"route": {"group": "g", "weight": weight}}, **spec},
        ns,
    )


def test_inject_group_backend_refs_matching_and_divergent_members() -> None:
    a, b = grouped("b-v2", 10), grouped("a-v1", 90)
    other = grouped("c-other", 5, model={"name": "other"})
    elsewhere = grouped("d-elsewhere", 5, ns="prod")
    index = build_index((d, d) for d in (a, b, other, elsewhere))
    route = {"rules": [{"backendRefs": [{"kind": "Service", "name": "b-v2-kserve-workload-svc"}]}]}
    matching, divergent = inject_group_backend_refs(route, a, index)
    assert [m.name for m in matching] == ["a-v1", "b-v2"]  # sorted by name
    assert [m.name for m in divergent] == ["c-other"]
    assert [(r["name"], r["weight"]) for r in route["rules"][0]["backendRefs"]] == [
        ("a-v1-kserve-workload-svc", 90),
        ("b-v2-kserve-workload-svc", 10),
    ]


# --- the render -------------------------------------------------------------------------


def llmisvc(name: str, weight: int, scheduler: bool = True, **meta: Any) -> dict[str, Any]:
    router: dict[str, Any] = {"route": {"group": "llama", "weight": weight}, "gateway": {}}
    if scheduler:
        router["scheduler"] = {}
    return {
        "apiVersion": "serving.kserve.io/v1alpha2",
        "kind": "LLMInferenceService",
        "metadata": {"name": name, "namespace": "demo", **meta},
        "spec": {
            "model": {"uri": "hf://meta-llama/Llama-3.1-8B", "name": "meta-llama/Llama-3.1-8B"},
            "template": {"containers": [{"name": "main", "image": "vllm:1"}]},
            "router": router,
        },
    }


def render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], *docs: dict[str, Any]
) -> tuple[int, list[dict[str, Any]], str]:
    path = tmp_path / "svc.yaml"
    path.write_text(yaml.safe_dump_all(docs))
    with pytest.raises(SystemExit) as exited:
        cli.main(["render", "--namespace", "demo", "--allow-cluster-scoped", str(path)])
    out, err = capsys.readouterr()
    return int(exited.value.code or 0), [d for d in yaml.safe_load_all(out) if d], err


def routes(docs: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == "HTTPRoute"}


def shared_backends(route: dict[str, Any]) -> list[list[tuple[str, str, int]]]:
    name = route["metadata"]["labels"]["app.kubernetes.io/name"]
    out = []
    for rule in route["spec"]["rules"]:
        paths = [str((m.get("path") or {}).get("value")) for m in rule.get("matches") or []]
        if any(p.startswith(f"/demo/{name}/") for p in paths):
            continue
        out.append([(r.get("kind", ""), r["name"], r["weight"]) for r in rule["backendRefs"]])
    return out


def test_render_group_of_two_weights_both_routes(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, docs, err = render(
        tmp_path, capsys, llmisvc("llama-v2", 10, scheduler=False), llmisvc("llama-v1", 90)
    )
    assert code == 0, err
    want_pool = [
        ("InferencePool", "llama-v1-inference-pool", 90),
        ("Service", "llama-v2-kserve-workload-svc", 10),
    ]
    found = routes(docs)
    for name in ("llama-v1-kserve-route", "llama-v2-kserve-route"):
        backends = shared_backends(found[name])
        assert backends, name
        assert want_pool in backends
        assert found[name]["metadata"]["labels"]["serving.kserve.io/routing-group"] == "llama"
    assert "routing group" not in err


def test_render_lone_member_is_a_notice(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, docs, err = render(tmp_path, capsys, llmisvc("llama-v1", 90))
    assert code == 0, err
    assert 'routing group "llama" has no other member in the input set' in err
    assert "LLMInferenceService demo/llama-v1" in err
    backends = shared_backends(routes(docs)["llama-v1-kserve-route"])
    assert [("InferencePool", "llama-v1-inference-pool", 90)] in backends


def test_render_stopped_member_weighs_zero(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stopped = llmisvc("llama-v2", 10, annotations={"serving.kserve.io/stop": "true"})
    code, docs, err = render(tmp_path, capsys, llmisvc("llama-v1", 90), stopped)
    assert code == 0, err
    backends = shared_backends(routes(docs)["llama-v1-kserve-route"])
    assert [
        ("InferencePool", "llama-v1-inference-pool", 90),
        ("Service", "llama-v2-kserve-workload-svc", 0),
    ] in backends


def test_render_refused_member_stops_the_render(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # a member the webhook refuses never reaches the cluster; the render refuses the input set
    bad = llmisvc("llama-v2", 10)
    bad["spec"]["router"]["route"].pop("weight")
    code, _, err = render(tmp_path, capsys, llmisvc("llama-v1", 90), bad)
    assert code == 2
    assert "spec.router.route.weight: Required value: group requires weight" in err


def test_render_member_with_other_models_is_left_out_and_reported(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    other = llmisvc("llama-v2", 10)
    other["spec"]["model"]["name"] = "another-model"
    code, docs, err = render(tmp_path, capsys, llmisvc("llama-v1", 90), other)
    assert code == 0, err
    assert "member llama-v2 serves ['another-model']" in err
    backends = shared_backends(routes(docs)["llama-v1-kserve-route"])
    assert all(all(name != "llama-v2-inference-pool" for _, name, _ in b) for b in backends)
    assert [("InferencePool", "llama-v1-inference-pool", 90)] in backends
