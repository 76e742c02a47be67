"""Recording feedback: idempotent by feedback_id, one terminal feedback per set,
the feedback row and its outbox row in one transaction."""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from typing import Any

from psycopg import Connection
from psycopg.errors import UniqueViolation
from psycopg_pool import ConnectionPool

from prefloop.feedback.recording import resolve
from prefloop.feedback.recording.models import FeedbackIn, FeedbackOut
from prefloop.shared.events import FeedbackAction
from prefloop.shared.http import Conflict, NotFound, Unprocessable

Row = dict[str, Any]

CREATED, REPLAYED, ACCEPTED_PENDING = 201, 200, 202


def lock_sets(conn: Connection[Row], set_ids: Sequence[str]) -> None:
    """Serialise feedback and set arrival per set (no pending feedback is missed);
    taken in one fixed order so two batches cannot deadlock."""
    conn.execute(
        "SELECT pg_advisory_xact_lock(h) FROM "
        "(SELECT DISTINCT hashtext(id) AS h FROM unnest(%s::text[]) AS id ORDER BY h) AS ordered",
        (list(set_ids),),
    )


def inconsistency(body: FeedbackIn) -> str | None:
    if body.action == FeedbackAction.ACCEPT:
        if body.suggestion_id is None:
            return "action accept needs suggestion_id"
        if body.edited_text is not None:
            return "edited_text is only allowed with action edit"
    if body.action == FeedbackAction.EDIT and not (body.edited_text or "").strip():
        return "action edit needs a non-empty edited_text"
    if body.action == FeedbackAction.EDIT and "\n" in (body.edited_text or "").strip():
        return "edited_text must be a single line"
    if body.action == FeedbackAction.REJECT_ALL and (body.suggestion_id or body.edited_text):
        return "action reject_all takes neither suggestion_id nor edited_text"
    return None


def body_hash(body: FeedbackIn) -> str:
    canonical = body.model_dump(mode="json", exclude={"feedback_id"})
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def to_out(row: Row) -> FeedbackOut:
    return FeedbackOut(
        feedback_id=row["id"],
        suggestion_set_id=row["set_id"],
        action=row["action"],
        suggestion_id=row["suggestion_id"],
        edited_text=row["edited_text"],
        user_id=row["user_id"],
        status=row["status"],
        status_detail=row["status_detail"],
        model_version=row["model_version"],
        created_at=row["created_at"],
    )


class FeedbackService:
    def __init__(self, pool: ConnectionPool[Any]) -> None:
        self._pool = pool

    def get(self, feedback_id: uuid.UUID) -> FeedbackOut:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT * FROM feedback WHERE id = %s", (feedback_id,)).fetchone()
        if row is None:
            raise NotFound(f"feedback {feedback_id} does not exist")
        return to_out(row)

    def submit(self, body: FeedbackIn) -> tuple[int, FeedbackOut]:
        problem = inconsistency(body)
        if problem:
            raise Unprocessable(problem)
        if body.edited_text is not None:
            body = body.model_copy(update={"edited_text": body.edited_text.strip()})
        feedback_id = body.feedback_id or uuid.uuid4()
        digest = body_hash(body)
        try:
            return self._submit_once(feedback_id, body, digest)
        except UniqueViolation:
            # A concurrent request with the same feedback_id won the insert:
            # answer as its replay (or its conflict).
            return self._submit_once(feedback_id, body, digest)

    def _submit_once(self, feedback_id: uuid.UUID, body: FeedbackIn, digest: str) -> tuple[int, FeedbackOut]:
        # Few round trips on purpose: this is the hot path of the service.
        with self._pool.connection() as conn, conn.transaction():
            set_id = str(body.suggestion_set_id)
            lock_sets(conn, [set_id])
            known = conn.execute(
                "SELECT * FROM feedback WHERE id = %s OR (set_id = %s AND status IN ('recorded', 'pending'))",
                (feedback_id, set_id),
            ).fetchall()
            existing = next((r for r in known if r["id"] == feedback_id), None)
            if existing is not None:
                if existing["body_hash"] != digest:
                    raise Conflict(f"feedback_id {feedback_id} was already used with a different body")
                return REPLAYED, to_out(existing)
            if known:
                other = known[0]
                raise Conflict(
                    f"suggestion set {set_id} already has feedback {other['id']} ({other['action']}); "
                    "a set takes one feedback"
                )
            served, suggestions = resolve.load_set(conn, set_id)
            if served is not None:
                why = resolve.mismatch(body.action, _str(body.suggestion_id), suggestions)
                if why:
                    raise Unprocessable(why)
            row = conn.execute(
                "INSERT INTO feedback (id, set_id, action, suggestion_id, edited_text, user_id, body_hash, "
                "status, model_version, resolved_at) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, "
                "CASE WHEN %s THEN now() END) RETURNING *",
                (
                    feedback_id,
                    set_id,
                    body.action.value,
                    body.suggestion_id,
                    body.edited_text,
                    body.user_id,
                    digest,
                    "pending" if served is None else "recorded",
                    None if served is None else served["model_version"],
                    served is not None,
                ),
            ).fetchone()
            assert row is not None
            if served is None:
                return ACCEPTED_PENDING, to_out(row)
            resolve.announce(conn, row, served, suggestions)
            return CREATED, to_out(row)


def _str(value: uuid.UUID | None) -> str | None:
    return str(value) if value is not None else None
