"""Apply a service's SQL migrations (yoyo) inside its own schema.

Each service owns one schema; yoyo's bookkeeping tables live there too, so the
services' migration histories never mix.
"""

from __future__ import annotations

import logging
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import psycopg
from yoyo import get_backend, read_migrations

log = logging.getLogger(__name__)


def _yoyo_uri(database_url: str, schema: str) -> str:
    parts = urlsplit(database_url)
    query = dict(parse_qsl(parts.query))
    query["schema"] = schema
    return urlunsplit(("postgresql+psycopg", parts.netloc, parts.path, urlencode(query), ""))


def apply_migrations(database_url: str, schema: str, migrations_dir: Path) -> int:
    """Create the schema if needed, apply pending migrations; returns how many ran."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f'CREATE SCHEMA IF NOT EXISTS "{schema}"')
    backend = get_backend(_yoyo_uri(database_url, schema))
    migrations = read_migrations(str(migrations_dir))
    with backend.lock():
        pending = backend.to_apply(migrations)
        backend.apply_migrations(pending)
    if pending:
        log.info("applied %d migration(s) to schema %s", len(pending), schema)
    return len(pending)
