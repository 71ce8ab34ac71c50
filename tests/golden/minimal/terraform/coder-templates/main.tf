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
    platform = "platform"
  }
}

data "coderd_group" "team" {
  for_each = local.team_groups
  name     = each.value
}

resource "coderd_template" "platform-python" {
  name                   = "platform-python"
  display_name           = "platform / python"
  description            = "python workspace for team platform"
  require_active_version = true
  max_port_share_level   = "owner"

  acl = {
    groups = [{
      id   = data.coderd_group.team["platform"].id
      role = "use"
    }]
    users = []
  }

  versions = [{
    name      = "cdeops-d5f0fc40dd0c"
    directory = format("%s/../../coder/%s", path.module, "platform-python")
    active    = true
    message   = "Rendered by cdeops from the policy (template python, team platform)"
  }]
}
