"""`ValidateStorageURI` (inferenceservice/utils/utils.go) with ClusterStorageContainers.

Ports KServe v0.20.0 `utils_test.go`: TestValidateStorageURIForDefaultStorageInitializer,
TestValidateStorageURIForCustomPrefix, TestValidateStorageURIForDefaultStorageInitializerCRD;
plus the cases `GetStorageContainerSpec` skips (disabled, not an init container).
"""

from __future__ import annotations

import re
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.components.meta import _HAS_SCHEME, is_azure_blob_uri, validate_storage_uri


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


def test_a_pattern_gos_regexp_refuses_is_an_error_as_in_kserve() -> None:
    """IsStorageUriSupported returns regexp.MatchString's error: Go's regexp is RE2, which has
    no lookarounds or backreferences (Python's re would have taken these)."""
    for pattern in ("(?=custom)custom://", r"(c)\1"):
        container = storage_container("go", supportedUriFormats=[{"regex": pattern}])
        error = validate_storage_uri("custom://m", [container])
        assert (
            error is not None
            and "error checking storage container go: error parsing regexp:" in error
        )


def test_a_pattern_and_uri_that_backtrack_exponentially_in_python_are_matched_at_once() -> None:
    # Python's re takes exponential time for this pair; RE2 (Go's regexp) is linear. A budget
    # of CPU seconds, as the fuzz tests keep: a hang, not a speed, is what fails here.
    container = storage_container("slow", supportedUriFormats=[{"regex": "^(a+)+$"}])
    started = time.process_time()
    error = validate_storage_uri("a" * 40 + "!x://m", [container])
    assert time.process_time() - started < 1.0
    assert error is not None and "is not supported" in error


# KServe's own patterns (inferenceservice/utils/utils.go), with Go's ASCII \w, to compare with
# the linear checks that replace them.
_GO_SCHEME = re.compile(r"\w+?://", re.ASCII)
_GO_AZURE = re.compile(r"https://(.+?).blob.core.windows.net/(.+)")
_PIECES = ["https://", "blob.core.windows.net/", "x", ".", "é", "\n", "://", "_", "-", "/"]


@settings(max_examples=1000, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=12).map("".join))
def test_the_linear_uri_checks_agree_with_kserves_patterns(uri: str) -> None:
    assert (_HAS_SCHEME.search(uri) is not None) == (_GO_SCHEME.search(uri) is not None)
    assert is_azure_blob_uri(uri) == (_GO_AZURE.search(uri) is not None)


def test_a_long_uri_is_checked_in_linear_time() -> None:
    # `\w+?://` and the Azure pattern took quadratic time in Python's re: 60 s for a
    # 70,000-character storageUri the fuzz tests drew.
    started = time.process_time()
    assert validate_storage_uri("x" * 1_000_000) is None  # no "://": a local path
    error = validate_storage_uri("https://" * 100_000 + "blob.core.windows.net")
    assert error is not None and "is not supported" in error
    assert time.process_time() - started < 1.0
