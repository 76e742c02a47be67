"""The vLLM engine against a fake with AsyncLLM's call shapes (vLLM itself
needs a GPU): one LoRARequest per version and never a lazy load, pinning, a
swap under load with requests in flight, a refused adapter, an engine error
as a 503, and an abort when the caller goes away."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from litestar.testing import TestClient

from prefloop.inference.adapters import AdapterManager
from prefloop.inference.app import create_app
from prefloop.inference.engines.base import EngineFailed
from prefloop.inference.engines.vllm_engine import VllmApi, VllmEngine, engine_args
from prefloop.inference.settings import InferenceSettings
from prefloop.shared.adapters import AdapterStore
from tests.conftest import make_lora_adapter
from tests.unit.fakes import FakePublisher

BASE = "tiny"


@dataclass(frozen=True)
class LoRARequest:
    lora_name: str
    lora_int_id: int
    lora_path: str


@dataclass
class Choice:
    text: str
    index: int
    finish_reason: str = "stop"


@dataclass
class Output:
    outputs: list[Choice]
    finished: bool = True


@dataclass
class FakeAsyncLLM:
    """Adds and removes adapters by int id; a request naming one it does not
    hold kills it, as a failing lazy load kills vLLM's engine."""

    loras: dict[int, LoRARequest] = field(default_factory=dict)
    refuse: set[str] = field(default_factory=set)
    aborted: list[str] = field(default_factory=list)
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    hold: asyncio.Event | None = None
    dead: bool = False

    async def add_lora(self, request: LoRARequest) -> bool:
        if request.lora_name in self.refuse:
            raise RuntimeError("Call to add_lora method failed: adapter rank 64 is over max_lora_rank 16")
        self.loras[request.lora_int_id] = request
        return True

    async def remove_lora(self, lora_int_id: int) -> bool:
        return self.loras.pop(lora_int_id, None) is not None

    async def generate(
        self, prompt: str, params: dict[str, Any], request_id: str, *, lora_request: LoRARequest | None = None
    ) -> AsyncIterator[Output]:
        if lora_request is not None and lora_request.lora_int_id not in self.loras:
            self.dead = True
        if self.dead:
            raise RuntimeError("EngineDeadError: the engine died")
        self.requests.append((request_id, lora_request.lora_name if lora_request else None))
        if self.hold is not None:
            await self.hold.wait()
        name = lora_request.lora_name if lora_request else "base"
        yield Output([Choice(f"A title number {i} from {name}", i) for i in reversed(range(params["n"]))])

    async def abort(self, request_id: str) -> None:
        self.aborted.append(request_id)

    def shutdown(self) -> None:
        pass


class Tokenizer:
    def apply_chat_template(self, conversation: Any, **_: Any) -> str:
        return str(conversation[-1]["content"])


API = VllmApi(sampling_params=lambda **kwargs: kwargs, lora_request=LoRARequest, final_only="FINAL_ONLY")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory, tiny_model_dir: Path) -> AdapterStore:
    store = AdapterStore(tmp_path_factory.mktemp("store"))
    adapter = make_lora_adapter(tiny_model_dir, tmp_path_factory.mktemp("lora"))
    for version in ("v1", "v2", "v3"):
        store.write(version, adapter, parent=None, base_model=BASE)
    return store


def engine_on(fake: FakeAsyncLLM, **settings: Any) -> VllmEngine:
    return VllmEngine(fake, Tokenizer(), InferenceSettings(**settings), API)


def test_each_version_is_added_once_with_its_own_id_and_never_named_before(store: AdapterStore) -> None:
    async def scenario() -> None:
        fake = FakeAsyncLLM()
        engine = engine_on(fake)
        with pytest.raises(KeyError):
            await engine.generate("p", 2, "v1")  # not added: refused before vLLM sees it
        assert not fake.dead
        await engine.load_adapter("v1", store.path_of("v1"))
        await engine.load_adapter("v1", store.path_of("v1"))
        await engine.load_adapter("v2", store.path_of("v2"))
        assert sorted((r.lora_name, r.lora_int_id) for r in fake.loras.values()) == [
            ("prefloop-v1", 1),
            ("prefloop-v2", 2),
        ]
        completions = await engine.generate("p", 3, "v2")
        assert [c.text for c in completions] == [f"A title number {i} from prefloop-v2" for i in range(3)]
        assert (await engine.generate("p", 1, "base"))[0].text.endswith("from base")
        await engine.unload_adapter("v1")
        assert [r.lora_name for r in fake.loras.values()] == ["prefloop-v2"]

    asyncio.run(scenario())


def test_a_swap_under_load_lets_requests_in_flight_finish_on_their_version(store: AdapterStore) -> None:
    async def scenario() -> None:
        fake = FakeAsyncLLM(hold=asyncio.Event())
        engine = engine_on(fake)
        manager = AdapterManager(engine, store, BASE, max_rank=16)
        assert await manager.activate("v1")

        async def request() -> list[str]:
            async with manager.lease() as version:
                return [c.text for c in await engine.generate("p", 2, version)]

        in_flight = [asyncio.create_task(request()) for _ in range(6)]
        await asyncio.sleep(0.01)
        assert await manager.activate("v2")  # while six requests wait on v1
        assert {r.lora_name for r in fake.loras.values()} == {"prefloop-v1", "prefloop-v2"}
        fake.hold.set()  # type: ignore[union-attr]
        done = await asyncio.gather(*in_flight)
        assert all(text.endswith("prefloop-v1") for texts in done for text in texts)
        assert {r.lora_name for r in fake.loras.values()} == {"prefloop-v2"}  # v1 removed once drained
        assert not fake.dead

    asyncio.run(scenario())


def test_a_refused_adapter_leaves_the_active_version_serving(store: AdapterStore) -> None:
    async def scenario() -> None:
        fake = FakeAsyncLLM(refuse={"prefloop-v3"})
        engine = engine_on(fake)
        refusals: list[tuple[str, str]] = []
        manager = AdapterManager(
            engine, store, BASE, max_rank=16, on_refused=lambda v, r: refusals.append((v, r))
        )
        assert await manager.activate("v1")
        assert not await manager.activate("v3")
        assert manager.active == "v1"
        assert "over max_lora_rank" in refusals[0][1]
        assert (await engine.generate("p", 1, "v1"))[0].text.endswith("prefloop-v1")

    asyncio.run(scenario())


def test_a_caller_that_goes_away_aborts_its_request() -> None:
    async def scenario() -> None:
        fake = FakeAsyncLLM(hold=asyncio.Event())
        engine = engine_on(fake)
        task = asyncio.create_task(engine.generate("p", 2, "base"))
        await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert fake.aborted == [fake.requests[0][0]]

    asyncio.run(scenario())


@pytest.fixture
def client_on_a_dead_engine(tmp_path: Path) -> Iterator[TestClient[Any]]:
    fake = FakeAsyncLLM(dead=True)
    config = InferenceSettings(adapter_store=tmp_path, kafka_bootstrap_servers=None)
    with TestClient(create_app(config, engine=engine_on(fake), publisher=FakePublisher())) as client:
        yield client


def test_an_engine_error_is_a_503_naming_it(client_on_a_dead_engine: TestClient[Any]) -> None:
    response = client_on_a_dead_engine.post("/v1/suggestions", json={"idea": "octopus minds", "n": 2})
    assert response.status_code == 503
    assert "could not generate" in response.json()["detail"]
    assert "EngineDeadError" in response.json()["detail"]


def test_engine_errors_are_typed_and_slots_and_memory_are_settings() -> None:
    async def scenario() -> None:
        with pytest.raises(EngineFailed):
            await engine_on(FakeAsyncLLM(dead=True)).generate("p", 1, "base")

    asyncio.run(scenario())
    args = engine_args(
        InferenceSettings(
            vllm_max_loras=3, vllm_max_cpu_loras=6, vllm_gpu_memory_utilization=0.6, max_adapter_rank=20
        )
    )
    assert (args["max_loras"], args["max_cpu_loras"], args["gpu_memory_utilization"]) == (3, 6, 0.6)
    assert args["max_lora_rank"] == 32  # the smallest rank vLLM accepts that holds the limit
    with pytest.raises(ValueError, match="must be above vllm_max_loras"):
        InferenceSettings(vllm_max_loras=4, vllm_max_cpu_loras=4)
