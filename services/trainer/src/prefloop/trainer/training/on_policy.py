"""On-policy pairs: the policy a round starts from writes titles for training
ideas, and the reward model ranks them into extra DPO pairs. Users only ever
judge a handful of titles per idea; the reward model can judge many more.

Its drafts that the inference service would drop (unfinished at the token
limit, too long, the idea handed back, the prompt's own words...) make pairs
too: the idea's best usable sample over the dropped draft as written. No user
ever sees such a draft, so any served title beats it, whatever the audience's
taste. DPO pushes titles towards what users chose, and on an audience that
likes long titles it pushes them past the point where they end; these pairs
push back exactly where the policy has started to break (docs/learning.md).

They come from the policy the round starts from, so they cannot see where the
round itself will break. One failure is common enough to forestall: on an
audience that takes titles close to the idea, DPO pushes the policy on to
hand the idea back as its title, which cleaning drops, and sets come up
short. So each sampled idea also pairs its best usable sample over the idea
handed back as a title, whatever the policy wrote.

Stacked rounds also narrow a policy onto one title per idea: it writes it
again and again, usable every time, and sets come up short of distinct titles
(docs/learning.md). Where the starting policy already draws a title more than
once for an idea, that title is never made the chosen side of a pair, and it
is paired under the best title drawn once: whatever the audience's taste, a
set needs N different titles, and a title drawn twice in four already takes
more than its share of one.

Only the ranked pair needs the idea's best sample: a dropped draft, the idea
handed back or a repeated title loses to any usable title. Made the chosen
side of all of them, the best title took up to four pairs of its idea and
the likelihood term pulled the policy onto it; so the pairs of one idea take
its usable titles in turn, best first (docs/learning.md)."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prefloop.shared.titles import same_title
from prefloop.trainer.training.dpo import ExtraPairs, TrainingPair
from prefloop.trainer.training.health import Draft, sample_drafts
from prefloop.trainer.training.judging import ranked_pairs, scored_usable
from prefloop.trainer.training.reward import TitleReward

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairSampling:
    reward: TitleReward
    ideas: Sequence[str]  # training ideas
    samples: int = 4  # titles sampled per idea
    pairs_per_idea: int = 1  # the best sample against this many others
    min_margin: float = 1.0
    dropped_per_idea: int = 1  # dropped drafts paired under the best sample (0: none)
    idea_handed_back: bool = True  # the best sample over the idea as a title, on every sampled idea
    repeats_pushed_down: bool = True  # a title drawn twice: never chosen, paired under one drawn once


def on_policy_pairs(sampling: PairSampling, seed: int) -> ExtraPairs:
    """The hook `run_dpo` calls before training: the starting policy's ranked samples."""

    def sample(model: Any, tokenizer: Any) -> list[TrainingPair]:
        if not sampling.ideas:
            return []
        model.eval()
        drafts = sample_drafts(
            model, tokenizer, sampling.ideas, contextlib.nullcontext, sampling.samples, seed=seed
        )
        per_idea = [drafts[i : i + sampling.samples] for i in range(0, len(drafts), sampling.samples)]
        repeated: list[TrainingPair] = []
        if sampling.repeats_pushed_down:
            repeated = fresh_over_repeated(sampling.reward, sampling.ideas, per_idea, turn=3)
            per_idea = [without_repeats(row) for row in per_idea]
        titles = [[d.cleaned.title for d in row] for row in per_idea]
        ranked = ranked_pairs(
            sampling.reward, sampling.ideas, titles, sampling.min_margin, sampling.pairs_per_idea
        )
        # The ranked pair chose the best (turn 0); the others take the next usable titles.
        handed_back = (
            served_over_idea(sampling.reward, sampling.ideas, per_idea, turn=1)
            if sampling.idea_handed_back
            else []
        )
        dropped = served_over_dropped(
            sampling.reward, sampling.ideas, per_idea, sampling.dropped_per_idea, turn=2
        )
        log.info(
            "%d on-policy pairs ranked by the reward model, %d over drafts the service would drop, "
            "%d over the idea handed back, %d over a title drawn more than once",
            len(ranked),
            len(dropped),
            len(handed_back),
            len(repeated),
        )
        ranked_as_pairs = (TrainingPair(p.idea, p.chosen, p.rejected) for p in ranked)
        return [*ranked_as_pairs, *dropped, *handed_back, *repeated]

    return sample


def served_over_dropped(
    reward: TitleReward, ideas: Sequence[str], drafts: Sequence[Sequence[Draft]], per_idea: int, turn: int = 0
) -> list[TrainingPair]:
    """Per idea, up to `per_idea` drafts cleaning dropped, as the model wrote
    them (blank ones aside: there is nothing to push down), each under a usable
    draft: the `turn`-th the reward model likes best, then the next."""
    pairs: list[TrainingPair] = []
    for idea, row in zip(ideas, drafts, strict=True):
        usable = usable_best_first(reward, idea, row)
        dropped = [d.text.strip() for d in row if d.cleaned.title is None and d.text.strip()]
        if usable:
            pairs.extend(
                TrainingPair(idea, in_turn(usable, turn + k), text)
                for k, text in enumerate(dropped[:per_idea])
            )
    return pairs


def usable_best_first(reward: TitleReward, idea: str, row: Sequence[Draft]) -> list[str]:
    """The distinct usable drafts, the one the reward model likes best first."""
    return [title for _, title in reversed(scored_usable(reward, idea, [d.cleaned.title for d in row]))]


def in_turn(usable: Sequence[str], turn: int) -> str:
    """The `turn`-th of an idea's usable titles, starting over when they run out."""
    return usable[turn % len(usable)]


def idea_as_title(idea: str) -> str:
    """The idea handed back as a title, as the model writes it when it copies: first letter up."""
    stripped = idea.strip()
    return stripped[:1].upper() + stripped[1:]


def served_over_idea(
    reward: TitleReward, ideas: Sequence[str], drafts: Sequence[Sequence[Draft]], turn: int = 0
) -> list[TrainingPair]:
    """Per idea, a usable draft (the `turn`-th the reward model likes best) over the idea handed back."""
    pairs: list[TrainingPair] = []
    for idea, row in zip(ideas, drafts, strict=True):
        usable = usable_best_first(reward, idea, row)
        if usable:
            pairs.append(TrainingPair(idea, in_turn(usable, turn), idea_as_title(idea)))
    return pairs


def repeated_titles(row: Sequence[Draft]) -> list[str]:
    """The usable titles drawn more than once in `row` (the same title to a
    reader, `prefloop.shared.titles.same_title`), as first written, most drawn first."""
    counts: dict[str, int] = {}
    for draft in row:
        title = draft.cleaned.title
        if title is None:
            continue
        first = next((seen for seen in counts if same_title(title, seen)), title)
        counts[first] = counts.get(first, 0) + 1
    repeated = [title for title, count in counts.items() if count > 1]
    return sorted(repeated, key=lambda title: -counts[title])


def without_repeats(row: Sequence[Draft]) -> list[Draft]:
    """`row` less the usable drafts of titles drawn more than once, so that no
    pair chooses them; unchanged when no other usable draft would be left."""
    kept = _drawn_once(row, repeated_titles(row))
    return kept if any(d.cleaned.title is not None for d in kept) else list(row)


def _drawn_once(row: Sequence[Draft], repeated: Sequence[str]) -> list[Draft]:
    """`row` less the usable drafts that are one of the `repeated` titles."""
    return [
        d
        for d in row
        if d.cleaned.title is None or not any(same_title(d.cleaned.title, title) for title in repeated)
    ]


def fresh_over_repeated(
    reward: TitleReward, ideas: Sequence[str], drafts: Sequence[Sequence[Draft]], turn: int = 0
) -> list[TrainingPair]:
    """Per idea, a usable title drawn once (the `turn`-th the reward model
    likes best) over the title drawn most often, when the policy drew one more
    than once and wrote another."""
    pairs: list[TrainingPair] = []
    for idea, row in zip(ideas, drafts, strict=True):
        repeated = repeated_titles(row)
        if not repeated:
            continue  # nothing to push down: no title of this idea needs scoring
        usable = usable_best_first(reward, idea, _drawn_once(row, repeated))
        if usable:
            pairs.append(TrainingPair(idea, in_turn(usable, turn), repeated[0]))
    return pairs
