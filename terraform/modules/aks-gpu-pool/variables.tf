variable "kubernetes_cluster_id" {
  description = "Resource ID of the existing AKS cluster (azurerm_kubernetes_cluster.<x>.id)."
  type        = string

  validation {
    condition     = can(regex("(?i)^/subscriptions/[^/]+/resourcegroups/[^/]+/providers/microsoft\\.containerservice/managedclusters/[^/]+$", var.kubernetes_cluster_id))
    error_message = "kubernetes_cluster_id must be an AKS cluster resource ID (/subscriptions/.../resourceGroups/.../providers/Microsoft.ContainerService/managedClusters/<name>)."
  }
}

variable "name" {
  description = "GPU pool name (the cdeops gpu_pools[].name), used as the value of the cdeops.io/gpu-pool node label and the cdeops-gpu-pool tag."
  type        = string

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$", var.name))
    error_message = "name must be a lowercase DNS label (1-63 characters of a-z, 0-9 and '-', starting and ending with a letter or digit)."
  }
}

variable "node_pool_name" {
  description = "AKS node pool name: lowercase letters and digits, starting with a letter, at most 12 characters (Linux pools). null = name without '-' and other non-alphanumerics, cut to 12 characters."
  type        = string
  default     = null

  validation {
    condition     = var.node_pool_name == null || can(regex("^[a-z][a-z0-9]{0,11}$", var.node_pool_name))
    error_message = "node_pool_name must be 1-12 lowercase letters and digits, starting with a letter (AKS Linux node pool rules)."
  }
}

variable "vm_size" {
  description = "GPU VM size, e.g. Standard_NC24ads_A100_v4, Standard_NC40ads_H100_v5, Standard_NC4as_T4_v3."
  type        = string

  validation {
    condition     = can(regex("^Standard_N", var.vm_size))
    error_message = "vm_size must be an N-series (GPU) size such as Standard_NC24ads_A100_v4."
  }
}

variable "accelerator" {
  description = "Accelerator name written to the cdeops.io/accelerator node label, e.g. nvidia-a100."
  type        = string
  default     = "nvidia"

  validation {
    condition     = can(regex("^[a-z0-9]([-a-z0-9_.]{0,61}[a-z0-9])?$", var.accelerator))
    error_message = "accelerator must be a valid Kubernetes label value (lowercase letters, digits, '-', '_', '.'; at most 63 characters)."
  }
}

variable "gpu_driver" {
  description = "Install = AKS installs the NVIDIA driver; None = you install it (NVIDIA GPU Operator). Always set explicitly: leaving it unset makes azurerm plan a replacement of existing GPU pools. Changing it recreates the pool."
  type        = string
  default     = "Install"

  validation {
    condition     = contains(["Install", "None"], var.gpu_driver)
    error_message = "gpu_driver must be Install or None."
  }
}

variable "gpu_instance" {
  description = "MIG instance profile for A100/H100 sizes: MIG1g, MIG2g, MIG3g, MIG4g or MIG7g. null = whole GPUs."
  type        = string
  default     = null

  validation {
    condition     = var.gpu_instance == null || contains(["MIG1g", "MIG2g", "MIG3g", "MIG4g", "MIG7g"], coalesce(var.gpu_instance, "MIG1g"))
    error_message = "gpu_instance must be one of MIG1g, MIG2g, MIG3g, MIG4g, MIG7g."
  }
}

variable "spot" {
  description = "Use Spot VMs (priority Spot, eviction policy Delete). AKS taints Spot nodes kubernetes.azure.com/scalesetpriority=spot:NoSchedule, so pods need that toleration too (see the tolerations output)."
  type        = bool
  default     = false
}

variable "spot_max_price" {
  description = "Highest price per hour for Spot VMs in US dollars; -1 = up to the on-demand price, never evicted for price."
  type        = number
  default     = -1

  validation {
    condition     = var.spot_max_price == -1 || var.spot_max_price > 0
    error_message = "spot_max_price must be -1 or a positive price."
  }
}

variable "min_count" {
  description = "Minimum number of nodes (cluster autoscaler). 0 lets the pool scale to zero."
  type        = number
  default     = 0

  validation {
    condition     = var.min_count >= 0 && var.min_count <= 1000 && floor(var.min_count) == var.min_count
    error_message = "min_count must be a whole number between 0 and 1000."
  }
}

variable "max_count" {
  description = "Maximum number of nodes (cluster autoscaler)."
  type        = number
  default     = 1

  validation {
    condition     = var.max_count >= 1 && var.max_count <= 1000 && floor(var.max_count) == var.max_count
    error_message = "max_count must be a whole number between 1 and 1000."
  }

  validation {
    condition     = var.min_count <= var.max_count
    error_message = "min_count must be <= max_count."
  }
}

variable "node_count" {
  description = "Node count at creation. null = min_count. Later changes are ignored: the cluster autoscaler owns the node count."
  type        = number
  default     = null

  validation {
    condition     = var.node_count == null || try(var.node_count >= var.min_count && var.node_count <= var.max_count && floor(var.node_count) == var.node_count, false)
    error_message = "node_count must be a whole number between min_count and max_count."
  }
}

variable "orchestrator_version" {
  description = "Kubernetes version of the pool, e.g. \"1.33\". null = the cluster's version."
  type        = string
  default     = null
}

variable "os_sku" {
  description = "Linux node image: Ubuntu (default), Ubuntu2204, Ubuntu2404, AzureLinux. AKS GPU driver install supports Ubuntu and Azure Linux."
  type        = string
  default     = "Ubuntu"

  validation {
    condition     = contains(["Ubuntu", "Ubuntu2204", "Ubuntu2404", "AzureLinux"], var.os_sku)
    error_message = "os_sku must be Ubuntu, Ubuntu2204, Ubuntu2404 or AzureLinux."
  }
}

variable "os_disk_size_gb" {
  description = "OS disk size in GB. Room for vLLM/CUDA images (10-20 GB) and model caches."
  type        = number
  default     = 200

  validation {
    condition     = var.os_disk_size_gb >= 50 && var.os_disk_size_gb <= 2048 && floor(var.os_disk_size_gb) == var.os_disk_size_gb
    error_message = "os_disk_size_gb must be a whole number between 50 and 2048."
  }
}

variable "os_disk_type" {
  description = "Managed or Ephemeral. Ephemeral needs a VM size whose cache or temp disk holds os_disk_size_gb."
  type        = string
  default     = "Managed"

  validation {
    condition     = contains(["Managed", "Ephemeral"], var.os_disk_type)
    error_message = "os_disk_type must be Managed or Ephemeral."
  }
}

variable "host_encryption_enabled" {
  description = "Encrypt temp disks and caches at the VM host. Needs the EncryptionAtHost feature registered on the subscription."
  type        = bool
  default     = false
}

variable "vnet_subnet_id" {
  description = "Subnet for the nodes. null = the cluster's default node subnet."
  type        = string
  default     = null
}

variable "zones" {
  description = "Availability zones for the nodes; only zones that offer the VM size. null = no zone pinning."
  type        = list(string)
  default     = null
}

variable "max_pods" {
  description = "Maximum pods per node. null = the AKS default for the network plugin."
  type        = number
  default     = null
}

variable "max_surge" {
  description = "Extra nodes during an upgrade, as a count (\"1\") or a percentage (\"33%\"). Not sent for Spot pools (AKS does not surge-upgrade them)."
  type        = string
  default     = "1"

  validation {
    condition     = can(regex("^[1-9][0-9]*%?$", var.max_surge))
    error_message = "max_surge must be a positive count such as \"1\" or a percentage such as \"33%\"."
  }
}

variable "temporary_name_for_rotation" {
  description = "Name of the temporary pool azurerm uses when a change (vm_size, os_disk_size_gb, ...) needs the pool cycled. Same rules as node_pool_name. null = azurerm refuses such changes."
  type        = string
  default     = null

  validation {
    condition     = var.temporary_name_for_rotation == null || can(regex("^[a-z][a-z0-9]{0,11}$", var.temporary_name_for_rotation))
    error_message = "temporary_name_for_rotation must be 1-12 lowercase letters and digits, starting with a letter."
  }
}

variable "labels" {
  description = "Extra Kubernetes node labels. The module always sets cdeops.io/gpu-pool and cdeops.io/accelerator."
  type        = map(string)
  default     = {}
}

variable "tags" {
  description = "Cost-allocation tags (team, cost-center, env, ...) on the node pool; AKS applies them to the pool's VM scale set, where Azure cost analysis sees them."
  type        = map(string)
  default     = {}

  validation {
    condition     = length(var.tags) <= 48
    error_message = "At most 48 tags: Azure allows 50 per resource and the module adds two."
  }

  validation {
    condition     = alltrue([for k, v in var.tags : length(k) <= 512 && length(v) <= 256 && !can(regex("[<>%&\\\\?/]", k))])
    error_message = "Azure tag names must be <= 512 characters without < > % & \\ ? /, values <= 256 characters."
  }
}
