"""Thin route: body in, service call, body out."""

from __future__ import annotations

from litestar import post
from litestar.di import NamedDependency
from litestar.params import JSONBody

from prefloop.inference.suggestions.models import SuggestionRequest, SuggestionSetOut
from prefloop.inference.suggestions.service import SuggestionService


@post("/v1/suggestions", status_code=200)
async def create_suggestions(
    data: JSONBody[SuggestionRequest], suggestions: NamedDependency[SuggestionService]
) -> SuggestionSetOut:
    return await suggestions.suggest(data)
