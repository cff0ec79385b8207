"""The scheduler's configuration text after `expectedSchedulerDeployment` builds it
(`scheduler.go`): `mutateSchedulerConfig` and its mutations (the precise prefix-cache
scorer's UDS tokenizer settings, `WithUdsTokenizerConfig`, and the llm-d-router schema
migrations), and `schedulerTransform`, the migrations gated on the pod's
`app.kubernetes.io/version` annotation.

The config is the parsed `--config-text` value as Go's `unstructured.Unstructured` holds it:
a YAML mapping with a `kind` (else KServe leaves the text alone), written back through
sigs.k8s.io/yaml (generator/goruntime/yamlv2.py).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

import yaml

from generator.goruntime import yamlv2
from generator.goruntime.strconv import quote

PRECISE_PREFIX_CACHE_SCORER: Final = "precise-prefix-cache-scorer"
PREFIX_CACHE_SCORER: Final = "prefix-cache-scorer"
CORE_METRICS_EXTRACTOR: Final = "model-server-protocol-metrics"
CORE_METRICS_EXTRACTOR_RENAMED: Final = "core-metrics-extractor"
UDS_TOKENIZER_BASE_MODEL_NAME: Final = "base"
UDS_TOKENIZER_SOCKET_FILE: Final = "/tmp/tokenizer/tokenizer-uds.socket"
TOKENIZER: Final = "tokenizer"
INLINE_FLAGS: Final = frozenset(("--config-text", "-config-text", "--configText", "-configText"))
# the metric flags GIE v1.4.0 refuses at startup, and their core-metrics-extractor fields
DEPRECATED_METRIC_FLAGS: Final = {
    "total-queued-requests-metric": "queuedRequestsSpec",
    "total-running-requests-metric": "runningRequestsSpec",
    "kv-cache-usage-percentage-metric": "kvUsageSpec",
    "lora-info-metric": "loraSpec",
    "cache-info-metric": "cacheInfoSpec",
}
_IDENTIFIER: Final = re.compile(r"[0-9A-Za-z-]+")

Config = dict[str, Any]
Mutation = Callable[[Config], None]


class MigrationError(ValueError):
    """What `schedulerTransform` stops on."""


def _plugins(config: Mapping[str, Any]) -> list[Any]:
    found = config.get("plugins")
    return found if isinstance(found, list) else []


def _typed(config: Mapping[str, Any], plugin_type: str) -> list[dict[str, Any]]:
    return [p for p in _plugins(config) if isinstance(p, dict) and p.get("type") == plugin_type]


def _parameters(plugin: Mapping[str, Any]) -> dict[str, Any] | None:
    found = plugin.get("parameters")
    return found if isinstance(found, dict) else None


def _set(obj: dict[str, Any], path: tuple[str, ...], value: Any) -> None:
    """`unstructured.SetNestedField`: missing maps are created; any other value on the way is
    an error."""
    for i, key in enumerate(path[:-1]):
        if key not in obj:
            obj[key] = {}
        elif not isinstance(obj[key], dict):
            where = "." + ".".join(path[: i + 1])
            raise MigrationError(
                f"value cannot be set because {where} is not a map[string]interface{{}}"
            )
        obj = obj[key]
    obj[path[-1]] = value


def _get(obj: Any, path: tuple[str, ...]) -> tuple[Any, bool]:
    for key in path:
        if not isinstance(obj, dict) or key not in obj:
            return None, False
        obj = obj[key]
    return obj, True


def parse(text: str) -> Config | None:
    """The config as `yaml.Unmarshal` into an Unstructured reads it, or None where KServe
    leaves the text untouched (not YAML, not a mapping, no `kind`)."""
    try:
        config = yamlv2.load(text)
    except (yaml.YAMLError, ValueError, RecursionError):  # nested past Python's stack: unread
        return None
    if not isinstance(config, dict) or not config.get("kind"):
        return None
    return config


def mutate(main: dict[str, Any] | None, *mutations: Mutation) -> None:
    """Port of `mutateSchedulerConfig`: each inline config-text value of the main container
    parsed once, mutated, written back; one that is not a config stops the scan."""
    if main is None:
        return
    args = main.get("args") or []
    for i in range(len(args) - 1):
        if args[i] not in INLINE_FLAGS:
            continue
        config = parse(args[i + 1])
        if config is None:
            return
        for mutation in mutations:
            mutation(config)
        args[i + 1] = yamlv2.dump(config)


def with_uds_tokenizer_config(config: Config) -> None:
    """Port of `WithUdsTokenizerConfig`: the precise prefix-cache scorer reads the tokenizer
    sidecar's model `base` over its UDS socket."""
    for plugin in _typed(config, PRECISE_PREFIX_CACHE_SCORER):
        pool = ("parameters", "indexerConfig", "tokenizersPoolConfig")
        _set(plugin, (*pool, "modelName"), UDS_TOKENIZER_BASE_MODEL_NAME)
        _set(plugin, (*pool, "uds", "socketFile"), UDS_TOKENIZER_SOCKET_FILE)


def with_migrate_token_processor_config(config: Config) -> None:
    """Port of `WithMigrateTokenProcessorConfig` (llm-d-router v0.6.0 moved it up a level)."""
    for plugin in _typed(config, PRECISE_PREFIX_CACHE_SCORER):
        if _get(plugin, ("parameters", "tokenProcessorConfig"))[1]:
            continue
        value, found = _get(plugin, ("parameters", "indexerConfig", "tokenProcessorConfig"))
        if found:
            _set(plugin, ("parameters", "tokenProcessorConfig"), value)


def with_migrate_block_size_to_block_size_tokens(config: Config) -> None:
    """Port of `WithMigrateBlockSizeToBlockSizeTokens`: blockSize copied, not moved."""
    for plugin in _typed(config, PREFIX_CACHE_SCORER):
        if _get(plugin, ("parameters", "blockSizeTokens"))[1]:
            continue
        value, found = _get(plugin, ("parameters", "blockSize"))
        if found:
            _set(plugin, ("parameters", "blockSizeTokens"), value)


def with_rename_plugin(old: str, new: str) -> Mutation:
    """Port of `WithRenamePlugin`: plugin types and names, and the profiles' pluginRefs."""

    def rename(config: Config) -> None:
        for plugin in _plugins(config):
            if not isinstance(plugin, dict):
                continue
            if plugin.get("type") == old:
                plugin["type"] = new
            if plugin.get("name") == old:
                plugin["name"] = new
        profiles = config.get("schedulingProfiles")
        for profile in profiles if isinstance(profiles, list) else []:
            refs = profile.get("plugins") if isinstance(profile, dict) else None
            for ref in refs if isinstance(refs, list) else []:
                if isinstance(ref, dict) and ref.get("pluginRef") == old:
                    ref["pluginRef"] = new

    return rename


def threshold_to_non_cached_tokens(value: Any) -> int:
    """Port of `thresholdToNonCachedTokens`: ceil(threshold / 4) tokens, at least 1."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    else:  # fmt.Sscanf("%v" of it, "%f"), 1 when that fails
        words = str(value).split()
        try:
            number = float(words[0]) if words else math.nan
        except ValueError:
            return 1
        if math.isnan(number):
            return 1
    return max(1, math.ceil(number / 4.0))


def with_migrate_disagg_profile_params(config: Config) -> None:
    """Port of `WithMigrateDisaggProfileParams` (llm-d-router v0.7.0's deciders map)."""
    plugins = _plugins(config)
    inject: list[dict[str, Any]] = []
    handler = -1
    for i, plugin in enumerate(plugins):
        if not isinstance(plugin, dict):
            continue
        if plugin.get("type") not in ("disagg-profile-handler", "pd-profile-handler"):
            continue
        if handler == -1:
            handler = i
        if _get(plugin, ("parameters", "deciders"))[1]:
            continue
        name, found = _get(plugin, ("parameters", "deciderPluginName"))
        if found:
            if not isinstance(name, str):
                raise MigrationError(
                    f".parameters.deciderPluginName accessor error: {name!r} is of the type "
                    f"{_go_type(name)}, expected string"
                )
            _set(plugin, ("parameters", "deciders"), {"prefill": name})
            params = plugin["parameters"]
            params.pop("deciderPluginName", None)
            params.pop("threshold", None)
            continue
        threshold, found = _get(plugin, ("parameters", "threshold"))
        if not found:
            continue
        if _go_v(threshold) == "0":
            _set(plugin, ("parameters", "deciders"), {"prefill": "always-disagg-pd-decider"})
            plugin["parameters"].pop("threshold", None)
            inject.append({"type": "always-disagg-pd-decider"})
        else:
            tokens = threshold_to_non_cached_tokens(threshold)
            _set(plugin, ("parameters", "deciders"), {"prefill": "prefix-based-pd-decider"})
            plugin["parameters"].pop("threshold", None)
            inject.append(
                {"type": "prefix-based-pd-decider", "parameters": {"nonCachedTokens": tokens}}
            )
    inserted = 0
    for entry in inject:
        if any(isinstance(p, dict) and p.get("type") == entry["type"] for p in plugins):
            continue
        # deciders are registered in list order: each goes before the handler naming it
        plugins.insert(handler + inserted, entry)
        inserted += 1


def _go_type(value: Any) -> str:
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int64"
    if isinstance(value, float):
        return "float64"
    if isinstance(value, dict):
        return "map[string]interface {}"
    if isinstance(value, list):
        return "[]interface {}"
    return "<nil>" if value is None else "string"


def _go_v(value: Any) -> str:
    """`fmt.Sprintf("%v", value)` for the JSON-shaped values a config holds."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        text = repr(value)
        if value == int(value) and abs(value) < 1e21:
            return str(int(value))
        return text
    return "<nil>" if value is None else str(value)


def with_remove_hash_block_size(config: Config) -> None:
    """Port of `WithRemoveHashBlockSize` (gone in llm-d-router v0.7.0)."""
    for plugin in _plugins(config):
        params = _parameters(plugin) if isinstance(plugin, dict) else None
        if params is not None:
            params.pop("hashBlockSize", None)


def with_remove_prefix_cache_scorer_parameters_v09(config: Config) -> None:
    """Port of `withRemovePrefixCacheScorerParametersV09`: only prefixMatchInfoProducerName
    stays; an emptied `parameters` goes."""
    for plugin in _typed(config, PREFIX_CACHE_SCORER):
        params = _parameters(plugin)
        if params is None:
            continue
        for key in [k for k in params if k != "prefixMatchInfoProducerName"]:
            del params[key]
        if not params:
            del plugin["parameters"]


def with_remove_unnecessary_tokenizer(pod_spec: dict[str, Any]) -> Mutation:
    """Port of `withRemoveUnnecessaryTokenizer`: the tokenizer container goes unless a
    precise prefix-cache scorer needs it."""

    def remove(config: Config) -> None:
        if _typed(config, PRECISE_PREFIX_CACHE_SCORER):
            return
        containers = pod_spec.get("containers") or []
        for i, container in enumerate(containers):
            if container.get("name") == TOKENIZER:
                del containers[i]
                break

    return remove


def with_core_metrics_extractor_plugin(extracted: Mapping[str, str]) -> Mutation:
    """Port of `withCoreMetricsExtractorPlugin`: the stripped metric flags as a plugin."""

    def inject(config: Config) -> None:
        if not extracted:
            return
        plugins = config.get("plugins")
        if not isinstance(plugins, list):
            plugins = []
        for plugin in plugins:
            if isinstance(plugin, dict) and plugin.get("type") in (
                CORE_METRICS_EXTRACTOR,
                CORE_METRICS_EXTRACTOR_RENAMED,
            ):
                return
        engine: dict[str, Any] = {"name": "vllm"}
        for flag, field in DEPRECATED_METRIC_FLAGS.items():
            if flag in extracted:
                engine[field] = extracted[flag]
        plugins.append(
            {
                "name": CORE_METRICS_EXTRACTOR,
                "type": CORE_METRICS_EXTRACTOR,
                "parameters": {
                    "engineLabelKey": "inference.networking.k8s.io/engine-type",
                    "defaultEngine": "vllm",
                    "engineConfigs": [engine],
                },
            }
        )
        config["plugins"] = plugins

    return inject


def filter_args(args: list[str], names: Mapping[str, Any]) -> tuple[list[str], dict[str, str]]:
    """Port of `filterArgs`: `--flag=value` and `--flag value` forms removed, values kept."""
    kept: list[str] = []
    extracted: dict[str, str] = {}
    i = 0
    while i < len(args):
        name = args[i].lstrip("-")
        value = ""
        if "=" in name:
            name, value = name.split("=", 1)
        if name not in names:
            kept.append(args[i])
            i += 1
            continue
        if value == "" and i + 1 < len(args) and not args[i + 1].startswith("-"):
            value = args[i + 1]
            i += 1
        extracted[name] = value
        i += 1
    return kept, extracted


def _flag_name(arg: str) -> str:
    return arg.lstrip("-").split("=", 1)[0]


def has_deprecated_metric_flags(pod_spec: Mapping[str, Any]) -> bool:
    """Port of `hasDeprecatedMetricFlags`."""
    return any(
        _flag_name(arg) in DEPRECATED_METRIC_FLAGS
        for container in pod_spec.get("containers") or []
        for arg in container.get("args") or []
    )


def extract_deprecated_metric_flags(pod_spec: dict[str, Any]) -> dict[str, str]:
    """Port of `extractDeprecatedMetricFlags`: stripped from every container; the values of the
    last container that had any."""
    found: dict[str, str] = {}
    for container in pod_spec.get("containers") or []:
        kept, extracted = filter_args(list(container.get("args") or []), DEPRECATED_METRIC_FLAGS)
        if "args" in container or kept:
            # Go assigns a nil slice when nothing is kept: the field disappears
            if kept:
                container["args"] = kept
            else:
                container.pop("args", None)
        if extracted:
            found = extracted
    return found


def main_container(pod_spec: Mapping[str, Any]) -> dict[str, Any] | None:
    return next((c for c in pod_spec.get("containers") or [] if c.get("name") == "main"), None)


def has_writable_config_text(pod_spec: Mapping[str, Any]) -> bool:
    """Port of `hasWritableConfigText`."""
    main = main_container(pod_spec)
    args = (main or {}).get("args") or []
    return any(arg in INLINE_FLAGS for arg in args[:-1])


def parse_version(text: str) -> tuple[int, int, int, bool]:
    """coreos/go-semver `NewVersion`: (major, minor, patch, is a release) or MigrationError."""
    version, _, metadata = text.partition("+")
    version, _, pre = version.partition("-")
    parts = version.split(".", 2)
    if len(parts) != 3:
        raise MigrationError(
            f"failed to parse version {quote(text)}: {version} is not in dotted-tri format"
        )
    for ident in (pre, metadata):
        if ident and not all(_IDENTIFIER.fullmatch(p) for p in ident.split(".")):
            raise MigrationError(f"failed to parse version {quote(text)}")
    numbers = []
    for part in parts:
        if not re.fullmatch(r"[+-]?[0-9]+", part):
            raise MigrationError(
                f"failed to parse version {quote(text)}: strconv.ParseInt: parsing {quote(part)}: "
                "invalid syntax"
            )
        numbers.append(int(part))
    return numbers[0], numbers[1], numbers[2], not pre


def transform(pod_template: Mapping[str, Any], name: str, namespace: str) -> None:
    """Port of `schedulerTransform`: the llm-d-router v0.7.0+ migrations, when the pod says
    it runs a scheduler of at least that version (`app.kubernetes.io/version`)."""
    annotations = (pod_template.get("metadata") or {}).get("annotations") or {}
    version = parse_version(str(annotations.get("app.kubernetes.io/version") or "0.0.0"))
    if version < (0, 7, 0, True):
        return
    pod_spec = pod_template["spec"]
    writable = has_writable_config_text(pod_spec)
    if not writable and has_deprecated_metric_flags(pod_spec):
        raise MigrationError(
            f"scheduler deployment {namespace}/{name} uses deprecated metric flags but has no "
            "inline --config-text; automatic migration to core-metrics-extractor plugin is not "
            "possible — convert to --config-text or remove the deprecated flags manually"
        )
    mutations: list[Mutation] = [
        with_rename_plugin("prefill-header-handler", "disagg-headers-handler"),
        with_rename_plugin("pd-profile-handler", "disagg-profile-handler"),
        with_migrate_disagg_profile_params,
        with_remove_hash_block_size,
    ]
    if writable:
        mutations.append(
            with_core_metrics_extractor_plugin(extract_deprecated_metric_flags(pod_spec))
        )
    if version >= (0, 8, 0, True):
        mutations.append(with_rename_plugin(CORE_METRICS_EXTRACTOR, CORE_METRICS_EXTRACTOR_RENAMED))
    if version >= (0, 9, 0, True):
        mutations.append(with_remove_prefix_cache_scorer_parameters_v09)
        mutations.append(with_remove_unnecessary_tokenizer(pod_spec))
    mutate(main_container(pod_spec), *mutations)


__all__ = [
    "MigrationError",
    "filter_args",
    "mutate",
    "parse",
    "parse_version",
    "threshold_to_non_cached_tokens",
    "transform",
    "with_core_metrics_extractor_plugin",
    "with_migrate_block_size_to_block_size_tokens",
    "with_migrate_disagg_profile_params",
    "with_migrate_token_processor_config",
    "with_remove_hash_block_size",
    "with_remove_prefix_cache_scorer_parameters_v09",
    "with_remove_unnecessary_tokenizer",
    "with_rename_plugin",
    "with_uds_tokenizer_config",
]
