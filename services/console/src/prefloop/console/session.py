"""What the console keeps in a person's server-side session."""

from __future__ import annotations

from typing import Any

from litestar import Request

ADMIN_TOKEN = "admin_token"  # noqa: S105 - the key the operator's token is kept under, not a token
FLASH = "flash"  # the result of the last control, shown once


def signed_in(request: Request[Any, Any, Any]) -> bool:
    return bool(request.session.get(ADMIN_TOKEN))
