"""Ops API over the registry (reads; changes arrive with the gate and canary)."""

from __future__ import annotations

from typing import Any

from litestar import get
from litestar.di import NamedDependency
from psycopg_pool import ConnectionPool

from prefloop.shared.http import NotFound
from prefloop.trainer.registry.repository import AdapterOut, list_adapters


@get("/v1/adapters", sync_to_thread=True)
def get_adapters(pool: NamedDependency[ConnectionPool[Any]]) -> list[AdapterOut]:
    with pool.connection() as conn:
        return list_adapters(conn)


@get("/v1/adapters/active", sync_to_thread=True)
def get_active_adapter(pool: NamedDependency[ConnectionPool[Any]]) -> AdapterOut:
    with pool.connection() as conn:
        active = [a for a in list_adapters(conn) if a.status == "active"]
    if not active:
        raise NotFound("no adapter is active: the base model serves")
    return active[0]
