# EKS managed node group for NVIDIA GPU nodes, with a launch template that carries the
# root volume, IMDSv2 settings and the cost tags for instances and volumes.

locals {
  pool_label_key        = "cdeops.io/gpu-pool"
  accelerator_label_key = "cdeops.io/accelerator"

  node_labels = merge(var.labels, {
    (local.pool_label_key)        = var.name
    (local.accelerator_label_key) = var.accelerator
  })

  # EKS does not taint GPU nodes itself; this keeps every pod without a matching
  # toleration off the pool.
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

  capacity_type = var.spot ? "SPOT" : "ON_DEMAND"
  desired_size  = coalesce(var.desired_size, var.min_size)

  cost_tags = merge(var.tags, {
    (local.pool_label_key)        = var.name
    (local.accelerator_label_key) = var.accelerator
  })

  # AL2023 boots from /dev/xvda. Bottlerocket keeps its OS on /dev/xvda and container
  # images on the data volume /dev/xvdb, so that is the one to enlarge.
  root_device_name = startswith(var.ami_type, "BOTTLEROCKET") ? "/dev/xvdb" : "/dev/xvda"

  # Cluster autoscaler auto-discovery tags plus the node template it needs to scale up
  # from zero nodes (labels, the GPU taint, the GPU count). Node group tags stay on the
  # EKS node group object: EKS itself puts the two auto-discovery tags on the managed
  # Auto Scaling group, and the cluster autoscaler (with eks:DescribeNodegroup allowed)
  # reads the labels and taints of a managed node group from the EKS API and the GPU
  # count from its instance type table. These tags record the same template on the
  # node group for tooling and audits; see the README.
  autoscaler_tags = merge(
    {
      "k8s.io/cluster-autoscaler/enabled"                                    = "true"
      "k8s.io/cluster-autoscaler/${var.cluster_name}"                        = "owned"
      "k8s.io/cluster-autoscaler/node-template/taint/${local.gpu_taint.key}" = "${local.gpu_taint.value}:${local.gpu_taint.effect}"
      "k8s.io/cluster-autoscaler/node-template/resources/nvidia.com/gpu"     = tostring(var.gpus_per_node)
    },
    { for k, v in local.node_labels : "k8s.io/cluster-autoscaler/node-template/label/${k}" => v },
  )

  node_group_tags = merge(local.cost_tags, local.autoscaler_tags)
  instance_tags   = merge(local.cost_tags, { Name = "${var.cluster_name}-${var.name}" })
}

resource "aws_launch_template" "this" {
  name_prefix            = "${var.cluster_name}-${var.name}-"
  description            = "cdeops GPU pool ${var.name} of EKS cluster ${var.cluster_name}"
  update_default_version = true

  # No image_id: EKS picks the AMI from the node group's ami_type and writes the
  # bootstrap user data itself.
  vpc_security_group_ids = length(var.security_group_ids) > 0 ? var.security_group_ids : null

  block_device_mappings {
    device_name = local.root_device_name

    ebs {
      volume_size           = var.disk_size_gib
      volume_type           = var.disk_type
      iops                  = var.disk_type == "gp2" ? null : var.disk_iops
      throughput            = var.disk_type == "gp3" ? var.disk_throughput : null
      encrypted             = "true"
      kms_key_id            = var.disk_kms_key_id
      delete_on_termination = "true"
    }
  }

  metadata_options {
    http_endpoint               = "enabled"
    http_tokens                 = "required"
    http_put_response_hop_limit = var.imds_hop_limit
    instance_metadata_tags      = "disabled"
  }

  tag_specifications {
    resource_type = "instance"
    tags          = local.instance_tags
  }

  tag_specifications {
    resource_type = "volume"
    tags          = local.cost_tags
  }

  tags = local.cost_tags

  lifecycle {
    create_before_destroy = true
  }
}

resource "aws_eks_node_group" "this" {
  cluster_name    = var.cluster_name
  node_group_name = var.name
  node_role_arn   = var.node_role_arn
  subnet_ids      = var.subnet_ids

  ami_type        = var.ami_type
  version         = var.kubernetes_version
  release_version = var.release_version
  instance_types  = var.instance_types
  capacity_type   = local.capacity_type

  labels = local.node_labels

  taint {
    key    = local.gpu_taint.key
    value  = local.gpu_taint.value
    effect = "NO_SCHEDULE"
  }

  scaling_config {
    min_size     = var.min_size
    max_size     = var.max_size
    desired_size = local.desired_size
  }

  update_config {
    max_unavailable = var.max_unavailable
  }

  node_repair_config {
    enabled = var.node_auto_repair
  }

  launch_template {
    id      = aws_launch_template.this.id
    version = tostring(aws_launch_template.this.latest_version)
  }

  tags = local.node_group_tags

  lifecycle {
    # The cluster autoscaler owns the current size; Terraform only sets min and max.
    ignore_changes = [scaling_config[0].desired_size]
  }
}
