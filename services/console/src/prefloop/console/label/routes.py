"""The labelling page and the calls its script makes, each passed on to the
API an application would call (no second way to write feedback)."""

from __future__ import annotations

import asyncio
from typing import Any

from litestar import Request, Response, get, post
from litestar.di import NamedDependency
from litestar.params import FromQuery, JSONBody
from litestar.response import Template

from prefloop.console.label.models import ChoiceRequest, LoopState, SuggestRequest
from prefloop.console.session import signed_in
from prefloop.console.upstream import Upstream


@get("/", include_in_schema=False)
async def label_page(request: Request[Any, Any, Any], max_titles: NamedDependency[int]) -> Template:
    return Template(
        "label.html",
        context={
            "page": "label",
            "max_titles": max_titles,
            "admin": signed_in(request),
        },
    )


@get("/api/ideas", sync_to_thread=False)
def default_ideas(ideas: NamedDependency[list[str]]) -> dict[str, list[str]]:
    return {"ideas": ideas}


@post("/api/suggestions", status_code=200)
async def suggest(data: JSONBody[SuggestRequest], upstream: NamedDependency[Upstream]) -> Response[Any]:
    answer = await upstream.call("inference", "POST", "/v1/suggestions", json=data.model_dump())
    return answer.response()


@post("/api/feedback", status_code=201)
async def choose(data: JSONBody[ChoiceRequest], upstream: NamedDependency[Upstream]) -> Response[Any]:
    answer = await upstream.call("feedback", "POST", "/v1/feedback", json=data.model_dump(exclude_none=True))
    return answer.response()


@get("/api/loop")
async def loop_state(upstream: NamedDependency[Upstream], user_id: FromQuery[str]) -> LoopState:
    problems: list[str] = []
    stats, schedule, models = await asyncio.gather(
        upstream.read("feedback", "/v1/stats", problems, window_hours=24, user_id=user_id),
        upstream.read("trainer", "/v1/training/status", problems),
        upstream.read("inference", "/v1/models", problems),
    )
    return LoopState(
        choices_today=sum(v["feedback"] for v in stats["versions"]) if stats else None,
        pairs_waiting=schedule["waiting_pairs"] if schedule else None,
        next_round=schedule["next_round"] if schedule else "unknown: the trainer did not answer",
        active_version=models.get("active_version", "?") if models else "?",
        problems=problems,
    )
