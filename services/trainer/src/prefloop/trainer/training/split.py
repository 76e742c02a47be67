"""Held-out data is split by idea, never by pair: an idea's pairs all sit on one side."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from typing import Protocol, TypeVar


class HasIdeaHash(Protocol):
    @property
    def idea_hash(self) -> str: ...


T = TypeVar("T", bound=HasIdeaHash)


def is_held_out(idea_hash: str, eval_fraction: float) -> bool:
    # A stable per-idea draw. Salted, so it is independent of any other split
    # made from the same idea hash (the simulator's own held-out ideas, say).
    draw = hashlib.sha256(f"prefloop-eval:{idea_hash}".encode()).hexdigest()
    return int(draw[:8], 16) / 0xFFFFFFFF < eval_fraction


def split_by_idea(pairs: Sequence[T], eval_fraction: float) -> tuple[list[T], list[T]]:
    train = [p for p in pairs if not is_held_out(p.idea_hash, eval_fraction)]
    held_out = [p for p in pairs if is_held_out(p.idea_hash, eval_fraction)]
    return train, held_out
