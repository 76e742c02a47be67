"""Reference-free comparison of two policies on the same held-out pairs.

DPO's own eval metrics measure a policy against its reference, which differs
between rounds (warm starts use the parent as reference). The gate needs one
yardstick for both the candidate and the active version: how often a policy
gives the chosen title a higher mean token log-probability than the rejected
one, and by how much.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, Protocol


class PairText(Protocol):
    @property
    def prompt(self) -> str: ...

    @property
    def chosen(self) -> str: ...

    @property
    def rejected(self) -> str: ...


@dataclass(frozen=True)
class PreferenceScore:
    accuracy: float  # share of pairs where chosen scores above rejected
    margin: float  # mean (chosen - rejected) of mean token log-probabilities
    pairs: int

    def beats(self, other: PreferenceScore) -> bool:
        if self.accuracy != other.accuracy:
            return self.accuracy > other.accuracy
        return self.margin > other.margin


def _mean_logprob(model: Any, tokenizer: Any, prompt: str, completion: str) -> float:
    import torch

    prompt_ids = tokenizer(prompt, add_special_tokens=False)["input_ids"]
    full_ids = tokenizer(prompt + completion + tokenizer.eos_token, add_special_tokens=False)["input_ids"]
    ids = torch.tensor([full_ids], device=model.device)
    with torch.inference_mode():
        logits = model(input_ids=ids).logits[0, :-1].float()
    logprobs = torch.log_softmax(logits, dim=-1)
    targets = ids[0, 1:]
    start = max(len(prompt_ids) - 1, 0)
    picked = logprobs[start:].gather(1, targets[start:, None]).squeeze(1)
    return float(picked.mean())


def preference_score(
    model: Any,
    tokenizer: Any,
    pairs: Sequence[PairText],
    policy: Callable[[], AbstractContextManager[Any]],
) -> PreferenceScore:
    """Score `pairs` under the policy that `policy()` switches the model to."""
    if not pairs:
        raise ValueError("a preference score needs at least one pair")
    wins, margins = 0, []
    with policy():
        for pair in pairs:
            chosen = _mean_logprob(model, tokenizer, pair.prompt, pair.chosen)
            rejected = _mean_logprob(model, tokenizer, pair.prompt, pair.rejected)
            wins += chosen > rejected
            margins.append(chosen - rejected)
    return PreferenceScore(accuracy=wins / len(pairs), margin=sum(margins) / len(margins), pairs=len(pairs))
