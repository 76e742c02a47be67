"""What the engine serves right now."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import get
from litestar.di import NamedDependency

from prefloop.inference.adapters import AdapterManager


@get("/v1/models", sync_to_thread=False)
def list_models(adapters: NamedDependency[AdapterManager]) -> dict[str, Any]:
    return asdict(adapters.view())
