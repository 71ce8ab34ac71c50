# GKE node pool for NVIDIA GPU nodes, with GKE-managed drivers, the GPU taint, Workload
# Identity metadata, Shielded VM settings and cost labels on the VMs.

locals {
  pool_label_key        = "cdeops.io/gpu-pool"
  accelerator_label_key = "cdeops.io/accelerator"

  node_labels = merge(var.labels, {
    (local.pool_label_key)        = var.name
    (local.accelerator_label_key) = var.accelerator_type
  })

  # GKE taints GPU nodes by itself only while the cluster also has non-GPU pools; setting
  # the taint here keeps non-GPU pods off the pool in every case.
  gpu_taint = {
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NoSchedule"
  }

  tolerations = [{
    key      = local.gpu_taint.key
    operator = "Exists"
    effect   = local.gpu_taint.effect
  }]

  # GCE label form (no dots or slashes in keys); both values pass the GCE rules because
  # name and accelerator_type are validated.
  resource_labels = merge(var.resource_labels, {
    "cdeops-gpu-pool"    = var.name
    "cdeops-accelerator" = var.accelerator_type
  })
}

resource "google_container_node_pool" "this" {
  project        = var.project
  location       = var.location
  cluster        = var.cluster
  name           = var.name
  node_locations = var.node_locations

  initial_node_count = var.initial_node_count

  autoscaling {
    total_min_node_count = var.min_nodes
    total_max_node_count = var.max_nodes
    location_policy      = var.location_policy
  }

  management {
    auto_repair  = true
    auto_upgrade = var.auto_upgrade
  }

  upgrade_settings {
    strategy        = "SURGE"
    max_surge       = var.max_surge
    max_unavailable = var.max_unavailable
  }

  node_config {
    machine_type    = var.machine_type
    image_type      = var.image_type
    disk_size_gb    = var.disk_size_gb
    disk_type       = var.disk_type
    spot            = var.spot
    service_account = var.service_account
    oauth_scopes    = var.oauth_scopes

    labels          = local.node_labels
    resource_labels = local.resource_labels

    metadata = {
      disable-legacy-endpoints = "true"
    }

    guest_accelerator {
      type               = var.accelerator_type
      count              = var.accelerator_count
      gpu_partition_size = var.gpu_partition_size

      gpu_driver_installation_config {
        gpu_driver_version = var.gpu_driver_version
      }
    }

    taint {
      key    = local.gpu_taint.key
      value  = local.gpu_taint.value
      effect = "NO_SCHEDULE"
    }

    # Pods see the GKE metadata server (Workload Identity), never the node's own
    # credentials. The cluster must have Workload Identity enabled.
    workload_metadata_config {
      mode = "GKE_METADATA"
    }

    shielded_instance_config {
      enable_secure_boot          = var.enable_secure_boot
      enable_integrity_monitoring = true
    }
  }

  lifecycle {
    # GKE rewrites the initial count after resizes; a change would recreate the pool.
    ignore_changes = [initial_node_count]
  }
}
