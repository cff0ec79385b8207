"""Config layers, the built-in KServe v0.20.0 release defaults, and `resolve`."""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import yaml
from helpers import require_shared

from generator.config import (
    BUILTIN_SOURCE,
    CONFIG_MAP_REF,
    ConfigLayer,
    builtin_layer,
    builtin_runtimes,
    resolve,
)
from generator.errors import Problem, Source


def release_file(name: str) -> Path:
    """A file of the v0.20.0 release, vendored under tests/data/reference/kserve/release."""
    return require_shared("reference", "kserve", "release", name)


def test_builtin_data_equals_the_release_config_map() -> None:
    release = yaml.safe_load(release_file("inferenceservice-config.yaml").read_text())
    expected = {k: json.loads(v) for k, v in release["data"].items() if k != "_example"}
    ours = {k: json.loads(v) for k, v in builtin_layer().data.items()}
    assert ours == expected


def test_builtin_runtimes_equal_the_release_runtimes() -> None:
    text = release_file("clusterservingruntimes.yaml").read_text()
    expected = sorted(
        (doc for doc in yaml.safe_load_all(text) if doc), key=lambda d: d["metadata"]["name"]
    )
    assert builtin_runtimes() == expected


def test_builtin_runtimes_are_fresh_copies() -> None:
    runtimes = builtin_runtimes()
    assert len(runtimes) == 14
    runtimes[0]["spec"]["containers"].clear()
    assert builtin_runtimes()[0]["spec"]["containers"]


def test_builtin_config_resolves() -> None:
    config, problems = resolve([builtin_layer()])
    assert problems == []
    assert config is not None
    assert config.deploy.default_deployment_mode == "Knative"  # "Serverless" normalised
    assert config.security.auto_mount_service_account_token is True
    assert config.storage_initializer.image == "kserve/storage-initializer:v0.20.0"
    assert config.ingress.knative_local_gateway_service == (
        "knative-local-gateway.istio-system.svc.cluster.local"
    )
    assert config.inference_services.explainers.art_explainer.container_image == (
        "kserve/art-explainer"
    )
    assert config.multi_node.custom_gpu_resource_type_list == ()
    assert config.service.service_cluster_ip_none is False
    assert config.data == builtin_layer().data


def test_later_layers_replace_whole_keys() -> None:
    repo = ConfigLayer(
        Source("config/inferenceservice-config.yaml", 1),
        {"deploy": '{"defaultDeploymentMode": "RawDeployment"}', "security": "{}"},
    )
    flag = ConfigLayer(Source("extra.yaml", 4), {"deploy": '{"defaultDeploymentMode": "Knative"}'})
    config, problems = resolve([builtin_layer(), repo, flag])
    assert problems == []
    assert config is not None
    assert config.deploy.default_deployment_mode == "Knative"
    # `security` replaced whole: the field is absent, so the Go zero value (False) applies.
    assert config.security.auto_mount_service_account_token is False
    assert config.data["deploy"] == '{"defaultDeploymentMode": "Knative"}'
    assert config.ingress.ingress_gateway == "knative-serving/knative-ingress-gateway"


def test_every_bad_key_is_reported_with_its_layer() -> None:
    repo = Source("cm.yaml", 3)
    overlay = Source("overlay.yaml", 9)
    config, problems = resolve(
        [
            builtin_layer(),
            ConfigLayer(repo, {"deploy": "{}", "ingress": '{"ingressGateway": ""}'}),
            ConfigLayer(overlay, {"agent": '{"image": "a"}', "localModel": "[]"}),
        ]
    )
    assert config is None
    quantity = "quantities must match the regular expression " + repr(
        "^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$"
    )
    assert problems == sorted(
        [
            Problem(
                repo,
                CONFIG_MAP_REF,
                "data.deploy.defaultDeploymentMode",
                "invalid deploy config, defaultDeploymentMode is required",
            ),
            Problem(
                repo,
                CONFIG_MAP_REF,
                "data.ingress.ingressGateway",
                "invalid ingress config - ingressGateway is required",
            ),
            Problem(
                overlay,
                CONFIG_MAP_REF,
                "data.agent.memoryRequest",
                f'failed to parse resource configuration for "agent": {quantity}',
            ),
            Problem(
                overlay,
                CONFIG_MAP_REF,
                "data.localModel",
                "json: cannot unmarshal array into Go value of type v1beta1.LocalModelConfig",
            ),
        ]
    )
    assert str(problems[0]).startswith(
        "cm.yaml:3: ConfigMap kserve/inferenceservice-config: data.deploy.defaultDeploymentMode: "
    )


def test_problems_in_builtin_data_have_no_object() -> None:
    _, problems = resolve([ConfigLayer(BUILTIN_SOURCE, {"deploy": "{}"})])
    assert all(p.source == BUILTIN_SOURCE and p.obj is None for p in problems)
    # Keys absent everywhere take Go's zero config; the pod-webhook getters then reject the
    # empty resource strings, as KServe does.
    assert {p.field.split(".")[1] for p in problems} == {
        "deploy",
        "storageInitializer",
        "logger",
        "batcher",
        "agent",
        "router",
    }


def test_unknown_keys_are_ignored() -> None:
    config, problems = resolve([builtin_layer(), ConfigLayer(Source("x"), {"_example": "# hi"})])
    assert problems == []
    assert config is not None


def test_non_string_values_are_reported() -> None:
    layer = ConfigLayer(Source("x.yaml", 2), {"deploy": {"defaultDeploymentMode": "x"}})  # type: ignore[dict-item]
    _, problems = resolve([builtin_layer(), layer])
    assert [(p.field, p.message) for p in problems] == [
        ("data.deploy", "ConfigMap data values are strings, not dict")
    ]


def test_config_survives_pickling_for_worker_processes() -> None:
    config, _ = resolve([builtin_layer()])
    assert pickle.loads(pickle.dumps(config)) == config
