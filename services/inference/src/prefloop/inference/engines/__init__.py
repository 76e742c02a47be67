"""Generation engines behind one interface; vLLM and llama.cpp are imported only when chosen."""

from __future__ import annotations

import importlib.util
import logging

from prefloop.inference.engines.base import BASE_VERSION, Completion, Engine, EngineFailed
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.models import DEFAULT_BASE_MODEL

log = logging.getLogger(__name__)


def chosen_engine(settings: InferenceSettings) -> str:
    """The engine `auto` means here: llama.cpp on a CPU when it is installed and
    the base model has a GGUF (docs/performance.md: several times faster than
    any torch path there), else transformers."""
    if settings.engine != "auto":
        return settings.engine
    has_gguf = settings.gguf_file is not None or settings.base_model == DEFAULT_BASE_MODEL
    if not (
        has_gguf and settings.resolved_device() == "cpu" and importlib.util.find_spec("llama_cpp") is not None
    ):
        return "transformers"
    from prefloop.inference.engines.llama_cpp_model import missing_instructions

    missing = missing_instructions()
    if missing:
        log.warning("llama.cpp was built for %s, which this CPU lacks: serving with transformers", missing)
        return "transformers"
    return "llama.cpp"


def create_engine(settings: InferenceSettings) -> Engine:
    """Build the configured engine (loads the model: call off the hot path)."""
    engine = chosen_engine(settings)
    if engine == "vllm":
        from prefloop.inference.engines.vllm_engine import VllmEngine

        return VllmEngine.from_settings(settings)
    if engine == "llama.cpp":
        from prefloop.inference.engines.llama_cpp_engine import LlamaCppEngine

        return LlamaCppEngine.from_settings(settings)
    from prefloop.inference.engines.transformers_engine import TransformersEngine

    return TransformersEngine.from_settings(settings)


__all__ = ["BASE_VERSION", "Completion", "Engine", "EngineFailed", "chosen_engine", "create_engine"]
