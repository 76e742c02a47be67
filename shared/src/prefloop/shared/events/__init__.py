"""Typed domain events and their single wire codec (protobuf, see proto/)."""

from prefloop.shared.events.codec import DecodeError, decode, encode
from prefloop.shared.events.topics import ADAPTERS, FEEDBACK, SUGGESTIONS, Topic, all_topics
from prefloop.shared.events.types import (
    AdapterEvent,
    AdapterEventType,
    Event,
    FeedbackAction,
    FeedbackRecorded,
    ServedSuggestion,
    SuggestionsServed,
    UserErased,
)

__all__ = [
    "ADAPTERS",
    "FEEDBACK",
    "SUGGESTIONS",
    "AdapterEvent",
    "AdapterEventType",
    "DecodeError",
    "Event",
    "FeedbackAction",
    "FeedbackRecorded",
    "ServedSuggestion",
    "SuggestionsServed",
    "Topic",
    "UserErased",
    "all_topics",
    "decode",
    "encode",
]
