# Rendered by cdeops. Do not edit: change the policy and run `cdeops render`.
# Coder template platform-python: template python for team platform.

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
  default      = "tooling"
  mutable      = true
  order        = 1

  option {
    name  = "tooling"
    value = "tooling"
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
    max = 16
  }
}

locals {
  namespace = "ws-platform"
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
    team                           = "platform"
    project                        = data.coder_parameter.project.value
    cost-center                    = "CC-1000"
    template                       = "python"
    owner                          = data.coder_workspace_owner.me.name
    env                            = "prod"
  }
  spend_tags = join(",", [
    "team:platform",
    format("project:%s", data.coder_parameter.project.value),
    format("workspace:%s", data.coder_workspace.me.name),
    format("owner:%s", data.coder_workspace_owner.me.name),
    "template:python",
    "cost-center:CC-1000",
  ])
  # the container entrypoint: exports the team's gateway key from the file Vault delivers, then runs the agent
  entrypoint = <<-EOT
    set -eu
    if [ ! -s "/vault/secrets/gateway-key" ]; then
      echo "cdeops: /vault/secrets/gateway-key is missing or empty" >&2
      exit 1
    fi
    ANTHROPIC_AUTH_TOKEN="$(cat "/vault/secrets/gateway-key")"
    export ANTHROPIC_AUTH_TOKEN
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
    # CLAUDE.md (114 bytes, sha256 853233cc3290589652746bde228afd93499752f76305a09b61fb92c3fffa85a6)
    printf '%s' IyBFbmdpbmVlcmluZyBydWxlcwoKVXNlIHRoZSBpbnRlcm5hbCBnYXRld2F5IG9ubHkuIE5ldmVyIHBhc3RlIHNlY3JldHMuIFJ1biB0aGUgdGVzdHMgYmVmb3JlIHByb3Bvc2luZyBhIGNoYW5nZS4K | base64 -d > "$HOME"/CLAUDE.md.cdeops-tmp
    chmod 0644 "$HOME"/CLAUDE.md.cdeops-tmp && mv -f "$HOME"/CLAUDE.md.cdeops-tmp "$HOME"/CLAUDE.md
    # .claude/settings.json (162 bytes, sha256 82818b5a15ecdd76712d50f3b087d45894ac630854c890b3cccef866969be88b)
    mkdir -p "$HOME"/.claude
    printf '%s' ewogICJlbnYiOiB7CiAgICAiQ0xBVURFX0NPREVfRElTQUJMRV9OT05FU1NFTlRJQUxfVFJBRkZJQyI6ICIxIiwKICAgICJESVNBQkxFX0FVVE9VUERBVEVSIjogIjEiCiAgfSwKICAiaW5jbHVkZUNvQXV0aG9yZWRCeSI6IHRydWUsCiAgIm1vZGVsIjogImNsYXVkZS1zb25uZXQiCn0K | base64 -d > "$HOME"/.claude/settings.json.cdeops-tmp
    chmod 0644 "$HOME"/.claude/settings.json.cdeops-tmp && mv -f "$HOME"/.claude/settings.json.cdeops-tmp "$HOME"/.claude/settings.json
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
    ANTHROPIC_DEFAULT_OPUS_MODEL             = "claude-sonnet"
    ANTHROPIC_DEFAULT_SONNET_MODEL           = "claude-sonnet"
    ANTHROPIC_MODEL                          = "claude-sonnet"
    ANTHROPIC_SMALL_FAST_MODEL               = "claude-haiku"
    CDEOPS_SPEND_TAGS                        = local.spend_tags
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC = "1"
    DISABLE_AUTOUPDATER                      = "1"
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
    script       = "echo platform / $CDEOPS_PROJECT"
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
        storage = "20Gi"
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
          "vault.hashicorp.com/role"                                    = "acme-ws-platform"
          "vault.hashicorp.com/auth-path"                               = "auth/kubernetes"
          "vault.hashicorp.com/service"                                 = "https://vault.acme.example:8200"
          "vault.hashicorp.com/agent-inject-secret-gateway-key"         = "secret/data/cdeops/teams/platform/gateway"
          "vault.hashicorp.com/agent-inject-template-gateway-key"       = "{{- with secret \"secret/data/cdeops/teams/platform/gateway\" -}}{{ .Data.data.api_key }}{{- end -}}"
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
