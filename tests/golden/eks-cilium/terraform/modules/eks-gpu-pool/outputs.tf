output "id" {
  description = "EKS node group ID (\"<cluster_name>:<node_group_name>\")."
  value       = aws_eks_node_group.this.id
}

output "name" {
  description = "EKS node group name."
  value       = aws_eks_node_group.this.node_group_name
}

output "arn" {
  description = "EKS node group ARN."
  value       = aws_eks_node_group.this.arn
}

output "autoscaling_group_names" {
  description = "Names of the Auto Scaling groups EKS created for the node group."
  value       = flatten([for r in aws_eks_node_group.this.resources : [for g in r.autoscaling_groups : g.name]])
}

output "launch_template_id" {
  description = "ID of the launch template (root volume, IMDSv2, instance and volume cost tags)."
  value       = aws_launch_template.this.id
}

output "launch_template_version" {
  description = "Launch template version the node group uses."
  value       = aws_launch_template.this.latest_version
}

output "labels" {
  description = "Kubernetes labels every node of the pool carries (extra labels plus cdeops.io/gpu-pool and cdeops.io/accelerator)."
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
  description = "Tolerations a pod needs to run on this pool (Kubernetes form)."
  value       = local.tolerations
}

output "tags" {
  description = "Cost tags applied to instances, volumes, the launch template and the node group."
  value       = local.cost_tags
}
