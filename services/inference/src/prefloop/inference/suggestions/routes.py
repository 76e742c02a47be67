"""Thin route: body in, service call, body out."""

from __future__ import annotations

from litestar import post

from prefloop.inference.suggestions.models import SuggestionRequest, SuggestionSetOut
from prefloop.inference.suggestions.service import SuggestionService


@post("/v1/suggestions", status_code=200)
async def create_suggestions(data: SuggestionRequest, suggestions: SuggestionService) -> SuggestionSetOut:
    return await suggestions.suggest(data)
