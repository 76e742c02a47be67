"""Hugging Face transformers + PEFT engine (CPU or GPU).

Every model operation runs on one worker thread: generation, adapter load and
unload never overlap, so an adapter can be added or removed between two
generate calls without locks inside the model. Each row of a batch names its
adapter (PEFT mixed-adapter batches), so versions can be served side by side.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from prefloop.inference.engines.base import BASE_VERSION, Completion
from prefloop.inference.engines.batcher import Job, RequestBatcher
from prefloop.inference.metrics import BATCH_ROWS, GENERATED_TOKENS, GENERATION_SECONDS
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.models import resolve_base_model
from prefloop.shared.models.quiet import quiet_progress_bars
from prefloop.shared.prompts import render_prompt

log = logging.getLogger(__name__)

_PEFT_BASE = "__base__"


class TransformersEngine:
    def __init__(
        self,
        model: Any,
        tokenizer: Any,
        max_new_tokens: int,
        temperature: float,
        top_p: float,
        max_batch_rows: int = 32,
        batch_wait_s: float = 0.005,
    ) -> None:
        self._model = model
        self._tokenizer = tokenizer
        self._tokenizer.padding_side = "left"
        if self._tokenizer.pad_token is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token
        self._max_new_tokens = max_new_tokens
        self._temperature = temperature
        self._top_p = top_p
        self._adapters: set[str] = set()
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")
        self._batcher: RequestBatcher[list[Completion]] = RequestBatcher(
            self._run_batch, max_rows=max_batch_rows, wait_s=batch_wait_s
        )

    @classmethod
    def from_settings(cls, settings: InferenceSettings) -> TransformersEngine:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        quiet_progress_bars()
        if settings.torch_threads:
            torch.set_num_threads(settings.torch_threads)
        path = resolve_base_model(settings.base_model)
        device = settings.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if device == "cuda" else torch.float32
        model = AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(device).eval()
        tokenizer = AutoTokenizer.from_pretrained(path)
        log.info("loaded base model %s on %s", settings.base_model, device)
        return cls(
            model,
            tokenizer,
            settings.max_new_tokens,
            settings.temperature,
            settings.top_p,
            max_batch_rows=settings.max_batch_rows,
            batch_wait_s=settings.batch_wait_ms / 1000,
        )

    def render_prompt(self, idea: str) -> str:
        return render_prompt(self._tokenizer, idea)

    async def _run(self, fn: Any, *args: Any) -> Any:
        return await asyncio.get_running_loop().run_in_executor(self._worker, fn, *args)

    async def generate(self, prompt: str, n: int, version: str) -> list[Completion]:
        return await self._batcher.submit(prompt, n, version)

    async def _run_batch(
        self, jobs: Sequence[Job[list[Completion]]]
    ) -> list[list[Completion] | BaseException]:
        # A request naming an adapter that is not loaded fails alone.
        results: list[list[Completion] | BaseException] = [
            KeyError(f"adapter {j.version!r} is not loaded")
            if j.version != BASE_VERSION and j.version not in self._adapters
            else []
            for j in jobs
        ]
        runnable = [i for i, r in enumerate(results) if not isinstance(r, BaseException)]
        if runnable:
            rows = [(jobs[i].prompt, jobs[i].version) for i in runnable for _ in range(jobs[i].n)]
            completions: list[Completion] = await self._run(self._generate_rows, rows)
            offset = 0
            for i in runnable:
                results[i] = completions[offset : offset + jobs[i].n]
                offset += jobs[i].n
        return results

    def _generate_rows(self, rows: list[tuple[str, str]]) -> list[Completion]:
        """One model call for every row; each row names its prompt and version."""
        import torch

        batch = self._tokenizer([prompt for prompt, _ in rows], return_tensors="pt", padding=True)
        batch = batch.to(self._model.device)
        kwargs: dict[str, Any] = {}
        if self._adapters:  # the model is a PeftModel: name the adapter of every row
            kwargs["adapter_names"] = [_PEFT_BASE if v == BASE_VERSION else v for _, v in rows]
        started = time.perf_counter()
        with torch.inference_mode():
            output = self._model.generate(
                **batch,
                do_sample=True,
                temperature=self._temperature,
                top_p=self._top_p,
                max_new_tokens=self._max_new_tokens,
                pad_token_id=self._tokenizer.pad_token_id,
                **kwargs,
            )
        new_tokens = output[:, batch["input_ids"].shape[1] :]
        eos = self._tokenizer.eos_token_id
        GENERATION_SECONDS.observe(time.perf_counter() - started)
        BATCH_ROWS.observe(len(rows))
        GENERATED_TOKENS.inc(int((new_tokens != self._tokenizer.pad_token_id).sum()))
        return [
            Completion(
                text=self._tokenizer.decode(row, skip_special_tokens=True),
                finished=bool((row == eos).any()),
            )
            for row in new_tokens
        ]

    async def load_adapter(self, version: str, path: Path) -> None:
        await self._run(self._load_sync, version, path)

    def _load_sync(self, version: str, path: Path) -> None:
        from peft import PeftModel

        if version in self._adapters:
            return
        if not self._adapters and not isinstance(self._model, PeftModel):
            self._model = PeftModel.from_pretrained(self._model, str(path), adapter_name=version)
        else:
            self._model.load_adapter(str(path), adapter_name=version)
        self._model.eval()
        self._adapters.add(version)

    async def unload_adapter(self, version: str) -> None:
        await self._run(self._unload_sync, version)

    def _unload_sync(self, version: str) -> None:
        if version in self._adapters and len(self._adapters) > 1:
            self._model.delete_adapter(version)
            self._adapters.discard(version)
        # The last adapter stays in memory: PEFT cannot delete a model's only
        # adapter, and base rows are served with adapters bypassed anyway.

    async def close(self) -> None:
        await self._batcher.close()
        self._worker.shutdown(wait=True)
