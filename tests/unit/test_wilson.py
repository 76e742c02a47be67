"""Wilson intervals against known values."""

from __future__ import annotations

import pytest

from prefloop.shared.statistics import wilson_interval


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
