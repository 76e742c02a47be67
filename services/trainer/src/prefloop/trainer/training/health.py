"""Generation health: does a policy still serve users full sets of usable titles?

Held-out preference accuracy scores given titles; it cannot see a policy that
ranks them well but no longer writes them. Stacked DPO rounds can drift into
keyword strings, titles that never end, broken characters or the idea handed
back, which the inference service drops: users then get short sets, or a 503
when none are left. This draws sets for held-out ideas as the service draws
them (N asked for plus its oversampling, then its retries while titles are
missing, `prefloop.shared.titles.retries`), cleans them as the service cleans
them, and counts two things: usable drafts, and sets that hold N distinct
usable titles, which is what a user asking for N gets.

Only the first attempt was drawn before. The base model writes few usable
drafts, so a first attempt of N + 2 rarely holds N for any version, and the
full-set count could not tell versions apart (docs/learning.md).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any

from prefloop.shared.prompts import render_prompt
from prefloop.shared.titles import DEFAULT_SAMPLING, TitleSampling, clean_title, distinct, is_new
from prefloop.shared.titles.cleaning import CleanResult
from prefloop.shared.titles.decoding import sample_new_tokens
from prefloop.shared.titles.retries import DEFAULT_ATTEMPTS, DEFAULT_OVERSAMPLE, attempt_rows


@dataclass(frozen=True)
class GenerationHealth:
    usable: int  # drafts that survived cleaning, retries included
    sampled: int
    full_sets: int = 0  # sets with `set_size` distinct usable titles
    sets: int = 0
    set_size: int = 0
    # Why drafts were dropped (cleaning's reason: count), most frequent first:
    # what an operator reads to see how a refused candidate broke.
    dropped: dict[str, int] = field(default_factory=dict)
    # Usable drafts that repeat a title already drawn for their set (the same
    # title to a reader, `prefloop.shared.titles.distinct`): a policy collapsing
    # onto one title writes usable drafts yet fills no set.
    repeats: int = 0

    @property
    def share(self) -> float:
        return self.usable / self.sampled if self.sampled else 0.0

    @property
    def full_share(self) -> float:
        return self.full_sets / self.sets if self.sets else 0.0


@dataclass(frozen=True)
class Draft:
    text: str  # as the model wrote it
    cleaned: CleanResult  # as the inference service cleans it


@dataclass(frozen=True)
class DrawnSet:
    titles: list[str]  # what the user is shown: distinct usable titles, in the order drawn, at most N
    drafts: list[CleanResult]  # every draft drawn for it, cleaned (title None where dropped)


# Drafts for ideas (one entry per draft, an idea repeated) with a seed, cleaned.
Drafter = Callable[[list[str], int], list[CleanResult]]


def health_draws(ideas: Sequence[str], sets: int) -> list[str]:
    """The ideas to draw sets for: each idea once, or several times when there
    are fewer ideas than `sets`, so an early round's verdict does not rest on
    the two or three ideas it happened to hold out."""
    distinct = list(dict.fromkeys(ideas))
    if not distinct or sets <= 0:
        return []
    repeats = math.ceil(sets / len(distinct))
    return [idea for idea in distinct for _ in range(repeats)]


def draw_sets(
    draft: Drafter,
    ideas: Sequence[str],
    set_size: int,
    seed: int = 0,
    oversample: int = DEFAULT_OVERSAMPLE,
    attempts: int = DEFAULT_ATTEMPTS,
) -> list[DrawnSet]:
    """One set per idea, drawn as the inference service answers a request for
    `set_size` titles; every set's attempt is drawn in one batch. Attempt k
    uses `seed + k`, so versions compared with the same seed share their
    first attempt's random draws."""
    found: list[list[str]] = [[] for _ in ideas]
    drafts: list[list[CleanResult]] = [[] for _ in ideas]
    for attempt in range(attempts):
        rows = [attempt_rows(set_size - len(titles), oversample, attempt) for titles in found]
        owners = [i for i, count in enumerate(rows) for _ in range(count)]
        if not owners:
            break
        for owner, cleaned in zip(owners, draft([ideas[i] for i in owners], seed + attempt), strict=True):
            drafts[owner].append(cleaned)
            if cleaned.title is not None and is_new(cleaned.title, found[owner]):
                found[owner].append(cleaned.title)
    return [DrawnSet(titles[:set_size], d) for titles, d in zip(found, drafts, strict=True)]


def generation_health(sets: Sequence[DrawnSet], set_size: int) -> GenerationHealth:
    """Health of the sets `draw_sets` drew."""
    flat = [cleaned for drawn in sets for cleaned in drawn.drafts]
    dropped = Counter(cleaned.reason for cleaned in flat if cleaned.title is None)
    usable_per_set = [[c.title for c in drawn.drafts if c.title is not None] for drawn in sets]
    return GenerationHealth(
        usable=len(flat) - dropped.total(),
        sampled=len(flat),
        full_sets=sum(len(drawn.titles) >= set_size for drawn in sets),
        sets=len(sets),
        set_size=set_size,
        dropped=dict(dropped.most_common()),
        repeats=sum(len(titles) - len(distinct(titles)) for titles in usable_per_set),
    )


def policy_drafter(model: Any, tokenizer: Any, policy: Callable[[], AbstractContextManager[Any]]) -> Drafter:
    """Drafts by `policy`, one per entry, for `draw_sets`."""

    def draft(ideas: list[str], seed: int) -> list[CleanResult]:
        return [
            d.cleaned for d in sample_drafts(model, tokenizer, ideas, policy, samples_per_idea=1, seed=seed)
        ]

    return draft


def sample_drafts(
    model: Any,
    tokenizer: Any,
    ideas: Sequence[str],
    policy: Callable[[], AbstractContextManager[Any]],
    samples_per_idea: int = 3,
    seed: int = 0,
    sampling: TitleSampling = DEFAULT_SAMPLING,
) -> list[Draft]:
    """Sample `samples_per_idea` drafts per idea under the policy `policy()`
    switches to, one row after another (each idea's together), as written and
    as the inference service cleans them. The same seed for every policy
    compared gives them the same random draws, which narrows the noise of the
    comparison."""
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
    drafts = []
    for idea, row in zip([idea for idea in ideas for _ in range(samples_per_idea)], new_tokens, strict=True):
        text = tokenizer.decode(row, skip_special_tokens=True)
        drafts.append(Draft(text, clean_title(text, bool((row == tokenizer.eos_token_id).any()), idea)))
    return drafts
