"""The simulated taste prefers plain, specific titles; users choose with noise."""

from __future__ import annotations

import random
from typing import Any

from prefloop.simulator.ideas import load_ideas, split_ideas
from prefloop.simulator.settings import SimulatorSettings
from prefloop.simulator.taste import Taste, restated_share
from prefloop.simulator.traffic import Traffic
from prefloop.simulator.users import Decision, Shown, SimulatedUser

IDEA = "how I fixed my sourdough starter after it died in winter"


def test_plain_specific_titles_beat_hype() -> None:
    taste = Taste()
    plain = taste.score(IDEA, "Reviving a Dead Sourdough Starter in Winter")
    hype = taste.score(IDEA, "UNLOCK the ULTIMATE secret of bread!!! (video)")
    assert plain > hype


def test_length_outside_the_liked_range_costs() -> None:
    taste = Taste()
    assert taste.score(IDEA, "Sourdough starter fixed") < taste.score(
        IDEA, "Sourdough starter fixed after a cold winter"
    )


def test_restating_the_idea_is_not_a_title() -> None:
    taste = Taste()
    echo = taste.score(IDEA, "How I Fixed My Sourdough Starter After It Died in Winter")
    own_words = taste.score(IDEA, "Reviving a Dead Sourdough Starter in Winter")
    assert own_words > echo
    assert restated_share(IDEA, "How I fixed my sourdough starter after it died in winter.") == 1.0
    assert restated_share(IDEA, "Reviving a Dead Sourdough Starter in Winter") < 0.5


def test_an_edit_removes_what_the_user_dislikes() -> None:
    edited = Taste().edit(IDEA, "Unlock the secret of my sourdough starter video!")
    assert "!" not in edited
    assert "unlock" not in edited.lower()
    assert 30 <= len(edited) <= 75


def test_users_reject_all_when_nothing_clears_their_bar() -> None:
    user = SimulatedUser("u", Taste(), random.Random(0), reject_below=-2.0)
    shown = [
        Shown("a", "UNLOCK the ULTIMATE SECRET video!!!"),
        Shown("b", "Unleash the epic secret YouTube!!!"),
    ]
    assert user.decide(IDEA, shown).action == "reject_all"


def test_users_mostly_pick_the_title_they_like_best() -> None:
    user = SimulatedUser("u", Taste(), random.Random(1), edit_probability=0.0)
    shown = [
        Shown("good", "Reviving a Dead Sourdough Starter in Winter"),
        Shown("bad", "The ULTIMATE secret!!!"),
    ]
    picks = [user.decide(IDEA, shown).suggestion_id for _ in range(200)]
    assert picks.count("good") > 180


def test_idea_dataset_is_large_diverse_and_split() -> None:
    ideas = load_ideas()
    train, held_out = split_ideas()
    assert len(ideas) >= 300
    assert len(set(ideas)) == len(ideas)
    assert len(held_out) >= 60
    assert set(train).isdisjoint(held_out)


class _InstantClient:
    """Serves two fixed titles and accepts every feedback."""

    def suggest(self, idea: str, n: int, user_id: str, model_version: str | None = None) -> dict[str, Any]:
        return {"suggestion_set_id": "s", "suggestions": [{"id": "a", "text": "Sourdough Starter Rescue"}]}

    def send_feedback(self, set_id: str, user_id: str, decision: Decision) -> int:
        return 201

    @staticmethod
    def shown(result: dict[str, Any]) -> list[Shown]:
        return [Shown(s["id"], s["text"]) for s in result["suggestions"]]


def test_traffic_stops_at_its_event_budget_whatever_the_concurrency() -> None:
    settings = SimulatorSettings(concurrency=4)
    traffic = Traffic(settings, _InstantClient())  # type: ignore[arg-type]
    counts = traffic.run(seconds=60, max_events=7)
    assert counts["sets"] == 7
