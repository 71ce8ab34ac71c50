variable "project" {
  description = "Google Cloud project of the cluster. null = the provider's project."
  type        = string
  default     = null
}

variable "location" {
  description = "Location of the cluster: a region for regional clusters, a zone for zonal ones."
  type        = string

  validation {
    condition     = can(regex("^[a-z]+-[a-z]+[0-9]+(-[a-z])?$", var.location))
    error_message = "location must be a Google Cloud region (us-central1) or zone (us-central1-a)."
  }
}

variable "cluster" {
  description = "Name (or full ID) of the existing GKE cluster."
  type        = string

  validation {
    condition     = length(var.cluster) > 0
    error_message = "cluster must not be empty."
  }
}

variable "name" {
  description = "GPU pool name (the cdeops gpu_pools[].name). Used as the node pool name, the cdeops.io/gpu-pool node label and the cdeops-gpu-pool resource label."
  type        = string

  validation {
    condition     = can(regex("^[a-z]([-a-z0-9]{0,38}[a-z0-9])?$", var.name))
    error_message = "name must be 1-40 characters of a-z, 0-9 and '-', start with a letter and end with a letter or digit (GKE node pool name rules)."
  }
}

variable "machine_type" {
  description = "Compute Engine machine type, e.g. g2-standard-8 (L4), a2-highgpu-1g (A100 40 GB), a3-highgpu-8g (H100)."
  type        = string

  validation {
    condition     = length(var.machine_type) > 0
    error_message = "machine_type must not be empty."
  }
}

variable "accelerator_type" {
  description = "GPU type, e.g. nvidia-l4, nvidia-tesla-t4, nvidia-tesla-a100, nvidia-a100-80gb, nvidia-h100-80gb. Also written to the cdeops.io/accelerator node label."
  type        = string

  validation {
    condition     = can(regex("^nvidia-[a-z0-9-]+$", var.accelerator_type))
    error_message = "accelerator_type must be an NVIDIA accelerator type name such as nvidia-l4."
  }
}

variable "accelerator_count" {
  description = "GPUs per node. Must match what the machine type carries (g2-standard-8: 1, g2-standard-24: 2, a2-highgpu-8g: 8, ...)."
  type        = number
  default     = 1

  validation {
    condition     = var.accelerator_count >= 1 && floor(var.accelerator_count) == var.accelerator_count
    error_message = "accelerator_count must be a whole number >= 1."
  }
}

variable "gpu_driver_version" {
  description = "How GKE installs the NVIDIA driver: LATEST, DEFAULT, or INSTALLATION_DISABLED (when the NVIDIA GPU Operator installs it)."
  type        = string
  default     = "LATEST"

  validation {
    condition     = contains(["LATEST", "DEFAULT", "INSTALLATION_DISABLED"], var.gpu_driver_version)
    error_message = "gpu_driver_version must be LATEST, DEFAULT or INSTALLATION_DISABLED."
  }
}

variable "gpu_partition_size" {
  description = "MIG partition size (e.g. 1g.5gb) for A100/H100. null = whole GPUs."
  type        = string
  default     = null
}

variable "spot" {
  description = "Use Spot VMs."
  type        = bool
  default     = false
}

variable "min_nodes" {
  description = "Minimum number of nodes in the whole pool (total_min_node_count, not per zone)."
  type        = number
  default     = 0

  validation {
    condition     = var.min_nodes >= 0 && floor(var.min_nodes) == var.min_nodes
    error_message = "min_nodes must be a whole number >= 0."
  }
}

variable "max_nodes" {
  description = "Maximum number of nodes in the whole pool (total_max_node_count, not per zone)."
  type        = number
  default     = 1

  validation {
    condition     = var.max_nodes >= 1 && floor(var.max_nodes) == var.max_nodes
    error_message = "max_nodes must be a whole number >= 1."
  }

  validation {
    condition     = var.min_nodes <= var.max_nodes
    error_message = "min_nodes must be <= max_nodes."
  }
}

variable "initial_node_count" {
  description = "Nodes per zone at creation. null = none; the cluster autoscaler adds nodes when GPU pods are pending. Later changes are ignored."
  type        = number
  default     = null

  validation {
    condition     = var.initial_node_count == null || try(var.initial_node_count >= 0 && floor(var.initial_node_count) == var.initial_node_count, false)
    error_message = "initial_node_count must be a whole number >= 0."
  }
}

variable "location_policy" {
  description = "Autoscaler zone choice: BALANCED spreads nodes over zones, ANY takes whichever zone has capacity (better for scarce GPUs and Spot). null = GKE default."
  type        = string
  default     = null

  validation {
    condition     = var.location_policy == null || contains(["BALANCED", "ANY"], coalesce(var.location_policy, "BALANCED"))
    error_message = "location_policy must be BALANCED or ANY."
  }
}

variable "node_locations" {
  description = "Zones for the nodes; only zones that offer the GPU type. null = the cluster's zones."
  type        = list(string)
  default     = null
}

variable "service_account" {
  description = "Email of the Google service account the nodes run as. Use a dedicated least-privilege account (roles/container.defaultNodeServiceAccount), not the Compute Engine default."
  type        = string

  validation {
    condition     = can(regex("^[^@\\s]+@[^@\\s]+\\.gserviceaccount\\.com$", var.service_account))
    error_message = "service_account must be a service account email (...@<project>.iam.gserviceaccount.com)."
  }
}

variable "oauth_scopes" {
  description = "OAuth scopes of the node VMs. Google recommends cloud-platform and restricting access through the service account's IAM roles."
  type        = list(string)
  default     = ["https://www.googleapis.com/auth/cloud-platform"]
}

variable "image_type" {
  description = "Node image. COS_CONTAINERD supports GKE-managed GPU drivers."
  type        = string
  default     = "COS_CONTAINERD"
}

variable "disk_size_gb" {
  description = "Boot disk size in GB. Room for vLLM/CUDA images (10-20 GB) and model caches."
  type        = number
  default     = 200

  validation {
    condition     = var.disk_size_gb >= 50 && floor(var.disk_size_gb) == var.disk_size_gb
    error_message = "disk_size_gb must be a whole number >= 50."
  }
}

variable "disk_type" {
  description = "Boot disk type. pd-balanced or pd-ssd; A3 Mega/Ultra machine types need hyperdisk-balanced."
  type        = string
  default     = "pd-balanced"

  validation {
    condition     = contains(["pd-balanced", "pd-ssd", "pd-standard", "hyperdisk-balanced"], var.disk_type)
    error_message = "disk_type must be pd-balanced, pd-ssd, pd-standard or hyperdisk-balanced."
  }
}

variable "enable_secure_boot" {
  description = "Shielded VM secure boot. GKE-installed drivers are signed; set false only if the GPU Operator loads unsigned kernel modules."
  type        = bool
  default     = true
}

variable "auto_upgrade" {
  description = "Let GKE upgrade the nodes with the cluster's release channel."
  type        = bool
  default     = true
}

variable "max_surge" {
  description = "Extra nodes GKE may create during a surge upgrade."
  type        = number
  default     = 1

  validation {
    condition     = var.max_surge >= 0 && floor(var.max_surge) == var.max_surge
    error_message = "max_surge must be a whole number >= 0."
  }
}

variable "max_unavailable" {
  description = "Nodes that may be unavailable at once during a surge upgrade."
  type        = number
  default     = 0

  validation {
    condition     = var.max_unavailable >= 0 && floor(var.max_unavailable) == var.max_unavailable
    error_message = "max_unavailable must be a whole number >= 0."
  }

  validation {
    condition     = var.max_surge + var.max_unavailable >= 1
    error_message = "max_surge + max_unavailable must be at least 1."
  }
}

variable "labels" {
  description = "Extra Kubernetes node labels. The module always sets cdeops.io/gpu-pool and cdeops.io/accelerator."
  type        = map(string)
  default     = {}
}

variable "resource_labels" {
  description = "Cost labels on the node VMs and disks (GCE labels, used by billing export): keys start with a lowercase letter, keys and values use only lowercase letters, digits, '_' and '-', at most 63 characters."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(var.resource_labels) <= 60
    error_message = "At most 60 resource_labels: GCE allows 64 and the module adds its own."
  }

  validation {
    condition = alltrue([
      for k, v in var.resource_labels :
      can(regex("^[a-z][a-z0-9_-]{0,62}$", k)) && can(regex("^[a-z0-9_-]{0,63}$", v))
    ])
    error_message = "resource_labels must follow GCE label rules: key ^[a-z][a-z0-9_-]{0,62}$, value ^[a-z0-9_-]{0,63}$."
  }
}
