"""Clean one raw generation into a single title line, or drop it.

Small models answer with numbering, quotes, "Title:" prefixes, markdown and
chatter around the title; users need one clean line. Some answers are not
titles at all and are dropped with a reason: the prompt's own instructions
echoed back, template placeholders ("[Original Title]"), one fragment said
twice, broken characters, the idea itself handed back as its title.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from prefloop.shared.prompts import IDEA_LABEL, instruction_phrases

MIN_CHARS = 8
MAX_CHARS = 100

_PREFIX = re.compile(
    r"^\s*(?:[-*•>#]+\s*|\d{1,2}\s*[.):-]\s*|(?:(?:video|youtube|new|suggested)\s+)?title\s*\d*\s*[:\-–]\s*)",
    re.IGNORECASE,
)
_MARKDOWN = re.compile(r"(\*\*|__|`|\*)")
# "How about this: <title>", "Here's one: <title>": keep what follows the colon.
_LEAD_IN = re.compile(
    r"^(?:how about(?: this)?|here'?s (?:one|a title|my suggestion)|maybe|try|suggestion|option \d+)\s*:\s*",
    re.IGNORECASE,
)
_QUOTES = "\"'“”‘’«»"
_CHATTER = re.compile(
    r"^(sure|here'?s|here is|here are|certainly|of course|absolutely|okay|ok\b|great|"
    r"i\b|i'm|i’m|i've|as an|your (video )?title|the title|this title|video idea|"
    r"thank|hope|let me|feel free|[a-z]:\s)",
    re.IGNORECASE,
)


_PLACEHOLDER = re.compile(r"[\[{<][^\]}>]{1,40}[\]}>]")
_WORD = re.compile(r"[\w']+")
_ECHOES = [_WORD.findall(phrase) for phrase in instruction_phrases()]
# As a heading, even a short clause is the model filling in its prompt ("A single line: ...",
# "A new video idea: ..."); two-word ones other than the idea's label also head real titles.
_HEADING_ECHOES = [phrase for phrase in _ECHOES if len(phrase) >= 3] + [_WORD.findall(IDEA_LABEL.casefold())]
REPEAT_WORDS = 3  # a run of this many words said twice in one title is a repetition


def _words(text: str) -> list[str]:
    return _WORD.findall(text.casefold())


def _contains(words: list[str], phrase: list[str]) -> bool:
    size = len(phrase)
    return any(words[i : i + size] == phrase for i in range(len(words) - size + 1))


def _echoes_prompt(title: str) -> bool:
    """One long clause of the prompt, or two of its short ones ("a single line,
    no quotes"): a title may say "no quotes" by chance, not both. Or a clause
    heading the title, before a colon: that is a label, not a chance phrase."""
    words = _words(title)
    found = [phrase for phrase in _ECHOES if len(phrase) >= 2 and _contains(words, phrase)]
    if any(len(phrase) >= 4 for phrase in found) or len(found) >= 2:
        return True
    headings = [_words(heading) for heading in title.split(":")[:-1]]
    return any(_contains(heading, phrase) for heading in headings for phrase in _HEADING_ECHOES)


def _repeats_a_fragment(title: str) -> bool:
    words = _words(title)
    runs = [tuple(words[i : i + REPEAT_WORDS]) for i in range(len(words) - REPEAT_WORDS + 1)]
    return len(runs) != len(set(runs))


IDEA_COVERAGE = 0.8  # share of the idea's words a copy repeats
COPY_OWN_WORDS = 1  # words of its own a copy may add ("casting" for "cast", "Explained")


def copies_idea(title: str, idea: str) -> bool:
    """The idea handed back: most of the idea's words, and at most one word of
    the title's own. A title that reuses part of a long idea ("How I Fixed My
    Sourdough Starter") still writes something; one that restates all of it
    does not."""
    title_words, idea_words = set(_words(title)), set(_words(idea))
    if not idea_words or len(title_words - idea_words) > COPY_OWN_WORDS:
        return False
    return len(title_words & idea_words) >= IDEA_COVERAGE * len(idea_words)


# Checks on a title freed of its decorations, in order: (reason, is it unusable).
_CHECKS: tuple[tuple[str, Callable[[str], bool]], ...] = (
    ("chatter", lambda t: bool(_CHATTER.match(t))),
    ("too short", lambda t: len(t) < MIN_CHARS or len(t.split()) < 2),
    ("too long", lambda t: len(t) > MAX_CHARS),
    ("broken characters", lambda t: "\ufffd" in t),
    ("prompt echo", _echoes_prompt),
    ("placeholder", lambda t: bool(_PLACEHOLDER.search(t))),
    ("repeated fragment", _repeats_a_fragment),
)
DROP_REASONS = ("empty", "unfinished", *(reason for reason, _ in _CHECKS), "copies the idea")


@dataclass(frozen=True)
class CleanResult:
    title: str | None  # None when the candidate was dropped
    changed: bool  # True when cleaning had to alter the text
    reason: str = ""  # why it was dropped


def _strip_decorations(line: str) -> str:
    previous = None
    while previous != line:
        previous = line
        line = _PREFIX.sub("", line, count=1)
        line = _LEAD_IN.sub("", line, count=1)
        line = _MARKDOWN.sub("", line).strip()
        if len(line) >= 2 and line[0] in _QUOTES and line[-1] in _QUOTES:
            line = line[1:-1].strip()
    return line.strip(_QUOTES + " ").strip()


def clean_title(raw: str, finished: bool = True, idea: str | None = None) -> CleanResult:
    """`finished` is False when generation stopped at the token limit mid-title;
    `idea`, when given, drops a title that only restates it."""
    lines = [line.strip() for line in raw.strip().splitlines() if line.strip()]
    if not lines:
        return CleanResult(None, True, "empty")
    title = _strip_decorations(lines[0])
    # More lines means more than a title; the first line is the title only
    # when the generation stopped cleanly after it.
    if not (finished or len(lines) > 1):
        return CleanResult(None, True, "unfinished")
    reason = next((reason for reason, unusable in _CHECKS if unusable(title)), None)
    if reason is not None:
        return CleanResult(None, True, reason)
    if idea is not None and copies_idea(title, idea):
        return CleanResult(None, True, "copies the idea")
    return CleanResult(title, title != raw.strip())
