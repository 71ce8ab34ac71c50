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
    ml-platform = "ml-platform"
    payments    = "payments"
  }
}

data "coderd_group" "team" {
  for_each = local.team_groups
  name     = each.value
}

resource "coderd_template" "ml-platform-gpu-ml" {
  name                   = "ml-platform-gpu-ml"
  display_name           = "ml-platform / gpu-ml"
  description            = "gpu-ml workspace for team ml-platform"
  require_active_version = true
  max_port_share_level   = "owner"

  acl = {
    groups = [{
      id   = data.coderd_group.team["ml-platform"].id
      role = "use"
    }]
    users = []
  }

  versions = [{
    name      = "cdeops-7f521b7d702f"
    directory = format("%s/../../coder/%s", path.module, "ml-platform-gpu-ml")
    active    = true
    message   = "Rendered by cdeops from the policy (template gpu-ml, team ml-platform)"
  }]
}

resource "coderd_template" "ml-platform-python" {
  name                   = "ml-platform-python"
  display_name           = "ml-platform / python"
  description            = "python workspace for team ml-platform"
  require_active_version = true
  max_port_share_level   = "owner"

  acl = {
    groups = [{
      id   = data.coderd_group.team["ml-platform"].id
      role = "use"
    }]
    users = []
  }

  versions = [{
    name      = "cdeops-464ab2108f8b"
    directory = format("%s/../../coder/%s", path.module, "ml-platform-python")
    active    = true
    message   = "Rendered by cdeops from the policy (template python, team ml-platform)"
  }]
}

resource "coderd_template" "payments-gpu-ml" {
  name                   = "payments-gpu-ml"
  display_name           = "payments / gpu-ml"
  description            = "gpu-ml workspace for team payments"
  require_active_version = true
  max_port_share_level   = "owner"

  acl = {
    groups = [{
      id   = data.coderd_group.team["payments"].id
      role = "use"
    }]
    users = []
  }

  versions = [{
    name      = "cdeops-6de76e36a9a5"
    directory = format("%s/../../coder/%s", path.module, "payments-gpu-ml")
    active    = true
    message   = "Rendered by cdeops from the policy (template gpu-ml, team payments)"
  }]
}

resource "coderd_template" "payments-python" {
  name                   = "payments-python"
  display_name           = "payments / python"
  description            = "python workspace for team payments"
  require_active_version = true
  max_port_share_level   = "owner"

  acl = {
    groups = [{
      id   = data.coderd_group.team["payments"].id
      role = "use"
    }]
    users = []
  }

  versions = [{
    name      = "cdeops-dae1e170fa3a"
    directory = format("%s/../../coder/%s", path.module, "payments-python")
    active    = true
    message   = "Rendered by cdeops from the policy (template python, team payments)"
  }]
}
