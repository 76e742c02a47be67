"""Check feedback against its served set and turn it into an outbox event.

Used when feedback arrives for a known set and when a pending feedback's set
arrives later; both paths write the feedback status and the outbox row in the
caller's transaction.
"""

from __future__ import annotations

from typing import Any

from psycopg import Connection

from prefloop.feedback.metrics import FEEDBACK
from prefloop.feedback.recording.event import feedback_event
from prefloop.shared.events import FEEDBACK as FEEDBACK_TOPIC
from prefloop.shared.events import FeedbackAction, ServedSuggestion
from prefloop.shared.outbox import enqueue

Row = dict[str, Any]


def load_set(conn: Connection[Row], set_id: str) -> tuple[Row | None, list[Row]]:
    served = conn.execute("SELECT * FROM suggestion_sets WHERE id = %s", (set_id,)).fetchone()
    if served is None:
        return None, []
    rows = conn.execute("SELECT * FROM suggestions WHERE set_id = %s ORDER BY idx", (set_id,)).fetchall()
    return served, rows


def mismatch(action: str, suggestion_id: str | None, suggestions: list[Row]) -> str | None:
    """Why the feedback does not fit the set, or None when it does."""
    if action == FeedbackAction.ACCEPT and suggestion_id not in {str(s["id"]) for s in suggestions}:
        return f"suggestion_id {suggestion_id} is not one of the set's suggestions"
    return None


def record(conn: Connection[Row], feedback: Row, served: Row, suggestions: list[Row]) -> None:
    """Mark a pending feedback recorded and queue its FeedbackRecorded event."""
    conn.execute(
        "UPDATE feedback SET status = 'recorded', model_version = %s, resolved_at = now() WHERE id = %s",
        (served["model_version"], feedback["id"]),
    )
    announce(conn, feedback, served, suggestions)


def announce(conn: Connection[Row], feedback: Row, served: Row, suggestions: list[Row]) -> None:
    """Queue the FeedbackRecorded event of a recorded feedback (in the caller's transaction)."""
    event = feedback_event(
        feedback_id=str(feedback["id"]),
        suggestion_set_id=str(served["id"]),
        action=FeedbackAction(feedback["action"]),
        idea=served["idea"],
        prompt_template_version=served["prompt_template_version"],
        shown=[ServedSuggestion(str(s["id"]), s["idx"], s["text"], s["model_version"]) for s in suggestions],
        suggestion_id=str(feedback["suggestion_id"]) if feedback["suggestion_id"] else None,
        edited_text=feedback["edited_text"],
        # whose data it is: the one who sent it, else the one it was served to
        user_id=feedback["user_id"] or served["user_id"],
    )
    enqueue(conn, FEEDBACK_TOPIC.name, str(served["id"]), event, user_id=event.user_id)
    FEEDBACK.labels(action=event.action.value, model_version=served["model_version"]).inc()


def mark_invalid(conn: Connection[Row], feedback_id: str, reason: str) -> None:
    conn.execute(
        "UPDATE feedback SET status = 'invalid', status_detail = %s, resolved_at = now() WHERE id = %s",
        (reason, feedback_id),
    )
