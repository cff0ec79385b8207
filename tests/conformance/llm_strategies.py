"""Hypothesis strategies over LLMInferenceServices for the differential suite.

Each draw is one input set: an LLMInferenceService (v1alpha2, or v1alpha1 to go through
KServe's conversion) and, sometimes, an `inferenceservice-config` with the ingress keys the
controller reads. The strategies aim at what the LLMInferenceService webhooks and controller
branch on: model URI schemes (hf, pvc, oci, s3), LoRA adapters (hf, s3, pvc), inline scheduler
configs (the migrations, the precise prefix-cache scorer, the latency producer), names,
replicas, the router (gateway refs, managed route, scheduler present or absent, a route spec of
its own), baseRefs to the well-known presets, template overrides (resources, env, args,
image), labels and annotations, tensor parallelism, TLS and the model-based routing settings,
multi-node workers with data or pipeline parallelism, prefill/decode (single- and multi-node),
named ServiceAccounts, managed DRA annotations, KV-cache offloading tiers, autoscaling (HPA or
KEDA, with or without the `autoscaling-wva-controller-config` KEDA needs), tracing, routing
groups of two services (a canary), and a few invalid combinations that both sides must refuse
with the same text.
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from conformance.strategies import replayable

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


def _parallelism(draw: st.DrawFn) -> dict[str, Any]:
    """A worker's parallelism: data parallel mostly (the shipped presets), sometimes pipeline
    (no preset shipped: both sides stop), rarely both or none (refused)."""
    shape = draw(st.sampled_from(("dp", "dp", "dp", "pp", "both", "tensor")))
    if shape == "dp":
        data = draw(st.sampled_from((2, 4, 16)))
        return {"data": data, "dataLocal": draw(st.sampled_from((1, 2, 8))), "tensor": 1}
    if shape == "pp":
        return {"pipeline": 2}
    if shape == "both":
        return {"data": 4, "dataLocal": 2, "pipeline": 2}
    return {"tensor": 2}


def _topology(draw: st.DrawFn, spec: dict[str, Any]) -> list[str]:
    """Multi-node (a worker), prefill/decode (a prefill), both, or neither; the account the
    pods name, if any (the input set then holds it, unless it is to be missing)."""
    shape = draw(st.sampled_from(("single",) * 6 + ("pd", "mn", "pd-mn", "pd-mn-prefill")))
    if shape == "single":
        return []
    if shape in ("mn", "pd-mn"):
        spec["worker"] = {"containers": [{"name": "main"}]}
        spec["parallelism"] = _parallelism(draw)
    if shape.startswith("pd"):
        prefill: dict[str, Any] = {"template": {"containers": [_container(draw)]}}
        if draw(st.booleans()):
            prefill["replicas"] = draw(st.sampled_from((1, 2)))
        if draw(st.integers(0, 3)) == 0:
            prefill["labels"] = {"stage": "prefill"}
            prefill["annotations"] = {"prefill-note": "p"}
        if shape == "pd-mn-prefill":
            prefill["worker"] = {"containers": [{"name": "main"}]}
            prefill["parallelism"] = _parallelism(draw)
        spec["prefill"] = prefill
    accounts = []
    if draw(st.integers(0, 3)) == 0:
        spec.setdefault("template", {"containers": [_container(draw)]})
        spec["template"]["serviceAccountName"] = "hfsa"
        accounts.append("hfsa")
    return accounts


def _managed_dra(draw: st.DrawFn, metadata: dict[str, Any]) -> None:
    if draw(st.integers(0, 5)) != 0:
        return
    annotations = metadata.setdefault("annotations", {})
    annotations["serving.kserve.io/exp-dra-device-class"] = draw(
        st.sampled_from(("gpu.nvidia.com", " gpu.example.com ", "Bad_Class"))
    )
    if draw(st.booleans()):
        annotations["serving.kserve.io/exp-dra-device-count"] = draw(
            st.sampled_from(("1", "2", "4", "0", "two"))
        )
    if draw(st.booleans()):
        annotations["serving.kserve.io/exp-dra-container-name"] = draw(
            st.sampled_from(("main", "sidecar", "Main"))
        )
    if draw(st.booleans()):
        annotations["serving.kserve.io/exp-dra-cel-selector"] = draw(
            st.sampled_from(("device.attributes['gpu.nvidia.com']['type'] == 'A100'\n", "  \n"))
        )


def _kv_cache(draw: st.DrawFn) -> dict[str, Any]:
    tiers = draw(
        st.lists(
            st.sampled_from(
                (
                    {"fileSystem": {"emptyDir": {"size": "100Gi"}}},
                    {"fileSystem": {"pvc": {"ref": {"name": "kv-pvc", "path": "cache/"}}}},
                    {
                        "fileSystem": {
                            "pvc": {
                                "spec": {
                                    "accessModes": ["ReadWriteOnce"],
                                    "resources": {"requests": {"storage": "50Gi"}},
                                }
                            }
                        }
                    },
                    {"fileSystem": {}},  # refused: no backend
                )
            ),
            max_size=2,
        )
    )
    kv: dict[str, Any] = {"cpu": draw(st.sampled_from(("10Gi", "1500M", 4)))}
    if tiers:
        kv["secondary"] = tiers
    if draw(st.booleans()):
        kv["evictionPolicy"] = "arc"
    return kv


def _scaling(draw: st.DrawFn) -> dict[str, Any]:
    """`scaling` the CRD's CEL rules accept (those the API server refuses never reach KServe's
    code: tests/llmisvc/test_scaling.py covers them)."""
    scaling: dict[str, Any] = {"maxReplicas": draw(st.sampled_from((2, 4)))}
    if draw(st.booleans()):
        scaling["minReplicas"] = draw(st.sampled_from((1, 2)))
    wva: dict[str, Any] = {}
    if draw(st.integers(0, 3)) == 0:
        wva["variantCost"] = draw(st.sampled_from(("5", "0.5")))
    if draw(st.booleans()):
        hpa: dict[str, Any] = {}
        if draw(st.booleans()):
            hpa["behavior"] = {"scaleDown": {"stabilizationWindowSeconds": 120}}
        wva["hpa"] = hpa
    else:
        keda: dict[str, Any] = {}
        if draw(st.booleans()):
            keda["pollingInterval"] = 15
            keda["cooldownPeriod"] = 60
        if draw(st.integers(0, 3)) == 0:
            keda["fallback"] = {"failureThreshold": 3, "replicas": 2}
        wva["keda"] = keda
    scaling["wva"] = wva
    return scaling


def _tracing(draw: st.DrawFn) -> dict[str, Any]:
    if draw(st.booleans()):
        return {}
    return {
        "exporterEndpoint": "http://collector.monitoring:4317",
        "sampler": draw(st.sampled_from(("always_on", "parentbased_traceidratio"))),
        "samplerArg": "0.5",
    }


def _replicas_or_scaling(draw: st.DrawFn, spec: dict[str, Any]) -> None:
    if draw(st.integers(0, 3)) == 0:
        spec["scaling"] = _scaling(draw)
        if draw(st.booleans()):
            spec["labels"] = {"inference.optimization/acceleratorName": "H100"}
    elif draw(st.booleans()):
        spec["replicas"] = draw(st.sampled_from((1, 2, 4)))


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
        # the two plugins that bring in a sidecar or a preset, each often enough to be covered
        # (sampled_from favours the first elements)
        for featured in (EPP_PLUGINS[3], EPP_PLUGINS[2]):
            if draw(st.booleans()):
                plugins.insert(0, featured)
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


def _lora_and_scheduler_config(draw: st.DrawFn, spec: dict[str, Any], name: str) -> None:
    # drawn last, so the draws before keep the values they had before LoRA was covered
    model = spec["model"]
    if draw(st.integers(0, 3)) == 0:
        model["lora"] = _lora(draw, model.get("name") or name)
    scheduler = (spec.get("router") or {}).get("scheduler")
    if isinstance(scheduler, dict):
        _scheduler_config(draw, scheduler)


@st.composite
def llm_inference_service(draw: st.DrawFn) -> dict[str, Any]:
    name = draw(st.sampled_from(NAMES))
    namespace = draw(st.sampled_from(NAMESPACES))
    model: dict[str, Any] = {"uri": draw(st.sampled_from(MODEL_URIS))}
    if draw(st.booleans()):
        model["name"] = draw(st.sampled_from(("facebook/opt-125m", "my-model")))
    spec: dict[str, Any] = {"model": model}
    _replicas_or_scaling(draw, spec)
    if draw(st.integers(0, 4)) == 0:
        spec["tracing"] = _tracing(draw)
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
        spec["labels"] = {**spec.get("labels", {}), "workload": "llm"}
        spec["annotations"] = {"workload-note": "one"}
    metadata: dict[str, Any] = {"name": name, "namespace": namespace}
    if draw(st.integers(0, 3)) == 0:
        metadata["labels"] = {"team": "a", "app": "llm"}
    if draw(st.integers(0, 3)) == 0:
        metadata["annotations"] = {"example.com/owner": "team-a"}
    accounts = _topology(draw, spec)
    _managed_dra(draw, metadata)
    version = V1ALPHA1 if draw(st.integers(0, 4)) == 0 else V1ALPHA2
    if version == V1ALPHA2 and draw(st.integers(0, 5)) == 0:
        spec["kvCacheOffloading"] = _kv_cache(draw)  # not in v1alpha1
    _lora_and_scheduler_config(draw, spec, name)
    service = {
        "apiVersion": version,
        "kind": "LLMInferenceService",
        "metadata": metadata,
        "spec": spec,
    }
    if accounts and draw(st.integers(0, 4)) == 0:
        accounts = []  # named, and missing: both sides stop
    if accounts:
        service["x-accounts"] = accounts
    return service


def service_accounts(service: dict[str, Any]) -> list[dict[str, Any]]:
    """The ServiceAccounts a drawn service names (taken off it)."""
    namespace = service["metadata"]["namespace"]
    return [
        {
            "apiVersion": "v1",
            "kind": "ServiceAccount",
            "metadata": {"name": n, "namespace": namespace},
        }
        for n in service.pop("x-accounts", [])
    ]


@st.composite
def group_peer(draw: st.DrawFn, service: dict[str, Any]) -> dict[str, Any] | None:
    """Sometimes a routing group: `service` joins group `canary` and a second service of its
    namespace joins it too (same model, or now and then another one)."""
    router = service["spec"].get("router")
    route = (router or {}).get("route")
    if draw(st.integers(0, 4)) != 0 or not isinstance(route, dict):
        return None
    if (route.get("http") or {}).get("refs"):
        return None  # traffic splitting needs a managed route
    route["group"] = "canary"
    route["weight"] = draw(st.sampled_from((90, 50, 0)))
    peer_router: dict[str, Any] = {"route": {"group": "canary", "weight": 10}, "gateway": {}}
    if draw(st.booleans()):
        peer_router["scheduler"] = {}
    model = copy.deepcopy(service["spec"]["model"])
    if draw(st.integers(0, 4)) == 0:
        model["name"] = "another-model"
    name = str(service["metadata"]["name"])
    return {
        "apiVersion": V1ALPHA2,
        "kind": "LLMInferenceService",
        "metadata": {"name": f"{name}-canary", "namespace": service["metadata"]["namespace"]},
        "spec": {
            "model": model,
            "template": {"containers": [{"name": "main", "image": "vllm/vllm-openai:latest"}]},
            "router": peer_router,
        },
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
    return config_map({"ingress": json.dumps(ingress, sort_keys=True)})


def config_map(data: dict[str, str]) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "inferenceservice-config", "namespace": "kserve"},
        "data": data,
    }


def _uses_keda(spec: dict[str, Any]) -> bool:
    return "keda" in ((spec.get("scaling") or {}).get("wva") or {})


PROMETHEUS = (
    {"url": "http://prometheus.monitoring:9090"},
    {"url": "https://thanos.monitoring:9091", "tlsInsecureSkipVerify": True},
    {"url": "https://p:9091", "authModes": "bearer", "triggerAuthName": "prom-auth"},
)


def tags(service: dict[str, Any]) -> list[str]:
    """Features of a draw, in the case id (known-differences `cases:` globs can name them)."""
    spec = service["spec"]
    found = ["v1alpha1"] if service["apiVersion"] == V1ALPHA1 else []
    router = spec.get("router") or {}
    if router.get("scheduler") is not None:
        found.append("scheduler")
    if ((router.get("route") or {}).get("http") or {}).get("spec") is not None:
        found.append("route-spec")
    if (router.get("route") or {}).get("group") is not None:
        found.append("group")
    if spec.get("scaling") is not None:
        found.append("keda" if _uses_keda(spec) else "hpa")
    if spec.get("tracing") is not None:
        found.append("tracing")
    found.append(str(spec["model"]["uri"]).split(":", 1)[0])
    found += ["worker"] if spec.get("worker") is not None else []
    found += ["pd"] if spec.get("prefill") is not None else []  # as the pd- samples
    annotations = service["metadata"].get("annotations") or {}
    found += ["dra"] if "serving.kserve.io/exp-dra-device-class" in annotations else []
    found += ["kv"] if spec.get("kvCacheOffloading") is not None else []
    return found


def _near(uri: str, rnd: random.Random) -> str:
    """A URI a cache may hold for a model at `uri`: itself, with a trailing slash, its folder,
    one that only starts the same, or another model's."""
    scheme, _, path = uri.partition("://")
    folder = path.rpartition("/")[0]
    choices = [uri, uri + "/", uri + "-2", "hf://another/model"]
    if folder:
        choices.append(f"{scheme}://{folder}")
    return rnd.choice(choices)


def local_model_caches(
    rnd: random.Random, service: dict[str, Any], config: dict[str, Any]
) -> list[dict[str, Any]]:
    """LocalModelCaches and LocalModelNamespaceCaches near the service's model, local models
    enabled (mostly) in `config`, and now and then the service's node group or opt-out."""
    config["data"]["localModel"] = json.dumps({"enabled": rnd.random() < 5 / 6})
    annotations: dict[str, str] = {}
    if rnd.random() < 1 / 3:
        annotations["serving.kserve.io/nodegroup"] = rnd.choice(("gpu-a", "gpu-b"))
    if rnd.random() < 1 / 8:
        annotations["serving.kserve.io/disable-localmodel"] = "true"
    if annotations:
        service["metadata"]["annotations"] = {
            **service["metadata"].get("annotations", {}),
            **annotations,
        }
    uri = str(service["spec"]["model"]["uri"])
    caches = []
    for name in rnd.sample(("cache-a", "cache-b", "ns-cache"), rnd.randint(1, 3)):
        cache: dict[str, Any] = {
            "apiVersion": V1ALPHA1,
            "kind": "LocalModelCache",
            "metadata": {"name": name},
            "spec": {
                "sourceModelUri": _near(uri, rnd),
                "modelSize": "1Gi",
                "nodeGroups": rnd.sample(("gpu-a", "gpu-b"), rnd.randint(1, 2)),
            },
        }
        if name == "ns-cache":
            cache["kind"] = "LocalModelNamespaceCache"
            cache["metadata"]["namespace"] = rnd.choice(NAMESPACES)
        caches.append(cache)
    return caches


def generate(count: int, fixed_seed: int = 20261) -> list[list[dict[str, Any]]]:
    """`count` input sets with a fixed seed, the same list every run."""
    drawn: list[list[dict[str, Any]]] = []

    @replayable(count, fixed_seed)
    @given(llm_inference_service(), ingress_config(), st.data())
    def collect(service: dict[str, Any], config: dict[str, Any] | None, data: Any) -> None:
        accounts = service_accounts(service)
        peer = data.draw(group_peer(service))
        docs = [service] if peer is None else [service, peer]
        if _uses_keda(service["spec"]) and data.draw(st.integers(0, 4)) != 0:
            # KServe refuses KEDA without the Prometheus it queries: now and then left out
            prometheus = data.draw(st.sampled_from(PROMETHEUS))
            config = config or config_map({})
            text = json.dumps({"prometheus": prometheus}, sort_keys=True)
            config["data"]["autoscaling-wva-controller-config"] = text
        docs += accounts
        if data.draw(st.integers(0, 4)) == 0:
            config = config or config_map({})
            docs += local_model_caches(
                data.draw(st.randoms(use_true_random=False)), service, config
            )
        drawn.append(docs if config is None else [*docs, config])

    collect()
    return drawn
