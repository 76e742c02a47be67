"""Login (the admin token lives in the server-side session only: never in a
page, a script or a URL), the operate page, and its controls."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Annotated, Any

from litestar import Request, get, post
from litestar.di import NamedDependency
from litestar.enums import RequestEncodingType
from litestar.params import Body
from litestar.response import Redirect, Template

from prefloop.console.operate.actions import ACTIONS
from prefloop.console.operate.chart import acceptance_svg
from prefloop.console.operate.versions import version_rows
from prefloop.console.session import ADMIN_TOKEN, FLASH, signed_in
from prefloop.console.upstream import Answer, Upstream
from prefloop.shared.http.bodies import FORM

Form = Body(media_type=RequestEncodingType.URL_ENCODED)
AnyRequest = Request[Any, Any, Any]


@dataclass
class LoginForm:
    token: str = ""


@dataclass
class ActionForm:
    action: str = ""
    reason: str = ""
    version: str = ""


def _flash(request: AnyRequest, ok: bool, text: str) -> None:
    request.session[FLASH] = {"ok": ok, "text": text}


@get("/operate", include_in_schema=False)
async def operate_page(request: AnyRequest, upstream: NamedDependency[Upstream]) -> Template:
    flash = request.session.pop(FLASH, None)
    if not signed_in(request):
        return Template("login.html", context={"page": "operate", "flash": flash, "admin": False})
    return Template("operate.html", context={**await _operate_context(upstream), "flash": flash})


async def _operate_context(upstream: Upstream) -> dict[str, Any]:
    problems: list[str] = []
    adapters, runs, stats, timeline, schedule, models = await asyncio.gather(
        upstream.read("trainer", "/v1/adapters", problems),
        upstream.read("trainer", "/v1/training/runs", problems),
        upstream.read("feedback", "/v1/stats", problems, window_hours=24 * 7),
        upstream.read("feedback", "/v1/stats/timeline", problems, window_hours=24, bucket_minutes=5),
        upstream.read("trainer", "/v1/training/status", problems),
        upstream.read("inference", "/v1/models", problems),
    )
    rows = version_rows(adapters or [], runs or [], (stats or {}).get("canaries", []))
    active = next((r.version for r in rows if r.status == "active"), "base")
    return {
        "page": "operate",
        "admin": True,
        "rows": rows,
        "active": active,
        "serving": (models or {}).get("active_version", "?"),
        "canary": next((r.version for r in rows if r.status == "canary"), None),
        "schedule": schedule,
        "versions_stats": (stats or {}).get("versions", []),
        "chart": acceptance_svg(timeline) if timeline else "",
        "actions": ACTIONS,
        "problems": problems,
    }


@post("/operate/login", status_code=303, opt=FORM)
async def login(
    request: AnyRequest, upstream: NamedDependency[Upstream], data: Annotated[LoginForm, Form]
) -> Redirect:
    token = data.token.strip()
    if not token:
        _flash(request, False, "Enter the admin token.")
        return Redirect("/operate")
    answer = await upstream.call("trainer", "GET", "/v1/admin/check", admin_token=token)
    if answer.ok:
        request.session[ADMIN_TOKEN] = token
        _flash(request, True, "Signed in.")
    else:
        _flash(request, False, f"Not signed in: {answer.detail}")
    return Redirect("/operate")


@post("/operate/logout", status_code=303, opt=FORM)
async def logout(request: AnyRequest) -> Redirect:
    request.clear_session()
    return Redirect("/operate")


def _said(name: str, answer: Answer) -> str:
    if answer.ok:
        return f"{ACTIONS[name].label}: done. The trainer answered {answer.status}: {json.dumps(answer.body)}"
    return f"{ACTIONS[name].label} refused. {answer.detail}"


@post("/operate/actions", status_code=303, opt=FORM)
async def act(
    request: AnyRequest, upstream: NamedDependency[Upstream], data: Annotated[ActionForm, Form]
) -> Redirect:
    token = request.session.get(ADMIN_TOKEN)
    action = ACTIONS.get(data.action)
    if not token:
        _flash(request, False, "Sign in with the admin token first.")
    elif action is None:
        _flash(request, False, f"Unknown action {data.action!r}; expected one of {', '.join(ACTIONS)}.")
    elif not data.reason.strip():
        _flash(request, False, f"{action.label}: give a reason; it is recorded with the change.")
    elif action.needs_version and not data.version.strip():
        _flash(request, False, f"{action.label}: choose a version.")
    else:
        answer = await upstream.call(
            "trainer",
            "POST",
            action.target(data.version.strip()),
            json={"reason": data.reason.strip()},
            admin_token=str(token),
        )
        _flash(request, answer.ok, _said(data.action, answer))
    return Redirect("/operate")
