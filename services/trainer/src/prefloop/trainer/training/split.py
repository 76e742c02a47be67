"""Held-out data is split by idea, never by pair: an idea's pairs all sit on
one side, and an idea keeps its side for good once a round has seen it (the
trainer stores it), so an idea trained on in one round is never held out in
a later one, nor the other way round."""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from typing import Protocol, TypeVar


class HasIdeaHash(Protocol):
    @property
    def idea_hash(self) -> str: ...


T = TypeVar("T", bound=HasIdeaHash)
Sides = Mapping[str, bool]  # idea hash -> held out


def _draw(idea_hash: str) -> float:
    # A stable per-idea draw. Salted, so it is independent of any other split
    # made from the same idea hash (the simulator's own held-out ideas, say).
    digest = hashlib.sha256(f"prefloop-eval:{idea_hash}".encode()).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF


def assign_sides(idea_hashes: Iterable[str], eval_fraction: float, known: Sides) -> dict[str, bool]:
    """Each idea's side: a known idea keeps its own; a new one is drawn. With two
    ideas or more and a non-zero fraction, when every idea would sit on one
    side, one new idea is moved to the other, so the round trains and can be
    gated; a lone new idea trains; a known idea is never moved."""
    ideas = set(idea_hashes)
    sides = {h: known[h] if h in known else _draw(h) < eval_fraction for h in ideas}
    new = sorted(ideas - set(known), key=_draw)
    if eval_fraction == 0:
        return {h: known.get(h, False) for h in ideas}
    if len(ideas) == 1 and new:
        sides[new[0]] = False  # a lone new idea trains
    elif len(ideas) >= 2 and new:
        if not any(sides.values()):
            sides[new[0]] = True  # the new idea closest to the held-out side
        elif all(sides.values()):
            sides[new[-1]] = False
    return sides


def split_by_sides(pairs: Sequence[T], sides: Sides) -> tuple[list[T], list[T]]:
    """(train, held-out)."""
    return [p for p in pairs if not sides[p.idea_hash]], [p for p in pairs if sides[p.idea_hash]]


def split_by_idea(
    pairs: Sequence[T], eval_fraction: float, known: Sides | None = None
) -> tuple[list[T], list[T]]:
    """(train, held-out) with the sides `assign_sides` gives."""
    return split_by_sides(pairs, assign_sides((p.idea_hash for p in pairs), eval_fraction, known or {}))
