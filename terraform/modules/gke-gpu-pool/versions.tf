terraform {
  # 1.9+ for variable validation rules that refer to other variables (min <= max).
  required_version = ">= 1.9.0"

  required_providers {
    google = {
      source = "hashicorp/google"
      # Attributes are checked against the google 6.50.0 provider schema; 7.x is not covered.
      version = "~> 6.50"
    }
  }
}
