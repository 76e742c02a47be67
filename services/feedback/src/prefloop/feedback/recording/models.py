"""Feedback bodies."""

from __future__ import annotations

import enum
from datetime import datetime
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from prefloop.shared.events import FeedbackAction
from prefloop.shared.text import CleanLine, CleanText

MAX_TITLE_CHARS = 300


class FeedbackStatus(enum.StrEnum):
    RECORDED = "recorded"
    PENDING = "pending"  # the set's SuggestionsServed event has not arrived yet
    EXPIRED = "expired"  # the set never arrived within the pending TTL
    INVALID = "invalid"  # the set arrived and the feedback did not match it


class FeedbackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    feedback_id: UUID | None = Field(default=None, description="client id that makes retries safe")
    suggestion_set_id: UUID
    action: FeedbackAction
    suggestion_id: UUID | None = None
    # Line breaks are allowed here to be refused by name (single line) by the service rules.
    edited_text: CleanText | None = Field(default=None, max_length=MAX_TITLE_CHARS)
    user_id: CleanLine | None = Field(default=None, max_length=128)


class FeedbackOut(BaseModel):
    feedback_id: UUID
    suggestion_set_id: UUID
    action: FeedbackAction
    suggestion_id: UUID | None
    edited_text: str | None
    user_id: str | None
    status: FeedbackStatus
    status_detail: str | None
    model_version: str | None
    created_at: datetime
