"""Thin routes over compute_stats and compute_timeline."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import Parameter
from psycopg_pool import ConnectionPool

from prefloop.feedback.stats.service import StatsOut, TimelineOut, compute_stats, compute_timeline


@get("/v1/stats", sync_to_thread=True)
def get_stats(
    pool: NamedDependency[ConnectionPool[Any]],
    window_hours: Annotated[float, Parameter(gt=0, le=24 * 365)] = 24.0,
    user_id: Annotated[str | None, Parameter(min_length=1, max_length=128)] = None,
) -> StatsOut:
    return compute_stats(pool, window_hours, user_id)


@get("/v1/stats/timeline", sync_to_thread=True)
def get_timeline(
    pool: NamedDependency[ConnectionPool[Any]],
    window_hours: Annotated[float, Parameter(gt=0, le=24 * 365)] = 24.0,
    bucket_minutes: Annotated[float, Parameter(ge=1, le=24 * 60)] = 5.0,
) -> TimelineOut:
    return compute_timeline(pool, window_hours, bucket_minutes)
