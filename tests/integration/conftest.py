"""Real parts: the embedded Postgres server (one per session, a fresh database
per test) and a fresh Tansu broker per test."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import psycopg
import pytest
from kafka import KafkaConsumer, TopicPartition

from prefloop.shared.embedded import EmbeddedBroker, start_postgres
from prefloop.shared.events import Event, decode
from prefloop.shared.kafka import KafkaEventPublisher, ensure_topics

T = TypeVar("T")


@pytest.fixture(scope="session")
def postgres_admin_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return start_postgres(tmp_path_factory.mktemp("pg") / "data", database="postgres")


@pytest.fixture
def database_url(postgres_admin_url: str) -> str:
    name = f"t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(postgres_admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return postgres_admin_url.replace("/postgres?", f"/{name}?")


@pytest.fixture
def bootstrap(tmp_path: Path) -> Iterator[str]:
    with EmbeddedBroker(log_path=tmp_path / "broker.log") as broker:
        ensure_topics(broker.bootstrap_servers)
        yield broker.bootstrap_servers


@pytest.fixture
def publisher(bootstrap: str) -> Iterator[KafkaEventPublisher]:
    producer = KafkaEventPublisher(bootstrap, "test")
    yield producer
    producer.close()


def eventually(check: Callable[[], T | None], timeout_s: float = 30.0, what: str = "condition") -> T:
    """Poll until `check` returns something truthy; fail naming `what`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout_s:.0f} s waiting for {what}")


def read_topic(bootstrap: str, topic: str, decode_events: bool = True) -> list[Any]:
    """Everything on a topic right now (no group: nothing is committed)."""
    consumer = KafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    try:
        partitions = [TopicPartition(topic, p) for p in sorted(consumer.partitions_for_topic(topic) or {0})]
        consumer.assign(partitions)
        consumer.seek_to_beginning(*partitions)
        records: list[Any] = []
        for _ in range(6):
            batch = consumer.poll(timeout_ms=300)
            records += [r for rs in batch.values() for r in rs]
        if not decode_events:
            return records
        events: list[Event] = [decode(topic, r.value) for r in records]
        return events
    finally:
        consumer.close()


def query(database_url: str, schema: str, sql: str, *params: object) -> list[dict[str, Any]]:
    from psycopg.rows import dict_row

    with psycopg.connect(database_url, row_factory=dict_row, options=f"-c search_path={schema}") as conn:
        return conn.execute(sql, params).fetchall()
