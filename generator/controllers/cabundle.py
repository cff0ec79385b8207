"""The CA bundle ConfigMap each InferenceService namespace gets when a CA bundle is configured.

Ports `reconcilers/cabundleconfigmap/cabundle_configmap_reconciler.go`, which the
InferenceService controller runs for every InferenceService it reconciles (controller.go, before
the component reconcilers; a ModelMesh InferenceService without a transformer returns earlier):
when `storageInitializer.caBundleConfigMapName` is set, the ConfigMap of that name in the
`kserve` namespace must hold a non-empty `cabundle.crt`, which is copied into ConfigMap
`global-ca-bundle` (data: `cabundle.crt` only) in the InferenceService's namespace. The storage
initializer mounts that copy (`generator.admission.pod.storage_initializer`).

GitOps: KServe reads the source ConfigMap from the cluster and fails the reconcile when it is
missing. Here it is read from the input set; when the input set does not hold it (it is often
installed with KServe, not kept in the repository) nothing is copied and a notice says which
namespaces need `global-ca-bundle`. The LLMInferenceService controller runs the same
reconciler for every LLMInferenceService (v1alpha2/llmisvc/controller.go). The copy is rendered
once per namespace, with the first InferenceService or LLMInferenceService of that namespace (by
name) as its owner in the rendered folder.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from generator import constants as c
from generator.errors import Invalid, Notice, Problem, Source
from generator.goruntime.strconv import quote
from generator.load import Loaded
from generator.records import Admitted, Rendered, mark_managed

NO_CA_BUNDLE_FILE = (
    "fails to get cabundle configmap for creating to user namespace: specified cabundle file "
    "{file} not found in cabundle configmap {name}"
)


class Member(NamedTuple):
    """An InferenceService or LLMInferenceService whose controller copies the CA bundle."""

    namespace: str
    name: str
    source: Source


def members(admitted: Sequence[Admitted], llm: Sequence[Loaded]) -> list[Member]:
    """What the two controllers reconcile as far as the CA bundle (the LLMInferenceService
    controller.go runs it for every LLMInferenceService)."""
    found = [
        Member(a.namespace, a.loaded.name, a.loaded.source) for a in admitted if _reconciled(a)
    ]
    return found + [Member(i.namespace, i.name, i.source) for i in llm]


def render_ca_bundles(
    name: str, config_maps: Sequence[Loaded], reconciled: Sequence[Member]
) -> tuple[list[Rendered], list[Problem], list[Notice]]:
    """Port of `(*CaBundleConfigMapReconciler).Reconcile` with `getCabundleConfigMapForUserNS`:
    `global-ca-bundle` for each namespace of `reconciled` (see `members`), copied from
    ConfigMap kserve/`name` (the storageInitializer config's caBundleConfigMapName)."""
    if not name or not reconciled:
        return [], [], []
    ordered = sorted(reconciled)  # by namespace and name: the first owns its namespace's copy
    owners: dict[str, Member] = {}
    for one in ordered:
        owners.setdefault(one.namespace, one)
    source = next(
        (i for i in config_maps if i.namespace == c.KSERVE_NAMESPACE and i.name == name), None
    )
    if source is None:
        return [], [], [_not_in_input_set(name, sorted(owners), ordered[0])]
    data = source.doc.get("data")
    bundle = data.get(c.DEFAULT_CA_BUNDLE_FILE_NAME) if isinstance(data, dict) else None
    if not isinstance(bundle, str) or bundle == "":
        message = NO_CA_BUNDLE_FILE.format(file=c.DEFAULT_CA_BUNDLE_FILE_NAME, name=name)
        field = f"data.{c.DEFAULT_CA_BUNDLE_FILE_NAME}"
        return [], [source.problem(Invalid(field, message))], []
    rendered = [
        Rendered(mark_managed(_copy(namespace, bundle)), one.name, one.source)
        for namespace, one in owners.items()
    ]
    return rendered, [], []


def _reconciled(one: Admitted) -> bool:
    """Whether KServe's controller gets as far as the CA bundle for this InferenceService."""
    if one.mode != c.DeploymentMode.MODEL_MESH:
        return True
    spec = one.isvc.get("spec")
    return isinstance(spec, dict) and spec.get("transformer") is not None


def _copy(namespace: str, bundle: str) -> dict[str, Any]:
    """Port of `getDesiredCaBundleConfigMapForUserNS`."""
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": c.DEFAULT_GLOBAL_CA_BUNDLE_CONFIG_MAP_NAME, "namespace": namespace},
        "data": {c.DEFAULT_CA_BUNDLE_FILE_NAME: bundle},
    }


def _not_in_input_set(name: str, namespaces: list[str], first: Member) -> Notice:
    # GitOps: KServe would fail the reconcile without the source ConfigMap; it usually lives in
    # the cluster, not in the repository, so the copy is left to the cluster.
    return Notice(
        first.source,
        None,
        f"storageInitializer.caBundleConfigMapName is {quote(name)} but ConfigMap "
        f"{c.KSERVE_NAMESPACE}/{name} is not in the input set: KServe copies its "
        f"{c.DEFAULT_CA_BUNDLE_FILE_NAME} into ConfigMap "
        f"{c.DEFAULT_GLOBAL_CA_BUNDLE_CONFIG_MAP_NAME}, which the storage initializer mounts, "
        f"in namespace(s) {', '.join(namespaces)}; not rendered, the cluster must have it",
    )
