"""`make reward-check`: does the trainer's reward model learn tastes it was
never shaped around? Minutes on a CPU.

Titles the base model writes for training ideas are generated once and cached
(.prefloop/reward-check/base_titles.json). For each of 20 random tastes whose seeds are never looked at
while tuning (1000-1019 by default), simulated users with the simulator's
noise choose among 4 of an idea's titles; their choices become pairs through
the trainer's own pair builder; the reward model is fitted on 150, 300 and
600 events' worth of pairs from three quarters of the ideas and judged on the
other quarter: the share of the users' strict preferences between two titles
of one held-out idea that the model ranks the same way. The users' order is
the taste's score, except that a title they never take (not about the idea,
or the prompt's own words) comes after any they might; the taste's score
alone is reported beside it. Reports the mean, the worst and the learning
curve, and writes them to a JSON file.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import time
import uuid
from collections.abc import Callable
from itertools import combinations
from pathlib import Path

from prefloop.feedback.recording.event import feedback_event
from prefloop.inference.engines.transformers_engine import TransformersEngine
from prefloop.inference.settings import InferenceSettings
from prefloop.inference.suggestions.service import distinct_titles
from prefloop.shared.events import FeedbackAction, ServedSuggestion
from prefloop.shared.prompts import PROMPT_TEMPLATE_VERSION
from prefloop.simulator.ideas import split_ideas
from prefloop.simulator.settings import SimulatorSettings
from prefloop.simulator.taste_family import Preference, taste_named
from prefloop.simulator.traffic import simulated_users
from prefloop.simulator.users import Shown, acceptable
from prefloop.trainer.pairs.builder import Pair, build_pairs, idea_hash
from prefloop.trainer.training.reward import TitleReward
from prefloop.trainer.training.split import assign_sides

SHOWN = 4
CURVE = (150, 300, 600)


POOL = Path(".prefloop/reward-check/base_titles.json")


def title_pool(ideas: int = 120, per_idea: int = 6, path: Path = POOL) -> dict[str, list[str]]:
    """{idea: titles} for the first `ideas` training ideas (cached in `path`)."""
    if path.exists():
        cached: dict[str, list[str]] = json.loads(path.read_text())
        if len(cached) >= ideas:
            return dict(list(cached.items())[:ideas])
    chosen = split_ideas()[0][:ideas]
    engine = TransformersEngine.from_settings(InferenceSettings(kafka_bootstrap_servers=None))

    async def generate() -> list[list[str]]:
        return await asyncio.gather(*(distinct_titles(engine, idea, per_idea, "base") for idea in chosen))

    pool = {
        idea: titles for idea, titles in zip(chosen, asyncio.run(generate()), strict=True) if len(titles) >= 2
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pool, ensure_ascii=False, indent=1))
    return pool


def users_pairs(
    pool: dict[str, list[str]], ideas: list[str], taste: Preference, events: int, seed: int
) -> list[Pair]:
    rng = random.Random(seed)
    users = simulated_users(SimulatorSettings(), rng, taste)
    pairs: list[Pair] = []
    for _ in range(events):
        idea = rng.choice(ideas)
        titles = rng.sample(pool[idea], min(SHOWN, len(pool[idea])))
        user = rng.choice(users)
        decision = user.decide(idea, [Shown(str(i), t) for i, t in enumerate(titles)])
        event = feedback_event(
            feedback_id=str(uuid.uuid4()),
            suggestion_set_id=str(uuid.uuid4()),
            action=FeedbackAction(decision.action),
            idea=idea,
            prompt_template_version=PROMPT_TEMPLATE_VERSION,
            shown=[ServedSuggestion(str(i), i, t, "base") for i, t in enumerate(titles)],
            suggestion_id=decision.suggestion_id,
            edited_text=decision.edited_text,
            user_id=user.user_id,
        )
        pairs.extend(build_pairs(event)[0])
    return pairs


def score_order(idea: str, a: str, b: str, taste: Preference) -> float:
    """> 0 when the taste's score puts a first, < 0 for b, 0 for a tie."""
    return taste.score(idea, a) - taste.score(idea, b)


def users_order(idea: str, a: str, b: str, taste: Preference) -> float:
    """The order the users act on: a title they never take (not about the idea,
    or the prompt's own words) comes after one they might, whatever its score."""
    a_ok, b_ok = acceptable(idea, a), acceptable(idea, b)
    if a_ok != b_ok:
        return 1.0 if a_ok else -1.0
    return score_order(idea, a, b, taste)


def agreement(
    scores: dict[str, dict[str, float]],
    taste: Preference,
    order: Callable[[str, str, str, Preference], float] = users_order,
) -> float:
    """Share of the strict preferences (by `order`) between two titles of one
    idea that the model's scores ({idea: {title: score}}) share."""
    agree = total = 0
    for idea, by_title in scores.items():
        for a, b in combinations(by_title, 2):
            taste_margin = order(idea, a, b, taste)
            if taste_margin == 0:
                continue
            total += 1
            agree += (by_title[a] - by_title[b]) * taste_margin > 0
    return agree / total if total else 0.0


def check(seeds: list[int], pool: dict[str, list[str]]) -> dict[str, object]:
    sides = assign_sides({idea_hash(i) for i in pool}, 0.25, known={})
    fit_ideas = [i for i in pool if not sides[idea_hash(i)]]
    held_ideas = [i for i in pool if sides[idea_hash(i)]]
    rows = []
    for seed in seeds:
        taste = taste_named(f"random:{seed}")
        pairs = users_pairs(pool, fit_ideas, taste, max(CURVE), seed)
        per_events = len(pairs) / max(CURVE)
        row: dict[str, object] = {"taste": f"random:{seed}"}
        for events in CURVE:
            started = time.perf_counter()
            reward = TitleReward.fit(pairs[: int(events * per_events)])
            row[f"fit_s_{events}"] = round(time.perf_counter() - started, 2)
            scores = {idea: {t: reward.score(idea, t) for t in pool[idea]} for idea in held_ideas}
            row[str(events)] = round(agreement(scores, taste), 4)
            row[f"score_order_{events}"] = round(agreement(scores, taste, score_order), 4)
        rows.append(row)
        print(f"  random:{seed}: " + ", ".join(f"{e} events {row[str(e)]:.1%}" for e in CURVE), flush=True)
    return {
        "fit_ideas": len(fit_ideas),
        "held_out_ideas": len(held_ideas),
        "curve": _summary(rows, ""),
        "curve_score_order": _summary(rows, "score_order_"),
        "tastes": rows,
    }


def _summary(rows: list[dict[str, object]], prefix: str) -> dict[str, dict[str, float]]:
    return {
        str(e): {
            "mean": round(statistics.mean(float(r[f"{prefix}{e}"]) for r in rows), 4),  # type: ignore[arg-type]
            "worst": round(min(float(r[f"{prefix}{e}"]) for r in rows), 4),  # type: ignore[arg-type]
        }
        for e in CURVE
    }


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--tastes", type=int, default=20)
    parser.add_argument("--out", type=Path, default=Path(".prefloop/reward-check/report.json"))
    args = parser.parse_args()
    pool = title_pool()
    print(f"{len(pool)} ideas, {sum(len(t) for t in pool.values())} base titles")
    report = check(list(range(args.first_seed, args.first_seed + args.tastes)), pool)
    for events, figures in report["curve"].items():  # type: ignore[attr-defined]
        by_score = report["curve_score_order"][events]  # type: ignore[index]
        print(
            f"{events} events: mean agreement {figures['mean']:.1%}, worst {figures['worst']:.1%}"
            f" (by the taste's score alone: {by_score['mean']:.1%}, {by_score['worst']:.1%})"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"report: {args.out}")


if __name__ == "__main__":
    main()
