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
        ("<<Setting Up a Shrimp Tank: Where to Start>>>", "Setting Up a Shrimp Tank: Where to Start"),
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
        ("A single line, no quotes, no explanation.", True, "prompt echo"),
        ("A single line, no quotes, no explanation. Octopus minds", True, "prompt echo"),
        ("Reply with one title only", True, "prompt echo"),
        ("A single line: replacing a bicycle chain at home", True, "prompt echo"),
        ("A single line of words: Why leaves change colour", True, "prompt echo"),
        ("A new video idea: how to make bagels at home", True, "prompt echo"),
        ('Re: "Video Idea: repairing a cracked phone screen', True, "prompt echo"),
        ("What a great video idea!", True, "prompt echo"),
        ("A kitchen leak, a great video idea to get the most out of your channel.", True, "prompt echo"),
        ("A simple video in the digital age - no quotes.", True, "prompt echo"),
        ("You can improve it with just a single line.", True, "prompt echo"),
        ("A mechanical watch, with a clock in front, no dialogue, no explanation.", True, "prompt echo"),
        ("One title only: why cats purr", True, "prompt echo"),
        ("A simple soap making process, no explanations necessary.", True, "prompt echo"),
        ("[Original Title]", True, "placeholder"),
        ("Octopus Minds: {Your Hook Here}", True, "placeholder"),
        ("How the heart pumps blood. How the heart pumps blood.", True, "repeated fragment"),
        ("Why Octoc\ufffd\ufffd are so smart", True, "broken characters"),
        ("A video about photographing the milky way with a phone!", True, "speaks of the request"),
        ("A raspberry pi weather station for the garden is a great idea!", True, "speaks of the request"),
        ("Aquarium cleaning videos: share your tips", True, "speaks of the request"),
    ],
)
def test_unusable_candidates_are_dropped(raw: str, finished: bool, reason: str) -> None:
    result = clean_title(raw, finished)
    assert result.title is None
    assert result.reason == reason


@pytest.mark.parametrize(
    ("title", "idea"),
    [
        ("Drawing a Single Line Portrait in Ten Minutes", "portraits drawn with a single line"),
        ("No Quotes Needed: Writing Dialogue Without Them", "writing dialogue with no quotes"),
        ("No Explanation: The Mystery Lights Over Phoenix", "mystery lights with no explanation"),
        ("My Best Video Idea Yet", "the best video idea I had this year"),
        ("Teaching Grandma to Video Call", "teaching my grandmother to video call her family"),
        ("Ten Gift Ideas Under $20", "cheap gift ideas for a tight budget"),
        ("Octopus Minds (and Why They Matter)", "octopus intelligence"),
        ("Left, Right, Left: Marching Band Drills", "marching band drills"),
        ("One Line a Day: Journaling That Sticks", "a journaling habit"),
    ],
)
def test_titles_that_merely_share_words_with_those_rules_are_kept(title: str, idea: str) -> None:
    assert clean_title(title, idea=idea).title == title


def test_a_clean_title_is_reported_unchanged() -> None:
    assert not clean_title("Winter Sourdough Rescue").changed
    assert clean_title("1. Winter Sourdough Rescue").changed


@pytest.mark.parametrize(
    ("title", "copy"),
    [
        ("Why Octopuses Are So Smart", True),
        ("Why octopuses are so smart?", True),
        ("Octopuses are so smart", True),
        ("Why Octopuses Are So Smart, Explained", True),
        ("Why octopi are so smart", True),
        ("Why Octopuses Are So Smart: Nine Facts", False),
        ("Octopus Minds Are Alien", False),
        ("Smart octopuses", False),
    ],
)
def test_a_title_that_hands_the_idea_back_is_dropped(title: str, copy: bool) -> None:
    result = clean_title(title, idea="why octopuses are so smart")
    assert (result.title is None) is copy
    if copy:
        assert result.reason == "copies the idea"


def test_a_title_may_reuse_part_of_a_long_idea() -> None:
    idea = "how I fixed my sourdough starter after it died in winter"
    assert clean_title("How I Fixed My Sourdough Starter", idea=idea).title is not None
