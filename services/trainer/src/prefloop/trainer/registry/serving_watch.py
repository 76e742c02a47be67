"""Roll back, with no person in the loop, an active version that starts
serving users worse sets than the version it replaced or base: more requests
answered with fewer titles than asked for, or with none of its own. A canary
is held to the same rule against the active version and base: one that
writes no usable titles never shows up in an interleaved set, so its users'
choices could never judge it, and it would stay on canary for good.

The gate's health check samples a few dozen sets before activation; this
watches what users actually get after it. The inference service counts each
version's full, short and failed sets (`GET /v1/models`, "serving"); the
watch judges only the sets served since it first saw the version in its
role, so a restart or a version activated again starts with a clean slate.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
from psycopg_pool import ConnectionPool

from prefloop.trainer.metrics import ACTIVE_ADAPTER, SERVING_ROLLBACKS_TOTAL
from prefloop.trainer.registry import repository as registry
from prefloop.trainer.settings import TrainerSettings

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
    def bad(self) -> int:
        return self.short + self.failed

    @property
    def bad_share(self) -> float:
        return self.bad / self.sets if self.sets else 0.0


@dataclass(frozen=True)
class ServingPolicy:
    """A sequential test: the watch looks at every tick, so a flat tolerance would either roll
    back healthy versions by chance over many looks or miss a version that serves a few short
    sets in every hundred where its reference served none."""

    min_sets: int = 20  # sets served before a version is judged, or a reference's rate stands
    detectable_excess: float = 0.05  # how much more often than its reference a version must fail to be caught
    false_rollback_rate: float = 0.01  # chance, over every look, of rolling back a version no worse
    unreferenced_bad_share: float = 0.2  # the rate a version is held to when no reference served enough

    @classmethod
    def from_settings(cls, settings: TrainerSettings) -> ServingPolicy:
        return cls(
            min_sets=settings.serving_min_sets,
            detectable_excess=settings.serving_detectable_excess,
            false_rollback_rate=settings.serving_false_rollback_rate,
            unreferenced_bad_share=settings.serving_unreferenced_bad_share,
        )


def reference_rate(reference: SetCounts) -> float:
    """The reference's share of short or failed sets, with one bad and one full set added: a
    reference that served none still fails sometimes, and a rate of zero would make a single
    short set infinite evidence."""
    return (reference.bad + 1) / (reference.sets + 2)


def excess_evidence(active: SetCounts, held_to: float, excess: float) -> float:
    """Log likelihood ratio of the active version's sets under a bad-set rate `excess` above
    `held_to` against one at `held_to` (Wald's sequential test). Under a true rate no higher than
    `held_to` the ratio is a nonnegative supermartingale, so by Ville's inequality it ever reaches
    1/r with chance at most r, however often it is looked at: the watch's false rollback rate."""
    worse = min(held_to + excess, 0.999)
    return active.bad * math.log(worse / held_to) + active.full * math.log((1 - worse) / (1 - held_to))


def references(counts: Mapping[str, Mapping[str, int]], replaced: str) -> dict[str, SetCounts]:
    """What a version is held to: the sets the version it replaced and base served."""
    return {name: SetCounts.of(counts.get(name)) for name in (replaced, BASE)}


def serving_refusal(
    active: SetCounts,
    compared_with: Mapping[str, SetCounts],
    policy: ServingPolicy,
    since: str = "activation",
) -> str | None:
    """Why the active version must be rolled back, or None. `compared_with` are the version it
    replaced and base: it is held to the better of those that served enough sets here, as the
    gate holds a candidate to both."""
    if active.sets < policy.min_sets:
        return None  # a short burst of engine failures is not yet the version's doing
    rates = {
        name: reference_rate(counts)
        for name, counts in compared_with.items()
        if counts.sets >= policy.min_sets
    }
    if rates:
        name = min(rates, key=lambda n: rates[n])
        held_to = rates[name]
        against = f"{name}'s {held_to:.1%}"
    else:
        held_to = policy.unreferenced_bad_share
        against = f"the {held_to:.0%} held to when no version it is compared with served enough sets here"
    evidence = excess_evidence(active, held_to, policy.detectable_excess)
    if evidence < math.log(1 / policy.false_rollback_rate):
        return None
    return (
        f"rolled back automatically: {active.bad} of {active.sets} sets since {since} were short or "
        f"failed ({active.short} short, {active.failed} failed; {active.bad_share:.0%}) against {against}; "
        f"such sets are {math.exp(min(evidence, 50.0)):,.0f} times likelier from a version "
        f"{policy.detectable_excess * 100:.0f} points worse than from one no worse (the watch acts at "
        f"{1 / policy.false_rollback_rate:,.0f}, which a version no worse reaches with chance "
        f"{policy.false_rollback_rate:.0%} at most)"
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
        # role ("active", "canary") -> (version, its counts when first seen in that role)
        self._watched: dict[str, tuple[str, SetCounts]] = {}

    def tick(self) -> str | None:
        """Judge the active version's sets, then the canary's; returns the version rolled back, if any."""
        with self._pool.connection() as conn:
            version = registry.active_version(conn)
            active = registry.get_adapter(conn, version) if version else None
            canary = registry.canary_version(conn)
        if active is None:
            self._watched.pop("active", None)
        if canary is None:
            self._watched.pop("canary", None)
            if active is None:
                return None
        counts = self._serving()
        if active is not None:
            replaced = active.get("activated_from") or BASE
            refusal = self._refusal("active", active["version"], counts, replaced, "activation")
            if refusal is not None:
                return self._roll_back_active(active["version"], refusal)
        if canary is not None:
            compared_with = active["version"] if active else BASE
            refusal = self._refusal("canary", canary, counts, compared_with, "it went on canary")
            if refusal is not None:
                return self._end_canary(canary, refusal)
        return None

    def _refusal(
        self, role: str, version: str, counts: Mapping[str, Mapping[str, int]], compared_with: str, since: str
    ) -> str | None:
        """Why `version` must stop serving in `role`, on its sets since the watch first saw it there."""
        now = SetCounts.of(counts.get(version))
        first = self._watched.get(role)
        if first is None or first[0] != version:
            self._watched[role] = (version, now)
            return None
        return serving_refusal(now - first[1], references(counts, compared_with), self._policy, since)

    def _roll_back_active(self, version: str, refusal: str) -> str | None:
        with self._pool.connection() as conn, conn.transaction():
            if registry.active_version(conn) != version:
                return None  # an operator or a round changed it meanwhile
            rolled_back, restored = registry.rollback(conn, self._base_model, refusal)
        SERVING_ROLLBACKS_TOTAL.inc()
        ACTIVE_ADAPTER.info({"version": restored})
        log.warning("%s: %s; %s serves again", rolled_back, refusal, restored)
        self._watched.pop("active", None)
        self._on_change()
        return rolled_back

    def _end_canary(self, version: str, refusal: str) -> str | None:
        with self._pool.connection() as conn, conn.transaction():
            if registry.canary_version(conn) != version:
                return None  # the judge or an operator decided meanwhile
            registry.end_canary(conn, version, self._base_model, refusal)
        SERVING_ROLLBACKS_TOTAL.inc()
        log.warning("canary %s: %s", version, refusal)
        self._watched.pop("canary", None)
        self._on_change()
        return version
