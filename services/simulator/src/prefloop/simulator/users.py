"""A simulated user: scores the shown titles with a hidden taste, then accepts
one (softmax with noise), edits it, or rejects them all."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from prefloop.simulator.taste import Taste


@dataclass(frozen=True)
class Shown:
    id: str
    text: str


@dataclass(frozen=True)
class Decision:
    action: str  # accept | edit | reject_all
    suggestion_id: str | None = None
    edited_text: str | None = None


@dataclass
class SimulatedUser:
    user_id: str
    taste: Taste
    rng: random.Random
    temperature: float = 0.5  # softmax noise: lower is pickier
    edit_probability: float = 0.1
    reject_below: float = -2.0  # reject all when even the best title scores below this

    def decide(self, idea: str, shown: Sequence[Shown]) -> Decision:
        scores = [self.taste.score(idea, s.text) for s in shown]
        if max(scores) < self.reject_below:
            return Decision("reject_all")
        top = max(scores)
        weights = [math.exp((s - top) / self.temperature) for s in scores]
        pick = self.rng.choices(range(len(shown)), weights=weights)[0]
        if self.rng.random() < self.edit_probability:
            edited = self.taste.edit(idea, shown[pick].text)
            if edited and edited.casefold() != shown[pick].text.casefold():
                return Decision("edit", suggestion_id=shown[pick].id, edited_text=edited)
        return Decision("accept", suggestion_id=shown[pick].id)
