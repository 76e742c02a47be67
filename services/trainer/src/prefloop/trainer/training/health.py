"""Generation health: does a policy still serve users full sets of usable titles?

Held-out preference accuracy scores given titles; it cannot see a policy that
ranks them well but no longer writes them. Stacked DPO rounds can drift into
keyword strings, titles that never end, broken characters or the idea handed
back, which the inference service drops: users then get short sets, or a 503
when none are left. This draws sets for held-out ideas as the service draws
its first attempt (N asked for, plus its oversampling), cleans them as the
service cleans them, and counts two things: usable titles, and sets that hold
N distinct usable titles, which is what a user asking for N sees.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from prefloop.shared.prompts import render_prompt
from prefloop.shared.titles import DEFAULT_SAMPLING, TitleSampling, clean_title
from prefloop.shared.titles.decoding import sample_new_tokens

SERVICE_OVERSAMPLE = 2  # rows the inference service draws beyond the N asked for


@dataclass(frozen=True)
class GenerationHealth:
    usable: int  # drawn titles that survived cleaning
    sampled: int
    full_sets: int = 0  # sets with `set_size` distinct usable titles
    sets: int = 0
    set_size: int = 0

    @property
    def share(self) -> float:
        return self.usable / self.sampled if self.sampled else 0.0

    @property
    def full_share(self) -> float:
        return self.full_sets / self.sets if self.sets else 0.0


def health_draws(ideas: Sequence[str], sets: int) -> list[str]:
    """The ideas to draw sets for: each idea once, or several times when there
    are fewer ideas than `sets`, so an early round's verdict does not rest on
    the two or three ideas it happened to hold out."""
    distinct = list(dict.fromkeys(ideas))
    if not distinct or sets <= 0:
        return []
    repeats = math.ceil(sets / len(distinct))
    return [idea for idea in distinct for _ in range(repeats)]


def generation_health(samples: Sequence[Sequence[str | None]], set_size: int) -> GenerationHealth:
    """Health of the sets `sample_titles` drew: each idea's row of titles is one set."""
    flat = [title for per_idea in samples for title in per_idea]
    full = sum(len({t.casefold() for t in titles if t is not None}) >= set_size for titles in samples)
    return GenerationHealth(
        usable=sum(title is not None for title in flat),
        sampled=len(flat),
        full_sets=full,
        sets=len(samples),
        set_size=set_size,
    )


def set_rows(set_size: int) -> int:
    """Rows drawn for one set, as the service's first attempt draws them."""
    return set_size + SERVICE_OVERSAMPLE


def sample_titles(
    model: Any,
    tokenizer: Any,
    ideas: Sequence[str],
    policy: Callable[[], AbstractContextManager[Any]],
    samples_per_idea: int = 3,
    seed: int = 0,
    sampling: TitleSampling = DEFAULT_SAMPLING,
) -> list[list[str | None]]:
    """Sample `samples_per_idea` titles per idea under the policy `policy()`
    switches to, cleaned as the inference service cleans them (None: unusable).
    The same seed for every policy compared gives them the same random draws,
    which narrows the noise of the comparison."""
    import torch

    if not ideas:
        raise ValueError("sampling titles needs at least one idea")
    prompts = [render_prompt(tokenizer, idea) for idea in ideas for _ in range(samples_per_idea)]
    padding_side = tokenizer.padding_side
    tokenizer.padding_side = "left"  # generation continues each row from its end
    try:
        batch = tokenizer(prompts, return_tensors="pt", padding=True).to(model.device)
    finally:
        tokenizer.padding_side = padding_side
    with policy(), torch.inference_mode(), torch.random.fork_rng():
        torch.manual_seed(seed)
        new_tokens = sample_new_tokens(
            model,
            batch["input_ids"],
            batch["attention_mask"],
            sampling,
            eos_token_id=tokenizer.eos_token_id,
            pad_token_id=tokenizer.pad_token_id
            if tokenizer.pad_token_id is not None
            else tokenizer.eos_token_id,
        )
    titles: list[str | None] = []
    row_ideas = [idea for idea in ideas for _ in range(samples_per_idea)]
    for idea, row in zip(row_ideas, new_tokens, strict=True):
        finished = bool((row == tokenizer.eos_token_id).any())
        text = tokenizer.decode(row, skip_special_tokens=True)
        titles.append(clean_title(text, finished, idea).title)
    return [titles[i : i + samples_per_idea] for i in range(0, len(titles), samples_per_idea)]
