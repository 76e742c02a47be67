"""An endpoint that only says whether the admin token is right: a console
checks a person's token at login with it, changing nothing."""

from __future__ import annotations

from litestar import get

from prefloop.shared.auth.guards import ADMIN


@get("/v1/admin/check", sync_to_thread=False, opt=ADMIN)
def admin_check() -> dict[str, bool]:
    return {"admin": True}
