"""Reusable field types of the policy models: names, pinned references, network values."""

from __future__ import annotations

import ipaddress
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field
from pydantic import BaseModel as _PydanticBase

__all__ = [
    "DNS_LABEL",
    "Cidr",
    "Fqdn",
    "HttpUrl",
    "LabelKey",
    "Name",
    "OffOr",
    "PinnedImage",
    "Port",
    "PositiveFloat",
    "Strict",
    "label_value",
    "normalise_name",
]

DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_LABEL_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_FQDN = re.compile(r"^(\*\.)?([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z]([-a-z0-9]*[a-z0-9])?$")
_IMAGE = re.compile(
    r"^(?P<repo>[a-z0-9]+([._-][a-z0-9]+)*(:[0-9]+)?(/[a-z0-9]+([._-]{1,2}[a-z0-9]+)*)*)"
    r"(:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?"
    r"(@(?P<digest>sha256:[a-f0-9]{64}))?$"
)
MAX_NAME = 40


class Strict(_PydanticBase):
    """Base of every policy model: frozen, strict types, unknown keys are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=False)


def normalise_name(raw: str) -> str:
    """The Kubernetes-safe form of a policy name: lowercase, ``[^a-z0-9-]`` → ``-``, trimmed."""
    lowered = re.sub(r"[^a-z0-9-]+", "-", raw.strip().lower())
    return re.sub(r"-{2,}", "-", lowered).strip("-")


def label_value(raw: str) -> str:
    """A valid Kubernetes label value for free text (``CC 1042/EMEA`` → ``CC-1042-EMEA``)."""
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", raw.strip())
    cleaned = re.sub(r"^[^A-Za-z0-9]+", "", cleaned)[:63]
    return re.sub(r"[^A-Za-z0-9]+$", "", cleaned)


def _check_name(value: str) -> str:
    norm = normalise_name(value)
    if not norm:
        raise ValueError(f"name {value!r} has no letters or digits")
    if len(norm) > MAX_NAME:
        raise ValueError(f"name {value!r} is longer than {MAX_NAME} characters after normalisation")
    if not DNS_LABEL.match(norm) or not norm[0].isalpha():
        raise ValueError(f"name {value!r} must start with a letter")
    return value


def _check_label_key(value: str) -> str:
    prefix, _, name = value.rpartition("/")
    if not _LABEL_NAME.match(name) or len(name) > 63:
        raise ValueError(f"{value!r} is not a valid Kubernetes label key")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        raise ValueError(f"{value!r} has an invalid label key prefix")
    return value


def _check_label_value(value: str) -> str:
    if len(value) > 63 or not _LABEL_VALUE.match(value):
        raise ValueError(f"{value!r} is not a valid Kubernetes label value")
    return value


def _check_fqdn(value: str) -> str:
    host = value.strip().lower()
    if host in {"*", "*.*"} or (host.startswith("*") and not host.startswith("*.")):
        raise ValueError(f"host {value!r} would allow every host; name the hosts explicitly")
    if not _FQDN.match(host) or len(host) > 253:
        raise ValueError(f"{value!r} is not a host name (use e.g. api.example.com or *.example.com)")
    return host


def _check_cidr(value: Any) -> str:
    if not isinstance(value, str):
        raise ValueError("a CIDR must be a string such as 10.0.0.0/16")
    try:
        net = ipaddress.ip_network(value, strict=True)
    except ValueError as exc:
        raise ValueError(f"{value!r} is not a valid CIDR ({exc})") from None
    if net.prefixlen == 0:
        raise ValueError(f"{value!r} allows every address; that would break the egress promise")
    return str(net)


def _check_url(value: str) -> str:
    if not re.match(r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?$", value):
        raise ValueError(f"{value!r} is not an http(s) URL")
    return value.rstrip("/")


def _check_image(value: str) -> str:
    match = _IMAGE.match(value)
    if not match:
        raise ValueError(f"{value!r} is not a container image reference")
    tag, digest = match.group("tag"), match.group("digest")
    if not tag and not digest:
        raise ValueError(f"image {value!r} is not pinned: add a version tag or an @sha256 digest")
    if tag and tag.lower() in {"latest", "main", "master", "stable", "edge", "nightly"} and not digest:
        raise ValueError(f"image {value!r} uses the floating tag {tag!r}: pin a version or a digest")
    return value


def _off(value: Any) -> Any:
    # YAML 1.1 reads a bare `off` as false; the policy means the mode "off".
    return "off" if value is False else value


Name = Annotated[str, AfterValidator(_check_name)]
LabelKey = Annotated[str, AfterValidator(_check_label_key)]
LabelValue = Annotated[str, AfterValidator(_check_label_value)]
Fqdn = Annotated[str, AfterValidator(_check_fqdn)]
Cidr = Annotated[str, BeforeValidator(_check_cidr)]
HttpUrl = Annotated[str, AfterValidator(_check_url)]
PinnedImage = Annotated[str, AfterValidator(_check_image)]
Port = Annotated[int, Field(ge=1, le=65535)]
PositiveFloat = Annotated[float, Field(gt=0)]
OffOr = BeforeValidator(_off)
