"""The storage initializer injector (storage_initializer_injector.go, pkg/utils/storage.go).

Ported from KServe v0.20.0 `pkg/webhook/admission/pod/storage_initializer_injector_test.go` and
`pkg/utils/storage_test.go`; one parametrised test per Go test, ids are the Go scenario keys.
Go compares `Pod.Spec`; so do these. Scenarios that read Secret *values* in KServe carry a
`GitOps` id suffix or comment: kserve-gitops reads key names only.
"""

from __future__ import annotations

import copy
import dataclasses
from typing import Any

import pytest

from generator import constants as c
from generator.admission.pod import (
    MutationContext,
    MutationError,
    add_default_hugging_face_env_vars,
    add_or_replace_env,
    apply_confidential_config,
    get_container_with_name,
    get_volume_name_from_path,
    parse_pvc_uri,
)
from generator.admission.pod.storage_container import (
    get_storage_container_spec,
    storage_containers_from,
)
from generator.admission.pod.storage_initializer import (
    StorageInitializerParams,
    StorageUri,
    common_storage_initialization,
    get_storage_key,
    inject_storage_initializer,
    set_istio_cni_security_context,
)
from generator.config import builtin_layer, resolve
from generator.config.pod_configs import CredentialConfig, GCSConfig, S3Config
from generator.config.pod_configs import StorageInitializerConfig as SIConfig
from generator.credentials import CredentialBuilder, CredentialError, SecretIndex
from generator.utils.storage import find_common_parent_path

BASE, _ = resolve([builtin_layer()])
assert BASE is not None
SOURCE_URI = c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY
SI_CONFIG = SIConfig(
    cpu_request="100m",
    cpu_limit="1",
    memory_request="200Mi",
    memory_limit="1Gi",
    ca_bundle_volume_mount_path="/etc/ssl/custom-certs",
)
TEST_CREDENTIALS = CredentialConfig(
    s3=S3Config(
        s3_access_key_id_name="awsAccessKeyID", s3_secret_access_key_name="awsSecretAccessKey"
    ),
    gcs=GCSConfig("gcloud-application-credentials.json"),
)
IMAGE = "kserve/storage-initializer:latest"
RESOURCES = {
    "limits": {"cpu": "1", "memory": "1Gi"},
    "requests": {"cpu": "100m", "memory": "200Mi"},
}
HF_ENV = [
    {"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "1"},
    {"name": "HF_XET_HIGH_PERFORMANCE", "value": "1"},
    {"name": "HF_XET_NUM_CONCURRENT_RANGE_GETS", "value": "8"},
]
PROVISION = "kserve-provision-location"
PROVISION_VOLUME = {"name": PROVISION, "emptyDir": {}}
MODELS = c.DEFAULT_MODEL_LOCAL_MOUNT_PATH


def ctx(
    si: SIConfig = SI_CONFIG,
    credentials: CredentialConfig | None = None,
    objects: tuple[dict[str, Any], ...] = (),
    namespace: str = "",
) -> MutationContext:
    config = dataclasses.replace(
        BASE, storage_initializer=si, credentials=credentials or CredentialConfig()
    )
    index = SecretIndex.from_objects(objects)
    return MutationContext(config, namespace, index, storage_containers_from(objects))


def pod(annotations: dict[str, str], *containers: dict[str, Any], **spec: Any) -> dict[str, Any]:
    listed = containers or ({"name": c.INFERENCE_SERVICE_CONTAINER_NAME},)
    return {
        "metadata": {"annotations": annotations},
        "spec": {"containers": [copy.deepcopy(x) for x in listed], **spec},
    }


def init_container(
    args: list[str], env: list[dict[str, Any]] | None = None, **fields: Any
) -> dict[str, Any]:
    container = {
        "name": c.STORAGE_INITIALIZER_CONTAINER_NAME,
        "image": IMAGE,
        "args": args,
        "resources": RESOURCES,
        "terminationMessagePolicy": "FallbackToLogsOnError",
        "env": [*(env or []), *HF_ENV],
        "volumeMounts": [{"name": PROVISION, "mountPath": MODELS}],
    }
    return {**container, **fields}


def kserve(*mounts: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {"name": c.INFERENCE_SERVICE_CONTAINER_NAME, "volumeMounts": list(mounts), **fields}


RO_MODEL_MOUNT = {"name": PROVISION, "mountPath": MODELS, "readOnly": True}
GS_SPEC = {
    "containers": [kserve(RO_MODEL_MOUNT)],
    "initContainers": [init_container(["gs://foo", MODELS])],
    "volumes": [PROVISION_VOLUME],
}
PVC_MOUNT = {
    "name": "kserve-pvc-source",
    "mountPath": "/mnt/models",
    "subPath": "some/path/on/pvc",
    "readOnly": True,
}
PVC_VOLUME = {"name": "kserve-pvc-source", "persistentVolumeClaim": {"claimName": "mypvcname"}}


def secret_ref(name: str, secret: str, key: str) -> dict[str, Any]:
    return {"name": name, "valueFrom": {"secretKeyRef": {"name": secret, "key": key}}}


@pytest.mark.parametrize(
    ("original", "expected_spec"),
    [
        (pod({}), {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]}),
        (
            pod({SOURCE_URI: "gs://foo"}, initContainers=[{"name": "storage-initializer"}]),
            {
                "containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}],
                "initContainers": [{"name": "storage-initializer"}],
            },
        ),
        (pod({SOURCE_URI: "gs://foo"}), GS_SPEC),
        (pod({SOURCE_URI: "gs://foo"}), GS_SPEC),
        (
            pod({SOURCE_URI: "gs://foo", c.STORAGE_READONLY_ANNOTATION_KEY: "false"}),
            {**GS_SPEC, "containers": [kserve({"name": PROVISION, "mountPath": MODELS})]},
        ),
        (pod({SOURCE_URI: "gs://foo", c.STORAGE_READONLY_ANNOTATION_KEY: "true"}), GS_SPEC),
        (
            pod({SOURCE_URI: "pvc://mypvcname/some/path/on/pvc"}),
            {"containers": [kserve(PVC_MOUNT)], "volumes": [PVC_VOLUME]},
        ),
        (
            pod(
                {
                    SOURCE_URI: "<scheme-placeholder>://foo/bar",
                    c.STORAGE_SPEC_ANNOTATION_KEY: "true",
                    c.STORAGE_SPEC_PARAM_ANNOTATION_KEY: '{"type": "s3", "bucket": "my-bucket"}',
                }
            ),
            {
                **GS_SPEC,
                "initContainers": [
                    init_container(
                        ["s3://my-bucket/foo/bar", MODELS],
                        [
                            {
                                "name": "STORAGE_OVERRIDE_CONFIG",
                                "value": '{"bucket":"my-bucket","type":"s3"}',
                            }
                        ],
                    )
                ],
            },
        ),
    ],
    ids=[
        "MissingAnnotations",
        "AlreadyInjected",
        "StorageInitializerInjected",
        "StorageInitializerInjectedReadOnlyUnset",
        "StorageInitializerInjectedReadOnlyFalse",
        "StorageInitializerInjectedReadOnlyTrue",
        "StorageInitializerInjectedAndMountsPvc",
        "StorageSpecInjected",
    ],
)
def test_storage_initializer_injector(
    original: dict[str, Any], expected_spec: dict[str, Any]
) -> None:
    # GitOps: StorageSpecInjected warns that Secret default/storage-config is not in the input.
    inject_storage_initializer(original, ctx(namespace="default"))
    assert original["spec"] == expected_spec


@pytest.mark.parametrize(
    ("original", "prefix"),
    [
        (
            pod({SOURCE_URI: "pvc://mypvcname/some/path/on/pvc"}, {"name": "random-container"}),
            "Invalid configuration: cannot find container",
        )
    ],
    ids=["MissingUserContainer"],
)
def test_storage_initializer_failure_cases(original: dict[str, Any], prefix: str) -> None:
    with pytest.raises(MutationError) as err:
        inject_storage_initializer(original, ctx())
    assert str(err.value).startswith(prefix)


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        (
            [{"name": "STORAGE_URI", "value": "pvc://mypvcname/some/path/on/pvc"}],
            {"name": "STORAGE_URI", "value": MODELS},
        ),
        ([{"name": "STORAGE_URI", "value": ""}], {"name": "STORAGE_URI", "value": ""}),
        ([{"name": "TestRandom", "value": "val"}], None),
    ],
    ids=["CustomSpecStorageUriSet", "CustomSpecStorageUriEmpty", "CustomSpecStorageUriNotSet"],
)
def test_custom_spec_storage_uri_injection(
    env: list[dict[str, str]], expected: dict[str, str] | None
) -> None:
    original = pod(
        {SOURCE_URI: "pvc://mypvcname/some/path/on/pvc"},
        {"name": c.INFERENCE_SERVICE_CONTAINER_NAME, "env": env},
    )
    inject_storage_initializer(original, ctx())
    found = [e for e in original["spec"]["containers"][0]["env"] if e["name"] == "STORAGE_URI"]
    assert (found[0] if found else None) == expected


def _sa(*secrets: str, name: str = "default", **annotations: str) -> dict[str, Any]:
    meta = {"name": name, "namespace": "default", "annotations": annotations}
    return {
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": meta,
        "secrets": [{"name": s, "namespace": "default"} for s in secrets],
    }


def _secret(
    name: str, keys: dict[str, str], string_data: bool = False, **annotations: str
) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": name, "namespace": "default", "annotations": annotations},
        ("stringData" if string_data else "data"): keys,
    }


def _make_pod() -> dict[str, Any]:
    original = pod({SOURCE_URI: "gs://foo"})
    original["metadata"].update(name="test", namespace="default")
    return original


S3_KEYS = {"awsAccessKeyID": "", "awsSecretAccessKey": ""}
S3_ENV = [
    secret_ref("AWS_ACCESS_KEY_ID", "s3-secret", "awsAccessKeyID"),
    secret_ref("AWS_SECRET_ACCESS_KEY", "s3-secret", "awsSecretAccessKey"),
]
STORAGE_JSON = '{"type": "s3", "bucket": "my-bucket", "region": "na"}'
SPEC_POD_ANNOTATIONS = {
    SOURCE_URI: "<scheme-placeholder>://foo/bar",
    c.STORAGE_SPEC_ANNOTATION_KEY: "true",
    c.STORAGE_SPEC_PARAM_ANNOTATION_KEY: '{"some-param": "some-val"}',
}
TYPED_PARAMS = '{"some-param": "some-val", "type": "s3", "bucket": "my-bucket"}'


def _spec_expected(key: str, override: str) -> dict[str, Any]:
    env = [
        secret_ref("STORAGE_CONFIG", "storage-config", key),
        {"name": "STORAGE_OVERRIDE_CONFIG", "value": override},
    ]
    return {**GS_SPEC, "initContainers": [init_container(["s3://my-bucket/foo/bar", MODELS], env)]}


TYPED_OVERRIDE = '{"bucket":"my-bucket","some-param":"some-val","type":"s3"}'


@pytest.mark.parametrize(
    ("objects", "annotations", "expected"),
    [
        (
            (
                _sa("s3-secret"),
                _secret("s3-secret", S3_KEYS, **{"serving.kserve.io/s3-endpoint": "s3.aws.com"}),
            ),
            None,
            {
                **GS_SPEC,
                "initContainers": [
                    init_container(
                        ["gs://foo", MODELS],
                        [
                            *S3_ENV,
                            {"name": "S3_ENDPOINT", "value": "s3.aws.com"},
                            {"name": "AWS_ENDPOINT_URL", "value": "https://s3.aws.com"},
                        ],
                    )
                ],
            },
        ),
        (
            (
                _sa("user-gcp-sa"),
                _secret("user-gcp-sa", {"gcloud-application-credentials.json": ""}),
            ),
            None,
            {
                "containers": [kserve(RO_MODEL_MOUNT)],
                "initContainers": [
                    init_container(
                        ["gs://foo", MODELS],
                        [
                            {
                                "name": "GOOGLE_APPLICATION_CREDENTIALS",
                                "value": "/var/secrets/gcloud-application-credentials.json",
                            }
                        ],
                        volumeMounts=[
                            {"name": PROVISION, "mountPath": MODELS},
                            {"name": "user-gcp-sa", "readOnly": True, "mountPath": "/var/secrets/"},
                        ],
                    )
                ],
                "volumes": [
                    PROVISION_VOLUME,
                    {"name": "user-gcp-sa", "secret": {"secretName": "user-gcp-sa"}},
                ],
            },
        ),
        (
            (_sa(), _secret("storage-config", {"my-storage": STORAGE_JSON}, string_data=True)),
            {**SPEC_POD_ANNOTATIONS, c.STORAGE_SPEC_KEY_ANNOTATION_KEY: "my-storage"},
            # GitOps: KServe reads type and bucket from the Secret value; kserve-gitops does not.
            "unable to determine storage type",
        ),
        (
            (_sa(), _secret("storage-config", {"my-storage": STORAGE_JSON}, string_data=True)),
            {
                **SPEC_POD_ANNOTATIONS,
                c.STORAGE_SPEC_KEY_ANNOTATION_KEY: "my-storage",
                c.STORAGE_SPEC_PARAM_ANNOTATION_KEY: TYPED_PARAMS,
            },
            _spec_expected("my-storage", TYPED_OVERRIDE),
        ),
        (
            (_sa(), _secret("storage-config", {"default": STORAGE_JSON}, string_data=True)),
            SPEC_POD_ANNOTATIONS,
            "unable to determine storage type",  # GitOps, as above
        ),
        (
            (_sa(), _secret("storage-config", {"default_s3": STORAGE_JSON}, string_data=True)),
            {**SPEC_POD_ANNOTATIONS, c.STORAGE_SPEC_PARAM_ANNOTATION_KEY: TYPED_PARAMS},
            _spec_expected("default_s3", TYPED_OVERRIDE),
        ),
    ],
    ids=[
        "Test s3 secrets injection",
        "Test GCS secrets injection",
        "TestStorageSpecSecretInjection",
        "TestStorageSpecSecretInjection GitOps type in parameters",
        "TestStorageSpecDefaultSecretInjection",
        "TestStorageSpecDefaultSecretInjection GitOps type in parameters",
    ],
)
def test_credential_injection(
    objects: tuple[dict[str, Any], ...],
    annotations: dict[str, str] | None,
    expected: dict[str, Any] | str,
) -> None:
    original = _make_pod()
    if annotations is not None:
        original["metadata"]["annotations"] = annotations
    context = ctx(credentials=TEST_CREDENTIALS, objects=objects, namespace="default")
    if isinstance(expected, str):
        with pytest.raises(CredentialError, match=expected):
            inject_storage_initializer(original, context)
        return
    assert inject_storage_initializer(original, context) == []
    assert original["spec"] == expected


def test_storage_initializer_configmap() -> None:
    original = pod({SOURCE_URI: "gs://foo"})
    si = dataclasses.replace(SI_CONFIG, image="kserve/storage-initializer@sha256:xxx")
    inject_storage_initializer(original, ctx(si))
    custom = init_container(["gs://foo", MODELS], image="kserve/storage-initializer@sha256:xxx")
    assert original["spec"] == {**GS_SPEC, "initContainers": [custom]}


@pytest.mark.parametrize(
    ("uri", "name", "path"),
    [("pvc://test/model/model1", "test", "model/model1"), ("pvc://test", "test", "")],
    ids=["Valid PVC URI", "Valid PVC URI with Shortest Path"],
)
def test_parse_pvc_uri(uri: str, name: str, path: str) -> None:
    assert parse_pvc_uri(uri) == (name, path)


CA_SI = SIConfig(
    image=IMAGE, cpu_request="100m", cpu_limit="1", memory_request="200Mi", memory_limit="1Gi"
)
CA_MOUNT = {"name": "cabundle-cert", "mountPath": "/etc/ssl/custom-certs", "readOnly": True}


def _ca_expected(
    env: list[dict[str, Any]], cm: str | None, path: str = "/etc/ssl/custom-certs"
) -> dict[str, Any]:
    mounts = [{"name": PROVISION, "mountPath": MODELS}]
    volumes = [PROVISION_VOLUME]
    if cm is not None:
        mounts.append({**CA_MOUNT, "mountPath": path})
        volumes.append({"name": "cabundle-cert", "configMap": {"name": cm}})
    init = init_container(["gs://foo", MODELS], [*S3_ENV, *env], volumeMounts=mounts)
    return {"containers": [kserve(RO_MODEL_MOUNT)], "initContainers": [init], "volumes": volumes}


def _ca_env(cm: str, path: str = "/etc/ssl/custom-certs") -> list[dict[str, str]]:
    return [
        {"name": "CA_BUNDLE_CONFIGMAP_NAME", "value": cm},
        {"name": "CA_BUNDLE_VOLUME_MOUNT_POINT", "value": path},
    ]


CM_ANNOTATION = {"serving.kserve.io/s3-cabundle-configmap": "cabundle-annotation"}
CM_ENV = [{"name": "AWS_CA_BUNDLE_CONFIGMAP", "value": "cabundle-annotation"}]


@pytest.mark.parametrize(
    ("si", "annotations", "expected"),
    [
        (SI_CONFIG, {}, _ca_expected([], None)),
        (
            dataclasses.replace(CA_SI, ca_bundle_config_map_name="custom-certs"),
            {},
            _ca_expected(_ca_env("global-ca-bundle"), "global-ca-bundle"),
        ),
        (
            CA_SI,
            CM_ANNOTATION,
            _ca_expected([*CM_ENV, *_ca_env("cabundle-annotation")], "cabundle-annotation"),
        ),
        (
            dataclasses.replace(CA_SI, ca_bundle_config_map_name="custom-certs"),
            CM_ANNOTATION,
            _ca_expected([*CM_ENV, *_ca_env("cabundle-annotation")], "cabundle-annotation"),
        ),
        (
            SI_CONFIG,
            {"serving.kserve.io/s3-cabundle": "/path/to/ca.crt"},
            _ca_expected([{"name": "AWS_CA_BUNDLE", "value": "/path/to/ca.crt"}], None),
        ),
        (
            dataclasses.replace(
                CA_SI,
                ca_bundle_config_map_name="custom-certs",
                ca_bundle_volume_mount_path="/path/to",
            ),
            {"serving.kserve.io/s3-cabundle": "/annotation/path/to/annotation-ca.crt"},
            _ca_expected(
                [
                    {"name": "AWS_CA_BUNDLE", "value": "/annotation/path/to/annotation-ca.crt"},
                    *_ca_env("global-ca-bundle", "/annotation/path/to"),
                ],
                "global-ca-bundle",
                "/annotation/path/to",
            ),
        ),
    ],
    ids=[
        "DoNotMountWithCaBundleConfigMapVolumeWhenCaBundleConfigMapNameNotSet",
        "MountsCaBundleConfigMapVolumeWhenCaBundleConfigMapNameSet",
        "MountsCaBundleConfigMapVolumeByAnnotation",
        "MountsCaBundleConfigMapVolumeByAnnotationInstreadOfConfigMap",
        "DoNotSetMountsCaBundleConfigMapVolumePathByAnnotationIfCaBundleConfigMapNameDidNotSet",
        "SetMountsCaBundleConfigMapVolumePathByAnnotationInstreadOfConfigMap",
    ],
)
def test_ca_bundle_config_map_volume_mount_in_storage_initializer(
    si: SIConfig, annotations: dict[str, str], expected: dict[str, Any]
) -> None:
    objects = (_sa("s3-secret"), _secret("s3-secret", S3_KEYS, **annotations))
    original = _make_pod()
    inject_storage_initializer(original, ctx(si, TEST_CREDENTIALS, objects, namespace="default"))
    assert original["spec"] == expected


@pytest.mark.parametrize(
    ("annotations", "mount"),
    [
        ({SOURCE_URI: "pvc://mypvcname/some/path/on/pvc"}, PVC_MOUNT),
        (
            {SOURCE_URI: "pvc://mypvcname"},
            {"name": "kserve-pvc-source", "mountPath": MODELS, "readOnly": True},
        ),
        (
            {
                SOURCE_URI: "pvc://mypvcname/some/path/on/pvc",
                c.STORAGE_READONLY_ANNOTATION_KEY: "false",
            },
            {key: v for key, v in PVC_MOUNT.items() if key != "readOnly"},
        ),
        (
            {
                SOURCE_URI: "pvc://mypvcname/some/path/on/pvc",
                c.STORAGE_READONLY_ANNOTATION_KEY: "true",
            },
            PVC_MOUNT,
        ),
    ],
    ids=[
        "StorageInitializerNotInjectedAndMountsPvcViaVolumeMount",
        "StorageInitializerNotInjectedAndMountsPvcViaVolumeMountShortestPath",
        "StorageInitializerNotInjectedAndMountsPvcViaVolumeMountReadOnlyFalse",
        "StorageInitializerNotInjectedAndMountsPvcViaVolumeMountReadOnlyTrue",
    ],
)
def test_direct_volume_mount_for_pvc(annotations: dict[str, str], mount: dict[str, Any]) -> None:
    original = pod(annotations)
    inject_storage_initializer(original, ctx(SIConfig()))
    assert original["spec"] == {"containers": [kserve(mount)], "volumes": [PVC_VOLUME]}


STORAGE_URI_ENV = [{"name": "STORAGE_URI", "value": "pvc://mypvcname/some/path/on/pvc"}]
TRANSFORMER = {"name": c.TRANSFORMER_CONTAINER_NAME, "image": "test/image:latest"}


@pytest.mark.parametrize(
    ("si", "transformer"),
    [(SI_CONFIG, True), (SIConfig(), True), (SI_CONFIG, False)],
    ids=[
        "Transformer collocation with pvc",
        "Transformer collocation with pvc direct mount",
        "No collocation",
    ],
)
def test_transformer_collocation(si: SIConfig, transformer: bool) -> None:
    containers = [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME, "env": STORAGE_URI_ENV}]
    if transformer:
        containers.append(TRANSFORMER)
    original = pod({SOURCE_URI: "pvc://mypvcname/some/path/on/pvc"}, *containers)
    inject_storage_initializer(original, ctx(si))
    expected = [kserve(PVC_MOUNT, env=[{"name": "STORAGE_URI", "value": MODELS}])]
    if transformer:
        expected.append({**TRANSFORMER, "volumeMounts": [PVC_MOUNT]})
    assert original["spec"] == {"containers": expected, "volumes": [PVC_VOLUME]}


def _csc(
    name: str, container: dict[str, Any], formats: list[dict[str, str]], **spec: Any
) -> dict[str, Any]:
    disabled = spec.pop("disabled", None)
    obj: dict[str, Any] = {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "ClusterStorageContainer",
        "metadata": {"name": name},
        "spec": {"container": container, "supportedUriFormats": formats, **spec},
    }
    if disabled is not None:
        obj["disabled"] = disabled
    return obj


CUSTOM_CSC = _csc(
    "custom",
    {
        "image": "kserve/custom:latest",
        "resources": {"limits": {"memory": "200Mi"}},
        "securityContext": {"runAsNonRoot": True},
    },
    [{"prefix": "custom://"}],
)
S3_AZURE_CSC = _csc(
    "s3-azure",
    {"image": "kserve/storage-initializer:latest", "resources": {"limits": {"memory": "200Mi"}}},
    [{"prefix": "s3://"}, {"regex": "https://(.+?).blob.core.windows.net/(.+)"}],
)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [("s3://foo", S3_AZURE_CSC), ("custom://foo", CUSTOM_CSC), ("abc://", None)],
    ids=["s3", "custom", "nonExistent"],
)
def test_get_storage_container_spec(uri: str, expected: dict[str, Any] | None) -> None:
    containers = storage_containers_from([S3_AZURE_CSC, CUSTOM_CSC])
    spec = get_storage_container_spec(uri, None, containers)
    assert (spec or {}).get("container") == (expected["spec"]["container"] if expected else None)


STORAGE_INIT = {"name": "storage-initializer", "image": "kserve/storage-initializer:latest"}
EXPLICIT_CSCS = storage_containers_from(
    [
        _csc(
            "default", STORAGE_INIT, [{"prefix": "gs://"}, {"prefix": "s3://"}, {"prefix": "hf://"}]
        ),
        _csc(
            "hf-custom",
            {
                "name": "storage-initializer",
                "image": "kserve/hf-custom:latest",
                "resources": {"requests": {"memory": "2Gi"}, "limits": {"memory": "4Gi"}},
                "env": [{"name": "HF_TOKEN", "value": "test-token"}],
            },
            [{"prefix": "hf://"}],
        ),
        _csc(
            "disabled-csc",
            {**STORAGE_INIT, "image": "kserve/disabled:latest"},
            [{"prefix": "hf://"}],
            disabled=True,
        ),
        _csc("s3-only", {**STORAGE_INIT, "image": "kserve/s3-only:latest"}, [{"prefix": "s3://"}]),
        _csc(
            "download-job",
            {**STORAGE_INIT, "image": "kserve/download-job:latest"},
            [{"prefix": "hf://"}],
            workloadType="localModelDownloadJob",
        ),
    ]
)


@pytest.mark.parametrize(
    ("name", "image", "error"),
    [
        (None, "kserve/storage-initializer:latest", None),
        ("hf-custom", "kserve/hf-custom:latest", None),
        ("does-not-exist", None, "not found"),
        ("disabled-csc", None, "disabled"),
        ("s3-only", None, "does not support"),
        ("download-job", None, "workloadType"),
    ],
    ids=[
        "auto-match returns first alphabetical CSC when name not specified",
        "explicit name returns the correct CSC",
        "explicit name for non-existent CSC returns error",
        "explicit name for disabled CSC returns error",
        "explicit name for CSC that does not support the URI returns error",
        "explicit name for CSC with wrong workloadType returns error",
    ],
)
def test_explicit_storage_container_name(
    name: str | None, image: str | None, error: str | None
) -> None:
    if error is not None:
        with pytest.raises(MutationError, match=error):
            get_storage_container_spec("hf://my-model", name, EXPLICIT_CSCS)
        return
    spec = get_storage_container_spec("hf://my-model", name, EXPLICIT_CSCS)
    assert spec is not None and spec["container"]["image"] == image
    if name == "hf-custom":
        assert spec["container"]["resources"]["requests"]["memory"] == "2Gi"


CRD_S3 = _csc(
    "s3-azure",
    {
        "image": "kserve/storage-initializer:latest",
        "resources": {"limits": {"memory": "500Mi"}},
        "env": [{"name": "name", "value": "value"}],
    },
    [{"prefix": "s3://"}, {"regex": "https://(.+?).blob.core.windows.net/(.+)"}],
)


@pytest.mark.parametrize(
    ("uri", "resources", "env"),
    [
        (
            "s3://foo",
            {
                "limits": {"cpu": "1", "memory": "500Mi"},
                "requests": {"cpu": "100m", "memory": "200Mi"},
            },
            [{"name": "name", "value": "value"}],
        ),
        ("https://foo", RESOURCES, []),
    ],
    ids=["s3", "Default config if storage uri not matched in CRs"],
)
def test_storage_container_crd_injection(
    uri: str, resources: dict[str, Any], env: list[dict[str, str]]
) -> None:
    original = pod({SOURCE_URI: uri})
    inject_storage_initializer(original, ctx(objects=(CRD_S3, CUSTOM_CSC)))
    expected = {
        **GS_SPEC,
        "initContainers": [init_container([uri, MODELS], env, resources=resources)],
    }
    assert original["spec"] == expected


@pytest.mark.parametrize(
    ("env", "key", "value", "length"),
    [
        (None, "TEST_KEY", "test_value", 1),
        ([{"name": "EXISTING_KEY", "value": "existing_value"}], "TEST_KEY", "test_value", 2),
        ([{"name": "TEST_KEY", "value": "old_value"}], "TEST_KEY", "new_value", 1),
    ],
    ids=["nil env array", "env array without key", "env array with existing key"],
)
def test_add_or_replace_env(
    env: list[dict[str, str]] | None, key: str, value: str, length: int
) -> None:
    container: dict[str, Any] = {} if env is None else {"env": copy.deepcopy(env)}
    add_or_replace_env(container, key, value)
    assert len(container["env"]) == length
    assert [e["value"] for e in container["env"] if e["name"] == key] == [value]


def test_get_container_with_name() -> None:
    containers = [{"name": "container-1"}, {"name": "container-2"}]
    assert get_container_with_name(containers, "container-1") == {"name": "container-1"}
    assert get_container_with_name(containers, "non-existent-container") is None


ISTIO_STATUS = '{"containers": ["istio-sidecar"]}'
SIDECAR_501 = {"name": "istio-sidecar", "securityContext": {"runAsUser": 501}}
REDIRECT = {c.STORAGE_INITIALIZER_SOURCE_URI_INTERNAL_ANNOTATION_KEY: "gs://foo"}


def _istio(status: str | None, mode: str | None) -> dict[str, str]:
    annotations = dict(REDIRECT)
    if status is not None:
        annotations["sidecar.istio.io/status"] = status
    if mode is not None:
        annotations["sidecar.istio.io/interceptionMode"] = mode
    return annotations


@pytest.mark.parametrize(
    ("annotations", "sidecar", "istio_init", "uid"),
    [
        (_istio(ISTIO_STATUS, "REDIRECT"), SIDECAR_501, False, 501),
        (_istio(ISTIO_STATUS, "REDIRECT"), {"name": "istio-sidecar"}, False, 1337),
        (_istio(ISTIO_STATUS, "REDIRECT"), SIDECAR_501, True, None),
        (_istio(ISTIO_STATUS, "REDIRECT"), None, False, None),
        (_istio('{"containers": []}', "REDIRECT"), SIDECAR_501, False, None),
        (_istio("{}", "REDIRECT"), SIDECAR_501, False, None),
        (_istio(ISTIO_STATUS, "OTHER_REDIRECT"), SIDECAR_501, False, None),
        (_istio(ISTIO_STATUS, None), SIDECAR_501, False, None),
        (_istio(None, "REDIRECT"), SIDECAR_501, False, None),
        (_istio('{"containers": []}', "REDIRECT"), SIDECAR_501, False, None),
    ],
    ids=[
        "StorageInitializerCniUidSet",
        "StorageInitializerCniUidDefault",
        "StorageInitializerUidNotSetIfIstioInitPresent",
        "StorageInitializerUidNotSetIfProxyMissing",
        "StorageInitializerUidNotSetIfProxyNameMissing",
        "StorageInitializerUidNotSetIfIstioStatusBlank",
        "StorageInitializerUidNotSetIfInterceptModeNotRedirect",
        "StorageInitializerUidNotSetIfInterceptModeMissing",
        "StorageInitializerUidNotSetIfIstioStatusMissing",
        "StorageInitializerUidNotSetIfIstioStatusEmpty",
    ],
)
def test_storage_initializer_uid_for_istio_cni(
    annotations: dict[str, str], sidecar: dict[str, Any] | None, istio_init: bool, uid: int | None
) -> None:
    containers = [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]
    if sidecar is not None:
        containers.append(sidecar)
    extra = {"initContainers": [{"name": "istio-init"}]} if istio_init else {}
    original = pod(annotations, *containers, **extra)
    context = ctx()
    inject_storage_initializer(original, context)
    set_istio_cni_security_context(original, context)
    init = init_container(["gs://foo", MODELS])
    if uid is not None:
        init["securityContext"] = {"runAsUser": uid}
    expected_containers = [kserve(RO_MODEL_MOUNT), *([copy.deepcopy(sidecar)] if sidecar else [])]
    assert original["spec"] == {
        "containers": expected_containers,
        "initContainers": [*([{"name": "istio-init"}] if istio_init else []), init],
        "volumes": [PROVISION_VOLUME],
    }


def test_storage_initializer_uid_annotation_overrides() -> None:
    """The `serving.kserve.io/storage-initializer-uid` branch of SetIstioCniSecurityContext."""
    original = pod({**REDIRECT, c.ISTIO_SIDECAR_UID_ANNOTATION_KEY: "1234"})
    inject_storage_initializer(original, ctx())
    set_istio_cni_security_context(original, ctx())
    assert original["spec"]["initContainers"][0]["securityContext"] == {"runAsUser": 1234}


@pytest.mark.parametrize(
    ("storage_uri", "local_source", "expected_sub_path"),
    [
        ("s3://foo", "s3://foo", "models/" + get_storage_key("s3://foo") + "/"),
        ("s3://foo/", "s3://foo", "models/" + get_storage_key("s3://foo") + "/"),
        ("s3://foo/model1", "s3://foo", "models/" + get_storage_key("s3://foo") + "/model1"),
        ("s3://foo/model1", "s3://foo/", "models/" + get_storage_key("s3://foo/") + "/model1"),
    ],
    ids=["basic", "extra / at the end", "subfolder", "subfolder2"],
)
def test_local_model_pvc(storage_uri: str, local_source: str, expected_sub_path: str) -> None:
    original = pod(
        {
            SOURCE_URI: storage_uri,
            c.LOCAL_MODEL_SOURCE_URI_ANNOTATION_KEY: local_source,
            c.LOCAL_MODEL_PVC_NAME_ANNOTATION_KEY: "model-h100",
        }
    )
    original["metadata"]["labels"] = {c.LOCAL_MODEL_LABEL: "bar"}
    inject_storage_initializer(original, ctx(SIConfig()))
    mount = {
        "name": "kserve-pvc-source",
        "mountPath": MODELS,
        "readOnly": True,
        "subPath": expected_sub_path,
    }
    volume = {"name": "kserve-pvc-source", "persistentVolumeClaim": {"claimName": "model-h100"}}
    assert original["spec"] == {"containers": [kserve(mount)], "volumes": [volume]}


def test_local_model_pvc_name_missing() -> None:
    original = pod({SOURCE_URI: "s3://foo", c.LOCAL_MODEL_SOURCE_URI_ANNOTATION_KEY: "s3://foo"})
    original["metadata"]["labels"] = {c.LOCAL_MODEL_LABEL: "bar"}
    with pytest.raises(
        MutationError, match=f"Annotation {c.LOCAL_MODEL_PVC_NAME_ANNOTATION_KEY} not found"
    ):
        inject_storage_initializer(original, ctx())


def _params(
    spec: dict[str, Any], uris: list[tuple[str, str]], **fields: Any
) -> StorageInitializerParams:
    values: dict[str, Any] = {
        "namespace": "default",
        "storage_uris": [StorageUri(u, p) for u, p in uris],
        "is_read_only": False,
        "pod_spec": spec,
        "credentials": CredentialBuilder(CredentialConfig(), SecretIndex()),
        "config": SI_CONFIG,
        "annotations": {},
    }
    return StorageInitializerParams(**{**values, **fields})


def _user_spec() -> dict[str, Any]:
    return {
        "containers": [
            {
                "name": c.INFERENCE_SERVICE_CONTAINER_NAME,
                "image": "test-image",
                "env": [{"name": "STORAGE_URI", "value": "placeholder"}],
            }
        ]
    }


@pytest.mark.parametrize(
    ("uris", "expected_init", "volumes", "mount_paths"),
    [
        (
            [
                ("s3://bucket/model", "/mnt/models/base"),
                ("gs://bucket/adapter", "/mnt/models/adapter"),
            ],
            True,
            1,
            ["/mnt/models"],
        ),
        (
            [
                ("pvc://model-pvc/model", "/mnt/models/model"),
                ("s3://bucket/adapter", "/mnt/models/adapter"),
            ],
            True,
            2,
            ["/mnt/models/model", "/mnt/models/adapter"],
        ),
        (
            [
                ("pvc://model-pvc1/model1", "/mnt/models/model1"),
                ("pvc://model-pvc2/model2", "/mnt/models/model2"),
            ],
            False,
            2,
            ["/mnt/models/model1", "/mnt/models/model2"],
        ),
        (
            [
                ("pvc://base-model/model", "/mnt/models/base"),
                ("s3://bucket/lora-adapter", "/mnt/models/lora"),
                ("gs://bucket/tokenizer", "/mnt/models/tokenizer"),
            ],
            True,
            2,
            ["/mnt/models/base", "/mnt/models"],
        ),
        ([], False, 0, []),
    ],
    ids=[
        "Multiple Cloud Storage URIs",
        "Mixed PVC and Cloud Storage",
        "Multiple PVC URIs",
        "Three Storage URIs with Mixed Types",
        "Empty Storage URIs",
    ],
)
def test_common_storage_initialization(
    uris: list[tuple[str, str]], expected_init: bool, volumes: int, mount_paths: list[str]
) -> None:
    spec = _user_spec()
    common_storage_initialization(_params(spec, uris))
    if expected_init:
        init = spec["initContainers"][0]
        assert init["name"] == c.STORAGE_INITIALIZER_CONTAINER_NAME
        assert init["image"] == IMAGE
        assert init["resources"] == RESOURCES
        for uri, path in uris:
            if not uri.startswith("pvc://"):
                assert uri in init["args"] and path in init["args"]
    else:
        assert not spec.get("initContainers")
    assert len(spec.get("volumes", [])) == volumes
    mounts = spec["containers"][0].get("volumeMounts", [])
    assert [m["mountPath"] for m in mounts] == mount_paths
    assert all(not m.get("readOnly", False) for m in mounts)


def test_common_storage_initialization_with_custom_storage_container() -> None:
    custom = {
        "container": {
            "name": "custom-multi-downloader",
            "image": "custom/storage-initializer:v1",
            "resources": {
                "limits": {"memory": "500Mi", "cpu": "2"},
                "requests": {"memory": "200Mi", "cpu": "500m"},
            },
            "env": [{"name": "CUSTOM_ENV", "value": "custom_value"}],
        },
        "supportsMultiModelDownload": True,
    }
    spec = _user_spec()
    uris = [
        ("s3://bucket/model1", "/mnt/models/model1"),
        ("gs://bucket/model2", "/mnt/models/model2"),
    ]
    common_storage_initialization(_params(spec, uris, storage_container=custom))
    assert len(spec["initContainers"]) == 1
    init = spec["initContainers"][0]
    assert init["name"] == "custom-multi-downloader"
    assert init["image"] == "custom/storage-initializer:v1"
    assert init["resources"] == {
        "limits": {"memory": "500Mi", "cpu": "2"},
        "requests": {"memory": "200Mi", "cpu": "500m"},
    }
    assert {"name": "CUSTOM_ENV", "value": "custom_value"} in init["env"]
    for arg in (
        "s3://bucket/model1",
        "/mnt/models/model1",
        "gs://bucket/model2",
        "/mnt/models/model2",
    ):
        assert arg in init["args"]
    assert [m["mountPath"] for m in spec["containers"][0]["volumeMounts"]] == ["/mnt/models"]


@pytest.mark.parametrize(
    ("spec", "uris", "container", "annotations", "error"),
    [
        (
            {"containers": [{"name": "other-container", "image": "test"}]},
            [("s3://bucket/model", "/mnt/models")],
            None,
            {},
            "cannot find container",
        ),
        (
            {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME, "image": "test"}]},
            [
                ("s3://bucket/model1", "/mnt/models/model1"),
                ("s3://bucket/model2", "/mnt/models/model2"),
            ],
            {"container": {"name": "custom-storage"}, "supportsMultiModelDownload": False},
            {},
            "does not support multi-model download",
        ),
        (
            {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME, "image": "test"}]},
            [("s3://bucket/model", "/mnt/models")],
            None,
            {c.AGENT_SHOULD_INJECT_ANNOTATION_KEY: "true"},
            None,
        ),
        (
            {
                "containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME, "image": "test"}],
                "initContainers": [
                    {"name": c.STORAGE_INITIALIZER_CONTAINER_NAME, "image": "existing"}
                ],
            },
            [("s3://bucket/model", "/mnt/models")],
            None,
            {},
            None,
        ),
    ],
    ids=[
        "Missing Required Container",
        "Multiple URIs Unsupported Storage Container",
        "Agent Already Injected",
        "Init Container Already Present",
    ],
)
def test_common_storage_initialization_error_cases(
    spec: dict[str, Any],
    uris: list[tuple[str, str]],
    container: dict[str, Any] | None,
    annotations: dict[str, str],
    error: str | None,
) -> None:
    before = copy.deepcopy(spec)
    params = _params(spec, uris, storage_container=container, annotations=annotations)
    if error is not None:
        with pytest.raises(MutationError, match=error):
            common_storage_initialization(params)
        return
    common_storage_initialization(params)
    assert spec == before


CM_REF = {"configMapKeyRef": {"name": "hf-config", "key": "transfer-enabled"}}


@pytest.mark.parametrize(
    ("container_env", "expected"),
    [
        (
            [{"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "0"}],
            [{"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "0"}, *HF_ENV[1:]],
        ),
        (
            [{"name": "HF_HUB_ENABLE_HF_TRANSFER", "valueFrom": CM_REF}],
            [{"name": "HF_HUB_ENABLE_HF_TRANSFER", "valueFrom": CM_REF}, *HF_ENV[1:]],
        ),
        (None, HF_ENV),
    ],
    ids=[
        "UserOverridesHFEnvVarWithValue",
        "UserDefinesHFEnvVarWithValueFrom",
        "NoUserDefinedHFEnvVars",
    ],
)
def test_storage_initializer_with_user_defined_hf_env_vars(
    container_env: list[dict[str, Any]] | None, expected: list[dict[str, Any]]
) -> None:
    spec: dict[str, Any] = {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]}
    custom = None if container_env is None else {"container": {"env": container_env}}
    params = _params(
        spec,
        [("gs://foo", MODELS)],
        is_legacy_uri=True,
        is_read_only=True,
        storage_container=custom,
    )
    common_storage_initialization(params)
    init = get_container_with_name(spec["initContainers"], c.STORAGE_INITIALIZER_CONTAINER_NAME)
    assert init is not None
    assert init["env"] == expected


CA_USER_SI = dataclasses.replace(SI_CONFIG, ca_bundle_config_map_name="default-ca-bundle")


@pytest.mark.parametrize(
    ("container_env", "expected"),
    [
        (
            [{"name": "CA_BUNDLE_CONFIGMAP_NAME", "value": "user-custom-ca-bundle"}],
            [
                {"name": "CA_BUNDLE_CONFIGMAP_NAME", "value": "user-custom-ca-bundle"},
                {"name": "CA_BUNDLE_VOLUME_MOUNT_POINT", "value": "/etc/ssl/custom-certs"},
                *HF_ENV,
            ],
        ),
        (
            [
                {
                    "name": "CA_BUNDLE_VOLUME_MOUNT_POINT",
                    "valueFrom": {"configMapKeyRef": {"name": "ca-config", "key": "mount-path"}},
                }
            ],
            [
                {
                    "name": "CA_BUNDLE_VOLUME_MOUNT_POINT",
                    "valueFrom": {"configMapKeyRef": {"name": "ca-config", "key": "mount-path"}},
                },
                {"name": "CA_BUNDLE_CONFIGMAP_NAME", "value": "global-ca-bundle"},
                *HF_ENV,
            ],
        ),
    ],
    ids=["UserOverridesCABundleConfigMapNameWithValue", "UserDefinesCABundleEnvVarWithValueFrom"],
)
def test_storage_initializer_with_user_defined_ca_bundle_env_vars(
    container_env: list[dict[str, Any]], expected: list[dict[str, Any]]
) -> None:
    spec: dict[str, Any] = {"containers": [{"name": c.INFERENCE_SERVICE_CONTAINER_NAME}]}
    custom = {"container": {"env": container_env}}
    params = _params(
        spec,
        [("gs://foo", MODELS)],
        is_legacy_uri=True,
        is_read_only=True,
        storage_container=custom,
        config=CA_USER_SI,
    )
    common_storage_initialization(params)
    assert spec["initContainers"][0]["env"] == expected


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        ({}, {}),
        (
            {
                c.CONFIDENTIAL_ENABLED_ANNOTATION_KEY: "true",
                c.CONFIDENTIAL_RESOURCE_ID_ANNOTATION_KEY: "kbs:///default/key/model-key",
            },
            {
                "CONFIDENTIAL_ENABLED": "true",
                "CONFIDENTIAL_RESOURCE_ID": "kbs:///default/key/model-key",
            },
        ),
        ({c.CONFIDENTIAL_ENABLED_ANNOTATION_KEY: "true"}, {"CONFIDENTIAL_ENABLED": "true"}),
    ],
    ids=[
        "no confidential annotation",
        "confidential enabled sets env vars without swapping image",
        "confidential enabled without resourceId",
    ],
)
def test_apply_confidential_config(annotations: dict[str, str], expected: dict[str, str]) -> None:
    container: dict[str, Any] = {"name": "storage-initializer", "image": IMAGE}
    apply_confidential_config(container, annotations)
    assert container["image"] == IMAGE
    assert {e["name"]: e["value"] for e in container.get("env", [])} == expected


@pytest.mark.parametrize(
    ("paths", "expected"),
    [
        ([], ""),
        (["/mnt/models"], "/mnt/models"),
        (["/mnt/models/model1", "/mnt/models/model2"], "/mnt/models"),
        (["/mnt/models", "/opt/models"], "/"),
        (
            ["/mnt/models/pytorch/model1", "/mnt/models/pytorch/model2", "/mnt/models/pytorch/"],
            "/mnt/models/pytorch",
        ),
        (["/mnt/models", "/opt/data", "/var/cache"], "/"),
    ],
    ids=[
        "EmptyPaths",
        "SinglePath",
        "CommonParent",
        "DifferentRoots",
        "NestedCommonParent",
        "NoCommonParent",
    ],
)
def test_find_common_parent_path(paths: list[str], expected: str) -> None:
    assert find_common_parent_path(paths) == expected


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/", ""),
        ("/mnt/models", "mnt-models"),
        ("/mnt/models/subdir", "mnt-models-subdir"),
        ("/mnt/models/", "mnt-models"),
    ],
    ids=["RootPath", "SimplePath", "NestedPath", "PathWithTrailingSlash"],
)
def test_get_volume_name_from_path(path: str, expected: str) -> None:
    assert get_volume_name_from_path(path) == expected


@pytest.mark.parametrize(
    ("initial", "expected"),
    [
        ([], HF_ENV),
        (
            [{"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "0"}],
            [{"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "0"}, *HF_ENV[1:]],
        ),
        (
            [{"name": "HF_HUB_ENABLE_HF_TRANSFER", "valueFrom": CM_REF}],
            [{"name": "HF_HUB_ENABLE_HF_TRANSFER", "valueFrom": CM_REF}, *HF_ENV[1:]],
        ),
        (
            [
                {"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "0"},
                {"name": "HF_XET_HIGH_PERFORMANCE", "value": "0"},
                {"name": "HF_XET_NUM_CONCURRENT_RANGE_GETS", "value": "4"},
            ],
            [
                {"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "0"},
                {"name": "HF_XET_HIGH_PERFORMANCE", "value": "0"},
                {"name": "HF_XET_NUM_CONCURRENT_RANGE_GETS", "value": "4"},
            ],
        ),
        (
            [
                {"name": "SOME_OTHER_VAR", "value": "value"},
                {"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "0"},
            ],
            [
                {"name": "SOME_OTHER_VAR", "value": "value"},
                {"name": "HF_HUB_ENABLE_HF_TRANSFER", "value": "0"},
                *HF_ENV[1:],
            ],
        ),
    ],
    ids=[
        "EmptyContainer",
        "UserOverridesOneEnvVar",
        "UserDefinesWithValueFrom",
        "UserDefinesAllEnvVars",
        "ContainerWithOtherEnvVars",
    ],
)
def test_add_default_hugging_face_env_vars(
    initial: list[dict[str, Any]], expected: list[dict[str, Any]]
) -> None:
    container = {"env": copy.deepcopy(initial)}
    add_default_hugging_face_env_vars(container)
    assert container["env"] == expected
