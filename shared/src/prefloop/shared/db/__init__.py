"""Postgres: a connection pool per service and per-schema migrations."""

from prefloop.shared.db.migrate import apply_migrations
from prefloop.shared.db.pool import open_pool, prepare_database

__all__ = ["apply_migrations", "open_pool", "prepare_database"]
