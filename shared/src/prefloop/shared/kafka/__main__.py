"""`python -m prefloop.shared.kafka`: create prefloop's topics (idempotent)."""

from __future__ import annotations

import logging
import os
import sys

from tenacity import retry, stop_after_delay, wait_fixed

from prefloop.shared.kafka.admin import ensure_topics


@retry(wait=wait_fixed(2), stop=stop_after_delay(120), reraise=True)
def _create(bootstrap: str) -> None:
    ensure_topics(bootstrap)


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    servers = os.environ.get("PREFLOOP_KAFKA_BOOTSTRAP_SERVERS")
    if not servers:
        sys.exit("PREFLOOP_KAFKA_BOOTSTRAP_SERVERS is not set")
    _create(servers)
    print(f"topics ready on {servers}")
