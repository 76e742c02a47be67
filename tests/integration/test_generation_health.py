"""Generation health and the reference policy on the real default model."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest

from prefloop.shared.titles import DEFAULT_SAMPLING, TitleSampling
from prefloop.trainer.training.health import generation_health, sample_titles

IDEAS = [
    "how I fixed my sourdough starter after it died in winter",
    "a beginner's guide to bouldering outdoors",
]


@pytest.fixture(scope="module")
def model_and_tokenizer(default_model_dir: Path) -> tuple[object, object]:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    return (
        AutoModelForCausalLM.from_pretrained(default_model_dir).eval(),
        AutoTokenizer.from_pretrained(default_model_dir),
    )


def test_the_base_model_writes_usable_titles_and_cut_off_ones_are_not_counted(
    model_and_tokenizer: tuple[object, object],
) -> None:
    model, tokenizer = model_and_tokenizer
    samples = sample_titles(model, tokenizer, IDEAS, contextlib.nullcontext, samples_per_idea=4)
    assert [len(per_idea) for per_idea in samples] == [4, 4]
    healthy = generation_health(samples, set_size=2)
    assert healthy.sampled == 8
    assert healthy.sets == 2
    assert healthy.usable > 0
    # Titles cut off at 3 tokens never end: the service would drop every one.
    cut = TitleSampling(
        max_new_tokens=3, temperature=DEFAULT_SAMPLING.temperature, top_p=DEFAULT_SAMPLING.top_p
    )
    cut_off = generation_health(
        sample_titles(model, tokenizer, IDEAS, contextlib.nullcontext, samples_per_idea=4, sampling=cut),
        set_size=2,
    )
    assert (cut_off.usable, cut_off.sampled, cut_off.full_sets) == (0, 8, 0)


def test_the_same_seed_gives_the_same_draws(model_and_tokenizer: tuple[object, object]) -> None:
    model, tokenizer = model_and_tokenizer
    first = sample_titles(model, tokenizer, IDEAS, contextlib.nullcontext, seed=3)
    again = sample_titles(model, tokenizer, IDEAS, contextlib.nullcontext, seed=3)
    assert first == again
