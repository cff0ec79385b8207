"""Ported from KServe v0.20.0 `predictor_model_test.go` (TestGetSupportingRuntimes,
TestModelPredictorGetProtocol) and `utils_test.go` (TestGetServingRuntime), plus scenarios for
`reconcileModel`'s selection and errors (`components/predictor.go`)."""

from __future__ import annotations

from typing import Any

import pytest

from generator.admission.runtimes import (
    RuntimeIndex,
    default_protocol_version,
    get_protocol,
    get_serving_runtime,
    get_supporting_runtimes,
    resolve_runtime,
    runtime_annotations,
    sort_serving_runtime_list,
)
from generator.errors import Invalid


def fmt(name: str, version: str | None = None, auto: bool | None = None, prio: int | None = None):
    entry: dict[str, Any] = {"name": name}
    if version is not None:
        entry["version"] = version
    if auto is not None:
        entry["autoSelect"] = auto
    if prio is not None:
        entry["priority"] = prio
    return entry


def spec(formats, protocols, image, **extra: Any) -> dict[str, Any]:
    return {
        "supportedModelFormats": formats,
        "protocolVersions": protocols,
        "containers": [{"name": "kserve-container", "image": image + "-image:latest"}],
        **extra,
    }


SPECS: dict[str, dict[str, Any]] = {
    "tf-runtime": spec(
        [fmt("tensorflow", "1", True, 1)], ["v1", "v2"], "tf-runtime", disabled=False
    ),
    "sklearn-runtime": spec(
        [fmt("sklearn", "0", True, 1)], ["v1", "v2"], "sklearn-runtime", disabled=False
    ),
    "pmml-runtime": spec([fmt("pmml", "4", None, 1)], ["v1", "v2"], "pmml-runtime", disabled=True),
    "mlserver-runtime-mms": spec(
        [fmt("sklearn", "0", True, 2), fmt("xgboost", "1", True, 2), fmt("lightgbm", "3", True, 2)],
        ["v2"],
        "pmml-runtime",
        grpcEndpoint="port:8085",
        disabled=False,
        multiModel=True,
    ),
    "mlserver-runtime": spec(
        [fmt("sklearn", "0", True, 2), fmt("lightgbm", "3", True, 2)],
        ["v2"],
        "mlserver-runtime",
        disabled=False,
        multiModel=False,
    ),
    "xgboost-runtime": spec(
        [fmt("xgboost", "0", True, 1)], ["v2"], "sklearn-runtime", disabled=False
    ),
    "triton-runtime": spec(
        [fmt("sklearn", "0", True), fmt("triton", "1", True, 1), fmt("lightgbm", "3", True)],
        ["v2"],
        "mlserver-runtime",
        disabled=False,
        multiModel=False,
    ),
    "test-runtime": spec(
        [fmt("sklearn", "0", True)], ["v2"], "mlserver-runtime", disabled=False, multiModel=False
    ),
    "huggingface-multinode-runtime": spec(
        [fmt("huggingface", "1", True, 2)],
        ["v1", "v2"],
        "huggingface-multinode-runtime",
        workerSpec={},
        multiModel=False,
        disabled=False,
    ),
}


def runtime(name: str, spec_: dict[str, Any], namespace: str | None = "default", **meta: Any):
    kind = "ServingRuntime" if namespace else "ClusterServingRuntime"
    metadata: dict[str, Any] = {"name": name, **meta}
    if namespace:
        metadata["namespace"] = namespace
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": kind,
        "metadata": metadata,
        "spec": spec_,
    }


INDEX = RuntimeIndex(
    namespaced={
        "default": [
            runtime(n, SPECS[n])
            for n in (
                "tf-runtime",
                "sklearn-runtime",
                "pmml-runtime",
                "mlserver-runtime",
                "triton-runtime",
                "test-runtime",
                "huggingface-multinode-runtime",
            )
        ]
    },
    cluster=[
        runtime("cluster-" + n, SPECS[n], None)
        for n in ("mlserver-runtime-mms", "tf-runtime", "xgboost-runtime")
    ],
)


def model(name: str, protocol: str | None = None, **extra: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"modelFormat": {"name": name}, "storageUri": "s3://test/model", **extra}
    if protocol is not None:
        out["protocolVersion"] = protocol
    return out


GET_SUPPORTING_RUNTIMES = {
    "BothClusterAndNamespaceRuntimesSupportModel": (
        model("tensorflow"),
        False,
        False,
        [("tf-runtime", False), ("cluster-tf-runtime", True)],
    ),
    "RuntimeNotFound": (model("nonexistent-modelformat"), False, False, []),
    "ModelFormatWithDisabledRuntimeSpecified": (model("pmml"), False, False, []),
    "ModelMeshCompatibleRuntimeModelFormatSpecified": (
        model("sklearn", "v2"),
        True,
        False,
        [("cluster-mlserver-runtime-mms", True)],
    ),
    "SMSRuntimeModelFormatSpecified": (
        model("sklearn"),
        False,
        False,
        [("sklearn-runtime", False)],
    ),
    "RuntimeV2ProtocolSpecified": (
        model("xgboost", "v2"),
        False,
        False,
        [("cluster-xgboost-runtime", True)],
    ),
    "RuntimeV1ProtocolNotFound": (model("xgboost", "v1"), False, False, []),
    "MultipleRuntimeSupportsModelFormatSpecified": (
        model("sklearn", "v2"),
        False,
        False,
        [
            ("mlserver-runtime", False),
            ("sklearn-runtime", False),
            ("test-runtime", False),
            ("triton-runtime", False),
        ],
    ),
    "MultiNodeWorkerSpecSpecified": (
        model("huggingface", "v2"),
        False,
        True,
        [("huggingface-multinode-runtime", False)],
    ),
}


@pytest.mark.parametrize(
    ("model_spec", "is_mms", "is_multinode", "expected"),
    GET_SUPPORTING_RUNTIMES.values(),
    ids=GET_SUPPORTING_RUNTIMES.keys(),
)
def test_get_supporting_runtimes(model_spec, is_mms, is_multinode, expected):
    found = get_supporting_runtimes(model_spec, "default", INDEX, is_mms, is_multinode)
    assert [(name, is_cluster) for name, _, is_cluster in found] == expected
    assert all(s is SPECS[name.removeprefix("cluster-")] for name, s, _ in found)


@pytest.mark.parametrize(
    ("model_spec", "expected"),
    [(model("tensorflow"), "v1"), (model("tensorflow", "v2"), "v2")],
    ids=["DefaultProtocol", "ProtocolV2Specified"],
)
def test_model_predictor_get_protocol(model_spec, expected):
    assert get_protocol(model_spec) == expected


GET_SERVING_RUNTIME_SPECS = {
    "tf-runtime": {
        "supportedModelFormats": [fmt("tensorflow", "1")],
        "containers": [{"name": "kserve-container", "image": "tf-runtime-image:latest"}],
        "disabled": False,
    },
    "sklearn-runtime": {
        "supportedModelFormats": [fmt("sklearn", "0")],
        "containers": [{"name": "kserve-container", "image": "sklearn-runtime-image:latest"}],
        "disabled": False,
    },
}
GET_SERVING_RUNTIME_INDEX = RuntimeIndex(
    namespaced={"default": [runtime("tf-runtime", GET_SERVING_RUNTIME_SPECS["tf-runtime"])]},
    cluster=[runtime("sklearn-runtime", GET_SERVING_RUNTIME_SPECS["sklearn-runtime"], None)],
)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("tf-runtime", (GET_SERVING_RUNTIME_SPECS["tf-runtime"], False)),
        ("sklearn-runtime", (GET_SERVING_RUNTIME_SPECS["sklearn-runtime"], True)),
        (
            "foo",
            Invalid(
                "spec.predictor.model.runtime",
                "No ServingRuntimes or ClusterServingRuntimes with the name: foo",
            ),
        ),
    ],
    ids=["NamespaceServingRuntime", "ClusterServingRuntime", "InvalidServingRuntime"],
)
def test_get_serving_runtime(name, expected):
    found = get_serving_runtime(GET_SERVING_RUNTIME_INDEX, name, "default")
    if isinstance(expected, Invalid):
        assert found == expected
    else:
        assert not isinstance(found, Invalid)
        assert (found[0]["spec"], found[1]) == expected


def isvc(predictor_model: dict[str, Any], **predictor: Any) -> dict[str, Any]:
    return {
        "apiVersion": "serving.kserve.io/v1beta1",
        "kind": "InferenceService",
        "metadata": {"name": "my-model", "namespace": "default"},
        "spec": {"predictor": {"model": predictor_model, **predictor}},
    }


RESOLVE = {
    "auto: namespace runtime before cluster runtime": (
        isvc(model("tensorflow")),
        ("tf-runtime", SPECS["tf-runtime"], False),
    ),
    "auto: cluster runtime when no namespace runtime fits": (
        isvc(model("xgboost", "v2")),
        ("cluster-xgboost-runtime", SPECS["xgboost-runtime"], True),
    ),
    "auto: priority decides among namespace runtimes": (
        isvc(model("sklearn", "v2")),
        ("mlserver-runtime", SPECS["mlserver-runtime"], False),
    ),
    "auto: multi-node predictor picks a runtime with workerSpec": (
        isvc(model("huggingface"), workerSpec={}),
        ("huggingface-multinode-runtime", SPECS["huggingface-multinode-runtime"], False),
    ),
    "auto: nothing supports the format": (
        isvc(model("nonexistent")),
        Invalid(
            "spec.predictor.model.modelFormat",
            "no runtime found to support predictor with model type: {nonexistent <nil>}",
        ),
    ),
    "auto: the version is printed by value": (
        isvc({"modelFormat": {"name": "pmml", "version": "4"}}),
        Invalid(
            "spec.predictor.model.modelFormat",
            "no runtime found to support predictor with model type: {pmml 4}",
        ),
    ),
    "explicit: namespace runtime": (
        isvc(model("tensorflow", runtime="tf-runtime")),
        ("tf-runtime", SPECS["tf-runtime"], False),
    ),
    "explicit: format not supported": (
        isvc(model("pmml", runtime="cluster-mlserver-runtime-mms")),
        Invalid(
            "spec.predictor.model.modelFormat",
            "specified runtime cluster-mlserver-runtime-mms does not support specified "
            "framework/version",
        ),
    ),
    "explicit: autoSelect is ignored": (
        isvc({"modelFormat": {"name": "tensorflow"}, "runtime": "tf-no-auto"}),
        ("tf-no-auto", {"supportedModelFormats": [{"name": "tensorflow"}]}, False),
    ),
    "explicit: not found": (
        isvc(model("tensorflow", runtime="nope")),
        Invalid(
            "spec.predictor.model.runtime",
            "No ServingRuntimes or ClusterServingRuntimes with the name: nope",
        ),
    ),
    "explicit: disabled": (
        isvc(model("pmml", runtime="pmml-runtime")),
        Invalid("spec.predictor.model.runtime", "specified runtime pmml-runtime is disabled"),
    ),
    "explicit: protocol not supported": (
        isvc(model("xgboost", "v1", runtime="cluster-xgboost-runtime")),
        Invalid(
            "spec.predictor.model.protocolVersion",
            "specified runtime cluster-xgboost-runtime does not support specified protocol version",
        ),
    ),
    "explicit: default protocol is not checked": (
        isvc(model("xgboost", runtime="cluster-xgboost-runtime")),
        ("cluster-xgboost-runtime", SPECS["xgboost-runtime"], True),
    ),
}


@pytest.mark.parametrize(("isvc_", "expected"), RESOLVE.values(), ids=RESOLVE.keys())
def test_resolve_runtime(isvc_, expected):
    extra = runtime("tf-no-auto", {"supportedModelFormats": [{"name": "tensorflow"}]})
    index = RuntimeIndex(
        namespaced={"default": [*INDEX.namespaced["default"], extra]}, cluster=INDEX.cluster
    )
    before = repr(isvc_)
    assert resolve_runtime(isvc_, index) == expected
    assert repr(isvc_) == before


def test_resolve_runtime_is_cluster_comes_from_a_lookup_by_name():
    # A disabled namespace runtime shadows the cluster runtime of the same name in
    # GetServingRuntime, so KServe records the selected cluster runtime as a namespace one.
    shadow = runtime("cluster-tf-runtime", {**SPECS["tf-runtime"], "disabled": True})
    index = RuntimeIndex(namespaced={"default": [shadow]}, cluster=INDEX.cluster)
    name, found, is_cluster = resolve_runtime(isvc(model("tensorflow")), index)  # type: ignore[misc]
    assert (name, found, is_cluster) == ("cluster-tf-runtime", SPECS["tf-runtime"], False)


def test_sort_serving_runtime_list():
    runtimes = [
        runtime("b", {"protocolVersions": ["v2"]}),
        runtime("a", {"protocolVersions": ["v2"]}),
        runtime("c", {"protocolVersions": ["v2"]}, creationTimestamp="2024-01-01T00:00:00Z"),
        runtime("d", {"protocolVersions": ["v2"]}, creationTimestamp="2025-01-01T00:00:00Z"),
        runtime("e", {"protocolVersions": ["grpc-v2", "v1"]}),
        runtime("f", {}),
    ]
    names = [r["metadata"]["name"] for r in sort_serving_runtime_list(runtimes)]
    assert names == ["e", "d", "c", "a", "b", "f"]


def test_runtime_annotations_and_default_protocol_version():
    annotated = runtime("x", {"protocolVersions": ["grpc-v2", "v2"]})
    annotated["metadata"]["annotations"] = {"serving.kserve.io/server-type": "mlserver"}
    index = RuntimeIndex(namespaced={"default": [annotated]}, cluster=[])
    assert runtime_annotations(index, "x", "default") == {
        "serving.kserve.io/server-type": "mlserver"
    }
    assert runtime_annotations(index, "y", "default") == {}
    assert default_protocol_version(annotated["spec"]) == "v2"
    assert default_protocol_version({}) == ""
