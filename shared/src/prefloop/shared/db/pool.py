"""psycopg 3 connection pool, with each service's schema first on the search path."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool

from prefloop.shared.db.migrate import apply_migrations


def open_pool(database_url: str, schema: str, min_size: int = 1, max_size: int = 8) -> ConnectionPool[Any]:
    pool = ConnectionPool(
        database_url,
        min_size=min_size,
        max_size=max_size,
        kwargs={"row_factory": dict_row, "options": f"-c search_path={schema}"},
        name=f"prefloop-{schema}",
        open=False,
    )
    pool.open(wait=True, timeout=30)
    return pool


async def prepare_database(
    database_url: str, schema: str, migrations: Path, max_size: int = 8
) -> ConnectionPool[Any]:
    """A service's start-up: its migrations applied, then its pool opened (off the event loop)."""
    await asyncio.to_thread(apply_migrations, database_url, schema, migrations)
    return await asyncio.to_thread(open_pool, database_url, schema, 1, max_size)
