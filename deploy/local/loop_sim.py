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

Left out on purpose: the lag of a live loop (users outpace training there, so
a round trains on the newest pairs written by older versions) and canaries.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import json
import random
import tempfile
import time
import uuid
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from prefloop.feedback.recording.event import feedback_event
from prefloop.inference.engines.base import BASE_VERSION
from prefloop.inference.engines.transformers_engine import TransformersEngine
from prefloop.inference.settings import InferenceSettings
from prefloop.inference.suggestions.service import distinct_titles
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
from prefloop.trainer.settings import TrainerSettings
from prefloop.trainer.training.dpo import TrainingPair, run_dpo
from prefloop.trainer.training.gate import candidate_refusal
from prefloop.trainer.training.health import health_ideas
from prefloop.trainer.training.rounds import RoundPolicy, agreed_pairs, build_reward_plan
from prefloop.trainer.training.split import split_by_idea


@dataclass(frozen=True)
class RoundOutcome:
    round: int
    train_pairs: int
    held_out_pairs: int
    refusal: str | None
    sampled_pairs: int  # on-policy pairs the reward model ranked


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
    def __init__(self, engine: TransformersEngine, seed: int, work_dir: Path) -> None:
        self._engine = engine
        self._trainer = TrainerSettings()
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

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    async def titles(self, ideas: list[str], n: int, version: str) -> list[list[str]]:
        """What the inference service would serve for each idea, concurrently (the engine batches)."""
        return await asyncio.gather(*(distinct_titles(self._engine, idea, n, version) for idea in ideas))

    async def collect(self, events: int) -> int:
        """Users ask for titles and choose; returns the feedback events their choices gave."""
        ideas = [self._rng.choice(self._train_ideas) for _ in range(events)]
        recorded = 0
        for idea, titles in zip(ideas, await self.titles(ideas, self._simulator.n, self.active), strict=True):
            if len(titles) < 2:
                continue  # the service would have answered with fewer titles or 503
            user = self._rng.choice(self._users)
            decision = user.decide(idea, [Shown(str(i), t) for i, t in enumerate(titles)])
            pairs, _ = build_pairs(feedback_of(idea, titles, decision, user.user_id))
            self._waiting.extend(pairs)
            recorded += 1
        return recorded

    async def train_round(self, number: int) -> RoundOutcome:
        """One round as the trainer runs it: newest waiting pairs plus replay, split by idea, gated."""
        policy = self._trainer
        new = self._waiting[-policy.max_round_pairs :]
        self._waiting = self._waiting[: -policy.max_round_pairs]
        replay = self._rng.sample(self._used, min(policy.replay_pairs, len(self._used)))
        train, held_out = split_by_idea(new + replay, policy.eval_fraction)
        history, rounds = [*self._used, *self._waiting, *new], RoundPolicy.from_settings(policy)
        plan = build_reward_plan(history, train, rounds, seed=number)
        train = agreed_pairs(history, train, rounds)
        work_dir = self._work_dir / f"round-{number}"
        work_dir.mkdir()
        result = await self._engine.run_on_model_thread(
            functools.partial(
                run_dpo,
                self._base_path,
                [TrainingPair(p.idea, p.chosen, p.rejected) for p in train],
                [TrainingPair(p.idea, p.chosen, p.rejected) for p in held_out],
                policy.dpo,
                work_dir,
                parent_adapter=self._adapters.get(self.active),
                health_ideas=health_ideas(held_out, policy.gate_health_ideas) if policy.gate else [],
                reward_plan=plan,
            )
        )
        self._used.extend(new)
        refusal = (
            candidate_refusal(
                result, policy.gate_min_accuracy_gain, policy.gate_tolerance, policy.gate_health_tolerance
            )
            if policy.gate
            else None
        )
        if refusal is None:
            await self._activate(f"v{number:04d}", result.adapter_dir)
        return RoundOutcome(number, len(train), len(held_out), refusal, result.sampled_pairs)

    async def _activate(self, version: str, path: Path) -> None:
        await self._engine.load_adapter(version, path)
        if self.active != BASE_VERSION:
            await self._engine.unload_adapter(self.active)
        self._adapters[version] = path
        self.active = version

    async def benchmark(self, samples: int, limit: int = 0) -> BenchmarkResult:
        """The learning benchmark with `samples` duels per held-out idea (the first `limit` ideas)."""
        held_out = self.held_out_ideas[:limit] if limit else self.held_out_ideas
        ideas = [idea for idea in held_out for _ in range(samples)]
        queues = {
            version: iter(await self.titles(ideas, 1, version)) for version in (BASE_VERSION, self.active)
        }

        def title(_idea: str, version: str) -> str | None:
            titles = next(queues[version])
            return titles[0] if titles else None

        return run_benchmark(ideas, self.active, title, taste_named(self._simulator.taste))


async def simulate(
    events: int, events_per_round: int, samples: int, seed: int, out: Path, benchmark_ideas: int = 0
) -> dict[str, Any]:
    import torch

    torch.manual_seed(seed)
    engine = TransformersEngine.from_settings(InferenceSettings())
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="loop-sim-") as work:
        loop = LoopSimulation(engine, seed, Path(work))
        rounds: list[dict[str, Any]] = []
        recorded = 0
        while recorded < events:
            got = await loop.collect(min(events_per_round, events - recorded))
            if got == 0:
                raise RuntimeError(
                    f"{loop.active} wrote fewer than 2 usable titles for every idea of a round"
                )
            recorded += got
            if not loop.waiting:
                continue  # every user rejected every title: nothing to train on yet
            outcome = await loop.train_round(len(rounds) + 1)
            rounds.append(
                {**asdict(outcome), "events": recorded, "seconds": round(time.monotonic() - started)}
            )
            print(json.dumps(rounds[-1]), flush=True)
        result = await loop.benchmark(samples, benchmark_ideas) if loop.active != BASE_VERSION else None
    await engine.close()
    interval = result.interval() if result else None
    report = {
        "seed": seed,
        "events": recorded,
        "rounds": len(rounds),
        "activated": sum(r["refusal"] is None for r in rounds),
        "seconds": round(time.monotonic() - started),
        "win_rate": interval.rate if interval else None,
        "win_rate_interval": [interval.lower, interval.upper] if interval else None,
        "duels": len(result.duels) if result else 0,
        "round_log": rounds,
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=1))
    print(summary(result) if result else "no version was activated: nothing to benchmark")
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
    args = parser.parse_args()
    asyncio.run(simulate(args.events, args.events_per_round, args.samples, args.seed, args.out, args.ideas))


if __name__ == "__main__":
    main()
