"""Hugging Face transformers + PEFT engine (CPU or GPU).

Every model operation runs on one worker thread, loading included: generation,
adapter load and unload never overlap, so an adapter can be added or removed
between two generate calls without locks inside the model. One thread also
matters for speed: once a second thread has run torch work, each has its own
OpenMP pool, more pool threads than cores, and CPU generation runs about 1.7x
slower (measured; as slow as OMP_WAIT_POLICY=PASSIVE, so the pools stop
spin-waiting). A batch may mix versions, so versions are served side by side;
`weights.py` says how their weights are held (PEFT adapters on one model, or
int8 models with the adapter merged), and on a CPU `cpu_paths.py` chooses
which of fp32, bf16 and int8 serves by measuring them.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from prefloop.inference.engines.base import Completion
from prefloop.inference.engines.batcher import Job, RequestBatcher
from prefloop.inference.engines.cpu_paths import (
    PathCache,
    PathChoice,
    build_weights,
    choose_path,
    machine_key,
)
from prefloop.inference.engines.weights import ServedWeights, SharedBaseAdapters
from prefloop.inference.metrics import BATCH_ROWS, ENGINE_PATH, GENERATED_TOKENS, GENERATION_SECONDS
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.models import resolve_base_model
from prefloop.shared.models.provision import default_cache_dir
from prefloop.shared.models.quiet import quiet_progress_bars
from prefloop.shared.prompts import render_prompt
from prefloop.shared.titles import TitleSampling
from prefloop.shared.titles.decoding import sample_new_tokens

log = logging.getLogger(__name__)


def model_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")


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
        cpu_path: str | None = None,
        worker: ThreadPoolExecutor | None = None,
        path_choice: PathChoice | None = None,
    ) -> None:
        """`cpu_path`: fp32, bf16 or int8 weights built from the fp32 `model`;
        None serves `model` as given (on a GPU, in bf16)."""
        self._worker = worker or model_thread()

        def hold_weights() -> ServedWeights:
            return build_weights(cpu_path, model) if cpu_path else SharedBaseAdapters(model)

        self._weights = self._worker.submit(hold_weights).result()
        self._path = path_choice.describe() if path_choice else {"cpu_path": cpu_path}
        self._path |= {"engine": "transformers", "device": str(model.device)}
        self._tokenizer = tokenizer
        self._tokenizer.padding_side = "left"
        if self._tokenizer.pad_token is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token
        self._sampling = TitleSampling(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p)
        self._batcher: RequestBatcher[list[Completion]] = RequestBatcher(
            self._run_batch, max_rows=max_batch_rows, wait_s=batch_wait_s
        )

    @classmethod
    def from_settings(cls, settings: InferenceSettings) -> TransformersEngine:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        quiet_progress_bars()
        path = resolve_base_model(settings.base_model)
        device = settings.device
        if device == "auto":
            device = "cuda" if torch.cuda.is_available() else "cpu"
        dtype = torch.bfloat16 if device == "cuda" else torch.float32

        def load() -> Any:
            if settings.torch_threads:
                torch.set_num_threads(settings.torch_threads)
            return AutoModelForCausalLM.from_pretrained(path, dtype=dtype).to(device).eval()

        worker = model_thread()
        model = worker.submit(load).result()
        tokenizer = AutoTokenizer.from_pretrained(path)
        choice = None
        if device == "cpu":
            threads = worker.submit(torch.get_num_threads).result()  # the model thread's own pool
            key = machine_key(threads, settings.base_model)
            cache = PathCache(default_cache_dir() / "cpu-paths.json")
            render = functools.partial(render_prompt, tokenizer)
            choice = worker.submit(
                choose_path, settings.cpu_weights, model, tokenizer, render, cache, key
            ).result()
            ENGINE_PATH.info({"cpu_path": choice.path, "reason": choice.reason})
        log.info(
            "loaded base model %s on %s%s",
            settings.base_model,
            device,
            f" ({choice.path} weights, {choice.reason})" if choice else "",
        )
        return cls(
            model,
            tokenizer,
            settings.max_new_tokens,
            settings.temperature,
            settings.top_p,
            max_batch_rows=settings.max_batch_rows,
            batch_wait_s=settings.batch_wait_ms / 1000,
            cpu_path=choice.path if choice else None,
            worker=worker,
            path_choice=choice,
        )

    def describe(self) -> dict[str, Any]:
        """Which weights serve (the CPU path and what it was chosen on), for `GET /v1/models`."""
        return dict(self._path)

    def render_prompt(self, idea: str) -> str:
        return render_prompt(self._tokenizer, idea)

    async def run_on_model_thread(self, fn: Any, *args: Any) -> Any:
        """Run `fn(*args)` on the thread that owns the model (benchmarks run their baselines here)."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, fn, *args)

    async def generate(self, prompt: str, n: int, version: str) -> list[Completion]:
        return await self._batcher.submit(prompt, n, version)

    async def _run_batch(
        self, jobs: Sequence[Job[list[Completion]]]
    ) -> list[list[Completion] | BaseException]:
        # A request naming an adapter that is not loaded fails alone.
        results: list[list[Completion] | BaseException] = [
            KeyError(f"adapter {j.version!r} is not loaded") if not self._weights.has(j.version) else []
            for j in jobs
        ]
        runnable = [i for i, r in enumerate(results) if not isinstance(r, BaseException)]
        if runnable:
            rows = [(jobs[i].prompt, jobs[i].version) for i in runnable for _ in range(jobs[i].n)]
            completions: list[Completion] = await self.run_on_model_thread(self._generate_rows, rows)
            offset = 0
            for i in runnable:
                results[i] = completions[offset : offset + jobs[i].n]
                offset += jobs[i].n
        return results

    def _generate_rows(self, rows: list[tuple[str, str]]) -> list[Completion]:
        """Every row's completion; each row names its prompt and version."""
        completions: list[Completion | None] = [None] * len(rows)
        started = time.perf_counter()
        for call in self._weights.calls([version for _, version in rows]):
            prompts = [rows[i][0] for i in call.rows]
            for i, completion in zip(call.rows, self._sample(call.model, prompts, call.kwargs), strict=True):
                completions[i] = completion
        GENERATION_SECONDS.observe(time.perf_counter() - started)
        BATCH_ROWS.observe(len(rows))
        return [c for c in completions if c is not None]

    def _sample(self, model: Any, prompts: list[str], kwargs: dict[str, Any]) -> list[Completion]:
        import torch

        batch = self._tokenizer(prompts, return_tensors="pt", padding=True).to(model.device)
        eos = self._tokenizer.eos_token_id
        with torch.inference_mode():
            new_tokens = sample_new_tokens(
                model,
                batch["input_ids"],
                batch["attention_mask"],
                self._sampling,
                eos_token_id=eos,
                pad_token_id=self._tokenizer.pad_token_id,
                **kwargs,
            )
        GENERATED_TOKENS.inc(int((new_tokens != self._tokenizer.pad_token_id).sum()))
        return [
            Completion(
                text=self._tokenizer.decode(row, skip_special_tokens=True),
                finished=bool((row == eos).any()),
            )
            for row in new_tokens
        ]

    async def load_adapter(self, version: str, path: Path) -> None:
        await self.run_on_model_thread(self._weights.load, version, path)

    async def unload_adapter(self, version: str) -> None:
        await self.run_on_model_thread(self._weights.unload, version)

    async def close(self) -> None:
        await self._batcher.close()
        self._worker.shutdown(wait=True)
