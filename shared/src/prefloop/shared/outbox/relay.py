"""Publish unsent outbox rows in order, in batches; mark them sent only after the
broker acknowledged every one. While the broker is away the backlog grows and
drains when it returns; a crash between publish and mark re-sends (consumers
dedupe by feedback_id)."""

from __future__ import annotations

import logging
import time
from typing import Any, Protocol

from psycopg import Connection
from psycopg_pool import ConnectionPool

from prefloop.shared.events import Event, encode
from prefloop.shared.observability.metrics import OUTBOX_BACKLOG, OUTBOX_PUBLISH_SECONDS

log = logging.getLogger(__name__)


class BatchPublisher(Protocol):
    def publish_many(self, items: list[tuple[str, str, bytes]]) -> None: ...


# Each service's schema has this table (see its migrations):
#   outbox (id bigserial PRIMARY KEY, topic text, key text, payload bytea,
#           created_at timestamptz, sent_at timestamptz)
# and, where events carry users' data, a user_id text column.


def enqueue(conn: Connection[Any], topic: str, key: str, event: Event, user_id: str | None = None) -> None:
    """Queue an event inside the caller's transaction; `user_id` names whose
    data the event carries, so erasing that user can delete the row."""
    if user_id is None:
        conn.execute(
            "INSERT INTO outbox (topic, key, payload) VALUES (%s, %s, %s)", (topic, key, encode(event))
        )
    else:
        conn.execute(
            "INSERT INTO outbox (topic, key, payload, user_id) VALUES (%s, %s, %s, %s)",
            (topic, key, encode(event), user_id),
        )


def prune_sent(pool: ConnectionPool[Any], retention_s: float) -> int:
    """Delete rows the broker acknowledged longer than `retention_s` ago: Kafka
    holds them now, and an outbox that keeps every payload keeps every user's data."""
    with pool.connection() as conn:
        deleted = conn.execute(
            "DELETE FROM outbox WHERE sent_at < now() - make_interval(secs => %s)", (retention_s,)
        ).rowcount
    return int(deleted)


class OutboxRelay:
    def __init__(
        self, pool: ConnectionPool[Any], publisher: BatchPublisher, service: str, batch: int = 200
    ) -> None:
        self._pool = pool
        self._publisher = publisher
        self._service = service
        self._batch = batch

    def relay_once(self) -> int:
        """Publish up to one batch; returns how many rows were sent."""
        with self._pool.connection() as conn, conn.transaction():
            rows = conn.execute(
                "SELECT id, topic, key, payload FROM outbox WHERE sent_at IS NULL "
                "ORDER BY id LIMIT %s FOR UPDATE SKIP LOCKED",
                (self._batch,),
            ).fetchall()
            if rows:
                started = time.perf_counter()
                self._publisher.publish_many([(r["topic"], r["key"], bytes(r["payload"])) for r in rows])
                OUTBOX_PUBLISH_SECONDS.labels(service=self._service).observe(time.perf_counter() - started)
                conn.execute(
                    "UPDATE outbox SET sent_at = now() WHERE id = ANY(%s)",
                    ([r["id"] for r in rows],),
                )
        return len(rows)

    def backlog(self) -> int:
        with self._pool.connection() as conn:
            row = conn.execute("SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL").fetchone()
        return int(row["n"]) if row else 0

    def drain(self) -> None:
        """One tick of the relay worker: send until empty, then report the backlog."""
        try:
            while self.relay_once() == self._batch:
                pass
        finally:
            OUTBOX_BACKLOG.labels(service=self._service).set(self.backlog())
