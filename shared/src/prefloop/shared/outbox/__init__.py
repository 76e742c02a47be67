"""Transactional outbox: a service writes its state change and the event in one
transaction; a relay publishes the events. Postgres is the source of truth,
Kafka is delivery."""

from prefloop.shared.outbox.relay import OutboxRelay, enqueue, prune_sent

__all__ = ["OutboxRelay", "enqueue", "prune_sent"]
