# Rendered by cdeops. Do not edit: change the policy and run `cdeops render`.
# Pushes every rendered Coder template (../../coder/<name>/) with the coderd provider; CI applies it
# with `cdeops plan` / `cdeops apply --stack coder-templates`. The provider reads CODER_URL and
# CODER_SESSION_TOKEN from the environment: no token is ever written here or in a variable.
# Keep state in your backend: add a backend.tf here (`terraform { backend "s3" {} }`) and pass
# `--backend-config KEY=VALUE`; cdeops keeps files it did not write.

terraform {
  required_version = ">= 1.6"
  required_providers {
    coderd = {
      source  = "coder/coderd"
      version = "0.0.23"
    }
  }
}

provider "coderd" {}

locals {
  # Coder group of each team: members of a group may use only their team's templates (ACL below)
  team_groups = {
    data = "data"
    web  = "web"
  }
}

data "coderd_group" "team" {
  for_each = local.team_groups
  name     = each.value
}

resource "coderd_template" "data-node" {
  name                   = "data-node"
  display_name           = "data / node"
  description            = "node workspace for team data"
  require_active_version = true
  max_port_share_level   = "owner"

  acl = {
    groups = [{
      id   = data.coderd_group.team["data"].id
      role = "use"
    }]
    users = []
  }

  versions = [{
    name      = "cdeops-54a9aad7fef0"
    directory = format("%s/../../coder/%s", path.module, "data-node")
    active    = true
    message   = "Rendered by cdeops from the policy (template node, team data)"
  }]
}

resource "coderd_template" "data-python" {
  name                   = "data-python"
  display_name           = "data / python"
  description            = "python workspace for team data"
  require_active_version = true
  max_port_share_level   = "owner"

  acl = {
    groups = [{
      id   = data.coderd_group.team["data"].id
      role = "use"
    }]
    users = []
  }

  versions = [{
    name      = "cdeops-52a9ceff7458"
    directory = format("%s/../../coder/%s", path.module, "data-python")
    active    = true
    message   = "Rendered by cdeops from the policy (template python, team data)"
  }]
}

resource "coderd_template" "web-node" {
  name                   = "web-node"
  display_name           = "web / node"
  description            = "node workspace for team web"
  require_active_version = true
  max_port_share_level   = "owner"

  acl = {
    groups = [{
      id   = data.coderd_group.team["web"].id
      role = "use"
    }]
    users = []
  }

  versions = [{
    name      = "cdeops-691fe6634cfc"
    directory = format("%s/../../coder/%s", path.module, "web-node")
    active    = true
    message   = "Rendered by cdeops from the policy (template node, team web)"
  }]
}
