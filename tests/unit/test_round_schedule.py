"""When the next round starts, decided and said by one rule."""

from __future__ import annotations

from prefloop.trainer.training.schedule import Clock, Trigger, due, next_round

TRIGGER = Trigger(min_new_pairs=32, cooldown_s=30, max_interval_s=600)


def test_a_round_is_due_on_demand_on_enough_pairs_after_the_cooldown_or_when_overdue() -> None:
    fresh = Clock(now=100, last_round_at=90, idle_since=0)
    assert due(0, True, fresh, TRIGGER) is None  # nothing to train on
    assert due(1, True, fresh, TRIGGER) == "on_demand"
    assert due(40, False, fresh, TRIGGER) is None  # cooling down
    assert due(40, False, Clock(now=130, last_round_at=90, idle_since=0), TRIGGER) == "new_pairs"
    assert due(5, False, Clock(now=700, last_round_at=90, idle_since=0), TRIGGER) == "max_interval"
    assert due(5, False, Clock(now=700, last_round_at=90, idle_since=0), Trigger(32, 30, 0)) is None


def test_the_next_round_is_said_in_words_that_follow_the_same_rule() -> None:
    clock = Clock(now=100, last_round_at=90, idle_since=0)
    assert next_round(40, False, True, clock, TRIGGER) == "a round is training now"
    assert next_round(40, True, False, clock, TRIGGER).startswith("training is paused")
    assert next_round(40, False, False, clock, TRIGGER).startswith("in about 20 s")
    assert next_round(31, False, False, Clock(200, 90, 0), TRIGGER) == (
        "when 1 more pair arrives, or in about 490 s with the 31 waiting"
    )
    assert next_round(0, False, False, clock, TRIGGER) == "when 32 more pairs arrive"
    assert (
        next_round(32, False, False, Clock(200, 90, 0), TRIGGER) == "within seconds: enough pairs are waiting"
    )
