"""The Terraform schema check on a real Coder template: clean input passes, each breakage is named."""

from __future__ import annotations

import time
from pathlib import Path

import hcl2
import pytest
from hcl2.rules.base import AttributeRule

from cdeops.checks.findings import Finding
from cdeops.checks.hcl_literals import type_problem
from cdeops.checks.provider_schemas import version_allowed
from cdeops.checks.terraform_schema import CHECK_NAME, check_terraform_dir, check_terraform_text

# A small but complete Coder workspace template (coder 2.17 + kubernetes 3.2), `terraform fmt` clean.
SAMPLE = """\
terraform {
  required_providers {
    coder = {
      source  = "coder/coder"
      version = "~> 2.17"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "~> 3.2"
    }
  }
}

provider "coder" {}

provider "kubernetes" {
  config_path = null
}

variable "namespace" {
  type    = string
  default = "coder-workspaces"
}

data "coder_provisioner" "me" {}

data "coder_workspace" "me" {}

data "coder_workspace_owner" "me" {}

data "coder_parameter" "cpu" {
  name         = "cpu"
  display_name = "CPU"
  type         = "number"
  default      = "2"
  mutable      = true

  validation {
    min = 1
    max = 8
  }
}

locals {
  labels = {
    "app.kubernetes.io/name"     = "coder-workspace"
    "app.kubernetes.io/instance" = "coder-${data.coder_workspace.me.id}"
    "cdeops.io/team"             = "payments"
  }
}

resource "coder_agent" "main" {
  arch           = data.coder_provisioner.me.arch
  os             = "linux"
  startup_script = <<-EOT
    set -e
    echo "workspace ${data.coder_workspace.me.name} starting"
  EOT

  env = {
    GIT_AUTHOR_NAME = data.coder_workspace_owner.me.full_name
  }

  metadata {
    display_name = "CPU Usage"
    key          = "cpu_usage"
    script       = "coder stat cpu"
    interval     = 10
    timeout      = 1
  }

  dynamic "metadata" {
    for_each = ["/home/coder"]
    content {
      display_name = "Disk ${metadata.value}"
      key          = "disk_${metadata.key}"
      script       = "coder stat disk --path ${metadata.value}"
      interval     = 600
    }
  }

  display_apps {
    vscode       = false
    web_terminal = true
  }
}

resource "coder_env" "gateway_url" {
  agent_id = coder_agent.main.id
  name     = "ANTHROPIC_BASE_URL"
  value    = "http://litellm.llm-gateway.svc:4000"
}

resource "kubernetes_persistent_volume_claim_v1" "home" {
  metadata {
    name      = "coder-${data.coder_workspace.me.id}-home"
    namespace = var.namespace
    labels    = local.labels
  }
  wait_until_bound = false

  spec {
    access_modes = ["ReadWriteOnce"]
    resources {
      requests = {
        storage = "30Gi"
      }
    }
  }

  lifecycle {
    ignore_changes = all
  }
}

resource "kubernetes_deployment_v1" "main" {
  count            = data.coder_workspace.me.start_count
  wait_for_rollout = false
  depends_on       = [kubernetes_persistent_volume_claim_v1.home]

  metadata {
    name      = "coder-${data.coder_workspace.me.id}"
    namespace = var.namespace
    labels    = local.labels
  }

  spec {
    replicas = 1
    selector {
      match_labels = local.labels
    }
    strategy {
      type = "Recreate"
    }

    template {
      metadata {
        labels = local.labels
        annotations = {
          "vault.hashicorp.com/agent-inject" = "true"
        }
      }

      spec {
        security_context {
          run_as_non_root = true
          run_as_user     = 1000
          fs_group        = 1000
          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        container {
          name              = "dev"
          image             = "ghcr.io/acme/ws-python:2026.11.1"
          image_pull_policy = "IfNotPresent"
          command           = ["sh", "-c", coder_agent.main.init_script]

          security_context {
            allow_privilege_escalation = false
            run_as_non_root            = true
            capabilities {
              drop = ["ALL"]
            }
            seccomp_profile {
              type = "RuntimeDefault"
            }
          }

          env {
            name  = "CODER_AGENT_TOKEN"
            value = coder_agent.main.token
          }

          resources {
            requests = {
              cpu    = "${data.coder_parameter.cpu.value}"
              memory = "4Gi"
            }
            limits = {
              cpu    = "${data.coder_parameter.cpu.value}"
              memory = "8Gi"
            }
          }

          volume_mount {
            mount_path = "/home/coder"
            name       = "home"
            read_only  = false
          }
        }

        volume {
          name = "home"
          persistent_volume_claim {
            claim_name = kubernetes_persistent_volume_claim_v1.home.metadata[0].name
            read_only  = false
          }
        }
      }
    }
  }
}

resource "null_resource" "marker" {
  triggers = {
    anything = "goes"
  }
}
"""


def _errors(findings: list[Finding]) -> list[Finding]:
    return [f for f in findings if f.severity == "error"]


def _only(text: str) -> Finding:
    findings = check_terraform_text(text, "main.tf")
    assert len(findings) == 1, "\n".join(map(str, findings))
    return findings[0]


def _line_of(text: str, needle: str, start: int = 0) -> int:
    return text[: text.index(needle, start)].count("\n") + 1


def _replace(old: str, new: str, text: str = SAMPLE) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_sample_template_passes_with_no_findings() -> None:
    assert check_terraform_text(SAMPLE, "main.tf") == []


def test_unknown_attribute_is_named_with_its_block_path_and_line() -> None:
    text = _replace('image_pull_policy = "IfNotPresent"', 'image_pull_polcy = "IfNotPresent"')
    finding = _only(text)
    assert finding == Finding(
        CHECK_NAME,
        "main.tf",
        _line_of(text, "image_pull_polcy"),
        'kubernetes_deployment_v1.main.spec.template.spec.container: unknown attribute "image_pull_polcy"'
        ' (did you mean "image_pull_policy"?)',
    )


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        (
            'resource "coderd_template" "python" {\n  name = "python"\n  id   = "abc"\n}\n',
            'coderd_template.python: "id" is read-only (computed by the provider) and cannot be set',
        ),
        (
            'resource "coder_agent" "a" {\n  arch  = "amd64"\n  os    = "linux"\n  token = "t"\n}\n',
            'coder_agent.a: "token" is read-only (computed by the provider) and cannot be set',
        ),
    ],
)
def test_read_only_attribute_set(snippet: str, message: str) -> None:
    finding = _only(snippet)
    assert finding.message == message
    assert finding.line == 3 or finding.line == 4


def test_read_only_attribute_in_nested_block() -> None:
    text = _replace(
        '    name      = "coder-${data.coder_workspace.me.id}-home"\n',
        '    name      = "coder-${data.coder_workspace.me.id}-home"\n    uid       = "x"\n',
    )
    finding = _only(text)
    assert finding.message == (
        'kubernetes_persistent_volume_claim_v1.home.metadata: "uid" is read-only'
        " (computed by the provider) and cannot be set"
    )
    assert finding.line == _line_of(text, "uid ")


def test_block_written_as_attribute() -> None:
    text = _replace(
        '  metadata {\n    name      = "coder-${data.coder_workspace.me.id}-home"',
        '  metadata = {\n    name      = "coder-${data.coder_workspace.me.id}-home"',
    )
    finding = _only(text)
    assert finding.message == (
        'kubernetes_persistent_volume_claim_v1.home: "metadata" is a block, not an attribute:'
        " write `metadata { ... }` instead of `metadata = ...`"
    )
    assert finding.line == _line_of(text, "metadata = {")


def test_attribute_written_as_block() -> None:
    text = (
        'resource "helm_release" "gw" {\n  name  = "gw"\n  chart = "litellm"\n'
        '  set {\n    name  = "a"\n    value = "b"\n  }\n}\n'
    )
    finding = _only(text)
    assert finding.message == (
        'helm_release.gw: "set" is an attribute, not a block: write `set = ...` instead of `set { ... }`'
    )
    assert finding.line == 4


def test_missing_required_attribute() -> None:
    text = _replace("  agent_id = coder_agent.main.id\n", "")
    finding = _only(text)
    assert finding.message == 'coder_env.gateway_url: missing required attribute "agent_id"'
    assert finding.line == _line_of(text, 'resource "coder_env"')


def test_too_many_blocks_is_reported_at_the_extra_block() -> None:
    second = '  spec {\n    access_modes = ["ReadWriteOnce"]\n    resources {\n      requests = {}\n    }\n  }\n'
    text = _replace("  wait_until_bound = false\n", "  wait_until_bound = false\n" + second)
    finding = _only(text)
    assert finding.message == 'kubernetes_persistent_volume_claim_v1.home: too many "spec" blocks (2, at most 1)'
    first = text.index("  spec {", text.index("wait_until_bound"))
    assert finding.line == _line_of(text, "  spec {", first + 1)  # the second block is the extra one


def test_unknown_resource_type_suggests_the_real_one() -> None:
    text = _replace('resource "kubernetes_deployment_v1" "main"', 'resource "kubernetes_deployment_v9" "main"')
    finding = _only(text)
    assert finding.message == (
        'unknown resource type "kubernetes_deployment_v9" in registry.terraform.io/hashicorp/kubernetes'
        ' 3.2.1 (did you mean "kubernetes_deployment_v1"?)'
    )
    assert finding.line == _line_of(text, "kubernetes_deployment_v9")


def test_dynamic_block_content_is_checked_against_the_block_schema() -> None:
    text = _replace("      interval     = 600\n", "      interval     = 600\n      intervall    = 5\n")
    finding = _only(text)
    assert finding.message == 'coder_agent.main.metadata: unknown attribute "intervall" (did you mean "interval"?)'
    assert finding.line == _line_of(text, "intervall")


def test_dynamic_block_for_unknown_block_type() -> None:
    text = _replace('  dynamic "metadata" {', '  dynamic "metadta" {')
    assert _only(text).message == (
        'coder_agent.main: dynamic block for unknown block type "metadta" (did you mean "metadata"?)'
    )


def test_dynamic_block_satisfies_required_block_counts() -> None:
    text = (
        'resource "kubernetes_persistent_volume_claim_v1" "pvc" {\n'
        '  dynamic "metadata" {\n    for_each = [1]\n    content {\n      name = "x"\n    }\n  }\n'
        '  dynamic "spec" {\n    for_each = [1]\n    content {\n'
        '      access_modes = ["ReadWriteOnce"]\n      resources {}\n    }\n  }\n}\n'
    )
    assert check_terraform_text(text, "main.tf") == []


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "run_as_user     = 1000",
            'run_as_user     = ["1000"]',
            'kubernetes_deployment_v1.main.spec.template.spec.security_context: "run_as_user":'
            " string required, got a list",
        ),
        (
            "interval     = 10\n",
            'interval     = "often"\n',
            'coder_agent.main.metadata: "interval": number required, got string "often"',
        ),
        (
            "vscode       = false",
            "vscode       = 0",
            'coder_agent.main.display_apps: "vscode": bool required, got number 0',
        ),
        (
            '"app.kubernetes.io/name"     = "coder-workspace"',
            '"app.kubernetes.io/name"     = "coder-workspace"\n    x = 1',
            None,
        ),
    ],
)
def test_literal_types(old: str, new: str, message: str | None) -> None:
    findings = check_terraform_text(_replace(old, new), "main.tf")
    assert [f.message for f in findings] == ([message] if message else [])


def test_literals_terraform_converts_are_accepted() -> None:
    text = _replace("interval     = 10\n", 'interval     = "10"\n')
    text = _replace("vscode       = false", 'vscode       = "false"', text)
    text = _replace("run_as_user     = 1000", 'run_as_user     = "${1000}"', text)
    assert check_terraform_text(text, "main.tf") == []


def test_nested_attribute_objects_are_checked() -> None:
    text = (
        'resource "coderd_template" "python" {\n'
        '  name = "python"\n'
        "  versions = [{\n"
        '    directory = "./python"\n'
        '    nmae      = "v1"\n'
        "  }, {\n"
        "    active = true\n"
        "  }]\n"
        "  acl = {\n"
        "    users = []\n"
        "  }\n"
        "}\n"
    )
    messages = [(f.line, f.message) for f in check_terraform_text(text, "main.tf")]
    assert messages == [
        (3, 'coderd_template.python.versions: missing required attribute "directory"'),
        (
            5,
            'coderd_template.python.versions: unknown attribute "nmae" (did you mean "name"?)'
            " (Terraform would drop it silently)",
        ),
        (9, 'coderd_template.python.acl: missing required attribute "groups"'),
    ]


def test_attributes_as_blocks_and_meta_arguments_are_allowed() -> None:
    text = (
        'resource "vault_auth_backend" "k8s" {\n'
        '  type     = "kubernetes"\n'
        '  for_each = toset(["a"])\n'
        "  provider = vault.admin\n"
        "  tune {\n"
        '    max_lease_ttl = "1h"\n'
        "  }\n"
        "  lifecycle {\n"
        "    prevent_destroy = true\n"
        "  }\n"
        '  provisioner "local-exec" {\n'
        '    command = "true"\n'
        "  }\n"
        "}\n"
    )
    assert check_terraform_text(text, "main.tf") == []
    broken = text.replace('max_lease_ttl = "1h"', 'max_lease_tl = "1h"')
    assert _only(broken).message == (
        'vault_auth_backend.k8s.tune: unknown attribute "max_lease_tl" (did you mean "max_lease_ttl"?)'
    )


def test_provider_configuration_is_checked() -> None:
    text = _replace('provider "coder" {}', 'provider "coder" {\n  url = "https://coder.example"\n  urll = 1\n}')
    assert _only(text).message == 'provider "coder": unknown attribute "urll" (did you mean "url"?)'


def test_required_providers_local_names_and_unknown_providers() -> None:
    text = (
        "terraform {\n  required_providers {\n"
        '    k8s = {\n      source = "hashicorp/kubernetes"\n    }\n'
        '    mine = {\n      source = "example/coder"\n    }\n'
        "  }\n}\n"
        'resource "kubernetes_namespace_v1" "ns" {\n  provider = k8s\n  metadata {\n    nme = "x"\n  }\n}\n'
        'resource "mine_thing" "x" {\n  anything = 1\n}\n'
        'resource "null_resource" "n" {\n  triggers = {}\n}\n'
        'resource "random_id" "r" {\n  byte_length = 8\n}\n'
        'resource "terraform_data" "d" {\n  input = 1\n}\n'
        'resource "aws_iam_role" "real_but_not_shipped" {\n  name = "x"\n}\n'
    )
    assert [f.message for f in check_terraform_text(text, "main.tf")] == [
        'kubernetes_namespace_v1.ns.metadata: unknown attribute "nme" (did you mean "name"?)'
    ]


def test_deprecated_types_and_attributes_are_warnings() -> None:
    text = (
        'resource "kubernetes_namespace" "old" {\n  metadata {\n    name = "x"\n  }\n}\n'
        'resource "coder_agent" "a" {\n  arch = "amd64"\n  os   = "linux"\n  dir  = "/home"\n}\n'
        'resource "vault_brand_new" "x" {}\n'
    )
    findings = check_terraform_text(text, "main.tf")
    assert _errors(findings) == []
    assert [(f.line, f.message) for f in findings] == [
        (1, 'resource type "kubernetes_namespace" is deprecated in 3.2.1 (use "kubernetes_namespace_v1")'),
        (9, 'coder_agent.a: "dir" is deprecated'),
        (
            11,
            'resource type "vault_brand_new" is not in registry.terraform.io/hashicorp/vault 5.6.0;'
            " it may be newer (shipped schema: 5.11.0)",
        ),
    ]


def test_parse_error_is_a_finding_with_a_line() -> None:
    (finding,) = check_terraform_text('resource "coder_env" "x" {\n  name = \n}\n', "bad.tf")
    assert finding.file == "bad.tf"
    assert finding.line == 2
    assert finding.message.startswith("cannot parse HCL:")


def test_dir_shares_required_providers_per_module_and_skips_hidden(tmp_path: Path) -> None:
    module = tmp_path / "stack"
    module.mkdir()
    (module / "versions.tf").write_text(
        'terraform {\n  required_providers {\n    kube = {\n      source = "hashicorp/kubernetes"\n    }\n  }\n}\n',
        encoding="utf-8",
    )
    (module / "main.tf").write_text(
        'resource "kubernetes_namespace_v1" "ns" {\n  provider = kube\n  metadata {\n    nam = "x"\n  }\n}\n',
        encoding="utf-8",
    )
    hidden = tmp_path / ".terraform" / "modules"
    hidden.mkdir(parents=True)
    (hidden / "junk.tf").write_text('resource "coder_env" "x" {}\n', encoding="utf-8")
    (tmp_path / "coder.tf").write_text(SAMPLE, encoding="utf-8")
    findings = check_terraform_dir(tmp_path)
    assert [str(f) for f in findings] == [
        'stack/main.tf:4: [terraform-schema] kubernetes_namespace_v1.ns.metadata: unknown attribute "nam"'
        ' (did you mean "name"?)'
    ]


def test_dir_of_fifty_templates_is_fast_and_deterministic(tmp_path: Path) -> None:
    broken = _replace("  agent_id = coder_agent.main.id\n", "")
    for index in range(50):
        folder = tmp_path / f"t{index:02d}"
        folder.mkdir()
        (folder / "main.tf").write_text(broken if index == 7 else SAMPLE, encoding="utf-8")
    started = time.perf_counter()
    findings = check_terraform_dir(tmp_path)
    elapsed = time.perf_counter() - started
    assert [f.file for f in findings] == ["t07/main.tf"]
    assert findings == check_terraform_dir(tmp_path)
    assert elapsed < 20


def test_override_files_may_leave_out_required_attributes(tmp_path: Path) -> None:
    (tmp_path / "main.tf").write_text(SAMPLE, encoding="utf-8")
    (tmp_path / "agent_override.tf").write_text(
        'resource "coder_agent" "main" {\n  os = "linux"\n  motd_fil = "/etc/motd"\n}\n', encoding="utf-8"
    )
    assert [str(f) for f in check_terraform_dir(tmp_path)] == [
        'agent_override.tf:3: [terraform-schema] coder_agent.main: unknown attribute "motd_fil"'
        ' (did you mean "motd_file"?)'
    ]


def test_version_constraint_that_excludes_the_shipped_schema_is_a_warning() -> None:
    text = _replace('version = "~> 2.17"', 'version = "~> 2.30"')
    finding = _only(text)
    assert finding.severity == "warning"
    assert finding.line == _line_of(text, "    coder = {")
    assert finding.message == (
        'required_providers "coder": version "~> 2.30" excludes 2.17.0,'
        " the registry.terraform.io/coder/coder schema cdeops checks against"
    )


@pytest.mark.parametrize(
    ("version", "constraint", "allowed"),
    [
        ("2.17.0", "~> 2.17", True),
        ("2.17.0", "~> 2.17.1", False),
        ("2.17.0", "~> 2", True),
        ("3.0.0", "~> 2", False),
        ("3.2.1", "~> 2.38", False),
        ("3.2.1", ">= 3.0, < 4.0", True),
        ("3.2.1", ">= 3.0, != 3.2.1", False),
        ("0.0.23", "0.0.23", True),
        ("1.0.0", "~> 1.0.0-beta1", None),
    ],
)
def test_version_constraints(version: str, constraint: str, allowed: bool | None) -> None:
    assert version_allowed(version, constraint) is allowed


def test_sensitive_values_never_appear_in_messages() -> None:
    (attribute,) = [c for c in hcl2.parses('pin = "hunter2"\n').body.children if isinstance(c, AttributeRule)]
    assert type_problem(attribute.expression, "number") == 'number required, got string "hunter2"'
    assert type_problem(attribute.expression, "number", reveal=False) == "number required, got string"
