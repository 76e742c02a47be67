"""Publishing events: idempotent, acks=all, keyed."""

from __future__ import annotations

from typing import Protocol

from kafka import KafkaProducer

from prefloop.shared.events import Event, encode


class EventPublisher(Protocol):
    """What services need from a producer; unit tests pass an in-memory fake."""

    def publish(self, topic: str, key: str, event: Event) -> None: ...

    def publish_raw(self, topic: str, key: str, payload: bytes) -> None: ...

    def close(self) -> None: ...


class KafkaEventPublisher:
    def __init__(self, bootstrap_servers: str, client_id: str, timeout_s: float = 30.0) -> None:
        self._timeout_s = timeout_s
        self._producer = KafkaProducer(
            bootstrap_servers=bootstrap_servers,
            client_id=client_id,
            enable_idempotence=True,
            acks="all",
            linger_ms=5,
        )

    def publish(self, topic: str, key: str, event: Event) -> None:
        self.publish_raw(topic, key, encode(event))

    def publish_raw(self, topic: str, key: str, payload: bytes) -> None:
        """Send and wait for the broker's acknowledgement."""
        self._producer.send(topic, key=key.encode(), value=payload).get(timeout=self._timeout_s)

    def publish_many(self, items: list[tuple[str, str, bytes]]) -> None:
        """Send a batch, then wait for every acknowledgement (raises on the first failure)."""
        futures = [
            self._producer.send(topic, key=key.encode(), value=payload) for topic, key, payload in items
        ]
        self._producer.flush(timeout=self._timeout_s)
        for future in futures:
            future.get(timeout=self._timeout_s)

    def close(self) -> None:
        self._producer.close(timeout=5)
