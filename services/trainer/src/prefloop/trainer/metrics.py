"""Trainer metrics."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, Info

FEEDBACK_EVENTS = Counter("prefloop_trainer_feedback_total", "Feedback events stored, by action", ["action"])
PAIRS_DROPPED = Counter("prefloop_pairs_dropped_total", "Candidate pairs dropped (empty or identical)")
PAIRS_WAITING = Gauge("prefloop_pairs_waiting", "Pairs not yet used by a round")
ROUNDS = Counter("prefloop_training_rounds_total", "Training rounds by outcome", ["outcome"])
STEP_SECONDS = Histogram(
    "prefloop_training_step_seconds",
    "Seconds per DPO optimizer step",
    buckets=(0.5, 1, 2, 5, 10, 15, 20, 30, 60, 120),
)
PHASE_SECONDS = Histogram(
    "prefloop_training_phase_seconds",
    "Seconds a round spent in each phase (loading, sampling, training, scoring, health draws)",
    ["phase"],
    buckets=(1, 5, 10, 30, 60, 120, 300, 600, 1200),
)
LAST_REWARD_ACCURACY = Gauge(
    "prefloop_training_reward_accuracy", "Held-out reward accuracy of the last round"
)
LAST_REWARD_MARGIN = Gauge("prefloop_training_reward_margin", "Held-out reward margin of the last round")
ACTIVE_ADAPTER = Info("prefloop_trainer_active_adapter", "The registry's active version")
LAST_ROUND_AT = Gauge(
    "prefloop_training_last_round_timestamp_seconds",
    "When the last round ended (process start until the first round)",
)
LAST_ROUND_AT.set_to_current_time()
CANARY_DECISIONS_TOTAL = Counter(
    "prefloop_canary_outcomes_total", "Canary outcomes decided by the trainer", ["decision"]
)
SERVING_ROLLBACKS_TOTAL = Counter(
    "prefloop_serving_rollbacks_total",
    "Active versions and canaries rolled back automatically for serving short or failed sets",
)
