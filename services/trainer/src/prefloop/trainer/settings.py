"""Trainer settings (PREFLOOP_TRAINER_*) over the shared base."""

from __future__ import annotations

from pydantic import Field
from pydantic_settings import SettingsConfigDict

from prefloop.shared.settings import PrefloopSettings
from prefloop.trainer.training.config import DPOHyperparameters


class TrainerSettings(PrefloopSettings):
    model_config = SettingsConfigDict(
        env_prefix="PREFLOOP_TRAINER_", env_nested_delimiter="__", populate_by_name=True
    )

    host: str = "127.0.0.1"
    port: int = Field(default=8003, ge=1, le=65535)
    min_new_pairs: int = Field(
        default=32, ge=1, description="new pairs that start a round (sized for a 2-core demo)"
    )
    max_round_pairs: int = Field(
        default=160, ge=1, description="newest pairs one round trains on (bounds a round's time)"
    )
    replay_pairs: int = Field(
        default=32, ge=0, description="older pairs replayed in each round so earlier lessons are kept"
    )
    cooldown_s: float = Field(default=30.0, ge=0, description="minimum time between two rounds")
    max_interval_s: float = Field(
        default=3600.0, ge=0, description="waiting pairs start a round after this long, however few (0: off)"
    )
    poll_interval_s: float = Field(default=2.0, gt=0, description="how often the round trigger is checked")
    eval_fraction: float = Field(
        default=0.2, ge=0.0, lt=1.0, description="share of ideas held out for evaluation"
    )
    gate: bool = Field(
        default=True,
        description="activate a candidate only if it does as well as the active version on held-out pairs",
    )
    gate_tolerance: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="held-out accuracy a candidate may lose on the active version and still pass (noise)",
    )
    gate_sets: int = Field(
        default=16,
        ge=0,
        le=256,
        description="sets of N titles the candidate, its parent and base each draw on held-out ideas, with "
        "the same random draws: the candidate must serve full sets of usable titles as often, and its "
        "titles duel its parent's (0: neither)",
    )
    gate_set_size: int = Field(
        default=4, ge=1, le=16, description="titles per set in the health check: the N users ask for"
    )
    gate_full_sets_tolerance: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="share of full sets a candidate may lose on base or its parent (paired draws; one set "
        "of 16 is 0.0625): short sets are what users meet",
    )
    gate_usable_tolerance: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="share of usable titles a candidate may lose on base or its parent (fewer usable "
        "titles cost retries before they cost short sets)",
    )
    gate_users_tolerance: float = Field(
        default=0.1,
        ge=0.0,
        le=1.0,
        description="preference accuracy on users' held-out pairs a candidate may lose on the active "
        "version when the reward model's duels decide",
    )
    gate_held_out_pairs: int = Field(
        default=128,
        ge=1,
        le=4096,
        description="users' held-out pairs, newest first, a candidate is scored on",
    )
    gate_min_accuracy_gain: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="held-out preference accuracy a candidate must gain on the active version (0: any gain)",
    )
    canary_fraction: float = Field(
        default=0.0,
        ge=0.0,
        le=1.0,
        description="share of requests comparing a gated candidate with the active version (0: activate)",
    )
    reward_gate: bool = Field(
        default=True,
        description="the candidate's titles in the gate's sets duel its parent's, judged by a reward model "
        "fitted on other ideas than the one that ranks on-policy pairs; the duels replace held-out "
        "accuracy (false: accuracy gate)",
    )
    reward_gate_min_pairs: int = Field(
        default=40,
        ge=1,
        description="pairs the gate's reward model needs (and it must rank held-out pairs better than "
        "chance) before its duels decide; until then users' held-out pairs decide within their tolerance",
    )
    reward_pair_ideas: int = Field(
        default=48,
        ge=0,
        le=512,
        description="training ideas per round whose sampled titles the reward model ranks into extra pairs "
        "(0: off)",
    )
    reward_pair_samples: int = Field(default=4, ge=2, le=32, description="titles sampled per such idea")
    # One: the best sample made the chosen side of every pair of its idea, and
    # with the likelihood term each pair pulled the policy onto that one title;
    # by round 3 candidates repeated themselves until sets stayed short
    # (docs/learning.md).
    reward_pairs_per_idea: int = Field(
        default=1,
        ge=1,
        le=31,
        description="sampled titles the reward model's best one is paired against, least liked first",
    )
    reward_min_margin: float = Field(
        default=1.0, ge=0, description="reward difference below which two sampled titles make no pair"
    )
    reward_dropped_pairs_per_idea: int = Field(
        default=1,
        ge=0,
        le=31,
        description="sampled drafts the inference service would drop (unfinished, too long, the idea handed "
        "back...), each paired under the idea's best usable sample (0: off)",
    )
    reward_idea_handed_back: bool = Field(
        default=True,
        description="each sampled idea's best usable sample also paired over the idea handed back as a "
        "title, so a round does not learn to copy the idea",
    )
    reward_repeats_pushed_down: bool = Field(
        default=True,
        description="a title sampled more than once for an idea is never the chosen side of a pair, and is "
        "paired under the idea's best title sampled once, so rounds do not narrow onto one title per idea",
    )
    reward_filter_min_pairs: int = Field(
        default=200,
        ge=0,
        description="pairs of history from which a round trains only on users' pairs that a reward model "
        "fitted on other ideas agrees with (0: off)",
    )
    canary_min_decisions: int = Field(default=30, ge=1, description="decisions before a canary is judged")
    canary_promote_above: float = Field(
        default=0.5, ge=0, lt=1, description="promote when the win rate interval's lower end clears this"
    )
    canary_rollback_below: float = Field(
        default=0.5,
        gt=0,
        le=1,
        description="roll back when the win rate interval's upper end falls under this",
    )
    canary_check_interval_s: float = Field(default=15.0, gt=0)
    feedback_url: str = Field(
        default="http://127.0.0.1:8002", description="where the canary win rates come from"
    )
    inference_url: str = Field(
        default="http://127.0.0.1:8001", description="where each version's served sets are counted"
    )
    serving_min_sets: int = Field(
        default=20,
        ge=1,
        description="sets a version serves (active, or its share of canary sets) before the serving "
        "watch judges it, and the version it is compared with must have served for its rate to stand",
    )
    serving_detectable_excess: float = Field(
        default=0.05,
        gt=0,
        lt=1,
        description="how much larger a share of short or failed sets than the version it replaced or "
        "base an active version must serve for the serving watch to be built to roll it back",
    )
    serving_false_rollback_rate: float = Field(
        default=0.01,
        gt=0,
        lt=1,
        description="the chance, over every look the serving watch takes, that it rolls back a version "
        "no worse than the one it replaced or base",
    )
    serving_unreferenced_bad_share: float = Field(
        default=0.2,
        gt=0,
        lt=1,
        description="the share of short or failed sets an active version is held to when neither the "
        "version it replaced nor base has served enough sets to compare with",
    )
    serving_check_interval_s: float = Field(default=15.0, gt=0)
    max_adapter_rank: int = Field(default=64, ge=1, le=512)
    torch_threads: int | None = Field(
        default=None, ge=1, le=256, description="CPU threads for torch; unset keeps torch's default"
    )
    consumer_group: str = "prefloop-trainer"
    dpo: DPOHyperparameters = Field(default_factory=DPOHyperparameters)
