"""Offline reachability evaluation of rendered NetworkPolicies and Cilium policies.

Give it the rendered Kubernetes objects (dicts) and a ``Topology`` of things to probe; it answers,
per source and destination port, whether traffic passes and which rule (or default) decided it.
``assert_workspace_guarantees`` turns the egress promise into ``Finding``s; ``describe`` prints a
reachability result for people.
"""

from __future__ import annotations

from cdeops.netcheck.describe import describe
from cdeops.netcheck.errors import NetcheckError
from cdeops.netcheck.evaluate import PolicySet, connection, ingress_decision, reachability
from cdeops.netcheck.guarantees import assert_workspace_guarantees
from cdeops.netcheck.model import (
    Decision,
    DestinationVerdict,
    Endpoint,
    External,
    Port,
    PortVerdict,
    Reachability,
    Role,
    Topology,
)
from cdeops.netcheck.topology import WORLD_SAMPLE_IP, standard_topology

__all__ = [
    "WORLD_SAMPLE_IP",
    "Decision",
    "DestinationVerdict",
    "Endpoint",
    "External",
    "NetcheckError",
    "PolicySet",
    "Port",
    "PortVerdict",
    "Reachability",
    "Role",
    "Topology",
    "assert_workspace_guarantees",
    "connection",
    "describe",
    "ingress_decision",
    "reachability",
    "standard_topology",
]
