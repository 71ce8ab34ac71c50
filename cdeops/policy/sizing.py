"""Will a self-hosted model fit its GPUs? Weights + KV cache + headroom against usable GPU memory."""

from __future__ import annotations

from dataclasses import dataclass

from .llm import Architecture, GpuPool, Inference

__all__ = ["KNOWN_ARCHITECTURES", "Fit", "architecture_of", "estimate_fit"]

# Shapes of the model families cdeops knows (Hugging Face ids, compared case-insensitively).
KNOWN_ARCHITECTURES: dict[str, Architecture] = {
    "meta-llama/llama-3.2-1b-instruct": Architecture(
        params_b=1.24, layers=16, attention_heads=32, kv_heads=8, head_dim=64
    ),
    "meta-llama/llama-3.2-3b-instruct": Architecture(
        params_b=3.21, layers=28, attention_heads=24, kv_heads=8, head_dim=128
    ),
    "meta-llama/llama-3.1-8b-instruct": Architecture(
        params_b=8.03, layers=32, attention_heads=32, kv_heads=8, head_dim=128
    ),
    "meta-llama/meta-llama-3.1-8b-instruct": Architecture(
        params_b=8.03, layers=32, attention_heads=32, kv_heads=8, head_dim=128
    ),
    "meta-llama/llama-3.1-70b-instruct": Architecture(
        params_b=70.6, layers=80, attention_heads=64, kv_heads=8, head_dim=128
    ),
    "meta-llama/llama-3.3-70b-instruct": Architecture(
        params_b=70.6, layers=80, attention_heads=64, kv_heads=8, head_dim=128
    ),
    "meta-llama/llama-3.1-405b-instruct": Architecture(
        params_b=405.9, layers=126, attention_heads=128, kv_heads=8, head_dim=128
    ),
    "mistralai/mistral-7b-instruct-v0.3": Architecture(
        params_b=7.25, layers=32, attention_heads=32, kv_heads=8, head_dim=128
    ),
    "mistralai/mistral-nemo-instruct-2407": Architecture(
        params_b=12.2, layers=40, attention_heads=32, kv_heads=8, head_dim=128
    ),
    "mistralai/mistral-small-24b-instruct-2501": Architecture(
        params_b=23.6, layers=40, attention_heads=32, kv_heads=8, head_dim=128
    ),
    "mistralai/mixtral-8x7b-instruct-v0.1": Architecture(
        params_b=46.7, layers=32, attention_heads=32, kv_heads=8, head_dim=128
    ),
    "mistralai/mixtral-8x22b-instruct-v0.1": Architecture(
        params_b=140.6, layers=56, attention_heads=48, kv_heads=8, head_dim=128
    ),
}

_WEIGHT_BYTES = {"bfloat16": 2.0, "float16": 2.0, "fp8": 1.0, "awq": 0.55, "gptq": 0.55}
_KV_BYTES = 2.0  # vLLM keeps the KV cache in 16-bit unless told otherwise
_OVERHEAD_GB_PER_GPU = 1.5  # CUDA context, activations, CUDA graphs


@dataclass(frozen=True)
class Fit:
    weights_gb: float
    kv_cache_gb: float
    overhead_gb: float
    required_gb: float
    usable_gb: float

    @property
    def fits(self) -> bool:
        return self.required_gb <= self.usable_gb

    def explain(self) -> str:
        return (
            f"needs {self.required_gb:.1f} GB (weights {self.weights_gb:.1f} + KV cache {self.kv_cache_gb:.1f}"
            f" + overhead {self.overhead_gb:.1f}) but {self.usable_gb:.1f} GB is usable"
        )


def architecture_of(inference: Inference) -> Architecture | None:
    return inference.architecture or KNOWN_ARCHITECTURES.get(inference.model.lower())


def estimate_fit(inference: Inference, pool: GpuPool, arch: Architecture) -> Fit:
    """Memory one replica needs at ``max_model_len`` versus what vLLM may use on its GPUs."""
    gpus = inference.gpus_per_replica
    weights = arch.params_b * _WEIGHT_BYTES[inference.dtype]
    kv_per_token = 2 * arch.layers * arch.kv_heads * arch.head_dim * _KV_BYTES
    kv = kv_per_token * inference.max_model_len / 1e9
    overhead = _OVERHEAD_GB_PER_GPU * gpus
    usable = gpus * pool.gpu_memory_gb * inference.gpu_memory_utilization
    return Fit(weights, kv, overhead, weights + kv + overhead, usable)
