"""The serving watch under simulated traffic: a version whose sets come out
short or failed at a fixed true rate, judged after every set, as if a tick
came between any two requests. `make serving-watch-check` and the watch's
unit tests both ask it how often and how soon the watch acts."""

from __future__ import annotations

import random
from collections.abc import Mapping

from prefloop.trainer.registry.serving_watch import ServingPolicy, SetCounts, serving_refusal


def sets_until_rollback(
    rate: float,
    compared_with: Mapping[str, SetCounts],
    policy: ServingPolicy,
    sets: int,
    rng: random.Random,
) -> int | None:
    """How many sets the version served when the watch rolled it back, or None within `sets`."""
    full = bad = 0
    for served in range(1, sets + 1):
        if rng.random() < rate:
            bad += 1
        else:
            full += 1
        if serving_refusal(SetCounts(full=full, short=bad), compared_with, policy):
            return served
    return None
