"""Benchmarks: ratios against a baseline measured in the same run (these
machines are noisy, so absolute times are reported, never asserted)."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

RESULTS = Path(os.environ.get("PREFLOOP_BENCH_OUT", ".prefloop/bench"))


def report(name: str, figures: dict[str, Any]) -> None:
    """Print a benchmark's figures and keep them as JSON under .prefloop/bench."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / f"{name}.json").write_text(json.dumps(figures, indent=2))
    print(f"\n[bench] {name}: " + ", ".join(f"{k}={v}" for k, v in figures.items()))


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]
