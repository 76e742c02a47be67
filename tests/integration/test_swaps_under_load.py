"""Repeated hot-swaps under concurrent load: no request fails, versions drain
and are released, and resident memory stays flat (real transformers engine on
a tiny model, real adapter store)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from prefloop.inference.adapters import AdapterManager
from prefloop.inference.engines.transformers_engine import TransformersEngine
from prefloop.shared.adapters import AdapterStore
from tests.conftest import make_lora_adapter
from tests.integration.swaps import VERSIONS, SwapRun, swaps_under_load


@pytest.mark.parametrize("cpu_path", ["fp32", "bf16", "int8"])
def test_fifty_swaps_under_load_fail_no_request_and_keep_memory_flat(
    tmp_path: Path, tiny_model_dir: Path, cpu_path: str
) -> None:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    store = AdapterStore(tmp_path / "store")
    for seed, version in enumerate(VERSIONS):
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

    async def scenario() -> SwapRun:
        run = await swaps_under_load(engine, manager, engine.render_prompt("swap test"), swaps=50)
        await engine.close()
        return run

    run = asyncio.run(scenario())
    assert run.failures == 0
    assert run.served > 50
    assert manager.view().loaded_versions == [manager.active]  # every retired version was released
    assert run.rss_late <= run.rss_early * 1.10, (
        f"RSS grew from {run.rss_early >> 20} to {run.rss_late >> 20} MiB"
    )
