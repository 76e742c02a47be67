"""The learning benchmark judges blind duels as users would and cannot rot: a
version whose titles suit the taste wins, one that serves hype loses, and a
title users never take or none at all loses whatever the taste scores."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from prefloop.simulator.benchmark import run_benchmark, summary
from prefloop.simulator.evaluate import write_chart
from prefloop.simulator.taste import Taste

IDEAS = [f"restoring an old {thing} at home" for thing in ("bike", "chair", "radio", "clock", "lamp", "boat")]


def plain(idea: str, version: str) -> str:
    if version == "base":
        return f"UNLOCK the ULTIMATE secret of {idea}!!!"
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


def test_a_side_that_serves_no_title_loses_and_none_on_both_sides_is_skipped() -> None:
    def silent_on(word: str, version: str) -> Callable[[str, str], str | None]:
        return lambda idea, v: None if word in idea and v == version else plain(idea, v)

    result = run_benchmark(IDEAS * 5, "good", silent_on("lamp", "good"))
    assert [d.version_won for d in result.duels if "lamp" in d.idea] == [False] * 5
    assert result.never_taken == (0, 5)
    assert "base 0, good 5" in summary(result)
    base_silent = run_benchmark(IDEAS * 5, "bad", silent_on("lamp", "base"))
    assert [d.version_won for d in base_silent.duels if "lamp" in d.idea] == [True] * 5
    both_silent = run_benchmark(IDEAS, "good", lambda idea, v: None if "lamp" in idea else plain(idea, v))
    assert both_silent.skipped == 1
    assert len(both_silent.duels) == 5


def serving(title: str) -> Callable[[str, str], str]:
    """The version serves this one title for every idea; base serves plain ones."""
    return lambda idea, version: plain(idea, version) if version == "base" else title


def test_a_title_users_never_take_loses_whatever_its_score() -> None:
    # The taste scores the prompt's own words or an off-idea title highly; users still never take it.
    echo = "A single line, no quotes, no explanation."
    off_idea = "Why Everyone Loves This Simple Trick"
    taste = Taste()
    assert taste.score(IDEAS[0], off_idea) > taste.score(IDEAS[0], plain(IDEAS[0], "base"))
    for title in (echo, off_idea):
        result = run_benchmark(IDEAS * 5, "echo", serving(title))
        assert result.interval().rate == 0.0
        assert result.never_taken == (0, 30)
        assert result.ties == 0


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
