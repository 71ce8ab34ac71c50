"""Credential patterns: each kind is found, references and hashes are not."""

from __future__ import annotations

import base64

import pytest

from cdeops.checks.secrets_scan import scan_text

FOUND = [
    ("anthropic", 'api_key: "sk-ant-api03-' + "Xy9" * 10 + '"'),
    ("openai", "OPENAI_API_KEY=sk-proj-" + "Ab3dE" * 6),
    ("aws id", 'access = "AKIA' + "QWERTYUIOPASDFGH" + '"'),
    ("aws secret", 'aws_secret_access_key = "' + "wJalrXUtnFEMI/K7MDENG/bPxRfiCY" + "EXAMPLEKEY" + '"'),
    ("github", "token ghp_" + "x1Y2z3" * 6),
    ("private key", "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n-----END RSA PRIVATE KEY-----"),
    ("generic", 'client_secret: "' + "q8Zr2LmN4pX7vB1tK9sD3fG6" + '"'),
    ("base64 blob", "printf '%s' '" + base64.b64encode(b"key: sk-ant-api03-" + b"Zz9" * 10).decode() + "' | base64 -d"),
]

NOT_FOUND = [
    "api_key: os.environ/LITELLM_PROVIDER_KEY",
    'ANTHROPIC_AUTH_TOKEN="$(cat /vault/secrets/gateway-key)"',
    "token = coder_agent.main.token",
    '"sha256": "' + "0f1e2d3c4b5a6978" * 4 + '"',
    'secret_name = "cdeops-gateway-key"',
    "api_key: {vault: llm/providers/anthropic, key: api_key}",
    'password = "correct-horse-battery-staple"',
    "vault.hashicorp.com/agent-inject-secret-gateway-key: secret/data/cdeops/teams/payments/gateway",
    'token_path = "${path.module}/token"',
]


@pytest.mark.parametrize(("kind", "text"), FOUND)
def test_credential_is_found_without_showing_it(kind: str, text: str) -> None:
    findings = scan_text(text, "f.txt")
    assert findings, kind
    assert all(f.check == "secrets" and f.line >= 1 for f in findings)
    for finding in findings:
        assert text.split()[-1].strip("'\"") not in finding.message


@pytest.mark.parametrize("text", NOT_FOUND)
def test_references_and_hashes_are_not_secrets(text: str) -> None:
    assert scan_text(text, "f.txt") == []


def test_line_numbers() -> None:
    findings = scan_text("a\nb\nkey = AKIAQWERTYUIOPASDFGH\n", "f")
    assert [f.line for f in findings] == [3]
