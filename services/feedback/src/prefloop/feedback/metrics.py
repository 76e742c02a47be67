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
CANARY_WIN_RATE = Gauge(
    "prefloop_canary_win_rate",
    "Interleaved win rate of a candidate against the active version",
    ["candidate"],
)
CANARY_WIN_RATE_LOWER = Gauge(
    "prefloop_canary_win_rate_lower", "Lower end of the Wilson 95% interval of the win rate", ["candidate"]
)
CANARY_WIN_RATE_UPPER = Gauge(
    "prefloop_canary_win_rate_upper", "Upper end of the Wilson 95% interval of the win rate", ["candidate"]
)
CANARY_DECISIONS = Gauge(
    "prefloop_canary_decisions", "Interleaved sets with an accepted title, per candidate", ["candidate"]
)
