"""DELETE /v1/users/{user_id} (admin): erase a user (erasure.py)."""

from __future__ import annotations

from typing import Any

from litestar import delete
from litestar.di import NamedDependency
from litestar.params import FromPath
from psycopg_pool import ConnectionPool

from prefloop.feedback.users.erasure import ErasureOut, erase_user
from prefloop.shared.auth import ADMIN
from prefloop.shared.http import BadRequest
from prefloop.shared.text import check_text

MAX_USER_ID = 128


@delete("/v1/users/{user_id:str}", status_code=200, sync_to_thread=True, opt=ADMIN)
def delete_user(user_id: FromPath[str], pool: NamedDependency[ConnectionPool[Any]]) -> ErasureOut:
    if len(user_id) > MAX_USER_ID:
        raise BadRequest(f"user_id is {len(user_id)} characters long, the limit is {MAX_USER_ID}")
    return erase_user(pool, check_text(user_id, "user_id"))
