"""`python -m prefloop.shared.models`: provision the configured base model now."""

from __future__ import annotations

import logging
import os

from prefloop.shared.models.provision import DEFAULT_BASE_MODEL, resolve_base_model

if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    name = os.environ.get("PREFLOOP_BASE_MODEL", DEFAULT_BASE_MODEL)
    print(f"base model {name!r} ready at {resolve_base_model(name)}")
