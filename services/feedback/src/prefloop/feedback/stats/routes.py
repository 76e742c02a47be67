"""Thin route over compute_stats."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import get
from litestar.di import NamedDependency
from litestar.params import Parameter
from psycopg_pool import ConnectionPool

from prefloop.feedback.stats.service import StatsOut, compute_stats


@get("/v1/stats", sync_to_thread=True)
def get_stats(
    pool: NamedDependency[ConnectionPool[Any]],
    window_hours: Annotated[float, Parameter(gt=0, le=24 * 365)] = 24.0,
) -> StatsOut:
    return compute_stats(pool, window_hours)
