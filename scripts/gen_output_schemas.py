"""Write the schemas of the kinds kserve-gitops emits, for the check before anything is printed.

The API server refuses a Deployment whose probe has `httpGet` without a `port`, a label value
with a space, a container port name of 20 characters. `generator.schema.emitted` checks every
object the tool renders for InferenceServices and InferenceGraphs against the schema of its kind
and version, built here from:

- Kubernetes 1.34's built-in kinds (Deployment, Service, HorizontalPodAutoscaler autoscaling/v2,
  Ingress, ConfigMap, and the PersistentVolume and PersistentVolumeClaim of a local model
  cache): the `v1.34.0-local-strict` JSON schemas that the `kubernetes-validate`
  package ships (every object closed, as `kubectl apply --validate=strict` does);
- the CRDs of the other kinds (Knative Service, Istio VirtualService, Gateway API HTTPRoute,
  KEDA ScaledObject, OpenTelemetryCollector) under tests/data/reference/crds/, at the versions
  KServe v0.20.0 pins (that folder's PROVENANCE.md).

Both go through `generator.schema.convert` (the Kubernetes schemas first become the CRD dialect
they were made from: `$ref`s inlined, `["T", "null"]` as `nullable`, int-or-string and quantity
as such), with Kubernetes ObjectMeta for `metadata`, then rules of the API server's own
validation that no OpenAPI schema carries and that input can break (k8s.io/apimachinery
pkg/util/validation): a label value is at most 63 characters of `[-A-Za-z0-9_.]` that begin and
end alphanumeric (IsValidLabelValue), and a container port name is an IANA service name
(IsValidPortName), and a probe's or lifecycle hook's port is 1 to 65535 or such a name
(ValidatePortNumOrName; KServe writes `port: 0` for one the input leaves out); and the enums
of `imagePullPolicy` and port `protocol` that
k8s.io/kubernetes pkg/apis/core/validation checks and the OpenAPI schema leaves out.
Repeated subschemas are hoisted into `definitions` as scripts/gen_schemas.py does.
Output: `generator/schema/data/emitted/<module>.json`, `kinds.json` (apiVersion and kind
to module) and PROVENANCE.md (where each came from, with the sha256 of its source).

    python scripts/gen_output_schemas.py [--out PACKAGE_DIR]

The output is a pure function of the sources; tests/schema/test_emitted.py checks that the
shipped files are up to date.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections.abc import Mapping
from importlib import metadata, resources
from pathlib import Path
from typing import Any

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from gen_schemas import hoist

from generator.schema.convert import object_meta, to_json_schema

REPO_ROOT = Path(__file__).resolve().parents[1]
CRD_DIR = REPO_ROOT / "tests" / "data" / "reference" / "crds"
DEFAULT_OUT = REPO_ROOT / "generator" / "schema"
K8S_SCHEMAS = "v1.34.0-local-strict"
Schema = dict[str, Any]

# (apiVersion, kind, $defs name) of the built-in kinds, from kubernetes-validate.
_API = "io.k8s.api"
BUILTIN = (
    ("apps/v1", "Deployment", f"{_API}.apps.v1.Deployment"),
    ("v1", "Service", f"{_API}.core.v1.Service"),
    ("v1", "ConfigMap", f"{_API}.core.v1.ConfigMap"),
    ("autoscaling/v2", "HorizontalPodAutoscaler", f"{_API}.autoscaling.v2.HorizontalPodAutoscaler"),
    ("networking.k8s.io/v1", "Ingress", f"{_API}.networking.v1.Ingress"),
    ("v1", "PersistentVolume", f"{_API}.core.v1.PersistentVolume"),
    ("v1", "PersistentVolumeClaim", f"{_API}.core.v1.PersistentVolumeClaim"),
    # Not rendered, but passed through (and ServiceAccounts read for their secrets).
    ("v1", "ServiceAccount", f"{_API}.core.v1.ServiceAccount"),
    ("v1", "Namespace", f"{_API}.core.v1.Namespace"),
)
# (apiVersion, kind, CRD file under tests/data/reference/crds/) of the custom resources.
CUSTOM = (
    ("serving.knative.dev/v1", "Service", "knative-serving/service.yaml"),
    (
        "networking.istio.io/v1beta1",
        "VirtualService",
        "istio/virtualservices.networking.istio.io.yaml",
    ),
    (
        "gateway.networking.k8s.io/v1",
        "HTTPRoute",
        "gateway-api/gateway.networking.k8s.io_httproutes.yaml",
    ),
    # Not emitted, but an input LLMInferenceServices read (their router's gateway refs), so
    # one passed through is checked as the API server would.
    (
        "gateway.networking.k8s.io/v1",
        "Gateway",
        "gateway-api/gateway.networking.k8s.io_gateways.yaml",
    ),
    ("keda.sh/v1alpha1", "ScaledObject", "keda/keda.sh_scaledobjects.yaml"),
    (
        "opentelemetry.io/v1beta1",
        "OpenTelemetryCollector",
        "opentelemetry/opentelemetry.io_opentelemetrycollectors.yaml",
    ),
)

# IsValidLabelValue: empty, or alphanumeric at both ends with `-_.` inside; at most 63.
LABEL_VALUE: Schema = {
    "type": "string",
    "maxLength": 63,
    "pattern": "^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$",
}
# IsValidPortName: 1-15 of [-a-z0-9] with a letter, no `--`, no hyphen at either end.
PORT_NAME: Schema = {
    "type": ["string", "null"],
    "maxLength": 15,
    "pattern": "^(?=.*[a-z])(?!.*--)[a-z0-9]([-a-z0-9]*[a-z0-9])?$",
}
# IsValidPortNum (1-65535), and ValidatePortNumOrName: that number or an IANA service name;
# a probe or lifecycle handler's port that KServe writes as 0 when the input has none is
# refused by the API server for a Deployment (validateHTTPGetAction, validateTCPSocketAction,
# validateGRPCAction in k8s.io/kubernetes pkg/apis/core/validation).
PORT_NUMBER: Schema = {"type": "integer", "minimum": 1, "maximum": 65535}
PORT_NUMBER_OR_NAME: Schema = {
    "x-kubernetes-int-or-string": True,
    "nullable": True,
    "minimum": 1,
    "maximum": 65535,
    "maxLength": 15,
    "pattern": PORT_NAME["pattern"],
}
# The API server's enums that the OpenAPI schema leaves out (k8s.io/kubernetes
# pkg/apis/core/validation: validatePullPolicy, supportedPortProtocols); "" is defaulted first.
PULL_POLICY: Schema = {"type": ["string", "null"], "enum": ["", "Always", "IfNotPresent", "Never"]}
PROTOCOL: Schema = {"type": ["string", "null"], "enum": ["", "TCP", "UDP", "SCTP"]}
_K8S_OBJECT_META = "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"
_K8S_SPECIAL = {
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"x-kubernetes-int-or-string": True},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": ["number", "string"]},
}


def module_name(api_version: str, kind: str) -> str:
    """`Deployment` of `apps/v1` -> `deployment_apps_v1`; `v1` Service -> `service_v1`."""
    return "_".join([kind.lower(), *api_version.replace(".", "_").split("/")])


def meta_with_rules() -> Schema:
    """Kubernetes ObjectMeta (convert.object_meta) whose label values must be valid."""
    meta = object_meta()
    meta["properties"]["labels"]["additionalProperties"] = dict(LABEL_VALUE)
    return meta


def k8s_definitions() -> tuple[dict[str, Schema], Path]:
    base = resources.files("kubernetes_validate").joinpath("kubernetes-json-schema", K8S_SCHEMAS)
    path = Path(str(base.joinpath("_definitions.json")))
    return json.loads(path.read_text(encoding="utf-8"))["$defs"], path


def k8s_to_crd_dialect(node: Any, defs: Mapping[str, Schema], seen: tuple[str, ...] = ()) -> Any:
    """A kubernetes-validate JSON schema node as the OpenAPI v3 of a CRD, `$ref`s inlined."""
    if isinstance(node, list):
        return [k8s_to_crd_dialect(item, defs, seen) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str):
        name = ref.rpartition("/")[2]
        if name in _K8S_SPECIAL:
            return {**_K8S_SPECIAL[name], "nullable": True}
        if name in seen:
            raise SystemExit(f"gen_output_schemas.py: recursive definition {name}")
        return k8s_to_crd_dialect(defs[name], defs, (*seen, name))
    out: Schema = {}
    for key, value in node.items():
        if key in ("properties", "definitions"):
            out[key] = {k: k8s_to_crd_dialect(v, defs, seen) for k, v in value.items()}
        elif key == "type" and isinstance(value, list) and "null" in value:
            rest = [t for t in value if t != "null"]
            out[key] = rest[0] if len(rest) == 1 else rest
            out["nullable"] = True
        else:
            out[key] = k8s_to_crd_dialect(value, defs, seen)
    return out


def with_fields(defs: dict[str, Schema], definition: str, **fields: Schema) -> None:
    """Core definition `definition` with `fields` replacing its properties of those names."""
    old = defs[f"{_API}.core.v1.{definition}"]
    defs[f"{_API}.core.v1.{definition}"] = {**old, "properties": {**old["properties"], **fields}}


def builtin_schema(defs: dict[str, Schema], name: str) -> Schema:
    defs = dict(defs)
    with_fields(defs, "ContainerPort", name=PORT_NAME, protocol=PROTOCOL)
    for handler in ("HTTPGetAction", "TCPSocketAction"):
        with_fields(defs, handler, port=PORT_NUMBER_OR_NAME)
    with_fields(defs, "GRPCAction", port=PORT_NUMBER)
    with_fields(defs, "ServicePort", protocol=PROTOCOL)
    with_fields(defs, "Container", imagePullPolicy=PULL_POLICY)
    template_meta = meta_with_rules()  # a pod template's: no name needed
    template_meta.pop("required")
    defs[_K8S_OBJECT_META] = template_meta
    return finish(to_json_schema(k8s_to_crd_dialect(defs[name], defs)))


def custom_schema(crd: Schema, version: str) -> Schema:
    served = {v["name"]: v for v in crd["spec"]["versions"] if v.get("served")}
    root = to_json_schema(served[version]["schema"]["openAPIV3Schema"])
    props = root.setdefault("properties", {})
    props.setdefault("apiVersion", {"type": "string"})
    props.setdefault("kind", {"type": "string"})
    return finish(root)


def finish(root: Schema) -> Schema:
    """The root of an emitted kind: ObjectMeta with rules, apiVersion/kind/metadata required."""
    root["properties"]["metadata"] = meta_with_rules()
    root["required"] = sorted({*root.get("required", ()), "apiVersion", "kind", "metadata"})
    root["additionalProperties"] = False
    return {"$schema": "http://json-schema.org/draft-07/schema#", **hoist(root)}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def generate() -> dict[str, str]:
    """Relative output path -> content, for every file this script owns."""
    defs, defs_path = k8s_definitions()
    files: dict[str, str] = {}
    kinds: dict[str, str] = {}
    rows: list[str] = []
    package = f"kubernetes-validate {metadata.version('kubernetes-validate')}"
    for api_version, kind, name in BUILTIN:
        module = module_name(api_version, kind)
        files[f"data/emitted/{module}.json"] = dump(builtin_schema(defs, name))
        kinds[f"{api_version} {kind}"] = module
        source = f"{package}, {K8S_SCHEMAS}/_definitions.json `{name}`"
        rows.append(f"| {module} | {api_version} {kind} | {source} | {sha256(defs_path)} |")
    for api_version, kind, relative in CUSTOM:
        module = module_name(api_version, kind)
        crd_path = CRD_DIR / relative
        crd = yaml.load(crd_path.read_text(encoding="utf-8"), Loader=yaml.CSafeLoader)
        files[f"data/emitted/{module}.json"] = dump(
            custom_schema(crd, api_version.rpartition("/")[2])
        )
        kinds[f"{api_version} {kind}"] = module
        source = f"tests/data/reference/crds/{relative} (see its PROVENANCE.md)"
        rows.append(f"| {module} | {api_version} {kind} | {source} | {sha256(crd_path)} |")
    files["data/emitted/kinds.json"] = json.dumps(dict(sorted(kinds.items())), indent=1) + "\n"
    files["data/emitted/PROVENANCE.md"] = provenance(rows, package)
    return files


def provenance(rows: list[str], package: str) -> str:
    head = f"""# Provenance — generator/schema/data/emitted/

Written by scripts/gen_output_schemas.py (do not edit): the schemas that every object
kserve-gitops renders for InferenceServices and InferenceGraphs is checked against before it
is emitted (generator/schema/emitted.py). Built-in kinds come from the Kubernetes 1.34 schemas
of the `kubernetes-validate` package ({package}, Apache-2.0); the custom resources from the
CRDs KServe v0.20.0 pins, copied under tests/data/reference/crds/ with their own provenance.
All are converted by generator/schema/convert.py. Added from the API server's own validation
(k8s.io/apimachinery/pkg/util/validation): label values on every kind (IsValidLabelValue, at
most 63 characters), container port names on Deployments (IsValidPortName, at most 15) and
the ports of probes and lifecycle hooks (IsValidPortNum, 1 to 65535, or a port name); and
(k8s.io/kubernetes/pkg/apis/core/validation) the enums of a container's `imagePullPolicy`
(validatePullPolicy) and a container or Service port's `protocol` (supportedPortProtocols).

| module | apiVersion kind | source | sha256 of the source file |
|---|---|---|---|
"""
    return head + "\n".join(rows) + "\n"


def dump(schema: Schema) -> str:
    return json.dumps(schema, indent=1, ensure_ascii=False) + "\n"


def write(files: dict[str, str], out: Path) -> None:
    folder = out / "data" / "emitted"
    for stale in sorted(folder.glob("*")) if folder.is_dir() else ():
        if stale.relative_to(out).as_posix() not in files:
            stale.unlink()
    for relative, content in sorted(files.items()):
        target = out / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.encode("utf-8"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="the generator/schema dir")
    args = parser.parse_args(argv)
    files = generate()
    write(files, args.out)
    for relative, content in sorted(files.items()):
        print(f"{args.out / relative}: {len(content.encode('utf-8'))} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
