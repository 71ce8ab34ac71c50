terraform {
  # 1.9+ for variable validation rules that refer to other variables (min <= max).
  required_version = ">= 1.9.0"

  required_providers {
    aws = {
      source = "hashicorp/aws"
      # Attributes are checked against the aws 6.47.0 provider schema.
      version = "~> 6.47"
    }
  }
}
