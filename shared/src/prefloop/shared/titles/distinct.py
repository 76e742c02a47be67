"""When two titles count as one: what "N distinct titles" means to a reader.

A set of "The Ultimate Guide to Fixing Your Sourdough Starters!" and "The
Ultimate Guide to Fixing Sourdough Starters!" offers one title, not two, though
the strings differ. A policy narrowing onto one template writes such sets, so
the inference service (what users are shown), the health gate (what counts as
a full set) and the gate's duels all ask `is_new` rather than compare strings.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from prefloop.shared.titles.cleaning import words

# Word sets sharing this share of their union are one title: one word in or out
# of a title of five or more words, or the same words in another case, order or
# punctuation. Shorter titles differ by a word and stay distinct.
SAME_TITLE_OVERLAP = 0.8


def same_title(a: str, b: str) -> bool:
    """Whether a reader would see `a` and `b` as one title."""
    words_a, words_b = set(words(a)), set(words(b))
    if not words_a or not words_b:
        return a.casefold() == b.casefold()
    return len(words_a & words_b) / len(words_a | words_b) >= SAME_TITLE_OVERLAP


def is_new(title: str, kept: Iterable[str]) -> bool:
    """Whether `title` adds a title to those `kept`."""
    return not any(same_title(title, other) for other in kept)


def new_titles(candidates: Iterable[str], kept: Sequence[str] = ()) -> list[str]:
    """Those of `candidates` that add a title to `kept` and to the ones before them, in order."""
    seen, added = list(kept), []
    for title in candidates:
        if is_new(title, seen):
            seen.append(title)
            added.append(title)
    return added


def distinct(titles: Iterable[str]) -> list[str]:
    """`titles` in order, each kept only when it adds a title to those before it."""
    return new_titles(titles)
