"""`ValidateStorageURI` (inferenceservice/utils/utils.go) with ClusterStorageContainers.

Ports KServe v0.20.0 `utils_test.go`: TestValidateStorageURIForDefaultStorageInitializer,
TestValidateStorageURIForCustomPrefix, TestValidateStorageURIForDefaultStorageInitializerCRD;
plus the cases `GetStorageContainerSpec` skips (disabled, not an init container).
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.components.meta import validate_storage_uri


def storage_container(name: str, **spec: Any) -> dict[str, Any]:
    container = {"image": "kserve/storage-initializer:latest"}
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "ClusterStorageContainer",
        "metadata": {"name": name},
        "spec": {"container": container, **spec},
    }


CUSTOM = storage_container(
    "custom", supportedUriFormats=[{"prefix": "custom://"}], workloadType="initContainer"
)


@pytest.mark.parametrize(
    "uri",
    [
        "https://kfserving.blob.core.windows.net/triton/simple_string/",
        "https://kfserving.blob.core.windows.net/triton/simple_string",
        "https://kfserving.blob.core.windows.net/triton/",
        "https://kfserving.blob.core.windows.net/triton",
        "https://raw.githubusercontent.com/someOrg/someRepo/model.tar.gz",
        "http://raw.githubusercontent.com/someOrg/someRepo/model.tar.gz",
        "hdfs://",
        "webhdfs://",
        "oci+native://ghcr.io/kserve/oci-native-test-fixture:v1",
        "some/relative/path",
        "/",
        "foo",
        "",
    ],
)
def test_validate_storage_uri_for_default_storage_initializer(uri: str) -> None:
    assert validate_storage_uri(uri) is None


def test_validate_storage_uri_for_custom_prefix() -> None:
    error = validate_storage_uri("custom://custom.com/model")
    assert error is not None and error.startswith("StorageURI not supported: ")


def test_validate_storage_uri_for_default_storage_initializer_crd() -> None:
    assert validate_storage_uri("custom://custom.com/model/", [CUSTOM]) is None


@pytest.mark.parametrize(
    "container",
    [
        {**CUSTOM, "disabled": True},
        storage_container(
            "custom",
            supportedUriFormats=[{"prefix": "custom://"}],
            workloadType="localModelDownload",
        ),
        storage_container("custom", supportedUriFormats=[{"regex": "^other://"}]),
    ],
    ids=["disabled", "not an init container", "no format matches"],
)
def test_a_storage_container_that_get_storage_container_spec_skips_does_not_help(
    container: dict[str, Any],
) -> None:
    error = validate_storage_uri("custom://custom.com/model", [container])
    assert error is not None and "StorageUri [custom://custom.com/model] is not supported" in error


def test_a_regex_format_matches_anywhere() -> None:
    """IsStorageUriSupported uses regexp.MatchString: unanchored."""
    container = storage_container("r", supportedUriFormats=[{"regex": "registry://"}])
    assert validate_storage_uri("model-registry://iris/v1", [container]) is None


def test_an_invalid_regex_is_an_error_resolving_the_container() -> None:
    container = storage_container("bad", supportedUriFormats=[{"regex": "("}])
    error = validate_storage_uri("custom://m", [container])
    assert error is not None
    assert error.startswith('StorageURI not supported: error resolving storage container for "')
