"""A simulated user: scores the shown titles with a hidden taste, then accepts
one (softmax with noise), edits it, or rejects them all.

Whatever the taste, the user behaves like a person: a title that is not about
the idea (none of its key terms), that is the prompt's own words, or that
talks about the request ("A video about ...") is never taken, and when nothing
shown is acceptable they reject them all."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass

from prefloop.shared.prompts import instruction_phrases
from prefloop.shared.titles import speaks_of_the_request
from prefloop.simulator.taste import key_terms, words
from prefloop.simulator.taste_family import Preference

_INSTRUCTIONS = [p for p in instruction_phrases() if len(p.split()) >= 2]


def acceptable(idea: str, title: str) -> bool:
    """About the idea, and not the prompt's own words nor talk about the request."""
    lowered = title.lower()
    if any(phrase in lowered for phrase in _INSTRUCTIONS) or speaks_of_the_request(title, idea):
        return False
    terms = key_terms(idea)
    return not terms or bool(terms & set(words(title)))


def users_order(idea: str, a: str, b: str, taste: Preference) -> float:
    """> 0 when users would rather take a than b, < 0 for b, 0 when they like both
    alike: a title they never take comes after one they might, whatever its score;
    otherwise the taste's score decides."""
    a_ok, b_ok = acceptable(idea, a), acceptable(idea, b)
    if a_ok != b_ok:
        return 1.0 if a_ok else -1.0
    return taste.score(idea, a) - taste.score(idea, b)


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
    taste: Preference
    rng: random.Random
    temperature: float = 0.5  # softmax noise: lower is pickier
    edit_probability: float = 0.1
    reject_below: float | None = None  # reject all below this best score; None: the taste's own

    def decide(self, idea: str, shown: Sequence[Shown]) -> Decision:
        shown = [s for s in shown if acceptable(idea, s.text)]
        if not shown:
            return Decision("reject_all")
        scores = [self.taste.score(idea, s.text) for s in shown]
        floor = self.taste.reject_below if self.reject_below is None else self.reject_below
        if max(scores) < floor:
            return Decision("reject_all")
        top = max(scores)
        weights = [math.exp((s - top) / self.temperature) for s in scores]
        pick = self.rng.choices(range(len(shown)), weights=weights)[0]
        if self.rng.random() < self.edit_probability:
            edited = self.taste.edit(idea, shown[pick].text)
            if edited and edited.casefold() != shown[pick].text.casefold():
                return Decision("edit", suggestion_id=shown[pick].id, edited_text=edited)
        return Decision("accept", suggestion_id=shown[pick].id)
