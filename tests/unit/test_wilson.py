"""Wilson intervals against known values."""

from __future__ import annotations

import pytest

from prefloop.shared.statistics import bootstrap_by_group, wilson_interval


def test_known_interval() -> None:
    interval = wilson_interval(34, 50)  # the hand-labelled reference: 68% of 50
    assert interval.rate == pytest.approx(0.68)
    assert interval.lower == pytest.approx(0.5419, abs=1e-3)
    assert interval.upper == pytest.approx(0.7924, abs=1e-3)


def test_extremes_stay_inside_zero_and_one() -> None:
    assert wilson_interval(0, 5).lower == 0.0
    assert wilson_interval(5, 5).upper == 1.0
    assert 0.0 < wilson_interval(5, 5).lower < 1.0


@pytest.mark.parametrize(("successes", "n"), [(1, 0), (-1, 3), (4, 3)])
def test_impossible_counts_are_refused(successes: int, n: int) -> None:
    with pytest.raises(ValueError, match=r"n=|within"):
        wilson_interval(successes, n)


def test_resampling_by_idea_is_as_wide_as_the_ideas_not_the_duels() -> None:
    # ten ideas, ten duels each: five won every time, five lost every time
    outcomes = {f"idea {i}": [i < 5] * 10 for i in range(10)}
    grouped = bootstrap_by_group(outcomes)
    flat = wilson_interval(50, 100)
    assert grouped.rate == flat.rate == 0.5
    assert grouped.n == 100
    assert grouped.upper - grouped.lower > 2 * (flat.upper - flat.lower)
    # independent ideas, one duel each: about as wide as Wilson's
    single = bootstrap_by_group({f"idea {i}": [i % 2 == 0] for i in range(100)})
    assert abs((single.upper - single.lower) - (flat.upper - flat.lower)) < 0.05
    assert bootstrap_by_group(outcomes, seed=3) == bootstrap_by_group(outcomes, seed=3)
