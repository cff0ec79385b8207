"""HTTP(S) header env (pkg/credentials/https/https_secret.go); from `https_secret_test.go`.

# GitOps: the variable's value is a secretKeyRef to `headers`; its name needs `https-host` from
`stringData` (the one value the porting reference allows reading), else a warning.
"""

from __future__ import annotations

from typing import Any

import pytest

from generator.credentials import SecretIndex, SecretInfo, https

HEADERS_REF = {
    "name": "example.com-headers",
    "valueFrom": {"secretKeyRef": {"name": "s", "key": "headers"}},
}


@pytest.mark.parametrize(
    ("secret", "expected"),
    [
        (SecretInfo("default", "s", frozenset({"username", "password"})), []),
        (SecretInfo("default", "s", frozenset({"https-host"}), https_host="example.com"), []),
        (
            SecretInfo(
                "default", "s", frozenset({"https-host", "headers"}), https_host="example.com"
            ),
            [HEADERS_REF],
        ),
    ],
    ids=["noUriHost", "noHeaders", "secretEnvs GitOps"],
)
def test_https_secret(secret: SecretInfo, expected: list[dict[str, Any]]) -> None:
    envs, warnings = https.build_secret_envs(secret)
    assert envs == expected
    assert warnings == []


def test_https_host_only_in_data_is_skipped_with_a_warning() -> None:
    obj = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "s", "namespace": "default"},
        "data": {"https-host": "ZXhhbXBsZS5jb20=", "headers": "e30="},
    }
    secret = SecretIndex.from_objects([obj]).secret("default", "s")
    assert secret is not None
    envs, warnings = https.build_secret_envs(secret)
    assert envs == []
    assert warnings and "Secret default/s" in warnings[0] and "ZXhhbXBsZS5jb20=" not in warnings[0]
