"""Roll back, with no person in the loop, an active version that starts
serving users worse sets than the version it replaced: more requests
answered with fewer titles than asked for, or with none (a 503).

The gate's health check samples a few dozen sets before activation; this
watches what users actually get after it. The inference service counts each
version's full, short and failed sets (`GET /v1/models`, "serving"); the
watch judges only the sets served since it first saw the version active, so
a restart or a version activated again starts with a clean slate.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from psycopg_pool import ConnectionPool

from prefloop.trainer.metrics import ACTIVE_ADAPTER, SERVING_ROLLBACKS_TOTAL
from prefloop.trainer.registry import repository as registry

log = logging.getLogger(__name__)

BASE = "base"
ServingSource = Callable[[], Mapping[str, Mapping[str, int]]]  # version -> {"full", "short", "failed"}


@dataclass(frozen=True)
class SetCounts:
    full: int = 0
    short: int = 0
    failed: int = 0

    @classmethod
    def of(cls, counts: Mapping[str, int] | None) -> SetCounts:
        counts = counts or {}
        return cls(int(counts.get("full", 0)), int(counts.get("short", 0)), int(counts.get("failed", 0)))

    def __sub__(self, other: SetCounts) -> SetCounts:
        return SetCounts(self.full - other.full, self.short - other.short, self.failed - other.failed)

    @property
    def sets(self) -> int:
        return self.full + self.short + self.failed

    @property
    def bad_share(self) -> float:
        return (self.short + self.failed) / self.sets if self.sets else 0.0


@dataclass(frozen=True)
class ServingPolicy:
    min_sets: int = 20  # sets a version serves before it is judged (and a reference must have)
    tolerance: float = 0.1  # share of short or failed sets it may have above its reference
    max_bad_share: float = 0.25  # the limit when no reference has served enough sets here


def serving_refusal(
    active: SetCounts, reference: SetCounts | None, reference_name: str, policy: ServingPolicy
) -> str | None:
    """Why the active version must be rolled back, or None."""
    if active.sets < policy.min_sets:
        return None
    bad = active.short + active.failed
    if reference is not None and reference.sets >= policy.min_sets:
        if active.bad_share <= reference.bad_share + policy.tolerance:
            return None
        against = f"against {reference_name}'s {reference.bad_share:.0%}"
    else:
        if active.bad_share <= policy.max_bad_share:
            return None
        against = f"above the {policy.max_bad_share:.0%} limit"
    return (
        f"rolled back automatically: {bad} of {active.sets} sets since activation were short or failed "
        f"({active.short} short, {active.failed} failed; {active.bad_share:.0%}) {against}"
    )


def inference_serving(inference_url: str, api_key: str | None) -> ServingSource:
    def fetch() -> Mapping[str, Mapping[str, int]]:
        headers = {"X-API-Key": api_key} if api_key else {}
        response = httpx.get(f"{inference_url.rstrip('/')}/v1/models", headers=headers, timeout=10)
        response.raise_for_status()
        serving: dict[str, dict[str, int]] = response.json().get("serving", {})
        return serving

    return fetch


class ServingWatch:
    def __init__(
        self,
        pool: ConnectionPool[Any],
        serving: ServingSource,
        base_model: str,
        policy: ServingPolicy,
        on_change: Callable[[], None] = lambda: None,
    ) -> None:
        self._pool = pool
        self._serving = serving
        self._base_model = base_model
        self._policy = policy
        self._on_change = on_change
        self._watched: tuple[str, SetCounts] | None = None  # (version, its counts when first seen active)

    def tick(self) -> str | None:
        """Judge the active version's sets; returns the version rolled back, if any."""
        with self._pool.connection() as conn:
            version = registry.active_version(conn)
            row = registry.get_adapter(conn, version) if version else None
        if version is None or row is None:
            self._watched = None
            return None
        counts = self._serving()
        now = SetCounts.of(counts.get(version))
        if self._watched is None or self._watched[0] != version:
            self._watched = (version, now)
            return None
        reference_name = row.get("activated_from") or BASE
        refusal = serving_refusal(
            now - self._watched[1], SetCounts.of(counts.get(reference_name)), reference_name, self._policy
        )
        if refusal is None:
            return None
        with self._pool.connection() as conn, conn.transaction():
            if registry.active_version(conn) != version:
                return None  # an operator or a round changed it meanwhile
            rolled_back, restored = registry.rollback(conn, self._base_model, refusal)
        SERVING_ROLLBACKS_TOTAL.inc()
        ACTIVE_ADAPTER.info({"version": restored})
        log.warning("%s: %s; %s serves again", rolled_back, refusal, restored)
        self._watched = None
        self._on_change()
        return rolled_back
