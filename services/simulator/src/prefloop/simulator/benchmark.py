"""The offline learning benchmark: does a version beat the base model on ideas
it never trained on?

For every held-out idea, one title from the base model and one from the
version (both pinned through the inference API, so exactly what users would
be served), judged blind as the users would: a title they never take (not
about the idea, or the prompt's own words) loses to one they might, and a
side that served no title loses; otherwise the taste's higher score wins, and
an equal score is a coin flip (a person who likes both equally picks either).
Reported with a 95% interval resampled by idea (several draws of one idea are
not independent: they are resampled together), the share of ties, the titles
each side served that users never take, and the mean taste score of each
side, as the hand-labelled reference reported its 68% over 50 ideas.

Ties matter: a base title that already scores the taste's best cannot be
beaten, only matched, so many ties cap the reachable win rate (all decided
duels won plus half the ties).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from prefloop.shared.statistics import Interval, bootstrap_by_group
from prefloop.simulator.taste import Taste
from prefloop.simulator.taste_family import Preference
from prefloop.simulator.users import acceptable, users_order

BASE = "base"

# (idea, version) -> one served title, or None when none came back
TitleSource = Callable[[str, str], str | None]


@dataclass(frozen=True)
class Duel:
    idea: str
    base_title: str | None  # None: that side served no title, and loses
    version_title: str | None
    base_score: float | None  # the taste's score of the title, when there is one
    version_score: float | None
    version_won: bool
    tie: bool  # users like both alike: decided by a coin


@dataclass
class BenchmarkResult:
    version: str
    duels: list[Duel] = field(default_factory=list)
    skipped: int = 0
    base_mean_score: float = 0.0
    version_mean_score: float = 0.0

    @property
    def wins(self) -> int:
        return sum(d.version_won for d in self.duels)

    @property
    def ties(self) -> int:
        return sum(d.tie for d in self.duels)

    @property
    def never_taken(self) -> tuple[int, int]:
        """How many of base's and of the version's titles users never take
        (off the idea, the prompt's own words, or none served)."""

        def taken(idea: str, title: str | None) -> bool:
            return title is not None and acceptable(idea, title)

        return (
            sum(not taken(d.idea, d.base_title) for d in self.duels),
            sum(not taken(d.idea, d.version_title) for d in self.duels),
        )

    @property
    def reachable_rate(self) -> float:
        """The win rate if the version won every duel it did not tie."""
        return (len(self.duels) - self.ties / 2) / len(self.duels) if self.duels else 0.0

    def interval(self) -> Interval:
        """Win rate with its 95% interval, resampling ideas (with all their duels)."""
        by_idea: dict[str, list[bool]] = {}
        for duel in self.duels:
            by_idea.setdefault(duel.idea, []).append(duel.version_won)
        return bootstrap_by_group(by_idea)


def run_benchmark(
    ideas: list[str], version: str, titles: TitleSource, taste: Preference | None = None, seed: int = 0
) -> BenchmarkResult:
    taste = taste or Taste()
    coin = random.Random(seed)
    result = BenchmarkResult(version)
    for idea in ideas:
        base_title, version_title = titles(idea, BASE), titles(idea, version)
        if base_title is None and version_title is None:
            result.skipped += 1
            continue
        result.duels.append(_duel(idea, base_title, version_title, taste, coin))
    base_scores = [d.base_score for d in result.duels if d.base_score is not None]
    version_scores = [d.version_score for d in result.duels if d.version_score is not None]
    result.base_mean_score = sum(base_scores) / len(base_scores) if base_scores else 0.0
    result.version_mean_score = sum(version_scores) / len(version_scores) if version_scores else 0.0
    return result


def _duel(
    idea: str, base_title: str | None, version_title: str | None, taste: Preference, coin: random.Random
) -> Duel:
    if base_title is None or version_title is None:
        order = 1.0 if base_title is None else -1.0  # a side that served nothing loses
    else:
        order = users_order(idea, version_title, base_title, taste)
    return Duel(
        idea,
        base_title,
        version_title,
        None if base_title is None else taste.score(idea, base_title),
        None if version_title is None else taste.score(idea, version_title),
        version_won=order > 0 if order != 0 else coin.random() < 0.5,
        tie=order == 0,
    )


def summary(result: BenchmarkResult, examples: int = 3) -> str:
    if not result.duels:
        return f"{result.version}: no duels (skipped {result.skipped})"
    i = result.interval()
    base_never_taken, version_never_taken = result.never_taken
    ideas = len({d.idea for d in result.duels})
    duels = (
        f"on {ideas} held-out ideas"
        if ideas == len(result.duels)
        else f"in {len(result.duels)} duels on {ideas} held-out ideas"
    )
    lines = [
        f"{result.version} vs base {duels}: "
        f"win rate {i.rate:.1%} (95% CI by idea {i.lower:.1%}–{i.upper:.1%}), {result.skipped} skipped",
        f"ties {result.ties} (coin-flipped; winning every other duel would give {result.reachable_rate:.1%})",
        f"titles users never take (off the idea, the prompt's words, or none served): "
        f"base {base_never_taken}, {result.version} {version_never_taken}",
        f"mean taste score: base {result.base_mean_score:+.2f}, "
        f"{result.version} {result.version_mean_score:+.2f}",
    ]
    for duel in result.duels[:examples]:
        mark = "won" if duel.version_won else "lost"
        lines.append(
            f"  [{mark}] {duel.idea}\n      base:    {duel.base_title}\n      version: {duel.version_title}"
        )
    return "\n".join(lines)
