"""``kubernetes/gateway.yaml``, ``kubernetes/inference.yaml`` and ``checks/egress-topology.json``.

The gateway and inference namespaces with their network policies (``views.platform_policies``),
and the topology the egress check (``cdeops.netcheck.tree``) probes the rendered policies with. The
topology lives outside ``kubernetes/`` so that folder stays appliable with ``kubectl apply -R -f``.
"""

from __future__ import annotations

from ..netcheck.tree import TOPOLOGY_FILE, topology_document
from ..render.documents import dump_json, dump_yaml_stream
from ..views.platform_policies import gateway_namespace_objects, inference_namespace_objects
from .context import RenderContext

__all__ = ["files"]


def files(ctx: RenderContext) -> dict[str, bytes]:
    policy = ctx.policy
    out = {
        "kubernetes/gateway.yaml": dump_yaml_stream(gateway_namespace_objects(policy)).encode(),
        TOPOLOGY_FILE: dump_json(topology_document(policy)).encode(),
    }
    inference = inference_namespace_objects(policy)
    if inference:
        out["kubernetes/inference.yaml"] = dump_yaml_stream(inference).encode()
    return out
