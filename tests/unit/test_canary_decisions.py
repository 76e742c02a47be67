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
