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


def with_goals(figures: dict[str, Any], goals: dict[str, tuple[str, float]]) -> dict[str, Any]:
    """`figures` plus, per goal on one of them, whether it was met: {"ratio": (">=", 2.5)}."""
    judged = dict(figures)
    for name, (op, target) in goals.items():
        value = figures.get(name)
        met = value is not None and (value >= target if op == ">=" else value <= target)
        judged[f"goal_{name}"] = f"{op} {target}: {'met' if met else 'missed'}"
    return judged
