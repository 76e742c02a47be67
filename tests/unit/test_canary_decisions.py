"""When a canary is promoted, rolled back, or kept watching."""

from __future__ import annotations

import pytest

from prefloop.shared.statistics import wilson_interval
from prefloop.trainer.canary.judge import CanaryPolicy, decide

POLICY = CanaryPolicy(min_decisions=30)


def stats(wins: int, decisions: int) -> dict[str, object]:
    interval = wilson_interval(wins, decisions)
    return {
        "decisions": decisions,
        "win_rate": interval.rate,
        "win_rate_lower": interval.lower,
        "win_rate_upper": interval.upper,
    }


@pytest.mark.parametrize(
    ("wins", "decisions", "decision"),
    [
        (25, 29, None),  # too few decisions, however good
        (22, 30, "promote"),  # 73%: the interval is above 50%
        (8, 30, "rollback"),  # 27%: the interval is below 50%
        (17, 30, None),  # 57%: not credible either way yet
        (400, 700, "promote"),  # 57% over many decisions is credible
    ],
)
def test_decisions_follow_the_interval(wins: int, decisions: int, decision: str | None) -> None:
    assert decide(stats(wins, decisions), POLICY) == decision


def test_a_stricter_bar_needs_a_clearer_win_and_its_settings_reach_the_policy() -> None:
    from prefloop.trainer.settings import TrainerSettings

    settings = TrainerSettings(canary_promote_above=0.6, canary_rollback_below=0.4)
    strict = CanaryPolicy(30, settings.canary_promote_above, settings.canary_rollback_below)
    assert decide(stats(22, 30), strict) is None  # 73% [55%, 86%]: above 50%, not credibly above 60%
    assert decide(stats(8, 30), strict) is None  # 27% [14%, 45%]: not credibly below 40%
    assert decide(stats(27, 30), strict) == "promote"
