"""The default queue of ideas to label: a file of the operator's, or the
simulator's training ideas (never its held-out ones, which the learning
benchmark judges on)."""

from __future__ import annotations

from pathlib import Path


def idea_queue(ideas_file: Path | None) -> list[str]:
    if ideas_file is not None:
        lines = ideas_file.read_text(encoding="utf-8").splitlines()
        return [line.strip() for line in lines if line.strip() and not line.startswith("#")]
    from prefloop.simulator.ideas import split_ideas

    return split_ideas()[0]
