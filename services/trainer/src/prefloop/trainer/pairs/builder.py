"""Turn one feedback into preference pairs (pure: no I/O).

accept     -> the chosen title over each other shown title
edit       -> the user's text over every shown title
reject_all -> no pair (counted by the caller)
Pairs with an empty side or identical sides teach nothing and are dropped.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from prefloop.shared.events import FeedbackAction, FeedbackRecorded
from prefloop.shared.prompts import normalise_idea


@dataclass(frozen=True)
class Pair:
    idea: str
    idea_hash: str
    prompt_template_version: str
    chosen: str
    rejected: str
    user_id: str | None


def idea_hash(idea: str) -> str:
    return hashlib.sha256(normalise_idea(idea).encode()).hexdigest()


def build_pairs(event: FeedbackRecorded) -> tuple[list[Pair], int]:
    """Pairs of one feedback, and how many candidate pairs were dropped."""
    if event.action == FeedbackAction.REJECT_ALL:
        return [], 0
    chosen = (event.chosen_text or "").strip()
    pairs: list[Pair] = []
    dropped = 0
    for rejected in event.rejected:
        text = rejected.text.strip()
        if not chosen or not text or chosen.casefold() == text.casefold():
            dropped += 1
            continue
        pairs.append(
            Pair(
                idea=event.idea,
                idea_hash=idea_hash(event.idea),
                prompt_template_version=event.prompt_template_version,
                chosen=chosen,
                rejected=text,
                user_id=event.user_id,
            )
        )
    return pairs, dropped
