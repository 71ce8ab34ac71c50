"""GPU node pools: module calls for the rendered ``terraform/gpu-pools`` root, and Karpenter objects.

Managed pools become calls of the shipped ``terraform/modules/<cloud>-gpu-pool`` module; Karpenter pools
(EKS only) become a NodePool and an EC2NodeClass. Every pool carries the cost tags for cloud billing and
the ``cdeops.io/gpu-pool`` label and ``nvidia.com/gpu`` taint the workspace and inference pods select.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..policy.document import Policy
from ..policy.fields import normalise_name
from ..policy.llm import GpuPool
from .naming import GPU_POOL_LABEL, MANAGED_LABELS

__all__ = ["PROVIDERS", "GpuPoolsView", "ModuleCall", "gpu_pools_view", "gpu_scheduling", "karpenter_objects"]

# provider address, exact version (inside the shipped modules' constraints), module folder
PROVIDERS = {
    "eks": ("aws", "hashicorp/aws", "6.47.0", "eks-gpu-pool"),
    "gke": ("google", "hashicorp/google", "6.50.0", "gke-gpu-pool"),
    "aks": ("azurerm", "hashicorp/azurerm", "4.79.0", "aks-gpu-pool"),
}
ACCELERATOR_LABEL = "cdeops.io/accelerator"
_GPU_TOLERATION = {"key": "nvidia.com/gpu", "operator": "Exists", "effect": "NoSchedule"}
_AKS_SPOT_TOLERATION = {
    "key": "kubernetes.azure.com/scalesetpriority",
    "operator": "Equal",
    "value": "spot",
    "effect": "NoSchedule",
}


@dataclass(frozen=True)
class ModuleCall:
    name: str  # the HCL module name
    arguments: dict[str, Any]  # literal values; references are HclExpr

    @property
    def scalars(self) -> dict[str, Any]:
        """One-line arguments (laid out aligned, as terraform fmt does)."""
        return {k: v for k, v in self.arguments.items() if not isinstance(v, dict)}

    @property
    def maps(self) -> dict[str, Any]:
        return {k: v for k, v in self.arguments.items() if isinstance(v, dict)}


@dataclass(frozen=True)
class GpuPoolsView:
    cloud: str
    provider_name: str
    provider_source: str
    provider_version: str
    module_dir: str
    region: str | None
    cluster: str
    modules: list[ModuleCall]


def gpu_scheduling(policy: Policy, pool: GpuPool) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Node selector and tolerations that put a pod on the pool's nodes (SPEC §4 promise 6).

    Pools carry the label ``cdeops.io/gpu-pool=<pool>`` and the taint ``nvidia.com/gpu``; AKS also
    taints spot nodes ``kubernetes.azure.com/scalesetpriority=spot``.
    """
    tolerations = [dict(_GPU_TOLERATION)]
    if pool.spot and policy.cluster.provider == "aks":
        tolerations.append(dict(_AKS_SPOT_TOLERATION))
    return {GPU_POOL_LABEL: normalise_name(pool.name)}, tolerations


def _cost_tags(policy: Policy, pool: GpuPool) -> dict[str, str]:
    return {
        "cdeops-org": policy.metadata.org,
        "cdeops-environment": policy.metadata.environment,
        "cdeops-cluster": normalise_name(policy.cluster.name),
        "cdeops-gpu-pool": normalise_name(pool.name),
        "managed-by": "cdeops",
    }


def _module(policy: Policy, pool: GpuPool) -> ModuleCall:
    from ..render.hcl import HclExpr

    name = normalise_name(pool.name)
    cloud = policy.cluster.provider
    tags = _cost_tags(policy, pool)
    args: dict[str, Any]
    if cloud == "eks":
        args = {
            "cluster_name": HclExpr("var.cluster_name"),
            "name": name,
            "node_role_arn": HclExpr("var.node_role_arn"),
            "subnet_ids": HclExpr("var.subnet_ids"),
            "instance_types": [pool.instance_type],
            "accelerator": pool.accelerator,
            "gpus_per_node": pool.gpus_per_node,
            "spot": pool.spot,
            "min_size": pool.min_nodes,
            "max_size": pool.max_nodes,
            "disk_size_gib": pool.disk_gb,
            "tags": tags,
        }
    elif cloud == "gke":
        args = {
            "project": HclExpr("var.project"),
            "location": HclExpr("var.location"),
            "cluster": HclExpr("var.cluster_name"),
            "name": name,
            "machine_type": pool.instance_type,
            "accelerator_type": pool.accelerator,
            "accelerator_count": pool.gpus_per_node,
            "service_account": HclExpr("var.node_service_account"),
            "spot": pool.spot,
            "min_nodes": pool.min_nodes,
            "max_nodes": pool.max_nodes,
            "disk_size_gb": pool.disk_gb,
            "resource_labels": {k: v.lower() for k, v in tags.items()},
        }
    else:
        args = {
            "kubernetes_cluster_id": HclExpr("var.kubernetes_cluster_id"),
            "name": name,
            "vm_size": pool.instance_type,
            "accelerator": pool.accelerator,
            "spot": pool.spot,
            "min_count": pool.min_nodes,
            "max_count": pool.max_nodes,
            "os_disk_size_gb": pool.disk_gb,
            "tags": tags,
        }
    return ModuleCall(name=name.replace("-", "_"), arguments=args)


def gpu_pools_view(policy: Policy) -> GpuPoolsView | None:
    """The root module, or None when there is nothing for Terraform (no managed pools, generic cluster)."""
    cloud = policy.cluster.provider
    managed = [p for p in policy.gpu_pools if p.provisioner == "managed"]
    if cloud == "generic" or not managed:
        return None
    provider_name, source, version, module_dir = PROVIDERS[cloud]
    return GpuPoolsView(
        cloud=cloud,
        provider_name=provider_name,
        provider_source=source,
        provider_version=version,
        module_dir=module_dir,
        region=policy.cluster.region,
        cluster=policy.cluster.name,
        modules=[_module(policy, p) for p in managed],
    )


def karpenter_objects(policy: Policy) -> list[dict[str, Any]]:
    """NodePool + EC2NodeClass per Karpenter pool. Disruption never consolidates busy model servers."""
    objects: list[dict[str, Any]] = []
    for pool in policy.gpu_pools:
        if pool.provisioner != "karpenter":
            continue
        name = normalise_name(pool.name)
        tags = _cost_tags(policy, pool)
        objects.append(
            {
                "apiVersion": "karpenter.k8s.aws/v1",
                "kind": "EC2NodeClass",
                "metadata": {"name": name, "labels": dict(MANAGED_LABELS)},
                "spec": {
                    "amiSelectorTerms": [{"alias": "al2023@latest"}],
                    "role": f"KarpenterNodeRole-{policy.cluster.name}",
                    "subnetSelectorTerms": [{"tags": {"karpenter.sh/discovery": policy.cluster.name}}],
                    "securityGroupSelectorTerms": [{"tags": {"karpenter.sh/discovery": policy.cluster.name}}],
                    "metadataOptions": {
                        "httpEndpoint": "enabled",
                        "httpTokens": "required",
                        "httpPutResponseHopLimit": 1,
                    },
                    "blockDeviceMappings": [
                        {
                            "deviceName": "/dev/xvda",
                            "ebs": {
                                "volumeSize": f"{pool.disk_gb}Gi",
                                "volumeType": "gp3",
                                "encrypted": True,
                                "deleteOnTermination": True,
                            },
                        }
                    ],
                    "tags": tags,
                },
            }
        )
        objects.append(
            {
                "apiVersion": "karpenter.sh/v1",
                "kind": "NodePool",
                "metadata": {"name": name, "labels": dict(MANAGED_LABELS)},
                "spec": {
                    "template": {
                        "metadata": {"labels": {GPU_POOL_LABEL: name, ACCELERATOR_LABEL: pool.accelerator}},
                        "spec": {
                            "nodeClassRef": {"group": "karpenter.k8s.aws", "kind": "EC2NodeClass", "name": name},
                            "requirements": [
                                {
                                    "key": "node.kubernetes.io/instance-type",
                                    "operator": "In",
                                    "values": [pool.instance_type],
                                },
                                {
                                    "key": "karpenter.sh/capacity-type",
                                    "operator": "In",
                                    "values": ["spot" if pool.spot else "on-demand"],
                                },
                                {"key": "kubernetes.io/arch", "operator": "In", "values": ["amd64"]},
                            ],
                            "taints": [{"key": "nvidia.com/gpu", "value": "present", "effect": "NoSchedule"}],
                            "expireAfter": "Never",
                        },
                    },
                    "limits": {"nvidia.com/gpu": str(pool.max_nodes * pool.gpus_per_node)},
                    "disruption": {
                        # only empty nodes are removed; drift and underuse never evict a loaded model
                        "consolidationPolicy": "WhenEmpty",
                        "consolidateAfter": "30m",
                        "budgets": [{"nodes": "1"}],
                    },
                },
            }
        )
    return objects
