"""vLLM engine (GPU): in-process AsyncLLM with LoRA, one LoRARequest per version.

Written against vLLM 0.33's in-process API. Pitfalls it avoids:
- an adapter is always added with `add_lora` (failure handled) before any
  request names it: a lazy load that fails inside a model step kills the engine;
- a version is removed only after its in-flight requests finished (the service
  drains before calling `unload_adapter`), and its directory is never deleted;
- every version gets a fresh integer id and its own immutable directory;
- `max_cpu_loras` is set above `max_loras` and nothing is pinned.
"""

from __future__ import annotations

import itertools
import logging
import uuid
from pathlib import Path
from typing import Any

from prefloop.inference.engines.base import BASE_VERSION, Completion
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.models import resolve_base_model
from prefloop.shared.prompts import render_prompt

log = logging.getLogger(__name__)


class VllmEngine:
    def __init__(self, engine: Any, tokenizer: Any, settings: InferenceSettings) -> None:
        self._engine = engine
        self._tokenizer = tokenizer
        self._settings = settings
        self._lora_requests: dict[str, Any] = {}
        self._ids = itertools.count(1)

    @classmethod
    def from_settings(cls, settings: InferenceSettings) -> VllmEngine:
        from vllm.engine.arg_utils import AsyncEngineArgs
        from vllm.v1.engine.async_llm import AsyncLLM

        args = AsyncEngineArgs(
            model=resolve_base_model(settings.base_model),
            dtype="auto",
            enable_lora=True,
            max_loras=2,
            max_cpu_loras=4,
            max_lora_rank=min(
                r for r in (8, 16, 32, 64, 128, 256, 320, 512) if r >= settings.max_adapter_rank
            ),
            gpu_memory_utilization=0.85,
        )
        engine = AsyncLLM.from_engine_args(args)
        return cls(engine, engine.get_tokenizer(), settings)

    def render_prompt(self, idea: str) -> str:
        return render_prompt(self._tokenizer, idea)

    async def generate(self, prompt: str, n: int, version: str) -> list[Completion]:
        from vllm import SamplingParams
        from vllm.sampling_params import RequestOutputKind

        lora = None
        if version != BASE_VERSION:
            lora = self._lora_requests[version]  # KeyError: never let vLLM load lazily
        params = SamplingParams(
            n=n,
            temperature=self._settings.temperature,
            top_p=self._settings.top_p,
            max_tokens=self._settings.max_new_tokens,
            output_kind=RequestOutputKind.FINAL_ONLY,
        )
        final = None
        async for output in self._engine.generate(prompt, params, str(uuid.uuid4()), lora_request=lora):
            final = output
        if final is None:
            return []
        return [
            Completion(text=c.text, finished=c.finish_reason == "stop")
            for c in sorted(final.outputs, key=lambda c: c.index)
        ]

    async def load_adapter(self, version: str, path: Path) -> None:
        from vllm.lora.request import LoRARequest

        if version in self._lora_requests:
            return
        request = LoRARequest(f"prefloop-{version}", next(self._ids), str(path))
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

    async def close(self) -> None:
        self._engine.shutdown()
