"""Rates per model version over a time window, from recorded feedback only."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from psycopg_pool import ConnectionPool
from pydantic import BaseModel

from prefloop.feedback.metrics import (
    ACCEPTANCE_RATE,
    CANARY_DECISIONS,
    CANARY_WIN_RATE,
    CANARY_WIN_RATE_LOWER,
    CANARY_WIN_RATE_UPPER,
)
from prefloop.shared.statistics import wilson_interval


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


class CanaryStats(BaseModel):
    """A candidate's online result on interleaved sets: a win is an accepted
    title that came from the candidate rather than the active version."""

    candidate: str
    control: str
    decisions: int
    wins: int
    win_rate: float
    win_rate_lower: float  # Wilson 95% interval
    win_rate_upper: float


class StatsOut(BaseModel):
    window_hours: float
    versions: list[VersionStats]
    canaries: list[CanaryStats]
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
WHERE s.served_at >= now() - make_interval(secs => %(window)s)
  AND (%(user_id)s::text IS NULL OR s.user_id = %(user_id)s OR f.user_id = %(user_id)s)
GROUP BY s.model_version
ORDER BY min(s.served_at)
"""


# An interleaved set mixes titles of two versions; the set's own model_version
# is the control (active) one, and the other adapter in it is the candidate.
# Base's titles in an adapter's set only fill it up to N (inference tops up a
# short set): they make no set interleaved, and when chosen count for the control.
_CANARY_QUERY = """
WITH interleaved AS (
    SELECT s.id, s.model_version AS control,
           (SELECT min(x.model_version) FROM suggestions x
            WHERE x.set_id = s.id AND x.model_version <> s.model_version
              AND x.model_version <> 'base') AS candidate
    FROM suggestion_sets s
    WHERE s.served_at >= now() - make_interval(secs => %s)
)
SELECT i.candidate, i.control,
       count(*) AS decisions,
       count(*) FILTER (WHERE chosen.model_version = i.candidate) AS wins
FROM interleaved i
JOIN feedback f ON f.set_id = i.id AND f.status = 'recorded' AND f.action = 'accept'
JOIN suggestions chosen ON chosen.id = f.suggestion_id
WHERE i.candidate IS NOT NULL
GROUP BY i.candidate, i.control
"""


def _canary(row: dict[str, Any]) -> CanaryStats:
    interval = wilson_interval(row["wins"], row["decisions"])
    return CanaryStats(
        **row,
        win_rate=round(interval.rate, 4),
        win_rate_lower=round(interval.lower, 4),
        win_rate_upper=round(interval.upper, 4),
    )


def _rate(part: int, whole: int) -> float | None:
    return round(part / whole, 4) if whole else None


def compute_stats(pool: ConnectionPool[Any], window_hours: float, user_id: str | None = None) -> StatsOut:
    """Rates per version over the window; with `user_id`, of the sets served
    to that user or answered by them (canary win rates and the pending count
    stay population-wide)."""
    with pool.connection() as conn:
        rows = conn.execute(_QUERY, {"window": window_hours * 3600, "user_id": user_id}).fetchall()
        canaries = [_canary(r) for r in conn.execute(_CANARY_QUERY, (window_hours * 3600,)).fetchall()]
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
    return StatsOut(
        window_hours=window_hours,
        versions=versions,
        canaries=canaries,
        pending_feedback=pending["n"] if pending else 0,
    )


class TimelinePoint(BaseModel):
    bucket_start: datetime
    model_version: str
    feedback: int
    accepted: int  # accepted as shown (edits and reject-alls are not)
    acceptance_rate: float


class VersionStart(BaseModel):
    model_version: str
    first_served: datetime  # when users first saw it: the activation as they lived it


class TimelineOut(BaseModel):
    bucket_minutes: float
    points: list[TimelinePoint]
    versions: list[VersionStart]


_TIMELINE_QUERY = """
SELECT date_bin(make_interval(secs => %(bucket)s), s.served_at, 'epoch') AS bucket_start,
       s.model_version,
       count(f.id) AS feedback,
       count(*) FILTER (WHERE f.action = 'accept') AS accepted
FROM suggestion_sets s
JOIN feedback f ON f.set_id = s.id AND f.status = 'recorded'
WHERE s.served_at >= now() - make_interval(secs => %(window)s)
GROUP BY 1, 2
ORDER BY 1, 2
"""

_FIRST_SERVED_QUERY = """
SELECT model_version, min(served_at) AS first_served
FROM suggestion_sets
WHERE served_at >= now() - make_interval(secs => %(window)s)
GROUP BY model_version
ORDER BY 2
"""


def compute_timeline(pool: ConnectionPool[Any], window_hours: float, bucket_minutes: float) -> TimelineOut:
    """Acceptance per model version in time buckets, for charts over a run."""
    params = {"window": window_hours * 3600, "bucket": bucket_minutes * 60}
    with pool.connection() as conn:
        points = conn.execute(_TIMELINE_QUERY, params).fetchall()
        starts = conn.execute(_FIRST_SERVED_QUERY, params).fetchall()
    return TimelineOut(
        bucket_minutes=bucket_minutes,
        points=[TimelinePoint(**r, acceptance_rate=round(r["accepted"] / r["feedback"], 4)) for r in points],
        versions=[VersionStart(**r) for r in starts],
    )


def export_stats(pool: ConnectionPool[Any], window_hours: float) -> None:
    """Refresh the stats gauges (a periodic worker calls this)."""
    stats = compute_stats(pool, window_hours)
    for v in stats.versions:
        if v.acceptance_rate is not None:
            ACCEPTANCE_RATE.labels(model_version=v.model_version).set(v.acceptance_rate)
    for c in stats.canaries:
        CANARY_WIN_RATE.labels(candidate=c.candidate).set(c.win_rate)
        CANARY_WIN_RATE_LOWER.labels(candidate=c.candidate).set(c.win_rate_lower)
        CANARY_WIN_RATE_UPPER.labels(candidate=c.candidate).set(c.win_rate_upper)
        CANARY_DECISIONS.labels(candidate=c.candidate).set(c.decisions)
