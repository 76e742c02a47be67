"""Apply AdapterEvents from Kafka to the running engine.

Every replica reads the whole adapters topic from the beginning (no consumer
group), so a restarted service ends up on the active version by itself.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

from prefloop.inference.adapters.manager import AdapterManager
from prefloop.shared.events import AdapterEvent, AdapterEventType
from prefloop.shared.kafka import Record

log = logging.getLogger(__name__)


class AdapterEventHandler:
    """Consumer-thread side: hands activations to the event loop and waits."""

    def __init__(self, manager: AdapterManager, loop: asyncio.AbstractEventLoop) -> None:
        self._manager = manager
        self._loop = loop

    def __call__(self, records: Sequence[Record]) -> None:
        activations = [
            r.event
            for r in records
            if isinstance(r.event, AdapterEvent) and r.event.type == AdapterEventType.ACTIVATED
        ]
        if not activations:
            return
        # Only the last activation of a batch matters (replay at start-up
        # would otherwise load every historical version in turn).
        latest = activations[-1]
        if latest.version == self._manager.active:
            return
        future = asyncio.run_coroutine_threadsafe(self._manager.activate(latest.version), self._loop)
        future.result()
