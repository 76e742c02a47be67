"""What a request body must be before any handler reads it: within the size
limit whether or not the handler reads it, and JSON (or a form, on handlers
that say `opt=FORM`), named by its content type. Anything else is a 413 or a
415 naming what was sent and what is expected."""

from __future__ import annotations

from typing import Any

from litestar import Request

from prefloop.shared.http.errors import BadRequest, PayloadTooLarge, UnsupportedMediaType

MAX_BODY_BYTES = 64 * 1024
JSON = "application/json"
FORM_MEDIA = "application/x-www-form-urlencoded"
FORM = {"form": True}  # route handler opt: the handler reads a form


def _length(request: Request[Any, Any, Any]) -> int | None:
    value = request.headers.get("content-length")
    if value is None:
        return None
    try:
        return int(value)
    except ValueError:
        raise BadRequest(f"Content-Length is not a number: {value[:40]!r}") from None


def check_body(request: Request[Any, Any, Any]) -> None:
    length = _length(request)
    if length is not None and length > MAX_BODY_BYTES:
        raise PayloadTooLarge(f"the body is {length} bytes; the limit is {MAX_BODY_BYTES}")
    has_body = (length or 0) > 0 or "transfer-encoding" in request.headers
    if not has_body or request.method in ("GET", "HEAD", "OPTIONS"):
        return
    expected = FORM_MEDIA if request.route_handler.opt.get("form") else JSON
    sent = request.content_type[0]
    if sent != expected:
        raise UnsupportedMediaType(f"send the body as {expected}, not {sent or 'without a Content-Type'}")
