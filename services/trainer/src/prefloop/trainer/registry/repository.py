"""Registry reads and writes; each write queues its AdapterEvent in the same transaction."""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

from psycopg import Connection
from psycopg.types.json import Jsonb
from pydantic import BaseModel

from prefloop.shared.adapters import Manifest
from prefloop.shared.events import ADAPTERS, AdapterEvent, AdapterEventType
from prefloop.shared.outbox import enqueue


class AdapterOut(BaseModel):
    version: str
    parent: str | None
    base_model: str
    status: str
    metrics: dict[str, Any]
    reason: str | None
    activated_from: str | None
    created_at: datetime
    updated_at: datetime


class ErasedTraining(BaseModel):
    """A version in this one's lineage (itself or a parent it was warm-started
    from) whose round trained on feedback that was later erased."""

    version: str
    erased_feedback: int


class AdapterDetail(AdapterOut):
    manifest: dict[str, Any]
    learned_from_erased: list[ErasedTraining]


_ERASED_LINEAGE = """
WITH RECURSIVE lineage AS (
    SELECT version, parent, 0 AS depth FROM adapters WHERE version = %s
    UNION ALL
    SELECT a.version, a.parent, l.depth + 1 FROM adapters a JOIN lineage l ON a.version = l.parent
)
SELECT l.version, count(*) AS erased_feedback
FROM lineage l
JOIN training_runs r ON r.version = l.version
JOIN round_feedback rf ON rf.round_id = r.id
JOIN erased_feedback e ON e.feedback_id = rf.feedback_id
GROUP BY l.version, l.depth
ORDER BY l.depth
"""


def erased_lineage(conn: Connection[Any], version: str) -> list[ErasedTraining]:
    return [ErasedTraining(**r) for r in conn.execute(_ERASED_LINEAGE, (version,)).fetchall()]


def retire(conn: Connection[Any], version: str, reason: str) -> None:
    """Take a version that does not serve out of use: it stays for inspection."""
    lock_registry(conn)
    conn.execute(
        "UPDATE adapters SET status = 'retired', reason = %s, updated_at = now() WHERE version = %s",
        (reason, version),
    )


def _now_ms() -> int:
    return int(time.time() * 1000)


def list_adapters(conn: Connection[Any]) -> list[AdapterOut]:
    rows = conn.execute("SELECT * FROM adapters ORDER BY created_at DESC").fetchall()
    return [AdapterOut(**{k: r[k] for k in AdapterOut.model_fields}) for r in rows]


def active_version(conn: Connection[Any]) -> str | None:
    row = conn.execute("SELECT version FROM adapters WHERE status = 'active'").fetchone()
    return str(row["version"]) if row else None


def register(conn: Connection[Any], manifest: Manifest, metrics: dict[str, Any]) -> None:
    """A new candidate version, announced as `published`."""
    conn.execute(
        "INSERT INTO adapters (version, parent, base_model, status, manifest, metrics) "
        "VALUES (%s, %s, %s, 'candidate', %s, %s)",
        (
            manifest.version,
            manifest.parent,
            manifest.base_model,
            Jsonb(manifest.__dict__),
            Jsonb(metrics),
        ),
    )
    event = AdapterEvent(
        AdapterEventType.PUBLISHED,
        manifest.version,
        manifest.base_model,
        path=manifest.version,
        parent_version=manifest.parent,
        at_ms=_now_ms(),
    )
    enqueue(conn, ADAPTERS.name, manifest.version, event)


BASE = "base"


def lock_registry(conn: Connection[Any]) -> None:
    """Serialise registry changes (a round and an operator may act at once)."""
    conn.execute("SELECT pg_advisory_xact_lock(hashtext('prefloop-registry'))")


def get_adapter(conn: Connection[Any], version: str) -> dict[str, Any] | None:
    row: dict[str, Any] | None = conn.execute(
        "SELECT * FROM adapters WHERE version = %s", (version,)
    ).fetchone()
    return row


def activate(conn: Connection[Any], version: str, base_model: str, reason: str) -> str | None:
    """Make `version` (or "base") the active one; the previous one retires.

    Returns the previous active version (None when base served)."""
    lock_registry(conn)
    previous = active_version(conn)
    conn.execute("UPDATE adapters SET status = 'retired', updated_at = now() WHERE status = 'active'")
    if version != BASE:
        conn.execute(
            "UPDATE adapters SET status = 'active', reason = %s, activated_from = %s, updated_at = now() "
            "WHERE version = %s",
            (reason, previous or BASE, version),
        )
    _announce(conn, AdapterEventType.ACTIVATED, version, base_model, reason, previous)
    return previous


def start_canary(conn: Connection[Any], version: str, base_model: str, fraction: float, reason: str) -> None:
    """Put a candidate on canary; a canary it replaces is rolled back as superseded."""
    lock_registry(conn)
    for row in conn.execute("SELECT version FROM adapters WHERE status = 'canary'").fetchall():
        end_canary(conn, row["version"], base_model, f"superseded by {version}")
    conn.execute(
        "UPDATE adapters SET status = 'canary', reason = %s, updated_at = now() WHERE version = %s",
        (reason, version),
    )
    _announce_canary(conn, version, base_model, fraction, reason)


def _announce_canary(
    conn: Connection[Any], version: str, base_model: str, fraction: float, reason: str
) -> None:
    event = AdapterEvent(
        AdapterEventType.CANARY,
        version,
        base_model,
        path=version,
        canary_fraction=fraction,
        reason=reason,
        at_ms=_now_ms(),
    )
    enqueue(conn, ADAPTERS.name, version, event)


def restate_serving(conn: Connection[Any], base_model: str, canary_fraction: float) -> str:
    """Announce again what serves: the active version and the canary, if any.

    Inference replicas rebuild their state by replaying the adapters topic,
    so a topic that lost its history (a broker that restarted without its
    state, as the embedded one does; retention) would leave new replicas on
    base while the registry says otherwise. Replicas that already serve this
    state take the events as no-ops. A canary is restated on the configured
    fraction (its own is not kept); with canaries turned off it stays unserved.

    Returns the active version ("base" when no adapter is active)."""
    lock_registry(conn)
    active = active_version(conn)
    if active is not None:
        _announce(conn, AdapterEventType.ACTIVATED, active, base_model, "restated at trainer start", None)
    canary = canary_version(conn)
    if canary is not None and canary_fraction > 0:
        _announce_canary(conn, canary, base_model, canary_fraction, "restated at trainer start")
    return active or BASE


def canary_version(conn: Connection[Any]) -> str | None:
    row = conn.execute("SELECT version FROM adapters WHERE status = 'canary'").fetchone()
    return str(row["version"]) if row else None


def end_canary(conn: Connection[Any], version: str, base_model: str, reason: str) -> None:
    """A canary that lost (or was superseded): rolled back, never served to everyone."""
    conn.execute(
        "UPDATE adapters SET status = 'rolled_back', reason = %s, updated_at = now() WHERE version = %s",
        (reason, version),
    )
    _announce(conn, AdapterEventType.ROLLED_BACK, version, base_model, reason, None)


def reject(conn: Connection[Any], version: str, base_model: str, reason: str) -> None:
    """A candidate that failed the gate: kept for inspection, never served."""
    lock_registry(conn)
    conn.execute(
        "UPDATE adapters SET status = 'rejected', reason = %s, updated_at = now() WHERE version = %s",
        (reason, version),
    )
    _announce(conn, AdapterEventType.REJECTED, version, base_model, reason, None)


def rollback(conn: Connection[Any], base_model: str, reason: str) -> tuple[str, str]:
    """Roll the active version back to the one it replaced; returns (rolled back, now active)."""
    lock_registry(conn)
    current = conn.execute("SELECT * FROM adapters WHERE status = 'active'").fetchone()
    if current is None:
        raise LookupError("nothing to roll back: the base model is serving")
    target = current["activated_from"] or BASE
    conn.execute(
        "UPDATE adapters SET status = 'rolled_back', reason = %s, updated_at = now() WHERE version = %s",
        (reason, current["version"]),
    )
    _announce(conn, AdapterEventType.ROLLED_BACK, current["version"], base_model, reason, None)
    if target != BASE:
        conn.execute(
            "UPDATE adapters SET status = 'active', reason = %s, updated_at = now() WHERE version = %s",
            (f"rollback from {current['version']}", target),
        )
    _announce(
        conn, AdapterEventType.ACTIVATED, target, base_model, f"rollback from {current['version']}", None
    )
    return str(current["version"]), target


def _announce(
    conn: Connection[Any],
    kind: AdapterEventType,
    version: str,
    base_model: str,
    reason: str,
    parent: str | None,
) -> None:
    event = AdapterEvent(
        kind,
        version,
        base_model,
        path="" if version == BASE else version,
        parent_version=parent,
        reason=reason,
        at_ms=_now_ms(),
    )
    enqueue(conn, ADAPTERS.name, version, event)
