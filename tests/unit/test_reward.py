"""The learned reward model, the duels it judges and the pairs it ranks."""

from __future__ import annotations

import random
from dataclasses import dataclass

import pytest

from prefloop.trainer.training.assessment import Assessment
from prefloop.trainer.training.evaluate import PreferenceScore
from prefloop.trainer.training.gate import GateRule, candidate_refusal, duel_refusal
from prefloop.trainer.training.judging import (
    Duels,
    cross_fitted_margins,
    ranked_pairs,
    reward_duels,
)
from prefloop.trainer.training.recipe import RecipePolicy, agreed_pairs, plan_round
from prefloop.trainer.training.reward import (
    _REUSED_CENTRES,
    COVERAGE_FEATURES,
    FEATURES,
    IdeaWords,
    TitleReward,
    features,
)
from prefloop.trainer.training.split import split_by_idea

IDEAS = [f"restoring a vintage {thing} at home" for thing in ("radio", "bicycle", "camera", "typewriter")]


@dataclass(frozen=True)
class Pair:
    idea: str
    chosen: str
    rejected: str
    idea_hash: str = ""


def users_who_hate_exclamations(pairs: int, seed: int = 0) -> list[Pair]:
    """Users who always pick the calm title over the shouted one."""
    rng = random.Random(seed)
    out = []
    for _ in range(pairs):
        idea = rng.choice(IDEAS)
        thing = idea.split()[2]
        out.append(
            Pair(idea, f"The {thing} that came back to life", f"The {thing} that came back to life!!!")
        )
    return out


def test_a_fitted_reward_prefers_what_users_preferred_on_ideas_it_never_saw() -> None:
    reward = TitleReward.fit(users_who_hate_exclamations(40))
    unseen = "building a treehouse with my kids"
    assert reward.score(unseen, "A treehouse we built together") > reward.score(
        unseen, "A treehouse we built together!!!"
    )
    assert reward.accuracy(users_who_hate_exclamations(10, seed=1)) == 1.0
    assert reward.pairs == 40


def test_fitting_needs_pairs() -> None:
    with pytest.raises(ValueError, match="at least one pair"):
        TitleReward.fit([])


def test_features_see_how_much_of_the_idea_a_title_uses() -> None:
    idea = "restoring a vintage radio at home"
    dense = dict(features(idea, "Restoring a vintage radio at home"))
    other = dict(features(idea, "Radio, restored"))
    assert dense != other
    used = FEATURES - COVERAGE_FEATURES - len(_REUSED_CENTRES) - 3  # share of the idea's words the title uses
    assert dense[used] == 1.0
    assert other[used] == pytest.approx(1 / 6)


def test_features_tell_a_title_off_the_idea_from_one_about_it() -> None:
    idea = "restoring a vintage radio at home"
    reuses_nothing = FEATURES - COVERAGE_FEATURES - len(_REUSED_CENTRES)  # the bump at zero characters reused
    assert dict(features(idea, "Ten facts about volcanoes"))[reuses_nothing] == 1.0
    assert dict(features(idea, "My vintage radio, restored"))[reuses_nothing] < 0.01


def test_length_steps_let_a_hard_length_limit_be_learned() -> None:
    """Users who take any title up to 44 characters and never a longer one. The
    titles differ only in trailing spaces, so only the length features tell
    them apart; smooth bumps alone spread the limit over many characters."""
    idea = IDEAS[0]

    def title(length: int) -> str:
        return "Radio night at home".ljust(length)

    rng = random.Random(0)
    pairs = [Pair(idea, title(rng.randint(30, 44)), title(rng.randint(45, 59))) for _ in range(200)]
    reward = TitleReward.fit(pairs)
    score = {n: reward.score(idea, title(n)) for n in (40, 44, 45)}
    assert score[44] - score[45] > 2 * (score[40] - score[44])


def test_sharing_an_ideas_subject_covers_it_more_than_sharing_its_common_words() -> None:
    ideas = [*IDEAS, "how to fix a bike", "how to bake bread", "how to paint my door"]
    idea_words = IdeaWords.of(ideas)
    assert idea_words.rarity("how") < idea_words.rarity("bread") < idea_words.rarity("never-seen")
    covers = FEATURES - COVERAGE_FEATURES  # the rarity-weighted share of the idea the title uses
    idea = "how to bake bread"
    about_it = dict(features(idea, "Bake bread like a baker", idea_words))[covers]
    shares_how = dict(features(idea, "How the stars were named", idea_words))[covers]
    assert about_it > 0.5 > shares_how
    # Fitted models know their ideas' words.
    assert TitleReward.fit(users_who_hate_exclamations(40)).idea_words.ideas == len(IDEAS)


def shouting_reward() -> TitleReward:
    return TitleReward.fit(users_who_hate_exclamations(40))


def test_duels_set_kth_usable_title_against_kth_and_leave_unusable_ones_to_health() -> None:
    reward = shouting_reward()
    idea = IDEAS[0]
    duels = reward_duels(
        reward,
        [idea, idea],
        candidate=[
            [None, "A calm title about radios", "a calm title about RADIOS", "Radios, calmly"],
            [None],
        ],
        parent=[["A loud title about radios!!!", None, "Radios, loudly!!!"], ["A usable one"]],
    )
    # calm vs loud, then (the repeat is not shown twice) "Radios, calmly" vs "Radios, loudly!!!";
    # the second idea's usable title has no rival: no duel.
    assert duels == Duels(wins=2, losses=0, ties=0)
    assert reward_duels(reward, [idea], [[None, None]], [["A usable one", None]]) == Duels(0, 0, 0)


def test_ranked_pairs_take_best_against_worst_and_skip_near_ties() -> None:
    reward = shouting_reward()
    samples = [
        ["Radio night!!!", None, "Radio night", "Radio night!"],
        ["Same title", "Same title", None, None],  # one usable distinct title: no pair
    ]
    pairs = ranked_pairs(reward, IDEAS[:2], samples, min_margin=0.0)
    assert [(p.chosen, p.rejected) for p in pairs] == [("Radio night", "Radio night!!!")]
    assert pairs[0].margin > 0
    assert ranked_pairs(reward, IDEAS[:2], samples, min_margin=pairs[0].margin + 1) == []


def test_ranked_pairs_pair_the_best_against_several_rivals_least_liked_first() -> None:
    reward = shouting_reward()
    samples = [["Radio night!", "Radio night!!!", "Radio night", None]]
    pairs = ranked_pairs(reward, IDEAS[:1], samples, min_margin=0.0, per_idea=3)
    assert [(p.chosen, p.rejected) for p in pairs] == [
        ("Radio night", "Radio night!!!"),
        ("Radio night", "Radio night!"),
    ]
    assert pairs[0].margin > pairs[1].margin
    # A rival too close to the best makes no pair, the clearly worse one still does.
    closer = ranked_pairs(reward, IDEAS[:1], samples, min_margin=pairs[1].margin + 1e-6, per_idea=3)
    assert [p.rejected for p in closer] == ["Radio night!!!"]


def assessed(duels: Duels | None, candidate: float = 0.6, active: float = 0.6) -> Assessment:
    return Assessment(
        candidate_score=PreferenceScore(candidate, 0.0, 40),
        active_score=PreferenceScore(active, 0.0, 40),
        duels=duels,
    )


def test_duels_replace_held_out_accuracy_in_the_gate() -> None:
    # Equal accuracy: the accuracy gate would refuse (no gain), the duels decide.
    rule = GateRule(reward_gate=True)
    assert candidate_refusal(assessed(Duels(10, 8, 2)), rule) is None
    reason = candidate_refusal(assessed(Duels(8, 10, 2)), rule)
    assert reason is not None
    assert "won 8 and lost 10" in reason
    accuracy_gate = GateRule(reward_gate=False)
    assert "does not beat" in (candidate_refusal(assessed(Duels(10, 8, 2)), accuracy_gate) or "")
    assert "no held-out pairs" in (candidate_refusal(Assessment(), accuracy_gate) or "")


def test_before_the_duels_decide_users_held_out_pairs_do_within_their_tolerance() -> None:
    rule = GateRule(reward_gate=True, users_tolerance=0.1)
    assert candidate_refusal(assessed(None, candidate=0.55, active=0.6), rule) is None
    assert "users' held-out pairs" in (
        candidate_refusal(assessed(None, candidate=0.4, active=0.6), rule) or ""
    )


def test_users_held_out_pairs_still_refuse_a_candidate_that_wins_its_duels() -> None:
    rule = GateRule(users_tolerance=0.1)
    assert candidate_refusal(assessed(Duels(12, 4, 0), candidate=0.55, active=0.6), rule) is None
    reason = candidate_refusal(assessed(Duels(12, 4, 0), candidate=0.45, active=0.6), rule)
    assert reason is not None
    assert "users' held-out pairs" in reason
    assert "loses 0.150" in reason


def test_undecided_duels_refuse() -> None:
    assert "could not tell" in (duel_refusal(Duels(0, 0, 12)) or "")


def hashed(pairs: list[Pair]) -> list[Pair]:
    return [Pair(p.idea, p.chosen, p.rejected, idea_hash=p.idea) for p in pairs]


def reward_gated(**overrides: object) -> RecipePolicy:
    settings: dict[str, object] = {
        "eval_fraction": 0.3,
        "gate_rule": GateRule(reward_gate=True),
        "reward_pair_ideas": 10,
        "reward_gate_min_pairs": 10,
    }
    return RecipePolicy(**(settings | overrides))  # type: ignore[arg-type]


def test_a_round_plan_duels_on_held_out_ideas_and_samples_its_own_training_ideas() -> None:
    history = hashed(users_who_hate_exclamations(60) + users_with_slips(80, slips=0))
    train, held_out = split_by_idea(history, 0.3)
    policy = reward_gated()
    plan = plan_round(history, history, policy, seed=1, known={})
    assert plan.duel_reward is not None
    assert plan.pair_sampling is not None
    # Sets are drawn on held-out ideas, each several times when they are few.
    assert set(plan.gate_ideas) == {p.idea for p in held_out}
    assert len(plan.gate_ideas) >= policy.gate_sets
    assert set(plan.pair_sampling.ideas) == {p.idea for p in train}
    assert plan.reward["pairs"] == len(train)
    assert plan.reward["held_out_accuracy"] == 1.0
    assert plan.reward["duels_decide"]


def test_the_candidate_is_scored_on_the_newest_held_out_pairs_its_rounds_own_first() -> None:
    older = hashed([Pair(idea, f"older {i}", f"older {i}!") for i, idea in enumerate(IDEAS * 3)])
    round_pairs = hashed([Pair(idea, f"newer {i}", f"newer {i}!") for i, idea in enumerate(IDEAS * 3)])
    policy = RecipePolicy(eval_fraction=0.5, gate_held_out_pairs=2)
    plan = plan_round(round_pairs, [*older, *round_pairs], policy, seed=1, known={})
    _, round_held_out = split_by_idea(round_pairs, 0.5)
    assert plan.held_out == list(reversed(round_held_out))[:2]


def test_the_gate_and_the_pairs_are_judged_by_reward_models_fitted_on_different_ideas() -> None:
    history = hashed(users_who_hate_exclamations(60) + users_with_slips(80, slips=0))
    plan = plan_round(history, history, reward_gated(), seed=1, known={})
    assert plan.duel_reward is not None
    assert plan.pair_sampling is not None
    assert plan.duel_reward is not plan.pair_sampling.reward
    folds = plan.reward["folds"]
    assert all(folds)
    assert sum(folds) == plan.reward["pairs"]
    assert plan.duel_reward.pairs + plan.pair_sampling.reward.pairs == plan.reward["pairs"]


def test_no_duels_until_the_gates_reward_model_has_enough_pairs() -> None:
    history = hashed(users_who_hate_exclamations(60) + users_with_slips(80, slips=0))
    plan = plan_round(history, history, reward_gated(reward_gate_min_pairs=10_000), seed=1, known={})
    assert plan.duel_reward is None
    assert not plan.reward["duels_decide"]
    assert plan.pair_sampling is not None  # the pairs' model still ranks samples
    assert plan.gate_ideas  # and health is still drawn


def test_no_reward_models_when_they_have_no_use() -> None:
    history = hashed(users_who_hate_exclamations(20))
    off = RecipePolicy(eval_fraction=0.3)
    plan = plan_round(history, history, off, seed=0, known={})
    assert plan.duel_reward is None
    assert plan.pair_sampling is None
    assert not plan.reward
    gate_off = reward_gated(gate=False, reward_pair_ideas=0)
    plan = plan_round(history, history, gate_off, seed=0, known={})
    assert plan.duel_reward is None
    assert plan.gate_ideas == []


MANY_IDEAS = [
    f"fixing an old {thing} in a weekend"
    for thing in ("radio", "bicycle", "camera", "clock", "lamp", "chair", "boat", "piano", "stove", "drone")
]


def users_with_slips(pairs: int, slips: int) -> list[Pair]:
    """Users who pick the calm title, except `slips` of them who picked the shouted one."""
    out = []
    for i in range(pairs):
        idea = MANY_IDEAS[i % len(MANY_IDEAS)]
        calm, loud = f"The {idea.split()[3]} that works again", f"The {idea.split()[3]} that works again!!!"
        chosen, rejected = (loud, calm) if i < slips else (calm, loud)
        out.append(Pair(idea, chosen, rejected, idea_hash=idea))
    return out


def test_a_reward_fitted_on_other_ideas_disagrees_with_the_users_slips() -> None:
    history = users_with_slips(80, slips=6)
    margins = cross_fitted_margins(history, history)
    assert margins is not None
    assert all(m < 0 for m in margins[:6])  # the slips
    assert all(m > 0 for m in margins[6:])
    # In-sample, a model fitted on everything, slips included, would still rank
    # them; the cross-fit needs ideas on both halves.
    assert cross_fitted_margins(history[:1], history) is None


def test_rounds_train_on_the_pairs_the_cross_fitted_reward_agrees_with() -> None:
    history = users_with_slips(80, slips=6)
    policy = RecipePolicy(eval_fraction=0.0, reward_filter_min_pairs=50)
    kept = agreed_pairs(history, history, policy)
    assert kept == history[6:]
    # Too little history to judge by, or the filter off: every pair trains.
    assert agreed_pairs(history[:40], history[:40], policy) == history[:40]
    off = RecipePolicy(eval_fraction=0.0)
    assert agreed_pairs(history, history, off) == history
