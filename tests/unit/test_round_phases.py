"""A round's phase timings: what an operator reads to see where a slow round's time went."""

from __future__ import annotations

import pytest

from prefloop.trainer.metrics import PHASE_SECONDS
from prefloop.trainer.training.phases import timed


def _observed(phase: str) -> float:
    return PHASE_SECONDS.labels(phase=phase)._sum.get()  # type: ignore[no-any-return]


def test_a_phase_timed_twice_adds_up_and_each_block_is_observed() -> None:
    seconds: dict[str, float] = {}
    before = _observed("test_phase")
    with timed(seconds, "test_phase"):
        sum(range(200_000))
    first = seconds["test_phase"]
    with timed(seconds, "test_phase"):
        sum(range(200_000))
    assert seconds["test_phase"] >= first > 0
    assert _observed("test_phase") > before


def test_a_failing_phase_still_counts_its_time() -> None:
    seconds: dict[str, float] = {}
    with pytest.raises(RuntimeError), timed(seconds, "failing_phase"):
        raise RuntimeError("the phase failed")
    assert "failing_phase" in seconds
