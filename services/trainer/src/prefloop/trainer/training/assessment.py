"""What a trained candidate is worth, measured against the versions it would
replace, on data it was not trained on:

- users' own held-out pairs: the candidate's and its parent's preference
  accuracy on them, and DPO's implicit reward against the round's reference
  (evaluate.py);
- sets drawn on held-out ideas by the candidate, its parent and base, with
  the same random draws, as the inference service draws them: their health
  (health.py), and duels of the candidate's usable titles against its
  parent's, judged by a reward model fitted on other ideas than the one that
  ranked the round's on-policy pairs (judging.py), so the gate does not grade
  its own homework.

The gate (gate.py) turns an assessment into a verdict.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prefloop.shared.prompts import render_prompt
from prefloop.trainer.training.dpo import TrainedAdapter, TrainingPair
from prefloop.trainer.training.evaluate import (
    PreferenceScore,
    implicit_reward_metrics,
    preference_score,
    score_pairs,
)
from prefloop.trainer.training.health import GenerationHealth, draw_sets, generation_health, policy_drafter
from prefloop.trainer.training.judging import Duels, reward_duels
from prefloop.trainer.training.phases import timed
from prefloop.trainer.training.reward import TitleReward

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PromptedPair:
    prompt: str
    chosen: str
    rejected: str


@dataclass(frozen=True)
class Assessment:
    candidate_score: PreferenceScore | None = None  # on users' held-out pairs
    active_score: PreferenceScore | None = None  # the version it was trained from, same pairs
    # "candidate", "base" and, when it has one, "parent": sets on the same ideas and draws
    health: dict[str, GenerationHealth] = field(default_factory=dict)
    duels: Duels | None = None
    metrics: dict[str, float] = field(default_factory=dict)  # DPO's implicit reward on the held-out pairs
    seconds: dict[str, float] = field(default_factory=dict)  # per phase: held-out scores, each policy's draws


def assess(
    trained: TrainedAdapter,
    held_out: Sequence[TrainingPair],
    parent_adapter: Path | None,
    gate_ideas: Sequence[str] = (),
    set_size: int = 4,
    duel_reward: TitleReward | None = None,
    seed: int = 0,
) -> Assessment:
    """`gate_ideas`: one set is drawn per entry (an idea may repeat)."""
    model, tokenizer = trained.model, trained.tokenizer
    model.eval()
    candidate = lambda: _adapter(model, "default")  # noqa: E731
    parent = _parent_policy(model, parent_adapter)
    metrics: dict[str, float] = {}
    seconds: dict[str, float] = {}
    candidate_score = active_score = None
    if held_out:
        with timed(seconds, "held_out_scores"):
            pairs = [PromptedPair(render_prompt(tokenizer, p.idea), p.chosen, p.rejected) for p in held_out]
            by_candidate = score_pairs(model, tokenizer, pairs, candidate)
            by_parent = score_pairs(model, tokenizer, pairs, parent)
            by_reference = by_parent
            if trained.reference_is_base and parent_adapter is not None:
                by_reference = score_pairs(model, tokenizer, pairs, model.disable_adapter)
            candidate_score, active_score = preference_score(by_candidate), preference_score(by_parent)
            metrics = implicit_reward_metrics(by_candidate, by_reference, trained.beta)
    if not gate_ideas:
        return Assessment(candidate_score, active_score, metrics=metrics, seconds=seconds)
    policies = {"candidate": candidate, "base": model.disable_adapter}
    if parent_adapter is not None:
        policies["parent"] = parent
    drawn = {}
    for name, policy in policies.items():
        with timed(seconds, f"health_draws_{name}"):
            drawn[name] = draw_sets(policy_drafter(model, tokenizer, policy), gate_ideas, set_size, seed=seed)
    health = {name: generation_health(sets, set_size) for name, sets in drawn.items()}
    duels = None
    if duel_reward is not None:
        served = {name: [s.titles for s in sets] for name, sets in drawn.items()}
        theirs = served.get("parent", served["base"])
        duels = reward_duels(duel_reward, gate_ideas, served["candidate"], theirs)
        log.info(
            "candidate against parent on %d held-out sets, by the reward model: %s", len(gate_ideas), duels
        )
    return Assessment(candidate_score, active_score, health, duels, metrics, seconds)


@contextmanager
def _adapter(model: Any, name: str) -> Iterator[None]:
    previous = model.active_adapter
    model.set_adapter(name)
    try:
        yield
    finally:
        model.set_adapter(previous)


def _parent_policy(model: Any, parent_adapter: Path | None) -> Callable[[], AbstractContextManager[Any]]:
    """Switches the model to the version the candidate was trained from."""
    if parent_adapter is None:
        return model.disable_adapter  # type: ignore[no-any-return]
    # Tied to the active version, TRL already holds the parent's weights as the
    # frozen "ref" adapter; otherwise the parent is loaded once.
    if "ref" not in model.peft_config:
        model.load_adapter(str(parent_adapter), adapter_name="ref")
    return lambda: _adapter(model, "ref")
