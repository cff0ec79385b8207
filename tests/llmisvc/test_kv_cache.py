"""KV-cache offloading: KServe's `workload_kvcache_test.go` (TestAttachKVCacheSecondaryTiers),
the kvTransferConfig cases of `config_merge_test.go` (TestReplaceVariables) and
`TestValidateKVCacheOffloading`, ported; test names cite the Go tests."""

from __future__ import annotations

from typing import Any

import pytest

from generator.llmisvc import config_merge as cm
from generator.llmisvc import kv_cache

EMPTY_DIR_100 = {"fileSystem": {"emptyDir": {"size": "100Gi"}}}
EMPTY_DIR_200 = {"fileSystem": {"emptyDir": {"size": "200Gi"}}}
PVC_SPEC = {
    "storageClassName": "fast-nvme",
    "accessModes": ["ReadWriteOnce"],
    "resources": {"requests": {"storage": "100Gi"}},
}
PVC_REF = {"fileSystem": {"pvc": {"ref": {"name": "my-pvc", "path": "kv-cache/"}}}}


def _volume(i: int, source: dict[str, Any]) -> dict[str, Any]:
    return {"name": f"kv-cache-secondary-{i}", **source}


def _mount(i: int, sub_path: str = "") -> dict[str, Any]:
    mount = {"name": f"kv-cache-secondary-{i}", "mountPath": f"/mnt/kv-cache-{i}"}
    return {**mount, "subPath": sub_path} if sub_path else mount


@pytest.mark.parametrize(
    ("secondary", "volumes", "mounts"),
    [
        pytest.param(None, None, None, id="empty secondary list produces no volumes"),
        pytest.param([{}], None, None, id="nil fileSystem entry is skipped"),
        pytest.param(
            [EMPTY_DIR_100],
            [_volume(0, {"emptyDir": {"sizeLimit": "100Gi"}})],
            [_mount(0)],
            id="emptyDir tier creates emptyDir volume with sizeLimit",
        ),
        pytest.param(
            [{"fileSystem": {"pvc": {"spec": PVC_SPEC}}}],
            [_volume(0, {"ephemeral": {"volumeClaimTemplate": {"spec": PVC_SPEC}}})],
            [_mount(0)],
            id="pvc.spec tier creates ephemeral volume using full PVC spec",
        ),
        pytest.param(
            [PVC_REF],
            [_volume(0, {"persistentVolumeClaim": {"claimName": "my-pvc"}})],
            [_mount(0, "kv-cache/")],
            id="pvc.ref tier creates PVC volume with subPath",
        ),
        pytest.param(
            [EMPTY_DIR_100, EMPTY_DIR_200],
            [
                _volume(0, {"emptyDir": {"sizeLimit": "100Gi"}}),
                _volume(1, {"emptyDir": {"sizeLimit": "200Gi"}}),
            ],
            [_mount(0), _mount(1)],
            id="multiple tiers get indexed names and default mountPaths",
        ),
        pytest.param(
            [PVC_REF, {"fileSystem": {"pvc": {"spec": PVC_SPEC}}}],
            [
                _volume(0, {"persistentVolumeClaim": {"claimName": "my-pvc"}}),
                _volume(1, {"ephemeral": {"volumeClaimTemplate": {"spec": PVC_SPEC}}}),
            ],
            [_mount(0, "kv-cache/"), _mount(1)],
            id="mixed backends: pvc.ref at index 0 and pvc.spec at index 1",
        ),
    ],
)
def test_attach_kv_cache_secondary_tiers(
    secondary: list[Any] | None, volumes: list[Any] | None, mounts: list[Any] | None
) -> None:
    """TestAttachKVCacheSecondaryTiers"""
    pod: dict[str, Any] = {"containers": [{"name": "main"}]}
    kv = {"cpu": "10Gi"} | ({"secondary": secondary} if secondary is not None else {})
    kv_cache.attach_secondary_tiers(pod, kv, "main")
    assert pod.get("volumes") == volumes
    assert pod["containers"][0].get("volumeMounts") == mounts


@pytest.mark.parametrize(
    ("existing", "want"),
    [(None, "300Gi"), ("20Gi", "320Gi"), ("1G", "323122547200"), ("0", "300Gi")],
)
def test_empty_dir_tiers_request_their_ephemeral_storage(existing: str | None, want: str) -> None:
    """attachFileSystemKVCacheTier adds each emptyDir size to the container's
    ephemeral-storage request (`Quantity.Add`, in the existing quantity's format)."""
    container: dict[str, Any] = {"name": "main"}
    if existing is not None:
        container["resources"] = {"requests": {"ephemeral-storage": existing}}
    pod: dict[str, Any] = {"containers": [container, {"name": "other"}]}
    kv = {"cpu": "1Gi", "secondary": [EMPTY_DIR_100, EMPTY_DIR_200, PVC_REF]}
    kv_cache.attach_secondary_tiers(pod, kv, "main")
    assert container["resources"]["requests"]["ephemeral-storage"] == want
    assert pod["containers"][1] == {"name": "other"}
    assert [m["name"] for m in container["volumeMounts"]] == [
        "kv-cache-secondary-0",
        "kv-cache-secondary-1",
        "kv-cache-secondary-2",
    ]


def _args(kv: dict[str, Any]) -> str:
    cfg = {
        "template": {"containers": [{"args": ["{{ kvTransferConfig .Spec.KVCacheOffloading }}"]}]}
    }
    svc = {"metadata": {}, "spec": {"kvCacheOffloading": kv}}
    got = cm.replace_variables(svc, {"metadata": {}, "spec": cfg}, cm.GlobalConfig())
    return str(got["template"]["containers"][0]["args"][0])


_PREFIX = '--kv-transfer-config \'{\\"kv_connector\\":\\"OffloadingConnector\\",'
_SUFFIX = ',\\"spec_name\\":\\"TieringOffloadingSpec\\"},\\"kv_role\\":\\"kv_both\\"}\''


@pytest.mark.parametrize(
    ("kv", "extra"),
    [
        pytest.param(
            {"cpu": "10Gi"},
            '\\"cpu_bytes_to_use\\":10737418240',
            id="kvTransferConfig renders --kv-transfer-config from kvCacheOffloading",
        ),
        pytest.param(
            {"cpu": "5Gi", "evictionPolicy": "arc"},
            '\\"cpu_bytes_to_use\\":5368709120,\\"eviction_policy\\":\\"arc\\"',
            id="kvTransferConfig includes eviction policy when set",
        ),
        pytest.param(
            {"cpu": "10Gi", "secondary": [EMPTY_DIR_100]},
            '\\"cpu_bytes_to_use\\":10737418240,\\"secondary_tiers\\":[{\\"root_dir\\":'
            '\\"/mnt/kv-cache-0\\",\\"type\\":\\"fs\\"}]',
            id="kvTransferConfig renders single emptyDir secondary tier",
        ),
        pytest.param(
            {"cpu": "10Gi", "secondary": [EMPTY_DIR_200, EMPTY_DIR_200]},
            '\\"cpu_bytes_to_use\\":10737418240,\\"secondary_tiers\\":[{\\"root_dir\\":'
            '\\"/mnt/kv-cache-0\\",\\"type\\":\\"fs\\"},{\\"root_dir\\":\\"/mnt/kv-cache-1\\",'
            '\\"type\\":\\"fs\\"}]',
            id="kvTransferConfig renders multiple secondary tiers with indexed root_dirs",
        ),
        pytest.param(
            {"cpu": "1500m", "secondary": [{}, EMPTY_DIR_100]},
            '\\"cpu_bytes_to_use\\":2,\\"secondary_tiers\\":[{\\"root_dir\\":'
            '\\"/mnt/kv-cache-1\\",\\"type\\":\\"fs\\"}]',
            id="cpu rounds up as Quantity.Value; a tier without fileSystem keeps its index",
        ),
    ],
)
def test_replace_variables_kv_transfer_config(kv: dict[str, Any], extra: str) -> None:
    """TestReplaceVariables' kvTransferConfig cases: the literal `\\"` survives the JSON round
    trip, for the preset's shell assignment."""
    want = _PREFIX + '\\"kv_connector_extra_config\\":{' + extra + _SUFFIX
    assert _args(kv) == want


def _errors(kv: Any, prefill: Any = None) -> list[str]:
    spec: dict[str, Any] = {"kvCacheOffloading": kv}
    if prefill is not None:
        spec["prefill"] = {"kvCacheOffloading": prefill}
    return [f"{i.field}: {i.message}" for i in kv_cache.validate(spec)]


def test_validate_kv_cache_offloading() -> None:
    """TestValidateKVCacheOffloading"""
    path = "spec.kvCacheOffloading"
    assert _errors(None) == []
    assert _errors({"cpu": "10Gi"}) == []
    assert _errors({"cpu": "10Gi", "secondary": [EMPTY_DIR_100]}) == []
    assert _errors({"cpu": "0", "secondary": [EMPTY_DIR_100]}) == [
        f"{path}.cpu: Required value: cpu must be set when secondary tiers are configured"
    ]
    assert _errors({"cpu": "10Gi", "secondary": [{}]}) == [
        f"{path}.secondary[0].fileSystem: Required value: only fileSystem tiers are supported; "
        "fileSystem must be set"
    ]
    both = {"fileSystem": {"emptyDir": {"size": "1Gi"}, "pvc": {"ref": {"name": "p"}}}}
    [error] = _errors({"cpu": "10Gi", "secondary": [both]})
    assert error.startswith(f"{path}.secondary[0].fileSystem: Invalid value: ")
    assert error.endswith("exactly one of emptyDir or pvc must be set; multiple are set")
    assert _errors({"cpu": "10Gi", "secondary": [{"fileSystem": {}}]}) == [
        f"{path}.secondary[0].fileSystem: Required value: exactly one of emptyDir or pvc must "
        "be set"
    ]
    assert _errors({"cpu": "10Gi", "secondary": [{"fileSystem": {"pvc": {}}}]}) == [
        f"{path}.secondary[0].fileSystem.pvc: Required value: exactly one of spec or ref must "
        "be set"
    ]
    empty_ref = {"fileSystem": {"pvc": {"ref": {"name": ""}}}}
    assert _errors({"cpu": "10Gi", "secondary": [empty_ref]}) == [
        f"{path}.secondary[0].fileSystem.pvc.ref.name: Required value: name is required"
    ]
    both_pvc = {"fileSystem": {"pvc": {"ref": {"name": "p"}, "spec": PVC_SPEC}}}
    [error] = _errors({"cpu": "10Gi", "secondary": [both_pvc]})
    assert error.startswith(f"{path}.secondary[0].fileSystem.pvc: Invalid value: ")
    assert _errors(None, {"secondary": [EMPTY_DIR_100]}) == [
        "spec.prefill.kvCacheOffloading.cpu: Required value: cpu must be set when secondary "
        "tiers are configured"
    ]
