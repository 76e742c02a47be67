"""The evaluation gate: a candidate is activated only if it beats the version
it would replace on the same held-out pairs."""

from __future__ import annotations

from prefloop.trainer.training.evaluate import PreferenceScore


def gate_refusal(candidate: PreferenceScore | None, active: PreferenceScore | None) -> str | None:
    """Why the candidate must not be activated, or None when it may be."""
    if candidate is None or active is None:
        return "rejected: no held-out pairs to compare it with the active version"
    if candidate.beats(active):
        return None
    return (
        f"rejected: on {candidate.pairs} held-out pairs its preference accuracy "
        f"{candidate.accuracy:.3f} (margin {candidate.margin:.3f}) does not beat "
        f"the active version's {active.accuracy:.3f} (margin {active.margin:.3f})"
    )
