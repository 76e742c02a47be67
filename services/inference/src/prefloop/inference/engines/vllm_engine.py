"""vLLM engine (GPU): in-process AsyncLLM with LoRA, one LoRARequest per version.

Written against vLLM 0.33's in-process API. Pitfalls it avoids:
- an adapter is always added with `add_lora` (failure handled) before any
  request names it: a lazy load that fails inside a model step kills the engine;
- a version is removed only after its in-flight requests finished (the service
  drains before calling `unload_adapter`), and its directory is never deleted;
- every version gets a fresh integer id and its own immutable directory;
- `max_cpu_loras` is set above `max_loras` and nothing is pinned;
- a request whose caller goes away is aborted, so it stops taking GPU time.

vLLM is imported only when the engine is built from settings; tests pass an
engine with AsyncLLM's call shapes and the two vLLM types it needs (`VllmApi`).
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from prefloop.inference.engines.base import BASE_VERSION, Completion, EngineFailed
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.models import resolve_base_model
from prefloop.shared.prompts import render_prompt

log = logging.getLogger(__name__)

LORA_RANKS = (8, 16, 32, 64, 128, 256, 320, 512)  # the ranks vLLM accepts for max_lora_rank


@dataclass(frozen=True)
class VllmApi:
    """The vLLM types the engine builds requests with."""

    sampling_params: Callable[..., Any]
    lora_request: Callable[[str, int, str], Any]
    final_only: Any  # RequestOutputKind.FINAL_ONLY: one output holding all n completions


def vllm_api() -> VllmApi:
    from vllm import SamplingParams
    from vllm.lora.request import LoRARequest
    from vllm.sampling_params import RequestOutputKind

    return VllmApi(SamplingParams, LoRARequest, RequestOutputKind.FINAL_ONLY)


def engine_args(settings: InferenceSettings) -> dict[str, Any]:
    """AsyncEngineArgs for the settings (a plain dict, so it can be checked without vLLM)."""
    return {
        "model": resolve_base_model(settings.base_model),
        "dtype": "auto",
        "enable_lora": True,
        "max_loras": settings.vllm_max_loras,
        "max_cpu_loras": settings.vllm_max_cpu_loras,
        "max_lora_rank": min(r for r in LORA_RANKS if r >= settings.max_adapter_rank),
        "gpu_memory_utilization": settings.vllm_gpu_memory_utilization,
    }


class VllmEngine:
    def __init__(self, engine: Any, tokenizer: Any, settings: InferenceSettings, api: VllmApi) -> None:
        self._engine = engine
        self._tokenizer = tokenizer
        self._settings = settings
        self._api = api
        self._lora_requests: dict[str, Any] = {}
        self._ids = itertools.count(1)

    @classmethod
    def from_settings(cls, settings: InferenceSettings) -> VllmEngine:
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.v1.engine.async_llm import AsyncLLM

        engine = AsyncLLM.from_engine_args(AsyncEngineArgs(**engine_args(settings)))
        return cls(engine, engine.get_tokenizer(), settings, vllm_api())

    def render_prompt(self, idea: str) -> str:
        return render_prompt(self._tokenizer, idea)

    async def generate(self, prompt: str, n: int, version: str) -> list[Completion]:
        lora = None
        if version != BASE_VERSION:
            lora = self._lora_requests[version]  # KeyError: never let vLLM load lazily
        params = self._api.sampling_params(
            n=n,
            temperature=self._settings.temperature,
            top_p=self._settings.top_p,
            max_tokens=self._settings.max_new_tokens,
            output_kind=self._api.final_only,
        )
        request_id = str(uuid.uuid4())
        final = None
        try:
            async for output in self._engine.generate(prompt, params, request_id, lora_request=lora):
                final = output
        except asyncio.CancelledError:
            await self._engine.abort(request_id)  # the caller went away: free the GPU
            raise
        except Exception as exc:  # EngineGenerateError, EngineDeadError
            raise EngineFailed(f"vLLM failed request {request_id}: {type(exc).__name__}: {exc}") from exc
        if final is None:
            return []
        return [
            Completion(text=c.text, finished=c.finish_reason == "stop")
            for c in sorted(final.outputs, key=lambda c: c.index)
        ]

    async def load_adapter(self, version: str, path: Path) -> None:
        if version in self._lora_requests:
            return
        request = self._api.lora_request(f"prefloop-{version}", next(self._ids), str(path))
        try:
            added = await self._engine.add_lora(request)
        except Exception as exc:  # vLLM reports a failed add as an exception
            raise RuntimeError(f"vLLM refused adapter {version!r}: {exc}") from exc
        if not added:
            raise RuntimeError(f"vLLM did not add adapter {version!r}")
        self._lora_requests[version] = request

    async def unload_adapter(self, version: str) -> None:
        request = self._lora_requests.pop(version, None)
        if request is not None:
            await self._engine.remove_lora(request.lora_int_id)

    def describe(self) -> dict[str, Any]:
        return {"engine": "vllm", "device": "cuda"}

    async def close(self) -> None:
        self._engine.shutdown()
