"""Publishing events: idempotent, acks=all, keyed."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

from kafka import KafkaProducer
from kafka.errors import KafkaError

from prefloop.shared.events import Event, encode


class EventPublisher(Protocol):
    """What services need from a producer; unit tests pass an in-memory fake."""

    def publish(self, topic: str, key: str, event: Event) -> None: ...

    def publish_raw(
        self, topic: str, key: str, payload: bytes, headers: Sequence[tuple[str, bytes]] = ()
    ) -> None: ...

    def close(self) -> None: ...


class KafkaEventPublisher:
    """A failed send closes the producer and the next call builds a new one:
    kafka-python's idempotent producer stays in a fatal state after some broker
    errors (an InitProducerId refused while a broker restarts), and would fail
    every later send. Callers retry; a resend may duplicate on Kafka, which
    consumers dedupe."""

    def __init__(self, bootstrap_servers: str, client_id: str, timeout_s: float = 30.0) -> None:
        self._bootstrap = bootstrap_servers
        self._client_id = client_id
        self._timeout_s = timeout_s
        self._producer: KafkaProducer | None = None
        self._lock = threading.Lock()
        self._connect()

    def _connect(self) -> KafkaProducer:
        with self._lock:
            if self._producer is None:
                self._producer = KafkaProducer(
                    bootstrap_servers=self._bootstrap,
                    client_id=self._client_id,
                    enable_idempotence=True,
                    acks="all",
                    linger_ms=5,
                )
            return self._producer

    def _discard(self, producer: KafkaProducer) -> None:
        with self._lock:
            if self._producer is producer:
                self._producer = None
        producer.close(timeout=1)

    def publish(self, topic: str, key: str, event: Event) -> None:
        self.publish_raw(topic, key, encode(event))

    def publish_raw(
        self, topic: str, key: str, payload: bytes, headers: Sequence[tuple[str, bytes]] = ()
    ) -> None:
        """Send and wait for the broker's acknowledgement."""
        self.publish_many([(topic, key, payload)], headers)

    def publish_many(
        self, items: list[tuple[str, str, bytes]], headers: Sequence[tuple[str, bytes]] = ()
    ) -> None:
        """Send a batch, then wait for every acknowledgement (raises on the first failure)."""
        producer = self._connect()
        try:
            futures = [
                producer.send(topic, key=key.encode(), value=payload, headers=list(headers) or None)
                for topic, key, payload in items
            ]
            producer.flush(timeout=self._timeout_s)
            for future in futures:
                future.get(timeout=self._timeout_s)
        except KafkaError:
            self._discard(producer)
            raise

    def close(self) -> None:
        """Flush for a moment, then go: what is unsent stays in the outbox (or is
        published again by its caller), and a service must stop soon after SIGTERM."""
        with self._lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            producer.close(timeout=1)
