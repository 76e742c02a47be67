"""Promote a canary whose interleaved win rate is credibly above 50%, roll it
back when credibly below ("credibly": the Wilson 95% interval from the
feedback service excludes 50%, after a minimum number of decisions)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import httpx
from psycopg_pool import ConnectionPool

from prefloop.trainer.metrics import ACTIVE_ADAPTER, CANARY_DECISIONS_TOTAL
from prefloop.trainer.registry import repository as registry

log = logging.getLogger(__name__)

StatsSource = Callable[[], list[dict[str, Any]]]


@dataclass(frozen=True)
class CanaryPolicy:
    min_decisions: int
    promote_above: float = 0.5  # the interval's lower end must clear this
    rollback_below: float = 0.5  # the interval's upper end must fall under this


def feedback_canaries(feedback_url: str, api_key: str | None, window_hours: float) -> StatsSource:
    """Read the interleaved win rates from the feedback service's /v1/stats."""

    def fetch() -> list[dict[str, Any]]:
        headers = {"X-API-Key": api_key} if api_key else {}
        response = httpx.get(
            f"{feedback_url.rstrip('/')}/v1/stats",
            params={"window_hours": window_hours},
            headers=headers,
            timeout=10,
        )
        response.raise_for_status()
        canaries: list[dict[str, Any]] = response.json()["canaries"]
        return canaries

    return fetch


def decide(stats: dict[str, Any], policy: CanaryPolicy) -> str | None:
    """'promote', 'rollback' or None (keep watching)."""
    if stats["decisions"] < policy.min_decisions:
        return None
    if stats["win_rate_lower"] > policy.promote_above:
        return "promote"
    if stats["win_rate_upper"] < policy.rollback_below:
        return "rollback"
    return None


class CanaryJudge:
    def __init__(
        self,
        pool: ConnectionPool[Any],
        stats: StatsSource,
        base_model: str,
        policy: CanaryPolicy,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._pool = pool
        self._stats = stats
        self._base_model = base_model
        self._policy = policy
        self._on_change = on_change

    def tick(self) -> str | None:
        """Decide on the running canary, if any; returns the decision taken."""
        with self._pool.connection() as conn:
            version = registry.canary_version(conn)
        if version is None:
            return None
        found = next((c for c in self._stats() if c["candidate"] == version), None)
        if found is None:
            return None
        decision = decide(found, self._policy)
        if decision is None:
            return None
        summary = (
            f"canary win rate {found['win_rate']:.3f} "
            f"[{found['win_rate_lower']:.3f}, {found['win_rate_upper']:.3f}] "
            f"over {found['decisions']} decisions"
        )
        with self._pool.connection() as conn, conn.transaction():
            if decision == "promote":
                registry.activate(conn, version, self._base_model, reason=f"promoted: {summary}")
            else:
                registry.end_canary(conn, version, self._base_model, f"rolled back: {summary}")
        CANARY_DECISIONS_TOTAL.labels(decision=decision).inc()
        if decision == "promote":
            ACTIVE_ADAPTER.info({"version": version})
        log.info("canary %s: %s (%s)", version, decision, summary)
        self._on_change()
        return decision
