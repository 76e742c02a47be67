"""Held-out data is split by idea, never by pair: an idea's pairs all sit on one side."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol, TypeVar


class HasIdeaHash(Protocol):
    @property
    def idea_hash(self) -> str: ...


T = TypeVar("T", bound=HasIdeaHash)


def _draw(idea_hash: str) -> float:
    # A stable per-idea draw. Salted, so it is independent of any other split
    # made from the same idea hash (the simulator's own held-out ideas, say).
    digest = hashlib.sha256(f"prefloop-eval:{idea_hash}".encode()).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF


def split_by_idea(pairs: Sequence[T], eval_fraction: float) -> tuple[list[T], list[T]]:
    """(train, held-out). With two ideas or more and a non-zero fraction, both
    sides get at least one idea, so every round trains and can be gated."""
    ideas = {p.idea_hash for p in pairs}
    held = {h for h in ideas if _draw(h) < eval_fraction}
    if len(ideas) < 2 or eval_fraction == 0:
        held = set()
    elif not held:
        held = {min(ideas, key=_draw)}
    elif held == ideas:
        held -= {max(ideas, key=_draw)}
    return [p for p in pairs if p.idea_hash not in held], [p for p in pairs if p.idea_hash in held]
