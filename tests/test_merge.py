"""Ported from KServe v0.20.0 `pkg/utils/container_merge_test.go` (TestMergeContainerWithPatch) and
`controller/v1beta1/inferenceservice/utils/utils_test.go` (TestMergeRuntimeContainers,
TestMergePodSpec, TestMergeServingRuntimeAndInferenceServiceSpecs, TestReplacePlaceholders,
TestUpdateImageTag, TestAddEnvVarToPodSpec), plus `components/predictor.go: buildPodSpec`
scenarios and property tests."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from generator.errors import Invalid
from generator.goruntime.template import GoTemplateError
from generator.merge import (
    MergeError,
    add_env_var_to_pod_spec,
    build_pod_spec,
    go_container,
    merge_container_with_patch,
    merge_pod_spec,
    merge_runtime_containers,
    merge_serving_runtime_and_inference_service_specs,
    predictor_pod_spec,
    replace_placeholders,
    update_image_tag,
)

SECRET = {"secretKeyRef": {"name": "aws-creds", "key": "access-key"}}
TOKEN = {"secretKeyRef": {"name": "secret", "key": "token"}}
SK = {"secretKeyRef": {"name": "s", "key": "k"}}
MERGE_CONTAINER_WITH_PATCH = {
    "overlay adds env vars": (
        {
            "name": "storage-initializer",
            "image": "kserve/storage-initializer:latest",
            "args": ["hf://org/model", "/mnt/models"],
        },
        {"name": "storage-initializer", "env": [{"name": "HF_XET_HIGH_PERFORMANCE", "value": "0"}]},
        {
            "name": "storage-initializer",
            "image": "kserve/storage-initializer:latest",
            "args": ["hf://org/model", "/mnt/models"],
            "env": [{"name": "HF_XET_HIGH_PERFORMANCE", "value": "0"}],
        },
    ),
    "overlay overrides image": (
        {"name": "storage-initializer", "image": "kserve/storage-initializer:latest"},
        {"name": "storage-initializer", "image": "my-registry/custom-init:v2"},
        {"name": "storage-initializer", "image": "my-registry/custom-init:v2"},
    ),
    "overlay overrides resources": (
        {"name": "init", "image": "img:v1", "resources": {"limits": {"memory": "256Mi"}}},
        {"name": "init", "resources": {"limits": {"memory": "1Gi"}}},
        {"name": "init", "image": "img:v1", "resources": {"limits": {"memory": "1Gi"}}},
    ),
    "name restored from base when overlay has empty name": (
        {"name": "storage-initializer", "image": "img:v1"},
        {"image": "img:v2"},
        {"name": "storage-initializer", "image": "img:v2"},
    ),
    "valueFrom_overrides_value_on_same_name": (
        {"name": "init", "env": [{"name": "AWS_KEY", "value": "literal-secret"}]},
        {"name": "init", "env": [{"name": "AWS_KEY", "valueFrom": SECRET}]},
        {"name": "init", "env": [{"name": "AWS_KEY", "valueFrom": SECRET}]},
    ),
    "value_overrides_valueFrom_on_same_name": (
        {"name": "init", "env": [{"name": "TOKEN", "valueFrom": TOKEN}]},
        {"name": "init", "env": [{"name": "TOKEN", "value": "hardcoded-value"}]},
        {"name": "init", "env": [{"name": "TOKEN", "value": "hardcoded-value"}]},
    ),
    # Go checks only that no entry has both; the order is strategicpatch's (new keys first).
    "disjoint envs with different value sources": (
        {"name": "init", "env": [{"name": "EXISTING", "value": "keep-me"}]},
        {"name": "init", "env": [{"name": "NEW_SECRET", "valueFrom": SK}]},
        {
            "name": "init",
            "env": [
                {"name": "NEW_SECRET", "valueFrom": SK},
                {"name": "EXISTING", "value": "keep-me"},
            ],
        },
    ),
    "args come from strategic merge (not forced)": (
        {"name": "init", "args": ["--base-flag"]},
        {"name": "init", "args": ["--overlay-flag"]},
        {"name": "init", "args": ["--overlay-flag"]},
    ),
}


@pytest.mark.parametrize(
    ("base", "overlay", "expected"),
    MERGE_CONTAINER_WITH_PATCH.values(),
    ids=MERGE_CONTAINER_WITH_PATCH.keys(),
)
def test_merge_container_with_patch(base, overlay, expected):
    before = copy.deepcopy((base, overlay))
    assert merge_container_with_patch(base, overlay) == expected
    assert (base, overlay) == before


GO_JSON = {
    "empty overlay values are dropped like Go's omitempty": (
        {"name": "c", "image": "img", "env": [{"name": "A", "value": "x"}], "args": ["a"]},
        {
            "image": "",
            "args": [],
            "command": None,
            "env": [{"name": "A", "value": ""}],
            "stdin": False,
        },
        {"name": "c", "image": "img", "env": [{"name": "A", "value": "x"}], "args": ["a"]},
    ),
    "ports by containerPort, volumeMounts by mountPath": (
        {
            "name": "c",
            "ports": [{"containerPort": 8080, "name": "http"}],
            "volumeMounts": [{"name": "a", "mountPath": "/a"}, {"name": "b", "mountPath": "/b"}],
        },
        {
            "ports": [{"containerPort": 8080, "protocol": "TCP"}, {"containerPort": 9000}],
            "volumeMounts": [{"name": "z", "mountPath": "/b", "readOnly": True}],
        },
        {
            "name": "c",
            "ports": [
                {"containerPort": 8080, "name": "http", "protocol": "TCP"},
                {"containerPort": 9000},
            ],
            "volumeMounts": [
                {"name": "a", "mountPath": "/a"},
                {"name": "z", "mountPath": "/b", "readOnly": True},
            ],
        },
    ),
    "new keys go before the server items that followed the patched ones (mergeSortedSlice)": (
        {
            "name": "c",
            "env": [
                {"name": "A", "value": "1"},
                {"name": "B", "value": "2"},
                {"name": "C", "value": "3"},
            ],
        },
        {"env": [{"name": "B", "value": "b"}, {"name": "D", "value": "d"}]},
        {
            "name": "c",
            "env": [
                {"name": "A", "value": "1"},
                {"name": "B", "value": "b"},
                {"name": "D", "value": "d"},
                {"name": "C", "value": "3"},
            ],
        },
    ),
    "patch order wins for patched keys": (
        {"name": "c", "env": [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]},
        {"env": [{"name": "B", "value": "b"}, {"name": "A", "value": "a"}]},
        {"name": "c", "env": [{"name": "B", "value": "b"}, {"name": "A", "value": "a"}]},
    ),
    "command and envFrom are replaced": (
        {"name": "c", "command": ["a", "b"], "envFrom": [{"configMapRef": {"name": "x"}}]},
        {"command": ["c"], "envFrom": [{"secretRef": {"name": "y"}}]},
        {"name": "c", "command": ["c"], "envFrom": [{"secretRef": {"name": "y"}}]},
    ),
}


@pytest.mark.parametrize(("base", "overlay", "expected"), GO_JSON.values(), ids=GO_JSON.keys())
def test_merge_container_with_patch_go_json(base, overlay, expected):
    assert merge_container_with_patch(base, overlay) == expected


# corev1.Probe, Lifecycle and their handlers through json.Unmarshal and json.Marshal (k8s.io/api
# core/v1 types.go): HTTPGetAction.Port, TCPSocketAction.Port, GRPCAction.Port and
# SleepAction.Seconds have no omitempty, the Probe timings do, and a pointer keeps its zero.
PROBES = {
    "httpGet without port gets port 0, zero timings go": (
        {"httpGet": {"path": "/ready"}, "periodSeconds": 0, "initialDelaySeconds": 5},
        {"httpGet": {"path": "/ready", "port": 0}, "initialDelaySeconds": 5},
    ),
    "a named port stays a name, empty host and scheme go": (
        {"httpGet": {"port": "http", "host": "", "scheme": ""}, "timeoutSeconds": 0},
        {"httpGet": {"port": "http"}},
    ),
    "tcpSocket and grpc without port": (
        {"tcpSocket": {}, "grpc": {"service": ""}},
        {"tcpSocket": {"port": 0}, "grpc": {"service": "", "port": 0}},
    ),
    "terminationGracePeriodSeconds is a pointer: 0 stays": (
        {"exec": {"command": []}, "terminationGracePeriodSeconds": 0},
        {"exec": {}, "terminationGracePeriodSeconds": 0},
    ),
}


@pytest.mark.parametrize(("probe", "expected"), PROBES.values(), ids=PROBES.keys())
@pytest.mark.parametrize("field", ["livenessProbe", "readinessProbe", "startupProbe"])
def test_go_container_writes_probes_as_go_does(field, probe, expected):
    container = {"name": "c", field: probe}
    assert go_container(container) == {"name": "c", field: expected}
    assert container == {"name": "c", field: probe}  # a copy


def test_go_container_writes_lifecycle_hooks_as_go_does():
    lifecycle = {"postStart": {"httpGet": {"path": "/x"}}, "preStop": {"sleep": {}}}
    assert go_container({"name": "c", "lifecycle": lifecycle})["lifecycle"] == {
        "postStart": {"httpGet": {"path": "/x", "port": 0}},
        "preStop": {"sleep": {"seconds": 0}},
    }


def test_predictor_pod_spec_drops_the_empty_values_go_leaves_out():
    """corev1.PodSpec through json.Unmarshal and json.Marshal: empty omitempty slices, maps and
    strings go (podspec_fields.json, by field name, and the described references' names); an
    empty struct pointer, a pointer's zero and a required slice stay."""
    given = {
        "tolerations": [{"key": "k", "operator": "Equal", "value": "", "effect": ""}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}
            },
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 1, "podAffinityTerm": {"topologyKey": "z", "labelSelector": {
                        "matchLabels": {}, "matchExpressions": []}}}
                ]
            },
        },
        "securityContext": {"seLinuxOptions": {"user": "", "role": "r"}, "runAsUser": 0},
        "volumes": [
            {"name": "e", "emptyDir": {}},
            {"name": "c", "csi": {"driver": "d", "volumeAttributes": {}, "readOnly": False}},
            {"name": "s", "secret": {"secretName": "x", "optional": False, "items": []}},
            {"name": "t", "secret": {"secretName": ""}, "configMap": {"name": ""}},
        ],
        "dnsConfig": {"nameservers": [], "options": [{"name": "ndots", "value": "2"}]},
        "containers": [{"name": "c", "env": [
            {"name": "A", "valueFrom": {"configMapKeyRef": {"name": "", "key": "k"}}},
            {"name": "B", "valueFrom": {"secretKeyRef": {"name": "", "key": "k"}}},
        ], "envFrom": [{"configMapRef": {"name": ""}, "prefix": ""}]}],
    }  # fmt: skip
    assert predictor_pod_spec(given) == {
        "tolerations": [{"key": "k", "operator": "Equal"}],
        "affinity": {
            "nodeAffinity": {
                "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": []}
            },
            "podAntiAffinity": {
                "preferredDuringSchedulingIgnoredDuringExecution": [
                    {"weight": 1, "podAffinityTerm": {"topologyKey": "z", "labelSelector": {}}}
                ]
            },
        },
        "securityContext": {"seLinuxOptions": {"role": "r"}, "runAsUser": 0},
        "volumes": [
            {"name": "e", "emptyDir": {}},
            {"name": "c", "csi": {"driver": "d", "readOnly": False}},
            {"name": "s", "secret": {"secretName": "x", "optional": False}},
            {"name": "t", "secret": {}, "configMap": {}},
        ],
        "dnsConfig": {"options": [{"name": "ndots", "value": "2"}]},
        "containers": [
            {
                "name": "c",
                "env": [
                    {"name": "A", "valueFrom": {"configMapKeyRef": {"key": "k"}}},
                    {"name": "B", "valueFrom": {"secretKeyRef": {"key": "k"}}},
                ],
                "envFrom": [{"configMapRef": {}}],
            }
        ],
    }


def test_merge_keys_absent_from_the_input():
    # Go's typed structs always carry non-omitempty merge keys (mountPath ""), so these merge
    base, overlay = (
        {"name": "c", "volumeMounts": [{"name": "x"}]},
        {"volumeMounts": [{"name": "y"}]},
    )
    assert merge_container_with_patch(base, overlay)["volumeMounts"] == [
        {"name": "y", "mountPath": ""}
    ]
    # but LocalObjectReference.name is omitempty, and strategicpatch rejects the entry
    with pytest.raises(MergeError, match="map: map\\[\\] does not contain declared merge key"):
        merge_pod_spec({"imagePullSecrets": [{"name": "a"}]}, {"imagePullSecrets": [{"name": ""}]})


def test_merge_runtime_containers():
    base = {
        "name": "kserve-container",
        "image": "default-image",
        "args": ["--foo=bar", "--test=dummy"],
        "env": [{"name": "PORT", "value": "8080"}, {"name": "PORT2", "value": "8081"}],
        "resources": {
            "limits": {"cpu": "1", "memory": "2Gi"},
            "requests": {"cpu": "1", "memory": "2Gi"},
        },
    }
    override = {
        "args": ["--new-arg=baz"],
        "env": [{"name": "PORT2", "value": "8082"}, {"name": "Some", "value": "Var"}],
        "resources": {"limits": {"cpu": "2", "memory": "4Gi"}},
    }
    assert merge_runtime_containers(base, override) == {  # BasicMerge
        "name": "kserve-container",
        "image": "default-image",
        "args": ["--foo=bar", "--test=dummy", "--new-arg=baz"],
        "env": [
            {"name": "PORT", "value": "8080"},
            {"name": "PORT2", "value": "8082"},
            {"name": "Some", "value": "Var"},
        ],
        "resources": {
            "limits": {"cpu": "2", "memory": "4Gi"},
            "requests": {"cpu": "1", "memory": "2Gi"},
        },
    }


def pvc(name: str, claim: str) -> dict[str, Any]:
    return {"name": name, "persistentVolumeClaim": {"claimName": claim}}


TOLERATION = {"key": "key1", "operator": "Exists", "effect": "NoSchedule"}
MERGE_POD_SPEC = {
    "BasicMerge": (
        {
            "nodeSelector": {"foo": "bar", "aaa": "bbb"},
            "tolerations": [TOLERATION],
            "volumes": [pvc("foo", "bar"), pvc("aaa", "bbb")],
            "imagePullSecrets": [{"name": "foo"}],
        },
        {
            "nodeSelector": {"foo": "baz", "xxx": "yyy"},
            "serviceAccountName": "testAccount",
            "volumes": [pvc("foo", "baz"), pvc("xxx", "yyy")],
            "imagePullSecrets": [{"name": "foo"}, {"name": "bar"}],
        },
        {
            "nodeSelector": {"foo": "baz", "xxx": "yyy", "aaa": "bbb"},
            "tolerations": [TOLERATION],
            "serviceAccountName": "testAccount",
            "volumes": [pvc("foo", "baz"), pvc("xxx", "yyy"), pvc("aaa", "bbb")],
            "imagePullSecrets": [{"name": "foo"}, {"name": "bar"}],
        },
    ),
    "MergeWithSchedulerName": (
        {"nodeSelector": {"foo": "bar"}, "schedulerName": "custom-scheduler"},
        {"serviceAccountName": "testAccount"},
        {
            "nodeSelector": {"foo": "bar"},
            "serviceAccountName": "testAccount",
            "schedulerName": "custom-scheduler",
        },
    ),
    "OverrideSchedulerName": (
        {"schedulerName": "runtime-scheduler"},
        {"schedulerName": "isvc-scheduler"},
        {"schedulerName": "isvc-scheduler"},
    ),
}


@pytest.mark.parametrize(
    ("runtime", "predictor", "expected"), MERGE_POD_SPEC.values(), ids=MERGE_POD_SPEC.keys()
)
def test_merge_pod_spec(runtime, predictor, expected):
    assert merge_pod_spec(runtime, predictor) == expected


def test_merge_pod_spec_merges_init_containers_by_name():
    runtime = {"volumes": [{"name": "v", "emptyDir": {}}]}
    predictor = {
        "initContainers": [{"name": "init", "env": [{"name": "A", "value": ""}]}],
        "volumes": [{"name": "v", "configMap": {"name": "cm"}}],
        "affinity": {"nodeAffinity": {"x": 1}},
    }
    assert merge_pod_spec(runtime, predictor) == {
        "volumes": [{"name": "v", "emptyDir": {}, "configMap": {"name": "cm"}}],
        "initContainers": [{"name": "init", "env": [{"name": "A"}]}],
        "affinity": {"nodeAffinity": {"x": 1}},
    }


def test_merge_pod_spec_lists_that_replace_and_fields_not_copied():
    runtime = {
        "tolerations": [TOLERATION],
        "hostIPC": True,
        "labels": {"a": "b"},
        "containers": [{"name": "kserve-container"}],
    }
    assert merge_pod_spec(runtime, {"tolerations": [{"key": "k2"}]}) == {
        "tolerations": [{"key": "k2"}]
    }
    assert merge_pod_spec(runtime, {"tolerations": [], "schedulerName": ""}) == {
        "tolerations": [TOLERATION]
    }


# Go's test compares `scenario.expectedErr == gomega.BeNil()`, two distinct matcher pointers, so
# only its error branch runs; the expected container and pod spec it lists are never asserted
# (and "Merge podSpec…" lists values MergePodSpec cannot produce: it never copies runtime
# containers). These expectations are what the Go code computes.
MERGE_SPECS = {
    "Merge container when there is no target container": (
        [{"name": "containerA"}],
        {"name": "containerA"},
        "containerA",
        {},
        {},
        (0, {"name": "containerA"}, {}),
    ),
    "Merge container when there is target container": (
        [{"name": "containerA"}],
        {"name": "containerA", "env": [{"name": "test", "value": "test"}]},
        "containerA",
        {},
        {},
        (0, {"name": "containerA", "env": [{"name": "test", "value": "test"}]}, {}),
    ),
    "Return error when invalid container name": (
        [{"name": "containerA"}],
        {"name": "containerB"},
        "nonExistentContainer",
        {},
        {},
        Invalid(
            "spec.predictor", "failed to find nonExistentContainer in ServingRuntime containers"
        ),
    ),
    "Merge podSpec when there is target container": (
        [{"name": "containerA"}],
        {"name": "containerA"},
        "containerA",
        {
            "containers": [
                {"name": "containerA", "env": [{"name": "original", "value": "original"}]}
            ]
        },
        {"containers": [{"name": "containerA", "env": [{"name": "test", "value": "test"}]}]},
        (
            0,
            {"name": "containerA"},
            {"containers": [{"name": "containerA", "env": [{"name": "test", "value": "test"}]}]},
        ),
    ),
    "Merge podSpec when there is no target container": (
        [{"name": "containerA"}],
        {"name": "containerA"},
        "containerA",
        {
            "containers": [
                {"name": "containerA", "env": [{"name": "original", "value": "original"}]}
            ]
        },
        {"containers": [{"name": "containerB", "env": [{"name": "test", "value": "test"}]}]},
        (
            0,
            {"name": "containerA"},
            {"containers": [{"name": "containerB", "env": [{"name": "test", "value": "test"}]}]},
        ),
    ),
}


@pytest.mark.parametrize(
    ("sr_containers", "isvc_container", "target", "sr_pod", "isvc_pod", "expected"),
    MERGE_SPECS.values(),
    ids=MERGE_SPECS.keys(),
)
def test_merge_serving_runtime_and_inference_service_specs(
    sr_containers, isvc_container, target, sr_pod, isvc_pod, expected
):
    result = merge_serving_runtime_and_inference_service_specs(
        sr_containers, isvc_container, target, sr_pod, isvc_pod
    )
    assert result == expected


RESOURCES = {"limits": {"cpu": "2", "memory": "4Gi"}, "requests": {"cpu": "1", "memory": "2Gi"}}


def test_replace_placeholders():  # ReplaceArgsAndEnvPlaceholders
    container = {
        "name": "kserve-container",
        "image": "default-image",
        "args": ["--foo={{.Name}}", "--test=dummy", "--new-arg=baz"],
        "env": [
            {"name": "PORT", "value": "8080"},
            {"name": "MODELS_DIR", "value": "{{.Labels.modelDir}}"},
        ],
        "resources": RESOURCES,
    }
    meta = {"name": "bar", "labels": {"modelDir": "/mnt/models"}}
    assert replace_placeholders(container, meta) == {
        **container,
        "args": ["--foo=bar", "--test=dummy", "--new-arg=baz"],
        "env": [{"name": "PORT", "value": "8080"}, {"name": "MODELS_DIR", "value": "/mnt/models"}],
    }


PLACEHOLDERS = {
    # html/template escapes what it prints, so a quote cannot break the JSON text
    "a value with a quote is HTML-escaped": ("--x={{.Labels.q}}", "--x=a&#34;b&#43;c&lt;&amp;"),
    "a missing label prints nothing under html/template": ("[{{.Labels.nope}}]", "[]"),
    "a raw-string index works": ("{{ index .Annotations `a/b` }}", "ann"),
    "namespace and generation": ("{{.Namespace}}/{{.Generation}}", "ns/0"),
    "a literal '<' survives Go's JSON escaping": ("a<b {{.Name}}", "a<b my-model"),
}


@pytest.mark.parametrize(("arg", "expected"), PLACEHOLDERS.values(), ids=PLACEHOLDERS.keys())
def test_replace_placeholders_go_behaviour(arg, expected):
    meta = {
        "name": "my-model",
        "namespace": "ns",
        "labels": {"q": 'a"b+c<&'},
        "annotations": {"a/b": "ann"},
    }
    result = replace_placeholders({"name": "c", "args": [arg]}, meta)
    assert result == {"name": "c", "args": [expected]}


@pytest.mark.parametrize(
    ("arg", "error", "message"),
    [
        ('{{ index .Labels "a/b" }}', GoTemplateError, r'unexpected "\\\\" in operand'),
        ("{{.UID}}", GoTemplateError, "can't evaluate field UID"),
        ("{{.Labels.bs}}", MergeError, "invalid JSON after placeholders"),
    ],
    ids=["a quoted index key is JSON-escaped", "cluster-assigned fields", "a backslash value"],
)
def test_replace_placeholders_errors(arg, error, message):
    with pytest.raises(error, match=message):
        replace_placeholders({"name": "c", "args": [arg]}, {"name": "m", "labels": {"bs": "a\\"}})


def tag_case(image, version, runtime, resources=None, annotations=None, expected=""):
    container: dict[str, Any] = {"name": "kserve-container", "image": image}
    if resources:
        container["resources"] = resources
    return container, version, runtime, annotations, expected


GPU = {"limits": {"nvidia.com/gpu": "1"}}
CPU = {"requests": {"cpu": "1", "memory": "2Gi"}}
VLLM = "vllm/vllm-openai:latest"
SERVER_TYPE = "serving.kserve.io/server-type"
UPDATE_IMAGE_TAG = {
    "UpdateRuntimeVersion": tag_case(
        "tfserving", "2.6.2", "kserve-tensorflow-serving", RESOURCES, expected="tfserving:2.6.2"
    ),
    "UpdateTFServingGPUImageTag": tag_case(
        "tfserving:1.14.0", None, "kserve-tensorflow-serving", GPU, expected="tfserving:1.14.0-gpu"
    ),
    "UpdateHuggingFaceServerGPUImageTag": tag_case(
        "huggingfaceserver:1.14.0",
        None,
        "kserve-huggingfaceserver",
        GPU,
        expected="huggingfaceserver:1.14.0-gpu",
    ),
    "UpdateGPUImageTagWithProxy": tag_case(
        "localhost:8888/tfserving:1.14.0",
        None,
        "kserve-tensorflow-serving",
        GPU,
        expected="localhost:8888/tfserving:1.14.0-gpu",
    ),
    "UpdateRuntimeVersionWithProxy": tag_case(
        "localhost:8888/tfserving",
        "2.6.2",
        "kserve-tensorflow-serving",
        RESOURCES,
        expected="localhost:8888/tfserving:2.6.2",
    ),
    "UpdateRuntimeVersionWithProxyAndTag": tag_case(
        "localhost:8888/tfserving:1.2.3",
        "2.6.2",
        "kserve-tensorflow-serving",
        RESOURCES,
        expected="localhost:8888/tfserving:2.6.2",
    ),
    "DoNotUpdateWhenDigestSpecified": tag_case(
        "huggingfaceserver@sha256:abcdef1234567890",
        "2.6.2",
        "kserve-tensorflow-serving",
        expected="huggingfaceserver@sha256:abcdef1234567890",
    ),
    "VLLMServerGPUKeepsDefaultImage": tag_case(VLLM, None, "kserve-vllmserver", GPU, expected=VLLM),
    "VLLMServerCPURewritesImageName": tag_case(
        VLLM, None, "kserve-vllmserver", RESOURCES, expected="vllm/vllm-openai-cpu:latest"
    ),
    "VLLMServerCPUWithProxyRewritesImageName": tag_case(
        "localhost:8888/vllm/vllm-openai:v0.5.0",
        None,
        "kserve-vllmserver",
        CPU,
        expected="localhost:8888/vllm/vllm-openai-cpu:v0.5.0",
    ),
    "VLLMServerCPUSkipsWhenImageNameAlreadyCpu": tag_case(
        "vllm/vllm-openai-cpu:v0.5.0",
        None,
        "kserve-vllmserver",
        CPU,
        expected="vllm/vllm-openai-cpu:v0.5.0",
    ),
    "VLLMServerCPUSkipsWhenImageHasNoTag": tag_case(
        "vllm/vllm-openai", None, "kserve-vllmserver", CPU, expected="vllm/vllm-openai"
    ),
    "VLLMServerRuntimeVersionTakesPrecedence": tag_case(
        VLLM, "v0.5.0", "kserve-vllmserver", CPU, expected="vllm/vllm-openai:v0.5.0"
    ),
    "VLLMServerCPURewriteViaAnnotationForCustomRuntime": tag_case(
        VLLM,
        None,
        "my-custom-vllm",
        CPU,
        {SERVER_TYPE: "vllmserver"},
        expected="vllm/vllm-openai-cpu:latest",
    ),
    "VLLMServerAnnotationTakesPrecedenceOverRuntimeName": tag_case(
        VLLM,
        None,
        "kserve-mlserver",
        CPU,
        {SERVER_TYPE: "vllmserver"},
        expected="vllm/vllm-openai-cpu:latest",
    ),
    "HuggingFaceServerGPUViaAnnotationForCustomRuntime": tag_case(
        "huggingfaceserver:1.14.0",
        None,
        "my-custom-hf",
        GPU,
        {SERVER_TYPE: "huggingfaceserver"},
        expected="huggingfaceserver:1.14.0-gpu",
    ),
    "UnknownRuntimeWithoutAnnotationIsLeftAlone": tag_case(
        VLLM, None, "my-custom-vllm", CPU, expected=VLLM
    ),
}


@pytest.mark.parametrize(
    ("container", "version", "runtime", "annotations", "expected"),
    UPDATE_IMAGE_TAG.values(),
    ids=UPDATE_IMAGE_TAG.keys(),
)
def test_update_image_tag(container, version, runtime, annotations, expected):
    before = copy.deepcopy(container)
    assert update_image_tag(container, version, runtime, annotations)["image"] == expected
    assert container == before


def env(name, value):
    return {"name": name, "value": value}


ADD_ENV = {
    "addNewEnv": (
        [{"name": "test-container", "env": [env("EXISTING_VAR", "existing_value")]}],
        "test-container",
        "NEW_ENV",
        "new_value",
        [env("EXISTING_VAR", "existing_value"), env("NEW_ENV", "new_value")],
        None,
    ),
    "updateExistingEnv": (
        [{"name": "test-container", "env": [env("EXISTING_VAR", "existing_value")]}],
        "test-container",
        "EXISTING_VAR",
        "updated_value",
        [env("EXISTING_VAR", "updated_value")],
        None,
    ),
    "updateExistingEnvWithSpecificContainer": (
        [
            {"name": "target-container", "env": [env("EXISTING_VAR", "existing_value")]},
            {"name": "test-container", "env": [env("EXISTING_VAR", "existing_value")]},
        ],
        "target-container",
        "EXISTING_VAR",
        "updated_value",
        [env("EXISTING_VAR", "updated_value")],
        None,
    ),
    "addNewEnvWithSpecificContainer": (
        [
            {"name": "target-container", "env": [env("EXISTING_VAR", "existing_value")]},
            {"name": "test-container", "env": [env("EXISTING_VAR", "existing_value")]},
        ],
        "target-container",
        "NEW_ENV",
        "new_value",
        [env("EXISTING_VAR", "existing_value"), env("NEW_ENV", "new_value")],
        None,
    ),
    "AddEnvToWrongContainer": (
        [{"name": "wrong-container", "env": [env("EXISTING_VAR", "existing_value")]}],
        "test-container",
        "EXISTING_VAR",
        "updated_value",
        [env("EXISTING_VAR", "existing_value")],
        "target container(test-container) does not exist",
    ),
}


@pytest.mark.parametrize(
    ("containers", "target", "name", "value", "expected_env", "error"),
    ADD_ENV.values(),
    ids=ADD_ENV.keys(),
)
def test_add_env_var_to_pod_spec(containers, target, name, value, expected_env, error):
    pod_spec = {"containers": containers}
    if error:
        with pytest.raises(MergeError) as err:
            add_env_var_to_pod_spec(pod_spec, target, name, value)
        assert str(err.value) == error
        assert pod_spec["containers"][0]["env"] == expected_env
        return
    result = add_env_var_to_pod_spec(pod_spec, target, name, value)
    assert result["containers"][0]["env"] == expected_env
    assert result["containers"][1:] == containers[1:]


def test_add_env_var_to_pod_spec_keeps_value_from():
    pod_spec = {"containers": [{"name": "c", "env": [{"name": "X", "valueFrom": SK}]}]}
    result = add_env_var_to_pod_spec(pod_spec, "c", "X", "v")
    assert result["containers"][0]["env"] == [{"name": "X", "valueFrom": SK, "value": "v"}]


def runtime_spec(*containers: dict[str, Any], **pod: Any) -> dict[str, Any]:
    return {"supportedModelFormats": [{"name": "sklearn"}], "containers": list(containers), **pod}


def inference_service(model: dict[str, Any], **predictor: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "my-model", "namespace": "ns", "labels": {"team": "a"}},
        "spec": {
            "predictor": {
                "model": {
                    "modelFormat": {"name": "sklearn"},
                    "runtime": "kserve-sklearnserver",
                    **model,
                },
                **predictor,
            }
        },
    }


KSERVE = {
    "name": "kserve-container",
    "image": "kserve/sklearnserver:latest",
    "args": ["--model_name={{.Name}}"],
}
BUILD_POD_SPEC = {
    "model merged with the runtime, placeholders replaced, image tag set": (
        inference_service(
            {"runtimeVersion": "v1", "args": ["--x"], "storageUri": "s3://b/m"},
            serviceAccountName="sa",
            minReplicas=1,
            labels={"l": "v"},
        ),
        runtime_spec(KSERVE, nodeSelector={"a": "b"}, hostIPC=True),
        {
            "nodeSelector": {"a": "b"},
            "serviceAccountName": "sa",
            "containers": [
                {
                    "name": "kserve-container",
                    "image": "kserve/sklearnserver:v1",
                    "args": ["--model_name=my-model", "--x"],
                }
            ],
        },
    ),
    "container order: kserve, transformer, runtime sidecars, isvc containers": (
        inference_service(
            {},
            containers=[
                {"name": "isvc-sidecar", "image": "s"},
                {"name": "transformer-container", "args": ["--t"]},
            ],
        ),
        runtime_spec(
            {"name": "sidecar", "image": "x", "args": ["{{.Name}}"]},
            {"name": "transformer-container", "image": "t", "args": ["--m={{.Name}}"]},
            KSERVE,
        ),
        {
            "containers": [
                {
                    "name": "kserve-container",
                    "image": "kserve/sklearnserver:latest",
                    "args": ["--model_name=my-model"],
                },
                {"name": "transformer-container", "image": "t", "args": ["--m=my-model", "--t"]},
                {"name": "sidecar", "image": "x", "args": ["{{.Name}}"]},
                {"name": "isvc-sidecar", "image": "s"},
            ]
        },
    ),
    "runtime without containers": (
        inference_service({}),
        runtime_spec(),
        Invalid(
            "spec.predictor.model.runtime",
            "no container configuration found in selected serving runtime",
        ),
    ),
    "runtime without kserve-container": (
        inference_service({}),
        runtime_spec({"name": "other"}),
        Invalid(
            "spec.predictor.model", "failed to find kserve-container in ServingRuntime containers"
        ),
    ),
    "bad placeholder": (
        inference_service({"args": ["{{.Nope}}"]}),
        runtime_spec(KSERVE),
        Invalid(
            "spec.predictor.model",
            "failed to replace placeholders in serving runtime kserve-sklearnserver Container "
            'kserve-container: template: container-tmpl:1: executing "container-tmpl" at '
            "<.Nope>: can't evaluate field Nope",
        ),
    ),
}


@pytest.mark.parametrize(
    ("isvc", "runtime", "expected"), BUILD_POD_SPEC.values(), ids=BUILD_POD_SPEC.keys()
)
def test_build_pod_spec(isvc, runtime, expected):
    before = copy.deepcopy((isvc, runtime))
    assert build_pod_spec(isvc, runtime, {}) == expected
    assert (isvc, runtime) == before


# --- properties --------------------------------------------------------------------------------

_text = st.text(min_size=1, max_size=8)
_env = st.lists(
    st.fixed_dictionaries({"name": _text, "value": _text}),
    max_size=4,
    unique_by=lambda e: e["name"],
)
_ports = st.lists(
    st.fixed_dictionaries({"containerPort": st.integers(1, 65535)}, optional={"name": _text}),
    max_size=3,
    unique_by=lambda p: p["containerPort"],
)
_mounts = st.lists(
    st.fixed_dictionaries({"name": _text, "mountPath": _text}),
    max_size=3,
    unique_by=lambda m: m["mountPath"],
)
_containers = st.fixed_dictionaries(
    {"name": _text},
    optional={
        "image": _text,
        "args": st.lists(st.text(), min_size=1, max_size=3),
        "command": st.lists(st.text(), min_size=1, max_size=3),
        "env": _env.filter(bool),
        "ports": _ports.filter(bool),
        "volumeMounts": _mounts.filter(bool),
        "resources": st.fixed_dictionaries({"limits": st.dictionaries(_text, _text, min_size=1)}),
        "securityContext": st.fixed_dictionaries({"runAsUser": st.integers(0, 10)}),
    },
)


@given(_containers)
def test_merging_an_empty_patch_gives_the_container_back(container):
    assert merge_container_with_patch(container, {}) == container
    assert merge_runtime_containers(container, {}) == container


@given(_containers)
def test_merging_a_container_with_itself_gives_it_back(container):
    before = copy.deepcopy(container)
    assert merge_container_with_patch(container, container) == container
    assert container == before


@given(_containers, _containers)
def test_runtime_args_come_before_isvc_args(runtime, isvc):
    merged = merge_runtime_containers(runtime, isvc)
    assert merged.get("args", []) == [*runtime.get("args", []), *isvc.get("args", [])]
