"""Raw generations become one clean title line, or are dropped with a reason."""

from __future__ import annotations

import pytest

from prefloop.shared.titles import clean_title


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("How I Saved My Sourdough Starter", "How I Saved My Sourdough Starter"),
        ('"How I Saved My Sourdough Starter"', "How I Saved My Sourdough Starter"),
        ("1. How I Saved My Sourdough Starter", "How I Saved My Sourdough Starter"),
        ("Title: How I Saved My Sourdough Starter", "How I Saved My Sourdough Starter"),
        ("**Video title:** How I Saved My Starter", "How I Saved My Starter"),
        ("- Saving a Starter in Winter\n\nThis title works because", "Saving a Starter in Winter"),
        ("“Winter Sourdough Rescue”", "Winter Sourdough Rescue"),
        ('How about this: "Rebuilding a Legacy Bike', "Rebuilding a Legacy Bike"),
        ("Here's one: Reviving a Rusty Road Bike", "Reviving a Rusty Road Bike"),
    ],
)
def test_decorations_are_removed(raw: str, expected: str) -> None:
    result = clean_title(raw)
    assert result.title == expected


@pytest.mark.parametrize(
    ("raw", "finished", "reason"),
    [
        ("", True, "empty"),
        ("Sure! Here is a title for your video", True, "chatter"),
        ("Your video title is already great", True, "chatter"),
        ("A: no, no.", True, "chatter"),
        ("Hi", True, "too short"),
        ("word " * 40, True, "too long"),
        ("How I saved my sourdough starter after it died in", False, "unfinished"),
    ],
)
def test_unusable_candidates_are_dropped(raw: str, finished: bool, reason: str) -> None:
    result = clean_title(raw, finished)
    assert result.title is None
    assert result.reason == reason


def test_a_clean_title_is_reported_unchanged() -> None:
    assert not clean_title("Winter Sourdough Rescue").changed
    assert clean_title("1. Winter Sourdough Rescue").changed
