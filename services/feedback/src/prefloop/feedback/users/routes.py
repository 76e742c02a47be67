"""Erasure: the user's sets and feedback go, and a UserErased event goes out
through the outbox so the trainer drops the user's pairs (also later ones)."""

from __future__ import annotations

import time
from typing import Any

from litestar import delete
from litestar.di import NamedDependency
from litestar.params import FromPath
from psycopg_pool import ConnectionPool
from pydantic import BaseModel

from prefloop.shared.auth import ADMIN
from prefloop.shared.events import FEEDBACK, UserErased
from prefloop.shared.http import BadRequest
from prefloop.shared.outbox import enqueue
from prefloop.shared.text import check_text

MAX_USER_ID = 128


class ErasureOut(BaseModel):
    user_id: str
    feedback_deleted: int
    sets_deleted: int


def erase_user(pool: ConnectionPool[Any], user_id: str) -> ErasureOut:
    with pool.connection() as conn, conn.transaction():
        feedback = conn.execute("DELETE FROM feedback WHERE user_id = %s", (user_id,)).rowcount
        sets = conn.execute("DELETE FROM suggestion_sets WHERE user_id = %s", (user_id,)).rowcount
        event = UserErased(user_id=user_id, erased_at_ms=int(time.time() * 1000))
        enqueue(conn, FEEDBACK.name, user_id, event)
    return ErasureOut(user_id=user_id, feedback_deleted=feedback, sets_deleted=sets)


@delete("/v1/users/{user_id:str}", status_code=200, sync_to_thread=True, opt=ADMIN)
def delete_user(user_id: FromPath[str], pool: NamedDependency[ConnectionPool[Any]]) -> ErasureOut:
    if len(user_id) > MAX_USER_ID:
        raise BadRequest(f"user_id is {len(user_id)} characters long, the limit is {MAX_USER_ID}")
    return erase_user(pool, check_text(user_id, "user_id"))
