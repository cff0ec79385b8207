"""Never emit what the API server refuses: every rendered object against its kind's schema.

Before anything is printed or written, each object rendered for an InferenceService or an
InferenceGraph whose apiVersion and kind have a schema in `data/emitted/` (Deployment, Service,
HorizontalPodAutoscaler, Ingress, ConfigMap, PersistentVolume, PersistentVolumeClaim, Knative
Service, VirtualService, HTTPRoute, ScaledObject, OpenTelemetryCollector; and ServiceAccount,
Namespace and Gateway, which are only read or passed through; written by
`scripts/gen_output_schemas.py`, origins in its PROVENANCE.md) is checked by a quick screen
(`screen.py`) that only ever says "valid" of a valid object; any other object is checked by the
schema's compiled validator, which decides, and explained as `generator.schema` explains input (a
null field counts as absent, as the API server prunes it). A rule of the API server that no schema
can say is checked in code: an env var's `valueFrom` in a Deployment's pod template
(`_env_refusals`). Objects no InferenceService explains are checked the same way and named by their
own fields (`own_refusals`): inputs passed through, objects an overlay patched, and the children of
LLMInferenceServices.

A refusal names the INPUT field that caused it when it can be found: the output value (or the
object missing a required field) is looked up in the input document under the same key, e.g.
a Deployment's `spec.template.spec.containers[0].readinessProbe.httpGet` without `port` is the
InferenceService's `spec.predictor.model.readinessProbe.httpGet.port`. Otherwise the message
names the output object and its field.
"""

from __future__ import annotations

import copy
import itertools
import json
from collections.abc import Iterable, Iterator, Mapping
from functools import cache
from importlib import resources
from typing import Any, Final

from generator import schema as schemas
from generator.errors import Invalid, field_path
from generator.schema.screen import Check, compile_screen
from generator.schema.validators import Validator, load_validator

__all__ = ["EMITTED_KINDS", "check_rendered", "module_of", "own_refusals"]

# "apiVersion kind" -> module under data/emitted/
_DATA: Final = resources.files(__name__.rpartition(".")[0]).joinpath("data")
EMITTED_KINDS: Final[dict[str, str]] = json.loads(
    _DATA.joinpath("emitted", "kinds.json").read_text(encoding="utf-8")
)
_MAX_REPAIR_ROUNDS: Final = 4

Path_ = tuple[Any, ...]


@cache
def _full(module: str) -> Validator:
    return load_validator(f"emitted/{module}")


@cache
def _screen(module: str) -> Check:
    text = _DATA.joinpath("emitted", f"{module}.json").read_text(encoding="utf-8")
    return compile_screen(json.loads(text))


def check_rendered(
    objects: Iterable[Mapping[str, Any]], source: Mapping[str, Any]
) -> list[Invalid]:
    """What the API server would refuse in `objects`, rendered from the input document `source`:
    one `Invalid` per input field (or output field when no input one is found), in object order.
    """
    found: dict[str, Invalid] = {}
    for obj in objects:
        module = module_of(obj)
        if module is None:
            continue
        for invalid, where, path, value in _all_refusals(module, obj):
            invalid = _as_input(invalid, where, path, value, obj, source)
            found.setdefault(invalid.field or invalid.message, invalid)
    return list(found.values())


def own_refusals(obj: Mapping[str, Any]) -> list[Invalid]:
    """What the API server would refuse in `obj`, by `obj`'s own fields, each message saying so:
    for an object no InferenceService explains (an input passed through, an object an overlay
    patched, an LLMInferenceServiceConfig's object)."""
    module = module_of(obj)
    if module is None:
        return []
    found: dict[str, Invalid] = {}
    for invalid, _, _, _ in _all_refusals(module, obj):
        message = f"{invalid.message} (the API server would refuse it)"
        found.setdefault(invalid.field or invalid.message, Invalid(invalid.field, message))
    return list(found.values())


def module_of(obj: Mapping[str, Any]) -> str | None:
    """The schema module of `obj`'s apiVersion and kind; None for a kind not checked here."""
    return EMITTED_KINDS.get(f"{obj.get('apiVersion')} {obj.get('kind')}")


def _all_refusals(module: str, obj: Mapping[str, Any]) -> Iterator[tuple[Invalid, str, Path_, Any]]:
    """The schema's refusals (only when the screen doubts the object) and then the coded ones."""
    coded = _env_refusals(obj)
    if _screen(module)(obj):
        return coded
    return itertools.chain(_explained(module, obj), coded)


# The sources of an env var's valueFrom that the API server counts (k8s.io/kubernetes
# pkg/apis/core/validation, validateEnvVarValueFrom). Kubernetes 1.34 also has `fileKeyRef`, alpha
# behind the EnvFiles gate (off by default): the API server drops it before it validates.
_ENV_SOURCES: Final = ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
_ONE_OF_SOURCES: Final = "`fieldRef`, `resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"
_WITH_POD_TEMPLATE: Final = frozenset({("apps/v1", "Deployment")})


def _env_refusals(obj: Mapping[str, Any]) -> Iterator[tuple[Invalid, str, Path_, Any]]:
    """What validateEnvVarValueFrom refuses in the containers of a Deployment's pod template.

    Knative Services are left alone: Knative's webhook does not check this, so the API server
    takes the Service (its revision's Deployment is what fails)."""
    if (obj.get("apiVersion"), obj.get("kind")) not in _WITH_POD_TEMPLATE:
        return
    pod = _at(obj, ("spec", "template", "spec"))
    if not isinstance(pod, Mapping):
        return
    for group in ("initContainers", "containers"):
        containers = pod.get(group)
        for i, container in enumerate(containers if isinstance(containers, list) else ()):
            env = container.get("env") if isinstance(container, Mapping) else None
            for j, var in enumerate(env if isinstance(env, list) else ()):
                message = _value_from_refusal(var) if isinstance(var, Mapping) else None
                if message is not None:
                    path = ("spec", "template", "spec", group, i, "env", j, "valueFrom")
                    where = field_path(*path)
                    yield Invalid(where, message), where, path, var["valueFrom"]


def _value_from_refusal(var: Mapping[str, Any]) -> str | None:
    """The API server's message about one env var's valueFrom (a null field is absent)."""
    source = var.get("valueFrom")
    if not isinstance(source, Mapping):  # absent or null; any other type is the schema's
        return None
    count = sum(1 for key in _ENV_SOURCES if source.get(key) is not None)
    value = var.get("value")
    if count == 0:
        return f"must specify one of: {_ONE_OF_SOURCES}"
    if isinstance(value, str) and value:
        return "may not be specified when `value` is not empty"
    if count > 1:
        return "may not have more than one field specified at a time"
    return None


def _explained(module: str, obj: Mapping[str, Any]) -> Iterator[tuple[Invalid, str, Path_, Any]]:
    """Each refusal of `obj` with the field it names, the path and the value it is about."""
    work = copy.deepcopy(dict(obj))
    validate = _full(module)
    errors = schemas._errors(validate, work)
    for _ in range(_MAX_REPAIR_ROUNDS):  # the API server prunes null fields before it validates
        if not schemas._repair(work, errors):
            break
        errors = schemas._errors(validate, work)
    for error in errors:
        path = schemas._locate(work, error) or ()
        where = schemas._spell(work, path)
        for invalid in schemas._explain(work, error):
            yield invalid, where, path, error.value


def _as_input(
    invalid: Invalid,
    where: str,
    path: Path_,
    value: Any,
    obj: Mapping[str, Any],
    source: Mapping[str, Any],
) -> Invalid:
    """`invalid` (about `obj`'s field `invalid.field`, whose value at `path` is `value`) as a
    finding about the input field that holds the same value under the same key."""
    meta = obj.get("metadata")
    meta = meta if isinstance(meta, Mapping) else {}
    name = "/".join(str(p) for p in (meta.get("namespace"), meta.get("name")) if p)
    rendered = f"{obj.get('kind')} {name} ({obj.get('apiVersion')})"
    key = next((part for part in reversed(path) if isinstance(part, str)), None)
    origin = _find(source, value, key, ()) if key is not None else None
    message = invalid.message
    if origin is None:
        origin = _left_out(obj, path, source)
        message += f", which KServe writes for a {key} left out" if origin else ""
    if origin is None:
        return Invalid("", f"the {rendered} it renders: {invalid.field}: {invalid.message}")
    rest = invalid.field[len(where) :] if invalid.field.startswith(where) else ""
    field = field_path(*origin) + rest
    return Invalid(field, f"{message} (the API server would refuse the {rendered} it "
                          f"renders, at {invalid.field})")  # fmt: skip


def _left_out(obj: Mapping[str, Any], path: Path_, source: Mapping[str, Any]) -> Path_ | None:
    """Where the input leaves out the field at `path` that the rendered object has (a Go zero
    value KServe writes, e.g. a probe's `port: 0`): the object that holds it, and the ones
    above it (at most three), as the input has them without it; None if the input has none."""
    found = None
    for up in range(1, min(3, len(path) - 1) + 1):
        holder_path, inside = path[:-up], path[-up:]
        holder = _at(obj, holder_path)
        if not isinstance(holder_path[-1], str) or not isinstance(holder, Mapping):
            break
        without = copy.deepcopy(dict(holder))
        parent = _at(without, inside[:-1])
        if not isinstance(parent, dict):
            break
        parent.pop(inside[-1], None)
        at = _find(source, without, holder_path[-1], ())
        if at is None:
            break
        found = (*at, *inside)
    return found


def _at(node: Any, path: Path_) -> Any:
    for part in path:
        if isinstance(node, Mapping) and part in node:
            node = node[part]
        elif isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def _find(node: Any, value: Any, key: str, at: Path_) -> Path_ | None:
    """The first path (depth first, document order) in `node` whose last key is `key` and whose
    value equals `value`, of the same type; None if there is none."""
    if isinstance(node, Mapping):
        for k, child in node.items():
            if k == key and _same(child, value):
                return (*at, str(k))
            found = _find(child, value, key, (*at, str(k)))
            if found is not None:
                return found
    elif isinstance(node, list):
        for index, child in enumerate(node):
            if _same(child, value) and at and at[-1] == key:
                return (*at, index)
            found = _find(child, value, key, (*at, index))
            if found is not None:
                return found
    return None


def _same(a: Any, b: Any) -> bool:
    return type(a) is type(b) and a == b
