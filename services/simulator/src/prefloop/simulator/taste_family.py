"""Tastes drawn at random from a broad space: audiences nobody designed for.

`Taste` (taste.py) is one audience, shaped around what one creator disliked.
A learner tuned on it proves little about another, so `draw_taste(seed)`
draws an audience by seed: each dimension real audiences differ on gets a
random sign and weight, and some dimensions are left out. `taste_named`
reads "default" or "random:SEED" (`TASTE=random:7 make demo`).
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass
from typing import Protocol

from prefloop.simulator.taste import Taste, key_terms, words

# Words titles use, liked or disliked by some audiences (not only hype words).
VOCABULARY = [
    "best",
    "worst",
    "easy",
    "simple",
    "quick",
    "fast",
    "ultimate",
    "secret",
    "secrets",
    "truth",
    "real",
    "honest",
    "guide",
    "beginner",
    "beginners",
    "tips",
    "tricks",
    "mistakes",
    "hacks",
    "ways",
    "reasons",
    "things",
    "why",
    "how",
    "what",
    "never",
    "always",
    "every",
    "nobody",
    "everyone",
    "finally",
    "actually",
    "really",
    "crazy",
    "insane",
    "epic",
    "amazing",
    "incredible",
    "shocking",
    "surprising",
    "weird",
    "strange",
    "perfect",
    "complete",
    "full",
    "deep",
    "inside",
    "behind",
    "hidden",
    "new",
    "old",
    "first",
    "last",
    "only",
    "cheap",
    "budget",
    "free",
    "expensive",
    "small",
    "big",
    "tiny",
    "huge",
    "home",
    "week",
    "day",
    "year",
    "life",
    "world",
    "story",
    "journey",
    "challenge",
    "test",
    "tested",
    "review",
    "explained",
    "science",
    "history",
    "future",
    "modern",
    "classic",
    "natural",
    "wild",
    "master",
    "learn",
    "learned",
]
OPENINGS = ("how", "why", "what", "i", "the", "this", "my", "a")
DRAMATIC = frozenset(
    [
        "insane",
        "shocking",
        "epic",
        "incredible",
        "amazing",
        "unbelievable",
        "crazy",
        "ultimate",
        "secret",
        "never",
        "worst",
        "destroyed",
    ]
)
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")
_FIRST_PERSON = frozenset({"i", "i'm", "i've", "my", "me", "we", "our", "us"})


class Preference(Protocol):
    """What a simulated user needs of a taste."""

    @property
    def reject_below(self) -> float: ...

    def score(self, idea: str, title: str) -> float: ...

    def edit(self, idea: str, title: str) -> str: ...


def _title_case(title: str) -> bool:
    long = [w for w in title.split() if len(w) > 3 and w[0].isalpha()]
    return bool(long) and sum(w[0].isupper() for w in long) / len(long) >= 0.7


def _concrete(title: str) -> int:
    """Names, places and years: capitalised words after the first, and years."""
    inner = [w for w in title.split()[1:] if w[:1].isupper() and not w.isupper()]
    return min(len(inner) + len(_YEAR.findall(title)), 3)


FEATURES = {
    "question": lambda t: float(t.rstrip().endswith("?")),
    "number": lambda t: float(any(c.isdigit() for c in t)),
    "list": lambda t: float(bool(re.match(r"^\s*\d+\s+\w", t))),
    "colon_or_dash": lambda t: float(":" in t or " - " in t or "—" in t or " – " in t),
    "title_case": lambda t: float(_title_case(t)),
    "first_person": lambda t: float(bool(_FIRST_PERSON & set(words(t)))),
    "exclamation": lambda t: float("!" in t),
    "concrete": lambda t: _concrete(t) / 3,
    "dramatic": lambda t: float(bool(DRAMATIC & set(words(t)))),
}


@dataclass(frozen=True)
class RandomTaste:
    seed: int
    weights: dict[str, float]  # feature -> signed weight (FEATURES)
    min_chars: int
    max_chars: int
    length_weight: float
    openings: dict[str, float]  # first word -> signed weight
    loved: frozenset[str]
    hated: frozenset[str]
    word_weight: float
    key_term_weight: float  # every audience wants a title about the idea; how much varies

    @property
    def reject_below(self) -> float:
        """Reject all when the best title shown meets most of what the audience dislikes."""
        dislikes = sum(-w for w in self.weights.values() if w < 0) + self.length_weight + self.word_weight
        dislikes += max((-w for w in self.openings.values() if w < 0), default=0.0)
        return -0.6 * dislikes

    def score(self, idea: str, title: str) -> float:
        score = sum(weight * FEATURES[name](title) for name, weight in self.weights.items())
        if not self.min_chars <= len(title) <= self.max_chars:
            score -= self.length_weight
        tokens = words(title)
        if tokens:
            score += self.openings.get(tokens[0], 0.0)
        score += self.word_weight * (len(self.loved & set(tokens)) - len(self.hated & set(tokens)))
        score += self.key_term_weight * min(len(key_terms(idea) & set(tokens)), 3) / 3
        return score

    def edit(self, idea: str, title: str) -> str:
        """The user's own variant: their disliked words out, within their length."""
        kept = [w for w in title.split() if w.lower().strip(".,:;!?") not in self.hated]
        text = " ".join(kept).strip(" -:,")
        if len(text) > self.max_chars:
            text = text[: self.max_chars].rsplit(" ", 1)[0]
        return text


def draw_taste(seed: int) -> RandomTaste:
    rng = random.Random(f"prefloop-taste:{seed}")
    # About two thirds of the dimensions matter to a given audience.
    weights = {name: rng.choice((-1, 1)) * rng.uniform(0.3, 1.5) for name in FEATURES if rng.random() < 0.65}
    low = rng.randint(15, 55)
    openings = {word: rng.choice((-1, 1)) * rng.uniform(0.2, 1.0) for word in rng.sample(OPENINGS, 3)}
    liked_and_not = rng.sample(VOCABULARY, 16)
    return RandomTaste(
        seed=seed,
        weights=weights,
        min_chars=low,
        max_chars=low + rng.randint(20, 50),
        length_weight=rng.uniform(0.3, 1.5),
        openings=openings,
        loved=frozenset(liked_and_not[:8]),
        hated=frozenset(liked_and_not[8:]),
        word_weight=rng.uniform(0.3, 1.0),
        key_term_weight=rng.uniform(0.2, 1.0),
    )


def taste_named(name: str) -> Preference:
    """ "default" (the creator's taste) or "random:SEED"."""
    if name == "default":
        return Taste()
    kind, _, seed = name.partition(":")
    if kind == "random" and seed.lstrip("-").isdigit():
        return draw_taste(int(seed))
    raise ValueError(f"unknown taste {name!r}: expected 'default' or 'random:SEED' (an integer seed)")
