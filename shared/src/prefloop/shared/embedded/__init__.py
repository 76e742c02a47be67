"""Embedded Postgres and Kafka-protocol broker for the local stack and tests."""

from prefloop.shared.embedded.broker import EmbeddedBroker
from prefloop.shared.embedded.postgres import start_postgres

__all__ = ["EmbeddedBroker", "start_postgres"]
