"""The engine the service builds by default on this machine (llama.cpp on a
CPU where it is installed, else transformers on the CPU path it chose), on the
default model, in one run on one machine:

- latency of an n=4 request through the engine against raw generation of the
  same four rows on the engine's own model, outside the engine (`generate`
  on the transformers path's model; llama.cpp's own sampling call) (goal
  <= 1.1x at p50);
- throughput with 8 concurrent clients against the same requests one by one,
  and against the path's own batched ceiling, the same 32 rows in one raw
  call (goal >= 0.9x of the ceiling);
- p99 latency while adapters are swapped repeatedly against without swaps
  (goal <= 1.2x);
- single-request tokens/s of the engine as configured by default (the CPU
  path it chose by measuring) against plain fp32 `generate` (goal >= 2.5x);
- every CPU path's greedy tokens/s as the engine measures them at start,
  beside fp32 and beside llama.cpp on the GGUF the default model comes from,
  where `llama-cpp-python` is installed (an optional bench dependency).

Each pair of figures is measured interleaved or back to back so that the
machine's noise falls on both sides alike.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

from prefloop.inference.adapters import AdapterManager
from prefloop.inference.engines import create_engine
from prefloop.inference.engines.cpu_paths import measure
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.adapters import AdapterStore
from prefloop.shared.models import DEFAULT_BASE_MODEL
from tests.bench.conftest import percentile, report, with_goals
from tests.bench.generation import raw_generate, served_path_generate
from tests.bench.llama_cpp import llama_cpp_tokens_per_s
from tests.conftest import make_lora_adapter

IDEA = "how I fixed my sourdough starter after it died in winter"
REQUESTS = 12


async def timed(coroutine: Any) -> float:
    started = time.perf_counter()
    await coroutine
    return time.perf_counter() - started


def test_engine_speed_against_raw_generate(default_model_dir: Path, tmp_path: Path) -> None:
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    settings = InferenceSettings()
    engine: Any = create_engine(settings)
    tokenizer = AutoTokenizer.from_pretrained(default_model_dir)
    tokenizer.padding_side = "left"
    tokenizer.pad_token = tokenizer.pad_token or tokenizer.eos_token
    prompt = engine.render_prompt(IDEA)
    raw_path = served_path_generate(engine, tokenizer, settings)  # the served path, outside the engine
    store = AdapterStore(tmp_path / "store")
    manager = AdapterManager(engine, store, DEFAULT_BASE_MODEL, max_rank=64)
    on_model_thread = engine.run_on_model_thread  # all torch work on one thread, as in the service

    async def setup() -> Any:
        for seed, version in enumerate(("v1", "v2")):
            adapter = await on_model_thread(make_lora_adapter, default_model_dir, tmp_path / version, 8, seed)
            store.write(version, adapter, parent=None, base_model=DEFAULT_BASE_MODEL)
        return await on_model_thread(
            lambda: AutoModelForCausalLM.from_pretrained(default_model_dir, dtype=torch.float32).eval()
        )

    async def request(n: int = 4) -> None:
        async with manager.lease() as version:
            await engine.generate(prompt, n, version)

    async def scenario() -> dict[str, Any]:
        raw_model = await setup()
        figures: dict[str, Any] = {}
        # 1. n=4 latency, interleaved with raw generate of the same rows
        engine_s, raw_s = [], []
        for _ in range(REQUESTS):
            engine_s.append(await timed(request()))
            raw_s.append(await timed(on_model_thread(raw_path, prompt, 4)))
        figures["n4_p50_ratio"] = round(percentile(engine_s, 0.5) / percentile(raw_s, 0.5), 3)
        figures["n4_p99_ratio"] = round(percentile(engine_s, 0.99) / percentile(raw_s, 0.99), 3)
        figures["n4_engine_p50_s"] = round(percentile(engine_s, 0.5), 2)

        # 2. 8 concurrent clients against the same requests one by one
        started = time.perf_counter()
        for _ in range(16):
            await request()
        sequential_s = time.perf_counter() - started
        started = time.perf_counter()
        await asyncio.gather(*(request() for _ in range(16)))
        concurrent_s = time.perf_counter() - started
        figures["concurrency8_throughput_ratio"] = round(sequential_s / concurrent_s, 2)
        # ... and against the path's own batched ceiling: the same 32 rows in one raw generate call
        engine_batch_s, raw_batch_s = [], []
        for _ in range(3):
            engine_batch_s.append(await timed(asyncio.gather(*(request() for _ in range(8)))))
            raw_batch_s.append(await timed(on_model_thread(raw_path, prompt, 32)))
        figures["concurrency8_vs_batched_ceiling"] = round(
            percentile(raw_batch_s, 0.5) / percentile(engine_batch_s, 0.5), 3
        )

        # 3. p99 with repeated swaps against without (4 clients each time)
        async def load(swapping: bool) -> list[float]:
            latencies: list[float] = []
            done = asyncio.Event()

            async def client() -> None:
                for _ in range(6):
                    latencies.append(await timed(request()))

            async def swapper() -> None:
                versions = ["v1", "v2"]
                i = 0
                while not done.is_set():
                    await manager.activate(versions[i % 2])
                    i += 1
                    await asyncio.sleep(0.2)

            task = asyncio.create_task(swapper()) if swapping else None
            await asyncio.gather(*(client() for _ in range(4)))
            done.set()
            if task:
                await task
            return latencies

        await manager.activate("v1")
        steady = await load(swapping=False)
        swapping = await load(swapping=True)
        figures["swap_p99_ratio"] = round(percentile(swapping, 0.99) / percentile(steady, 0.99), 3)

        # 4. single-request tokens/s: the engine as configured against plain fp32
        engine_tokens = raw_tokens = 0
        engine_time = raw_time = 0.0
        for _ in range(REQUESTS):
            started = time.perf_counter()
            completions = await engine.generate(prompt, 1, "base")
            engine_time += time.perf_counter() - started
            engine_tokens += len(tokenizer(completions[0].text)["input_ids"])
            started = time.perf_counter()
            raw_tokens += await on_model_thread(raw_generate, raw_model, tokenizer, prompt, 1, settings)
            raw_time += time.perf_counter() - started
        figures["engine_tokens_per_s"] = round(engine_tokens / engine_time, 1)
        figures["fp32_tokens_per_s"] = round(raw_tokens / raw_time, 1)
        figures["tokens_per_s_ratio"] = round((engine_tokens / engine_time) / (raw_tokens / raw_time), 3)

        # 5. every path as the engine measures them, and llama.cpp
        figures |= engine.describe()
        for path in await on_model_thread(measure, raw_model, tokenizer, engine.render_prompt):
            figures[f"{path.path}_greedy_tokens_per_s"] = path.tokens_per_s
            figures[f"{path.path}_kl_from_fp32"] = path.kl_from_fp32
        llama = await on_model_thread(llama_cpp_tokens_per_s, prompt, torch.get_num_threads())
        figures["llama_cpp_greedy_tokens_per_s"] = llama
        figures["llama_cpp_vs_fp32"] = (
            round(llama / figures["fp32_greedy_tokens_per_s"], 2) if llama else None
        )
        await engine.close()
        return figures

    goals = {
        "n4_p50_ratio": ("<=", 1.1),
        "concurrency8_vs_batched_ceiling": (">=", 0.9),
        "swap_p99_ratio": ("<=", 1.2),
        "tokens_per_s_ratio": (">=", 2.5),
    }
    report("inference_speed", with_goals(asyncio.run(scenario()), goals))
