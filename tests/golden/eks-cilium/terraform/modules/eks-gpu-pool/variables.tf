variable "cluster_name" {
  description = "Name of the existing EKS cluster the node group joins."
  type        = string

  validation {
    condition     = can(regex("^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$", var.cluster_name))
    error_message = "cluster_name must be 1-100 characters: letters, digits, '-' and '_', starting with a letter or digit."
  }
}

variable "name" {
  description = "GPU pool name (the cdeops gpu_pools[].name). Used as the node group name and as the value of the cdeops.io/gpu-pool node label."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a lowercase DNS label (1-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit)."
  }
}

variable "node_role_arn" {
  description = "ARN of the IAM role the GPU nodes use (needs AmazonEKSWorkerNodePolicy, AmazonEC2ContainerRegistryReadOnly and the CNI policy or an IRSA/Pod Identity CNI role)."
  type        = string

  validation {
    condition     = can(regex("^arn:aws[a-zA-Z-]*:iam::[0-9]{12}:role/.+$", var.node_role_arn))
    error_message = "node_role_arn must be an IAM role ARN (arn:aws:iam::<account>:role/<name>)."
  }
}

variable "subnet_ids" {
  description = "Private subnets the nodes are placed in. Pick subnets in availability zones that offer the instance types."
  type        = list(string)

  validation {
    condition     = length(var.subnet_ids) > 0
    error_message = "subnet_ids must name at least one subnet."
  }
}

variable "instance_types" {
  description = "EC2 GPU instance types, e.g. [\"g6.2xlarge\"]. With spot = true, list several types with the same GPU count to improve availability."
  type        = list(string)

  validation {
    condition     = length(var.instance_types) > 0
    error_message = "instance_types must name at least one instance type."
  }
}

variable "accelerator" {
  description = "Accelerator name written to the cdeops.io/accelerator node label, e.g. nvidia-l4."
  type        = string
  default     = "nvidia"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$", var.accelerator))
    error_message = "accelerator must be a valid Kubernetes label value (lowercase letters, digits, '-', '_', '.'; at most 63 characters)."
  }
}

variable "gpus_per_node" {
  description = "GPUs on each node. Advertised to the cluster autoscaler through the node-template resources tag so it can scale up from zero."
  type        = number
  default     = 1

  validation {
    condition     = var.gpus_per_node >= 1 && floor(var.gpus_per_node) == var.gpus_per_node
    error_message = "gpus_per_node must be a whole number >= 1."
  }
}

variable "ami_type" {
  description = "EKS-optimised AMI family with NVIDIA drivers. AL2023_x86_64_NVIDIA ships the driver and container toolkit; deploy the NVIDIA device plugin (or the GPU Operator with driver.enabled=false). AL2 AMIs are not available for Kubernetes 1.33+."
  type        = string
  default     = "AL2023_x86_64_NVIDIA"

  validation {
    condition = contains([
      "AL2023_x86_64_NVIDIA",
      "AL2023_ARM_64_NVIDIA",
      "BOTTLEROCKET_x86_64_NVIDIA",
      "BOTTLEROCKET_ARM_64_NVIDIA",
    ], var.ami_type)
    error_message = "ami_type must be an NVIDIA AMI type: AL2023_x86_64_NVIDIA, AL2023_ARM_64_NVIDIA, BOTTLEROCKET_x86_64_NVIDIA or BOTTLEROCKET_ARM_64_NVIDIA."
  }
}

variable "kubernetes_version" {
  description = "Kubernetes minor version of the nodes, e.g. \"1.33\". null = the cluster's version."
  type        = string
  default     = null

  validation {
    condition     = var.kubernetes_version == null || can(regex("^1\\.[0-9]+$", var.kubernetes_version))
    error_message = "kubernetes_version must look like \"1.33\"."
  }
}

variable "release_version" {
  description = "EKS AMI release version to pin (e.g. \"1.33.4-20250904\"). null = latest for the Kubernetes version at create time."
  type        = string
  default     = null
}

variable "spot" {
  description = "Use Spot capacity (capacity_type SPOT) instead of On-Demand."
  type        = bool
  default     = false
}

variable "min_size" {
  description = "Minimum number of nodes. 0 lets the cluster autoscaler scale the pool to zero."
  type        = number
  default     = 0

  validation {
    condition     = var.min_size >= 0 && floor(var.min_size) == var.min_size
    error_message = "min_size must be a whole number >= 0."
  }
}

variable "max_size" {
  description = "Maximum number of nodes (EKS requires at least 1)."
  type        = number
  default     = 1

  validation {
    condition     = var.max_size >= 1 && floor(var.max_size) == var.max_size
    error_message = "max_size must be a whole number >= 1."
  }

  validation {
    condition     = var.min_size <= var.max_size
    error_message = "min_size must be <= max_size."
  }
}

variable "desired_size" {
  description = "Node count at creation. null = min_size. Later changes are ignored: the cluster autoscaler owns the desired size."
  type        = number
  default     = null

  validation {
    condition     = var.desired_size == null || (try(var.desired_size >= var.min_size && var.desired_size <= var.max_size && floor(var.desired_size) == var.desired_size, false))
    error_message = "desired_size must be a whole number between min_size and max_size."
  }
}

variable "max_unavailable" {
  description = "Nodes that may be unavailable at once during a node group update (update_config.max_unavailable)."
  type        = number
  default     = 1

  validation {
    condition     = var.max_unavailable >= 1 && var.max_unavailable <= 100 && floor(var.max_unavailable) == var.max_unavailable
    error_message = "max_unavailable must be a whole number between 1 and 100."
  }
}

variable "node_auto_repair" {
  description = "Enable EKS node auto repair (node_repair_config), which replaces nodes that report unhealthy, including GPU failures seen by the EKS node monitoring agent."
  type        = bool
  default     = true
}

variable "disk_size_gib" {
  description = "Root volume size in GiB. vLLM/CUDA images are 10-20 GB and model caches can be larger, so the EKS default of 20 GiB is far too small."
  type        = number
  default     = 200

  validation {
    condition     = var.disk_size_gib >= 50 && var.disk_size_gib <= 16384 && floor(var.disk_size_gib) == var.disk_size_gib
    error_message = "disk_size_gib must be a whole number between 50 and 16384."
  }
}

variable "disk_type" {
  description = "EBS volume type of the root volume."
  type        = string
  default     = "gp3"

  validation {
    condition     = contains(["gp3", "gp2", "io1", "io2"], var.disk_type)
    error_message = "disk_type must be one of gp3, gp2, io1, io2."
  }
}

variable "disk_iops" {
  description = "Provisioned IOPS for gp3/io1/io2 volumes. null = the volume type's default (3000 for gp3)."
  type        = number
  default     = null
}

variable "disk_throughput" {
  description = "Throughput in MiB/s for gp3 volumes. null = 125. Raise it (e.g. 500) to pull large model images faster."
  type        = number
  default     = null

  validation {
    condition     = var.disk_throughput == null || try(var.disk_throughput >= 125 && var.disk_throughput <= 1000, false)
    error_message = "disk_throughput must be between 125 and 1000 MiB/s."
  }
}

variable "disk_kms_key_id" {
  description = "KMS key ARN for the root volume. null = the account's default EBS key. The volume is always encrypted."
  type        = string
  default     = null
}

variable "imds_hop_limit" {
  description = "IMDSv2 PUT response hop limit. 1 (default) lets only the node itself and hostNetwork pods reach instance metadata, so workspace and model-server containers cannot read the node role's credentials; use IRSA or EKS Pod Identity for pod AWS access. Set 2 only if a non-hostNetwork pod must read IMDS."
  type        = number
  default     = 1

  validation {
    condition     = contains([1, 2], var.imds_hop_limit)
    error_message = "imds_hop_limit must be 1 or 2."
  }
}

variable "security_group_ids" {
  description = "Security groups for the nodes. Empty (default) = EKS attaches the cluster security group. If set, include the cluster security group yourself."
  type        = list(string)
  default     = []
}

variable "labels" {
  description = "Extra Kubernetes node labels. The module always sets cdeops.io/gpu-pool and cdeops.io/accelerator."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Cost-allocation tags (team, cost-center, env, ...). Applied to the EC2 instances and EBS volumes through the launch template, and to the launch template and node group."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(var.tags) + length(var.labels) <= 40
    error_message = "tags and labels together must be at most 40 entries: AWS allows 50 tags per resource and the node group also carries the cluster-autoscaler tags (one per label)."
  }

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 128 && length(v) <= 256 && !startswith(lower(k), "aws:")])
    error_message = "Tag keys must be <= 128 characters and not start with aws:, values <= 256 characters."
  }
}
