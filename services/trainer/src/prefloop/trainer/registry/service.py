"""Operator actions on the registry: inspect, activate any version, roll back."""

from __future__ import annotations

from typing import Any

from psycopg_pool import ConnectionPool

from prefloop.shared.adapters import AdapterRefused, AdapterStore
from prefloop.shared.http import Conflict, NotFound
from prefloop.trainer.metrics import ACTIVE_ADAPTER
from prefloop.trainer.registry import repository as registry
from prefloop.trainer.registry.repository import BASE, AdapterDetail, AdapterOut


class RegistryService:
    def __init__(
        self,
        pool: ConnectionPool[Any],
        store: AdapterStore,
        base_model: str,
        max_rank: int,
        on_change: Any = lambda: None,
    ) -> None:
        self._pool = pool
        self._store = store
        self._base_model = base_model
        self._max_rank = max_rank
        self._on_change = on_change

    def list(self) -> list[AdapterOut]:
        with self._pool.connection() as conn:
            return registry.list_adapters(conn)

    def get(self, version: str) -> AdapterDetail:
        with self._pool.connection() as conn:
            row = registry.get_adapter(conn, version)
            erased = registry.erased_lineage(conn, version) if row else []
        if row is None:
            raise NotFound(f"adapter version {version!r} is not registered")
        fields = {k: row[k] for k in AdapterDetail.model_fields if k in row}
        return AdapterDetail(**fields, learned_from_erased=erased)

    def retire(self, version: str, reason: str) -> AdapterDetail:
        """Retire a version that neither serves nor runs as canary (roll back first)."""
        detail = self.get(version)
        if detail.status in ("active", "canary"):
            raise Conflict(
                f"adapter {version!r} is {detail.status}: roll it back or activate another version first"
            )
        with self._pool.connection() as conn, conn.transaction():
            registry.retire(conn, version, reason)
        return self.get(version)

    def activate(self, version: str, reason: str) -> AdapterOut | None:
        """Activate `version` ("base" included); returns it, or None for base."""
        if version != BASE:
            detail = self.get(version)
            if detail.status == "rejected":
                raise Conflict(f"adapter {version!r} was rejected ({detail.reason}); it cannot be activated")
            try:
                self._store.validate(version, self._base_model, self._max_rank)
            except AdapterRefused as exc:
                raise Conflict(f"adapter {version!r} cannot be served: {exc}") from exc
        with self._pool.connection() as conn, conn.transaction():
            registry.activate(conn, version, self._base_model, reason)
        self._changed(version)
        return None if version == BASE else self.get(version)

    def rollback(self, reason: str) -> dict[str, str]:
        with self._pool.connection() as conn, conn.transaction():
            try:
                rolled_back, restored = registry.rollback(conn, self._base_model, reason)
            except LookupError as exc:
                raise Conflict(str(exc)) from exc
        self._changed(restored)
        return {"rolled_back": rolled_back, "active": restored}

    def restate_serving(self, canary_fraction: float) -> None:
        """At start: announce the serving state again (see repository.restate_serving)."""
        with self._pool.connection() as conn, conn.transaction():
            active = registry.restate_serving(conn, self._base_model, canary_fraction)
        self._changed(active)

    def _changed(self, active: str) -> None:
        ACTIVE_ADAPTER.info({"version": active})
        self._on_change()
