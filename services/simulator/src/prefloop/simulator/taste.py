"""A hidden preference function over titles.

The default follows what a creator disliked in base-model titles: hype words,
the words "video"/"YouTube", exclamation marks, titles outside 30-75
characters; and what they liked: the idea's key terms in plain, specific
wording. Weights are configurable so several user profiles can differ.

A title that only restates the idea (most of its words, in its order) is
marked down: the user already has the idea, and a taste that rewards key
terms alone is best served by pasting the idea back, which the loop then
learns instead of titles.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

HYPE_WORDS = frozenset(
    {
        "unlock",
        "unlocking",
        "unleash",
        "unleashing",
        "reveal",
        "revealed",
        "revealing",
        "secret",
        "secrets",
        "ultimate",
        "revolutionise",
        "revolutionize",
        "revolutionary",
        "insane",
        "shocking",
        "epic",
        "mind-blowing",
        "game-changer",
        "game-changing",
        "amazing",
        "incredible",
    }
)
MEDIUM_WORDS = frozenset({"video", "videos", "youtube", "vlog"})
STOPWORDS = frozenset(
    {
        "the",
        "and",
        "for",
        "with",
        "from",
        "that",
        "this",
        "your",
        "you",
        "how",
        "what",
        "why",
        "when",
        "into",
        "about",
        "after",
        "before",
        "over",
        "under",
        "while",
        "just",
        "make",
        "making",
        "using",
        "our",
        "their",
        "them",
        "they",
        "was",
        "were",
        "are",
        "have",
        "has",
        "had",
        "its",
        "out",
        "all",
        "any",
        "can",
        "will",
        "one",
        "two",
        "three",
        "first",
        "week",
        "weeks",
        "day",
        "days",
        "year",
        "years",
        "my",
        "his",
        "her",
    }
)
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def key_terms(idea: str) -> set[str]:
    return {w for w in words(idea) if len(w) > 3 and w not in STOPWORDS}


def restated_share(idea: str, title: str) -> float:
    """Share of the idea's words that the title repeats in the idea's order
    (longest common subsequence of words)."""
    a, b = words(idea), words(title)
    if not a:
        return 0.0
    previous = [0] * (len(b) + 1)
    for x in a:
        current = [0]
        for j, y in enumerate(b):
            current.append(previous[j] + 1 if x == y else max(previous[j + 1], current[j]))
        previous = current
    return previous[-1] / len(a)


@dataclass(frozen=True)
class Taste:
    hype_penalty: float = 1.5
    medium_penalty: float = 1.0
    exclamation_penalty: float = 1.0
    length_penalty: float = 1.0
    min_chars: int = 30
    max_chars: int = 75
    key_term_bonus: float = 0.6
    max_key_terms: int = 3
    shouting_penalty: float = 0.5
    restated_penalty: float = 1.0
    restated_share: float = 0.75  # this much of the idea, in order, is a restatement
    hype_words: frozenset[str] = field(default=HYPE_WORDS)
    reject_below: float = -2.0  # a user rejects all when even the best title scores below this

    def score(self, idea: str, title: str) -> float:
        tokens = words(title)
        score = -self.hype_penalty * sum(t in self.hype_words for t in tokens)
        score -= self.medium_penalty * sum(t in MEDIUM_WORDS for t in tokens)
        score -= self.exclamation_penalty * min(title.count("!"), 3)
        if not self.min_chars <= len(title) <= self.max_chars:
            score -= self.length_penalty
        shared = key_terms(idea) & set(tokens)
        score += self.key_term_bonus * min(len(shared), self.max_key_terms)
        shouting = sum(1 for w in title.split() if len(w) > 3 and w.isupper())
        score -= self.shouting_penalty * min(shouting, 2)
        if restated_share(idea, title) >= self.restated_share:
            score -= self.restated_penalty
        return score

    def edit(self, idea: str, title: str) -> str:
        """The user's own cleaned variant of a title they liked."""
        kept = [
            w
            for w in title.replace("!", "").split()
            if w.lower().strip(".,:;") not in self.hype_words | MEDIUM_WORDS
        ]
        text = " ".join(kept).strip(" -:,")
        if len(text) > self.max_chars:
            text = text[: self.max_chars].rsplit(" ", 1)[0]
        if len(text) < self.min_chars:
            # Too short: the user adds the idea's key terms the title lacks.
            missing = sorted(key_terms(idea) - set(words(text)))
            text = f"{text}: {' '.join(missing)}"[: self.max_chars].rsplit(" ", 1)[0]
        return text
