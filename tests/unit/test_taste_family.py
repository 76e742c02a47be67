"""Random tastes stand for audiences nobody designed for: they disagree with
each other on what the base model writes, and each finds something it likes
in it (the base model can serve it at all). Checked on titles the default
model wrote for 40 training ideas (tests/unit/data/base_titles.json)."""

from __future__ import annotations

import json
import random
from itertools import combinations
from pathlib import Path

import pytest

from prefloop.simulator.settings import SimulatorSettings
from prefloop.simulator.taste import Taste
from prefloop.simulator.taste_family import RandomTaste, draw_taste, taste_named
from prefloop.simulator.users import Shown, SimulatedUser, acceptable

BASE_TITLES = json.loads((Path(__file__).parent / "data" / "base_titles.json").read_text())
SEEDS = range(20)  # tuning seeds; reward-check's unseen ones start at 1000


def ranks(values: list[float]) -> list[float]:
    order = sorted(range(len(values)), key=lambda i: values[i])
    result = [0.0] * len(values)
    i = 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and values[order[j + 1]] == values[order[i]]:
            j += 1
        for k in range(i, j + 1):
            result[order[k]] = (i + j) / 2
        i = j + 1
    return result


def spearman(a: list[float], b: list[float]) -> float:
    ra, rb = ranks(a), ranks(b)
    mean = (len(a) - 1) / 2
    cov = sum((x - mean) * (y - mean) for x, y in zip(ra, rb, strict=True))
    sa = sum((x - mean) ** 2 for x in ra) ** 0.5
    sb = sum((y - mean) ** 2 for y in rb) ** 0.5
    return cov / (sa * sb) if sa and sb else 0.0


def scores(taste: RandomTaste | Taste) -> list[float]:
    return [taste.score(entry["idea"], title) for entry in BASE_TITLES for title in entry["titles"]]


def test_the_same_seed_draws_the_same_taste_and_names_are_checked() -> None:
    assert draw_taste(7) == draw_taste(7)
    assert draw_taste(7) != draw_taste(8)
    assert taste_named("random:7") == draw_taste(7)
    assert isinstance(taste_named("default"), Taste)
    with pytest.raises(ValueError, match="expected 'default' or 'random:SEED'"):
        taste_named("random:seven")
    with pytest.raises(ValueError, match="random:SEED"):
        SimulatorSettings(taste="fancy")


def test_random_tastes_disagree_on_base_titles() -> None:
    tastes = [scores(draw_taste(seed)) for seed in SEEDS]
    correlations = [spearman(a, b) for a, b in combinations(tastes, 2)]
    mean = sum(correlations) / len(correlations)
    assert abs(mean) < 0.3, f"random tastes rank base titles alike (mean rank correlation {mean:.2f})"
    assert sum(c < 0.5 for c in correlations) / len(correlations) > 0.8
    default = scores(Taste())
    assert all(spearman(default, t) < 0.8 for t in tastes)  # none is the default taste again


def test_every_drawn_taste_finds_base_titles_it_likes() -> None:
    for seed in range(50):
        taste = draw_taste(seed)
        user = SimulatedUser("u", taste, random.Random(seed))
        kept = 0
        for entry in BASE_TITLES:
            shown = [Shown(str(i), t) for i, t in enumerate(entry["titles"])]
            kept += user.decide(entry["idea"], shown).action != "reject_all"
        assert kept >= 0.5 * len(BASE_TITLES), f"taste {seed} rejects most base sets ({kept} kept)"
        assert len(set(scores(taste))) > 5, f"taste {seed} barely tells base titles apart"


def test_no_taste_takes_a_title_off_the_idea_or_the_prompts_own_words() -> None:
    idea = "how octopuses solve puzzles in the lab"
    assert acceptable(idea, "Octopuses Are Better at Puzzles Than You")
    assert not acceptable(idea, "A single line, no quotes, no explanation.")
    assert not acceptable(idea, "My Trip to Lisbon on a Budget")
    assert not acceptable(idea, "A video about why octopuses are smart is a great idea!")
    user = SimulatedUser("u", draw_taste(3), random.Random(0))
    shown = [
        Shown("1", "A single line, no quotes, no explanation."),
        Shown("2", "My Trip to Lisbon on a Budget"),
    ]
    assert user.decide(idea, shown).action == "reject_all"
    for seed in SEEDS:
        pick = SimulatedUser("u", draw_taste(seed), random.Random(seed)).decide(
            idea, [*shown, Shown("3", "How Octopuses Crack Puzzles")]
        )
        assert pick.suggestion_id == "3"
