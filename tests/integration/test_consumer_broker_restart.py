"""A consumer group member outlives a broker that restarts without its state
(the embedded broker keeps nothing): the new log starts again at offset 0
and soon grows past the member's position. Every record written after the
restart must still reach the handler, not only those beyond the old position."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from pathlib import Path

import pytest

from prefloop.shared.embedded import EmbeddedBroker
from prefloop.shared.events import SUGGESTIONS, SuggestionsServed
from prefloop.shared.kafka import KafkaEventPublisher, ensure_topics
from prefloop.shared.kafka.consumer import ConsumerLoop, Record
from tests.feedback_load import publish_served_sets
from tests.integration.conftest import eventually

pytestmark = pytest.mark.integration


class SeenSets:
    def __init__(self) -> None:
        self.ids: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, records: Sequence[Record]) -> None:
        with self._lock:
            self.ids |= {r.event.suggestion_set_id for r in records if isinstance(r.event, SuggestionsServed)}


def test_records_written_after_a_stateless_broker_restart_all_reach_the_group(tmp_path: Path) -> None:
    broker = EmbeddedBroker(log_path=tmp_path / "broker.log")
    broker.start()
    ensure_topics(broker.bootstrap_servers)
    seen = SeenSets()
    dlq = KafkaEventPublisher(broker.bootstrap_servers, "test-dlq")
    loop = ConsumerLoop(
        broker.bootstrap_servers, [SUGGESTIONS.name], "restart-test", seen, dlq, "restart-test"
    )
    loop.start()
    try:
        before = {s.suggestion_set_id for s in publish_served_sets(broker.bootstrap_servers, 30)}
        eventually(lambda: seen.ids >= before, timeout_s=60, what="the records before the restart")

        broker.stop()
        broker.start()
        ensure_topics(broker.bootstrap_servers)
        # Twice as many as before: each partition's new log passes the old position.
        after = {s.suggestion_set_id for s in publish_served_sets(broker.bootstrap_servers, 60)}

        eventually(lambda: seen.ids >= after, timeout_s=90, what="every record written after the restart")
    finally:
        loop.stop()
        dlq.close()
        broker.stop()
