"""Collect concurrent generation requests and run them as one model call.

When the model is idle, a request waits at most `wait_s` for company; while a
batch runs, new requests queue up and form the next batch (up to `max_rows`
sequences). Each request keeps its own adapter version: a batch may mix them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar

R = TypeVar("R")


@dataclass
class Job(Generic[R]):
    prompt: str
    n: int
    version: str
    future: asyncio.Future[R] = field(repr=False)


RunBatch = Callable[[Sequence[Job[R]]], Awaitable[Sequence[R | BaseException]]]


class RequestBatcher(Generic[R]):
    def __init__(self, run_batch: RunBatch[R], max_rows: int = 32, wait_s: float = 0.005) -> None:
        self._run_batch = run_batch
        self._max_rows = max_rows
        self._wait_s = wait_s
        self._queue: asyncio.Queue[Job[R]] | None = None
        self._task: asyncio.Task[None] | None = None

    async def submit(self, prompt: str, n: int, version: str) -> R:
        if self._queue is None or self._task is None or self._task.done():
            self._queue = asyncio.Queue()
            self._task = asyncio.get_running_loop().create_task(self._loop(self._queue))
        job: Job[R] = Job(prompt, n, version, asyncio.get_running_loop().create_future())
        self._queue.put_nowait(job)
        return await job.future

    async def _collect(self, queue: asyncio.Queue[Job[R]]) -> list[Job[R]]:
        batch = [await queue.get()]
        rows = batch[0].n
        deadline = asyncio.get_running_loop().time() + self._wait_s
        while rows < self._max_rows:
            try:
                job = queue.get_nowait()
            except asyncio.QueueEmpty:
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    job = await asyncio.wait_for(queue.get(), remaining)
                except TimeoutError:
                    break
            if rows + job.n > self._max_rows:
                queue.put_nowait(job)  # it starts the next batch (order within a batch does not matter)
                break
            batch.append(job)
            rows += job.n
        return batch

    async def _loop(self, queue: asyncio.Queue[Job[R]]) -> None:
        while True:
            batch = [job for job in await self._collect(queue) if not job.future.cancelled()]
            if not batch:
                continue
            try:
                results = await self._run_batch(batch)
            except Exception as exc:  # the whole call failed: every request hears why
                results = [exc] * len(batch)
            for job, result in zip(batch, results, strict=True):
                if job.future.done():
                    continue
                if isinstance(result, BaseException):
                    job.future.set_exception(result)
                else:
                    job.future.set_result(result)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
