output "id" {
  description = "Node pool ID (\"projects/<project>/locations/<location>/clusters/<cluster>/nodePools/<name>\")."
  value       = google_container_node_pool.this.id
}

output "name" {
  description = "Node pool name."
  value       = google_container_node_pool.this.name
}

output "instance_group_urls" {
  description = "Managed instance groups of the node pool."
  value       = google_container_node_pool.this.managed_instance_group_urls
}

output "labels" {
  description = "Kubernetes labels the module sets on every node (extra labels plus cdeops.io/gpu-pool and cdeops.io/accelerator). GKE adds cloud.google.com/gke-accelerator itself."
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
  description = "All taints the module puts on the nodes, in Kubernetes form."
  value       = [local.gpu_taint]
}

output "tolerations" {
  description = "Tolerations a pod needs to run on this pool (Kubernetes form). GKE's ExtendedResourceToleration admission adds an equivalent toleration to pods that request nvidia.com/gpu."
  value       = local.tolerations
}

output "resource_labels" {
  description = "GCE cost labels on the node VMs."
  value       = local.resource_labels
}
