"""`python -m prefloop.simulator.evaluate`: the learning benchmark against a
running inference service (the active version by default), with a PNG chart."""

from __future__ import annotations

import argparse
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

from prefloop.simulator.benchmark import BASE, BenchmarkResult, run_benchmark, summary
from prefloop.simulator.ideas import split_ideas
from prefloop.simulator.settings import SimulatorSettings
from prefloop.simulator.taste_family import taste_named


def served_title(client: httpx.Client, idea: str, version: str) -> str | None:
    response = client.post(
        "/v1/suggestions", json={"idea": idea, "n": 1, "model_version": version, "user_id": "benchmark"}
    )
    if response.status_code != 200:
        return None
    suggestions = response.json()["suggestions"]
    return str(suggestions[0]["text"]) if suggestions else None


def fetch_timeline(feedback_url: str, bucket_minutes: float = 5.0) -> dict[str, Any] | None:
    """Acceptance per version over time from the feedback service, or None when it is away."""
    try:
        response = httpx.get(
            f"{feedback_url}/v1/stats/timeline", params={"bucket_minutes": bucket_minutes}, timeout=30
        )
    except httpx.HTTPError:
        return None
    return response.json() if response.status_code == 200 else None


def _plot_timeline(ax: Any, timeline: dict[str, Any]) -> None:
    series: dict[str, tuple[list[datetime], list[float]]] = {}
    for point in timeline["points"]:
        xs, ys = series.setdefault(point["model_version"], ([], []))
        xs.append(datetime.fromisoformat(point["bucket_start"]))
        ys.append(point["acceptance_rate"])
    for version, (xs, ys) in series.items():
        ax.plot(xs, ys, marker="o", markersize=3, label=version)
    for start in timeline["versions"][1:]:  # base is there from the start
        ax.axvline(datetime.fromisoformat(start["first_served"]), color="grey", linewidth=0.8, linestyle=":")
    ax.set_ylim(0, 1.05)
    ax.set_title(f"acceptance per {timeline['bucket_minutes']:g} min (dotted: activations)")
    ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    if series:
        ax.legend(fontsize=7, loc="lower right")


def write_chart(result: BenchmarkResult, path: Path, timeline: dict[str, Any] | None = None) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    interval = result.interval()
    panels = 3 if timeline else 2
    fig, axes = plt.subplots(1, panels, figsize=(4.5 * panels, 3.8))
    left, right = axes[0], axes[1]
    left.bar(
        ["win rate"],
        [interval.rate],
        yerr=[[interval.rate - interval.lower], [interval.upper - interval.rate]],
        capsize=8,
        color="#4C72B0",
    )
    left.axhline(0.68, color="grey", linestyle="--", label="hand-labelled reference 68%")
    left.axhline(0.5, color="black", linewidth=0.8)
    left.set_ylim(0, 1)
    left.set_title(f"{result.version} vs base, {len(result.duels)} held-out ideas")
    left.legend(loc="lower right", fontsize=8)
    right.bar(
        [BASE, result.version], [result.base_mean_score, result.version_mean_score], color=["#999", "#4C72B0"]
    )
    right.set_title("mean taste score")
    if timeline:
        _plot_timeline(axes[2], timeline)
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inference-url", default="http://127.0.0.1:8001")
    parser.add_argument("--feedback-url", default="http://127.0.0.1:8002", help="for the acceptance timeline")
    parser.add_argument("--version", default=None, help="adapter version (default: the active one)")
    parser.add_argument("--ideas", type=int, default=0, help="limit the held-out ideas (0: all)")
    parser.add_argument(
        "--draws",
        type=int,
        default=1,
        help="titles each side writes per held-out idea (3 draws: about ±6 points instead of ±10)",
    )
    parser.add_argument("--chart", type=Path, default=Path(".prefloop/benchmark.png"))
    args = parser.parse_args()
    with httpx.Client(base_url=args.inference_url, timeout=300) as client:
        version = args.version or client.get("/v1/models").json()["active_version"]
        if version == BASE:
            raise SystemExit("the base model is active: nothing to compare yet (pass --version)")
        _, held_out = split_ideas()
        ideas = [
            idea for idea in (held_out[: args.ideas] if args.ideas else held_out) for _ in range(args.draws)
        ]
        taste = taste_named(SimulatorSettings().taste)  # the judge is the users' own taste
        result = run_benchmark(ideas, version, lambda idea, v: served_title(client, idea, v), taste)
    print(summary(result))
    if result.duels:
        write_chart(result, args.chart, fetch_timeline(args.feedback_url))
        print(f"chart: {args.chart}")


if __name__ == "__main__":
    main()
