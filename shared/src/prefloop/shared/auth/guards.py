"""Guards built from settings; an empty key list disables the API key check."""

from __future__ import annotations

import hmac
from collections.abc import Sequence
from typing import Any

from litestar.connection import ASGIConnection
from litestar.handlers.base import BaseRouteHandler
from litestar.types import Guard

from prefloop.shared.auth.keys import api_key_of
from prefloop.shared.http.errors import Forbidden, Unauthorized

_OPEN_PATHS = ("/healthz", "/readyz", "/metrics", "/schema")


def api_key_guard(keys: Sequence[str]) -> Guard:
    accepted = [key.encode() for key in keys]

    def guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
        if not accepted or connection.url.path.startswith(_OPEN_PATHS):
            return
        given = api_key_of(connection)
        if given is None:
            raise Unauthorized("missing API key: send it in the X-API-Key header (or Authorization: Bearer)")
        if not any(hmac.compare_digest(given.encode(), key) for key in accepted):
            raise Forbidden("the API key is not valid")

    return guard


ADMIN = {"admin": True}  # route handler opt that marks an admin endpoint


def admin_guard(token: str | None) -> Guard:
    """Enforces the admin token on handlers declared with `opt=ADMIN`."""

    def guard(connection: ASGIConnection[Any, Any, Any, Any], handler: BaseRouteHandler) -> None:
        if not handler.opt.get("admin"):
            return
        if token is None:
            raise Forbidden("admin endpoints are disabled: PREFLOOP_ADMIN_TOKEN is not set")
        given = connection.headers.get("x-admin-token")
        if given is None:
            raise Unauthorized("missing admin token: send it in the X-Admin-Token header")
        if not hmac.compare_digest(given.encode(), token.encode()):
            raise Forbidden("the admin token is not valid")

    return guard
