"""Ported from KServe v0.20.0 `pkg/controller/v1alpha2/llmisvc/config_merge_test.go`.

Each case keeps its Go name. Go struct literals are written as the JSON they marshal to
(`apis.URL{Path: "model-a"}` is `"model-a"`; nil pointers are absent).
"""

from __future__ import annotations

from typing import Any

import pytest
import yaml

from generator.goruntime import template as gotemplate
from generator.llmisvc import config_merge as cm
from generator.llmisvc.strategic import merge_specs


def y(text: str) -> Any:
    return yaml.safe_load(text)


# TestMergeSpecs: (Go case name, cfgs, want); MergeSpecs merges each onto the ones before.
MERGE_SPECS = [
    ("no configs", [], {}),
    ("single config", [{"model": {"uri": "model-a"}}], {"model": {"uri": "model-a"}}),
    (
        "two configs simple merge with sub-field override",
        [
            {"model": {"uri": "model-a"}, "router": {"route": {}, "gateway": {}, "scheduler": {}}},
            {
                "model": {"uri": "model-a"},
                "router": {"scheduler": {"pool": {"spec": {"targetPorts": [{"number": 9999}]}}}},
            },
        ],
        {
            "model": {"uri": "model-a"},
            "router": {
                "route": {},
                "gateway": {},
                "scheduler": {"pool": {"spec": {"targetPorts": [{"number": 9999}]}}},
            },
        },
    ),
    (
        "two configs with override",
        [
            {"model": {"uri": "model-a"}, "replicas": 1},
            {"model": {"uri": "model-b"}, "replicas": 2},
        ],
        {"model": {"uri": "model-b"}, "replicas": 2},
    ),
    (
        "three configs chained merge",
        [{"model": {"uri": "model-a"}}, {"model": {"uri": "model-b"}}],
        {"model": {"uri": "model-b"}},
    ),
    (
        "deep merge with podspec template",
        y("""
- replicas: 1
  template:
    initContainers:
    - {name: storage-initializer, image: "kserve/storage-initializer:latest",
       resources: {requests: {storage: 1Mi}}}
    containers:
    - {name: kserve-container, image: "base:0.1", resources: {requests: {cpu: "1"}}}
    tolerations: [{key: team, operator: Equal, value: a}]
- replicas: 2
  template:
    initContainers:
    - {name: storage-initializer, resources: {requests: {storage: 1Gi}}}
    containers:
    - {name: kserve-container, image: "override:1.0", env: [{name: FOO, value: bar}],
       resources: {requests: {cpu: "2"}}}
    - {name: transformer, image: "transformer:latest"}
    tolerations: [{key: gpu, operator: Exists}]
    priorityClassName: high-priority
"""),
        y("""
replicas: 2
template:
  initContainers:
  - {name: storage-initializer, image: "kserve/storage-initializer:latest",
     resources: {requests: {storage: 1Gi}}}
  containers:
  - {name: kserve-container, image: "override:1.0", env: [{name: FOO, value: bar}],
     resources: {requests: {cpu: "2"}}}
  - {name: transformer, image: "transformer:latest"}
  tolerations: [{key: gpu, operator: Exists}]
  priorityClassName: high-priority
"""),
    ),
    (
        "merge with prefill spec",
        y("""
- {replicas: 1, template: {containers: [{name: kserve-container, image: "decode:0.1"}]}}
- prefill: {replicas: 4, template: {containers: [{name: kserve-container, image: "prefill:0.1"}]}}
"""),
        y("""
replicas: 1
template: {containers: [{name: kserve-container, image: "decode:0.1"}]}
prefill: {replicas: 4, template: {containers: [{name: kserve-container, image: "prefill:0.1"}]}}
"""),
    ),
    (
        "merge with worker spec",
        y("""
- template: {containers: [{name: kserve-container, image: "head:0.1"}]}
- worker: {containers: [{name: kserve-container, image: "worker:0.1"}]}
"""),
        y("""
template: {containers: [{name: kserve-container, image: "head:0.1"}]}
worker: {containers: [{name: kserve-container, image: "worker:0.1"}]}
"""),
    ),
    (
        "merge with parallelism spec",
        [{"parallelism": {"tensor": 2}}, {"parallelism": {"pipeline": 4}}],
        {"parallelism": {"tensor": 2, "pipeline": 4}},
    ),
    (
        "deep merge of prefill spec",
        y("""
- prefill:
    replicas: 2
    template:
      containers:
      - {name: prefill-container, image: "prefill:0.1", resources: {requests: {cpu: "1"}}}
- prefill:
    replicas: 4
    template:
      containers: [{name: prefill-container, env: [{name: PREFILL_MODE, value: FAST}]}]
"""),
        y("""
prefill:
  replicas: 4
  template:
    containers:
    - {name: prefill-container, image: "prefill:0.1", env: [{name: PREFILL_MODE, value: FAST}],
       resources: {requests: {cpu: "1"}}}
"""),
    ),
    (
        "merge model URI",
        [{"model": {"uri": "hf://hub.com/model-a"}}, {"model": {"uri": "s3://bucket.com/model-b"}}],
        {"model": {"uri": "s3://bucket.com/model-b"}},
    ),
    (
        "merge baseRefs",
        [
            {"baseRefs": [{"name": "base-config-1"}, {"name": "base-config-2"}]},
            {"baseRefs": [{"name": "override-config-1"}]},
        ],
        {"baseRefs": [{"name": "override-config-1"}]},
    ),
    (
        "merge ingress spec",
        [
            {"router": {"ingress": {"refs": [{"name": "base-ingress", "namespace": "base-ns"}]}}},
            {
                "router": {
                    "ingress": {"refs": [{"name": "override-ingress", "namespace": "override-ns"}]}
                }
            },
        ],
        {
            "router": {
                "ingress": {"refs": [{"name": "override-ingress", "namespace": "override-ns"}]}
            }
        },
    ),
    (
        "merge with nil pointer handling",
        [
            {"model": {"uri": "model-uri", "name": "base-name"}, "replicas": 1},
            {"model": {"uri": ""}, "replicas": 3},
        ],
        {"model": {"uri": "model-uri", "name": "base-name"}, "replicas": 3},
    ),
    (
        "merge complex nested structures",
        y("""
- model: {uri: base-model, name: base-name, lora: {adapters: [{uri: lora-model}]}}
  replicas: 1
  parallelism: {tensor: 2}
  router: {gateway: {refs: [{name: base-gw}]}}
- model: {uri: "", name: override-name, lora: {adapters: [{uri: lora-model2}]}}
  replicas: 5
  parallelism: {pipeline: 4}
  router: {route: {http: {refs: [{name: override-route}]}}}
"""),
        y("""
model: {uri: base-model, name: override-name, lora: {adapters: [{uri: lora-model2}]}}
replicas: 5
parallelism: {tensor: 2, pipeline: 4}
router:
  gateway: {refs: [{name: base-gw}]}
  route: {http: {refs: [{name: override-route}]}}
"""),
    ),
    (
        "merge empty structures",
        [{"model": {"uri": ""}}, {"model": {"uri": "populated-model"}}],
        {"model": {"uri": "populated-model"}},
    ),
    ("merge with zero values vs nil pointers", [{"replicas": 0}, {}], {"replicas": 0}),
    (
        "merge pod spec with nil containers",
        y("""
- template:
    containers: [{image: busybox, name: busybox}]
    initContainers: [{image: busybox-init, name: busybox-init}]
    volumes: [{name: vol1}]
  replicas: 1
- template: {}
"""),
        y("""
template:
  containers: [{image: busybox, name: busybox}]
  initContainers: [{image: busybox-init, name: busybox-init}]
  volumes: [{name: vol1}]
replicas: 1
"""),
    ),
]


@pytest.mark.parametrize(
    ("cfgs", "want"), [(c, w) for _, c, w in MERGE_SPECS], ids=[n for n, _, _ in MERGE_SPECS]
)
def test_merge_specs(cfgs: list[dict[str, Any]], want: dict[str, Any]) -> None:
    assert cm.merge_all(cfgs) == want


def test_merge_specs_keeps_untagged_lists_whole() -> None:
    # Go: HTTPRouteSpec, InferencePoolSpec and the LLMInferenceService types carry no
    # patchMergeKey, so their lists are replaced (strategicpatch's default for untagged types).
    base = {"router": {"route": {"http": {"spec": {"rules": [{"name": "a"}, {"name": "b"}]}}}}}
    override = {"router": {"route": {"http": {"spec": {"rules": [{"name": "c"}]}}}}}
    assert merge_specs(base, override)["router"]["route"]["http"]["spec"]["rules"] == [
        {"name": "c"}
    ]


def test_merge_specs_merges_env_by_name_and_ports_by_container_port() -> None:
    base = y("""
template:
  containers:
  - name: main
    env: [{name: A, value: "1"}, {name: B, value: "2"}]
    ports: [{containerPort: 8000, protocol: TCP}]
""")
    override = y("""
template:
  containers:
  - name: main
    env: [{name: B, value: "3"}, {name: C, value: "4"}]
    ports: [{containerPort: 8000, name: http}]
""")
    main = merge_specs(base, override)["template"]["containers"][0]
    assert main["env"] == [
        {"name": "A", "value": "1"},
        {"name": "B", "value": "3"},
        {"name": "C", "value": "4"},
    ]
    assert main["ports"] == [{"containerPort": 8000, "protocol": "TCP", "name": "http"}]


def test_merge_specs_refuses_merging_two_inline_scheduler_configs() -> None:
    # RawExtension has no JSON fields: strategicpatch cannot look one up inside it.
    base = {"router": {"scheduler": {"config": {"inline": {"kind": "EndpointPickerConfig"}}}}}
    with pytest.raises(cm.CombineError, match="RawExtension"):
        cm.merge_all([base, base])


# TestReplaceVariables: (Go case name, llmSvc, cfg spec, want spec)
REPLACE = [
    (
        "Replace model name",
        {"spec": {"model": {"name": "meta-llama/Llama-3.2-3B-Instruct"}}},
        {
            "model": {"name": "{{ .Spec.Model.Name }}"},
            "template": {
                "containers": [{"args": ["--served-model-name", "{{ .Spec.Model.Name }}"]}]
            },
        },
        {
            "model": {"name": "meta-llama/Llama-3.2-3B-Instruct"},
            "template": {
                "containers": [
                    {"args": ["--served-model-name", "meta-llama/Llama-3.2-3B-Instruct"]}
                ]
            },
        },
    ),
    (
        "template with ChildName function",
        {"metadata": {"name": "test-llm", "namespace": "test-ns"}},
        {
            "template": {
                "serviceAccountName": "{{ ChildName .Name `-sa` }}",
                "containers": [
                    {
                        "name": "main",
                        "env": [
                            {
                                "name": "DEPLOYMENT_NAME",
                                "value": "{{ ChildName .Name `-deployment` }}",
                            }
                        ],
                    }
                ],
            }
        },
        {
            "template": {
                "serviceAccountName": "test-llm-sa",
                "containers": [
                    {
                        "name": "main",
                        "env": [{"name": "DEPLOYMENT_NAME", "value": "test-llm-deployment"}],
                    }
                ],
            }
        },
    ),
    (
        "template with nil pointer access should not error if default value is provided",
        {"spec": {"model": {}}},
        {
            "model": {
                "name": "{{ if .Spec.Model.Name }}{{ .Spec.Model.Name }}"
                "{{ else }}default-model{{ end }}"
            }
        },
        {"model": {"name": "default-model"}},
    ),
    (
        "template with router configurations",
        {"metadata": {"name": "router-test", "namespace": "routing-ns"}},
        {
            "router": {
                "route": {"http": {"refs": [{"name": "{{ .Name }}-route"}]}},
                "gateway": {
                    "refs": [{"name": "{{ .Name }}-gateway", "namespace": "{{ .Namespace }}"}]
                },
            }
        },
        {
            "router": {
                "route": {"http": {"refs": [{"name": "router-test-route"}]}},
                "gateway": {"refs": [{"name": "router-test-gateway", "namespace": "routing-ns"}]},
            }
        },
    ),
    (
        "template with multiple variables in single string",
        {"metadata": {"name": "multi-var", "namespace": "test-ns"}},
        {
            "template": {
                "containers": [
                    {
                        "name": "main",
                        "env": [
                            {"name": "FULL_NAME", "value": "{{ .Namespace }}/{{ .Name }}"},
                            {
                                "name": "CONFIG_PATH",
                                "value": "/config/{{ .Namespace }}-{{ .Name }}.yaml",
                            },
                        ],
                    }
                ]
            }
        },
        {
            "template": {
                "containers": [
                    {
                        "name": "main",
                        "env": [
                            {"name": "FULL_NAME", "value": "test-ns/multi-var"},
                            {"name": "CONFIG_PATH", "value": "/config/test-ns-multi-var.yaml"},
                        ],
                    }
                ]
            }
        },
    ),
    (
        "template in baseRefs",
        {"metadata": {"name": "base-ref-test", "namespace": "template-ns"}},
        {
            "baseRefs": [
                {"name": "{{ .Name }}-base-config"},
                {"name": "{{ .Namespace }}-shared-config"},
            ]
        },
        {
            "baseRefs": [
                {"name": "base-ref-test-base-config"},
                {"name": "template-ns-shared-config"},
            ]
        },
    ),
    (
        "shutdownTimeout uses default when spec.template is nil",
        {},
        {
            "template": {
                "containers": [
                    {"args": ["--shutdown-timeout", "{{ shutdownTimeout .Spec.Template 15 }}"]}
                ]
            }
        },
        {"template": {"containers": [{"args": ["--shutdown-timeout", "40"]}]}},
    ),
    (
        "shutdownTimeout uses spec.template.terminationGracePeriodSeconds when set",
        {"spec": {"template": {"terminationGracePeriodSeconds": 120}}},
        {
            "template": {
                "containers": [
                    {"args": ["--shutdown-timeout", "{{ shutdownTimeout .Spec.Template 15 }}"]}
                ]
            }
        },
        {"template": {"containers": [{"args": ["--shutdown-timeout", "100"]}]}},
    ),
    (
        "shutdownTimeout uses default when no spec provided (nil arg)",
        {},
        {
            "template": {
                "containers": [{"args": ["--shutdown-timeout", "{{ shutdownTimeout nil 15 }}"]}]
            }
        },
        {"template": {"containers": [{"args": ["--shutdown-timeout", "40"]}]}},
    ),
    (
        "kvTransferConfig returns empty string when kvCacheOffloading is nil",
        {},
        {
            "template": {
                "containers": [{"args": ["x{{ kvTransferConfig .Spec.KVCacheOffloading }}x"]}]
            }
        },
        {"template": {"containers": [{"args": ["xx"]}]}},
    ),
]


def _svc(given: dict[str, Any]) -> dict[str, Any]:
    return {"metadata": given.get("metadata", {}), "spec": given.get("spec", {})}


@pytest.mark.parametrize(
    ("llmsvc", "cfg", "want"), [c[1:] for c in REPLACE], ids=[c[0] for c in REPLACE]
)
def test_replace_variables(
    llmsvc: dict[str, Any], cfg: dict[str, Any], want: dict[str, Any]
) -> None:
    got = cm.replace_variables(_svc(llmsvc), {"metadata": {}, "spec": cfg}, cm.GlobalConfig())
    assert got == want


@pytest.mark.parametrize(
    "template",
    [
        pytest.param("{{ .Name", id="template with invalid syntax should error"),
        pytest.param("{{ .NonExistentField }}", id="template with non-existent field should error"),
    ],
)
def test_replace_variables_errors(template: str) -> None:
    with pytest.raises(cm.CombineError):
        cm.replace_variables(
            _svc({"metadata": {"name": "test"}}),
            {"metadata": {}, "spec": {"model": {"name": template}}},
            cm.GlobalConfig(),
        )


def test_replace_variables_nil_pointer_is_an_error() -> None:
    # Go: "nil pointer evaluating *v1alpha2.ParallelismSpec.Tensor" without the `and` guard.
    with pytest.raises(cm.CombineError, match="nil pointer evaluating"):
        cm.replace_variables(
            _svc({}),
            {"metadata": {}, "spec": {"model": {"name": "{{ .Spec.Parallelism.Tensor }}"}}},
            cm.GlobalConfig(),
        )


@pytest.mark.parametrize(
    ("enable_tls", "want"),
    [
        pytest.param(
            True,
            [
                "--enable-cert-reload=true",
                "--secure-serving=true",
                "--model-server-metrics-scheme=https",
                "--cert-path=/var/run/kserve/tls",
            ],
            id="TLS on: all flags render with TLS values",
        ),
        pytest.param(False, ["", "", "", ""], id="TLS off: all flags render empty"),
    ],
)
def test_replace_variables_tls_conditional(enable_tls: bool, want: list[str]) -> None:
    # TestReplaceVariables_TLSConditional, on the scheduler preset's four TLS flags.
    preset = cm.builtin_presets()["kserve-config-llm-scheduler"]["spec"]
    args = [a for a in preset["router"]["scheduler"]["template"]["containers"][0]["command"]]
    tls_args = [a for a in args if "EnableTLS" in a]
    cfg = {"router": {"scheduler": {"template": {"containers": [{"args": tls_args}]}}}}
    got = cm.replace_variables(
        _svc({"metadata": {"name": "x"}}),
        {"metadata": {}, "spec": cfg},
        cm.GlobalConfig(enable_tls=enable_tls),
    )
    assert got["router"]["scheduler"]["template"]["containers"][0]["args"] == want


TO_PARENT_REFS = [
    (
        "single gateway ref",
        [{"name": "my-gateway", "namespace": "my-ns"}],
        [
            {
                "name": "my-gateway",
                "namespace": "my-ns",
                "group": "gateway.networking.k8s.io",
                "kind": "Gateway",
            }
        ],
    ),
    (
        "multiple gateway refs",
        [{"name": "gw-1", "namespace": "ns-1"}, {"name": "gw-2", "namespace": "ns-2"}],
        [
            {
                "name": "gw-1",
                "namespace": "ns-1",
                "group": "gateway.networking.k8s.io",
                "kind": "Gateway",
            },
            {
                "name": "gw-2",
                "namespace": "ns-2",
                "group": "gateway.networking.k8s.io",
                "kind": "Gateway",
            },
        ],
    ),
    (
        "gateway ref with empty namespace",
        [{"name": "my-gateway", "namespace": ""}],
        [{"name": "my-gateway", "group": "gateway.networking.k8s.io", "kind": "Gateway"}],
    ),
    ("empty refs returns empty slice", [], []),
    (
        "gateway ref with sectionName targets specific listener",
        [{"name": "gw", "namespace": "ns", "sectionName": "https"}],
        [
            {
                "name": "gw",
                "namespace": "ns",
                "sectionName": "https",
                "group": "gateway.networking.k8s.io",
                "kind": "Gateway",
            }
        ],
    ),
]


@pytest.mark.parametrize(
    ("refs", "want"), [c[1:] for c in TO_PARENT_REFS], ids=[c[0] for c in TO_PARENT_REFS]
)
def test_to_parent_refs(refs: list[dict[str, Any]], want: list[dict[str, Any]]) -> None:
    assert cm.to_parent_refs(refs) == want


def test_get_workload_label_selector_used_as_default_pool_selector() -> None:
    # TestGetWorkloadLabelSelectorUsedAsDefaultPoolSelector
    assert cm.workload_label_selector("my-llm") == {
        "app.kubernetes.io/part-of": "llminferenceservice",
        "app.kubernetes.io/name": "my-llm",
        "kserve.io/component": "workload",
    }


def test_child_name_hashes_long_names() -> None:
    # knative kmeta.ChildName: a name over 63 characters keeps a prefix and an md5 of the parent.
    long = "a" * 60
    name = cm.child_name(long, "-kserve-workload-svc")
    assert len(name) == 63 and name.endswith("-kserve-workload-svc")
    assert cm.child_name("short", "-epp-sa") == "short-epp-sa"


def test_merge_specs_orders_a_merged_list_as_strategicpatch_does() -> None:
    # strategicpatch mergeSlice → normalizeElementOrder/mergeSortedSlice: the patch's items in
    # patch order, the others where they were (checked against KServe's MergeSpecs on the
    # opt-125m CPU sample: its env lands between the preset's).
    base = y("""
template:
  containers:
  - name: main
    env: [{name: HOME, value: /home}, {name: VLLM_LOGGING_LEVEL, value: INFO},
          {name: HF_HUB_CACHE, value: /models}]
""")
    override = y("""
template:
  containers:
  - name: main
    env: [{name: VLLM_LOGGING_LEVEL, value: DEBUG}, {name: VLLM_CPU_KVCACHE_SPACE, value: "1"}]
""")
    env = cm.merge_all([base, override])["template"]["containers"][0]["env"]
    assert [e["name"] for e in env] == [
        "HOME",
        "VLLM_LOGGING_LEVEL",
        "VLLM_CPU_KVCACHE_SPACE",
        "HF_HUB_CACHE",
    ]
    assert env[1]["value"] == "DEBUG"


def test_merge_specs_writes_quantities_as_go_marshals_them() -> None:
    # A preset's `cpu: 6` is the string "6" after MergeSpecs' typed JSON round trip.
    spec = {"template": {"containers": [{"name": "main", "resources": {"limits": {"cpu": 6}}}]}}
    merged = cm.merge_all([spec, {}])
    assert merged["template"]["containers"][0]["resources"]["limits"] == {"cpu": "6"}


def test_replace_variables_is_not_bound_by_the_hand_written_template_limit() -> None:
    # The config's JSON text may be far longer than a domain or path template; Go has no bound.
    token = gotemplate.SOURCE_LIMIT.set(100)
    try:
        got = cm.replace_variables(
            _svc({"metadata": {"name": "long"}}),
            {"metadata": {}, "spec": {"model": {"name": "{{ .Name }}" + "x" * 200}}},
            cm.GlobalConfig(),
        )
    finally:
        gotemplate.SOURCE_LIMIT.reset(token)
    assert got == {"model": {"name": "long" + "x" * 200}}


def test_replace_variables_missing_label_is_an_error() -> None:
    # missingkey=error, as ReplaceVariables sets it: a map key that is absent fails.
    with pytest.raises(cm.CombineError, match='map has no entry for key "team"'):
        cm.replace_variables(
            _svc({"metadata": {"name": "a", "labels": {"app": "x"}}}),
            {"metadata": {}, "spec": {"model": {"name": "{{ .Labels.team }}"}}},
            cm.GlobalConfig(),
        )
