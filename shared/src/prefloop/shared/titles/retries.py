"""How many drafts the inference service draws to answer N distinct clean
titles: N plus an oversample at first, then more at each retry, since a prompt
that yields few clean titles keeps doing so. The trainer's health gate draws
a candidate's sets by the same schedule, so it sees the sets users would get."""

from __future__ import annotations

DEFAULT_OVERSAMPLE = 2  # drafts beyond the missing titles
DEFAULT_ATTEMPTS = 3


def attempt_rows(missing: int, oversample: int, attempt: int) -> int:
    """Drafts to draw at `attempt` (0: the first) while `missing` titles are still missing."""
    return (missing + oversample) * (attempt + 1) if missing > 0 else 0
