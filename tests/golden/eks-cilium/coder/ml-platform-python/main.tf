# Rendered by cdeops. Do not edit: change the policy and run `cdeops render`.
# Coder template ml-platform-python: template python for team ml-platform.

terraform {
  required_version = ">= 1.6"
  required_providers {
    coder = {
      source  = "coder/coder"
      version = "2.17.0"
    }
    kubernetes = {
      source  = "hashicorp/kubernetes"
      version = "3.2.1"
    }
  }
}

variable "use_kubeconfig" {
  type        = bool
  default     = false
  description = "Use ~/.kube/config (true, Coder runs outside the cluster) or in-cluster credentials (false)."
}

provider "coder" {}

provider "kubernetes" {
  config_path = var.use_kubeconfig ? "~/.kube/config" : null
}

data "coder_provisioner" "me" {}
data "coder_workspace" "me" {}
data "coder_workspace_owner" "me" {}

data "coder_parameter" "project" {
  name         = "project"
  display_name = "Project"
  description  = "Project this workspace's compute and LLM spend are attributed to."
  type         = "string"
  form_type    = "dropdown"
  default      = "training"
  mutable      = true
  order        = 1

  option {
    name  = "training"
    value = "training"
  }

  option {
    name  = "eval"
    value = "eval"
  }
}

data "coder_parameter" "cpu" {
  name         = "cpu"
  display_name = "CPU cores"
  type         = "number"
  form_type    = "slider"
  default      = 2
  mutable      = true
  order        = 2

  validation {
    min = 1
    max = 8
  }
}

data "coder_parameter" "memory" {
  name         = "memory"
  display_name = "Memory (GiB)"
  type         = "number"
  form_type    = "slider"
  default      = 4
  mutable      = true
  order        = 3

  validation {
    min = 1
    max = 32
  }
}

locals {
  namespace = "ws-ml-platform"
  labels = {
    "app.kubernetes.io/name"       = "coder-workspace"
    "app.kubernetes.io/instance"   = format("coder-workspace-%s", data.coder_workspace.me.id)
    "app.kubernetes.io/part-of"    = "coder"
    "app.kubernetes.io/managed-by" = "cdeops"
    "com.coder.resource"           = "true"
    "com.coder.workspace.id"       = data.coder_workspace.me.id
    "com.coder.workspace.name"     = data.coder_workspace.me.name
    "com.coder.user.id"            = data.coder_workspace_owner.me.id
    "com.coder.user.username"      = data.coder_workspace_owner.me.name
    team                           = "ml-platform"
    project                        = data.coder_parameter.project.value
    cost-center                    = "CC-2001-EMEA"
    template                       = "python"
    owner                          = data.coder_workspace_owner.me.name
    env                            = "prod"
  }
  spend_tags = join(",", [
    "team:ml-platform",
    format("project:%s", data.coder_parameter.project.value),
    format("workspace:%s", data.coder_workspace.me.name),
    format("owner:%s", data.coder_workspace_owner.me.name),
    "template:python",
    "cost-center:CC-2001-EMEA",
  ])
  # the container entrypoint: exports the team's gateway key from the file Vault delivers, then runs the agent
  entrypoint = <<-EOT
    set -eu
    if [ ! -s "/vault/secrets/gateway-key" ]; then
      echo "cdeops: /vault/secrets/gateway-key is missing or empty" >&2
      exit 1
    fi
    ANTHROPIC_AUTH_TOKEN="$(cat "/vault/secrets/gateway-key")"
    OPENAI_API_KEY="$(cat "/vault/secrets/gateway-key")"
    export ANTHROPIC_AUTH_TOKEN OPENAI_API_KEY
    exec sh -c "$CDEOPS_AGENT_INIT"
  EOT
}

resource "coder_agent" "main" {
  os                      = "linux"
  arch                    = data.coder_provisioner.me.arch
  startup_script_behavior = "non-blocking"
  startup_script          = <<-EOT
    #!/bin/sh
    # Written by cdeops: rules files and AI tool configuration, rewritten at every start.
    set -eu
    umask 022
    # .cursorrules (156 bytes, sha256 29533727550dfc87570c09c75423bebc3e28a5dcd701bed222d20819607e752e)
    printf '%s' WW91IGFyZSB3b3JraW5nIGluIGFuIEFjbWUgcmVwb3NpdG9yeS4gRm9sbG93IENPTlRSSUJVVElORy5tZCwga2VlcCBjaGFuZ2VzIHNtYWxsLApuZXZlciBpbmNsdWRlIGNyZWRlbnRpYWxzLCBhbmQgcnVuIHRoZSB0ZXN0cyBiZWZvcmUgc3VnZ2VzdGluZyBhIGNvbW1pdC4K | base64 -d > "$HOME"/.cursorrules.cdeops-tmp
    chmod 0644 "$HOME"/.cursorrules.cdeops-tmp && mv -f "$HOME"/.cursorrules.cdeops-tmp "$HOME"/.cursorrules
    # .github/copilot-instructions.md (85 bytes, sha256 e07b5c901a813d98245f77c92466886e4b28b0265c82ede7597f04cd76baaecc)
    mkdir -p "$HOME"/.github
    printf '%s' QWNtZSBjb252ZW50aW9uczogdHlwZWQgY29kZSwgdGVzdHMgZm9yIGV2ZXJ5IGNoYW5nZSwgbm8gc2VjcmV0cyBpbiBjb2RlIG9yIHByb21wdHMuCg== | base64 -d > "$HOME"/.github/copilot-instructions.md.cdeops-tmp
    chmod 0644 "$HOME"/.github/copilot-instructions.md.cdeops-tmp && mv -f "$HOME"/.github/copilot-instructions.md.cdeops-tmp "$HOME"/.github/copilot-instructions.md
    # CLAUDE.md (235 bytes, sha256 6e74168af5b574360a7de2837efbbb449c0c5e90a2ac83c0cef21cf1905e536d)
    printf '%s' IyBBY21lIGVuZ2luZWVyaW5nIHJ1bGVzCgotIFVzZSB0aGUgaW50ZXJuYWwgZ2F0ZXdheSBvbmx5OyBuZXZlciBwYXN0ZSBzZWNyZXRzIGludG8gcHJvbXB0cy4KLSBGb2xsb3cgdGhlIHJlcG9zaXRvcnkncyBDT05UUklCVVRJTkcubWQgYW5kIHJ1biB0aGUgdGVzdHMgYmVmb3JlIHByb3Bvc2luZyBhIGNoYW5nZS4KLSBQcmVmZXIgc21hbGwsIHJldmlld2VkIGNoYW5nZXMuIEV4cGxhaW4gcmlza3kgZWRpdHMuCg== | base64 -d > "$HOME"/CLAUDE.md.cdeops-tmp
    chmod 0644 "$HOME"/CLAUDE.md.cdeops-tmp && mv -f "$HOME"/CLAUDE.md.cdeops-tmp "$HOME"/CLAUDE.md
    # .claude/settings.json (155 bytes, sha256 f4a2f9ef6142ed40acec43e32e2b01a0df3786d5fa5fec7a12bdd604cbcc44f7)
    mkdir -p "$HOME"/.claude
    printf '%s' ewogICJlbnYiOiB7CiAgICAiQ0xBVURFX0NPREVfRElTQUJMRV9OT05FU1NFTlRJQUxfVFJBRkZJQyI6ICIxIiwKICAgICJESVNBQkxFX0FVVE9VUERBVEVSIjogIjEiCiAgfSwKICAiaW5jbHVkZUNvQXV0aG9yZWRCeSI6IHRydWUsCiAgIm1vZGVsIjogImdwdC00byIKfQo= | base64 -d > "$HOME"/.claude/settings.json.cdeops-tmp
    chmod 0644 "$HOME"/.claude/settings.json.cdeops-tmp && mv -f "$HOME"/.claude/settings.json.cdeops-tmp "$HOME"/.claude/settings.json
    # .codex/config.toml (331 bytes, sha256 082bde9da74f95993a8a393cbbfc548024fc66caf3335f44b66975f25b72e9bc)
    mkdir -p "$HOME"/.codex
    printf '%s' IyBNYW5hZ2VkIGJ5IGNkZW9wczogcmV3cml0dGVuIGF0IGV2ZXJ5IHdvcmtzcGFjZSBzdGFydC4KbW9kZWwgPSAiZ3B0LTRvIgptb2RlbF9wcm92aWRlciA9ICJjZGVvcHMiCgpbbW9kZWxfcHJvdmlkZXJzLmNkZW9wc10KbmFtZSA9ICJjZGVvcHMgTExNIGdhdGV3YXkiCmJhc2VfdXJsID0gImh0dHA6Ly9sbG0tZ2F0ZXdheS5sbG0tZ2F0ZXdheS5zdmMuY2x1c3Rlci5sb2NhbDo0MDAwL3YxIgplbnZfa2V5ID0gIk9QRU5BSV9BUElfS0VZIgp3aXJlX2FwaSA9ICJjaGF0IgplbnZfaHR0cF9oZWFkZXJzID0geyAieC1saXRlbGxtLXRhZ3MiID0gIkNERU9QU19TUEVORF9UQUdTIiB9Cg== | base64 -d > "$HOME"/.codex/config.toml.cdeops-tmp
    chmod 0644 "$HOME"/.codex/config.toml.cdeops-tmp && mv -f "$HOME"/.codex/config.toml.cdeops-tmp "$HOME"/.codex/config.toml
    # .aider.conf.yml (332 bytes, sha256 8ca64c20d11e5b97612d32b839def8833b0fec19aec45f5a767e583b0435b274)
    printf '%s' IyBNYW5hZ2VkIGJ5IGNkZW9wczogcmV3cml0dGVuIGF0IGV2ZXJ5IHdvcmtzcGFjZSBzdGFydC4Kb3BlbmFpLWFwaS1iYXNlOiBodHRwOi8vbGxtLWdhdGV3YXkubGxtLWdhdGV3YXkuc3ZjLmNsdXN0ZXIubG9jYWw6NDAwMC92MQptb2RlbDogb3BlbmFpL2dwdC00bwp3ZWFrLW1vZGVsOiBvcGVuYWkvY2xhdWRlLWhhaWt1CmVkaXRvci1tb2RlbDogb3BlbmFpL2dwdC00bwptb2RlbC1zZXR0aW5ncy1maWxlOiB+Ly5haWRlci5tb2RlbC5zZXR0aW5ncy55bWwKYW5hbHl0aWNzLWRpc2FibGU6IHRydWUKY2hlY2stdXBkYXRlOiBmYWxzZQpzaG93LW1vZGVsLXdhcm5pbmdzOiBmYWxzZQo= | base64 -d > "$HOME"/.aider.conf.yml.cdeops-tmp
    chmod 0644 "$HOME"/.aider.conf.yml.cdeops-tmp && mv -f "$HOME"/.aider.conf.yml.cdeops-tmp "$HOME"/.aider.conf.yml
    # .aider.model.settings.yml (355 bytes, sha256 8087f313bcb51d0ff9b7681f86d9af337151de0cb9ac560f829e2a25be5c9afd)
    printf '%s' IyBNYW5hZ2VkIGJ5IGNkZW9wczogcmV3cml0dGVuIGF0IGV2ZXJ5IHdvcmtzcGFjZSBzdGFydC4KLSBuYW1lOiBvcGVuYWkvY2xhdWRlLWhhaWt1CiAgZXh0cmFfcGFyYW1zOgogICAgZXh0cmFfaGVhZGVyczoKICAgICAgeC1saXRlbGxtLXRhZ3M6IHRlYW06bWwtcGxhdGZvcm0sY29zdC1jZW50ZXI6Q0MtMjAwMS1FTUVBLHRlbXBsYXRlOnB5dGhvbixlbnY6cHJvZAotIG5hbWU6IG9wZW5haS9ncHQtNG8KICBleHRyYV9wYXJhbXM6CiAgICBleHRyYV9oZWFkZXJzOgogICAgICB4LWxpdGVsbG0tdGFnczogdGVhbTptbC1wbGF0Zm9ybSxjb3N0LWNlbnRlcjpDQy0yMDAxLUVNRUEsdGVtcGxhdGU6cHl0aG9uLGVudjpwcm9kCg== | base64 -d > "$HOME"/.aider.model.settings.yml.cdeops-tmp
    chmod 0644 "$HOME"/.aider.model.settings.yml.cdeops-tmp && mv -f "$HOME"/.aider.model.settings.yml.cdeops-tmp "$HOME"/.aider.model.settings.yml
    # .continue/config.yaml (1127 bytes, sha256 4430a12c4fe588465cec65761a5635674d313f5e3fad2ed4d7375b701d3ebc68)
    mkdir -p "$HOME"/.continue
    printf '%s' IyBNYW5hZ2VkIGJ5IGNkZW9wczogcmV3cml0dGVuIGF0IGV2ZXJ5IHdvcmtzcGFjZSBzdGFydC4KbmFtZTogYWNtZSBnYXRld2F5CnZlcnNpb246IDEuMC4wCnNjaGVtYTogdjEKbW9kZWxzOgotIG5hbWU6IGdwdC00bwogIHByb3ZpZGVyOiBvcGVuYWkKICBtb2RlbDogZ3B0LTRvCiAgYXBpQmFzZTogaHR0cDovL2xsbS1nYXRld2F5LmxsbS1nYXRld2F5LnN2Yy5jbHVzdGVyLmxvY2FsOjQwMDAvdjEKICBhcGlLZXk6ICR7eyBzZWNyZXRzLk9QRU5BSV9BUElfS0VZIH19CiAgcm9sZXM6CiAgLSBjaGF0CiAgLSBlZGl0CiAgLSBhcHBseQogIHJlcXVlc3RPcHRpb25zOgogICAgaGVhZGVyczoKICAgICAgeC1saXRlbGxtLXRhZ3M6IHRlYW06bWwtcGxhdGZvcm0sY29zdC1jZW50ZXI6Q0MtMjAwMS1FTUVBLHRlbXBsYXRlOnB5dGhvbixlbnY6cHJvZAotIG5hbWU6IGNsYXVkZS1oYWlrdQogIHByb3ZpZGVyOiBvcGVuYWkKICBtb2RlbDogY2xhdWRlLWhhaWt1CiAgYXBpQmFzZTogaHR0cDovL2xsbS1nYXRld2F5LmxsbS1nYXRld2F5LnN2Yy5jbHVzdGVyLmxvY2FsOjQwMDAvdjEKICBhcGlLZXk6ICR7eyBzZWNyZXRzLk9QRU5BSV9BUElfS0VZIH19CiAgcm9sZXM6CiAgLSBjaGF0CiAgLSBlZGl0CiAgLSBhcHBseQogIC0gYXV0b2NvbXBsZXRlCiAgcmVxdWVzdE9wdGlvbnM6CiAgICBoZWFkZXJzOgogICAgICB4LWxpdGVsbG0tdGFnczogdGVhbTptbC1wbGF0Zm9ybSxjb3N0LWNlbnRlcjpDQy0yMDAxLUVNRUEsdGVtcGxhdGU6cHl0aG9uLGVudjpwcm9kCi0gbmFtZTogbGxhbWEtMy0xLThiCiAgcHJvdmlkZXI6IG9wZW5haQogIG1vZGVsOiBsbGFtYS0zLTEtOGIKICBhcGlCYXNlOiBodHRwOi8vbGxtLWdhdGV3YXkubGxtLWdhdGV3YXkuc3ZjLmNsdXN0ZXIubG9jYWw6NDAwMC92MQogIGFwaUtleTogJHt7IHNlY3JldHMuT1BFTkFJX0FQSV9LRVkgfX0KICByb2xlczoKICAtIGNoYXQKICAtIGVkaXQKICAtIGFwcGx5CiAgcmVxdWVzdE9wdGlvbnM6CiAgICBoZWFkZXJzOgogICAgICB4LWxpdGVsbG0tdGFnczogdGVhbTptbC1wbGF0Zm9ybSxjb3N0LWNlbnRlcjpDQy0yMDAxLUVNRUEsdGVtcGxhdGU6cHl0aG9uLGVudjpwcm9kCmFsbG93QW5vbnltb3VzVGVsZW1ldHJ5OiBmYWxzZQo= | base64 -d > "$HOME"/.continue/config.yaml.cdeops-tmp
    chmod 0644 "$HOME"/.continue/config.yaml.cdeops-tmp && mv -f "$HOME"/.continue/config.yaml.cdeops-tmp "$HOME"/.continue/config.yaml
    # code-server comes with the workspace image (egress to the internet is closed).
    if command -v code-server >/dev/null 2>&1; then
      code-server --auth none --port 13337 --disable-telemetry >/tmp/code-server.log 2>&1 &
    else
      echo 'code-server is not in the image; the code-server app stays unhealthy' >&2
    fi
  EOT
  env = {
    ANTHROPIC_BASE_URL                       = "http://llm-gateway.llm-gateway.svc.cluster.local:4000"
    ANTHROPIC_CUSTOM_HEADERS                 = format("x-litellm-tags: %s", local.spend_tags)
    ANTHROPIC_DEFAULT_HAIKU_MODEL            = "claude-haiku"
    ANTHROPIC_DEFAULT_OPUS_MODEL             = "gpt-4o"
    ANTHROPIC_DEFAULT_SONNET_MODEL           = "gpt-4o"
    ANTHROPIC_MODEL                          = "gpt-4o"
    ANTHROPIC_SMALL_FAST_MODEL               = "claude-haiku"
    CDEOPS_SPEND_TAGS                        = local.spend_tags
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1"
    DISABLE_AUTOUPDATER                      = "1"
    OPENAI_API_BASE                          = "http://llm-gateway.llm-gateway.svc.cluster.local:4000/v1"
    OPENAI_BASE_URL                          = "http://llm-gateway.llm-gateway.svc.cluster.local:4000/v1"
  }

  display_apps {
    vscode                 = true
    vscode_insiders        = false
    web_terminal           = true
    port_forwarding_helper = true
    ssh_helper             = true
  }

  metadata {
    display_name = "CPU usage"
    key          = "0_cpu_usage"
    script       = "coder stat cpu"
    interval     = 10
    timeout      = 1
  }

  metadata {
    display_name = "RAM usage"
    key          = "1_ram_usage"
    script       = "coder stat mem"
    interval     = 10
    timeout      = 1
  }

  metadata {
    display_name = "Home disk"
    key          = "2_home_disk"
    script       = "coder stat disk --path $HOME"
    interval     = 60
    timeout      = 1
  }

  metadata {
    display_name = "Team / project"
    key          = "3_attribution"
    script       = "echo ml-platform / $CDEOPS_PROJECT"
    interval     = 3600
    timeout      = 1
  }
}

resource "coder_app" "code_server" {
  agent_id     = coder_agent.main.id
  slug         = "code-server"
  display_name = "code-server"
  icon         = "/icon/code.svg"
  url          = "http://localhost:13337?folder=/home/coder"
  subdomain    = false
  share        = "owner"

  healthcheck {
    url       = "http://localhost:13337/healthz"
    interval  = 5
    threshold = 6
  }
}

resource "kubernetes_persistent_volume_claim_v1" "home" {
  metadata {
    name      = "coder-${data.coder_workspace.me.id}-home"
    namespace = local.namespace
    labels    = merge(local.labels, { "app.kubernetes.io/name" = "coder-pvc", "app.kubernetes.io/instance" = "coder-pvc-${data.coder_workspace.me.id}" })
    annotations = {
      "com.coder.user.email" = data.coder_workspace_owner.me.email
    }
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
}

resource "kubernetes_secret_v1" "agent_token" {
  count = data.coder_workspace.me.start_count

  metadata {
    name      = "coder-${data.coder_workspace.me.id}-agent"
    namespace = local.namespace
    labels    = local.labels
  }

  data = {
    token = coder_agent.main.token
  }
}

resource "kubernetes_deployment_v1" "main" {
  count            = data.coder_workspace.me.start_count
  depends_on       = [kubernetes_persistent_volume_claim_v1.home]
  wait_for_rollout = false

  metadata {
    name      = "coder-${data.coder_workspace.me.id}"
    namespace = local.namespace
    labels    = local.labels
    annotations = {
      "com.coder.user.email" = data.coder_workspace_owner.me.email
    }
  }

  spec {
    replicas = 1

    selector {
      match_labels = {
        "app.kubernetes.io/name"     = "coder-workspace"
        "app.kubernetes.io/instance" = "coder-workspace-${data.coder_workspace.me.id}"
        "com.coder.workspace.id"     = data.coder_workspace.me.id
      }
    }

    strategy {
      type = "Recreate"
    }

    template {
      metadata {
        labels = local.labels
        annotations = {
          "vault.hashicorp.com/agent-inject"                            = "true"
          "vault.hashicorp.com/agent-pre-populate-only"                 = "true"
          "vault.hashicorp.com/role"                                    = "acme-ws-ml-platform"
          "vault.hashicorp.com/auth-path"                               = "auth/kubernetes"
          "vault.hashicorp.com/service"                                 = "https://vault.acme.example:8200"
          "vault.hashicorp.com/agent-inject-secret-gateway-key"         = "secret/data/cdeops/teams/ml-platform/gateway"
          "vault.hashicorp.com/agent-inject-template-gateway-key"       = "{{- with secret \"secret/data/cdeops/teams/ml-platform/gateway\" -}}{{ .Data.data.api_key }}{{- end -}}"
          "vault.hashicorp.com/agent-inject-perms-gateway-key"          = "0440"
          "vault.hashicorp.com/agent-service-account-token-volume-name" = "vault-token"
          "vault.hashicorp.com/agent-requests-cpu"                      = "50m"
          "vault.hashicorp.com/agent-limits-cpu"                        = "200m"
          "vault.hashicorp.com/agent-requests-mem"                      = "64Mi"
          "vault.hashicorp.com/agent-limits-mem"                        = "128Mi"
        }
      }

      spec {
        service_account_name             = "coder-workspace"
        automount_service_account_token  = false
        enable_service_links             = false
        termination_grace_period_seconds = 30

        security_context {
          run_as_user     = 1000
          run_as_group    = 1000
          fs_group        = 1000
          run_as_non_root = true

          seccomp_profile {
            type = "RuntimeDefault"
          }
        }

        affinity {
          node_affinity {
            required_during_scheduling_ignored_during_execution {
              node_selector_term {
                match_expressions {
                  key      = "cdeops.io/gpu-pool"
                  operator = "DoesNotExist"
                }
              }
            }
          }

          pod_anti_affinity {
            preferred_during_scheduling_ignored_during_execution {
              weight = 1

              pod_affinity_term {
                topology_key = "kubernetes.io/hostname"

                label_selector {
                  match_expressions {
                    key      = "app.kubernetes.io/name"
                    operator = "In"
                    values   = ["coder-workspace"]
                  }
                }
              }
            }
          }
        }

        container {
          name              = "dev"
          image             = "ghcr.io/acme/ws-python:2026.11.1"
          image_pull_policy = "Always"
          command           = ["sh", "-c", local.entrypoint]

          env {
            name  = "CDEOPS_AGENT_INIT"
            value = coder_agent.main.init_script
          }

          env {
            name = "CODER_AGENT_TOKEN"

            value_from {
              secret_key_ref {
                name = kubernetes_secret_v1.agent_token[0].metadata[0].name
                key  = "token"
              }
            }
          }

          env {
            name  = "CDEOPS_PROJECT"
            value = data.coder_parameter.project.value
          }

          security_context {
            run_as_user                = 1000
            run_as_non_root            = true
            allow_privilege_escalation = false
            read_only_root_filesystem  = false

            capabilities {
              drop = ["ALL"]
            }
          }

          resources {
            requests = {
              cpu                 = "250m"
              memory              = "512Mi"
              "ephemeral-storage" = "1Gi"
            }
            limits = {
              cpu                 = data.coder_parameter.cpu.value
              memory              = "${data.coder_parameter.memory.value}Gi"
              "ephemeral-storage" = "10Gi"
            }
          }

          volume_mount {
            name       = "home"
            mount_path = "/home/coder"
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

        volume {
          name = "vault-token"

          projected {
            default_mode = "0440"

            sources {
              service_account_token {
                audience           = "vault"
                expiration_seconds = 600
                path               = "token"
              }
            }
          }
        }
      }
    }
  }
}
