"""The TrainedModel validating webhook: port of `pkg/apis/serving/v1alpha1/trainedmodel_webhook.go`.

`memory_of` reads `spec.model.memory` as the webhook and the TrainedModel controller compare it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from generator.config.quantity import QuantityError, marshal_quantity, parse_quantity
from generator.errors import Invalid

# trainedmodel_webhook.go
TM_NAME_FMT = "[a-zA-Z0-9_-]+"
TM_REGEXP = "^" + TM_NAME_FMT + "$"
_TM_RE = re.compile(TM_REGEXP)
INVALID_TM_NAME_FORMAT_ERROR = (
    'the Trained Model "{}" is invalid: a Trained Model name must consist of alphanumeric '
    "characters, '_', or '-'. (e.g. \"my-Name\" or \"abc_123\", regex used for validation is "
    "'{}')"
)
INVALID_STORAGE_URI_FORMAT_ERROR = (
    'the Trained Model "{}" storageUri field is invalid. The storage uri must start with one of '
    'the prefixes: {}. (the storage uri given is "{}")'
)
INVALID_TM_MEMORY_MODIFICATION = (
    'the Trained Model "{}" memory field is immutable. The memory was "{}" but it is updated to '
    '"{}"'
)
# pkg/agent/storage/provider.go: SupportedProtocols (the agent's puller, not the initializer)
SUPPORTED_PROTOCOLS = ("s3://", "gs://", "https://", "http://")
STORAGE_URI_PROTOCOLS = ", ".join(SUPPORTED_PROTOCOLS)


def spec_model(tm: Mapping[str, Any]) -> Mapping[str, Any]:
    return dict((tm.get("spec") or {}).get("model") or {})


def name_of(obj: Mapping[str, Any]) -> str:
    return str((obj.get("metadata") or {}).get("name") or "")


def validate_trained_model(tm: Mapping[str, Any]) -> Invalid | None:
    """Port of `validateTrainedModel` (create and update): the name, then the storage URI."""
    name = name_of(tm)
    if not _TM_RE.fullmatch(name):  # RE2's `$` is the end of the text
        return Invalid("metadata.name", INVALID_TM_NAME_FORMAT_ERROR.format(name, TM_REGEXP))
    uri = str(spec_model(tm).get("storageUri") or "")
    if not uri.startswith(SUPPORTED_PROTOCOLS):  # utils.IsPrefixSupported
        return Invalid(
            "spec.model.storageUri",
            INVALID_STORAGE_URI_FORMAT_ERROR.format(name, STORAGE_URI_PROTOCOLS, uri),
        )
    return None


def validate_trained_model_update(new: Mapping[str, Any], old: Mapping[str, Any]) -> Invalid | None:
    """Port of `ValidateUpdate`: `validate_trained_model`, then memory must not change."""
    # GitOps: the pipeline has no stored object to compare with; only the create rules run there.
    found = validate_trained_model(new)
    if found is not None:
        return found
    new_memory, old_memory = memory_of(new), memory_of(old)
    if isinstance(new_memory, Invalid):
        return new_memory
    if isinstance(old_memory, Invalid):
        return old_memory
    if parse_quantity(new_memory).value != parse_quantity(old_memory).value:
        message = INVALID_TM_MEMORY_MODIFICATION.format(name_of(new), old_memory, new_memory)
        return Invalid("spec.model.memory", message)
    return None


def memory_of(tm: Mapping[str, Any]) -> str | Invalid:
    """`spec.model.memory` as `Quantity.MarshalJSON` writes it ("0" when absent)."""
    raw = spec_model(tm).get("memory", 0)
    value = marshal_quantity(raw)
    if not isinstance(value, str):
        return Invalid("spec.model.memory", f"cannot be read as a quantity: {raw!r}")
    try:
        parse_quantity(value)
    except QuantityError as err:
        return Invalid("spec.model.memory", str(err))
    return value
