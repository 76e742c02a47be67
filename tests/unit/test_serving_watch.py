"""The serving watch's rule: roll back a version whose sets come out short or
failed clearly more often than the version it replaced."""

from __future__ import annotations

from prefloop.trainer.registry.serving_watch import ServingPolicy, SetCounts, serving_refusal

POLICY = ServingPolicy(min_sets=20, tolerance=0.1, max_bad_share=0.25)


def test_too_few_sets_are_not_judged() -> None:
    assert serving_refusal(SetCounts(full=0, short=10, failed=9), SetCounts(full=50), "base", POLICY) is None


def test_a_version_within_the_tolerance_of_its_parent_keeps_serving() -> None:
    parent = SetCounts(full=45, short=5)  # 10% short
    assert serving_refusal(SetCounts(full=16, short=4), parent, "v1", POLICY) is None  # 20%


def test_a_version_that_serves_clearly_worse_than_its_parent_is_rolled_back() -> None:
    reason = serving_refusal(SetCounts(full=10, short=6, failed=4), SetCounts(full=50), "v1", POLICY)
    assert reason is not None
    assert "10 of 20 sets" in reason
    assert "6 short, 4 failed" in reason
    assert "v1's 0%" in reason


def test_without_a_reference_that_served_enough_the_absolute_limit_decides() -> None:
    few = SetCounts(full=3)
    assert serving_refusal(SetCounts(full=16, short=4), few, "base", POLICY) is None  # 20%
    reason = serving_refusal(SetCounts(full=12, short=8), few, "base", POLICY)
    assert reason is not None
    assert "above the 25% limit" in reason


def test_counts_since_activation_are_a_difference() -> None:
    assert SetCounts(full=10, short=3, failed=1) - SetCounts(full=4, short=1) == SetCounts(6, 2, 1)
    assert SetCounts.of({"full": 2, "short": 1}) == SetCounts(2, 1, 0)
    assert SetCounts.of(None).sets == 0
