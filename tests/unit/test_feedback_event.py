"""Which text a decision chose, and over which shown titles."""

from __future__ import annotations

from prefloop.feedback.recording.event import feedback_event
from prefloop.shared.events import FeedbackAction, FeedbackRecorded, ServedSuggestion

SHOWN = [ServedSuggestion("a", 0, "First title", "v1"), ServedSuggestion("b", 1, "Second title", "v2")]


def event(
    action: FeedbackAction, suggestion_id: str | None, edited_text: str | None = None
) -> FeedbackRecorded:
    return feedback_event(
        feedback_id="f",
        suggestion_set_id="s",
        action=action,
        idea="an idea",
        prompt_template_version="t1",
        shown=SHOWN,
        suggestion_id=suggestion_id,
        edited_text=edited_text,
        user_id="u",
    )


def test_an_accept_chooses_the_title_over_the_others() -> None:
    accepted = event(FeedbackAction.ACCEPT, "b")
    assert (accepted.chosen_text, accepted.chosen_model_version) == ("Second title", "v2")
    assert [s.id for s in accepted.rejected] == ["a"]


def test_an_edit_prefers_the_users_text_over_every_shown_title() -> None:
    edited = event(FeedbackAction.EDIT, "b", edited_text="My own title")
    assert (edited.chosen_text, edited.chosen_model_version) == ("My own title", None)
    assert [s.id for s in edited.rejected] == ["a", "b"]


def test_rejecting_all_chooses_nothing() -> None:
    rejected = event(FeedbackAction.REJECT_ALL, None)
    assert rejected.chosen_text is None
    assert [s.id for s in rejected.rejected] == ["a", "b"]
