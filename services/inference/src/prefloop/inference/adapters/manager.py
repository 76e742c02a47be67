"""Adapter versions in the serving engine.

A request takes a lease on the version it starts with and keeps it until it
finishes, whatever is activated meanwhile. Activation validates and loads the
new version first and only then switches new requests to it (one assignment);
a version that is no longer active is unloaded once its last lease ends.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from prefloop.inference.engines.base import BASE_VERSION, Engine
from prefloop.inference.metrics import (
    ACTIVE_ADAPTER,
    ADAPTER_SWAP_SECONDS,
    ADAPTER_SWAPS,
    ADAPTERS_REFUSED,
    CANARY_FRACTION,
)
from prefloop.shared.adapters import AdapterRefused, AdapterStore

log = logging.getLogger(__name__)


class UnknownVersion(LookupError):
    """A pinned version that is neither base nor in the adapter store."""


@dataclass(frozen=True)
class Canary:
    version: str
    fraction: float


@dataclass(frozen=True)
class ModelsView:
    base_model: str
    active_version: str
    loaded_versions: list[str]
    in_flight: dict[str, int]
    canary: Canary | None


RefusalReporter = Callable[[str, str], None]


class AdapterManager:
    def __init__(
        self,
        engine: Engine,
        store: AdapterStore,
        base_model: str,
        max_rank: int,
        on_refused: RefusalReporter | None = None,
    ) -> None:
        self._engine = engine
        self._store = store
        self._base_model = base_model
        self._max_rank = max_rank
        self._on_refused = on_refused
        self._active = BASE_VERSION
        self._canary: Canary | None = None
        self._loaded: set[str] = set()
        self._leases: Counter[str] = Counter()
        self._load_lock = asyncio.Lock()
        ACTIVE_ADAPTER.info({"version": self._active})

    @property
    def active(self) -> str:
        return self._active

    @property
    def canary(self) -> Canary | None:
        return self._canary

    async def start_canary(self, version: str, fraction: float) -> bool:
        """Send `fraction` of requests an interleaved set with `version`; False if refused."""
        if not await self._try_load(version):
            return False
        previous, self._canary = self._canary, Canary(version, min(max(fraction, 0.0), 1.0))
        CANARY_FRACTION.set(self._canary.fraction)
        log.info("canary %s on %.0f%% of requests", version, 100 * self._canary.fraction)
        if previous and previous.version != version:
            await self._release_if_idle(previous.version)
        return True

    async def stop_canary(self, version: str | None = None) -> None:
        """End the canary (only if it is `version`, when given)."""
        if self._canary is None or (version is not None and self._canary.version != version):
            return
        ended, self._canary = self._canary.version, None
        CANARY_FRACTION.set(0)
        log.info("canary %s ended", ended)
        await self._release_if_idle(ended)

    def view(self) -> ModelsView:
        return ModelsView(
            base_model=self._base_model,
            active_version=self._active,
            loaded_versions=sorted(self._loaded),
            in_flight={v: c for v, c in self._leases.items() if c},
            canary=self._canary,
        )

    @asynccontextmanager
    async def lease(self, pinned: str | None = None) -> AsyncIterator[str]:
        """Hold a version for one request: the active one, or a pinned one."""
        version = self._active if pinned is None else pinned
        if version != BASE_VERSION and version not in self._loaded:
            await self._ensure_loaded(version)
        self._leases[version] += 1
        try:
            yield version
        finally:
            self._leases[version] -= 1
            await self._release_if_idle(version)

    async def activate(self, version: str) -> bool:
        """Switch new requests to `version`; False (and reported) if it was refused."""
        started = time.perf_counter()
        if version != BASE_VERSION and not await self._try_load(version):
            return False
        previous, self._active = self._active, version
        if self._canary and self._canary.version == version:
            self._canary = None  # promoted: it serves everyone now
            CANARY_FRACTION.set(0)
        ADAPTER_SWAPS.inc()
        ADAPTER_SWAP_SECONDS.observe(time.perf_counter() - started)
        ACTIVE_ADAPTER.info({"version": version})
        log.info("active version %s -> %s", previous, version)
        await self._release_if_idle(previous)
        return True

    async def _try_load(self, version: str) -> bool:
        """Load `version` for serving; False (already reported) when refused."""
        try:
            await self._ensure_loaded(version)
        except UnknownVersion as exc:
            self._refuse(version, str(exc))
            return False
        except AdapterRefused:
            return False
        return True

    async def _ensure_loaded(self, version: str) -> None:
        async with self._load_lock:
            if version in self._loaded:
                return
            try:
                if not self._store.exists(version):
                    raise UnknownVersion(f"model version {version!r} is not in the adapter store")
                path = await asyncio.to_thread(
                    self._store.validate, version, self._base_model, self._max_rank
                )
                await self._engine.load_adapter(version, path)
            except AdapterRefused as exc:
                self._refuse(version, str(exc))
                raise
            except UnknownVersion:
                raise
            except Exception as exc:
                self._refuse(version, f"engine failed to load it: {exc}")
                raise AdapterRefused(str(exc)) from exc
            self._loaded.add(version)

    async def _release_if_idle(self, version: str) -> None:
        canary = self._canary.version if self._canary else None
        if version in (BASE_VERSION, self._active, canary) or self._leases[version] > 0:
            return
        if version in self._loaded:
            self._loaded.discard(version)
            await self._engine.unload_adapter(version)
            log.info("released adapter %s after it drained", version)

    def _refuse(self, version: str, reason: str) -> None:
        ADAPTERS_REFUSED.inc()
        log.warning("refused adapter %s: %s", version, reason)
        if self._on_refused:
            self._on_refused(version, reason)
