"""The wire codec: every event survives a round trip; bad payloads are named."""

from __future__ import annotations

import uuid

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

SET, FEEDBACK_ID = str(uuid.uuid4()), str(uuid.uuid4())
SHOWN = (
    ServedSuggestion(str(uuid.uuid4()), 0, "Fixing a dead sourdough starter", "base"),
    ServedSuggestion(str(uuid.uuid4()), 1, "UNLOCK the secret!", "v1"),
)


@pytest.mark.parametrize(
    ("topic", "event"),
    [
        (SUGGESTIONS.name, SuggestionsServed(SET, "idea", "v1", "base", "u1", SHOWN, 123)),
        (SUGGESTIONS.name, SuggestionsServed(SET, "idea", "v1", "base", None, SHOWN, 123)),
        (
            FEEDBACK.name,
            FeedbackRecorded(
                FEEDBACK_ID,
                SET,
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
            FeedbackRecorded(
                FEEDBACK_ID, SET, FeedbackAction.REJECT_ALL, "idea", "v1", None, None, SHOWN, None, 5
            ),
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


def served(**changes: object) -> SuggestionsServed:
    fields: dict[str, object] = {
        "suggestion_set_id": SET,
        "idea": "idea",
        "prompt_template_version": "v1",
        "model_version": "base",
        "user_id": "u1",
        "suggestions": SHOWN,
        "served_at_ms": 1,
    }
    return SuggestionsServed(**{**fields, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("event", "problem"),
    [
        (served(suggestion_set_id="not-a-uuid"), "suggestion_set_id is not a UUID"),
        (served(idea="cats\x00dogs"), r"idea contains a control character \(NUL\) at position 4"),
        (served(user_id="u\x1bx"), r"user_id contains a control character \(U\+001B\)"),
        (served(user_id="u" * 129), "user_id is 129 characters long"),
        (served(suggestions=(ServedSuggestion("s1", 0, "A title", "base"),)), "suggestion id is not a UUID"),
    ],
)
def test_what_would_fail_a_handler_is_refused_at_decode_time(event: SuggestionsServed, problem: str) -> None:
    with pytest.raises(DecodeError, match=problem):
        decode(SUGGESTIONS.name, encode(event))


def test_feedback_with_an_id_that_is_not_a_uuid_is_refused_at_decode_time() -> None:
    event = FeedbackRecorded("f-1", SET, FeedbackAction.REJECT_ALL, "idea", "v1", None, None, SHOWN, None, 5)
    with pytest.raises(DecodeError, match="feedback_id is not a UUID: 'f-1'"):
        decode(FEEDBACK.name, encode(event))
    assert decode(SUGGESTIONS.name, encode(served(idea="two\nlines"))) == served(idea="two\nlines")
