"""What the credential builder knows of Secrets and ServiceAccounts: key names and annotations.

KServe's `pkg/credentials/service_account_credentials.go` reads Secrets and ServiceAccounts from
the cluster. Here they come from the input set, and only their shape is kept: a Secret's data
key names and annotations, a ServiceAccount's annotations and secret references. A committed
Secret is often not a `v1 Secret` at all, so three kinds are read:

- `v1 Secret`: `data` and `stringData` keys, `metadata.annotations`;
- `bitnami.com/v1alpha1 SealedSecret`: `spec.encryptedData` keys, annotations from
  `spec.template.metadata`, Secret name `spec.template.metadata.name` else the object's name;
- `external-secrets.io/v1beta1|v1 ExternalSecret`: `spec.data[].secretKey`, annotations from
  `spec.target.template.metadata`, Secret name `spec.target.name` else the object's name;
  `spec.dataFrom` brings keys nobody can list offline, so such a Secret is marked incomplete.

# GitOps: no Secret value is ever kept. The one exception the porting reference allows is
`stringData.https-host` of a plain Secret: it names an environment variable (https row of
`mountSecretCredential`), it is not a credential.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

SECRET_API_VERSION = "v1"
SEALED_SECRET_API_VERSIONS = frozenset({"bitnami.com/v1alpha1"})
EXTERNAL_SECRET_API_VERSIONS = frozenset({"external-secrets.io/v1beta1", "external-secrets.io/v1"})
HTTPS_HOST_KEY = "https-host"  # https.HTTPSHost


@dataclass(frozen=True, slots=True)
class SecretInfo:
    """A Secret as the builder sees it: where it comes from, its key names and annotations."""

    namespace: str
    name: str
    keys: frozenset[str] = frozenset()
    annotations: Mapping[str, str] = field(default_factory=dict)
    kinds: tuple[str, ...] = ("Secret",)
    keys_complete: bool = True  # False when an ExternalSecret's dataFrom adds unknown keys
    https_host: str | None = None  # stringData.https-host of a plain Secret, if given

    def has(self, key: str) -> bool:
        """Go's `_, ok := secret.Data[key]`, answered from the key names."""
        return key in self.keys

    def describe(self) -> str:
        """`Secret ns/name` (and what it was read from, when that is not a Secret)."""
        origin = "/".join(k for k in self.kinds if k != "Secret")
        where = f" (from {origin})" if origin else ""
        return f"Secret {self.namespace}/{self.name}{where}"


@dataclass(frozen=True, slots=True)
class ServiceAccountInfo:
    """The parts of a ServiceAccount `CreateSecretVolumeAndEnvFromServiceAccount` reads."""

    namespace: str
    name: str
    annotations: Mapping[str, str] = field(default_factory=dict)
    secrets: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class SecretIndex:
    """Secrets and ServiceAccounts of the input set by (namespace, name)."""

    secrets: Mapping[tuple[str, str], SecretInfo] = field(default_factory=dict)
    service_accounts: Mapping[tuple[str, str], ServiceAccountInfo] = field(default_factory=dict)

    def secret(self, namespace: str, name: str) -> SecretInfo | None:
        return self.secrets.get((namespace, name))

    def service_account(self, namespace: str, name: str) -> ServiceAccountInfo | None:
        return self.service_accounts.get((namespace, name))

    @classmethod
    def from_objects(
        cls, objects: Iterable[Mapping[str, Any]], default_namespace: str = ""
    ) -> SecretIndex:
        """Index every Secret, SealedSecret, ExternalSecret and ServiceAccount in `objects`.

        Objects of other kinds are ignored. Two sources for one Secret name (a SealedSecret and
        a placeholder Secret, say) are merged: keys are united, annotations of the later one win.
        """
        secrets: dict[tuple[str, str], SecretInfo] = {}
        accounts: dict[tuple[str, str], ServiceAccountInfo] = {}
        for obj in objects:
            api_version, kind = obj.get("apiVersion"), obj.get("kind")
            meta = _mapping(obj.get("metadata"))
            namespace = _str(meta.get("namespace")) or default_namespace
            if api_version == SECRET_API_VERSION and kind == "ServiceAccount":
                account = _service_account(obj, meta, namespace)
                accounts[(namespace, account.name)] = account
                continue
            info = _secret_info(obj, meta, namespace)
            if info is None:
                continue
            key = (namespace, info.name)
            secrets[key] = _merge(secrets[key], info) if key in secrets else info
        return cls(secrets, accounts)


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _str(value: Any) -> str:
    return value if isinstance(value, str) else ""


def _str_map(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in _mapping(value).items() if v is not None}


def _secret_info(
    obj: Mapping[str, Any], meta: Mapping[str, Any], namespace: str
) -> SecretInfo | None:
    api_version, kind = obj.get("apiVersion"), obj.get("kind")
    name = _str(meta.get("name"))
    spec = _mapping(obj.get("spec"))
    if api_version == SECRET_API_VERSION and kind == "Secret":
        string_data = _mapping(obj.get("stringData"))
        keys = frozenset(str(k) for k in (*_mapping(obj.get("data")), *string_data))
        host = string_data.get(HTTPS_HOST_KEY)
        return SecretInfo(
            namespace,
            name,
            keys,
            _str_map(meta.get("annotations")),
            https_host=host if isinstance(host, str) else None,
        )
    if api_version in SEALED_SECRET_API_VERSIONS and kind == "SealedSecret":
        template_meta = _mapping(_mapping(spec.get("template")).get("metadata"))
        keys = frozenset(str(k) for k in _mapping(spec.get("encryptedData")))
        return SecretInfo(
            namespace,
            _str(template_meta.get("name")) or name,
            keys,
            _str_map(template_meta.get("annotations")),
            kinds=("SealedSecret",),
        )
    if api_version in EXTERNAL_SECRET_API_VERSIONS and kind == "ExternalSecret":
        target = _mapping(spec.get("target"))
        template_meta = _mapping(_mapping(target.get("template")).get("metadata"))
        data = _list(spec.get("data"))
        keys = frozenset(
            _str(item.get("secretKey")) for item in data if isinstance(item, Mapping)
        ) - {""}
        return SecretInfo(
            namespace,
            _str(target.get("name")) or name,
            keys,
            _str_map(template_meta.get("annotations")),
            kinds=("ExternalSecret",),
            keys_complete=not spec.get("dataFrom"),
        )
    return None


def _merge(first: SecretInfo, second: SecretInfo) -> SecretInfo:
    return SecretInfo(
        first.namespace,
        first.name,
        first.keys | second.keys,
        {**first.annotations, **second.annotations},
        tuple(dict.fromkeys((*first.kinds, *second.kinds))),
        first.keys_complete and second.keys_complete,
        second.https_host if second.https_host is not None else first.https_host,
    )


def _service_account(
    obj: Mapping[str, Any], meta: Mapping[str, Any], namespace: str
) -> ServiceAccountInfo:
    refs = _list(obj.get("secrets"))
    names = tuple(_str(ref.get("name")) for ref in refs if isinstance(ref, Mapping))
    return ServiceAccountInfo(
        namespace, _str(meta.get("name")), _str_map(meta.get("annotations")), names
    )


def secret_key_ref_env(env_name: str, secret_name: str, key: str) -> dict[str, Any]:
    """An EnvVar whose value comes from key `key` of Secret `secret_name`."""
    return {"name": env_name, "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}}}


def value_env(env_name: str, value: str) -> dict[str, Any]:
    """An EnvVar with a literal value, as Go marshals it (`value` omitted when empty)."""
    return {"name": env_name, "value": value} if value else {"name": env_name}
