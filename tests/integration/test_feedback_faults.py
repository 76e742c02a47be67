"""Nothing acknowledged is lost: the feedback service is killed (SIGKILL) in the
middle of a load run and restarted, then the broker is restarted while load
goes on; afterwards every 2xx-acknowledged feedback is recorded once in
Postgres and reached the trainer once.

The embedded broker keeps nothing across a restart (memory storage), so it is
restarted once the trainer has caught up: what this proves is that feedback
acknowledged while the broker is away waits in the outbox and is delivered
when it returns. Apache Kafka keeps its log, which covers the rest.
"""

from __future__ import annotations

import threading
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from prefloop.shared.embedded import LocalStack, ServiceSpec
from prefloop.shared.embedded.broker import free_port
from prefloop.shared.events import SUGGESTIONS, ServedSuggestion, SuggestionsServed, encode
from prefloop.shared.kafka import KafkaEventPublisher
from tests.integration.conftest import eventually, query

pytestmark = pytest.mark.integration

SETS = 240


@pytest.fixture
def stack(database_url: str, tmp_path: Path) -> Iterator[LocalStack]:
    services = [
        ServiceSpec("feedback", "prefloop.feedback", free_port()),
        ServiceSpec("trainer", "prefloop.trainer", free_port()),
    ]
    env = {
        "PREFLOOP_DATABASE_URL": database_url,
        "PREFLOOP_KAFKA_BOOTSTRAP_SERVERS": "",  # embedded, so the test can restart it
        "PREFLOOP_ADAPTER_STORE": str(tmp_path / "adapters"),
        "PREFLOOP_TRAINER_MIN_NEW_PAIRS": "1000000",  # consume only: no round
    }
    local = LocalStack(tmp_path / "stack", services=services, env=env)
    try:
        local.start()
        yield local
    finally:
        local.stop()


def served_sets(bootstrap: str) -> list[SuggestionsServed]:
    sets = [
        SuggestionsServed(
            suggestion_set_id=str(uuid.uuid4()),
            idea=f"restoring an old radio, part {i}",
            prompt_template_version="v1",
            model_version="base",
            user_id=f"user-{i % 7}",
            suggestions=tuple(
                ServedSuggestion(str(uuid.uuid4()), k, f"Radio Restoration Step {i}.{k}", "base")
                for k in range(3)
            ),
            served_at_ms=int(time.time() * 1000),
        )
        for i in range(SETS)
    ]
    publisher = KafkaEventPublisher(bootstrap, "fault-test")
    publisher.publish_many([(SUGGESTIONS.name, s.suggestion_set_id, encode(s)) for s in sets])
    publisher.close()
    return sets


class Client:
    """An application that retries with the same feedback_id until it gets an
    answer: what makes at-least-once from the client safe."""

    def __init__(self, base_url: str) -> None:
        self._http = httpx.Client(base_url=base_url, timeout=10)
        self.acknowledged: set[str] = set()
        self._lock = threading.Lock()

    def send(self, served: SuggestionsServed) -> None:
        feedback_id = str(uuid.uuid4())
        body = {
            "feedback_id": feedback_id,
            "suggestion_set_id": served.suggestion_set_id,
            "action": "accept",
            "suggestion_id": served.suggestions[0].id,
            "user_id": served.user_id,
        }
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            try:
                response = self._http.post("/v1/feedback", json=body)
            except httpx.HTTPError:
                time.sleep(0.2)  # the service is down: try again, same id
                continue
            if response.status_code in (200, 201, 202):
                with self._lock:
                    self.acknowledged.add(feedback_id)
                return
            if response.status_code < 500:
                raise AssertionError(f"feedback refused: {response.status_code} {response.text}")
            time.sleep(0.2)
        raise AssertionError(f"feedback {feedback_id} was never acknowledged")


def test_acknowledged_feedback_survives_a_killed_service_and_a_broker_restart(
    stack: LocalStack, database_url: str
) -> None:
    sets = served_sets(stack.env["PREFLOOP_KAFKA_BOOTSTRAP_SERVERS"])
    eventually(
        lambda: query(database_url, "feedback", "SELECT count(*) AS n FROM suggestion_sets")[0]["n"] == SETS,
        timeout_s=60,
        what="the served sets at the feedback service",
    )
    client = Client(stack.url("feedback"))
    first, second, third = sets[:120], sets[120:180], sets[180:]

    # 1. SIGKILL in the middle of a load run, then a restart.
    with ThreadPoolExecutor(8) as pool:
        futures = [pool.submit(client.send, s) for s in first]
        eventually(lambda: len(client.acknowledged) >= 30, what="load under way")
        stack.kill("feedback")
        stack.restart("feedback")
        for future in futures:
            future.result()

    def delivered() -> set[str]:
        rows = query(database_url, "trainer", "SELECT feedback_id::text AS id FROM feedback_events")
        return {r["id"] for r in rows}

    eventually(lambda: delivered() >= client.acknowledged, timeout_s=90, what="delivery before the restart")

    # 2. The broker goes away while feedback keeps coming, then returns.
    stack.stop_broker()
    for served in second:
        client.send(served)
    backlog = query(database_url, "feedback", "SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL")
    assert backlog[0]["n"] > 0, "feedback acknowledged while the broker is away waits in the outbox"
    stack.start_broker()
    with ThreadPoolExecutor(4) as pool:
        list(pool.map(client.send, third))

    assert len(client.acknowledged) == SETS
    eventually(
        lambda: delivered() == client.acknowledged, timeout_s=180, what="every feedback at the trainer"
    )
    recorded = query(
        database_url, "feedback", "SELECT id::text AS id, status FROM feedback WHERE status = 'recorded'"
    )
    assert {r["id"] for r in recorded} == client.acknowledged
    # Exactly once after dedupe: the accepted title over each of the other two.
    pairs = query(database_url, "trainer", "SELECT count(*) AS n FROM pairs")[0]["n"]
    assert pairs == 2 * SETS
