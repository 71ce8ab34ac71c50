# Rendered by cdeops. Do not edit: change the policy and run `cdeops render`.
# GPU node pools of cluster "acme-cde" on eks, calling ../modules/eks-gpu-pool.

terraform {
  required_version = ">= 1.9.0"
  required_providers {
    aws = {
      source  = "hashicorp/aws"
      version = "6.47.0"
    }
  }
}

variable "cluster_name" {
  type        = string
  description = "EKS cluster the node groups join."
  default     = "acme-cde"
}

variable "region" {
  type        = string
  description = "AWS region of the cluster."
  default     = "us-east-1"
}

variable "node_role_arn" {
  type        = string
  description = "IAM role ARN the GPU nodes run as (the cluster's node role)."
}

variable "subnet_ids" {
  type        = list(string)
  description = "Private subnets for the GPU nodes."
}

provider "aws" {
  region = var.region
}

module "gpu_l4" {
  source = "../modules/eks-gpu-pool"

  cluster_name   = var.cluster_name
  name           = "gpu-l4"
  node_role_arn  = var.node_role_arn
  subnet_ids     = var.subnet_ids
  instance_types = ["g6.2xlarge"]
  accelerator    = "nvidia-l4"
  gpus_per_node  = 1
  spot           = false
  min_size       = 0
  max_size       = 4
  disk_size_gib  = 200

  tags = {
    cdeops-org         = "acme"
    cdeops-environment = "prod"
    cdeops-cluster     = "acme-cde"
    cdeops-gpu-pool    = "gpu-l4"
    managed-by         = "cdeops"
  }
}

output "gpu_l4_tolerations" {
  description = "Tolerations pods need to run on this pool."
  value       = module.gpu_l4.tolerations
}
