"""The title decoding loop: it draws only from the top-k nucleus, and on a
tiny random Llama it continues left-padded prompts exactly as `generate` does
(with a nucleus of one token both must pick the likeliest), adapters per row
included."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from prefloop.shared.titles import TitleSampling
from prefloop.shared.titles.decoding import draw_tokens, sample_new_tokens
from tests.conftest import make_lora_adapter


def probabilities_as_logits(probs: list[float]) -> Any:
    import torch

    return torch.tensor([probs]).log()


def draws(probs: list[float], sampling: TitleSampling, n: int = 4000) -> Counter[int]:
    import torch

    torch.manual_seed(0)
    logits = probabilities_as_logits(probs).expand(n, -1)
    return Counter(draw_tokens(logits, sampling).tolist())


def test_draws_only_inside_the_nucleus_in_proportion() -> None:
    # The two likeliest hold 0.8 >= top_p 0.7; token 2 would need the first two to hold less.
    counts = draws([0.5, 0.3, 0.15, 0.05], TitleSampling(temperature=1.0, top_p=0.7, top_k=50))
    assert set(counts) == {0, 1}
    assert counts[0] / (counts[0] + counts[1]) == pytest.approx(0.5 / 0.8, abs=0.03)


def test_top_k_bounds_the_candidates_before_the_nucleus() -> None:
    counts = draws([0.4, 0.3, 0.2, 0.1], TitleSampling(temperature=1.0, top_p=1.0, top_k=2))
    assert set(counts) == {0, 1}


def test_temperature_sharpens_the_distribution() -> None:
    sharp = draws([0.6, 0.4], TitleSampling(temperature=0.25, top_p=1.0))
    assert sharp[0] / sum(sharp.values()) == pytest.approx(0.6**4 / (0.6**4 + 0.4**4), abs=0.03)


@pytest.fixture(scope="module")
def tiny(tiny_model_dir: Path) -> tuple[Any, Any]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_model_dir)
    tokenizer.padding_side = "left"
    return AutoModelForCausalLM.from_pretrained(tiny_model_dir).eval(), tokenizer


def greedy_both_ways(model: Any, tokenizer: Any, prompts: list[str], **kwargs: Any) -> tuple[Any, Any]:
    import torch

    batch = tokenizer(prompts, return_tensors="pt", padding=True)
    likeliest = TitleSampling(max_new_tokens=8, temperature=1.0, top_p=1.0, top_k=1)
    pad, eos = tokenizer.pad_token_id, tokenizer.eos_token_id
    with torch.inference_mode():
        ours = sample_new_tokens(
            model, batch["input_ids"], batch["attention_mask"], likeliest, eos, pad, **kwargs
        )
        theirs = model.generate(**batch, do_sample=False, max_new_tokens=8, pad_token_id=pad, **kwargs)
    return ours, theirs[:, batch["input_ids"].shape[1] :]


def test_continues_left_padded_prompts_as_generate_does(tiny: tuple[Any, Any]) -> None:
    model, tokenizer = tiny
    prompts = ["a short idea", "a much longer idea about sourdough bread and its rescue at home"]
    ours, theirs = greedy_both_ways(model, tokenizer, prompts)
    assert ours.shape == (2, 8)  # no row ended early, so every step compares
    assert ours.tolist() == theirs[:, : ours.shape[1]].tolist()


def test_one_unpadded_prompt_matches_generate(tiny: tuple[Any, Any]) -> None:
    model, tokenizer = tiny
    ours, theirs = greedy_both_ways(model, tokenizer, ["one idea alone"])
    assert ours.tolist() == theirs[:, : ours.shape[1]].tolist()


def test_each_row_is_decoded_with_its_own_adapter(
    tiny: tuple[Any, Any], tmp_path: Path, tiny_model_dir: Path
) -> None:
    from peft import PeftModel

    model, tokenizer = tiny
    peft_model = PeftModel.from_pretrained(
        model, str(make_lora_adapter(tiny_model_dir, tmp_path)), "v1"
    ).eval()
    prompts = ["same idea", "same idea"]
    ours, theirs = greedy_both_ways(peft_model, tokenizer, prompts, adapter_names=["__base__", "v1"])
    assert ours.tolist() == theirs[:, : ours.shape[1]].tolist()
    assert ours[0].tolist() != ours[1].tolist()  # the adapter changed the second row
    peft_model.unload()


def test_stops_once_every_row_has_ended(tiny: tuple[Any, Any]) -> None:
    model, tokenizer = tiny
    batch = tokenizer(["an idea"], return_tensors="pt")
    likeliest = TitleSampling(top_k=1)

    def decode(eos: int) -> list[list[int]]:
        out = sample_new_tokens(model, batch["input_ids"], batch["attention_mask"], likeliest, eos, 0)
        return list(out.tolist())

    first = decode(eos=-1)[0][0]
    # With the first token it picks taken as the end: one step, then it stops.
    assert decode(eos=first) == [[first]]
