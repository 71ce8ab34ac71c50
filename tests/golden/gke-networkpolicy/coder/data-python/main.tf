# Rendered by cdeops. Do not edit: change the policy and run `cdeops render`.
# Coder template data-python: template python for team data.

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
  default      = "warehouse"
  mutable      = true
  order        = 1

  option {
    name  = "warehouse"
    value = "warehouse"
  }

  option {
    name  = "reports"
    value = "reports"
  }
}

data "coder_parameter" "cpu" {
  name         = "cpu"
  display_name = "CPU cores"
  type         = "number"
  form_type    = "slider"
  default      = 4
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
  default      = 8
  mutable      = true
  order        = 3

  validation {
    min = 1
    max = 16
  }
}

locals {
  namespace = "ws-data"
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
    team                           = "data"
    project                        = data.coder_parameter.project.value
    cost-center                    = "4420"
    template                       = "python"
    owner                          = data.coder_workspace_owner.me.name
    env                            = "staging"
  }
  spend_tags = join(",", [
    "team:data",
    format("project:%s", data.coder_parameter.project.value),
    format("workspace:%s", data.coder_workspace.me.name),
    format("owner:%s", data.coder_workspace_owner.me.name),
    "template:python",
    "cost-center:4420",
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
    # AGENTS.md (130 bytes, sha256 7f7b8b76c318b9acc1b285636496080085b9b29be249014603d03a5125eb4217)
    printf '%s' IyBHbG9iZXggYWdlbnQgcnVsZXMKCjEuIFdvcmsgb25seSB0aHJvdWdoIHRoZSBjb21wYW55IGdhdGV3YXk7IG5ldmVyIGFkZCBBUEkga2V5cyB0byBjb2RlLgoyLiBLZWVwIGN1c3RvbWVyIGRhdGEgb3V0IG9mIHByb21wdHMuCg== | base64 -d > "$HOME"/AGENTS.md.cdeops-tmp
    chmod 0644 "$HOME"/AGENTS.md.cdeops-tmp && mv -f "$HOME"/AGENTS.md.cdeops-tmp "$HOME"/AGENTS.md
    # .claude/settings.json (159 bytes, sha256 6b6892eea873f5db14e14d799614d0cbff0eef49d244c0c3f71cbc7e8d2d125e)
    mkdir -p "$HOME"/.claude
    printf '%s' ewogICJlbnYiOiB7CiAgICAiQ0xBVURFX0NPREVfRElTQUJMRV9OT05FU1NFTlRJQUxfVFJBRkZJQyI6ICIxIiwKICAgICJESVNBQkxFX0FVVE9VUERBVEVSIjogIjEiCiAgfSwKICAiaW5jbHVkZUNvQXV0aG9yZWRCeSI6IHRydWUsCiAgIm1vZGVsIjogImdlbWluaS1wcm8iCn0K | base64 -d > "$HOME"/.claude/settings.json.cdeops-tmp
    chmod 0644 "$HOME"/.claude/settings.json.cdeops-tmp && mv -f "$HOME"/.claude/settings.json.cdeops-tmp "$HOME"/.claude/settings.json
    # .codex/config.toml (335 bytes, sha256 58826365ff89facda41a1ce31356cd543fdb951731e479bc2a14f563c1585bad)
    mkdir -p "$HOME"/.codex
    printf '%s' IyBNYW5hZ2VkIGJ5IGNkZW9wczogcmV3cml0dGVuIGF0IGV2ZXJ5IHdvcmtzcGFjZSBzdGFydC4KbW9kZWwgPSAiZ2VtaW5pLXBybyIKbW9kZWxfcHJvdmlkZXIgPSAiY2Rlb3BzIgoKW21vZGVsX3Byb3ZpZGVycy5jZGVvcHNdCm5hbWUgPSAiY2Rlb3BzIExMTSBnYXRld2F5IgpiYXNlX3VybCA9ICJodHRwOi8vbGxtLWdhdGV3YXkubGxtLWdhdGV3YXkuc3ZjLmNsdXN0ZXIubG9jYWw6NDAwMC92MSIKZW52X2tleSA9ICJPUEVOQUlfQVBJX0tFWSIKd2lyZV9hcGkgPSAiY2hhdCIKZW52X2h0dHBfaGVhZGVycyA9IHsgIngtbGl0ZWxsbS10YWdzIiA9ICJDREVPUFNfU1BFTkRfVEFHUyIgfQo= | base64 -d > "$HOME"/.codex/config.toml.cdeops-tmp
    chmod 0644 "$HOME"/.codex/config.toml.cdeops-tmp && mv -f "$HOME"/.codex/config.toml.cdeops-tmp "$HOME"/.codex/config.toml
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
    ANTHROPIC_DEFAULT_HAIKU_MODEL            = "codestral"
    ANTHROPIC_DEFAULT_OPUS_MODEL             = "gemini-pro"
    ANTHROPIC_DEFAULT_SONNET_MODEL           = "mistral-large"
    ANTHROPIC_MODEL                          = "gemini-pro"
    ANTHROPIC_SMALL_FAST_MODEL               = "codestral"
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
    script       = "echo data / $CDEOPS_PROJECT"
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
          image             = "europe-west4-docker.pkg.dev/globex/ws/python:3.12-2026.10"
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


          volume_mount {
            name       = "vault-secrets"
            mount_path = "/vault/secrets"
            read_only  = true
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
          name = "vault-secrets"

          secret {
            secret_name  = "cdeops-gateway-key"
            default_mode = "0440"

            items {
              key  = "api_key"
              path = "gateway-key"
            }
          }
        }
      }
    }
  }
}
