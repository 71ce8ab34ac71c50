"""No token, key or secret value in rendered files, stdout, stderr or error messages.

Values are planted where a user might have them — provider and Vault variables in the environment,
``.env`` files next to the prompt files — and where they do not belong in a policy (a literal key
instead of a Vault reference, a token in a URL, a key pasted into a free-text field). Every value is
generated at test time and obviously fake. Vault-side values are covered by the Vault suite.
"""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest

from cdeops.cli.app import main
from tests.reliability.policies import cdeops_env, copy_example, run_cdeops

BASE = "eks-cilium"


def _fake(prefix: str) -> str:
    return f"{prefix}FAKE{secrets.token_hex(16)}"


def _everything_under(root: Path) -> bytes:
    return b"\n".join(p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file() and not p.is_symlink())


def test_planted_environment_and_files_never_reach_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    planted = {
        "OPENAI_API_KEY": _fake("sk-proj-"),
        "ANTHROPIC_API_KEY": _fake("sk-ant-api03-"),
        "ANTHROPIC_AUTH_TOKEN": _fake("sk-ant-oat01-"),
        "AZURE_API_KEY": _fake("az"),
        "LITELLM_MASTER_KEY": _fake("sk-"),
        "VAULT_TOKEN": _fake("hvs."),
        "GITHUB_TOKEN": _fake("ghp_"),
        "AWS_SECRET_ACCESS_KEY": _fake("aws"),
    }
    policy = copy_example(BASE, tmp_path / "policy")
    adjacent = {
        policy.parent / ".env": _fake("sk-ant-api03-"),
        policy.parent / "prompts" / ".env": _fake("sk-proj-"),
        policy.parent / "prompts" / "secrets.md": _fake("hvs."),
    }
    for path, value in adjacent.items():
        path.write_text(f"API_KEY={value}\n")
    values = [*planted.values(), *adjacent.values()]
    for name, value in planted.items():
        monkeypatch.setenv(name, value)
    out = tmp_path / "out"
    render = run_cdeops("render", policy, "-o", out, env=cdeops_env(**planted))  # the real process once
    assert render.returncode == 0, render.stderr
    shown = [render.stdout, render.stderr]
    for argv in (
        ["validate", str(policy)],
        ["validate", str(policy), "--output", "json"],
        ["render", str(policy), "-o", str(out)],
        ["render", str(policy), "-o", str(out), "--check"],
        ["diff", str(policy), "-o", str(out)],
        ["explain", str(policy), "--team", "payments"],
        ["explain", str(policy), "--team", "ml-platform", "--output", "json"],
        ["schema"],
    ):
        try:
            main(argv)
        except SystemExit as exc:
            assert not exc.code, (argv, capsys.readouterr())
        captured = capsys.readouterr()
        shown += [captured.out, captured.err]
    rendered = _everything_under(out)
    assert rendered
    for value in values:
        assert value.encode() not in rendered
        assert not any(value in text for text in shown)


@pytest.mark.parametrize(
    ("old", "new", "path"),
    [
        (  # a literal key where a Vault reference belongs
            "api_key: {vault: llm/providers/anthropic, key: api_key}",
            "api_key: {secret}",
            "providers[0].api_key",
        ),
        (  # the key pasted in as the Vault path
            "api_key: {vault: llm/providers/anthropic, key: api_key}",
            "api_key: {{vault: {secret}, key: api_key}}",
            "providers[0].api_key.vault",
        ),
        ("kind: anthropic", "kind: {secret}", "providers[0].kind"),  # an enum error quotes its input
        ("cost_center: CC-1042", "cost_center: {secret}", "teams[0].cost_center"),  # free text would render
        ("url: https://coder.acme.example", "url: https://admin:{secret}@coder.acme.example", "coder.url"),
        (
            "address: https://vault.acme.example:8200",
            "address: https://{secret}@vault.acme.example:8200",
            "vault.address",
        ),
    ],
    ids=["literal-key", "key-as-vault-path", "key-as-kind", "key-in-free-text", "password-in-url", "token-in-url"],
)
@pytest.mark.parametrize("prefix", ["sk-ant-api03-", "hvs.", "AKIA"])
def test_literal_secret_refused_without_echo(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], old: str, new: str, path: str, prefix: str
) -> None:
    secret = f"{prefix}{secrets.token_hex(12).upper() if prefix == 'AKIA' else _fake('')}"[:40]
    policy = copy_example(BASE, tmp_path / "policy")
    text = policy.read_text()
    assert old in text
    policy.write_text(text.replace(old, new.format(secret=secret), 1))
    out = tmp_path / "out"
    for argv in (
        ["validate", str(policy)],
        ["validate", str(policy), "-O", "json"],
        ["render", str(policy), "-o", str(out)],
    ):
        with pytest.raises(SystemExit) as info:
            main(argv)
        captured = capsys.readouterr()
        assert info.value.code == 2
        shown = captured.out + captured.err
        assert secret not in shown and secret[len(prefix) :] not in shown
        assert path in shown, shown
    assert not out.exists()
    issues = json.loads(_json_validate(policy, capsys))["issues"]
    assert path in {i["path"] for i in issues}


def _json_validate(policy: Path, capsys: pytest.CaptureFixture[str]) -> str:
    with pytest.raises(SystemExit):
        main(["validate", str(policy), "--output", "json"])
    return capsys.readouterr().out


def test_debug_traceback_does_not_echo_the_secret(tmp_path: Path) -> None:
    secret = _fake("sk-ant-api03-")
    policy = copy_example(BASE, tmp_path / "policy")
    text = policy.read_text().replace(
        "api_key: {vault: llm/providers/anthropic, key: api_key}", f"api_key: {{vault: {secret}}}", 1
    )
    policy.write_text(text)
    run = run_cdeops("--debug", "validate", policy)
    assert run.returncode != 0 and "Traceback" in run.stderr
    assert secret not in run.stderr and secret not in run.stdout
