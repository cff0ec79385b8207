"""LocalModelCaches and LocalModelNamespaceCaches in the input set: with `localModel.enabled`,
KServe's defaulting webhook (`inference_service_defaults.go: Default`) lists them and labels an
InferenceService whose storage URI a cache holds, and the pod webhook
(`storage_initializer_injector.go: InjectStorageInitializer`) then mounts the cache's PVC instead
of downloading the model. The differential suite checks the choices against KServe's own code
(`test_generated_local_models_match_kserve`); these tests check the wiring through the installed
console script: what is read, what passes through, what is refused and what is said."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml
from helpers import build_tree
from hypothesis import given, settings
from hypothesis import strategies as st
from test_cli import run

from generator import config as config_mod
from generator import inputset, load, volume_rules
from generator.admission import defaults
from generator.config import ConfigLayer
from generator.config.quantity import parse_quantity
from generator.controllers import localmodel
from generator.errors import Source
from generator.llmisvc import admission
from generator.schema import emitted

ISVC = """
apiVersion: serving.kserve.io/v1beta1
kind: InferenceService
metadata:
  name: llama
  namespace: team-a
  annotations: {serving.kserve.io/deploymentMode: Standard}
spec:
  predictor:
    model:
      modelFormat: {name: huggingface}
      storageUri: hf://org/llama/sub
"""
CONFIG = """
apiVersion: v1
kind: ConfigMap
metadata: {name: inferenceservice-config, namespace: kserve}
data:
  localModel: '{"enabled": %s}'
"""
CACHE = """
apiVersion: serving.kserve.io/v1alpha1
kind: LocalModelCache
metadata: {name: llama}
spec: {sourceModelUri: "hf://org/llama", modelSize: 10Gi, nodeGroups: %s}
"""
NS_CACHE = """
apiVersion: serving.kserve.io/v1alpha1
kind: LocalModelNamespaceCache
metadata: {name: team-llama}
spec: {sourceModelUri: "hf://org/llama/", modelSize: 10Gi, nodeGroups: [gpu-b]}
"""


def repo(root: Path, enabled: bool = True, groups: str = "[gpu-a, gpu-b]", **more: str) -> Path:
    files = {"isvc.yaml": ISVC, "config.yaml": CONFIG % str(enabled).lower()}
    files["cache.yaml"] = CACHE % groups
    return build_tree(root, {**files, **more})


def objects(stdout: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(stdout) if d]


def deployment(stdout: str) -> dict[str, Any]:
    (found,) = [d for d in objects(stdout) if d["kind"] == "Deployment"]
    return found


def test_a_cached_model_is_mounted_from_the_caches_pvc(tmp_path: Path) -> None:
    done = run("render", str(repo(tmp_path)), "--allow-cluster-scoped", "--no-cache")
    assert done.returncode == 0, done.stderr
    pod = deployment(done.stdout)["spec"]["template"]
    assert pod["metadata"]["labels"]["internal.serving.kserve.io/localmodel"] == "llama"
    assert not pod["spec"].get("initContainers")  # no storage initializer download
    claims = [v["persistentVolumeClaim"]["claimName"] for v in pod["spec"]["volumes"]
              if "persistentVolumeClaim" in v]  # fmt: skip
    assert claims == ["llama-gpu-a"]  # the cache's first node group
    (mount,) = [m for m in pod["spec"]["containers"][0]["volumeMounts"]
                if m["mountPath"] == "/mnt/models"]  # fmt: skip
    # GetStorageKey: the first 16 hex digits of the sha256 of the cache's source URI
    assert mount["subPath"] == "models/8f1e143cbc97df9f/sub"
    # the cache itself passes through, for KServe's LocalModel controller
    assert [d["metadata"]["name"] for d in objects(done.stdout) if d["kind"] == "LocalModelCache"]
    assert "PersistentVolumeClaim team-a/llama-gpu-a" in done.stderr
    assert "serving.kserve.io/disable-localmodel" in done.stderr


def test_without_local_models_enabled_the_caches_are_not_read(tmp_path: Path) -> None:
    done = run("render", str(repo(tmp_path, enabled=False)), "--allow-cluster-scoped")
    assert done.returncode == 0, done.stderr
    pod = deployment(done.stdout)["spec"]["template"]
    assert "internal.serving.kserve.io/localmodel" not in pod["metadata"]["labels"]
    assert [c["name"] for c in pod["spec"]["initContainers"]] == ["storage-initializer"]
    assert "LocalModel" not in done.stderr


def test_a_namespace_cache_comes_first_and_takes_the_default_namespace(tmp_path: Path) -> None:
    """The namespace cache has no metadata.namespace: --namespace gives it one, as it gives the
    object it passes through, and KServe lists namespace caches before cluster caches."""
    root = repo(tmp_path, **{"ns-cache.yaml": NS_CACHE})
    done = run("render", str(root), "--allow-cluster-scoped", "-n", "team-a", "--no-passthrough")
    assert done.returncode == 0, done.stderr
    pod = deployment(done.stdout)["spec"]["template"]
    labels = pod["metadata"]["labels"]
    assert labels["internal.serving.kserve.io/localmodel"] == "team-llama"
    assert labels["internal.serving.kserve.io/localmodel-namespace"] == "team-a"
    # --no-passthrough: read, not emitted
    assert not [d for d in objects(done.stdout) if d["kind"].startswith("LocalModel")]
    other = run("render", str(root), "--allow-cluster-scoped", "-n", "team-b", "--no-passthrough")
    assert other.returncode == 0, other.stderr
    assert deployment(other.stdout) != deployment(done.stdout)


def test_a_cache_the_webhook_cannot_read_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    done = run("render", str(repo(tmp_path / "src", groups="gpu-a")), "--allow-cluster-scoped",
               "-o", str(out))  # fmt: skip
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert any(
        "cache.yaml:" in line
        and "LocalModelCache llama" in line
        and "spec.nodeGroups: must be a list of strings" in line
        for line in lines
    ), done.stderr
    assert not out.exists()


def test_an_empty_node_group_list_is_refused(tmp_path: Path) -> None:
    done = run("render", str(repo(tmp_path, groups="[]")), "--allow-cluster-scoped")
    assert done.returncode == 2
    assert "spec.nodeGroups: must have at least 1 item(s)" in done.stderr


def test_a_cache_defined_twice_is_refused_even_when_only_read(tmp_path: Path) -> None:
    """Which of the two the webhook lists would depend on file order."""
    root = repo(tmp_path, **{"again.yaml": CACHE % "[cpu]"})
    for extra in ((), ("--no-passthrough",)):
        done = run("render", str(root), "--allow-cluster-scoped", *extra)
        assert done.returncode == 2, extra
        assert "metadata.name: defined twice (also at" in done.stderr
        assert len(done.stderr.strip().splitlines()) == 1, done.stderr


def test_a_namespace_cache_defined_twice_is_refused_whichever_states_the_namespace(
    tmp_path: Path,
) -> None:
    """One names its namespace, the other takes it from --namespace: one object in the cluster."""
    stated = NS_CACHE.replace("{name: team-llama}", "{name: team-llama, namespace: team-a}")
    assert stated != NS_CACHE
    root = repo(tmp_path, **{"ns-cache.yaml": NS_CACHE, "stated.yaml": stated})
    for extra in ((), ("--no-passthrough",)):
        done = run("render", str(root), "--allow-cluster-scoped", "-n", "team-a", *extra)
        assert done.returncode == 2, extra
        lines = done.stderr.strip().splitlines()
        assert len(lines) == 1, done.stderr
        refused = "LocalModelNamespaceCache team-a/team-llama: metadata.name: defined twice"
        assert refused in lines[0]


LLM = """
apiVersion: serving.kserve.io/v1alpha2
kind: LLMInferenceService
metadata:
  name: opt
  namespace: team-a
  annotations: {serving.kserve.io/nodegroup: gpu-b}
spec:
  model: {uri: "hf://org/llama/sub", name: llama}
  replicas: 1
  template:
    containers:
      - name: main
        image: vllm/vllm-openai:latest
"""


def test_an_llm_inference_service_on_a_cache_mounts_it_on_its_node_group(tmp_path: Path) -> None:
    """The LLMInferenceService webhook's `SetLocalModelLabel` (the annotated node group, when the
    cache has it) and `attachModelArtifacts`, which reads the model from the cache's PVC."""
    root = repo(tmp_path, **{"isvc.yaml": LLM})
    done = run("render", str(root), "--allow-cluster-scoped", "--no-passthrough")
    assert done.returncode == 0, done.stderr
    workload = deployment(done.stdout)["spec"]["template"]
    claims = [v["persistentVolumeClaim"]["claimName"] for v in workload["spec"]["volumes"]
              if "persistentVolumeClaim" in v]  # fmt: skip
    assert claims == ["llama-gpu-b"]
    assert not workload["spec"].get("initContainers")  # nothing downloaded
    assert "LLMInferenceService team-a/opt: its pods mount local model cache llama" in done.stderr
    disabled = run("render", str(repo(tmp_path / "off", enabled=False, **{"isvc.yaml": LLM})),
                   "--allow-cluster-scoped", "--no-passthrough")  # fmt: skip
    assert disabled.returncode == 0, disabled.stderr
    assert "llama-gpu-b" not in disabled.stdout
    assert "local model cache" not in disabled.stderr


NODE_GROUP = """
apiVersion: serving.kserve.io/v1alpha1
kind: LocalModelNodeGroup
metadata: {name: %s}
spec:
  storageLimit: 100Gi
  persistentVolumeSpec:
    accessModes: [ReadWriteOnce]
    capacity: {storage: 100Gi}
    hostPath: {path: /models, type: DirectoryOrCreate}
    nodeAffinity:
      required:
        nodeSelectorTerms:
        - matchExpressions: [{key: group, operator: In, values: [%s]}]
  persistentVolumeClaimSpec:
    accessModes: [ReadWriteOnce]
    resources: {requests: {storage: 100Gi}}
    volumeName: ignored
"""
BOTH_GROUPS = NODE_GROUP % ("gpu-a", "a") + "---" + NODE_GROUP % ("gpu-b", "b")
SECOND = ISVC.replace("name: llama", "name: llama-b").replace(
    "{serving.kserve.io/deploymentMode: Standard}",
    "{serving.kserve.io/deploymentMode: Standard, serving.kserve.io/nodegroup: gpu-b}",
)


def volumes(stdout: str) -> dict[str, dict[str, Any]]:
    found = [d for d in objects(stdout) if d["kind"].startswith("PersistentVolume")]
    return {f"{d['kind']} {d['metadata'].get('namespace', '')}/{d['metadata']['name']}": d
            for d in found}  # fmt: skip


def test_the_caches_serving_volumes_are_rendered_from_its_node_groups(tmp_path: Path) -> None:
    """`ReconcileForIsvcs`: for each namespace and node group its services use (the annotated
    one, else the cache's first), PV `<cache>-<group>-<namespace>` with the node group's
    persistentVolumeSpec and PVC `<cache>-<group>` with its claim spec bound to that PV; one pair
    however many services share it (llama and a third service both use gpu-a). KServe's
    `localmodel/controller_test.go`, "Should create pvs and pvcs for inference services", checks
    the same names for one service without the annotation and one with it."""
    third = ISVC.replace("name: llama", "name: llama-c")
    root = repo(tmp_path, **{"b.yaml": SECOND, "c.yaml": third, "groups.yaml": BOTH_GROUPS})
    done = run("render", str(root), "--allow-cluster-scoped", "--no-passthrough")
    assert done.returncode == 0, done.stderr
    found = volumes(done.stdout)
    assert sorted(found) == [
        "PersistentVolume /llama-gpu-a-team-a",
        "PersistentVolume /llama-gpu-b-team-a",
        "PersistentVolumeClaim team-a/llama-gpu-a",
        "PersistentVolumeClaim team-a/llama-gpu-b",
    ]
    volume = found["PersistentVolume /llama-gpu-b-team-a"]
    assert volume["spec"]["hostPath"] == {"path": "/models", "type": "DirectoryOrCreate"}
    assert volume["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0][
        "matchExpressions"][0]["values"] == ["b"]  # fmt: skip
    claim = found["PersistentVolumeClaim team-a/llama-gpu-b"]["spec"]
    assert claim == {
        "accessModes": ["ReadWriteOnce"],
        "resources": {"requests": {"storage": "100Gi"}},
        "volumeName": "llama-gpu-b-team-a",  # the node group's own volumeName is replaced
    }
    assert "local model cache" not in done.stderr  # nothing left to commit
    # the PVCs are the ones the pods mount
    mounted = {v["persistentVolumeClaim"]["claimName"] for d in objects(done.stdout)
               if d["kind"] == "Deployment" for v in d["spec"]["template"]["spec"]["volumes"]
               if "persistentVolumeClaim" in v}  # fmt: skip
    assert mounted == {"llama-gpu-a", "llama-gpu-b"}


@pytest.mark.parametrize(
    ("groups", "config", "said"),
    [
        # KServe gets each of the cache's node groups before it creates anything
        (NODE_GROUP % ("gpu-a", "a"), '{"enabled": true}', "add the cache's LocalModelNodeGroups"),
        # Reconcile returns before ReconcileForIsvcs
        (BOTH_GROUPS, '{"enabled": true, "disableVolumeManagement": true}', "team-a/llama-gpu-a"),
    ],
    ids=["a node group missing", "disableVolumeManagement"],
)
def test_no_volume_is_rendered_where_kserve_creates_none(
    tmp_path: Path, groups: str, config: str, said: str
) -> None:
    root = repo(tmp_path, **{"groups.yaml": groups})
    text = (root / "config.yaml").read_text()
    (root / "config.yaml").write_text(text.replace('{"enabled": true}', config))
    done = run("render", str(root), "--allow-cluster-scoped", "--no-passthrough")
    assert done.returncode == 0, done.stderr
    assert volumes(done.stdout) == {}
    assert said in done.stderr  # the warning names what the pods still need


def test_the_cluster_scoped_volume_needs_the_flag(tmp_path: Path) -> None:
    root = repo(tmp_path, **{"groups.yaml": BOTH_GROUPS})
    done = run("render", str(root), "--no-passthrough")
    assert done.returncode == 2
    assert "PersistentVolume llama-gpu-a-team-a: cluster-scoped" in done.stderr


def test_a_node_group_without_volume_specs_is_refused(tmp_path: Path) -> None:
    bad = (
        "apiVersion: serving.kserve.io/v1alpha1\nkind: LocalModelNodeGroup\n"
        "metadata: {name: gpu-a}\nspec: {persistentVolumeSpec: []}\n"
    )
    done = run("render", str(repo(tmp_path, **{"groups.yaml": bad})), "--allow-cluster-scoped")
    assert done.returncode == 2
    assert "LocalModelNodeGroup gpu-a: spec.persistentVolumeSpec: must be a mapping" in done.stderr
    assert "spec.persistentVolumeClaimSpec: must be a mapping" in done.stderr


def test_the_volumes_quantities_are_written_as_go_writes_them(tmp_path: Path) -> None:
    """KServe creates the PV and PVC from the node group's typed corev1 specs (`ReconcileForIsvcs`
    in `localmodel/reconcilers/utils.go`), so `json.Marshal` writes each quantity of `capacity`
    and of the claim's `resources` in `Quantity`'s canonical form."""
    group = NODE_GROUP.replace("capacity: {storage: 100Gi}", "capacity: {storage: 1.5Gi}").replace(
        "requests: {storage: 100Gi}", "requests: {storage: 1500Mi}, limits: {storage: 2000M}"
    )
    root = repo(
        tmp_path, **{"groups.yaml": group % ("gpu-a", "a") + "---" + group % ("gpu-b", "b")}
    )
    done = run("render", str(root), "--allow-cluster-scoped", "--no-passthrough")
    assert done.returncode == 0, done.stderr
    found = volumes(done.stdout)
    assert found["PersistentVolume /llama-gpu-a-team-a"]["spec"]["capacity"] == {
        "storage": "1536Mi"
    }
    claim = found["PersistentVolumeClaim team-a/llama-gpu-a"]["spec"]["resources"]
    assert claim == {"requests": {"storage": "1500Mi"}, "limits": {"storage": "2G"}}


@pytest.mark.parametrize(
    ("edit", "said"),
    [
        (
            ("hostPath: {", "hostpath: {"),
            'spec.persistentVolumeSpec.hostpath: unknown field "hostpath"',
        ),
        (
            ("capacity: {storage: 100Gi}", "capacity: {storage: 100GB}"),
            "spec.persistentVolumeSpec.capacity.storage: quantities must match",
        ),
        (
            ("requests: {storage: 100Gi}", "requests: {storage: [1]}"),
            "spec.persistentVolumeClaimSpec.resources.requests.storage: must be of type",
        ),
        (
            (
                "accessModes: [ReadWriteOnce]\n    capacity:",
                "accessModes: ReadWriteOnce\n    capacity:",
            ),
            "spec.persistentVolumeSpec.accessModes: must be of type array",
        ),
        # the API server's rules in code (ValidatePersistentVolumeSpec and
        # ValidatePersistentVolumeClaimSpec, k8s.io/kubernetes pkg/apis/core/validation)
        (
            ("accessModes: [ReadWriteOnce]\n    capacity:", "capacity:"),
            "spec.persistentVolumeSpec.accessModes: required value "
            "(the API server would refuse the PersistentVolume)",
        ),
        (
            (
                "persistentVolumeClaimSpec:\n    accessModes: [ReadWriteOnce]\n",
                "persistentVolumeClaimSpec:\n",
            ),
            "spec.persistentVolumeClaimSpec.accessModes: at least 1 access mode is required",
        ),
        (
            ("capacity: {storage: 100Gi}", "capacity: {storage: 100Gi, cpu: 1}"),
            'spec.persistentVolumeSpec.capacity: supported values: "storage"',
        ),
        (
            ("    hostPath: {path: /models, type: DirectoryOrCreate}\n", ""),
            "spec.persistentVolumeSpec: must specify a volume type",
        ),
        (
            (
                "hostPath: {path: /models, type: DirectoryOrCreate}",
                "hostPath: {path: /models}\n    nfs: {server: nfs.local, path: /models}",
            ),
            "spec.persistentVolumeSpec.nfs: may not specify more than 1 volume type",
        ),
        (
            ("requests: {storage: 100Gi}", "limits: {storage: 100Gi}"),
            "spec.persistentVolumeClaimSpec.resources.requests.storage: required value "
            "(the API server would refuse the PersistentVolumeClaim)",
        ),
        # the rest of those two functions at k8s.io/kubernetes v1.34.0 (volume_rules.py)
        (
            (
                "accessModes: [ReadWriteOnce]\n    capacity:",
                "accessModes: [ReadWriteSome]\n    capacity:",
            ),
            'spec.persistentVolumeSpec.accessModes: unsupported value "ReadWriteSome": supported '
            'values: "ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"',
        ),
        (
            (
                "persistentVolumeClaimSpec:\n    accessModes: [ReadWriteOnce]\n",
                "persistentVolumeClaimSpec:\n    accessModes: [ReadWriteOncePod, ReadOnlyMany]\n",
            ),
            "spec.persistentVolumeClaimSpec.accessModes: may not use ReadWriteOncePod with other "
            "access modes (the API server would refuse the PersistentVolumeClaim)",
        ),
        (
            ("capacity: {storage: 100Gi}", "capacity: {storage: 0Gi}"),
            'spec.persistentVolumeSpec.capacity.storage: invalid value "0": must be greater than '
            "zero",
        ),
        (
            ("requests: {storage: 100Gi}", "requests: {storage: -1Gi}"),
            'spec.persistentVolumeClaimSpec.resources.requests.storage: invalid value "-1Gi": '
            "must be greater than zero",
        ),
        (
            (
                "capacity: {storage: 100Gi}",
                "capacity: {storage: 100Gi}\n    persistentVolumeReclaimPolicy: Keep",
            ),
            'spec.persistentVolumeSpec.persistentVolumeReclaimPolicy: unsupported value "Keep"',
        ),
        (
            (
                "capacity: {storage: 100Gi}",
                "capacity: {storage: 100Gi}\n    persistentVolumeReclaimPolicy: Recycle",
                "/models, type",
                "//, type",
            ),
            "spec.persistentVolumeSpec.persistentVolumeReclaimPolicy: may not be 'recycle' for a "
            "hostPath mount of '/'",
        ),
        (
            ("path: /models, type: DirectoryOrCreate", "path: /models/../etc, type: Directory"),
            'spec.persistentVolumeSpec.hostPath.path: invalid value "/models/../etc": must not '
            "contain '..'",
        ),
        (
            ("type: DirectoryOrCreate", "type: Folder"),
            'spec.persistentVolumeSpec.hostPath.type: unsupported value "Folder"',
        ),
        (
            (
                "hostPath: {path: /models, type: DirectoryOrCreate}",
                "local: {path: /models}",
                "    nodeAffinity:\n      required:\n        nodeSelectorTerms:\n        - "
                "matchExpressions: [{key: group, operator: In, values: [%s]}]\n",
                "  # %s\n",
            ),
            "spec.persistentVolumeSpec.nodeAffinity: Local volume requires node affinity",
        ),
        (
            (
                "required:\n        nodeSelectorTerms:\n        - matchExpressions: [{key: group, "
                "operator: In, values: [%s]}]",
                "required: {nodeSelectorTerms: []}  # %s",
            ),
            "spec.persistentVolumeSpec.nodeAffinity.required.nodeSelectorTerms: must have at least "
            "one node selector term",
        ),
        (
            ("volumeName: ignored", "volumeName: ignored\n    storageClassName: Fast_SSD"),
            'spec.persistentVolumeClaimSpec.storageClassName: invalid value "Fast_SSD": a '
            "lowercase RFC 1123 subdomain",
        ),
        (
            ("volumeName: ignored", "volumeName: ignored\n    volumeMode: Raw"),
            'spec.persistentVolumeClaimSpec.volumeMode: unsupported value "Raw": supported values: '
            '"Block", "Filesystem"',
        ),
    ],
    ids=[
        "unknown field",
        "not a quantity",
        "not a scalar",
        "not a list",
        "no access mode",
        "no claim access mode",
        "not only storage",
        "no volume source",
        "two volume sources",
        "no storage request",
        "unknown access mode",
        "ReadWriteOncePod and another",
        "zero capacity",
        "negative request",
        "unknown reclaim policy",
        "recycling the root folder",
        "a path with ..",
        "unknown hostPath type",
        "local without node affinity",
        "no node selector term",
        "storage class not a subdomain",
        "unknown volume mode",
    ],
)
def test_a_node_group_whose_volumes_the_api_server_refuses_is_refused(
    tmp_path: Path, edit: tuple[str, ...], said: str
) -> None:
    """The PV and PVC are made of the node group's specs: what the API server refuses in them
    (the node group's own CRD carries the corev1 schemas, and `kubectl apply` validates strictly)
    is refused here, named by the node group's field, instead of being rendered."""
    group = NODE_GROUP
    for at in range(0, len(edit), 2):
        group = group.replace(edit[at], edit[at + 1])
    assert group != NODE_GROUP
    root = repo(
        tmp_path, **{"groups.yaml": group % ("gpu-a", "a") + "---" + group % ("gpu-b", "b")}
    )
    done = run("render", str(root), "--allow-cluster-scoped", "--no-passthrough")
    assert done.returncode == 2, done.stderr
    assert f"LocalModelNodeGroup gpu-a: {said}" in done.stderr
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize(
    "edit",
    [
        # Go counts flexVolume without checking for an earlier source (ValidatePersistentVolumeSpec)
        ("type: DirectoryOrCreate}", "type: DirectoryOrCreate}\n    flexVolume: {driver: x.io/fv}"),
        ("hostPath: {path: /models, type: DirectoryOrCreate}", "local: {path: /models}"),
        (
            "accessModes: [ReadWriteOnce]\n    capacity:",
            "accessModes: [ReadWriteOncePod]\n    capacity:",
        ),
        ("type: DirectoryOrCreate", 'type: ""'),
        ("volumeName: ignored", "volumeName: ignored\n    storageClassName: fast.ssd-1"),
        ("volumeName: ignored", "volumeName: ignored\n    volumeMode: Block"),
        (
            "capacity: {storage: 100Gi}",
            "capacity: {storage: 1m}\n    persistentVolumeReclaimPolicy: Recycle",
        ),
    ],
    ids=[
        "flexVolume beside hostPath",
        "local with node affinity",
        "ReadWriteOncePod alone",
        "hostPath type unset",
        "storage class",
        "block",
        "a thousandth, recycled",
    ],
)
def test_a_node_group_the_api_server_takes_is_read(tmp_path: Path, edit: tuple[str, str]) -> None:
    group = NODE_GROUP.replace(*edit)
    assert group != NODE_GROUP
    root = repo(
        tmp_path, **{"groups.yaml": group % ("gpu-a", "a") + "---" + group % ("gpu-b", "b")}
    )
    done = run("render", str(root), "--allow-cluster-scoped", "--no-passthrough")
    assert done.returncode == 0, done.stderr
    assert len(volumes(done.stdout)) == 2  # gpu-a's PV and PVC


_ANY = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=6,
)
_URIS = st.sampled_from(("hf://org/llama", "hf://org/llama/", "hf://org", "gs://b/m", ""))


@st.composite
def _cache_doc(draw: st.DrawFn) -> dict[str, Any]:
    """A cache whose fields are each well formed or anything at all."""
    kind = draw(st.sampled_from(("LocalModelCache", "LocalModelNamespaceCache")))
    groups = st.lists(st.sampled_from(("gpu-a", "gpu-b")), min_size=1, max_size=2)
    spec = {
        "sourceModelUri": draw(_URIS | _ANY),
        "nodeGroups": draw(groups | _ANY),
    }
    meta = {
        "name": draw(st.sampled_from(("a", "b")) | _ANY),
        "namespace": draw(st.sampled_from(("team-a", "x")) | _ANY),
    }
    return {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": kind,
        "metadata": draw(st.just(meta) | _ANY),
        "spec": draw(st.just(spec) | _ANY),
    }


@settings(max_examples=300 if os.environ.get("CI") else 100, deadline=None)
@given(st.lists(_cache_doc(), max_size=4), st.sampled_from(("hf://org/llama/x", "gs://b/m")))
def test_any_cache_is_read_or_refused_and_the_defaulters_take_what_is_read(
    docs: list[dict[str, Any]], uri: str
) -> None:
    """Whatever a cache holds, the reader either refuses it with a problem or hands it on well
    formed, and neither defaulter fails on what it hands on."""
    items = [load.Loaded(doc, Source("caches.yaml", i + 1)) for i, doc in enumerate(docs)]
    items = [i for i in items if isinstance(i.doc.get("metadata"), dict)]  # load refuses others
    caches, problems = inputset.local_model_caches(load.Inputs(local_model_caches=items))
    assert len(caches) + len({p.source for p in problems}) == len(items)
    for cache in caches:
        assert isinstance(cache["spec"]["sourceModelUri"], str)
        assert cache["spec"]["nodeGroups"] and all(
            isinstance(g, str) for g in cache["spec"]["nodeGroups"]
        )
    cfg, _ = config_mod.resolve(
        [config_mod.builtin_layer(), ConfigLayer(Source("c"), {"localModel": '{"enabled": true}'})]
    )
    assert cfg is not None
    isvc = yaml.safe_load(ISVC)
    isvc["spec"]["predictor"]["model"]["storageUri"] = uri
    defaulted = defaults.default_inference_service(isvc, cfg, caches)
    labels = defaulted["metadata"].get("labels") or {}
    if "internal.serving.kserve.io/localmodel" in labels:
        pvc = defaulted["metadata"]["annotations"]["internal.serving.kserve.io/localmodel-pvc-name"]
        assert pvc.startswith(labels["internal.serving.kserve.io/localmodel"] + "-")
    llm = {
        "apiVersion": "serving.kserve.io/v1alpha2",
        "kind": "LLMInferenceService",
        "metadata": {"name": "m", "namespace": "team-a"},
        "spec": {"model": {"uri": uri}},
    }
    admission.set_local_model_label(llm, cfg, caches)


_QUANTITIES = st.one_of(
    st.sampled_from(("1.5Gi", "100Gi", "2000M", "1e3", "0.5", "1024Ki", " 5Gi ")),
    st.integers(1, 10**12),
    st.floats(min_value=1e-3, max_value=1e30),
    st.sampled_from(("abc", "1.2.3", "", float("inf"))),  # Go cannot read these
    st.sampled_from(("0", "-1Gi", 0, -5, "1e-10")),  # not above zero but 1e-10 (Go: 1e-9)
)
_MOSTLY = st.sampled_from((True,) * 9 + (False,))


_VOLUME_FIELDS = {
    "accessModes": st.lists(
        st.sampled_from(("ReadWriteOnce", "ReadWriteOncePod", "ReadOnlyMany", "ReadWriteSome")),
        min_size=1,
        max_size=2,
    ),
    "capacity": st.fixed_dictionaries({"storage": _QUANTITIES}, optional={"x.io/y": _QUANTITIES}),
    "resources": st.fixed_dictionaries(
        {"requests": st.dictionaries(st.just("storage"), _QUANTITIES, min_size=1)}
    ),
    "hostPath": st.just({"path": "/models"}),
    "nfs": st.just({"server": "nfs.local", "path": "/models"}),
    "volumeMode": st.sampled_from(("Filesystem", "Block")),
}
# What each spec needs (the API server's rules), and what else it may have.
_NEEDED = {False: ("accessModes", "capacity", "hostPath"), True: ("accessModes", "resources")}
_OPTIONAL = {False: ("nfs", "volumeMode"), True: ("volumeMode",)}


@st.composite
def _volume_spec(draw: st.DrawFn, claim: bool) -> Any:
    """A PV (or, with `claim`, a PVC) spec whose fields are mostly well formed (some quantities
    are not), now and then one missing, one anything at all, a second volume source or a field
    no Go type has; sometimes the whole spec is anything at all."""
    names = [n for n in _NEEDED[claim] if draw(_MOSTLY)]
    names += [n for n in _OPTIONAL[claim] if not draw(_MOSTLY)]
    spec = {n: draw(_VOLUME_FIELDS[n] if draw(_MOSTLY) else _ANY) for n in names}
    if not draw(_MOSTLY):
        spec["bogus"] = draw(_ANY)
    return spec if draw(_MOSTLY) else draw(_ANY)


@settings(max_examples=300 if os.environ.get("CI") else 100, deadline=None)
@given(_volume_spec(claim=False), _volume_spec(claim=True))
def test_any_node_group_is_read_or_refused_and_what_is_read_renders_valid_volumes(
    volume: Any, claim: Any
) -> None:
    """Whatever a node group's volume specs hold, the reader refuses them with a problem naming
    one of its fields, or hands them on, and the PV and PVC made of them are then objects the
    API server takes (the emitted-object check finds nothing), their quantities canonical."""
    doc = {
        "apiVersion": "serving.kserve.io/v1alpha1",
        "kind": "LocalModelNodeGroup",
        "metadata": {"name": "gpu-a"},
        "spec": {"persistentVolumeSpec": volume, "persistentVolumeClaimSpec": claim},
    }
    item = load.Loaded(doc, Source("groups.yaml", 1))
    groups, problems = inputset.local_model_node_groups(load.Inputs(local_model_node_groups=[item]))
    assert bool(groups) != bool(problems)
    assert all(p.field.startswith("spec.persistentVolume") for p in problems)
    if not groups:
        return
    pv, pvc = localmodel._volumes("llama-gpu-a", "team-a", groups["gpu-a"])
    assert emitted.own_refusals(pv) == emitted.own_refusals(pvc) == []
    # and the rules in code: access modes, a storage capacity alone, one source, a request
    for modes in (pv["spec"]["accessModes"], pvc["spec"]["accessModes"]):
        assert modes and set(modes) <= set(volume_rules.ACCESS_MODES)
        assert "ReadWriteOncePod" not in modes or set(modes) == {"ReadWriteOncePod"}
    assert set(pv["spec"]["capacity"]) == {"storage"}
    assert sum(pv["spec"].get(name) is not None for name in volume_rules.PV_SOURCES) == 1
    assert pvc["spec"]["resources"]["requests"]["storage"]
    resources = pvc["spec"].get("resources") or {}
    for values in (pv["spec"].get("capacity"), resources.get("requests")):
        for value in (values or {}).values():
            assert str(parse_quantity(value)) == value  # canonical: Go writes it back as is
            assert parse_quantity(value).value > 0


def test_a_namespace_caches_volumes_are_in_its_services_namespace(tmp_path: Path) -> None:
    """A LocalModelNamespaceCache reconciles the services of its own namespace that carry its
    name and namespace labels (`LocalModelNamespaceKey`)."""
    root = repo(tmp_path, **{"ns-cache.yaml": NS_CACHE, "groups.yaml": BOTH_GROUPS})
    done = run("render", str(root), "--allow-cluster-scoped", "-n", "team-a", "--no-passthrough")
    assert done.returncode == 0, done.stderr
    assert sorted(volumes(done.stdout)) == [
        "PersistentVolume /team-llama-gpu-b-team-a",
        "PersistentVolumeClaim team-a/team-llama-gpu-b",
    ]


def test_an_llm_inference_services_cache_volumes_are_rendered_too(tmp_path: Path) -> None:
    """`ReconcileForIsvcs` lists the LLMInferenceServices on the cache as well."""
    root = repo(tmp_path, **{"isvc.yaml": LLM, "groups.yaml": BOTH_GROUPS})
    done = run("render", str(root), "--allow-cluster-scoped", "--no-passthrough")
    assert done.returncode == 0, done.stderr
    assert sorted(volumes(done.stdout)) == [
        "PersistentVolume /llama-gpu-b-team-a",
        "PersistentVolumeClaim team-a/llama-gpu-b",
    ]
    assert "local model cache" not in done.stderr
