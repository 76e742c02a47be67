"""The offline learning benchmark: does a version beat the base model on ideas
it never trained on?

For every held-out idea, one title from the base model and one from the
version (both pinned through the inference API, so exactly what users would
be served), shown to a simulated user in random order; the user's pick is the
verdict. Reported with a Wilson 95% interval and the mean taste score of each
side, as the hand-labelled reference reported its 68% over 50 ideas.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field

from prefloop.shared.statistics import Interval, wilson_interval
from prefloop.simulator.taste import Taste
from prefloop.simulator.users import Shown, SimulatedUser

BASE = "base"

# (idea, version) -> one served title, or None when none came back
TitleSource = Callable[[str, str], str | None]


@dataclass(frozen=True)
class Duel:
    idea: str
    base_title: str
    version_title: str
    version_won: bool


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

    def interval(self) -> Interval:
        return wilson_interval(self.wins, len(self.duels))


def run_benchmark(
    ideas: list[str], version: str, titles: TitleSource, taste: Taste | None = None, seed: int = 0
) -> BenchmarkResult:
    taste = taste or Taste()
    rng = random.Random(seed)
    judge = SimulatedUser("judge", taste, rng, edit_probability=0.0, reject_below=float("-inf"))
    result = BenchmarkResult(version)
    base_scores, version_scores = [], []
    for idea in ideas:
        base_title, version_title = titles(idea, BASE), titles(idea, version)
        if base_title is None or version_title is None:
            result.skipped += 1
            continue
        shown = [Shown(BASE, base_title), Shown(version, version_title)]
        rng.shuffle(shown)  # positions randomised: the judge never sees which is which
        pick = judge.decide(idea, shown).suggestion_id
        result.duels.append(Duel(idea, base_title, version_title, version_won=pick == version))
        base_scores.append(taste.score(idea, base_title))
        version_scores.append(taste.score(idea, version_title))
    if result.duels:
        result.base_mean_score = sum(base_scores) / len(base_scores)
        result.version_mean_score = sum(version_scores) / len(version_scores)
    return result


def summary(result: BenchmarkResult, examples: int = 3) -> str:
    if not result.duels:
        return f"{result.version}: no duels (skipped {result.skipped})"
    i = result.interval()
    lines = [
        f"{result.version} vs base on {len(result.duels)} held-out ideas: "
        f"win rate {i.rate:.1%} (95% CI {i.lower:.1%}–{i.upper:.1%}), {result.skipped} skipped",
        f"mean taste score: base {result.base_mean_score:+.2f}, "
        f"{result.version} {result.version_mean_score:+.2f}",
    ]
    for duel in result.duels[:examples]:
        mark = "won" if duel.version_won else "lost"
        lines.append(
            f"  [{mark}] {duel.idea}\n      base:    {duel.base_title}\n      version: {duel.version_title}"
        )
    return "\n".join(lines)
