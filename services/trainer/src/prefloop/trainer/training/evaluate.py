"""Held-out pairs scored under a policy, and the two yardsticks drawn from those scores.

- `preference_score`, reference-free: how often a policy gives the chosen
  title a higher mean token log-probability than the rejected one, and by
  how much. DPO's own metrics measure a policy against its reference, which
  differs between rounds (warm starts use the parent as reference); the gate
  needs one yardstick for both the candidate and the active version.
- `implicit_reward_metrics`: DPO's implicit reward, beta (log pi - log pi_ref)
  summed over the title's tokens, against the round's reference, as TRL's
  DPO evaluation reports it (and under its names). It is computed from the
  same log-probabilities, so each title is scored once per policy.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol

SCORING_BATCH = 16  # title sequences per forward pass


class PairText(Protocol):
    @property
    def prompt(self) -> str: ...

    @property
    def chosen(self) -> str: ...

    @property
    def rejected(self) -> str: ...


@dataclass(frozen=True)
class TitleLogprob:
    """A title's log-probability after its prompt, end-of-sequence token included."""

    total: float
    tokens: int

    @property
    def mean(self) -> float:
        return self.total / self.tokens


@dataclass(frozen=True)
class ScoredPair:
    chosen: TitleLogprob
    rejected: TitleLogprob


@dataclass(frozen=True)
class PreferenceScore:
    accuracy: float  # share of pairs where chosen scores above rejected
    margin: float  # mean (chosen - rejected) of mean token log-probabilities
    pairs: int

    def beats(self, other: PreferenceScore) -> bool:
        if self.accuracy != other.accuracy:
            return self.accuracy > other.accuracy
        return self.margin > other.margin


def title_logprobs(model: Any, tokenizer: Any, rows: Sequence[tuple[str, str]]) -> list[TitleLogprob]:
    """Each (prompt, title)'s log-probability, in batches. Rows are
    right-padded, so no real token attends to padding and each row scores as
    it would alone."""
    import torch

    encoded = []
    for prompt, title in rows:
        prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
        full_ids = tokenizer(prompt + title + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
        encoded.append((max(len(prompt_ids) - 1, 0), full_ids))
    pad = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else tokenizer.eos_token_id
    scored: list[TitleLogprob] = []
    for first in range(0, len(encoded), SCORING_BATCH):
        batch = encoded[first : first + SCORING_BATCH]
        width = max(len(ids) for _, ids in batch)
        ids = torch.tensor([row + [pad] * (width - len(row)) for _, row in batch], device=model.device)
        lengths = torch.tensor([len(row) for _, row in batch], device=model.device)
        starts = torch.tensor([start for start, _ in batch], device=model.device)
        positions = torch.arange(width, device=model.device)[None, :]
        with torch.inference_mode():
            logits = model(input_ids=ids, attention_mask=(positions < lengths[:, None]).long()).logits
            logits = logits[:, :-1].float()
            picked = logits.gather(2, ids[:, 1:, None]).squeeze(2) - torch.logsumexp(logits, dim=-1)
            # position t predicts token t + 1: the title's tokens, up to each row's end
            in_title = (positions[:, :-1] >= starts[:, None]) & (positions[:, 1:] < lengths[:, None])
            totals, counts = (picked * in_title).sum(1), in_title.sum(1)
        scored.extend(TitleLogprob(float(t), int(c)) for t, c in zip(totals, counts, strict=True))
    return scored


def score_pairs(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[PairText],
    policy: Callable[[], AbstractContextManager[Any]],
) -> list[ScoredPair]:
    """`pairs` under the policy that `policy()` switches the model to."""
    rows = [(p.prompt, title) for p in pairs for title in (p.chosen, p.rejected)]
    with policy():
        scores = title_logprobs(model, tokenizer, rows)
    return [ScoredPair(chosen, rejected) for chosen, rejected in zip(scores[::2], scores[1::2], strict=True)]


def preference_score(scored: Sequence[ScoredPair]) -> PreferenceScore:
    if not scored:
        raise ValueError("a preference score needs at least one pair")
    margins = [pair.chosen.mean - pair.rejected.mean for pair in scored]
    wins = sum(margin > 0 for margin in margins)
    return PreferenceScore(accuracy=wins / len(scored), margin=sum(margins) / len(margins), pairs=len(scored))


def implicit_reward_metrics(
    policy: Sequence[ScoredPair], reference: Sequence[ScoredPair], beta: float
) -> dict[str, float]:
    """DPO's implicit reward of the policy against its reference on the same pairs."""
    if not policy or len(policy) != len(reference):
        raise ValueError("implicit rewards need the same pairs, at least one, under both policies")
    chosen = [beta * (p.chosen.total - r.chosen.total) for p, r in zip(policy, reference, strict=True)]
    rejected = [beta * (p.rejected.total - r.rejected.total) for p, r in zip(policy, reference, strict=True)]
    n = len(policy)
    return {
        "eval_rewards/chosen": sum(chosen) / n,
        "eval_rewards/rejected": sum(rejected) / n,
        "eval_rewards/accuracies": sum(c > r for c, r in zip(chosen, rejected, strict=True)) / n,
        "eval_rewards/margins": (sum(chosen) - sum(rejected)) / n,
        "eval_logps/chosen": sum(p.chosen.total for p in policy) / n,
        "eval_logps/rejected": sum(p.rejected.total for p in policy) / n,
    }
