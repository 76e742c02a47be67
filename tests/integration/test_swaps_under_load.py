"""Repeated hot-swaps under concurrent load: no request fails, versions drain
and are released, and resident memory stays flat (real transformers engine on
a tiny model, real adapter store)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import psutil
import pytest

from prefloop.inference.adapters import AdapterManager
from prefloop.inference.engines.transformers_engine import TransformersEngine
from prefloop.shared.adapters import AdapterStore
from tests.conftest import make_lora_adapter


@pytest.mark.parametrize("cpu_path", ["fp32", "bf16", "int8"])
def test_fifty_swaps_under_load_fail_no_request_and_keep_memory_flat(
    tmp_path: Path, tiny_model_dir: Path, cpu_path: str
) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    store = AdapterStore(tmp_path / "store")
    for seed, version in enumerate(("v1", "v2", "v3")):
        store.write(
            version,
            make_lora_adapter(tiny_model_dir, tmp_path / version, seed=seed),
            parent=None,
            base_model="tiny",
        )
    engine = TransformersEngine(
        AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval(),
        AutoTokenizer.from_pretrained(tiny_model_dir),
        max_new_tokens=4,
        temperature=1.0,
        top_p=1.0,
        cpu_path=cpu_path,
    )
    manager = AdapterManager(engine, store, "tiny", max_rank=16)
    prompt = engine.render_prompt("swap test")
    process = psutil.Process()

    async def scenario() -> tuple[int, int, list[int]]:
        served, failures, rss = 0, 0, []
        stop = asyncio.Event()

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
        for swap in range(50):
            assert await manager.activate(rng.choice([v for v in ("v1", "v2", "v3") if v != manager.active]))
            await asyncio.sleep(0.02)
            if swap in (4, 49):
                rss.append(process.memory_info().rss)
        stop.set()
        await asyncio.gather(*clients)
        await engine.close()
        return served, failures, rss

    served, failures, (after_5, after_50) = asyncio.run(scenario())
    assert failures == 0
    assert served > 50
    assert manager.view().loaded_versions == [manager.active]  # every retired version was released
    assert after_50 <= after_5 * 1.10, f"RSS grew from {after_5 >> 20} MiB to {after_50 >> 20} MiB"
