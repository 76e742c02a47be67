"""The idea dataset and its fixed split into training and held-out ideas."""

from __future__ import annotations

import hashlib
from importlib.resources import files

HELD_OUT_SHARE = 0.25


def load_ideas() -> list[str]:
    text = (files("prefloop.simulator") / "data" / "ideas.txt").read_text()
    return [line.strip() for line in text.splitlines() if line.strip() and not line.startswith("#")]


def is_held_out(idea: str) -> bool:
    digest = hashlib.sha256(idea.strip().lower().encode()).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF < HELD_OUT_SHARE


def split_ideas() -> tuple[list[str], list[str]]:
    """(training ideas, held-out ideas): simulated traffic only uses the first."""
    ideas = load_ideas()
    return [i for i in ideas if not is_held_out(i)], [i for i in ideas if is_held_out(i)]
