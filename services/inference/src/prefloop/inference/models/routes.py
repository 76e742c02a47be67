"""What the engine serves right now, and how each version's sets turned out."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from litestar import get
from litestar.di import NamedDependency

from prefloop.inference.adapters import AdapterManager
from prefloop.inference.suggestions.service import SuggestionService


@get("/v1/models", sync_to_thread=False)
def list_models(
    adapters: NamedDependency[AdapterManager], suggestions: NamedDependency[SuggestionService]
) -> dict[str, Any]:
    return {
        **asdict(adapters.view()),
        "engine": suggestions.engine.describe(),
        "serving": suggestions.serving.view(),
    }
