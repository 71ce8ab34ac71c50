"""``helm/llm-stack-values.yaml``: values of the ``cdeops-llm-stack`` chart (gateway + vLLM inference).

The gateway config inside the values is the file the gateway stage renders, so the ConfigMap the
chart creates holds exactly ``gateway/litellm/config.yaml`` (or ``gateway/portkey/config.json``).
"""

from __future__ import annotations

from ..errors import RenderError
from ..render.documents import HEADER, dump_yaml
from ..views.helm_values import GatewayConfigFile, helm_values, values_schema_errors
from . import gateway
from .context import RenderContext

__all__ = ["VALUES_FILE", "VALUES_NOTE", "files", "gateway_config_file"]

VALUES_FILE = "helm/llm-stack-values.yaml"

VALUES_NOTE = """\
# Values for the cdeops-llm-stack chart (helm/cdeops-llm-stack in the cdeops repository):
#   kubectl apply -f kubernetes/gateway.yaml -f kubernetes/inference.yaml   # first: namespaces + policies
#   helm upgrade --install llm-stack <chart> -f helm/llm-stack-values.yaml
# Namespaces and NetworkPolicies are NOT rendered by the chart (global.createNamespaces: false,
# networkPolicies.enabled: false): kubernetes/gateway.yaml and kubernetes/inference.yaml define them
# and are the one authoritative set. NetworkPolicies add up, so enabling the chart's policies as
# well would widen what the gateway and the model servers may reach.
# Keys come from Vault at runtime (gateway.secretFromVault holds Vault paths, never values).
"""


def gateway_config_file(ctx: RenderContext) -> GatewayConfigFile:
    """The gateway config exactly as the gateway stage renders it."""
    rendered = gateway.files(ctx)
    path = gateway.LITELLM_CONFIG if ctx.policy.gateway.engine == "litellm" else gateway.PORTKEY_CONFIG
    if path not in rendered:
        raise RenderError(f"the gateway stage rendered no {path}; this is a cdeops bug")
    return GatewayConfigFile(path, rendered[path].decode("utf-8"))


def files(ctx: RenderContext) -> dict[str, bytes]:
    values = helm_values(ctx.policy, gateway_config_file(ctx))
    problems = values_schema_errors(values)
    if problems:  # never hand Helm values it would reject
        raise RenderError(
            f"{VALUES_FILE} would not meet the chart's values.schema.json: " + "; ".join(problems[:5]),
            hint="this is a cdeops bug: the policy validated but its Helm values do not",
        )
    text = dump_yaml(values, header=False)
    return {VALUES_FILE: (HEADER + VALUES_NOTE + text).encode()}
