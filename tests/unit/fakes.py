"""In-memory stand-ins passed in as dependencies in unit tests."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import Sequence
from pathlib import Path

from prefloop.inference.engines import Completion, EngineFailed
from prefloop.shared.events import Event


class FakePublisher:
    def __init__(self, fail: bool = False) -> None:
        self.events: list[tuple[str, str, Event]] = []
        self.raw: list[tuple[str, str, bytes]] = []
        self.headers: list[dict[str, bytes]] = []
        self.fail = fail

    def publish(self, topic: str, key: str, event: Event) -> None:
        if self.fail:
            raise ConnectionError("broker down")
        self.events.append((topic, key, event))

    def publish_raw(
        self, topic: str, key: str, payload: bytes, headers: Sequence[tuple[str, bytes]] = ()
    ) -> None:
        self.raw.append((topic, key, payload))
        self.headers.append(dict(headers))

    def close(self) -> None:
        pass


class FakeEngine:
    """Generates numbered titles per version; can be told to fail or to be slow."""

    def __init__(
        self,
        outputs: list[str] | None = None,
        delay_s: float = 0.0,
        outputs_by_version: dict[str, list[str]] | None = None,
    ) -> None:
        self._outputs = outputs
        self._outputs_by_version = outputs_by_version or {}
        self._counter = itertools.count()
        self.delay_s = delay_s
        self.loaded: set[str] = set()
        self.unloaded: list[str] = []
        self.fail_load: set[str] = set()
        self.fail_generate: set[str] = set()
        self.generated_with: list[str] = []

    def render_prompt(self, idea: str) -> str:
        return f"<prompt>{idea}"

    async def generate(self, prompt: str, n: int, version: str) -> list[Completion]:
        if version != "base" and version not in self.loaded:
            raise KeyError(version)
        if version in self.fail_generate:
            raise EngineFailed(f"{version} ran out of memory")
        self.generated_with.append(version)
        if self.delay_s:
            await asyncio.sleep(self.delay_s)
        outputs = self._outputs_by_version.get(version, self._outputs)
        if outputs is not None:
            return [Completion(text, True) for text in outputs[:n]]
        return [Completion(f"Title number {next(self._counter)} from {version}", True) for _ in range(n)]

    async def load_adapter(self, version: str, path: Path) -> None:
        if version in self.fail_load:
            raise RuntimeError("shape mismatch")
        self.loaded.add(version)

    async def unload_adapter(self, version: str) -> None:
        self.loaded.discard(version)
        self.unloaded.append(version)

    def describe(self) -> dict[str, str]:
        return {"engine": "fake"}

    async def close(self) -> None:
        pass
