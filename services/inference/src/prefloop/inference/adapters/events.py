"""Apply AdapterEvents from Kafka to the running engine.

Every replica reads the whole adapters topic from the beginning (no consumer
group), so a restarted service ends up on the active version and canary by
itself. A batch of events is folded into the state it leads to first, so a
replay does not load every historical version in turn.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass

from prefloop.inference.adapters.manager import AdapterManager, Canary
from prefloop.shared.events import AdapterEvent, AdapterEventType
from prefloop.shared.kafka import Record

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TargetState:
    active: str
    canary: Canary | None


def fold(start: TargetState, events: Sequence[AdapterEvent]) -> TargetState:
    """Where a sequence of adapter events leaves the active version and canary."""
    active, canary = start.active, start.canary
    for event in events:
        if event.type == AdapterEventType.ACTIVATED:
            active = event.version
            if canary and canary.version == event.version:
                canary = None
        elif event.type == AdapterEventType.CANARY:
            canary = Canary(event.version, event.canary_fraction)
        elif (
            event.type in (AdapterEventType.ROLLED_BACK, AdapterEventType.REJECTED)
            and canary
            and canary.version == event.version
        ):
            canary = None
    return TargetState(active, canary)


class AdapterEventHandler:
    """Consumer-thread side: hands the target state to the event loop and waits."""

    def __init__(self, manager: AdapterManager, loop: asyncio.AbstractEventLoop) -> None:
        self._manager = manager
        self._loop = loop

    def __call__(self, records: Sequence[Record]) -> None:
        events = [r.event for r in records if isinstance(r.event, AdapterEvent)]
        if events:
            current = TargetState(self._manager.active, self._manager.canary)
            target = fold(current, events)
            if target != current:
                asyncio.run_coroutine_threadsafe(self._apply(target), self._loop).result()

    async def _apply(self, target: TargetState) -> None:
        if target.active != self._manager.active:
            await self._manager.activate(target.active)
        if target.canary is None:
            await self._manager.stop_canary()
        elif target.canary != self._manager.canary:
            await self._manager.start_canary(target.canary.version, target.canary.fraction)
