"""Inference metrics (request latency comes from the shared HTTP middleware)."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram, Info

from prefloop.shared.titles import DROP_REASONS

SUGGESTIONS_SERVED = Counter(
    "prefloop_suggestions_served_total", "Suggestions served, by model version", ["model_version"]
)
RAW_GENERATIONS = Counter(
    "prefloop_raw_generations_total",
    "Raw model generations by cleaning outcome (clean, cleaned, dropped)",
    ["outcome"],
)
TITLES_DROPPED = Counter(
    "prefloop_titles_dropped_total",
    "Raw generations dropped by cleaning, by reason (prompt echo, placeholder, chatter, ...)",
    ["reason"],
)
for _reason in DROP_REASONS:  # every reason shows, at 0 until it happens
    TITLES_DROPPED.labels(reason=_reason)
ADAPTER_SWAPS = Counter("prefloop_adapter_swaps_total", "Active adapter switches")
ADAPTER_SWAP_SECONDS = Histogram(
    "prefloop_adapter_swap_duration_seconds", "Validate + load + switch time of an adapter"
)
ADAPTERS_REFUSED = Counter(
    "prefloop_adapters_refused_total", "Adapter versions refused at validation or load"
)
ACTIVE_ADAPTER = Info("prefloop_inference_active_adapter", "The version new requests are served by")
BATCH_ROWS = Histogram(
    "prefloop_generation_batch_rows",
    "Sequences generated together in one model call",
    buckets=(1, 2, 4, 6, 8, 12, 16, 24, 32, 48, 64),
)
GENERATED_TOKENS = Counter("prefloop_generated_tokens_total", "New tokens generated")
GENERATION_SECONDS = Histogram("prefloop_generation_seconds", "Wall time of one model generate call")
INTERLEAVED_SETS = Counter(
    "prefloop_interleaved_sets_total", "Canary sets mixing candidate and active titles", ["candidate"]
)
CANARY_FRACTION = Gauge("prefloop_inference_canary_fraction", "Share of requests that get an interleaved set")
SETS_SERVED = Counter(
    "prefloop_sets_served_total",
    "Single-version suggestion sets by outcome: full (N distinct titles), short (fewer), failed (none: 503)",
    ["model_version", "outcome"],
)
SETS_TOPPED_UP = Counter(
    "prefloop_sets_topped_up_total",
    "Sets an adapter served short of N titles, filled with base's titles, by the set's version",
    ["model_version"],
)
ENGINE_PATH = Info(
    "prefloop_inference_engine_path",
    "The CPU path serving (fp32, bf16, int8 in transformers; llama.cpp q8_0 or file) and how it was chosen",
)
