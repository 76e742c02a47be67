"""create_app(settings) -> Litestar, with the engine, producer and adapter consumer
opened in the lifespan. Tests pass a fake engine and publisher."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from litestar import Litestar
from litestar.di import Provide

from prefloop.inference.adapters import AdapterManager
from prefloop.inference.adapters.events import AdapterEventHandler
from prefloop.inference.engines import Engine, create_engine
from prefloop.inference.models.routes import list_models
from prefloop.inference.settings import InferenceSettings
from prefloop.inference.suggestions.routes import create_suggestions
from prefloop.inference.suggestions.service import SuggestionService
from prefloop.shared.adapters import AdapterStore
from prefloop.shared.auth import api_key_guard
from prefloop.shared.events import ADAPTERS, AdapterEvent, AdapterEventType
from prefloop.shared.http import ServiceUnavailable, build_app
from prefloop.shared.kafka import ConsumerLoop, EventPublisher, KafkaEventPublisher

log = logging.getLogger(__name__)


class Runtime:
    """What the lifespan opens; routes get it through dependencies."""

    def __init__(self) -> None:
        self.engine: Engine | None = None
        self.publisher: EventPublisher | None = None
        self.adapters: AdapterManager | None = None
        self.service: SuggestionService | None = None
        self.consumer: ConsumerLoop | None = None

    def not_ready(self) -> list[str]:
        missing = []
        if self.service is None:
            missing.append("model")
        if self.consumer is not None and not self.consumer.ready:
            missing.append("adapter events")
        return missing


def create_app(
    settings: InferenceSettings,
    engine: Engine | None = None,
    publisher: EventPublisher | None = None,
) -> Litestar:
    runtime = Runtime()
    store = AdapterStore(settings.adapter_store)

    @asynccontextmanager
    async def lifespan(_: Litestar) -> AsyncIterator[None]:
        runtime.publisher = publisher or KafkaEventPublisher(settings.require_kafka(), "inference")
        model: Engine = engine if engine is not None else await asyncio.to_thread(create_engine, settings)
        runtime.engine = model

        def report_refusal(version: str, reason: str) -> None:
            event = AdapterEvent(
                AdapterEventType.REJECTED,
                version,
                settings.base_model,
                reason=f"inference refused it: {reason}",
                at_ms=int(time.time() * 1000),
            )
            assert runtime.publisher is not None
            runtime.publisher.publish(ADAPTERS.name, version, event)

        runtime.adapters = AdapterManager(
            model,
            store,
            settings.base_model,
            settings.max_adapter_rank,
            on_refused=report_refusal,
        )
        if settings.kafka_bootstrap_servers:
            runtime.consumer = ConsumerLoop(
                settings.kafka_bootstrap_servers,
                [ADAPTERS.name],
                None,
                AdapterEventHandler(runtime.adapters, asyncio.get_running_loop()),
                runtime.publisher,
                name="inference-adapters",
            )
            runtime.consumer.start()
        runtime.service = SuggestionService(
            model,
            runtime.adapters,
            runtime.publisher,
            oversample=settings.oversample,
            attempts=settings.attempts,
        )
        try:
            yield
        finally:
            if runtime.consumer:
                await asyncio.to_thread(runtime.consumer.stop)
            await model.close()
            runtime.publisher.close()

    def provide_service() -> SuggestionService:
        if runtime.service is None:
            raise ServiceUnavailable("the model is still loading")
        return runtime.service

    def provide_adapters() -> AdapterManager:
        if runtime.adapters is None:
            raise ServiceUnavailable("the model is still loading")
        return runtime.adapters

    return build_app(
        "inference",
        [create_suggestions, list_models],
        ready=runtime.not_ready,
        lifespan=[lifespan],
        dependencies={
            "suggestions": Provide(provide_service, sync_to_thread=False),
            "adapters": Provide(provide_adapters, sync_to_thread=False),
        },
        guards=[api_key_guard(settings.api_keys)],
        rate_limit_per_minute=settings.rate_limit_per_minute,
        api_keys=settings.api_keys,
    )
