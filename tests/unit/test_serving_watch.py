"""The serving watch's rule: roll back a version whose sets come out short or
failed clearly more often than the version it replaced, however often it looks."""

from __future__ import annotations

import math
import random

from prefloop.trainer.registry.serving_watch import (
    ServingPolicy,
    SetCounts,
    excess_evidence,
    reference_rate,
    references,
    serving_refusal,
)
from prefloop.trainer.registry.serving_watch_simulation import sets_until_rollback

POLICY = ServingPolicy(
    min_sets=20, detectable_excess=0.05, false_rollback_rate=0.01, unreferenced_bad_share=0.2
)
CLEAN_BASE = SetCounts(full=120)


def test_too_few_sets_are_not_judged() -> None:
    assert serving_refusal(SetCounts(full=0, short=10, failed=9), {"base": CLEAN_BASE}, POLICY) is None


def test_a_few_short_sets_in_a_hundred_where_the_parent_served_none_roll_back() -> None:
    reason = serving_refusal(SetCounts(full=113, short=7), {"base": CLEAN_BASE}, POLICY)
    assert reason is not None
    assert "7 of 120 sets" in reason
    assert "7 short, 0 failed" in reason
    assert "base's 0.8%" in reason


def test_a_version_that_serves_like_its_parent_keeps_serving() -> None:
    assert serving_refusal(SetCounts(full=119, short=1), {"base": CLEAN_BASE}, POLICY) is None
    parent = SetCounts(full=45, short=5)  # 10% short
    assert serving_refusal(SetCounts(full=80, short=12), {"v1": parent}, POLICY) is None  # 13%


def test_a_version_that_serves_clearly_worse_than_its_parent_is_rolled_back() -> None:
    reason = serving_refusal(SetCounts(full=10, short=6, failed=4), {"v1": SetCounts(full=50)}, POLICY)
    assert reason is not None
    assert "10 of 20 sets" in reason
    assert "6 short, 4 failed" in reason
    assert "v1's 1.9%" in reason


def test_without_a_reference_that_served_enough_the_unreferenced_rate_is_the_reference() -> None:
    few = SetCounts(full=3)
    assert serving_refusal(SetCounts(full=16, short=4), {"base": few}, POLICY) is None  # 20%
    reason = serving_refusal(SetCounts(full=20, short=40), {"base": few}, POLICY)
    assert reason is not None
    assert "the 20% held to" in reason


def test_a_version_is_held_to_the_better_of_its_parent_and_base() -> None:
    served = {"base": {"full": 120}, "v3": {"full": 119, "failed": 1}}
    held = references(served, "v3")
    assert serving_refusal(SetCounts(full=114, short=4, failed=2), {"v3": held["v3"]}, POLICY) is None
    reason = serving_refusal(SetCounts(full=114, short=4, failed=2), held, POLICY)
    assert reason is not None
    assert "base's 0.8%" in reason


def test_a_reference_that_served_none_is_held_above_zero() -> None:
    assert 0 < reference_rate(CLEAN_BASE) < 0.01
    assert math.isfinite(excess_evidence(SetCounts(full=1, short=1), reference_rate(CLEAN_BASE), 0.05))


def test_looking_after_every_set_rolls_back_a_version_no_worse_than_its_reference_rarely() -> None:
    """The point of the sequential test: a flat tolerance judged at every tick rolls back healthy
    versions by chance; the likelihood ratio keeps that under its false rollback rate."""
    rng = random.Random(7)
    reference = {"base": SetCounts(full=98, short=2)}
    held_to = reference_rate(reference["base"])
    runs = [sets_until_rollback(held_to, reference, POLICY, 300, rng) for _ in range(400)]
    rolled_back = sum(served is not None for served in runs)
    assert rolled_back / 400 <= 0.02


def test_looking_after_every_set_catches_a_version_five_points_worse() -> None:
    rng = random.Random(8)
    runs = [sets_until_rollback(0.06, {"base": CLEAN_BASE}, POLICY, 600, rng) for _ in range(100)]
    caught_within = [served for served in runs if served is not None]
    assert len(caught_within) >= 95
    assert sorted(caught_within)[len(caught_within) // 2] <= 200


def test_counts_since_activation_are_a_difference() -> None:
    assert SetCounts(full=10, short=3, failed=1) - SetCounts(full=4, short=1) == SetCounts(6, 2, 1)
    assert SetCounts.of({"full": 2, "short": 1}) == SetCounts(2, 1, 0)
    assert SetCounts.of(None).sets == 0
