"""No literal secrets anywhere in a rendered tree (SPEC §4 promise 2).

Known credential formats (AWS keys, OpenAI / Anthropic keys, GitHub tokens, Google API keys, Slack
tokens, private keys) are reported wherever they appear; a generic rule reports a secret-named key
(``api_key``, ``token``, ``password``, ...) assigned a quoted, high-entropy literal. Base64 blobs (the
way cdeops ships rules files into workspaces) are decoded and scanned too, so a key pasted into a
prompt file is found. Findings name the rule and the place, never the value.
"""

from __future__ import annotations

import base64
import binascii
import math
import re
import string
from collections import Counter
from collections.abc import Mapping
from pathlib import Path

from cdeops.checks.findings import Finding

__all__ = ["CHECK_NAME", "scan_text", "scan_tree"]

CHECK_NAME = "secrets"
_MAX_BYTES = 4 * 1024 * 1024

_KNOWN: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("AWS access key id", re.compile(r"(?<![A-Z0-9])(?:AKIA|ASIA|ABIA|ACCA)[0-9A-Z]{16}(?![A-Z0-9])")),
    (
        "AWS secret access key",
        re.compile(r"(?i)aws_?secret_?access_?key[\"']?\s*[:=]\s*[\"']?[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+])"),
    ),
    ("Anthropic API key", re.compile(r"(?<![A-Za-z0-9])sk-ant-[A-Za-z0-9_-]{20,}")),
    ("OpenAI API key", re.compile(r"(?<![A-Za-z0-9-])sk-(?!ant-)(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}")),
    ("GitHub token", re.compile(r"(?<![A-Za-z0-9])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,})")),
    ("Google API key", re.compile(r"(?<![A-Za-z0-9])AIza[0-9A-Za-z_-]{35}")),
    ("Slack token", re.compile(r"(?<![A-Za-z0-9])xox[abposr]-[0-9A-Za-z-]{10,}")),
    ("private key", re.compile(r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----")),
)
# cheap substring tests (on the lower-cased text) before each pattern runs
_MARKERS: dict[str, tuple[str, ...]] = {
    "AWS access key id": ("akia", "asia", "abia", "acca"),
    "AWS secret access key": ("secret",),
    "Anthropic API key": ("sk-ant-",),
    "OpenAI API key": ("sk-",),
    "GitHub token": ("gh", "github_pat_"),
    "Google API key": ("aiza",),
    "Slack token": ("xox",),
    "private key": ("private key",),
}
# `api_key: "..."`, `"token" = "..."`, `password="..."`: a secret-named key with a quoted literal.
# It runs on the lower-cased text (faster than (?i)); offsets are the same as in the original.
# The pattern starts at the secret word (no leading wildcard: that would backtrack at every offset).
_ASSIGNMENT = re.compile(
    r"(?:api[_-]?key|apikey|secret|token|passw(?:or)?d|credential|private[_-]?key|access[_-]?key)"
    r"[A-Za-z0-9_.-]{0,40}[\"']?[ \t]*[:=][ \t]*(?P<q>[\"'])(?P<value>[^\"'\s]{16,})(?P=q)"
)
_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_KEY_CHARS = re.compile(r"[A-Za-z0-9_.-]*$")
_BASE64 = re.compile(r"(?<![A-Za-z0-9+/=])[A-Za-z0-9+/]{40,}={0,2}(?![A-Za-z0-9+/=])")
# what a reference to a secret (not a secret) looks like
_REFERENCE = re.compile(r"\$\{|\{\{|%\{|^os\.environ/|^env:|^vault:|^secret/|://|^[a-z0-9_]+(?:\.[a-z0-9_-]+)+$")
_ENTROPY_BITS = 3.5


def _entropy(text: str) -> float:
    counts = Counter(text)
    return -sum(n / len(text) * math.log2(n / len(text)) for n in counts.values())


def _looks_secret(value: str) -> bool:
    if _REFERENCE.search(value) or ("/" in value.strip("/") and not re.search(r"[+=]", value)):
        return False
    classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"\d"))
    return len(value) >= 20 and classes >= 2 and _entropy(value) >= _ENTROPY_BITS


def _line(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def _matches(text: str) -> list[tuple[int, str]]:
    """(offset, rule) for every credential-looking thing in ``text``."""
    hits: list[tuple[int, str]] = []
    lowered = text.translate(_ASCII_LOWER)  # same length as text, so offsets carry over
    for rule, pattern in _KNOWN:
        if any(marker in lowered for marker in _MARKERS[rule]):
            hits.extend((m.start(), rule) for m in pattern.finditer(text))
    for match in _ASSIGNMENT.finditer(lowered):
        value = text[match.start("value") : match.end("value")]
        if _looks_secret(value) and not any(match.start() <= offset < match.end() for offset, _ in hits):
            head = _KEY_CHARS.search(text, max(0, match.start() - 40), match.start())
            start = head.start() if head else match.start()
            key = text[start : match.start("q")].rstrip("\"' \t:=")
            hits.append((start, f'high-entropy literal assigned to "{key}"'))
    return hits


def _decoded_blobs(text: str) -> list[tuple[int, str]]:
    blobs = []
    for match in _BASE64.finditer(text):
        raw = match.group(0)
        try:
            decoded = base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError, ValueError):
            continue
        blobs.append((match.start(), decoded))
    return blobs


def scan_text(text: str, file: str) -> list[Finding]:
    """Every literal secret in one file's text."""
    findings = [
        Finding(CHECK_NAME, file, _line(text, offset), f"literal secret: {rule} (value not shown)")
        for offset, rule in _matches(text)
    ]
    for offset, decoded in _decoded_blobs(text):
        for _, rule in _matches(decoded):
            message = f"literal secret inside a base64 blob: {rule} (value not shown)"
            findings.append(Finding(CHECK_NAME, file, _line(text, offset), message))
    return sorted(set(findings))


def scan_tree(root: Path, files: Mapping[str, str] | None = None) -> list[Finding]:
    """Scan every text file under ``root`` (or the given ``{relative path: text}``)."""
    if files is None:
        texts: dict[str, str] = {}
        for path in sorted(root.rglob("*")):
            relative = path.relative_to(root)
            if any(p.startswith(".") for p in relative.parts[:-1]) or not path.is_file() or path.is_symlink():
                continue
            if path.stat().st_size > _MAX_BYTES:
                continue
            try:
                texts[relative.as_posix()] = path.read_text(encoding="utf-8")
            except (OSError, UnicodeDecodeError):
                continue  # binary files (plan files) are not rendered output
        files = texts
    findings: list[Finding] = []
    for name, text in sorted(files.items()):
        findings.extend(scan_text(text, name))
    return findings
