"""Readiness of a service that lives on Postgres and a Kafka consumer."""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool

from prefloop.shared.kafka import ConsumerLoop


class ConsumingServiceState:
    """What the lifespan opens; /readyz answers 200 once the pool is open and the
    consumer really consumes (partitions assigned), and 503 with the reason
    while its handler keeps failing (its database is away)."""

    def __init__(self) -> None:
        self.pool: ConnectionPool[Any] | None = None
        self.consumer: ConsumerLoop | None = None

    def not_ready(self) -> list[str]:
        if self.pool is None:
            return ["database"]
        if self.consumer is None or not self.consumer.ready:
            return ["event consumer"]
        stuck = self.consumer.stuck
        return [f"event consumer (stuck: {stuck})"] if stuck else []
