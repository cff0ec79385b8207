"""The scheduler's configuration text: KServe's `scheduler_test.go` (config-text, migration and
transform cases; `preserveSchedulerConfig` without a live Deployment) and
`scheduler_tokenizer_test.go`, ported; then the precise prefix-cache sample's tokenizer."""

from __future__ import annotations

import copy
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import build_tree

from generator import pipeline
from generator.config import builtin_layer, resolve
from generator.config.pod_configs import CredentialConfig
from generator.credentials import CredentialBuilder, SecretIndex
from generator.errors import ProblemsFound
from generator.llmisvc import scheduler, workload
from generator.llmisvc import scheduler_config as sc


def _plugin_types(config: dict[str, Any]) -> list[str]:
    return [p["type"] for p in config["plugins"]]


def _refs(profile: dict[str, Any]) -> list[tuple[str, Any]]:
    return [(r["pluginRef"], r.get("weight")) for r in profile["plugins"]]


@pytest.mark.parametrize(
    ("model", "want_lora"),
    [
        ({}, False),  # "no LoRA - standard default config"
        ({"lora": None}, False),  # "LoRA nil pointer - no scorer"
        ({"lora": {}}, False),  # "LoRA spec with empty adapters - no scorer"
        ({"lora": {"adapters": [{}]}}, True),  # "LoRA adapters present - scorer included"
    ],
)
def test_scheduler_config_text_lora(model: dict[str, Any], want_lora: bool) -> None:
    # TestSchedulerConfigTextLoRA
    config = yaml.safe_load(scheduler.default_config_text({"model": model}))
    refs = _refs(config["schedulingProfiles"][0])
    if want_lora:
        assert "lora-affinity-scorer" in _plugin_types(config)
        assert refs[0] == ("lora-affinity-scorer", 4)
    else:
        assert "lora-affinity-scorer" not in _plugin_types(config)
        assert "lora-affinity-scorer" not in [r for r, _ in refs]


def test_scheduler_config_text_pd_lora() -> None:
    # TestSchedulerConfigTextPDLoRA: the scorer leads both profiles
    plain = yaml.safe_load(scheduler.default_config_text({"prefill": {}}))
    assert "lora-affinity-scorer" not in _plugin_types(plain)
    spec = {"prefill": {}, "model": {"lora": {"adapters": [{"name": "a"}]}}}
    config = yaml.safe_load(scheduler.default_config_text(spec))
    assert "lora-affinity-scorer" in _plugin_types(config)
    for profile in config["schedulingProfiles"]:
        assert _refs(profile)[1] == ("lora-affinity-scorer", 4)


def test_scheduler_config_text_default() -> None:
    # TestSchedulerConfigTextDefault
    config = yaml.safe_load(scheduler.default_config_text({}))
    assert set(_plugin_types(config)) >= {
        "single-profile-handler",
        "queue-scorer",
        "kv-cache-utilization-scorer",
        "prefix-cache-scorer",
        "no-hit-lru-scorer",
        "max-score-picker",
    }
    (profile,) = config["schedulingProfiles"]
    assert profile["name"] == "default"
    assert _refs(profile) == [
        ("queue-scorer", 2),
        ("kv-cache-utilization-scorer", 2),
        ("prefix-cache-scorer", 3),
        ("no-hit-lru-scorer", 2),
        ("max-score-picker", None),
    ]


def test_scheduler_config_text_pd() -> None:
    # TestSchedulerConfigTextPD: every pluginRef is declared; P/D profiles and deciders
    config = yaml.safe_load(scheduler.default_config_text({"prefill": {}}))
    declared = set(_plugin_types(config))
    assert [p["name"] for p in config["schedulingProfiles"]] == ["prefill", "decode"]
    for profile in config["schedulingProfiles"]:
        assert {r for r, _ in _refs(profile)} <= declared
    handler = next(p for p in config["plugins"] if p["type"] == "disagg-profile-handler")
    assert handler["parameters"] == {"deciders": {"prefill": "always-disagg-pd-decider"}}


INLINE = {"router": {"scheduler": {"config": {"inline": {"kind": "K"}}}}}


@pytest.mark.parametrize(
    ("spec", "containers", "want"),
    [
        # "no current deployment - generates fresh config"
        ({}, [], ["--config-text", scheduler.default_config_text({})]),
        # "inline config used when no existing deployment"
        (INLINE, [], ["--config-text", '{"kind":"K"}']),
        # "template already has --config-text - returns nil to avoid duplication"
        ({}, [{"name": "main", "args": ["--config-text", "t", "--poolName", "p"]}], []),
        # "inline config overrides template config args"
        (
            INLINE,
            [{"name": "main", "args": ["--config-text", "t"]}],
            ["--config-text", '{"kind":"K"}'],
        ),
        # "config flag as last arg without value - generates fresh config"
        (
            {},
            [{"name": "main", "args": ["--config-text"]}],
            ["--config-text", scheduler.default_config_text({})],
        ),
        # a config flag on another container does not count
        (
            {},
            [{"name": "side", "args": ["--config-file", "f"]}],
            ["--config-text", scheduler.default_config_text({})],
        ),
    ],
)
def test_preserve_scheduler_config(
    spec: dict[str, Any], containers: list[dict[str, Any]], want: list[str]
) -> None:
    # TestPreserveSchedulerConfig, the cases without a live Deployment (GitOps: first create)
    assert scheduler._config_args(spec, containers) == want


@pytest.mark.parametrize(
    ("args", "want_args", "want"),
    [
        (["--a", "1"], ["--a", "1"], {}),  # "no matching args"
        (["--lora-info-metric", "x", "--b"], ["--b"], {"lora-info-metric": "x"}),
        (["--cache-info-metric=x", "--b"], ["--b"], {"cache-info-metric": "x"}),
        (
            ["--lora-info-metric", "x", "--cache-info-metric=y", "--c", "3"],
            ["--c", "3"],
            {"lora-info-metric": "x", "cache-info-metric": "y"},
        ),
        (["--b", "--lora-info-metric"], ["--b"], {"lora-info-metric": ""}),  # at the end
        (["--lora-info-metric", "--b"], ["--b"], {"lora-info-metric": ""}),  # before a flag
        ([], [], {}),  # "empty args"
    ],
)
def test_filter_args(args: list[str], want_args: list[str], want: dict[str, str]) -> None:
    # TestFilterArgs
    assert sc.filter_args(args, sc.DEPRECATED_METRIC_FLAGS) == (want_args, want)


def test_with_rename_plugin() -> None:
    # TestWithRenamePlugin: type and name renamed, pluginRefs too; idempotent
    config: dict[str, Any] = {
        "plugins": [{"type": "old", "name": "old"}, {"type": "other"}],
        "schedulingProfiles": [{"plugins": [{"pluginRef": "old"}, {"pluginRef": "other"}]}],
    }
    sc.with_rename_plugin("old", "new")(config)
    want = {
        "plugins": [{"type": "new", "name": "new"}, {"type": "other"}],
        "schedulingProfiles": [{"plugins": [{"pluginRef": "new"}, {"pluginRef": "other"}]}],
    }
    assert config == want
    sc.with_rename_plugin("old", "new")(config)
    assert config == want


def _handler(**params: Any) -> dict[str, Any]:
    return {"type": "disagg-profile-handler", "parameters": params}


@pytest.mark.parametrize(
    ("plugins", "want"),
    [
        # "migrates deciderPluginName to deciders map"
        ([_handler(deciderPluginName="d")], [_handler(deciders={"prefill": "d"})]),
        # "already has deciders map - idempotent"
        ([_handler(deciders={"prefill": "d"})], [_handler(deciders={"prefill": "d"})]),
        # "no matching plugin - no-op"
        ([{"type": "other"}], [{"type": "other"}]),
        # "works with old pd-profile-handler type name"
        (
            [{"type": "pd-profile-handler", "parameters": {"deciderPluginName": "d"}}],
            [{"type": "pd-profile-handler", "parameters": {"deciders": {"prefill": "d"}}}],
        ),
        # "migrates threshold 0 to always-disagg-pd-decider": the decider goes before it
        (
            [{"type": "x"}, _handler(threshold=0)],
            [
                {"type": "x"},
                {"type": "always-disagg-pd-decider"},
                _handler(deciders={"prefill": "always-disagg-pd-decider"}),
            ],
        ),
        # "migrates threshold 0 when decider plugin already exists"
        (
            [{"type": "always-disagg-pd-decider"}, _handler(threshold=0)],
            [
                {"type": "always-disagg-pd-decider"},
                _handler(deciders={"prefill": "always-disagg-pd-decider"}),
            ],
        ),
        # "strips threshold when deciderPluginName also present"
        (
            [_handler(deciderPluginName="d", threshold=7)],
            [_handler(deciders={"prefill": "d"})],
        ),
        # "migrates non-zero threshold 100 to prefix-based-pd-decider"
        (
            [_handler(threshold=100)],
            [
                {"type": "prefix-based-pd-decider", "parameters": {"nonCachedTokens": 25}},
                _handler(deciders={"prefill": "prefix-based-pd-decider"}),
            ],
        ),
        # "... threshold 5 ... with ceil", "... threshold 1 ... minimum 1 token"
        (
            [_handler(threshold=5)],
            [
                {"type": "prefix-based-pd-decider", "parameters": {"nonCachedTokens": 2}},
                _handler(deciders={"prefill": "prefix-based-pd-decider"}),
            ],
        ),
        # "non-zero threshold idempotent when prefix-based-pd-decider already exists"
        (
            [{"type": "prefix-based-pd-decider"}, _handler(threshold=100)],
            [
                {"type": "prefix-based-pd-decider"},
                _handler(deciders={"prefill": "prefix-based-pd-decider"}),
            ],
        ),
    ],
)
def test_with_migrate_disagg_profile_params(
    plugins: list[dict[str, Any]], want: list[dict[str, Any]]
) -> None:
    # TestWithMigrateDisaggProfileParams
    config = {"plugins": copy.deepcopy(plugins)}
    sc.with_migrate_disagg_profile_params(config)
    assert config["plugins"] == want


@pytest.mark.parametrize(
    ("value", "want"),
    [(100, 25), (5, 2), (1, 1), (3, 1), (100.0, 25), (0.5, 1), (7.0, 2), ("12", 3), (True, 1)],
)
def test_threshold_to_non_cached_tokens(value: Any, want: int) -> None:
    # TestThresholdToNonCachedTokens
    assert sc.threshold_to_non_cached_tokens(value) == want


def test_with_remove_hash_block_size() -> None:
    # TestWithRemoveHashBlockSize
    config = {
        "plugins": [
            {"type": "a", "parameters": {"hashBlockSize": 1, "k": 2}},
            {"type": "b", "parameters": {"hashBlockSize": 1}},
            {"type": "c"},
        ]
    }
    sc.with_remove_hash_block_size(config)
    assert config["plugins"] == [
        {"type": "a", "parameters": {"k": 2}},
        {"type": "b", "parameters": {}},
        {"type": "c"},
    ]


def test_with_remove_prefix_cache_scorer_parameters_v09() -> None:
    # TestWithRemovePrefixCacheScorerParametersV09
    config = {
        "plugins": [
            {
                "type": "prefix-cache-scorer",
                "parameters": {"blockSize": 5, "prefixMatchInfoProducerName": "p"},
            },
            {"type": "prefix-cache-scorer", "parameters": {"blockSize": 5}},
            {"type": "prefix-cache-scorer"},
            {"type": "other", "parameters": {"blockSize": 5}},
        ]
    }
    sc.with_remove_prefix_cache_scorer_parameters_v09(config)
    assert config["plugins"] == [
        {"type": "prefix-cache-scorer", "parameters": {"prefixMatchInfoProducerName": "p"}},
        {"type": "prefix-cache-scorer"},
        {"type": "prefix-cache-scorer"},
        {"type": "other", "parameters": {"blockSize": 5}},
    ]


def test_with_core_metrics_extractor_plugin() -> None:
    # TestWithCoreMetricsExtractorPlugin
    config: dict[str, Any] = {"plugins": [{"type": "a"}]}
    sc.with_core_metrics_extractor_plugin({"lora-info-metric": "x"})(config)
    assert config["plugins"][1] == {
        "name": "model-server-protocol-metrics",
        "type": "model-server-protocol-metrics",
        "parameters": {
            "engineLabelKey": "inference.networking.k8s.io/engine-type",
            "defaultEngine": "vllm",
            "engineConfigs": [{"name": "vllm", "loraSpec": "x"}],
        },
    }
    for existing in ("model-server-protocol-metrics", "core-metrics-extractor"):
        config = {"plugins": [{"type": existing}]}
        sc.with_core_metrics_extractor_plugin({"lora-info-metric": "x"})(config)
        assert config == {"plugins": [{"type": existing}]}
    config = {"plugins": []}
    sc.with_core_metrics_extractor_plugin({})(config)
    assert config == {"plugins": []}


OLD_CONFIG = """apiVersion: inference.networking.x-k8s.io/v1alpha1
kind: EndpointPickerConfig
plugins:
- type: prefill-header-handler
- type: pd-profile-handler
  parameters:
    deciderPluginName: always-disagg-pd-decider
- type: prefix-cache-scorer
  parameters:
    hashBlockSize: 64
    blockSizeTokens: 16
"""


def _template(version: str | None, args: list[str], *containers: str) -> dict[str, Any]:
    annotations = {} if version is None else {"app.kubernetes.io/version": version}
    pod = [{"name": "main", "args": args}, *({"name": n} for n in containers)]
    return {"metadata": {"annotations": annotations}, "spec": {"containers": pod}}


@pytest.mark.parametrize("version", ["0.7.0", "0.6.0", "", None])
def test_scheduler_transform(version: str | None) -> None:
    # TestSchedulerTransform
    template = _template(version, ["--config-text", OLD_CONFIG])
    sc.transform(template, "d", "ns")
    text = template["spec"]["containers"][0]["args"][1]
    if version == "0.7.0":
        assert "disagg-headers-handler" in text and "prefill-header-handler" not in text
        assert "disagg-profile-handler" in text and "pd-profile-handler" not in text
        assert "prefill: always-disagg-pd-decider" in text
        assert "deciderPluginName" not in text and "hashBlockSize" not in text
        assert "blockSizeTokens" in text
    else:
        assert text == OLD_CONFIG  # untouched: not even re-serialised


@pytest.mark.parametrize(
    ("version", "extractor"),
    [("0.7.0", "model-server-protocol-metrics"), ("0.8.0", "core-metrics-extractor")],
)
def test_full_migration_pipeline(version: str, extractor: str) -> None:
    # TestFullMigrationPipeline: metric flags move into the config, other flags stay
    args = [
        "--config-text",
        OLD_CONFIG,
        "--total-queued-requests-metric",
        "vllm:num_requests_waiting",
        "--grpc-port",
        "9002",
    ]
    template = _template(version, args)
    sc.transform(template, "d", "ns")
    out = template["spec"]["containers"][0]["args"]
    assert out[0] == "--config-text" and out[2:] == ["--grpc-port", "9002"]
    config = yaml.safe_load(out[1])
    plugin = next(p for p in config["plugins"] if p["type"] == extractor)
    assert plugin["parameters"]["engineConfigs"] == [
        {"name": "vllm", "queuedRequestsSpec": "vllm:num_requests_waiting"}
    ]


def test_v09_drops_an_unneeded_tokenizer_and_keeps_a_needed_one() -> None:
    # schedulerTransform's withRemoveUnnecessaryTokenizer (v0.9.0)
    template = _template("0.9.0", ["--config-text", OLD_CONFIG], "tokenizer")
    sc.transform(template, "d", "ns")
    assert [c["name"] for c in template["spec"]["containers"]] == ["main"]
    precise = "kind: K\nplugins:\n- type: precise-prefix-cache-scorer\n"
    template = _template("0.9.0", ["--config-text", precise], "tokenizer")
    sc.transform(template, "d", "ns")
    assert [c["name"] for c in template["spec"]["containers"]] == ["main", "tokenizer"]


@pytest.mark.parametrize(
    ("args", "fails"),
    [
        (["--config-file", "/f", "--lora-info-metric", "x"], True),  # config-file + flags
        (["--lora-info-metric", "x"], True),  # "no config flag with deprecated flags"
        (["--config-file", "/f"], False),  # "config-file without deprecated flags succeeds"
        (["--configText", OLD_CONFIG, "--lora-info-metric", "x"], False),
        (["-config-text", OLD_CONFIG, "--lora-info-metric", "x"], False),
        (["-configText", OLD_CONFIG, "--lora-info-metric", "x"], False),
    ],
)
def test_scheduler_transform_gates_metric_flag_extraction(args: list[str], fails: bool) -> None:
    # TestSchedulerTransformGatesMetricFlagExtraction
    template = _template("0.7.0", args)
    if fails:
        with pytest.raises(sc.MigrationError, match="uses deprecated metric flags"):
            sc.transform(template, "d", "ns")
        return
    sc.transform(template, "d", "ns")
    assert "--lora-info-metric" not in template["spec"]["containers"][0]["args"]


def test_extract_deprecated_metric_flags_from_every_container() -> None:
    # TestExtractDeprecatedMetricFlags: the flags go from each container
    pod = {
        "containers": [
            {"name": "main", "args": ["--lora-info-metric", "x", "--v", "1"]},
            {"name": "side", "args": ["--cache-info-metric=y"]},
        ]
    }
    assert sc.extract_deprecated_metric_flags(pod) == {"cache-info-metric": "y"}
    assert pod["containers"] == [{"name": "main", "args": ["--v", "1"]}, {"name": "side"}]


def test_uds_tokenizer_config_and_token_processor_migration() -> None:
    # WithUdsTokenizerConfig, WithMigrateTokenProcessorConfig,
    # WithMigrateBlockSizeToBlockSizeTokens
    config: dict[str, Any] = {
        "kind": "K",
        "plugins": [
            {
                "type": "precise-prefix-cache-scorer",
                "parameters": {"indexerConfig": {"tokenProcessorConfig": {"blockSize": 64}}},
            },
            {"type": "prefix-cache-scorer", "parameters": {"blockSize": 16}},
        ],
    }
    for mutation in (
        sc.with_uds_tokenizer_config,
        sc.with_migrate_token_processor_config,
        sc.with_migrate_block_size_to_block_size_tokens,
    ):
        mutation(config)
    precise, prefix = config["plugins"]
    assert precise["parameters"]["indexerConfig"]["tokenizersPoolConfig"] == {
        "modelName": "base",
        "uds": {"socketFile": "/tmp/tokenizer/tokenizer-uds.socket"},
    }
    assert precise["parameters"]["tokenProcessorConfig"] == {"blockSize": 64}
    assert prefix["parameters"] == {"blockSize": 16, "blockSizeTokens": 16}


def test_uds_tokenizer_config_on_a_non_map_is_kserves_error() -> None:
    config = {"plugins": [{"type": "precise-prefix-cache-scorer", "parameters": "x"}]}
    with pytest.raises(sc.MigrationError, match=r"\.parameters is not a map"):
        sc.with_uds_tokenizer_config(config)


def test_mutate_leaves_a_text_without_kind_alone() -> None:
    main = {"name": "main", "args": ["--config-text", "plugins: []\n", "--config-text", "x: [\n"]}
    sc.mutate(main, sc.with_remove_hash_block_size)
    assert main["args"] == ["--config-text", "plugins: []\n", "--config-text", "x: [\n"]


@pytest.mark.parametrize(
    ("text", "ok"),
    [("0.9.0", True), ("1.2.3-rc.1+b", True), ("v0.9.0", False), ("0.9", False), ("x.y.z", False)],
)
def test_parse_version_is_go_semver(text: str, ok: bool) -> None:
    if ok:
        sc.parse_version(text)
    else:
        with pytest.raises(sc.MigrationError, match="failed to parse version"):
            sc.parse_version(text)
    assert sc.parse_version("0.7.0-rc1") < (0, 7, 0, True) <= sc.parse_version("0.7.0")


@pytest.mark.parametrize(
    ("containers", "want"),
    [
        ([{"name": "tokenizer"}], True),  # "tokenizer container present"
        ([{"name": "scheduler"}, {"name": "tokenizer"}, {"name": "o"}], True),
        ([{"name": "scheduler"}, {"name": "other"}], False),  # "no tokenizer container"
        ([], False),  # "empty containers list"
    ],
)
def test_is_using_tokenizer_sidecar(containers: list[dict[str, Any]], want: bool) -> None:
    # TestIsUsingTokenizerSidecar
    assert scheduler._has_container({"containers": containers}, "tokenizer") is want


PRECISE = """
apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceService
metadata: {name: tiny, namespace: ns}
spec:
  model: {uri: "hf://facebook/opt-125m", name: facebook/opt-125m}
  router:
    route: {}
    gateway: {}
    scheduler:
      config:
        inline:
          apiVersion: inference.networking.x-k8s.io/v1alpha1
          kind: EndpointPickerConfig
          plugins:
            - type: precise-prefix-cache-scorer
              parameters:
                kvEventsConfig: {zmqEndpoint: "tcp://*:5557"}
          schedulingProfiles:
            - name: default
              plugins: [{pluginRef: precise-prefix-cache-scorer}]
  template:
    containers: [{name: main, image: vllm-cpu:v1}]
"""


def _scheduler_pod(tmp_path: Path, text: str) -> dict[str, Any]:
    root = build_tree(tmp_path / "in", {"llmisvc.yaml": text})
    result = pipeline.run(pipeline.Request(paths=(str(root),), allow_cluster_scoped=True))
    (deployment,) = [
        r.obj
        for r in result.objects
        if r.kind == "Deployment" and r.obj["metadata"]["name"].endswith("-router-scheduler")
    ]
    return dict(deployment["spec"]["template"]["spec"])


def test_precise_prefix_cache_keeps_the_tokenizer(tmp_path: Path) -> None:
    """scheduler.go: expectedSchedulerDeployment with the preset's tokenizer sidecar: the
    tokenizer-only download at /mnt/models/base, the UDS settings in the config, the sidecar
    kept (v0.9.0's withRemoveUnnecessaryTokenizer finds the plugin)."""
    pod = _scheduler_pod(tmp_path, PRECISE)
    assert [c["name"] for c in pod["containers"]] == ["main", "tokenizer"]
    (init,) = pod["initContainers"]
    assert init["args"] == ["hf://facebook/opt-125m", "/mnt/models"]
    assert any(e["name"] == "STORAGE_ALLOW_PATTERNS" for e in init["env"])
    tokenizer = pod["containers"][1]
    assert any(m["mountPath"] == "/mnt/models/base" for m in tokenizer["volumeMounts"])
    text = pod["containers"][0]["args"][-1]
    assert "zmqEndpoint: tcp://*:5557\n" in text  # go-yaml writes it plain
    pool = yaml.safe_load(text)["plugins"][0]["parameters"]["indexerConfig"]
    assert pool["tokenizersPoolConfig"]["uds"]["socketFile"] == sc.UDS_TOKENIZER_SOCKET_FILE


def test_bad_scheduler_version_is_refused_naming_the_scheduler(tmp_path: Path) -> None:
    text = PRECISE.replace(
        "    scheduler:\n", "    scheduler:\n      annotations: {app.kubernetes.io/version: v1}\n"
    )
    with pytest.raises(ProblemsFound) as found:
        _scheduler_pod(tmp_path, text)
    (problem,) = found.value.problems
    assert problem.field == "spec.router.scheduler"
    assert problem.message.startswith('failed to parse version "v1"')


def test_a_config_nested_past_the_stack_is_left_as_written() -> None:
    text = "kind: X\na: " + "[" * 3000 + "]" * 3000
    main = {"name": "main", "args": ["--config-text", text]}
    sc.mutate(main, sc.with_remove_hash_block_size)
    assert main["args"][1] == text


def _storage(**overrides: Any) -> workload.Storage:
    config, _ = resolve([builtin_layer()])
    assert config is not None
    storage_config = replace(config.storage_initializer, **overrides)
    return workload.Storage(storage_config, CredentialBuilder(CredentialConfig(), SecretIndex()))


def _attach(uri: str, container: str, model_path: str, **overrides: Any) -> dict[str, Any]:
    llmsvc = {"metadata": {"name": "m", "namespace": "ns"}, "spec": {"model": {"uri": uri}}}
    pod: dict[str, Any] = {"containers": [{"name": container}]}
    workload.attach_model_artifacts(llmsvc, pod, _storage(**overrides), container, model_path)
    return pod


TARGETS = [
    ("tokenizer", "/mnt/models/my-llama"),  # "tokenizer with flat model name"
    ("tokenizer", "/mnt/models/meta-llama/Llama-2-7b"),  # "tokenizer with slash model name"
    ("main", "/mnt/models"),  # "main container with default path"
]


@pytest.mark.parametrize(("container", "path"), TARGETS)
def test_attach_storage_initializer_target_container(container: str, path: str) -> None:
    # TestAttachStorageInitializer_TargetContainer: the download always goes to /mnt/models,
    # the target container reads it at its own path
    pod = _attach("hf://meta-llama/Llama-2-7b", container, path)
    (init,) = pod["initContainers"]
    assert init["args"][1] == "/mnt/models"
    mounts = pod["containers"][0]["volumeMounts"]
    assert {"name": "kserve-provision-location", "mountPath": path, "readOnly": True} in mounts


@pytest.mark.parametrize(("container", "path"), TARGETS)
def test_attach_pvc_model_artifact_target_container(container: str, path: str) -> None:
    # TestAttachPVCModelArtifact_TargetContainer
    pod = _attach("pvc://my-pvc/opt-125m", container, path)
    assert pod["containers"][0]["volumeMounts"] == [
        {"name": "kserve-pvc-source", "mountPath": path, "readOnly": True, "subPath": "opt-125m"}
    ]


@pytest.mark.parametrize(
    ("container", "path", "link"),
    [
        (
            "tokenizer",
            "/mnt/models/my-llama",
            "mkdir -p /mnt/models && ln -sf /proc/$$$$/root/models /mnt/models/my-llama && "
            "sleep infinity",
        ),
        (
            "tokenizer",
            "/mnt/models/meta-llama/Llama-2-7b",
            "mkdir -p /mnt/models/meta-llama && ln -sf /proc/$$$$/root/models "
            "/mnt/models/meta-llama/Llama-2-7b && sleep infinity",
        ),
        ("main", "/mnt/models", "ln -sf /proc/$$$$/root/models /mnt/models && sleep infinity"),
    ],
)
def test_attach_oci_model_artifact_target_container(container: str, path: str, link: str) -> None:
    # TestAttachOciModelArtifact_TargetContainer: the shared volume at the path's parent, the
    # modelcar links the model to the target path
    pod = _attach("oci://ghcr.io/test/model:v1", container, path, enable_oci_image_source=True)
    target = next(c for c in pod["containers"] if c["name"] == container)
    parent = path.rsplit("/", 1)[0] or "/"
    assert any(
        m["name"] == "kserve-provision-location"
        and m["mountPath"] == parent
        and not m.get("readOnly")
        for m in target["volumeMounts"]
    )
    modelcar = next(c for c in pod["containers"] if c["name"] == "modelcar")
    assert modelcar["args"] == ["sh", "-c", link]
