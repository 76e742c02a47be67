"""Concurrent requests become one model call; each request gets its own rows."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import pytest

from prefloop.inference.engines.batcher import Job, RequestBatcher


class RecordingModel:
    def __init__(self) -> None:
        self.batches: list[list[tuple[str, int, str]]] = []

    async def __call__(self, jobs: Sequence[Job[list[str]]]) -> list[list[str] | BaseException]:
        self.batches.append([(j.prompt, j.n, j.version) for j in jobs])
        await asyncio.sleep(0.01)
        return [
            KeyError(j.version)
            if j.version == "missing"
            else [f"{j.prompt}/{j.version}/{i}" for i in range(j.n)]
            for j in jobs
        ]


def test_concurrent_requests_share_one_call_and_keep_their_versions() -> None:
    async def scenario() -> None:
        model = RecordingModel()
        batcher: RequestBatcher[list[str]] = RequestBatcher(model, max_rows=32)
        results = await asyncio.gather(
            batcher.submit("a", 2, "base"), batcher.submit("b", 3, "v1"), batcher.submit("c", 1, "v2")
        )
        await batcher.close()
        assert len(model.batches) == 1
        assert list(results) == [["a/base/0", "a/base/1"], ["b/v1/0", "b/v1/1", "b/v1/2"], ["c/v2/0"]]

    asyncio.run(scenario())


def test_batches_respect_the_row_limit() -> None:
    async def scenario() -> None:
        model = RecordingModel()
        batcher: RequestBatcher[list[str]] = RequestBatcher(model, max_rows=4)
        await asyncio.gather(*(batcher.submit(str(i), 2, "base") for i in range(5)))
        await batcher.close()
        assert [sum(n for _, n, _ in b) for b in model.batches] == [4, 4, 2]

    asyncio.run(scenario())


def test_a_failing_request_does_not_fail_its_batch_mates() -> None:
    async def scenario() -> None:
        batcher: RequestBatcher[list[str]] = RequestBatcher(RecordingModel())
        good = batcher.submit("a", 1, "base")
        bad = batcher.submit("b", 1, "missing")
        results = await asyncio.gather(good, bad, return_exceptions=True)
        await batcher.close()
        assert results[0] == ["a/base/0"]
        assert isinstance(results[1], KeyError)

    asyncio.run(scenario())


def test_a_crashed_call_reaches_every_waiting_request() -> None:
    async def broken(jobs: Sequence[Job[list[str]]]) -> list[list[str] | BaseException]:
        raise RuntimeError("out of memory")

    async def scenario() -> None:
        batcher: RequestBatcher[list[str]] = RequestBatcher(broken)
        with pytest.raises(RuntimeError, match="out of memory"):
            await asyncio.gather(batcher.submit("a", 1, "base"), batcher.submit("b", 1, "base"))
        await batcher.close()

    asyncio.run(scenario())
