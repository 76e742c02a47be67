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
    created_at: datetime
    updated_at: datetime


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


def activate(conn: Connection[Any], version: str, base_model: str, reason: str) -> str | None:
    """Make `version` the active one (the previous one retires); returns the previous."""
    previous = active_version(conn)
    conn.execute("UPDATE adapters SET status = 'retired', updated_at = now() WHERE status = 'active'")
    conn.execute(
        "UPDATE adapters SET status = 'active', reason = %s, updated_at = now() WHERE version = %s",
        (reason, version),
    )
    event = AdapterEvent(
        AdapterEventType.ACTIVATED,
        version,
        base_model,
        path=version,
        parent_version=previous,
        reason=reason,
        at_ms=_now_ms(),
    )
    enqueue(conn, ADAPTERS.name, version, event)
    return previous
