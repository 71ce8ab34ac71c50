"""The HCL escaping filters: hostile text reaches Terraform as literal text (proved by real Terraform)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cdeops.render.hcl import HclExpr, hcl_heredoc, hcl_string, hcl_value
from tests.support.tools import terraform_binary, terraform_env

HOSTILE = [
    '${file("/etc/passwd")}',
    "%{ for x in y }boom%{ endfor }",
    'quote " and \\ backslash \\" mix',
    "new\nline\r\nand\ttab",
    "$${already} %%{escaped}",
    "unicode ✓ – 雪 🙂 \u2028 \u0000 \x7f",
    'EOT\n}\nresource "x" "y" {',
    "trailing backslash \\",
    "",
]


def _evaluate(tmp_path: Path, locals_hcl: str, expr: str) -> object:
    binary = terraform_binary()
    if binary is None:
        pytest.skip("terraform is not installed")
    (tmp_path / "main.tf").write_text(f"locals {{\n{locals_hcl}\n}}\n")
    proc = subprocess.run(
        [str(binary), "console"],
        input=f"jsonencode({expr})\n",
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=terraform_env(),
        timeout=60,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(_hcl_unquote(proc.stdout.strip()))


def _hcl_unquote(literal: str) -> str:
    """Decode the quoted HCL string terraform console prints (it may use \\UNNNNNNNN escapes)."""
    assert literal[0] == literal[-1] == '"'
    simple = {"n": "\n", "r": "\r", "t": "\t", '"': '"', "\\": "\\"}
    out, i, body = [], 0, literal[1:-1]
    while i < len(body):
        ch = body[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        kind = body[i + 1]
        if kind in simple:
            out.append(simple[kind])
            i += 2
        else:
            width = {"x": 2, "u": 4, "U": 8}[kind]
            out.append(chr(int(body[i + 2 : i + 2 + width], 16)))
            i += 2 + width
    return "".join(out)


def test_hostile_strings_round_trip_in_terraform(tmp_path: Path) -> None:
    values = [v for v in HOSTILE if "\x00" not in v] + ["nul \x00 byte"]
    body = "  xs = [\n" + "".join(f"    {hcl_string(v)},\n" for v in values) + "  ]"
    assert _evaluate(tmp_path, body, "local.xs") == values


def test_heredoc_round_trips(tmp_path: Path) -> None:
    script = '#!/bin/sh\necho "${HOME}" %{x}\nEOT\n  indented\n'
    assert _evaluate(tmp_path, f"  h = {hcl_heredoc(script, 2)}", "local.h") == script


def test_values_emit_canonical_objects() -> None:
    text = hcl_value({"a": 1, "long-key": [True, None, "x"], "e": HclExpr("local.z")}, 0)
    assert text == '{\n  a        = 1\n  long-key = [true, null, "x"]\n  e        = local.z\n}'
    assert hcl_value({"a.b/c": "v"}) == '{\n  "a.b/c" = "v"\n}'


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.text(st.characters(blacklist_categories=("Cs",)), max_size=40), min_size=1, max_size=40))
def test_any_text_round_trips(tmp_path: Path, values: list[str]) -> None:
    body = "  xs = [\n" + "".join(f"    {hcl_string(v)},\n" for v in values) + "  ]"
    assert _evaluate(tmp_path, body, "local.xs") == values
