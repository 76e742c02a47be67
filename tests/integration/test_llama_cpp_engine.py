"""The llama.cpp engine on the default model's own GGUF: an adapter written as a
llama.cpp LoRA moves the model as PEFT moves the torch model, and batches that
mix versions, unknown versions and swaps behave as on the transformers engine."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import torch

from prefloop.inference.adapters import AdapterManager
from prefloop.inference.engines.base import BASE_VERSION
from prefloop.inference.engines.llama_cpp_engine import LlamaCppEngine
from prefloop.inference.engines.llama_cpp_model import LlamaCppModel
from prefloop.shared.adapters import AdapterStore
from prefloop.shared.models import DEFAULT_BASE_MODEL
from prefloop.shared.models.provision import locate_default_gguf
from prefloop.shared.prompts import render_prompt
from prefloop.shared.titles import TitleSampling
from tests.conftest import make_lora_adapter
from tests.integration.swaps import VERSIONS, swaps_under_load

IDEAS = ("why octopuses are so smart", "a beginner's guide to bouldering outdoors", "I rebuilt a 1970s radio")


@pytest.fixture(scope="module")
def adapter(default_model_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_lora_adapter(default_model_dir, tmp_path_factory.mktemp("lora") / "v1", rank=8, seed=1)


@pytest.fixture
def engine(default_model_dir: Path) -> Iterator[LlamaCppEngine]:
    from transformers import AutoTokenizer

    engine = LlamaCppEngine(
        LlamaCppModel(locate_default_gguf(), context_tokens=2048),
        AutoTokenizer.from_pretrained(default_model_dir),
        json.loads((default_model_dir / "config.json").read_text()),
        TitleSampling(max_new_tokens=12),
    )
    yield engine
    asyncio.run(engine.close())


def log_softmax(logits: Any) -> torch.Tensor:
    return torch.log_softmax(torch.as_tensor(logits, dtype=torch.float32), dim=-1)


def kl(p: torch.Tensor, q: torch.Tensor) -> float:
    return float((p.exp() * (p - q)).sum())


def test_a_converted_adapter_moves_llama_cpp_as_peft_moves_torch(
    default_model_dir: Path, adapter: Path, tmp_path: Path
) -> None:
    from peft import PeftModel
    from transformers import AutoModelForCausalLM, AutoTokenizer

    from prefloop.inference.engines.gguf_lora import write_gguf_lora

    tokenizer = AutoTokenizer.from_pretrained(default_model_dir)
    base = AutoModelForCausalLM.from_pretrained(default_model_dir).eval()
    model = LlamaCppModel(locate_default_gguf(), context_tokens=1024)
    config = json.loads((default_model_dir / "config.json").read_text())
    model.add_adapter("v1", write_gguf_lora(adapter, tmp_path / "v1.gguf", config))
    prompts = [
        tokenizer(render_prompt(tokenizer, idea), add_special_tokens=False)["input_ids"] for idea in IDEAS
    ]
    with torch.inference_mode():
        torch_base = [log_softmax(base(torch.tensor([p])).logits[0, -1]) for p in prompts]
        tuned = PeftModel.from_pretrained(base, str(adapter)).eval()
        torch_tuned = [log_softmax(tuned(torch.tensor([p])).logits[0, -1]) for p in prompts]
    cpp_base = [log_softmax(model.next_token_logits(p, None)) for p in prompts]
    cpp_tuned = [log_softmax(model.next_token_logits(p, "v1")) for p in prompts]
    model.close()

    effect = [kl(t, b) for t, b in zip(torch_tuned, torch_base, strict=True)]
    base_gap = [kl(t, c) for t, c in zip(torch_base, cpp_base, strict=True)]
    tuned_gap = [kl(t, c) for t, c in zip(torch_tuned, cpp_tuned, strict=True)]
    assert min(effect) > 0.02, effect  # the adapter really changes the next token
    # llama.cpp with the adapter sits as close to PEFT as llama.cpp's base sits to torch's
    assert max(tuned_gap) < max(0.02, 2 * max(base_gap)), (tuned_gap, base_gap, effect)
    assert max(tuned_gap) < min(effect) / 5, (tuned_gap, effect)


def test_the_cached_prompt_head_changes_no_next_token(
    default_model_dir: Path, adapter: Path, tmp_path: Path
) -> None:
    """Prompts read after a cached head, across version switches, give the
    logits of prompts read whole."""
    from transformers import AutoTokenizer

    from prefloop.inference.engines.gguf_lora import write_gguf_lora

    tokenizer = AutoTokenizer.from_pretrained(default_model_dir)
    config = json.loads((default_model_dir / "config.json").read_text())
    lora = write_gguf_lora(adapter, tmp_path / "v1.gguf", config)
    whole, cached = (LlamaCppModel(locate_default_gguf(), context_tokens=1024) for _ in range(2))
    for model in (whole, cached):
        model.add_adapter("v1", lora)
    prompts = [
        tokenizer(render_prompt(tokenizer, idea), add_special_tokens=False)["input_ids"] for idea in IDEAS
    ]
    head = 0
    while prompts[0][head] == prompts[1][head]:
        head += 1
    cached.share_prefix(prompts[0][:head])
    read: list[int] = []  # tokens each call of the cached model decodes
    decode = cached._decode

    def counted(entries: list[tuple[int, int, int, bool]]) -> dict[tuple[int, int], int]:
        read.append(len(entries))
        return decode(entries)

    cached._decode = counted  # type: ignore[method-assign]
    for version in (None, "v1", "v1", None):
        for prompt in prompts:
            expected = log_softmax(whole.next_token_logits(prompt, version))
            got = log_softmax(cached.next_token_logits(prompt, version))
            assert kl(expected, got) < 1e-4, (version, kl(expected, got))
    # the head is read once per version switch, then only what follows it
    assert read[:4] == [head, len(prompts[0]) - head, len(prompts[1]) - head, len(prompts[2]) - head]
    assert sum(read) == 3 * head + 4 * sum(len(p) - head for p in prompts)
    whole.close()
    cached.close()


def test_versions_are_served_side_by_side_and_swapped(engine: LlamaCppEngine, adapter: Path) -> None:
    async def scenario() -> None:
        prompt = engine.render_prompt(IDEAS[0])
        await engine.load_adapter("v1", adapter)
        base, tuned, missing = await asyncio.gather(
            engine.generate(prompt, 4, BASE_VERSION),
            engine.generate(prompt, 3, "v1"),
            engine.generate(prompt, 2, "v9"),
            return_exceptions=True,
        )
        assert isinstance(base, list)
        assert len(base) == 4
        assert all(c.text for c in base)
        assert isinstance(tuned, list)
        assert len(tuned) == 3
        assert isinstance(missing, KeyError)
        await engine.unload_adapter("v1")
        with pytest.raises(KeyError):
            await engine.generate(prompt, 1, "v1")
        await engine.load_adapter("v1", adapter)
        again = await engine.generate(prompt, 2, "v1")
        assert len(again) == 2
        assert engine.describe()["engine"] == "llama.cpp"

    asyncio.run(scenario())


def test_thirty_swaps_under_load_fail_no_request_and_keep_memory_flat(
    engine: LlamaCppEngine, default_model_dir: Path, tmp_path: Path
) -> None:
    store = AdapterStore(tmp_path / "store")
    for seed, version in enumerate(VERSIONS):
        adapter = make_lora_adapter(default_model_dir, tmp_path / version, rank=4, seed=seed)
        store.write(version, adapter, parent=None, base_model=DEFAULT_BASE_MODEL)
    manager = AdapterManager(engine, store, DEFAULT_BASE_MODEL, max_rank=16)
    run = asyncio.run(swaps_under_load(engine, manager, engine.render_prompt(IDEAS[1]), swaps=30))
    assert run.failures == 0
    assert run.served > 30
    assert manager.view().loaded_versions == [manager.active]
    assert run.rss_late <= run.rss_early * 1.10, (
        f"RSS grew from {run.rss_early >> 20} to {run.rss_late >> 20} MiB"
    )
