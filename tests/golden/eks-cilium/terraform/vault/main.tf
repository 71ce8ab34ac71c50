# Rendered by cdeops. Do not edit: change the policy and run `cdeops render`.
# Vault ACL policies and Kubernetes-auth roles for acme: one pair per team, one for the LLM gateway.
# Prerequisites (not managed here): the KV v2 mount "secret" and the Kubernetes auth
# mount "kubernetes". The token comes from VAULT_TOKEN; nothing secret is in this file.

terraform {
  required_version = ">= 1.6"
  required_providers {
    vault = {
      source  = "hashicorp/vault"
      version = "5.11.0"
    }
  }
}

variable "vault_address" {
  type        = string
  default     = "https://vault.acme.example:8200"
  description = "Vault address (overrides vault.address of the policy, e.g. with TF_VAR_vault_address)."
}

provider "vault" {
  address = var.vault_address
}

resource "vault_policy" "team_ml-platform" {
  name   = "acme-ws-ml-platform"
  policy = <<-EOT
    # cdeops: workspaces of team ml-platform read the team's gateway key, nothing else.

    path "secret/data/cdeops/teams/ml-platform/gateway" {
      capabilities = ["read"]
    }

    path "secret/metadata/cdeops/teams/ml-platform/" {
      capabilities = ["list"]
    }
  EOT
}

resource "vault_kubernetes_auth_backend_role" "team_ml-platform" {
  backend                          = "kubernetes"
  role_name                        = "acme-ws-ml-platform"
  bound_service_account_names      = ["coder-workspace"]
  bound_service_account_namespaces = ["ws-ml-platform"]
  audience                         = "vault"
  token_policies                   = [vault_policy.team_ml-platform.name]
  token_ttl                        = 3600
  token_max_ttl                    = 14400
}

resource "vault_policy" "team_payments" {
  name   = "acme-ws-payments"
  policy = <<-EOT
    # cdeops: workspaces of team payments read the team's gateway key, nothing else.

    path "secret/data/cdeops/teams/payments/gateway" {
      capabilities = ["read"]
    }

    path "secret/metadata/cdeops/teams/payments/" {
      capabilities = ["list"]
    }
  EOT
}

resource "vault_kubernetes_auth_backend_role" "team_payments" {
  backend                          = "kubernetes"
  role_name                        = "acme-ws-payments"
  bound_service_account_names      = ["coder-workspace"]
  bound_service_account_namespaces = ["ws-payments"]
  audience                         = "vault"
  token_policies                   = [vault_policy.team_payments.name]
  token_ttl                        = 3600
  token_max_ttl                    = 14400
}

resource "vault_policy" "gateway" {
  name   = "acme-llm-gateway"
  policy = <<-EOT
    # cdeops: the LLM gateway reads the approved providers' API keys and its own secrets, nothing else.

    path "secret/data/cdeops/gateway" {
      capabilities = ["read"]
    }

    path "secret/data/llm/providers/anthropic" {
      capabilities = ["read"]
    }

    path "secret/data/llm/providers/openai" {
      capabilities = ["read"]
    }
  EOT
}

resource "vault_kubernetes_auth_backend_role" "gateway" {
  backend                          = "kubernetes"
  role_name                        = "acme-llm-gateway"
  bound_service_account_names      = ["llm-gateway"]
  bound_service_account_namespaces = ["llm-gateway"]
  audience                         = "vault"
  token_policies                   = [vault_policy.gateway.name]
  token_ttl                        = 3600
  token_max_ttl                    = 14400
}
