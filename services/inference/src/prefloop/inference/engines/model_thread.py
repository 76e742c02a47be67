"""What the in-process engines (transformers, llama.cpp) share: one thread that
owns the model, the request batcher in front of it, and the served prompt.

Every model operation runs on that one thread, loading included: generation,
adapter load and unload never overlap, so an adapter can be added or removed
between two generate calls without locks inside the model. One thread also
matters for speed: once a second thread has run torch work, each has its own
OpenMP pool, more pool threads than cores, and CPU generation runs about 1.7x
slower (measured; as slow as OMP_WAIT_POLICY=PASSIVE, so the pools stop
spin-waiting).
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from prefloop.inference.engines.base import Completion
from prefloop.inference.engines.batcher import Job, RequestBatcher
from prefloop.inference.metrics import BATCH_ROWS, GENERATION_SECONDS
from prefloop.shared.prompts import render_prompt

CompletionsJob = Job[list[Completion]]


def model_thread() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=1, thread_name_prefix="model")


class ModelThreadEngine(ABC):
    def __init__(
        self,
        tokenizer: Any,
        max_batch_rows: int,
        batch_wait_s: float,
        worker: ThreadPoolExecutor | None = None,
    ) -> None:
        self._worker = worker or model_thread()
        self._tokenizer = tokenizer
        self._batcher: RequestBatcher[list[Completion]] = RequestBatcher(
            self._run_batch, max_rows=max_batch_rows, wait_s=batch_wait_s
        )

    @abstractmethod
    def _has(self, version: str) -> bool:
        """Whether `version` can be served now ("base" or a loaded adapter)."""

    @abstractmethod
    def _generate_jobs(self, jobs: Sequence[CompletionsJob]) -> list[list[Completion]]:
        """Each job's n completions; runs on the model thread, every version loaded."""

    @abstractmethod
    async def load_adapter(self, version: str, path: Path) -> None:
        """Load a validated adapter; raises on failure and leaves serving untouched."""

    @abstractmethod
    async def unload_adapter(self, version: str) -> None: ...

    @abstractmethod
    def describe(self) -> dict[str, Any]:
        """How it generates, for `GET /v1/models`."""

    @abstractmethod
    def _release(self) -> None:
        """Free what the model holds, on the model thread, before it stops."""

    def render_prompt(self, idea: str) -> str:
        return render_prompt(self._tokenizer, idea)

    async def run_on_model_thread(self, fn: Any, *args: Any) -> Any:
        """Run `fn(*args)` on the thread that owns the model (benchmarks run their baselines here)."""
        return await asyncio.get_running_loop().run_in_executor(self._worker, fn, *args)

    async def generate(self, prompt: str, n: int, version: str) -> list[Completion]:
        return await self._batcher.submit(prompt, n, version)

    async def _run_batch(self, jobs: Sequence[CompletionsJob]) -> list[list[Completion] | BaseException]:
        # A request naming an adapter that is not loaded fails alone.
        results: list[list[Completion] | BaseException] = [
            KeyError(f"adapter {j.version!r} is not loaded") if not self._has(j.version) else [] for j in jobs
        ]
        runnable = [i for i, r in enumerate(results) if not isinstance(r, BaseException)]
        if runnable:
            completed = await self.run_on_model_thread(self._timed_generate, [jobs[i] for i in runnable])
            for i, completions in zip(runnable, completed, strict=True):
                results[i] = completions
        return results

    def _timed_generate(self, jobs: Sequence[CompletionsJob]) -> list[list[Completion]]:
        started = time.perf_counter()
        completions = self._generate_jobs(jobs)
        GENERATION_SECONDS.observe(time.perf_counter() - started)
        BATCH_ROWS.observe(sum(job.n for job in jobs))
        return completions

    async def close(self) -> None:
        await self._batcher.close()
        await self.run_on_model_thread(self._release)
        self._worker.shutdown(wait=True)
