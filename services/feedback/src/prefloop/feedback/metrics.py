"""Feedback metrics (request latency comes from the shared HTTP middleware)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge

FEEDBACK = Counter(
    "prefloop_feedback_total",
    "Recorded feedback by action and model version",
    ["action", "model_version"],
)
PENDING_FEEDBACK = Gauge("prefloop_feedback_pending", "Feedback waiting for its suggestion set")
EXPIRED_FEEDBACK = Counter(
    "prefloop_feedback_expired_total", "Pending feedback whose set never arrived in time"
)
SETS_RECEIVED = Counter("prefloop_suggestion_sets_received_total", "SuggestionsServed events stored")
ACCEPTANCE_RATE = Gauge(
    "prefloop_acceptance_rate",
    "Accepted share of feedback per model version (last stats window)",
    ["model_version"],
)
