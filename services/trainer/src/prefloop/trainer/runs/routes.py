"""Training runs: list them, see when the next starts, ask for one now,
pause and resume (admin; each change may give a reason, which is logged)."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from litestar import get, post
from litestar.di import NamedDependency
from litestar.params import Body
from psycopg_pool import ConnectionPool
from pydantic import BaseModel, Field

from prefloop.shared.auth import ADMIN
from prefloop.shared.http import Conflict
from prefloop.trainer.registry.routes import Change, ChangeRequest
from prefloop.trainer.training.rounds import RoundRunner

log = logging.getLogger(__name__)


class RunOut(BaseModel):
    id: int
    trigger: str
    status: str
    started_at: datetime
    finished_at: datetime | None
    train_pairs: int | None
    eval_pairs: int | None
    version: str | None
    metrics: dict[str, Any]
    error: str | None


class RunRequested(BaseModel):
    requested: bool
    waiting_pairs: int


@get("/v1/training/runs", sync_to_thread=True)
def list_runs(pool: NamedDependency[ConnectionPool[Any]]) -> list[RunOut]:
    with pool.connection() as conn:
        rows = conn.execute("SELECT * FROM training_runs ORDER BY id DESC LIMIT 100").fetchall()
    return [RunOut(**row) for row in rows]


class TrainingStatus(BaseModel):
    paused: bool
    running: bool
    waiting_pairs: int
    min_new_pairs: int
    next_round: str


@get("/v1/training/status", sync_to_thread=True)
def training_status(rounds: NamedDependency[RoundRunner]) -> TrainingStatus:
    return TrainingStatus(**asdict(rounds.status()))


class RunRequest(ChangeRequest):
    from_base: bool = Field(
        default=False,
        description="train from the base model on the newest pairs, used or not, instead of warm-starting "
        "from the active version: a version that owes nothing to versions trained on erased data",
    )


@post("/v1/training/runs", status_code=202, sync_to_thread=True, opt=ADMIN)
def request_run(
    rounds: NamedDependency[RoundRunner], data: Annotated[RunRequest | None, Body()] = None
) -> RunRequested:
    asked = data or RunRequest()
    waiting = rounds.waiting_pairs()
    if waiting == 0 and not (asked.from_base and rounds.has_pairs()):
        raise Conflict("no new pairs to train on")
    rounds.request(from_base=asked.from_base)
    log.info("round requested by an operator (from base: %s): %s", asked.from_base, asked.reason)
    return RunRequested(requested=True, waiting_pairs=waiting)


class PauseState(BaseModel):
    paused: bool


@post("/v1/training/pause", status_code=200, sync_to_thread=False, opt=ADMIN)
def pause_training(rounds: NamedDependency[RoundRunner], data: Change = None) -> PauseState:
    rounds.paused = True
    log.info("training paused by an operator: %s", (data or ChangeRequest()).reason)
    return PauseState(paused=True)


@post("/v1/training/resume", status_code=200, sync_to_thread=False, opt=ADMIN)
def resume_training(rounds: NamedDependency[RoundRunner], data: Change = None) -> PauseState:
    rounds.paused = False
    log.info("training resumed by an operator: %s", (data or ChangeRequest()).reason)
    return PauseState(paused=False)
