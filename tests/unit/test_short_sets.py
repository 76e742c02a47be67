"""An adapter that writes fewer titles than asked: users still get N (base
fills the set), while its own shortfall is what the serving record counts."""

from __future__ import annotations

import asyncio
import random

from prefloop.inference.adapters import AdapterManager
from prefloop.inference.suggestions.models import SuggestionRequest, SuggestionSetOut
from prefloop.inference.suggestions.service import SuggestionService
from prefloop.shared.adapters import AdapterStore
from prefloop.shared.events import SuggestionsServed
from tests.unit.fakes import FakeEngine, FakePublisher

# v1 writes one usable title however often it is asked; base writes five.
OUTPUTS = {
    "v1": ["Octopus Minds Are Alien", "Sure! Here you go"],
    "v2": ["Eight Arms, One Brain?", "Octopus Minds Are Alien"],
    "base": [
        "Octopus Minds Are Alien",
        "Inside an Octopus Brain",
        "Smarter Than Your Cat",
        "The Eight-Armed Genius",
        "Octopus IQ Test",
    ],
}


def suggest(
    store: AdapterStore, request: SuggestionRequest, canary: str | None = None
) -> tuple[SuggestionSetOut, SuggestionsServed, SuggestionService]:
    async def scenario() -> tuple[SuggestionSetOut, SuggestionsServed, SuggestionService]:
        engine, publisher = FakeEngine(outputs_by_version=OUTPUTS), FakePublisher()
        manager = AdapterManager(engine, store, "tiny", max_rank=16)
        await manager.activate("v1")
        if canary:
            assert await manager.start_canary(canary, 1.0)
        service = SuggestionService(engine, manager, publisher, rng=random.Random(0))
        response = await service.suggest(request)
        served = publisher.events[0][2]
        assert isinstance(served, SuggestionsServed)
        return response, served, service

    return asyncio.run(scenario())


def test_a_short_adapter_set_is_filled_with_base_titles(v1_v2_store: AdapterStore) -> None:
    response, served, service = suggest(
        v1_v2_store, SuggestionRequest(idea="why octopuses are so smart", n=4)
    )
    assert response.model_version == "v1"
    writers = {s.text: s.model_version for s in served.suggestions}
    assert len(writers) == 4
    assert writers["Octopus Minds Are Alien"] == "v1"  # base's copy of it is not shown twice
    assert sorted(writers.values()) == ["base", "base", "base", "v1"]
    assert service.serving.view() == {"v1": {"full": 0, "short": 1, "failed": 0}}  # the watch sees v1's own


def test_a_pinned_version_is_served_as_it_is(v1_v2_store: AdapterStore) -> None:
    request = SuggestionRequest(idea="why octopuses are so smart", n=4, model_version="v1")
    response, served, _ = suggest(v1_v2_store, request)
    assert [s.text for s in response.suggestions] == ["Octopus Minds Are Alien"]
    assert [s.model_version for s in served.suggestions] == ["v1"]


def test_a_short_interleaved_set_is_filled_with_base_titles(v1_v2_store: AdapterStore) -> None:
    _, served, _ = suggest(
        v1_v2_store, SuggestionRequest(idea="why octopuses are so smart", n=4), canary="v2"
    )
    # v2 wrote two, v1's one repeated v2's, base filled the other two
    assert sorted(s.model_version for s in served.suggestions) == ["base", "base", "v2", "v2"]
