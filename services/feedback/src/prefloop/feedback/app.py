"""create_app(settings) -> Litestar: pool, migrations, served-sets consumer,
outbox relay and pending-expiry workers opened in the lifespan."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from litestar import Litestar
from litestar.di import Provide
from psycopg_pool import ConnectionPool

from prefloop.feedback.recording.expiry import expire_pending
from prefloop.feedback.recording.routes import get_feedback, submit_feedback
from prefloop.feedback.recording.service import FeedbackService
from prefloop.feedback.sets.consumer import ServedSetsHandler
from prefloop.feedback.settings import FeedbackSettings
from prefloop.feedback.stats.routes import get_stats, get_timeline
from prefloop.feedback.stats.service import export_stats
from prefloop.feedback.users.routes import delete_user
from prefloop.shared.auth import admin_guard, api_key_guard
from prefloop.shared.db import prepare_database
from prefloop.shared.events import SUGGESTIONS
from prefloop.shared.http import ServiceUnavailable, build_app
from prefloop.shared.http.readiness import ConsumingServiceState
from prefloop.shared.kafka import ConsumerLoop, KafkaEventPublisher
from prefloop.shared.outbox import OutboxRelay, prune_sent
from prefloop.shared.workers import PeriodicWorker

SCHEMA = "feedback"
MIGRATIONS = Path(__file__).parent / "migrations"


class Runtime(ConsumingServiceState):
    def __init__(self) -> None:
        super().__init__()
        self.workers: list[PeriodicWorker] = []


def create_app(settings: FeedbackSettings) -> Litestar:
    runtime = Runtime()

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        database_url = settings.require_database_url()
        bootstrap = settings.require_kafka()
        pool = await prepare_database(database_url, SCHEMA, MIGRATIONS, settings.pool_size)
        publisher = KafkaEventPublisher(bootstrap, "feedback")
        relay = OutboxRelay(pool, publisher, "feedback", settings.relay_batch)
        runtime.workers = [
            PeriodicWorker("outbox-relay", settings.relay_interval_s, relay.drain),
            PeriodicWorker("pending-expiry", 5.0, lambda: expire_pending(pool, settings.pending_ttl_s)),
            PeriodicWorker("stats-export", 15.0, lambda: export_stats(pool, settings.stats_window_hours)),
            PeriodicWorker("outbox-prune", 60.0, lambda: prune_sent(pool, settings.outbox_retention_s)),
        ]
        runtime.consumer = ConsumerLoop(
            bootstrap,
            [SUGGESTIONS.name],
            settings.consumer_group,
            ServedSetsHandler(pool),
            publisher,
            name="feedback-sets",
        )
        for worker in runtime.workers:
            worker.start()
        runtime.consumer.start()
        runtime.pool = pool
        try:
            yield
        finally:
            runtime.pool = None
            await asyncio.to_thread(runtime.consumer.stop)
            for worker in runtime.workers:
                await asyncio.to_thread(worker.stop)
            publisher.close()
            pool.close()

    def provide_pool() -> ConnectionPool[Any]:
        if runtime.pool is None:
            raise ServiceUnavailable("the database is not ready")
        return runtime.pool

    def provide_feedback() -> FeedbackService:
        return FeedbackService(provide_pool())

    return build_app(
        "feedback",
        [submit_feedback, get_feedback, get_stats, get_timeline, delete_user],
        ready=runtime.not_ready,
        lifespan=[lifespan],
        dependencies={
            "pool": Provide(provide_pool, sync_to_thread=False),
            "feedback": Provide(provide_feedback, sync_to_thread=False),
        },
        guards=[api_key_guard(settings.api_keys), admin_guard(settings.admin_token)],
        rate_limit_per_minute=settings.rate_limit_per_minute,
        api_keys=settings.api_keys,
    )
