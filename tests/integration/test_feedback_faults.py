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

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from prefloop.shared.embedded import LocalStack
from tests.feedback_load import TITLES_PER_SET, RetryingClient, feedback_and_trainer, publish_served_sets
from tests.integration.conftest import eventually, query

pytestmark = pytest.mark.integration

SETS = 240


@pytest.fixture
def stack(database_url: str, tmp_path: Path) -> Iterator[LocalStack]:
    local = feedback_and_trainer(
        tmp_path / "stack",
        {"PREFLOOP_DATABASE_URL": database_url, "PREFLOOP_ADAPTER_STORE": str(tmp_path / "adapters")},
    )
    try:
        local.start()
        yield local
    finally:
        local.stop()


def test_acknowledged_feedback_survives_a_killed_service_and_a_broker_restart(
    stack: LocalStack, database_url: str
) -> None:
    sets = publish_served_sets(stack.env["PREFLOOP_KAFKA_BOOTSTRAP_SERVERS"], SETS)
    eventually(
        lambda: query(database_url, "feedback", "SELECT count(*) AS n FROM suggestion_sets")[0]["n"] == SETS,
        timeout_s=60,
        what="the served sets at the feedback service",
    )
    client = RetryingClient(stack.url("feedback"))
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
    client.close()
    eventually(
        lambda: delivered() == client.acknowledged, timeout_s=180, what="every feedback at the trainer"
    )
    recorded = query(
        database_url, "feedback", "SELECT id::text AS id, status FROM feedback WHERE status = 'recorded'"
    )
    assert {r["id"] for r in recorded} == client.acknowledged
    # Exactly once after dedupe: the accepted title over each other title.
    pairs = query(database_url, "trainer", "SELECT count(*) AS n FROM pairs")[0]["n"]
    assert pairs == (TITLES_PER_SET - 1) * SETS
