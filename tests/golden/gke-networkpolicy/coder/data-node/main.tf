# Rendered by cdeops. Do not edit: change the policy and run `cdeops render`.
# Coder template data-node: template node for team data.

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
    template                       = "node"
    owner                          = data.coder_workspace_owner.me.name
    env                            = "staging"
  }
  spend_tags = join(",", [
    "team:data",
    format("project:%s", data.coder_parameter.project.value),
    format("workspace:%s", data.coder_workspace.me.name),
    format("owner:%s", data.coder_workspace_owner.me.name),
    "template:node",
    "cost-center:4420",
  ])
  # the container entrypoint: exports the team's gateway key from the file Vault delivers, then runs the agent
  entrypoint = <<-EOT
    set -eu
    if [ ! -s "/vault/secrets/gateway-key" ]; then
      echo "cdeops: /vault/secrets/gateway-key is missing or empty" >&2
      exit 1
    fi
    OPENAI_API_KEY="$(cat "/vault/secrets/gateway-key")"
    export OPENAI_API_KEY
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
    # .aider.conf.yml (340 bytes, sha256 d2be73b327372cd9f1ea7001cc9e3fb2e93b626ec32d61e4edbc773d4a04af7f)
    printf '%s' IyBNYW5hZ2VkIGJ5IGNkZW9wczogcmV3cml0dGVuIGF0IGV2ZXJ5IHdvcmtzcGFjZSBzdGFydC4Kb3BlbmFpLWFwaS1iYXNlOiBodHRwOi8vbGxtLWdhdGV3YXkubGxtLWdhdGV3YXkuc3ZjLmNsdXN0ZXIubG9jYWw6NDAwMC92MQptb2RlbDogb3BlbmFpL21pc3RyYWwtbGFyZ2UKd2Vhay1tb2RlbDogb3BlbmFpL2NvZGVzdHJhbAplZGl0b3ItbW9kZWw6IG9wZW5haS9nZW1pbmktcHJvCm1vZGVsLXNldHRpbmdzLWZpbGU6IH4vLmFpZGVyLm1vZGVsLnNldHRpbmdzLnltbAphbmFseXRpY3MtZGlzYWJsZTogdHJ1ZQpjaGVjay11cGRhdGU6IGZhbHNlCnNob3ctbW9kZWwtd2FybmluZ3M6IGZhbHNlCg== | base64 -d > "$HOME"/.aider.conf.yml.cdeops-tmp
    chmod 0644 "$HOME"/.aider.conf.yml.cdeops-tmp && mv -f "$HOME"/.aider.conf.yml.cdeops-tmp "$HOME"/.aider.conf.yml
    # .aider.model.settings.yml (467 bytes, sha256 ecd64fabdb94567f2b7faf761c21b55b464ff8da20d07491dda13c8777183987)
    printf '%s' IyBNYW5hZ2VkIGJ5IGNkZW9wczogcmV3cml0dGVuIGF0IGV2ZXJ5IHdvcmtzcGFjZSBzdGFydC4KLSBuYW1lOiBvcGVuYWkvY29kZXN0cmFsCiAgZXh0cmFfcGFyYW1zOgogICAgZXh0cmFfaGVhZGVyczoKICAgICAgeC1saXRlbGxtLXRhZ3M6IHRlYW06ZGF0YSxjb3N0LWNlbnRlcjo0NDIwLHRlbXBsYXRlOm5vZGUsZW52OnN0YWdpbmcKLSBuYW1lOiBvcGVuYWkvZ2VtaW5pLXBybwogIGV4dHJhX3BhcmFtczoKICAgIGV4dHJhX2hlYWRlcnM6CiAgICAgIHgtbGl0ZWxsbS10YWdzOiB0ZWFtOmRhdGEsY29zdC1jZW50ZXI6NDQyMCx0ZW1wbGF0ZTpub2RlLGVudjpzdGFnaW5nCi0gbmFtZTogb3BlbmFpL21pc3RyYWwtbGFyZ2UKICBleHRyYV9wYXJhbXM6CiAgICBleHRyYV9oZWFkZXJzOgogICAgICB4LWxpdGVsbG0tdGFnczogdGVhbTpkYXRhLGNvc3QtY2VudGVyOjQ0MjAsdGVtcGxhdGU6bm9kZSxlbnY6c3RhZ2luZwo= | base64 -d > "$HOME"/.aider.model.settings.yml.cdeops-tmp
    chmod 0644 "$HOME"/.aider.model.settings.yml.cdeops-tmp && mv -f "$HOME"/.aider.model.settings.yml.cdeops-tmp "$HOME"/.aider.model.settings.yml
    # .continue/config.yaml (1091 bytes, sha256 275863a9562f82c28848e9ee5b7967b1824f6c8a4c176962b2de1bd89a2c1515)
    mkdir -p "$HOME"/.continue
    printf '%s' IyBNYW5hZ2VkIGJ5IGNkZW9wczogcmV3cml0dGVuIGF0IGV2ZXJ5IHdvcmtzcGFjZSBzdGFydC4KbmFtZTogZ2xvYmV4IGdhdGV3YXkKdmVyc2lvbjogMS4wLjAKc2NoZW1hOiB2MQptb2RlbHM6Ci0gbmFtZTogZ2VtaW5pLXBybwogIHByb3ZpZGVyOiBvcGVuYWkKICBtb2RlbDogZ2VtaW5pLXBybwogIGFwaUJhc2U6IGh0dHA6Ly9sbG0tZ2F0ZXdheS5sbG0tZ2F0ZXdheS5zdmMuY2x1c3Rlci5sb2NhbDo0MDAwL3YxCiAgYXBpS2V5OiAke3sgc2VjcmV0cy5PUEVOQUlfQVBJX0tFWSB9fQogIHJvbGVzOgogIC0gY2hhdAogIC0gZWRpdAogIC0gYXBwbHkKICByZXF1ZXN0T3B0aW9uczoKICAgIGhlYWRlcnM6CiAgICAgIHgtbGl0ZWxsbS10YWdzOiB0ZWFtOmRhdGEsY29zdC1jZW50ZXI6NDQyMCx0ZW1wbGF0ZTpub2RlLGVudjpzdGFnaW5nCi0gbmFtZTogbWlzdHJhbC1sYXJnZQogIHByb3ZpZGVyOiBvcGVuYWkKICBtb2RlbDogbWlzdHJhbC1sYXJnZQogIGFwaUJhc2U6IGh0dHA6Ly9sbG0tZ2F0ZXdheS5sbG0tZ2F0ZXdheS5zdmMuY2x1c3Rlci5sb2NhbDo0MDAwL3YxCiAgYXBpS2V5OiAke3sgc2VjcmV0cy5PUEVOQUlfQVBJX0tFWSB9fQogIHJvbGVzOgogIC0gY2hhdAogIC0gZWRpdAogIC0gYXBwbHkKICByZXF1ZXN0T3B0aW9uczoKICAgIGhlYWRlcnM6CiAgICAgIHgtbGl0ZWxsbS10YWdzOiB0ZWFtOmRhdGEsY29zdC1jZW50ZXI6NDQyMCx0ZW1wbGF0ZTpub2RlLGVudjpzdGFnaW5nCi0gbmFtZTogY29kZXN0cmFsCiAgcHJvdmlkZXI6IG9wZW5haQogIG1vZGVsOiBjb2Rlc3RyYWwKICBhcGlCYXNlOiBodHRwOi8vbGxtLWdhdGV3YXkubGxtLWdhdGV3YXkuc3ZjLmNsdXN0ZXIubG9jYWw6NDAwMC92MQogIGFwaUtleTogJHt7IHNlY3JldHMuT1BFTkFJX0FQSV9LRVkgfX0KICByb2xlczoKICAtIGNoYXQKICAtIGVkaXQKICAtIGFwcGx5CiAgLSBhdXRvY29tcGxldGUKICByZXF1ZXN0T3B0aW9uczoKICAgIGhlYWRlcnM6CiAgICAgIHgtbGl0ZWxsbS10YWdzOiB0ZWFtOmRhdGEsY29zdC1jZW50ZXI6NDQyMCx0ZW1wbGF0ZTpub2RlLGVudjpzdGFnaW5nCmFsbG93QW5vbnltb3VzVGVsZW1ldHJ5OiBmYWxzZQo= | base64 -d > "$HOME"/.continue/config.yaml.cdeops-tmp
    chmod 0644 "$HOME"/.continue/config.yaml.cdeops-tmp && mv -f "$HOME"/.continue/config.yaml.cdeops-tmp "$HOME"/.continue/config.yaml
    # code-server comes with the workspace image (egress to the internet is closed).
    if command -v code-server >/dev/null 2>&1; then
      code-server --auth none --port 13337 --disable-telemetry >/tmp/code-server.log 2>&1 &
    else
      echo 'code-server is not in the image; the code-server app stays unhealthy' >&2
    fi
  EOT
  env = {
    CDEOPS_SPEND_TAGS = local.spend_tags
    OPENAI_API_BASE   = "http://llm-gateway.llm-gateway.svc.cluster.local:4000/v1"
    OPENAI_BASE_URL   = "http://llm-gateway.llm-gateway.svc.cluster.local:4000/v1"
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
          image             = "europe-west4-docker.pkg.dev/globex/ws/node@sha256:3f1d8b9c2e7a4b6d5c0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c"
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
