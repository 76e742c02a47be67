"""One log format for every service."""

from __future__ import annotations

import logging
import os


def configure_logging(service: str) -> None:
    level = os.environ.get("PREFLOOP_LOG_LEVEL", "INFO").upper()
    logging.basicConfig(
        level=level,
        format=f"%(asctime)s %(levelname)s {service} %(name)s: %(message)s",
    )
    # Chatty libraries: keep their warnings, drop their per-request info.
    for name in ("kafka", "httpx", "urllib3"):
        logging.getLogger(name).setLevel(logging.WARNING)
