"""`make reward-check`: does the trainer's reward model learn tastes it was
never shaped around? Minutes on a CPU.

Sets of 4 titles the base model serves for training ideas, as the inference
service answers them, are generated once and cached
(.prefloop/reward-check/base_sets.json): 8 sets an idea. For each of 20
random tastes whose seeds are never looked at while tuning (1000-1019 by
default), simulated users with the simulator's noise choose among 4 of an
idea's titles, drawn from its first `--titles-per-idea` (all of them by
default, as the loop shows each user a freshly served set; 6 is the check's
earlier, smaller pool); their choices become pairs through the trainer's own
pair builder; the reward model is fitted on 150, 300 and 600 events' worth of
pairs from three quarters of the ideas and judged on the other quarter's
first 8 titles: the share of the users' strict preferences between two titles
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
from prefloop.shared.titles.cleaning import clean_title
from prefloop.simulator.ideas import split_ideas
from prefloop.simulator.settings import SimulatorSettings
from prefloop.simulator.taste_family import Preference, taste_named
from prefloop.simulator.traffic import simulated_users
from prefloop.simulator.users import Shown, users_order
from prefloop.trainer.pairs.builder import Pair, build_pairs, idea_hash
from prefloop.trainer.training.reward import TitleReward
from prefloop.trainer.training.split import assign_sides

SHOWN = 4
CURVE = (150, 300, 600)


POOL = Path(".prefloop/reward-check/base_sets.json")
SETS_PER_IDEA = 8
HELD_OUT_TITLES = 8


def title_pool(ideas: int = 120, sets: int = SETS_PER_IDEA, path: Path = POOL) -> dict[str, list[str]]:
    """{idea: distinct titles of its served sets, in order} for the first `ideas`
    training ideas; each set is what the service answers a request for 4. Cached
    titles that today's cleaning would drop are left out, so a stricter cleaning
    does not need the pool generated again."""
    if path.exists():
        cached: dict[str, list[str]] = json.loads(path.read_text())
        if len(cached) >= ideas:
            return {idea: _still_clean(idea, titles) for idea, titles in list(cached.items())[:ideas]}
    chosen = split_ideas()[0][:ideas]
    engine = TransformersEngine.from_settings(InferenceSettings(kafka_bootstrap_servers=None))

    async def served(idea: str) -> list[str]:
        drawn = await asyncio.gather(*(distinct_titles(engine, idea, SHOWN, "base") for _ in range(sets)))
        return list({t.casefold(): t for titles in drawn for t in titles}.values())

    async def generate() -> list[list[str]]:
        return await asyncio.gather(*(served(idea) for idea in chosen))

    pool = {
        idea: titles for idea, titles in zip(chosen, asyncio.run(generate()), strict=True) if len(titles) >= 2
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(pool, ensure_ascii=False, indent=1))
    return pool


def _still_clean(idea: str, titles: list[str]) -> list[str]:
    return [t for t in titles if clean_title(t, True, idea).title == t]


def users_pairs(shown: dict[str, list[str]], taste: Preference, events: int, seed: int) -> list[Pair]:
    """The pairs of `events` choices, each among 4 titles of an idea of `shown` ({idea: titles})."""
    rng = random.Random(seed)
    users = simulated_users(SimulatorSettings(), rng, taste)
    ideas = list(shown)
    pairs: list[Pair] = []
    for _ in range(events):
        idea = rng.choice(ideas)
        titles = rng.sample(shown[idea], min(SHOWN, len(shown[idea])))
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


def check(
    seeds: list[int], pool: dict[str, list[str]], titles_per_idea: int | None = None
) -> dict[str, object]:
    sides = assign_sides({idea_hash(i) for i in pool}, 0.25, known={})
    shown = {idea: titles[:titles_per_idea] for idea, titles in pool.items() if not sides[idea_hash(idea)]}
    held_out = {idea: titles[:HELD_OUT_TITLES] for idea, titles in pool.items() if sides[idea_hash(idea)]}
    rows = []
    for seed in seeds:
        taste = taste_named(f"random:{seed}")
        pairs = users_pairs(shown, taste, max(CURVE), seed)
        per_events = len(pairs) / max(CURVE)
        row: dict[str, object] = {"taste": f"random:{seed}"}
        for events in CURVE:
            started = time.perf_counter()
            reward = TitleReward.fit(pairs[: int(events * per_events)])
            row[f"fit_s_{events}"] = round(time.perf_counter() - started, 2)
            scores = {idea: {t: reward.score(idea, t) for t in titles} for idea, titles in held_out.items()}
            row[str(events)] = round(agreement(scores, taste), 4)
            row[f"score_order_{events}"] = round(agreement(scores, taste, score_order), 4)
        rows.append(row)
        print(f"  random:{seed}: " + ", ".join(f"{e} events {row[str(e)]:.1%}" for e in CURVE), flush=True)
    return {
        "fit_ideas": len(shown),
        "fit_titles": sum(len(t) for t in shown.values()),
        "held_out_ideas": len(held_out),
        "held_out_titles": sum(len(t) for t in held_out.values()),
        "curve": _summary(rows, ""),
        "curve_score_order": _summary(rows, "score_order_"),
        "tastes": rows,
    }


def _summary(rows: list[dict[str, object]], prefix: str) -> dict[str, dict[str, float]]:
    """Mean, spread (standard deviation) and worst over the tastes, at each point of the curve."""
    summary = {}
    for e in CURVE:
        values = [float(r[f"{prefix}{e}"]) for r in rows]  # type: ignore[arg-type]
        spread = statistics.stdev(values) if len(values) > 1 else 0.0
        summary[str(e)] = {
            "mean": round(statistics.mean(values), 4),
            "sd": round(spread, 4),
            "worst": round(min(values), 4),
        }
    return summary


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--first-seed", type=int, default=1000)
    parser.add_argument("--tastes", type=int, default=20)
    parser.add_argument(
        "--titles-per-idea",
        type=int,
        default=None,
        help="users are shown titles from each training idea's first N only (default: all its sets)",
    )
    parser.add_argument("--out", type=Path, default=Path(".prefloop/reward-check/report.json"))
    args = parser.parse_args()
    pool = title_pool()
    print(f"{len(pool)} ideas, {sum(len(t) for t in pool.values())} base titles")
    report = check(list(range(args.first_seed, args.first_seed + args.tastes)), pool, args.titles_per_idea)
    for events, figures in report["curve"].items():  # type: ignore[attr-defined]
        by_score = report["curve_score_order"][events]  # type: ignore[index]
        print(
            f"{events} events: mean agreement {figures['mean']:.1%} (sd {figures['sd']:.1%}),"
            f" worst {figures['worst']:.1%}"
            f" (by the taste's score alone: {by_score['mean']:.1%}, {by_score['worst']:.1%})"
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=1))
    print(f"report: {args.out}")


if __name__ == "__main__":
    main()
