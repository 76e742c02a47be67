"""Pending feedback whose set never arrives expires visibly (status + metric)."""

from __future__ import annotations

import logging
from typing import Any

from psycopg_pool import ConnectionPool

from prefloop.feedback.metrics import EXPIRED_FEEDBACK, PENDING_FEEDBACK

log = logging.getLogger(__name__)


def expire_pending(pool: ConnectionPool[Any], ttl_s: float) -> int:
    with pool.connection() as conn:
        expired = conn.execute(
            "UPDATE feedback SET status = 'expired', resolved_at = now(), "
            "status_detail = 'its suggestion set was never received' "
            "WHERE status = 'pending' AND created_at < now() - make_interval(secs => %s) RETURNING id",
            (ttl_s,),
        ).fetchall()
        waiting = conn.execute("SELECT count(*) AS n FROM feedback WHERE status = 'pending'").fetchone()
    if expired:
        log.warning("%d pending feedback expired without their set", len(expired))
        EXPIRED_FEEDBACK.inc(len(expired))
    PENDING_FEEDBACK.set(waiting["n"] if waiting else 0)
    return len(expired)
