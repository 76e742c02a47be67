"""create_app(settings) -> Litestar: server-rendered pages and the calls their
scripts make, over the public APIs of inference, feedback and trainer."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar
from litestar.di import Provide
from litestar.middleware.session.server_side import ServerSideSessionConfig
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template import TemplateConfig

from prefloop.console.export import export_pairs
from prefloop.console.label.ideas import idea_queue
from prefloop.console.label.routes import choose, default_ideas, label_page, loop_state, suggest
from prefloop.console.operate.routes import act, login, logout, operate_page
from prefloop.console.settings import ConsoleSettings
from prefloop.console.upstream import Upstream
from prefloop.shared.http import ServiceUnavailable, build_app

HERE = Path(__file__).parent


def create_app(settings: ConsoleSettings, upstream: Upstream | None = None) -> Litestar:
    holder: dict[str, Upstream] = {}
    ideas = idea_queue(settings.ideas_file)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        holder["upstream"] = upstream or Upstream(
            {
                "inference": settings.inference_url,
                "feedback": settings.feedback_url,
                "trainer": settings.trainer_url,
            },
            settings.upstream_key(),
            settings.timeout_s,
        )
        try:
            yield
        finally:
            await holder.pop("upstream").close()

    def provide_upstream() -> Upstream:
        if "upstream" not in holder:
            raise ServiceUnavailable("the console is starting")
        return holder["upstream"]

    # The session cookie carries only a random id; the admin token stays in
    # this process. SameSite=strict keeps other sites from posting the
    # operator's controls with it.
    session = ServerSideSessionConfig(httponly=True, samesite="strict", max_age=8 * 3600)
    return build_app(
        "console",
        [
            label_page,
            default_ideas,
            suggest,
            choose,
            loop_state,
            operate_page,
            login,
            logout,
            act,
            export_pairs,
            create_static_files_router(
                path="/static", directories=[HERE / "static"], include_in_schema=False
            ),
        ],
        ready=lambda: [],
        lifespan=[lifespan],
        dependencies={
            "upstream": Provide(provide_upstream, sync_to_thread=False),
            "ideas": Provide(lambda: ideas, sync_to_thread=False),
            "max_titles": Provide(lambda: settings.max_titles, sync_to_thread=False),
        },
        middleware=[session.middleware],
        template_config=TemplateConfig(directory=HERE / "templates", engine=JinjaTemplateEngine),
        rate_limit_per_minute=settings.rate_limit_per_minute,
    )
