"""Domain events: small frozen dataclasses the services work on."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field


class FeedbackAction(enum.StrEnum):
    ACCEPT = "accept"
    EDIT = "edit"
    REJECT_ALL = "reject_all"


class AdapterEventType(enum.StrEnum):
    PUBLISHED = "published"
    CANARY = "canary"
    ACTIVATED = "activated"
    ROLLED_BACK = "rolled_back"
    REJECTED = "rejected"


@dataclass(frozen=True)
class ServedSuggestion:
    id: str
    index: int
    text: str
    model_version: str


@dataclass(frozen=True)
class SuggestionsServed:
    suggestion_set_id: str
    idea: str
    prompt_template_version: str
    model_version: str
    user_id: str | None
    suggestions: tuple[ServedSuggestion, ...]
    served_at_ms: int


@dataclass(frozen=True)
class FeedbackRecorded:
    feedback_id: str
    suggestion_set_id: str
    action: FeedbackAction
    idea: str
    prompt_template_version: str
    chosen_text: str | None
    chosen_model_version: str | None
    rejected: tuple[ServedSuggestion, ...]
    user_id: str | None
    recorded_at_ms: int


@dataclass(frozen=True)
class UserErased:
    user_id: str
    erased_at_ms: int
    feedback_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class AdapterEvent:
    type: AdapterEventType
    version: str
    base_model: str
    path: str = ""
    parent_version: str | None = None
    canary_fraction: float = 0.0
    reason: str = ""
    at_ms: int = field(default=0)


Event = SuggestionsServed | FeedbackRecorded | UserErased | AdapterEvent
