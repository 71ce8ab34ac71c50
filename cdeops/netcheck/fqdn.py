"""Cilium DNS name selectors (``toFQDNs`` and ``rules.dns``: ``matchName`` / ``matchPattern``).

Per the CiliumNetworkPolicy schema: names are case-insensitive and a trailing dot is implied; in a
pattern ``*`` matches zero or more DNS characters *within one label* (``*.x.com`` matches
``a.x.com`` but neither ``x.com`` nor ``a.b.x.com``); a bare ``*`` matches every name. A leading
``**.`` (newer Cilium releases) matches one or more labels.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from cdeops.netcheck.errors import NetcheckError

__all__ = ["FqdnSelector", "normalise_name", "parse_fqdn_selector"]

_LABEL_CHARS = "[-a-z0-9_]"
_NAME = re.compile(r"^([-a-zA-Z0-9_]+\.?)+$")
_PATTERN = re.compile(r"^([-a-zA-Z0-9_*]+\.?)+$")


def normalise_name(name: str) -> str:
    return name.strip().lower().rstrip(".")


@dataclass(frozen=True)
class FqdnSelector:
    """One ``matchName`` or ``matchPattern`` entry."""

    kind: str  # "matchName" | "matchPattern"
    text: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.text}"

    def matches(self, name: str) -> bool:
        name = normalise_name(name)
        if self.kind == "matchName":
            return name == normalise_name(self.text)
        return _compile(self.text).fullmatch(name) is not None

    def example(self) -> str:
        """A name this selector matches (for checking one selector against another)."""
        text = normalise_name(self.text)
        if self.kind == "matchName":
            return text
        if text == "*":
            return "any-name.example"
        return text.replace("**.", "x.").replace("*", "x")

    def covers(self, other: FqdnSelector) -> bool:
        """Whether every name ``other`` matches is (approximately) matched by this selector:
        exact for names, checked on a sample name for patterns."""
        if self.kind == "matchPattern" and normalise_name(self.text) == "*":
            return True
        if other.kind == "matchPattern" and normalise_name(other.text) == "*":
            return False
        return self.matches(other.example())


@lru_cache(maxsize=4096)
def _compile(pattern: str) -> re.Pattern[str]:
    pattern = normalise_name(pattern)
    if pattern == "*":
        return re.compile(r".*")
    prefix = ""
    if pattern.startswith("**."):
        prefix = rf"(?:{_LABEL_CHARS}+\.)+"
        pattern = pattern[3:]
    body = "".join(f"{_LABEL_CHARS}*" if ch == "*" else re.escape(ch) for ch in pattern)
    return re.compile(prefix + body)


def parse_fqdn_selector(raw: Any, where: str) -> FqdnSelector:
    if not isinstance(raw, Mapping) or len(raw) != 1:
        raise NetcheckError(f"{where}: needs exactly one of matchName, matchPattern")
    kind, text = next(iter(raw.items()))
    text = str(text)
    if kind == "matchName":
        if not _NAME.match(text):
            raise NetcheckError(f"{where}.matchName: {text!r} is not a DNS name")
    elif kind == "matchPattern":
        if not _PATTERN.match(text):
            raise NetcheckError(f"{where}.matchPattern: {text!r} is not a DNS pattern")
    else:
        raise NetcheckError(f"{where}: unknown field {kind!r} (matchName or matchPattern)")
    return FqdnSelector(str(kind), text)
