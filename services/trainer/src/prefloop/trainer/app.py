"""create_app(settings) -> Litestar: pool, migrations, the feedback consumer,
the outbox relay and the round worker (training runs beside consumption,
never blocking it)."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.di import Provide
from psycopg_pool import ConnectionPool

from prefloop.shared.adapters import AdapterStore
from prefloop.shared.auth import admin_guard, api_key_guard
from prefloop.shared.auth.routes import admin_check
from prefloop.shared.db import prepare_database
from prefloop.shared.events import FEEDBACK
from prefloop.shared.http import ServiceUnavailable, build_app
from prefloop.shared.http.readiness import ConsumingServiceState
from prefloop.shared.kafka import ConsumerLoop, KafkaEventPublisher
from prefloop.shared.models import resolve_base_model
from prefloop.shared.outbox import OutboxRelay, prune_sent
from prefloop.shared.workers import PeriodicWorker
from prefloop.trainer.canary.judge import CanaryJudge, CanaryPolicy, feedback_canaries
from prefloop.trainer.export.routes import export_pairs
from prefloop.trainer.pairs.consumer import FeedbackEventsHandler
from prefloop.trainer.registry.routes import (
    activate_adapter,
    get_active_adapter,
    get_adapter,
    get_adapters,
    retire_adapter,
    rollback_adapter,
)
from prefloop.trainer.registry.service import RegistryService
from prefloop.trainer.registry.serving_watch import ServingPolicy, ServingWatch, inference_serving
from prefloop.trainer.runs.routes import (
    list_runs,
    pause_training,
    request_run,
    resume_training,
    training_status,
)
from prefloop.trainer.settings import TrainerSettings
from prefloop.trainer.training.rounds import RoundPolicy, RoundRunner

SCHEMA = "trainer"
ROUND_STOP_GRACE_S = 30.0
MIGRATIONS = Path(__file__).parent / "migrations"


class Runtime(ConsumingServiceState):
    def __init__(self) -> None:
        super().__init__()
        self.rounds: RoundRunner | None = None
        self.registry: RegistryService | None = None


def create_app(settings: TrainerSettings) -> Litestar:
    runtime = Runtime()

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        database_url = settings.require_database_url()
        bootstrap = settings.require_kafka()
        pool = await prepare_database(database_url, SCHEMA, MIGRATIONS)
        publisher = KafkaEventPublisher(bootstrap, "trainer")
        relay = PeriodicWorker("outbox-relay", 0.5, OutboxRelay(pool, publisher, "trainer").drain)
        store = AdapterStore(settings.adapter_store)
        rounds = RoundRunner(
            pool,
            store,
            settings.base_model,
            base_model_path=lambda: resolve_base_model(settings.base_model),
            policy=RoundPolicy.from_settings(settings),
            hyperparameters=settings.dpo,
            on_registered=relay.wake,
        )
        if settings.torch_threads:
            import torch

            torch.set_num_threads(settings.torch_threads)
        await asyncio.to_thread(rounds.recover)
        round_worker = PeriodicWorker("rounds", settings.poll_interval_s, rounds.tick)
        judge = CanaryJudge(
            pool,
            feedback_canaries(
                settings.feedback_url, next(iter(settings.api_keys), None), window_hours=24 * 7
            ),
            settings.base_model,
            CanaryPolicy(
                min_decisions=settings.canary_min_decisions,
                promote_above=settings.canary_promote_above,
                rollback_below=settings.canary_rollback_below,
            ),
            on_change=relay.wake,
        )
        canary_worker = PeriodicWorker("canary", settings.canary_check_interval_s, judge.tick)
        watch = ServingWatch(
            pool,
            inference_serving(settings.inference_url, next(iter(settings.api_keys), None)),
            settings.base_model,
            ServingPolicy.from_settings(settings),
            on_change=relay.wake,
        )
        serving_worker = PeriodicWorker("serving-watch", settings.serving_check_interval_s, watch.tick)
        retention_s = settings.outbox_retention_s
        prune_worker = PeriodicWorker("outbox-prune", 60.0, lambda: prune_sent(pool, retention_s))
        consumer = ConsumerLoop(
            bootstrap,
            [FEEDBACK.name],
            settings.consumer_group,
            FeedbackEventsHandler(pool),
            publisher,
            name="trainer-feedback",
        )
        runtime.registry = RegistryService(
            pool, store, settings.base_model, settings.max_adapter_rank, on_change=relay.wake
        )
        await asyncio.to_thread(runtime.registry.restate_serving, settings.canary_fraction)
        for part in (relay, round_worker, canary_worker, serving_worker, prune_worker, consumer):
            part.start()
        runtime.pool, runtime.rounds, runtime.consumer = pool, rounds, consumer
        try:
            yield
        finally:
            runtime.pool = None
            # A round in progress gets longer to finish than the other workers'
            # ticks: abandoning it mid-step would leave torch running while the
            # process exits. What it leaves unfinished is marked failed at the next start.
            await asyncio.to_thread(round_worker.stop, ROUND_STOP_GRACE_S)
            for part in (consumer, prune_worker, serving_worker, canary_worker, relay):
                await asyncio.to_thread(part.stop)
            publisher.close()
            pool.close()

    def provide_pool() -> ConnectionPool[Any]:
        if runtime.pool is None:
            raise ServiceUnavailable("the database is not ready")
        return runtime.pool

    def provide_registry() -> RegistryService:
        if runtime.registry is None:
            raise ServiceUnavailable("the trainer is starting")
        return runtime.registry

    def provide_rounds() -> RoundRunner:
        if runtime.rounds is None:
            raise ServiceUnavailable("the trainer is starting")
        return runtime.rounds

    return build_app(
        "trainer",
        [
            get_adapters,
            get_active_adapter,
            get_adapter,
            activate_adapter,
            rollback_adapter,
            retire_adapter,
            list_runs,
            request_run,
            pause_training,
            resume_training,
            training_status,
            export_pairs,
            admin_check,
        ],
        ready=runtime.not_ready,
        lifespan=[lifespan],
        dependencies={
            "pool": Provide(provide_pool, sync_to_thread=False),
            "rounds": Provide(provide_rounds, sync_to_thread=False),
            "registry": Provide(provide_registry, sync_to_thread=False),
        },
        guards=[api_key_guard(settings.api_keys), admin_guard(settings.admin_token)],
        rate_limit_per_minute=settings.rate_limit_per_minute,
        api_keys=settings.api_keys,
    )
