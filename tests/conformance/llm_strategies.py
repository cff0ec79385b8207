"""Hypothesis strategies over single-node LLMInferenceServices for the differential suite.

Each draw is one input set: an LLMInferenceService (v1alpha2, or v1alpha1 to go through
KServe's conversion) and, sometimes, an `inferenceservice-config` with the ingress keys the
controller reads. The strategies aim at what the LLMInferenceService webhooks and controller
branch on: model URI schemes (hf, pvc, oci, s3), LoRA adapters (hf, s3, pvc), inline scheduler
configs (the migrations, the precise prefix-cache scorer, the latency producer), names,
replicas, the router (gateway refs, managed route, scheduler present or absent, a route spec of
its own), baseRefs to the well-known presets, template overrides (resources, env, args,
image), labels and annotations, tensor parallelism, TLS and the model-based routing settings,
and a few invalid combinations that both sides must refuse with the same text.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

V1ALPHA2 = "serving.kserve.io/v1alpha2"
V1ALPHA1 = "serving.kserve.io/v1alpha1"
MODEL_URIS = (
    "hf://facebook/opt-125m",
    "hf://Qwen/Qwen2.5-7B-Instruct",
    "pvc://models-pvc/opt-125m",
    "pvc://models-pvc",
    "oci://registry.example.com/models/opt:1.0",
    "s3://bucket/models/opt",
)
NAMES = ("m", "opt", "qwen2-7b-instruct", "llm-" + "x" * 30)
NAMESPACES = ("demo", "team-a")
# The single-node presets a service may name (the others are multi-node or prefill ones).
PRESETS = (
    "kserve-config-llm-template",
    "kserve-config-llm-scheduler",
    "kserve-config-llm-router-route",
)
GATEWAYS = (("kserve", "kserve-ingress-gateway"), (None, "team-gateway"))


def _container(draw: st.DrawFn) -> dict[str, Any]:
    container: dict[str, Any] = {"name": "main"}
    if draw(st.booleans()):
        container["image"] = draw(
            st.sampled_from(("vllm/vllm-openai:latest", "quay.io/example/vllm:cpu"))
        )
    if draw(st.booleans()):
        container["resources"] = draw(
            st.sampled_from(
                (
                    {"limits": {"cpu": "4", "memory": "16Gi"}, "requests": {"cpu": "2"}},
                    {"limits": {"nvidia.com/gpu": "1"}, "requests": {"nvidia.com/gpu": "1"}},
                    {"requests": {"memory": "8Gi"}},
                )
            )
        )
    if draw(st.booleans()):
        container["env"] = draw(
            st.sampled_from(
                (
                    [{"name": "VLLM_LOGGING_LEVEL", "value": "DEBUG"}],
                    [{"name": "HF_HUB_OFFLINE", "value": "1"}, {"name": "A", "value": "y"}],
                )
            )
        )
    if draw(st.booleans()):
        container["args"] = draw(
            st.sampled_from((["--max-model-len", "4096"], ["--enforce-eager"]))
        )
    return container


def _router(draw: st.DrawFn, namespace: str) -> dict[str, Any] | None:
    shape = draw(
        st.sampled_from(
            ("none", "route", "route-gateway", "scheduler", "scheduler-refs", "route-spec")
        )
    )
    if shape == "none":
        return None
    router: dict[str, Any] = {"route": {}}
    if shape != "route":
        router["gateway"] = {}
    if shape.startswith("scheduler"):
        scheduler: dict[str, Any] = {}
        if draw(st.booleans()):
            scheduler["replicas"] = draw(st.sampled_from((1, 2)))
        if draw(st.integers(0, 3)) == 0:
            scheduler["labels"] = {"team": "a"}
            scheduler["annotations"] = {"note": "scheduler"}
        router["scheduler"] = scheduler
    if shape == "scheduler-refs" or (shape == "route-gateway" and draw(st.booleans())):
        refs = []
        for gw_namespace, name in draw(
            st.lists(st.sampled_from(GATEWAYS), min_size=1, max_size=2, unique=True)
        ):
            ref: dict[str, Any] = {"name": name, "namespace": gw_namespace or namespace}
            if draw(st.integers(0, 2)) == 0:
                ref["sectionName"] = "http"
            refs.append(ref)
        router["gateway"] = {"refs": refs}
    if shape == "route-spec":
        # A route spec of its own: parentRefs must match the gateway refs (validation).
        router["gateway"] = {"refs": [{"name": "kserve-ingress-gateway", "namespace": "kserve"}]}
        parent: dict[str, Any] = {"name": "kserve-ingress-gateway", "namespace": "kserve"}
        if draw(st.integers(0, 4)) == 0:
            parent = {"name": "other-gateway", "namespace": "kserve"}  # invalid: refused
        router["route"] = {
            "http": {
                "spec": {
                    "parentRefs": [parent],
                    "rules": [
                        {
                            "matches": [{"path": {"type": "PathPrefix", "value": "/v1"}}],
                            "backendRefs": [{"name": "backend", "port": 8000}],
                        }
                    ],
                }
            }
        }
    if draw(st.integers(0, 9)) == 0:
        # invalid: http refs and spec are exclusive
        router["route"] = {"http": {"refs": [{"name": "my-route"}], "spec": {"rules": []}}}
    return router


LORA_URIS = (
    "hf://edbeeching/opt-125m-lora",
    "s3://bucket/adapters/sql",
    "pvc://lora-adapters-pvc/opt-125m-lora",
    "pvc://lora-adapters-pvc",
)


def _lora(draw: st.DrawFn, base: str) -> dict[str, Any]:
    """LoRA adapters (hf, s3, pvc; sometimes a name or URI KServe refuses) and the vLLM
    limits; `base` is the base model's name (an adapter named like it is refused)."""
    names = draw(
        st.lists(st.sampled_from(("sql", "chat", "b/tuned", "zeta")), min_size=1, max_size=3)
    )
    adapters = [{"name": n, "uri": draw(st.sampled_from(LORA_URIS))} for n in names]
    flaw = draw(st.integers(0, 9))
    if flaw == 0:
        adapters[0]["name"] = base
    elif flaw == 1:
        adapters[-1]["uri"] = draw(st.sampled_from(("oci://reg.io/lora:1", "gs://b/lora")))
    elif flaw == 2:
        del adapters[0]["name"]
    lora: dict[str, Any] = {"adapters": adapters}
    for key in ("maxRank", "maxAdapters", "maxCpuAdapters"):
        if draw(st.integers(0, 2)) == 0:
            lora[key] = draw(st.sampled_from((0, 1, 8, 64)))
    return lora


# EPP config plugins: the migrations' inputs (v0.6/v0.7 names and parameters), the precise
# prefix-cache scorer, the latency producer (its preset), and values go-yaml must quote or fold.
EPP_PLUGINS = (
    {"type": "prefix-cache-scorer", "parameters": {"blockSize": 64, "hashBlockSize": 5}},
    {"type": "prefix-cache-scorer", "parameters": {"prefixMatchInfoProducerName": "p"}},
    {
        "type": "precise-prefix-cache-scorer",
        "parameters": {
            "kvEventsConfig": {"zmqEndpoint": "tcp://*:5557"},
            "indexerConfig": {"tokenProcessorConfig": {"blockSize": 16, "hashSeed": "42"}},
        },
    },
    {"type": "predicted-latency-producer"},
    {"type": "pd-profile-handler", "parameters": {"threshold": 100}},
    {"type": "pd-profile-handler", "parameters": {"deciderPluginName": "always-disagg-pd-decider"}},
    {"type": "prefill-header-handler"},
    {"type": "model-server-protocol-metrics"},
    {
        "type": "active-request-scorer",
        "parameters": {"requestTimeout": "2m", "idleThreshold": 0, "ratio": 0.25},
    },
    {
        "type": "queue-scorer",
        "name": "q",
        "parameters": {"note": "a: b", "flag": "yes", "n": "1e3", "day": "2024-01-02"},
    },
    {"type": "max-score-picker", "parameters": {"why": " ".join(["long"] * 30)}},
)


def _scheduler_config(draw: st.DrawFn, scheduler: dict[str, Any]) -> None:
    """An inline EPP config (sometimes without `kind`, which KServe leaves as written), a
    scheduler version other than the preset's, or deprecated metric flags on the EPP."""
    if draw(st.integers(0, 3)) != 0:
        plugins = draw(st.lists(st.sampled_from(EPP_PLUGINS), min_size=1, max_size=4))
        config: dict[str, Any] = {"apiVersion": "inference.networking.x-k8s.io/v1alpha1"}
        if draw(st.integers(0, 5)) != 0:
            config["kind"] = "EndpointPickerConfig"
        config["plugins"] = plugins
        config["schedulingProfiles"] = [
            {"name": "default", "plugins": [{"pluginRef": p["type"]} for p in plugins[:2]]}
        ]
        scheduler["config"] = {"inline": config}
    if draw(st.integers(0, 3)) == 0:
        version = draw(st.sampled_from(("0.6.0", "0.7.0", "0.8.0")))
        scheduler.setdefault("annotations", {})["app.kubernetes.io/version"] = version
    if draw(st.integers(0, 3)) == 0:
        args = ["--lora-info-metric", "vllm:lora_requests_info", "--v", "2"]
        scheduler["template"] = {"containers": [{"name": "main", "args": args}]}


@st.composite
def llm_inference_service(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(NAMES))
    namespace = draw(st.sampled_from(NAMESPACES))
    model: dict[str, Any] = {"uri": draw(st.sampled_from(MODEL_URIS))}
    if draw(st.booleans()):
        model["name"] = draw(st.sampled_from(("facebook/opt-125m", "my-model")))
    spec: dict[str, Any] = {"model": model}
    if draw(st.booleans()):
        spec["replicas"] = draw(st.sampled_from((1, 2, 4)))
    router = _router(draw, namespace)
    if router is not None:
        spec["router"] = router
    if draw(st.integers(0, 2)) == 0:
        spec["baseRefs"] = [
            {"name": n}
            for n in draw(st.lists(st.sampled_from(PRESETS), min_size=1, max_size=2, unique=True))
        ]
    if draw(st.integers(0, 2)) != 0:
        spec["template"] = {"containers": [_container(draw)]}
    if draw(st.integers(0, 3)) == 0:
        spec["parallelism"] = {"tensor": draw(st.sampled_from((1, 2, 4)))}
    if draw(st.integers(0, 4)) == 0:
        spec["labels"] = {"workload": "llm"}
        spec["annotations"] = {"workload-note": "one"}
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if draw(st.integers(0, 3)) == 0:
        metadata["labels"] = {"team": "a", "app": "llm"}
    if draw(st.integers(0, 3)) == 0:
        metadata["annotations"] = {"example.com/owner": "team-a"}
    version = V1ALPHA1 if draw(st.integers(0, 4)) == 0 else V1ALPHA2
    # drawn last, so the draws above keep the values they had before LoRA was covered
    if draw(st.integers(0, 3)) == 0:
        model["lora"] = _lora(draw, model.get("name") or name)
    scheduler = (spec.get("router") or {}).get("scheduler")
    if isinstance(scheduler, dict) and draw(st.booleans()):
        _scheduler_config(draw, scheduler)
    return {
        "apiVersion": version,
        "kind": "LLMInferenceService",
        "metadata": metadata,
        "spec": spec,
    }


@st.composite
def ingress_config(draw: st.DrawFn) -> dict[str, Any] | None:
    """The `ingress` key of inferenceservice-config, or None for the release's."""
    if draw(st.booleans()):
        return None
    ingress: dict[str, Any] = {
        "ingressGateway": "knative-serving/knative-ingress-gateway",
        "kserveIngressGateway": "kserve/kserve-ingress-gateway",
    }
    if draw(st.booleans()):
        ingress["enableLLMInferenceServiceTLS"] = draw(st.booleans())
    if draw(st.booleans()):
        ingress["modelBasedRoutingMode"] = draw(st.sampled_from(("disabled", "header", "body")))
    if draw(st.integers(0, 3)) == 0:
        ingress["urlScheme"] = "https"
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
        "data": {"ingress": json.dumps(ingress, sort_keys=True)},
    }


def tags(service: dict[str, Any]) -> list[str]:
    """Features of a draw, in the case id (known-differences `cases:` globs can name them)."""
    spec = service["spec"]
    found = ["v1alpha1"] if service["apiVersion"] == V1ALPHA1 else []
    router = spec.get("router") or {}
    if router.get("scheduler") is not None:
        found.append("scheduler")
    if ((router.get("route") or {}).get("http") or {}).get("spec") is not None:
        found.append("route-spec")
    found.append(str(spec["model"]["uri"]).split(":", 1)[0])
    return found


def generate(count: int, fixed_seed: int = 20261) -> list[list[dict[str, Any]]]:
    """`count` input sets with a fixed seed, the same list every run."""
    drawn: list[list[dict[str, Any]]] = []

    @seed(fixed_seed)
    @settings(
        max_examples=count,
        database=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
        deadline=None,
    )
    @given(llm_inference_service(), ingress_config())
    def collect(service: dict[str, Any], config: dict[str, Any] | None) -> None:
        drawn.append([service] if config is None else [service, config])

    collect()
    return drawn
