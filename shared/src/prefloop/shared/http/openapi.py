"""The OpenAPI document tells the truth: every route may answer with the one
error body (errors.py) under the statuses the shared edges give (bad input,
auth, size, media type, rate limit, unavailable dependency), plus the ones a
route declares itself; a body a handler can do without is not required."""

from __future__ import annotations

import inspect
import re
from collections.abc import Sequence

from litestar import Litestar
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.types import ControllerRouterHandler
from pydantic import BaseModel


class ErrorBody(BaseModel):
    error: str  # a short code: invalid_request, not_found, text_refused, ...
    detail: str  # what was wrong, naming the value and what was expected


ERRORS = {
    400: "the request is malformed or fails its schema",
    401: "no API key or admin token where one is needed",
    403: "the API key or admin token is not valid",
    404: "what the path names does not exist",
    409: "the request conflicts with the current state",
    413: "the body is over the size limit",
    415: "the body is not JSON (or the form the route reads)",
    422: "well-formed, but refused: inconsistent fields or text the text rule refuses",
    429: "over the rate limit",
    503: "a dependency (database, broker, model) is not available; retry later",
}


def error_responses() -> dict[int, ResponseSpec]:
    return {code: ResponseSpec(data_container=ErrorBody, description=text) for code, text in ERRORS.items()}


def document_errors(handlers: Sequence[ControllerRouterHandler]) -> None:
    """Add the shared error responses to each route handler (its own declared
    responses win)."""
    for handler in handlers:
        if isinstance(handler, HTTPRouteHandler):
            handler.responses = {**error_responses(), **(handler.responses or {})}


def optional_bodies(handlers: Sequence[ControllerRouterHandler]) -> set[tuple[str, str]]:
    """(path, method) of handlers whose `data` defaults to None."""
    found = set()
    for handler in handlers:
        if not isinstance(handler, HTTPRouteHandler):
            continue
        data = inspect.signature(handler.fn).parameters.get("data")
        if data is not None and data.default is None:
            paths = {re.sub(r"\{(\w+):\w+\}", r"{\1}", path) for path in handler.paths}  # drop converters
            found |= {(path, method.lower()) for path in paths for method in handler.http_methods}
    return found


def relax_optional_bodies(app: Litestar, optional: set[tuple[str, str]]) -> None:
    """Litestar marks every request body required; say which are not."""
    for path, item in (app.openapi_schema.paths or {}).items():
        for method in ("post", "put", "patch", "delete"):
            operation = getattr(item, method, None)
            if operation is not None and operation.request_body is not None and (path, method) in optional:
                operation.request_body.required = False
