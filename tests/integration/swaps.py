"""Hot-swaps under concurrent load, the scenario every engine's swap test runs."""

from __future__ import annotations

import asyncio
import random
from dataclasses import dataclass

import psutil

from prefloop.inference.adapters import AdapterManager
from prefloop.inference.engines import Engine

VERSIONS = ("v1", "v2", "v3")


@dataclass(frozen=True)
class SwapRun:
    served: int
    failures: int
    rss_early: int  # bytes, after the 5th swap
    rss_late: int  # bytes, after the last


async def swaps_under_load(engine: Engine, manager: AdapterManager, prompt: str, swaps: int) -> SwapRun:
    """Four clients ask for 2 titles each, over and over, while the active
    version switches `swaps` times among VERSIONS."""
    served, failures, rss = 0, 0, []
    stop = asyncio.Event()
    process = psutil.Process()

    async def client() -> None:
        nonlocal served, failures
        while not stop.is_set():
            try:
                async with manager.lease() as version:
                    completions = await engine.generate(prompt, 2, version)
                assert len(completions) == 2
                served += 1
            except Exception:
                failures += 1

    clients = [asyncio.create_task(client()) for _ in range(4)]
    rng = random.Random(0)
    for swap in range(swaps):
        assert await manager.activate(rng.choice([v for v in VERSIONS if v != manager.active]))
        await asyncio.sleep(0.02)
        if swap in (4, swaps - 1):
            rss.append(process.memory_info().rss)
    stop.set()
    await asyncio.gather(*clients)
    return SwapRun(served, failures, rss[0], rss[1])
