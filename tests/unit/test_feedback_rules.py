"""Which feedback bodies are inconsistent (422) before any database work."""

from __future__ import annotations

import uuid

import pytest

from prefloop.feedback.recording.models import FeedbackIn
from prefloop.feedback.recording.service import body_hash, inconsistency

SET = uuid.uuid4()
SUGGESTION = uuid.uuid4()


@pytest.mark.parametrize(
    ("body", "problem"),
    [
        ({"action": "accept"}, "accept needs suggestion_id"),
        (
            {"action": "accept", "suggestion_id": SUGGESTION, "edited_text": "x"},
            "only allowed with action edit",
        ),
        ({"action": "edit"}, "needs a non-empty edited_text"),
        ({"action": "edit", "edited_text": "   "}, "needs a non-empty edited_text"),
        ({"action": "edit", "edited_text": "two\nlines"}, "single line"),
        ({"action": "reject_all", "suggestion_id": SUGGESTION}, "takes neither"),
    ],
)
def test_inconsistent_bodies_are_named(body: dict[str, object], problem: str) -> None:
    found = inconsistency(FeedbackIn(suggestion_set_id=SET, **body))
    assert found is not None
    assert problem in found


@pytest.mark.parametrize(
    "body",
    [
        {"action": "accept", "suggestion_id": SUGGESTION},
        {"action": "edit", "edited_text": "My own title", "suggestion_id": SUGGESTION},
        {"action": "reject_all"},
    ],
)
def test_consistent_bodies_pass(body: dict[str, object]) -> None:
    assert inconsistency(FeedbackIn(suggestion_set_id=SET, **body)) is None


def test_the_feedback_id_is_not_part_of_the_body_hash() -> None:
    a = FeedbackIn(feedback_id=uuid.uuid4(), suggestion_set_id=SET, action="reject_all")
    b = FeedbackIn(feedback_id=uuid.uuid4(), suggestion_set_id=SET, action="reject_all")
    c = FeedbackIn(feedback_id=uuid.uuid4(), suggestion_set_id=SET, action="reject_all", user_id="u")
    assert body_hash(a) == body_hash(b) != body_hash(c)
