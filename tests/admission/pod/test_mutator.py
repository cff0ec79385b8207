"""The pod mutator (mutator.go) and the GitOps credential rule end to end.

Ported from KServe v0.20.0 `pkg/webhook/admission/pod/mutator_test.go` (`TestMutator_Handle`,
`TestInjectModelcarGate`); the rest checks the injector order, problems, the `storageUris`
entry point and that no Secret value reaches a rendered pod.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import json
from typing import Any

import pytest

from generator import constants as c
from generator.admission.pod import MutationContext
from generator.admission.pod.mutator import MUTATORS, apply_storage_uris, mutate_pod, mutators_for
from generator.config import builtin_layer, resolve
from generator.config.pod_configs import (
    AgentConfig,
    BatcherConfig,
    LoggerConfig,
    MetricsAggregatorConfig,
    StorageInitializerConfig,
)
from generator.credentials import SecretIndex

BASE, _ = resolve([builtin_layer()])
assert BASE is not None
HANDLE_CONFIG = dataclasses.replace(
    BASE,
    storage_initializer=StorageInitializerConfig.from_json(
        '{"image": "kserve/storage-initializer:latest", "memoryRequest": "100Mi",'
        ' "memoryLimit": "1Gi", "cpuRequest": "100m", "cpuLimit": "1", "cpuModelcar": "100m",'
        ' "memoryModelcar": "50Mi",'
        ' "storageSpecSecretName": "storage-config"}'
    ),
    logger=LoggerConfig.from_json(
        '{"image": "kserve/agent:latest", "memoryRequest": "100Mi", "memoryLimit": "1Gi",'
        ' "cpuRequest": "100m", "cpuLimit": "1", "defaultUrl": "http://default-broker"}'
    ),
    batcher=BatcherConfig.from_json(
        '{"image": "kserve/agent:latest", "memoryRequest": "1Gi", "memoryLimit": "1Gi",'
        ' "cpuRequest": "1", "cpuLimit": "1"}'
    ),
    agent=AgentConfig.from_json(
        '{"image": "kserve/agent:latest", "memoryRequest": "100Mi", "memoryLimit": "1Gi",'
        ' "cpuRequest": "100m", "cpuLimit": "1"}'
    ),
    metrics_aggregator=MetricsAggregatorConfig.from_json(None),
)
ISVC_POD = {
    "metadata": {"labels": {c.INFERENCE_SERVICE_POD_LABEL_KEY: ""}},
    "spec": {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]},
}


@pytest.mark.parametrize(
    ("original", "expected"),
    [
        ({"metadata": {}, "spec": {}}, {"metadata": {}, "spec": {}}),
        (
            ISVC_POD,
            {
                "metadata": {
                    "labels": {c.INFERENCE_SERVICE_POD_LABEL_KEY: ""},
                    "annotations": {
                        "serving.kserve.io/enable-metric-aggregation": "",
                        "serving.kserve.io/enable-prometheus-scraping": "",
                    },
                },
                "spec": {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]},
            },
        ),
    ],
    ids=["should not mutate non isvc pods", "should mutate isvc pods"],
)
def test_mutator_handle(original: dict[str, Any], expected: dict[str, Any]) -> None:
    # GitOps: KServe also patches /metadata/namespace from the request; templates get none.
    before = copy.deepcopy(original)
    mutated, problems, warnings = mutate_pod(original, MutationContext(HANDLE_CONFIG, "default"))
    assert (mutated, problems, warnings) == (expected, [], [])
    assert original == before  # a new pod, the input is untouched


@pytest.mark.parametrize(
    ("config", "registered"),
    [
        (StorageInitializerConfig(enable_oci_model_support=True), True),
        (StorageInitializerConfig(enable_oci_image_source=True), True),
        (StorageInitializerConfig(), False),
    ],
    ids=[
        "EnableOciModelSupport only: InjectModelcar registered",
        "EnableOciImageSource only (legacy enableModelcar): InjectModelcar registered",
        "all OCI fields false: InjectModelcar NOT registered",
    ],
)
def test_inject_modelcar_gate(config: StorageInitializerConfig, registered: bool) -> None:
    ctx = MutationContext(dataclasses.replace(BASE, storage_initializer=config), "default")
    assert ("InjectModelcar" in [name for name, _ in mutators_for(ctx)]) is registered


def test_mutators_in_kserve_order() -> None:
    assert [name for name, _ in MUTATORS] == [
        "InjectGKEAcceleratorSelector",
        "InjectStorageInitializer",
        "SetIstioCniSecurityContext",
        "InjectAgent",
        "InjectMetricsAggregator",
        "InjectModelcar",
    ]


def test_injector_error_is_a_problem_and_the_pod_is_returned_unchanged() -> None:
    original = copy.deepcopy(ISVC_POD)
    original["metadata"]["annotations"] = {
        c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY: "gs://m"
    }
    original["spec"]["containers"] = [{"name": "other"}]
    mutated, problems, _ = mutate_pod(original, MutationContext(BASE, "default"), "spec.predictor")
    assert mutated == original
    assert [(p.field, p.message) for p in problems] == [
        (
            "spec.predictor",
            "pod mutator InjectStorageInitializer: Invalid configuration: cannot find container",
        )
    ]


ACCESS_KEY = "AKIAIOSFODNN7EXAMPLE"
SECRET_KEY = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
ENDPOINT = "minio.internal.example:9000"


def _b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_secret_values_never_reach_the_pod() -> None:
    """GitOps: an S3 Secret with real values gives secretKeyRefs, and no value is copied."""
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s3creds", "namespace": "models"},
        "data": {
            "AWS_ACCESS_KEY_ID": _b64(ACCESS_KEY),
            "AWS_SECRET_ACCESS_KEY": _b64(SECRET_KEY),
            "S3_ENDPOINT": _b64(ENDPOINT),
        },
        "stringData": {"AWS_DEFAULT_REGION": "eu-secret-region-1"},
    }
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "sa", "namespace": "models"},
        "secrets": [{"name": "s3creds"}],
    }
    pod = copy.deepcopy(ISVC_POD)
    pod["metadata"]["annotations"] = {
        c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY: "s3://bucket/model",
        c.LOGGER_INTERNAL_ANNOTATION_KEY: "true",
    }
    pod["spec"]["serviceAccountName"] = "sa"
    ctx = MutationContext(BASE, "models", SecretIndex.from_objects([secret, account]))
    mutated, problems, warnings = mutate_pod(pod, ctx)
    assert problems == []
    init = mutated["spec"]["initContainers"][0]
    refs = {e["name"]: e["valueFrom"]["secretKeyRef"] for e in init["env"] if "valueFrom" in e}
    assert refs["AWS_ACCESS_KEY_ID"] == {"name": "s3creds", "key": "AWS_ACCESS_KEY_ID"}
    assert refs["AWS_SECRET_ACCESS_KEY"] == {"name": "s3creds", "key": "AWS_SECRET_ACCESS_KEY"}
    assert refs["S3_ENDPOINT"] == {"name": "s3creds", "key": "S3_ENDPOINT"}
    assert refs["AWS_DEFAULT_REGION"] == {"name": "s3creds", "key": "AWS_DEFAULT_REGION"}
    agent = mutated["spec"]["containers"][-1]
    assert agent["name"] == "agent"
    assert {e["name"] for e in agent["env"] if "valueFrom" in e} >= {
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
    }
    text = json.dumps(mutated) + json.dumps(warnings)
    for value in (ACCESS_KEY, SECRET_KEY, ENDPOINT, "eu-secret-region-1"):
        assert value not in text
        assert _b64(value) not in text


def test_warnings_are_returned_once_each() -> None:
    pod = copy.deepcopy(ISVC_POD)
    pod["metadata"]["annotations"] = {
        c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY: "s3://bucket/model",
        c.LOGGER_INTERNAL_ANNOTATION_KEY: "true",
    }
    pod["spec"]["serviceAccountName"] = "absent"
    _, _, warnings = mutate_pod(pod, MutationContext(BASE, "models"))
    assert len(warnings) == 1 and warnings[0].startswith("ServiceAccount models/absent ")


def test_apply_storage_uris() -> None:
    """The controller's storageUris path: a new pod spec, the input untouched."""
    spec = {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]}
    uris = [
        {"uri": "s3://bucket/base", "mountPath": "/mnt/models/base"},
        {"uri": "pvc://claim/lora", "mountPath": "/mnt/models/lora"},
    ]
    new, problems, warnings = apply_storage_uris(spec, uris, {}, MutationContext(BASE, "default"))
    assert (problems, warnings) == ([], [])
    assert spec == {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]}
    assert new["initContainers"][0]["args"] == ["s3://bucket/base", "/mnt/models/base"]
    assert new["containers"][0]["volumeMounts"] == [
        {"name": "mnt-models-lora", "mountPath": "/mnt/models/lora", "readOnly": True},
        {"name": "mnt-models-base", "mountPath": "/mnt/models/base", "readOnly": True},
    ]
    _, problems, _ = apply_storage_uris(
        {"containers": []}, uris, {}, MutationContext(BASE, "default")
    )
    assert [p.message for p in problems] == ["Invalid configuration: cannot find container"]


# --- the deprecated PodSpec alias serviceAccount (Convert_v1_PodSpec_To_core_PodSpec) -----------


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ({"serviceAccount": "a"}, {"serviceAccountName": "a"}),
        ({"serviceAccount": "a", "serviceAccountName": "n"}, {"serviceAccountName": "n"}),
        ({"serviceAccount": "a", "serviceAccountName": ""}, {"serviceAccountName": "a"}),
        ({"serviceAccount": ""}, {}),
        ({"serviceAccountName": "n"}, {"serviceAccountName": "n"}),
    ],
    ids=["alias fills the name", "the name wins", "empty name", "empty alias", "no alias"],
)
def test_service_account_alias_is_decoded_as_the_api_server_does(
    spec: dict[str, Any], expected: dict[str, Any]
) -> None:
    pod = copy.deepcopy(ISVC_POD)
    pod["spec"].update(spec)
    mutated, problems, warnings = mutate_pod(pod, MutationContext(BASE, "models"), "spec.predictor")
    assert problems == []
    assert {k: v for k, v in mutated["spec"].items() if k.startswith("serviceAccount")} == expected
    assert bool(warnings) == bool(spec.get("serviceAccount"))
    assert all(
        w.startswith("spec.predictor.serviceAccount: the deprecated alias") for w in warnings
    )


def test_the_alias_names_the_service_account_whose_credentials_are_used() -> None:
    """The pod webhook's credential builder reads serviceAccountName after decoding."""
    account = {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": {"name": "sa", "namespace": "models"},
        "secrets": [{"name": "s3creds"}],
    }
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s3creds", "namespace": "models"},
        "stringData": {"AWS_ACCESS_KEY_ID": "x", "AWS_SECRET_ACCESS_KEY": "y"},
    }
    pod = copy.deepcopy(ISVC_POD)
    pod["metadata"]["annotations"] = {
        c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY: "s3://bucket/model"
    }
    pod["spec"]["serviceAccount"] = "sa"
    ctx = MutationContext(BASE, "models", SecretIndex.from_objects([secret, account]))
    mutated, problems, _ = mutate_pod(pod, ctx)
    assert problems == []
    init = mutated["spec"]["initContainers"][0]
    refs = {e["valueFrom"]["secretKeyRef"]["name"] for e in init["env"] if "valueFrom" in e}
    assert refs == {"s3creds"}
