"""Sustained feedback requests per second and p99 of the feedback service
(real Postgres, broker, outbox) against a bare Litestar endpoint served the
same way, with the same client, in the same run (goal: at least 0.3x its
throughput); then the count check: every acknowledged feedback is in Postgres
and reached the trainer exactly once after dedupe."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from prefloop.shared.embedded.broker import free_port
from prefloop.shared.events import SuggestionsServed
from tests.bench.conftest import percentile, report
from tests.feedback_load import TITLES_PER_SET, RetryingClient, feedback_and_trainer, publish_served_sets
from tests.integration.conftest import eventually, query

SETS = 3000
CONCURRENCY = 8


def run_load(base_url: str, sets: list[SuggestionsServed]) -> tuple[RetryingClient, float]:
    client = RetryingClient(base_url)
    started = time.perf_counter()
    with ThreadPoolExecutor(CONCURRENCY) as pool:
        list(pool.map(client.send, sets))
    took = time.perf_counter() - started
    client.close()
    return client, took


def wait_for_port(port: int, timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"nothing listens on {port}")


def test_feedback_throughput_against_a_bare_endpoint(tmp_path: Path) -> None:
    stack = feedback_and_trainer(
        tmp_path / "stack", {"PREFLOOP_DATABASE_URL": "", "PREFLOOP_ADAPTER_STORE": ""}
    )
    bare_port = free_port()
    bare = subprocess.Popen([sys.executable, "-m", "tests.bench.bare_app", str(bare_port)])
    try:
        stack.start()
        database_url = stack.env["PREFLOOP_DATABASE_URL"]
        sets = publish_served_sets(stack.env["PREFLOOP_KAFKA_BOOTSTRAP_SERVERS"], SETS)
        eventually(
            lambda: (
                query(database_url, "feedback", "SELECT count(*) AS n FROM suggestion_sets")[0]["n"] == SETS
            ),
            timeout_s=120,
            what="the served sets at the feedback service",
        )
        wait_for_port(bare_port)
        baseline, baseline_s = run_load(f"http://127.0.0.1:{bare_port}", sets)
        service, service_s = run_load(stack.url("feedback"), sets)

        # The count check.
        def delivered() -> int:
            return int(query(database_url, "trainer", "SELECT count(*) AS n FROM feedback_events")[0]["n"])

        eventually(lambda: delivered() >= len(service.acknowledged), timeout_s=300, what="delivery")
        recorded = query(
            database_url, "feedback", "SELECT id::text AS id FROM feedback WHERE status = 'recorded'"
        )
        at_trainer = query(database_url, "trainer", "SELECT feedback_id::text AS id FROM feedback_events")
        pairs = query(database_url, "trainer", "SELECT count(*) AS n FROM pairs")[0]["n"]
        figures = {
            "requests": SETS,
            "concurrency": CONCURRENCY,
            "bare_rps": round(SETS / baseline_s, 1),
            "service_rps": round(SETS / service_s, 1),
            "throughput_ratio": round(baseline_s / service_s, 3),
            "bare_p50_ms": round(percentile(baseline.latencies_s, 0.5) * 1000, 1),
            "bare_p99_ms": round(percentile(baseline.latencies_s, 0.99) * 1000, 1),
            "service_p50_ms": round(percentile(service.latencies_s, 0.5) * 1000, 1),
            "service_p99_ms": round(percentile(service.latencies_s, 0.99) * 1000, 1),
            "acknowledged": len(service.acknowledged),
            "recorded": len(recorded),
            "at_trainer": len(at_trainer),
            "pairs": pairs,
        }
        report("feedback_throughput", figures)
        assert {r["id"] for r in recorded} == service.acknowledged
        assert {r["id"] for r in at_trainer} == service.acknowledged
        assert pairs == (TITLES_PER_SET - 1) * len(service.acknowledged)
    finally:
        bare.terminate()
        bare.wait(10)
        stack.stop()
