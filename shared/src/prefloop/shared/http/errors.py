"""One error hierarchy, mapped to JSON `{"error": code, "detail": text}` in one place."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from litestar import Request, Response
from litestar.exceptions import HTTPException, ValidationException
from litestar.types import ExceptionHandlersMap

from prefloop.shared.text import TextRefused
from prefloop.shared.text.rule import REFUSED

log = logging.getLogger(__name__)


class ApplicationError(Exception):
    status_code: ClassVar[int] = 500
    code: ClassVar[str] = "internal_error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class BadRequest(ApplicationError):
    status_code = 400
    code = "bad_request"


class Unauthorized(ApplicationError):
    status_code = 401
    code = "unauthorized"


class Forbidden(ApplicationError):
    status_code = 403
    code = "forbidden"


class NotFound(ApplicationError):
    status_code = 404
    code = "not_found"


class Conflict(ApplicationError):
    status_code = 409
    code = "conflict"


class Unprocessable(ApplicationError):
    status_code = 422
    code = "unprocessable"


class PayloadTooLarge(ApplicationError):
    status_code = 413
    code = "payload_too_large"


class UnsupportedMediaType(ApplicationError):
    status_code = 415
    code = "unsupported_media_type"


class ServiceUnavailable(ApplicationError):
    status_code = 503
    code = "unavailable"


def _body(code: str, detail: str, status: int) -> Response[dict[str, str]]:
    return Response({"error": code, "detail": detail}, status_code=status)


def _application_error(_: Request[Any, Any, Any], exc: ApplicationError) -> Response[dict[str, str]]:
    return _body(exc.code, exc.detail, exc.status_code)


def _validation_error(_: Request[Any, Any, Any], exc: ValidationException) -> Response[dict[str, str]]:
    problems = []
    for item in exc.extra if isinstance(exc.extra, list) else []:
        if isinstance(item, dict):
            problems.append(f"{item.get('key', 'body')}: {item.get('message', 'invalid')}")
    detail = "; ".join(problems) or str(exc.detail)
    if REFUSED in detail:  # well-formed, but text the rule refuses (shared/text)
        return _body("text_refused", detail, 422)
    return _body("invalid_request", detail, 400)


def _text_refused(_: Request[Any, Any, Any], exc: TextRefused) -> Response[dict[str, str]]:
    return _body("text_refused", str(exc), 422)


_CODES = {
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "rate_limited",
}


def _http_error(_: Request[Any, Any, Any], exc: HTTPException) -> Response[dict[str, str]]:
    # Keeps the exception's headers: a 405 names the allowed methods (Allow).
    body = {"error": _CODES.get(exc.status_code, "http_error"), "detail": str(exc.detail)}
    return Response(body, status_code=exc.status_code, headers=exc.headers)


def _too_deep(request: Request[Any, Any, Any], exc: RecursionError) -> Response[dict[str, str]]:
    # The JSON decoder recurses per nesting level: a body of thousands of
    # nested brackets is bad input, not a server fault.
    if "deserializing" in str(exc):
        return _body("invalid_request", "the JSON body nests too deeply", 400)
    return _unexpected(request, exc)


def _unexpected(request: Request[Any, Any, Any], exc: Exception) -> Response[dict[str, str]]:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return _body("internal_error", "an unexpected error occurred; it was logged", 500)


EXCEPTION_HANDLERS: ExceptionHandlersMap = {
    ApplicationError: _application_error,
    ValidationException: _validation_error,
    TextRefused: _text_refused,
    HTTPException: _http_error,
    RecursionError: _too_deep,
    Exception: _unexpected,
}
