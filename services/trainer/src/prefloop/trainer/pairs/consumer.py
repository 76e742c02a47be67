"""FeedbackRecorded and UserErased into the trainer schema, deduplicated by feedback_id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool

from prefloop.shared.events import FeedbackRecorded, UserErased
from prefloop.shared.kafka import Record
from prefloop.trainer.metrics import FEEDBACK_EVENTS, PAIRS_DROPPED
from prefloop.trainer.pairs.builder import build_pairs


class FeedbackEventsHandler:
    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self._pool = pool

    def __call__(self, records: Sequence[Record]) -> None:
        with self._pool.connection() as conn, conn.transaction():
            for record in records:
                if isinstance(record.event, FeedbackRecorded):
                    self._store_feedback(conn, record.event)
                elif isinstance(record.event, UserErased):
                    erase_user(conn, record.event.user_id, record.event.feedback_ids)

    def _store_feedback(self, conn: Connection[Any], event: FeedbackRecorded) -> None:
        if (
            event.user_id
            and conn.execute("SELECT 1 FROM erased_users WHERE user_id = %s", (event.user_id,)).fetchone()
        ):
            return  # erased users stay out, even of feedback that arrives later
        erased = "SELECT 1 FROM erased_feedback WHERE feedback_id = %s"
        if conn.execute(erased, (event.feedback_id,)).fetchone():
            return  # a replay of erased feedback
        pairs, dropped = build_pairs(event)
        inserted = conn.execute(
            "INSERT INTO feedback_events (feedback_id, action, user_id, pairs, dropped_pairs) "
            "VALUES (%s, %s, %s, %s, %s) ON CONFLICT (feedback_id) DO NOTHING RETURNING feedback_id",
            (event.feedback_id, event.action.value, event.user_id, len(pairs), dropped),
        ).fetchone()
        if inserted is None:
            return  # a redelivery: already stored
        with conn.cursor() as cur:
            cur.executemany(
                "INSERT INTO pairs (feedback_id, idea, idea_hash, prompt_template_version, chosen, "
                "rejected, user_id) VALUES (%s, %s, %s, %s, %s, %s, %s)",
                [
                    (
                        event.feedback_id,
                        p.idea,
                        p.idea_hash,
                        p.prompt_template_version,
                        p.chosen,
                        p.rejected,
                        p.user_id,
                    )
                    for p in pairs
                ],
            )
        FEEDBACK_EVENTS.labels(action=event.action.value).inc()
        PAIRS_DROPPED.inc(dropped)


def erase_user(conn: Connection[Any], user_id: str, feedback_ids: Sequence[str] = ()) -> None:
    """Drop the user's feedback and pairs (by user, and by the ids the feedback
    service erased); remember the ids, so versions trained on them can say so."""
    conn.execute("INSERT INTO erased_users (user_id) VALUES (%s) ON CONFLICT DO NOTHING", (user_id,))
    conn.execute(
        "INSERT INTO erased_feedback (feedback_id) "
        "SELECT feedback_id FROM feedback_events WHERE user_id = %s "
        "UNION SELECT unnest(%s::uuid[]) ON CONFLICT DO NOTHING",
        (user_id, list(feedback_ids)),
    )
    conn.execute(
        "DELETE FROM feedback_events WHERE user_id = %s OR feedback_id = ANY(%s::uuid[])",
        (user_id, list(feedback_ids)),
    )
