# AKS user node pool for NVIDIA GPU nodes, with the GPU taint, autoscaling, optional Spot
# capacity and cost tags that AKS copies to the VM scale set.

locals {
  pool_label_key        = "cdeops.io/gpu-pool"
  accelerator_label_key = "cdeops.io/accelerator"

  node_pool_name = coalesce(var.node_pool_name, substr(replace(var.name, "/[^a-z0-9]/", ""), 0, 12))

  # AKS does not taint GPU nodes and has no ExtendedResourceToleration admission, so
  # both the taint and the pods' toleration are explicit.
  gpu_taint = {
    key    = "nvidia.com/gpu"
    value  = "present"
    effect = "NoSchedule"
  }

  # AKS puts this taint and label on every Spot node. Declaring them keeps the plan
  # stable and makes the extra toleration visible to callers.
  spot_taint = {
    key    = "kubernetes.azure.com/scalesetpriority"
    value  = "spot"
    effect = "NoSchedule"
  }

  taints      = var.spot ? [local.gpu_taint, local.spot_taint] : [local.gpu_taint]
  node_taints = [for t in local.taints : "${t.key}=${t.value}:${t.effect}"]
  tolerations = [for t in local.taints : { key = t.key, operator = "Exists", effect = t.effect }]

  priority   = var.spot ? "Spot" : "Regular"
  node_count = coalesce(var.node_count, var.min_count)

  node_labels = merge(
    var.labels,
    var.spot ? { (local.spot_taint.key) = local.spot_taint.value } : {},
    {
      (local.pool_label_key)        = var.name
      (local.accelerator_label_key) = var.accelerator
    },
  )

  # Azure tag names may not contain '/', so the module's own tags use '-'.
  tags = merge(var.tags, {
    "cdeops-gpu-pool"    = var.name
    "cdeops-accelerator" = var.accelerator
  })
}

resource "azurerm_kubernetes_cluster_node_pool" "this" {
  name                  = local.node_pool_name
  kubernetes_cluster_id = var.kubernetes_cluster_id
  mode                  = "User"
  os_type               = "Linux"
  os_sku                = var.os_sku
  vm_size               = var.vm_size
  orchestrator_version  = var.orchestrator_version

  gpu_driver   = var.gpu_driver
  gpu_instance = var.gpu_instance

  auto_scaling_enabled = true
  min_count            = var.min_count
  max_count            = var.max_count
  node_count           = local.node_count

  priority        = local.priority
  eviction_policy = var.spot ? "Delete" : null
  spot_max_price  = var.spot ? var.spot_max_price : null

  node_taints = local.node_taints
  node_labels = local.node_labels

  os_disk_size_gb         = var.os_disk_size_gb
  os_disk_type            = var.os_disk_type
  host_encryption_enabled = var.host_encryption_enabled
  vnet_subnet_id          = var.vnet_subnet_id
  zones                   = var.zones
  max_pods                = var.max_pods

  temporary_name_for_rotation = var.temporary_name_for_rotation

  dynamic "upgrade_settings" {
    for_each = var.spot ? [] : [var.max_surge]
    content {
      max_surge = upgrade_settings.value
    }
  }

  tags = local.tags

  lifecycle {
    # The cluster autoscaler owns the current node count.
    ignore_changes = [node_count]

    precondition {
      condition     = can(regex("^[a-z][a-z0-9]{0,11}$", local.node_pool_name))
      error_message = "The AKS node pool name derived from name must start with a letter and be 1-12 lowercase letters and digits; set node_pool_name."
    }
  }
}
