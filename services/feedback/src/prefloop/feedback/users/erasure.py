"""Erasing a user: every trace in this service, and a UserErased event for the trainer.

What goes: the feedback the user sent and any feedback on sets served to
them (sent without a user id or not), their sets, the outbox rows that carry
any of it (sent or not). What stays: a tombstone, so a set served before the
erasure that arrives late, or a replay of the topic, is not stored again."""

from __future__ import annotations

import time
from typing import Any

from psycopg import Connection
from psycopg_pool import ConnectionPool
from pydantic import BaseModel

from prefloop.shared.events import FEEDBACK, UserErased
from prefloop.shared.outbox import enqueue


class ErasureOut(BaseModel):
    user_id: str
    feedback_deleted: int
    sets_deleted: int
    outbox_deleted: int


_USERS_FEEDBACK = """
SELECT f.id FROM feedback f LEFT JOIN suggestion_sets s ON s.id = f.set_id
WHERE f.user_id = %(user)s OR s.user_id = %(user)s
"""


def erase_user(pool: ConnectionPool[Any], user_id: str) -> ErasureOut:
    with pool.connection() as conn, conn.transaction():
        feedback_ids = [str(r["id"]) for r in conn.execute(_USERS_FEEDBACK, {"user": user_id}).fetchall()]
        set_ids = [
            str(r["id"])
            for r in conn.execute("SELECT id FROM suggestion_sets WHERE user_id = %s", (user_id,)).fetchall()
        ]
        feedback = conn.execute("DELETE FROM feedback WHERE id = ANY(%s::uuid[])", (feedback_ids,)).rowcount
        sets = conn.execute("DELETE FROM suggestion_sets WHERE id = ANY(%s::uuid[])", (set_ids,)).rowcount
        # Rows name their user; older rows only their set (the key of FeedbackRecorded).
        outbox = conn.execute(
            "DELETE FROM outbox WHERE user_id = %s OR key = ANY(%s)", (user_id, set_ids)
        ).rowcount
        _tombstone(conn, user_id)
        event = UserErased(user_id, int(time.time() * 1000), tuple(feedback_ids))
        enqueue(conn, FEEDBACK.name, user_id, event)
    return ErasureOut(user_id=user_id, feedback_deleted=feedback, sets_deleted=sets, outbox_deleted=outbox)


def _tombstone(conn: Connection[Any], user_id: str) -> None:
    conn.execute(
        "INSERT INTO erased_users (user_id) VALUES (%s) "
        "ON CONFLICT (user_id) DO UPDATE SET erased_at = now()",
        (user_id,),
    )


def erased_before(conn: Connection[Any], user_ids: list[str]) -> dict[str, float]:
    """When each of these users was erased (epoch seconds), for those that were."""
    rows = conn.execute(
        "SELECT user_id, extract(epoch FROM erased_at) AS at FROM erased_users WHERE user_id = ANY(%s)",
        (user_ids,),
    ).fetchall()
    return {r["user_id"]: float(r["at"]) for r in rows}
