"""What the labelling page sends; the APIs check the rest themselves."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from prefloop.shared.text import CleanLine, CleanText


class SuggestRequest(BaseModel):
    idea: CleanText = Field(min_length=1, max_length=2000)
    n: int = Field(default=4, ge=2, le=8)
    user_id: CleanLine = Field(min_length=1, max_length=128)


class ChoiceRequest(BaseModel):
    suggestion_set_id: str
    action: Literal["accept", "edit", "reject_all"]
    suggestion_id: str | None = None
    edited_text: CleanLine | None = Field(default=None, max_length=2000)
    user_id: CleanLine = Field(min_length=1, max_length=128)


class LoopState(BaseModel):
    """The side panel: what the loop did with this person's choices."""

    choices_today: int | None
    pairs_waiting: int | None
    next_round: str
    active_version: str
    problems: list[str]  # APIs that did not answer, said in a sentence each
