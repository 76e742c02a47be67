"""Metrics and logging shared by every service."""

from prefloop.shared.observability.logging import configure_logging

__all__ = ["configure_logging"]
