"""Hugging Face transformers + PEFT engine (CPU or GPU).

Every model operation runs on one model thread (`model_thread.py`). A batch
may mix versions, so versions are served side by side;
`weights.py` says how their weights are held (PEFT adapters on one model, or
int8 models with the adapter merged), and on a CPU `cpu_paths.py` chooses
which of fp32, bf16 and int8 serves by measuring them.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from prefloop.inference.engines.base import Completion
from prefloop.inference.engines.cpu_paths import (
    PathCache,
    PathChoice,
    build_weights,
    choose_path,
    machine_key,
)
from prefloop.inference.engines.model_thread import CompletionsJob, ModelThreadEngine, model_thread
from prefloop.inference.engines.weights import ServedWeights, SharedBaseAdapters
from prefloop.inference.metrics import ENGINE_PATH, GENERATED_TOKENS
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.models import resolve_base_model
from prefloop.shared.models.provision import default_cache_dir
from prefloop.shared.models.quiet import quiet_progress_bars
from prefloop.shared.prompts import render_prompt
from prefloop.shared.titles import TitleSampling
from prefloop.shared.titles.decoding import sample_new_tokens

log = logging.getLogger(__name__)


class TransformersEngine(ModelThreadEngine):
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
        super().__init__(tokenizer, max_batch_rows, batch_wait_s, worker)

        def hold_weights() -> ServedWeights:
            return build_weights(cpu_path, model) if cpu_path else SharedBaseAdapters(model)

        self._weights = self._worker.submit(hold_weights).result()
        self._path = path_choice.describe() if path_choice else {"cpu_path": cpu_path}
        self._path |= {"engine": "transformers", "device": str(model.device)}
        self._tokenizer.padding_side = "left"
        if self._tokenizer.pad_token is None:
            self._tokenizer.pad_token = self._tokenizer.eos_token
        self._sampling = TitleSampling(max_new_tokens=max_new_tokens, temperature=temperature, top_p=top_p)

    @classmethod
    def from_settings(cls, settings: InferenceSettings) -> TransformersEngine:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        quiet_progress_bars()
        path = resolve_base_model(settings.base_model)
        device = settings.resolved_device()
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

    def _has(self, version: str) -> bool:
        return self._weights.has(version)

    def _generate_jobs(self, jobs: Sequence[CompletionsJob]) -> list[list[Completion]]:
        """Every row's completion, row by row; each weights call serves its rows' versions."""
        rows = [(job.prompt, job.version) for job in jobs for _ in range(job.n)]
        completions: list[Completion | None] = [None] * len(rows)
        for call in self._weights.calls([version for _, version in rows]):
            prompts = [rows[i][0] for i in call.rows]
            for i, completion in zip(call.rows, self._sample(call.model, prompts, call.kwargs), strict=True):
                completions[i] = completion
        in_order = iter(c for c in completions if c is not None)
        return [[next(in_order) for _ in range(job.n)] for job in jobs]

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

    def _release(self) -> None:
        """Nothing to free by hand: the weights go with the engine."""
