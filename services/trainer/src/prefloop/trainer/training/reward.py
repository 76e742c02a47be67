"""A reward model of titles, learned from the users' preference pairs.

DPO's own implicit reward (log pi - log pi_ref) ranks held-out pairs barely
better than a coin after a round on a few hundred noisy pairs, and does not
rank a version's own titles at all (docs/learning.md). A Bradley-Terry model
over what the text is, fitted on every pair users gave so far, does.

Its features are defined with no taste in view, so it can learn audiences
nobody designed for: the title's words, word pairs, character trigrams and
first word (hashed, each group scaled on its own); its length as evenly spaced
smooth bumps and steps (any band or hard limit can be learned, none is built
in); punctuation and case (with steps over the share of capitalised words and
over the capitalised words after the first); and how much of the idea's words
and phrases it uses (shares, the characters of the idea's words it reuses as
bumps, so "none" can be learned, and how much of what the idea is about it
covers: the idea's words weighted by how rare they are among the ideas the
model was fitted on, so sharing "how" or "my" with an idea counts for little
and sharing its subject a lot; these too as evenly spaced steps). No
threshold, word list or rule comes from the simulator's tastes;
`make reward-check` measures it on tastes drawn at random with seeds never
looked at while tuning (docs/learning.md).

The trainer uses it twice (rounds.py): to judge a candidate's sampled titles
against its parent's on held-out ideas (the gate), and to rank the parent's
own samples on training ideas into extra on-policy pairs.
"""

from __future__ import annotations

import math
import re
import zlib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Protocol, TypeVar

T = TypeVar("T")
_WORD = re.compile(r"[a-z0-9][a-z0-9'-]*")
_HASHED = 4096  # words, word pairs, character trigrams, the first word: hashed together
_LENGTH_CENTRES = tuple(range(10, 131, 10))  # characters; evenly spaced, so any band can be learned
_REUSED_CENTRES = (0, 5, 10, 15, 20, 30)  # characters of the idea's words a title reuses
COVERAGE_FEATURES = 2  # the last dense features: the idea covered by rarity, the rarest word shared
# Evenly spaced edges for steps ("at least this much"): a smooth bump cannot place an
# audience's hard edge (a length limit, a share of capitalised words), a step can.
_LENGTH_STEPS = tuple(range(15, 131, 5))  # characters
_TENTHS = tuple(i / 10 for i in range(1, 11))  # of a share
_INNER_CAPITALS_STEPS = (1, 2, 3)  # capitalised words after the first: names, places
_REUSED_STEPS = tuple(range(2, 31, 2))  # characters of the idea's words reused


class Pair(Protocol):
    @property
    def idea(self) -> str: ...
    @property
    def chosen(self) -> str: ...
    @property
    def rejected(self) -> str: ...


def words(text: str) -> list[str]:
    return _WORD.findall(text.lower())


def _hashed(kind: str, token: str) -> int:
    return zlib.crc32(f"{kind}:{token}".encode()) % _HASHED


def _share(part: set[T], whole: set[T]) -> float:
    return len(part & whole) / len(whole) if whole else 0.0


def _bumps(value: float, centres: Sequence[float], width: float) -> list[float]:
    """A number as smooth bumps at evenly spaced centres, so the model can like any band of it."""
    return [math.exp(-(((value - centre) / width) ** 2)) for centre in centres]


def _steps(value: float, edges: Sequence[float]) -> list[float]:
    """A number as steps at evenly spaced edges (1 for each edge it reaches): a hard edge can be placed."""
    return [float(value + 1e-9 >= edge) for edge in edges]


def _hashed_group(kind: str, tokens: set[str]) -> dict[int, float]:
    """One group of hashed tokens, scaled so that a long title does not win by having more of them."""
    scale = 1 / max(len(tokens), 1) ** 0.5
    return {_hashed(kind, token): scale for token in tokens}


@dataclass(frozen=True)
class IdeaWords:
    """How many of a set of ideas use each word: a word most ideas use says
    little about what one is about (inverse document frequency)."""

    ideas: int = 0
    counts: Mapping[str, int] = field(default_factory=dict)

    @classmethod
    def of(cls, ideas: Iterable[str]) -> IdeaWords:
        distinct = set(ideas)
        return cls(len(distinct), Counter(word for idea in distinct for word in set(words(idea))))

    def rarity(self, word: str) -> float:
        """1 for a word no idea used, near 0 for one every idea uses."""
        if not self.ideas:
            return 1.0
        return math.log((self.ideas + 1) / (self.counts.get(word, 0) + 1)) / math.log(self.ideas + 1)

    def coverage(self, shared: set[str], idea: set[str]) -> list[float]:
        """How much of what the idea is about the shared words cover, and the most telling of them."""
        of_shared = [self.rarity(w) for w in shared]
        covered = sum(of_shared) / max(sum(self.rarity(w) for w in idea), 1e-9)
        return [covered, max(of_shared, default=0.0)]


_NO_IDEAS = IdeaWords()  # every word equally telling


def features(idea: str, title: str, idea_words: IdeaWords = _NO_IDEAS) -> list[tuple[int, float]]:
    """Sparse (index, value) features of a title for an idea: what the text is
    (its words, word pairs, character trigrams, first word), its shape (length
    as smooth bumps and steps, punctuation, case) and how much of the idea it
    uses (`idea_words` tells which of the idea's words say what it is about)."""
    title_words = words(title)
    title_set = set(title_words)
    lowered = f" {title.lower()} "
    # Each group is scaled on its own: the trigrams, the most numerous, would otherwise
    # drown a word's or the first word's signal, which is what audiences react to.
    groups = [
        _hashed_group("w", title_set),
        _hashed_group("b", {f"{a} {b}" for a, b in pairwise(title_words)}),
        _hashed_group("c", {lowered[i : i + 3] for i in range(len(lowered) - 2)}),
        {_hashed("first", title_words[0]): 1.0} if title_words else {},
    ]
    hashed: dict[int, float] = {}
    for group in groups:
        for index, value in group.items():
            hashed[index] = hashed.get(index, 0.0) + value
    dense = _dense(title, title_words, words(idea), idea_words)
    return list(hashed.items()) + [(_HASHED + i, value) for i, value in enumerate(dense)]


def _dense(title: str, title_words: list[str], of_idea: list[str], idea_words: IdeaWords) -> list[float]:
    """The title's shape and how much of the idea it uses, as numbers (the features after the hashed ones)."""
    title_set, idea_set = set(title_words), set(of_idea)
    split = title.split()
    capitalised = sum(w[:1].isupper() for w in split) / max(len(split), 1)
    # How many characters of the idea's words it reuses: none at all reads as off the idea.
    shared = title_set & idea_set
    reused = sum(len(w) for w in shared)
    coverage = idea_words.coverage(shared, idea_set)
    dense = _bumps(len(title), _LENGTH_CENTRES, 10)
    dense += _steps(len(title), _LENGTH_STEPS)
    dense += _steps(capitalised, _TENTHS)
    dense += _steps(sum(w[:1].isupper() for w in split[1:]), _INNER_CAPITALS_STEPS)
    dense += _steps(reused, _REUSED_STEPS)
    dense += _steps(coverage[0], _TENTHS) + _steps(coverage[1], _TENTHS)
    dense += [
        math.log1p(len(title_words)) / 3,
        float(title.rstrip().endswith("?")),
        float("!" in title),
        min(title.count("!"), 3) / 3,
        float(":" in title),
        float(" - " in title or "—" in title or "–" in title),
        float(any(c.isdigit() for c in title)),
        capitalised,
        sum(w.isupper() and len(w) > 1 for w in split) / max(len(split), 1),
        _share(title_set, idea_set),  # how much of the idea it uses
        _share(idea_set, title_set),  # how much of it comes from the idea
        _share(set(pairwise(title_words)), set(pairwise(of_idea))),  # its phrases the idea's
    ]
    dense += _bumps(reused, _REUSED_CENTRES, 4)
    dense += coverage
    return dense


FEATURES = _HASHED + len(_dense("", [], [], _NO_IDEAS))  # the dense count follows from what _dense builds


@dataclass(frozen=True)
class TitleReward:
    weights: tuple[float, ...]
    pairs: int  # how many pairs it was fitted on
    idea_words: IdeaWords = field(default_factory=IdeaWords)  # of the ideas it was fitted on

    @classmethod
    def fit(cls, pairs: Sequence[Pair], l2: float = 1e-3) -> TitleReward:
        """Bradley-Terry: P(chosen over rejected) = sigmoid(r(chosen) - r(rejected)),
        r linear in the features; L2-regularised, so few pairs give small weights."""
        import torch

        if not pairs:
            raise ValueError("a reward model needs at least one pair")
        idea_words = IdeaWords.of(pair.idea for pair in pairs)
        diff = torch.zeros(len(pairs), FEATURES)
        for row, pair in enumerate(pairs):
            for index, value in features(pair.idea, pair.chosen, idea_words):
                diff[row, index] += value
            for index, value in features(pair.idea, pair.rejected, idea_words):
                diff[row, index] -= value
        weights = torch.zeros(FEATURES, requires_grad=True)
        optimizer = torch.optim.LBFGS([weights], max_iter=200, line_search_fn="strong_wolfe")

        def loss() -> torch.Tensor:
            optimizer.zero_grad()
            value = torch.nn.functional.softplus(-(diff @ weights)).mean() + l2 * weights.square().sum()
            value.backward()  # type: ignore[no-untyped-call]
            return value

        optimizer.step(loss)  # type: ignore[no-untyped-call]
        return cls(weights=tuple(weights.detach().tolist()), pairs=len(pairs), idea_words=idea_words)

    def score(self, idea: str, title: str) -> float:
        return sum(self.weights[index] * value for index, value in features(idea, title, self.idea_words))

    def margin(self, pair: Pair) -> float:
        """How much more it likes the chosen title than the rejected one."""
        return self.score(pair.idea, pair.chosen) - self.score(pair.idea, pair.rejected)

    def accuracy(self, pairs: Sequence[Pair]) -> float:
        """Share of pairs it ranks as the users did (ties count as misses)."""
        if not pairs:
            return 0.0
        return sum(self.margin(p) > 0 for p in pairs) / len(pairs)
