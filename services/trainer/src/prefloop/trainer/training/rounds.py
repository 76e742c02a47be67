"""Training rounds: when one is due, take the new pairs, run the recipe
(recipe.py: plan, train, assess, verdict), store the adapter as a new
immutable version, register it, and activate it if it passes the gate or
reject it.

One round at a time (a single worker thread calls `tick`). A crash mid-round
leaves no half-written version: the store renames a finished folder into
place, registration is one transaction, and a run left 'running' is marked
failed at the next start.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from psycopg_pool import ConnectionPool

from prefloop.shared.adapters import AdapterStore
from prefloop.trainer.metrics import (
    ACTIVE_ADAPTER,
    LAST_REWARD_ACCURACY,
    LAST_REWARD_MARGIN,
    LAST_ROUND_AT,
    PAIRS_WAITING,
    ROUNDS,
)
from prefloop.trainer.registry import repository as registry
from prefloop.trainer.settings import TrainerSettings
from prefloop.trainer.training import recipe, round_store
from prefloop.trainer.training.config import DPOHyperparameters
from prefloop.trainer.training.gate import GateRule
from prefloop.trainer.training.recipe import RecipePolicy, RoundResult, train_and_assess
from prefloop.trainer.training.round_store import PairRow, RoundRecord
from prefloop.trainer.training.schedule import Clock, Trigger, due, next_round
from prefloop.trainer.training.split import assign_sides

log = logging.getLogger(__name__)

Trainer = Callable[..., RoundResult]  # recipe.train_and_assess, or a test's wrapper of it


@dataclass(frozen=True, kw_only=True)
class RoundPolicy(RecipePolicy):
    """When rounds run and what they take, beside the recipe's own settings."""

    min_new_pairs: int
    cooldown_s: float
    max_round_pairs: int
    replay_pairs: int = 0  # older, already-used pairs mixed into each round against forgetting
    canary_fraction: float = 0.0  # 0: a candidate that passes the gate is activated directly
    max_interval_s: float = 0.0  # > 0: waiting pairs start a round after this long, however few
    reward_history_pairs: int = 5000  # newest pairs the reward models are fitted on

    @property
    def uses_history(self) -> bool:
        """Whether the recipe needs the newest pairs beyond the round's own."""
        return bool(self.gate or self.reward_pair_ideas or self.reward_filter_min_pairs)

    @classmethod
    def from_settings(cls, settings: TrainerSettings) -> RoundPolicy:
        return cls(
            min_new_pairs=settings.min_new_pairs,
            cooldown_s=settings.cooldown_s,
            eval_fraction=settings.eval_fraction,
            max_round_pairs=settings.max_round_pairs,
            gate=settings.gate,
            gate_rule=GateRule(
                reward_gate=settings.reward_gate,
                min_accuracy_gain=settings.gate_min_accuracy_gain,
                tolerance=settings.gate_tolerance,
                users_tolerance=settings.gate_users_tolerance,
                full_sets_tolerance=settings.gate_full_sets_tolerance,
                usable_tolerance=settings.gate_usable_tolerance,
            ),
            gate_sets=settings.gate_sets,
            gate_set_size=settings.gate_set_size,
            gate_held_out_pairs=settings.gate_held_out_pairs,
            replay_pairs=settings.replay_pairs,
            canary_fraction=settings.canary_fraction,
            max_interval_s=settings.max_interval_s,
            reward_gate_min_pairs=settings.reward_gate_min_pairs,
            reward_pair_ideas=settings.reward_pair_ideas,
            reward_pair_samples=settings.reward_pair_samples,
            reward_pairs_per_idea=settings.reward_pairs_per_idea,
            reward_min_margin=settings.reward_min_margin,
            reward_dropped_pairs_per_idea=settings.reward_dropped_pairs_per_idea,
            reward_idea_handed_back=settings.reward_idea_handed_back,
            reward_repeats_pushed_down=settings.reward_repeats_pushed_down,
            reward_filter_min_pairs=settings.reward_filter_min_pairs,
        )


@dataclass(frozen=True)
class RoundStatus:
    paused: bool
    running: bool
    waiting_pairs: int
    min_new_pairs: int
    next_round: str  # a sentence: when the next round starts


class RoundRunner:
    def __init__(
        self,
        pool: ConnectionPool[Any],
        store: AdapterStore,
        base_model: str,
        base_model_path: Callable[[], str],
        policy: RoundPolicy,
        hyperparameters: DPOHyperparameters,
        on_registered: Callable[[], None] = lambda: None,
        trainer: Trainer = train_and_assess,
    ) -> None:
        self._pool = pool
        self._store = store
        self._base_model = base_model
        self._base_model_path = base_model_path
        self._policy = policy
        self._hp = hyperparameters
        self._on_registered = on_registered
        self._trainer = trainer
        self._requested = threading.Event()
        self._from_base = False  # the requested round starts from base, not the active version
        self._running = threading.Event()
        self._last_round_at = 0.0
        self._idle_since = time.monotonic()  # the maximum interval counts from start-up or the last round
        self.paused = False

    def recover(self) -> None:
        """Mark runs a crash left 'running' as failed; drop half-written store folders."""
        with self._pool.connection() as conn:
            ACTIVE_ADAPTER.info({"version": registry.active_version(conn) or "base"})
            round_store.fail_interrupted_runs(conn)
        if self._store.root.exists():
            for tmp in self._store.root.glob(".tmp-*"):
                shutil.rmtree(tmp, ignore_errors=True)

    def request(self, from_base: bool = False) -> None:
        """Ask for a round now (on demand), whatever the pair count. `from_base`:
        train from the base model on the newest pairs, used or not, so the new
        version owes nothing to the active one (to leave erased data behind)."""
        self._from_base = self._from_base or from_base
        self._requested.set()

    def has_pairs(self) -> bool:
        with self._pool.connection() as conn:
            return bool(round_store.newest(conn, 1))

    def waiting_pairs(self) -> int:
        with self._pool.connection() as conn:
            waiting = round_store.count_waiting(conn)
        PAIRS_WAITING.set(waiting)
        return waiting

    def tick(self) -> int | None:
        """Start a round when one is due; returns the run id of a round it ran."""
        waiting = self.waiting_pairs()
        if self.paused:
            return None
        requested = self._requested.is_set()
        # A round from base trains on used pairs too: it needs none waiting.
        from_base_now = requested and self._from_base
        trigger = "on_demand" if from_base_now else due(waiting, requested, self._clock(), self._trigger())
        if trigger is None:
            return None
        from_base, self._from_base = self._from_base, False
        self._requested.clear()
        return self.run_round(trigger, from_base)

    def status(self) -> RoundStatus:
        """Where the schedule stands, for the people watching the loop."""
        waiting = self.waiting_pairs()
        running = self._running.is_set()
        return RoundStatus(
            paused=self.paused,
            running=running,
            waiting_pairs=waiting,
            min_new_pairs=self._policy.min_new_pairs,
            next_round=next_round(waiting, self.paused, running, self._clock(), self._trigger()),
        )

    def _clock(self) -> Clock:
        return Clock(time.monotonic(), self._last_round_at, self._idle_since)

    def _trigger(self) -> Trigger:
        return Trigger(self._policy.min_new_pairs, self._policy.cooldown_s, self._policy.max_interval_s)

    def run_round(self, trigger: str, from_base: bool = False) -> int:
        self._running.set()
        try:
            return self._run_round(trigger, from_base)
        finally:
            self._running.clear()

    def _run_round(self, trigger: str, from_base: bool) -> int:
        self._last_round_at = time.monotonic()
        run_id, pairs, replay, parent = self._open_run(trigger, from_base)
        work_dir = Path(tempfile.mkdtemp(prefix=f"round-{run_id}-"))
        try:
            version, refusal = self._train_and_record(run_id, pairs, replay, parent, work_dir)
        except Exception as exc:
            log.exception("round %d failed", run_id)
            ROUNDS.labels(outcome="failed").inc()
            with self._pool.connection() as conn:
                round_store.fail_run(conn, run_id, f"{type(exc).__name__}: {exc}")
            return run_id
        finally:
            shutil.rmtree(work_dir, ignore_errors=True)
            LAST_ROUND_AT.set_to_current_time()
        self._on_registered()
        if refusal:
            ROUNDS.labels(outcome="rejected").inc()
            log.info("round %d: %s %s", run_id, version, refusal)
        elif self._policy.canary_fraction > 0:
            ROUNDS.labels(outcome="canary").inc()
            log.info("round %d registered %s as canary", run_id, version)
        else:
            ROUNDS.labels(outcome="activated").inc()
            ACTIVE_ADAPTER.info({"version": version})
            log.info("round %d registered and activated %s", run_id, version)
        return run_id

    def _open_run(
        self, trigger: str, from_base: bool
    ) -> tuple[int, list[PairRow], list[PairRow], str | None]:
        """The run row, its pairs, the replayed ones and the parent to start from.

        The newest pairs, at most max_round_pairs, keep a round's time bounded;
        older waiting pairs stay waiting for the next rounds, so when users
        send faster than rounds train, nothing is dropped."""
        limit = self._policy.max_round_pairs
        with self._pool.connection() as conn:
            run_id = round_store.open_run(conn, f"{trigger}_from_base" if from_base else trigger)
            if from_base:
                return run_id, round_store.newest(conn, limit), [], None
            pairs = round_store.newest_waiting(conn, limit)
            replay = round_store.replay_sample(conn, self._policy.replay_pairs)
            return run_id, pairs, replay, registry.active_version(conn)

    def _history(self) -> list[PairRow]:
        """The newest pairs, used or not: what the reward models are fitted on
        and where the held-out yardsticks come from."""
        with self._pool.connection() as conn:
            return round_store.newest(conn, self._policy.reward_history_pairs)

    def _train_and_record(
        self, run_id: int, pairs: list[PairRow], replay: list[PairRow], parent: str | None, work_dir: Path
    ) -> tuple[str, str | None]:
        """Run the recipe on a candidate, store it, register it, then activate or reject it.

        The split is per idea and each idea keeps the side it was first given
        (stored), so replayed pairs land on the same side as in earlier rounds:
        held-out ideas never leak into training."""
        history = self._history() if self._policy.uses_history else []
        with self._pool.connection() as conn:
            hashes = {p.idea_hash for p in [*pairs, *replay, *history]}
            known = round_store.idea_sides(conn, hashes)
            sides = assign_sides({p.idea_hash for p in pairs + replay}, self._policy.eval_fraction, known)
            round_store.remember_sides(conn, {h: held for h, held in sides.items() if h not in known})
        plan = recipe.plan_round(pairs + replay, history, self._policy, seed=run_id, known={**known, **sides})
        log.info(
            "round %d: %d train pairs, %d held-out pairs, parent %s",
            run_id,
            len(plan.train),
            len(plan.held_out),
            parent or "base",
        )
        result = self._trainer(
            plan,
            self._base_model_path(),
            self._hp,
            work_dir,
            self._policy,
            parent_adapter=self._store.path_of(parent) if parent else None,
            seed=run_id,
        )
        metrics = recipe.round_metrics(plan, result)
        refusal = recipe.verdict(result, self._policy)
        version = f"v{run_id:04d}-{time.strftime('%Y%m%d%H%M%S', time.gmtime())}"
        window = {
            "first_pair_id": pairs[0].id,
            "last_pair_id": pairs[-1].id,
            "replayed_pairs": len(replay),
            "train_pairs": len(plan.train),
            "held_out_pairs": len(plan.held_out),
        }
        manifest = self._store.write(
            version,
            result.trained.adapter_dir,
            parent=parent,
            base_model=self._base_model,
            data_window=window,
            metrics=metrics,
            hyperparameters=self._hp.model_dump(),
        )
        with self._pool.connection() as conn, conn.transaction():
            registry.register(conn, manifest, metrics)
            if refusal:
                registry.reject(conn, version, self._base_model, refusal)
            elif self._policy.canary_fraction > 0:
                registry.start_canary(
                    conn,
                    version,
                    self._base_model,
                    self._policy.canary_fraction,
                    reason=f"round {run_id} passed the gate; canary on {self._policy.canary_fraction:.0%}",
                )
            else:
                registry.activate(conn, version, self._base_model, reason=f"round {run_id} passed the gate")
            record = RoundRecord(
                run_id=run_id,
                version=version,
                used_pair_ids=[p.id for p in pairs],
                trained_feedback_ids=[p.feedback_id for p in plan.train],
                train_pairs=len(plan.train),
                eval_pairs=len(plan.held_out),
                metrics=metrics,
                refusal=refusal,
            )
            round_store.finish_run(conn, record)
        if "eval_rewards/accuracies" in metrics:
            LAST_REWARD_ACCURACY.set(metrics["eval_rewards/accuracies"])
            LAST_REWARD_MARGIN.set(metrics["eval_rewards/margins"])
        return version, refusal
