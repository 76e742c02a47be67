"""The outbox relay: Postgres is the source of truth, Kafka is delivery."""
