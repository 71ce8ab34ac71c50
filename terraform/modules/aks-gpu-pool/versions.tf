terraform {
  # 1.9+ for variable validation rules that refer to other variables (min <= max).
  required_version = ">= 1.9.0"

  required_providers {
    azurerm = {
      source = "hashicorp/azurerm"
      # Attributes are checked against the azurerm 4.79.0 provider schema
      # (gpu_driver needs >= 4.40, auto_scaling_enabled is the 4.x name).
      version = "~> 4.79"
    }
  }
}
