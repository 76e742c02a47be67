"""Background loops that run beside a service's HTTP server."""

from prefloop.shared.workers.periodic import PeriodicWorker

__all__ = ["PeriodicWorker"]
