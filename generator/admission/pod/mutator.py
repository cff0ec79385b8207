"""The pod mutator: every injector, in KServe's order, on a copy of one pod (template).

Ports KServe v0.20.0 `pkg/webhook/admission/pod/mutator.go` (`Handle`, `mutate`, `needMutate`),
and, for the controller, the `CommonStorageInitialization` call of the Knative and raw
reconcilers for `storageUris` (`ksvc_reconciler.go`, `raw_kube_reconciler.go`).
KServe mutates Pods at admission; kserve-gitops mutates the pod templates it renders (Deployment
pod template, Knative revision template), so nothing has to run in the cluster.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from generator import constants as c
from generator.admission.pod import MutationContext, MutationError
from generator.admission.pod.accelerator import inject_gke_accelerator_selector
from generator.admission.pod.agent import inject_agent
from generator.admission.pod.metrics_aggregate import inject_metrics_aggregator
from generator.admission.pod.modelcar import inject_modelcar
from generator.admission.pod.storage_container import get_storage_container_spec
from generator.admission.pod.storage_initializer import (
    StorageInitializerParams,
    StorageSpec,
    StorageUri,
    common_storage_initialization,
    get_storage_initializer_read_only_flag,
    inject_storage_initializer,
    set_istio_cni_security_context,
)
from generator.config.pod_configs import resolve_oci_model_mode
from generator.credentials import CredentialError
from generator.data import copy_data
from generator.errors import Invalid

__all__ = [
    "MUTATORS",
    "MutationContext",
    "Mutator",
    "apply_storage_uris",
    "mutate_pod",
    "mutators_for",
    "need_mutate",
]

# An injector edits the pod in place (a copy `mutate_pod` made) and returns warnings; it raises
# MutationError / CredentialError where KServe's returns an error.
Mutator = Callable[[dict[str, Any], MutationContext], list[str]]

# `mutate`'s list, with the Go names. InjectModelcar is only registered when the effective OCI
# model mode (`ResolveOciModelMode`) is not empty; see `mutators_for`.
MUTATORS: tuple[tuple[str, Mutator], ...] = (
    ("InjectGKEAcceleratorSelector", inject_gke_accelerator_selector),
    ("InjectStorageInitializer", inject_storage_initializer),
    ("SetIstioCniSecurityContext", set_istio_cni_security_context),
    ("InjectAgent", inject_agent),
    ("InjectMetricsAggregator", inject_metrics_aggregator),
    ("InjectModelcar", inject_modelcar),
)


def mutators_for(ctx: MutationContext) -> list[tuple[str, Mutator]]:
    """The injectors `mutate` registers for this config."""
    oci = resolve_oci_model_mode(ctx.config.storage_initializer) != ""
    return [(name, fn) for name, fn in MUTATORS if oci or name != "InjectModelcar"]


def decode_service_account_alias(spec: dict[str, Any], field: str = "") -> list[str]:
    """The deprecated PodSpec `serviceAccount`, as the API server decodes a pod template.

    k8s.io/kubernetes pkg/apis/core/v1/conversion.go `Convert_v1_PodSpec_To_core_PodSpec`:
    `serviceAccount` is an alias that fills an empty `serviceAccountName` (the new field wins
    when both are set). A Deployment's pods therefore run under it, and the webhook's
    credential lookup reads it. # GitOps: a
    Knative Service's schema has no `serviceAccount`, so a v0.20.0 cluster prunes it there and
    the revision runs as `default`; the alias is mapped in both modes (what the author meant)
    and a warning says so. Edits `spec` in place; returns the warnings.
    """
    alias = spec.pop("serviceAccount", None)
    if not alias:
        return []
    kept = spec.get("serviceAccountName")
    if not kept:
        spec["serviceAccountName"] = alias
    where = f"{field}.serviceAccount" if field else "serviceAccount"
    target = f"serviceAccountName {kept or alias!r}"
    return [
        f"{where}: the deprecated alias of serviceAccountName (Knative's schema drops it); "
        f"rendered as {target}. Write serviceAccountName instead."
    ]


def need_mutate(pod: Mapping[str, Any]) -> bool:
    """Port of `needMutate`: only pods labelled with an InferenceService are touched."""
    labels = (pod.get("metadata") or {}).get("labels") or {}
    return c.INFERENCE_SERVICE_POD_LABEL_KEY in labels


def mutate_pod(
    pod: Mapping[str, Any], ctx: MutationContext, field: str = ""
) -> tuple[dict[str, Any], list[Invalid], list[str]]:
    """What the webhook makes of `pod` (`{"metadata": {labels, annotations}, "spec": PodSpec}`).

    Returns a new pod (the input is not changed), the problems (an injector's error: KServe
    would reject the pod; the pod is then returned unchanged) and the warnings, in order and
    without repeats. `field` prefixes the problems' field (e.g. `spec.predictor`).
    # GitOps: KServe also sets the pod's `metadata.namespace` from the request; a template
    does not get one.
    """
    mutated = copy_data(dict(pod))
    spec = mutated.get("spec")
    warnings = decode_service_account_alias(spec, field) if isinstance(spec, dict) else []
    if not need_mutate(mutated):
        return mutated, [], warnings
    for name, injector in mutators_for(ctx):
        try:
            warnings += injector(mutated, ctx)
        except (MutationError, CredentialError) as err:
            message = f"pod mutator {name}: {err}"
            return (
                copy_data(dict(pod)),
                [Invalid(field, message)],
                list(dict.fromkeys(warnings)),
            )
    return mutated, [], list(dict.fromkeys(warnings))


def apply_storage_uris(
    pod_spec: Mapping[str, Any],
    storage_uris: Sequence[Mapping[str, Any]],
    annotations: Mapping[str, str],
    ctx: MutationContext,
    storage: Mapping[str, Any] | None = None,
    storage_container_name: str | None = None,
    field: str = "",
) -> tuple[dict[str, Any], list[Invalid], list[str]]:
    """The controller's `storageUris` path (ksvc/raw reconcilers): a new pod spec.

    `storage_uris` are the component's `storageUris` entries, `annotations` the component
    annotations, `storage` the model's `storage` spec (key, parameters) if any. On an error
    the spec is returned as far as it got: KServe's Knative reconciler logs the error and goes
    on with it, the raw reconciler fails; the caller picks.
    """
    new_spec = copy_data(dict(pod_spec))
    if not storage_uris:
        return new_spec, [], []
    uris = [StorageUri(str(u.get("uri", "")), str(u.get("mountPath", ""))) for u in storage_uris]
    storage_spec = None
    if storage is not None:
        storage_spec = StorageSpec(storage.get("key"), storage.get("parameters"))
    try:
        container = get_storage_container_spec(
            uris[0].uri, storage_container_name, ctx.storage_containers
        )
        params = StorageInitializerParams(
            namespace=ctx.namespace,
            storage_uris=uris,
            is_read_only=get_storage_initializer_read_only_flag(annotations),
            pod_spec=new_spec,
            credentials=ctx.credentials,
            config=ctx.config.storage_initializer,
            annotations=annotations,
            storage_spec=storage_spec,
            storage_container=container,
        )
        return new_spec, [], common_storage_initialization(params)
    except (MutationError, CredentialError) as err:
        return new_spec, [Invalid(field, str(err))], []
