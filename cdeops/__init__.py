"""cdeops: one reviewed policy file → governed, LLM-enabled Coder workspaces on Kubernetes."""

__version__ = "0.1.0"

__all__ = ["__version__"]
