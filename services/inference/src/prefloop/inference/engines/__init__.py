"""Generation engines behind one interface; vLLM is imported only when chosen."""

from __future__ import annotations

from prefloop.inference.engines.base import BASE_VERSION, Completion, Engine, EngineFailed
from prefloop.inference.settings import InferenceSettings


def create_engine(settings: InferenceSettings) -> Engine:
    """Build the configured engine (loads the model: call off the hot path)."""
    if settings.engine == "vllm":
        from prefloop.inference.engines.vllm_engine import VllmEngine

        return VllmEngine.from_settings(settings)
    from prefloop.inference.engines.transformers_engine import TransformersEngine

    return TransformersEngine.from_settings(settings)


__all__ = ["BASE_VERSION", "Completion", "Engine", "EngineFailed", "create_engine"]
