"""Every command through the real entry point: exit codes and messages."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.examples import REPO, example_path


def cdeops(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "cdeops", *args], capture_output=True, text=True, cwd=cwd, timeout=120, check=False
    )


@pytest.fixture
def policy_copy(tmp_path: Path) -> Path:
    src = example_path("eks-cilium").parent
    dst = tmp_path / "policy"
    shutil.copytree(src, dst)
    return dst / "cdeops.yaml"


def test_help_lists_every_command() -> None:
    proc = cdeops("--help")
    assert proc.returncode == 0
    for name in ("init", "validate", "render", "diff", "explain", "schema"):
        assert name in proc.stdout


def test_every_command_has_help() -> None:
    for name in ("init", "validate", "render", "diff", "explain", "schema"):
        proc = cdeops(name, "--help")
        assert proc.returncode == 0 and "Usage" in proc.stdout, name


def test_unknown_command_is_usage_error() -> None:
    assert cdeops("bogus").returncode == 2


def test_validate_ok_and_json(example: str) -> None:
    proc = cdeops("validate", str(example_path(example)))
    assert proc.returncode == 0 and "valid" in proc.stdout
    proc = cdeops("validate", str(example_path(example)), "--output", "json")
    assert json.loads(proc.stdout) == {"valid": True, "issues": [], "warnings": []}


def test_validate_bad_policy_exit_2_with_positions(policy_copy: Path) -> None:
    text = policy_copy.read_text().replace("monthly_usd: 5000", "monthly_usd: -5")
    policy_copy.write_text(text)
    proc = cdeops("validate", str(policy_copy))
    assert proc.returncode == 2
    line = text.splitlines().index(next(ln for ln in text.splitlines() if "monthly_usd: -5" in ln)) + 1
    assert f"{policy_copy}:{line}: teams[0].budget.monthly_usd:" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = cdeops("validate", str(policy_copy), "--output", "json")
    assert proc.returncode == 2
    issues = json.loads(proc.stdout)["issues"]
    assert issues[0]["path"] == "teams[0].budget.monthly_usd" and issues[0]["line"] == line


def test_missing_file_exit_2() -> None:
    proc = cdeops("validate", "does-not-exist.yaml")
    assert proc.returncode == 2 and "no such file" in proc.stderr


def test_render_check_and_diff(policy_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = cdeops("render", str(policy_copy), "-o", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (out / "manifest.json").is_file()
    assert cdeops("render", str(policy_copy), "-o", str(out), "--check").returncode == 0
    assert cdeops("diff", str(policy_copy), "-o", str(out)).stdout.strip() == "no changes"
    policy_copy.write_text(policy_copy.read_text().replace("cost_center: CC-1042", "cost_center: CC-2042"))
    proc = cdeops("render", str(policy_copy), "-o", str(out), "--check")
    assert proc.returncode == 3
    assert "~ kubernetes/teams/payments.yaml" in proc.stderr
    proc = cdeops("diff", str(policy_copy), "-o", str(out))
    assert proc.returncode == 0
    assert "-    cost-center: CC-1042" in proc.stdout and "+    cost-center: CC-2042" in proc.stdout
    assert cdeops("diff", str(policy_copy), "-o", str(out), "--exit-code").returncode == 3


def test_render_refuses_foreign_folder(policy_copy: Path, tmp_path: Path) -> None:
    out = tmp_path / "notmine"
    out.mkdir()
    (out / "important.txt").write_text("keep me")
    proc = cdeops("render", str(policy_copy), "-o", str(out))
    assert proc.returncode == 2 and "--force" in proc.stderr
    assert cdeops("render", str(policy_copy), "-o", str(out), "--force").returncode == 0
    assert (out / "important.txt").read_text() == "keep me"


def test_explain_text_and_json() -> None:
    proc = cdeops("explain", str(example_path("eks-cilium")), "--team", "payments")
    assert proc.returncode == 0
    assert "ws-payments" in proc.stdout and "nearest allowed tier" in proc.stdout
    doc = json.loads(cdeops("explain", str(example_path("eks-cilium")), "--team", "payments", "-O", "json").stdout)
    assert doc["models"]["by_task"]["agent"]["model"] == "claude-opus"
    assert doc["models"]["by_task"]["chat"]["model"] in doc["models"]["allowed"]
    assert doc["secrets"]["gateway_key"].startswith("secret/data/cdeops/teams/payments/gateway")
    assert cdeops("explain", str(example_path("eks-cilium")), "--team", "nobody").returncode == 2
    proc = cdeops("explain", str(example_path("eks-cilium")), "--team", "payments", "--template", "nope")
    assert proc.returncode == 2


def test_schema_is_json_schema() -> None:
    proc = cdeops("schema")
    doc = json.loads(proc.stdout)
    assert doc["title"].startswith("cdeops policy")
    assert {"apiVersion", "teams", "templates"} <= set(doc["properties"])
    assert doc["additionalProperties"] is False


def test_init_writes_a_policy_that_validates(tmp_path: Path) -> None:
    target = tmp_path / "cdeops.yaml"
    assert cdeops("init", str(target)).returncode == 0
    assert cdeops("validate", str(target)).returncode == 0
    assert cdeops("init", str(target)).returncode == 2  # refuses to overwrite
    assert cdeops("init", str(target), "--force").returncode == 0
    assert target.read_bytes() == (REPO / "templates" / "init" / "cdeops.yaml").read_bytes()


def test_debug_shows_traceback(policy_copy: Path) -> None:
    policy_copy.write_text("a: 1\na: 2\n")
    assert "Traceback" not in cdeops("validate", str(policy_copy)).stderr
    assert "Traceback" in cdeops("--debug", "validate", str(policy_copy)).stderr


def test_validate_prints_warnings_for_unenforced_features(policy_copy: Path) -> None:
    text = policy_copy.read_text().replace("engine: litellm", "engine: portkey")
    text = re.sub(r"cache: \{[^}]*\}", "cache: {mode: exact}", text).replace("pii: mask", 'pii: "off"')
    policy_copy.write_text(text)
    proc = cdeops("validate", str(policy_copy))
    assert proc.returncode == 0, proc.stderr
    assert "warning:" in proc.stderr and "Portkey" in proc.stderr
    doc = json.loads(cdeops("validate", str(policy_copy), "-O", "json").stdout)
    assert doc["valid"] is True and doc["warnings"]
