"""When the next round starts: one rule, used by the round worker to decide
and by the status endpoint to tell people."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Clock:
    """What the decision depends on besides the pairs: monotonic seconds."""

    now: float
    last_round_at: float
    idle_since: float  # start-up or the last round: where the maximum interval counts from


@dataclass(frozen=True)
class Trigger:
    min_new_pairs: int
    cooldown_s: float
    max_interval_s: float  # 0: off


def due(waiting: int, requested: bool, clock: Clock, trigger: Trigger) -> str | None:
    """The reason a round starts now ("on_demand", "new_pairs", "max_interval"), or None."""
    if waiting == 0:
        return None
    if requested:
        return "on_demand"
    cooled = clock.now - clock.last_round_at >= trigger.cooldown_s
    if waiting >= trigger.min_new_pairs and cooled:
        return "new_pairs"
    since = clock.now - max(clock.last_round_at, clock.idle_since)
    if 0 < trigger.max_interval_s <= since:
        return "max_interval"
    return None


def next_round(waiting: int, paused: bool, running: bool, clock: Clock, trigger: Trigger) -> str:
    """The same rule as `due`, said as a sentence for the people watching."""
    if running:
        return "a round is training now"
    if paused:
        return "training is paused: no round starts until it is resumed"
    missing = trigger.min_new_pairs - waiting
    cooldown_left = trigger.cooldown_s - (clock.now - clock.last_round_at)
    if missing <= 0:
        if cooldown_left > 0:
            return f"in about {cooldown_left:.0f} s, when the cooldown after the last round ends"
        return "within seconds: enough pairs are waiting"
    sentence = f"when {missing} more pairs arrive" if missing != 1 else "when 1 more pair arrives"
    if waiting and trigger.max_interval_s > 0:
        left = trigger.max_interval_s - (clock.now - max(clock.last_round_at, clock.idle_since))
        sentence += f", or in about {max(left, 0):.0f} s with the {waiting} waiting"
    return sentence
