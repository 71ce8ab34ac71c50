"""The policy file: models, safe loading, cross-field rules."""

from .document import API_VERSION, Policy
from .loader import LoadedPolicy, load_policy, load_policy_text

__all__ = ["API_VERSION", "LoadedPolicy", "Policy", "load_policy", "load_policy_text"]
