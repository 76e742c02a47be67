"""A round's recipe, in pure steps that both the trainer's `RoundRunner` and
`make loop-sim` call, so what is measured is what runs:

1. `plan_round`: split the round's pairs by idea (each idea keeps its side
   for good), fit the reward models, leave out the users' pairs a reward
   model fitted on other ideas disagrees with, and choose where the reward
   models work (training ideas to sample pairs on, held-out ideas to duel
   and to check health on).
2. `train_and_assess`: train the adapter (dpo.py), then assess it against
   its parent and base (assessment.py).
3. `verdict`: the gate's refusal, or None (gate.py).

Scheduling, the store and the registry stay with the caller.
"""

from __future__ import annotations

import logging
import random
import zlib
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Generic, Protocol, TypeVar

from prefloop.shared.prompts import normalise_idea
from prefloop.trainer.training.assessment import Assessment, assess
from prefloop.trainer.training.config import DPOHyperparameters
from prefloop.trainer.training.dpo import TrainedAdapter, TrainingPair, run_dpo
from prefloop.trainer.training.gate import GateRule, candidate_refusal
from prefloop.trainer.training.health import health_draws
from prefloop.trainer.training.judging import cross_fitted_margins
from prefloop.trainer.training.on_policy import PairSampling, on_policy_pairs
from prefloop.trainer.training.reward import TitleReward
from prefloop.trainer.training.split import Sides, split_by_idea

log = logging.getLogger(__name__)


class RecipePair(Protocol):
    @property
    def idea(self) -> str: ...
    @property
    def idea_hash(self) -> str: ...
    @property
    def chosen(self) -> str: ...
    @property
    def rejected(self) -> str: ...


P = TypeVar("P", bound=RecipePair)


@dataclass(frozen=True)
class RecipePolicy:
    """The recipe's settings (RoundPolicy carries them for the trainer)."""

    eval_fraction: float = 0.2
    gate: bool = True
    gate_rule: GateRule = field(default_factory=lambda: GateRule(reward_gate=False))
    gate_sets: int = 16  # sets each policy draws on held-out ideas, for health and duels (0: none)
    gate_set_size: int = 4  # the N users ask for
    gate_held_out_pairs: int = 128  # users' held-out pairs, newest first, the candidate is scored on
    reward_gate_min_pairs: int = 40  # pairs the gate's reward model needs before its duels decide
    reward_pair_ideas: int = 0  # training ideas whose on-policy samples become ranked pairs
    reward_pair_samples: int = 4
    reward_pairs_per_idea: int = 1
    reward_min_margin: float = 1.0
    reward_dropped_pairs_per_idea: int = 1  # sampled drafts the service would drop, paired under the best
    reward_idea_handed_back: bool = True  # each sampled idea's best sample over the idea as a title
    reward_repeats_pushed_down: bool = True  # a title sampled twice for an idea is paired under a fresh one
    reward_filter_min_pairs: int = 0  # history from which users' pairs must agree with the reward (0: off)


@dataclass(frozen=True)
class RoundPlan(Generic[P]):
    train: list[P]  # users' training pairs DPO trains on (after the agreement filter)
    train_before_filter: int
    held_out: list[P]  # users' held-out pairs the candidate is scored on
    gate_ideas: list[str]  # held-out ideas to draw sets on, one set per entry (they repeat when few)
    pair_sampling: PairSampling | None = None
    duel_reward: TitleReward | None = None  # judges the gate's duels; None: no duels
    reward: dict[str, Any] = field(default_factory=dict)  # the reward models' own figures


@dataclass(frozen=True)
class RoundResult:
    trained: TrainedAdapter
    assessment: Assessment


def _fold(idea: str) -> int:
    return zlib.crc32(normalise_idea(idea).encode()) % 2


def plan_round(
    pairs: Sequence[P], history: Sequence[P], policy: RecipePolicy, seed: int, known: Sides
) -> RoundPlan[P]:
    """`pairs`: the round's (new and replayed); `history`: the newest pairs, used
    or not, for the reward models and the held-out yardsticks; `known`: every
    idea's side (the round's ideas included)."""
    train, held_out = split_by_idea(list(pairs), policy.eval_fraction, known)
    history_train, history_held = split_by_idea(list(history), policy.eval_fraction, known)
    agreed = agreed_pairs(history_train, train, policy)
    # Pairs come oldest first: the newest held-out pairs lead, the round's own first.
    held = _newest_distinct([*reversed(held_out), *reversed(history_held)], policy.gate_held_out_pairs)
    # Other held-out ideas each round, so no few ideas decide every verdict.
    held_ideas = sorted({p.idea for p in [*held, *history_held]})
    chosen = random.Random(seed).sample(held_ideas, min(policy.gate_sets, len(held_ideas)))
    plan = RoundPlan(
        train=agreed,
        train_before_filter=len(train),
        held_out=held,
        gate_ideas=health_draws(chosen, policy.gate_sets) if policy.gate else [],
    )
    return _with_reward_models(plan, history_train, history_held, train, policy)


def _newest_distinct(pairs: Sequence[P], limit: int) -> list[P]:
    seen: dict[tuple[str, str, str], P] = {}
    for p in pairs:
        seen.setdefault((p.idea_hash, p.chosen, p.rejected), p)
    return list(seen.values())[:limit]


def _with_reward_models(
    plan: RoundPlan[P],
    history_train: Sequence[P],
    history_held: Sequence[P],
    train: Sequence[P],
    policy: RecipePolicy,
) -> RoundPlan[P]:
    """Two reward models on disjoint folds of the training ideas: one ranks the
    on-policy pairs DPO learns from, the other judges the gate's duels, so a
    candidate cannot pass by learning one model's quirks. The duels decide
    only once the gate's model has `reward_gate_min_pairs` pairs and ranks
    users' held-out pairs better than chance; until then (the first rounds)
    there are no duels. With one fold empty, the one model ranks the pairs."""
    reward_gate = policy.gate and policy.gate_rule.reward_gate and bool(plan.gate_ideas)
    if not (reward_gate or policy.reward_pair_ideas) or not history_train:
        return plan
    folds: tuple[list[P], list[P]] = ([], [])
    for p in history_train:
        folds[_fold(p.idea)].append(p)
    pair_reward = TitleReward.fit(folds[0] or folds[1])
    gate_reward = TitleReward.fit(folds[1]) if folds[0] and folds[1] else None
    gate_accuracy = gate_reward.accuracy(history_held) if gate_reward and history_held else 0.0
    pair_accuracy = pair_reward.accuracy(history_held) if history_held else 0.0
    credible = (
        gate_reward is not None and len(folds[1]) >= policy.reward_gate_min_pairs and gate_accuracy > 0.5
    )
    newest_train_ideas = list(dict.fromkeys(p.idea for p in reversed(train)))
    sampling = PairSampling(
        reward=pair_reward,
        ideas=newest_train_ideas[: policy.reward_pair_ideas],
        samples=policy.reward_pair_samples,
        pairs_per_idea=policy.reward_pairs_per_idea,
        min_margin=policy.reward_min_margin,
        dropped_per_idea=policy.reward_dropped_pairs_per_idea,
        idea_handed_back=policy.reward_idea_handed_back,
        repeats_pushed_down=policy.reward_repeats_pushed_down,
    )
    reward = {
        "pairs": len(history_train),
        "folds": [len(folds[0]), len(folds[1])],
        "held_out_accuracy": gate_accuracy,
        "pair_model_held_out_accuracy": pair_accuracy,
        "duels_decide": bool(reward_gate and credible),
    }
    log.info(
        "reward models fitted on %d and %d pairs rank %d held-out pairs as users did %.0f%% (gate) "
        "and %.0f%% (pairs) of the time; duels %s",
        len(folds[0]),
        len(folds[1]),
        len(history_held),
        100 * gate_accuracy,
        100 * pair_accuracy,
        "decide" if reward["duels_decide"] else "wait for a credible model",
    )
    return RoundPlan(
        train=plan.train,
        train_before_filter=plan.train_before_filter,
        held_out=plan.held_out,
        gate_ideas=plan.gate_ideas,
        pair_sampling=sampling if sampling.ideas else None,
        duel_reward=gate_reward if reward["duels_decide"] else None,
        reward=reward,
    )


def agreed_pairs(fit_on: Sequence[RecipePair], train: Sequence[P], policy: RecipePolicy) -> list[P]:
    """The round's training pairs that a reward model fitted on other ideas
    agrees with. Implicit feedback is noisy: users pick among titles they like
    equally (a tie teaches DPO nothing but still moves likelihood) and now and
    then pick the worse one (docs/learning.md measures how many of each this
    leaves out). Off below `reward_filter_min_pairs` pairs of history, where
    the model is still too weak to judge; all pairs when it would keep none."""
    if not policy.reward_filter_min_pairs or len(fit_on) < policy.reward_filter_min_pairs:
        return list(train)
    margins = cross_fitted_margins(fit_on, train)
    if margins is None:
        return list(train)
    agreed = [pair for pair, margin in zip(train, margins, strict=True) if margin > 0]
    log.info(
        "%d of %d training pairs agree with a reward model fitted on other ideas", len(agreed), len(train)
    )
    return agreed or list(train)


def training_pairs(pairs: Sequence[RecipePair]) -> list[TrainingPair]:
    return [TrainingPair(p.idea, p.chosen, p.rejected) for p in pairs]


def train_and_assess(
    plan: RoundPlan[Any],
    base_model_path: str,
    hp: DPOHyperparameters,
    work_dir: Path,
    policy: RecipePolicy,
    parent_adapter: Path | None = None,
    seed: int = 0,
) -> RoundResult:
    extra = on_policy_pairs(plan.pair_sampling, hp.seed) if plan.pair_sampling else None
    trained = run_dpo(
        base_model_path, training_pairs(plan.train), hp, work_dir, parent_adapter, extra_pairs=extra
    )
    assessment = assess(
        trained,
        training_pairs(plan.held_out),
        parent_adapter,
        gate_ideas=plan.gate_ideas,
        set_size=policy.gate_set_size,
        duel_reward=plan.duel_reward,
        seed=seed,
    )
    return RoundResult(trained, assessment)


def verdict(result: RoundResult, policy: RecipePolicy) -> str | None:
    """Why the candidate must not serve, or None; no refusal with the gate off."""
    return candidate_refusal(result.assessment, policy.gate_rule) if policy.gate else None


def round_metrics(plan: RoundPlan[Any], result: RoundResult) -> dict[str, Any]:
    """What a round stores about itself (training_runs.metrics, the manifest)."""
    trained, assessment = result.trained, result.assessment
    metrics: dict[str, Any] = {
        **assessment.metrics,
        "steps": trained.steps,
        "seconds_per_step": trained.seconds_per_step,
        "seconds": {phase: round(s, 1) for phase, s in {**trained.seconds, **assessment.seconds}.items()},
    }
    if assessment.candidate_score and assessment.active_score:
        metrics["gate"] = {
            "candidate": asdict(assessment.candidate_score),
            "active": asdict(assessment.active_score),
        }
    if assessment.duels:
        metrics["duels"] = asdict(assessment.duels)
    if trained.sampled_pairs:
        metrics["sampled_pairs"] = trained.sampled_pairs
    if assessment.health:
        metrics["health"] = {name: asdict(h) for name, h in assessment.health.items()}
    if plan.reward:
        metrics["reward"] = plan.reward
    if len(plan.train) < plan.train_before_filter:
        metrics["agreed_pairs"] = {"kept": len(plan.train), "of": plan.train_before_filter}
    return metrics
