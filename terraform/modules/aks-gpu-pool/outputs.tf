output "id" {
  description = "Resource ID of the node pool."
  value       = azurerm_kubernetes_cluster_node_pool.this.id
}

output "name" {
  description = "AKS node pool name (at most 12 characters)."
  value       = azurerm_kubernetes_cluster_node_pool.this.name
}

output "labels" {
  description = "Kubernetes labels the module sets on every node (extra labels, cdeops.io/gpu-pool, cdeops.io/accelerator, and the Spot label on Spot pools)."
  value       = local.node_labels
}

output "node_selector" {
  description = "nodeSelector that pins a pod to this pool."
  value       = { (local.pool_label_key) = var.name }
}

output "taint" {
  description = "The GPU taint on every node, in Kubernetes form (effect NoSchedule)."
  value       = local.gpu_taint
}

output "taints" {
  description = "All taints on the nodes, in Kubernetes form: the GPU taint, plus the AKS Spot taint on Spot pools."
  value       = local.taints
}

output "tolerations" {
  description = "Tolerations a pod needs to run on this pool (Kubernetes form); includes the Spot toleration on Spot pools."
  value       = local.tolerations
}

output "tags" {
  description = "Cost tags on the node pool (applied by AKS to its VM scale set)."
  value       = local.tags
}
