"""The common shape of every prefloop HTTP app.

/healthz answers while the process is up; /readyz asks the service whether its
dependencies and model are ready; /metrics serves Prometheus; /schema the
OpenAPI document. Errors are mapped once (see errors.py).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from typing import Any

from litestar import Litestar, Request, Response, get
from litestar.middleware import DefineMiddleware
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.plugins.prometheus import PrometheusConfig, PrometheusController
from litestar.template import TemplateConfig
from litestar.types import ControllerRouterHandler, Guard

from prefloop.shared.auth.keys import api_key_of
from prefloop.shared.http.bodies import MAX_BODY_BYTES, check_body
from prefloop.shared.http.errors import EXCEPTION_HANDLERS
from prefloop.shared.http.openapi import document_errors, optional_bodies, relax_optional_bodies
from prefloop.shared.http.options import shared_path_options

# Returns the names of dependencies that are not ready (empty when ready).
ReadyCheck = Callable[[], list[str]]
Lifespan = Callable[[Litestar], AbstractAsyncContextManager[None]]


_UNMETERED = ["/metrics", "/healthz", "/readyz", "/schema"]


class MetricsController(PrometheusController):
    path = "/metrics"
    include_in_schema = False  # Prometheus text, not part of the JSON API


def _client_identity(api_keys: Sequence[str]) -> Callable[[Request[Any, Any, Any]], str]:
    """A valid key counts as itself; anything else (no key, made-up keys) counts
    by client address, so rotating invented keys does not escape the limit."""
    valid = set(api_keys)

    def identity(request: Request[Any, Any, Any]) -> str:
        key = api_key_of(request)
        if key is not None and key in valid:
            return f"key:{key}"
        return f"addr:{request.client.host if request.client else 'unknown'}"

    return identity


def _rate_limit(per_minute: int, api_keys: Sequence[str]) -> list[DefineMiddleware]:
    """A per-key (or per-address) limit; over it, requests get 429."""
    if per_minute <= 0:
        return []
    config = RateLimitConfig(
        rate_limit=("minute", per_minute),
        exclude=_UNMETERED,
        identifier_for_request=_client_identity(api_keys),
    )
    return [config.middleware]


def build_app(
    service: str,
    route_handlers: Sequence[ControllerRouterHandler],
    ready: ReadyCheck,
    lifespan: Sequence[Lifespan] = (),
    dependencies: dict[str, Any] | None = None,
    guards: Sequence[Guard] = (),
    rate_limit_per_minute: int = 0,
    api_keys: Sequence[str] = (),
    middleware: Sequence[DefineMiddleware] = (),
    template_config: TemplateConfig[Any] | None = None,
) -> Litestar:
    @get("/healthz", sync_to_thread=False, include_in_schema=False)
    def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @get("/readyz", sync_to_thread=False, include_in_schema=False)
    def readyz() -> Response[dict[str, Any]]:
        missing = ready()
        if missing:
            return Response({"status": "not_ready", "waiting_for": missing}, status_code=503)
        return Response({"status": "ready"})

    document_errors(route_handlers)
    optional = optional_bodies(route_handlers)
    prometheus = PrometheusConfig(
        app_name=service,
        prefix="prefloop",
        group_path=True,
        exclude=_UNMETERED,
    )
    options = shared_path_options(route_handlers)
    app = Litestar(
        # the OPTIONS handlers first: Litestar adds its own to a path's first route otherwise
        route_handlers=[*options, healthz, readyz, MetricsController, *route_handlers],
        lifespan=list(lifespan),
        dependencies=dependencies,
        guards=list(guards),
        exception_handlers=EXCEPTION_HANDLERS,
        middleware=[prometheus.middleware, *_rate_limit(rate_limit_per_minute, api_keys), *middleware],
        before_request=check_body,
        template_config=template_config,
        openapi_config=OpenAPIConfig(title=f"prefloop {service}", version="1", path="/schema"),
        request_max_body_size=MAX_BODY_BYTES,
    )
    app.on_startup.append(lambda: relax_optional_bodies(app, optional))
    return app
