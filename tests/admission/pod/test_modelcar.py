"""OCI models: modelcar sidecar and native image volumes (InjectModelcar, pkg/utils/storage.go).

Ported from KServe v0.20.0 `storage_initializer_injector_test.go` (`TestInjectModelcar`,
`TestModelcarVolumeMounts`, `TestModelcarIdempotency`,
`TestStorageInitializerInjectorWithModelcarConfig`,
`TestInjectModelcarMultiNode`, `TestCommonStorageInitializationWithOciURI`,
`TestInjectModelcarOciNative`, `TestCommonStorageInitializationWithOciNativeURI`,
`TestCommonStorageInitializationSkipsOciNativeURI`) and `pkg/utils/storage_test.go`
(`TestShellQuote`, `TestModelcarCommand`, `TestModelcarNames`,
`TestConfigureModelcarToContainerMultipleOCI`, `TestValidateOCIMountPaths`,
`TestMaxOCISourcesPerPod`, `TestParseOciScheme`, `TestConfigureOciNativeToContainer`).
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from generator import constants as c
from generator.admission.pod import MutationContext, MutationError, get_container_with_name
from generator.admission.pod.modelcar import (
    MAX_OCI_SOURCES_PER_POD,
    configure_modelcar_to_container,
    configure_oci_native_to_container,
    inject_modelcar,
    modelcar_command,
    modelcar_names,
    parse_oci_scheme,
    shell_quote,
    validate_oci_mount_paths,
)
from generator.admission.pod.storage_initializer import (
    StorageInitializerParams,
    StorageUri,
    common_storage_initialization,
)
from generator.config import builtin_layer, resolve
from generator.config.pod_configs import CredentialConfig
from generator.config.pod_configs import StorageInitializerConfig as SIConfig
from generator.credentials import CredentialBuilder

BASE, _ = resolve([builtin_layer()])
assert BASE is not None
SOURCE_URI = c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY
MODELS = c.DEFAULT_MODEL_LOCAL_MOUNT_PATH


def ctx(si: SIConfig | None = None) -> MutationContext:
    config = BASE if si is None else dataclasses.replace(BASE, storage_initializer=si)
    return MutationContext(config, "default")


def pod(uri: str | None, *names: str) -> dict[str, Any]:
    annotations = {} if uri is None else {SOURCE_URI: uri}
    return {
        "metadata": {"annotations": annotations},
        "spec": {"containers": [{"name": n} for n in names]},
    }


def modelcar_pod(*names: str) -> dict[str, Any]:
    return pod(
        c.OCI_URI_PREFIX + "myrepo/mymodelimage", *(names or (c.INFERENCE_SERVICE_CONTAINER_NAME,))
    )


def test_inject_modelcar() -> None:
    empty: dict[str, Any] = {}
    inject_modelcar(empty, ctx(SIConfig()))
    assert not empty.get("spec", {}).get("containers")

    s3 = pod("s3://bla/blub")
    inject_modelcar(s3, ctx(SIConfig()))
    assert s3["spec"]["containers"] == []

    original = modelcar_pod()
    inject_modelcar(original, ctx(SIConfig()))
    spec = original["spec"]
    assert [v["name"] for v in spec["volumes"]] == [c.STORAGE_INITIALIZER_VOLUME_NAME]
    assert len(spec["containers"]) == 2
    assert [i["name"] for i in spec["initContainers"]] == [c.MODELCAR_INIT_CONTAINER_NAME]
    resources = spec["initContainers"][0]["resources"]
    assert set(resources["limits"]) == set(resources["requests"]) == {"cpu", "memory"}
    assert "Prefetched" in " ".join(spec["initContainers"][0]["args"])
    assert {"name": "MODEL_INIT_MODE", "value": "async"} in spec["containers"][0]["env"]
    assert (
        len(spec["containers"][0]["volumeMounts"])
        == len(spec["containers"][1]["volumeMounts"])
        == 1
    )
    assert spec["shareProcessNamespace"] is True


def test_inject_modelcar_full_pod_with_shipped_config() -> None:
    """The whole result with the v0.20.0 release config (uidModelcar 1010, 10m / 15Mi)."""
    original = modelcar_pod()
    inject_modelcar(original, ctx())
    resources = {
        "limits": {"cpu": "10m", "memory": "15Mi"},
        "requests": {"cpu": "10m", "memory": "15Mi"},
    }
    assert original["spec"] == {
        "containers": [
            {
                "name": "kserve-container",
                "env": [{"name": "MODEL_INIT_MODE", "value": "async"}],
                "volumeMounts": [{"name": "kserve-provision-location", "mountPath": "/mnt"}],
                "securityContext": {"runAsUser": 1010},
            },
            {
                "name": "modelcar",
                "image": "myrepo/mymodelimage",
                "args": ["sh", "-c", "ln -sf /proc/$$$$/root/models /mnt/models && sleep infinity"],
                "volumeMounts": [{"name": "kserve-provision-location", "mountPath": "/mnt"}],
                "resources": resources,
                "terminationMessagePolicy": "FallbackToLogsOnError",
                "securityContext": {"runAsUser": 1010},
            },
        ],
        "initContainers": [
            {
                "name": "modelcar-init",
                "image": "myrepo/mymodelimage",
                "args": [
                    "sh",
                    "-c",
                    "echo 'Pre-fetching modelcar myrepo/mymodelimage: ' && [ -d /models ] && "
                    '[ "$$(ls -A /models)" ] && '
                    "echo 'OK ... Prefetched and valid (/models exists)' || "
                    "(echo 'NOK ... Prefetched but modelcar is invalid "
                    "(/models does not exist or is empty)' && exit 1)",
                ],
                "resources": resources,
                "terminationMessagePolicy": "FallbackToLogsOnError",
            }
        ],
        "volumes": [{"name": "kserve-provision-location", "emptyDir": {}}],
        "shareProcessNamespace": True,
    }


@pytest.mark.parametrize(
    ("names", "checked"),
    [
        ((c.INFERENCE_SERVICE_CONTAINER_NAME,), ("modelcar", c.INFERENCE_SERVICE_CONTAINER_NAME)),
        (
            (c.INFERENCE_SERVICE_CONTAINER_NAME, c.TRANSFORMER_CONTAINER_NAME),
            ("modelcar", c.INFERENCE_SERVICE_CONTAINER_NAME, c.TRANSFORMER_CONTAINER_NAME),
        ),
    ],
    ids=[
        "Test that volume mounts has been added (no transformer)",
        "Test that volume mounts has been added (with transformer)",
    ],
)
def test_modelcar_volume_mounts(names: tuple[str, ...], checked: tuple[str, ...]) -> None:
    original = modelcar_pod(*names)
    inject_modelcar(original, ctx(SIConfig()))
    for name in checked:
        container = get_container_with_name(original["spec"]["containers"], name)
        assert container is not None
        assert [m["mountPath"] for m in container["volumeMounts"]] == ["/mnt"]


def test_modelcar_idempotency() -> None:
    reference = modelcar_pod(c.INFERENCE_SERVICE_CONTAINER_NAME, c.TRANSFORMER_CONTAINER_NAME)
    twice = copy.deepcopy(reference)
    inject_modelcar(twice, ctx(SIConfig()))
    inject_modelcar(twice, ctx(SIConfig()))
    inject_modelcar(reference, ctx(SIConfig()))
    assert twice == reference


@pytest.mark.parametrize(
    ("si", "cpu", "memory", "uid"),
    [
        (SIConfig(), "10m", "15Mi", None),
        (SIConfig(uid_modelcar=10), "10m", "15Mi", 10),
        (SIConfig(cpu_modelcar="50m", memory_modelcar="50Mi"), "50m", "50Mi", None),
    ],
    ids=["Test empty config", "Test uidModelcar config", "Test CPU and Memory config"],
)
def test_storage_initializer_injector_with_modelcar_config(
    si: SIConfig, cpu: str, memory: str, uid: int | None
) -> None:
    original = modelcar_pod()
    inject_modelcar(original, ctx(si))
    containers = original["spec"]["containers"]
    modelcar = get_container_with_name(containers, "modelcar")
    assert modelcar is not None
    quantities = {"cpu": cpu, "memory": memory}
    assert modelcar["resources"] == {"limits": quantities, "requests": quantities}
    if uid is None:
        assert "securityContext" not in modelcar
    else:
        assert modelcar["securityContext"]["runAsUser"] == uid
        assert containers[0]["securityContext"]["runAsUser"] == uid


@pytest.mark.parametrize(
    ("names", "mounted", "error"),
    [
        ((c.WORKER_CONTAINER_NAME,), (c.WORKER_CONTAINER_NAME,), None),
        (
            ("some-other-container",),
            (),
            "Invalid configuration: cannot find container: kserve-container",
        ),
        (
            (c.INFERENCE_SERVICE_CONTAINER_NAME, c.WORKER_CONTAINER_NAME),
            (c.INFERENCE_SERVICE_CONTAINER_NAME,),
            None,
        ),
        (
            (c.WORKER_CONTAINER_NAME, c.TRANSFORMER_CONTAINER_NAME),
            (c.WORKER_CONTAINER_NAME, c.TRANSFORMER_CONTAINER_NAME),
            None,
        ),
    ],
    ids=[
        "Test InjectModelcar with worker-container only (multi-node scenario)",
        "Test InjectModelcar error when no valid container found",
        "Test InjectModelcar prioritizes kserve-container over worker-container",
        "Test InjectModelcar with transformer and worker containers",
    ],
)
def test_inject_modelcar_multi_node(
    names: tuple[str, ...], mounted: tuple[str, ...], error: str | None
) -> None:
    original = modelcar_pod(*names)
    if error is not None:
        with pytest.raises(MutationError, match=error):
            inject_modelcar(original, ctx(SIConfig()))
        return
    inject_modelcar(original, ctx(SIConfig()))
    spec = original["spec"]
    assert get_container_with_name(spec["containers"], "modelcar") is not None
    for name in mounted:
        container = get_container_with_name(spec["containers"], name)
        assert container is not None
        assert c.STORAGE_INITIALIZER_VOLUME_NAME in [m["name"] for m in container["volumeMounts"]]
    assert [v["name"] for v in spec["volumes"]] == [c.STORAGE_INITIALIZER_VOLUME_NAME]


def _params(
    spec: dict[str, Any], uri: str, si: SIConfig, legacy: bool = False
) -> StorageInitializerParams:
    return StorageInitializerParams(
        namespace="default",
        storage_uris=[StorageUri(uri, MODELS)],
        is_read_only=True,
        pod_spec=spec,
        credentials=CredentialBuilder(CredentialConfig()),
        config=si,
        is_legacy_uri=legacy,
    )


OCI_ON = SIConfig(enable_oci_image_source=True)


@pytest.mark.parametrize(
    ("names", "legacy", "target"),
    [
        ((c.INFERENCE_SERVICE_CONTAINER_NAME,), False, c.INFERENCE_SERVICE_CONTAINER_NAME),
        (
            (c.INFERENCE_SERVICE_CONTAINER_NAME, c.TRANSFORMER_CONTAINER_NAME),
            False,
            c.TRANSFORMER_CONTAINER_NAME,
        ),
        ((c.INFERENCE_SERVICE_CONTAINER_NAME,), True, None),
        ((c.WORKER_CONTAINER_NAME,), False, c.WORKER_CONTAINER_NAME),
    ],
    ids=[
        "OCI URI via storageUris injects modelcar",
        "OCI URI via storageUris with transformer injects modelcar for both",
        "Legacy OCI URI path still returns nil (handled by webhook)",
        "OCI URI via storageUris with worker container only",
    ],
)
def test_common_storage_initialization_with_oci_uri(
    names: tuple[str, ...], legacy: bool, target: str | None
) -> None:
    spec: dict[str, Any] = {"containers": [{"name": n} for n in names]}
    common_storage_initialization(
        _params(spec, "oci://rhuss/kserving-example-sklearn:1.0", OCI_ON, legacy)
    )
    modelcar = get_container_with_name(spec["containers"], "modelcar")
    if target is None:
        assert modelcar is None
        return
    assert modelcar is not None
    assert [i["name"] for i in spec["initContainers"]] == ["modelcar-init"]
    assert spec["shareProcessNamespace"] is True
    container = get_container_with_name(spec["containers"], target)
    assert container is not None and container["volumeMounts"]
    first = get_container_with_name(spec["containers"], names[0])
    assert first is not None and {"name": "MODEL_INIT_MODE", "value": "async"} in first["env"]


def _image_volume(spec: dict[str, Any]) -> dict[str, Any]:
    return next(v for v in spec["volumes"] if "image" in v)


@pytest.mark.parametrize(
    ("uri", "si", "modelcar"),
    [
        (c.OCI_NATIVE_URI_PREFIX + "registry.io/mymodel:v1", SIConfig(), False),
        (c.OCI_URI_PREFIX + "registry.io/mymodel:v1", SIConfig(oci_model_mode="native"), False),
        (c.OCI_URI_PREFIX + "myrepo/mymodelimage", SIConfig(enable_oci_image_source=True), True),
    ],
    ids=[
        "oci+native:// annotation mounts ImageVolume",
        "bare oci:// with OciModelMode=native mounts ImageVolume",
        "bare oci:// with enableModelcar=true still uses modelcar (backcompat)",
    ],
)
def test_inject_modelcar_oci_native(uri: str, si: SIConfig, modelcar: bool) -> None:
    original = pod(uri, c.INFERENCE_SERVICE_CONTAINER_NAME)
    inject_modelcar(original, ctx(si))
    spec = original["spec"]
    if modelcar:
        assert get_container_with_name(spec["containers"], "modelcar") is not None
        return
    volume = _image_volume(spec)
    assert volume == {
        "name": "mnt-models",
        "image": {"reference": "registry.io/mymodel:v1", "pullPolicy": "IfNotPresent"},
    }
    assert spec["containers"][0]["volumeMounts"] == [
        {"name": "mnt-models", "mountPath": MODELS, "readOnly": True, "subPath": "models"}
    ]


@pytest.mark.parametrize(
    ("uri", "si", "legacy"),
    [
        (c.OCI_NATIVE_URI_PREFIX + "registry.io/mymodel:v1", SIConfig(), False),
        (c.OCI_URI_PREFIX + "registry.io/mymodel:v1", SIConfig(oci_model_mode="native"), False),
        (c.OCI_NATIVE_URI_PREFIX + "registry.io/mymodel:v1", SIConfig(), True),
    ],
    ids=[
        "oci+native:// storageUri mounts ImageVolume",
        "bare oci:// with OciModelMode=native mounts ImageVolume",
        "oci+native:// legacy path returns nil (handled by annotation webhook)",
    ],
)
def test_common_storage_initialization_with_oci_native_uri(
    uri: str, si: SIConfig, legacy: bool
) -> None:
    spec: dict[str, Any] = {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]}
    common_storage_initialization(_params(spec, uri, si, legacy))
    if legacy:
        assert spec == {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]}
        return
    assert _image_volume(spec)["image"]["reference"] == "registry.io/mymodel:v1"


def test_common_storage_initialization_skips_oci_native_uri() -> None:
    si = SIConfig(
        image="kserve/storage-initializer:latest",
        cpu_request="100m",
        cpu_limit="1",
        memory_request="200Mi",
        memory_limit="1Gi",
    )
    spec: dict[str, Any] = {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]}
    common_storage_initialization(
        _params(spec, c.OCI_NATIVE_URI_PREFIX + "registry.io/mymodel:v1", si)
    )
    assert not spec.get("initContainers")
    assert _image_volume(spec)["image"]["reference"] == "registry.io/mymodel:v1"


def test_too_many_oci_sources() -> None:
    spec: dict[str, Any] = {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]}
    params = dataclasses.replace(
        _params(spec, "oci://x", OCI_ON),
        storage_uris=[StorageUri(f"oci://r/m{i}", f"/mnt/m{i}/model") for i in range(11)],
    )
    with pytest.raises(MutationError, match=r"too many OCI sources \(11\); maximum is 10 per pod"):
        common_storage_initialization(params)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/mnt/models", "/mnt/models"),
        ("/mnt/models/base", "/mnt/models/base"),
        ("/mnt/my-models/v1.0", "/mnt/my-models/v1.0"),
        ("/mnt/my_models", "/mnt/my_models"),
        ("/mnt/my models", "'/mnt/my models'"),
        ("/mnt/it's", "'/mnt/it'\\''s'"),
        ("/mnt/models;rm -rf /", "'/mnt/models;rm -rf /'"),
        ("/mnt/models/llama-3.1+quant", "'/mnt/models/llama-3.1+quant'"),
        ("~/models", "'~/models'"),
        ("", "''"),
        ("/mnt/$(rm -rf /)", "'/mnt/$(rm -rf /)'"),
        ("/mnt/`id`", "'/mnt/`id`'"),
        ("/mnt/models|cat /etc/passwd", "'/mnt/models|cat /etc/passwd'"),
        ("/mnt/models&rm -rf /", "'/mnt/models&rm -rf /'"),
    ],
    ids=[
        "SafeAbsolutePath",
        "SafeNestedPath",
        "SafePathWithDash",
        "SafePathWithUnderscore",
        "PathWithSpace",
        "PathWithSingleQuote",
        "PathWithSemicolon",
        "PathWithPlus",
        "PathWithTilde",
        "EmptyString",
        "PathWithDollarParens",
        "PathWithBackticks",
        "PathWithPipe",
        "PathWithAmpersand",
    ],
)
def test_shell_quote(text: str, expected: str) -> None:
    assert shell_quote(text) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        (MODELS, "ln -sf /proc/$$$$/root/models /mnt/models && sleep infinity"),
        (
            "/mnt/models/base",
            "mkdir -p /mnt/models && ln -sf /proc/$$$$/root/models /mnt/models/base"
            " && sleep infinity",
        ),
        (
            "/mnt/my models/base",
            "mkdir -p '/mnt/my models' && ln -sf /proc/$$$$/root/models '/mnt/my models/base'"
            " && sleep infinity",
        ),
        (
            "/mnt/it's/model",
            "mkdir -p '/mnt/it'\\''s' && ln -sf /proc/$$$$/root/models '/mnt/it'\\''s/model'"
            " && sleep infinity",
        ),
    ],
    ids=[
        "DefaultPath produces unquoted command",
        "NonDefaultSafePath produces mkdir with unquoted paths",
        "NonDefaultUnsafePath produces mkdir with quoted paths",
        "NonDefaultPathWithSingleQuote produces correctly escaped command",
    ],
)
def test_modelcar_command(path: str, expected: str) -> None:
    assert modelcar_command(path) == expected


@pytest.mark.parametrize(
    ("index", "expected"),
    [
        (0, ("modelcar", "modelcar-init", "kserve-provision-location")),
        (1, ("modelcar-1", "modelcar-init-1", "kserve-provision-location-1")),
        (2, ("modelcar-2", "modelcar-init-2", "kserve-provision-location-2")),
    ],
    ids=[
        "Index 0 returns original constants",
        "Index 1 returns suffixed names",
        "Index 2 returns suffixed names",
    ],
)
def test_modelcar_names(index: int, expected: tuple[str, str, str]) -> None:
    assert modelcar_names(index) == expected


def _kserve_spec(name: str = c.INFERENCE_SERVICE_CONTAINER_NAME) -> dict[str, Any]:
    return {"containers": [{"name": name}]}


def test_configure_modelcar_to_container_multiple_oci() -> None:
    cfg = SIConfig()
    # Single OCI URI produces original container names
    spec = _kserve_spec()
    configure_modelcar_to_container(
        "oci://registry.example.com/model-a:v1", spec, "kserve-container", MODELS, cfg, 0
    )
    modelcar = get_container_with_name(spec["containers"], "modelcar")
    assert modelcar is not None and modelcar["image"] == "registry.example.com/model-a:v1"
    assert [i["name"] for i in spec["initContainers"]] == ["modelcar-init"]
    assert [v["name"] for v in spec["volumes"]] == ["kserve-provision-location"]
    assert spec["shareProcessNamespace"] is True

    # Two OCI URIs produce uniquely named sidecars
    spec = _kserve_spec()
    configure_modelcar_to_container(
        "oci://registry.example.com/model-a:v1",
        spec,
        "kserve-container",
        "/mnt/models/model-a",
        cfg,
        0,
    )
    configure_modelcar_to_container(
        "oci://registry.example.com/model-b:v2",
        spec,
        "kserve-container",
        "/mnt/models/model-b",
        cfg,
        1,
    )
    assert [x["name"] for x in spec["containers"]] == ["kserve-container", "modelcar", "modelcar-1"]
    assert spec["containers"][2]["image"] == "registry.example.com/model-b:v2"
    assert [i["name"] for i in spec["initContainers"]] == ["modelcar-init", "modelcar-init-1"]
    assert [v["name"] for v in spec["volumes"]] == [
        "kserve-provision-location",
        "kserve-provision-location-1",
    ]
    assert {m["name"] for m in spec["containers"][0]["volumeMounts"]} == {
        "kserve-provision-location",
        "kserve-provision-location-1",
    }
    assert spec["containers"][1]["volumeMounts"][0]["name"] == "kserve-provision-location"
    assert spec["containers"][2]["volumeMounts"][0]["name"] == "kserve-provision-location-1"

    # Three OCI URIs produce three distinct sidecars
    spec = _kserve_spec()
    for i, (uri, path) in enumerate(
        [
            ("oci://registry.example.com/base-model:v1", "/mnt/models/base"),
            ("oci://registry.example.com/adapter-a:v1", "/mnt/models/adapter-a"),
            ("oci://registry.example.com/adapter-b:v1", "/mnt/models/adapter-b"),
        ]
    ):
        configure_modelcar_to_container(uri, spec, "kserve-container", path, cfg, i)
    assert (len(spec["containers"]), len(spec["initContainers"]), len(spec["volumes"])) == (4, 3, 3)

    # Error when target container not found
    with pytest.raises(MutationError, match="no container found with name"):
        configure_modelcar_to_container(
            "oci://r/m:v1", _kserve_spec("some-other-container"), "kserve-container", MODELS, cfg, 0
        )

    # Idempotent - calling twice with same index does not duplicate
    spec = _kserve_spec()
    for _ in range(2):
        configure_modelcar_to_container(
            "oci://registry.example.com/model:v1", spec, "kserve-container", MODELS, cfg, 0
        )
    assert (len(spec["containers"]), len(spec["initContainers"]), len(spec["volumes"])) == (2, 1, 1)


@pytest.mark.parametrize(
    ("paths", "mode", "error"),
    [
        (["/mnt/models"], "modelcar", None),
        ([], "modelcar", None),
        (["/mnt/model-a/data", "/mnt/model-b/data"], "modelcar", None),
        (["/mnt/models/model-a", "/mnt/models/model-b"], "modelcar", "volume mount shadowing"),
        (["/mnt/alpha/data", "/mnt/beta/model-x", "/mnt/beta/model-y"], "modelcar", "/mnt/beta"),
        ([MODELS, MODELS], "modelcar", "share parent directory"),
        (["/mnt/models/adapter-a", "/mnt/models/adapter-b"], "native", None),
        (["/mnt/models/adapter-a", "/mnt/models/adapter-a"], "native", "unique mount path"),
        ([MODELS, MODELS + "/adapter"], "native", None),
    ],
    ids=[
        "Single path is always valid",
        "Empty paths are valid",
        "Distinct parent directories are valid",
        "Shared parent directory is rejected",
        "Three paths with collision on second pair",
        "Default mount path used twice is rejected",
        "Native mode allows shared parent directory",
        "Native mode rejects exact path duplicate",
        "Native mode allows DefaultModelLocalMountPath used once with sibling",
    ],
)
def test_validate_oci_mount_paths(paths: list[str], mode: str, error: str | None) -> None:
    if error is None:
        validate_oci_mount_paths(paths, mode)
        return
    with pytest.raises(MutationError, match=error):
        validate_oci_mount_paths(paths, mode)


def test_max_oci_sources_per_pod() -> None:
    assert MAX_OCI_SOURCES_PER_POD == 10


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("oci+native://registry.io/image:tag", ("native", "oci://registry.io/image:tag", True)),
        ("oci+modelcar://registry.io/image:tag", ("modelcar", "oci://registry.io/image:tag", True)),
        ("oci+fetch://registry.io/image:tag", ("fetch", "oci://registry.io/image:tag", True)),
        ("oci://registry.io/image:tag", ("", "oci://registry.io/image:tag", True)),
        ("s3://bucket/path/to/model", ("", "s3://bucket/path/to/model", False)),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_parse_oci_scheme(uri: str, expected: tuple[str, str, bool]) -> None:
    assert parse_oci_scheme(uri) == expected


NATIVE_URI = c.OCI_URI_PREFIX + "registry.io/mymodel:v1"


def test_configure_oci_native_to_container() -> None:
    # happy path: ImageVolume and VolumeMount added
    spec = _kserve_spec()
    configure_oci_native_to_container(NATIVE_URI, spec, "kserve-container", MODELS)
    assert [v["image"]["reference"] for v in spec["volumes"]] == ["registry.io/mymodel:v1"]
    assert spec["containers"][0]["volumeMounts"] == [
        {"name": "mnt-models", "mountPath": MODELS, "readOnly": True, "subPath": "models"}
    ]
    # idempotent: second call with same path is a no-op
    configure_oci_native_to_container(NATIVE_URI, spec, "kserve-container", MODELS)
    assert len(spec["volumes"]) == 1
    # multi-adapter: two adapters at different paths coexist
    spec = _kserve_spec()
    configure_oci_native_to_container(
        "oci://registry.io/adapter-a:v1", spec, "kserve-container", "/mnt/models/adapter-a"
    )
    configure_oci_native_to_container(
        "oci://registry.io/adapter-b:v1", spec, "kserve-container", "/mnt/models/adapter-b"
    )
    assert len(spec["volumes"]) == 2
    assert [m["subPath"] for m in spec["containers"][0]["volumeMounts"]] == ["models", "models"]
    # mountPath collision: different volume already claims modelPath
    spec = {
        "containers": [
            {
                "name": "kserve-container",
                "volumeMounts": [{"name": "other-volume", "mountPath": MODELS}],
            }
        ]
    }
    with pytest.raises(MutationError, match="already used by volume"):
        configure_oci_native_to_container(NATIVE_URI, spec, "kserve-container", MODELS)
    # missing container: returns error
    with pytest.raises(MutationError, match="no container found"):
        configure_oci_native_to_container(
            NATIVE_URI, _kserve_spec("some-other-container"), "kserve-container", MODELS
        )
    # multi-container: same image volume mounted on two target containers
    spec = {
        "containers": [
            {"name": c.INFERENCE_SERVICE_CONTAINER_NAME},
            {"name": c.TRANSFORMER_CONTAINER_NAME},
        ]
    }
    configure_oci_native_to_container(NATIVE_URI, spec, c.INFERENCE_SERVICE_CONTAINER_NAME, MODELS)
    configure_oci_native_to_container(NATIVE_URI, spec, c.TRANSFORMER_CONTAINER_NAME, MODELS)
    assert len(spec["volumes"]) == 1
    for container in spec["containers"]:
        assert [(m["mountPath"], m["subPath"]) for m in container["volumeMounts"]] == [
            (MODELS, "models")
        ]
