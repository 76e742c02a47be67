"""Metrics that live in shared code (each service defines its own in its package).

Module-level collectors register once per process in the default registry.
"""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

CONSUMER_LAG = Gauge(
    "prefloop_consumer_lag",
    "Records behind the fetch high-water mark, per consumer and partition",
    ["consumer", "topic", "partition"],
)
DLQ_MESSAGES = Counter(
    "prefloop_dlq_messages_total",
    "Records sent to a DLQ, by source topic and reason (undecodable, handler_failed)",
    ["topic", "reason"],
)
OUTBOX_BACKLOG = Gauge(
    "prefloop_outbox_backlog", "Outbox rows not yet acknowledged by the broker", ["service"]
)
OUTBOX_PUBLISH_SECONDS = Histogram(
    "prefloop_outbox_publish_seconds",
    "Time to publish one outbox batch and get its acknowledgements",
    ["service"],
)
