"""Simulated traffic: users ask for titles on training ideas and give feedback."""

from __future__ import annotations

import logging
import random
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import httpx

from prefloop.simulator.client import PrefloopClient
from prefloop.simulator.ideas import split_ideas
from prefloop.simulator.settings import SimulatorSettings
from prefloop.simulator.taste_family import Preference, taste_named
from prefloop.simulator.users import SimulatedUser

log = logging.getLogger(__name__)


def simulated_users(
    settings: SimulatorSettings, rng: random.Random, taste: Preference | None = None
) -> list[SimulatedUser]:
    """The configured users (of the configured taste), each with its own random stream drawn from `rng`."""
    return [
        SimulatedUser(
            f"sim-{i}",
            taste or taste_named(settings.taste),
            random.Random(rng.random()),
            temperature=settings.temperature,
            edit_probability=settings.edit_probability,
            reject_below=settings.reject_below,
        )
        for i in range(settings.users)
    ]


class Traffic:
    def __init__(
        self, settings: SimulatorSettings, client: PrefloopClient, taste: Preference | None = None
    ) -> None:
        self._settings = settings
        self._client = client
        rng = random.Random(settings.seed)
        self._ideas, _ = split_ideas()
        self._users = simulated_users(settings, rng, taste)
        self._rng = rng
        self._lock = threading.Lock()
        self.counts: Counter[str] = Counter()
        self._stop = threading.Event()

    def one(self) -> None:
        """One user asks for titles on one idea and reports what they did."""
        with self._lock:
            user = self._rng.choice(self._users)
            idea = self._rng.choice(self._ideas)
        try:
            result = self._client.suggest(idea, self._settings.n, user.user_id)
            decision = user.decide(idea, self._client.shown(result))
            self._client.send_feedback(result["suggestion_set_id"], user.user_id, decision)
        except httpx.HTTPError as exc:
            log.warning("simulated request failed: %s", exc)
            with self._lock:
                self.counts["errors"] += 1
            time.sleep(1)
            return
        with self._lock:
            self.counts["sets"] += 1
            self.counts[decision.action] += 1

    def run(self, seconds: float, max_events: int | None = None) -> Counter[str]:
        """Send traffic for `seconds`, until `max_events` feedbacks were sent, or
        until stop(), with the configured concurrency."""
        deadline = time.monotonic() + seconds
        interval = 1 / self._settings.rate_per_s if self._settings.rate_per_s else 0.0

        started_events = 0

        def take_one() -> bool:
            """Reserve one event of the budget (a failed request still spends it)."""
            nonlocal started_events
            with self._lock:
                if max_events is not None and started_events >= max_events:
                    return False
                started_events += 1
                return True

        def worker() -> None:
            while not self._stop.is_set() and time.monotonic() < deadline and take_one():
                started = time.monotonic()
                self.one()
                self._stop.wait(
                    max(0.0, interval * self._settings.concurrency - (time.monotonic() - started))
                )

        with ThreadPoolExecutor(self._settings.concurrency) as pool:
            for _ in range(self._settings.concurrency):
                pool.submit(worker)
        return self.counts

    def stop(self) -> None:
        self._stop.set()
