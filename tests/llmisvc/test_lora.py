"""LoRA adapters (generator/llmisvc/lora.py): KServe's `config_merge_lora_test.go`,
`workload_lora_internal_test.go` and the LoRA cases of `llm_inference_service_validation_test.go`,
ported; then the render of a service with adapters and the published LoRA samples."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from checker import check_files
from helpers import build_tree, require_shared

from generator import cli, pipeline
from generator.config.pod_configs import StorageInitializerConfig
from generator.errors import ProblemsFound
from generator.llmisvc import lora, workload

HEADER = "X-Gateway-Model-Name"
_CA_PATH = "/etc/ssl/custom-certs"


def exact_path_with_header(path: str, value: str) -> dict[str, Any]:
    return {
        "path": {"type": "Exact", "value": path},
        "headers": [{"type": "Exact", "name": HEADER, "value": value}],
    }


def header_only(value: str) -> dict[str, Any]:
    return {"headers": [{"type": "Exact", "name": HEADER, "value": value}]}


def path_prefix(path: str) -> dict[str, Any]:
    return {"path": {"type": "PathPrefix", "value": path}}


def rule(*matches: dict[str, Any]) -> dict[str, Any]:
    return {"matches": list(matches)}


BASE = "publishers/ns/models/base-model"
ADAPTERS = [{"name": "adapter-a"}, {"name": "adapter-b"}]


def _headers(rules: list[dict[str, Any]], i: int = 0) -> list[str]:
    return [m["headers"][0]["value"] for m in rules[i]["matches"]]


def test_expand_lora_adapter_matches_for_each_adapter() -> None:
    # TestExpandLoRAAdapterMatches/"expands model-routing matches for each adapter": base
    # matches first, then for each base match one copy per adapter
    rules = [
        rule(
            exact_path_with_header("/v1/completions", BASE),
            exact_path_with_header("/v1/completions/", BASE),
        )
    ]
    lora.expand_matches(rules, "ns", ADAPTERS, HEADER)
    got = [(m["path"]["value"], m["headers"][0]["value"]) for m in rules[0]["matches"]]
    assert got == [
        ("/v1/completions", BASE),
        ("/v1/completions/", BASE),
        ("/v1/completions", "publishers/ns/models/adapter-a"),
        ("/v1/completions", "publishers/ns/models/adapter-b"),
        ("/v1/completions/", "publishers/ns/models/adapter-a"),
        ("/v1/completions/", "publishers/ns/models/adapter-b"),
    ]


@pytest.mark.parametrize(
    ("adapters", "header"),
    [
        ([], HEADER),  # "no adapters - rules unchanged"
        (ADAPTERS, ""),  # "empty header name - rules unchanged"
    ],
)
def test_expand_lora_adapter_matches_unchanged(adapters: list[Any], header: str) -> None:
    rules = [rule(exact_path_with_header("/v1/completions", BASE))]
    before = copy.deepcopy(rules)
    lora.expand_matches(rules, "ns", adapters, header)
    assert rules == before


def test_expand_lora_adapter_matches_leaves_path_only_rules() -> None:
    # "path-only rules are untouched"
    rules = [
        rule(path_prefix("/ns/name/v1/completions")),
        rule(exact_path_with_header("/v1/completions", BASE)),
    ]
    lora.expand_matches(rules, "ns", ADAPTERS, HEADER)
    assert [len(r["matches"]) for r in rules] == [1, 3]


def test_expand_lora_adapter_matches_header_only_and_nil_names() -> None:
    # "catch-all header-only match gets adapter copies", "adapter with nil name is skipped"
    rules = [rule(header_only(BASE))]
    lora.expand_matches(rules, "ns", ADAPTERS, HEADER)
    assert _headers(rules) == [
        BASE,
        "publishers/ns/models/adapter-a",
        "publishers/ns/models/adapter-b",
    ]
    rules = [rule(exact_path_with_header("/v1/completions", BASE))]
    lora.expand_matches(rules, "ns", [{"name": None}, {"name": "valid-adapter"}], HEADER)
    assert _headers(rules) == [BASE, "publishers/ns/models/valid-adapter"]


def test_expand_lora_adapter_matches_consolidated_rule() -> None:
    # "expands consolidated model-routing rule with all endpoints": 8 + 8 x 2 = 24
    paths = [
        p + s
        for p in ("/v1/completions", "/v1/chat/completions", "/v1/responses", "/v1/messages")
        for s in ("", "/")
    ]
    rules = [rule(*(exact_path_with_header(p, BASE) for p in paths))]
    lora.expand_matches(rules, "ns", ADAPTERS, HEADER)
    matches = rules[0]["matches"]
    assert len(matches) == 24
    for i, adapter in enumerate(("adapter-a", "adapter-b")):
        for j, path in enumerate(paths):
            match = matches[8 + i + j * 2]
            assert match["headers"][0]["value"] == f"publishers/ns/models/{adapter}"
            assert match["path"]["value"] == path


def test_expand_lora_adapter_matches_namespace_and_order() -> None:
    # "uses correct namespace in header value", "adapter order is stable regardless of input"
    rules = [rule(exact_path_with_header("/v1/completions", "publishers/prod/models/b"))]
    lora.expand_matches(rules, "prod", [{"name": "lora-1"}], HEADER)
    assert _headers(rules)[1] == "publishers/prod/models/lora-1"
    rules = [rule(exact_path_with_header("/v1/completions", BASE))]
    lora.expand_matches(rules, "ns", [{"name": "zebra"}, {"name": "alpha"}], HEADER)
    assert _headers(rules)[1:] == ["publishers/ns/models/alpha", "publishers/ns/models/zebra"]


def test_sanitize_lora_path_segment() -> None:
    # TestSanitizeLoRAPathSegment
    assert lora.sanitize_path_segment("k8s-lora") == "k8s-lora"
    assert lora.sanitize_path_segment("a/b") == "a-b"
    assert lora.sanitize_path_segment("@@@") == "---"
    assert lora.sanitize_path_segment("") == "adapter"
    assert lora.sanitize_path_segment("..") == "adapter"


def test_add_lora_vllm_args_all_params() -> None:
    # TestAddLoRAVLLMArgs/"all params set with model-routing aliases"
    main: dict[str, Any] = {"name": "main", "args": ["--user-flag"]}
    modules = [
        '{"name":"a","path":"/mnt/lora/a"}',
        '{"name":"publishers/ns/models/a","path":"/mnt/lora/a"}',
        '{"name":"b","path":"/mnt/lora/b"}',
        '{"name":"publishers/ns/models/b","path":"/mnt/lora/b"}',
    ]
    lora.add_vllm_args(main, modules, 64, 2, 4)
    assert main["args"] == [
        "--enable-lora",
        "--max-lora-rank=64",
        "--max-loras=2",
        "--max-cpu-loras=4",
        "--lora-modules",
        *(f"'{m}'" for m in modules),
        "--user-flag",
    ]


def test_add_lora_vllm_args_no_optional_params() -> None:
    # TestAddLoRAVLLMArgs/"no optional params"
    main: dict[str, Any] = {"name": "main", "args": ["--user-flag"]}
    lora.add_vllm_args(main, ['{"name":"a","path":"/mnt/lora/a"}'], None, None, None)
    assert main["args"] == [
        "--enable-lora",
        "--lora-modules",
        """'{"name":"a","path":"/mnt/lora/a"}'""",
        "--user-flag",
    ]


def test_user_supplied_lora_config() -> None:
    # TestUserSuppliedLoRAConfig
    env = {"name": "VLLM_ADDITIONAL_ARGS", "value": "x --lora-modules y"}
    assert lora.user_supplied_config({"env": [env]})
    env = {"name": "VLLM_ADDITIONAL_ARGS", "value": "--enable-lora"}
    assert not lora.user_supplied_config({"env": [env]})
    assert lora.user_supplied_config({"args": ["--lora-modules", "x=y"]})


def _service(adapters: list[dict[str, Any]], **lora_fields: Any) -> dict[str, Any]:
    return {
        "metadata": {"name": "svc", "namespace": "ns"},
        "spec": {
            "model": {
                "uri": "hf://m/base",
                "name": "base",
                "lora": {"adapters": adapters, **lora_fields},
            }
        },
    }


@pytest.mark.parametrize(
    ("adapters", "fields", "want"),
    [
        ([{"uri": "hf://a/b"}], {}, [("spec.model.lora.adapters[0].name", "Required value")]),
        (
            [{"name": "..", "uri": "hf://a/b"}],
            {},
            [("spec.model.lora.adapters[0].name", 'Invalid value: "..": adapter name must not')],
        ),
        (
            [{"name": "x", "uri": "hf://a/b"}, {"name": "x", "uri": "hf://a/c"}],
            {},
            [
                (
                    "spec.model.lora.adapters[1].name",
                    'Invalid value: "x": duplicate name (same as adapters[0])',
                )
            ],
        ),
        (
            [{"name": "base", "uri": "hf://a/b"}],
            {},
            [
                (
                    "spec.model.lora.adapters[0].name",
                    'Invalid value: "base": adapter name must differ from base model name "base"',
                )
            ],
        ),
        (
            [],
            {"maxRank": 0, "maxAdapters": 0, "maxCpuAdapters": -1},
            [
                ("spec.model.lora.maxRank", "Invalid value: 0: maxRank must be at least 1"),
                ("spec.model.lora.maxAdapters", "Invalid value: 0: maxAdapters must be at least 1"),
                (
                    "spec.model.lora.maxCpuAdapters",
                    "Invalid value: -1: maxCpuAdapters must be at least 1",
                ),
            ],
        ),
        ([{"name": "ok", "uri": "hf://a/b"}], {"maxRank": 8}, []),
    ],
)
def test_validate_lora_adapters(
    adapters: list[dict[str, Any]], fields: dict[str, Any], want: list[tuple[str, str]]
) -> None:
    # llm_inference_service_validation.go: validateLoRAAdapters
    got = lora.validate(_service(adapters, **fields))
    assert [i.field for i in got] == [f for f, _ in want]
    assert all(i.message.startswith(m) for i, (_, m) in zip(got, want, strict=True))


def test_base_model_name_defaults_to_the_service_name() -> None:
    doc = _service([{"name": "svc", "uri": "hf://a/b"}])
    del doc["spec"]["model"]["name"]
    assert [i.message for i in lora.validate(doc)] == [
        'Invalid value: "svc": adapter name must differ from base model name "svc"'
    ]


def test_enumerate_sorts_and_resolves_mount_paths() -> None:
    spec = _service(
        [
            {"name": "z/one", "uri": "pvc://claim/path"},
            {"name": "a", "uri": "s3://bucket/a"},
        ]
    )["spec"]
    assert lora.enumerate_adapters(spec) == [
        lora.Adapter("a", "/mnt/lora/a", "s3://bucket/a", "s3://"),
        lora.Adapter("z/one", "/mnt/lora/z-one", "pvc://claim/path", "pvc://"),
    ]
    assert lora.download_pairs(lora.enumerate_adapters(spec)) == [("s3://bucket/a", "/mnt/lora/a")]


@pytest.mark.parametrize(
    ("uri", "enabled", "message"),
    [
        ("no-scheme", None, 'LoRA adapter "x": invalid URI "no-scheme"'),
        ("oci://reg/a:1", None, 'LoRA adapter "x": oci:// is not supported for LoRA adapters'),
        ("gs://b/a", None, 'LoRA adapter "x": unsupported URI scheme "gs://"; supported'),
        ("hf://a/b", False, 'LoRA adapter "x": hf:// and s3:// require the storage initializer'),
        ("pvc://c/a", False, 'LoRA adapter "x": pvc:// requires a mounted volume'),
    ],
)
def test_enumerate_refuses_what_kserve_refuses(
    uri: str, enabled: bool | None, message: str
) -> None:
    spec = _service([{"name": "x", "uri": uri}])["spec"]
    if enabled is not None:
        spec["storageInitializer"] = {"enabled": enabled}
    with pytest.raises(lora.LoRAError) as err:
        lora.enumerate_adapters(spec)
    assert str(err.value).startswith(message)
    assert err.value.field == "spec.model.lora.adapters"


SERVICE = """
apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceService
metadata: {name: tiny, namespace: ns}
spec:
  model:
    uri: pvc://models/opt
    name: opt
    lora:
      maxRank: 16
      adapters:
        - {name: sql, uri: "pvc://adapters/sql"}
        - {name: chat, uri: "hf://org/chat-lora"}
  router: {scheduler: {}, route: {}, gateway: {}}
  template:
    containers:
      - name: main
        image: vllm-cpu:v1
        args: ["--enforce-eager"]
"""


def _run(tmp_path: Path, text: str) -> pipeline.Result:
    root = build_tree(tmp_path / "in", {"llmisvc.yaml": text})
    return pipeline.run(pipeline.Request(paths=(str(root),), allow_cluster_scoped=True))


def _deployment(result: pipeline.Result, name: str) -> dict[str, Any]:
    deployments = [r.obj for r in result.objects if r.kind == "Deployment"]
    (found,) = [d for d in deployments if d["metadata"]["name"] == name]
    return dict(found)


def test_pvc_model_with_adapters(tmp_path: Path) -> None:
    """workload_storage.go: attachModelArtifacts (pvc:// model, hf:// adapter → one
    storage-initializer for the adapter alone), workload_lora.go: attachLoRAAdapters (pvc://
    adapter volume `lora-pvc-<name>`, flags before the user's)."""
    result = _run(tmp_path, SERVICE)
    pod = _deployment(result, "tiny-kserve")["spec"]["template"]["spec"]
    (init,) = pod["initContainers"]
    assert init["args"] == ["hf://org/chat-lora", "/mnt/lora/chat"]
    assert {"name": "kserve-provision-location", "mountPath": "/mnt/lora/chat"} in init[
        "volumeMounts"
    ]
    main = next(c for c in pod["containers"] if c["name"] == "main")
    assert main["args"][:3] == ["--enable-lora", "--max-lora-rank=16", "--lora-modules"]
    assert main["args"][3:8] == [
        """'{"name":"chat","path":"/mnt/lora/chat"}'""",
        """'{"name":"publishers/ns/models/chat","path":"/mnt/lora/chat"}'""",
        """'{"name":"sql","path":"/mnt/lora/sql"}'""",
        """'{"name":"publishers/ns/models/sql","path":"/mnt/lora/sql"}'""",
        "--enforce-eager",
    ]
    mounts = {m["name"]: m for m in main["volumeMounts"]}
    assert mounts["lora-pvc-sql"] == {
        "name": "lora-pvc-sql",
        "mountPath": "/mnt/lora/sql",
        "readOnly": True,
        "subPath": "sql",
    }
    assert mounts["kserve-provision-location"]["readOnly"] is True
    volumes = {v["name"]: v for v in pod["volumes"]}
    assert volumes["lora-pvc-sql"] == {
        "name": "lora-pvc-sql",
        "persistentVolumeClaim": {"claimName": "adapters"},
    }
    # the scheduler scores adapter affinity (schedulerConfigText) and stays LoRA-free itself
    scheduler = _deployment(result, "tiny-kserve-router-scheduler")
    text = scheduler["spec"]["template"]["spec"]["containers"][0]["args"][-1]
    assert "lora-affinity-scorer" in yaml.safe_load(text)["plugins"][-1]["type"]


def test_adapter_named_like_the_base_model_is_refused(tmp_path: Path) -> None:
    text = SERVICE.replace("{name: sql,", "{name: opt,")
    with pytest.raises(ProblemsFound) as found:
        _run(tmp_path, text)
    assert [(p.field, p.message) for p in found.value.problems] == [
        (
            "spec.model.lora.adapters[0].name",
            'Invalid value: "opt": adapter name must differ from base model name "opt"',
        )
    ]


def test_oci_adapter_is_refused_naming_the_adapters(tmp_path: Path) -> None:
    text = SERVICE.replace("pvc://adapters/sql", "oci://reg.io/sql:1")
    with pytest.raises(ProblemsFound) as found:
        _run(tmp_path, text)
    (problem,) = found.value.problems
    assert problem.field == "spec.model.lora.adapters"
    assert problem.message.startswith('LoRA adapter "sql": oci:// is not supported')


SAMPLES = "reference/kserve/llmisvc/samples/lora-adapters/test-examples"


def test_lora_samples_render_and_validate(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = require_shared(SAMPLES)
    outputs = []
    for name in ("01-lora-hf-cpu.yaml", "02-lora-multi-hf-cpu.yaml", "04-lora-pvc-cpu.yaml"):
        with pytest.raises(SystemExit) as exited:
            cli.main(["render", "-n", "demo", "--allow-cluster-scoped", str(root / name)])
        out, err = capsys.readouterr()
        assert exited.value.code in (0, None), err
        assert "--enable-lora" in out
        path = tmp_path / name
        path.write_text(out)
        outputs.append(str(path))
    count, problems = check_files(outputs, True)
    assert count and not problems, problems[:20]


@pytest.mark.parametrize(
    ("namespace", "config", "env", "want_map", "want_path"),
    [
        ("ns", StorageInitializerConfig(), [], None, None),  # nothing asks for a bundle
        ("kserve", StorageInitializerConfig(ca_bundle_config_map_name="ca"), [], "ca", _CA_PATH),
        # outside kserve the bundle is the namespace's copy, global-ca-bundle
        (
            "ns",
            StorageInitializerConfig(ca_bundle_config_map_name="ca"),
            [],
            "global-ca-bundle",
            _CA_PATH,
        ),
        # the S3 credentials' variables name their own
        (
            "ns",
            StorageInitializerConfig(),
            [
                {"name": "AWS_CA_BUNDLE_CONFIGMAP", "value": "mine"},
                {"name": "AWS_CA_BUNDLE", "value": "/certs/ca.crt"},
            ],
            "mine",
            "/certs",
        ),
    ],
)
def test_inject_ca_bundle(
    namespace: str,
    config: StorageInitializerConfig,
    env: list[dict[str, str]],
    want_map: str | None,
    want_path: str | None,
) -> None:
    # workload_storage.go: injectCaBundle
    pod: dict[str, Any] = {}
    init: dict[str, Any] = {"name": "storage-initializer", "env": list(env)}
    workload.inject_ca_bundle(namespace, pod, init, config)
    if want_map is None:
        assert pod == {} and init["env"] == env
        return
    assert init["env"][len(env) :] == [
        {"name": "CA_BUNDLE_CONFIGMAP_NAME", "value": want_map},
        {"name": "CA_BUNDLE_VOLUME_MOUNT_POINT", "value": want_path},
    ]
    assert pod["volumes"] == [{"name": "cabundle-cert", "configMap": {"name": want_map}}]
    assert init["volumeMounts"] == [
        {"name": "cabundle-cert", "mountPath": want_path, "readOnly": True}
    ]
