"""Rates per model version over a time window, from recorded feedback only."""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool
from pydantic import BaseModel

from prefloop.feedback.metrics import ACCEPTANCE_RATE


class VersionStats(BaseModel):
    model_version: str
    sets_served: int
    feedback: int
    accepted: int
    edited: int
    rejected_all: int
    acceptance_rate: float | None  # accepted / feedback; None without feedback
    edit_rate: float | None
    reject_all_rate: float | None


class StatsOut(BaseModel):
    window_hours: float
    versions: list[VersionStats]
    pending_feedback: int


_QUERY = """
SELECT s.model_version,
       count(*) AS sets_served,
       count(f.id) AS feedback,
       count(*) FILTER (WHERE f.action = 'accept') AS accepted,
       count(*) FILTER (WHERE f.action = 'edit') AS edited,
       count(*) FILTER (WHERE f.action = 'reject_all') AS rejected_all
FROM suggestion_sets s
LEFT JOIN feedback f ON f.set_id = s.id AND f.status = 'recorded'
WHERE s.served_at >= now() - make_interval(secs => %s)
GROUP BY s.model_version
ORDER BY min(s.served_at)
"""


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def compute_stats(pool: ConnectionPool[Any], window_hours: float) -> StatsOut:
    with pool.connection() as conn:
        rows = conn.execute(_QUERY, (window_hours * 3600,)).fetchall()
        pending = conn.execute("SELECT count(*) AS n FROM feedback WHERE status = 'pending'").fetchone()
    versions = [
        VersionStats(
            **row,
            acceptance_rate=_rate(row["accepted"], row["feedback"]),
            edit_rate=_rate(row["edited"], row["feedback"]),
            reject_all_rate=_rate(row["rejected_all"], row["feedback"]),
        )
        for row in rows
    ]
    for v in versions:
        if v.acceptance_rate is not None:
            ACCEPTANCE_RATE.labels(model_version=v.model_version).set(v.acceptance_rate)
    return StatsOut(
        window_hours=window_hours,
        versions=versions,
        pending_feedback=pending["n"] if pending else 0,
    )
