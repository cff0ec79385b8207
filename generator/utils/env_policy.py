"""Port of KServe's `pkg/validation/env_policy.go`: environment variables no container may set."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from generator.constants import DEFAULT_BLOCKED_ENV_VARS
from generator.goruntime.strconv import quote


def validate_blocked_env_vars(
    containers: Iterable[Mapping[str, Any]], blocked: Sequence[str] = DEFAULT_BLOCKED_ENV_VARS
) -> tuple[int, int, str] | None:
    """Port of `ValidateBlockedEnvVars`: the first blocked env var, in container order.

    Returns (container index, env index, KServe's message) so callers can name the field.
    """
    for c_index, container in enumerate(containers):
        envs = container.get("env")
        for e_index, env in enumerate(envs if isinstance(envs, list) else ()):
            name = env.get("name") if isinstance(env, Mapping) else None
            if name in blocked:
                container_name = quote(str(container.get("name") or ""))
                message = (
                    f"setting {name} in container {container_name} is not allowed for "
                    "security reasons"
                )
                return c_index, e_index, message
    return None
