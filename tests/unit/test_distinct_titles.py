"""What counts as one title: "N distinct titles" as a reader counts them."""

from __future__ import annotations

import pytest

from prefloop.shared.titles import distinct, is_new, new_titles, same_title


@pytest.mark.parametrize(
    ("a", "b"),
    [
        # one word in or out of a long title: a reader sees one title twice
        (
            "The Ultimate Guide to Fixing Your Sourdough Starters!",
            "The Ultimate Guide to Fixing Sourdough Starters!",
        ),
        # case, punctuation and word order only
        ("Same Title Here", "same title, here!"),
        ("Octopus Minds: Alien and Smart", "Smart and Alien: Octopus Minds"),
    ],
)
def test_titles_that_differ_by_little_are_one_title(a: str, b: str) -> None:
    assert same_title(a, b)
    assert not is_new(b, [a])


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("How to fix sourdough starter in winter: 10 steps.", "How to fix sourdough starter: 10 easy steps"),
        ("Octopus IQ Test", "Octopus IQ"),  # a short title one word apart is another title
        ("Title number 1 from base", "Title number 2 from base"),
        ("!!!", "???"),  # no words: compared as written
    ],
)
def test_titles_that_say_something_else_are_distinct(a: str, b: str) -> None:
    assert not same_title(a, b)
    assert is_new(b, [a])


def test_new_titles_add_only_to_what_is_kept_and_to_each_other() -> None:
    kept = ["The Ultimate Guide to Fixing Your Sourdough Starters!"]
    candidates = [
        "The Ultimate Guide to Fixing Sourdough Starters!",  # the kept one again
        "Why Sourdough Starters Die in Winter",
        "Why Sourdough Starters Die in the Winter",  # the one before it again
        "Reviving a Dead Starter",
    ]
    assert new_titles(candidates, kept) == ["Why Sourdough Starters Die in Winter", "Reviving a Dead Starter"]
    assert distinct([*kept, *candidates]) == [kept[0], *new_titles(candidates, kept)]
