"""Canary: adapter events fold into a target state; a fraction of requests get
a blind interleaved set, half from the candidate and half from the active version."""

from __future__ import annotations

import asyncio
import random

import pytest

from prefloop.inference.adapters import AdapterManager
from prefloop.inference.adapters.events import TargetState, fold
from prefloop.inference.adapters.manager import Canary
from prefloop.inference.suggestions.models import SuggestionRequest
from prefloop.inference.suggestions.service import SuggestionService
from prefloop.shared.adapters import AdapterStore
from prefloop.shared.events import AdapterEvent, AdapterEventType, SuggestionsServed
from prefloop.shared.http import ServiceUnavailable
from tests.unit.fakes import FakeEngine, FakePublisher


def event(kind: AdapterEventType, version: str, fraction: float = 0.0) -> AdapterEvent:
    return AdapterEvent(kind, version, "tiny", canary_fraction=fraction)


def test_fold_follows_activation_canary_and_rollback() -> None:
    start = TargetState("base", None)
    assert fold(start, [event(AdapterEventType.ACTIVATED, "v1")]) == TargetState("v1", None)
    with_canary = fold(
        start, [event(AdapterEventType.ACTIVATED, "v1"), event(AdapterEventType.CANARY, "v2", 0.2)]
    )
    assert with_canary == TargetState("v1", Canary("v2", 0.2))
    assert fold(with_canary, [event(AdapterEventType.ACTIVATED, "v2")]) == TargetState("v2", None)  # promoted
    assert fold(with_canary, [event(AdapterEventType.ROLLED_BACK, "v2")]) == TargetState("v1", None)
    assert fold(with_canary, [event(AdapterEventType.PUBLISHED, "v3")]) == with_canary


def test_every_request_under_a_full_canary_gets_an_interleaved_blind_set(v1_v2_store: AdapterStore) -> None:
    async def scenario() -> None:
        engine, publisher = FakeEngine(), FakePublisher()
        manager = AdapterManager(engine, v1_v2_store, "tiny", max_rank=16)
        await manager.activate("v1")
        assert await manager.start_canary("v2", 1.0)
        service = SuggestionService(engine, manager, publisher, rng=random.Random(0))
        response = await service.suggest(SuggestionRequest(idea="sourdough", n=4))
        assert response.model_version == "v1"  # the response names only the control version
        served = publisher.events[0][2]
        assert isinstance(served, SuggestionsServed)
        assert served.model_version == "v1"
        assert sorted(s.model_version for s in served.suggestions) == ["v1", "v1", "v2", "v2"]
        assert manager.view().canary == Canary("v2", 1.0)
        # the canary's own share is counted, so the serving watch can judge it too
        assert service.serving.view()["v2"] == {"full": 1, "short": 0, "failed": 0}

    asyncio.run(scenario())


def test_pinned_requests_and_a_zero_fraction_are_not_interleaved(v1_v2_store: AdapterStore) -> None:
    async def scenario() -> None:
        engine, publisher = FakeEngine(), FakePublisher()
        manager = AdapterManager(engine, v1_v2_store, "tiny", max_rank=16)
        await manager.start_canary("v2", 1.0)
        service = SuggestionService(engine, manager, publisher, rng=random.Random(0))
        await service.suggest(SuggestionRequest(idea="x", n=4, model_version="base"))
        await manager.start_canary("v2", 0.0)
        await service.suggest(SuggestionRequest(idea="x", n=4))
        for _, _, served in publisher.events:
            assert isinstance(served, SuggestionsServed)
            assert {s.model_version for s in served.suggestions} == {"base"}

    asyncio.run(scenario())


def test_ending_the_canary_releases_its_adapter(v1_v2_store: AdapterStore) -> None:
    async def scenario() -> None:
        engine = FakeEngine()
        manager = AdapterManager(engine, v1_v2_store, "tiny", max_rank=16)
        await manager.start_canary("v2", 0.5)
        assert "v2" in engine.loaded
        await manager.stop_canary("v1")  # not the canary: nothing happens
        assert manager.canary is not None
        await manager.stop_canary("v2")
        assert manager.canary is None
        assert "v2" not in engine.loaded

    asyncio.run(scenario())


def test_a_canary_fraction_sends_roughly_that_share_of_requests(v1_v2_store: AdapterStore) -> None:
    async def scenario() -> None:
        engine, publisher = FakeEngine(), FakePublisher()
        manager = AdapterManager(engine, v1_v2_store, "tiny", max_rank=16)
        await manager.start_canary("v2", 0.25)
        service = SuggestionService(engine, manager, publisher, rng=random.Random(3))
        for _ in range(200):
            await service.suggest(SuggestionRequest(idea="x", n=2))
        interleaved = sum(
            1
            for _, _, s in publisher.events
            if isinstance(s, SuggestionsServed) and len({x.model_version for x in s.suggestions}) == 2
        )
        assert 30 <= interleaved <= 70

    asyncio.run(scenario())


def test_an_adapter_that_cannot_generate_costs_users_nothing(v1_v2_store: AdapterStore) -> None:
    """The active version's failure is counted against it while base serves the
    set; a canary's leaves its half to the active version; a pinned one is a 503."""

    async def scenario() -> None:
        engine, publisher = FakeEngine(), FakePublisher()
        engine.fail_generate = {"v1", "v2"}
        manager = AdapterManager(engine, v1_v2_store, "tiny", max_rank=16)
        await manager.activate("v1")
        service = SuggestionService(engine, manager, publisher, rng=random.Random(0))

        active = await service.suggest(SuggestionRequest(idea="sourdough", n=4))
        assert len(active.suggestions) == 4
        assert service.serving.view()["v1"] == {"full": 0, "short": 0, "failed": 1}

        assert await manager.start_canary("v2", 1.0)
        interleaved = await service.suggest(SuggestionRequest(idea="sourdough", n=4))
        assert len(interleaved.suggestions) == 4
        for _, _, served in publisher.events:
            assert isinstance(served, SuggestionsServed)
            assert {s.model_version for s in served.suggestions} == {"base"}
        assert service.serving.view()["v2"] == {"full": 0, "short": 0, "failed": 1}

        with pytest.raises(ServiceUnavailable):
            await service.suggest(SuggestionRequest(idea="sourdough", n=4, model_version="v2"))

    asyncio.run(scenario())
