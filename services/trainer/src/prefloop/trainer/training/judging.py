"""What the learned reward model decides in a round.

- `reward_duels`: the candidate's and its parent's usable sampled titles on
  held-out ideas, judged pairwise by the reward model, as the learning
  benchmark judges a version's served titles against base's with the taste. This is what the gate asks:
  does the candidate write better titles, not does it rank given pairs better.
- `cross_fitted_margins`: how strongly a reward model that never saw a
  users' pair agrees with it, to keep the ties and slips of implicit
  feedback out of DPO's data.
- `ranked_pairs`: the parent's own samples on training ideas, the best by
  the reward model against the others, as extra on-policy DPO pairs. Users only ever
  judge a handful of titles per idea; the reward model can judge many more.
"""

from __future__ import annotations

import zlib
from collections.abc import Sequence
from dataclasses import dataclass

from prefloop.shared.prompts import normalise_idea
from prefloop.shared.titles import distinct
from prefloop.trainer.training.reward import Pair, TitleReward


@dataclass(frozen=True)
class Duels:
    wins: int
    losses: int
    ties: int

    @property
    def win_rate(self) -> float:
        """Wins among decided duels; 0.5 when none was decided."""
        decided = self.wins + self.losses
        return self.wins / decided if decided else 0.5


@dataclass(frozen=True)
class SampledPair:
    idea: str
    chosen: str
    rejected: str
    margin: float  # reward of chosen minus reward of rejected


def reward_duels(
    reward: TitleReward,
    ideas: Sequence[str],
    candidate: Sequence[Sequence[str | None]],
    parent: Sequence[Sequence[str | None]],
) -> Duels:
    """Per idea, the candidate's k-th distinct usable title against the
    parent's k-th, as far as both have one: what a user would be shown by each.

    Unusable titles (None) take no part: the service drops them and draws
    again, so they cost users short sets, which generation health judges.
    Counted as lost duels they made the duels a second, cruder health check:
    the base model writes a usable title in about a third of its draws, so in
    one round 2 of 96 duels set two usable titles against each other, and the
    duels refused a candidate whose titles the taste preferred (docs/learning.md)."""
    wins = losses = ties = 0
    for idea, ours, theirs in zip(ideas, candidate, parent, strict=True):
        for a, b in zip(_distinct_usable(ours), _distinct_usable(theirs), strict=False):
            score_a, score_b = reward.score(idea, a), reward.score(idea, b)
            wins += score_a > score_b
            losses += score_a < score_b
            ties += score_a == score_b
    return Duels(wins=wins, losses=losses, ties=ties)


def _distinct_usable(titles: Sequence[str | None]) -> list[str]:
    """The titles a user would be shown, in the order drawn: usable, each once."""
    return distinct(title for title in titles if title is not None)


def ranked_pairs(
    reward: TitleReward,
    ideas: Sequence[str],
    samples: Sequence[Sequence[str | None]],
    min_margin: float,
    per_idea: int = 1,
) -> list[SampledPair]:
    """Per idea, the usable sample the reward model likes best against up to
    `per_idea` others, the ones it likes least first, when the best leads by at
    least `min_margin` (a near tie is noise, not a preference). Pairing the
    best against several of the policy's own titles gets more out of each
    sampled title, but makes that one title the chosen side of every pair, and
    stacked rounds then collapse onto it (the trainer pairs against one)."""
    pairs = []
    for idea, titles in zip(ideas, samples, strict=True):
        scored = scored_usable(reward, idea, titles)
        if len(scored) < 2:
            continue
        best_score, best = scored[-1]
        for rival_score, rival in scored[:-1][:per_idea]:
            margin = best_score - rival_score
            if margin >= min_margin:
                pairs.append(SampledPair(idea=idea, chosen=best, rejected=rival, margin=margin))
    return pairs


def scored_usable(reward: TitleReward, idea: str, titles: Sequence[str | None]) -> list[tuple[float, str]]:
    """The distinct usable titles with their rewards, the one liked best last."""
    return sorted((reward.score(idea, t), t) for t in {t for t in titles if t is not None})


def _half(idea: str) -> int:
    return zlib.crc32(normalise_idea(idea).encode()) % 2


def cross_fitted_margins(fit_on: Sequence[Pair], pairs: Sequence[Pair]) -> list[float] | None:
    """Each pair's reward margin (chosen minus rejected) under a reward model
    fitted on the other half of the ideas, or None when a half has no pairs.

    Fitted on the pair itself, the model agrees with it whatever it is: on 203
    pairs of a demo it agreed with 97% of those it was fitted on, taste ties
    and users' slips included. Fitted on other ideas, it agrees with the
    users' choice where the choice follows what users prefer in general."""
    halves: tuple[list[Pair], list[Pair]] = ([], [])
    for pair in fit_on:
        halves[_half(pair.idea)].append(pair)
    if not all(halves):
        return None
    models = [TitleReward.fit(half) for half in halves]
    return [models[1 - _half(pair.idea)].margin(pair) for pair in pairs]
