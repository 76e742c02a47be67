"""Generation health: does a policy still write usable titles?

Held-out preference accuracy scores given titles; it cannot see a policy that
ranks them well but no longer writes them. Stacked DPO rounds can drift into
keyword strings or titles that never end, which the inference service drops
(and answers 503 when none are left). This samples titles for a few held-out
ideas exactly as the service would and counts how many survive cleaning.
The same samples serve the reward gate (judging.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any

from prefloop.shared.prompts import render_prompt
from prefloop.shared.titles import DEFAULT_SAMPLING, TitleSampling, clean_title


@dataclass(frozen=True)
class GenerationHealth:
    usable: int  # samples that survived cleaning
    sampled: int

    @property
    def share(self) -> float:
        return self.usable / self.sampled if self.sampled else 0.0


def health_ideas(held_out: Sequence[Any], limit: int) -> list[str]:
    """The first `limit` distinct ideas of the held-out pairs: where health is sampled."""
    return list(dict.fromkeys(p.idea for p in held_out))[:limit]


def generation_health(samples: Sequence[Sequence[str | None]]) -> GenerationHealth:
    """How many of the titles `sample_titles` drew survived cleaning."""
    flat = [title for per_idea in samples for title in per_idea]
    return GenerationHealth(usable=sum(title is not None for title in flat), sampled=len(flat))


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
        out = model.generate(
            **batch,
            do_sample=True,
            temperature=sampling.temperature,
            top_p=sampling.top_p,
            max_new_tokens=sampling.max_new_tokens,
            pad_token_id=tokenizer.pad_token_id
            if tokenizer.pad_token_id is not None
            else tokenizer.eos_token_id,
        )
    titles: list[str | None] = []
    for row in out[:, batch["input_ids"].shape[1] :]:
        finished = bool((row == tokenizer.eos_token_id).any())
        titles.append(clean_title(tokenizer.decode(row, skip_special_tokens=True), finished).title)
    return [titles[i : i + samples_per_idea] for i in range(0, len(titles), samples_per_idea)]
