"""Knative Services of InferenceService components, as KServe v0.20.0's controller builds them.

Ports `pkg/controller/v1beta1/inferenceservice/reconcilers/knative/ksvc_reconciler.go`
(`createKnativeService`; the stop check of `(*KsvcReconciler).Reconcile`: `reconcile_ksvc`
returns None for a stopped component) and `pkg/controller/v1alpha1/utils/utils.go:
SetAutoScalingAnnotations`. Storage initialisation for `storageUris` (KServe's
`CommonStorageInitialization` call in `createKnativeService`) must already be in `build.pod_spec`.

GitOps departure (canary): KServe splits traffic between the latest revision and
`status.components.<c>.latestRolledoutRevision`, which only a cluster knows. Here each revision
is named `<ksvc name>-<hash of the revision template>` and the caller passes a revision from the
previous render as `previous_revision` (`rolled_out_revision(previous ksvc)` for KServe's
meaning). The name changes exactly when the template does, as Knative requires of
bring-your-own revision names.

`knative_url` computes the URL Knative Serving v1.21 (KServe v0.20.0's pin) gives a Knative
Service, which KServe copies into its component status: ports of Knative's
`pkg/reconciler/route/config/domain.go`, `route/domains/domains.go`, `route/visibility/
visibility.go`, `service/resources/route.go` and knative.dev/networking `pkg/config/config.go`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import yaml

from generator import constants
from generator.config import Config
from generator.goruntime.template import GoTemplateError, render
from generator.k8s_names import DNS1035_LABEL_MAX_LENGTH, fully_qualified_domain_name_errors
from generator.reconcilers.ingress.domain import CLUSTER_DOMAIN
from generator.records import ComponentBuild
from generator.render import Renderer
from generator.utils.utils import get_force_stop_runtime

TEMPLATE = "knative-service.yaml.j2"
KIND = "Service"

# managedKsvcAnnotations: moved from the revision template to the Knative Service's metadata.
MANAGED_KSVC_ANNOTATIONS = (
    constants.ROLLOUT_DURATION_ANNOTATION_KEY,
    constants.KNATIVE_OPENSHIFT_ENABLE_PASSTHROUGH_KEY,
)

LATEST_TAG = "latest"
PREVIOUS_TAG = "prev"

# GitOps: revision names are `<ksvc name>-<first hex chars of sha256>`. 10 hex chars (40 bits, as
# Kubernetes' pod-template-hash) make two templates of one Knative Service clash with odds of
# about 5e-7 after 1,000 revisions (Knative would reject the update). Knative wants a DNS-1035
# label of at most 63 characters starting `<ksvc name>-`: long names get a shorter hash, never
# under 5 chars (as Knative's own `-00001`); past 57 characters Knative names revisions itself.
REVISION_HASH_LENGTH = 10
MIN_REVISION_HASH_LENGTH = 5


def set_autoscaling_annotations(
    annotations: dict[str, str],
    scale_target: int | None,
    scale_metric: str | None,
    min_replicas: int | None,
    max_replicas: int,
) -> None:
    """Port of `SetAutoScalingAnnotations`; writes into `annotations` (pass a dict you own)."""
    annotations.setdefault(
        constants.KNATIVE_AUTOSCALING_CLASS_ANNOTATION_KEY, constants.KNATIVE_KPA_CLASS
    )
    if scale_target is not None:
        annotations[constants.KNATIVE_TARGET_ANNOTATION_KEY] = str(int(scale_target))
    if scale_metric is not None:
        annotations[constants.KNATIVE_METRIC_ANNOTATION_KEY] = scale_metric
    minimum = constants.DEFAULT_MIN_REPLICAS if min_replicas is None else min_replicas
    annotations[constants.KNATIVE_MIN_SCALE_ANNOTATION_KEY] = str(int(minimum))
    if max_replicas != 0:
        annotations[constants.KNATIVE_MAX_SCALE_ANNOTATION_KEY] = str(int(max_replicas))


def create_knative_service(
    build: ComponentBuild,
    config: Config,
    renderer: Renderer,
    previous_revision: str | None = None,
) -> dict[str, Any]:
    """Port of `createKnativeService`: the component's Knative Service (stopped or not)."""
    meta, ext = build.meta, build.ext
    # Go writes the autoscaling keys into componentMeta's own annotation map and deletes the
    # managed keys from it; that map is then the template's. A copy gives the same object here.
    annotations = dict(meta.get("annotations") or {})
    set_autoscaling_annotations(
        annotations,
        ext.get("scaleTarget"),
        ext.get("scaleMetric"),
        ext.get("minReplicas"),
        ext.get("maxReplicas") or 0,
    )
    ksvc_annotations = {k: annotations.pop(k) for k in MANAGED_KSVC_ANNOTATIONS if k in annotations}
    # The pod webhook's annotations: on the revision template Knative passes them to the pods.
    annotations.update(build.pod_annotations)
    labels: dict[str, str] = dict(meta.get("labels") or {})
    disallowed = config.inference_services.service_label_disallowed_list
    revision_labels = {k: v for k, v in labels.items() if k not in disallowed}
    revision_spec = revision_spec_of(build.pod_spec, ext)
    revision_meta: dict[str, Any] = {"annotations": annotations}
    if revision_labels:
        revision_meta["labels"] = revision_labels
    name = meta["name"]
    revision = revision_template_name(name, {"metadata": revision_meta, "spec": revision_spec})
    tag_routing = annotations.get(constants.ENABLE_ROUTING_TAG_ANNOTATION_KEY) == "true"
    canary = ext.get("canaryTrafficPercent")
    traffic = traffic_targets(canary, previous_revision, revision, tag_routing)
    values = {
        "name": name,
        "namespace": meta.get("namespace"),
        "labels": labels or None,
        "annotations": ksvc_annotations or None,
        "revision_name": revision,
        "revision_labels": revision_labels or None,
        "revision_annotations": annotations,
        "revision_spec": revision_spec,
        "traffic": traffic,
    }
    return renderer.render_object(TEMPLATE, values, KIND, name, meta.get("namespace"))


def reconcile_ksvc(
    build: ComponentBuild,
    config: Config,
    renderer: Renderer,
    previous_revision: str | None = None,
) -> dict[str, Any] | None:
    """What `(*KsvcReconciler).Reconcile` leaves in the cluster: the ksvc, or None when stopped.

    KServe reads the stop key in the template annotations: the component annotations.
    """
    if get_force_stop_runtime(build.meta.get("annotations")):
        return None
    return create_knative_service(build, config, renderer, previous_revision)


def revision_spec_of(pod_spec: Mapping[str, Any], ext: Mapping[str, Any]) -> dict[str, Any]:
    """The RevisionSpec: the pod spec plus timeouts and container concurrency when set."""
    spec = dict(pod_spec)
    timeout = ext.get("timeout")
    if timeout is not None:
        # Knative defaults timeoutSeconds itself when unset; the response-start timeout follows.
        spec["timeoutSeconds"] = timeout
        spec["responseStartTimeoutSeconds"] = timeout
    if ext.get("containerConcurrency") is not None:
        spec["containerConcurrency"] = ext["containerConcurrency"]
    return spec


def traffic_targets(
    canary_percent: int | None,
    previous_revision: str | None,
    revision: str | None,
    tag_routing: bool,
) -> list[dict[str, Any]]:
    """`spec.traffic`: a canary split with the previous revision, else 100% to the latest."""
    latest: dict[str, Any] = {"latestRevision": True, "percent": 100}
    if tag_routing:
        latest["tag"] = LATEST_TAG
    # GitOps: previous_revision stands for latestRolledoutRevision; when it is the revision
    # being rendered, there is nothing to split with (a re-render of an unchanged template).
    if canary_percent is None or not previous_revision or previous_revision == revision:
        return [latest]
    latest["percent"] = canary_percent
    if canary_percent >= 100:
        return [latest]
    previous = {"revisionName": previous_revision, "latestRevision": False, "tag": PREVIOUS_TAG}
    return [latest, {**previous, "percent": 100 - canary_percent}]


def revision_template_name(ksvc_name: str, revision_template: Mapping[str, Any]) -> str | None:
    """`<ksvc name>-<hash>` for a revision template (its metadata.name ignored), or None.

    None when no hash of at least MIN_REVISION_HASH_LENGTH chars fits Knative's 63 characters.
    """
    prefix = ksvc_name + "-"
    length = min(REVISION_HASH_LENGTH, DNS1035_LABEL_MAX_LENGTH - len(prefix))
    if length < MIN_REVISION_HASH_LENGTH:
        return None
    template = dict(revision_template)
    metadata = {k: v for k, v in (template.get("metadata") or {}).items() if k != "name"}
    template["metadata"] = metadata
    canonical = json.dumps(template, sort_keys=True, separators=(",", ":"))
    return prefix + hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:length]


def revision_name(ksvc: Mapping[str, Any]) -> str | None:
    """The revision name a rendered Knative Service asks for (`spec.template.metadata.name`)."""
    template = _mapping(_mapping(ksvc.get("spec")).get("template"))
    name = _mapping(template.get("metadata")).get("name")
    return name if isinstance(name, str) and name else None


def rolled_out_revision(ksvc: Mapping[str, Any]) -> str | None:
    """The `latestRolledoutRevision` of a previously rendered Knative Service.

    The latest revision if it had 100% of the traffic (KServe records it then), else the
    revision that kept the rest (tagged `prev`).
    """
    traffic = _mapping(ksvc.get("spec")).get("traffic")
    targets = [t for t in traffic if isinstance(t, Mapping)] if isinstance(traffic, list) else []
    if any(t.get("latestRevision") is True and t.get("percent") == 100 for t in targets):
        return revision_name(ksvc)
    for target in targets:
        name = target.get("revisionName")
        if target.get("latestRevision") is False and isinstance(name, str) and name:
            return name
    return revision_name(ksvc)


def stamp_revision_name(ksvc: Mapping[str, Any]) -> dict[str, Any]:
    """A copy whose revision name is recomputed from its own template.

    For stages that change `spec.template` after rendering (overlays): Knative rejects a changed
    template under an unchanged bring-your-own name.
    """
    spec = dict(_mapping(ksvc.get("spec")))
    template = dict(_mapping(spec.get("template")))
    metadata = {k: v for k, v in _mapping(template.get("metadata")).items() if k != "name"}
    name = revision_template_name(str(_mapping(ksvc.get("metadata")).get("name", "")), template)
    if name is not None:
        metadata = {"name": name, **metadata}
    template["metadata"] = metadata
    spec["template"] = template
    return {**ksvc, "spec": spec}


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


# --- the URL Knative gives a Knative Service (its Route's status.url) ---

KNATIVE_DEFAULT_DOMAIN_TEMPLATE = "{{.Name}}.{{.Namespace}}.{{.Domain}}"
KNATIVE_CLUSTER_LOCAL_DOMAIN = "svc." + CLUSTER_DOMAIN  # config.DefaultDomain
KNATIVE_SERVICE_LABEL = "serving.knative.dev/service"
_EXAMPLE_KEY = "_example"
# config-network keys: the legacy camelCase key first, the current key overrides it.
_DOMAIN_TEMPLATE_KEYS = ("domainTemplate", "domain-template")
_EXTERNAL_SCHEME_KEYS = ("defaultExternalScheme", "default-external-scheme")
_EXTERNAL_TLS_KEYS = ("autoTLS", "auto-tls", "external-domain-tls")


class KnativeConfigError(ValueError):
    """`config-domain` or `config-network` data Knative would refuse."""


class KnativeDomainError(ValueError):
    """The domain template renders no valid host for a Knative Service."""


@dataclass(frozen=True, slots=True)
class KnativeDomainConfig:
    """What Knative Serving's `config-domain` and `config-network` say about route hosts.

    `domains` maps each domain to its label selector (empty: the default for every route),
    with Knative's fallback `svc.cluster.local` added when no key has an empty selector.
    `domain_keys` are the raw `config-domain` keys, in the ConfigMap's order, which KServe
    reads for additional ingress hosts (Go map order is random; the file order is ours).
    """

    domains: Mapping[str, Mapping[str, str]]
    domain_keys: tuple[str, ...] = ()
    domain_template: str = KNATIVE_DEFAULT_DOMAIN_TEMPLATE
    default_external_scheme: str = "http"
    external_domain_tls: bool = False

    def __hash__(self) -> int:
        domains = tuple(sorted((k, tuple(sorted(v.items()))) for k, v in self.domains.items()))
        return hash((domains, self.domain_keys, self.domain_template, self.external_scheme))

    @classmethod
    def from_configmaps(
        cls,
        config_domain_data: Mapping[str, str] | None,
        config_network_data: Mapping[str, str] | None = None,
    ) -> KnativeDomainConfig:
        """Parse the two ConfigMaps' data as Knative does (None: the ConfigMap is absent)."""
        domains: dict[str, Mapping[str, str]] = {}
        for key, value in (config_domain_data or {}).items():
            if key != _EXAMPLE_KEY:
                domains[key] = _domain_selector(key, value)
        if not any(not selector for selector in domains.values()):
            domains[KNATIVE_CLUSTER_LOCAL_DOMAIN] = {}
        network = config_network_data or {}
        template = _last(network, _DOMAIN_TEMPLATE_KEYS, KNATIVE_DEFAULT_DOMAIN_TEMPLATE)
        _check_domain_template(template)
        return cls(
            domains=domains,
            domain_keys=tuple(config_domain_data or ()),
            domain_template=template,
            default_external_scheme=_last(network, _EXTERNAL_SCHEME_KEYS, "http"),
            external_domain_tls=_last(network, _EXTERNAL_TLS_KEYS, "").lower() == "enabled",
        )

    @classmethod
    def default(cls) -> KnativeDomainConfig:
        """`config-domain: {example.com: ""}`, as KServe's quick install patches Knative.

        Knative's own default (no domain configured) is `svc.cluster.local`, which is not
        exposed through the ingress gateway; KServe's install scripts and tests use example.com.
        """
        return cls.from_configmaps({"example.com": ""}, {})

    @property
    def external_scheme(self) -> str:
        """The scheme of external route URLs (inferred: https once the TLS certificate is Ready)."""
        return "https" if self.external_domain_tls else self.default_external_scheme

    def lookup_domain(self, labels: Mapping[str, str]) -> str:
        """Port of `LookupDomainForLabels`: the most specific matching selector, then by name."""
        if labels.get(constants.VISIBILITY_LABEL) == constants.CLUSTER_LOCAL_VISIBILITY:
            return KNATIVE_CLUSTER_LOCAL_DOMAIN
        domain, specificity = "", -1
        for key, selector in self.domains.items():
            if any(labels.get(k) != v for k, v in selector.items()) or len(selector) < specificity:
                continue
            if len(selector) > specificity or key < domain:
                domain, specificity = key, len(selector)
        return domain


def _last(data: Mapping[str, str], keys: tuple[str, ...], default: str) -> str:
    """The value of the last key present (legacy keys first, the current key wins)."""
    return next((data[key] for key in reversed(keys) if key in data), default)


def _domain_selector(key: str, value: str) -> dict[str, str]:
    """A `config-domain` value: empty, or YAML `selector: {label: value}` (other keys ignored)."""
    try:
        parsed = yaml.safe_load(value) if value else None
    except yaml.YAMLError as err:
        raise KnativeConfigError(f"config-domain {key!r}: invalid YAML: {err}") from err
    if parsed is None:
        return {}
    selector = parsed.get("selector") if isinstance(parsed, dict) else parsed
    if selector is None:
        return {}
    if not isinstance(selector, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in selector.items()
    ):
        raise KnativeConfigError(
            f"config-domain {key!r}: expected `selector:` mapping label names to strings"
        )
    return dict(selector)


def _check_domain_template(template: str) -> None:
    """Port of `checkDomainTemplate`: a trial render must give a bare host."""
    data = dict(Name="foo", Namespace="bar", Domain="baz.com", Annotations=None, Labels=None)
    try:
        text = render(template, data, name="domain-template")
        url = urlsplit("https://" + text)
        host = url.hostname
    except (GoTemplateError, ValueError) as err:
        raise KnativeConfigError(f"config-network domain-template: {err}") from err
    if not host:
        raise KnativeConfigError("config-network domain-template: empty hostname")
    # unconfirmed: urlsplit is laxer than Go's url.Parse on odd characters in the host.
    request_uri = (url.path or "/") + (f"?{url.query}" if url.query else "")
    if request_uri != "/":
        raise KnativeConfigError(f"domain template has url path: {request_uri}")


def domain_name_from_template(
    name: str,
    namespace: str,
    labels: Mapping[str, str],
    annotations: Mapping[str, str],
    domain_config: KnativeDomainConfig,
) -> str:
    """Port of `DomainNameFromTemplate` (raises KnativeDomainError like its ErrDomainName)."""
    cluster_local = labels.get(constants.VISIBILITY_LABEL) == constants.CLUSTER_LOCAL_VISIBILITY
    template = KNATIVE_DEFAULT_DOMAIN_TEMPLATE if cluster_local else domain_config.domain_template
    domain = domain_config.lookup_domain(labels)
    data = dict(Name=name, Namespace=namespace, Domain=domain, Annotations=dict(annotations))
    data["Labels"] = dict(labels)
    try:
        host = render(template, data, name="domain-template")
    except GoTemplateError as err:
        raise KnativeDomainError(
            f"domain name error: error executing the DomainTemplate: {err}"
        ) from err
    errors = fully_qualified_domain_name_errors("url", host)
    if errors:
        raise KnativeDomainError(f'domain name error: invalid domain name "{host}": {errors[0]}')
    return host


def knative_url(
    ksvc_name: str,
    namespace: str,
    ksvc_labels: Mapping[str, str],
    domain_config: KnativeDomainConfig,
    ksvc_annotations: Mapping[str, str] | None = None,
) -> str:
    """The `status.url` Knative gives a Knative Service (`updateRouteStatusURL` of its Route)."""
    labels = {**ksvc_labels, KNATIVE_SERVICE_LABEL: ksvc_name}  # MakeRoute
    annotations = dict(ksvc_annotations or {})
    annotations.pop(constants.LAST_APPLIED_CONFIG_ANNOTATION_KEY, None)  # MakeRoute
    cluster_local = domain_config.lookup_domain(labels) == KNATIVE_CLUSTER_LOCAL_DOMAIN
    if cluster_local:  # labels.SetVisibility
        labels[constants.VISIBILITY_LABEL] = constants.CLUSTER_LOCAL_VISIBILITY
    else:
        labels.pop(constants.VISIBILITY_LABEL, None)
    host = domain_name_from_template(ksvc_name, namespace, labels, annotations, domain_config)
    return ("http" if cluster_local else domain_config.external_scheme) + "://" + host


def knative_host(
    ksvc_name: str,
    namespace: str,
    ksvc_labels: Mapping[str, str],
    domain_config: KnativeDomainConfig,
    ksvc_annotations: Mapping[str, str] | None = None,
) -> str:
    """The host of `knative_url` (raises KnativeDomainError when the template gives none)."""
    url = knative_url(ksvc_name, namespace, ksvc_labels, domain_config, ksvc_annotations)
    return url.partition("://")[2]


# GitOps: the Knative domains assumed when none are given (see KnativeDomainConfig.default).
DEFAULT_KNATIVE_DOMAIN_CONFIG = KnativeDomainConfig.default()
