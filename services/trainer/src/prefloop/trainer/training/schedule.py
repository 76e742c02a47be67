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

    @property
    def since_round(self) -> float:
        return self.now - self.last_round_at

    @property
    def idle_for(self) -> float:
        """What the maximum interval is measured against."""
        return self.now - max(self.last_round_at, self.idle_since)


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
    if waiting >= trigger.min_new_pairs and clock.since_round >= trigger.cooldown_s:
        return "new_pairs"
    if 0 < trigger.max_interval_s <= clock.idle_for:
        return "max_interval"
    return None


def next_round(waiting: int, paused: bool, running: bool, clock: Clock, trigger: Trigger) -> str:
    """The same rule as `due`, said as a sentence for the people watching."""
    if running:
        return "a round is training now"
    if paused:
        return "training is paused: no round starts until it is resumed"
    missing = trigger.min_new_pairs - waiting
    cooldown_left = trigger.cooldown_s - clock.since_round
    if missing <= 0:
        if cooldown_left > 0:
            return f"in about {cooldown_left:.0f} s, when the cooldown after the last round ends"
        return "within seconds: enough pairs are waiting"
    sentence = f"when {missing} more pairs arrive" if missing != 1 else "when 1 more pair arrives"
    if waiting and trigger.max_interval_s > 0:
        left = trigger.max_interval_s - clock.idle_for
        sentence += f", or in about {max(left, 0):.0f} s with the {waiting} waiting"
    return sentence
