"""HTTP building blocks every service uses: errors, health, metrics, app factory."""

from prefloop.shared.http.app import ReadyCheck, build_app
from prefloop.shared.http.errors import (
    ApplicationError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PayloadTooLarge,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
    UnsupportedMediaType,
)

__all__ = [
    "ApplicationError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "PayloadTooLarge",
    "ReadyCheck",
    "ServiceUnavailable",
    "Unauthorized",
    "Unprocessable",
    "UnsupportedMediaType",
    "build_app",
]
