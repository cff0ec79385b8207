"""The `inferenceservice-config` KServe would read, resolved from layers, typed once.

KServe reads ConfigMap `kserve/inferenceservice-config` and parses each data key as one JSON
document (`pkg/apis/serving/v1beta1/configmap.go` and the getters listed in `pod_configs.py`).
Here the data comes in layers — the built-in v0.20.0 release defaults, then the repository's
ConfigMap, `--config` files, overlays — and a later layer's key replaces the earlier value
whole. Every key is parsed; every bad key is reported as a `Problem`.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, TypeVar

import yaml

from generator.config.configmap import (
    AutoscalerConfig,
    DeployConfig,
    ExplainersConfig,
    InferenceServicesConfig,
    IngressConfig,
    LocalModelConfig,
    MultiNodeConfig,
    OtelCollectorConfig,
    SecurityConfig,
    ServiceConfig,
)
from generator.config.jsondecode import ConfigError
from generator.config.pod_configs import (
    AgentConfig,
    BatcherConfig,
    CredentialConfig,
    LoggerConfig,
    MetricsAggregatorConfig,
    RouterConfig,
    StorageInitializerConfig,
)
from generator.constants import INFERENCE_SERVICE_CONFIG_MAP_NAME, KSERVE_NAMESPACE
from generator.errors import InternalError, ObjectRef, Problem, Source

__all__ = [
    "BUILTIN_SOURCE",
    "CONFIG_MAP_REF",
    "Config",
    "ConfigError",
    "ConfigLayer",
    "builtin_layer",
    "builtin_runtimes",
    "builtin_storage_containers",
    "resolve",
]

BUILTIN_SOURCE = Source("<built-in>")
CONFIG_MAP_REF = ObjectRef("ConfigMap", KSERVE_NAMESPACE, INFERENCE_SERVICE_CONFIG_MAP_NAME)
_DEFAULTS = "generator.config.defaults"

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ConfigLayer:
    """One source of ConfigMap data: key -> JSON text."""

    source: Source
    data: Mapping[str, str]


@dataclass(frozen=True, slots=True)
class Config:
    """Every `inferenceservice-config` key, typed; `data` is the merged raw data (for hashing)."""

    ingress: IngressConfig
    deploy: DeployConfig
    inference_services: InferenceServicesConfig
    security: SecurityConfig
    storage_initializer: StorageInitializerConfig
    credentials: CredentialConfig
    logger: LoggerConfig
    batcher: BatcherConfig
    agent: AgentConfig
    router: RouterConfig
    metrics_aggregator: MetricsAggregatorConfig
    otel_collector: OtelCollectorConfig
    autoscaler: AutoscalerConfig
    local_model: LocalModelConfig
    multi_node: MultiNodeConfig
    service: ServiceConfig
    data: Mapping[str, str]
    # Which layer each key came from, so --explain can say why a default applied.
    origin: Mapping[str, Source] = field(default_factory=dict)


@functools.cache
def _builtin_data() -> dict[str, str]:
    text = resources.files(_DEFAULTS).joinpath("inferenceservice-config.yaml").read_text("utf-8")
    data = yaml.load(text, Loader=yaml.CSafeLoader)
    if not isinstance(data, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in data.items()
    ):
        raise InternalError("built-in inferenceservice-config.yaml must map keys to JSON text")
    return data


def _builtin_objects(folder_name: str, kind: str) -> tuple[dict[str, Any], ...]:
    folder = resources.files(_DEFAULTS).joinpath(folder_name)
    objects = []
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            obj = yaml.load(entry.read_text("utf-8"), Loader=yaml.CSafeLoader)
            if not isinstance(obj, dict) or obj.get("kind") != kind:
                raise InternalError(f"built-in {entry.name} is not a {kind}")
            objects.append(obj)
    return tuple(sorted(objects, key=lambda r: str(r["metadata"]["name"])))


@functools.cache
def _builtin_runtimes() -> tuple[dict[str, Any], ...]:
    return _builtin_objects("runtimes", "ClusterServingRuntime")


@functools.cache
def _builtin_storage_containers() -> tuple[dict[str, Any], ...]:
    return _builtin_objects("storagecontainers", "ClusterStorageContainer")


def builtin_storage_containers() -> list[dict[str, Any]]:
    """The ClusterStorageContainer (`default`) a KServe v0.20.0 install creates, fresh copies."""
    return copy.deepcopy(list(_builtin_storage_containers()))


def builtin_layer() -> ConfigLayer:
    """The `inferenceservice-config` data a KServe v0.20.0 release installs."""
    return ConfigLayer(BUILTIN_SOURCE, dict(_builtin_data()))


def builtin_runtimes() -> list[dict[str, Any]]:
    """The 14 ClusterServingRuntimes a KServe v0.20.0 release installs, by name, fresh copies."""
    return copy.deepcopy(list(_builtin_runtimes()))


class _Resolver:
    """Parses the merged data key by key, collecting one problem per bad key."""

    def __init__(self, layers: Sequence[ConfigLayer]) -> None:
        self.data: dict[str, str] = {}
        self.origin: dict[str, ConfigLayer] = {}
        self.last = layers[-1] if layers else None
        self.problems: list[Problem] = []
        for layer in layers:
            for key, value in layer.data.items():
                self.data[key] = value
                self.origin[key] = layer

    def problem(self, key: str, json_path: str, message: str) -> None:
        layer = self.origin.get(key, self.last)
        source = layer.source if layer else BUILTIN_SOURCE
        field = f"data.{key}.{json_path}" if json_path else f"data.{key}"
        obj = None if source == BUILTIN_SOURCE else CONFIG_MAP_REF
        self.problems.append(Problem(source, obj, field, message))

    def text(self, key: str) -> str | None:
        value = self.data.get(key)
        if value is not None and not isinstance(value, str):
            self.problem(key, "", f"ConfigMap data values are strings, not {type(value).__name__}")
            return None
        return value

    def parse(self, key: str, parser: Callable[[str | None], T], fallback: T) -> T:
        try:
            return parser(self.text(key))
        except ConfigError as err:
            self.problem(err.key, err.json_path, err.message)
            return fallback


def resolve(layers: Sequence[ConfigLayer]) -> tuple[Config | None, list[Problem]]:
    """Merge `layers` key by key (later wins) and parse every key; None if any is invalid."""
    r = _Resolver(layers)
    explainers = r.parse(ExplainersConfig.KEY, ExplainersConfig.from_json, ExplainersConfig())
    config = Config(
        ingress=r.parse(IngressConfig.KEY, IngressConfig.from_json, IngressConfig()),
        deploy=r.parse(DeployConfig.KEY, DeployConfig.from_json, DeployConfig()),
        inference_services=r.parse(
            InferenceServicesConfig.KEY,
            lambda text: InferenceServicesConfig.from_json(text, explainers),
            InferenceServicesConfig(),
        ),
        security=r.parse(SecurityConfig.KEY, SecurityConfig.from_json, SecurityConfig()),
        storage_initializer=r.parse(
            StorageInitializerConfig.KEY,
            StorageInitializerConfig.from_json,
            StorageInitializerConfig(),
        ),
        credentials=r.parse(CredentialConfig.KEY, CredentialConfig.from_json, CredentialConfig()),
        logger=r.parse(LoggerConfig.KEY, LoggerConfig.from_json, LoggerConfig()),
        batcher=r.parse(BatcherConfig.KEY, BatcherConfig.from_json, BatcherConfig()),
        agent=r.parse(AgentConfig.KEY, AgentConfig.from_json, AgentConfig()),
        router=r.parse(RouterConfig.KEY, RouterConfig.from_json, RouterConfig()),
        metrics_aggregator=r.parse(
            MetricsAggregatorConfig.KEY,
            MetricsAggregatorConfig.from_json,
            MetricsAggregatorConfig(),
        ),
        otel_collector=r.parse(
            OtelCollectorConfig.KEY, OtelCollectorConfig.from_json, OtelCollectorConfig()
        ),
        autoscaler=r.parse(AutoscalerConfig.KEY, AutoscalerConfig.from_json, AutoscalerConfig()),
        local_model=r.parse(LocalModelConfig.KEY, LocalModelConfig.from_json, LocalModelConfig()),
        multi_node=r.parse(MultiNodeConfig.KEY, MultiNodeConfig.from_json, MultiNodeConfig()),
        service=r.parse(ServiceConfig.KEY, ServiceConfig.from_json, ServiceConfig()),
        data=r.data,
        origin={key: layer.source for key, layer in r.origin.items()},
    )
    if r.problems:
        return None, sorted(r.problems)
    return config, []
