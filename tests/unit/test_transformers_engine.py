"""The transformers engine on a tiny random Llama, on every CPU path (PEFT
adapters on one fp32 or bf16 model; int8 models with adapters merged):
sampling, adapters per row, swaps."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from prefloop.inference.engines.transformers_engine import TransformersEngine
from prefloop.inference.engines.weights import MergedInt8Versions
from tests.conftest import make_lora_adapter


@pytest.fixture(scope="module", params=["fp32", "bf16", "int8"])
def engine(request: pytest.FixtureRequest, tiny_model_dir: Path) -> TransformersEngine:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    model = AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval()
    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    return TransformersEngine(
        model, tokenizer, max_new_tokens=6, temperature=1.0, top_p=1.0, cpu_path=request.param
    )


def next_token_logits(engine: TransformersEngine, prompt: str, version: str) -> Any:
    """One forward pass of `version` on `prompt`, through the engine's own routing of rows."""
    import torch

    (call,) = engine._weights.calls([version])
    batch = engine._tokenizer([prompt], return_tensors="pt")
    with torch.inference_mode():
        return call.model(**batch, **call.kwargs).logits.float()


@pytest.fixture(scope="module")
def adapters(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> dict[str, Path]:
    return {
        name: make_lora_adapter(tiny_model_dir, tmp_path_factory.mktemp(name), seed=seed)
        for seed, name in enumerate(["v1", "v2"])
    }


def test_prompt_uses_the_shared_template(engine: TransformersEngine) -> None:
    prompt = engine.render_prompt("sourdough rescue")
    assert "Video idea: sourdough rescue" in prompt
    assert prompt.endswith("<|im_start|>assistant\n")


def test_generates_n_completions_from_base(engine: TransformersEngine) -> None:
    completions = asyncio.run(engine.generate(engine.render_prompt("idea"), 3, "base"))
    assert len(completions) == 3
    assert all(isinstance(c.text, str) for c in completions)


def test_adapters_load_serve_beside_base_and_unload(
    engine: TransformersEngine, adapters: dict[str, Path]
) -> None:
    import torch

    async def scenario() -> None:
        prompt = engine.render_prompt("idea")
        with pytest.raises(KeyError):
            await engine.generate(prompt, 1, "v1")
        await engine.load_adapter("v1", adapters["v1"])
        await engine.load_adapter("v2", adapters["v2"])
        assert len(await engine.generate(prompt, 2, "v1")) == 2
        assert len(await engine.generate(prompt, 2, "base")) == 2
        # the adapter changes the model's output distribution
        base = next_token_logits(engine, prompt, "base")
        assert not torch.allclose(base, next_token_logits(engine, prompt, "v1"))
        await engine.unload_adapter("v1")
        with pytest.raises(KeyError):
            await engine.generate(prompt, 1, "v1")
        assert len(await engine.generate(prompt, 1, "v2")) == 1

    asyncio.run(scenario())


def test_concurrent_requests_for_different_versions_share_one_batch(
    engine: TransformersEngine, adapters: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """fp32 and bf16: one generate call, each row naming its adapter; int8: one call per version."""

    async def scenario() -> None:
        await engine.load_adapter("v1", adapters["v1"])
        await engine.load_adapter("v2", adapters["v2"])
        calls: list[list[str] | int] = []
        original = engine._sample

        def recording_sample(model: Any, prompts: list[str], kwargs: dict[str, Any]) -> Any:
            calls.append(list(kwargs["adapter_names"]) if kwargs else len(prompts))
            return original(model, prompts, kwargs)

        monkeypatch.setattr(engine, "_sample", recording_sample)
        prompt = engine.render_prompt("idea")
        results = await asyncio.gather(
            engine.generate(prompt, 2, "base"),
            engine.generate(prompt, 1, "v1"),
            engine.generate(prompt, 2, "v2"),
        )
        assert [len(r) for r in results] == [2, 1, 2]
        if isinstance(engine._weights, MergedInt8Versions):
            assert calls == [2, 1, 2]
        else:
            assert calls == [["__base__", "__base__", "v1", "v2", "v2"]]

    asyncio.run(scenario())
