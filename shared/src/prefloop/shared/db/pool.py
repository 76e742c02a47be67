"""psycopg 3 connection pool, with each service's schema first on the search path."""

from __future__ import annotations

from psycopg.rows import dict_row
from psycopg_pool import ConnectionPool


def open_pool(database_url: str, schema: str, min_size: int = 1, max_size: int = 8) -> ConnectionPool:
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
