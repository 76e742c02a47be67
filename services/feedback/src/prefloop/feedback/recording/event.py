"""The FeedbackRecorded event of one user decision: which text was chosen and
which shown titles it was preferred over. The trainer turns it into pairs.

One pure function, so the feedback service (from its rows) and the in-process
loop simulation (from simulated decisions) cannot drift apart."""

from __future__ import annotations

import time
from collections.abc import Sequence

from prefloop.shared.events import FeedbackAction, FeedbackRecorded, ServedSuggestion


def feedback_event(
    *,
    feedback_id: str,
    suggestion_set_id: str,
    action: FeedbackAction,
    idea: str,
    prompt_template_version: str,
    shown: Sequence[ServedSuggestion],
    suggestion_id: str | None,
    edited_text: str | None,
    user_id: str | None,
) -> FeedbackRecorded:
    # Only an accepted title is "chosen" among the shown ones; an edit prefers
    # the user's own text over every shown title, the edited one included.
    chosen = (
        next((s for s in shown if s.id == suggestion_id), None) if action == FeedbackAction.ACCEPT else None
    )
    return FeedbackRecorded(
        feedback_id=feedback_id,
        suggestion_set_id=suggestion_set_id,
        action=action,
        idea=idea,
        prompt_template_version=prompt_template_version,
        chosen_text=chosen.text if chosen else edited_text if action == FeedbackAction.EDIT else None,
        chosen_model_version=chosen.model_version if chosen else None,
        rejected=tuple(s for s in shown if s is not chosen),
        user_id=user_id,
        recorded_at_ms=int(time.time() * 1000),
    )
