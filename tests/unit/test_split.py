"""Held-out data is split by idea, never by pair."""

from __future__ import annotations

from dataclasses import dataclass

from prefloop.trainer.pairs.builder import idea_hash
from prefloop.trainer.training.split import assign_sides, split_by_idea, split_by_sides


@dataclass(frozen=True)
class P:
    idea_hash: str
    n: int


def test_every_pair_of_an_idea_is_on_the_same_side() -> None:
    pairs = [P(idea_hash(f"idea {i % 40}"), i) for i in range(400)]
    train, held_out = split_by_idea(pairs, 0.25)
    assert {p.idea_hash for p in train}.isdisjoint({p.idea_hash for p in held_out})
    assert len(train) + len(held_out) == 400
    share = len({p.idea_hash for p in held_out}) / 40
    assert 0.05 < share < 0.5


def test_no_held_out_when_fraction_is_zero() -> None:
    pairs = [P(idea_hash(f"idea {i}"), i) for i in range(20)]
    assert split_by_idea(pairs, 0.0) == (pairs, [])


def test_at_least_one_idea_is_held_out_when_there_are_two() -> None:
    pairs = [P(idea_hash("first idea"), 0), P(idea_hash("second idea"), 1), P(idea_hash("first idea"), 2)]
    train, held_out = split_by_idea(pairs, 0.01)
    assert train
    assert held_out
    assert {p.idea_hash for p in train}.isdisjoint({p.idea_hash for p in held_out})


def test_a_single_idea_is_never_held_out() -> None:
    pairs = [P(idea_hash("only idea"), i) for i in range(5)]
    assert split_by_idea(pairs, 0.01) == (pairs, [])


def test_the_training_side_is_never_empty() -> None:
    pairs = [P(idea_hash(f"idea {i}"), i) for i in range(4)]
    train, held_out = split_by_idea(pairs, 0.999)
    assert len(train) == 1
    assert len(held_out) == 3


def test_a_known_idea_keeps_its_side_whatever_the_round_holds() -> None:
    first, second = idea_hash("first idea"), idea_hash("second idea")
    # both known on the training side: no round moves one across to make a held-out side
    pairs = [P(first, 0), P(second, 1)]
    assert split_by_idea(pairs, 0.5, known={first: False, second: False}) == (pairs, [])
    # a new idea is the one moved when a side would be empty
    third = idea_hash("third idea")
    with_new = [*pairs, P(third, 2)]
    sides = assign_sides([first, second, third], 0.01, known={first: False, second: False})
    assert sides == {first: False, second: False, third: True}
    assert split_by_sides(with_new, sides) == (pairs, [P(third, 2)])


def test_held_out_ideas_stay_held_out() -> None:
    ideas = [idea_hash(f"idea {i}") for i in range(30)]
    first_round = assign_sides(ideas[:20], 0.25, known={})
    later = assign_sides(ideas, 0.25, known=first_round)
    assert {h: later[h] for h in first_round} == first_round
