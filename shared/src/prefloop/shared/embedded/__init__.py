"""Embedded Postgres and Kafka-protocol broker for the local stack and tests."""

from prefloop.shared.embedded.broker import EmbeddedBroker
from prefloop.shared.embedded.postgres import start_postgres
from prefloop.shared.embedded.stack import LocalStack, ServiceSpec

__all__ = ["EmbeddedBroker", "LocalStack", "ServiceSpec", "start_postgres"]
