"""Kubernetes name rules (apimachinery `pkg/util/validation`), returning its messages.

Each `*_errors` function returns the list of messages apimachinery would return (empty when
valid), so callers can quote them as KServe does.
"""

from __future__ import annotations

import re

DNS1123_LABEL_MAX_LENGTH = 63
DNS1123_SUBDOMAIN_MAX_LENGTH = 253
DNS1035_LABEL_MAX_LENGTH = 63

_DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
_DNS1123_SUBDOMAIN_FMT = _DNS1123_LABEL_FMT + r"(\." + _DNS1123_LABEL_FMT + ")*"
_DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"

_DNS1123_LABEL = re.compile(_DNS1123_LABEL_FMT)
_DNS1123_SUBDOMAIN = re.compile(_DNS1123_SUBDOMAIN_FMT)
_DNS1035_LABEL = re.compile(_DNS1035_LABEL_FMT)


def _max_len(limit: int) -> str:
    return f"must be no more than {limit} characters"


def dns1123_label_errors(value: str) -> list[str]:
    """Port of `IsDNS1123Label`."""
    errors = []
    if len(value) > DNS1123_LABEL_MAX_LENGTH:
        errors.append(_max_len(DNS1123_LABEL_MAX_LENGTH))
    if not _DNS1123_LABEL.fullmatch(value):
        errors.append(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
            "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
            f"'123-abc', regex used for validation is '{_DNS1123_LABEL_FMT}')"
        )
    return errors


def dns1123_subdomain_errors(value: str) -> list[str]:
    """Port of `IsDNS1123Subdomain`."""
    errors = []
    if len(value) > DNS1123_SUBDOMAIN_MAX_LENGTH:
        errors.append(_max_len(DNS1123_SUBDOMAIN_MAX_LENGTH))
    if not _DNS1123_SUBDOMAIN.fullmatch(value):
        errors.append(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. "
            f"'example.com', regex used for validation is '{_DNS1123_SUBDOMAIN_FMT}')"
        )
    return errors


def dns1035_label_errors(value: str) -> list[str]:
    """Port of `IsDNS1035Label`."""
    errors = []
    if len(value) > DNS1035_LABEL_MAX_LENGTH:
        errors.append(_max_len(DNS1035_LABEL_MAX_LENGTH))
    if not _DNS1035_LABEL.fullmatch(value):
        errors.append(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start "
            "with an alphabetic character, and end with an alphanumeric character (e.g. "
            f"'my-name',  or 'abc-123', regex used for validation is '{_DNS1035_LABEL_FMT}')"
        )
    return errors


def fully_qualified_domain_name_errors(field: str, name: str) -> list[str]:
    """Port of `IsFullyQualifiedDomainName`, messages spelled as field.Error prints them."""
    if not name:
        return [f"{field}: Required value"]
    name = name.removesuffix(".")
    errors = dns1123_subdomain_errors(name)
    if errors:
        return [f'{field}: Invalid value: "{name}": {",".join(errors)}']
    labels = name.split(".")
    if len(labels) < 2:
        message = "should be a domain with at least two segments separated by dots"
        return [f'{field}: Invalid value: "{name}": {message}']
    for label in labels:
        errors = dns1123_label_errors(label)
        if errors:
            return [f'{field}: Invalid value: "{label}": {",".join(errors)}']
    return []
