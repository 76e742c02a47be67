"""Acceptance rate per version over time as an inline SVG: no script, no
chart library; each adapter version's first served set is marked as its
activation. A point sits in the middle of its time bucket."""

from __future__ import annotations

from datetime import datetime
from html import escape
from typing import Any

WIDTH, HEIGHT, PAD = 640, 220, 32
COLOURS = ["#3b6fd8", "#d8703b", "#2f9e5b", "#a33bd8", "#d83b6f", "#6b7b8c", "#b8a21f", "#1fa3b8"]


def _time(value: str) -> float:
    return datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()


def acceptance_svg(timeline: dict[str, Any]) -> str:
    points = timeline.get("points", [])
    starts = timeline.get("versions", [])
    if not points:
        return (
            '<p class="muted">No feedback in the window yet: the chart appears once users choose titles.</p>'
        )
    bucket_s = float(timeline.get("bucket_minutes", 5)) * 60
    activations = [v for v in starts if v["model_version"] != "base"]
    times = [_time(p["bucket_start"]) for p in points]
    first = min(times + [_time(v["first_served"]) for v in activations])
    last = max(times) + bucket_s
    span = max(last - first, 1.0)

    def x(t: float) -> float:
        return PAD + (t - first) / span * (WIDTH - 2 * PAD)

    def y(rate: float) -> float:
        return HEIGHT - PAD - rate * (HEIGHT - 2 * PAD)

    versions = list(
        dict.fromkeys([v["model_version"] for v in starts] + [p["model_version"] for p in points])
    )
    colour = {v: COLOURS[i % len(COLOURS)] for i, v in enumerate(versions)}
    parts = [
        f'<svg viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-labelledby="chart-title" class="chart">',
        '<title id="chart-title">Acceptance rate per version over time</title>',
        f'<line x1="{PAD}" y1="{y(0)}" x2="{WIDTH - PAD}" y2="{y(0)}" class="axis"/>',
        f'<line x1="{PAD}" y1="{y(1)}" x2="{WIDTH - PAD}" y2="{y(1)}" class="grid"/>',
        f'<text x="4" y="{y(1) + 4}" class="label">100%</text>',
        f'<text x="4" y="{y(0) + 4}" class="label">0%</text>',
    ]
    for start in activations:
        at = x(_time(start["first_served"]))
        name = escape(start["model_version"])
        parts.append(
            f'<line x1="{at:.1f}" y1="{PAD / 2}" x2="{at:.1f}" y2="{y(0)}" class="activation" '
            f'stroke="{colour[start["model_version"]]}"><title>{name} first served</title></line>'
        )
    for version in versions:
        own = sorted(
            (_time(p["bucket_start"]) + bucket_s / 2, p["acceptance_rate"])
            for p in points
            if p["model_version"] == version
        )
        if not own:
            continue
        line = " ".join(f"{x(t):.1f},{y(r):.1f}" for t, r in own)
        parts.append(f'<polyline points="{line}" fill="none" stroke="{colour[version]}" stroke-width="2"/>')
        parts.extend(
            f'<circle cx="{x(t):.1f}" cy="{y(r):.1f}" r="3" fill="{colour[version]}">'
            f"<title>{escape(version)}: {r:.0%}</title></circle>"
            for t, r in own
        )
    parts.append("</svg>")
    legend = "".join(
        f'<li><span class="swatch" style="background:{colour[v]}"></span>{escape(v)}</li>' for v in versions
    )
    return "".join(parts) + f'<ul class="legend">{legend}</ul>'
