"""A daemon thread that calls a function every `interval_s` until stopped.

A failing call is logged and retried on the next tick: a background loop must
outlive a broker or database that is briefly away. Stopping waits a few
seconds for a tick in progress, then abandons it: a service must stop soon
after SIGTERM, and every tick's work is either durable or done again at the
next start (an unsent outbox row is sent then, an interrupted round is marked
failed).
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

STOP_GRACE_S = 3.0


class PeriodicWorker:
    def __init__(self, name: str, interval_s: float, tick: Callable[[], object]) -> None:
        self.name = name
        self._interval_s = interval_s
        self._tick = tick
        self._stop = threading.Event()
        self._wake = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)

    def start(self) -> None:
        self._thread.start()

    def wake(self) -> None:
        """Run the next tick now instead of waiting for the interval."""
        self._wake.set()

    def stop(self, timeout_s: float = STOP_GRACE_S) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout_s)
        if self._thread.is_alive():
            log.warning("%s: still busy after %.0f s; abandoning its tick", self.name, timeout_s)

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self._tick()
            except Exception:
                log.exception("%s: tick failed; retrying in %.1f s", self.name, self._interval_s)
            self._wake.wait(self._interval_s)
            self._wake.clear()
