"""Load for the feedback service, shared by its fault test and its benchmark:
served sets published as the inference service would, and an application
client that retries with the same feedback_id until it gets an answer."""

from __future__ import annotations

import threading
import time
import uuid
from pathlib import Path

import httpx

from prefloop.shared.embedded import LocalStack, ServiceSpec
from prefloop.shared.embedded.broker import free_port
from prefloop.shared.events import SUGGESTIONS, ServedSuggestion, SuggestionsServed, encode
from prefloop.shared.kafka import KafkaEventPublisher

TITLES_PER_SET = 3


def feedback_and_trainer(state: Path, env: dict[str, str]) -> LocalStack:
    """The feedback service and a trainer that only consumes (no round), as
    processes on free ports, with the embedded broker so it can be restarted."""
    services = [
        ServiceSpec("feedback", "prefloop.feedback", free_port()),
        ServiceSpec("trainer", "prefloop.trainer", free_port()),
    ]
    base_env = {
        "PREFLOOP_KAFKA_BOOTSTRAP_SERVERS": "",
        "PREFLOOP_TRAINER_MIN_NEW_PAIRS": "100000000",
        "PREFLOOP_TRAINER_MAX_INTERVAL_S": "0",
    }
    return LocalStack(state, services=services, env={**base_env, **env})


def publish_served_sets(bootstrap: str, count: int) -> list[SuggestionsServed]:
    sets = [
        SuggestionsServed(
            suggestion_set_id=str(uuid.uuid4()),
            idea=f"restoring an old radio, part {i}",
            prompt_template_version="v1",
            model_version="base",
            user_id=f"user-{i % 7}",
            suggestions=tuple(
                ServedSuggestion(str(uuid.uuid4()), k, f"Radio Restoration Step {i}.{k}", "base")
                for k in range(TITLES_PER_SET)
            ),
            served_at_ms=int(time.time() * 1000),
        )
        for i in range(count)
    ]
    publisher = KafkaEventPublisher(bootstrap, "load")
    publisher.publish_many([(SUGGESTIONS.name, s.suggestion_set_id, encode(s)) for s in sets])
    publisher.close()
    return sets


def accept_body(served: SuggestionsServed, feedback_id: str) -> dict[str, str | None]:
    return {
        "feedback_id": feedback_id,
        "suggestion_set_id": served.suggestion_set_id,
        "action": "accept",
        "suggestion_id": served.suggestions[0].id,
        "user_id": served.user_id,
    }


class RetryingClient:
    """Records every acknowledged (2xx) feedback_id and the latency of each answer."""

    def __init__(self, base_url: str, give_up_after_s: float = 120.0) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=10)
        self._give_up_after_s = give_up_after_s
        self._lock = threading.Lock()
        self.acknowledged: set[str] = set()
        self.latencies_s: list[float] = []

    def send(self, served: SuggestionsServed) -> None:
        feedback_id = str(uuid.uuid4())
        body = accept_body(served, feedback_id)
        deadline = time.monotonic() + self._give_up_after_s
        while time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                response = self._http.post("/v1/feedback", json=body)
            except httpx.HTTPError:
                time.sleep(0.2)  # the service is down: try again, same id
                continue
            if response.status_code in (200, 201, 202):
                with self._lock:
                    self.acknowledged.add(feedback_id)
                    self.latencies_s.append(time.perf_counter() - started)
                return
            if response.status_code < 500:
                raise AssertionError(f"feedback refused: {response.status_code} {response.text}")
            time.sleep(0.2)
        raise AssertionError(f"feedback {feedback_id} was never acknowledged")

    def close(self) -> None:
        self._http.close()
