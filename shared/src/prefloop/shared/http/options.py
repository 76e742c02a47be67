"""OPTIONS for a path served by more than one handler (GET and POST of
/v1/training/runs): Litestar's automatic answer names only the first
handler's methods in `Allow`; this one names them all."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from litestar import Response, route
from litestar.handlers import HTTPRouteHandler
from litestar.types import ControllerRouterHandler


def _options(path: str, allow: str) -> HTTPRouteHandler:
    @route(path, http_method="OPTIONS", include_in_schema=False, sync_to_thread=False)
    def options() -> Response[None]:
        return Response(None, status_code=204, headers={"Allow": allow})

    return options


def shared_path_options(handlers: Sequence[ControllerRouterHandler]) -> list[HTTPRouteHandler]:
    methods: dict[str, set[str]] = defaultdict(set)
    counts: dict[str, int] = defaultdict(int)
    for handler in handlers:
        if isinstance(handler, HTTPRouteHandler):
            for path in handler.paths:
                methods[path] |= set(handler.http_methods)
                counts[path] += 1
    return [
        _options(path, ", ".join(sorted(methods[path] | {"OPTIONS"}))) for path in methods if counts[path] > 1
    ]
