"""A small Kubernetes API server for tests: discovery, get, list by label, dry-run apply.

It binds 127.0.0.1 on a free port, serves each request on a thread, and stops when the test
ends. Clients reach it through the real `kubernetes` client with a generated kubeconfig that
carries a bearer token, which the server checks (and tests check is never printed).
"""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

import yaml

TOKEN = "s3cr3t-test-token-do-not-print"


@dataclass(frozen=True)
class Kind:
    api_version: str
    kind: str
    plural: str
    namespaced: bool = True


CORE_KINDS = (
    Kind("v1", "Service", "services"),
    Kind("v1", "ConfigMap", "configmaps"),
    Kind("v1", "Pod", "pods"),
    Kind("v1", "Namespace", "namespaces", namespaced=False),
    Kind("apps/v1", "Deployment", "deployments"),
    Kind("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
    Kind("networking.k8s.io/v1", "Ingress", "ingresses"),
)
KNATIVE = Kind("serving.knative.dev/v1", "Service", "services")
ISTIO = Kind("networking.istio.io/v1beta1", "VirtualService", "virtualservices")
GATEWAY_API = Kind("gateway.networking.k8s.io/v1", "HTTPRoute", "httproutes")
KEDA = Kind("keda.sh/v1alpha1", "ScaledObject", "scaledobjects")
KSERVE = Kind("serving.kserve.io/v1beta1", "InferenceService", "inferenceservices")
ALL_KINDS = (*CORE_KINDS, KNATIVE, ISTIO, GATEWAY_API, KEDA)

Key = tuple[str, str, str, str]  # apiVersion, plural, namespace, name


def _merge(live: Any, applied: Any) -> Any:
    """A server-side apply's result, roughly: maps merge, everything else is replaced."""
    if isinstance(live, dict) and isinstance(applied, dict):
        out = dict(live)
        for key, value in applied.items():
            out[key] = _merge(live.get(key), value)
        return out
    return copy.deepcopy(applied)


@dataclass
class FakeApiServer:
    kinds: tuple[Kind, ...] = ALL_KINDS
    server_side_apply: bool = True
    forbidden: tuple[str, ...] = ()  # path prefixes answered with 403
    objects: dict[Key, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, str]] = field(default_factory=list)
    _httpd: ThreadingHTTPServer | None = None
    _thread: threading.Thread | None = None

    # --- objects -----------------------------------------------------------------------------

    def kind_of(self, api_version: str, kind: str) -> Kind | None:
        return next(
            (k for k in self.kinds if k.api_version == api_version and k.kind == kind), None
        )

    def add(self, *objects: Mapping[str, Any]) -> None:
        for obj in objects:
            kind = self.kind_of(str(obj["apiVersion"]), str(obj["kind"]))
            assert kind is not None, f"the fake server does not serve {obj['kind']}"
            meta = obj["metadata"]
            key = (kind.api_version, kind.plural, meta.get("namespace", ""), meta["name"])
            stored = copy.deepcopy(dict(obj))
            stored["metadata"].setdefault("uid", f"uid-{meta['name']}")
            stored["metadata"].setdefault("resourceVersion", "1")
            stored["metadata"].setdefault("creationTimestamp", "2026-01-01T00:00:00Z")
            self.objects[key] = stored

    # --- lifecycle ---------------------------------------------------------------------------

    @property
    def url(self) -> str:
        assert self._httpd is not None
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> FakeApiServer:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # quiet
                pass

            def do_GET(self) -> None:
                server.handle(self, "GET")

            def do_PATCH(self) -> None:
                server.handle(self, "PATCH")

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def kubeconfig(self, path: Path, context: str = "fake") -> Path:
        doc = {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "fake", "cluster": {"server": self.url}}],
            "users": [{"name": "tester", "user": {"token": TOKEN}}],
            "contexts": [{"name": context, "context": {"cluster": "fake", "user": "tester"}}],
            "current-context": context,
        }
        path.write_text(yaml.safe_dump(doc), encoding="utf-8")
        return path

    # --- requests ----------------------------------------------------------------------------

    def handle(self, request: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(request.path)
        self.requests.append((method, request.path))
        if request.headers.get("Authorization") != f"Bearer {TOKEN}":
            self.reply(request, 401, self.status(401, "Unauthorized", "Unauthorized"))
            return
        if any(parts.path.startswith(p) for p in self.forbidden):
            message = f'{parts.path} is forbidden: User "tester" cannot get this resource'
            self.reply(request, 403, self.status(403, "Forbidden", message))
            return
        query = parse_qs(parts.query)
        body = None
        if method == "PATCH":
            length = int(request.headers.get("Content-Length") or 0)
            body = yaml.safe_load(request.rfile.read(length))
        code, doc = self.route(method, parts.path, query, body, request.headers)
        self.reply(request, code, doc)

    @staticmethod
    def status(code: int, reason: str, message: str) -> dict[str, Any]:
        return {
            "kind": "Status",
            "apiVersion": "v1",
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        }

    @staticmethod
    def reply(request: BaseHTTPRequestHandler, code: int, doc: Any) -> None:
        data = json.dumps(doc).encode()
        request.send_response(code)
        request.send_header("Content-Type", "application/json")
        request.send_header("Content-Length", str(len(data)))
        request.end_headers()
        request.wfile.write(data)

    def _versions(self) -> Iterator[str]:
        yield from sorted({k.api_version for k in self.kinds})

    def route(
        self, method: str, path: str, query: dict[str, list[str]], body: Any, headers: Any
    ) -> tuple[int, Any]:
        segments = [unquote(s) for s in path.strip("/").split("/")]
        if path == "/api":
            return 200, {"kind": "APIVersions", "versions": ["v1"]}
        if path == "/apis":
            groups = [
                {
                    "name": v.split("/")[0],
                    "versions": [{"groupVersion": v, "version": v.split("/")[1]}],
                }
                for v in self._versions()
                if "/" in v
            ]
            return 200, {"kind": "APIGroupList", "apiVersion": "v1", "groups": groups}
        if segments[0] == "api":
            api_version, rest = "v1", segments[2:]
        elif segments[0] == "apis" and len(segments) >= 3:
            api_version, rest = f"{segments[1]}/{segments[2]}", segments[3:]
        else:
            return 404, self.status(404, "NotFound", "the server could not find it")
        served = [k for k in self.kinds if k.api_version == api_version]
        if not served:
            return 404, self.status(404, "NotFound", "the server could not find it")
        if not rest:
            resources = [
                {"name": k.plural, "kind": k.kind, "namespaced": k.namespaced, "verbs": ["get"]}
                for k in served
            ] + [{"name": f"{k.plural}/status", "kind": k.kind, "namespaced": k.namespaced}
                 for k in served]  # fmt: skip
            doc = {"kind": "APIResourceList", "groupVersion": api_version, "resources": resources}
            return 200, doc
        namespace = ""
        if rest[0] == "namespaces" and len(rest) >= 3:
            namespace, rest = rest[1], rest[2:]
        plural, name = rest[0], (rest[1] if len(rest) > 1 else "")
        if not any(k.plural == plural for k in served):
            return 404, self.status(404, "NotFound", "the server could not find it")
        if method == "GET" and not name:
            return 200, self.list(api_version, plural, namespace, query)
        key = (api_version, plural, namespace, name)
        live = self.objects.get(key)
        if live is None:
            return 404, self.status(404, "NotFound", f'{plural} "{name}" not found')
        if method == "GET":
            return 200, live
        content_type = str(headers.get("Content-Type") or "")
        if not self.server_side_apply or content_type != "application/apply-patch+yaml":
            return 415, self.status(415, "UnsupportedMediaType", "no server-side apply")
        assert query.get("dryRun") == ["All"], "the tests never change the fake cluster"
        merged = _merge(live, body)
        merged["metadata"] = {**merged["metadata"], "managedFields": [{"manager": "x"}]}
        if api_version == KNATIVE.api_version:  # Knative's webhook stamps who asked
            annotations = merged["metadata"].get("annotations") or {}
            merged["metadata"]["annotations"] = {
                **annotations,
                "serving.knative.dev/lastModifier": "tester",
            }
        return 200, merged

    def list(
        self, api_version: str, plural: str, namespace: str, query: dict[str, list[str]]
    ) -> dict[str, Any]:
        selector = dict(
            term.split("=", 1)
            for term in (query.get("labelSelector") or [""])[0].split(",")
            if term
        )
        items = []
        for (version, kind_plural, ns, _), obj in sorted(self.objects.items()):
            if version != api_version or kind_plural != plural:
                continue
            if namespace and ns != namespace:
                continue
            labels = (obj.get("metadata") or {}).get("labels") or {}
            if all(labels.get(k) == v for k, v in selector.items()):
                item = {k: v for k, v in obj.items() if k not in ("apiVersion", "kind")}
                items.append(item)
        return {"kind": "List", "apiVersion": api_version, "items": items}
