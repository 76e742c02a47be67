"""Generation health and the reference policy on the real default model."""

from __future__ import annotations

import contextlib
from pathlib import Path
from typing import Any

import pytest

from prefloop.shared.prompts import render_prompt
from prefloop.shared.titles import DEFAULT_SAMPLING, TitleSampling
from prefloop.shared.titles.cleaning import CleanResult
from prefloop.trainer.training.evaluate import title_logprobs
from prefloop.trainer.training.health import (
    draw_sets,
    generation_health,
    policy_drafter,
    sample_drafts,
)

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


def test_the_base_model_answers_full_sets_and_cut_off_titles_are_not_counted(
    model_and_tokenizer: tuple[object, object],
) -> None:
    model, tokenizer = model_and_tokenizer
    sets = draw_sets(policy_drafter(model, tokenizer, contextlib.nullcontext), IDEAS, set_size=2)
    healthy = generation_health(sets, set_size=2)
    assert healthy.sets == 2
    assert healthy.sampled >= 8  # 2 + 2 drafts per set, more where titles were missing
    assert healthy.usable > 0
    assert healthy.full_sets == 2
    # Titles cut off at 3 tokens never end: the service would drop every one, after every retry.
    cut = TitleSampling(
        max_new_tokens=3, temperature=DEFAULT_SAMPLING.temperature, top_p=DEFAULT_SAMPLING.top_p
    )

    def cut_off_drafts(ideas: list[str], seed: int) -> list[CleanResult]:
        drafts = sample_drafts(model, tokenizer, ideas, contextlib.nullcontext, 1, seed=seed, sampling=cut)
        return [draft.cleaned for draft in drafts]

    cut_off = generation_health(draw_sets(cut_off_drafts, IDEAS, set_size=2), set_size=2)
    # Every attempt drew (2 missing + 2) x (attempt + 1) drafts per set: 4 + 8 + 12.
    assert (cut_off.usable, cut_off.sampled, cut_off.full_sets) == (0, 48, 0)
    assert cut_off.dropped == {"unfinished": 48}


def test_the_same_seed_gives_the_same_draws(model_and_tokenizer: tuple[object, object]) -> None:
    model, tokenizer = model_and_tokenizer
    first = sample_drafts(model, tokenizer, IDEAS, contextlib.nullcontext, seed=3)
    again = sample_drafts(model, tokenizer, IDEAS, contextlib.nullcontext, seed=3)
    assert first == again


def test_titles_scored_in_a_padded_batch_score_as_they_do_alone(
    model_and_tokenizer: tuple[Any, Any],
) -> None:
    model, tokenizer = model_and_tokenizer
    rows = [
        (render_prompt(tokenizer, idea), title)
        for idea in IDEAS
        for title in ("Fix It", "How I Brought My Sourdough Starter Back From the Dead After a Long Winter")
    ]
    batched = title_logprobs(model, tokenizer, rows)
    alone = [title_logprobs(model, tokenizer, [row])[0] for row in rows]
    assert [t.tokens for t in batched] == [t.tokens for t in alone]
    assert [t.total for t in batched] == pytest.approx([t.total for t in alone], abs=1e-3)
    assert len({t.total for t in batched}) == len(rows)  # each row its own score, not its neighbour's
