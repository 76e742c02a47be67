"""Wilson score interval for a binomial proportion: honest at small counts and
near 0 or 1, where the normal approximation is not."""

from __future__ import annotations

import math
from dataclasses import dataclass

Z_95 = 1.959963984540054


@dataclass(frozen=True)
class Interval:
    rate: float
    lower: float
    upper: float
    n: int


def wilson_interval(successes: int, n: int, z: float = Z_95) -> Interval:
    if n <= 0:
        raise ValueError(f"a proportion needs at least one trial, got n={n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be within 0..{n}, got {successes}")
    p = successes / n
    denominator = 1 + z * z / n
    center = (p + z * z / (2 * n)) / denominator
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    return Interval(rate=p, lower=max(0.0, center - half), upper=min(1.0, center + half), n=n)
