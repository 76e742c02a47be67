"""The wire codec: every event survives a round trip; bad payloads are named."""

from __future__ import annotations

import pytest

from prefloop.shared.events import (
    ADAPTERS,
    FEEDBACK,
    SUGGESTIONS,
    AdapterEvent,
    AdapterEventType,
    DecodeError,
    FeedbackAction,
    FeedbackRecorded,
    ServedSuggestion,
    SuggestionsServed,
    UserErased,
    decode,
    encode,
)

SHOWN = (
    ServedSuggestion("s1", 0, "Fixing a dead sourdough starter", "base"),
    ServedSuggestion("s2", 1, "UNLOCK the secret!", "v1"),
)


@pytest.mark.parametrize(
    ("topic", "event"),
    [
        (SUGGESTIONS.name, SuggestionsServed("set", "idea", "v1", "base", "u1", SHOWN, 123)),
        (SUGGESTIONS.name, SuggestionsServed("set", "idea", "v1", "base", None, SHOWN, 123)),
        (
            FEEDBACK.name,
            FeedbackRecorded(
                "f",
                "set",
                FeedbackAction.ACCEPT,
                "idea",
                "v1",
                "Fixing a dead sourdough starter",
                "base",
                SHOWN[1:],
                "u1",
                5,
            ),
        ),
        (
            FEEDBACK.name,
            FeedbackRecorded("f", "set", FeedbackAction.REJECT_ALL, "idea", "v1", None, None, SHOWN, None, 5),
        ),
        (FEEDBACK.name, UserErased("u1", 9)),
        (
            ADAPTERS.name,
            AdapterEvent(AdapterEventType.ACTIVATED, "v0001", "m", "v0001", "v0000", 0.0, "round 1", 7),
        ),
    ],
)
def test_round_trip(topic: str, event: object) -> None:
    assert decode(topic, encode(event)) == event  # type: ignore[arg-type]


def test_garbage_is_a_decode_error_naming_the_topic() -> None:
    with pytest.raises(DecodeError, match=SUGGESTIONS.name):
        decode(SUGGESTIONS.name, b"\xff\xff\xff")


def test_an_event_missing_required_fields_is_refused() -> None:
    with pytest.raises(DecodeError, match="without suggestion_set_id"):
        decode(SUGGESTIONS.name, b"")


def test_unknown_topic_is_refused() -> None:
    with pytest.raises(DecodeError, match="no event type"):
        decode("other.topic", b"")
