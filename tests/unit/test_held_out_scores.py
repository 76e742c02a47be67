"""The gate's reference-free preference score and DPO's implicit reward, from titles' log-probabilities."""

from __future__ import annotations

import pytest

from prefloop.trainer.training.evaluate import (
    ScoredPair,
    TitleLogprob,
    implicit_reward_metrics,
    preference_score,
)


def test_the_preference_score_compares_mean_token_log_probabilities_not_totals() -> None:
    # The chosen title is longer: lower in total, higher per token.
    longer_chosen = ScoredPair(TitleLogprob(-12.0, 12), TitleLogprob(-6.0, 3))
    tie = ScoredPair(TitleLogprob(-4.0, 2), TitleLogprob(-2.0, 1))
    score = preference_score([longer_chosen, tie])
    assert score.accuracy == 0.5  # a tie is not a win
    assert score.margin == pytest.approx(((-1.0 + 2.0) + 0.0) / 2)
    with pytest.raises(ValueError, match="at least one pair"):
        preference_score([])


def test_implicit_rewards_are_beta_times_the_policys_gain_over_its_reference() -> None:
    reference = [ScoredPair(TitleLogprob(-10.0, 5), TitleLogprob(-10.0, 5))] * 2
    policy = [
        ScoredPair(TitleLogprob(-8.0, 5), TitleLogprob(-11.0, 5)),  # learned the pair
        ScoredPair(TitleLogprob(-10.0, 5), TitleLogprob(-9.0, 5)),  # the wrong way
    ]
    metrics = implicit_reward_metrics(policy, reference, beta=0.5)
    assert metrics["eval_rewards/chosen"] == pytest.approx((1.0 + 0.0) / 2)
    assert metrics["eval_rewards/rejected"] == pytest.approx((-0.5 + 0.5) / 2)
    assert metrics["eval_rewards/accuracies"] == 0.5
    assert metrics["eval_rewards/margins"] == pytest.approx((1.5 - 0.5) / 2)
    assert metrics["eval_logps/chosen"] == pytest.approx(-9.0)
    with pytest.raises(ValueError, match="same pairs"):
        implicit_reward_metrics(policy, reference[:1], beta=0.5)
