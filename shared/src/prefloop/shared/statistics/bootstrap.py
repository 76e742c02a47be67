"""A rate's interval when outcomes come in groups that are not independent
(several duels on one idea share its difficulty): whole groups are resampled
with replacement, so the interval is as wide as the number of groups allows,
not the number of outcomes."""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence

from prefloop.shared.statistics.wilson import Interval

RESAMPLES = 2000


def bootstrap_by_group(
    outcomes: Mapping[str, Sequence[bool]], resamples: int = RESAMPLES, seed: int = 0, level: float = 0.95
) -> Interval:
    """The share of True outcomes, with a percentile interval over `resamples`
    draws of the groups."""
    groups = [(sum(values), len(values)) for values in outcomes.values() if values]
    if not groups:
        raise ValueError("a rate needs at least one outcome")
    n = sum(size for _, size in groups)
    rng = random.Random(seed)
    rates = []
    for _ in range(resamples):
        drawn = [groups[rng.randrange(len(groups))] for _ in groups]
        rates.append(sum(wins for wins, _ in drawn) / sum(size for _, size in drawn))
    rates.sort()
    tail = (1 - level) / 2
    lower, upper = rates[int(tail * resamples)], rates[min(resamples - 1, int((1 - tail) * resamples))]
    return Interval(rate=sum(wins for wins, _ in groups) / n, lower=lower, upper=upper, n=n)
