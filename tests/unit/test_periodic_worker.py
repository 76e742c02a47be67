"""Stopping a worker does not wait out a tick that hangs (a publish to a broker
that is away): it abandons it after its grace, so a service stops on SIGTERM."""

from __future__ import annotations

import threading

from prefloop.shared.workers import PeriodicWorker


def test_a_hanging_tick_is_abandoned_at_stop() -> None:
    release = threading.Event()
    started = threading.Event()

    def hang() -> None:
        started.set()
        release.wait(60)

    worker = PeriodicWorker("hanging", 0.01, hang)
    worker.start()
    assert started.wait(5)
    worker.stop(timeout_s=0.05)
    assert worker.stopping
    assert worker._thread.is_alive()  # abandoned, not waited for
    release.set()
    worker._thread.join(5)
    assert not worker._thread.is_alive()  # and it does not tick again
