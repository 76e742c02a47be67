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
# "<<Title>>": a title in doubled angle brackets, as quotes; a single pair stays a placeholder.
_ANGLE_QUOTED = re.compile(r"^<<+\s*(.*?)\s*>>+$")
_CHATTER = re.compile(
    r"^(sure|here'?s|here is|here are|certainly|of course|absolutely|okay|ok\b|great|"
    r"i\b|i'm|i’m|i've|as an|your (video )?title|the title|this title|video idea|"
    r"thank|hope|let me|feel free|[a-z]:\s)",
    re.IGNORECASE,
)


_PLACEHOLDER = re.compile(r"[\[{<][^\]}>]{1,40}[\]}>]")
_WORD = re.compile(r"[\w']+")
_CLAUSES = [_WORD.findall(phrase) for phrase in instruction_phrases()]
ECHO_RUN = 3  # words in a row of one of the prompt's longer clauses ("one title only")
# Anywhere in a title: a whole clause of the instructions (the idea's label, "video idea",
# among them), or a run of a long one. The model echoes them far more often than a real
# title says "no explanation" by chance; with the label it talks about the request
# ("What a great video idea!", "... the original inspiration for the video idea.").
_ECHOES = [
    run
    for clause in _CLAUSES
    if len(clause) >= 2
    for run in (
        [clause]
        if len(clause) <= ECHO_RUN
        else [clause[i : i + ECHO_RUN] for i in range(len(clause) - ECHO_RUN + 1)]
    )
]
# Each word of the idea's label on its own ("video", "idea"): the model describing the
# request ("A video about bees in a hive.", "... is a great idea!") instead of titling it.
_LABEL_WORDS = [[word] for word in _WORD.findall(IDEA_LABEL.casefold())]
REPEAT_WORDS = 3  # a run of this many words said twice in one title is a repetition


def words(text: str) -> list[str]:
    """The text's words, case folded: what the cleaning rules and `distinct` compare."""
    return _WORD.findall(text.casefold())


def _same_word(word: str, phrase_word: str) -> bool:
    """The phrase's word, or its plural ("no explanations" echoes "no explanation")."""
    return word in (phrase_word, phrase_word + "s", phrase_word + "es")


def _contains(words: list[str], phrase: list[str]) -> bool:
    size = len(phrase)
    return any(
        all(_same_word(w, p) for w, p in zip(words[i : i + size], phrase, strict=True))
        for i in range(len(words) - size + 1)
    )


def _says_unless_the_idea_does(title: str, idea: str, phrases: list[list[str]]) -> bool:
    title_words, idea_words = words(title), words(idea)
    return any(_contains(title_words, phrase) and not _contains(idea_words, phrase) for phrase in phrases)


def _echoes_prompt(title: str, idea: str) -> bool:
    """A clause of the prompt's instructions, or three words in a row of a long
    one, anywhere in the title, unless the idea says it too (an idea about
    drawing with a single line)."""
    return _says_unless_the_idea_does(title, idea, _ECHOES)


def speaks_of_the_request(title: str, idea: str) -> bool:
    """A word of the idea's label ("video", "idea", or its plural) that the idea
    itself does not use ("Teaching Grandma to Video Call" stays for an idea
    about video calls)."""
    return _says_unless_the_idea_does(title, idea, _LABEL_WORDS)


def _repeats_a_fragment(title: str) -> bool:
    title_words = words(title)
    runs = [tuple(title_words[i : i + REPEAT_WORDS]) for i in range(len(title_words) - REPEAT_WORDS + 1)]
    return len(runs) != len(set(runs))


IDEA_COVERAGE = 0.8  # share of the idea's words a copy repeats
COPY_OWN_WORDS = 1  # words of its own a copy may add ("casting" for "cast", "Explained")


def copies_idea(title: str, idea: str) -> bool:
    """The idea handed back: most of the idea's words, and at most one word of
    the title's own. A title that reuses part of a long idea ("How I Fixed My
    Sourdough Starter") still writes something; one that restates all of it
    does not."""
    title_words, idea_words = set(words(title)), set(words(idea))
    if not idea_words or len(title_words - idea_words) > COPY_OWN_WORDS:
        return False
    return len(title_words & idea_words) >= IDEA_COVERAGE * len(idea_words)


# Checks on a title freed of its decorations, in order: (reason, is it unusable for this idea).
_CHECKS: tuple[tuple[str, Callable[[str, str], bool]], ...] = (
    ("chatter", lambda t, _: bool(_CHATTER.match(t))),
    ("too short", lambda t, _: len(t) < MIN_CHARS or len(t.split()) < 2),
    ("too long", lambda t, _: len(t) > MAX_CHARS),
    ("broken characters", lambda t, _: "\ufffd" in t),
    ("prompt echo", _echoes_prompt),
    ("speaks of the request", speaks_of_the_request),
    ("placeholder", lambda t, _: bool(_PLACEHOLDER.search(t))),
    ("repeated fragment", lambda t, _: _repeats_a_fragment(t)),
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
        line = _ANGLE_QUOTED.sub(r"\1", line)
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
    reason = next((reason for reason, unusable in _CHECKS if unusable(title, idea or "")), None)
    if reason is not None:
        return CleanResult(None, True, reason)
    if idea is not None and copies_idea(title, idea):
        return CleanResult(None, True, "copies the idea")
    return CleanResult(title, title != raw.strip())
