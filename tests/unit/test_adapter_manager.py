"""Hot-swap semantics: leases keep their version; drained versions are released;
refused adapters leave the active version serving."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from prefloop.inference.adapters import AdapterManager, UnknownVersion
from prefloop.shared.adapters import AdapterStore
from tests.conftest import make_lora_adapter
from tests.unit.fakes import FakeEngine

BASE = "tiny"


@pytest.fixture(scope="module")
def store_with_versions(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> AdapterStore:
    store = AdapterStore(tmp_path_factory.mktemp("store"))
    adapter = make_lora_adapter(tiny_model_dir, tmp_path_factory.mktemp("lora"))
    for version in ("v1", "v2"):
        store.write(version, adapter, parent=None, base_model=BASE)
    store.write("alien", adapter, parent=None, base_model="another-model")
    return store


def _manager(store: AdapterStore, engine: FakeEngine, refusals: list[tuple[str, str]]) -> AdapterManager:
    return AdapterManager(engine, store, BASE, max_rank=16, on_refused=lambda v, r: refusals.append((v, r)))


def test_activation_switches_new_requests_and_releases_the_old_version(
    store_with_versions: AdapterStore,
) -> None:
    async def scenario() -> None:
        engine, refusals = FakeEngine(), list[tuple[str, str]]()
        manager = _manager(store_with_versions, engine, refusals)
        assert await manager.activate("v1")
        async with manager.lease() as version:
            assert version == "v1"
        assert await manager.activate("v2")
        assert manager.active == "v2"
        assert engine.loaded == {"v2"}
        assert engine.unloaded == ["v1"]
        assert refusals == []

    asyncio.run(scenario())


def test_a_request_in_flight_keeps_its_version_until_it_finishes(
    store_with_versions: AdapterStore,
) -> None:
    async def scenario() -> None:
        engine = FakeEngine()
        manager = _manager(store_with_versions, engine, [])
        await manager.activate("v1")
        async with manager.lease() as version:
            await manager.activate("v2")
            assert version == "v1"
            assert "v1" in engine.loaded  # still in use: not released
            assert manager.view().in_flight == {"v1": 1}
        assert "v1" not in engine.loaded

    asyncio.run(scenario())


def test_a_refused_adapter_leaves_the_active_version_serving(
    store_with_versions: AdapterStore,
) -> None:
    async def scenario() -> None:
        engine, refusals = FakeEngine(), list[tuple[str, str]]()
        manager = _manager(store_with_versions, engine, refusals)
        await manager.activate("v1")
        assert not await manager.activate("alien")
        engine.fail_load.add("v2")
        assert not await manager.activate("v2")
        assert not await manager.activate("v404")
        assert manager.active == "v1"
        assert [v for v, _ in refusals] == ["alien", "v2", "v404"]
        assert "trained on 'another-model'" in refusals[0][1]

    asyncio.run(scenario())


def test_pinning_serves_a_registered_version_and_refuses_unknown_ones(
    store_with_versions: AdapterStore,
) -> None:
    async def scenario() -> None:
        engine = FakeEngine()
        manager = _manager(store_with_versions, engine, [])
        async with manager.lease("v2") as version:
            assert version == "v2"
        assert manager.active == "base"
        assert "v2" not in engine.loaded  # a pinned, inactive version is released after use
        with pytest.raises(UnknownVersion, match="'v9'"):
            async with manager.lease("v9"):
                pass

    asyncio.run(scenario())


def test_rollback_to_base_releases_the_adapter(store_with_versions: AdapterStore) -> None:
    async def scenario() -> None:
        engine = FakeEngine()
        manager = _manager(store_with_versions, engine, [])
        await manager.activate("v1")
        await manager.activate("base")
        assert manager.active == "base"
        assert engine.loaded == set()

    asyncio.run(scenario())
