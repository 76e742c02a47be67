"""On-policy pairs: the policy a round starts from writes titles for training
ideas, and the reward model ranks them into extra DPO pairs. Users only ever
judge a handful of titles per idea; the reward model can judge many more."""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from prefloop.trainer.training.dpo import ExtraPairs, TrainingPair
from prefloop.trainer.training.health import sample_titles
from prefloop.trainer.training.judging import ranked_pairs
from prefloop.trainer.training.reward import TitleReward

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PairSampling:
    reward: TitleReward
    ideas: Sequence[str]  # training ideas
    samples: int = 4  # titles sampled per idea
    pairs_per_idea: int = 1  # the best sample against this many others
    min_margin: float = 1.0


def on_policy_pairs(sampling: PairSampling, seed: int) -> ExtraPairs:
    """The hook `run_dpo` calls before training: the starting policy's ranked samples."""

    def sample(model: Any, tokenizer: Any) -> list[TrainingPair]:
        if not sampling.ideas:
            return []
        model.eval()
        titles = sample_titles(
            model, tokenizer, sampling.ideas, contextlib.nullcontext, sampling.samples, seed=seed
        )
        ranked = ranked_pairs(
            sampling.reward, sampling.ideas, titles, sampling.min_margin, sampling.pairs_per_idea
        )
        log.info("%d on-policy pairs ranked by the reward model", len(ranked))
        return [TrainingPair(p.idea, p.chosen, p.rejected) for p in ranked]

    return sample
