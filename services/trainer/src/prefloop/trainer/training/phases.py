"""Where a round's time goes: each phase's seconds go into the round's
metrics and into `prefloop_training_phase_seconds`, so a slow round shows
which step to look at (loading, on-policy sampling, DPO steps, held-out
scoring, each policy's health draws)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

from prefloop.trainer.metrics import PHASE_SECONDS


@contextmanager
def timed(seconds: dict[str, float], phase: str) -> Iterator[None]:
    """Adds the block's wall time to `seconds[phase]` and to the phase histogram."""
    started = time.perf_counter()
    try:
        yield
    finally:
        took = time.perf_counter() - started
        seconds[phase] = seconds.get(phase, 0.0) + took
        PHASE_SECONDS.labels(phase=phase).observe(took)
