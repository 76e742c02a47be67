"""`make loop-sim`: the learning loop in one process, to compare recipes over seeds.

The 600-event demo takes an hour on two CPU cores and ends in one win rate
whose spread across seeds is wider than the differences between recipes: the
default recipe won 46%, 64%, 75% and 82% of held-out duels over four seeds of
this loop. One demo run cannot tell two recipes apart; several seeds can.

This runs the loop without services or broker: simulated users choose among
titles the current version writes (the inference engine and its distinct-title
sampling), their choices become pairs (the trainer's pair builder), rounds
train and gate with the trainer's own code and settings (PREFLOOP_TRAINER_*,
PREFLOOP_INFERENCE_*, PREFLOOP_SIMULATOR_*), and the learning benchmark judges
the active version against base with several titles per held-out idea. On a
GPU a 600-event run takes about ten minutes, and seeds run side by side.

Rounds run the trainer's recipe (recipe.py), the one `RoundRunner` runs. Each
activated version is judged against base on the held-out ideas as soon as it
is activated (base's titles drawn once), so a run shows whether the loop
climbs or oscillates. Users meet sets as inference serves them: an adapter's
short set is filled with base's titles. Each version's own short sets are
counted and judged by the trainer's serving watch rule, and the sets users
met are counted beside them.

Left out on purpose: the lag of a live loop (users outpace training there, so
a round trains on the newest pairs written by older versions) and canaries.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import functools
import json
import random
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from prefloop.feedback.recording.event import feedback_event
from prefloop.inference.engines import create_engine
from prefloop.inference.engines.base import BASE_VERSION
from prefloop.inference.engines.model_thread import ModelThreadEngine
from prefloop.inference.settings import InferenceSettings
from prefloop.inference.suggestions.service import distinct_titles, topped_up
from prefloop.inference.suggestions.serving import ServingRecord
from prefloop.shared.events import FeedbackAction, FeedbackRecorded, ServedSuggestion
from prefloop.shared.models import resolve_base_model
from prefloop.shared.prompts import PROMPT_TEMPLATE_VERSION
from prefloop.simulator.benchmark import BenchmarkResult, run_benchmark, summary
from prefloop.simulator.ideas import split_ideas
from prefloop.simulator.settings import SimulatorSettings
from prefloop.simulator.taste_family import taste_named
from prefloop.simulator.traffic import simulated_users
from prefloop.simulator.users import Decision, Shown, SimulatedUser
from prefloop.trainer.pairs.builder import Pair, build_pairs
from prefloop.trainer.registry.serving_watch import ServingPolicy, SetCounts, references, serving_refusal
from prefloop.trainer.settings import TrainerSettings
from prefloop.trainer.training import recipe
from prefloop.trainer.training.rounds import RoundPolicy
from prefloop.trainer.training.split import assign_sides


@dataclass(frozen=True)
class RoundOutcome:
    round: int
    train_pairs: int
    held_out_pairs: int
    refusal: str | None
    sampled_pairs: int  # on-policy pairs the reward model ranked
    version: str | None = None  # the version activated, when the gate passed it
    win_rate: float | None = None  # that version (or a refused one, --judge-refused) against base
    win_rate_interval: list[float] | None = None
    # the gate's health draws: candidate, base and parent, with why drafts were dropped
    health: dict[str, dict[str, Any]] = field(default_factory=dict)
    # what the gate weighed beside health: the reward model's duels against the parent,
    # and preference accuracy on users' held-out pairs (candidate and active version)
    gate: dict[str, Any] = field(default_factory=dict)
    phase_seconds: dict[str, float] = field(default_factory=dict)  # where the round's time went
    # the round's wall time from taking its pairs to the verdict, the benchmark's judging left out,
    # so rounds of different recipes compare
    round_seconds: float = 0.0


def feedback_of(idea: str, titles: list[str], decision: Decision, user_id: str) -> FeedbackRecorded:
    """The event the feedback service would publish for this decision."""
    return feedback_event(
        feedback_id=str(uuid.uuid4()),
        suggestion_set_id=str(uuid.uuid4()),
        action=FeedbackAction(decision.action),
        idea=idea,
        prompt_template_version=PROMPT_TEMPLATE_VERSION,
        shown=[ServedSuggestion(str(i), i, text, "") for i, text in enumerate(titles)],
        suggestion_id=decision.suggestion_id,
        edited_text=decision.edited_text,
        user_id=user_id,
    )


class LoopSimulation:
    def __init__(
        self,
        engine: ModelThreadEngine,
        seed: int,
        work_dir: Path,
        samples: int,
        benchmark_ideas: int = 0,
        judge_refused: bool = False,
    ) -> None:
        self._engine = engine
        self._judge_refused = judge_refused
        self._trainer = TrainerSettings()
        self._policy = RoundPolicy.from_settings(self._trainer)
        self._serving = ServingPolicy.from_settings(self._trainer)
        self._sides: dict[str, bool] = {}
        self._simulator = SimulatorSettings()
        self._rng = random.Random(seed)
        self._users: list[SimulatedUser] = simulated_users(self._simulator, self._rng)
        self._train_ideas, self.held_out_ideas = split_ideas()
        self._work_dir = work_dir
        self._base_path = resolve_base_model(self._trainer.base_model)
        self._waiting: list[Pair] = []
        self._used: list[Pair] = []
        self.active = BASE_VERSION
        self._adapters: dict[str, Path] = {}
        self._parents: dict[str, str] = {}  # version -> the version it replaced
        self.served = ServingRecord()  # each version's own sets, counted as inference counts them
        self.shown = ServingRecord()  # the sets users met, after base filled an adapter's short ones
        self.rollbacks: list[dict[str, str]] = []
        held_out = self.held_out_ideas[:benchmark_ideas] if benchmark_ideas else self.held_out_ideas
        self._benchmark_ideas = [idea for idea in held_out for _ in range(samples)]
        self._base_titles: list[list[str]] | None = None
        self.judged: dict[str, BenchmarkResult] = {}  # each activated version against base

    @property
    def taste_name(self) -> str:
        return self._simulator.taste

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def titles(self, ideas: list[str], n: int, version: str) -> list[list[str]]:
        """Each idea's titles from `version` alone, as a pinned request gets them (the engine batches)."""
        return await asyncio.gather(*(distinct_titles(self._engine, idea, n, version) for idea in ideas))

    async def serve(self, idea: str, n: int) -> list[str]:
        """A set as the inference service serves it under the active version."""
        own = await distinct_titles(self._engine, idea, n, self.active)
        self.served.record(self.active, n, len(own))
        titles = [(title, self.active) for title in own]
        if self.active != BASE_VERSION:
            titles = await topped_up(self._engine, idea, n, self.active, titles)
        self.shown.record(self.active, n, len(titles))
        return [title for title, _ in titles]

    async def collect(self, events: int) -> int:
        """Users ask for titles and choose; returns the feedback events their choices gave."""
        ideas = [self._rng.choice(self._train_ideas) for _ in range(events)]
        recorded = 0
        n = self._simulator.n
        sets = await asyncio.gather(*(self.serve(idea, n) for idea in ideas))  # the engine batches
        for idea, titles in zip(ideas, sets, strict=True):
            if len(titles) < 2:
                continue  # the service would have answered with fewer titles or 503
            user = self._rng.choice(self._users)
            decision = user.decide(idea, [Shown(str(i), t) for i, t in enumerate(titles)])
            pairs, _ = build_pairs(feedback_of(idea, titles, decision, user.user_id))
            self._waiting.extend(pairs)
            recorded += 1
        return recorded

    async def train_round(self, number: int) -> RoundOutcome:
        """One round as the trainer runs it: newest waiting pairs plus replay, the trainer's recipe."""
        started = time.monotonic()
        settings = self._trainer
        new = self._waiting[-settings.max_round_pairs :]
        self._waiting = self._waiting[: -settings.max_round_pairs]
        replay = self._rng.sample(self._used, min(settings.replay_pairs, len(self._used)))
        history = [*self._used, *self._waiting, *new]
        self._sides |= assign_sides({p.idea_hash for p in new + replay}, settings.eval_fraction, self._sides)
        plan = recipe.plan_round(new + replay, history, self._policy, seed=number, known=self._sides)
        work_dir = self._work_dir / f"round-{number}"
        work_dir.mkdir()
        result = await self._engine.run_on_model_thread(
            functools.partial(
                recipe.train_and_assess,
                plan,
                self._base_path,
                settings.dpo,
                work_dir,
                self._policy,
                parent_adapter=self._adapters.get(self.active),
                seed=number,
            )
        )
        self._used.extend(new)
        refusal = recipe.verdict(result, self._policy)
        metrics = recipe.round_metrics(plan, result)
        outcome = RoundOutcome(
            number,
            len(plan.train),
            len(plan.held_out),
            refusal,
            result.trained.sampled_pairs,
            health=metrics.get("health", {}),
            gate={key: metrics[key] for key in ("duels", "gate") if key in metrics},
            phase_seconds=metrics["seconds"],
            round_seconds=round(time.monotonic() - started, 1),
        )
        if refusal is not None:
            if not self._judge_refused:
                return outcome
            # Was the gate right? Judge the refused candidate beside the active version, then drop it.
            candidate = f"refused-{number:04d}"
            await self._engine.load_adapter(candidate, result.trained.adapter_dir)
            judged = await self.benchmark(candidate)
            await self._engine.unload_adapter(candidate)
            return _judged(outcome, judged)
        version = f"v{number:04d}"
        await self._activate(version, result.trained.adapter_dir)
        judged = self.judged[version] = await self.benchmark(version)
        return _judged(dataclasses.replace(outcome, version=version), judged)

    async def watch_serving(self) -> None:
        """The trainer's serving watch: roll back a version that serves worse sets than its parent or base."""
        if self.active == BASE_VERSION:
            return
        parent = self._parents[self.active]
        counts = self.served.view()
        refusal = serving_refusal(
            SetCounts.of(counts.get(self.active)), references(counts, parent), self._serving
        )
        if refusal is not None:
            self.rollbacks.append({"version": self.active, "reason": refusal})
            print(json.dumps(self.rollbacks[-1]), flush=True)
            await self._switch(parent)

    async def _activate(self, version: str, path: Path) -> None:
        self._adapters[version] = path
        self._parents[version] = self.active
        await self._switch(version)

    async def _switch(self, version: str) -> None:
        if version != BASE_VERSION:
            await self._engine.load_adapter(version, self._adapters[version])
        if self.active != BASE_VERSION:
            await self._engine.unload_adapter(self.active)
        self.active = version

    async def benchmark(self, version: str) -> BenchmarkResult:
        """A loaded version against base with several duels per held-out idea;
        base's titles are drawn once and reused for every version judged."""
        ideas = self._benchmark_ideas
        if self._base_titles is None:
            self._base_titles = await self.titles(ideas, 1, BASE_VERSION)
        queues = {
            BASE_VERSION: iter(self._base_titles),
            version: iter(await self.titles(ideas, 1, version)),
        }

        def title(_idea: str, side: str) -> str | None:
            titles = next(queues[side])
            return titles[0] if titles else None

        return run_benchmark(ideas, version, title, taste_named(self._simulator.taste))


def _judged(outcome: RoundOutcome, judged: BenchmarkResult) -> RoundOutcome:
    """The round's outcome with its version's (or refused candidate's) win rate against base."""
    rate = _rate(judged)
    return dataclasses.replace(
        outcome, win_rate=rate["win_rate"], win_rate_interval=rate["win_rate_interval"]
    )


def _rate(result: BenchmarkResult | None) -> dict[str, Any]:
    interval = result.interval() if result and result.duels else None
    return {
        "win_rate": interval.rate if interval else None,
        "win_rate_interval": [interval.lower, interval.upper] if interval else None,
        "duels": len(result.duels) if result else 0,
        "ideas": len({d.idea for d in result.duels}) if result else 0,
        "never_taken": list(result.never_taken) if result else None,  # base's titles, the version's
    }


async def simulate(
    events: int,
    events_per_round: int,
    samples: int,
    seed: int,
    out: Path,
    benchmark_ideas: int = 0,
    judge_refused: bool = False,
) -> dict[str, Any]:
    import torch

    torch.manual_seed(seed)
    engine = create_engine(InferenceSettings())  # the engine the service would serve with here
    if not isinstance(engine, ModelThreadEngine):
        raise SystemExit("loop-sim trains beside the engine: it runs the transformers or llama.cpp engine")
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="loop-sim-") as work:
        loop = LoopSimulation(engine, seed, Path(work), samples, benchmark_ideas, judge_refused)
        rounds: list[dict[str, Any]] = []
        recorded = asked = 0
        # Users ask `events` times; a set too short to choose from is no event, and does not
        # make an extra round on the few events left over.
        while asked < events:
            ask = min(events_per_round, events - asked)
            asked += ask
            got = await loop.collect(ask)
            if got == 0:
                raise RuntimeError(
                    f"{loop.active} wrote fewer than 2 usable titles for every idea of a round"
                )
            recorded += got
            await loop.watch_serving()
            if not loop.waiting:
                continue  # every user rejected every title: nothing to train on yet
            outcome = await loop.train_round(len(rounds) + 1)
            rounds.append(
                {**asdict(outcome), "events": recorded, "seconds": round(time.monotonic() - started)}
            )
            print(json.dumps(rounds[-1]), flush=True)
        final = loop.judged.get(loop.active)
        if final is None and loop.active != BASE_VERSION:
            final = loop.judged[loop.active] = await loop.benchmark(loop.active)
    await engine.close()
    versions = {version: _rate(result) for version, result in loop.judged.items()}
    best = max(versions.items(), key=lambda kv: kv[1]["win_rate"] or 0.0, default=None)
    report = {
        "seed": seed,
        "taste": loop.taste_name,
        "events": recorded,
        "rounds": len(rounds),
        "activated": sum(r["refusal"] is None for r in rounds),
        "seconds": round(time.monotonic() - started),
        "final_version": loop.active,
        **_rate(final),
        "best_version": best[0] if best else None,
        "best_win_rate": best[1]["win_rate"] if best else None,
        "versions": versions,
        "served_sets": loop.served.view(),
        "shown_sets": loop.shown.view(),
        "rollbacks": loop.rollbacks,
        "round_log": rounds,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(summary(final) if final else "no version was activated: nothing to benchmark")
    return report


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--events", type=int, default=600, help="feedback events from simulated users")
    parser.add_argument("--events-per-round", type=int, default=40, help="events between two rounds")
    parser.add_argument("--samples", type=int, default=4, help="benchmark duels per held-out idea")
    parser.add_argument("--ideas", type=int, default=0, help="limit the held-out ideas (0: all)")
    parser.add_argument("--seed", type=int, default=0, help="users', ideas' and sampling's random draws")
    parser.add_argument("--out", type=Path, default=Path(".prefloop/loop-sim/seed-0.json"))
    parser.add_argument(
        "--judge-refused",
        action="store_true",
        help="benchmark each candidate the gate refused too (was the gate right?); one benchmark's time each",
    )
    args = parser.parse_args()
    asyncio.run(
        simulate(
            args.events,
            args.events_per_round,
            args.samples,
            args.seed,
            args.out,
            args.ideas,
            args.judge_refused,
        )
    )


if __name__ == "__main__":
    main()
