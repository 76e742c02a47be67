"""Feedback becomes preference pairs exactly as the design says."""

from __future__ import annotations

from prefloop.shared.events import FeedbackAction, FeedbackRecorded, ServedSuggestion
from prefloop.trainer.pairs.builder import build_pairs, idea_hash


def _event(action: FeedbackAction, chosen: str | None, shown: list[str]) -> FeedbackRecorded:
    return FeedbackRecorded(
        "f1",
        "set",
        action,
        "Fixing a Sourdough starter",
        "v1",
        chosen,
        None,
        tuple(ServedSuggestion(str(i), i, t, "base") for i, t in enumerate(shown)),
        "u1",
        0,
    )


def test_accept_prefers_the_chosen_title_over_each_other_shown_title() -> None:
    pairs, dropped = build_pairs(
        _event(FeedbackAction.ACCEPT, "Saving my starter", ["A title", "B title", "C title"])
    )
    assert [(p.chosen, p.rejected) for p in pairs] == [
        ("Saving my starter", "A title"),
        ("Saving my starter", "B title"),
        ("Saving my starter", "C title"),
    ]
    assert dropped == 0


def test_edit_prefers_the_users_text_over_every_shown_title() -> None:
    pairs, _ = build_pairs(_event(FeedbackAction.EDIT, "My own title", ["A title", "B title"]))
    assert {p.rejected for p in pairs} == {"A title", "B title"}
    assert all(p.chosen == "My own title" for p in pairs)


def test_reject_all_makes_no_pair() -> None:
    assert build_pairs(_event(FeedbackAction.REJECT_ALL, None, ["A title", "B title"])) == ([], 0)


def test_empty_or_identical_pairs_are_dropped_and_counted() -> None:
    pairs, dropped = build_pairs(_event(FeedbackAction.EDIT, "Same Title", ["same title", "  ", "Other"]))
    assert [p.rejected for p in pairs] == ["Other"]
    assert dropped == 2


def test_idea_hash_ignores_case_and_spacing() -> None:
    assert idea_hash("Fixing  a sourdough\nstarter ") == idea_hash("fixing a Sourdough starter")
