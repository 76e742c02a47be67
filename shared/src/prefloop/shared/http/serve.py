"""Run a service's app under uvicorn with the shared log format."""

from __future__ import annotations

import uvicorn
from litestar import Litestar

from prefloop.shared.observability import configure_logging


def serve(service: str, app: Litestar, host: str, port: int) -> None:
    configure_logging(service)
    uvicorn.run(app, host=host, port=port, log_config=None, access_log=False)
