"""The cluster connection: kubeconfig or in-cluster config, discovery, get, list, dry-run.

Uses the `kubernetes` client (the `cluster` extra) for configuration, authentication and TLS,
and its generic `call_api` for requests, so any kind works once discovery names its resource.
Every failure becomes one `ClusterError` line naming the context; no credential, header or
response body is ever printed.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import click

from generator.errors import EXIT_INVALID

INSTALL_HINT = "pip install 'kserve-gitops[cluster]'"
TIMEOUT = (5, 30)  # seconds: connect, read
IN_CLUSTER = "in-cluster"
DRY_RUN_MANAGER = "kserve-gitops"


class ClusterError(click.ClickException):
    """A cluster that cannot be reached or refuses us: one line, exit 2."""

    exit_code = EXIT_INVALID

    def show(self, file: Any = None) -> None:
        click.echo(f"kserve-gitops: {self.message}", err=True)


def kubernetes_module(command: str) -> Any:
    """The `kubernetes` package, or a ClusterError saying how to install it."""
    try:
        import kubernetes
    except ImportError:
        raise ClusterError(
            f"`{command}` needs the Kubernetes client, which is not installed: {INSTALL_HINT}"
        ) from None
    return kubernetes


@dataclass(frozen=True, slots=True)
class Resource:
    """A kind as discovery serves it."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool

    def path(self, namespace: str | None, name: str | None = None) -> str:
        base = "/api/v1" if self.api_version == "v1" else f"/apis/{self.api_version}"
        if self.namespaced and namespace:
            base += f"/namespaces/{quote(namespace, safe='')}"
        base += f"/{self.plural}"
        return base + (f"/{quote(name, safe='')}" if name else "")


@dataclass
class Cluster:
    """One connection to the API server of a kubeconfig context."""

    api: Any
    context: str
    server: str
    module: Any
    _discovered: dict[str, dict[str, Resource] | None] = field(default_factory=dict)
    _no_dry_run: bool = False

    # --- requests ----------------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        query: Sequence[tuple[str, str]] = (),
        body: Any = None,
        content_type: str = "application/json",
    ) -> tuple[int, Any]:
        """(HTTP status, decoded JSON); 404 and 405/415 come back, other failures raise."""
        headers = {"Accept": "application/json", "Content-Type": content_type}
        unreachable: tuple[type[Exception], ...] = (*self._transport_errors(), OSError)
        try:
            prepared = self.api.param_serialize(
                method,
                path,
                query_params=list(query),
                header_params=headers,
                body=json.dumps(body) if body is not None else None,
                auth_settings=["BearerToken"],
            )
            response = self.api.call_api(*prepared, _request_timeout=TIMEOUT)
            data = response.read()
        except unreachable as err:  # the server is not reachable
            raise ClusterError(
                f"cannot reach the cluster of context {self.context!r} at {self.server}: "
                f"{type(err).__name__}"
            ) from None
        code = int(response.status)
        if code in (404, 405, 415):
            return code, None
        if not 200 <= code < 300:
            raise ClusterError(
                self._api_error(code, str(response.reason or ""), data, method, path)
            )
        try:
            return code, json.loads(data or b"null")
        except ValueError:
            raise ClusterError(
                f"the cluster of context {self.context!r} answered {method} {path} with "
                "something that is not JSON"
            ) from None

    def _transport_errors(self) -> tuple[type[Exception], ...]:
        """urllib3's errors, and the client's wrapper of TLS errors (an ApiException)."""
        import urllib3  # a dependency of the kubernetes client

        return (urllib3.exceptions.HTTPError, self.module.client.exceptions.ApiException)

    def _api_error(self, code: int, reason: str, body: Any, method: str, path: str) -> str:
        what = f"{method} {path}"
        if code == 401:
            return (
                f"the cluster of context {self.context!r} refused the credentials "
                f"(401 Unauthorized) for {what}"
            )
        message = _status_message(body)
        if code == 403:
            return f"forbidden by the cluster of context {self.context!r}: {message or what}"
        return (
            f"the cluster of context {self.context!r} answered {what} with {code} {reason}".rstrip()
            + (f": {message}" if message else "")
        )

    # --- discovery ---------------------------------------------------------------------------

    def resources(self, api_version: str) -> dict[str, Resource] | None:
        """The kinds of an API group version, or None when the server does not serve it."""
        if api_version not in self._discovered:
            path = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
            code, doc = self.request("GET", path)
            if code != 200 or not isinstance(doc, Mapping):
                self._discovered[api_version] = None
            else:
                found = {}
                for item in doc.get("resources") or ():
                    name = str(item.get("name") or "")
                    if "/" in name or not item.get("kind"):
                        continue  # subresources
                    kind = str(item["kind"])
                    found[kind] = Resource(api_version, kind, name, bool(item.get("namespaced")))
                self._discovered[api_version] = found
        return self._discovered[api_version]

    def resource(self, api_version: str, kind: str) -> Resource | None:
        return (self.resources(api_version) or {}).get(kind)

    # --- objects -----------------------------------------------------------------------------

    def get(self, resource: Resource, namespace: str, name: str) -> dict[str, Any] | None:
        code, doc = self.request("GET", resource.path(namespace, name))
        return doc if code == 200 and isinstance(doc, dict) else None

    def list(
        self, resource: Resource, namespace: str | None, label_selector: str = ""
    ) -> list[dict[str, Any]]:
        query = [("labelSelector", label_selector)] if label_selector else []
        code, doc = self.request("GET", resource.path(namespace), query)
        if code != 200 or not isinstance(doc, Mapping):
            return []
        items = [dict(x) for x in doc.get("items") or () if isinstance(x, Mapping)]
        for item in items:  # a List's items carry no apiVersion and kind
            item.setdefault("apiVersion", resource.api_version)
            item.setdefault("kind", resource.kind)
        return items

    def dry_run_apply(self, resource: Resource, obj: Mapping[str, Any]) -> dict[str, Any] | None:
        """Server-side apply with dryRun=All: the object as the server would store it, or None
        when the server does not allow it (then the caller compares on the client)."""
        if self._no_dry_run:
            return None
        meta = obj.get("metadata") or {}
        path = resource.path(str(meta.get("namespace") or ""), str(meta.get("name") or ""))
        query = [("dryRun", "All"), ("fieldManager", DRY_RUN_MANAGER), ("force", "true")]
        code, doc = self.request(
            "PATCH", path, query, body=dict(obj), content_type="application/apply-patch+yaml"
        )
        if code in (405, 415):
            self._no_dry_run = True  # the server has no server-side apply: stop asking
        return doc if code == 200 and isinstance(doc, dict) else None


def _status_message(body: Any) -> str:
    """The `message` of a Kubernetes Status body, on one line."""
    try:
        doc = json.loads(body) if isinstance(body, str | bytes) else None
    except ValueError:
        return ""
    message = doc.get("message") if isinstance(doc, Mapping) else None
    return " ".join(str(message).split()) if message else ""


def _server(host: str) -> str:
    """scheme://host[:port] of the API server, without any user info."""
    parts = urlsplit(host)
    netloc = parts.hostname or ""
    if parts.port:
        netloc += f":{parts.port}"
    return f"{parts.scheme}://{netloc}" if parts.scheme else netloc


def connect(command: str, kubeconfig: str | None, context: str | None) -> Cluster:
    """A connection by the kubeconfig (--kubeconfig, $KUBECONFIG, ~/.kube/config), else the
    in-cluster service account."""
    kubernetes = kubernetes_module(command)
    config = kubernetes.config
    configuration = kubernetes.client.Configuration()
    # $KUBECONFIG may list several files: the client merges them as kubectl does
    path = kubeconfig or os.environ.get("KUBECONFIG") or None
    default = Path.home() / ".kube" / "config"
    if path is None and default.exists():
        path = str(default)
    try:
        if path is None:
            config.load_incluster_config(client_configuration=configuration)
            name = IN_CLUSTER
        else:
            contexts, active = config.list_kube_config_contexts(config_file=path)
            name = context or str((active or {}).get("name") or "")
            if context and context not in {str(x.get("name")) for x in contexts or ()}:
                raise ClusterError(f"context {context!r} is not in the kubeconfig {path}")
            config.load_kube_config(
                config_file=path,
                context=context,
                client_configuration=configuration,
                persist_config=False,
            )
    except ClusterError:
        raise
    except config.ConfigException as err:
        where = "in-cluster config" if path is None else f"kubeconfig {path}"
        raise ClusterError(f"cannot load the {where}: {_first_line(str(err))}") from None
    except OSError as err:
        raise ClusterError(f"cannot read the kubeconfig {path}: {err.strerror}") from None
    except Exception as err:  # a malformed file: say what, never its content
        raise ClusterError(f"cannot load the kubeconfig {path}: {type(err).__name__}") from None
    configuration.retries = 1
    api = kubernetes.client.ApiClient(configuration)
    return Cluster(api, name or "(none)", _server(str(configuration.host)), kubernetes)


def _first_line(text: str) -> str:
    return text.strip().splitlines()[0] if text.strip() else "invalid configuration"
