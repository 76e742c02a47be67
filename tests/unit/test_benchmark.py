"""The learning benchmark judges blind duels and cannot rot: a version whose
titles suit the taste wins, one that serves hype loses."""

from __future__ import annotations

from pathlib import Path

from prefloop.simulator.benchmark import run_benchmark, summary
from prefloop.simulator.evaluate import write_chart

IDEAS = [f"restoring an old {thing} at home" for thing in ("bike", "chair", "radio", "clock", "lamp", "boat")]


def plain(idea: str, version: str) -> str | None:
    if version == "base":
        return "UNLOCK the ULTIMATE secret of this video!!!"
    return f"{idea.capitalize()}, step by step"


def test_a_version_that_suits_the_taste_wins() -> None:
    result = run_benchmark(IDEAS * 5, "good", plain)
    assert result.interval().rate > 0.9
    assert result.version_mean_score > result.base_mean_score
    assert "win rate" in summary(result)
    assert "vs base in 30 duels on 6 held-out ideas" in summary(result)  # five draws per idea
    assert "on 6 held-out ideas:" in summary(run_benchmark(IDEAS, "good", plain))


def test_a_version_that_serves_hype_loses() -> None:
    result = run_benchmark(IDEAS * 5, "bad", lambda idea, v: plain(idea, "base" if v != "base" else "good"))
    assert result.interval().rate < 0.1


def test_missing_titles_are_skipped_not_counted() -> None:
    result = run_benchmark(IDEAS, "good", lambda idea, v: None if "lamp" in idea else plain(idea, v))
    assert result.skipped == 1
    assert len(result.duels) == 5


def test_equal_scores_are_ties_decided_by_a_coin_and_reported() -> None:
    result = run_benchmark(IDEAS * 20, "same", lambda idea, v: f"{idea.capitalize()}, step by step")
    assert result.ties == len(result.duels) == 120
    assert 0.35 < result.interval().rate < 0.65
    assert result.reachable_rate == 0.5
    assert "ties 120" in summary(result)


def test_the_chart_draws_the_win_rate_and_the_acceptance_timeline(tmp_path: Path) -> None:
    result = run_benchmark(IDEAS, "good", plain)
    timeline = {
        "bucket_minutes": 5,
        "points": [
            {"bucket_start": "2026-01-01T10:00:00+00:00", "model_version": "base", "acceptance_rate": 0.7},
            {"bucket_start": "2026-01-01T10:05:00+00:00", "model_version": "v0001", "acceptance_rate": 0.9},
        ],
        "versions": [
            {"model_version": "base", "first_served": "2026-01-01T10:00:00+00:00"},
            {"model_version": "v0001", "first_served": "2026-01-01T10:04:00+00:00"},
        ],
    }
    chart = tmp_path / "benchmark.png"
    write_chart(result, chart, timeline)
    assert chart.read_bytes().startswith(b"\x89PNG")
