"""The engine interface the suggestion service depends on."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

BASE_VERSION = "base"


class EngineFailed(RuntimeError):
    """The engine could not generate (it died, or refused the request): the
    service answers 503 and the client may retry."""


@dataclass(frozen=True)
class Completion:
    text: str
    finished: bool  # False when the token limit cut it off


class Engine(Protocol):
    def render_prompt(self, idea: str) -> str:
        """The served prompt for an idea (shared template, this model's chat format)."""
        ...

    async def generate(self, prompt: str, n: int, version: str) -> list[Completion]:
        """n sampled completions of `prompt` from `version` ("base" or a loaded adapter)."""
        ...

    async def load_adapter(self, version: str, path: Path) -> None:
        """Load a validated adapter; raises on failure and leaves serving untouched."""
        ...

    async def unload_adapter(self, version: str) -> None: ...

    def describe(self) -> dict[str, Any]:
        """How it generates (engine, device, the CPU path), for `GET /v1/models`."""
        ...

    async def close(self) -> None: ...
