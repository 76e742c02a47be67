"""Request and response bodies of the suggestions endpoint."""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from prefloop.shared.text import CleanLine, CleanText


class SuggestionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    idea: CleanText = Field(min_length=1, max_length=2000, description="the video idea")
    n: int = Field(default=4, ge=1, le=8, description="how many titles")
    user_id: CleanLine | None = Field(default=None, max_length=128)
    model_version: CleanLine | None = Field(
        default=None, max_length=64, description='pin "base" or a registered adapter version'
    )


class SuggestionOut(BaseModel):
    id: UUID
    index: int
    text: str


class SuggestionSetOut(BaseModel):
    suggestion_set_id: UUID
    model_version: str
    suggestions: list[SuggestionOut]
