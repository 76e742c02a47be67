"""HTTP building blocks every service uses: errors, health, metrics, app factory."""

from prefloop.shared.http.app import ReadyCheck, build_app
from prefloop.shared.http.errors import (
    ApplicationError,
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    ServiceUnavailable,
    Unauthorized,
    Unprocessable,
)

__all__ = [
    "ApplicationError",
    "BadRequest",
    "Conflict",
    "Forbidden",
    "NotFound",
    "ReadyCheck",
    "ServiceUnavailable",
    "Unauthorized",
    "Unprocessable",
    "build_app",
]
