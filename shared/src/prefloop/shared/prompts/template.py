"""Prompt template v1 for YouTube-style title suggestions."""

from __future__ import annotations

import re
from typing import Any, Protocol

PROMPT_TEMPLATE_VERSION = "v1"

_SYSTEM = (
    "You write YouTube video titles. Reply with one title only: a single line, no quotes, no explanation."
)
IDEA_LABEL = "Video idea"  # the user message's fields
TITLE_LABEL = "Title"


class ChatTokenizer(Protocol):
    def apply_chat_template(self, conversation: Any, **kwargs: Any) -> Any: ...


def instruction_phrases() -> list[str]:
    """The prompt's own clauses ("a single line", "no quotes", ...), lowercased:
    a title that repeats one is the model echoing its instructions."""
    clauses = re.split(r"[.:,;]", f"{_SYSTEM}. {IDEA_LABEL}: {TITLE_LABEL}:")
    phrases = [c.strip().lower() for c in clauses]
    return [p for p in phrases if len(p.split()) >= 2 or p == TITLE_LABEL.lower()]


def normalise_idea(idea: str) -> str:
    """Collapse whitespace and case so the same idea hashes the same way."""
    return re.sub(r"\s+", " ", idea).strip().lower()


def prompt_messages(idea: str) -> list[dict[str, str]]:
    return [
        {"role": "system", "content": _SYSTEM},
        {"role": "user", "content": f"{IDEA_LABEL}: {idea.strip()}\n{TITLE_LABEL}:"},
    ]


def render_prompt(tokenizer: ChatTokenizer, idea: str) -> str:
    """The exact text the model continues, chat template and generation cue included."""
    text = tokenizer.apply_chat_template(prompt_messages(idea), tokenize=False, add_generation_prompt=True)
    if not isinstance(text, str):
        raise TypeError("the tokenizer's chat template did not render to text")
    return text
