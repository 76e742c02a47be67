"""Where a request carries its API key."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection


def api_key_of(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The key in `X-API-Key`, or in `Authorization: Bearer <key>`; nothing else counts."""
    value = connection.headers.get("x-api-key")
    if value:
        return value
    scheme, _, credentials = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and credentials.strip():
        return credentials.strip()
    return None
